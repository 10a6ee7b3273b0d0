/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The facts of one test execution that stations and observers share: its directories, the
 * dialect and layout the modules get, the timing profile, the timeline every observer appends
 * to, the result every check raises issues on, and the processes it started (by name). The
 * engine that executes a scenario against it (sr-run.h) sits above; nothing here calls up.
 *
 *   sr-config, sr-component  <  sr-test  <  sr-judge, sr-sipobs, sr-netns  <  sr-station
 *     <  sr-launch  <  sr-run  <  sr-handlers, sr-suite
 */

#include <glib.h>

#include "sr-component.h"
#include "sr-config.h"
#include "sr-timeline.h"
#include "sr-verdict.h"
#include "stb-dialect.h"

G_BEGIN_DECLS

typedef struct
{
  const SrConfig *config;
  SrTestResult *result; /* borrowed, owned by the report */
  SrTimeline *timeline; /* borrowed: the run's timeline */
  StbDialect *dialect;
  gchar *dialect_path; /* the dialect the modules get (the observer uses the same) */
  StbLayout layout;
  gboolean injection; /* this test injects calls (no SIP); FALSE: IMS + sipp far end */
  gboolean no_fcc;    /* our IPTV module runs with --no-fcc (plain multicast join) */
  gboolean aborted;   /* a harness component (server, IMS core, head-end, stb2) died: the test
                       * ends with that error, nothing after it is judged (no DUT is blamed) */
  GKeyFile *profile;  /* (nullable) timing profile: budgets */
  gchar *test_dir;    /* run_dir/tests/<test-id> */
  gchar *logs_dir;    /* run_dir/logs/<test-id> */
  gint64 start_ns;
  gint64 stop_ns;         /* when the stations began to stop (end of the scenario) */
  gint64 cursor_ns;       /* time of the last stimulus: expectations search from here */
  gchar *last_stimulus;   /* name of the last stimulus note */
  guint far_port;         /* {far_port} of component arguments, 0 until used */
  GHashTable *components; /* name -> SrComponent* */
  GPtrArray *start_order; /* names in start order, stopped in reverse */
} SrTest;

SrTest *sr_test_new (const SrConfig *config, SrTestResult *result, SrTimeline *timeline,
                     StbLayout layout, GError **error);
/* Frees the components too (stopping what still runs). */
void sr_test_free (SrTest *test);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrTest, sr_test_free)

/* Use the dialect @path (a scenario's meta dialect=) for the modules and the observer. */
gboolean sr_test_set_dialect (SrTest *test, const gchar *path, GError **error);
/* Where a timing profile name points: a file, or conformance/profiles/<name>.ini.
 * (transfer full) */
gchar *sr_profile_path (const SrConfig *config, const gchar *name);
/* Load the timing profile @name (a file, or conformance/profiles/<name>.ini). */
gboolean sr_test_set_profile (SrTest *test, const gchar *name, GError **error);
/* TRUE when the run was interrupted by a signal or the test aborted on an infrastructure
 * fault (test->aborted): stop waiting, raise nothing more. */
gboolean sr_test_is_interrupted (const SrTest *test);
/* Interrupted by a signal (Ctrl-C, SIGTERM) only. */
gboolean sr_test_is_signalled (const SrTest *test);

/* Raise issue @issue_id of the registry (sr-issues.h) on the test. */
void sr_test_raise (SrTest *test, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
                    const gchar *fmt, ...) G_GNUC_PRINTF (5, 6);
void sr_test_raisev (SrTest *test, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
                     const gchar *fmt, va_list ap) G_GNUC_PRINTF (5, 0);
/* Record a runner event on the timeline (transfer none). A stimulus (key, send, start, kill,
 * checkpoint) moves the cursor expectations search from. */
SrEvent *sr_test_note (SrTest *test, const gchar *name, const gchar *target, const gchar *details);

/* ---- the processes of the test ------------------------------------------------------------ */

SrComponent *sr_test_component (SrTest *test, const gchar *name);
/* Value of @key in @component's READY line, or NULL. (transfer full) */
gchar *sr_test_ready_value (SrTest *test, const gchar *component, const gchar *key);
/* The lane of a process the test started (pid, or a member of its process group): "iptv",
 * "voip", "harness" (the runner itself), or NULL. */
const gchar *sr_test_lane_of_pid (SrTest *test, gint pid);
/* Start @comp (transfer full) and keep it under its name. */
gboolean sr_test_start_component (SrTest *test, SrComponent *comp, gboolean wait_ready,
                                  gdouble timeout_s, GError **error);
gboolean sr_test_signal_component (SrTest *test, const gchar *name, int sig, GError **error);
/* Stop @name by PID and forget it. */
gboolean sr_test_stop_component (SrTest *test, const gchar *name, GError **error);
/* Has a component exited? Then report it once: a module's exit is dut::crashed, a sipp far
 * end's a sipp.exit event, the harness's own part's run::component-exited, which aborts the
 * test (a module losing its server, a call the dead IMS core cannot end: no DUT finding). */
void sr_test_check_components (SrTest *test);

G_END_DECLS
