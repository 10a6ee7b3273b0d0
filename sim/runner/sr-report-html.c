/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-report"

/*
 * report.html: self-contained (inline CSS + SVG, no scripts, no external resources), top
 * first: the overall verdict with its counts, duration, harness version, host and DUT; the
 * switch-latency summary (one stacked bar per flow against its budget); the benchmark table
 * (stbsim bench); the verdict table; the requirement coverage matrix; per test its issues,
 * latencies and sequence chart; the ICS and command line in an appendix. Pictures:
 * sr-report-svg.c.
 */

#include "sr-report.h"

#include <stdlib.h>
#include <string.h>

#include "sr-report-svg.h"

static void
esc_append (GString *out, const gchar *text)
{
  g_autofree gchar *e = sr_report_markup_escape (text);
  g_string_append (out, e);
}

static const gchar *
test_verdict (const SrTestResult *t)
{
  return t->finished ? sr_verdict_to_string (t->verdict) : "unfinished";
}

/* ---- top: verdict, counts, run identity ------------------------------------------------- */

static gboolean
is_vendor (const gchar *dut)
{
  return dut != NULL && g_str_has_prefix (dut, "vendor:");
}

/* What is under test: the vendor module(s), or nothing but our reference modules. */
static gchar *
dut_line (const SrReport *r)
{
  gboolean iptv = is_vendor (r->dut_iptv), voip = is_vendor (r->dut_voip);
  if (!iptv && !voip)
    return g_strdup ("none: reference modules only (stb-iptv, stb-voip)");
  return g_strdup_printf ("%s%s%s", iptv ? "IPTV module, " : "", voip ? "VoIP module, " : "",
                          iptv && voip ? "both vendor"
                          : iptv       ? r->dut_iptv
                                       : r->dut_voip);
}

static void
html_head (GString *out, const SrReport *r)
{
  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                        "<title>stbsim ");
  esc_append (out, r->run_id);
  g_string_append (
      out,
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:1em 1.5em;color:#222;font-size:14px}"
      "h1{font-size:20px;margin:.2em 0}h2{font-size:17px;margin:1.2em 0 .4em;"
      "border-bottom:1px solid #ddd}h3{font-size:15px}"
      "table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:2px 7px;"
      "text-align:left;vertical-align:top}th{background:#f0f0f0}td.num{text-align:right}"
      ".pass{background:#c8f0c8}.fail{background:#f5b5b5}.inconc{background:#f5e6a5}"
      ".error,.none,.unfinished{background:#e0b0f0}.na{background:#e4e4e4}.muted{color:#666}"
      ".top{display:flex;flex-wrap:wrap;gap:.4em 2em;align-items:baseline}"
      ".verdict{font-size:22px;font-weight:bold;padding:2px 12px;border-radius:4px}"
      ".chip{display:inline-block;padding:1px 9px;margin-right:4px;border-radius:10px;"
      "font-weight:bold}.id td,.id th{border:none;padding:1px 10px 1px 0}"
      "table.flows td{vertical-align:middle}.legend span{display:inline-block;width:11px;"
      "height:11px;margin:0 3px 0 10px;vertical-align:middle}"
      ".k-key{background:#5b7fce}.k-channel{background:#2a9d6f}.k-sip{background:#d98a2b}"
      ".k-media{background:#9b59b6}.chart{overflow-x:auto}"
      "@media print{body{margin:0}h2{break-after:avoid}svg{break-inside:avoid}"
      "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n");
  g_string_append (out, sr_svg_css ());
  g_string_append (out, "\n</style></head><body>\n");
}

static void
chip (GString *out, const gchar *cls, guint n, const gchar *what)
{
  g_string_append_printf (out, "<span class=\"chip %s\">%u %s</span>", cls, n, what);
}

static void
id_row (GString *out, const gchar *key, const gchar *value)
{
  g_string_append (out, "<tr><th>");
  esc_append (out, key);
  g_string_append (out, "</th><td>");
  esc_append (out, value ? value : "-");
  g_string_append (out, "</td></tr>\n");
}

static void
html_overview (GString *out, const SrReport *r)
{
  SrVerdict v = sr_report_verdict (r);
  SrReportCounts c;
  sr_report_counts (r, &c);
  int code = sr_report_exit_code (r);
  const gchar *vs = v == SR_VERDICT_NONE && code == 0 ? "not applicable" : sr_verdict_to_string (v);
  g_string_append (out, "<h1>stbsim report ");
  esc_append (out, r->run_id);
  g_string_append_printf (out,
                          "</h1>\n<div class=\"top\"><span class=\"verdict %s\">%s</span>"
                          "<span>exit code %d%s</span><span>",
                          v == SR_VERDICT_NONE && code == 0 ? "na" : sr_verdict_to_string (v), vs,
                          code, r->finished ? "" : " &mdash; <b>run not finished</b>");
  chip (out, "pass", c.pass, "pass");
  chip (out, "fail", c.fail, "fail");
  chip (out, "inconc", c.inconc, "inconc");
  chip (out, "na", c.not_applicable, "not applicable");
  chip (out, "error", c.error, "error");
  g_string_append_printf (out, "</span><span>%u test(s) in %.1f s</span></div>\n", c.total,
                          sr_report_duration_s (r));
  if (r->interrupted)
    {
      g_string_append (out, "<p class=\"unfinished\">Interrupted: ");
      esc_append (out, r->interrupted);
      g_string_append (out, "</p>\n");
    }
  g_autofree gchar *harness
      = g_strdup_printf ("stbsim %s, commit %s", r->harness_version ? r->harness_version : "?",
                         r->harness_commit ? r->harness_commit : "?");
  g_autofree gchar *dut = dut_line (r);
  g_autofree gchar *run = g_strdup_printf (
      "%s, mode %s, timing profile %s, started %s UTC", r->suite_name ? r->suite_name : "run",
      r->mode ? r->mode : "-", r->profile ? r->profile : "-", r->started_utc);
  g_string_append (out, "<table class=\"id\">\n");
  id_row (out, "device under test", dut);
  id_row (out, "harness", harness);
  id_row (out, "host", r->host ? r->host : g_get_host_name ());
  id_row (out, "run", run);
  g_string_append (out, "</table>\n");
}

/* ---- switch-latency summary ----------------------------------------------------------------- */

typedef struct
{
  const gchar *id;    /* budget id of the interval */
  const gchar *minus; /* (nullable) budget id whose value is taken off (overlapping intervals) */
  const gchar *hop;   /* key | channel | sip | media */
  const gchar *what;
} FlowHop;

typedef struct
{
  const gchar *name;
  const gchar *signature; /* a test measuring this id took part in the flow */
  const gchar *unless;    /* (nullable) ... unless it measures this id (another flow's) */
  FlowHop hops[4];
  const gchar *note;
} Flow;

/* The switches of SPEC §11, each as consecutive intervals (the SW-TIME rows it is made of). */
static const Flow flows[] = {
  { "caller",
    "SW-TIME-03",
    NULL,
    { { "SW-TIME-03", NULL, "key", "videocall key -> CALLER_SHOW_VIDEO_PAGE at the server" },
      { "SW-TIME-04", NULL, "channel", "CALLER_SHOW_VIDEO_PAGE -> VoIP main page" },
      { "SW-TIME-05", NULL, "sip", "dial key -> INVITE" },
      { "SW-TIME-06", NULL, "media", "200 OK -> first video frame" } },
    "the user's dialling time is not counted" },
  { "callee accept",
    "SW-TIME-11",
    NULL,
    { { "SW-TIME-11", NULL, "key", "ok in the dialog -> STOP_IPTV at the server" },
      { "SW-TIME-13", NULL, "channel", "STOP_IPTV -> CALLEE_SHOW_VIDEO_PAGE" },
      { "SW-TIME-14", NULL, "sip", "CALLEE_SHOW_VIDEO_PAGE -> 200 OK" },
      { "SW-TIME-16", NULL, "media", "ACK -> first video frame" } },
    NULL },
  { "callee reject",
    "SW-TIME-17",
    NULL,
    { { "SW-TIME-17", NULL, "channel", "back in the dialog -> REJECT_CONTINUE_IPTV" },
      { "SW-TIME-18", "SW-TIME-17", "sip", "REJECT_CONTINUE_IPTV -> 603 (SW-TIME-18 - 17)" } },
    NULL },
  { "resume live",
    "SW-TIME-19",
    "SW-TIME-22",
    { { "SW-TIME-19", NULL, "sip", "BYE -> RESUME_IPTV at the server" },
      { "SW-TIME-21", NULL, "media", "RESUME_IPTV -> first frame (live)" } },
    NULL },
  { "resume VOD",
    "SW-TIME-22",
    NULL,
    { { "SW-TIME-19", NULL, "sip", "BYE -> RESUME_IPTV at the server" },
      { "SW-TIME-22", NULL, "media", "RESUME_IPTV -> first frame (VOD)" } },
    NULL },
};

static const SrLatency *
find_latency (const SrTestResult *t, const gchar *budget_id)
{
  for (guint i = 0; budget_id && i < t->latencies->len; i++)
    {
      const SrLatency *l = g_ptr_array_index (t->latencies, i);
      if (g_strcmp0 (l->budget_id, budget_id) == 0 && l->value_ns >= 0)
        return l;
    }
  return NULL;
}

static int
compare_doubles (const void *a, const void *b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
  return (x > y) - (x < y);
}

static gdouble
median (GArray *v)
{
  if (v->len == 0)
    return -1;
  g_array_sort (v, (GCompareFunc)compare_doubles);
  const gdouble *d = (const gdouble *)v->data;
  return v->len % 2 ? d[v->len / 2] : (d[v->len / 2 - 1] + d[v->len / 2]) / 2;
}

typedef struct
{
  guint tests;
  SrSvgSegment seg[4];
  gdouble budget[4];
  gdouble total, total_budget, worst;
} FlowFigures;

static void
flow_figures (const SrReport *r, const Flow *f, FlowFigures *ff)
{
  memset (ff, 0, sizeof *ff);
  GArray *values[4];
  for (guint h = 0; h < 4; h++)
    {
      values[h] = g_array_new (FALSE, FALSE, sizeof (gdouble));
      ff->seg[h] = (SrSvgSegment){ f->hops[h].hop, f->hops[h].what, -1 };
      ff->budget[h] = -1;
    }
  for (guint i = 0; i < r->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (r->tests, i);
      if (find_latency (t, f->signature) == NULL || find_latency (t, f->unless) != NULL)
        continue;
      ff->tests++;
      gdouble sum = 0;
      for (guint h = 0; h < 4 && f->hops[h].id; h++)
        {
          const SrLatency *l = find_latency (t, f->hops[h].id);
          const SrLatency *m = find_latency (t, f->hops[h].minus);
          if (l == NULL || (f->hops[h].minus && m == NULL))
            continue;
          gdouble ms = (gdouble)(l->value_ns - (m ? m->value_ns : 0)) / 1e6;
          ms = MAX (ms, 0);
          g_array_append_val (values[h], ms);
          sum += ms;
          if (l->budget_ns >= 0)
            ff->budget[h]
                = (gdouble)(l->budget_ns - (m && m->budget_ns > 0 ? m->budget_ns : 0)) / 1e6;
        }
      ff->worst = MAX (ff->worst, sum);
    }
  for (guint h = 0; h < 4 && f->hops[h].id; h++)
    {
      ff->seg[h].ms = median (values[h]);
      if (ff->seg[h].ms >= 0)
        {
          ff->total += ff->seg[h].ms;
          ff->total_budget += MAX (ff->budget[h], 0);
        }
    }
  for (guint h = 0; h < 4; h++)
    g_array_unref (values[h]);
}

static void
html_switch_summary (GString *out, const SrReport *r)
{
  g_string_append (out,
                   "<h2>Switch latency</h2>\n<p class=\"legend muted\">median over the run's "
                   "tests of each flow; hops:<span class=\"k-key\"></span>key press"
                   "<span class=\"k-channel\"></span>channel<span class=\"k-sip\"></span>SIP"
                   "<span class=\"k-media\"></span>media first frame; red line: the sum of the "
                   "hops' budgets (profile ");
  esc_append (out, r->profile);
  g_string_append (out, ")</p>\n<table class=\"flows\"><tr><th>flow</th><th>switch time</th>"
                        "<th>budget</th><th>per hop</th><th>hops, ms</th></tr>\n");
  for (guint i = 0; i < G_N_ELEMENTS (flows); i++)
    {
      const Flow *f = &flows[i];
      FlowFigures ff;
      flow_figures (r, f, &ff);
      g_string_append_printf (out, "<tr><th>%s</th>", f->name);
      if (ff.tests == 0)
        {
          g_string_append (out, "<td colspan=\"4\" class=\"muted\">not measured in this run"
                                "</td></tr>\n");
          continue;
        }
      gboolean over = ff.total_budget > 0 && ff.total > ff.total_budget;
      guint hops = 0, measured = 0;
      for (guint h = 0; h < 4 && f->hops[h].id; h++)
        {
          hops++;
          measured += ff.seg[h].ms >= 0;
        }
      g_string_append_printf (out,
                              "<td class=\"num %s\"><b>%.1f ms</b><br><span class=\"muted\">"
                              "%u test(s), worst %.1f%s</span></td><td class=\"num\">%.0f ms"
                              "</td><td>",
                              over ? "fail" : "pass", ff.total, ff.tests, ff.worst,
                              measured < hops ? "<br>partial: a hop was not measured" : "",
                              ff.total_budget);
      /* the budget in scale unless it is more than 4x the switch time (then it is named and
       * the bar uses the whole width) */
      gdouble scale
          = (ff.total_budget <= 4 * ff.total ? MAX (ff.total, ff.total_budget) : ff.total) * 1.08;
      sr_svg_stacked_bar (out, ff.seg, 4, ff.total_budget, scale, 440);
      g_string_append (out, "</td><td>");
      for (guint h = 0; h < 4 && f->hops[h].id; h++)
        {
          g_autofree gchar *v = ff.seg[h].ms >= 0 ? g_strdup_printf ("%.1f", ff.seg[h].ms)
                                                  : g_strdup ("not measured");
          g_string_append_printf (out,
                                  "%s<span class=\"k-%s\" style=\"display:inline-block;"
                                  "width:9px;height:9px\"></span> %s %s: %s",
                                  h ? "<br>" : "", f->hops[h].hop, f->hops[h].hop, f->hops[h].id,
                                  v);
        }
      if (f->note)
        g_string_append_printf (out, "<br><span class=\"muted\">%s</span>", f->note);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* ---- verdict table and coverage ------------------------------------------------------------- */

static void
html_verdicts (GString *out, const SrReport *r)
{
  g_string_append (out, "<h2>Verdicts</h2>\n<table><tr><th>test</th><th>verdict</th>"
                        "<th>s</th><th>requirements</th><th>decisive issue</th></tr>\n");
  /* what did not pass first, then the passes, each in run order */
  for (guint k = 0; k < 2 * r->tests->len; k++)
    {
      guint i = k % r->tests->len;
      const SrTestResult *t = g_ptr_array_index (r->tests, i);
      gboolean passed = t->finished && t->verdict == SR_VERDICT_PASS;
      if (passed != (k >= r->tests->len))
        continue;
      const SrIssue *worst = sr_test_result_worst_issue (t);
      const gchar *v = test_verdict (t);
      g_string_append_printf (out, "<tr><td><a href=\"#t%u\">", i);
      esc_append (out, t->id);
      g_string_append_printf (out,
                              "</a></td><td class=\"%s\">%s</td><td class=\"num\">%.1f</td>"
                              "<td>",
                              v, v,
                              t->end_ns > t->start_ns && t->start_ns > 0
                                  ? (gdouble)(t->end_ns - t->start_ns) / 1e9
                                  : 0.0);
      if (t->requirements)
        {
          g_autofree gchar *reqs = g_strjoinv (", ", t->requirements);
          esc_append (out, reqs);
        }
      g_string_append (out, "</td><td>");
      if (worst && t->verdict > SR_VERDICT_PASS)
        {
          g_autofree gchar *w
              = g_strdup_printf ("%s %s: %s", worst->requirement ? worst->requirement : "",
                                 worst->id, worst->evidence);
          esc_append (out, w);
        }
      g_string_append (out, "</td></tr>\n");
    }
  for (guint i = 0; r->not_applicable && i < r->not_applicable->len; i++)
    {
      const SrNotApplicable *na = g_ptr_array_index (r->not_applicable, i);
      g_string_append (out, "<tr><td>");
      esc_append (out, na->id);
      g_string_append (out, "</td><td class=\"na\">not applicable</td><td></td><td></td><td>");
      esc_append (out, na->reason);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

typedef struct
{
  guint evaluations;
  GPtrArray *checks; /* names, unique */
  GPtrArray *tests;  /* test indices as GUINT_TO_POINTER (i + 1) */
  SrVerdict worst;   /* the worst issue citing this requirement */
} CoverageRow;

static void
coverage_row_free (CoverageRow *c)
{
  g_ptr_array_unref (c->checks);
  g_ptr_array_unref (c->tests);
  g_free (c);
}

static CoverageRow *
coverage_row (GHashTable *rows, const gchar *req)
{
  CoverageRow *c = g_hash_table_lookup (rows, req);
  if (c == NULL)
    {
      c = g_new0 (CoverageRow, 1);
      c->checks = g_ptr_array_new ();
      c->tests = g_ptr_array_new ();
      g_hash_table_insert (rows, (gpointer)req, c);
    }
  return c;
}

static void
coverage_add_test (GHashTable *rows, const SrTestResult *t, guint index)
{
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, t->coverage);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const SrCoverage *cov = value;
      CoverageRow *c = coverage_row (rows, key);
      c->evaluations += cov->evaluations;
      for (guint k = 0; k < cov->checks->len; k++)
        if (!g_ptr_array_find_with_equal_func (c->checks, g_ptr_array_index (cov->checks, k),
                                               g_str_equal, NULL))
          g_ptr_array_add (c->checks, g_ptr_array_index (cov->checks, k));
      g_ptr_array_add (c->tests, GUINT_TO_POINTER (index + 1));
      c->worst = MAX (c->worst, SR_VERDICT_PASS);
    }
  for (guint k = 0; t->requirements && t->requirements[k]; k++)
    coverage_row (rows, t->requirements[k]); /* listed: "not evaluated" unless a check looked */
  for (guint k = 0; k < t->issues->len; k++)
    {
      const SrIssue *is = g_ptr_array_index (t->issues, k);
      if (is->requirement && is->level >= SR_VERDICT_INCONC)
        {
          CoverageRow *c = coverage_row (rows, is->requirement);
          c->worst = sr_verdict_merge (c->worst, is->level);
        }
    }
}

static gint
compare_keys (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Requirement -> checks -> tests, from what the checks recorded in this run (not from what the
 * catalogue declares); `stbsim coverage` prints the same over several runs. */
static void
html_coverage (GString *out, const SrReport *r)
{
  g_autoptr (GHashTable) rows
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)coverage_row_free);
  for (guint i = 0; i < r->tests->len; i++)
    coverage_add_test (rows, g_ptr_array_index (r->tests, i), i);
  if (g_hash_table_size (rows) == 0)
    return;
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, rows);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_keys);
  guint evaluated = 0;
  for (guint i = 0; i < keys->len; i++)
    evaluated += ((CoverageRow *)g_hash_table_lookup (rows, keys->pdata[i]))->evaluations > 0;
  g_string_append_printf (out,
                          "<h2>Requirement coverage</h2>\n<p class=\"muted\">%u of %u "
                          "requirements evaluated by a check in this run</p>\n<table><tr>"
                          "<th>requirement</th><th>result</th><th>evaluations</th><th>checks</th>"
                          "<th>tests</th></tr>\n",
                          evaluated, keys->len);
  for (guint i = 0; i < keys->len; i++)
    {
      const CoverageRow *c = g_hash_table_lookup (rows, keys->pdata[i]);
      const gchar *res = c->evaluations == 0 && c->worst < SR_VERDICT_INCONC
                             ? "not evaluated"
                             : sr_verdict_to_string (MAX (c->worst, SR_VERDICT_PASS));
      g_string_append (out, "<tr><td>");
      esc_append (out, keys->pdata[i]);
      g_string_append_printf (out, "</td><td class=\"%s\">%s</td><td class=\"num\">%u</td><td>",
                              c->evaluations == 0 && c->worst < SR_VERDICT_INCONC
                                  ? "na"
                                  : sr_verdict_to_string (MAX (c->worst, SR_VERDICT_PASS)),
                              res, c->evaluations);
      for (guint k = 0; k < c->checks->len; k++)
        {
          g_string_append (out, k ? ", " : "");
          esc_append (out, g_ptr_array_index (c->checks, k));
        }
      g_string_append_printf (out, "</td><td>%u", c->tests->len);
      for (guint k = 0; k < c->tests->len && k < 6; k++)
        {
          guint ti = GPOINTER_TO_UINT (g_ptr_array_index (c->tests, k)) - 1;
          const SrTestResult *t = g_ptr_array_index (r->tests, ti);
          g_string_append_printf (out, "%s<a href=\"#t%u\">", k ? ", " : ": ", ti);
          esc_append (out, t->id);
          g_string_append (out, "</a>");
        }
      g_string_append (out, c->tests->len > 6 ? ", ...</td></tr>\n" : "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* ---- per test -------------------------------------------------------------------------------- */

static void
latency_cells (GString *out, gdouble ms, gdouble budget, gboolean never)
{
  if (never)
    g_string_append (out, "<td class=\"fail\">never</td>");
  else
    g_string_append_printf (out, "<td class=\"num %s\">%.3f</td>",
                            budget >= 0 && ms > budget ? "fail" : "pass", ms);
  if (budget >= 0)
    g_string_append_printf (out, "<td class=\"num\">%.1f</td>", budget);
  else
    g_string_append (out, "<td>-</td>");
}

/* More than this many latencies (TC-TIME-01 measures 50): one summary row per name. */
#define LATENCY_ROWS_MAX 12

static void
html_latency_summary (GString *out, const SrTestResult *t)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < t->latencies->len; i++)
    {
      const SrLatency *l = g_ptr_array_index (t->latencies, i);
      if (!g_ptr_array_find_with_equal_func (names, l->name, g_str_equal, NULL))
        g_ptr_array_add (names, l->name);
    }
  g_string_append (out, "<table><tr><th>latency</th><th>n</th><th>min</th><th>median</th>"
                        "<th>max</th><th>over budget</th><th>never</th><th>budget ms</th>"
                        "<th>budget id</th></tr>\n");
  for (guint k = 0; k < names->len; k++)
    {
      g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (gdouble));
      guint over = 0, never = 0;
      const SrLatency *any = NULL;
      for (guint i = 0; i < t->latencies->len; i++)
        {
          const SrLatency *l = g_ptr_array_index (t->latencies, i);
          if (!g_str_equal (l->name, g_ptr_array_index (names, k)))
            continue;
          any = l;
          if (l->value_ns < 0)
            {
              never++;
              continue;
            }
          gdouble ms = (gdouble)l->value_ns / 1e6;
          g_array_append_val (v, ms);
          over += l->budget_ns >= 0 && l->value_ns > l->budget_ns;
        }
      gdouble med = median (v);
      const gdouble *d = (const gdouble *)v->data;
      g_string_append (out, "<tr><td>");
      esc_append (out, any->name);
      if (v->len > 0)
        g_string_append_printf (out,
                                "</td><td class=\"num\">%u</td><td class=\"num\">%.3f</td>"
                                "<td class=\"num\">%.3f</td><td class=\"num\">%.3f</td>",
                                v->len + never, d[0], med, d[v->len - 1]);
      else
        g_string_append_printf (out,
                                "</td><td class=\"num\">%u</td><td>-</td><td>-</td>"
                                "<td>-</td>",
                                never);
      g_string_append_printf (out, "<td class=\"num %s\">%u</td><td class=\"num %s\">%u</td>",
                              over ? "fail" : "", over, never ? "fail" : "", never);
      if (any->budget_ns >= 0)
        g_string_append_printf (out, "<td class=\"num\">%.1f</td><td>", any->budget_ns / 1e6);
      else
        g_string_append (out, "<td>-</td><td>");
      esc_append (out, any->budget_id ? any->budget_id : "-");
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

static void
html_latencies (GString *out, const SrTestResult *t)
{
  if (t->latencies->len == 0)
    return;
  if (t->latencies->len > LATENCY_ROWS_MAX)
    {
      html_latency_summary (out, t);
      return;
    }
  g_string_append (out, "<table><tr><th>latency</th><th>from</th><th>to</th><th>ms</th>"
                        "<th>budget ms</th><th>budget id</th></tr>\n");
  for (guint i = 0; i < t->latencies->len; i++)
    {
      const SrLatency *l = g_ptr_array_index (t->latencies, i);
      g_string_append (out, "<tr><td>");
      esc_append (out, l->name);
      g_string_append (out, "</td><td>");
      esc_append (out, l->from);
      g_string_append (out, "</td><td>");
      esc_append (out, l->to);
      g_string_append (out, "</td>");
      latency_cells (out, (gdouble)l->value_ns / 1e6,
                     l->budget_ns >= 0 ? (gdouble)l->budget_ns / 1e6 : -1, l->value_ns < 0);
      g_string_append (out, "<td>");
      esc_append (out, l->budget_id ? l->budget_id : "-");
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* The screen pictures of a test (sr-screen.h), linked like the capture: name and image. */
static void
html_snapshots (GString *out, const SrTestResult *t)
{
  if (t->snapshots == NULL || t->snapshots->len == 0)
    return;
  g_string_append (out, "<div class=\"snapshots\">screen:");
  for (guint i = 0; i < t->snapshots->len; i++)
    {
      const SrSnapshot *s = g_ptr_array_index (t->snapshots, i);
      g_autofree gchar *clean = sr_report_clean_text (s->path);
      g_autofree gchar *href = g_uri_escape_string (clean, "/", FALSE);
      g_string_append_printf (out,
                              "<figure style=\"display:inline-block;margin:4px\">"
                              "<a href=\"%s\"><img src=\"%s\" width=\"240\" alt=\"",
                              href, href);
      esc_append (out, s->name);
      g_string_append (out, "\"></a><figcaption>");
      esc_append (out, s->name);
      g_string_append (out, "</figcaption></figure>");
    }
  g_string_append (out, "</div>\n");
}

static void
html_issues (GString *out, const SrTestResult *t)
{
  if (t->issues->len == 0)
    return;
  g_string_append (out, "<table><tr><th>level</th><th>issue</th><th>requirement</th>"
                        "<th>evidence</th></tr>\n");
  for (guint i = 0; i < t->issues->len; i++)
    {
      const SrIssue *is = g_ptr_array_index (t->issues, i);
      g_string_append_printf (out, "<tr><td class=\"%s\">%s</td><td>",
                              sr_verdict_to_string (is->level), sr_verdict_to_string (is->level));
      esc_append (out, is->id);
      g_string_append (out, "</td><td>");
      esc_append (out, is->requirement ? is->requirement : "-");
      g_string_append (out, "</td><td>");
      esc_append (out, is->evidence);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* Links to the test's capture (or its compressed copy) and logs. */
static void
html_links (GString *out, const SrReport *r, const SrTestResult *t)
{
  /* the id may hold anything a scenario put in it: cleaned, then URI-escaped for the href */
  g_autofree gchar *clean_id = sr_report_clean_text (t->id);
  g_autofree gchar *href_id = g_uri_escape_string (clean_id, NULL, FALSE);
  g_autofree gchar *cap = g_build_filename (r->run_dir, "tests", t->id, "capture.pcapng", NULL);
  g_autofree gchar *gz = g_strconcat (cap, ".gz", NULL);
  const gchar *name = g_file_test (gz, G_FILE_TEST_EXISTS) ? "capture.pcapng.gz" : "capture.pcapng";
  g_string_append_printf (out,
                          "<p><a href=\"tests/%s/%s\">%s</a> &middot; <a href=\"logs/%s/\">logs"
                          "</a></p>\n",
                          href_id, name, name, href_id);
}

static void
html_test (GString *out, const SrReport *r, const SrTestResult *t, guint index)
{
  const gchar *v = test_verdict (t);
  g_string_append_printf (out, "<h2 id=\"t%u\">", index);
  esc_append (out, t->id);
  g_string_append_printf (out, " <span class=\"%s\">%s</span></h2>\n<p>", v, v);
  esc_append (out, t->summary);
  g_string_append (out, "<br><span class=\"muted\">scenario ");
  g_autofree gchar *scenario = sr_report_repo_path (r, t->scenario);
  esc_append (out, scenario);
  g_autofree gchar *file = NULL;
  guint line = 0;
  if (sr_report_decisive_line (t, &file, &line))
    {
      g_autofree gchar *rel = sr_report_repo_path (r, file);
      g_autofree gchar *where = g_strdup_printf ("; decisive line %s:%u", rel, line);
      esc_append (out, where);
    }
  g_string_append (out, "</span></p>\n");
  html_links (out, r, t);
  html_issues (out, t);
  html_latencies (out, t);
  html_snapshots (out, t);
  g_string_append (out, "<div class=\"chart\">");
  sr_svg_msc (out, t);
  g_string_append (out, "</div>\n");
}

/* ---- appendix ------------------------------------------------------------------------------ */

static void
html_appendix (GString *out, const SrReport *r)
{
  g_string_append (out, "<h2>Appendix: run and implementation conformance statement</h2>\n"
                        "<table>\n");
  const gchar *rows[][2] = {
    { "started (UTC)", r->started_utc },
    { "suite", r->suite_name },
    { "mode", r->mode },
    { "timing profile", r->profile },
    { is_vendor (r->dut_iptv) ? "IPTV module (DUT)" : "IPTV module (reference, not under test)",
      r->dut_iptv },
    { is_vendor (r->dut_voip) ? "VoIP module (DUT)" : "VoIP module (reference, not under test)",
      r->dut_voip },
    { "ICS file", r->ics_path },
    { "command line", r->command_line },
    { "junit.xml inconclusive as", r->junit_inconc_skipped ? "skipped" : "failure" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    id_row (out, rows[i][0], rows[i][1]);
  g_autofree gchar *sizes
      = g_strdup_printf ("%s: %.1f MB written by the tests, %.1f MB kept",
                         r->keep_artifacts == SR_KEEP_ALL    ? "all"
                         : r->keep_artifacts == SR_KEEP_NONE ? "none"
                                                             : "failed",
                         r->artifact_bytes_written / 1e6, r->artifact_bytes_kept / 1e6);
  id_row (out, "artifacts (--keep-artifacts)", sizes);
  g_string_append (out, "</table>\n");
  if (r->ics == NULL)
    return;
  g_string_append (out, "<h3>Implementation conformance statement</h3>\n<table>\n");
  g_auto (GStrv) groups = g_key_file_get_groups (r->ics, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (r->ics, groups[g], NULL, NULL);
      for (guint k = 0; keys && keys[k]; k++)
        {
          g_autofree gchar *v = g_key_file_get_value (r->ics, groups[g], keys[k], NULL);
          g_autofree gchar *name = g_strdup_printf ("%s.%s", groups[g], keys[k]);
          id_row (out, name, v);
        }
    }
  g_string_append (out, "</table>\n");
}

gchar *
sr_report_html (const SrReport *r)
{
  GString *out = g_string_new (NULL);
  html_head (out, r);
  html_overview (out, r);
  html_switch_summary (out, r);
  if (r->extra_html)
    g_string_append (out, r->extra_html);
  html_verdicts (out, r);
  html_coverage (out, r);
  for (guint i = 0; i < r->tests->len; i++)
    html_test (out, r, g_ptr_array_index (r->tests, i), i);
  html_appendix (out, r);
  g_string_append (out, "<p class=\"muted\">Files: junit.xml, results.json, trace.jsonl, logs/, "
                        "tests/</p>\n</body></html>\n");
  return g_string_free (out, FALSE);
}
