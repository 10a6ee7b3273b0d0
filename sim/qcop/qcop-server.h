/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The QWS/QCOP server ("Qt server" of the patent, DESIGN.md §2) as an embeddable object.
 *
 * A QcopServer listens on a Unix stream socket and runs entirely on the GMainContext given at
 * construction (one thread; every callback is a GSource on that context). stb-qcopd is a thin
 * main() around it; tests and the runner may embed it the same way.
 *
 * What a client sees (mimics Qt 4.8's QWSServer for the QCOP-relevant part):
 *   on accept:  Connected (window 0, clientId, servershmid -1 and display spec ":0" by default,
 *               or the QWS display's, qcop_server_set_qws_display),
 *               Creation (30 pre-provided object ids),
 *               MaxWindowRect (window 0, the screen rectangle, 0,0 719,575), all unprompted
 *               (this order spares a Qt 4.8 client a 1 s stall: greet_client);
 *   Create n    -> Creation (objectid, n);
 *   Identify    -> nothing (records the application name for the trace);
 *   Shutdown    -> nothing (the client announces a clean exit);
 *   QCopRegisterChannel / QCopSend -> QCOP semantics of DESIGN.md §2;
 *   RegionName, Region, RegionMove, RegionDestroy, ChangeAltitude -> Qt's window stacking:
 *               every window whose allocation changed gets a Region event, uncovered screen
 *               gets the background (qcop-qws-window.h); the synchronous ones (and
 *               RepaintRegion) release the client's QWSLock;
 *   any other QWS command (DefineCursor, RequestFocus, ...) -> skipped (traced, never fatal).
 * Wildcards: a registered name holding '*' is also a pattern matched against the whole name of
 * every concrete channel sent to ('*' spans any characters including '/', '?' is one
 * character; GPatternSpec). Qt's QRegExp::Wildcard would also honour [...] sets: they are
 * literal here. Sends to a name holding '*' are not forwarded (as in Qt).
 * Client ids and object ids come from one space starting at 1000, as in Qt, but no live id
 * is ever handed out twice (qcop-id-space.h: Qt's counter overflows and collides).
 *
 * Socket: the parent directory is created (0700) if missing and must be a directory owned by
 * the server's uid without group/other permissions; the socket is made 0600. A stale socket
 * file is replaced; a live one (another server answers) is an error. Peers are checked with
 * SO_PEERCRED: uid must equal the server's, or be in the allow-list.
 *
 * Per-client output is queued and written with one send() per client per processed read
 * batch. Per-client limits, each logged, traced ("client" "limit") and followed by a drop:
 * queued output past max_queue bytes (it stopped reading), more than max_channels channel
 * registrations, more than max_objects object ids, no complete command within
 * idle_timeout_ms of connecting. When accept() fails (EMFILE/ENFILE: the fd limit) the
 * server stops accepting for QCOP_SERVER_ACCEPT_PAUSE_MS or until a client leaves, logs at
 * most once per QCOP_SERVER_ACCEPT_LOG_INTERVAL_S and traces every pause ("server"
 * "accept-paused", with the failure count); waiting peers stay in the listen backlog.
 * Detaching a client costs O(its channels).
 * A client announcing a raw part over 16384 bytes, or sending a malformed item, is dropped;
 * the others are unaffected. Every drop and refusal is logged (g_message) and traced.
 *
 * The trace (sim/qcop/TRACE.md) is JSON lines: every command received, every event queued for
 * delivery, client lifecycle. It is buffered and flushed when 64 KiB are pending, 2 ms after
 * the oldest pending record (QCOP_SERVER_TRACE_FLUSH_MS), by qcop_server_flush_trace() and by
 * qcop_server_free().
 */

#include <glib.h>

#include "qcop-error.h"

G_BEGIN_DECLS

#define QCOP_SERVER_DEFAULT_MAX_QUEUE ((gsize)4 * 1024 * 1024)
#define QCOP_SERVER_DEFAULT_MAX_CHANNELS 4096      /* channel registrations per client */
#define QCOP_SERVER_DEFAULT_MAX_OBJECTS (1u << 20) /* object ids per client (Create) */
#define QCOP_SERVER_DEFAULT_IDLE_TIMEOUT_MS 30000  /* connect -> first complete command */
#define QCOP_SERVER_ACCEPT_PAUSE_MS 100            /* accept() at the fd limit: pause this long */
#define QCOP_SERVER_ACCEPT_LOG_INTERVAL_S 10       /* at most one such log line per interval */
#define QCOP_SERVER_DEFAULT_DISPLAY_SPEC ":0"

typedef struct _QcopServer QcopServer;

typedef struct
{
  const gchar *socket_path;  /* required */
  const gchar *trace_path;   /* nullable: no trace file */
  const guint32 *allow_uids; /* peers of these uids are admitted besides our own */
  gsize n_allow_uids;
  gsize max_queue;           /* bytes queued per client before it is dropped; 0 = default */
  const gchar *display_spec; /* nullable: QCOP_SERVER_DEFAULT_DISPLAY_SPEC */
  guint max_channels;        /* per client; 0 = QCOP_SERVER_DEFAULT_MAX_CHANNELS */
  guint64 max_objects;       /* object ids per client; 0 = QCOP_SERVER_DEFAULT_MAX_OBJECTS */
  gint idle_timeout_ms;      /* connect -> first command; 0 = default, < 0 = no limit */
} QcopServerOptions;

typedef struct
{
  guint64 clients_accepted;
  guint64 clients_refused;    /* SO_PEERCRED check failed */
  guint64 clients_dropped;    /* protocol violation, limit, write error */
  guint64 limits_hit;         /* of those: per-client limits (queue, channels, objects, idle) */
  guint64 accept_failures;    /* accept() failed (EMFILE, ENFILE, ...): accepting paused */
  guint64 commands;           /* commands received */
  guint64 messages_delivered; /* QCopMessage events queued */
  guint n_clients;            /* connected now */
} QcopServerStats;

/* Called with every trace record, one JSON object without the newline, whether or not a trace
 * file is written. */
typedef void (*QcopServerTraceFunc) (const gchar *json, gpointer user_data);

/*
 * Bind, listen and start serving on @context (NULL = the global default context).
 * (transfer full). Fails with QCOP_ERROR_PERMISSION (directory owner/mode), QCOP_ERROR_CONNECTION
 * (bind/listen failed, or another server is live on @socket_path) or G_FILE_ERROR (trace file).
 */
QcopServer *qcop_server_new (const QcopServerOptions *options, GMainContext *context,
                             GError **error);
/* Close every client, flush and close the trace, unlink the socket, free. NULL-safe. */
void qcop_server_free (QcopServer *self);

/* What every later Connected event names: the display spec (e.g. "QVFb:1") and the id of the
 * main shared-memory segment (qcop-qws-display.h). Before this, ":0" and -1. */
gboolean qcop_server_set_qws_display (QcopServer *self, const gchar *display_spec,
                                      gint32 servershmid, GError **error);
/* The QWS display whose screen gets the background where no window is any more
 * (qcop-qws-window.h; Qt's exposeRegion). (transfer none): it must outlive @self, or be
 * unset with NULL first. */
typedef struct _QcopQwsDisplay QcopQwsDisplay;
void qcop_server_set_qws_screen (QcopServer *self, QcopQwsDisplay *display);
const gchar *qcop_server_get_socket_path (QcopServer *self);
void qcop_server_get_stats (QcopServer *self, QcopServerStats *stats);
/* Write the buffered trace records to the trace file now. */
gboolean qcop_server_flush_trace (QcopServer *self, GError **error);
void qcop_server_set_trace_func (QcopServer *self, QcopServerTraceFunc func, gpointer user_data,
                                 GDestroyNotify notify);

/* Qt 4.8's default socket for display 0: /tmp/qtembedded-0/QtEmbedded-0. (transfer full) */
gchar *qcop_server_default_socket_path (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopServer, qcop_server_free)

G_END_DECLS
