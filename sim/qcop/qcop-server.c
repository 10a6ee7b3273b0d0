/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* struct ucred, accept4 */
#define G_LOG_DOMAIN "qcop-server"

#include "qcop-server.h"

#include "qcop-datastream.h"
#include "qcop-qws-window.h"
#include "qcop-server-private.h"
#include "qcop-wire.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Semantics follow Qt 4.8's QWSServerPrivate (_q_newConnection, doClient, invokeCreate) and
 * QCopChannel (registerChannel, detach, answer) in src/gui/embedded/; see DESIGN.md §2.
 *
 * Ownership: the server owns its clients (by id) and, in its registry (qcop-registry.c), the
 * channels (by name). A client that must go away while the server is iterating (a recipient
 * overflowing during a fan-out, a sender whose next item is malformed) is closed at once and
 * marked dead; dead clients are skipped by deliveries and freed (detached from every channel) at
 * the end of the current dispatch.
 */

#define READ_CHUNK (64 * 1024)
#define MAX_READS_PER_DISPATCH 4
#define MAX_ACCEPTS_PER_DISPATCH 64
#define PREALLOCATED_OBJECT_IDS 30 /* Qt's _q_newConnection: QWSCreateCommand cmd(30) */
#define MAX_CREATE_COUNT 65536
#define FORWARDED_MESSAGE "forwardedMessage(QString,QString,QByteArray)"

static void drop_client (Client *c, const gchar *reason);
static void drop_client_limit (Client *c, const gchar *limit, guint64 value, const gchar *reason);
static void close_client (Client *c, const gchar *type, const gchar *reason);
static void resume_accepting (QcopServer *self, const gchar *why);

/* ---- channels (the registry holds the members; each client its own channels) ----------- */

static void
register_channel (Client *c, const gchar *name)
{
  guint max = c->server->max_channels;
  gboolean added;
  QcopRegistryChannel *ch = qcop_registry_add (c->server->registry, name, c, &added);

  if (!added)
    return; /* once per (client, name) */
  if (c->channels->len >= max)
    {
      g_autofree gchar *reason = g_strdup_printf (
          "registering channel \"%s\" would exceed %u channels per client (--max-channels)", name,
          max);

      qcop_registry_remove (c->server->registry, ch, c); /* may free ch */
      drop_client_limit (c, "channels", max, reason);
      return;
    }
  g_ptr_array_add (c->channels, ch);
  g_debug ("client %d registered on \"%s\" (%u listeners)", c->id, name, ch->members->len);
}

static void
unregister_channel (Client *c, QcopRegistryChannel *ch)
{
  g_ptr_array_remove (c->channels, ch);
  qcop_registry_remove (c->server->registry, ch, c); /* may free ch */
}

/* O(channels of @c): each registry removal is O(members of that channel), and the client's
 * own list is emptied from its end (g_ptr_array_remove would scan it from the start). */
static void
detach_all (Client *c)
{
  while (c->channels->len > 0)
    {
      QcopRegistryChannel *ch = g_ptr_array_steal_index (c->channels, c->channels->len - 1);

      qcop_registry_remove (c->server->registry, ch, c); /* may free ch */
    }
}

/* ---- output ----------------------------------------------------------------------------- */

static gboolean on_client_writable (gint fd, GIOCondition cond, gpointer data);

static void
watch_writable (Client *c, gboolean on)
{
  if (on && c->out_source == NULL)
    {
      c->out_source = g_unix_fd_source_new (c->fd, G_IO_OUT);
      g_source_set_callback (c->out_source, G_SOURCE_FUNC (on_client_writable), c, NULL);
      g_source_set_static_name (c->out_source, "qcop-server client out");
      g_source_set_can_recurse (c->out_source, TRUE); /* no block/unblock: see accept_one */
      g_source_attach (c->out_source, c->server->context);
    }
  else if (!on && c->out_source != NULL)
    {
      g_source_destroy (c->out_source);
      g_clear_pointer (&c->out_source, g_source_unref);
    }
}

static gsize
pending_out (Client *c)
{
  return c->out->len - c->out_off;
}

/* Write as much of the queue as the socket takes, in one send() when it takes it all. */
static void
flush_client (Client *c)
{
  while (!c->dead && pending_out (c) > 0)
    {
      gssize n
          = send (c->fd, c->out->data + c->out_off, pending_out (c), MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
        {
          /* The peer has closed. It may still have sent commands we have not read yet (a
           * "send and exit" client): keep reading until EOF, stop writing. */
          g_debug ("client %d: peer closed, %" G_GSIZE_FORMAT " bytes undelivered", c->id,
                   pending_out (c));
          c->peer_gone = TRUE;
          c->undelivered += pending_out (c);
          g_byte_array_set_size (c->out, 0);
          c->out_off = 0;
          break;
        }
      if (n < 0)
        {
          g_autofree gchar *reason = g_strdup_printf ("write failed: %s", g_strerror (errno));
          drop_client (c, reason);
          return;
        }
      c->out_off += (gsize)n;
    }
  if (c->dead)
    return;
  if (pending_out (c) == 0)
    {
      if (c->out->len > 256 * 1024)
        {
          /* give a burst's memory back */
          g_byte_array_unref (c->out);
          c->out = g_byte_array_new ();
        }
      g_byte_array_set_size (c->out, 0);
      c->out_off = 0;
      watch_writable (c, FALSE);
      return;
    }
  if (c->out_off > 64 * 1024 && c->out_off > c->out->len / 2)
    {
      g_byte_array_remove_range (c->out, 0, (guint)c->out_off);
      c->out_off = 0;
    }
  watch_writable (c, TRUE);
}

static void
flush_dirty (QcopServer *self)
{
  for (guint i = 0; i < self->dirty->len; i++)
    {
      Client *c = g_ptr_array_index (self->dirty, i);

      c->dirty = FALSE;
      flush_client (c);
    }
  g_ptr_array_set_size (self->dirty, 0);
}

/* Queue encoded event bytes for @c (written at the end of the dispatch). */
static void
deliver (Client *c, const guint8 *bytes, gsize len, const EventInfo *ev)
{
  QcopServer *self = c->server;

  if (c->dead)
    return;
  if (c->peer_gone)
    {
      c->undelivered += len;
      return;
    }
  if (pending_out (c) + len > self->max_queue)
    flush_client (c);
  if (c->dead)
    return;
  if (pending_out (c) + len > self->max_queue)
    {
      g_autofree gchar *reason
          = g_strdup_printf ("send queue would exceed %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT
                             " pending): the client stopped reading",
                             self->max_queue, pending_out (c));
      drop_client_limit (c, "queue", self->max_queue, reason);
      return;
    }
  g_byte_array_append (c->out, bytes, (guint)len);
  if (ev->type == QCOP_EVENT_QCOP_MESSAGE)
    self->stats.messages_delivered++;
  qcop_server_trace_event (c, ev);
  if (!c->dirty)
    {
      c->dirty = TRUE;
      g_ptr_array_add (self->dirty, c);
    }
}

/* Encode one QCopMessage (names as Qt's toLatin1 makes them) and queue it for @c. */
static gboolean
is_ascii (const gchar *s)
{
  for (; *s != '\0'; s++)
    if ((guchar)*s >= 0x80)
      return FALSE;
  return TRUE;
}

/* Channel and message as Qt's toLatin1 puts them in a QCopMessage (as UTF-8 text): ASCII as
 * it is, anything else through qcop_wire_latin1_lossy (). */
typedef struct
{
  const gchar *channel, *message;
  gchar *owned_channel, *owned_message;
} Latin1Names;

static void
latin1_names_init (Latin1Names *n, const gchar *channel, const gchar *message)
{
  n->owned_channel = is_ascii (channel) ? NULL : qcop_wire_latin1_lossy (channel);
  n->owned_message = is_ascii (message) ? NULL : qcop_wire_latin1_lossy (message);
  n->channel = n->owned_channel ? n->owned_channel : channel;
  n->message = n->owned_message ? n->owned_message : message;
}

static void
latin1_names_clear (Latin1Names *n)
{
  g_clear_pointer (&n->owned_channel, g_free);
  g_clear_pointer (&n->owned_message, g_free);
}

/* Encode one QCopMessage into the server's scratch buffer (reused: no allocation per
 * message). FALSE if it cannot be encoded (logged). */
static gboolean
encode_message (QcopServer *self, const Latin1Names *names, const guint8 *data, gsize len,
                gboolean is_response)
{
  g_autoptr (GError) error = NULL;

  g_byte_array_set_size (self->scratch, 0);
  if (qcop_wire_encode_qcop_message (self->scratch, is_response, names->channel, names->message,
                                     data, len, &error))
    return TRUE;
  g_message ("not delivering \"%s\" %s: %s", names->channel, names->message, error->message);
  return FALSE;
}

/* Encode one QCopMessage (names as Qt's toLatin1 makes them) and queue it for @c. */
static void
send_qcop_message (Client *c, const gchar *channel, const gchar *message, const guint8 *data,
                   gsize len, gboolean is_response)
{
  Latin1Names names;

  latin1_names_init (&names, channel, message);
  if (encode_message (c->server, &names, data, len, is_response))
    {
      EventInfo ev
          = { QCOP_EVENT_QCOP_MESSAGE, names.channel, names.message, data, len, is_response };

      deliver (c, c->server->scratch->data, c->server->scratch->len, &ev);
    }
  latin1_names_clear (&names);
}

/* ---- QCOP semantics --------------------------------------------------------------------- */

static gchar *
read_channel_arg (const guint8 *p, gsize n)
{
  QcopDsReader reader;
  gchar *name = NULL;

  qcop_ds_reader_init (&reader, p, n);
  /* Qt's QDataStream leaves the string empty on bad input: so do we */
  if (!qcop_ds_read_string (&reader, &name, NULL) || name == NULL)
    return g_strdup ("");
  return name;
}

/* The "" channel: QCopChannel::answer's internal commands. */
static void
answer_internal (Client *c, const gchar *message, const guint8 *p, gsize n)
{
  if (g_str_equal (message, "isRegistered()"))
    {
      g_autofree gchar *name = read_channel_arg (p, n);
      gboolean known = qcop_registry_is_registered (c->server->registry, name);

      send_qcop_message (c, "", known ? "known" : "unknown", p, n, TRUE);
    }
  else if (g_str_equal (message, "detach()"))
    {
      g_autofree gchar *name = read_channel_arg (p, n);
      QcopRegistryChannel *ch = qcop_registry_lookup (c->server->registry, name);

      if (ch != NULL && g_ptr_array_find (ch->members, c, NULL))
        unregister_channel (c, ch);
    }
  else
    {
      g_message ("client %d (%s): unknown internal command \"%s\", answering \"bad\"", c->id,
                 c->app ? c->app : "?", message);
      send_qcop_message (c, "", "bad", p, n, FALSE);
    }
}

/* Deliver to every pattern registrant whose pattern matches @channel, as Qt does. */
static void
forward_to_patterns (QcopServer *self, const gchar *channel, const gchar *message,
                     const guint8 *data, gsize len)
{
  GPtrArray *patterns = qcop_registry_get_patterns (self->registry);
  g_autoptr (GByteArray) fwd = NULL;

  for (guint i = 0; i < patterns->len; i++)
    {
      QcopRegistryChannel *pat = g_ptr_array_index (patterns, i);

      if (!g_pattern_spec_match_string (pat->pattern, channel))
        continue;
      if (fwd == NULL)
        {
          fwd = g_byte_array_new ();
          qcop_ds_write_string (fwd, channel);
          qcop_ds_write_string (fwd, message);
          qcop_ds_write_bytes (fwd, len > 0 ? data : (const guint8 *)"", len);
        }
      for (guint j = 0; j < pat->members->len; j++)
        send_qcop_message (g_ptr_array_index (pat->members, j), pat->name, FORWARDED_MESSAGE,
                           fwd->data, fwd->len, FALSE);
    }
}

/* QCopSend of @data (@len bytes) on @channel: to every member, then to matching patterns. */
static void
handle_send (Client *c, const gchar *channel, const gchar *message, const guint8 *data, gsize len)
{
  QcopServer *self = c->server;
  QcopRegistryChannel *ch;

  if (channel[0] == '\0')
    {
      answer_internal (c, message, data, len);
      return;
    }
  ch = qcop_registry_lookup (self->registry, channel);
  if (ch != NULL)
    {
      Latin1Names names;

      /* one encoding for every listener; cannot fail: the Latin-1 raw part is never larger
       * than the UTF-16 one */
      latin1_names_init (&names, channel, message);
      if (encode_message (self, &names, data, len, FALSE))
        {
          EventInfo ev
              = { QCOP_EVENT_QCOP_MESSAGE, names.channel, names.message, data, len, FALSE };

          for (guint i = 0; i < ch->members->len; i++)
            deliver (g_ptr_array_index (ch->members, i), self->scratch->data, self->scratch->len,
                     &ev);
        }
      latin1_names_clear (&names);
    }
  if (qcop_registry_get_patterns (self->registry)->len > 0 && strchr (channel, '*') == NULL)
    forward_to_patterns (self, channel, message, data, len);
}

/* Hand @c @count object ids (Creation event). The client is dropped when it would hold more
 * than max_objects, or when the id space has no free range left. */
static void
send_creation (Client *c, gint32 count)
{
  QcopServer *self = c->server;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  EventInfo ev = { QCOP_EVENT_CREATION };
  guint64 held = qcop_id_space_count (self->ids, c);
  gint32 first;

  if (held + (guint64)count > self->max_objects + 1) /* + 1: its client id */
    {
      g_autofree gchar *reason = g_strdup_printf ("Create %d would exceed %" G_GUINT64_FORMAT
                                                  " object ids per client (--max-objects)",
                                                  count, self->max_objects);
      drop_client_limit (c, "objects", self->max_objects, reason);
      return;
    }
  first = qcop_id_space_alloc (self->ids, count, c);
  if (first < 0)
    {
      g_autofree gchar *reason
          = g_strdup_printf ("no free range of %d object ids left (every id up to %d is live)",
                             count, QCOP_ID_SPACE_LAST);
      drop_client (c, reason);
      return;
    }
  qcop_wire_encode_creation (out, first, count);
  deliver (c, out->data, out->len, &ev);
}

/* A window-system command (qcop-qws-window.h): the stack acts on it (its Region events go
 * out through on_stack_allocation), then a client blocked in a synchronous command is
 * released, as QWSServerPrivate::doClient does after invokeRegion & co. */
static void
window_command (Client *c, const QcopWireItem *item)
{
  qcop_qws_stack_command (c->server->stack, c, item);
  qcop_qws_command_done (c->qws_lock - 1, item->type);
}

static void
on_stack_allocation (gpointer owner, gint32 window, const gint32 *rects, gsize n_rects,
                     gpointer user_data)
{
  Client *c = owner;
  g_autoptr (GByteArray) out = NULL;
  EventInfo ev = { QCOP_EVENT_REGION };

  if (c->dead)
    return;
  out = g_byte_array_new ();
  qcop_qws_region_event (c->qws_lock - 1, window, rects, n_rects, out);
  deliver (c, out->data, out->len, &ev);
}

static void
on_stack_background (const gint32 *rects, gsize n_rects, gpointer user_data)
{
  QcopServer *self = user_data;

  if (self->screen_display != NULL)
    qcop_qws_display_fill (self->screen_display, QCOP_QWS_BACKGROUND, rects, n_rects);
}

/* Every command: counted, traced, and the end of the idle limit. */
static void
command_received (Client *c, const QcopWireItem *item, const guint8 *data, gsize len)
{
  if (c->idle_source != NULL)
    {
      /* it spoke: the idle limit is only for connections that never send a command */
      g_source_destroy (c->idle_source);
      g_clear_pointer (&c->idle_source, g_source_unref);
    }
  c->server->stats.commands++;
  qcop_server_trace_command (c, item, data, len);
}

/* Returns FALSE when the command is a protocol violation (the caller drops the client). */
static gboolean
handle_command (Client *c, const QcopWireItem *item)
{
  gsize len = 0;
  const guint8 *data = item->data ? g_bytes_get_data (item->data, &len) : NULL;

  command_received (c, item, item->data ? (data ? data : (const guint8 *)"") : NULL, len);
  switch (item->type)
    {
      case QCOP_CMD_CREATE:
        if (item->count <= 0 || item->count > MAX_CREATE_COUNT)
          return FALSE;
        send_creation (c, item->count);
        break;
      case QCOP_CMD_SHUTDOWN:
        g_debug ("client %d announced shutdown", c->id);
        break;
      case QCOP_CMD_IDENTIFY:
        g_free (c->app);
        c->app = g_strdup (item->name);
        c->trace_fields.len = 0; /* its trace records name it from now on */
        c->qws_lock = item->id_lock >= 0 ? item->id_lock + 1 : 0;
        g_message ("client %d is \"%s\" (pid %" G_GINT64_FORMAT ")", c->id, c->app, c->pid);
        qcop_server_trace_lifecycle (c, "identify", NULL);
        break;
      case QCOP_CMD_QCOP_REGISTER_CHANNEL:
        register_channel (c, item->channel);
        break;
      case QCOP_CMD_QCOP_SEND:
        handle_send (c, item->channel, item->message, data, len);
        break;
      default:
        /* window-system commands: the few a client waits for answered, the rest skipped */
        window_command (c, item);
        break;
    }
  return TRUE;
}

/* ---- clients ---------------------------------------------------------------------------- */

static void
client_free (Client *c)
{
  detach_all (c);
  g_ptr_array_unref (c->channels);
  qcop_id_space_release (c->server->ids, c);
  if (c->idle_source)
    g_source_destroy (c->idle_source);
  g_clear_pointer (&c->idle_source, g_source_unref);
  if (c->in_source)
    g_source_destroy (c->in_source);
  g_clear_pointer (&c->in_source, g_source_unref);
  watch_writable (c, FALSE);
  if (c->fd >= 0)
    close (c->fd);
  g_byte_array_unref (c->in);
  g_byte_array_unref (c->out);
  g_free (c->app);
  qcop_trace_text_clear (&c->trace_fields);
  g_free (c);
}

/* Close @c now; free it at the end of the dispatch. */
static void
close_client (Client *c, const gchar *type, const gchar *reason)
{
  QcopServer *self = c->server;

  if (c->dead)
    return;
  c->dead = TRUE;
  qcop_server_trace_lifecycle (c, type, reason);
  if (self->stack != NULL)
    qcop_qws_stack_remove_owner (self->stack, c); /* _q_clientClosed: its windows go */
  if (c->in_source)
    g_source_destroy (c->in_source);
  if (c->idle_source)
    g_source_destroy (c->idle_source);
  watch_writable (c, FALSE);
  close (c->fd);
  c->fd = -1;
  g_hash_table_steal (self->clients, GINT_TO_POINTER (c->id));
  g_ptr_array_add (self->dead, c);
  resume_accepting (self, "a client left"); /* its fd is free again */
}

static void
drop_client (Client *c, const gchar *reason)
{
  g_message ("dropping client %d (%s, pid %" G_GINT64_FORMAT "): %s", c->id,
             c->app ? c->app : "unidentified", c->pid, reason);
  c->server->stats.clients_dropped++;
  close_client (c, "drop", reason);
}

/* A per-client limit: logged and traced as such, then the client is dropped. */
static void
drop_client_limit (Client *c, const gchar *limit, guint64 value, const gchar *reason)
{
  c->server->stats.limits_hit++;
  qcop_server_trace_limit (c, limit, value, reason);
  drop_client (c, reason);
}

static void
reap_dead (QcopServer *self)
{
  for (guint i = 0; i < self->dead->len; i++)
    client_free (g_ptr_array_index (self->dead, i));
  g_ptr_array_set_size (self->dead, 0);
}

/* End of every dispatch: write what was queued, then format its trace records (written to
 * the file by their own source, qcop_server_watch_trace_flush), then free what was closed. */
static void
finish_dispatch (QcopServer *self)
{
  flush_dirty (self);
  qcop_server_trace_drain (self);
  reap_dead (self);
}

/* Decode and run every complete command in the input buffer. FALSE if @c was dropped. */
static gboolean
process_input (Client *c)
{
  gsize off = 0;

  while (!c->dead)
    {
      QcopWireItem item = { 0 };
      g_autoptr (GError) error = NULL;
      QcopWireView send;
      gssize n = qcop_wire_peek_ascii_send (c->in->data + off, c->in->len - off, c->server->names,
                                            &send);

      if (n > 0 && send.channel[0] != '\0')
        {
          /* the hot path: a QCopSend read in place, nothing allocated */
          off += (gsize)n;
          item.type = QCOP_CMD_QCOP_SEND;
          item.wire_size = send.wire_size;
          item.channel = (gchar *)send.channel;
          item.message = (gchar *)send.message;
          command_received (c, &item, send.data, send.len);
          handle_send (c, send.channel, send.message, send.data, send.len);
          continue;
        }
      n = qcop_wire_decode_command (c->in->data + off, c->in->len - off, &item, &error);

      if (n == 0)
        break;
      if (n < 0)
        {
          g_autofree gchar *reason = g_strdup_printf ("malformed input: %s", error->message);
          drop_client (c, reason);
          return FALSE;
        }
      off += (gsize)n;
      if (!handle_command (c, &item))
        {
          g_autofree gchar *reason
              = g_strdup_printf ("protocol violation: %s with count %d",
                                 qcop_command_type_to_string (item.type), item.count);
          qcop_wire_item_clear (&item);
          drop_client (c, reason);
          return FALSE;
        }
      qcop_wire_item_clear (&item);
    }
  if (off > 0 && !c->dead)
    g_byte_array_remove_range (c->in, 0, (guint)off);
  return !c->dead;
}

static void
read_client (Client *c)
{
  for (guint i = 0; i < MAX_READS_PER_DISPATCH && !c->dead; i++)
    {
      guint old = c->in->len;
      gssize n;

      g_byte_array_set_size (c->in, old + READ_CHUNK);
      n = read (c->fd, c->in->data + old, READ_CHUNK);
      g_byte_array_set_size (c->in, old + (n > 0 ? (guint)n : 0));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      if (n < 0 && errno != ECONNRESET)
        {
          g_autofree gchar *reason = g_strdup_printf ("read failed: %s", g_strerror (errno));
          drop_client (c, reason);
          return;
        }
      if (n <= 0)
        {
          g_autofree gchar *reason
              = g_strdup_printf ("closed by peer%s%s", c->in->len > 0 ? " inside an item" : "",
                                 c->undelivered > 0 ? " with events undelivered" : "");

          g_message ("client %d (%s) disconnected", c->id, c->app ? c->app : "unidentified");
          close_client (c, "disconnect", reason);
          return;
        }
      if (!process_input (c) || n < READ_CHUNK)
        return;
    }
}

static gboolean
on_client_readable (gint fd, GIOCondition cond, gpointer data)
{
  Client *c = data;
  QcopServer *self = c->server;

  read_client (c);
  finish_dispatch (self);
  return G_SOURCE_CONTINUE; /* a dead client's source is already destroyed */
}

static gboolean
on_client_writable (gint fd, GIOCondition cond, gpointer data)
{
  Client *c = data;
  QcopServer *self = c->server;

  flush_client (c);
  finish_dispatch (self);
  return G_SOURCE_CONTINUE;
}

/*
 * Connected, then Creation (30 pre-provided ids), then MaxWindowRect: the events of Qt 4.8's
 * QWSServerPrivate::_q_newConnection (qwindowsystem_qws.cpp), with Creation first. A Qt client
 * reads Connected alone, then waitForCreation() runs one fillQueue() (qapplication_qws.cpp),
 * which stops once it has consumed as many bytes as were buffered after its first item: with
 * MaxWindowRect first, the Creation already in its buffer stays unread and the client sleeps
 * in waitForReadyRead(1000) for a full second. In this order both are taken at once.
 */
static void
greet_client (Client *c)
{
  QcopServer *self = c->server;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  EventInfo connected = { QCOP_EVENT_CONNECTED };
  EventInfo maxrect = { QCOP_EVENT_MAX_WINDOW_RECT };

  /* display spec length was checked when it was set */
  qcop_wire_encode_connected_shm (out, c->id, self->servershmid, self->display_spec, NULL);
  deliver (c, out->data, out->len, &connected);
  send_creation (c, PREALLOCATED_OBJECT_IDS);
  g_byte_array_set_size (out, 0);
  qcop_wire_encode_max_window_rect (out, 0, self->screen);
  deliver (c, out->data, out->len, &maxrect);
}

static gboolean
peer_allowed (QcopServer *self, guint32 uid)
{
  if (uid == self->uid)
    return TRUE;
  for (guint i = 0; i < self->allow_uids->len; i++)
    if (g_array_index (self->allow_uids, guint32, i) == uid)
      return TRUE;
  return FALSE;
}

static void
refuse_peer (QcopServer *self, gint fd, const struct ucred *cred, const gchar *reason)
{
  g_message ("refusing connection from pid %d uid %u: %s", (int)cred->pid, cred->uid, reason);
  self->stats.clients_refused++;
  qcop_server_trace_refuse (self, cred->pid, cred->uid, reason);
  close (fd);
}

static gboolean
on_client_idle_timeout (gpointer data)
{
  Client *c = data;
  QcopServer *self = c->server;
  g_autofree gchar *reason = g_strdup_printf (
      "no complete command within %u ms of connecting (--idle-timeout)", self->idle_timeout_ms);

  g_clear_pointer (&c->idle_source, g_source_unref); /* returning REMOVE destroys it */
  drop_client_limit (c, "idle", self->idle_timeout_ms, reason);
  finish_dispatch (self);
  return G_SOURCE_REMOVE;
}

static void
watch_idle (Client *c)
{
  if (c->server->idle_timeout_ms == 0)
    return;
  c->idle_source = g_timeout_source_new (c->server->idle_timeout_ms);
  g_source_set_callback (c->idle_source, on_client_idle_timeout, c, NULL);
  g_source_set_static_name (c->idle_source, "qcop-server client idle");
  g_source_attach (c->idle_source, c->server->context);
}

static void
accept_one (QcopServer *self, gint fd)
{
  struct ucred cred = { 0 };
  socklen_t cred_len = sizeof cred;
  Client *c;
  gint32 id;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0)
    {
      g_autofree gchar *reason = g_strdup_printf ("SO_PEERCRED failed: %s", g_strerror (errno));
      cred.pid = 0;
      cred.uid = (uid_t)-1;
      refuse_peer (self, fd, &cred, reason);
      return;
    }
  if (!peer_allowed (self, cred.uid))
    {
      g_autofree gchar *reason
          = g_strdup_printf ("peer uid %u is not the server's uid %u and not allowed (--allow-uid)",
                             cred.uid, self->uid);
      refuse_peer (self, fd, &cred, reason);
      return;
    }
  c = g_new0 (Client, 1);
  id = qcop_id_space_alloc (self->ids, 1, c);
  if (id < 0)
    {
      g_free (c);
      refuse_peer (self, fd, &cred, "no free client id (every id is live)");
      return;
    }
  c->server = self;
  c->fd = fd;
  c->id = id;
  c->pid = cred.pid;
  c->uid = cred.uid;
  c->in = g_byte_array_new ();
  c->out = g_byte_array_new ();
  c->channels = g_ptr_array_new ();
  c->in_source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (c->in_source, G_SOURCE_FUNC (on_client_readable), c, NULL);
  g_source_set_static_name (c->in_source, "qcop-server client in");
  /* GLib blocks a dispatched source unless it may recurse: it removes its fd from the poll
   * set and adds it back, and each change writes the context's wake-up eventfd, which the
   * next poll returns for at once. That was 4 syscalls and an empty loop iteration per
   * message. Nothing the server calls iterates its context, so nothing can recurse. */
  g_source_set_can_recurse (c->in_source, TRUE);
  g_source_attach (c->in_source, self->context);
  g_hash_table_insert (self->clients, GINT_TO_POINTER (c->id), c);
  self->stats.clients_accepted++;
  g_message ("client %d connected (pid %d, uid %u)", c->id, (int)cred.pid, cred.uid);
  qcop_server_trace_lifecycle (c, "connect", NULL);
  watch_idle (c);
  greet_client (c);
}

static gboolean on_listen_readable (gint fd, GIOCondition cond, gpointer data);

static void
watch_listen (QcopServer *self)
{
  self->listen_source = g_unix_fd_source_new (self->listen_fd, G_IO_IN);
  g_source_set_callback (self->listen_source, G_SOURCE_FUNC (on_listen_readable), self, NULL);
  g_source_set_static_name (self->listen_source, "qcop-server listen");
  g_source_attach (self->listen_source, self->context);
}

static gboolean
on_accept_resume (gpointer data)
{
  resume_accepting (data, "pause over");
  return G_SOURCE_REMOVE;
}

/* Accepting is paused while accept_resume is set: the listen source is gone. */
static void
resume_accepting (QcopServer *self, const gchar *why)
{
  if (self->accept_resume == NULL)
    return;
  g_source_destroy (self->accept_resume);
  g_clear_pointer (&self->accept_resume, g_source_unref);
  g_debug ("accepting again (%s)", why);
  watch_listen (self);
}

/* accept() failed with @err (EMFILE, ENFILE, ENOBUFS, ENOMEM): the pending connection stays
 * in the backlog and the level-triggered listen source would fire again at once. Stop
 * watching for a while (or until a client leaves); log at most once per interval. */
static void
pause_accepting (QcopServer *self, gint err)
{
  gint64 now = g_get_monotonic_time ();

  self->stats.accept_failures++;
  self->accept_failed_since_log++;
  if (self->accept_log_us == 0
      || now - self->accept_log_us >= QCOP_SERVER_ACCEPT_LOG_INTERVAL_S * G_USEC_PER_SEC)
    {
      g_message ("accept on %s: %s: not accepting for %d ms at a time until a client leaves "
                 "(%" G_GUINT64_FORMAT " failed accepts since the last such message; next one "
                 "in %d s at the earliest)",
                 self->socket_path, g_strerror (err), QCOP_SERVER_ACCEPT_PAUSE_MS,
                 self->accept_failed_since_log, QCOP_SERVER_ACCEPT_LOG_INTERVAL_S);
      self->accept_log_us = now;
      self->accept_failed_since_log = 0;
    }
  qcop_server_trace_accept_paused (self, err, QCOP_SERVER_ACCEPT_PAUSE_MS);
  g_source_destroy (self->listen_source);
  g_clear_pointer (&self->listen_source, g_source_unref);
  self->accept_resume = g_timeout_source_new (QCOP_SERVER_ACCEPT_PAUSE_MS);
  g_source_set_callback (self->accept_resume, on_accept_resume, self, NULL);
  g_source_set_static_name (self->accept_resume, "qcop-server accept resume");
  g_source_attach (self->accept_resume, self->context);
}

static gboolean
on_listen_readable (gint fd, GIOCondition cond, gpointer data)
{
  QcopServer *self = data;

  for (guint i = 0; i < MAX_ACCEPTS_PER_DISPATCH && self->accept_resume == NULL; i++)
    {
      gint cfd = accept4 (self->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (cfd < 0)
        {
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            pause_accepting (self, errno);
          else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                   && errno != ECONNABORTED)
            g_message ("accept on %s: %s", self->socket_path, g_strerror (errno));
          break;
        }
      accept_one (self, cfd);
    }
  finish_dispatch (self);
  return G_SOURCE_CONTINUE; /* after a pause the source is already destroyed */
}

/* ---- socket setup ----------------------------------------------------------------------- */

static gboolean
open_listener (QcopServer *self, GError **error)
{
  self->listen_fd = qcop_server_socket_listen (self->socket_path, self->uid, &self->bound, error);
  if (self->listen_fd < 0)
    return FALSE;
  watch_listen (self);
  return TRUE;
}

/* ---- public API ------------------------------------------------------------------------- */

gchar *
qcop_server_default_socket_path (void)
{
  /* Qt 4.8 qvfbhdr.h: QTE_PIPE(0) = QT_VFB_DATADIR(0) + "/QtEmbedded-0" */
  return g_strdup ("/tmp/qtembedded-0/QtEmbedded-0");
}

QcopServer *
qcop_server_new (const QcopServerOptions *options, GMainContext *context, GError **error)
{
  g_autoptr (QcopServer) self = NULL;
  const gint32 screen[4] = { 0, 0, 719, 575 };
  static const QcopQwsStackFuncs stack_funcs = { on_stack_allocation, on_stack_background };

  g_return_val_if_fail (options != NULL && options->socket_path != NULL, NULL);
  g_return_val_if_fail (options->n_allow_uids == 0 || options->allow_uids != NULL, NULL);

  self = g_new0 (QcopServer, 1);
  self->listen_fd = -1;
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->socket_path = g_strdup (options->socket_path);
  self->display_spec
      = g_strdup (options->display_spec ? options->display_spec : QCOP_SERVER_DEFAULT_DISPLAY_SPEC);
  memcpy (self->screen, screen, sizeof screen);
  self->uid = (guint32)geteuid ();
  self->allow_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (self->allow_uids, options->allow_uids, (guint)options->n_allow_uids);
  self->max_queue = options->max_queue ? options->max_queue : QCOP_SERVER_DEFAULT_MAX_QUEUE;
  self->max_channels
      = options->max_channels ? options->max_channels : QCOP_SERVER_DEFAULT_MAX_CHANNELS;
  self->max_objects = options->max_objects ? options->max_objects : QCOP_SERVER_DEFAULT_MAX_OBJECTS;
  self->idle_timeout_ms = options->idle_timeout_ms == 0  ? QCOP_SERVER_DEFAULT_IDLE_TIMEOUT_MS
                          : options->idle_timeout_ms < 0 ? 0
                                                         : (guint)options->idle_timeout_ms;
  self->ids = qcop_id_space_new (QCOP_ID_SPACE_FIRST, QCOP_ID_SPACE_LAST); /* Qt: from 1000 */
  self->servershmid = -1;
  self->clients = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->registry = qcop_registry_new ();
  self->dirty = g_ptr_array_new ();
  self->dead = g_ptr_array_new ();
  self->scratch = g_byte_array_new ();
  self->trace_queue = qcop_server_trace_queue_new ();
  self->stack = qcop_qws_stack_new (self->screen, &stack_funcs, self);

  if (strlen (self->display_spec) + 1 > QCOP_WIRE_MAX_RAW)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "display spec is too long");
      return NULL;
    }
  self->trace = qcop_trace_new (options->trace_path, error);
  if (self->trace == NULL || !open_listener (self, error))
    return NULL;
  qcop_server_trace_server (self, "start");
  if (qcop_trace_is_active (self->trace) && !qcop_trace_flush (self->trace, error))
    return NULL;
  qcop_server_watch_trace_flush (self);
  g_message ("serving QCOP on %s", self->socket_path);
  return g_steal_pointer (&self);
}

void
qcop_server_free (QcopServer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->stack, qcop_qws_stack_free); /* nobody is told of a closing server */
  if (self->clients != NULL)
    {
      GList *clients = g_hash_table_get_values (self->clients);

      for (GList *l = clients; l != NULL; l = l->next)
        {
          Client *c = l->data;

          flush_client (c); /* best effort: what the socket takes without blocking */
          close_client (c, "disconnect", "server shutting down");
        }
      g_list_free (clients);
      reap_dead (self);
    }
  if (self->listen_source)
    {
      g_source_destroy (self->listen_source);
      g_source_unref (self->listen_source);
    }
  if (self->accept_resume)
    {
      g_source_destroy (self->accept_resume);
      g_source_unref (self->accept_resume);
    }
  if (self->listen_fd >= 0)
    close (self->listen_fd);
  if (self->bound)
    g_unlink (self->socket_path);
  if (self->trace_flush)
    {
      g_source_destroy (self->trace_flush);
      g_source_unref (self->trace_flush);
    }
  qcop_server_trace_server (self, "stop");
  g_clear_pointer (&self->trace, qcop_trace_free);
  g_clear_pointer (&self->trace_queue, qcop_server_trace_queue_free);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->registry, qcop_registry_free);
  g_clear_pointer (&self->ids, qcop_id_space_free);
  g_clear_pointer (&self->dirty, g_ptr_array_unref);
  g_clear_pointer (&self->scratch, g_byte_array_unref);
  g_clear_pointer (&self->dead, g_ptr_array_unref);
  g_clear_pointer (&self->allow_uids, g_array_unref);
  g_main_context_unref (self->context);
  g_free (self->socket_path);
  g_free (self->display_spec);
  g_free (self);
}

gboolean
qcop_server_set_qws_display (QcopServer *self, const gchar *display_spec, gint32 servershmid,
                             GError **error)
{
  g_return_val_if_fail (self != NULL && display_spec != NULL, FALSE);

  if (strlen (display_spec) + 1 > QCOP_WIRE_MAX_RAW)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "display spec is too long");
      return FALSE;
    }
  g_free (self->display_spec);
  self->display_spec = g_strdup (display_spec);
  self->servershmid = servershmid;
  return TRUE;
}

void
qcop_server_set_qws_screen (QcopServer *self, QcopQwsDisplay *display)
{
  g_return_if_fail (self != NULL);
  self->screen_display = display;
}

const gchar *
qcop_server_get_socket_path (QcopServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->socket_path;
}

void
qcop_server_get_stats (QcopServer *self, QcopServerStats *stats)
{
  g_return_if_fail (self != NULL && stats != NULL);
  *stats = self->stats;
  stats->n_clients = g_hash_table_size (self->clients);
}

gboolean
qcop_server_flush_trace (QcopServer *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  qcop_server_trace_drain (self);
  return qcop_trace_flush (self->trace, error);
}

void
qcop_server_set_trace_func (QcopServer *self, QcopServerTraceFunc func, gpointer user_data,
                            GDestroyNotify notify)
{
  g_return_if_fail (self != NULL);
  qcop_server_trace_drain (self); /* what happened before goes to the previous func */
  qcop_trace_set_func (self->trace, func, user_data, notify);
}
