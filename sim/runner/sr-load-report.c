/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-load"

/*
 * The load curve of `stbsim load` (sr-load.h): one test per step with every sample, the
 * results.json "load" member, and the text and HTML tables.
 */

#include "sr-load-private.h"

/* Is @hop measured in this run (its flow selected, its STBs present)? */
static gboolean
hop_active (Load *l, guint hop)
{
  if (sr_load_hops[hop].media && l->media == 0)
    return FALSE;
  if (sr_load_hops[hop].flow == FLOW_TUNE)
    return TRUE;
  for (guint i = 0; i < l->n_flows; i++)
    if (l->flows[i] == sr_load_hops[hop].flow)
      return TRUE;
  return FALSE;
}

/* ---- report -------------------------------------------------------------------------------- */

SrTestResult *
sr_load_step_test (Load *l, const StepResult *r, gint64 start_ns)
{
  g_autofree gchar *id = g_strdup_printf ("load.%03gcps.%ustb", r->rate, l->stbs);
  SrTestResult *t = sr_test_result_new (id);
  t->summary
      = g_strdup_printf ("%u STBs (%u with media) x %u cycles of %s, %u registered "
                         "background subscribers, %g background calls/s",
                         l->stbs, l->media, l->cycles, l->flows_text, l->subscribers, r->rate);
  t->started = t->finished = TRUE;
  t->start_ns = start_ns;
  t->end_ns = start_ns + (gint64)(r->seconds * 1e9);
  for (guint h = 0; h < N_HOPS; h++)
    for (guint i = 0; i < l->samples[h]->len; i++)
      sr_test_result_add_latency (t, sr_load_hops[h].name, NULL, NULL, NULL,
                                  (gint64)(g_array_index (l->samples[h], gdouble, i) * 1e6), -1);
  for (guint i = 0; i < l->failure_notes->len; i++)
    sr_test_result_add_issue (t, sr_issue_new ("load::cycle-timeout", SR_VERDICT_INCONC, NULL,
                                               g_ptr_array_index (l->failure_notes, i), 0));
  g_ptr_array_set_size (l->failure_notes, 0);
  sr_test_result_set_verdict (t, r->failures ? SR_VERDICT_INCONC : SR_VERDICT_PASS);
  return t;
}

static void
json_int (JsonBuilder *b, const gchar *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
json_double (JsonBuilder *b, const gchar *name, gdouble v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static void
group_json (JsonBuilder *b, const gchar *name, const Group *g)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_int (b, "stbs", g->stbs);
  json_double (b, "cpu_pct", g->cpu);
  json_int (b, "pss_kib", (gint64)g->pss_kib);
  json_builder_end_object (b);
}

static void
step_json (Load *l, JsonBuilder *b, const StepResult *r)
{
  json_builder_begin_object (b);
  json_double (b, "calls_per_s", r->rate);
  json_int (b, "stbs", l->stbs);
  json_int (b, "cycles", r->cycles);
  json_int (b, "failed_cycles", r->failures);
  json_double (b, "seconds", r->seconds);
  json_double (b, "kamailio_cpu_pct", r->kamailio_cpu);
  json_double (b, "harness_cpu_pct", r->harness_cpu);
  json_double (b, "stb_cpu_pct", r->stb_cpu);
  json_int (b, "stb_pss_kib", (gint64)r->stb_pss_kib);
  json_int (b, "harness_pss_kib", (gint64)r->harness_pss_kib);
  json_double (b, "headend_cpu_pct", r->headend_cpu);
  json_int (b, "headend_pss_kib", (gint64)r->headend_pss_kib);
  json_builder_set_member_name (b, "per_stb"); /* CPU and PSS per STB, with and without media */
  json_builder_begin_object (b);
  group_json (b, "media", &r->media);
  group_json (b, "no_media", &r->plain);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "flows");
  json_builder_begin_object (b);
  for (guint i = 0; i < l->n_flows; i++)
    {
      json_builder_set_member_name (b, sr_load_flow_names[l->flows[i]]);
      json_builder_begin_object (b);
      json_int (b, "cycles", r->flow_cycles[l->flows[i]]);
      json_int (b, "failed_cycles", r->flow_failures[l->flows[i]]);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "hops");
  json_builder_begin_object (b);
  for (guint h = 0; h < N_HOPS; h++)
    {
      if (!hop_active (l, h))
        continue;
      json_builder_set_member_name (b, sr_load_hops[h].name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "flow");
      json_builder_add_string_value (b, sr_load_flow_names[sr_load_hops[h].flow]);
      json_int (b, "n", r->hop[h].n);
      json_double (b, "p50_ms", r->hop[h].p50);
      json_double (b, "p95_ms", r->hop[h].p95);
      json_double (b, "p99_ms", r->hop[h].p99);
      json_double (b, "max_ms", r->hop[h].max);
      json_builder_set_member_name (b, "media_only");
      json_builder_add_boolean_value (b, sr_load_hops[h].media);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

void
sr_load_curve_json (Load *l, JsonBuilder *b, GArray *steps)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "load");
  json_builder_begin_object (b);
  json_int (b, "stbs", l->stbs);
  json_int (b, "media_stbs", l->media);
  json_int (b, "subscribers", l->subscribers);
  json_int (b, "cycles_per_stb", l->cycles);
  json_int (b, "kamailio_children", l->children);
  json_builder_set_member_name (b, "mix");
  json_builder_add_string_value (b, l->mix_text);
  json_builder_set_member_name (b, "media");
  json_builder_add_boolean_value (b, l->media > 0);
  json_builder_set_member_name (b, "flows");
  json_builder_begin_array (b);
  for (guint i = 0; i < l->n_flows; i++)
    json_builder_add_string_value (b, sr_load_flow_names[l->flows[i]]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < steps->len; i++)
    step_json (l, b, &g_array_index (steps, StepResult, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* Failed cycles of the flow @hop belongs to (a tune-in's count with the flow it preceded). */
static guint
hop_failures (const StepResult *r, guint hop)
{
  return sr_load_hops[hop].flow == FLOW_TUNE ? r->failures
                                             : r->flow_failures[sr_load_hops[hop].flow];
}

gchar *
sr_load_curve_text (Load *l, GArray *steps, gboolean html)
{
  GString *out = g_string_new (NULL);
  if (html)
    g_string_append_printf (
        out,
        "<h2>Load curve (%u STBs, %u with media, %u registered background subscribers; "
        "flows %s)</h2>\n"
        "<table>\n<tr><th>calls/s</th><th>hop</th><th>n</th><th>p50 ms</th>"
        "<th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>failed cycles (flow)</th>"
        "<th>Kamailio CPU %%</th><th>harness CPU %%</th><th>STBs CPU %%</th>"
        "<th>PSS per STB KiB</th></tr>\n",
        l->stbs, l->media, l->subscribers, l->flows_text);
  else
    g_string_append_printf (out, "%-8s %-36s %5s %9s %9s %9s %9s %6s %7s %7s %7s %8s\n", "calls/s",
                            "hop", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "failed", "kam%",
                            "harn%", "stbs%", "pss_kib");
  for (guint i = 0; i < steps->len; i++)
    {
      const StepResult *r = &g_array_index (steps, StepResult, i);
      for (guint h = 0; h < N_HOPS; h++)
        if (hop_active (l, h))
          g_string_append_printf (
              out,
              html ? "<tr><td>%g</td><td>%s</td><td>%u</td><td>%.1f</td><td>%.1f</td>"
                     "<td>%.1f</td><td>%.1f</td><td>%u</td><td>%.1f</td><td>%.1f</td>"
                     "<td>%.1f</td><td>%" G_GUINT64_FORMAT "</td></tr>\n"
                   : "%-8g %-36s %5u %9.1f %9.1f %9.1f %9.1f %6u %7.1f %7.1f %7.1f "
                     "%8" G_GUINT64_FORMAT "\n",
              r->rate, sr_load_hops[h].name, r->hop[h].n, r->hop[h].p50, r->hop[h].p95,
              r->hop[h].p99, r->hop[h].max, hop_failures (r, h), r->kamailio_cpu, r->harness_cpu,
              r->stb_cpu, r->stb_pss_kib);
      g_string_append_printf (
          out,
          html ? "<tr><td>%g</td><td colspan=\"11\">per STB: %u with media %.1f%% CPU, "
                 "%" G_GUINT64_FORMAT " KiB PSS; %u without %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB PSS; head-end %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB; harness %" G_GUINT64_FORMAT " KiB</td></tr>\n"
               : "%-8g per STB: %u with media %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB PSS; %u without %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB PSS; head-end %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB; harness %" G_GUINT64_FORMAT " KiB\n",
          r->rate, r->media.stbs, r->media.cpu, r->media.pss_kib, r->plain.stbs, r->plain.cpu,
          r->plain.pss_kib, r->headend_cpu, r->headend_pss_kib, r->harness_pss_kib);
    }
  if (html)
    g_string_append (out, "</table>\n");
  return g_string_free (out, FALSE);
}
