/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-bench"

#include "sr-bench.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "sr-report-svg.h"
#include "sr-suite.h"
#include "stbsim-input.h"

#define REFERENCE_ID "qcop.transit"
#define DEFAULT_REPEAT 20
/* A reference ratio inside this band is the same machine speed (run-to-run noise). */
#define SPEED_BAND_LO 0.8
#define SPEED_BAND_HI 1.25

/* ---- selection ----------------------------------------------------------------------------- */

gchar *
sr_bench_default_filter (const gchar *catalogue_path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!stbsim_input_load_keyfile (kf, catalogue_path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "catalogue %s: ", catalogue_path);
      return NULL;
    }
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  g_autoptr (GString) re = g_string_new ("^(");
  guint n = 0;
  for (guint i = 0; groups[i]; i++)
    {
      if (!g_key_file_has_key (kf, groups[i], "scenario", NULL))
        continue;
      if (!g_key_file_has_key (kf, groups[i], "timing", NULL)
          && !g_key_file_has_key (kf, groups[i], "repeat", NULL))
        continue;
      g_autofree gchar *quoted = g_regex_escape_string (groups[i], -1);
      g_string_append_printf (re, "%s%s", n++ ? "|" : "", quoted);
    }
  g_string_append (re, ")\\.");
  return g_string_free (g_steal_pointer (&re), FALSE);
}

static guint
catalogue_repeat (GKeyFile *kf, const gchar *case_id)
{
  if (kf == NULL || case_id == NULL)
    return DEFAULT_REPEAT;
  gint r = g_key_file_get_integer (kf, case_id, "repeat", NULL);
  return r > 0 ? (guint)r : DEFAULT_REPEAT;
}

/* Does the case measure a live first frame (zap, resume), which fast channel change speeds up? */
static gboolean
case_measures_first_frame (GKeyFile *kf, const gchar *case_id)
{
  static const gchar *const ids[] = { "SW-TIME-09", "SW-TIME-21", "SW-TIME-23" };
  if (kf == NULL || case_id == NULL)
    return FALSE;
  g_autofree gchar *list = g_key_file_get_string (kf, case_id, "timing", NULL);
  g_auto (GStrv) timing = list ? g_strsplit (list, ",", -1) : NULL;
  for (guint i = 0; timing && timing[i]; i++)
    for (guint k = 0; k < G_N_ELEMENTS (ids); k++)
      if (g_str_equal (g_strstrip (timing[i]), ids[k]))
        return TRUE;
  return FALSE;
}

static SrTestSpec *
spec_copy (const SrTestSpec *s, guint round, gboolean no_fcc)
{
  SrTestSpec *c = g_new0 (SrTestSpec, 1);
  c->id = g_strdup_printf ("%s%s.r%02u", s->id, no_fcc ? SR_BENCH_NO_FCC_INFIX : "", round);
  c->case_id = g_strdup (s->case_id);
  c->scenario = g_strdup (s->scenario);
  c->layout = g_strdup (s->layout);
  c->summary = g_strdup (s->summary);
  c->requirements = g_strdupv (s->requirements);
  c->needs_sip = s->needs_sip;
  c->no_fcc = s->no_fcc || no_fcc;
  return c;
}

GPtrArray *
sr_bench_expand (const SrBenchOptions *opts, GPtrArray *tests)
{
  g_autoptr (GKeyFile) kf = NULL;
  if (opts->catalogue_path)
    {
      kf = g_key_file_new ();
      if (!stbsim_input_load_keyfile (kf, opts->catalogue_path, G_KEY_FILE_NONE, NULL))
        g_clear_pointer (&kf, g_key_file_unref);
    }
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_test_spec_free);
  /* round-robin over the cases so that slow drift of the machine spreads over all of them */
  guint max_rounds = 0;
  g_autofree guint *rounds = g_new0 (guint, MAX (tests->len, 1));
  for (guint i = 0; i < tests->len; i++)
    {
      const SrTestSpec *s = g_ptr_array_index (tests, i);
      rounds[i] = opts->repeat ? opts->repeat : catalogue_repeat (kf, s->case_id);
      max_rounds = MAX (max_rounds, rounds[i]);
    }
  for (guint r = 1; r <= max_rounds; r++)
    for (guint i = 0; i < tests->len; i++)
      if (r <= rounds[i])
        {
          const SrTestSpec *s = g_ptr_array_index (tests, i);
          g_ptr_array_add (out, spec_copy (s, r, FALSE));
          if (opts->compare_no_fcc && case_measures_first_frame (kf, s->case_id))
            g_ptr_array_add (out, spec_copy (s, r, TRUE));
        }
  return out;
}

GPtrArray *
sr_bench_prepare (const SrBenchOptions *opts, GPtrArray *tests, GError **error)
{
  if (opts->baseline_path)
    {
      g_autoptr (SrBaseline) b = sr_baseline_load (opts->baseline_path, error);
      if (b == NULL)
        return NULL;
    }
  return sr_bench_expand (opts, tests);
}

/* ---- collection ---------------------------------------------------------------------------- */

const gchar *
sr_bench_hop (const gchar *from, const gchar *to)
{
  from = from ? from : "";
  to = to ? to : "";
  if (strstr (to, "first-frame"))
    return "media";
  if (g_str_has_prefix (from, "key."))
    return "key";
  if (g_str_has_prefix (from, "inject.") || g_str_has_prefix (from, "sip")
      || g_str_has_prefix (from, "voip.call") || g_str_has_prefix (to, "voip.call")
      || g_str_has_prefix (to, "sip") || strstr (from, "ims.") || strstr (to, "ims."))
    return "sip";
  return "channel";
}

static SrDistribution *
dist_for (GPtrArray *dists, GHashTable *index, const gchar *id, const gchar *name, const gchar *hop)
{
  SrDistribution *d = g_hash_table_lookup (index, id);
  if (d == NULL)
    {
      d = sr_distribution_new (id, name, hop);
      g_ptr_array_add (dists, d);
      g_hash_table_insert (index, d->id, d);
    }
  return d;
}

/* @path, or its gzip-compressed copy @path.gz (--keep-artifacts compresses passing tests'). */
static gchar *
read_maybe_gz (const gchar *path)
{
  gchar *text = NULL;
  if (g_file_get_contents (path, &text, NULL, NULL))
    return text;
  g_autofree gchar *gz = g_strconcat (path, ".gz", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (gz);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, NULL);
  if (in == NULL)
    return NULL;
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GInputStream) zin
      = g_converter_input_stream_new (G_INPUT_STREAM (in), G_CONVERTER (z));
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (mem, zin, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, NULL) < 0
      || g_output_stream_write (mem, "", 1, NULL, NULL) != 1 /* NUL-terminated */
      || !g_output_stream_close (mem, NULL, NULL))
    return NULL;
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
}

/* Server forwarding times: a QCopSend cmd to the first QCopMessage event it caused. */
static void
collect_transit (SrDistribution *d, const gchar *trace_path)
{
  g_autofree gchar *text = read_maybe_gz (trace_path);
  if (text == NULL)
    return;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gint64 send_ns = -1;
  g_autofree gchar *send_key = NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (lines[i][0] != '{' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      const gchar *kind = json_object_get_string_member_with_default (o, "kind", "");
      const gchar *type = json_object_get_string_member_with_default (o, "type", "");
      const gchar *channel = json_object_get_string_member_with_default (o, "channel", "");
      const gchar *message = json_object_get_string_member_with_default (o, "message", "");
      gint64 t = json_object_get_int_member_with_default (o, "t_ns", -1);
      g_autofree gchar *key = g_strdup_printf ("%s\n%s", channel, message);
      if (g_str_equal (kind, "cmd"))
        {
          gboolean user = g_str_equal (type, "QCopSend") && channel[0] != '\0';
          send_ns = user ? t : -1;
          g_free (send_key);
          send_key = user ? g_steal_pointer (&key) : NULL;
        }
      else if (send_ns >= 0 && g_str_equal (type, "QCopMessage") && g_str_equal (key, send_key))
        {
          sr_distribution_add (d, (gdouble)(t - send_ns) / 1e6);
          send_ns = -1;
        }
    }
}

static gint
hop_rank (const gchar *hop)
{
  static const gchar *const order[] = { "key", "channel", "sip", "media" };
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_strcmp0 (hop, order[i]) == 0)
      return (gint)i;
  return G_N_ELEMENTS (order);
}

/* The reference first, then by hop, then by id (SW-TIME-03 before SW-TIME-11). */
static gint
cmp_dist (gconstpointer a, gconstpointer b)
{
  const SrDistribution *x = *(SrDistribution *const *)a, *y = *(SrDistribution *const *)b;
  gint rx = g_str_equal (x->id, REFERENCE_ID) ? -1 : hop_rank (x->hop);
  gint ry = g_str_equal (y->id, REFERENCE_ID) ? -1 : hop_rank (y->hop);
  if (rx != ry)
    return rx - ry;
  return g_utf8_collate (x->id, y->id);
}

GPtrArray *
sr_bench_collect (const SrReport *report)
{
  GPtrArray *dists = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_distribution_free);
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  SrDistribution *ref = dist_for (dists, index, REFERENCE_ID,
                                  "QCopSend read -> QCopMessage "
                                  "queued (server trace)",
                                  "channel");
  for (guint i = 0; i < report->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (report->tests, i);
      /* the comparison arm contributes its first frames only, as ids of their own */
      gboolean no_fcc = strstr (t->id, SR_BENCH_NO_FCC_INFIX ".r") != NULL;
      for (guint j = 0; t->latencies && j < t->latencies->len; j++)
        {
          const SrLatency *l = g_ptr_array_index (t->latencies, j);
          const gchar *hop = sr_bench_hop (l->from, l->to);
          if (l->value_ns < 0 || (no_fcc && !g_str_equal (hop, "media")))
            continue;
          const gchar *base_id = l->budget_id ? l->budget_id : l->name;
          g_autofree gchar *id = g_strconcat (base_id, no_fcc ? SR_BENCH_NO_FCC_SUFFIX : "", NULL);
          g_autofree gchar *name = no_fcc ? g_strconcat (l->name, " (no fast channel change)", NULL)
                                          : g_strdup (l->name);
          SrDistribution *d = dist_for (dists, index, id, name, hop);
          sr_distribution_add (d, (gdouble)l->value_ns / 1e6);
        }
      if (report->run_dir && t->started)
        {
          g_autofree gchar *trace
              = g_build_filename (report->run_dir, "tests", t->id, "qcop-trace.jsonl", NULL);
          collect_transit (ref, trace);
        }
    }
  g_ptr_array_sort (dists, cmp_dist);
  return dists;
}

void
sr_bench_params_from_profile (GKeyFile *profile, SrCompareParams *p)
{
  sr_compare_params_init (p);
  if (profile == NULL || !g_key_file_has_group (profile, "regression"))
    return;
  g_autoptr (GError) e = NULL;
  gdouble conf = g_key_file_get_double (profile, "regression", "confidence", &e);
  if (e == NULL && conf > 0 && conf < 1)
    p->alpha = 1.0 - conf;
  g_clear_error (&e);
  gdouble v = g_key_file_get_double (profile, "regression", "p50_increase_pct", &e);
  if (e == NULL && v >= 0)
    p->p50_increase = v / 100.0;
  g_clear_error (&e);
  v = g_key_file_get_double (profile, "regression", "p95_increase_pct", &e);
  if (e == NULL && v >= 0)
    p->p95_increase = v / 100.0;
  g_clear_error (&e);
  v = g_key_file_get_double (profile, "regression", "min_delta_ms", &e);
  if (e == NULL && v >= 0)
    p->min_delta = v;
  g_clear_error (&e);
  gint n = g_key_file_get_integer (profile, "regression", "min_samples", &e);
  if (e == NULL && n > 0)
    p->min_samples = (guint)n;
}

/* ---- judgement ----------------------------------------------------------------------------- */

typedef struct
{
  const SrDistribution *cur;  /* NULL: only in the baseline */
  const SrDistribution *base; /* (nullable) */
  SrStatsSummary s;
  SrComparison cmp;
  const gchar *verdict;
} Row;

#define MAX_FCC_PAIRS 8

typedef struct
{
  SrCompareParams params;
  gdouble speed; /* current reference p50 / baseline reference p50, 0 if unknown */
  GArray *rows;  /* Row */
  SrVerdict verdict;
  guint regressions, improvements, compared;
  /* the ids measured with and without fast channel change (--compare-no-fcc): indices of
   * rows, fast[k] beside plain[k] */
  guint n_fcc, fcc_fast[MAX_FCC_PAIRS], fcc_plain[MAX_FCC_PAIRS];
} Judgement;

static const gdouble *
samples (const SrDistribution *d)
{
  return (const gdouble *)d->samples_ms->data;
}

static gdouble
reference_speed (GPtrArray *dists, const SrBaseline *base, guint min_samples)
{
  const SrDistribution *c = NULL;
  for (guint i = 0; i < dists->len; i++)
    if (g_str_equal (((SrDistribution *)g_ptr_array_index (dists, i))->id, REFERENCE_ID))
      c = g_ptr_array_index (dists, i);
  const SrDistribution *b = base ? sr_baseline_lookup (base, REFERENCE_ID) : NULL;
  if (c == NULL || b == NULL || c->samples_ms->len < min_samples
      || b->samples_ms->len < min_samples)
    return 0;
  SrStatsSummary sc, sb;
  sr_stats_summarize (samples (c), c->samples_ms->len, &sc);
  sr_stats_summarize (samples (b), b->samples_ms->len, &sb);
  return sb.p50 > 0 ? sc.p50 / sb.p50 : 0;
}

static void
judge_row (Row *row, Judgement *j, gboolean have_baseline)
{
  if (row->cur)
    sr_stats_summarize (samples (row->cur), row->cur->samples_ms->len, &row->s);
  if (!have_baseline)
    row->verdict = "-";
  else if (row->cur == NULL)
    row->verdict = "missing";
  else if (row->base == NULL)
    row->verdict = "new";
  else
    {
      SrCompareParams p = j->params;
      gboolean is_ref = g_str_equal (row->cur->id, REFERENCE_ID);
      if (is_ref)
        p.baseline_scale = 1.0;
      sr_stats_compare (samples (row->base), row->base->samples_ms->len, samples (row->cur),
                        row->cur->samples_ms->len, &p, &row->cmp);
      row->verdict = is_ref ? "reference" : sr_change_to_string (row->cmp.change);
      j->compared += !is_ref;
      j->regressions += !is_ref && row->cmp.change == SR_CHANGE_REGRESSION;
      j->improvements += !is_ref && row->cmp.change == SR_CHANGE_IMPROVEMENT;
      if (!is_ref && row->cmp.change == SR_CHANGE_REGRESSION)
        j->verdict = sr_verdict_merge (j->verdict, SR_VERDICT_FAIL);
      else if (!is_ref && row->cmp.change == SR_CHANGE_INSUFFICIENT)
        j->verdict = sr_verdict_merge (j->verdict, SR_VERDICT_INCONC);
    }
}

/* Pair each "<id>/no-fcc" row with the "<id>" row of the same run. */
static void
pair_fcc_rows (Judgement *j)
{
  for (guint i = 0; i < j->rows->len && j->n_fcc < MAX_FCC_PAIRS; i++)
    {
      const Row *p = &g_array_index (j->rows, Row, i);
      if (p->cur == NULL || !g_str_has_suffix (p->cur->id, SR_BENCH_NO_FCC_SUFFIX))
        continue;
      gsize len = strlen (p->cur->id) - strlen (SR_BENCH_NO_FCC_SUFFIX);
      for (guint k = 0; k < j->rows->len; k++)
        {
          const Row *f = &g_array_index (j->rows, Row, k);
          if (f->cur != NULL && strlen (f->cur->id) == len
              && strncmp (f->cur->id, p->cur->id, len) == 0)
            {
              j->fcc_fast[j->n_fcc] = k;
              j->fcc_plain[j->n_fcc++] = i;
              break;
            }
        }
    }
}

static const Row *
fcc_row (const Judgement *j, const guint *index, guint k)
{
  return &g_array_index (j->rows, Row, index[k]);
}

static void
judge (Judgement *j, GPtrArray *dists, const SrBaseline *base)
{
  j->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  j->verdict = base ? SR_VERDICT_PASS : SR_VERDICT_NONE;
  j->speed = reference_speed (dists, base, j->params.min_samples);
  if (j->speed > 0 && (j->speed < SPEED_BAND_LO || j->speed > SPEED_BAND_HI))
    j->params.baseline_scale = CLAMP (j->speed, 0.25, 4.0);
  for (guint i = 0; i < dists->len; i++)
    {
      Row row = { .cur = g_ptr_array_index (dists, i) };
      row.base = base ? sr_baseline_lookup (base, row.cur->id) : NULL;
      judge_row (&row, j, base != NULL);
      g_array_append_val (j->rows, row);
    }
  for (guint i = 0; base && i < base->distributions->len; i++)
    {
      const SrDistribution *b = g_ptr_array_index (base->distributions, i);
      gboolean seen = FALSE;
      for (guint k = 0; k < dists->len && !seen; k++)
        seen = g_str_equal (((SrDistribution *)g_ptr_array_index (dists, k))->id, b->id);
      if (seen)
        continue;
      Row row = { .base = b };
      judge_row (&row, j, TRUE);
      g_array_append_val (j->rows, row);
    }
  if (base && j->compared == 0) /* nothing in common with the baseline: no judgement */
    j->verdict = sr_verdict_merge (j->verdict, SR_VERDICT_INCONC);
  pair_fcc_rows (j);
}

static const gchar *
row_id (const Row *r)
{
  return r->cur ? r->cur->id : r->base->id;
}

static const gchar *
row_hop (const Row *r)
{
  return r->cur ? r->cur->hop : r->base->hop;
}

/* ---- output -------------------------------------------------------------------------------- */

static gchar *
fmt_ms (gdouble v, gboolean have)
{
  return have ? g_strdup_printf ("%.3f", v) : g_strdup ("-");
}

static gboolean
row_compared (const Row *r)
{
  return r->cur && r->base && r->cmp.baseline.n > 0;
}

static gdouble
row_p_value (const Row *r)
{
  return r->cmp.current.p50 >= r->cmp.baseline.p50 ? r->cmp.p_slower : r->cmp.p_faster;
}

static gchar *
thresholds_text (const Judgement *j)
{
  const SrCompareParams *p = &j->params;
  return g_strdup_printf (
      "thresholds: a regression is a p50 increase beyond +%.0f%% (or +%.0f%% "
      "with p95 beyond +%.0f%%) AND beyond the hop's floor min(%.0f ms, "
      "%.0f%% of its baseline p50), significant at alpha %.2g (one-sided Mann-Whitney U); "
      "at least %u samples on each side",
      p->p50_increase * 100, p->p50_increase * 50, p->p95_increase * 100, p->min_delta,
      p->p50_increase * 100, p->alpha, p->min_samples);
}

static gchar *
fcc_line (const Row *fast, const Row *plain)
{
  return g_strdup_printf ("%s: with fast channel change p50 %.1f / p95 %.1f ms (n %u), plain join "
                          "p50 %.1f / p95 %.1f ms (n %u): p95 %.1fx faster",
                          fast->cur->id, fast->s.p50, fast->s.p95, fast->s.n, plain->s.p50,
                          plain->s.p95, plain->s.n,
                          fast->s.p95 > 0 ? plain->s.p95 / fast->s.p95 : 0.0);
}

static gchar *
table_text (const Judgement *j)
{
  GString *out = g_string_new (NULL);
#define HDR "%-18s %-7s %4s %9s %9s %9s %9s %9s %9s %6s %8s  %s\n"
  g_string_append_printf (out, HDR, "id", "hop", "n", "base_p50", "base_p95", "base_p99", "p50",
                          "p95", "p99", "ratio", "p_value", "verdict");
  for (guint i = 0; i < j->rows->len; i++)
    {
      const Row *r = &g_array_index (j->rows, Row, i);
      gboolean cmp = row_compared (r);
      g_autofree gchar *bp50 = fmt_ms (r->cmp.baseline.p50, cmp);
      g_autofree gchar *bp95 = fmt_ms (r->cmp.baseline.p95, cmp);
      g_autofree gchar *bp99 = fmt_ms (r->cmp.baseline.p99, cmp);
      g_autofree gchar *p50 = fmt_ms (r->s.p50, r->cur != NULL);
      g_autofree gchar *p95 = fmt_ms (r->s.p95, r->cur != NULL);
      g_autofree gchar *p99 = fmt_ms (r->s.p99, r->cur != NULL);
      g_autofree gchar *n = g_strdup_printf ("%u", r->cur ? r->s.n : 0);
      g_autofree gchar *ratio = cmp && r->cmp.ratio_p50 > 0
                                    ? g_strdup_printf ("%.2f", r->cmp.ratio_p50)
                                    : g_strdup ("-");
      g_autofree gchar *pv = cmp ? g_strdup_printf ("%.2g", row_p_value (r)) : g_strdup ("-");
      g_string_append_printf (out, HDR, row_id (r), row_hop (r), n, bp50, bp95, bp99, p50, p95, p99,
                              ratio, pv, r->verdict);
    }
  for (guint i = 0; i < j->rows->len; i++)
    {
      const Row *r = &g_array_index (j->rows, Row, i);
      if (!row_compared (r) || r->cmp.change == SR_CHANGE_NONE
          || g_str_equal (r->verdict, "reference"))
        continue;
      g_autofree gchar *why = sr_stats_explain (&r->cmp, &j->params);
      g_string_append_printf (out, "  %s: %s\n", row_id (r), why);
    }
#undef HDR
  g_autofree gchar *th = thresholds_text (j);
  g_string_append_printf (out, "%s\n", th);
  if (j->speed > 0)
    g_string_append_printf (out,
                            "speed reference %s: %.2fx the baseline's (baseline scaled by %.2f; "
                            "ratios are against the scaled baseline)\n",
                            REFERENCE_ID, j->speed, j->params.baseline_scale);
  for (guint i = 0; i < j->n_fcc; i++)
    {
      g_autofree gchar *line = fcc_line (fcc_row (j, j->fcc_fast, i), fcc_row (j, j->fcc_plain, i));
      g_string_append_printf (out, "%s\n", line);
    }
  return g_string_free (out, FALSE);
}

static void
jnum (JsonBuilder *b, const gchar *key, gdouble v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

static void
jstr (JsonBuilder *b, const gchar *key, const gchar *v)
{
  json_builder_set_member_name (b, key);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
json_summary (JsonBuilder *b, const SrStatsSummary *s)
{
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, s->n);
  jnum (b, "min_ms", s->min);
  jnum (b, "p50_ms", s->p50);
  jnum (b, "p95_ms", s->p95);
  jnum (b, "p99_ms", s->p99);
  jnum (b, "max_ms", s->max);
  jnum (b, "mean_ms", s->mean);
}

static void
json_row (JsonBuilder *b, const Row *r, const SrCompareParams *params)
{
  json_builder_begin_object (b);
  jstr (b, "id", row_id (r));
  jstr (b, "name", r->cur ? r->cur->name : r->base->name);
  jstr (b, "hop", row_hop (r));
  json_summary (b, &r->s);
  json_builder_set_member_name (b, "samples_ms");
  json_builder_begin_array (b);
  for (guint i = 0; r->cur && i < r->cur->samples_ms->len; i++)
    json_builder_add_double_value (b, samples (r->cur)[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "baseline");
  if (r->base && r->cur)
    {
      json_builder_begin_object (b);
      json_summary (b, &r->cmp.baseline);
      json_builder_end_object (b);
      jnum (b, "ratio_p50", r->cmp.ratio_p50);
      jnum (b, "ratio_p95", r->cmp.ratio_p95);
      jnum (b, "p_slower", r->cmp.p_slower);
      jnum (b, "p_faster", r->cmp.p_faster);
      jnum (b, "p_value", row_p_value (r));
      jnum (b, "floor_ms", r->cmp.floor);
    }
  else
    json_builder_add_null_value (b);
  jstr (b, "verdict", r->verdict);
  if (row_compared (r) && !g_str_equal (r->verdict, "reference"))
    {
      g_autofree gchar *why = sr_stats_explain (&r->cmp, params);
      jstr (b, "why", why);
    }
  json_builder_end_object (b);
}

static void
json_changes (JsonBuilder *b, const Judgement *j, const gchar *which)
{
  json_builder_set_member_name (b, which);
  json_builder_begin_array (b);
  for (guint i = 0; i < j->rows->len; i++)
    {
      const Row *r = &g_array_index (j->rows, Row, i);
      if (!g_str_has_prefix (which, r->verdict))
        continue;
      json_builder_begin_object (b);
      jstr (b, "id", row_id (r));
      jstr (b, "hop", row_hop (r));
      jnum (b, "p50_ms", r->s.p50);
      jnum (b, "baseline_p50_ms", r->cmp.baseline.p50);
      jnum (b, "ratio_p50", r->cmp.ratio_p50);
      jnum (b, "ratio_p95", r->cmp.ratio_p95);
      jnum (b, "p_value", g_str_equal (which, "regressions") ? r->cmp.p_slower : r->cmp.p_faster);
      jnum (b, "floor_ms", r->cmp.floor);
      g_autofree gchar *why = sr_stats_explain (&r->cmp, &j->params);
      jstr (b, "why", why);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static JsonNode *
bench_json (const SrBenchOptions *opts, const Judgement *j, const SrBaseline *base)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bench");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "repeat");
  json_builder_add_int_value (b, opts->repeat);
  jstr (b, "baseline_file", opts->baseline_path);
  jstr (b, "baseline_created", base ? base->created : NULL);
  jstr (b, "baseline_machine", base ? base->machine : NULL);
  jstr (b, "reference", REFERENCE_ID);
  jnum (b, "speed_factor", j->speed);
  jnum (b, "baseline_scale", j->params.baseline_scale);
  jnum (b, "alpha", j->params.alpha);
  jnum (b, "p50_increase_pct", j->params.p50_increase * 100);
  jnum (b, "p95_increase_pct", j->params.p95_increase * 100);
  jnum (b, "min_delta_ms", j->params.min_delta);
  json_builder_set_member_name (b, "min_samples");
  json_builder_add_int_value (b, j->params.min_samples);
  jstr (b, "verdict", sr_verdict_to_string (j->verdict));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "distributions");
  json_builder_begin_array (b);
  for (guint i = 0; i < j->rows->len; i++)
    json_row (b, &g_array_index (j->rows, Row, i), &j->params);
  json_builder_end_array (b);
  json_changes (b, j, "regressions");
  json_changes (b, j, "improvements");
  json_builder_set_member_name (b, "fast_channel_change");
  json_builder_begin_array (b);
  for (guint i = 0; i < j->n_fcc; i++)
    {
      const Row *fast = fcc_row (j, j->fcc_fast, i), *plain = fcc_row (j, j->fcc_plain, i);
      json_builder_begin_object (b);
      jstr (b, "id", fast->cur->id);
      json_builder_set_member_name (b, "with");
      json_builder_begin_object (b);
      json_summary (b, &fast->s);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "without");
      json_builder_begin_object (b);
      json_summary (b, &plain->s);
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
html_cell (GString *out, const gchar *cls, const gchar *text)
{
  g_autofree gchar *e = sr_report_markup_escape (text);
  g_string_append_printf (out, "<td class=\"%s\">%s</td>", cls, e);
}

static gchar *
bench_html (const Judgement *j, const SrBaseline *base)
{
  GString *out = g_string_new ("<h2>Benchmark: latency per hop against the baseline</h2>\n");
  g_string_append_printf (out,
                          "<p>benchmark verdict <b class=\"%s\">%s</b>: %u regression(s), "
                          "%u improvement(s), %u id(s) compared",
                          sr_verdict_to_string (j->verdict), sr_verdict_to_string (j->verdict),
                          j->regressions, j->improvements, j->compared);
  if (base)
    {
      g_autofree gchar *who = g_strdup_printf ("; baseline of %s on %s (%s)", base->created,
                                               base->host, base->machine);
      g_autofree gchar *e = sr_report_markup_escape (who);
      g_string_append (out, e);
    }
  g_autofree gchar *th = thresholds_text (j);
  g_autofree gchar *the = sr_report_markup_escape (th);
  g_string_append_printf (out, "</p>\n<p class=\"muted\">%s", the);
  if (j->speed > 0)
    g_string_append_printf (
        out, "; speed reference " REFERENCE_ID ": %.2fx the baseline's, baseline scaled by %.2f",
        j->speed, j->params.baseline_scale);
  g_string_append (out, "</p>\n<table><tr><th>id</th><th>hop</th><th>n</th><th>baseline p50"
                        "</th><th>p95</th><th>p99</th><th>current p50</th><th>p95</th>"
                        "<th>p99</th><th>ratio</th><th>p-value</th><th>floor ms</th>"
                        "<th>verdict</th><th>why</th></tr>\n");
  for (guint i = 0; i < j->rows->len; i++)
    {
      const Row *r = &g_array_index (j->rows, Row, i);
      gboolean cmp = row_compared (r);
      g_string_append (out, "<tr>");
      html_cell (out, "", row_id (r));
      html_cell (out, "", row_hop (r));
      g_autofree gchar *n = g_strdup_printf ("%u", r->cur ? r->s.n : 0);
      html_cell (out, "num", n);
      const gdouble vals[] = {
        r->cmp.baseline.p50, r->cmp.baseline.p95, r->cmp.baseline.p99, r->s.p50, r->s.p95, r->s.p99
      };
      for (guint k = 0; k < G_N_ELEMENTS (vals); k++)
        {
          g_autofree gchar *v = fmt_ms (vals[k], k < 3 ? cmp : r->cur != NULL);
          html_cell (out, "num", v);
        }
      g_autofree gchar *ratio = cmp && r->cmp.ratio_p50 > 0
                                    ? g_strdup_printf ("%.2f", r->cmp.ratio_p50)
                                    : g_strdup ("-");
      g_autofree gchar *pv = cmp ? g_strdup_printf ("%.2g", row_p_value (r)) : g_strdup ("-");
      g_autofree gchar *fl = cmp ? g_strdup_printf ("%.3f", r->cmp.floor) : g_strdup ("-");
      html_cell (out, "num", ratio);
      html_cell (out, "num", pv);
      html_cell (out, "num", fl);
      html_cell (out,
                 g_str_equal (r->verdict, "regression")    ? "fail"
                 : g_str_equal (r->verdict, "improvement") ? "pass"
                                                           : "",
                 r->verdict);
      g_autofree gchar *why
          = cmp && !g_str_equal (r->verdict, "reference")
                ? sr_stats_explain (&r->cmp, &j->params)
                : g_strdup (g_str_equal (r->verdict, "reference") ? "the run's own speed reference"
                                                                  : "");
      html_cell (out, "muted", why);
      g_string_append (out, "</tr>\n");
    }
  if (j->n_fcc > 0)
    {
      g_string_append (out, "</table>\n<h3>Live first frame with and without fast channel change "
                            "(same run, rounds interleaved)</h3>\n<table><tr><th>id</th>"
                            "<th>with: p50</th><th>p95</th><th>n</th><th>plain join: p50</th>"
                            "<th>p95</th><th>n</th><th>p95 ratio</th></tr>\n");
      for (guint i = 0; i < j->n_fcc; i++)
        {
          const Row *fast = fcc_row (j, j->fcc_fast, i), *plain = fcc_row (j, j->fcc_plain, i);
          gchar *cells[7] = {
            g_strdup_printf ("%.1f", fast->s.p50),
            g_strdup_printf ("%.1f", fast->s.p95),
            g_strdup_printf ("%u", fast->s.n),
            g_strdup_printf ("%.1f", plain->s.p50),
            g_strdup_printf ("%.1f", plain->s.p95),
            g_strdup_printf ("%u", plain->s.n),
            g_strdup_printf ("%.1fx", fast->s.p95 > 0 ? plain->s.p95 / fast->s.p95 : 0.0),
          };
          g_string_append (out, "<tr>");
          html_cell (out, "", fast->cur->id);
          for (guint k = 0; k < G_N_ELEMENTS (cells); k++)
            {
              html_cell (out, "num", cells[k]);
              g_free (cells[k]);
            }
          g_string_append (out, "</tr>\n");
        }
    }
  g_string_append (out, "</table>\n<p class=\"muted\">CDF per id: current (solid blue) against "
                        "the baseline (dashed grey)</p>\n<div style=\"display:flex;"
                        "flex-wrap:wrap;gap:8px\">\n");
  for (guint i = 0; i < j->rows->len; i++)
    {
      const Row *r = &g_array_index (j->rows, Row, i);
      if (r->cur == NULL)
        continue;
      g_autofree gchar *title = g_strdup_printf ("%s (%s) %s", row_id (r), row_hop (r), r->verdict);
      g_autofree gdouble *scaled = NULL;
      gsize nb = r->base ? r->base->samples_ms->len : 0;
      if (nb > 0)
        {
          scaled = g_new (gdouble, nb);
          for (gsize k = 0; k < nb; k++)
            scaled[k] = samples (r->base)[k] * j->params.baseline_scale;
        }
      sr_svg_cdf (out, title, scaled, nb, samples (r->cur), r->cur->samples_ms->len);
      g_string_append (out, "\n");
    }
  g_string_append (out, "</div>\n");
  return g_string_free (out, FALSE);
}

/* ---- entry --------------------------------------------------------------------------------- */

static GKeyFile *
load_profile (const SrConfig *config)
{
  g_autofree gchar *path
      = sr_profile_path (config, config->profile ? config->profile : "reference");
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!stbsim_input_load_keyfile (kf, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_steal_pointer (&kf);
}

static gboolean
save_baseline (const SrBenchOptions *opts, const SrConfig *config, SrReport *report,
               GPtrArray *dists)
{
  g_autoptr (SrBaseline) b = sr_baseline_new ();
  sr_baseline_describe_host (b, config->source_root);
  b->command_line = g_strdup (report->command_line);
  b->mode = g_strdup (report->mode);
  b->profile = g_strdup (report->profile);
  b->note = g_strdup_printf ("stbsim bench run %s", report->run_id);
  for (guint i = 0; i < dists->len; i++)
    {
      const SrDistribution *d = g_ptr_array_index (dists, i);
      SrDistribution *c = sr_distribution_new (d->id, d->name, d->hop);
      g_array_append_vals (c->samples_ms, d->samples_ms->data, d->samples_ms->len);
      g_ptr_array_add (b->distributions, c);
    }
  g_autoptr (GError) error = NULL;
  if (!sr_baseline_save (b, opts->save_path, &error))
    {
      g_printerr ("stbsim: %s\n", error->message);
      return FALSE;
    }
  g_print ("baseline saved: %s\n", opts->save_path);
  return TRUE;
}

SrVerdict
sr_bench_finish (const SrBenchOptions *opts, const SrConfig *config, SrReport *report,
                 SrVerdict verdict)
{
  g_autoptr (SrBaseline) base = NULL;
  g_autoptr (GError) error = NULL;
  if (opts->baseline_path)
    {
      base = sr_baseline_load (opts->baseline_path, &error);
      if (base == NULL)
        {
          g_printerr ("stbsim: %s\n", error->message);
          return SR_VERDICT_ERROR;
        }
    }
  g_autoptr (GKeyFile) profile = load_profile (config);
  g_autoptr (GPtrArray) dists = sr_bench_collect (report);
  Judgement j = { 0 };
  sr_bench_params_from_profile (profile, &j.params);
  judge (&j, dists, base);
  g_autofree gchar *table = table_text (&j);
  g_print ("\nlatency distributions, ms (%s):\n%s", base ? opts->baseline_path : "no baseline",
           table);
  report->extra_json = bench_json (opts, &j, base);
  report->extra_html = bench_html (&j, base);
  if (!sr_report_write_all (report, &error))
    g_printerr ("stbsim: writing the report: %s\n", error->message);
  if (opts->save_path && !save_baseline (opts, config, report, dists))
    verdict = sr_verdict_merge (verdict, SR_VERDICT_ERROR);
  g_array_unref (j.rows);
  SrVerdict all = sr_verdict_merge (verdict, j.verdict);
  if (base)
    g_print ("benchmark verdict: %s (%u regression(s), %u improvement(s))\n",
             sr_verdict_to_string (j.verdict), j.regressions, j.improvements);
  g_print ("bench: exit %d\n", sr_verdict_exit_code (all));
  return all;
}
