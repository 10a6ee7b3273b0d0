/* SPDX-License-Identifier: MIT */
/* Reports: junit.xml valid against ci/junit.xsd and naming requirement + evidence,
 * results.json, report.html, atomic writes, unfinished tests marked. */

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sr-report.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-report");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static SrTestResult *
make_test (const gchar *id, SrVerdict v, gboolean finished, SrTimeline *timeline)
{
  SrTestResult *t = sr_test_result_new (id);
  t->scenario = g_strdup ("scenarios/x.scenario");
  t->layout = g_strdup ("bidirectional");
  t->summary = g_strdup ("summary <with> & markup");
  t->requirements = g_strsplit ("SW-CALLEE-3,SW-MSG-TYPE", ",", -1);
  t->started = TRUE;
  t->finished = finished;
  t->start_ns = 1000000000;
  t->end_ns = 1500000000;
  if (v == SR_VERDICT_FAIL)
    sr_test_result_report (t, "sw::wrong-message-type", SR_VERDICT_FAIL, "SW-MSG-TYPE", 1100000000,
                           "voip sent messageType 1 (must be 2) with parameter 4");

  else if (v == SR_VERDICT_INCONC)
    sr_test_result_report (t, "agent::not-implemented", SR_VERDICT_INCONC, NULL, 1100000000,
                           "no agent events");
  else if (v == SR_VERDICT_ERROR)
    sr_test_result_report (t, "run::component-exited", SR_VERDICT_ERROR, NULL, 1100000000,
                           "stb-qcopd exited");
  else
    sr_test_result_set_verdict (t, v);
  sr_test_result_add_latency (t, "key-to-page", "key.voip|key=ok", "voip.page", "callee.page",
                              12345678, 500000000);
  const gchar *lanes[][2] = { { "harness", "voip" },
                              { "iptv", "server" },
                              { "server", "voip" },
                              { "voip", NULL },
                              { "farend", "ims" } };
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    {
      gboolean sip = i == 4;
      g_autoptr (SrEvent) e = sr_event_new (1000000000 + i * 1000000,
                                            i == 3 ? SR_EVENT_AGENT
                                            : sip  ? SR_EVENT_SIP
                                                   : SR_EVENT_QCOP,
                                            lanes[i][0], sip ? "ims.rx" : "CALLEE_SHOW_VIDEO_PAGE");
      e->target = g_strdup (lanes[i][1]);
      e->details = g_strdup (sip ? "sip=200;method=INVITE;cseq=2" : "page=main");
      sr_timeline_add (timeline, e);
      g_ptr_array_add (t->events, sr_event_ref (e));
    }
  return t;
}

/* A test that failed on a message that never came, worded as sr-handlers.c words it. */
static SrTestResult *
make_missing_test (const gchar *id, SrTimeline *timeline)
{
  SrTestResult *t = make_test (id, SR_VERDICT_PASS, TRUE, timeline);
  sr_test_result_report (t, "sw::missing-message", SR_VERDICT_FAIL, "SW-VOIP-06", 1100000000,
                         "%s/scenarios/common/remote-hangup.scenario:5: voip did not send "
                         "RESUME_IPTV (type 2) on QPE/ServiceSwitch within 0.20 s",
                         g_getenv ("STBSIM_SOURCE_ROOT"));
  return t;
}

static SrReport *
make_report (SrTimeline *timeline)
{
  g_autofree gchar *dir = g_build_filename (tmpdir, "run-1", NULL);
  SrReport *r = sr_report_new ("run-1", dir);
  r->suite_name = g_strdup ("conformance");
  r->mode = g_strdup ("injection");
  r->dut_voip = g_strdup ("vendor: /opt/v --qcop %s");
  r->timeline = timeline;
  r->ics = g_key_file_new ();
  g_key_file_set_string (r->ics, "ics", "callee.reject", "yes");
  g_ptr_array_add (r->tests, make_test ("caller.bidirectional", SR_VERDICT_PASS, TRUE, timeline));
  g_ptr_array_add (r->tests, make_test ("callee.bidirectional", SR_VERDICT_FAIL, TRUE, timeline));
  g_ptr_array_add (r->tests, make_test ("resume.bidirectional", SR_VERDICT_INCONC, TRUE, timeline));
  g_ptr_array_add (r->tests, make_test ("infra.bidirectional", SR_VERDICT_ERROR, TRUE, timeline));
  g_ptr_array_add (r->tests, make_test ("cut.bidirectional", SR_VERDICT_PASS, FALSE, timeline));
  return r;
}

static gchar *
read_run_file (const SrReport *r, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (r->run_dir, name, NULL);
  gchar *text = NULL;
  ck_assert_msg (g_file_get_contents (path, &text, NULL, NULL), "%s missing", path);
  return text;
}

/* xmllint --schema XSD XML: TRUE when valid; @err gets xmllint's complaint. */
static gboolean
xsd_valid (const gchar *xsd_rel, const gchar *xml, gchar **err)
{
  g_autofree gchar *xsd = stbsim_test_source_path (xsd_rel);
  const gchar *argv[] = { "xmllint", "--noout", "--schema", xsd, xml, NULL };
  gint status = -1;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               err, &status, &error),
                 "xmllint (libxml2-utils) is required: %s", error ? error->message : "");
  return g_spawn_check_wait_status (status, NULL);
}

/* Both schemas: ours (ci/junit.xsd) and the Jenkins xUnit plugin's (tests/runner/junit-10.xsd,
 * origin in its header). */
static void
assert_junit_valid (const SrReport *r)
{
  g_autofree gchar *xml = g_build_filename (r->run_dir, "junit.xml", NULL);
  const gchar *schemas[] = { "ci/junit.xsd", "tests/runner/junit-10.xsd" };
  for (guint i = 0; i < G_N_ELEMENTS (schemas); i++)
    {
      g_autofree gchar *err = NULL;
      ck_assert_msg (xsd_valid (schemas[i], xml, &err), "%s: %s", schemas[i], err);
    }
}

START_TEST (test_junit_valid)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autoptr (SrReport) r = make_report (tl);
  g_autoptr (GError) error = NULL;
  ck_assert_msg (sr_report_write_all (r, &error), "%s", error ? error->message : "");
  assert_junit_valid (r);
  g_autofree gchar *text = read_run_file (r, "junit.xml");
  /* inconclusive counts as a failure by default */
  ck_assert_msg (strstr (text, "tests=\"5\" failures=\"2\" errors=\"2\" skipped=\"0\""), "%s",
                 text);
  /* the failure names requirement and evidence */
  ck_assert (strstr (text, "<failure message=\"SW-MSG-TYPE sw::wrong-message-type: voip sent "
                           "messageType 1 (must be 2) with parameter 4\""));
  ck_assert (strstr (text, "unfinished: the run was interrupted during this test"));
  ck_assert (strstr (text, "<failure message=\"inconclusive: agent::not-implemented: no agent "
                           "events\" type=\"inconclusive\""));
  /* per testcase: verdict and requirement ids as properties, attachments in system-out */
  ck_assert (strstr (text, "<property name=\"verdict\" value=\"fail\"/>"));
  ck_assert (strstr (text, "<property name=\"requirement\" value=\"SW-MSG-TYPE\"/>"));
  ck_assert (strstr (text, "[[ATTACHMENT|"));
}
END_TEST

/* A JUnit-only gate: red when the file counts a failure or an error (what Jenkins, GitLab and
 * most CI plugins do). */
static gboolean
junit_gate_green (const gchar *junit)
{
  g_autoptr (GRegex) re
      = g_regex_new ("<testsuite [^>]*failures=\"([0-9]+)\" errors=\"([0-9]+)\"", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  ck_assert (g_regex_match (re, junit, 0, &m));
  g_autofree gchar *f = g_match_info_fetch (m, 1), *e = g_match_info_fetch (m, 2);
  return g_str_equal (f, "0") && g_str_equal (e, "0");
}

/* Issue 13: one inconclusive test must not let a JUnit-only gate go green (Eclipse Titan's
 * JUnit logger had the same bug); --junit-inconclusive=skipped restores the old mapping. */
START_TEST (test_junit_inconclusive_gate)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autofree gchar *dir = g_build_filename (tmpdir, "run-i", NULL);
  g_autoptr (SrReport) r = sr_report_new ("run-i", dir);
  g_ptr_array_add (r->tests, make_test ("a.bidirectional", SR_VERDICT_PASS, TRUE, tl));
  g_ptr_array_add (r->tests, make_test ("b.bidirectional", SR_VERDICT_INCONC, TRUE, tl));
  g_autofree gchar *junit = sr_report_junit (r);
  ck_assert_msg (!junit_gate_green (junit), "inconclusive run went green:\n%s", junit);
  r->junit_inconc_skipped = TRUE;
  g_autofree gchar *skipped = sr_report_junit (r);
  ck_assert_msg (junit_gate_green (skipped), "%s", skipped);
  ck_assert (strstr (skipped, "<skipped message=\"inconclusive: agent::not-implemented"));
  ck_assert (sr_report_write_all (r, NULL));
  assert_junit_valid (r);
}
END_TEST

/* Not applicable is reported everywhere; a run of only not-applicable tests exits 0. */
START_TEST (test_not_applicable)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autofree gchar *dir = g_build_filename (tmpdir, "run-na", NULL);
  g_autoptr (SrReport) r = sr_report_new ("run-na", dir);
  g_ptr_array_add (r->not_applicable, sr_not_applicable_new ("TC-VIDEO-01", "ICS voip.video=no"));
  ck_assert_int_eq (sr_report_exit_code (r), 0);
  ck_assert (sr_report_write_all (r, NULL));
  assert_junit_valid (r);
  g_autofree gchar *junit = read_run_file (r, "junit.xml");
  ck_assert_msg (strstr (junit, "<skipped message=\"not applicable: ICS voip.video=no\""), "%s",
                 junit);
  ck_assert (strstr (junit, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""));
  g_autofree gchar *json = read_run_file (r, "results.json");
  ck_assert (strstr (json, "\"reason\" : \"ICS voip.video=no\""));
  ck_assert (strstr (json, "\"not_applicable\" : 1"));
  g_autofree gchar *html = read_run_file (r, "report.html");
  ck_assert (strstr (html, "not applicable") && strstr (html, "ICS voip.video=no"));
  /* with a test that ran, its verdict decides again */
  g_ptr_array_add (r->tests, make_test ("b.bidirectional", SR_VERDICT_INCONC, TRUE, tl));
  ck_assert_int_eq (sr_report_exit_code (r), 2);
  /* nothing selected at all is still "nothing ran" */
  g_ptr_array_set_size (r->tests, 0);
  g_ptr_array_set_size (r->not_applicable, 0);
  ck_assert_int_eq (sr_report_exit_code (r), 3);
}
END_TEST

/* The decisive scenario line, repository-relative, in JUnit and results.json; the chart marks
 * the message that never came at its deadline. */
START_TEST (test_decisive_line_and_chart)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autofree gchar *dir = g_build_filename (tmpdir, "run-d", NULL);
  g_autoptr (SrReport) r = sr_report_new ("run-d", dir);
  r->source_root = g_strdup (g_getenv ("STBSIM_SOURCE_ROOT"));
  g_ptr_array_add (r->tests, make_missing_test ("m.bidirectional", tl));
  g_autofree gchar *file = NULL;
  guint line = 0;
  ck_assert (sr_report_decisive_line (g_ptr_array_index (r->tests, 0), &file, &line));
  ck_assert_uint_eq (line, 5);
  ck_assert (sr_report_write_all (r, NULL));
  assert_junit_valid (r);
  g_autofree gchar *junit = read_run_file (r, "junit.xml");
  ck_assert_msg (strstr (junit, "<property name=\"decisive_line\" "
                                "value=\"scenarios/common/remote-hangup.scenario:5\"/>"),
                 "%s", junit);
  g_autofree gchar *html = read_run_file (r, "report.html");
  /* the deadline: issue time 1100 ms + 0.20 s = +300.0 ms after the test's start (1000 ms) */
  ck_assert_msg (strstr (html, "deadline +300.0 ms: sw::missing-message SW-VOIP-06"), "%s", html);
  ck_assert (strstr (html, "RESUME_IPTV never came"));
  ck_assert (strstr (html, "class=\"cross\""));
  /* an event that did not follow: the cross on the lane that should have reported it */
  SrTestResult *late = make_test ("l.bidirectional", SR_VERDICT_PASS, TRUE, tl);
  sr_test_result_report (late, "latency::no-end-event", SR_VERDICT_FAIL, "SW-TIME-21", 1100000000,
                         "x.scenario:6: resume-to-first-frame: iptv.first-frame did not follow "
                         "RESUME_IPTV within 10.00 s");
  g_ptr_array_add (r->tests, late);
  g_autofree gchar *html2 = sr_report_html (r);
  ck_assert_msg (strstr (html2, "iptv.first-frame never came"), "%s", html2);
  ck_assert (strstr (html2, "deadline +10100.0 ms: latency::no-end-event SW-TIME-21"));
  g_ptr_array_remove_index (r->tests, 1);
  /* a pass has no mark */
  g_ptr_array_add (r->tests, make_test ("p.bidirectional", SR_VERDICT_PASS, TRUE, tl));
  ck_assert (!sr_report_decisive_line (g_ptr_array_index (r->tests, 1), &file, &line));
}
END_TEST

START_TEST (test_results_json)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autoptr (SrReport) r = make_report (tl);
  ck_assert (sr_report_write_all (r, NULL));
  g_autofree gchar *text = read_run_file (r, "results.json");
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_data (p, text, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  ck_assert_str_eq (json_object_get_string_member (o, "verdict"), "error");
  ck_assert_int_eq (json_object_get_int_member (o, "exit_code"), 3);
  JsonArray *tests = json_object_get_array_member (o, "tests");
  ck_assert_uint_eq (json_array_get_length (tests), 5);
  JsonObject *t1 = json_array_get_object_element (tests, 1);
  ck_assert_str_eq (json_object_get_string_member (t1, "verdict"), "fail");
  JsonObject *issue
      = json_array_get_object_element (json_object_get_array_member (t1, "issues"), 0);
  ck_assert_str_eq (json_object_get_string_member (issue, "requirement"), "SW-MSG-TYPE");
  JsonObject *lat
      = json_array_get_object_element (json_object_get_array_member (t1, "latencies"), 0);
  ck_assert (json_object_get_double_member (lat, "value_ms") > 12.3);
  ck_assert (json_object_get_boolean_member (lat, "within_budget"));
  JsonObject *t4 = json_array_get_object_element (tests, 4);
  ck_assert (!json_object_get_boolean_member (t4, "finished"));
  g_autofree gchar *trace = read_run_file (r, "trace.jsonl");
  g_auto (GStrv) lines = g_strsplit (g_strstrip (trace), "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), 25); /* 5 tests x 5 events */
}
END_TEST

START_TEST (test_html)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autoptr (SrReport) r = make_report (tl);
  ck_assert (sr_report_write_all (r, NULL));
  g_autofree gchar *html = read_run_file (r, "report.html");
  ck_assert (strstr (html, "<svg"));
  ck_assert (strstr (html, "IPTV") && strstr (html, "VoIP") && strstr (html, "server (QCOP)")
             && strstr (html, "IMS core") && strstr (html, "far end"));
  /* SIP as an arrow labelled with status and method, not as raw details */
  ck_assert (strstr (html, ">200 INVITE</text>"));
  /* only a vendor module is labelled DUT */
  ck_assert (strstr (html, "VoIP module (DUT)"));
  ck_assert (strstr (html, "IPTV module (reference, not under test)"));
  ck_assert (strstr (html, "IPTV module (DUT)") == NULL);
  /* top first: counts before the verdict table, ICS in the appendix after the tests */
  const gchar *counts = strstr (html, "chip pass\">1 pass"),
              *table = strstr (html, "<h2>Verdicts</h2>");
  const gchar *ics = strstr (html, "ics.callee.reject"), *test = strstr (html, "<h2 id=\"t0\"");
  ck_assert (counts && table && ics && test && counts < table && table < test && test < ics);
  ck_assert (strstr (html, "Switch latency"));
  ck_assert (strstr (html, "summary &lt;with&gt; &amp; markup"));
  ck_assert (strstr (html, "vendor: /opt/v --qcop %s"));
  ck_assert (strstr (html, "ics.callee.reject"));
  ck_assert (strstr (html, "SW-MSG-TYPE"));
  ck_assert (strstr (html, "12.346"));
  ck_assert (strstr (html, "unfinished"));
  /* self-contained: nothing fetched from elsewhere */
  ck_assert (strstr (html, "<script") == NULL && strstr (html, "src=") == NULL
             && strstr (html, "<link") == NULL);
}
END_TEST

START_TEST (test_atomic_write)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "f.txt", NULL);
  struct stat before, after;
  ck_assert (sr_report_write_file (path, "one", NULL));
  ck_assert_int_eq (stat (path, &before), 0);
  ck_assert (sr_report_write_file (path, "two", NULL));
  ck_assert_int_eq (stat (path, &after), 0);
  /* replaced by rename: a new inode, never the old file rewritten in place */
  ck_assert (before.st_ino != after.st_ino);
  g_autofree gchar *text = NULL;
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_str_eq (text, "two");
  /* no temporary files left behind */
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name (dir))
    n++;
  ck_assert_uint_eq (n, 1);
  /* a failing write leaves the old file intact */
  g_autofree gchar *bad = g_build_filename (tmpdir, "nodir", "f.txt", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (!sr_report_write_file (bad, "x", &error));
  ck_assert_ptr_nonnull (error);
}
END_TEST

START_TEST (test_summary_and_verdict)
{
  g_autoptr (SrTimeline) tl = sr_timeline_new ();
  g_autoptr (SrReport) r = sr_report_new ("r", tmpdir);
  ck_assert_int_eq (sr_report_verdict (r), SR_VERDICT_NONE);
  g_ptr_array_add (r->tests, make_test ("a", SR_VERDICT_PASS, TRUE, tl));
  ck_assert_int_eq (sr_report_verdict (r), SR_VERDICT_PASS);
  g_ptr_array_add (r->tests, make_test ("b", SR_VERDICT_FAIL, TRUE, tl));
  ck_assert_int_eq (sr_report_verdict (r), SR_VERDICT_FAIL);
  g_autofree gchar *s = sr_report_summary (r);
  ck_assert (strstr (s, "SW-MSG-TYPE sw::wrong-message-type"));
  ck_assert (strstr (s, "overall: fail (exit 1)"));
  g_ptr_array_add (r->tests, make_test ("c", SR_VERDICT_PASS, FALSE, tl));
  ck_assert_int_eq (sr_report_verdict (r), SR_VERDICT_ERROR);
}
END_TEST

/* ---- hostile text (issue 11) -------------------------------------------------------------- */

static void
spawn_ok (const gchar *const *argv, const gchar *what)
{
  gint status = -1;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error),
                 "%s: %s", what, error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "%s:\n%s%s", what, out, err);
}

/* Names, summary, requirements and evidence full of control characters and invalid UTF-8:
 * junit.xml validates against the schema, report.html and results.json parse strictly. */
static const gchar hostile[]
    = "meta, name=\"bad\001name\377\376\", summary=\"sum\002mary \303\050 \177 \302\205 "
      "end\", requirements=\"SW-X\003\", timeout=10\n"
      "checkpoint, name=\"cp\004\377\"\n"
      "wait-event, name=voip.call, match=\"peer=ev\005\300\257\033[31m\357\277\276\", "
      "timeout=0.2\n";

START_TEST (test_hostile_text_e2e)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "hostile.scenario", NULL);
  ck_assert (g_file_set_contents (path, hostile, -1, NULL));
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  const gchar *argv[]
      = { exe, "run", path, "--layout", "bidirectional", "--quiet", "--report-dir", reports, NULL };
  gint status = -1;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                           &status, &error));
  /* the wait-event times out: inconclusive, with the hostile name in the evidence */
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 2, "status %d: %s%s", status, out,
                 err);
  g_autoptr (GDir) dir = g_dir_open (reports, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  g_autofree gchar *run_dir = g_build_filename (reports, g_dir_read_name (dir), NULL);
  g_autofree gchar *xsd = stbsim_test_source_path ("ci/junit.xsd");
  g_autofree gchar *xml = g_build_filename (run_dir, "junit.xml", NULL);
  const gchar *xmllint[] = { "xmllint", "--noout", "--schema", xsd, xml, NULL };
  spawn_ok (xmllint, "xmllint --schema ci/junit.xsd junit.xml");
  g_autofree gchar *script = stbsim_test_source_path ("tests/runner/check-report-wellformed.py");
  const gchar *py[] = { "/usr/bin/python3", script, run_dir, NULL };
  spawn_ok (py, "check-report-wellformed.py (report.html, results.json)");
  g_autofree gchar *json = g_build_filename (run_dir, "results.json", NULL);
  g_autofree gchar *text = stbsim_test_read_file (json, 1 << 20);
  /* replaced, not dropped: the reader still sees where the bad bytes were */
  ck_assert_msg (strstr (text, "bad\357\277\275name") != NULL, "%s", text);
  ck_assert_msg (strstr (text, "ev\357\277\275") != NULL, "%s", text);
}
END_TEST

/* The cleaning itself, byte by byte. */
START_TEST (test_clean_text)
{
  static const struct
  {
    const gchar *in, *out;
  } rows[] = {
    { "plain <&> text", "plain <&> text" },
    { "tab\tlf\ncr\r", "tab\tlf\ncr\r" },
    { "a\001b", "a\357\277\275b" },
    { "\177\302\205", "\357\277\275\357\277\275" },             /* DEL, U+0085 */
    { "x\377y", "x\357\277\275y" },                             /* invalid byte */
    { "\355\240\200", "\357\277\275\357\277\275\357\277\275" }, /* a surrogate */
    { "\357\277\276", "\357\277\275" },                         /* U+FFFE */
    { "\360\237\230\200 ok", "\360\237\230\200 ok" },           /* U+1F600 stays */
  };
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree gchar *c = sr_report_clean_text (rows[i].in);
      ck_assert_msg (g_str_equal (c, rows[i].out), "row %u", i);
    }
  ck_assert_ptr_null (sr_report_clean_text (NULL));
  g_autofree gchar *m = sr_report_markup_escape ("<\002>");
  ck_assert_str_eq (m, "&lt;\357\277\275&gt;");
}
END_TEST

static Suite *
report_suite (void)
{
  Suite *s = suite_create ("sr-report");
  TCase *core = tcase_create ("core");
  tcase_add_checked_fixture (core, setup, teardown);
  tcase_set_timeout (core, 20);
  tcase_add_test (core, test_junit_valid);
  tcase_add_test (core, test_junit_inconclusive_gate);
  tcase_add_test (core, test_not_applicable);
  tcase_add_test (core, test_decisive_line_and_chart);
  tcase_add_test (core, test_results_json);
  tcase_add_test (core, test_html);
  tcase_add_test (core, test_atomic_write);
  tcase_add_test (core, test_summary_and_verdict);
  suite_add_tcase (s, core);
  TCase *hostile_tc = tcase_create ("hostile");
  tcase_add_checked_fixture (hostile_tc, setup, teardown);
  tcase_set_timeout (hostile_tc, 40);
  tcase_add_test (hostile_tc, test_clean_text);
  tcase_add_test (hostile_tc, test_hostile_text_e2e);
  suite_add_tcase (s, hostile_tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (report_suite ());
}
