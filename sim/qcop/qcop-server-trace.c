/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-server"

#include "qcop-server-private.h"

#include <unistd.h>

static void
trace_client_fields (QcopTrace *t, Client *c, const gchar *app)
{
  qcop_trace_add_int (t, "client", c->id);
  qcop_trace_add_str (t, "app", app ? app : c->app);
  qcop_trace_add_int (t, "pid", c->pid);
}

void
qcop_server_trace_lifecycle (Client *c, const gchar *type, const gchar *reason)
{
  QcopTrace *t = c->server->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "client", type);
  trace_client_fields (t, c, NULL);
  if (g_str_equal (type, "connect"))
    qcop_trace_add_int (t, "uid", c->uid);
  qcop_trace_add_str (t, "reason", reason);
  qcop_trace_end (t);
}

void
qcop_server_trace_command (Client *c, const QcopWireItem *item)
{
  QcopTrace *t = c->server->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "cmd", qcop_command_type_to_string (item->type));
  trace_client_fields (t, c, item->name); /* Identify: the name it announces */
  if (item->type == QCOP_CMD_CREATE)
    qcop_trace_add_int (t, "count", item->count);
  qcop_trace_add_str (t, "channel", item->channel);
  qcop_trace_add_str (t, "message", item->message);
  if (item->data != NULL)
    {
      gsize n = 0;
      const guint8 *p = g_bytes_get_data (item->data, &n);
      qcop_trace_add_hex (t, "data", p, n);
    }
  qcop_trace_end (t);
}

void
qcop_server_trace_event (Client *c, const EventInfo *ev)
{
  QcopTrace *t = c->server->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "event", qcop_event_type_to_string (ev->type));
  trace_client_fields (t, c, NULL);
  if (ev->type == QCOP_EVENT_QCOP_MESSAGE)
    {
      qcop_trace_add_str (t, "channel", ev->channel);
      qcop_trace_add_str (t, "message", ev->message);
      qcop_trace_add_hex (t, "data", ev->data, ev->len);
      qcop_trace_add_bool (t, "is_response", ev->is_response);
    }
  qcop_trace_end (t);
}

static gboolean
on_trace_idle (gpointer data)
{
  QcopServer *self = data;
  g_autoptr (GError) error = NULL;

  if (!qcop_trace_flush (self->trace, &error))
    g_message ("%s", error->message);
  g_clear_pointer (&self->trace_idle, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
qcop_server_schedule_trace_flush (QcopServer *self)
{
  if (self->trace_idle != NULL || !qcop_trace_has_pending (self->trace))
    return;
  self->trace_idle = g_idle_source_new ();
  g_source_set_priority (self->trace_idle, G_PRIORITY_LOW);
  g_source_set_callback (self->trace_idle, on_trace_idle, self, NULL);
  g_source_set_static_name (self->trace_idle, "qcop-server trace flush");
  g_source_attach (self->trace_idle, self->context);
}

void
qcop_server_trace_refuse (QcopServer *self, gint64 pid, guint32 uid, const gchar *reason)
{
  QcopTrace *t = self->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "client", "refuse");
  qcop_trace_add_int (t, "pid", pid);
  qcop_trace_add_int (t, "uid", uid);
  qcop_trace_add_str (t, "reason", reason);
  qcop_trace_end (t);
}

void
qcop_server_trace_server (QcopServer *self, const gchar *type)
{
  QcopTrace *t = self->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "server", type);
  if (g_str_equal (type, "start"))
    {
      qcop_trace_add_str (t, "socket", self->socket_path);
      qcop_trace_add_int (t, "pid", getpid ());
    }
  qcop_trace_end (t);
}

void
qcop_server_trace_limit (Client *c, const gchar *limit, guint64 value, const gchar *reason)
{
  QcopTrace *t = c->server->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "client", "limit");
  trace_client_fields (t, c, NULL);
  qcop_trace_add_str (t, "limit", limit);
  qcop_trace_add_int (t, "value", (gint64)MIN (value, (guint64)G_MAXINT64));
  qcop_trace_add_str (t, "reason", reason);
  qcop_trace_end (t);
}

void
qcop_server_trace_accept_paused (QcopServer *self, gint err, guint pause_ms)
{
  QcopTrace *t = self->trace;

  if (!qcop_trace_is_active (t))
    return;
  qcop_trace_begin (t, "server", "accept-paused");
  qcop_trace_add_str (t, "reason", g_strerror (err));
  qcop_trace_add_int (t, "pause_ms", pause_ms);
  qcop_trace_add_int (t, "failures", (gint64)self->stats.accept_failures);
  qcop_trace_end (t);
}
