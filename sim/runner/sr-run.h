/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One test execution: a scenario in one layout, in its own directory with its own QCOP
 * socket (private 0700 dir), components started through stbsim-proc (process group,
 * PDEATHSIG, log file, READY line) and all stopped by PID at the end, also on interruption.
 *
 * The runner is a QCOP client of stb-qcopd: it sends keys to STBSim/Agent/IPTV|VoIP and
 * receives STBSim/Events; it tails the server trace for the switch messages. Everything goes
 * into one timeline (monotonic ns) from which expectations produce issues.
 */

#include <glib.h>

#include "sr-actions.h"
#include "sr-scenario.h"
#include "sr-timeline.h"
#include "sr-verdict.h"
#include "stb-dialect.h"

G_BEGIN_DECLS

#define SR_RUN_ERROR (sr_run_error_quark ())
GQuark sr_run_error_quark (void);

typedef enum
{
  SR_RUN_ERROR_COMPONENT, /* cannot start / unknown component */
  SR_RUN_ERROR_CHANNEL,   /* QCOP connection problems */
  SR_RUN_ERROR_INTERRUPTED,
  SR_RUN_ERROR_TIMEOUT, /* scenario timeout */
  SR_RUN_ERROR_CONFIG,
} SrRunError;

/* Shared by every test of one invocation. */
typedef struct
{
  gchar *build_root;
  gchar *source_root;
  gchar *run_dir;      /* reports/<run-id> */
  gchar *dialect_path; /* (nullable) */
  gchar *profile;      /* timing profile name (conformance/profiles/<name>.ini) */
  gchar *dut_iptv;     /* (nullable) DUT command template (sr-dut.h) */
  gchar *dut_voip;
  gchar *dut_voip_inject;     /* (nullable) the VoIP DUT's template for inject-mode tests */
  GKeyFile *dut_ics;          /* (nullable) the DUT's ICS: [ixit] timer values */
  gchar **dut_ics_roles;      /* (nullable) roles launched from the DUT's ICS templates */
  gboolean injection;         /* no SIP: calls are injected into the VoIP agent */
  gchar *ims_image;           /* (nullable) --ims container: the IMS core's image tag */
  gboolean no_capture;        /* --no-capture: no tests/<id>/capture.pcapng */
  gdouble agent_grace_s;      /* how long to wait for a DUT's first agent event */
  volatile gint *interrupted; /* set by the signal handler */
  guint port_first;           /* stbsim -j: UDP ports for components (sr-parallel.h) */
  guint port_last;            /* 0: the kernel picks them */
} SrConfig;

typedef struct _SrComponent SrComponent;

struct _SrRun
{
  const SrConfig *config;
  SrTestResult *result; /* borrowed, owned by the report */
  SrTimeline *timeline; /* borrowed: the run's timeline */
  StbDialect *dialect;
  StbLayout layout;
  gboolean injection; /* this test injects calls (no SIP); FALSE: IMS + sipp far end */
  gchar *test_dir;    /* run_dir/<test-id> */
  gchar *logs_dir;    /* run_dir/logs/<test-id> */
  gchar *sock_dir;    /* private 0700 directory */
  gchar *socket_path;
  gchar *trace_path;
  gchar *dialect_path;    /* the dialect the modules get (the run's observer uses the same) */
  GHashTable *components; /* name -> SrComponent* */
  GPtrArray *start_order; /* names in start order, stopped in reverse */
  gpointer qcop;          /* QcopClient* */
  GKeyFile *profile;
  GHashTable *checkpoints; /* name -> gint64* */
  gint64 start_ns;
  gint64 cursor_ns;       /* time of the last stimulus: expectations search from here */
  GHashTable *consumed;   /* SrEvent* that satisfied an expectation (each satisfies one) */
  gchar *last_stimulus;   /* name of the last stimulus note */
  guint far_port;         /* {far_port} of component arguments, 0 until used */
  gint64 deadline_ns;     /* whole-scenario bound */
  gint64 stop_ns;         /* when the stations began to stop (end of the scenario) */
  gboolean agent_seen[2]; /* [STB_ROLE_IPTV], [STB_ROLE_VOIP] */
  gint64 agent_wait_from[2];
  /* server trace tail */
  gint trace_fd;
  GString *trace_partial;
  guint trace_lines;
  gpointer sipobs;     /* SrSipObsTail* of the run's Kamailio log (sr-sipobs.h), NULL until seen */
  GHashTable *clients; /* QCOP client id -> its attribution (sr-judge.c), NULL until seen */
};

SrRun *sr_run_new (const SrConfig *config, SrTestResult *result, SrTimeline *timeline,
                   StbLayout layout, GError **error);
void sr_run_free (SrRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrRun, sr_run_free)

/* Use the dialect @path (a scenario's meta dialect=) for the modules and the observer. */
gboolean sr_run_set_dialect (SrRun *run, const gchar *path, GError **error);
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
/* The lane of a process the runner started (pid, or a member of its process group):
 * "iptv", "voip", "harness" (the runner itself), or NULL. */
const gchar *sr_run_lane_of_pid (SrRun *run, gint pid);
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

gboolean sr_run_start_component (SrRun *run, const gchar *name, const gchar *args,
                                 gboolean wait_ready, gdouble timeout_s, GError **error);
gboolean sr_run_signal_component (SrRun *run, const gchar *name, int sig, GError **error);
gboolean sr_run_stop_component (SrRun *run, const gchar *name, GError **error);
void sr_run_stop_all (SrRun *run);
gboolean sr_run_send_key (SrRun *run, StbRole target, const gchar *key, GError **error);
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
