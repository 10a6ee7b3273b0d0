/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Latency statistics for `stbsim bench`: percentiles (linear interpolation between order
 * statistics, Hyndman & Fan type 7, the one R and NumPy use by default) and a robust
 * regression detector: a change is a regression only when it is both large (relative and
 * absolute thresholds on p50, p95 only together with p50) and statistically significant beyond
 * half the relative threshold (one-sided Mann-Whitney U of current against the baseline
 * stretched by 1 + tol/2, normal approximation with tie and continuity correction). Noise
 * alone trips neither.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint n;
  gdouble min, p50, p95, p99, max, mean;
} SrStatsSummary;

/* @sorted ascending, @n > 0, @p in [0, 100]. */
gdouble sr_stats_percentile_sorted (const gdouble *sorted, gsize n, gdouble p);
/* Summary of @n values (any order; not modified). All zero when @n is 0. */
void sr_stats_summarize (const gdouble *values, gsize n, SrStatsSummary *out);

/* One-sided Mann-Whitney U: p-value of "@x tends to be larger than @y" (1.0 when either side
 * is empty or every value is tied). */
gdouble sr_stats_mann_whitney_greater (const gdouble *x, gsize nx, const gdouble *y, gsize ny);

typedef enum
{
  SR_CHANGE_NONE = 0, /* within noise */
  SR_CHANGE_REGRESSION,
  SR_CHANGE_IMPROVEMENT,
  SR_CHANGE_INSUFFICIENT, /* too few samples on either side to judge */
} SrChange;

const gchar *sr_change_to_string (SrChange change);

typedef struct
{
  gdouble alpha;          /* significance level, e.g. 0.01 */
  gdouble p50_increase;   /* relative threshold on p50, e.g. 0.20 */
  gdouble p95_increase;   /* relative threshold on p95, e.g. 0.25 */
  gdouble min_delta;      /* absolute threshold (same unit as the samples) */
  guint min_samples;      /* fewer on either side: SR_CHANGE_INSUFFICIENT */
  gdouble baseline_scale; /* baseline samples are multiplied by this (machine speed), 1.0 */
} SrCompareParams;

/* Defaults: alpha 0.01, +20 % p50, +25 % p95, min_delta 0, min_samples 10, scale 1. */
void sr_compare_params_init (SrCompareParams *params);

typedef struct
{
  SrChange change;
  SrStatsSummary current, baseline; /* baseline after scaling */
  gdouble ratio_p50;                /* current p50 / baseline p50 (0 when baseline p50 is 0) */
  gdouble ratio_p95;
  gdouble p_slower; /* Mann-Whitney p-value of "current slower than baseline * (1 + tol/2)" */
  gdouble p_faster; /* ... of "current faster than baseline / (1 + tol/2)" */
  /* The absolute threshold applied, scaled to the hop: min(min_delta, p50_increase x baseline
   * p50), so it never asks more than the relative threshold does. A fixed floor above a hop's
   * size makes its regressions invisible (a 1 ms hop under a 20 ms floor grew 5.6x unflagged). */
  gdouble floor;
} SrComparison;

/* One sentence: why @c is or is not a regression under @params (transfer full). */
gchar *sr_stats_explain (const SrComparison *c, const SrCompareParams *params);

/* Compare @current against @baseline. */
SrChange sr_stats_compare (const gdouble *baseline, gsize nb, const gdouble *current, gsize nc,
                           const SrCompareParams *params, SrComparison *out);

G_END_DECLS
