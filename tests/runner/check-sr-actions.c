/* SPDX-License-Identifier: MIT */
/* The action registry: table sanity, descriptions, validation. */

#include <string.h>

#include "sr-actions.h"
#include "sr-scenario.h"
#include "stbsim-test.h"

START_TEST (test_table_sane)
{
  guint n = 0;
  for (const SrActionType *t = sr_action_types; t->name; t++, n++)
    {
      ck_assert_ptr_eq (sr_action_type_lookup (t->name), t);
      ck_assert_msg (t->description && *t->description, "%s has no description", t->name);
      if (t->handler)
        ck_assert_msg (t->default_timeout_s > 0, "%s is not bounded", t->name);
      for (const SrParamSpec *p = t->params; p && p->name; p++)
        ck_assert_msg (p->description != NULL, "%s.%s has no description", t->name, p->name);
    }
  ck_assert_uint_ge (n, 15);
  const gchar *required[]
      = { "start",          "press-key",       "dial",    "wait-event", "expect-event",
          "expect-message", "expect-no-event", "measure", "kill",       "restart",
          "impair",         "profile",         "inject",  "meta",       "set-vars",
          "include" };
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    ck_assert_msg (sr_action_type_lookup (required[i]) != NULL, "%s missing", required[i]);
  ck_assert_ptr_null (sr_action_type_lookup ("sleep")); /* every wait is on an event */
}
END_TEST

START_TEST (test_describe)
{
  g_autofree gchar *all = sr_action_types_describe_all ();
  ck_assert (strstr (all, "measure:") != NULL);
  ck_assert (strstr (all, "budget") != NULL);
  const SrActionType *t = sr_action_type_lookup ("press-key");
  g_autofree gchar *d = sr_action_type_describe (t);
  ck_assert (strstr (d, "target") && strstr (d, "(string, mandatory)"));
  ck_assert (strstr (d, "default timeout: 2.0 s"));
  ck_assert_ptr_nonnull (sr_action_type_find_param (t, "timeout"));
  ck_assert_ptr_null (sr_action_type_find_param (sr_action_type_lookup ("meta"), "timeout2"));
}
END_TEST

START_TEST (test_validate_and_timeout)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrAction) ok = sr_scenario_parse_line ("dial, number=\"0123\"", "f", 1, NULL, &error);
  ck_assert (sr_action_validate (ok, &error));
  ck_assert (sr_action_timeout (ok) == 5.0);
  g_autoptr (SrAction) t
      = sr_scenario_parse_line ("dial, number=1, timeout=0.5", "f", 1, NULL, &error);
  ck_assert (sr_action_validate (t, &error));
  ck_assert (sr_action_timeout (t) == 0.5);
  /* a number written unquoted is still a valid string parameter */
  g_autoptr (SrAction) num = sr_scenario_parse_line ("dial, number=1234", "f", 1, NULL, &error);
  ck_assert (sr_action_validate (num, &error));
  ck_assert_str_eq (sr_action_get_string (num, "number", NULL), "1234");
  g_autoptr (SrAction) bad
      = sr_scenario_parse_line ("measure, name=x, from=a", "f.scenario", 7, NULL, &error);
  ck_assert (!sr_action_validate (bad, &error));
  ck_assert (strstr (error->message, "f.scenario:7:1: action 'measure' needs parameter 'to'"));
  ck_assert (strstr (error->message, "budget"));
}
END_TEST

static Suite *
actions_suite (void)
{
  Suite *s = suite_create ("sr-actions");
  TCase *core = tcase_create ("core");
  tcase_set_timeout (core, 10);
  tcase_add_test (core, test_table_sane);
  tcase_add_test (core, test_describe);
  tcase_add_test (core, test_validate_and_timeout);
  suite_add_tcase (s, core);
  return s;
}

int
main (void)
{
  return stbsim_test_run (actions_suite ());
}
