/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What a check is (sr-checks.h runs them): the context a check may know, the check type, and
 * the helpers a check raises and records coverage with. Check types (sr-check-*.c) include
 * only this; the engine above lists them (sr-check-types.h, sr-checks.c).
 */

#include <glib.h>

#include "sr-timeline.h"
#include "sr-verdict.h"
#include "stb-dialect.h"

G_BEGIN_DECLS

/* What a check may know about the test; filled by the runner (sr-run.c). */
typedef struct
{
  SrTestResult *result;
  const StbDialect *dialect;
  StbLayout layout;
  GKeyFile *profile;          /* (nullable) timing profile: tolerances */
  GKeyFile *ics;              /* (nullable) the DUT's ICS: [ixit] timer values */
  gboolean dut[2];            /* [STB_ROLE_IPTV], [STB_ROLE_VOIP]: played by a DUT */
  gboolean agent_declared[2]; /* the DUT's ICS says agent=yes */
  gboolean injection;         /* calls are injected (no SIP) */
  gint64 stop_ns; /* when the stations began to stop: a later disconnect is the harness's doing */
  gint64 end_ns;  /* when the stations stopped */
} SrCheckContext;

typedef struct _SrCheckType SrCheckType;

struct _SrCheckType
{
  const gchar *name;                /* "channel.registrations" */
  guint kinds;                      /* mask of 1 << SrEventKind it subscribes to */
  const gchar *const *requirements; /* what it can evaluate (documentation and coverage) */
  const gchar *description;
  gpointer (*start) (const SrCheckContext *ctx);
  void (*event) (const SrCheckContext *ctx, gpointer state, const SrEvent *event);
  void (*finish) (const SrCheckContext *ctx, gpointer state);
  void (*free) (gpointer state);
};

/* For checks: @requirement was evaluated by @check (coverage). */
void sr_check_evaluated (const SrCheckContext *ctx, const gchar *check, const gchar *requirement);
/* For checks: raise issue @id from the registry, noting the evaluation. */
void sr_check_raise (const SrCheckContext *ctx, const gchar *check, const gchar *id,
                     const gchar *requirement, gint64 t_ns, const gchar *fmt, ...)
    G_GNUC_PRINTF (6, 7);

/* For checks: the profile's [@group] @key as whole ms, else @def (no profile, no key). */
gint64 sr_check_profile_ms (const SrCheckContext *ctx, const gchar *group, const gchar *key,
                            gint64 def);
/* For checks: the latency issue id for an over-budget sample under the profile's
 * timing_verdict ("latency::over-budget", or its warning under warn). */
const gchar *sr_check_over_budget_issue (const SrCheckContext *ctx);

/* Is @event a switch message sent by a module (not the harness) at the server? */
gboolean sr_check_is_module_send (const SrEvent *event, StbRole *role);
/* Is @event the delivery of a switch message to a module? */
gboolean sr_check_is_delivery (const SrEvent *event, StbRole *role);

G_END_DECLS
