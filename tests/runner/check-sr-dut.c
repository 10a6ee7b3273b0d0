/* SPDX-License-Identifier: MIT */
/* The vendor path (sr-dut.h): DUT command templates expanded per argument, ICS launch
 * templates. */

#include "sr-dut.h"
#include "sr-screen.h"
#include "stbsim-test.h"

static GHashTable *
values (void)
{
  GHashTable *v = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (v, "socket", "/tmp/run dir/qcop.sock");
  g_hash_table_insert (v, "layout", "unidirectional");
  g_hash_table_insert (v, "dialect", "/x/evil; touch /tmp/pwned 'q\".ini");
  g_hash_table_insert (v, "ready_fd", "3");
  g_hash_table_insert (v, "t_show_ms", "2000");
  return v;
}

START_TEST (test_values_stay_one_argument)
{
  g_autoptr (GHashTable) v = values ();
  g_autoptr (GError) error = NULL;
  gboolean ready = TRUE;
  g_auto (GStrv) argv = sr_dut_expand ("sh -c 'echo {dialect}' x --qcop {socket} --layout={layout}",
                                       v, &ready, &error);
  g_assert_no_error (error);
  ck_assert_uint_eq (g_strv_length (argv), 7);
  ck_assert_str_eq (argv[2], "echo /x/evil; touch /tmp/pwned 'q\".ini");
  ck_assert_str_eq (argv[5], "/tmp/run dir/qcop.sock");
  ck_assert_str_eq (argv[6], "--layout=unidirectional");
  ck_assert (!ready);
}
END_TEST

START_TEST (test_legacy_percent_s_and_ready_fd)
{
  g_autoptr (GHashTable) v = values ();
  g_autoptr (GError) error = NULL;
  gboolean ready = FALSE;
  g_auto (GStrv) argv = sr_dut_expand ("dut -qws %s --ready-fd {ready_fd}", v, &ready, &error);
  g_assert_no_error (error);
  ck_assert_str_eq (argv[2], "/tmp/run dir/qcop.sock");
  ck_assert_str_eq (argv[4], "3");
  ck_assert (ready);
}
END_TEST

START_TEST (test_missing_value_drops_the_option_pair)
{
  g_autoptr (GHashTable) v = values ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = sr_dut_expand (
      "dut --lineup {lineup} --vod={vod_base} --t-show-ms {t_show_ms} --sip-proxy sip:{registrar}",
      v, NULL, &error);
  g_assert_no_error (error);
  /* --lineup {lineup} goes as a pair; --vod=... and sip:{registrar} lose their argument */
  g_autofree gchar *joined = g_strjoinv (" ", argv);
  ck_assert_str_eq (joined, "dut --t-show-ms 2000 --sip-proxy");
}
END_TEST

/* {display}: a Qt GUI DUT's display number; naming it asks for a screen (sr-screen.h) */
START_TEST (test_display_placeholder)
{
  g_autoptr (GHashTable) v = values ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) without = sr_dut_expand ("qt --display {display} -x", v, NULL, &error);
  g_assert_no_error (error);
  g_autofree gchar *joined = g_strjoinv (" ", without);
  ck_assert_str_eq (joined, "qt -x"); /* no screen in this test: the pair goes */
  g_hash_table_insert (v, "display", "50007");
  g_auto (GStrv) with = sr_dut_expand ("qt --display {display} -x", v, NULL, &error);
  g_assert_no_error (error);
  ck_assert_str_eq (with[2], "50007");
  SrConfig cfg = { .dut_iptv = (gchar *)"qt --display {display}" };
  ck_assert (sr_screen_wanted (&cfg));
  cfg.dut_iptv = (gchar *)"c --qcop-socket {socket}";
  ck_assert (!sr_screen_wanted (&cfg));
}
END_TEST

START_TEST (test_unknown_placeholder_is_an_error)
{
  g_autoptr (GHashTable) v = values ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = sr_dut_expand ("dut --x {sockett}", v, NULL, &error);
  ck_assert (argv == NULL);
  g_assert_error (error, SR_DUT_ERROR, SR_DUT_ERROR_TEMPLATE);
  ck_assert (strstr (error->message, "{sockett}") != NULL);
  g_clear_error (&error);
  ck_assert (sr_dut_expand ("dut '{socket", v, NULL, &error) == NULL);
  ck_assert (error != NULL);
}
END_TEST

START_TEST (test_ics_roles)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *iptv = NULL, *voip = NULL, *inject = NULL;
  ck_assert (g_key_file_load_from_data (kf,
                                        "[implementation]\nroles=voip\n[ixit]\n"
                                        "voip_inject_command=v --inject {socket}\nt_show_ms=1500\n",
                                        -1, 0, NULL));
  ck_assert (sr_dut_from_ics (kf, "x.ini", &iptv, &voip, &inject, &error));
  ck_assert (iptv == NULL && voip == NULL);
  ck_assert_str_eq (inject, "v --inject {socket}");
  g_autofree gchar *t = sr_dut_ics_value (kf, "t_show_ms", "5000");
  ck_assert_str_eq (t, "1500");
  g_autofree gchar *d = sr_dut_ics_value (kf, "t_dialog_ms", "30000");
  ck_assert_str_eq (d, "30000");

  /* a declared role without its command: a clear error naming the key */
  g_autoptr (GKeyFile) bad = g_key_file_new ();
  ck_assert (
      g_key_file_load_from_data (bad, "[implementation]\nroles=iptv,voip\n[ixit]\n", -1, 0, NULL));
  ck_assert (!sr_dut_from_ics (bad, "bad.ini", NULL, NULL, NULL, &error));
  ck_assert (strstr (error->message, "iptv_command") != NULL);
  g_clear_error (&error);
  g_autoptr (GKeyFile) norole = g_key_file_new ();
  ck_assert (g_key_file_load_from_data (norole, "[implementation]\nroles=tv\n", -1, 0, NULL));
  ck_assert (!sr_dut_from_ics (norole, "r.ini", NULL, NULL, NULL, &error));
  ck_assert (strstr (error->message, "unknown role 'tv'") != NULL);
}
END_TEST

static Suite *
dut_suite (void)
{
  Suite *s = suite_create ("sr-dut");
  TCase *tc = tcase_create ("core");
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_values_stay_one_argument);
  tcase_add_test (tc, test_legacy_percent_s_and_ready_fd);
  tcase_add_test (tc, test_missing_value_drops_the_option_pair);
  tcase_add_test (tc, test_display_placeholder);
  suite_add_tcase (s, tc);
  TCase *errors = tcase_create ("errors");
  tcase_set_timeout (errors, 10);
  tcase_add_test (errors, test_unknown_placeholder_is_an_error);
  tcase_add_test (errors, test_ics_roles);
  suite_add_tcase (s, errors);
  return s;
}

int
main (void)
{
  return stbsim_test_run (dut_suite ());
}
