/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-server"

#include "qcop-server-private.h"

#include "stbsim-proc.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

/*
 * The forwarding path's records (every QCopSend and every event queued for a client) are not
 * formatted when they happen: the facts of each (time, client, type, and the channel, message
 * and data copied into an arena) are appended to a queue, and qcop_server_trace_drain()
 * formats them after the dispatch has written its deliveries, so a message leaves the server
 * without waiting for its trace. The arena is reused: nothing is allocated per message.
 * Every other record drains the queue first, so the trace keeps the order and the times of
 * what happened. A queued fact points to its Client: the queue is drained before a client can
 * be freed or renamed (both follow a record of their own: disconnect/drop, Identify).
 */
#define NO_PAYLOAD G_MAXSIZE

typedef struct
{
  gint64 t_ns;
  Client *client;
  gint32 type; /* QCOP_CMD_QCOP_SEND, or the QCOP_EVENT_* of an event */
  gboolean is_event;
  gboolean is_response; /* a QCopMessage's */
  gsize payload;        /* offset in the arena, or NO_PAYLOAD */
} TraceFact;

/* A payload in the arena: this header, then channel, NUL, message, NUL, data. */
typedef struct
{
  guint32 flags; /* HAS_* */
  guint32 channel_len, message_len, data_len;
} PayloadHeader;

enum
{
  HAS_CHANNEL = 1,
  HAS_MESSAGE = 2,
  HAS_DATA = 4
};

struct _TraceQueue
{
  GArray *facts;         /* TraceFact */
  GByteArray *payloads;  /* the arena */
  gsize last_payload;    /* the newest payload: the next fact with the same one shares it */
  QcopTraceText members; /* the formatted channel, message and data of payload members_of */
  gsize members_of;
};

TraceQueue *
qcop_server_trace_queue_new (void)
{
  TraceQueue *q = g_new0 (TraceQueue, 1);

  q->facts = g_array_new (FALSE, FALSE, sizeof (TraceFact));
  q->payloads = g_byte_array_new ();
  q->last_payload = q->members_of = NO_PAYLOAD;
  return q;
}

void
qcop_server_trace_queue_free (TraceQueue *q)
{
  if (q == NULL)
    return;
  g_array_unref (q->facts);
  g_byte_array_unref (q->payloads);
  qcop_trace_text_clear (&q->members);
  g_free (q);
}

static gsize
str_len (const gchar *s)
{
  return s ? strlen (s) : 0;
}

/* Is the payload at @off the same as the one given? */
static gboolean
payload_equal (TraceQueue *q, gsize off, const PayloadHeader *h, const gchar *channel,
               const gchar *message, const guint8 *data)
{
  const guint8 *p = q->payloads->data + off + sizeof *h;

  return memcmp (q->payloads->data + off, h, sizeof *h) == 0
         && memcmp (p, channel ? channel : "", h->channel_len) == 0
         && memcmp (p + h->channel_len + 1, message ? message : "", h->message_len) == 0
         && (h->data_len == 0
             || memcmp (p + h->channel_len + h->message_len + 2, data, h->data_len) == 0);
}

/* Copy channel, message and data (NULL: absent) into the arena, or share the newest payload
 * when it is the same (a message's command and its deliveries). Returns its offset. */
static gsize
payload_put (TraceQueue *q, const gchar *channel, const gchar *message, const guint8 *data,
             gsize len)
{
  PayloadHeader h
      = { (channel ? HAS_CHANNEL : 0) | (message ? HAS_MESSAGE : 0) | (data ? HAS_DATA : 0),
          (guint32)str_len (channel), (guint32)str_len (message), data ? (guint32)len : 0 };
  gsize off = q->payloads->len;
  guint8 *p;

  if (q->last_payload != NO_PAYLOAD
      && payload_equal (q, q->last_payload, &h, channel, message, data))
    return q->last_payload;
  g_byte_array_set_size (q->payloads,
                         (guint)(off + sizeof h + h.channel_len + h.message_len + 2 + h.data_len));
  p = q->payloads->data + off;
  memcpy (p, &h, sizeof h);
  p += sizeof h;
  memcpy (p, channel ? channel : "", h.channel_len);
  p[h.channel_len] = '\0';
  p += h.channel_len + 1;
  memcpy (p, message ? message : "", h.message_len);
  p[h.message_len] = '\0';
  p += h.message_len + 1;
  if (h.data_len > 0)
    memcpy (p, data, h.data_len);
  q->last_payload = off;
  return off;
}

static void
queue_fact (QcopServer *self, Client *c, gint32 type, gboolean is_event, gboolean is_response,
            gsize payload, gint64 t_ns)
{
  TraceFact f = { t_ns, c, type, is_event, is_response, payload };

  g_array_append_val (self->trace_queue->facts, f);
}

/* client, app (@app, or the name it announced) and pid; formatted once per client and name */
static void
trace_client_fields (QcopTrace *t, Client *c, const gchar *app)
{
  if (app != NULL)
    {
      qcop_trace_add_int (t, "client", c->id);
      qcop_trace_add_str (t, "app", app);
      qcop_trace_add_int (t, "pid", c->pid);
      return;
    }
  if (c->trace_fields.len == 0)
    {
      qcop_trace_text_add_int (&c->trace_fields, "client", c->id);
      qcop_trace_text_add_str (&c->trace_fields, "app", c->app);
      qcop_trace_text_add_int (&c->trace_fields, "pid", c->pid);
    }
  qcop_trace_add_text (t, &c->trace_fields);
}

/* The members of the payload at @off, formatted once for every fact that shares it. */
static const QcopTraceText *
payload_members (TraceQueue *q, gsize off)
{
  PayloadHeader h;
  const guint8 *p;

  if (q->members_of == off)
    return &q->members;
  memcpy (&h, q->payloads->data + off, sizeof h);
  p = q->payloads->data + off + sizeof h;
  q->members.len = 0;
  qcop_trace_text_add_str (&q->members, "channel",
                           (h.flags & HAS_CHANNEL) ? (const gchar *)p : NULL);
  qcop_trace_text_add_str (&q->members, "message",
                           (h.flags & HAS_MESSAGE) ? (const gchar *)p + h.channel_len + 1 : NULL);
  if (h.flags & HAS_DATA)
    qcop_trace_text_add_hex (&q->members, "data", p + h.channel_len + h.message_len + 2,
                             h.data_len);
  q->members_of = off;
  return &q->members;
}

static void
format_fact (QcopTrace *t, TraceQueue *q, const TraceFact *f)
{
  qcop_trace_begin_at (t, f->t_ns, f->is_event ? "event" : "cmd",
                       f->is_event ? qcop_event_type_to_string (f->type)
                                   : qcop_command_type_to_string (f->type));
  trace_client_fields (t, f->client, NULL);
  if (f->payload != NO_PAYLOAD)
    qcop_trace_add_text (t, payload_members (q, f->payload));
  if (f->is_event && f->type == QCOP_EVENT_QCOP_MESSAGE)
    qcop_trace_add_bool (t, "is_response", f->is_response);
  qcop_trace_end (t);
}

void
qcop_server_trace_drain (QcopServer *self)
{
  TraceQueue *q = self->trace_queue;

  if (q == NULL || q->facts->len == 0)
    return;
  for (guint i = 0; i < q->facts->len; i++)
    format_fact (self->trace, q, &g_array_index (q->facts, TraceFact, i));
  g_array_set_size (q->facts, 0);
  if (q->payloads->len > 1024 * 1024)
    {
      /* give a burst's memory back */
      g_byte_array_unref (q->payloads);
      q->payloads = g_byte_array_new ();
    }
  g_byte_array_set_size (q->payloads, 0);
  q->last_payload = q->members_of = NO_PAYLOAD;
}

/* Begin a record that is formatted now: after the queued ones, stamped after them. Drains
 * even when nobody listens any more, so that no fact outlives its client. */
static gboolean
begin_now (QcopServer *self, const gchar *kind, const gchar *type)
{
  qcop_server_trace_drain (self);
  if (!qcop_trace_is_active (self->trace))
    return FALSE;
  qcop_trace_begin (self->trace, kind, type);
  return TRUE;
}

void
qcop_server_trace_lifecycle (Client *c, const gchar *type, const gchar *reason)
{
  QcopTrace *t = c->server->trace;

  if (!begin_now (c->server, "client", type))
    return;
  trace_client_fields (t, c, NULL);
  if (g_str_equal (type, "connect"))
    qcop_trace_add_int (t, "uid", c->uid);
  qcop_trace_add_str (t, "reason", reason);
  qcop_trace_end (t);
}

void
qcop_server_trace_command (Client *c, const QcopWireItem *item, const guint8 *data, gsize len)
{
  QcopServer *self = c->server;
  QcopTrace *t = self->trace;

  if (!qcop_trace_is_active (t))
    return;
  if (item->type == QCOP_CMD_QCOP_SEND)
    {
      gint64 now = stbsim_now_ns ();
      gsize payload = payload_put (self->trace_queue, item->channel, item->message, data, len);

      queue_fact (self, c, item->type, FALSE, FALSE, payload, now);
      return;
    }
  begin_now (self, "cmd", qcop_command_type_to_string (item->type));
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
  QcopServer *self = c->server;
  gint64 now;
  gsize payload = NO_PAYLOAD;

  if (!qcop_trace_is_active (self->trace))
    return;
  now = stbsim_now_ns ();
  if (ev->type == QCOP_EVENT_QCOP_MESSAGE)
    payload = payload_put (self->trace_queue, ev->channel, ev->message,
                           ev->data ? ev->data : (const guint8 *)"", ev->len);
  queue_fact (self, c, ev->type, TRUE, ev->is_response, payload, now);
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
  qcop_server_trace_drain (fs->server); /* a dispatch that did not call it (none should) */
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

  if (!begin_now (self, "client", "refuse"))
    return;
  qcop_trace_add_int (t, "pid", pid);
  qcop_trace_add_int (t, "uid", uid);
  qcop_trace_add_str (t, "reason", reason);
  qcop_trace_end (t);
}

void
qcop_server_trace_server (QcopServer *self, const gchar *type)
{
  QcopTrace *t = self->trace;

  if (!begin_now (self, "server", type))
    return;
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

  if (!begin_now (c->server, "client", "limit"))
    return;
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

  if (!begin_now (self, "server", "accept-paused"))
    return;
  qcop_trace_add_str (t, "reason", g_strerror (err));
  qcop_trace_add_int (t, "pause_ms", pause_ms);
  qcop_trace_add_int (t, "failures", (gint64)self->stats.accept_failures);
  qcop_trace_end (t);
}
