/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-client"

#include "qcop-client.h"

#include <gio/gunixsocketaddress.h>

#include <string.h>

#include "qcop-datastream.h"
#include "qcop-wire.h"

/*
 * What a Qt/Embedded 4.8 client does (qapplication_qws.cpp QWSDisplay::Data::init/reinit,
 * qcopchannel_qws.cpp), and what we do the same way:
 *  - connect to the server's Unix socket, write Identify (app name, lock id) at once, then wait
 *    for the Connected event the server sends unprompted (Creation/MaxWindowRect are ignored:
 *    a QCOP-only client owns no windows);
 *  - QCopChannel registers a name with QCopRegisterChannel once per process; the last
 *    QCopChannel for a name going away sends "detach()" on the "" channel with QString(name);
 *  - isRegistered() sends "isRegistered()" on "" with QString(name); the server answers with a
 *    QCopMessage event, is_response = 1, channel "", message "known"/"unknown", data echoed;
 *  - after a reconnect, QCopChannel::reregisterAll() registers every name again.
 * Writes are queued and coalesced: everything sent during one main-loop iteration goes out in
 * one send() before the loop next polls (see FlushSource).
 */

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

static const gchar *const state_names[] = { "disconnected", "connecting", "connected" };

/* allowed[old][new] */
static const gboolean allowed_transitions[CLIENT_STATE_N][CLIENT_STATE_N] = {
  [CLIENT_STATE_DISCONNECTED] = { [CLIENT_STATE_CONNECTING] = TRUE },
  [CLIENT_STATE_CONNECTING]
  = { [CLIENT_STATE_DISCONNECTED] = TRUE, [CLIENT_STATE_CONNECTED] = TRUE },
  [CLIENT_STATE_CONNECTED] = { [CLIENT_STATE_DISCONNECTED] = TRUE },
};

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

  GHashTable *callbacks; /* id -> Callback (owned) */
  GHashTable *channels;  /* name -> GArray of guint ids, registered at the server */
  guint next_id;

  GQueue pending; /* GTask* of isRegistered requests, oldest first */

  guint64 messages_sent;
  guint64 messages_received;
};

G_DEFINE_TYPE (QcopClient, qcop_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_reconnect (QcopClient *self);

/* ---- state ------------------------------------------------------------------------------- */

static void
set_state (QcopClient *self, ClientState new_state, const gchar *reason)
{
  if (!allowed_transitions[self->state][new_state])
    {
      g_critical ("qcop client %s: illegal transition %s -> %s (%s)", self->app_name,
                  state_names[self->state], state_names[new_state], reason);
      return;
    }
  g_debug ("qcop client %s: %s -> %s (%s)", self->app_name, state_names[self->state],
           state_names[new_state], reason);
  self->state = new_state;
}

static void
callback_free (gpointer data)
{
  Callback *cb = data;

  if (cb->notify)
    cb->notify (cb->user_data);
  g_free (cb->channel);
  g_free (cb);
}

static void
is_registered_request_free (gpointer data)
{
  IsRegisteredRequest *req = data;

  if (req->timeout)
    g_source_destroy (req->timeout);
  g_clear_pointer (&req->timeout, g_source_unref);
  if (req->cancel)
    g_source_destroy (req->cancel);
  g_clear_pointer (&req->cancel, g_source_unref);
  g_free (req->name);
  g_free (req);
}

/* ---- teardown ---------------------------------------------------------------------------- */

static void
destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
fail_pending (QcopClient *self, const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->pending)))
    {
      g_task_return_new_error (task, QCOP_ERROR, QCOP_ERROR_CONNECTION, "isRegistered(%s): %s",
                               ((IsRegisteredRequest *)g_task_get_task_data (task))->name,
                               error ? error->message : "client disconnected");
      g_object_unref (task);
    }
}

/* Close the socket. @error NULL = a deliberate close. Emits "disconnected" if @emit. */
static void
teardown (QcopClient *self, const GError *error, gboolean emit)
{
  gboolean was_up = self->state != CLIENT_STATE_DISCONNECTED;

  self->generation++;
  destroy_source (&self->in_source);
  destroy_source (&self->out_source);
  if (self->socket)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_byte_array_set_size (self->inbuf, 0);
  g_byte_array_set_size (self->outbuf, 0);
  self->out_pos = 0;
  if (error)
    {
      g_clear_error (&self->last_error);
      self->last_error = g_error_copy (error);
    }
  if (!was_up)
    return;
  set_state (self, CLIENT_STATE_DISCONNECTED, error ? error->message : "closed");
  if (error)
    g_message ("qcop client %s: connection to %s lost: %s", self->app_name, self->socket_path,
               error->message);
  fail_pending (self, error);
  if (emit)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, error);
  if (error && self->auto_reconnect && self->state == CLIENT_STATE_DISCONNECTED)
    schedule_reconnect (self);
}

static void
connection_lost (QcopClient *self, GError *error)
{
  teardown (self, error, TRUE);
  g_error_free (error);
}

/* ---- output ------------------------------------------------------------------------------ */

/* Write as much of the queue as the socket takes. FALSE if the connection was lost. */
static gboolean
write_queue (QcopClient *self)
{
  while (self->socket && self->out_pos < self->outbuf->len)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send (self->socket, (const gchar *)self->outbuf->data + self->out_pos,
                                self->outbuf->len - self->out_pos, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      if (n < 0)
        {
          connection_lost (self,
                           g_error_new (QCOP_ERROR, QCOP_ERROR_CONNECTION, "writing to %s: %s",
                                        self->socket_path, error->message));
          return FALSE;
        }
      self->out_pos += (gsize)n;
    }
  g_byte_array_set_size (self->outbuf, 0);
  self->out_pos = 0;
  return TRUE;
}

/*
 * The send queue is written by a GSource in its prepare() step, i.e. once per main-loop
 * iteration, after every callback of the iteration has run and before the loop polls. So all
 * messages sent during one iteration leave in one send() (coalescing for streams), and a lone
 * message leaves as soon as its callback returns (no extra poll for latency). When the socket
 * is full the source waits for G_IO_OUT. Errors seen in prepare() are handled in dispatch(),
 * never inside a qcop_client_send() call.
 */
typedef struct
{
  GSource source;
  QcopClient *client;
  gpointer tag;
  gboolean want_out;
  gboolean failed;
} FlushSource;

/* Changing the polled events wakes the context up: only do it on a change. */
static void
flush_source_want_out (FlushSource *fs, gboolean want)
{
  if (fs->want_out == want)
    return;
  fs->want_out = want;
  g_source_modify_unix_fd (&fs->source, fs->tag, want ? G_IO_OUT : 0);
}

static gboolean
flush_source_prepare (GSource *source, gint *timeout)
{
  FlushSource *fs = (FlushSource *)source;
  QcopClient *self = fs->client;
  g_autoptr (GError) error = NULL;
  gssize n;

  *timeout = -1;
  if (fs->failed)
    return TRUE;
  if (self->out_pos >= self->outbuf->len)
    return FALSE;
  n = g_socket_send (self->socket, (const gchar *)self->outbuf->data + self->out_pos,
                     self->outbuf->len - self->out_pos, NULL, &error);
  if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      fs->failed = TRUE; /* dispatch() reports it */
      return TRUE;
    }
  if (n > 0)
    self->out_pos += (gsize)n;
  if (self->out_pos < self->outbuf->len)
    {
      flush_source_want_out (fs, TRUE);
      return FALSE;
    }
  g_byte_array_set_size (self->outbuf, 0);
  self->out_pos = 0;
  flush_source_want_out (fs, FALSE);
  return FALSE;
}

static gboolean
flush_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  FlushSource *fs = (FlushSource *)source;
  QcopClient *self = fs->client;

  fs->failed = FALSE;
  if (!write_queue (self))
    return G_SOURCE_REMOVE; /* teardown destroyed this source */
  flush_source_want_out (fs, self->out_pos < self->outbuf->len);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs
    = { flush_source_prepare, NULL, flush_source_dispatch, NULL, NULL, NULL };

static GSource *
flush_source_new (QcopClient *self)
{
  GSource *source = g_source_new (&flush_source_funcs, sizeof (FlushSource));
  FlushSource *fs = (FlushSource *)source;

  fs->client = self;
  fs->tag = g_source_add_unix_fd (source, g_socket_get_fd (self->socket), 0);
  g_source_set_static_name (source, "qcop-client flush");
  return source;
}

static void
queue_detach (QcopClient *self, const gchar *channel)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();

  qcop_ds_write_string (data, channel);
  if (!qcop_wire_encode_send (self->outbuf, "", "detach()", data->data, data->len, NULL))
    return;
}

static void
queue_register (QcopClient *self, const gchar *channel)
{
  g_autoptr (GError) error = NULL;

  if (!qcop_wire_encode_register_channel (self->outbuf, channel, &error))
    {
      g_message ("qcop client %s: cannot register %s: %s", self->app_name, channel, error->message);
      return;
    }
}

/* ---- input ------------------------------------------------------------------------------- */

static void
complete_is_registered (QcopClient *self, const QcopWireItem *item)
{
  g_autofree gchar *name = NULL;
  QcopDsReader r;
  GTask *task = NULL;

  qcop_ds_reader_init (&r, g_bytes_get_data (item->data, NULL), g_bytes_get_size (item->data));
  if (!qcop_ds_read_string (&r, &name, NULL))
    name = NULL;
  for (GList *l = self->pending.head; l && name; l = l->next)
    if (g_str_equal (((IsRegisteredRequest *)g_task_get_task_data (l->data))->name, name))
      {
        task = l->data;
        g_queue_delete_link (&self->pending, l);
        break;
      }
  if (!task)
    task = g_queue_pop_head (&self->pending);
  if (!task)
    {
      g_debug ("qcop client %s: response %s with no request pending", self->app_name,
               item->message);
      return;
    }
  if (g_str_equal (item->message, "known") || g_str_equal (item->message, "unknown"))
    g_task_return_int (task, g_str_equal (item->message, "known"));
  else
    g_task_return_new_error (task, QCOP_ERROR, QCOP_ERROR_PROTOCOL,
                             "isRegistered(%s): server %s answered \"%s\"", name ? name : "?",
                             self->socket_path, item->message);
  g_object_unref (task);
}

/* Call every callback of @registered with the (possibly unwrapped) message. Stops if the
 * connection changed under us. */
static void
dispatch_message (QcopClient *self, const gchar *registered, const gchar *channel,
                  const gchar *message, GBytes *data)
{
  GArray *ids = g_hash_table_lookup (self->channels, registered);
  g_autoptr (GArray) snapshot = NULL;

  if (!ids)
    {
      g_debug ("qcop client %s: message %s on unregistered channel %s dropped", self->app_name,
               message, registered);
      return;
    }
  snapshot = g_array_copy (ids);
  self->messages_received++;
  for (guint i = 0; i < snapshot->len; i++)
    {
      Callback *cb = g_hash_table_lookup (self->callbacks,
                                          GUINT_TO_POINTER (g_array_index (snapshot, guint, i)));
      if (cb)
        cb->func (self, channel, message, data, cb->user_data);
    }
}

static void
handle_qcop_message (QcopClient *self, const QcopWireItem *item)
{
  g_autofree gchar *channel = NULL, *message = NULL;
  g_autoptr (GBytes) inner = NULL;
  g_autoptr (GError) error = NULL;

  if (item->is_response)
    {
      complete_is_registered (self, item);
      return;
    }
  if (strchr (item->channel, '*') == NULL || !g_str_equal (item->message, FORWARDED_MESSAGE))
    {
      dispatch_message (self, item->channel, item->channel, item->message, item->data);
      return;
    }
  if (!qcop_unwrap_forwarded (item->data, &channel, &message, &inner, &error))
    {
      g_message ("qcop client %s: dropping a garbled %s on %s: %s", self->app_name,
                 FORWARDED_MESSAGE, item->channel, error->message);
      return;
    }
  dispatch_message (self, item->channel, channel, message, inner);
}

static void
handle_event (QcopClient *self, const QcopWireItem *item)
{
  switch (item->type)
    {
      case QCOP_EVENT_CONNECTED:
        if (self->state != CLIENT_STATE_CONNECTING)
          {
            g_debug ("qcop client %s: extra Connected event ignored", self->app_name);
            return;
          }
        set_state (self, CLIENT_STATE_CONNECTED, "Connected event");
        g_clear_error (&self->last_error);
        g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
        break;
      case QCOP_EVENT_QCOP_MESSAGE:
        handle_qcop_message (self, item);
        break;
      default:
        g_debug ("qcop client %s: %s event ignored", self->app_name,
                 qcop_event_type_to_string (item->type));
        break;
    }
}

/* Decode and handle every complete event in the input buffer. */
static void
process_input (QcopClient *self)
{
  guint generation = self->generation;
  gsize pos = 0;

  while (pos < self->inbuf->len)
    {
      g_autoptr (GError) error = NULL;
      QcopWireItem item;
      gssize n
          = qcop_wire_decode_event (self->inbuf->data + pos, self->inbuf->len - pos, &item, &error);

      if (n == 0)
        break;
      if (n < 0)
        {
          connection_lost (self,
                           g_error_new (QCOP_ERROR, QCOP_ERROR_PROTOCOL,
                                        "server %s sent a bad event at input byte %" G_GSIZE_FORMAT
                                        ": %s; dropping the connection",
                                        self->socket_path, pos, error->message));
          return;
        }
      pos += (gsize)n;
      handle_event (self, &item);
      qcop_wire_item_clear (&item);
      if (generation != self->generation)
        return; /* a callback disconnected: inbuf is gone */
    }
  g_byte_array_remove_range (self->inbuf, 0, pos);
}

/* Read what is there (bounded). FALSE if the connection was lost. */
static gboolean
read_socket (QcopClient *self)
{
  guint8 chunk[READ_CHUNK];

  for (guint i = 0; i < MAX_READS_PER_DISPATCH; i++)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive (self->socket, (gchar *)chunk, sizeof chunk, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      if (n <= 0)
        {
          connection_lost (self, g_error_new (QCOP_ERROR, QCOP_ERROR_CONNECTION, "server %s %s",
                                              self->socket_path,
                                              n == 0 ? "closed the connection" : error->message));
          return FALSE;
        }
      g_byte_array_append (self->inbuf, chunk, (guint)n);
      if ((gsize)n < sizeof chunk)
        return TRUE;
    }
  return TRUE;
}

static gboolean
on_socket_readable (GSocket *socket, GIOCondition condition, gpointer data)
{
  g_autoptr (QcopClient) self = g_object_ref (data);
  guint generation = self->generation;

  if (!read_socket (self))
    return G_SOURCE_REMOVE;
  process_input (self);
  return generation == self->generation ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- connecting -------------------------------------------------------------------------- */

static gboolean
open_socket (QcopClient *self, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) local = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &local);
  if (!socket)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION, "socket(): %s", local->message);
      return FALSE;
    }
  g_socket_set_blocking (socket, FALSE);
  address = g_unix_socket_address_new (self->socket_path);
  if (!g_socket_connect (socket, address, NULL, &local))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION,
                   "cannot connect to QCOP server at %s: %s (is stb-qcopd running there?)",
                   self->socket_path, local->message);
      return FALSE;
    }
  self->socket = g_steal_pointer (&socket);
  return TRUE;
}

/* Start a connection: socket, Identify, registrations. Connected arrives later. */
static gboolean
start_connection (QcopClient *self, GError **error)
{
  GHashTableIter iter;
  gpointer name;

  g_return_val_if_fail (self->state == CLIENT_STATE_DISCONNECTED, FALSE);
  if (!open_socket (self, error))
    return FALSE;
  set_state (self, CLIENT_STATE_CONNECTING, self->socket_path);
  self->in_source = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (self->in_source, G_SOURCE_FUNC (on_socket_readable), self, NULL);
  g_source_attach (self->in_source, self->context);
  self->out_source = flush_source_new (self);
  g_source_attach (self->out_source, self->context);
  if (!qcop_wire_encode_identify (self->outbuf, self->app_name, -1, error))
    {
      teardown (self, NULL, FALSE);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    queue_register (self, name);
  return TRUE;
}

static gboolean
on_reconnect_timeout (gpointer data)
{
  QcopClient *self = data;
  g_autoptr (GError) error = NULL;

  if (self->state != CLIENT_STATE_DISCONNECTED)
    {
      g_clear_pointer (&self->reconnect_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  if (!start_connection (self, &error))
    {
      g_debug ("qcop client %s: reconnect: %s", self->app_name, error->message);
      return G_SOURCE_CONTINUE;
    }
  g_debug ("qcop client %s: reconnected, waiting for Connected", self->app_name);
  g_clear_pointer (&self->reconnect_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (QcopClient *self)
{
  if (self->reconnect_source)
    return;
  self->reconnect_source = g_timeout_source_new (self->reconnect_interval_ms);
  g_source_set_callback (self->reconnect_source, on_reconnect_timeout, self, NULL);
  g_source_attach (self->reconnect_source, self->context);
}

/* ---- bounded waits on our own context ---------------------------------------------------- */

typedef gboolean (*DoneFunc) (QcopClient *self, gpointer data);

static gboolean
on_wait_deadline (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterate the client's context until @done or @timeout_ms (< 0: unbounded). */
static gboolean
wait_until (QcopClient *self, DoneFunc done, gpointer data, gint timeout_ms)
{
  gboolean expired = FALSE;
  GSource *deadline = NULL;
  gboolean result;

  g_main_context_push_thread_default (self->context);
  if (timeout_ms >= 0)
    {
      deadline = g_timeout_source_new ((guint)timeout_ms);
      g_source_set_callback (deadline, on_wait_deadline, &expired, NULL);
      g_source_attach (deadline, self->context);
    }
  while (!(result = done (self, data)) && !expired)
    g_main_context_iteration (self->context, TRUE);
  if (deadline)
    {
      g_source_destroy (deadline);
      g_source_unref (deadline);
    }
  g_main_context_pop_thread_default (self->context);
  return result;
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
qcop_client_finalize (GObject *object)
{
  QcopClient *self = QCOP_CLIENT (object);

  teardown (self, NULL, FALSE);
  destroy_source (&self->reconnect_source);
  g_hash_table_destroy (self->channels);
  g_hash_table_destroy (self->callbacks);
  g_byte_array_unref (self->inbuf);
  g_byte_array_unref (self->outbuf);
  g_clear_error (&self->last_error);
  g_free (self->socket_path);
  g_free (self->app_name);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (qcop_client_parent_class)->finalize (object);
}

static void
qcop_client_class_init (QcopClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qcop_client_finalize;
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DISCONNECTED]
      = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
channel_ids_free (gpointer data)
{
  g_array_unref (data);
}

static void
qcop_client_init (QcopClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->inbuf = g_byte_array_sized_new (READ_CHUNK);
  self->outbuf = g_byte_array_new ();
  self->callbacks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, callback_free);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, channel_ids_free);
  self->reconnect_interval_ms = 200;
  self->next_id = 1;
  g_queue_init (&self->pending);
}

/* ---- public API -------------------------------------------------------------------------- */

QcopClient *
qcop_client_new (const gchar *socket_path, const gchar *app_name)
{
  QcopClient *self;

  g_return_val_if_fail (socket_path != NULL && *socket_path, NULL);
  self = g_object_new (QCOP_TYPE_CLIENT, NULL);
  self->socket_path = g_strdup (socket_path);
  self->app_name = g_strdup (app_name ? app_name : g_get_prgname () ? g_get_prgname () : "qcop");
  return self;
}

static gboolean
connect_settled (QcopClient *self, gpointer data)
{
  return self->state != CLIENT_STATE_CONNECTING;
}

gboolean
qcop_client_connect_sync (QcopClient *self, gint timeout_ms, GError **error)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state == CLIENT_STATE_CONNECTED)
    return TRUE;
  destroy_source (&self->reconnect_source);
  if (self->state == CLIENT_STATE_DISCONNECTED && !start_connection (self, error))
    return FALSE;
  if (!wait_until (self, connect_settled, NULL, timeout_ms))
    {
      teardown (self, NULL, FALSE);
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT,
                   "no Connected event from QCOP server %s within %d ms", self->socket_path,
                   timeout_ms);
      return FALSE;
    }
  if (self->state != CLIENT_STATE_CONNECTED)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION, "connecting to %s: %s",
                   self->socket_path,
                   self->last_error ? self->last_error->message : "connection closed");
      return FALSE;
    }
  return TRUE;
}

gboolean
qcop_client_is_connected (QcopClient *self)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (self), FALSE);
  return self->state == CLIENT_STATE_CONNECTED;
}

void
qcop_client_disconnect (QcopClient *self)
{
  g_return_if_fail (QCOP_IS_CLIENT (self));
  destroy_source (&self->reconnect_source);
  teardown (self, NULL, TRUE);
}

void
qcop_client_set_auto_reconnect (QcopClient *self, gboolean enable, guint interval_ms)
{
  g_return_if_fail (QCOP_IS_CLIENT (self));
  self->auto_reconnect = enable;
  self->reconnect_interval_ms = MAX (interval_ms, 1);
  if (!enable)
    destroy_source (&self->reconnect_source);
  else if (self->state == CLIENT_STATE_DISCONNECTED && self->last_error)
    schedule_reconnect (self); /* lost (or never reached) the server: keep trying */
}

guint
qcop_client_register (QcopClient *self, const gchar *channel, QcopReceiveFunc func,
                      gpointer user_data, GDestroyNotify notify)
{
  Callback *cb;
  GArray *ids;

  g_return_val_if_fail (QCOP_IS_CLIENT (self), 0);
  g_return_val_if_fail (channel != NULL && *channel, 0);
  g_return_val_if_fail (g_utf8_validate (channel, -1, NULL), 0);
  g_return_val_if_fail (func != NULL, 0);

  cb = g_new0 (Callback, 1);
  cb->id = self->next_id++;
  cb->channel = g_strdup (channel);
  cb->func = func;
  cb->user_data = user_data;
  cb->notify = notify;
  g_hash_table_insert (self->callbacks, GUINT_TO_POINTER (cb->id), cb);
  ids = g_hash_table_lookup (self->channels, channel);
  if (!ids)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (guint));
      g_hash_table_insert (self->channels, g_strdup (channel), ids);
      if (self->socket)
        queue_register (self, channel);
    }
  g_array_append_val (ids, cb->id);
  return cb->id;
}

void
qcop_client_unregister (QcopClient *self, guint id)
{
  Callback *cb;
  GArray *ids;

  g_return_if_fail (QCOP_IS_CLIENT (self));
  cb = g_hash_table_lookup (self->callbacks, GUINT_TO_POINTER (id));
  g_return_if_fail (cb != NULL);
  ids = g_hash_table_lookup (self->channels, cb->channel);
  for (guint i = 0; ids && i < ids->len; i++)
    if (g_array_index (ids, guint, i) == id)
      {
        g_array_remove_index (ids, i);
        break;
      }
  if (ids && ids->len == 0)
    {
      if (self->socket)
        queue_detach (self, cb->channel);
      g_hash_table_remove (self->channels, cb->channel);
    }
  g_hash_table_remove (self->callbacks, GUINT_TO_POINTER (id)); /* may run notify */
}

gboolean
qcop_client_send (QcopClient *self, const gchar *channel, const gchar *message, const guint8 *data,
                  gsize len, GError **error)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!channel || !message || (!data && len > 0) || !g_utf8_validate (channel, -1, NULL)
      || !g_utf8_validate (message, -1, NULL))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                   "send: channel and message must be UTF-8 strings, data non-NULL if len > 0");
      return FALSE;
    }
  if (!self->socket)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION,
                   "send %s on %s: not connected to a QCOP server (%s)", message, channel,
                   self->socket_path);
      return FALSE;
    }
  if (self->outbuf->len - self->out_pos > MAX_QUEUED_BYTES)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE,
                   "send %s on %s: %u bytes already queued for %s (server not reading)", message,
                   channel, self->outbuf->len, self->socket_path);
      return FALSE;
    }
  if (!qcop_wire_encode_send (self->outbuf, channel, message, data ? data : (const guint8 *)"", len,
                              error))
    return FALSE;
  self->messages_sent++;
  return TRUE;
}

static gboolean
queue_drained (QcopClient *self, gpointer data)
{
  return !self->socket || self->out_pos >= self->outbuf->len;
}

gboolean
qcop_client_flush (QcopClient *self, gint timeout_ms, GError **error)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (self), FALSE);

  if (self->socket && !write_queue (self))
    {
      /* fall through: reports the lost connection below */
    }
  if (!wait_until (self, queue_drained, NULL, timeout_ms))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT,
                   "flush: %u bytes still queued for %s after %d ms",
                   (guint)(self->outbuf->len - self->out_pos), self->socket_path, timeout_ms);
      return FALSE;
    }
  if (!self->socket)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION, "flush: not connected to %s%s%s",
                   self->socket_path, self->last_error ? ": " : "",
                   self->last_error ? self->last_error->message : "");
      return FALSE;
    }
  return TRUE;
}

/* ---- isRegistered ------------------------------------------------------------------------ */

static gboolean
on_is_registered_timeout (gpointer data)
{
  GTask *task = data;
  QcopClient *self = g_task_get_source_object (task);
  IsRegisteredRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->timeout, g_source_unref);
  if (!g_queue_remove (&self->pending, task))
    return G_SOURCE_REMOVE;
  g_task_return_new_error (task, QCOP_ERROR, QCOP_ERROR_TIMEOUT,
                           "isRegistered(%s): no answer from %s in time", req->name,
                           self->socket_path);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
on_is_registered_cancelled (GCancellable *cancellable, gpointer data)
{
  GTask *task = data;
  QcopClient *self = g_task_get_source_object (task);
  IsRegisteredRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->cancel, g_source_unref);
  if (!g_queue_remove (&self->pending, task))
    return G_SOURCE_REMOVE;
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
qcop_client_is_registered_async (QcopClient *self, const gchar *channel, gint timeout_ms,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  IsRegisteredRequest *req;

  g_return_if_fail (QCOP_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qcop_client_is_registered_async);
  qcop_ds_write_string (data, channel);
  if (!qcop_client_send (self, "", "isRegistered()", data->data, data->len, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->messages_sent--; /* an internal request, not a message */
  req = g_new0 (IsRegisteredRequest, 1);
  req->name = g_strdup (channel);
  g_task_set_task_data (task, req, is_registered_request_free);
  if (timeout_ms >= 0)
    {
      req->timeout = g_timeout_source_new ((guint)timeout_ms);
      g_source_set_callback (req->timeout, on_is_registered_timeout, task, NULL);
      g_source_attach (req->timeout, self->context);
    }
  if (cancellable)
    {
      req->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (req->cancel, G_SOURCE_FUNC (on_is_registered_cancelled), task, NULL);
      g_source_attach (req->cancel, self->context);
    }
  g_queue_push_tail (&self->pending, g_steal_pointer (&task));
}

gboolean
qcop_client_is_registered_finish (QcopClient *self, GAsyncResult *result, gboolean *registered,
                                  GError **error)
{
  gssize answer;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  answer = g_task_propagate_int (G_TASK (result), error);
  if (answer < 0)
    return FALSE;
  if (registered)
    *registered = answer != 0;
  return TRUE;
}

typedef struct
{
  GAsyncResult *result;
} SyncWait;

static void
on_is_registered_sync_done (GObject *source, GAsyncResult *result, gpointer data)
{
  ((SyncWait *)data)->result = g_object_ref (result);
}

static gboolean
sync_result_ready (QcopClient *self, gpointer data)
{
  return ((SyncWait *)data)->result != NULL;
}

gboolean
qcop_client_is_registered_sync (QcopClient *self, const gchar *channel, gint timeout_ms,
                                gboolean *registered, GError **error)
{
  SyncWait wait = { NULL };
  gboolean ok;

  g_return_val_if_fail (QCOP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (timeout_ms >= 0, FALSE);
  qcop_client_is_registered_async (self, channel, timeout_ms, NULL, on_is_registered_sync_done,
                                   &wait);
  /* The request times out by itself; the extra margin only guards against a stuck loop. */
  wait_until (self, sync_result_ready, &wait, timeout_ms + 1000);
  if (!wait.result)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT, "isRegistered(%s): no answer", channel);
      return FALSE;
    }
  ok = qcop_client_is_registered_finish (self, wait.result, registered, error);
  g_object_unref (wait.result);
  return ok;
}

guint64
qcop_client_get_messages_sent (QcopClient *self)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (self), 0);
  return self->messages_sent;
}

guint64
qcop_client_get_messages_received (QcopClient *self)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (self), 0);
  return self->messages_received;
}

gboolean
qcop_unwrap_forwarded (GBytes *data, gchar **channel, gchar **message, GBytes **inner,
                       GError **error)
{
  g_autofree gchar *ch = NULL, *msg = NULL;
  g_autoptr (GBytes) bytes = NULL;
  QcopDsReader r;
  gsize len;
  const guint8 *p;

  g_return_val_if_fail (data != NULL, FALSE);
  p = g_bytes_get_data (data, &len);
  qcop_ds_reader_init (&r, p ? p : (const guint8 *)"", len);
  if (!qcop_ds_read_string (&r, &ch, error) || !qcop_ds_read_string (&r, &msg, error)
      || !qcop_ds_read_bytes (&r, &bytes, error))
    return FALSE;
  if (!qcop_ds_reader_at_end (&r))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT,
                   "forwardedMessage: %" G_GSIZE_FORMAT
                   " trailing bytes after byte %" G_GSIZE_FORMAT,
                   qcop_ds_reader_remaining (&r), r.pos);
      return FALSE;
    }
  if (channel)
    *channel = ch ? g_steal_pointer (&ch) : g_strdup ("");
  if (message)
    *message = msg ? g_steal_pointer (&msg) : g_strdup ("");
  if (inner)
    *inner = bytes ? g_steal_pointer (&bytes) : g_bytes_new (NULL, 0);
  return TRUE;
}
