/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Passive checks: they read a test's timeline and raise issues, nothing else (a check never
 * stimulates, DESIGN.md §7). Every check runs on every test, whatever the scenario asks,
 * after the stations stopped: the engine walks the test's events in time order and hands
 * each one to the checks subscribed to its kind, then lets each check conclude.
 *
 * A check records what it evaluated (sr_check_evaluated): coverage is what checks looked at
 * in a real run, not what the catalogue declares (`stbsim coverage`).
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

/* Every check, terminated by a NULL name (sr-check-*.c). */
extern const SrCheckType *const sr_check_types[];

/* Run every check over @events (SrEvent*, time order) of one test. */
void sr_checks_run (const SrCheckContext *ctx, GPtrArray *events);

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

/* After the checks: a requirement the test lists that nothing evaluated gets a
 * coverage::not-evaluated note (a vacuous pass made visible). */
void sr_checks_note_unevaluated (const SrCheckContext *ctx);

G_END_DECLS
