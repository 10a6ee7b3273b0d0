/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Private to the QcopClient units: qcop-client.c (state, GObject, public API),
 * qcop-client-io.c (socket, send queue, input, reconnect, bounded waits),
 * qcop-client-dispatch.c (events and messages to callbacks) and
 * qcop-client-registered.c (isRegistered requests).
 */

#include "qcop-client.h"
#include "qcop-wire.h"

G_BEGIN_DECLS

#define READ_CHUNK 65536
#define MAX_READS_PER_DISPATCH 16
/* Bound on queued, unwritten bytes; a send beyond it fails (the server is not reading). */
#define MAX_QUEUED_BYTES (64 * 1024 * 1024)
#define FORWARDED_MESSAGE "forwardedMessage(QString,QString,QByteArray)"

typedef enum
{
  CLIENT_STATE_DISCONNECTED,
  CLIENT_STATE_CONNECTING, /* socket connected, Identify sent, waiting for Connected */
  CLIENT_STATE_CONNECTED,
  CLIENT_STATE_N
} ClientState;

typedef struct
{
  guint id;
  gchar *channel;
  QcopReceiveFunc func;
  gpointer user_data;
  GDestroyNotify notify;
} Callback;

typedef struct
{
  gchar *name;
  GSource *timeout;
  GSource *cancel;
} IsRegisteredRequest;

struct _QcopClient
{
  GObject parent_instance;

  GMainContext *context;
  gchar *socket_path;
  gchar *app_name;

  ClientState state;
  guint generation; /* bumped on every teardown: stale dispatch loops stop */
  GSocket *socket;
  GSource *in_source;
  GSource *out_source;
  GByteArray *inbuf;
  GByteArray *outbuf;
  gsize out_pos;
  GError *last_error;

  gboolean auto_reconnect;
  guint reconnect_interval_ms;
  GSource *reconnect_source;

  GHashTable *callbacks;    /* id -> Callback (owned) */
  GHashTable *channels;     /* name -> GArray of guint ids, registered at the server */
  GPtrArray *channel_order; /* channel names in first-registration order: a (re)connect
                             * registers them in the order the application did (SW-CHAN-10) */
  guint next_id;

  GQueue pending; /* GTask* of isRegistered requests, oldest first */

  guint64 messages_sent;
  guint64 messages_received;

  /* qcop-client-window.c: the display and the on-screen windows */
  gchar *display_spec;       /* Connected's, NULL before the first */
  GArray *free_ids;          /* gint32 object ids of Creation events not used yet */
  gboolean creation_pending; /* a Creation is on its way (the greeting's, or our Create) */
  gboolean recreate_windows; /* windows wait for ids to be created at a new server */
  GPtrArray *windows;        /* QcopWindow* alive (owned by their callers) */
  guint8 *screen_base;       /* the attached QVFb segment (QVFbHeader + pixels), or NULL */
  gboolean screen_tried;     /* attaching it was tried on this connection */
  gint screen_lock;          /* the display lock semaphore set, -1: none */
  gboolean screen_locked;
};

/* qcop-client.c */
void qcop_client_set_state (QcopClient *self, ClientState new_state, const gchar *reason);
void qcop_client_emit_connected (QcopClient *self);
void qcop_client_emit_disconnected (QcopClient *self, const GError *error);

/* qcop-client-io.c */
void qcop_client_destroy_source (GSource **source);
/* Close the socket. @error NULL = a deliberate close. Emits "disconnected" if @emit. */
void qcop_client_teardown (QcopClient *self, const GError *error, gboolean emit);
/* Write as much of the queue as the socket takes. FALSE if the connection was lost. */
gboolean qcop_client_write_queue (QcopClient *self);
void qcop_client_queue_detach (QcopClient *self, const gchar *channel);
void qcop_client_queue_register (QcopClient *self, const gchar *channel);
/* Start a connection: socket, Identify, registrations. Connected arrives later. */
gboolean qcop_client_start_connection (QcopClient *self, GError **error);
void qcop_client_schedule_reconnect (QcopClient *self);
typedef gboolean (*QcopClientDoneFunc) (QcopClient *self, gpointer data);
/* Iterate the client's context until @done or @timeout_ms (< 0: unbounded). */
gboolean qcop_client_wait_until (QcopClient *self, QcopClientDoneFunc done, gpointer data,
                                 gint timeout_ms);

/* qcop-client-dispatch.c */
void qcop_client_handle_event (QcopClient *self, const QcopWireItem *item);
/* Call every callback registered on @registered with (@channel, @message, @data). */
void qcop_client_dispatch_message (QcopClient *self, const gchar *registered, const gchar *channel,
                                   const gchar *message, GBytes *data);

/* qcop-client-window.c */
void qcop_client_window_init (QcopClient *self);
void qcop_client_window_finalize (QcopClient *self);
/* Events: Connected (display spec: attach the screen), Creation (the id pool), Region
 * (a window's allocation). */
void qcop_client_window_connected (QcopClient *self, const QcopWireItem *item);
void qcop_client_window_creation (QcopClient *self, const QcopWireItem *item);
void qcop_client_window_region (QcopClient *self, const QcopWireItem *item);
/* The connection is gone: the windows' ids and allocations with it. */
void qcop_client_window_disconnected (QcopClient *self);

/* qcop-client-registered.c */
/* Fail every pending isRegistered request (the connection went away). */
void qcop_client_fail_pending (QcopClient *self, const GError *error);
void qcop_client_complete_is_registered (QcopClient *self, const QcopWireItem *item);

G_END_DECLS
