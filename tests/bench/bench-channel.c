/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "bench-channel"

/*
 * bench-channel: what the QCOP channel costs, measured in one run (make bench-channel).
 *
 * Two processes exchange 64-byte payloads three ways:
 *   raw    a Unix stream socket between the two, no server, frames of the sizes a QCopSend
 *          command and a QCopMessage event have (the floor: one hop instead of two);
 *   relay  the raw exchange through a bare byte relay in between (poll, read, send; no framing,
 *          no routing, no GLib): what any broker costs on this machine, the floor of the next;
 *   relay-uring  the same relay on io_uring: one system call per message instead of three;
 *   qcopd  through stb-qcopd with the QCOP client library (what the STB modules use);
 *   qcopd+trace  the same with stb-qcopd --trace (the cost of the trace);
 *   dbus   through a private dbus-daemon with GDBus (method call Echo(ay) for latency,
 *          unicast signals for the stream).
 * Each: ping-pong for latency (one-way = RTT / 2; p50, p99) and a windowed stream for
 * throughput (the receiver acks every ACK_EVERY messages, the sender keeps at most WINDOW
 * unacknowledged). Both ends of raw and qcopd run a GLib main loop with non-blocking sockets,
 * as the modules do, so the comparison isolates the server hop.
 *
 * This program is both the driver and, with --role, the far end. Prints a table, ratios and
 * PASS/MISS against the targets (report()), with the load average: the machine is shared, so
 * only ratios of one run mean something. --only PATH runs one path (for perf record).
 * Always exits 0 unless it could not measure at all.
 */

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <poll.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qcop-client.h"
#include "qcop-datastream.h"
#include "qcop-wire.h"
#include "stbsim-proc.h"

#define PAYLOAD 64
#define ACK_EVERY 2000
#define WINDOW 16000
#define WAIT_MS 20000

#define CH_PING "bench/ping"
#define CH_PONG "bench/pong"
#define CH_STREAM "bench/stream"
#define CH_ACK "bench/ack"
#define MSG_DATA "data(QByteArray)"

#define DBUS_IFACE "org.stbsim.Bench"
#define DBUS_PATH "/org/stbsim/Bench"

static gint opt_round_trips = 20000;
static gint opt_stream = 500000;
static gint opt_dbus_stream = 50000;
static gint opt_warmup = 1000;
static gchar *opt_only; /* one path only (profiling): raw, relay, relay-uring, qcopd, ... */

static gboolean
want_path (const gchar *name)
{
  return opt_only == NULL || g_str_equal (opt_only, name);
}

/* ---- statistics ---------------------------------------------------------------------------- */

typedef struct
{
  const gchar *name;
  gboolean ok;
  gchar *error;
  gdouble p50_us, p99_us, mean_us; /* one-way */
  gdouble msgs_per_s;
  guint n_rt, n_stream;
  /* CPU time (user + system) of the server process (stb-qcopd, dbus-daemon) per message
   * passed, in the latency and in the stream phase; < 0: not known */
  gdouble server_cpu_rt_us, server_cpu_stream_us;
} Result;

static gint
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return (x > y) - (x < y);
}

static void
summarise_rtts (Result *r, GArray *rtts)
{
  gdouble sum = 0;

  g_array_sort (rtts, cmp_i64);
  for (guint i = 0; i < rtts->len; i++)
    sum += g_array_index (rtts, gint64, i);
  r->n_rt = rtts->len;
  r->p50_us = g_array_index (rtts, gint64, rtts->len / 2) / 2000.0;
  r->p99_us = g_array_index (rtts, gint64, (rtts->len * 99) / 100) / 2000.0;
  r->mean_us = sum / rtts->len / 2000.0;
}

/* CPU time (user + system) @pid has used so far, in microseconds; -1 if unknown. */
static gdouble
cpu_us (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/stat", (int)pid);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) f = NULL;
  const gchar *p;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL) || !(p = strrchr (text, ')')))
    return -1;
  f = g_strsplit (p + 2, " ", 0); /* f[0] is field 3 (state): utime is field 14, stime 15 */
  if (g_strv_length (f) < 13)
    return -1;
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) * 1e6
         / (gdouble)sysconf (_SC_CLK_TCK);
}

/* ---- the driver's side of one exchange, shared by the transports --------------------------- */

typedef struct Driver Driver;

typedef struct
{
  void (*send_ping) (Driver *d, const guint8 *payload);
  void (*send_stream) (Driver *d, const guint8 *payload, guint n); /* n messages */
  void (*send_end) (Driver *d);
} TransportOps;

struct Driver
{
  const TransportOps *ops;
  gpointer transport;
  GMainLoop *loop;
  guint8 payload[PAYLOAD];
  /* latency */
  guint rt_target, rt_done, rt_warm;
  gint64 t_sent;
  GArray *rtts;
  /* stream */
  guint stream_target, stream_sent, stream_acked;
  gint64 t_stream_start, t_stream_end;
  gboolean stream_done;
  gchar *error;
};

static void
driver_fail (Driver *d, const gchar *error)
{
  if (!d->error)
    d->error = g_strdup (error);
  g_main_loop_quit (d->loop);
}

static void
driver_ping (Driver *d)
{
  d->t_sent = stbsim_now_ns ();
  d->ops->send_ping (d, d->payload);
}

/* A pong arrived. */
static void
driver_on_pong (Driver *d)
{
  gint64 rtt = stbsim_now_ns () - d->t_sent;

  d->rt_done++;
  if (d->rt_done > d->rt_warm)
    g_array_append_val (d->rtts, rtt);
  if (d->rt_done >= d->rt_target + d->rt_warm)
    {
      g_main_loop_quit (d->loop);
      return;
    }
  driver_ping (d);
}

static void
driver_fill_window (Driver *d)
{
  guint room = WINDOW - (d->stream_sent - d->stream_acked);
  guint n = MIN (room, d->stream_target - d->stream_sent);

  if (n > 0)
    {
      d->ops->send_stream (d, d->payload, n);
      d->stream_sent += n;
    }
  if (d->stream_sent == d->stream_target && n > 0)
    d->ops->send_end (d);
}

/* The receiver has seen @total stream messages. */
static void
driver_on_ack (Driver *d, guint total)
{
  d->stream_acked = MAX (d->stream_acked, total);
  driver_fill_window (d);
}

static void
driver_on_done (Driver *d, guint total)
{
  d->t_stream_end = stbsim_now_ns ();
  d->stream_done = TRUE;
  if (total != d->stream_target)
    {
      g_autofree gchar *msg
          = g_strdup_printf ("receiver counted %u of %u stream messages", total, d->stream_target);
      driver_fail (d, msg);
      return;
    }
  g_main_loop_quit (d->loop);
}

static gboolean
on_driver_deadline (gpointer data)
{
  Driver *d = data;
  g_autofree gchar *what = g_strdup_printf (
      "timed out after %d s (%u of %u round trips, %u of %u streamed, %u acknowledged)",
      WAIT_MS * 3 / 1000, d->rt_done, d->rt_target + d->rt_warm, d->stream_sent, d->stream_target,
      d->stream_acked);

  driver_fail (d, what);
  return G_SOURCE_REMOVE;
}

static void
run_loop (Driver *d)
{
  g_autoptr (GSource) deadline = g_timeout_source_new (WAIT_MS * 3);

  g_source_set_callback (deadline, on_driver_deadline, d, NULL);
  g_source_attach (deadline, NULL);
  g_main_loop_run (d->loop);
  g_source_destroy (deadline); /* also when it fired */
}

static void
driver_init (Driver *d)
{
  d->loop = g_main_loop_new (NULL, FALSE);
  d->rtts = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < PAYLOAD; i++)
    d->payload[i] = (guint8)i;
}

/* @n round trips after @warm unrecorded ones. */
static void
driver_latency (Driver *d, guint n, guint warm)
{
  d->rt_done = 0;
  d->rt_target = n;
  d->rt_warm = warm;
  driver_ping (d);
  run_loop (d);
}

/* The stream, then the figures into @r. */
static void
driver_stream (Driver *d, Result *r, guint stream_n)
{
  if (!d->error)
    {
      summarise_rtts (r, d->rtts);
      d->stream_target = stream_n;
      d->t_stream_start = stbsim_now_ns ();
      driver_fill_window (d);
      run_loop (d);
    }
  if (!d->error && d->stream_done)
    {
      r->n_stream = stream_n;
      r->msgs_per_s = stream_n / ((d->t_stream_end - d->t_stream_start) / 1e9);
      r->ok = TRUE;
    }
  else
    r->error = g_strdup (d->error ? d->error : "stream did not finish");
}

static void
driver_clear (Driver *d)
{
  g_clear_pointer (&d->rtts, g_array_unref);
  g_clear_pointer (&d->loop, g_main_loop_unref);
  g_clear_pointer (&d->error, g_free);
}

/* ---- raw: framed Unix socket, GLib main loop on both ends ----------------------------------- */

/* Frame sizes of the QCOP exchange: what the sender writes (QCopSend) and what the receiver
 * reads (QCopMessage). Byte 8 of a frame says what it is. */
static gsize raw_cmd_size, raw_event_size;

typedef struct
{
  GSocket *socket;
  GSource *in, *out;
  GByteArray *inbuf, *outbuf;
  gsize out_pos;
  gsize frame_in; /* size of frames this end reads */
  void (*on_frame) (gpointer user, guint8 kind, const guint8 *frame);
  gpointer user;
  gboolean dead;
} RawConn;

static gboolean on_raw_writable (GSocket *s, GIOCondition c, gpointer data);

static void
raw_flush (RawConn *c)
{
  while (c->out_pos < c->outbuf->len)
    {
      gssize n = g_socket_send (c->socket, (gchar *)c->outbuf->data + c->out_pos,
                                c->outbuf->len - c->out_pos, NULL, NULL);
      if (n <= 0)
        break;
      c->out_pos += (gsize)n;
    }
  if (c->out_pos == c->outbuf->len)
    {
      g_byte_array_set_size (c->outbuf, 0);
      c->out_pos = 0;
    }
}

static gboolean
on_raw_writable (GSocket *s, GIOCondition cond, gpointer data)
{
  RawConn *c = data;

  raw_flush (c);
  if (c->outbuf->len > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&c->out, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Queue @n frames of @size bytes of kind @kind; written like the QCOP client does: at once
 * when nothing is pending, else coalesced by the write source. */
static void
raw_queue (RawConn *c, guint8 kind, gsize size, guint n, guint32 value)
{
  gboolean idle = c->out == NULL && c->outbuf->len == 0;

  for (guint i = 0; i < n; i++)
    {
      guint len = c->outbuf->len;

      g_byte_array_set_size (c->outbuf, len + (guint)size);
      memset (c->outbuf->data + len, 0, size);
      c->outbuf->data[len + 8] = kind;
      memcpy (c->outbuf->data + len + 12, &value, sizeof value);
    }
  if (idle)
    raw_flush (c);
  if (!c->out && c->outbuf->len > 0)
    {
      c->out = g_socket_create_source (c->socket, G_IO_OUT, NULL);
      g_source_set_callback (c->out, G_SOURCE_FUNC (on_raw_writable), c, NULL);
      g_source_attach (c->out, NULL);
    }
}

static gboolean
on_raw_readable (GSocket *s, GIOCondition cond, gpointer data)
{
  RawConn *c = data;
  guint8 buf[65536];
  gssize n = g_socket_receive (c->socket, (gchar *)buf, sizeof buf, NULL, NULL);
  gsize pos = 0;

  if (n <= 0)
    {
      c->dead = TRUE;
      c->on_frame (c->user, 0, NULL);
      g_clear_pointer (&c->in, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_byte_array_append (c->inbuf, buf, (guint)n);
  while (c->inbuf->len - pos >= c->frame_in)
    {
      c->on_frame (c->user, c->inbuf->data[pos + 8], c->inbuf->data + pos);
      pos += c->frame_in;
    }
  g_byte_array_remove_range (c->inbuf, 0, (guint)pos);
  return G_SOURCE_CONTINUE;
}

static RawConn *
raw_conn_new (GSocket *socket, gsize frame_in, void (*on_frame) (gpointer, guint8, const guint8 *),
              gpointer user)
{
  RawConn *c = g_new0 (RawConn, 1);

  c->socket = socket;
  g_socket_set_blocking (socket, FALSE);
  c->inbuf = g_byte_array_new ();
  c->outbuf = g_byte_array_new ();
  c->frame_in = frame_in;
  c->on_frame = on_frame;
  c->user = user;
  c->in = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (c->in, G_SOURCE_FUNC (on_raw_readable), c, NULL);
  /* as the QCOP client's input source: no block/unblock (eventfd writes) per dispatch */
  g_source_set_can_recurse (c->in, TRUE);
  g_source_attach (c->in, NULL);
  return c;
}

static void
raw_conn_free (RawConn *c)
{
  if (c->in)
    g_source_destroy (c->in);
  g_clear_pointer (&c->in, g_source_unref);
  if (c->out)
    g_source_destroy (c->out);
  g_clear_pointer (&c->out, g_source_unref);
  g_byte_array_unref (c->inbuf);
  g_byte_array_unref (c->outbuf);
  g_clear_object (&c->socket);
  g_free (c);
}

/* far end */
typedef struct
{
  RawConn *conn;
  GMainLoop *loop;
  guint32 count;
} RawEcho;

static void
on_raw_echo_frame (gpointer user, guint8 kind, const guint8 *frame)
{
  RawEcho *e = user;

  switch (kind)
    {
      case 0:
        g_main_loop_quit (e->loop);
        break;
      case 'P':
        raw_queue (e->conn, 'p', raw_cmd_size, 1, 0);
        break;
      case 'S':
        if (++e->count % ACK_EVERY == 0)
          raw_queue (e->conn, 'A', raw_cmd_size, 1, e->count);
        break;
      case 'E':
        raw_queue (e->conn, 'D', raw_cmd_size, 1, e->count);
        break;
      default:
        break;
    }
}

static int
role_raw_echo (const gchar *path, gint ready_fd)
{
  g_autoptr (GSocket) listener
      = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  RawEcho echo = { NULL, loop, 0 };
  GSocket *peer;

  if (!g_socket_bind (listener, addr, TRUE, NULL) || !g_socket_listen (listener, NULL))
    return 1;
  stbsim_ready_notify (ready_fd, "READY raw");
  peer = g_socket_accept (listener, NULL, NULL);
  if (!peer)
    return 1;
  /* the echo end reads what the driver writes: command-sized frames */
  echo.conn = raw_conn_new (peer, raw_cmd_size, on_raw_echo_frame, &echo);
  g_main_loop_run (loop);
  raw_conn_free (echo.conn);
  return 0;
}

/*
 * The relays: connect to a raw echo at @echo_path, listen at @echo_path".relay" for the
 * driver, then copy bytes both ways, the least a broker process can do per message: with poll,
 * one poll, one read and one send per wake-up (what stb-qcopd does); with io_uring, one
 * io_uring_enter that submits the send and the next receive and waits (no polling thread).
 */
static gboolean
relay_connect (const gchar *echo_path, gint ready_fd, gint fds[2])
{
  g_autofree gchar *listen_path = g_strconcat (echo_path, ".relay", NULL);
  struct sockaddr_un echo_addr = { .sun_family = AF_UNIX }, listen_addr = { .sun_family = AF_UNIX };
  gint listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  fds[1] = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_strlcpy (echo_addr.sun_path, echo_path, sizeof echo_addr.sun_path);
  g_strlcpy (listen_addr.sun_path, listen_path, sizeof listen_addr.sun_path);
  if (fds[1] < 0 || listen_fd < 0
      || connect (fds[1], (struct sockaddr *)&echo_addr, sizeof echo_addr) != 0
      || bind (listen_fd, (struct sockaddr *)&listen_addr, sizeof listen_addr) != 0
      || listen (listen_fd, 1) != 0)
    {
      g_printerr ("relay: %s: %s\n", echo_path, g_strerror (errno));
      return FALSE;
    }
  stbsim_ready_notify (ready_fd, "READY relay");
  fds[0] = accept (listen_fd, NULL, NULL);
  close (listen_fd);
  return fds[0] >= 0;
}

/* Blocking sends are safe: both ends always read. */
static int
relay_pump_poll (const gint fds[2])
{
  guint8 buf[65536];

  for (;;)
    {
      struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };

      if (poll (pfd, 2, -1) < 0 && errno != EINTR)
        return 1;
      for (guint i = 0; i < 2; i++)
        if (pfd[i].revents)
          {
            gssize n = read (fds[i], buf, sizeof buf);

            if (n <= 0)
              return 0; /* one end closed: the path is torn down */
            for (gssize off = 0; off < n;)
              {
                gssize w = send (fds[1 - i], buf + off, (gsize)(n - off), MSG_NOSIGNAL);

                if (w < 0 && errno == EINTR)
                  continue;
                if (w <= 0)
                  return 1;
                off += w;
              }
          }
    }
}

#ifdef HAVE_LIBURING
#define RELAY_BUF 65536

/* One direction: a receive always armed; what it got waits in @pending while a send of
 * @inflight is outstanding (a buffer being sent is never written). */
typedef struct
{
  guint8 rx[RELAY_BUF];
  GByteArray *inflight, *pending;
  gsize sent;
} RelayDir;

enum
{
  RELAY_RECV,
  RELAY_SEND
};

static void
relay_queue (struct io_uring *ring, guint kind, guint i, gint fd, void *buf, gsize len)
{
  struct io_uring_sqe *sqe = io_uring_get_sqe (ring); /* 2 per direction at most: ring of 8 */

  if (kind == RELAY_RECV)
    io_uring_prep_recv (sqe, fd, buf, len, 0);
  else
    io_uring_prep_send (sqe, fd, buf, len, MSG_NOSIGNAL);
  io_uring_sqe_set_data64 (sqe, kind << 1 | i);
}

static void
relay_send_next (struct io_uring *ring, RelayDir *d, guint i, gint to_fd)
{
  GByteArray *t = d->inflight;

  d->inflight = d->pending;
  d->pending = t;
  g_byte_array_set_size (d->pending, 0);
  d->sent = 0;
  relay_queue (ring, RELAY_SEND, i, to_fd, d->inflight->data, d->inflight->len);
}

static int
relay_pump_uring (const gint fds[2])
{
  struct io_uring ring;
  RelayDir *dir = g_new0 (RelayDir, 2);
  int rc = -1;

  if (io_uring_queue_init (8, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN) < 0
      && io_uring_queue_init (8, &ring, 0) < 0)
    {
      g_printerr ("relay-uring: io_uring_queue_init failed\n");
      g_free (dir);
      return 1;
    }
  for (guint i = 0; i < 2; i++)
    {
      dir[i].inflight = g_byte_array_new ();
      dir[i].pending = g_byte_array_new ();
      relay_queue (&ring, RELAY_RECV, i, fds[i], dir[i].rx, RELAY_BUF);
    }
  while (rc < 0)
    {
      struct io_uring_cqe *cqe;
      unsigned head, seen = 0;
      gint ret = io_uring_submit_and_wait (&ring, 1); /* -errno */

      if (ret < 0 && ret != -EINTR)
        rc = 1;
      io_uring_for_each_cqe (&ring, head, cqe)
      {
        guint kind = (guint)(cqe->user_data >> 1), i = (guint)(cqe->user_data & 1);
        RelayDir *d = &dir[i];

        seen++;
        if (rc >= 0)
          continue;
        if (kind == RELAY_RECV)
          {
            if (cqe->res <= 0)
              {
                rc = cqe->res == 0 ? 0 : 1; /* one end closed: the path is torn down */
                continue;
              }
            g_byte_array_append (d->pending, d->rx, (guint)cqe->res);
            relay_queue (&ring, RELAY_RECV, i, fds[i], d->rx, RELAY_BUF);
            if (d->inflight->len == 0)
              relay_send_next (&ring, d, i, fds[1 - i]);
          }
        else if (cqe->res <= 0)
          rc = 1;
        else if ((d->sent += (gsize)cqe->res) < d->inflight->len)
          relay_queue (&ring, RELAY_SEND, i, fds[1 - i], d->inflight->data + d->sent,
                       d->inflight->len - d->sent);
        else if (d->pending->len > 0)
          relay_send_next (&ring, d, i, fds[1 - i]);
        else
          g_byte_array_set_size (d->inflight, 0);
      }
      io_uring_cq_advance (&ring, seen);
    }
  io_uring_queue_exit (&ring);
  for (guint i = 0; i < 2; i++)
    {
      g_byte_array_unref (dir[i].inflight);
      g_byte_array_unref (dir[i].pending);
    }
  g_free (dir);
  return rc;
}
#endif

static int
role_relay (const gchar *echo_path, gint ready_fd, gboolean uring)
{
  gint fds[2] = { -1, -1 };

  if (!relay_connect (echo_path, ready_fd, fds))
    return 1;
#ifdef HAVE_LIBURING
  if (uring)
    return relay_pump_uring (fds);
#endif
  return relay_pump_poll (fds);
}

/* driver end */
static void
raw_send_ping (Driver *d, const guint8 *payload)
{
  raw_queue (d->transport, 'P', raw_cmd_size, 1, 0);
}

static void
raw_send_stream (Driver *d, const guint8 *payload, guint n)
{
  raw_queue (d->transport, 'S', raw_cmd_size, n, 0);
}

static void
raw_send_end (Driver *d)
{
  raw_queue (d->transport, 'E', raw_cmd_size, 1, 0);
}

static const TransportOps raw_ops = { raw_send_ping, raw_send_stream, raw_send_end };

static void
on_raw_driver_frame (gpointer user, guint8 kind, const guint8 *frame)
{
  Driver *d = user;
  guint32 value = 0;

  if (frame)
    memcpy (&value, frame + 12, sizeof value);
  switch (kind)
    {
      case 0:
        driver_fail (d, "raw peer closed");
        break;
      case 'p':
        driver_on_pong (d);
        break;
      case 'A':
        driver_on_ack (d, value);
        break;
      case 'D':
        driver_on_done (d, value);
        break;
      default:
        break;
    }
}

/* ---- qcopd --------------------------------------------------------------------------------- */

static guint32
read_u32_data (GBytes *data)
{
  guint32 v = 0;

  if (g_bytes_get_size (data) >= 4)
    memcpy (&v, g_bytes_get_data (data, NULL), 4);
  return v;
}

typedef struct
{
  QcopClient *client;
  GMainLoop *loop;
  guint32 count;
} QcopEcho;

static void
on_qcop_echo_message (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
                      gpointer user)
{
  QcopEcho *e = user;
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);

  if (g_str_equal (channel, CH_PING))
    {
      qcop_client_send (client, CH_PONG, MSG_DATA, p, len, NULL);
      return;
    }
  if (message[0] == 'd')
    {
      if (++e->count % ACK_EVERY == 0)
        qcop_client_send (client, CH_ACK, "ack(uint)", (guint8 *)&e->count, 4, NULL);
      return;
    }
  qcop_client_send (client, CH_ACK, "done(uint)", (guint8 *)&e->count, 4, NULL); /* end() */
}

static void
on_qcop_echo_disconnected (QcopClient *client, const GError *error, gpointer user)
{
  g_main_loop_quit (((QcopEcho *)user)->loop);
}

static int
role_qcop_echo (const gchar *socket_path, gint ready_fd)
{
  g_autoptr (QcopClient) client = qcop_client_new (socket_path, "bench-echo");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  QcopEcho echo = { client, loop, 0 };
  gboolean known;

  if (!qcop_client_connect_sync (client, WAIT_MS, &error))
    {
      g_printerr ("bench echo: %s\n", error->message);
      return 1;
    }
  qcop_client_register (client, CH_PING, on_qcop_echo_message, &echo, NULL);
  qcop_client_register (client, CH_STREAM, on_qcop_echo_message, &echo, NULL);
  if (!qcop_client_is_registered_sync (client, CH_STREAM, WAIT_MS, &known, &error))
    return 1;
  g_signal_connect (client, "disconnected", G_CALLBACK (on_qcop_echo_disconnected), &echo);
  stbsim_ready_notify (ready_fd, "READY qcop");
  g_main_loop_run (loop);
  return 0;
}

static void
qcop_send_ping (Driver *d, const guint8 *payload)
{
  qcop_client_send (d->transport, CH_PING, MSG_DATA, payload, PAYLOAD, NULL);
}

static void
qcop_send_stream (Driver *d, const guint8 *payload, guint n)
{
  for (guint i = 0; i < n; i++)
    qcop_client_send (d->transport, CH_STREAM, MSG_DATA, payload, PAYLOAD, NULL);
}

static void
qcop_send_end (Driver *d)
{
  qcop_client_send (d->transport, CH_STREAM, "end()", NULL, 0, NULL);
}

static const TransportOps qcop_ops = { qcop_send_ping, qcop_send_stream, qcop_send_end };

static void
on_qcop_driver_message (QcopClient *client, const gchar *channel, const gchar *message,
                        GBytes *data, gpointer user)
{
  Driver *d = user;

  if (g_str_equal (channel, CH_PONG))
    driver_on_pong (d);
  else if (message[0] == 'a')
    driver_on_ack (d, read_u32_data (data));
  else
    driver_on_done (d, read_u32_data (data));
}

static void
on_qcop_driver_disconnected (QcopClient *client, const GError *error, gpointer user)
{
  driver_fail (user, error ? error->message : "disconnected");
}

/* ---- dbus ---------------------------------------------------------------------------------- */

static const gchar dbus_xml[]
    = "<node><interface name='" DBUS_IFACE "'>"
      "<method name='Echo'><arg type='ay' direction='in'/><arg type='ay' direction='out'/></method>"
      "<signal name='Stream'><arg type='ay'/></signal>"
      "<signal name='End'/>"
      "<signal name='Ack'><arg type='u'/></signal>"
      "<signal name='Done'><arg type='u'/></signal>"
      "</interface></node>";

typedef struct
{
  GDBusConnection *conn;
  GMainLoop *loop;
  guint32 count;
} DbusEcho;

static void
on_dbus_method (GDBusConnection *conn, const gchar *sender, const gchar *path, const gchar *iface,
                const gchar *method, GVariant *params, GDBusMethodInvocation *invocation,
                gpointer user)
{
  g_dbus_method_invocation_return_value (invocation, params); /* (ay) -> (ay) */
}

static void
on_dbus_echo_signal (GDBusConnection *conn, const gchar *sender, const gchar *path,
                     const gchar *iface, const gchar *signal, GVariant *params, gpointer user)
{
  DbusEcho *e = user;

  if (signal[0] == 'S')
    {
      if (++e->count % ACK_EVERY == 0)
        g_dbus_connection_emit_signal (conn, sender, DBUS_PATH, DBUS_IFACE, "Ack",
                                       g_variant_new ("(u)", e->count), NULL);
      return;
    }
  g_dbus_connection_emit_signal (conn, sender, DBUS_PATH, DBUS_IFACE, "Done",
                                 g_variant_new ("(u)", e->count), NULL);
}

static void
on_dbus_closed (GDBusConnection *conn, gboolean remote, GError *error, gpointer user)
{
  g_main_loop_quit (((DbusEcho *)user)->loop);
}

static int
role_dbus_echo (const gchar *address, gint ready_fd)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (dbus_xml, NULL);
  GDBusInterfaceVTable vtable = { on_dbus_method, NULL, NULL };
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gchar *ready = NULL;
  DbusEcho echo = { NULL, loop, 0 };

  echo.conn = g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  if (!echo.conn)
    {
      g_printerr ("bench dbus echo: %s\n", error->message);
      return 1;
    }
  g_dbus_connection_set_exit_on_close (echo.conn, FALSE);
  g_dbus_connection_register_object (echo.conn, DBUS_PATH, info->interfaces[0], &vtable, &echo,
                                     NULL, &error);
  g_dbus_connection_signal_subscribe (echo.conn, NULL, DBUS_IFACE, NULL, DBUS_PATH, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_dbus_echo_signal, &echo, NULL);
  g_signal_connect (echo.conn, "closed", G_CALLBACK (on_dbus_closed), &echo);
  /* The subscription's AddMatch reaches the bus before any later message of ours. */
  g_dbus_connection_flush_sync (echo.conn, NULL, NULL);
  {
    g_autoptr (GVariant) r = g_dbus_connection_call_sync (
        echo.conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
        NULL, NULL, G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, NULL);
  }
  ready = g_strdup_printf ("READY name=%s", g_dbus_connection_get_unique_name (echo.conn));
  stbsim_ready_notify (ready_fd, ready);
  g_main_loop_run (loop);
  g_object_unref (echo.conn);
  return 0;
}

typedef struct
{
  GDBusConnection *conn;
  gchar *peer;
} DbusDriver;

static void
on_dbus_echo_reply (GObject *source, GAsyncResult *res, gpointer user)
{
  Driver *d = user;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);

  if (!reply)
    {
      driver_fail (d, error->message);
      return;
    }
  driver_on_pong (d);
}

static void
dbus_send_ping (Driver *d, const guint8 *payload)
{
  DbusDriver *t = d->transport;

  g_dbus_connection_call (
      t->conn, t->peer, DBUS_PATH, DBUS_IFACE, "Echo",
      g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload, PAYLOAD, 1)),
      G_VARIANT_TYPE ("(ay)"), G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, on_dbus_echo_reply, d);
}

static void
dbus_send_stream (Driver *d, const guint8 *payload, guint n)
{
  DbusDriver *t = d->transport;

  for (guint i = 0; i < n; i++)
    g_dbus_connection_emit_signal (
        t->conn, t->peer, DBUS_PATH, DBUS_IFACE, "Stream",
        g_variant_new ("(@ay)",
                       g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload, PAYLOAD, 1)),
        NULL);
}

static void
dbus_send_end (Driver *d)
{
  DbusDriver *t = d->transport;

  g_dbus_connection_emit_signal (t->conn, t->peer, DBUS_PATH, DBUS_IFACE, "End", NULL, NULL);
}

static const TransportOps dbus_ops = { dbus_send_ping, dbus_send_stream, dbus_send_end };

static void
on_dbus_driver_signal (GDBusConnection *conn, const gchar *sender, const gchar *path,
                       const gchar *iface, const gchar *signal, GVariant *params, gpointer user)
{
  guint32 total = 0;

  g_variant_get (params, "(u)", &total);
  if (signal[0] == 'A')
    driver_on_ack (user, total);
  else
    driver_on_done (user, total);
}

/* ---- orchestration ------------------------------------------------------------------------- */

static gchar *self_exe;
static gchar *work_dir;

static StbsimProc *
spawn_role (const gchar *role, const gchar *arg, gchar **ready, GError **error)
{
  const gchar *argv[] = { self_exe, "--role", role, "--arg", arg, NULL };
  static guint n_spawned;
  g_autofree gchar *log = g_strdup_printf ("%s/%s.%u.log", work_dir, role, n_spawned++);
  StbsimProcOptions opts = { .name = role, .log_path = log, .ready_fd = TRUE };
  StbsimProc *proc = stbsim_proc_spawn (argv, &opts, error);

  if (!proc)
    return NULL;
  *ready = stbsim_proc_wait_ready (proc, WAIT_MS, error);
  if (!*ready)
    {
      stbsim_proc_free (proc);
      return NULL;
    }
  return proc;
}

static void
child_death_signal (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Private dbus-daemon: started with a temp config, stopped by PID. */
static gchar *
start_dbus_daemon (GPid *pid, GError **error)
{
  g_autofree gchar *conf = g_build_filename (work_dir, "bus.conf", NULL);
  g_autofree gchar *text = g_strdup_printf (
      "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
      "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
      "<busconfig><type>session</type><listen>unix:dir=%s</listen><auth>EXTERNAL</auth>"
      "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
      "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
      work_dir);
  g_autofree gchar *arg_conf = g_strdup_printf ("--config-file=%s", conf);
  const gchar *argv[] = { "dbus-daemon", arg_conf, "--print-address", "--nofork", NULL };
  gint out_fd = -1;
  GString *line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000LL;

  if (!g_file_set_contents (conf, text, -1, error))
    return NULL;
  if (!g_spawn_async_with_pipes (NULL, (gchar **)argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                     | G_SPAWN_STDERR_TO_DEV_NULL,
                                 child_death_signal, NULL, pid, NULL, &out_fd, NULL, error))
    return NULL;
  while (!strchr (line->str, '\n') && g_get_monotonic_time () < deadline)
    {
      GPollFD pfd = { out_fd, G_IO_IN | G_IO_HUP, 0 };
      gchar buf[256];
      gssize n;

      if (g_poll (&pfd, 1, 100) <= 0)
        continue;
      n = read (out_fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (line, buf, n);
    }
  close (out_fd);
  if (!strchr (line->str, '\n'))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "dbus-daemon printed no address");
      kill (*pid, SIGKILL);
      waitpid (*pid, NULL, 0);
      g_string_free (line, TRUE);
      return NULL;
    }
  *strchr (line->str, '\n') = '\0';
  return g_string_free (line, FALSE);
}

static void
stop_pid (GPid pid)
{
  gint64 until = g_get_monotonic_time () + 2000000;

  kill (pid, SIGTERM);
  while (waitpid (pid, NULL, WNOHANG) == 0)
    {
      if (g_get_monotonic_time () > until)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          return;
        }
      g_usleep (10000);
    }
}

/* One path under test: its far end and transport, set up before and stopped after all the
 * measurements, so that latency can be measured in interleaved rounds. */
typedef struct
{
  Result r;
  Driver d;
  guint stream_n;
  gboolean up;
  StbsimProc *server, *echo;
  QcopClient *client;
  DbusDriver dbus;
  GPid dbus_pid;
} Path;

static gboolean
path_fail (Path *p, GError *error)
{
  p->r.error = g_strdup (error ? error->message : "?");
  return FALSE;
}

/* The raw exchange, directly (@relay_role NULL) or through a bare relay ("relay",
 * "relay-uring"). */
static gboolean
setup_raw (Path *p, const gchar *relay_role)
{
  g_autofree gchar *echo_sock = g_strdup_printf ("%s-echo.sock", relay_role ? relay_role : "raw");
  g_autofree gchar *path = g_build_filename (work_dir, echo_sock, NULL);
  g_autofree gchar *relay_path = g_strconcat (path, ".relay", NULL);
  g_autofree gchar *ready = NULL, *ready2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (relay_role ? relay_path : path);
  GSocket *socket;

  p->d.ops = &raw_ops;
  p->stream_n = (guint)opt_stream;
#ifndef HAVE_LIBURING
  if (g_strcmp0 (relay_role, "relay-uring") == 0)
    {
      p->r.error = g_strdup ("not built: liburing-dev was missing when bench-channel was built");
      return FALSE;
    }
#endif
  p->echo = spawn_role ("raw-echo", path, &ready, &error);
  if (!p->echo)
    return path_fail (p, error);
  if (relay_role && !(p->server = spawn_role (relay_role, path, &ready2, &error)))
    return path_fail (p, error);
  socket
      = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (!g_socket_connect (socket, addr, NULL, &error))
    {
      g_object_unref (socket);
      return path_fail (p, error);
    }
  /* the echo writes command-sized frames too (it is also a sender): both directions use
   * raw_cmd_size */
  p->d.transport = raw_conn_new (socket, raw_cmd_size, on_raw_driver_frame, &p->d);
  return TRUE;
}

static void
teardown_raw (Path *p)
{
  g_clear_pointer (&p->d.transport, raw_conn_free);
  g_clear_pointer (&p->server, stbsim_proc_free);
  g_clear_pointer (&p->echo, stbsim_proc_free);
}

static gboolean
setup_qcopd (Path *p, gboolean trace)
{
  g_autofree gchar *sock = g_build_filename (work_dir, trace ? "qcop-t.sock" : "qcop.sock", NULL);
  g_autofree gchar *trace_path = g_build_filename (work_dir, "trace.jsonl", NULL);
  g_autofree gchar *server_exe
      = g_build_filename (g_getenv ("STBSIM_BUILD_ROOT"), "sim/qcop/stb-qcopd", NULL);
  g_autofree gchar *log
      = g_build_filename (work_dir, trace ? "stb-qcopd-t.log" : "stb-qcopd.log", NULL);
  const gchar *argv_trace[] = { server_exe, "--socket", sock, "--trace", trace_path, NULL };
  const gchar *argv_plain[] = { server_exe, "--socket", sock, NULL };
  StbsimProcOptions opts = { .name = "stb-qcopd", .log_path = log, .ready_fd = TRUE };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ready = NULL, *ready2 = NULL;
  gboolean known;

  p->d.ops = &qcop_ops;
  /* with a trace the server writes two JSON lines per message: stream fewer */
  p->stream_n = (guint)(trace ? opt_stream / 5 : opt_stream);
  p->server = stbsim_proc_spawn (trace ? argv_trace : argv_plain, &opts, &error);
  if (p->server)
    ready = stbsim_proc_wait_ready (p->server, WAIT_MS, &error);
  if (ready)
    p->echo = spawn_role ("qcop-echo", sock, &ready2, &error);
  if (!p->echo)
    return path_fail (p, error);
  p->client = qcop_client_new (sock, "bench-driver");
  if (!qcop_client_connect_sync (p->client, WAIT_MS, &error))
    return path_fail (p, error);
  qcop_client_register (p->client, CH_PONG, on_qcop_driver_message, &p->d, NULL);
  qcop_client_register (p->client, CH_ACK, on_qcop_driver_message, &p->d, NULL);
  if (!qcop_client_is_registered_sync (p->client, CH_ACK, WAIT_MS, &known, &error))
    return path_fail (p, error);
  g_signal_connect (p->client, "disconnected", G_CALLBACK (on_qcop_driver_disconnected), &p->d);
  p->d.transport = p->client;
  return TRUE;
}

static void
teardown_qcopd (Path *p)
{
  if (p->client)
    {
      g_signal_handlers_disconnect_by_data (p->client, &p->d);
      qcop_client_disconnect (p->client);
      g_clear_object (&p->client);
    }
  if (p->echo)
    stbsim_proc_stop (p->echo, 2000);
  if (p->server)
    stbsim_proc_stop (p->server, 5000);
  g_clear_pointer (&p->echo, stbsim_proc_free);
  g_clear_pointer (&p->server, stbsim_proc_free);
}

static gboolean
setup_dbus (Path *p)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *ready = NULL;
  DbusDriver *t = &p->dbus;

  p->d.ops = &dbus_ops;
  p->d.transport = t;
  p->stream_n = (guint)opt_dbus_stream;
  address = start_dbus_daemon (&p->dbus_pid, &error);
  if (address)
    p->echo = spawn_role ("dbus-echo", address, &ready, &error);
  if (p->echo)
    t->conn = g_dbus_connection_new_for_address_sync (
        address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
            | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, NULL, &error);
  if (!t->conn)
    return path_fail (p, error);
  g_dbus_connection_set_exit_on_close (t->conn, FALSE);
  t->peer = g_strdup (ready + strlen ("READY name="));
  g_dbus_connection_signal_subscribe (t->conn, t->peer, DBUS_IFACE, NULL, DBUS_PATH, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_dbus_driver_signal, &p->d, NULL);
  g_dbus_connection_flush_sync (t->conn, NULL, NULL);
  return TRUE;
}

static void
teardown_dbus (Path *p)
{
  if (p->dbus.conn)
    {
      g_dbus_connection_close_sync (p->dbus.conn, NULL, NULL);
      g_clear_object (&p->dbus.conn);
    }
  g_clear_pointer (&p->dbus.peer, g_free);
  if (p->echo)
    stbsim_proc_stop (p->echo, 2000);
  g_clear_pointer (&p->echo, stbsim_proc_free);
  if (p->dbus_pid)
    stop_pid (p->dbus_pid);
  p->dbus_pid = 0;
}

/* The process in the middle (none for raw; the relay for relay). */
static GPid
path_server_pid (Path *p)
{
  if (!p->up)
    return 0;
  return p->server ? stbsim_proc_get_pid (p->server) : p->dbus_pid;
}

enum
{
  PATH_RAW,
  PATH_RELAY,
  PATH_RELAY_URING,
  PATH_QCOPD,
  PATH_QCOPD_TRACE,
  PATH_DBUS,
  N_PATHS
};

static const gchar *const path_names[N_PATHS]
    = { "raw", "relay", "relay-uring", "qcopd", "qcopd+trace", "dbus" };

#define LATENCY_ROUNDS 40

/*
 * Every path is set up first; then latency is measured in LATENCY_ROUNDS rounds, each path in
 * turn (round-robin), so a change in the machine's load during the run hits all of them alike
 * and their ratios stay meaningful; then each path streams; then all are stopped. Rounds are
 * short (40 of 500 round trips by default): two identical stb-qcopd paths measured this way
 * differ by at most 4 % at p50, with 10 rounds of 2000 by up to 12 %.
 */
static void
bench_paths (Path *paths)
{
  guint per_round = MAX (1u, (guint)opt_round_trips / LATENCY_ROUNDS);
  guint warm = (guint)opt_warmup / LATENCY_ROUNDS;

  for (guint i = 0; i < N_PATHS; i++)
    {
      Path *p = &paths[i];

      p->r.name = path_names[i];
      if (!want_path (path_names[i]))
        {
          p->r.name = NULL;
          continue;
        }
      p->up = i == PATH_RAW           ? setup_raw (p, NULL)
              : i == PATH_RELAY       ? setup_raw (p, "relay")
              : i == PATH_RELAY_URING ? setup_raw (p, "relay-uring")
              : i == PATH_QCOPD       ? setup_qcopd (p, FALSE)
              : i == PATH_QCOPD_TRACE ? setup_qcopd (p, TRUE)
                                      : setup_dbus (p);
      if (p->up)
        driver_init (&p->d);
    }
  gdouble cpu[N_PATHS];

  for (guint i = 0; i < N_PATHS; i++)
    cpu[i] = cpu_us (path_server_pid (&paths[i]));
  for (guint round = 0; round < LATENCY_ROUNDS; round++)
    for (guint k = 0; k < N_PATHS; k++)
      {
        /* each round starts with another path, every other round in reverse order: a path's
         * place in the round (what ran just before it, where the scheduler left the
         * processes) biased its latency by up to 16 % when the order was fixed (two identical
         * stb-qcopd paths, measured one after the other in every round, differed by that) */
        guint step = round / 2 % N_PATHS + k;
        guint i = round % 2 == 0 ? step % N_PATHS : (N_PATHS - 1) - step % N_PATHS;

        if (paths[i].up && !paths[i].d.error)
          driver_latency (&paths[i].d, per_round, round == 0 ? (guint)opt_warmup : warm);
      }
  for (guint i = 0; i < N_PATHS; i++)
    {
      Path *p = &paths[i];
      gdouble now = cpu_us (path_server_pid (p));

      /* two messages per round trip, warm-up included */
      p->r.server_cpu_rt_us
          = cpu[i] < 0 || now < 0
                ? -1
                : (now - cpu[i])
                      / (2.0
                         * (per_round * LATENCY_ROUNDS + opt_warmup + warm * (LATENCY_ROUNDS - 1)));
      cpu[i] = now;
    }
  for (guint i = 0; i < N_PATHS; i++)
    if (paths[i].up)
      {
        Path *p = &paths[i];
        gdouble now;

        driver_stream (&p->d, &p->r, p->stream_n);
        now = cpu_us (path_server_pid (p));
        p->r.server_cpu_stream_us = cpu[i] < 0 || now < 0 ? -1 : (now - cpu[i]) / p->stream_n;
      }
  for (guint i = 0; i < N_PATHS; i++)
    {
      if (paths[i].up)
        driver_clear (&paths[i].d);
      if (i == PATH_RAW || i == PATH_RELAY || i == PATH_RELAY_URING)
        teardown_raw (&paths[i]);
      else if (i == PATH_DBUS)
        teardown_dbus (&paths[i]);
      else
        teardown_qcopd (&paths[i]);
    }
}

/* ---- report -------------------------------------------------------------------------------- */

static void
print_row (const Result *r)
{
  if (r->name == NULL)
    return; /* not run (--only) */
  if (!r->ok)
    {
      printf ("  %-12s  ERROR: %s\n", r->name, r->error ? r->error : "?");
      return;
    }
  printf ("  %-12s %9.1f %9.1f %9.1f %12.0f", r->name, r->p50_us, r->p99_us, r->mean_us,
          r->msgs_per_s);
  if (r->server_cpu_rt_us > 0 && r->server_cpu_stream_us >= 0)
    printf (" %9.2f %9.2f", r->server_cpu_rt_us, r->server_cpu_stream_us);
  else
    printf (" %9s %9s", "-", "-");
  printf ("   (%u round trips, %u streamed)\n", r->n_rt, r->n_stream);
}

static void
print_target (const gchar *what, gboolean have, gdouble value, const gchar *op, gdouble target,
              gboolean pass)
{
  if (!have)
    printf ("  %-44s   n/a            target %s %g   MISS (not measured)\n", what, op, target);
  else
    printf ("  %-44s %12.2f        target %s %g   %s\n", what, value, op, target,
            pass ? "PASS" : "MISS");
}

/* The targets (issue 15), as ratios of figures measured in this run. */
#define TARGET_VS_RAW 2.5       /* qcopd p50 <= 2.5 x raw p50 */
#define TARGET_VS_DBUS 3.5      /* dbus p50 >= 3.5 x qcopd p50 */
#define TARGET_STREAM 1000000.0 /* qcopd streamed msg/s */
#define TARGET_TRACE_COST 0.10  /* qcopd+trace p50 <= 1.10 x qcopd p50 */
/* Not from issue 15: the server's own cost, stb-qcopd's CPU time per message in the ping-pong
 * at most 1.25x the bare relay's (measured 1.06-1.20). The relay pays the machine's cost of a
 * broker (wake-ups, system calls) too, so this ratio leaves out most of what the machine adds
 * (measured on this VM class only). CPU time, not latency: work the server does after it has
 * sent (an empty loop iteration) is off the latency path. Without the can-recurse input
 * source (GLib's block/unblock per dispatch: two eventfd writes, a poll and a read more per
 * message) it measured 1.31-1.47, latency 0.96-1.12x the relay's either way. */
#define TARGET_CPU_VS_RELAY 1.25

static void
report (const Result *raw, const Result *relay, const Result *relay_uring, const Result *qcop,
        const Result *qcop_trace, const Result *dbus)
{
  gboolean rq = raw->ok && qcop->ok, dq = dbus->ok && qcop->ok, tq = qcop_trace->ok && qcop->ok;
  gdouble r1 = rq ? qcop->p50_us / raw->p50_us : 0, r2 = dq ? dbus->p50_us / qcop->p50_us : 0;
  gdouble r3 = tq ? qcop_trace->p50_us / qcop->p50_us - 1.0 : 0;
  gboolean lq = relay->ok && qcop->ok && relay->server_cpu_rt_us > 0 && qcop->server_cpu_rt_us > 0;
  gdouble r4 = lq ? qcop->server_cpu_rt_us / relay->server_cpu_rt_us : 0;
  g_autofree gchar *load = NULL;

  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  printf ("\nbench-channel: %d-byte payloads, one-way latency = RTT/2, %d warm-up round trips, "
          "then %d rounds in which each path takes its turn\n",
          PAYLOAD, opt_warmup, LATENCY_ROUNDS);
  printf ("  %-12s %9s %9s %9s %12s %19s\n", "", "", "", "", "", "server CPU us/msg");
  printf ("  %-12s %9s %9s %9s %12s %9s %9s\n", "path", "p50 us", "p99 us", "mean us", "msg/s",
          "ping-pong", "stream");
  print_row (raw);
  print_row (relay);
  print_row (relay_uring);
  print_row (qcop);
  print_row (qcop_trace);
  print_row (dbus);
  printf ("\ntargets (ratios of this run; load average %s):\n",
          load ? g_strstrip (load) : "unknown");
  print_target ("qcopd p50 / raw p50", rq, r1, "<=", TARGET_VS_RAW, r1 <= TARGET_VS_RAW);
  print_target ("dbus p50 / qcopd p50", dq, r2, ">=", TARGET_VS_DBUS, r2 >= TARGET_VS_DBUS);
  print_target ("qcopd streamed (msg/s)", qcop->ok, qcop->msgs_per_s, ">=", TARGET_STREAM,
                qcop->msgs_per_s >= TARGET_STREAM);
  print_target ("--trace latency cost (trace p50 / p50 - 1)", tq, r3, "<=", TARGET_TRACE_COST,
                r3 <= TARGET_TRACE_COST);
  print_target ("qcopd CPU/msg / bare relay's (own cost)", lq, r4, "<=", TARGET_CPU_VS_RELAY,
                r4 <= TARGET_CPU_VS_RELAY);
  if (relay->ok && raw->ok && qcop->ok)
    printf ("  (the bare relay: p50 %.1f us = %.2fx raw, the floor of any broker process here;"
            " stb-qcopd = %.2fx it)\n",
            relay->p50_us, relay->p50_us / raw->p50_us, qcop->p50_us / relay->p50_us);
  if (relay_uring->ok && raw->ok && qcop->ok)
    printf ("  (the relay on io_uring, one system call per message: p50 %.1f us = %.2fx raw;"
            " stb-qcopd = %.2fx it)\n",
            relay_uring->p50_us, relay_uring->p50_us / raw->p50_us,
            qcop->p50_us / relay_uring->p50_us);
  if (qcop_trace->ok)
    printf ("  (with --trace: p50 %.1f us = %.2fx raw, %.0f msg/s streamed)\n", qcop_trace->p50_us,
            raw->ok ? qcop_trace->p50_us / raw->p50_us : 0, qcop_trace->msgs_per_s);
  fflush (stdout);
}

/* ---- scale: many clients, many channels (blocking raw clients against a real stb-qcopd) ----- */

static gint opt_scale_clients = 1000;
static gint opt_scale_channels = 100000;

typedef struct
{
  gint fd;
  GByteArray *in;
} ScaleConn;

static gint
scale_connect (const gchar *sock)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gint fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = { WAIT_MS / 1000, 0 };

  g_strlcpy (addr.sun_path, sock, sizeof addr.sun_path);
  if (fd < 0 || connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv); /* every read is bounded */
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

static gboolean
scale_send (gint fd, const GByteArray *b)
{
  for (gsize off = 0; off < b->len;)
    {
      gssize n = send (fd, b->data + off, b->len - off, MSG_NOSIGNAL);

      if (n <= 0)
        return FALSE;
      off += (gsize)n;
    }
  return TRUE;
}

/* Read (bounded by SO_RCVTIMEO) until a QCopMessage with @message arrives. */
static gboolean
scale_wait_message (ScaleConn *c, const gchar *message)
{
  for (;;)
    {
      guint8 buf[65536];
      gssize n;

      for (;;)
        {
          QcopWireItem item = { 0 };
          gssize r = qcop_wire_decode_event (c->in->data, c->in->len, &item, NULL);
          gboolean hit;

          if (r < 0)
            return FALSE;
          if (r == 0)
            break;
          hit = item.type == QCOP_EVENT_QCOP_MESSAGE && g_str_equal (item.message, message);
          g_byte_array_remove_range (c->in, 0, (guint)r);
          qcop_wire_item_clear (&item);
          if (hit)
            return TRUE;
        }
      n = recv (c->fd, buf, sizeof buf, 0);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (c->in, buf, (guint)n);
    }
}

/* isRegistered(@channel) round trip on @c: TRUE with *@known when the answer came. Commands
 * of one client are handled in order, so the answer also says all before it were. */
static gboolean
scale_is_registered (ScaleConn *c, const gchar *channel, gboolean *known)
{
  g_autoptr (GByteArray) arg = g_byte_array_new ();
  g_autoptr (GByteArray) cmd = g_byte_array_new ();

  qcop_ds_write_string (arg, channel);
  qcop_wire_encode_send (cmd, "", "isRegistered()", arg->data, arg->len, NULL);
  if (!scale_send (c->fd, cmd))
    return FALSE;
  for (;;)
    {
      guint8 buf[65536];
      gssize n;

      for (;;)
        {
          QcopWireItem item = { 0 };
          gssize r = qcop_wire_decode_event (c->in->data, c->in->len, &item, NULL);
          gboolean answer;

          if (r <= 0)
            {
              if (r < 0)
                return FALSE;
              break;
            }
          answer = item.type == QCOP_EVENT_QCOP_MESSAGE && item.channel[0] == '\0';
          if (answer)
            *known = g_str_equal (item.message, "known");
          g_byte_array_remove_range (c->in, 0, (guint)r);
          qcop_wire_item_clear (&item);
          if (answer)
            return TRUE;
        }
      n = recv (c->fd, buf, sizeof buf, 0);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (c->in, buf, (guint)n);
    }
}

/* Poll (bounded) until @channel is (un)registered as @want. */
static gboolean
scale_wait_registered (ScaleConn *probe, const gchar *channel, gboolean want)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gboolean known = !want;

  while (g_get_monotonic_time () < deadline)
    if (!scale_is_registered (probe, channel, &known) || known == want)
      break;
  return known == want;
}

static gint64
rss_kib (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (int)pid);
  g_autofree gchar *text = NULL;
  const gchar *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(p = strstr (text, "VmRSS:")))
    return -1;
  return g_ascii_strtoll (p + 6, NULL, 10);
}

static gdouble
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static void
scale_conn_close (ScaleConn *c)
{
  if (c->fd >= 0)
    close (c->fd);
  c->fd = -1;
  g_clear_pointer (&c->in, g_byte_array_unref);
}

/* @n clients connect and each registers "scale/<i>" and "scale/all"; one message on
 * "scale/all" fans out to all; then all close. */
static gboolean
bench_scale_clients (const gchar *sock, GPid server_pid, ScaleConn *probe, gint n)
{
  g_autofree ScaleConn *c = g_new0 (ScaleConn, n);
  g_autoptr (GByteArray) cmd = g_byte_array_new ();
  gint64 rss0 = rss_kib (server_pid), t0 = g_get_monotonic_time ();
  gdouble t_reg, t_fan, t_down;
  gboolean ok = TRUE, known = FALSE;
  gint i;

  for (i = 0; i < n && ok; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("scale/%d", i);

      g_byte_array_set_size (cmd, 0);
      qcop_wire_encode_identify (cmd, "bench-scale", -1, NULL);
      qcop_wire_encode_register_channel (cmd, name, NULL);
      qcop_wire_encode_register_channel (cmd, "scale/all", NULL);
      c[i].in = g_byte_array_new ();
      c[i].fd = scale_connect (sock);
      ok = c[i].fd >= 0 && scale_send (c[i].fd, cmd);
    }
  /* the last client's round trip: every client is accepted and registered */
  ok = ok && scale_is_registered (&c[n - 1], "scale/0", &known) && known;
  t_reg = ms_since (t0);
  printf ("  %d clients: connect + Identify + 2 registrations each: %.1f ms; server RSS "
          "%" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " KiB\n",
          n, t_reg, rss0, rss_kib (server_pid));
  g_byte_array_set_size (cmd, 0);
  qcop_wire_encode_send (cmd, "scale/all", "ping()", NULL, 0, NULL);
  t0 = g_get_monotonic_time ();
  ok = ok && scale_send (probe->fd, cmd);
  for (i = 0; i < n && ok; i++)
    ok = scale_wait_message (&c[i], "ping()");
  t_fan = ms_since (t0);
  printf ("  one message to %d listeners: all received in %.1f ms\n", n, t_fan);
  t0 = g_get_monotonic_time ();
  for (i = 0; i < n; i++)
    scale_conn_close (&c[i]);
  ok = ok && scale_wait_registered (probe, "scale/all", FALSE);
  t_down = ms_since (t0);
  printf ("  %d clients close: all detached in %.1f ms; server RSS %" G_GINT64_FORMAT " KiB\n", n,
          t_down, rss_kib (server_pid));
  return ok;
}

/* One client registers @n channels (10 % of them wildcards), then closes. */
static gboolean
bench_scale_channels (const gchar *sock, GPid server_pid, ScaleConn *probe, gint n)
{
  g_autoptr (GByteArray) cmd = g_byte_array_new ();
  ScaleConn c = { scale_connect (sock), g_byte_array_new () };
  g_autofree gchar *last = g_strdup_printf ("many/%d", n - 1);
  gint64 rss0 = rss_kib (server_pid), t0;
  gboolean ok = c.fd >= 0, known = FALSE;
  gdouble t_reg, t_down;

  for (gint i = 0; i < n; i++)
    {
      g_autofree gchar *name = g_strdup_printf (i % 10 == 5 ? "wild/%d/*" : "many/%d", i);
      qcop_wire_encode_register_channel (cmd, name, NULL);
    }
  t0 = g_get_monotonic_time ();
  ok = ok && scale_send (c.fd, cmd) && scale_is_registered (&c, last, &known) && known;
  t_reg = ms_since (t0);
  printf ("  %d channels on one client: registered in %.1f ms; server RSS %" G_GINT64_FORMAT
          " -> %" G_GINT64_FORMAT " KiB\n",
          n, t_reg, rss0, rss_kib (server_pid));
  t0 = g_get_monotonic_time ();
  scale_conn_close (&c);
  ok = ok && scale_wait_registered (probe, last, FALSE);
  t_down = ms_since (t0);
  printf ("  that client closes: %d channels detached in %.1f ms; server RSS %" G_GINT64_FORMAT
          " KiB\n",
          n, t_down, rss_kib (server_pid));
  return ok;
}

static void
bench_scale (void)
{
  g_autofree gchar *sock = g_build_filename (work_dir, "scale.sock", NULL);
  g_autofree gchar *server_exe
      = g_build_filename (g_getenv ("STBSIM_BUILD_ROOT"), "sim/qcop/stb-qcopd", NULL);
  g_autofree gchar *log = g_build_filename (work_dir, "stb-qcopd-scale.log", NULL);
  g_autofree gchar *max = g_strdup_printf ("%d", MAX (opt_scale_channels, 4096));
  const gchar *argv[] = { server_exe, "--socket", sock, "--max-channels", max, NULL };
  StbsimProcOptions opts = { .name = "stb-qcopd", .log_path = log, .ready_fd = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (StbsimProc) server = stbsim_proc_spawn (argv, &opts, &error);
  g_autofree gchar *ready = server ? stbsim_proc_wait_ready (server, WAIT_MS, &error) : NULL;
  ScaleConn probe = { -1, NULL };
  gboolean ok;

  printf ("\nscale: stb-qcopd with --max-channels %s (default limits otherwise)\n", max);
  if (!ready)
    {
      printf ("  cannot start stb-qcopd: %s\n", error ? error->message : "?");
      return;
    }
  probe.fd = scale_connect (sock);
  probe.in = g_byte_array_new ();
  ok = probe.fd >= 0
       && bench_scale_clients (sock, stbsim_proc_get_pid (server), &probe, opt_scale_clients)
       && bench_scale_channels (sock, stbsim_proc_get_pid (server), &probe, opt_scale_channels);
  if (!ok)
    printf ("  scale run failed (see %s)\n", log);
  scale_conn_close (&probe);
  stbsim_proc_stop (server, 5000);
}

static void
compute_frame_sizes (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 payload[PAYLOAD] = { 0 };

  qcop_wire_encode_send (b, CH_STREAM, MSG_DATA, payload, PAYLOAD, NULL);
  raw_cmd_size = b->len;
  g_byte_array_set_size (b, 0);
  qcop_wire_encode_qcop_message (b, FALSE, CH_STREAM, MSG_DATA, payload, PAYLOAD, NULL);
  raw_event_size = b->len;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *role = NULL, *arg = NULL;
  gint ready_fd = -1;
  gboolean scale_only = FALSE;
  GOptionEntry entries[]
      = { { "role", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &role, "far end role", "ROLE" },
          { "arg", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &arg, "role argument", "ARG" },
          { "ready-fd", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &ready_fd, "ready fd", "N" },
          { "round-trips", 'r', 0, G_OPTION_ARG_INT, &opt_round_trips, "Round trips (20000)", "N" },
          { "stream", 's', 0, G_OPTION_ARG_INT, &opt_stream, "Streamed messages (500000)", "N" },
          { "dbus-stream", 0, 0, G_OPTION_ARG_INT, &opt_dbus_stream, "dbus streamed (50000)", "N" },
          { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup, "Warm-up round trips (1000)", "N" },
          { "scale-clients", 0, 0, G_OPTION_ARG_INT, &opt_scale_clients,
            "Simultaneous clients in the scale run (1000)", "N" },
          { "scale-channels", 0, 0, G_OPTION_ARG_INT, &opt_scale_channels,
            "Channels of one client in the scale run (100000)", "N" },
          { "scale-only", 0, 0, G_OPTION_ARG_NONE, &scale_only, "Only the scale run", NULL },
          { "only", 0, 0, G_OPTION_ARG_STRING, &opt_only,
            "Only this path (raw, relay, relay-uring, qcopd, qcopd+trace, dbus), e.g. under perf",
            "PATH" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- QCOP channel latency/throughput");
  g_autoptr (GError) error = NULL;
  Path paths[N_PATHS] = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-channel: %s\n", error->message);
      return 2;
    }
  if (opt_only)
    {
      g_autoptr (GString) known = g_string_new (NULL);
      gboolean found = FALSE;

      for (guint i = 0; i < N_PATHS; i++)
        {
          found = found || g_str_equal (opt_only, path_names[i]);
          g_string_append_printf (known, "%s%s", i ? ", " : "", path_names[i]);
        }
      if (!found)
        {
          g_printerr ("bench-channel: --only %s: no such path (paths: %s)\n", opt_only, known->str);
          return 2;
        }
    }
  compute_frame_sizes ();
  signal (SIGPIPE, SIG_IGN);
  if (role && g_str_equal (role, "raw-echo"))
    return role_raw_echo (arg, ready_fd);
  if (role && g_str_equal (role, "relay"))
    return role_relay (arg, ready_fd, FALSE);
  if (role && g_str_equal (role, "relay-uring"))
    return role_relay (arg, ready_fd, TRUE);
  if (role && g_str_equal (role, "qcop-echo"))
    return role_qcop_echo (arg, ready_fd);
  if (role && g_str_equal (role, "dbus-echo"))
    return role_dbus_echo (arg, ready_fd);
  if (!g_getenv ("STBSIM_BUILD_ROOT"))
    {
      g_printerr ("bench-channel: STBSIM_BUILD_ROOT is not set; run via make bench-channel\n");
      return 2;
    }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  work_dir = g_dir_make_tmp ("bench-channel-XXXXXX", &error);
  if (!work_dir)
    {
      g_printerr ("bench-channel: %s\n", error->message);
      return 2;
    }
  printf ("bench-channel: frames %zu B (QCopSend) / %zu B (QCopMessage); window %d, ack every %d\n",
          raw_cmd_size, raw_event_size, WINDOW, ACK_EVERY);
  if (!scale_only)
    {
      bench_paths (paths);
      report (&paths[PATH_RAW].r, &paths[PATH_RELAY].r, &paths[PATH_RELAY_URING].r,
              &paths[PATH_QCOPD].r, &paths[PATH_QCOPD_TRACE].r, &paths[PATH_DBUS].r);
    }
  if (opt_scale_clients >= 1 && opt_scale_channels >= 1)
    bench_scale ();
  {
    g_autoptr (GDir) dir = g_dir_open (work_dir, 0, NULL);
    const gchar *name;
    while (dir && (name = g_dir_read_name (dir)))
      {
        g_autofree gchar *p = g_build_filename (work_dir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (work_dir);
  }
  for (guint i = 0; i < N_PATHS; i++)
    g_free (paths[i].r.error);
  g_free (work_dir);
  g_free (self_exe);
  return 0;
}
