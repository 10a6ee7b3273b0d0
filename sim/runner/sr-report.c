/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-report"

#include "sr-report.h"

#include <json-glib/json-glib.h>
#include <string.h>

SrNotApplicable *
sr_not_applicable_new (const gchar *id, const gchar *reason)
{
  SrNotApplicable *na = g_new0 (SrNotApplicable, 1);
  na->id = g_strdup (id);
  na->reason = g_strdup (reason);
  return na;
}

void
sr_not_applicable_free (SrNotApplicable *na)
{
  if (na == NULL)
    return;
  g_free (na->id);
  g_free (na->reason);
  g_free (na);
}

SrReport *
sr_report_new (const gchar *run_id, const gchar *run_dir)
{
  SrReport *r = g_new0 (SrReport, 1);
  r->run_id = g_strdup (run_id);
  r->run_dir = g_strdup (run_dir);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  r->started_utc = g_date_time_format_iso8601 (now);
  r->tests = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_test_result_free);
  r->not_applicable = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_not_applicable_free);
  return r;
}

void
sr_report_free (SrReport *r)
{
  if (r == NULL)
    return;
  g_free (r->run_id);
  g_free (r->run_dir);
  g_free (r->started_utc);
  g_free (r->suite_name);
  g_free (r->mode);
  g_free (r->profile);
  g_free (r->dut_iptv);
  g_free (r->dut_voip);
  g_free (r->ics_path);
  g_clear_pointer (&r->ics, g_key_file_unref);
  g_free (r->command_line);
  g_free (r->harness_version);
  g_free (r->harness_commit);
  g_free (r->host);
  g_free (r->source_root);
  g_ptr_array_unref (r->not_applicable);
  g_free (r->interrupted);
  g_clear_pointer (&r->extra_json, json_node_unref);
  g_free (r->extra_html);
  g_ptr_array_unref (r->tests);
  g_free (r);
}

SrVerdict
sr_report_verdict (const SrReport *report)
{
  SrVerdict v = SR_VERDICT_NONE;
  for (guint i = 0; i < report->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (report->tests, i);
      SrVerdict tv = t->verdict;
      if (!t->finished && tv < SR_VERDICT_ERROR)
        tv = SR_VERDICT_ERROR; /* unfinished: the run did not complete it */
      v = sr_verdict_merge (v, tv);
    }
  return v;
}

static gdouble
duration_s (const SrTestResult *t)
{
  if (t->start_ns == 0 || t->end_ns < t->start_ns)
    return 0.0;
  return (gdouble)(t->end_ns - t->start_ns) / 1e9;
}

void
sr_report_counts (const SrReport *r, SrReportCounts *c)
{
  memset (c, 0, sizeof *c);
  c->not_applicable = r->not_applicable ? r->not_applicable->len : 0;
  for (guint i = 0; i < r->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (r->tests, i);
      c->total++;
      if (!t->finished)
        {
          c->unfinished++;
          c->error++;
        }
      else if (t->verdict == SR_VERDICT_PASS)
        c->pass++;
      else if (t->verdict == SR_VERDICT_FAIL)
        c->fail++;
      else if (t->verdict == SR_VERDICT_INCONC)
        c->inconc++;
      else
        c->error++; /* error, or none: nothing was judged */
    }
}

int
sr_report_exit_code (const SrReport *r)
{
  SrVerdict v = sr_report_verdict (r);
  if (v == SR_VERDICT_NONE && r->tests->len == 0 && r->not_applicable && r->not_applicable->len > 0
      && r->interrupted == NULL)
    return SR_EXIT_PASS;
  return sr_verdict_exit_code (v);
}

gdouble
sr_report_duration_s (const SrReport *r)
{
  gint64 first = 0, last = 0;
  for (guint i = 0; i < r->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (r->tests, i);
      if (t->start_ns <= 0)
        continue;
      if (first == 0 || t->start_ns < first)
        first = t->start_ns;
      last = MAX (last, MAX (t->end_ns, t->start_ns));
    }
  return first > 0 ? (gdouble)(last - first) / 1e9 : 0.0;
}

gchar *
sr_report_repo_path (const SrReport *r, const gchar *path)
{
  if (path == NULL)
    return NULL;
  g_autofree gchar *abs = g_canonicalize_filename (path, NULL);
  if (r->source_root != NULL)
    {
      g_autofree gchar *root = g_canonicalize_filename (r->source_root, NULL);
      gsize n = strlen (root);
      if (g_str_has_prefix (abs, root) && abs[n] == '/')
        return g_strdup (abs + n + 1);
    }
  return g_strdup (g_path_is_absolute (path) ? abs : path);
}

gboolean
sr_report_decisive_line (const SrTestResult *t, gchar **file, guint *line)
{
  const SrIssue *worst = sr_test_result_worst_issue (t);
  if (worst == NULL || worst->evidence == NULL || t->verdict <= SR_VERDICT_PASS)
    return FALSE;
  g_autoptr (GRegex) re = g_regex_new ("([^\\s:'\"()]+\\.scenario):([0-9]+)", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  if (!g_regex_match (re, worst->evidence, 0, &m))
    return FALSE;
  g_autofree gchar *num = g_match_info_fetch (m, 2);
  *file = g_match_info_fetch (m, 1);
  *line = (guint)g_ascii_strtoull (num, NULL, 10);
  return TRUE;
}

/* ---- text fit for every report ------------------------------------------------------------ */

/* Characters XML 1.0 does not allow (C0 controls but tab, LF, CR; U+FFFE, U+FFFF), and the
 * C1 controls and DEL, which HTML calls parse errors: none of them may reach a report. */
static gboolean
report_char_ok (gunichar c)
{
  if (c < 0x20)
    return c == '\t' || c == '\n' || c == '\r';
  if (c >= 0x7f && c <= 0x9f)
    return FALSE;
  return c != 0xfffe && c != 0xffff;
}

gchar *
sr_report_clean_text (const gchar *text)
{
  if (text == NULL)
    return NULL;
  g_autofree gchar *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_sized_new (strlen (valid));
  for (const gchar *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (report_char_ok (c))
        g_string_append_unichar (out, c);
      else
        g_string_append (out, "\xef\xbf\xbd"); /* U+FFFD */
    }
  return g_string_free (out, FALSE);
}

gchar *
sr_report_markup_escape (const gchar *text)
{
  g_autofree gchar *clean = sr_report_clean_text (text ? text : "");
  return g_markup_escape_text (clean, -1);
}

/* ---- JUnit ------------------------------------------------------------------------------ */

static gint
compare_strings_ptr (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

static void
xml_attr (GString *out, const gchar *name, const gchar *value)
{
  g_autofree gchar *esc = sr_report_markup_escape (value);
  g_string_append_printf (out, " %s=\"%s\"", name, esc);
}

static gchar *
issue_line (const SrIssue *issue)
{
  return g_strdup_printf ("[%s] %s%s%s: %s", sr_verdict_to_string (issue->level), issue->id,
                          issue->requirement ? " requirement " : "",
                          issue->requirement ? issue->requirement : "", issue->evidence);
}

/* The outcome element of a testcase. Inconclusive is a <failure type="inconclusive"> unless
 * --junit-inconclusive=skipped: a gate that reads only JUnit must not go green on a run that
 * could not judge (Eclipse Titan's JUnit logger fixed the same bug). */
static void
junit_outcome (GString *out, const SrReport *r, const SrTestResult *t)
{
  const SrIssue *worst = sr_test_result_worst_issue (t);
  const gchar *elem = NULL, *type = NULL;
  g_autofree gchar *message = NULL;

  if (!t->finished)
    {
      elem = "error";
      type = "unfinished";
      message = g_strdup (t->started ? "unfinished: the run was interrupted during this test"
                                     : "not run: the run was interrupted before this test");
    }
  else if (t->verdict == SR_VERDICT_FAIL)
    elem = "failure";
  else if (t->verdict == SR_VERDICT_ERROR || t->verdict == SR_VERDICT_NONE)
    elem = "error";
  else if (t->verdict == SR_VERDICT_INCONC)
    {
      elem = r->junit_inconc_skipped ? "skipped" : "failure";
      type = "inconclusive";
    }
  if (elem == NULL)
    return;
  if (message == NULL && worst != NULL)
    message
        = g_strdup_printf ("%s%s%s%s: %s", t->verdict == SR_VERDICT_INCONC ? "inconclusive: " : "",
                           worst->requirement ? worst->requirement : "",
                           worst->requirement ? " " : "", worst->id, worst->evidence);
  if (message == NULL)
    message = g_strdup_printf ("verdict %s", sr_verdict_to_string (t->verdict));
  g_string_append_printf (out, "      <%s", elem);
  xml_attr (out, "message", message);
  xml_attr (out, "type", type ? type : worst ? worst->id : "verdict");
  g_string_append (out, ">");
  for (guint i = 0; i < t->issues->len; i++)
    {
      const SrIssue *issue = g_ptr_array_index (t->issues, i);
      if (issue->level < SR_VERDICT_INCONC)
        continue;
      g_autofree gchar *line = issue_line (issue);
      g_autofree gchar *esc = sr_report_markup_escape (line);
      g_string_append_printf (out, "%s\n", esc);
    }
  g_string_append_printf (out, "</%s>\n", elem);
}

static void
junit_counts (const SrReport *r, guint *tests, guint *failures, guint *errors, guint *skipped,
              gdouble *time)
{
  SrReportCounts c;
  sr_report_counts (r, &c);
  *tests = c.total + c.not_applicable;
  *errors = c.error;
  *failures = c.fail + (r->junit_inconc_skipped ? 0 : c.inconc);
  *skipped = c.not_applicable + (r->junit_inconc_skipped ? c.inconc : 0);
  *time = 0;
  for (guint i = 0; i < r->tests->len; i++)
    *time += duration_s (g_ptr_array_index (r->tests, i));
}

static void
junit_property (GString *out, const gchar *indent, const gchar *name, const gchar *value)
{
  g_string_append_printf (out, "%s<property", indent);
  xml_attr (out, "name", name);
  xml_attr (out, "value", value);
  g_string_append (out, "/>\n");
}

/* Per testcase <properties> (Jenkins junit plugin, Testmo and GitLab read them): the verdict,
 * the requirement ids, the decisive issue and the scenario line it names. */
static void
junit_case_properties (GString *out, const SrReport *r, const SrTestResult *t)
{
  const gchar *in = "        ";
  g_string_append (out, "      <properties>\n");
  junit_property (out, in, "verdict",
                  t->finished ? sr_verdict_to_string (t->verdict) : "unfinished");
  for (guint i = 0; t->requirements && t->requirements[i]; i++)
    junit_property (out, in, "requirement", t->requirements[i]);
  const SrIssue *worst = sr_test_result_worst_issue (t);
  if (worst != NULL && t->verdict > SR_VERDICT_PASS)
    {
      junit_property (out, in, "decisive_issue", worst->id);
      if (worst->requirement)
        junit_property (out, in, "decisive_requirement", worst->requirement);
    }
  g_autofree gchar *scenario = sr_report_repo_path (r, t->scenario);
  if (scenario)
    junit_property (out, in, "scenario", scenario);
  g_autofree gchar *file = NULL;
  guint line = 0;
  if (sr_report_decisive_line (t, &file, &line))
    {
      g_autofree gchar *rel = sr_report_repo_path (r, file);
      g_autofree gchar *loc = g_strdup_printf ("%s:%u", rel, line);
      junit_property (out, in, "file", rel);
      g_autofree gchar *num = g_strdup_printf ("%u", line);
      junit_property (out, in, "line", num);
      junit_property (out, in, "decisive_line", loc);
    }
  g_string_append (out, "      </properties>\n");
}

/* Where a test's files are, relative to the repository root when the run lies inside it. */
static gchar *
test_file (const SrReport *r, const gchar *dir, const gchar *id, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (r->run_dir, dir, id, name, NULL);
  return sr_report_repo_path (r, path);
}

static void
junit_system_out (GString *out, const SrReport *r, const SrTestResult *t)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree gchar *scenario = sr_report_repo_path (r, t->scenario);
  g_string_append_printf (text, "scenario: %s\nverdict: %s\n", scenario ? scenario : "",
                          t->finished ? sr_verdict_to_string (t->verdict) : "unfinished");
  g_autofree gchar *file = NULL;
  guint line = 0;
  if (sr_report_decisive_line (t, &file, &line))
    {
      g_autofree gchar *rel = sr_report_repo_path (r, file);
      g_string_append_printf (text, "decisive scenario line: %s:%u\n", rel, line);
    }
  if (t->requirements)
    {
      g_autofree gchar *reqs = g_strjoinv (", ", t->requirements);
      g_string_append_printf (text, "requirements: %s\n", reqs);
    }
  g_autofree gchar *logs = test_file (r, "logs", t->id, NULL);
  g_autofree gchar *capture = test_file (r, "tests", t->id, "capture.pcapng");
  g_autofree gchar *capture_gz = g_strconcat (capture, ".gz", NULL);
  g_autofree gchar *abs_cap = g_build_filename (r->run_dir, "tests", t->id, "capture.pcapng", NULL);
  g_autofree gchar *abs_cap_gz = g_strconcat (abs_cap, ".gz", NULL);
  const gchar *cap = g_file_test (abs_cap_gz, G_FILE_TEST_EXISTS) ? capture_gz : capture;
  g_string_append_printf (text, "logs: %s/\ncapture: %s\n", logs, cap);
  for (guint i = 0; i < t->issues->len; i++)
    {
      g_autofree gchar *l = issue_line (g_ptr_array_index (t->issues, i));
      g_string_append_printf (text, "%s\n", l);
    }
  for (guint i = 0; i < t->latencies->len; i++)
    {
      const SrLatency *l = g_ptr_array_index (t->latencies, i);
      g_string_append_printf (text, "latency %s: %.3f ms\n", l->name,
                              l->value_ns < 0 ? -1.0 : (gdouble)l->value_ns / 1e6);
    }
  /* the attachment convention of Jenkins' junit-attachments plugin and Testmo */
  g_string_append_printf (text, "[[ATTACHMENT|%s]]\n", cap);
  g_autofree gchar *abs_logs = g_build_filename (r->run_dir, "logs", t->id, NULL);
  g_autoptr (GDir) d = g_dir_open (abs_logs, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (const gchar *n; d && (n = g_dir_read_name (d)) != NULL;)
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, (GCompareFunc)compare_strings_ptr);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (text, "[[ATTACHMENT|%s/%s]]\n", logs,
                            (const gchar *)g_ptr_array_index (names, i));
  g_autofree gchar *esc = sr_report_markup_escape (text->str);
  g_string_append_printf (out, "      <system-out>%s</system-out>\n", esc);
}

static void
junit_testcase (GString *out, const SrReport *r, const SrTestResult *t)
{
  g_autofree gchar *classname = g_strdup_printf ("stbsim.%s", t->layout ? t->layout : "default");
  g_string_append (out, "    <testcase");
  xml_attr (out, "classname", classname);
  xml_attr (out, "name", t->id);
  g_string_append_printf (out, " time=\"%.3f\">\n", duration_s (t));
  junit_case_properties (out, r, t);
  junit_outcome (out, r, t);
  junit_system_out (out, r, t);
  g_string_append (out, "    </testcase>\n");
}

static void
junit_not_applicable (GString *out, const SrNotApplicable *na)
{
  g_string_append (out, "    <testcase");
  xml_attr (out, "classname", "stbsim.not-applicable");
  xml_attr (out, "name", na->id);
  g_string_append (out, " time=\"0.000\">\n      <properties>\n");
  junit_property (out, "        ", "verdict", "not-applicable");
  g_string_append (out, "      </properties>\n      <skipped");
  g_autofree gchar *m = g_strdup_printf ("not applicable: %s", na->reason);
  xml_attr (out, "message", m);
  xml_attr (out, "type", "not-applicable");
  g_string_append (out, "/>\n    </testcase>\n");
}

gchar *
sr_report_junit (const SrReport *r)
{
  guint tests, failures, errors, skipped;
  gdouble time;
  junit_counts (r, &tests, &failures, &errors, &skipped, &time);
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree gchar *suite = g_strdup_printf ("stbsim.%s", r->suite_name ? r->suite_name : "run");
  g_string_append (out, "<testsuites");
  xml_attr (out, "name", suite);
  g_string_append_printf (out, " tests=\"%u\" failures=\"%u\" errors=\"%u\" time=\"%.3f\">\n",
                          tests, failures, errors, time);
  g_string_append (out, "  <testsuite");
  xml_attr (out, "name", suite);
  g_string_append_printf (out,
                          " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" "
                          "time=\"%.3f\"",
                          tests, failures, errors, skipped, time);
  g_autofree gchar *ts = g_strndup (r->started_utc, 19); /* JUnit: no zone suffix */
  xml_attr (out, "timestamp", ts);
  xml_attr (out, "hostname", r->host ? r->host : g_get_host_name ());
  xml_attr (out, "id", r->run_id);
  g_string_append (out, ">\n    <properties>\n");
  const gchar *props[][2]
      = { { "run-id", r->run_id },
          { "harness-version", r->harness_version },
          { "harness-commit", r->harness_commit },
          { "mode", r->mode },
          { "profile", r->profile },
          { "dut-iptv", r->dut_iptv },
          { "dut-voip", r->dut_voip },
          { "ics", r->ics_path },
          { "junit-inconclusive", r->junit_inconc_skipped ? "skipped" : "failure" },
          { "command-line", r->command_line },
          { "interrupted", r->interrupted } };
  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    if (props[i][1] != NULL)
      junit_property (out, "      ", props[i][0], props[i][1]);
  g_string_append (out, "    </properties>\n");
  for (guint i = 0; i < r->tests->len; i++)
    junit_testcase (out, r, g_ptr_array_index (r->tests, i));
  for (guint i = 0; r->not_applicable && i < r->not_applicable->len; i++)
    junit_not_applicable (out, g_ptr_array_index (r->not_applicable, i));
  g_string_append (out, "  </testsuite>\n</testsuites>\n");
  return g_string_free (out, FALSE);
}

/* ---- results.json ----------------------------------------------------------------------- */

static void
json_str (JsonBuilder *b, const gchar *key, const gchar *value)
{
  g_autofree gchar *k = sr_report_clean_text (key), *v = sr_report_clean_text (value);
  json_builder_set_member_name (b, k);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
json_strv (JsonBuilder *b, const gchar *key, gchar **v)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (guint i = 0; v && v[i]; i++)
    {
      g_autofree gchar *c = sr_report_clean_text (v[i]);
      json_builder_add_string_value (b, c);
    }
  json_builder_end_array (b);
}

static void
json_ms (JsonBuilder *b, const gchar *key, gint64 ns)
{
  json_builder_set_member_name (b, key);
  if (ns < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, (gdouble)ns / 1e6);
}

/* "coverage": {"SW-X-nn": {"evaluations": N, "checks": [...]}} in requirement order. */
static void
json_coverage (JsonBuilder *b, const SrTestResult *t)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, t->coverage);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_strings_ptr);
  json_builder_set_member_name (b, "coverage");
  json_builder_begin_object (b);
  for (guint i = 0; i < keys->len; i++)
    {
      const SrCoverage *c = g_hash_table_lookup (t->coverage, g_ptr_array_index (keys, i));
      json_builder_set_member_name (b, g_ptr_array_index (keys, i));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "evaluations");
      json_builder_add_int_value (b, c->evaluations);
      json_builder_set_member_name (b, "checks");
      json_builder_begin_array (b);
      for (guint k = 0; k < c->checks->len; k++)
        json_builder_add_string_value (b, g_ptr_array_index (c->checks, k));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

/* The screen pictures of a test (sr-screen.h): name, path relative to the run dir, t_ns. */
static void
json_snapshots (JsonBuilder *b, const SrTestResult *t)
{
  json_builder_set_member_name (b, "snapshots");
  json_builder_begin_array (b);
  for (guint i = 0; t->snapshots && i < t->snapshots->len; i++)
    {
      const SrSnapshot *s = g_ptr_array_index (t->snapshots, i);
      json_builder_begin_object (b);
      json_str (b, "name", s->name);
      json_str (b, "path", s->path);
      json_builder_set_member_name (b, "t_ns");
      json_builder_add_int_value (b, s->t_ns);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
json_test (JsonBuilder *b, const SrReport *r, const SrTestResult *t)
{
  json_builder_begin_object (b);
  json_str (b, "id", t->id);
  json_str (b, "scenario", t->scenario);
  json_str (b, "layout", t->layout);
  json_str (b, "summary", t->summary);
  json_str (b, "verdict", sr_verdict_to_string (t->verdict));
  json_builder_set_member_name (b, "finished");
  json_builder_add_boolean_value (b, t->finished);
  /* what a reader of a report left by a killed run needs: the test that was running when the
   * report was last written is "interrupted", never "not-run" (sr_suite_run() marks it) */
  json_str (b, "state", t->finished ? "finished" : t->started ? "interrupted" : "not-run");
  json_builder_set_member_name (b, "duration_s");
  json_builder_add_double_value (b, duration_s (t));
  json_builder_set_member_name (b, "start_ns");
  json_builder_add_int_value (b, t->start_ns);
  json_strv (b, "requirements", t->requirements);
  json_builder_set_member_name (b, "issues");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->issues->len; i++)
    {
      const SrIssue *is = g_ptr_array_index (t->issues, i);
      json_builder_begin_object (b);
      json_str (b, "id", is->id);
      json_str (b, "level", sr_verdict_to_string (is->level));
      json_str (b, "requirement", is->requirement);
      json_str (b, "evidence", is->evidence);
      json_builder_set_member_name (b, "t_ns");
      json_builder_add_int_value (b, is->t_ns);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_coverage (b, t);
  g_autofree gchar *file = NULL;
  guint line = 0;
  json_builder_set_member_name (b, "decisive_line");
  if (sr_report_decisive_line (t, &file, &line))
    {
      g_autofree gchar *rel = sr_report_repo_path (r, file);
      json_builder_begin_object (b);
      json_str (b, "file", rel);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, line);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "latencies");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->latencies->len; i++)
    {
      const SrLatency *l = g_ptr_array_index (t->latencies, i);
      json_builder_begin_object (b);
      json_str (b, "name", l->name);
      json_str (b, "from", l->from);
      json_str (b, "to", l->to);
      json_str (b, "budget_id", l->budget_id);
      json_ms (b, "value_ms", l->value_ns);
      json_ms (b, "budget_ms", l->budget_ns);
      json_builder_set_member_name (b, "within_budget");
      if (l->value_ns < 0 || l->budget_ns < 0)
        json_builder_add_null_value (b);
      else
        json_builder_add_boolean_value (b, l->value_ns <= l->budget_ns);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_snapshots (b, t);
  json_builder_end_object (b);
}

static void
json_counts (JsonBuilder *b, const SrReport *r)
{
  SrReportCounts c;
  sr_report_counts (r, &c);
  const struct
  {
    const gchar *name;
    guint value;
  } rows[] = { { "tests", c.total },
               { "pass", c.pass },
               { "fail", c.fail },
               { "inconc", c.inconc },
               { "error", c.error },
               { "unfinished", c.unfinished },
               { "not_applicable", c.not_applicable } };
  json_builder_set_member_name (b, "counts");
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      json_builder_set_member_name (b, rows[i].name);
      json_builder_add_int_value (b, rows[i].value);
    }
  json_builder_end_object (b);
}

static void
json_ics (JsonBuilder *b, GKeyFile *ics)
{
  json_builder_set_member_name (b, "ics");
  if (ics == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  g_auto (GStrv) groups = g_key_file_get_groups (ics, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      g_autofree gchar *group = sr_report_clean_text (groups[g]);
      json_builder_set_member_name (b, group);
      json_builder_begin_object (b);
      g_auto (GStrv) keys = g_key_file_get_keys (ics, groups[g], NULL, NULL);
      for (guint k = 0; keys && keys[k]; k++)
        {
          g_autofree gchar *v = g_key_file_get_value (ics, groups[g], keys[k], NULL);
          json_str (b, keys[k], v);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

gchar *
sr_report_json (const SrReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  SrVerdict v = sr_report_verdict (r);
  json_builder_begin_object (b);
  json_str (b, "format", "stbsim-results-1");
  json_str (b, "run_id", r->run_id);
  json_str (b, "suite", r->suite_name);
  json_str (b, "started", r->started_utc);
  json_builder_set_member_name (b, "finished");
  json_builder_add_boolean_value (b, r->finished);
  json_str (b, "interrupted", r->interrupted);
  json_str (b, "mode", r->mode);
  json_str (b, "profile", r->profile);
  json_str (b, "command_line", r->command_line);
  json_builder_set_member_name (b, "harness");
  json_builder_begin_object (b);
  json_str (b, "name", "stbsim");
  json_str (b, "version", r->harness_version);
  json_str (b, "commit", r->harness_commit);
  json_builder_end_object (b);
  json_str (b, "host", r->host ? r->host : g_get_host_name ());
  json_builder_set_member_name (b, "dut");
  json_builder_begin_object (b);
  json_str (b, "iptv", r->dut_iptv);
  json_str (b, "voip", r->dut_voip);
  json_builder_end_object (b);
  json_str (b, "ics_file", r->ics_path);
  json_ics (b, r->ics);
  json_str (b, "verdict", sr_verdict_to_string (v));
  json_builder_set_member_name (b, "exit_code");
  json_builder_add_int_value (b, sr_report_exit_code (r));
  json_counts (b, r);
  json_builder_set_member_name (b, "duration_s");
  json_builder_add_double_value (b, sr_report_duration_s (r));
  json_builder_set_member_name (b, "artifacts");
  json_builder_begin_object (b);
  json_str (b, "keep",
            r->keep_artifacts == SR_KEEP_ALL    ? "all"
            : r->keep_artifacts == SR_KEEP_NONE ? "none"
                                                : "failed");
  json_builder_set_member_name (b, "bytes_written");
  json_builder_add_int_value (b, (gint64)r->artifact_bytes_written);
  json_builder_set_member_name (b, "bytes_kept");
  json_builder_add_int_value (b, (gint64)r->artifact_bytes_kept);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "junit_inconclusive");
  json_builder_add_string_value (b, r->junit_inconc_skipped ? "skipped" : "failure");
  json_builder_set_member_name (b, "not_applicable");
  json_builder_begin_array (b);
  for (guint i = 0; r->not_applicable && i < r->not_applicable->len; i++)
    {
      const SrNotApplicable *na = g_ptr_array_index (r->not_applicable, i);
      json_builder_begin_object (b);
      json_str (b, "id", na->id);
      json_str (b, "verdict", "not-applicable");
      json_str (b, "reason", na->reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "tests");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->tests->len; i++)
    json_test (b, r, g_ptr_array_index (r->tests, i));
  json_builder_end_array (b);
  if (r->extra_json && JSON_NODE_HOLDS_OBJECT (r->extra_json))
    {
      JsonObject *extra = json_node_get_object (r->extra_json);
      g_autoptr (GList) members = json_object_get_members (extra);
      for (GList *m = members; m; m = m->next)
        {
          json_builder_set_member_name (b, m->data);
          json_builder_add_value (b, json_node_copy (json_object_get_member (extra, m->data)));
        }
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

gchar *
sr_report_trace_jsonl (const SrTimeline *timeline)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; timeline && i < timeline->events->len; i++)
    {
      g_autofree gchar *line = sr_event_to_json (g_ptr_array_index (timeline->events, i));
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

gchar *
sr_report_summary_full (const SrReport *r, gboolean verbose)
{
  GString *out = g_string_new (NULL);
  SrReportCounts c;
  sr_report_counts (r, &c);
  gboolean header = FALSE;
  for (guint i = 0; i < r->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (r->tests, i);
      if (!verbose && t->finished && t->verdict == SR_VERDICT_PASS)
        continue;
      if (!header)
        g_string_append_printf (out, "%-48s %-10s %s\n", "test", "verdict", "reason");
      header = TRUE;
      const SrIssue *worst = sr_test_result_worst_issue (t);
      const gchar *verdict = t->finished ? sr_verdict_to_string (t->verdict) : "unfinished";
      g_autofree gchar *reason = NULL;
      if (worst != NULL && t->verdict > SR_VERDICT_PASS)
        reason = g_strdup_printf ("%s%s%s", worst->requirement ? worst->requirement : "",
                                  worst->requirement ? " " : "", worst->id);
      g_string_append_printf (out, "%-48s %-10s %s\n", t->id, verdict, reason ? reason : "");
    }
  for (guint i = 0; verbose && r->not_applicable && i < r->not_applicable->len; i++)
    {
      const SrNotApplicable *na = g_ptr_array_index (r->not_applicable, i);
      g_string_append_printf (out, "%-48s %-10s %s\n", na->id, "n/a", na->reason);
    }
  g_string_append_printf (out,
                          "%u test(s): %u pass, %u fail, %u inconc, %u error%s; %u not "
                          "applicable%s\n",
                          c.total, c.pass, c.fail, c.inconc, c.error,
                          c.unfinished ? " (unfinished counted as error)" : "", c.not_applicable,
                          !verbose && c.pass ? " (-v lists every test)" : "");
  SrVerdict v = sr_report_verdict (r);
  g_string_append_printf (out, "overall: %s (exit %d)\n",
                          v == SR_VERDICT_NONE && sr_report_exit_code (r) == 0
                              ? "not applicable"
                              : sr_verdict_to_string (v),
                          sr_report_exit_code (r));
  return g_string_free (out, FALSE);
}

gchar *
sr_report_summary (const SrReport *r)
{
  return sr_report_summary_full (r, TRUE);
}

/* ---- files ------------------------------------------------------------------------------ */

gboolean
sr_report_write_file (const gchar *path, const gchar *contents, GError **error)
{
  /* g_file_set_contents_full writes a temporary file next to @path, fsyncs and renames it
   * over @path, so readers see either the old or the new report, never half of one. */
  return g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

gboolean
sr_report_write_all (const SrReport *r, GError **error)
{
  struct
  {
    const gchar *name;
    gchar *(*make) (const SrReport *);
  } files[] = {
    { "junit.xml", sr_report_junit },
    { "results.json", sr_report_json },
    { "report.html", sr_report_html },
  };
  if (g_mkdir_with_parents (r->run_dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s", r->run_dir);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree gchar *path = g_build_filename (r->run_dir, files[i].name, NULL);
      g_autofree gchar *contents = files[i].make (r);
      if (!sr_report_write_file (path, contents, error))
        return FALSE;
    }
  g_autofree gchar *trace_path = g_build_filename (r->run_dir, "trace.jsonl", NULL);
  g_autofree gchar *trace = sr_report_trace_jsonl (r->timeline);
  return sr_report_write_file (trace_path, trace, error);
}
