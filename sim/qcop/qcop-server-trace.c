/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-server"

#include "qcop-server-private.h"

#include <errno.h>
#include <sys/timerfd.h>
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
qcop_server_trace_command (Client *c, const QcopWireItem *item, const guint8 *data, gsize len)
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
  if (data != NULL)
    qcop_trace_add_hex (t, "data", data, len);
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

/*
 * Pending records are written QCOP_SERVER_TRACE_FLUSH_MS after the first of them, not when
 * the loop goes idle: a server passing one message at a time goes idle after every message,
 * and a write() per message was the cost of --trace. The deadline is a timerfd in the poll
 * set, armed once per flush period when records become pending (prepare() only looks at a
 * flag): a poll() with a timeout would arm a kernel timer on every loop iteration, which in a
 * VM costs more than the record itself. A loop that sleeps wakes up once to write; a loop that
 * never sleeps writes at the 64 KiB threshold (qcop-trace.c) or at the deadline.
 */
typedef struct
{
  GSource source;
  QcopServer *server;
  gint timer_fd;
  gboolean armed;
} TraceFlushSource;

static gboolean
trace_flush_prepare (GSource *source, gint *timeout)
{
  TraceFlushSource *fs = (TraceFlushSource *)source;

  *timeout = -1;
  if (!fs->armed && qcop_trace_has_pending (fs->server->trace))
    {
      struct itimerspec when = { { 0, 0 }, { 0, QCOP_SERVER_TRACE_FLUSH_MS * 1000000L } };

      fs->armed = timerfd_settime (fs->timer_fd, 0, &when, NULL) == 0;
      if (!fs->armed)
        return TRUE; /* cannot wait: write now */
    }
  return FALSE;
}

static gboolean
trace_flush_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  TraceFlushSource *fs = (TraceFlushSource *)source;
  g_autoptr (GError) error = NULL;
  guint64 expirations;

  if (fs->armed && read (fs->timer_fd, &expirations, sizeof expirations) < 0)
    {
      /* EAGAIN: not expired (another fd event); nothing else can happen to a timerfd */
    }
  fs->armed = FALSE;
  if (!qcop_trace_flush (fs->server->trace, &error))
    g_message ("%s", error->message);
  return G_SOURCE_CONTINUE;
}

static void
trace_flush_finalize (GSource *source)
{
  TraceFlushSource *fs = (TraceFlushSource *)source;

  if (fs->timer_fd >= 0)
    close (fs->timer_fd);
}

static GSourceFuncs trace_flush_funcs
    = { trace_flush_prepare, NULL, trace_flush_dispatch, trace_flush_finalize, NULL, NULL };

void
qcop_server_watch_trace_flush (QcopServer *self)
{
  TraceFlushSource *fs;

  if (self->trace_flush != NULL || !qcop_trace_is_active (self->trace))
    return;
  self->trace_flush = g_source_new (&trace_flush_funcs, sizeof (TraceFlushSource));
  fs = (TraceFlushSource *)self->trace_flush;
  fs->server = self;
  fs->timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fs->timer_fd >= 0)
    g_source_add_unix_fd (self->trace_flush, fs->timer_fd, G_IO_IN);
  else
    g_message ("trace: timerfd_create: %s; writing the trace at every loop iteration",
               g_strerror (errno));
  g_source_set_priority (self->trace_flush, G_PRIORITY_LOW);
  g_source_set_can_recurse (self->trace_flush, TRUE);
  g_source_set_static_name (self->trace_flush, "qcop-server trace flush");
  g_source_attach (self->trace_flush, self->context);
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
