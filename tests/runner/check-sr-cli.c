/* SPDX-License-Identifier: MIT */
/* The command line's manners (issue 13): --version with the build's commit, per-command
 * --help, one-line usage errors exiting 4, ASCII-only console text under LC_ALL=C, `list`
 * with a header and --json, and a selection of only not-applicable tests exiting 0 with a
 * JUnit file valid against the Jenkins xUnit schema. */

#include <json-glib/json-glib.h>
#include <string.h>

#include "sr-test-util.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-cli");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gboolean
is_ascii (const gchar *text)
{
  for (const guchar *p = (const guchar *)text; *p; p++)
    if (*p >= 0x80)
      return FALSE;
  return TRUE;
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;
  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

START_TEST (test_version)
{
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "--version", NULL };
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, args, &out, &err), 0);
  /* "stbsim 0.1.0 (commit <git describe>)": the commit is embedded at build time */
  g_autoptr (GRegex) re = g_regex_new ("^stbsim [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit [0-9a-f]{7,}"
                                       "(-dirty)?\\)\n$",
                                       0, 0, NULL);
  ck_assert_msg (g_regex_match (re, out, 0, NULL), "%s", out);
}
END_TEST

/* Each command's --help lists its own options, not every option of the program. */
START_TEST (test_help_per_command)
{
  g_autofree gchar *run = NULL, *list = NULL, *bench = NULL, *err = NULL;
  const gchar *a[] = { "run", "--help", NULL };
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, a, &run, &err), 0);
  ck_assert (strstr (run, "stbsim [OPTION...] run FILE.scenario"));
  ck_assert (strstr (run, "--dut") && strstr (run, "--junit-inconclusive")
             && strstr (run, "--keep-artifacts"));
  ck_assert (strstr (run, "--repeat") == NULL);
  const gchar *b[] = { "list", "--help", NULL };
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, b, &list, &err), 0);
  ck_assert (strstr (list, "--json") && strstr (list, "--test"));
  ck_assert (strstr (list, "--dut") == NULL);
  const gchar *c[] = { "bench", "--help", NULL };
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, c, &bench, &err), 0);
  ck_assert (strstr (bench, "--baseline") && strstr (bench, "--save-baseline"));
}
END_TEST

/* A usage error: exit 4, one line and a hint on stderr, ASCII under LC_ALL=C. */
START_TEST (test_usage_errors)
{
  g_autofree gchar *missing = g_build_filename (tmpdir, "nope.scenario", NULL);
  g_autofree gchar *ics = g_build_filename (tmpdir, "nope.ini", NULL);
  const gchar *cases[][6] = {
    { "run", missing, NULL },                                 /* missing scenario: not 3 */
    { "suite", "conformance", "--catalogue", ics, NULL },     /* missing catalogue */
    { "suite", "conformance", "--ics", ics, NULL },           /* missing ICS */
    { "suite", "conformance", "--bogus", NULL },              /* GLib's option error */
    { "suite", "conformance", "--layout", "sideways", NULL }, /* bad value */
    { "frobnicate", NULL },                                   /* unknown command */
    { "suite", "conformance", "-t", "(", NULL },              /* bad regex */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;
      gint rc = sr_test_stbsim_output (tmpdir, cases[i], &out, &err);
      ck_assert_msg (rc == 4, "%s: exit %d: %s", cases[i][0], rc, err);
      ck_assert_msg (count_lines (err) == 2, "case %u: not one line + hint:\n%s", i, err);
      ck_assert_msg (strstr (err, "Try 'stbsim"), "no hint: %s", err);
      ck_assert_msg (is_ascii (err) && strchr (err, '?') == NULL, "not ASCII-clean: %s", err);
    }
}
END_TEST

/* GLib's own messages quote with curly quotes; under LC_ALL=C they must not become '?'. */
START_TEST (test_glib_quotes_ascii)
{
  g_autofree gchar *bad = g_build_filename (tmpdir, "bad.ini", NULL);
  ck_assert (g_file_set_contents (bad, "[implementation\nroles=voip\n", -1, NULL));
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "suite", "conformance", "--ics", bad, NULL };
  gint rc = sr_test_stbsim_output (tmpdir, args, &out, &err);
  ck_assert_msg (rc == 4, "exit %d: %s", rc, err);
  ck_assert_msg (is_ascii (err) && strchr (err, '?') == NULL, "%s", err);
}
END_TEST

START_TEST (test_list)
{
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "list", "-t", "^TC-CALLEE-01\\.", NULL };
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, args, &out, &err), 0);
  ck_assert_msg (g_str_has_prefix (out, "TEST "), "no header: %s", out);
  ck_assert (strstr (out, "TC-CALLEE-01.bidirectional"));
  ck_assert (strstr (out, "2 test(s)\n"));
  g_autofree gchar *json = NULL;
  const gchar *jargs[] = { "list", "--json", "-t", "^TC-CALLEE-01\\.", NULL };
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, jargs, &json, &err), 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert_msg (json_parser_load_from_data (p, json, -1, NULL), "%s", json);
  JsonArray *a = json_node_get_array (json_parser_get_root (p));
  ck_assert_uint_eq (json_array_get_length (a), 2);
  JsonObject *o = json_array_get_object_element (a, 0);
  ck_assert_str_eq (json_object_get_string_member (o, "case"), "TC-CALLEE-01");
  ck_assert (json_array_get_length (json_object_get_array_member (o, "requirements")) > 0);
}
END_TEST

/* Only not-applicable tests selected (SIP cases in injection mode): exit 0, listed on stdout,
 * in results.json and as <skipped> in junit.xml; -t is honoured for what is listed. */
START_TEST (test_only_not_applicable)
{
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[]
      = { "suite", "conformance", "-t", "^TC-SIP-CALLER-01\\.", "-q", "-r", reports, NULL };
  gint rc = sr_test_stbsim_output (tmpdir, args, &out, &err);
  ck_assert_msg (rc == 0, "exit %d: %s%s", rc, out, err);
  ck_assert (strstr (out, "not applicable: TC-SIP-CALLER-01: needs SIP"));
  ck_assert_msg (strstr (out, "not applicable: TC-SIP-CALLEE") == NULL, "-t ignored: %s", out);
  ck_assert (strstr (out, "overall: not applicable (exit 0)"));
  g_autoptr (GDir) d = g_dir_open (reports, 0, NULL);
  const gchar *run = g_dir_read_name (d);
  ck_assert_ptr_nonnull (run);
  g_autofree gchar *junit = g_build_filename (reports, run, "junit.xml", NULL);
  g_autofree gchar *text = NULL;
  ck_assert (g_file_get_contents (junit, &text, NULL, NULL));
  ck_assert (strstr (text, "<skipped message=\"not applicable: needs SIP (run with --mode sip)\""));
  g_autofree gchar *xsd = stbsim_test_source_path ("tests/runner/junit-10.xsd");
  const gchar *lint[] = { "xmllint", "--noout", "--schema", xsd, junit, NULL };
  gint status = -1;
  g_autofree gchar *lerr = NULL;
  ck_assert (g_spawn_sync (NULL, (gchar **)lint, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &lerr,
                           &status, NULL));
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "xmllint: %s", lerr);
  g_autofree gchar *json = g_build_filename (reports, run, "results.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_file (p, json, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  ck_assert_int_eq (json_object_get_int_member (o, "exit_code"), 0);
  JsonObject *harness = json_object_get_object_member (o, "harness");
  ck_assert (strlen (json_object_get_string_member (harness, "commit")) >= 7);
  ck_assert (strstr (json_object_get_string_member (o, "command_line"), "'^TC-SIP-CALLER-01\\.'"));
  ck_assert_int_eq (
      json_object_get_int_member (json_object_get_object_member (o, "counts"), "not_applicable"),
      1);
}
END_TEST

static Suite *
cli_suite (void)
{
  Suite *s = suite_create ("sr-cli");
  TCase *core = tcase_create ("core");
  tcase_set_timeout (core, 60);
  tcase_add_checked_fixture (core, setup, teardown);
  tcase_add_test (core, test_version);
  tcase_add_test (core, test_help_per_command);
  tcase_add_test (core, test_list);
  tcase_add_test (core, test_only_not_applicable);
  suite_add_tcase (s, core);
  TCase *errors = tcase_create ("errors");
  tcase_set_timeout (errors, 60);
  tcase_add_checked_fixture (errors, setup, teardown);
  tcase_add_test (errors, test_usage_errors);
  tcase_add_test (errors, test_glib_quotes_ascii);
  suite_add_tcase (s, errors);
  return s;
}

int
main (void)
{
  return stbsim_test_run (cli_suite ());
}
