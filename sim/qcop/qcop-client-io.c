/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-client"

#include "qcop-client-private.h"

#include <gio/gunixsocketaddress.h>

#include "qcop-datastream.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* ---- teardown ---------------------------------------------------------------------------- */

void
qcop_client_destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

void
qcop_client_teardown (QcopClient *self, const GError *error, gboolean emit)
{
  gboolean was_up = self->state != CLIENT_STATE_DISCONNECTED;

  self->generation++;
  qcop_client_destroy_source (&self->in_source);
  qcop_client_destroy_source (&self->out_source);
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
  qcop_client_set_state (self, CLIENT_STATE_DISCONNECTED, error ? error->message : "closed");
  if (error)
    g_message ("qcop client %s: connection to %s lost: %s", self->app_name, self->socket_path,
               error->message);
  qcop_client_fail_pending (self, error);
  qcop_client_window_disconnected (self);
  if (emit)
    qcop_client_emit_disconnected (self, error);
  if (error && self->auto_reconnect && self->state == CLIENT_STATE_DISCONNECTED)
    qcop_client_schedule_reconnect (self);
}

static void
connection_lost (QcopClient *self, GError *error)
{
  qcop_client_teardown (self, error, TRUE);
  g_error_free (error);
}

/* ---- output ------------------------------------------------------------------------------ */

/* One send() of what is queued (-1 with errno on failure, EAGAIN included). The queue drops
 * what was sent when it is empty, or when the sent part is the larger one: a stream that never
 * drains completely must not make the queue grow (it did, to tens of MiB, each byte written
 * to a fresh page). */
static gssize
send_queued (QcopClient *self)
{
  gssize n;

  do
    n = send (g_socket_get_fd (self->socket), self->outbuf->data + self->out_pos,
              self->outbuf->len - self->out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n > 0)
    self->out_pos += (gsize)n;
  if (self->out_pos == self->outbuf->len)
    {
      g_byte_array_set_size (self->outbuf, 0);
      self->out_pos = 0;
    }
  else if (self->out_pos >= 64 * 1024 && self->out_pos >= self->outbuf->len / 2)
    {
      g_byte_array_remove_range (self->outbuf, 0, (guint)self->out_pos);
      self->out_pos = 0;
    }
  return n;
}

gboolean
qcop_client_write_queue (QcopClient *self)
{
  while (self->socket && self->out_pos < self->outbuf->len)
    {
      if (send_queued (self) >= 0)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return TRUE;
      connection_lost (self, g_error_new (QCOP_ERROR, QCOP_ERROR_CONNECTION,
                                          "writing to %s: error sending data: %s",
                                          self->socket_path, g_strerror (errno)));
      return FALSE;
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

  *timeout = -1;
  if (fs->failed)
    return TRUE;
  if (self->out_pos >= self->outbuf->len)
    return FALSE;
  if (send_queued (self) < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    {
      fs->failed = TRUE; /* dispatch() reports it */
      return TRUE;
    }
  flush_source_want_out (fs, self->out_pos < self->outbuf->len);
  return FALSE;
}

static gboolean
flush_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  FlushSource *fs = (FlushSource *)source;
  QcopClient *self = fs->client;

  fs->failed = FALSE;
  if (!qcop_client_write_queue (self))
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

void
qcop_client_queue_detach (QcopClient *self, const gchar *channel)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();

  qcop_ds_write_string (data, channel);
  if (!qcop_wire_encode_send (self->outbuf, "", "detach()", data->data, data->len, NULL))
    return;
}

void
qcop_client_queue_register (QcopClient *self, const gchar *channel)
{
  g_autoptr (GError) error = NULL;

  if (!qcop_wire_encode_register_channel (self->outbuf, channel, &error))
    {
      g_message ("qcop client %s: cannot register %s: %s", self->app_name, channel, error->message);
      return;
    }
}

/* A plain message (ASCII names, not an answer, not a wildcard forward) read in place: its
 * names in @names, only its data copied (callbacks may keep the GBytes). */
static gssize
dispatch_plain_message (QcopClient *self, const guint8 *buf, gsize len, gchar *names)
{
  QcopWireView m;
  g_autoptr (GBytes) data = NULL;
  gssize n = qcop_wire_peek_ascii_message (buf, len, names, &m);

  if (n <= 0 || m.is_response || strchr (m.channel, '*') != NULL)
    return 0;
  data = g_bytes_new (m.data, m.len);
  qcop_client_dispatch_message (self, m.channel, m.channel, m.message, data);
  return n;
}

/* @names: the input source's buffer for names read in place (see InSource). */
static void
process_input (QcopClient *self, gchar *names)
{
  guint generation = self->generation;
  gsize pos = 0;

  while (pos < self->inbuf->len)
    {
      g_autoptr (GError) error = NULL;
      QcopWireItem item;
      gssize n
          = dispatch_plain_message (self, self->inbuf->data + pos, self->inbuf->len - pos, names);

      if (n > 0)
        {
          pos += (gsize)n;
          if (generation != self->generation)
            return; /* a callback disconnected: inbuf is gone */
          continue;
        }
      n = qcop_wire_decode_event (self->inbuf->data + pos, self->inbuf->len - pos, &item, &error);

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
      qcop_client_handle_event (self, &item);
      qcop_wire_item_clear (&item);
      if (generation != self->generation)
        return; /* a callback disconnected: inbuf is gone */
    }
  g_byte_array_remove_range (self->inbuf, 0, pos);
}

/* Read what is there (bounded), straight into the input buffer. FALSE if the connection was
 * lost. */
static gboolean
read_socket (QcopClient *self)
{
  gint fd = g_socket_get_fd (self->socket);

  for (guint i = 0; i < MAX_READS_PER_DISPATCH; i++)
    {
      guint old = self->inbuf->len;
      gssize n;

      g_byte_array_set_size (self->inbuf, old + READ_CHUNK);
      n = recv (fd, self->inbuf->data + old, READ_CHUNK, MSG_DONTWAIT);
      g_byte_array_set_size (self->inbuf, old + (n > 0 ? (guint)n : 0));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TRUE;
      if (n <= 0)
        {
          connection_lost (self,
                           g_error_new (QCOP_ERROR, QCOP_ERROR_CONNECTION, "server %s %s%s",
                                        self->socket_path,
                                        n == 0 ? "closed the connection" : "error receiving data: ",
                                        n == 0 ? "" : g_strerror (errno)));
          return FALSE;
        }
      if (n < READ_CHUNK)
        return TRUE;
    }
  return TRUE;
}

static gboolean
on_socket_readable (QcopClient *client, gchar *names)
{
  g_autoptr (QcopClient) self = g_object_ref (client);
  guint generation = self->generation;

  if (!read_socket (self))
    return G_SOURCE_REMOVE;
  process_input (self, names);
  return generation == self->generation ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/*
 * The input source. GLib blocks a source while it dispatches unless it may recurse, and
 * blocking removes its fd from the poll set and adds it back: two writes of the context's
 * wake-up eventfd, then a poll that returns at once for it and a read, for every message.
 * This source may recurse, so none of that happens; what blocking was for, it does itself,
 * and only when it is needed: if a message callback iterates the context (a nested loop)
 * while we dispatch, the socket leaves the poll set until the outer dispatch returns, so
 * messages are still handed over one at a time and in order.
 */
typedef struct
{
  GSource source;
  QcopClient *client;
  gint fd;
  gpointer tag;  /* NULL while paused for a nested loop */
  gboolean busy; /* dispatching */
  /* names of the message being dispatched, valid while its callbacks run: per source, so a
   * callback that reconnects (a new source) cannot overwrite them */
  gchar names[QCOP_WIRE_NAMES_SIZE];
} InSource;

#define IN_EVENTS (G_IO_IN | G_IO_HUP | G_IO_ERR)

static gboolean
in_source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  InSource *is = (InSource *)source;
  gboolean keep;

  if (is->busy)
    {
      g_source_remove_unix_fd (source, is->tag); /* nested: pause */
      is->tag = NULL;
      return G_SOURCE_CONTINUE;
    }
  is->busy = TRUE;
  keep = on_socket_readable (is->client, is->names); /* GLib holds a ref on @source meanwhile */
  is->busy = FALSE;
  if (is->tag == NULL && keep && !g_source_is_destroyed (source))
    is->tag = g_source_add_unix_fd (source, is->fd, IN_EVENTS); /* resume */
  return keep;
}

static GSourceFuncs in_source_funcs = { NULL, NULL, in_source_dispatch, NULL, NULL, NULL };

static GSource *
in_source_new (QcopClient *self)
{
  GSource *source = g_source_new (&in_source_funcs, sizeof (InSource));
  InSource *is = (InSource *)source;

  is->client = self;
  is->fd = g_socket_get_fd (self->socket);
  is->tag = g_source_add_unix_fd (source, is->fd, IN_EVENTS);
  g_source_set_can_recurse (source, TRUE);
  g_source_set_static_name (source, "qcop-client in");
  return source;
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
  /* bigger bursts per wake-up of the server when streaming (capped by net.core.wmem_max) */
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, 1024 * 1024, NULL);
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

gboolean
qcop_client_start_connection (QcopClient *self, GError **error)
{
  g_return_val_if_fail (self->state == CLIENT_STATE_DISCONNECTED, FALSE);
  if (!open_socket (self, error))
    return FALSE;
  qcop_client_set_state (self, CLIENT_STATE_CONNECTING, self->socket_path);
  self->in_source = in_source_new (self);
  g_source_attach (self->in_source, self->context);
  self->out_source = flush_source_new (self);
  g_source_attach (self->out_source, self->context);
  if (!qcop_wire_encode_identify (self->outbuf, self->app_name, -1, error))
    {
      qcop_client_teardown (self, NULL, FALSE);
      return FALSE;
    }
  for (guint i = 0; i < self->channel_order->len; i++)
    qcop_client_queue_register (self, g_ptr_array_index (self->channel_order, i));
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
  if (!qcop_client_start_connection (self, &error))
    {
      g_debug ("qcop client %s: reconnect: %s", self->app_name, error->message);
      return G_SOURCE_CONTINUE;
    }
  g_debug ("qcop client %s: reconnected, waiting for Connected", self->app_name);
  g_clear_pointer (&self->reconnect_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
qcop_client_schedule_reconnect (QcopClient *self)
{
  if (self->reconnect_source)
    return;
  self->reconnect_source = g_timeout_source_new (self->reconnect_interval_ms);
  g_source_set_callback (self->reconnect_source, on_reconnect_timeout, self, NULL);
  g_source_attach (self->reconnect_source, self->context);
}

/* ---- bounded waits on our own context ---------------------------------------------------- */

static gboolean
on_wait_deadline (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
qcop_client_wait_until (QcopClient *self, QcopClientDoneFunc done, gpointer data, gint timeout_ms)
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
