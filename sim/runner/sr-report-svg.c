/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-report"

#include "sr-report-svg.h"

#include <stdlib.h>
#include <string.h>

#include "sr-report.h"

/* ---- text that fits ------------------------------------------------------------------------ */

/* 11 px monospace: about 6.7 px per character. */
#define CHAR_W 6.7

static void
esc_append (GString *out, const gchar *text)
{
  g_autofree gchar *e = sr_report_markup_escape (text);
  g_string_append (out, e);
}

/* @text cut to what fits in @px pixels (cleaned, whole characters, "..." when cut). */
static gchar *
fit (const gchar *text, gdouble px)
{
  g_autofree gchar *clean = sr_report_clean_text (text ? text : "");
  glong max = (glong)(px / CHAR_W);
  if (max < 4)
    max = 4;
  if (g_utf8_strlen (clean, -1) <= max)
    return g_steal_pointer (&clean);
  g_autofree gchar *cut = g_utf8_substring (clean, 0, max - 1);
  return g_strconcat (cut, "\u2026", NULL);
}

/* <text> with the fitted label and, when it was cut, the whole text as a tooltip. */
static void
svg_text (GString *out, gint x, gint y, const gchar *cls, const gchar *anchor, const gchar *text,
          gdouble px)
{
  g_autofree gchar *shown = fit (text, px);
  g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" class=\"%s\"%s%s%s>", x, y, cls,
                          anchor ? " text-anchor=\"" : "", anchor ? anchor : "",
                          anchor ? "\"" : "");
  if (g_strcmp0 (shown, text) != 0)
    {
      g_string_append (out, "<title>");
      esc_append (out, text);
      g_string_append (out, "</title>");
    }
  esc_append (out, shown);
  g_string_append (out, "</text>");
}

/* ---- sequence chart ------------------------------------------------------------------------ */

#define MSC_MAX_ROWS 400
#define MSC_LANE_W 138
#define MSC_ROW_H 20
#define MSC_TOP 40
#define MSC_LEFT 64
#define MSC_RIGHT 300 /* room for the labels of the last lane's facts */

typedef struct
{
  const gchar *name;
  const gchar *title;
} Lane;

/* Every lane a chart can have, in drawing order; a chart draws those its events use. */
static const Lane known_lanes[] = {
  { "harness", "harness" },      { "iptv", "IPTV" },
  { "server", "server (QCOP)" }, { "voip", "VoIP" },
  { "ims", "IMS core" },         { "farend", "far end" },
  { "stb2-iptv", "STB 2 IPTV" }, { "stb2-voip", "STB 2 VoIP" },
  { "stb2", "STB 2" },           { "headend", "head-end" },
};

static const gchar *
lane_alias (const gchar *name)
{
  if (name == NULL)
    return NULL;
  if (g_str_equal (name, "runner"))
    return "harness";
  if (g_str_equal (name, "sipp") || g_str_has_prefix (name, "sipp:"))
    return "farend";
  if (g_str_equal (name, "kamailio"))
    return "ims";
  if (g_str_has_prefix (name, "stb2") && !g_str_equal (name, "stb2-iptv")
      && !g_str_equal (name, "stb2-voip"))
    return strstr (name, "iptv") ? "stb2-iptv" : strstr (name, "voip") ? "stb2-voip" : "stb2";
  return name;
}

typedef struct
{
  const Lane *lanes[G_N_ELEMENTS (known_lanes)];
  guint n;
} LaneSet;

static gint
lane_of (const LaneSet *set, const gchar *name)
{
  name = lane_alias (name);
  for (guint i = 0; name && i < set->n; i++)
    if (g_str_equal (set->lanes[i]->name, name))
      return (gint)i;
  return -1;
}

static void
lanes_for (LaneSet *set, GPtrArray *events)
{
  gboolean used[G_N_ELEMENTS (known_lanes)] = { FALSE };
  /* the switching protocol's parties are always drawn */
  for (guint k = 0; k < 4; k++)
    used[k] = TRUE;
  for (guint i = 0; i < events->len; i++)
    {
      const SrEvent *e = g_ptr_array_index (events, i);
      const gchar *ends[] = { lane_alias (e->source), lane_alias (e->target) };
      for (guint j = 0; j < 2; j++)
        for (guint k = 0; ends[j] && k < G_N_ELEMENTS (known_lanes); k++)
          used[k] |= g_str_equal (known_lanes[k].name, ends[j]);
    }
  set->n = 0;
  for (guint k = 0; k < G_N_ELEMENTS (known_lanes); k++)
    if (used[k])
      set->lanes[set->n++] = &known_lanes[k];
}

static gint
lane_x (gint lane)
{
  return MSC_LEFT + lane * MSC_LANE_W;
}

/* A SIP message's label: the method, or the status with its method ("200 INVITE"). */
static gchar *
sip_label (const SrEvent *e)
{
  g_autofree gchar *sip = sr_event_detail (e, "sip");
  g_autofree gchar *what = sip ? NULL : sr_event_detail (e, "what");
  g_autofree gchar *method = sr_event_detail (e, "method");
  const gchar *head = sip ? sip : what ? what : e->name;
  gboolean status = head && g_ascii_isdigit (head[0]);
  if (status && method && *method)
    return g_strdup_printf ("%s %s", head, method);
  return g_strdup (head);
}

static gchar *
event_label (const SrEvent *e)
{
  if (e->kind == SR_EVENT_SIP
      || (e->kind == SR_EVENT_AGENT
          && (g_str_equal (e->name, "sip.tx") || g_str_equal (e->name, "sip.rx"))))
    {
      g_autofree gchar *l = sip_label (e);
      return e->kind == SR_EVENT_SIP ? g_steal_pointer (&l) : g_strdup_printf ("%s %s", e->name, l);
    }
  if (e->kind == SR_EVENT_QCOP)
    return g_strdup (e->name);
  if (e->details && *e->details)
    return g_strdup_printf ("%s %s", e->name, e->details);
  return g_strdup (e->name);
}

/* Where an issue is drawn: at the end of the wait it reports (its deadline: the wait's start
 * plus "within N s" of the evidence), with the message or event that never came. */
typedef struct
{
  gint64 t_ns; /* the deadline, or the issue's own time */
  gboolean is_deadline;
  gint from, to;    /* lanes of the expected message (-1: unknown) */
  gchar *expected;  /* "RESUME_IPTV", "iptv.page page=nav", or NULL */
  const gchar *why; /* the evidence without its "FILE:LINE: " prefix */
} IssueMark;

static void
issue_mark (const SrIssue *is, const LaneSet *set, IssueMark *m)
{
  memset (m, 0, sizeof *m);
  m->t_ns = is->t_ns;
  m->from = m->to = -1;
  const gchar *ev = is->evidence ? is->evidence : "";
  const gchar *sc = strstr (ev, ".scenario:");
  const gchar *colon = sc ? strstr (sc + 10, ": ") : NULL;
  m->why = colon ? colon + 2 : ev;
  g_autoptr (GRegex) within = g_regex_new ("within ([0-9.]+) s", 0, 0, NULL);
  g_autoptr (GRegex) sent = g_regex_new ("([a-z0-9-]+) did not send ([A-Za-z_0-9]+)", 0, 0, NULL);
  g_autoptr (GRegex) event
      = g_regex_new ("(?:expected ((iptv|voip)\\.[^ ]+(?: [^ ]+=[^ ]+)?) within)|(?:((iptv|voip)"
                     "\\.[a-z.-]+) did not follow)",
                     0, 0, NULL);
  g_autoptr (GMatchInfo) mi = NULL;
  if (g_regex_match (within, m->why, 0, &mi))
    {
      g_autofree gchar *secs = g_match_info_fetch (mi, 1);
      m->t_ns = is->t_ns + (gint64)(g_ascii_strtod (secs, NULL) * 1e9);
      m->is_deadline = TRUE;
    }
  g_clear_pointer (&mi, g_match_info_free);
  if (g_regex_match (sent, m->why, 0, &mi))
    {
      g_autofree gchar *who = g_match_info_fetch (mi, 1);
      m->from = lane_of (set, who);
      m->to = lane_of (set, "server");
      m->expected = g_match_info_fetch (mi, 2);
      return;
    }
  g_clear_pointer (&mi, g_match_info_free);
  if (g_regex_match (event, m->why, 0, &mi))
    {
      /* "expected iptv.page page=nav within", or "iptv.first-frame did not follow X" */
      g_autofree gchar *who = g_match_info_fetch (mi, 2);
      g_autofree gchar *what = g_match_info_fetch (mi, 1);
      if (who == NULL || *who == '\0')
        {
          g_free (who);
          g_free (what);
          who = g_match_info_fetch (mi, 4);
          what = g_match_info_fetch (mi, 3);
        }
      m->from = lane_of (set, who);
      m->expected = g_steal_pointer (&what);
    }
}

/* A row of the chart: an event, or an issue drawn at its deadline (two lines high). */
typedef struct
{
  gint64 t_ns;
  const SrEvent *event;
  const SrIssue *issue;
  IssueMark mark;
} Row;

static gint
compare_rows (gconstpointer a, gconstpointer b)
{
  const Row *x = a, *y = b;
  if (x->t_ns != y->t_ns)
    return x->t_ns < y->t_ns ? -1 : 1;
  return (x->issue != NULL) - (y->issue != NULL); /* an issue after the events of its instant */
}

static void
msc_event_row (GString *out, const LaneSet *set, const SrEvent *e, gint y, gint width)
{
  gint from = lane_of (set, e->source), to = lane_of (set, e->target);
  g_autofree gchar *label = event_label (e);
  g_autofree gchar *full = g_strdup_printf ("%s %s", e->name, e->details ? e->details : "");
  if (from < 0)
    from = 0;
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
      g_string_append_printf (out, "<g><title>");
      esc_append (out, full);
      g_string_append (out, "</title>");
      svg_text (out, MIN (x1, x2) + 6, y - 3, "l", NULL, label, ABS (x2 - x1) - 12);
      g_string_append (out, "</g>\n");
    }
  else
    {
      gint x = lane_x (from);
      g_string_append_printf (out, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" class=\"%s\"/>", x, y, cls);
      svg_text (out, x + 8, y + 4, "l", NULL, label, width - x - 14);
      g_string_append (out, "\n");
    }
}

/* The decisive issue: a red dashed line across the chart at the deadline, the expected message
 * as a red dashed arrow ending in a cross (or a cross on the lane that should have reported
 * the event), and the evidence on the line below. */
static void
msc_issue_row (GString *out, const Row *r, gint y, gint64 t0, gint width)
{
  const SrIssue *is = r->issue;
  const IssueMark *m = &r->mark;
  g_string_append_printf (out,
                          "<g class=\"issue %s\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                          "class=\"mark\"/>",
                          sr_verdict_to_string (is->level), MSC_LEFT - 20, y, width - 4, y);
  gint xl = MSC_LEFT;
  if (m->from >= 0)
    {
      gint x1 = lane_x (m->from), x2 = m->to >= 0 ? lane_x (m->to) : x1;
      if (x2 != x1)
        g_string_append_printf (out,
                                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"exp\"/>", x1,
                                y - 8, x2, y - 8);
      g_string_append_printf (out, "<path d=\"M%d %d l8 8 m0 -8 l-8 8\" class=\"cross\"/>", x2 - 4,
                              y - 12);
      g_autofree gchar *never = g_strdup_printf ("%s never came", m->expected);
      gint lx = MIN (x1, x2) + 10;
      svg_text (out, lx, y - 12, "mark", NULL, never,
                x2 != x1 ? MAX (ABS (x2 - x1) - 14, 150) : width - lx - 8);
    }
  g_autofree gchar *head
      = m->is_deadline
            ? g_strdup_printf ("\u2718 deadline +%.1f ms: %s%s%s", (gdouble)(m->t_ns - t0) / 1e6,
                               is->id, is->requirement ? " " : "",
                               is->requirement ? is->requirement : "")
            : g_strdup_printf ("\u2718 +%.1f ms: %s%s%s", (gdouble)(m->t_ns - t0) / 1e6, is->id,
                               is->requirement ? " " : "", is->requirement ? is->requirement : "");
  g_autofree gchar *text = g_strdup_printf ("%s: %s", head, m->why);
  svg_text (out, xl - 8, y + 14, "mark", NULL, text, width - xl);
  g_string_append (out, "</g>\n");
}

void
sr_svg_msc (GString *out, const SrTestResult *t)
{
  /* the chart shows messages and facts; a client's channel life is in trace.jsonl */
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  g_autoptr (GArray) rows = g_array_new (FALSE, TRUE, sizeof (Row));
  for (guint i = 0; t->events && i < t->events->len; i++)
    {
      const SrEvent *e = g_ptr_array_index (t->events, i);
      if (e->kind == SR_EVENT_CHANNEL)
        continue;
      g_ptr_array_add (shown, (gpointer)e);
      Row r = { .t_ns = e->t_ns, .event = e };
      g_array_append_val (rows, r);
    }
  if (rows->len == 0)
    {
      g_string_append (out, "<p class=\"muted\">no events recorded</p>\n");
      return;
    }
  gint64 t0 = t->start_ns ? t->start_ns : g_array_index (rows, Row, 0).t_ns;
  guint decisive = G_MAXUINT;
  LaneSet set;
  lanes_for (&set, shown);
  for (guint i = 0; i < t->issues->len; i++)
    {
      const SrIssue *is = g_ptr_array_index (t->issues, i);
      if (is->level < SR_VERDICT_INCONC || is->t_ns <= 0)
        continue;
      Row r = { .issue = is };
      issue_mark (is, &set, &r.mark);
      r.t_ns = r.mark.t_ns;
      g_array_append_val (rows, r);
    }
  g_array_sort (rows, compare_rows);
  const SrIssue *worst = sr_test_result_worst_issue (t);
  for (guint i = 0; i < rows->len; i++)
    if (g_array_index (rows, Row, i).issue == worst && worst != NULL)
      decisive = i;
  /* too many rows: the window that ends at the decisive issue, else the beginning */
  guint first = 0, n = MIN (rows->len, MSC_MAX_ROWS);
  if (decisive != G_MAXUINT && decisive >= n)
    first = MIN (decisive + 10, rows->len) - n;
  gint width = MSC_LEFT + (gint)(set.n - 1) * MSC_LANE_W + MSC_RIGHT;
  guint issue_rows = 0;
  for (guint i = 0; i < n; i++)
    issue_rows += g_array_index (rows, Row, first + i).issue != NULL;
  gint height = MSC_TOP + (gint)(n + 1 + 2 * issue_rows) * MSC_ROW_H;
  if (first > 0)
    g_string_append_printf (out,
                            "<p class=\"muted\">%u earlier rows are in trace.jsonl; the chart "
                            "ends at the decisive issue</p>\n",
                            first);
  g_string_append_printf (out,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                          "viewBox=\"0 0 %d %d\" class=\"msc\">\n",
                          width, height, width, height);
  g_string_append (out, "<text x=\"4\" y=\"16\" class=\"t\">ms</text>");
  for (guint i = 0; i < set.n; i++)
    {
      gint x = lane_x ((gint)i);
      g_string_append_printf (out,
                              "<text x=\"%d\" y=\"16\" class=\"h\" text-anchor=\"middle\">%s</text>"
                              "<line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" class=\"lane\"/>\n",
                              x, set.lanes[i]->title, x, x, height);
    }
  gint y = MSC_TOP;
  for (guint i = 0; i < n; i++)
    {
      const Row *r = &g_array_index (rows, Row, first + i);
      if (r->issue)
        y += MSC_ROW_H; /* room for the expected message above the line */
      g_string_append_printf (out, "<text x=\"4\" y=\"%d\" class=\"t\">%.1f</text>", y + 4,
                              (gdouble)(r->t_ns - t0) / 1e6);
      if (r->issue)
        msc_issue_row (out, r, y, t0, width);
      else
        msc_event_row (out, &set, r->event, y, width);
      y += r->issue ? 2 * MSC_ROW_H : MSC_ROW_H;
    }
  g_string_append (out, "</svg>\n");
  for (guint i = 0; i < rows->len; i++)
    g_free (g_array_index (rows, Row, i).mark.expected);
  if (first + n < rows->len)
    g_string_append_printf (out, "<p class=\"muted\">%u more rows in trace.jsonl</p>\n",
                            rows->len - first - n);
}

/* ---- stacked bar --------------------------------------------------------------------------- */

void
sr_svg_stacked_bar (GString *out, const SrSvgSegment *seg, guint n, gdouble budget_ms,
                    gdouble scale_ms, gint width)
{
  const gint h = 30, bar_h = 16, top = 4;
  gint total_w = width + 150;
  if (scale_ms <= 0)
    scale_ms = 1;
  g_string_append_printf (out,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                          "viewBox=\"0 0 %d %d\" class=\"bar\">",
                          total_w, h, total_w, h);
  g_string_append_printf (out,
                          "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"track\"/>",
                          top, width, bar_h);
  gdouble x = 0;
  for (guint i = 0; i < n; i++)
    {
      if (seg[i].ms <= 0)
        continue;
      gdouble w = MIN (seg[i].ms / scale_ms * width, width - x);
      if (w <= 0)
        break;
      g_string_append_printf (out,
                              "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                              "class=\"seg %s\"><title>",
                              x, top, w, bar_h, seg[i].label);
      g_autofree gchar *tip = g_strdup_printf ("%s: %.1f ms (%s)", seg[i].label, seg[i].ms,
                                               seg[i].title ? seg[i].title : "");
      esc_append (out, tip);
      g_string_append (out, "</title></rect>");
      g_autofree gchar *num = g_strdup_printf ("%.0f", seg[i].ms);
      if (w >= strlen (num) * CHAR_W + 4)
        g_string_append_printf (out, "<text x=\"%.1f\" y=\"%d\" class=\"segl\">%s</text>",
                                x + w / 2, top + bar_h - 4, num);
      x += w;
    }
  if (budget_ms > scale_ms) /* far within budget: the bar stays readable, the budget is named */
    g_string_append_printf (out,
                            "<text x=\"%d\" y=\"%d\" class=\"budgetl\">budget %.0f ms \u2192 "
                            "(%.0f%% used)</text>",
                            width + 4, top + bar_h - 4, budget_ms,
                            x / width * scale_ms / budget_ms * 100);
  else if (budget_ms > 0)
    {
      gdouble bx = MIN (budget_ms / scale_ms * width, width);
      g_string_append_printf (out,
                              "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" class=\"budget\"/>"
                              "<text x=\"%.1f\" y=\"%d\" class=\"budgetl\">budget %.0f ms</text>",
                              bx, bx, h, bx + 3, h - 1, budget_ms);
    }
  g_string_append (out, "</svg>");
}

/* ---- CDF ----------------------------------------------------------------------------------- */

#define CDF_W 360
#define CDF_H 170
#define CDF_L 44
#define CDF_B 30

static int
compare_doubles (const void *a, const void *b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
  return (x > y) - (x < y);
}

static void
cdf_line (GString *out, const gdouble *v, gsize n, gdouble max, const gchar *cls)
{
  if (n == 0)
    return;
  g_autofree gdouble *s = g_memdup2 (v, n * sizeof (gdouble));
  qsort (s, n, sizeof (gdouble), compare_doubles);
  gint pw = CDF_W - CDF_L - 10, ph = CDF_H - CDF_B - 10;
  g_string_append_printf (out, "<polyline class=\"%s\" points=\"%d,%d", cls, CDF_L, 10 + ph);
  for (gsize i = 0; i < n; i++)
    {
      gdouble x = CDF_L + MIN (s[i] / max, 1.0) * pw;
      gdouble y0 = 10 + ph - (gdouble)i / n * ph, y1 = 10 + ph - (gdouble)(i + 1) / n * ph;
      g_string_append_printf (out, " %.1f,%.1f %.1f,%.1f", x, y0, x, y1);
    }
  g_string_append_printf (out, " %d,10\"/>", CDF_L + pw);
}

void
sr_svg_cdf (GString *out, const gchar *title, const gdouble *baseline, gsize nb,
            const gdouble *current, gsize nc)
{
  gdouble max = 0;
  for (gsize i = 0; i < nb; i++)
    max = MAX (max, baseline[i]);
  for (gsize i = 0; i < nc; i++)
    max = MAX (max, current[i]);
  max = max > 0 ? max * 1.05 : 1;
  gint pw = CDF_W - CDF_L - 10, ph = CDF_H - CDF_B - 10;
  g_string_append_printf (out,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                          "viewBox=\"0 0 %d %d\" class=\"cdf\">",
                          CDF_W, CDF_H, CDF_W, CDF_H);
  g_string_append_printf (
      out, "<rect x=\"%d\" y=\"10\" width=\"%d\" height=\"%d\" class=\"frame\"/>", CDF_L, pw, ph);
  for (guint k = 0; k <= 4; k++)
    {
      gdouble x = CDF_L + pw * k / 4.0;
      g_string_append_printf (out,
                              "<text x=\"%.1f\" y=\"%d\" class=\"t\" text-anchor=\"middle\">%.*f"
                              "</text>",
                              x, 10 + ph + 13, max < 10 ? 2 : 0, max * k / 4.0);
    }
  g_string_append_printf (out,
                          "<text x=\"%d\" y=\"14\" class=\"t\" text-anchor=\"end\">1.0</text>"
                          "<text x=\"%d\" y=\"%d\" class=\"t\" text-anchor=\"end\">0.5</text>"
                          "<text x=\"%d\" y=\"%d\" class=\"t\">ms</text>",
                          CDF_L - 3, CDF_L - 3, 10 + ph / 2 + 4, CDF_L + pw - 14, CDF_H - 2);
  cdf_line (out, baseline, nb, max, "cdfb");
  cdf_line (out, current, nc, max, "cdfc");
  svg_text (out, CDF_L + 4, CDF_H - 2, "h", NULL, title, pw - 40);
  g_string_append (out, "</svg>");
}

const gchar *
sr_svg_css (void)
{
  return "svg{font-family:sans-serif}"
         "svg.msc{border:1px solid #ddd;background:#fff}svg .lane{stroke:#bbb;"
         "stroke-dasharray:4 3}svg .h{font:bold 12px sans-serif}"
         "svg .t{font:10px monospace;fill:#666}svg .l{font:11px monospace}"
         "svg line.qcop{stroke:#235;stroke-width:1.3}svg polygon.qcop{fill:#235}"
         "svg line.sip{stroke:#b45f06;stroke-width:1.5}svg polygon.sip{fill:#b45f06}"
         "svg line.agent{stroke:#2a7;stroke-dasharray:2 2}svg polygon.agent{fill:#2a7}"
         "svg line.runner{stroke:#888}svg polygon.runner{fill:#888}"
         "svg circle.agent{fill:#2a7}svg circle.runner{fill:#999}svg circle.media{fill:#a52}"
         "svg circle.qcop{fill:#235}svg circle.sip{fill:#b45f06}"
         "svg .issue line.mark{stroke:#c00;stroke-width:2;stroke-dasharray:6 3}"
         "svg .issue rect.mark{fill:#c00}svg .issue.inconc line.mark{stroke:#b80}"
         "svg .issue.inconc rect.mark{fill:#b80}"
         "svg text.mark{font:bold 11px monospace;fill:#c00}svg .inconc text.mark{fill:#850}"
         "svg line.exp{stroke:#c00;stroke-width:1.5;stroke-dasharray:3 3}"
         "svg path.cross{stroke:#c00;stroke-width:2.5;fill:none}"
         "svg .track{fill:#f2f2f2;stroke:#ccc}svg .seg{stroke:#fff;stroke-width:1}"
         "svg .seg.key{fill:#5b7fce}svg .seg.channel{fill:#2a9d6f}svg .seg.sip{fill:#d98a2b}"
         "svg .seg.media{fill:#9b59b6}svg .segl{font:bold 10px sans-serif;fill:#fff;"
         "text-anchor:middle}svg .budget{stroke:#c00;stroke-width:2}"
         "svg .budgetl{font:10px sans-serif;fill:#c00}"
         "svg .frame{fill:none;stroke:#ccc}svg .cdfb{fill:none;stroke:#999;stroke-width:1.5;"
         "stroke-dasharray:4 2}svg .cdfc{fill:none;stroke:#1a5fb4;stroke-width:1.8}"
         "@media print{svg .seg,svg .budget,svg .mark{-webkit-print-color-adjust:exact;"
         "print-color-adjust:exact}}";
}
