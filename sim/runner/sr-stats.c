/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-stats"

#include "sr-stats.h"

#include <math.h>
#include <string.h>

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
  return (x > y) - (x < y);
}

gdouble
sr_stats_percentile_sorted (const gdouble *sorted, gsize n, gdouble p)
{
  g_return_val_if_fail (sorted != NULL && n > 0, 0.0);
  p = CLAMP (p, 0.0, 100.0);
  gdouble h = (gdouble)(n - 1) * p / 100.0;
  gsize lo = (gsize)floor (h);
  if (lo + 1 >= n)
    return sorted[n - 1];
  return sorted[lo] + (h - (gdouble)lo) * (sorted[lo + 1] - sorted[lo]);
}

void
sr_stats_summarize (const gdouble *values, gsize n, SrStatsSummary *out)
{
  memset (out, 0, sizeof *out);
  if (n == 0)
    return;
  g_autofree gdouble *s = g_memdup2 (values, n * sizeof (gdouble));
  qsort (s, n, sizeof (gdouble), cmp_double);
  gdouble sum = 0;
  for (gsize i = 0; i < n; i++)
    sum += s[i];
  out->n = (guint)n;
  out->min = s[0];
  out->max = s[n - 1];
  out->mean = sum / (gdouble)n;
  out->p50 = sr_stats_percentile_sorted (s, n, 50);
  out->p95 = sr_stats_percentile_sorted (s, n, 95);
  out->p99 = sr_stats_percentile_sorted (s, n, 99);
}

typedef struct
{
  gdouble v;
  gboolean from_x;
} Ranked;

static gint
cmp_ranked (gconstpointer a, gconstpointer b)
{
  return cmp_double (&((const Ranked *)a)->v, &((const Ranked *)b)->v);
}

gdouble
sr_stats_mann_whitney_greater (const gdouble *x, gsize nx, const gdouble *y, gsize ny)
{
  if (nx == 0 || ny == 0)
    return 1.0;
  gsize n = nx + ny;
  g_autofree Ranked *all = g_new (Ranked, n);
  for (gsize i = 0; i < nx; i++)
    all[i] = (Ranked){ x[i], TRUE };
  for (gsize i = 0; i < ny; i++)
    all[nx + i] = (Ranked){ y[i], FALSE };
  qsort (all, n, sizeof (Ranked), cmp_ranked);
  /* rank sum of x with mid-ranks for ties; tie term for the variance */
  gdouble rx = 0, ties = 0;
  for (gsize i = 0; i < n;)
    {
      gsize j = i;
      while (j < n && all[j].v == all[i].v)
        j++;
      gdouble mid = ((gdouble)(i + 1) + (gdouble)j) / 2.0, t = (gdouble)(j - i);
      for (gsize k = i; k < j; k++)
        if (all[k].from_x)
          rx += mid;
      ties += t * t * t - t;
      i = j;
    }
  gdouble fx = (gdouble)nx, fy = (gdouble)ny, fn = (gdouble)n;
  gdouble u = rx - fx * (fx + 1) / 2.0;
  gdouble mean = fx * fy / 2.0;
  gdouble var = fx * fy / 12.0 * ((fn + 1) - ties / (fn * (fn - 1)));
  if (var <= 0)
    return 1.0;
  gdouble z = (u - mean - 0.5) / sqrt (var); /* continuity correction */
  return 0.5 * erfc (z / G_SQRT2);
}

const gchar *
sr_change_to_string (SrChange change)
{
  switch (change)
    {
      case SR_CHANGE_NONE:
        return "same";
      case SR_CHANGE_REGRESSION:
        return "regression";
      case SR_CHANGE_IMPROVEMENT:
        return "improvement";
      case SR_CHANGE_INSUFFICIENT:
        return "insufficient";
    }
  return "?";
}

void
sr_compare_params_init (SrCompareParams *params)
{
  params->alpha = 0.01;
  params->p50_increase = 0.20;
  params->p95_increase = 0.25;
  params->min_delta = 0;
  params->min_samples = 10;
  params->baseline_scale = 1.0;
}

static gdouble
ratio (gdouble cur, gdouble base)
{
  return base > 0 ? cur / base : 0.0;
}

/* Large enough in the slower (@sign 1) or faster (-1) direction? The gate is the median: a
 * p95 of a few dozen samples moves by more than any sensible threshold from noise alone (one
 * outlier), so the p95 threshold only applies together with a p50 change in the same
 * direction beyond half its own threshold. */
static gboolean
large_change (const SrComparison *c, const SrCompareParams *p, gdouble sign)
{
  gdouble d50 = sign * (c->current.p50 - c->baseline.p50);
  gdouble d95 = sign * (c->current.p95 - c->baseline.p95);
  gdouble r50 = sign > 0 ? c->ratio_p50 : ratio (c->baseline.p50, c->current.p50);
  gdouble r95 = sign > 0 ? c->ratio_p95 : ratio (c->baseline.p95, c->current.p95);
  gboolean big50 = d50 > c->floor && r50 > 1.0 + p->p50_increase;
  gboolean some50 = d50 > c->floor && r50 > 1.0 + p->p50_increase / 2;
  gboolean big95 = d95 > c->floor && r95 > 1.0 + p->p95_increase;
  return big50 || (some50 && big95);
}

SrChange
sr_stats_compare (const gdouble *baseline, gsize nb, const gdouble *current, gsize nc,
                  const SrCompareParams *params, SrComparison *out)
{
  memset (out, 0, sizeof *out);
  g_autofree gdouble *base = g_new (gdouble, MAX (nb, 1));
  for (gsize i = 0; i < nb; i++)
    base[i] = baseline[i] * params->baseline_scale;
  sr_stats_summarize (base, nb, &out->baseline);
  sr_stats_summarize (current, nc, &out->current);
  out->ratio_p50 = ratio (out->current.p50, out->baseline.p50);
  out->ratio_p95 = ratio (out->current.p95, out->baseline.p95);
  out->floor = MIN (params->min_delta, params->p50_increase * out->baseline.p50);
  /* Significance of a change beyond half the tolerance, not of any change: "current is
   * slower than the baseline made (1 + tol/2) slower". Identical distributions then trip the
   * test far less often than alpha, a real change beyond the tolerance still does. */
  gdouble margin = 1.0 + params->p50_increase / 2;
  g_autofree gdouble *up = g_new (gdouble, MAX (nb, 1));
  g_autofree gdouble *down = g_new (gdouble, MAX (nb, 1));
  for (gsize i = 0; i < nb; i++)
    {
      up[i] = base[i] * margin;
      down[i] = base[i] / margin;
    }
  out->p_slower = sr_stats_mann_whitney_greater (current, nc, up, nb);
  out->p_faster = sr_stats_mann_whitney_greater (down, nb, current, nc);
  if (nb < params->min_samples || nc < params->min_samples)
    out->change = SR_CHANGE_INSUFFICIENT;
  else if (out->p_slower < params->alpha && large_change (out, params, 1))
    out->change = SR_CHANGE_REGRESSION;
  else if (out->p_faster < params->alpha && large_change (out, params, -1))
    out->change = SR_CHANGE_IMPROVEMENT;
  else
    out->change = SR_CHANGE_NONE;
  return out->change;
}

gchar *
sr_stats_explain (const SrComparison *c, const SrCompareParams *p)
{
  gdouble d50 = c->current.p50 - c->baseline.p50;
  gboolean slower = d50 >= 0;
  gdouble pv = slower ? c->p_slower : c->p_faster;
  g_autofree gchar *size
      = g_strdup_printf ("p50 %+.0f%% (%+.3f ms); needs beyond %s%.0f%% and %s%.3f ms "
                         "(floor min(%.0f ms, %.0f%% of baseline p50))",
                         (c->ratio_p50 - 1) * 100, d50, slower ? "+" : "-", p->p50_increase * 100,
                         slower ? "+" : "-", c->floor, p->min_delta, p->p50_increase * 100);
  g_autofree gchar *sig
      = g_strdup_printf ("p=%.2g %s alpha %.2g (one-sided Mann-Whitney vs the "
                         "baseline stretched by %.0f%%)",
                         pv, pv < p->alpha ? "<" : ">=", p->alpha, p->p50_increase * 50);
  switch (c->change)
    {
      case SR_CHANGE_REGRESSION:
        return g_strdup_printf ("regression: slower beyond both thresholds and significant: %s; %s",
                                size, sig);
      case SR_CHANGE_IMPROVEMENT:
        return g_strdup_printf ("improvement: faster beyond both thresholds and significant: %s; "
                                "%s",
                                size, sig);
      case SR_CHANGE_INSUFFICIENT:
        return g_strdup_printf ("not judged: %u current / %u baseline samples, %u needed on each "
                                "side",
                                c->current.n, c->baseline.n, p->min_samples);
      case SR_CHANGE_NONE:
      default:
        return g_strdup_printf ("same: %s; %s", size, sig);
    }
}
