/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One test execution: a scenario in one layout, as a one-way pipeline around the test's
 * timeline. Stations (sr-station.h: the STB under test, and a second STB when the scenario
 * starts one) and the environment (head-end, IMS core, sipp) are stimulated through the
 * actions; observers (the judge of station 1's server trace and agent events, the IMS core's
 * SIP observations, process exits) only append events to the timeline; after the stations
 * stop, the checks (sr-checks.h) read the timeline and raise issues from the registry; the
 * verdict follows from the issues, and the reporters (sr-report.h) read the result.
 */

#include <glib.h>

#include "sr-actions.h"
#include "sr-config.h"
#include "sr-scenario.h"
#include "sr-test.h"
#include "sr-timeline.h"
#include "sr-verdict.h"
#include "stb-dialect.h"

G_BEGIN_DECLS

/* The engine of one test: executes a scenario's actions against the test (sr-test.h) and its
 * stations (sr-station.h), polls the observers while it waits, then runs the checks. Opaque:
 * handlers use the functions below and the test's shared facts (sr_run_test). */
SrRun *sr_run_new (const SrConfig *config, SrTestResult *result, SrTimeline *timeline,
                   StbLayout layout, GError **error);
void sr_run_free (SrRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrRun, sr_run_free)

/* Use the dialect @path (a scenario's meta dialect=) for the modules and the observer. */
gboolean sr_run_set_dialect (SrRun *run, const gchar *path, GError **error);
/* The test's shared facts: directories, dialect, layout, profile, result, timeline. */
SrTest *sr_run_test (SrRun *run);
/* The server traces of the test's stations, station 1 first (tests/<id>/qcop-trace.jsonl,
 * stb2-qcop-trace.jsonl). (transfer full) NULL-terminated. */
gchar **sr_run_trace_paths (SrRun *run);
/* Subscribers to the test's component life: called after a component started (@started
 * TRUE) and before it is stopped (FALSE). One hook per run (the suite's capture). */
typedef void (*SrRunComponentHook) (SrRun *run, const gchar *name, gboolean started, gpointer data);
void sr_run_set_component_hook (SrRun *run, SrRunComponentHook hook, gpointer data);
/* This test injects calls (no SIP); set before sr_run_execute(). */
void sr_run_set_injection (SrRun *run, gboolean injection);
/* Execute @scenario's actions; every finding goes to run->result. Stops everything at the
 * end. Returns FALSE only if the run was interrupted. */
gboolean sr_run_execute (SrRun *run, const SrScenario *scenario);

/* ---- for handlers ------------------------------------------------------------------------ */

gboolean sr_run_is_interrupted (SrRun *run);
/* Raise issue @issue_id of the registry (sr-issues.h) on the test: level and requirement
 * from the registry; @requirement (nullable) picks one of the type's requirements or is the
 * scenario's for expectation issues. */
void sr_run_raise (SrRun *run, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
                   const gchar *fmt, ...) G_GNUC_PRINTF (5, 6);
/* SW-CHAN-02 (bidirectional) or SW-CHAN-03 (unidirectional): the layout's channel rule. */
const gchar *sr_run_channel_requirement (SrRun *run);
/* Record a runner event on the timeline (transfer none; returns the event). */
SrEvent *sr_run_note (SrRun *run, const gchar *name, const gchar *target, const gchar *details);
/* Pull new server-trace lines and check components; call in every wait. */
void sr_run_poll (SrRun *run);
typedef gboolean (*SrRunPredicate) (SrRun *run, gpointer data);
/* Iterate the main loop until @pred or @timeout_s (also bounded by the scenario deadline and
 * interruption). Returns whether @pred became TRUE. */
gboolean sr_run_wait (SrRun *run, SrRunPredicate pred, gpointer data, gdouble timeout_s);

/* Event selector "name|k=v;k2=v2"; @source (nullable) lane filter. First event at or after
 * @since_ns that matches and has not been consumed, or NULL.
 *
 * Expectation semantics: by default an expectation searches from the last stimulus (key,
 * injection, start, kill, impersonated message, checkpoint), not from the previous match:
 * events of different processes are not causally ordered (the IPTV module may report its
 * page before its message reaches the server). Each event satisfies at most one expectation
 * (sr_run_consume), so "exactly one RESUME_IPTV" is expect-message + expect-no-event. */
SrEvent *sr_run_find_event (SrRun *run, const gchar *selector, const gchar *match,
                            const gchar *source, gint64 since_ns);
/* The same, including consumed events (for measurements and ordering checks). */
SrEvent *sr_run_find_any_event (SrRun *run, const gchar *selector, const gchar *match,
                                const gchar *source, gint64 since_ns);
void sr_run_consume (SrRun *run, SrEvent *event);
/* Search start: a checkpoint's time when @since names one, else the cursor. */
gint64 sr_run_since (SrRun *run, const gchar *since, GError **error);

/* `checkpoint, name=N`: remember now under @name (a stimulus: expectations search from it). */
void sr_run_set_checkpoint (SrRun *run, const gchar *name);
/* `snapshot, name=N`: the STB's virtual screen as evidence (sr-screen.h). */
gboolean sr_run_snapshot (SrRun *run, const gchar *name, GError **error);
/* Does station 1 serve a virtual screen (a Qt GUI DUT's, or a scenario's that snapshots)? */
gboolean sr_run_has_screen (SrRun *run);
/* `profile, name=N`: use another timing profile from here on. */
gboolean sr_run_set_profile (SrRun *run, const gchar *name, GError **error);

/* Start @name (see sr-launch.h); a DUT module that does not register its listen channel in
 * time is a verdict (dut::never-ready), not an error. */
gboolean sr_run_start_component (SrRun *run, const gchar *name, const gchar *args,
                                 gboolean wait_ready, gdouble timeout_s, GError **error);
gboolean sr_run_signal_component (SrRun *run, const gchar *name, int sig, GError **error);
gboolean sr_run_stop_component (SrRun *run, const gchar *name, GError **error);
void sr_run_stop_all (SrRun *run);
gboolean sr_run_send_key (SrRun *run, StbRole target, const gchar *key, GError **error);
/* `start, component=stb2`: a second STB as the far end (sr-station.h): its server, the
 * runner's connection to it, its IPTV and VoIP modules (@args: extra options of stb2-voip). */
gboolean sr_run_start_stb2 (SrRun *run, const gchar *args, gdouble timeout_s, GError **error);
/* A key to a far-end STB's module (@target: stb2-iptv | stb2-voip). */
gboolean sr_run_send_stb2_key (SrRun *run, const gchar *target, const gchar *key, GError **error);
/* An agent message (@args: QStrings) to a far-end STB's module (@target: stb2-iptv |
 * stb2-voip), e.g. dial(QString). */
gboolean sr_run_send_stb2_agent (SrRun *run, const gchar *target, const gchar *message,
                                 const gchar *const *args, GError **error);
/* Many messages at once to station 1 (robustness stimuli): send each, flush every @batch. */
gboolean sr_run_send_qcop_nowait (SrRun *run, const gchar *channel, const gchar *message,
                                  const guint8 *data, gsize len, GError **error);
gboolean sr_run_flush (SrRun *run, gint timeout_ms, GError **error);
gboolean sr_run_send_agent (SrRun *run, StbRole target, const gchar *message,
                            const gchar *const *args, GError **error);
gboolean sr_run_send_agent_data (SrRun *run, StbRole target, const gchar *message,
                                 const guint8 *data, gsize len, GError **error);
gboolean sr_run_send_qcop (SrRun *run, const gchar *channel, const gchar *message,
                           const guint8 *data, gsize len, GError **error);
gboolean sr_run_send_switch (SrRun *run, StbRole from, gint32 type, gint32 param,
                             const gchar *channel, GError **error);
/* Is @role played by a vendor binary that has not shown the agent interface? */
gboolean sr_run_agent_missing (SrRun *run, StbRole role);

G_END_DECLS
