/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One simulated STB for the module integration tests: a real stb-qcopd (with its trace), the
 * stb-iptv and stb-voip processes, and a test QCOP client on STBSim/Events that collects the
 * agent events (SPEC §12). Helpers drive the modules (agent keys, raw QCOP sends) and wait,
 * bounded, for events. Used by check-stb-modules (inject mode) and check-stb-voip-sip (SIP).
 */

#include "stb-agent.h"
#include "stb-dialect.h"
#include "stbsim-test.h"

G_BEGIN_DECLS

/* an event awaited; only failures wait this long (ASan, loaded CI) */
#define STB_STACK_WAIT_MS 20000
/* first decoded frame of real media: generous, the modules may run under ASan */
#define STB_STACK_MEDIA_WAIT_MS 30000

typedef struct
{
  gint64 t;
  gchar *source;
  gchar *name;
  gchar *details;
} StbStackEvent;

typedef struct
{
  const gchar *layout;              /* "bidirectional" | "unidirectional" */
  const gchar *dialect;             /* fixtures/dialects/<name>.ini */
  const gchar *name;                /* temp dir prefix and QCOP client name */
  const gchar *const *iptv_args;    /* extra stb-iptv arguments (NULL-terminated) */
  const gchar *const *voip_args;    /* extra stb-voip arguments */
  const gchar *const *voip_wrapper; /* argv prefix for stb-voip, e.g. ip netns exec NS */
  gint voip_ready_ms;               /* bound on stb-voip's READY (0: 30000) */
  /* the QWS server: stb-qcopd --socket DIR/qcop.sock by default; with qws_display > 0,
   * stb-qcopd --display N (Qt's socket /tmp/qtembedded-N/QtEmbedded-N); with server_argv,
   * that program (spawned with "--ready-fd 3" appended, @server_env added to its environment)
   * serving on @server_socket, and no trace */
  gint qws_display;
  const gchar *const *server_argv;
  const gchar *const *server_env;
  const gchar *server_socket;
  gboolean without_iptv; /* another program plays the module (tests/qt4) */
  gboolean without_voip;
} StbStackOptions;

typedef struct
{
  gchar *dir;
  gchar *socket;
  gchar *trace;
  const gchar *layout;
  StbDialect *dialect;
  StbsimProc *qcopd;
  StbsimProc *iptv;
  StbsimProc *voip;
  QcopClient *client;
  GPtrArray *events;  /* StbStackEvent */
  GHashTable *cursor; /* cursor key -> index after the previous match */
} StbStack;

/* Start qcopd, the test client, stb-voip then stb-iptv (fails the test on error). */
void stb_stack_start (StbStack *stack, const StbStackOptions *options);
/* Stop the modules (SIGTERM; with @check_exit both must exit 0), the client and qcopd. */
void stb_stack_stop (StbStack *stack, gboolean check_exit);
/* Stop (if still running), remove the temp dir, free. */
void stb_stack_free (StbStack *stack);

/* Stop and free *@proc (NULL ok); the wait status (0 when there was none). */
gint stb_stack_stop_proc (StbsimProc **proc);
/* Value of "key=value" word @key in a READY line (transfer full, NULL if absent). */
gchar *stb_stack_ready_value (const gchar *line, const gchar *key);
/* Path of a file in the stack's run dir (transfer full). */
gchar *stb_stack_path (StbStack *stack, const gchar *name);

void stb_stack_send_raw (StbStack *stack, const gchar *channel, const gchar *message, GBytes *data);
void stb_stack_send_string (StbStack *stack, const gchar *channel, const gchar *message,
                            const gchar *arg);
/* Agent key @k to module "iptv" or "voip". */
void stb_stack_key (StbStack *stack, const gchar *module, const gchar *k);

/* Every event received so far, one per line (transfer full). */
gchar *stb_stack_dump (StbStack *stack);
/* The newest events that fit in @max bytes, one per line (transfer full). */
gchar *stb_stack_dump_tail (StbStack *stack, gsize max);
/* what a failure message shows of the events (libcheck bounds a message to 4 KiB) */
#define STB_STACK_DUMP_MAX 3000
/* Does @e come from @source, have @name and every "k=v" of @want (NULL-terminated)? */
gboolean stb_stack_event_matches (const StbStackEvent *e, const gchar *source, const gchar *name,
                                  const gchar *const *want);
/* Wait (bounded) for the next event of @source named @name whose details have every "k=v"
 * given, after the previous match with the same cursor (one cursor per source, and one for
 * the sip.tx / sip.rx events). Fails the test with the event list otherwise. (transfer none) */
StbStackEvent *stb_stack_expect_v (StbStack *stack, const gchar *source, const gchar *name,
                                   const gchar *const *want);
#define stb_stack_expect(stack, source, name, ...)                                                 \
  stb_stack_expect_v (stack, source, name, (const gchar *const[]){ __VA_ARGS__, NULL })
/* Like stb_stack_expect_v with @bound_ms, without failing: NULL on timeout. */
StbStackEvent *stb_stack_wait_v (StbStack *stack, const gchar *source, const gchar *name,
                                 const gchar *const *want, gint bound_ms);
/* Number of events so far matching (no wait, no cursor). */
guint stb_stack_count_v (StbStack *stack, const gchar *source, const gchar *name,
                         const gchar *const *want);
/* No event @name of @source with "k=v" among the events received so far. */
void stb_stack_expect_none (StbStack *stack, const gchar *source, const gchar *name,
                            const gchar *kv);
/* status() to both modules and wait for both answers (everything sent before is processed). */
void stb_stack_sync (StbStack *stack);

/* "app channel data" of every switch message the server received, in order, one per line;
 * checks unidirectional delivery (transfer full). */
gchar *stb_stack_trace_switch_messages (StbStack *stack);
/* The expected trace line for @param sent by its module in the stack's layout. */
gchar *stb_stack_line_for (StbStack *stack, StbSwitchParam param);
/* Monotonic ns of the first QCopSend of @param by its module in the trace (0: none). */
gint64 stb_stack_trace_time (StbStack *stack, StbSwitchParam param);
/* Stop the stack and compare the server's switch messages with @params (-1 terminated),
 * after the VoIP module's start-up RESUME_IPTV [SW-RST-01]. */
void stb_stack_check_trace (StbStack *stack, const gint *params);

G_END_DECLS
