/* SPDX-License-Identifier: MIT */
#pragma once

/* Declarations shared by qcop-server*.c only. */

#include "qcop-id-space.h"
#include "qcop-qws-display.h"
#include "qcop-qws-window.h"
#include "qcop-registry.h"
#include "qcop-server.h"
#include "qcop-trace.h"
#include "qcop-wire.h"

#include <glib.h>

G_BEGIN_DECLS

/*
 * Make @path a listening Unix stream socket for @uid: create its directory (0700) if missing;
 * refuse a directory that is not a real directory owned by @uid without group/other
 * permissions (QCOP_ERROR_PERMISSION); replace a stale socket file, refuse a live one or a
 * non-socket (QCOP_ERROR_CONNECTION); bind, chmod 0600, listen. Returns the non-blocking,
 * close-on-exec fd, or -1. *@bound says whether @path was created (the caller unlinks it).
 */
gint qcop_server_socket_listen (const gchar *path, guint32 uid, gboolean *bound, GError **error);

typedef struct _Client Client;
typedef struct _TraceQueue TraceQueue; /* qcop-server-trace.c */

struct _Client
{
  QcopServer *server;
  gint32 id;
  gint fd;
  gint64 pid;
  guint32 uid;
  gchar *app;
  GSource *in_source;
  GSource *out_source;
  GByteArray *in;
  GByteArray *out;
  gsize out_off;
  GPtrArray *channels; /* QcopRegistryChannel* this client registered on */
  gboolean dirty;
  gboolean dead;
  gboolean peer_gone;         /* writes fail (EPIPE): only its remaining input still counts */
  gsize undelivered;          /* bytes of events it went away without */
  GSource *idle_source;       /* drops it if no complete command arrives in time (limits) */
  gint32 qws_lock;            /* Identify's idLock + 1 (its QWSLock semaphore set); 0: none */
  QcopTraceText trace_fields; /* its client, app and pid members; empty: not formatted yet */
};

struct _QcopServer
{
  GMainContext *context;
  gchar *socket_path;
  gchar *display_spec;
  gint32 servershmid; /* Connected's servershmid: -1, or the QWS display's main segment */
  gint32 screen[4];
  gint listen_fd;
  gboolean bound; /* the socket file is ours to unlink */
  GSource *listen_source;
  guint32 uid;
  GArray *allow_uids;
  gsize max_queue;
  guint max_channels;     /* per client */
  guint64 max_objects;    /* object ids per client (Create counts) */
  guint idle_timeout_ms;  /* before the first complete command; 0 = none */
  QcopIdSpace *ids;       /* client ids and object ids (one space, as in Qt) */
  GSource *accept_resume; /* while accepting is paused (EMFILE): the timer that resumes it */
  gint64 accept_log_us;   /* monotonic time of the last "not accepting" log line */
  guint64 accept_failed_since_log; /* failed accepts not yet logged */
  GHashTable *clients;             /* id -> Client* (owned) */
  QcopRegistry *registry;          /* channel name -> Client* members */
  GPtrArray *dirty;                /* Client* with output queued in this dispatch */
  GPtrArray *dead;                 /* Client* closed, to be freed */
  GByteArray *scratch;             /* the event being delivered, encoded once for every recipient */
  gchar names[QCOP_WIRE_NAMES_SIZE]; /* channel and message of the QCopSend being handled */
  QcopTrace *trace;
  TraceQueue *trace_queue; /* forwarding-path records not formatted yet */
  GSource *trace_flush;    /* writes pending records at most QCOP_SERVER_TRACE_FLUSH_MS late */
  QcopServerStats stats;
  QcopQwsStack *stack;            /* the windows of every client (qcop-qws-window.h) */
  QcopQwsDisplay *screen_display; /* where the background is painted; NULL: nowhere */
};

/* What one delivered event was, for the trace. */
typedef struct
{
  gint32 type;
  const gchar *channel;
  const gchar *message;
  const guint8 *data;
  gsize len;
  gboolean is_response;
} EventInfo;

/* qcop-server-trace.c: trace records of clients, commands, events and the server itself.
 * QCopSend commands and events are queued as facts and formatted by
 * qcop_server_trace_drain(), which the server calls once a dispatch has written its
 * deliveries; every other record drains the queue before it is written. */
TraceQueue *qcop_server_trace_queue_new (void);
void qcop_server_trace_queue_free (TraceQueue *q);
void qcop_server_trace_drain (QcopServer *self);
void qcop_server_trace_lifecycle (Client *c, const gchar *type, const gchar *reason);
/* @data: the command's data (QCopSend) or raw part (window commands); NULL for none. */
void qcop_server_trace_command (Client *c, const QcopWireItem *item, const guint8 *data, gsize len);
void qcop_server_trace_event (Client *c, const EventInfo *ev);
void qcop_server_trace_refuse (QcopServer *self, gint64 pid, guint32 uid, const gchar *reason);
/* A "client" "limit" record: @c hit per-client limit @limit (its configured @value). */
void qcop_server_trace_limit (Client *c, const gchar *limit, guint64 value, const gchar *reason);
/* A "server" "accept-paused" record: accept() failed with @err; accepting pauses. */
void qcop_server_trace_accept_paused (QcopServer *self, gint err, guint pause_ms);
/* A "server" record of @type (start: with socket and pid). */
void qcop_server_trace_server (QcopServer *self, const gchar *type);
/* Write pending trace records at most QCOP_SERVER_TRACE_FLUSH_MS after they were made (and
 * whenever 64 KiB are pending): a source of @self's context that costs nothing while no
 * record is pending. */
void qcop_server_watch_trace_flush (QcopServer *self);
#define QCOP_SERVER_TRACE_FLUSH_MS 2

G_END_DECLS
