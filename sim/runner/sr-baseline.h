/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Latency distributions and the stored baseline of `stbsim bench` (fixtures/baselines/,
 * format "stbsim-baseline-1", described in fixtures/baselines/README.md): per latency id the
 * hop, n, p50/p95/p99 and every sample (ms), plus where and when it was measured (host, CPU,
 * kernel, git describe, date, command line).
 */

#include <glib.h>

G_BEGIN_DECLS

#define SR_BASELINE_ERROR (sr_baseline_error_quark ())
GQuark sr_baseline_error_quark (void);

typedef enum
{
  SR_BASELINE_ERROR_IO,
  SR_BASELINE_ERROR_PARSE,  /* not JSON */
  SR_BASELINE_ERROR_FORMAT, /* JSON, but not a stbsim baseline */
} SrBaselineError;

/* The samples of one latency id over every repetition. */
typedef struct
{
  gchar *id;   /* the budget id (SW-TIME-11), else the measure name; "qcop.transit" reference */
  gchar *name; /* measure name (nullable) */
  gchar *hop;  /* "key", "channel", "sip" or "media" */
  GArray *samples_ms; /* gdouble */
} SrDistribution;

SrDistribution *sr_distribution_new (const gchar *id, const gchar *name, const gchar *hop);
void sr_distribution_free (SrDistribution *d);
void sr_distribution_add (SrDistribution *d, gdouble ms);

typedef struct
{
  gchar *created;      /* ISO 8601 UTC */
  gchar *host;         /* hostname */
  gchar *machine;      /* CPU model, cores, kernel */
  gchar *git;          /* git describe (nullable) */
  gchar *command_line; /* nullable */
  gchar *mode;         /* injection | sip */
  gchar *profile;
  gchar *note;              /* nullable free text */
  GPtrArray *distributions; /* SrDistribution* (owned) */
} SrBaseline;

SrBaseline *sr_baseline_new (void);
void sr_baseline_free (SrBaseline *b);
/* Fill created/host/machine/git from this machine (git from @source_root, nullable). */
void sr_baseline_describe_host (SrBaseline *b, const gchar *source_root);
SrDistribution *sr_baseline_lookup (const SrBaseline *b, const gchar *id);

/* Errors name @path and what is wrong with it. */
SrBaseline *sr_baseline_load (const gchar *path, GError **error);
gchar *sr_baseline_to_json (const SrBaseline *b);
gboolean sr_baseline_save (const SrBaseline *b, const gchar *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrDistribution, sr_distribution_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrBaseline, sr_baseline_free)

G_END_DECLS
