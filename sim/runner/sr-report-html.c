/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-report"

/* report.html: self-contained (inline CSS + SVG, no scripts, no external resources). */

#include "sr-report.h"

#define MSC_MAX_ROWS 400
#define MSC_LANE_W 150
#define MSC_ROW_H 20
#define MSC_TOP 40
#define MSC_LEFT 70

static const gchar *const lanes[] = { "harness", "iptv", "server", "voip", "ims", "farend" };
static const gchar *const lane_titles[]
    = { "harness", "IPTV", "server (QCOP)", "VoIP", "IMS", "far end" };

static gint
lane_index (const gchar *name)
{
  if (name == NULL)
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    if (g_str_equal (lanes[i], name))
      return (gint)i;
  if (g_str_equal (name, "runner"))
    return 0;
  if (g_str_equal (name, "sipp") || g_str_equal (name, "stb2"))
    return 5;
  if (g_str_equal (name, "kamailio"))
    return 4;
  return -1;
}

static gint
lane_x (gint lane)
{
  return MSC_LEFT + lane * MSC_LANE_W;
}

static void
esc_append (GString *out, const gchar *text)
{
  g_autofree gchar *e = sr_report_markup_escape (text);
  g_string_append (out, e);
}

#define MSC_LABEL_MAX 72

static gchar *
event_label (const SrEvent *e)
{
  g_autofree gchar *raw = NULL;
  if (e->details && *e->details && e->kind != SR_EVENT_QCOP)
    raw = g_strdup_printf ("%s %s", e->name, e->details);
  else if (e->kind == SR_EVENT_QCOP && e->msg_type)
    raw = g_strdup_printf ("%s (type %d)", e->name, e->msg_type);
  else
    raw = g_strdup (e->name);
  /* valid UTF-8 before it is measured and cut by characters */
  g_autofree gchar *full = sr_report_clean_text (raw);
  if (g_utf8_strlen (full, -1) <= MSC_LABEL_MAX)
    return g_steal_pointer (&full);
  /* the chart stays readable; trace.jsonl has the whole event */
  g_autofree gchar *cut = g_utf8_substring (full, 0, MSC_LABEL_MAX - 1);
  return g_strconcat (cut, "\u2026", NULL);
}

static void
msc_row (GString *out, const SrEvent *e, gint y, gint64 t0)
{
  gint from = lane_index (e->source), to = lane_index (e->target);
  g_autofree gchar *label = event_label (e);
  if (from < 0)
    from = 0;
  g_string_append_printf (out, "<text x=\"4\" y=\"%d\" class=\"t\">%.1f</text>", y + 4,
                          (gdouble)(e->t_ns - t0) / 1e6);
  const gchar *cls = sr_event_kind_to_string (e->kind);
  if (to >= 0 && to != from)
    {
      gint x1 = lane_x (from), x2 = lane_x (to);
      gint dir = x2 > x1 ? -1 : 1;
      g_string_append_printf (out,
                              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>"
                              "<polygon points=\"%d,%d %d,%d %d,%d\" class=\"%s\"/>",
                              x1, y, x2, y, cls, x2, y, x2 + dir * 7, y - 4, x2 + dir * 7, y + 4,
                              cls);
      g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" class=\"l\">", MIN (x1, x2) + 6, y - 3);
    }
  else
    {
      g_string_append_printf (out, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" class=\"%s\"/>",
                              lane_x (from), y, cls);
      g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" class=\"l\">", lane_x (from) + 8,
                              y + 4);
    }
  esc_append (out, label);
  g_string_append (out, "</text>\n");
}

static void
msc_svg (GString *out, const SrTestResult *t)
{
  /* the chart shows messages and facts; a client's channel life is in trace.jsonl */
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  for (guint i = 0; i < t->events->len; i++)
    if (((const SrEvent *)g_ptr_array_index (t->events, i))->kind != SR_EVENT_CHANNEL)
      g_ptr_array_add (shown, g_ptr_array_index (t->events, i));
  guint n = MIN (shown->len, MSC_MAX_ROWS);
  gint width = MSC_LEFT + (gint)G_N_ELEMENTS (lanes) * MSC_LANE_W;
  gint height = MSC_TOP + (gint)(n + 1) * MSC_ROW_H;
  gint64 t0 = t->start_ns;
  if (n == 0)
    {
      g_string_append (out, "<p class=\"muted\">no events recorded</p>\n");
      return;
    }
  if (t0 == 0)
    t0 = ((const SrEvent *)g_ptr_array_index (shown, 0))->t_ns;
  g_string_append_printf (out,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                          "height=\"%d\" class=\"msc\">\n",
                          width, height);
  g_string_append_printf (out, "<text x=\"4\" y=\"16\" class=\"t\">ms</text>");
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    {
      gint x = lane_x ((gint)i);
      g_string_append_printf (out,
                              "<text x=\"%d\" y=\"16\" class=\"h\" text-anchor=\"middle\">%s</text>"
                              "<line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" class=\"lane\"/>\n",
                              x, lane_titles[i], x, x, height);
    }
  for (guint i = 0; i < n; i++)
    msc_row (out, g_ptr_array_index (shown, i), MSC_TOP + (gint)i * MSC_ROW_H, t0);
  g_string_append (out, "</svg>\n");
  if (shown->len > n)
    g_string_append_printf (out, "<p class=\"muted\">%u more events in trace.jsonl</p>\n",
                            shown->len - n);
}

static void
html_header (GString *out, const SrReport *r)
{
  SrVerdict v = sr_report_verdict (r);
  g_string_append (out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>stbsim ");
  esc_append (out, r->run_id);
  g_string_append (
      out,
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:1.5em;color:#222}"
      "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
      "text-align:left;vertical-align:top}th{background:#f0f0f0}"
      ".pass{background:#c8f0c8}.fail{background:#f5b5b5}.inconc{background:#f5e6a5}"
      ".error,.none,.unfinished{background:#e0b0f0}.muted{color:#777}"
      "svg.msc{border:1px solid #ddd;background:#fff}svg .lane{stroke:#bbb;stroke-dasharray:4 3}"
      "svg .h{font:bold 12px sans-serif}svg .t{font:10px monospace;fill:#777}"
      "svg .l{font:11px monospace}svg line.qcop,svg line.sip{stroke:#235;stroke-width:1.3}"
      "svg polygon{fill:#235}svg circle.agent{fill:#2a7}svg circle.runner{fill:#999}"
      "svg circle.media{fill:#a52}svg circle.qcop,svg circle.sip{fill:#235}"
      "</style></head><body>\n<h1>stbsim report ");
  esc_append (out, r->run_id);
  g_string_append_printf (
      out, "</h1>\n<p>Overall verdict: <b class=\"%s\">%s</b> (exit code %d)%s</p>\n",
      sr_verdict_to_string (v), sr_verdict_to_string (v), sr_verdict_exit_code (v),
      r->finished ? "" : " &mdash; <b>run not finished</b>");
  if (r->interrupted)
    {
      g_string_append (out, "<p class=\"unfinished\">Interrupted: ");
      esc_append (out, r->interrupted);
      g_string_append (out, "</p>\n");
    }
}

static void
html_dut (GString *out, const SrReport *r)
{
  const gchar *rows[][2] = { { "started (UTC)", r->started_utc },
                             { "suite", r->suite_name },
                             { "mode", r->mode },
                             { "timing profile", r->profile },
                             { "IPTV module (DUT)", r->dut_iptv },
                             { "VoIP module (DUT)", r->dut_voip },
                             { "ICS file", r->ics_path },
                             { "command", r->command_line } };
  g_string_append (out, "<h2>Device under test</h2>\n<table>\n");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_string_append (out, "<tr><th>");
      esc_append (out, rows[i][0]);
      g_string_append (out, "</th><td>");
      esc_append (out, rows[i][1] ? rows[i][1] : "-");
      g_string_append (out, "</td></tr>\n");
    }
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
          g_string_append (out, "<tr><th>");
          esc_append (out, groups[g]);
          g_string_append (out, ".");
          esc_append (out, keys[k]);
          g_string_append (out, "</th><td>");
          esc_append (out, v);
          g_string_append (out, "</td></tr>\n");
        }
    }
  g_string_append (out, "</table>\n");
}

static void
html_summary (GString *out, const SrReport *r)
{
  g_string_append (out, "<h2>Verdicts</h2>\n<table><tr><th>test</th><th>layout</th>"
                        "<th>verdict</th><th>requirements</th><th>decisive issue</th></tr>\n");
  for (guint i = 0; i < r->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (r->tests, i);
      const SrIssue *worst = sr_test_result_worst_issue (t);
      const gchar *v = t->finished ? sr_verdict_to_string (t->verdict) : "unfinished";
      g_string_append_printf (out, "<tr><td><a href=\"#t%u\">", i);
      esc_append (out, t->id);
      g_string_append (out, "</a></td><td>");
      esc_append (out, t->layout);
      g_string_append_printf (out, "</td><td class=\"%s\">%s</td><td>", v, v);
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
  g_string_append (out, "</table>\n");
}

static void
html_latencies (GString *out, const SrTestResult *t)
{
  if (t->latencies->len == 0)
    return;
  g_string_append (out, "<table><tr><th>latency</th><th>from</th><th>to</th><th>ms</th>"
                        "<th>budget ms</th><th>budget id</th></tr>\n");
  for (guint i = 0; i < t->latencies->len; i++)
    {
      const SrLatency *l = g_ptr_array_index (t->latencies, i);
      gboolean over = l->budget_ns >= 0 && (l->value_ns < 0 || l->value_ns > l->budget_ns);
      g_string_append (out, "<tr><td>");
      esc_append (out, l->name);
      g_string_append (out, "</td><td>");
      esc_append (out, l->from);
      g_string_append (out, "</td><td>");
      esc_append (out, l->to);
      if (l->value_ns >= 0)
        g_string_append_printf (out, "</td><td class=\"%s\">%.3f", over ? "fail" : "pass",
                                (gdouble)l->value_ns / 1e6);
      else
        g_string_append (out, "</td><td class=\"fail\">never");
      if (l->budget_ns >= 0)
        g_string_append_printf (out, "</td><td>%.1f", (gdouble)l->budget_ns / 1e6);
      else
        g_string_append (out, "</td><td>-");
      g_string_append (out, "</td><td>");
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
html_test (GString *out, const SrTestResult *t, guint index)
{
  const gchar *v = t->finished ? sr_verdict_to_string (t->verdict) : "unfinished";
  g_string_append_printf (out, "<h2 id=\"t%u\">", index);
  esc_append (out, t->id);
  g_string_append_printf (out, " <span class=\"%s\">%s</span></h2>\n<p>", v, v);
  esc_append (out, t->summary);
  g_string_append (out, "<br><span class=\"muted\">scenario ");
  esc_append (out, t->scenario);
  g_string_append (out, "</span></p>\n");
  /* the id may hold anything a scenario put in it: cleaned, then URI-escaped for the href */
  g_autofree gchar *clean_id = sr_report_clean_text (t->id);
  g_autofree gchar *href_id = g_uri_escape_string (clean_id, NULL, FALSE);
  g_string_append_printf (out, "<p><a href=\"tests/%s/capture.pcapng\">capture.pcapng</a></p>\n",
                          href_id);
  if (t->issues->len > 0)
    {
      g_string_append (out, "<table><tr><th>level</th><th>issue</th><th>requirement</th>"
                            "<th>evidence</th></tr>\n");
      for (guint i = 0; i < t->issues->len; i++)
        {
          const SrIssue *is = g_ptr_array_index (t->issues, i);
          g_string_append_printf (out, "<tr><td class=\"%s\">%s</td><td>",
                                  sr_verdict_to_string (is->level),
                                  sr_verdict_to_string (is->level));
          esc_append (out, is->id);
          g_string_append (out, "</td><td>");
          esc_append (out, is->requirement ? is->requirement : "-");
          g_string_append (out, "</td><td>");
          esc_append (out, is->evidence);
          g_string_append (out, "</td></tr>\n");
        }
      g_string_append (out, "</table>\n");
    }
  html_latencies (out, t);
  html_snapshots (out, t);
  msc_svg (out, t);
}

gchar *
sr_report_html (const SrReport *r)
{
  GString *out = g_string_new (NULL);
  html_header (out, r);
  html_dut (out, r);
  html_summary (out, r);
  if (r->extra_html)
    g_string_append (out, r->extra_html);
  for (guint i = 0; i < r->tests->len; i++)
    html_test (out, g_ptr_array_index (r->tests, i), i);
  g_string_append (out, "<p class=\"muted\">Files: junit.xml, results.json, trace.jsonl, logs/"
                        "</p>\n</body></html>\n");
  return g_string_free (out, FALSE);
}
