/* SPDX-License-Identifier: MIT */
/*
 * End to end: the real stbsim binary runs scenarios through the real stack (stb-qcopd +
 * stb-iptv + stb-voip, injection mode), and a deliberately broken VoIP module (stb-voip
 * built with fault hooks, tests/runner/mutants.ini) put in place of ours with --dut makes the
 * verdict fail with the right requirement id. Also: a DUT without the agent interface is
 * inconclusive, an interrupted run leaves a report with the test marked unfinished, and junit.xml
 * validates against ci/junit.xsd.
 */

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sr-test-util.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-e2e");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* Run stbsim with @args (NULL-terminated) and a fresh report dir; returns the exit code and
 * the parsed results.json in @results. */
/* Does test @i have an issue at @level with @requirement (NULL: any)? */
static gboolean
has_issue (JsonParser *p, guint i, const gchar *level, const gchar *requirement)
{
  JsonArray *issues = json_object_get_array_member (sr_test_object (p, i), "issues");
  for (guint k = 0; k < json_array_get_length (issues); k++)
    {
      JsonObject *is = json_array_get_object_element (issues, k);
      const gchar *req = json_object_get_string_member_with_default (is, "requirement", "");
      if (g_str_equal (json_object_get_string_member (is, "level"), level)
          && (requirement == NULL || g_strcmp0 (req, requirement) == 0))
        return TRUE;
    }
  return FALSE;
}

static gchar *
scenario (const gchar *name)
{
  g_autofree gchar *rel = g_strdup_printf ("scenarios/%s.scenario", name);
  return stbsim_test_source_path (rel);
}

static gchar *
broken (const gchar *fault)
{
  g_autofree gchar *exe = stbsim_test_build_path ("tests/runner/broken-voip");
  return g_strdup_printf ("voip=%s --fault %s --qcop-socket %%s --layout {layout} "
                          "--dialect {dialect} --inject",
                          exe, fault);
}

/* ---- reference modules ------------------------------------------------------------------ */

START_TEST (test_reference_pass)
{
  const gchar *names[] = { "caller", "callee-accept" };
  g_autofree gchar *path = scenario (names[_i]);
  const gchar *args[] = { "run", path, NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  JsonObject *root = json_node_get_object (json_parser_get_root (r));
  if (rc != 0)
    {
      g_autofree gchar *t0 = sr_test_issues_text (r, 0), *t1 = sr_test_issues_text (r, 1);
      ck_abort_msg ("%s: exit %d, verdict %s%s%s", names[_i], rc,
                    json_object_get_string_member (root, "verdict"), t0, t1);
    }
  JsonArray *tests = json_object_get_array_member (root, "tests");
  ck_assert_uint_eq (json_array_get_length (tests), 2); /* both layouts */
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *t = sr_test_object (r, i);
      ck_assert_str_eq (json_object_get_string_member (t, "verdict"), "pass");
      ck_assert (json_object_get_boolean_member (t, "finished"));
      ck_assert_uint_gt (json_array_get_length (json_object_get_array_member (t, "latencies")), 0);
    }
  /* the merged timeline holds switch messages seen at the server and agent events */
  g_autofree gchar *trace_path = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree gchar *trace = NULL;
  ck_assert (g_file_get_contents (trace_path, &trace, NULL, NULL));
  ck_assert (strstr (trace, "\"kind\":\"qcop\"") && strstr (trace, "\"kind\":\"agent\""));
  /* junit.xml validates */
  g_autofree gchar *xsd = stbsim_test_source_path ("ci/junit.xsd");
  g_autofree gchar *xml = g_build_filename (dir, "junit.xml", NULL);
  const gchar *lint[] = { "xmllint", "--noout", "--schema", xsd, xml, NULL };
  gint status = -1;
  ck_assert (
      g_spawn_sync (NULL, (gchar **)lint, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, NULL));
  ck_assert (g_spawn_check_wait_status (status, NULL));
}
END_TEST

/* Real SIP: the run's own Kamailio (stbsim-ims) and a sipp caller (needs kamailio and sipp,
 * which ci/install-deps.sh installs). */
START_TEST (test_sip_callee_accept)
{
  g_autofree gchar *path = scenario ("sip-callee-accept");
  const gchar *args[] = { "run", path, "--layout", "bidirectional", "--mode", "sip", NULL };
  g_autoptr (JsonParser) r = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, NULL);
  g_autofree gchar *why = sr_test_issues_text (r, 0);
  ck_assert_msg (rc == 0, "exit %d:%s", rc, why);
}
END_TEST

/* ---- fault detection -------------------------------------------------------------------- */

static const struct
{
  const gchar *fault;
  const gchar *layout;
  const gchar *requirement;
} faults[] = {
  { "wrong-type", "bidirectional", "SW-MSG-02" },
  { "early-answer", "bidirectional", "SW-VOIP-04" },
  { "no-resume", "unidirectional", "SW-VOIP-06" },
  { "wrong-channel", "unidirectional", "SW-CHAN-03" },
};

START_TEST (test_broken_module_fails)
{
  g_autofree gchar *path = scenario ("callee-accept");
  g_autofree gchar *dut = broken (faults[_i].fault);
  const gchar *args[] = { "run", path, "--layout", faults[_i].layout, "--dut", dut, NULL };
  g_autoptr (JsonParser) r = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, NULL);
  JsonObject *t = sr_test_object (r, 0);
  g_autofree gchar *why = sr_test_issues_text (r, 0);
  ck_assert_msg (rc == 1, "%s: exit %d, verdict %s:%s", faults[_i].fault, rc,
                 json_object_get_string_member (t, "verdict"), why);
  ck_assert_str_eq (json_object_get_string_member (t, "verdict"), "fail");
  g_autofree gchar *text = sr_test_issues_text (r, 0);
  ck_assert_msg (has_issue (r, 0, "fail", faults[_i].requirement), "%s: no fail issue for %s:%s",
                 faults[_i].fault, faults[_i].requirement, text);
}
END_TEST

START_TEST (test_broken_module_without_fault_passes)
{
  g_autofree gchar *path = scenario ("callee-accept");
  g_autofree gchar *dut = broken ("none");
  const gchar *args[] = { "run", path, "--layout", "unidirectional", "--dut", dut, NULL };
  g_autoptr (JsonParser) r = NULL;
  ck_assert_int_eq (sr_test_stbsim (tmpdir, args, &r, NULL), 0);
}
END_TEST

START_TEST (test_dut_without_agent_is_inconclusive)
{
  g_autofree gchar *path = scenario ("callee-accept");
  g_autofree gchar *dut = broken ("no-agent");
  const gchar *args[]
      = { "run", path, "--layout", "bidirectional", "--dut", dut, "--agent-grace", "0.5", NULL };
  g_autoptr (JsonParser) r = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, NULL);
  JsonObject *t = sr_test_object (r, 0);
  ck_assert_msg (rc == 2, "exit %d, verdict %s", rc, json_object_get_string_member (t, "verdict"));
  ck_assert (has_issue (r, 0, "inconc", NULL));
}
END_TEST

/* ---- interruption ----------------------------------------------------------------------- */

START_TEST (test_interrupted_run_leaves_report)
{
  /* dialog-timeout with a vendor T_DIALOG it does not shorten: long enough to interrupt */
  g_autofree gchar *path = scenario ("dialog-timeout");
  g_autofree gchar *dut = broken ("none");
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports-int", NULL);
  const gchar *argv[]
      = { exe, "run", path, "--dut", dut, "--report-dir", reports, "--quiet", NULL };
  GPid pid;
  g_autoptr (GError) error = NULL;
  ck_assert (g_spawn_async (NULL, (gchar **)argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                | G_SPAWN_STDERR_TO_DEV_NULL,
                            NULL, NULL, &pid, &error));
  /* wait (bounded) until the first test is running: its dialog is shown (the DUT's log says
   * so; the report files are only rewritten between tests) */
  gboolean running = FALSE;
  for (guint i = 0; i < 200 && !running; i++)
    {
      g_autofree gchar *out = NULL;
      const gchar *find[]
          = { "sh", "-c", "grep -l 'voip.dialog' \"$0\"/*/logs/*/voip.log", reports, NULL };
      gint st;
      g_main_context_iteration (NULL, FALSE);
      g_spawn_sync (NULL, (gchar **)find, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &out, NULL, &st, NULL);
      running = out && *out;
      if (!running)
        g_usleep (50000); /* polling a file another process writes: no event to wait on */
    }
  ck_assert_msg (running, "the run never reached the dialog");
  kill (pid, SIGINT);
  gint status = 0;
  for (guint i = 0; i < 200; i++)
    {
      if (waitpid (pid, &status, WNOHANG) == pid)
        break;
      g_usleep (50000);
    }
  ck_assert_msg (WIFEXITED (status), "stbsim did not exit after SIGINT");
  ck_assert_int_eq (WEXITSTATUS (status), 3);
  g_autofree gchar *dir = sr_test_only_run_dir (reports);
  g_autofree gchar *json = g_build_filename (dir, "results.json", NULL);
  g_autoptr (JsonParser) r = json_parser_new ();
  ck_assert (json_parser_load_from_file (r, json, NULL));
  JsonObject *root = json_node_get_object (json_parser_get_root (r));
  ck_assert (!json_object_get_boolean_member (root, "finished"));
  ck_assert_ptr_nonnull (json_object_get_string_member (root, "interrupted"));
  ck_assert (!json_object_get_boolean_member (sr_test_object (r, 0), "finished"));
  g_autofree gchar *xml_path = g_build_filename (dir, "junit.xml", NULL);
  g_autofree gchar *xml = NULL;
  ck_assert (g_file_get_contents (xml_path, &xml, NULL, NULL));
  ck_assert (strstr (xml, "unfinished"));
}
END_TEST

static Suite *
e2e_suite (void)
{
  Suite *s = suite_create ("sr-e2e");
  TCase *ref = tcase_create ("reference");
  tcase_add_checked_fixture (ref, setup, teardown);
  tcase_set_timeout (ref, 60);
  tcase_add_loop_test (ref, test_reference_pass, 0, 2);
  tcase_add_test (ref, test_sip_callee_accept);
  suite_add_tcase (s, ref);
  TCase *faulty = tcase_create ("faults");
  tcase_add_checked_fixture (faulty, setup, teardown);
  tcase_set_timeout (faulty, 60);
  tcase_add_loop_test (faulty, test_broken_module_fails, 0, G_N_ELEMENTS (faults));
  tcase_add_test (faulty, test_broken_module_without_fault_passes);
  tcase_add_test (faulty, test_dut_without_agent_is_inconclusive);
  suite_add_tcase (s, faulty);
  TCase *intr = tcase_create ("interrupt");
  tcase_add_checked_fixture (intr, setup, teardown);
  tcase_set_timeout (intr, 60);
  tcase_add_test (intr, test_interrupted_run_leaves_report);
  suite_add_tcase (s, intr);
  return s;
}

int
main (void)
{
  return stbsim_test_run (e2e_suite ());
}
