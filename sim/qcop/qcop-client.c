/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-client"

#include "qcop-client-private.h"

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

static const gchar *const state_names[] = { "disconnected", "connecting", "connected" };

/* allowed[old][new] */
static const gboolean allowed_transitions[CLIENT_STATE_N][CLIENT_STATE_N] = {
  [CLIENT_STATE_DISCONNECTED] = { [CLIENT_STATE_CONNECTING] = TRUE },
  [CLIENT_STATE_CONNECTING]
  = { [CLIENT_STATE_DISCONNECTED] = TRUE, [CLIENT_STATE_CONNECTED] = TRUE },
  [CLIENT_STATE_CONNECTED] = { [CLIENT_STATE_DISCONNECTED] = TRUE },
};

G_DEFINE_TYPE (QcopClient, qcop_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint signals[N_SIGNALS];

/* ---- state ------------------------------------------------------------------------------- */

void
qcop_client_set_state (QcopClient *self, ClientState new_state, const gchar *reason)
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

void
qcop_client_emit_connected (QcopClient *self)
{
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
}

void
qcop_client_emit_disconnected (QcopClient *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, error);
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

/* ---- GObject ----------------------------------------------------------------------------- */

static void
qcop_client_finalize (GObject *object)
{
  QcopClient *self = QCOP_CLIENT (object);

  qcop_client_teardown (self, NULL, FALSE);
  qcop_client_window_finalize (self);
  qcop_client_destroy_source (&self->reconnect_source);
  g_hash_table_destroy (self->channels);
  g_ptr_array_unref (self->channel_order);
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
  self->channel_order = g_ptr_array_new_with_free_func (g_free);
  self->reconnect_interval_ms = 200;
  self->next_id = 1;
  g_queue_init (&self->pending);
  qcop_client_window_init (self);
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
  qcop_client_destroy_source (&self->reconnect_source);
  if (self->state == CLIENT_STATE_DISCONNECTED && !qcop_client_start_connection (self, error))
    return FALSE;
  if (!qcop_client_wait_until (self, connect_settled, NULL, timeout_ms))
    {
      qcop_client_teardown (self, NULL, FALSE);
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
  qcop_client_destroy_source (&self->reconnect_source);
  qcop_client_teardown (self, NULL, TRUE);
}

void
qcop_client_set_auto_reconnect (QcopClient *self, gboolean enable, guint interval_ms)
{
  g_return_if_fail (QCOP_IS_CLIENT (self));
  self->auto_reconnect = enable;
  self->reconnect_interval_ms = MAX (interval_ms, 1);
  if (!enable)
    qcop_client_destroy_source (&self->reconnect_source);
  else if (self->state == CLIENT_STATE_DISCONNECTED && self->last_error)
    qcop_client_schedule_reconnect (self); /* lost (or never reached) the server: keep trying */
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
      g_ptr_array_add (self->channel_order, g_strdup (channel));
      if (self->socket)
        qcop_client_queue_register (self, channel);
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
        qcop_client_queue_detach (self, cb->channel);
      g_hash_table_remove (self->channels, cb->channel);
      for (guint i = 0; i < self->channel_order->len; i++)
        if (g_str_equal (g_ptr_array_index (self->channel_order, i), cb->channel))
          {
            g_ptr_array_remove_index (self->channel_order, i);
            break;
          }
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

  if (self->socket && !qcop_client_write_queue (self))
    {
      /* fall through: reports the lost connection below */
    }
  if (!qcop_client_wait_until (self, queue_drained, NULL, timeout_ms))
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
