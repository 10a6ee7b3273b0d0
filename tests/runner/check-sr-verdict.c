/* SPDX-License-Identifier: MIT */
/* Verdict arithmetic (TTCN-3 order, only gets worse) and exit codes. */

#include "sr-timeline.h"
#include "sr-verdict.h"
#include "stbsim-test.h"

START_TEST (test_merge_order)
{
  const SrVerdict order[]
      = { SR_VERDICT_NONE, SR_VERDICT_PASS, SR_VERDICT_INCONC, SR_VERDICT_FAIL, SR_VERDICT_ERROR };
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    for (guint j = 0; j < G_N_ELEMENTS (order); j++)
      {
        SrVerdict m = sr_verdict_merge (order[i], order[j]);
        ck_assert_int_eq (m, order[MAX (i, j)]);
        ck_assert_int_eq (m, sr_verdict_merge (order[j], order[i]));
      }
}
END_TEST

START_TEST (test_names_and_exit_codes)
{
  SrVerdict v;
  ck_assert_str_eq (sr_verdict_to_string (SR_VERDICT_INCONC), "inconc");
  ck_assert (sr_verdict_from_string ("inconclusive", &v) && v == SR_VERDICT_INCONC);
  ck_assert (sr_verdict_from_string ("fail", &v) && v == SR_VERDICT_FAIL);
  ck_assert (!sr_verdict_from_string ("bogus", &v));
  ck_assert_int_eq (sr_verdict_exit_code (SR_VERDICT_PASS), 0);
  ck_assert_int_eq (sr_verdict_exit_code (SR_VERDICT_FAIL), 1);
  ck_assert_int_eq (sr_verdict_exit_code (SR_VERDICT_INCONC), 2);
  ck_assert_int_eq (sr_verdict_exit_code (SR_VERDICT_ERROR), 3);
  ck_assert_int_eq (sr_verdict_exit_code (SR_VERDICT_NONE), 3);
  ck_assert_int_eq (SR_EXIT_USAGE, 4);
}
END_TEST

START_TEST (test_result_only_gets_worse)
{
  g_autoptr (SrTestResult) r = sr_test_result_new ("t");
  ck_assert_int_eq (r->verdict, SR_VERDICT_NONE);
  sr_test_result_set_verdict (r, SR_VERDICT_PASS);
  sr_test_result_report (r, "a::inconc", SR_VERDICT_INCONC, NULL, 1, "x");
  ck_assert_int_eq (r->verdict, SR_VERDICT_INCONC);
  sr_test_result_report (r, "sw::wrong-message-type", SR_VERDICT_FAIL, "SW-1", 2, "ev %d", 3);
  sr_test_result_report (r, "b::note", SR_VERDICT_PASS, NULL, 3, "ok");
  sr_test_result_set_verdict (r, SR_VERDICT_PASS);
  ck_assert_int_eq (r->verdict, SR_VERDICT_FAIL);
  const SrIssue *w = sr_test_result_worst_issue (r);
  ck_assert_str_eq (w->id, "sw::wrong-message-type");
  ck_assert_str_eq (w->requirement, "SW-1");
  ck_assert_str_eq (w->evidence, "ev 3");
  sr_test_result_report (r, "run::x", SR_VERDICT_ERROR, NULL, 4, "infra");
  ck_assert_int_eq (r->verdict, SR_VERDICT_ERROR);
  ck_assert_uint_eq (r->issues->len, 4);
}
END_TEST

START_TEST (test_timeline_order_and_match)
{
  g_autoptr (SrTimeline) t = sr_timeline_new ();
  const gint64 times[] = { 30, 10, 20, 20, 5 };
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr (SrEvent) e = sr_event_new (times[i], SR_EVENT_AGENT, "voip", "voip.page");
      e->details = g_strdup_printf ("page=main;n=%u", i);
      sr_timeline_add (t, e);
    }
  for (guint i = 1; i < t->events->len; i++)
    ck_assert (((SrEvent *)g_ptr_array_index (t->events, i - 1))->t_ns
               <= ((SrEvent *)g_ptr_array_index (t->events, i))->t_ns);
  SrEvent *e20 = g_ptr_array_index (t->events, 2);
  ck_assert (sr_event_matches (e20, "n=2")); /* stable for equal times */
  ck_assert (sr_event_matches (e20, "page=main, n=2"));
  ck_assert (!sr_event_matches (e20, "page=hidden"));
  ck_assert (!sr_event_matches (e20, "garbage"));
  ck_assert (sr_event_matches (e20, NULL));
  g_autoptr (GPtrArray) s = sr_timeline_slice (t, 10, 30);
  ck_assert_uint_eq (s->len, 3);
  g_autofree gchar *json = sr_event_to_json (e20);
  ck_assert_str_eq (json, "{\"t_ns\":20,\"kind\":\"agent\",\"source\":\"voip\",\"name\":"
                          "\"voip.page\",\"details\":\"page=main;n=2\"}");
}
END_TEST

static Suite *
verdict_suite (void)
{
  Suite *s = suite_create ("sr-verdict");
  TCase *core = tcase_create ("core");
  tcase_set_timeout (core, 10);
  tcase_add_test (core, test_merge_order);
  tcase_add_test (core, test_names_and_exit_codes);
  tcase_add_test (core, test_result_only_gets_worse);
  tcase_add_test (core, test_timeline_order_and_match);
  suite_add_tcase (s, core);
  return s;
}

int
main (void)
{
  return stbsim_test_run (verdict_suite ());
}
