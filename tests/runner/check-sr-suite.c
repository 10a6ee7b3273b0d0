/* SPDX-License-Identifier: MIT */
/* Test selection: catalogue loading, layout expansion, ICS / DUT / regex filters. */

#include <string.h>

#include "sr-suite.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-suite");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static const gchar catalogue[] = "[catalogue]\n"
                                 "version=1\n"
                                 "[TC-CALLER-01]\n"
                                 "scenario=scenarios/caller.scenario\n"
                                 "requirements=SW-IPTV-04,SW-VOIP-06\n"
                                 "requirements_bidirectional=SW-RX-03\n"
                                 "summary=caller\n"
                                 "[TC-REJECT-01]\n"
                                 "scenario=scenarios/callee-reject.scenario\n"
                                 "layouts=unidirectional\n"
                                 "dut=voip\n"
                                 "ics=callee_reject\n"
                                 "[TC-VOD-01]\n"
                                 "scenario=/abs/resume-vod.scenario\n"
                                 "dut=iptv\n"
                                 "ics=vod, ixit.dialect_ok\n"
                                 "[TC-SIP-01]\n"
                                 "scenario=scenarios/sip.scenario\n"
                                 "layouts=bidirectional\n"
                                 "needs=sip,media\n"
                                 "ics_voip=voip.sip\n";

static GPtrArray *
load (void)
{
  g_autofree gchar *dir = g_build_filename (tmpdir, "conformance", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree gchar *path = g_build_filename (dir, "catalogue.ini", NULL);
  ck_assert (g_file_set_contents (path, catalogue, -1, NULL));
  g_autoptr (GError) error = NULL;
  GPtrArray *entries = sr_catalogue_load (path, &error);
  ck_assert_msg (entries != NULL, "%s", error ? error->message : "");
  return entries;
}

static const SrTestSpec *
spec (GPtrArray *tests, guint i)
{
  return g_ptr_array_index (tests, i);
}

START_TEST (test_expand_layouts)
{
  g_autoptr (GPtrArray) entries = load ();
  ck_assert_uint_eq (entries->len, 4); /* [catalogue] has no scenario: not a test */
  g_autoptr (GPtrArray) all
      = sr_catalogue_select (entries, NULL, NULL, NULL, FALSE, NULL, NULL, NULL);
  ck_assert_uint_eq (all->len, 6);
  ck_assert_str_eq (spec (all, 0)->id, "TC-CALLER-01.bidirectional");
  ck_assert_str_eq (spec (all, 1)->id, "TC-CALLER-01.unidirectional");
  ck_assert_str_eq (spec (all, 2)->id, "TC-REJECT-01.unidirectional");
  ck_assert (g_str_has_suffix (spec (all, 0)->scenario, "/scenarios/caller.scenario"));
  ck_assert (g_str_has_prefix (spec (all, 0)->scenario, tmpdir));
  ck_assert_str_eq (spec (all, 3)->scenario, "/abs/resume-vod.scenario");
  ck_assert_str_eq (spec (all, 0)->requirements[1], "SW-VOIP-06");
  /* requirements_<layout>: only in that layout's instance, after the common ones */
  ck_assert_str_eq (spec (all, 0)->requirements[2], "SW-RX-03");
  ck_assert_ptr_null (spec (all, 0)->requirements[3]);
  ck_assert_ptr_null (spec (all, 1)->requirements[2]);
  ck_assert_ptr_null (spec (all, 2)->requirements[0]);
  g_autoptr (GPtrArray) uni
      = sr_catalogue_select (entries, "bidirectional", NULL, NULL, FALSE, NULL, NULL, NULL);
  ck_assert_uint_eq (uni->len, 3);
  /* injection mode leaves out what needs SIP */
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) inj
      = sr_catalogue_select (entries, NULL, NULL, NULL, TRUE, NULL, skipped, NULL);
  ck_assert_uint_eq (inj->len, 5);
  ck_assert (strstr (g_ptr_array_index (skipped, 0), "TC-SIP-01: needs SIP"));
}
END_TEST

START_TEST (test_filters)
{
  g_autoptr (GPtrArray) entries = load ();
  g_autoptr (GKeyFile) ics = g_key_file_new ();
  g_key_file_set_string (ics, "options", "callee_reject", "yes");
  g_key_file_set_string (ics, "options", "vod", "no");
  g_key_file_set_string (ics, "ixit", "dialect_ok", "true");
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) t
      = sr_catalogue_select (entries, NULL, ics, NULL, FALSE, NULL, skipped, NULL);
  ck_assert_uint_eq (t->len, 4);
  ck_assert_uint_eq (skipped->len, 1);
  ck_assert (strstr (g_ptr_array_index (skipped, 0), "TC-VOD-01: ICS vod=no"));
  /* ics_voip applies only with a VoIP DUT */
  g_ptr_array_set_size (skipped, 0);
  g_autoptr (GPtrArray) v
      = sr_catalogue_select (entries, NULL, ics, "voip", FALSE, NULL, skipped, NULL);
  ck_assert_uint_eq (v->len, 3);
  ck_assert (strstr (g_ptr_array_index (skipped, 1), "TC-SIP-01: ICS voip.sip"));
  g_ptr_array_set_size (skipped, 0);
  g_autoptr (GPtrArray) voip
      = sr_catalogue_select (entries, NULL, NULL, "voip", FALSE, NULL, skipped, NULL);
  ck_assert_uint_eq (voip->len, 4); /* caller (iptv,voip) x2 + reject + sip */
  ck_assert_uint_eq (skipped->len, 1);
  g_autoptr (GPtrArray) re
      = sr_catalogue_select (entries, NULL, NULL, NULL, FALSE, "REJECT|VOD.*bi", NULL, NULL);
  ck_assert_uint_eq (re->len, 2);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (sr_catalogue_select (entries, NULL, NULL, NULL, FALSE, "(", NULL, &error));
  ck_assert (error->domain == G_REGEX_ERROR);
  ck_assert (sr_ics_supports (ics, "ixit.dialect_ok"));
  ck_assert (!sr_ics_supports (ics, "nothing"));
}
END_TEST

START_TEST (test_scenario_tests_and_errors)
{
  g_autofree gchar *path = stbsim_test_source_path ("scenarios/callee-accept.scenario");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) t = sr_scenario_tests (path, NULL, &error);
  ck_assert_msg (t != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (t->len, 2);
  ck_assert_str_eq (spec (t, 0)->id, "callee-accept.bidirectional");
  ck_assert_ptr_null (sr_catalogue_load ("/nonexistent/catalogue.ini", &error));
}
END_TEST

static Suite *
suite_suite (void)
{
  Suite *s = suite_create ("sr-suite");
  TCase *core = tcase_create ("core");
  tcase_add_checked_fixture (core, setup, teardown);
  tcase_set_timeout (core, 10);
  tcase_add_test (core, test_expand_layouts);
  tcase_add_test (core, test_filters);
  tcase_add_test (core, test_scenario_tests_and_errors);
  suite_add_tcase (s, core);
  return s;
}

int
main (void)
{
  return stbsim_test_run (suite_suite ());
}
