/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-test-client"

/*
 * A scriptable QWS/QCOP client built only from the wire and QDataStream codecs, for
 * check-qcop-server (independent of the client library under test elsewhere).
 *
 *   qcop-test-client SOCKET [APP-NAME]
 *
 * Connects, sends Identify (when APP-NAME is given), then reads tab-separated commands on
 * stdin and reports on stdout, one line each, flushed:
 *   register CH | send CH MSG HEX | isreg CH | detach CH | internal MSG HEX | create N
 *   raw HEX (write bytes as they are) | dribble CH MSG HEX (a send, one byte per write)
 *   | oversize (QCopSend announcing 20000 raw bytes)
 *   stopread (never read the socket again) | flood CH MSG SIZE COUNT (blocking writes)
 *   quiet (stop printing msg lines, except answers flagged is_response) | count N (print
 *   "counted N NS" once N non-response messages arrived, NS = time from the first to the Nth) |
 * echo TOKEN | quit Reports: connected ID SPEC | event TYPE A B | msg RESP CH MSG HEX | echo TOKEN
 *   flooded COUNT | write-error ERR | closed | error MSG
 */

#include "qcop-datastream.h"
#include "qcop-wire.h"
#include "stbsim-proc.h"

#include <glib-unix.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct
{
  GMainLoop *loop;
  gint fd;
  guint sock_watch;
  GByteArray *in;
  gboolean quiet;
  guint64 received;
  guint64 count_target;
  gint64 first_ns;
  GIOChannel *stdin_channel;
} TestClient;

static void say (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
}

static gchar *
to_hex (const guint8 *p, gsize n)
{
  return qcop_ds_to_hex (p, n);
}

static GBytes *
from_hex (const gchar *hex)
{
  g_autoptr (GError) error = NULL;
  GBytes *b = qcop_ds_from_hex (hex ? hex : "", &error);

  if (b == NULL)
    {
      say ("error\tbad hex: %s", error->message);
      return g_bytes_new (NULL, 0);
    }
  return b;
}

/* Blocking write of everything (the socket is non-blocking: poll until writable). */
static gboolean
write_all (TestClient *tc, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      gssize w = send (tc->fd, p, n, MSG_NOSIGNAL);

      if (w < 0 && (errno == EAGAIN || errno == EINTR))
        {
          GPollFD pfd = { tc->fd, G_IO_OUT, 0 };
          g_poll (&pfd, 1, 1000);
          continue;
        }
      if (w < 0)
        {
          say ("write-error\t%s", g_strerror (errno));
          return FALSE;
        }
      p += w;
      n -= (gsize)w;
    }
  return TRUE;
}

static gboolean
write_array (TestClient *tc, GByteArray *out)
{
  return write_all (tc, out->data, out->len);
}

static void
report_event (TestClient *tc, QcopWireItem *item)
{
  gsize n = 0;
  const guint8 *p;
  g_autofree gchar *hex = NULL;

  switch (item->type)
    {
      case QCOP_EVENT_CONNECTED:
        say ("connected\t%d\t%s", item->client_id, item->display_spec);
        return;
      case QCOP_EVENT_CREATION:
        say ("event\tCreation\t%d\t%d", item->objectid, item->count);
        return;
      case QCOP_EVENT_MAX_WINDOW_RECT:
        say ("event\tMaxWindowRect\t%d,%d\t%d,%d", item->rect[0], item->rect[1], item->rect[2],
             item->rect[3]);
        return;
      default:
        break;
    }
  if (!item->is_response)
    {
      tc->received++;
      if (tc->received == 1)
        tc->first_ns = stbsim_now_ns ();
      if (tc->count_target > 0 && tc->received == tc->count_target)
        say ("counted\t%" G_GUINT64_FORMAT "\t%" G_GINT64_FORMAT, tc->received,
             stbsim_now_ns () - tc->first_ns);
      if (tc->quiet)
        return;
    }
  p = g_bytes_get_data (item->data, &n);
  hex = to_hex (p, n);
  say ("msg\t%d\t%s\t%s\t%s", item->is_response ? 1 : 0, item->channel, item->message, hex);
}

static gboolean
on_socket_readable (gint fd, GIOCondition cond, gpointer data)
{
  TestClient *tc = data;
  guint8 buf[65536];
  gssize n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
  gsize off = 0;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      say ("closed");
      g_main_loop_quit (tc->loop);
      tc->sock_watch = 0;
      return G_SOURCE_REMOVE;
    }
  g_byte_array_append (tc->in, buf, (guint)n);
  for (;;)
    {
      QcopWireItem item = { 0 };
      g_autoptr (GError) error = NULL;
      gssize r = qcop_wire_decode_event (tc->in->data + off, tc->in->len - off, &item, &error);

      if (r == 0)
        break;
      if (r < 0)
        {
          say ("error\t%s", error->message);
          g_main_loop_quit (tc->loop);
          return G_SOURCE_REMOVE;
        }
      off += (gsize)r;
      report_event (tc, &item);
      qcop_wire_item_clear (&item);
    }
  g_byte_array_remove_range (tc->in, 0, (guint)off);
  return G_SOURCE_CONTINUE;
}

static void
send_send (TestClient *tc, const gchar *ch, const gchar *msg, GBytes *data)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  gsize n = 0;
  const guint8 *p = g_bytes_get_data (data, &n);

  if (!qcop_wire_encode_send (out, ch, msg, p, n, &error))
    say ("error\t%s", error->message);
  else
    write_array (tc, out);
}

static void
send_internal_name (TestClient *tc, const gchar *msg, const gchar *name)
{
  g_autoptr (GByteArray) arg = g_byte_array_new ();
  g_autoptr (GBytes) data = NULL;

  qcop_ds_write_string (arg, name);
  data = g_byte_array_free_to_bytes (g_steal_pointer (&arg));
  send_send (tc, "", msg, data);
}

static void
do_flood (TestClient *tc, gchar **f)
{
  gsize size = f[3] ? (gsize)g_ascii_strtoull (f[3], NULL, 10) : 0;
  guint64 count = f[4] ? g_ascii_strtoull (f[4], NULL, 10) : 0;
  g_autofree guint8 *data = g_malloc0 (size + 1);
  g_autoptr (GByteArray) one = g_byte_array_new ();
  g_autoptr (GByteArray) batch = g_byte_array_new ();
  guint64 i;

  if (!qcop_wire_encode_send (one, f[1], f[2], data, size, NULL))
    {
      say ("error\tflood item too large");
      return;
    }
  for (i = 0; i < count; i++)
    {
      g_byte_array_append (batch, one->data, one->len);
      if (batch->len >= 64 * 1024 || i + 1 == count)
        {
          if (!write_all (tc, batch->data, batch->len))
            return;
          g_byte_array_set_size (batch, 0);
        }
    }
  say ("flooded\t%" G_GUINT64_FORMAT, count);
}

static void
do_oversize (TestClient *tc)
{
  /* a QCopSend announcing 20000 raw bytes: clen 1, mlen 1, dlen 19996 */
  const gint32 head[5] = { QCOP_CMD_QCOP_SEND, 20000, 1, 1, 19996 };
  g_autofree guint8 *raw = g_malloc0 (20000);

  if (write_all (tc, (const guint8 *)head, sizeof head))
    write_all (tc, raw, 20000);
}

static void
run_command (TestClient *tc, gchar **f)
{
  const gchar *cmd = f[0];
  gsize n = g_strv_length (f);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (g_str_equal (cmd, "register") && n >= 2)
    {
      if (qcop_wire_encode_register_channel (out, f[1], NULL))
        write_array (tc, out);
    }
  else if (g_str_equal (cmd, "send") && n >= 3)
    {
      g_autoptr (GBytes) data = from_hex (n >= 4 ? f[3] : "");
      send_send (tc, f[1], f[2], data);
    }
  else if (g_str_equal (cmd, "isreg") && n >= 2)
    send_internal_name (tc, "isRegistered()", f[1]);
  else if (g_str_equal (cmd, "detach") && n >= 2)
    send_internal_name (tc, "detach()", f[1]);
  else if (g_str_equal (cmd, "internal") && n >= 2)
    {
      g_autoptr (GBytes) data = from_hex (n >= 3 ? f[2] : "");
      send_send (tc, "", f[1], data);
    }
  else if (g_str_equal (cmd, "create") && n >= 2)
    {
      qcop_wire_encode_create (out, (gint32)g_ascii_strtoll (f[1], NULL, 10));
      write_array (tc, out);
    }
  else if (g_str_equal (cmd, "raw") && n >= 2)
    {
      g_autoptr (GBytes) data = from_hex (f[1]);
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (data, &len);
      write_all (tc, p, len);
    }
  else if (g_str_equal (cmd, "dribble") && n >= 3)
    {
      /* one QCopSend, one byte per send(): the server must reassemble it */
      g_autoptr (GBytes) data = from_hex (n >= 4 ? f[3] : "");
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (data, &len);

      if (qcop_wire_encode_send (out, f[1], f[2], p, len, NULL))
        for (guint i = 0; i < out->len; i++)
          if (!write_all (tc, out->data + i, 1))
            break;
    }
  else if (g_str_equal (cmd, "oversize"))
    do_oversize (tc);
  else if (g_str_equal (cmd, "stopread"))
    {
      g_clear_handle_id (&tc->sock_watch, g_source_remove);
      say ("stopped");
    }
  else if (g_str_equal (cmd, "flood") && n >= 5)
    do_flood (tc, f);
  else if (g_str_equal (cmd, "quiet"))
    tc->quiet = TRUE;
  else if (g_str_equal (cmd, "count") && n >= 2)
    tc->count_target = g_ascii_strtoull (f[1], NULL, 10);
  else if (g_str_equal (cmd, "echo") && n >= 2)
    say ("echo\t%s", f[1]);
  else if (g_str_equal (cmd, "quit"))
    g_main_loop_quit (tc->loop);
  else
    say ("error\tunknown command %s", cmd);
}

static gboolean
on_stdin (GIOChannel *channel, GIOCondition cond, gpointer data)
{
  TestClient *tc = data;

  for (;;)
    {
      g_autofree gchar *line = NULL;
      gsize term = 0;
      GIOStatus st = g_io_channel_read_line (channel, &line, NULL, &term, NULL);

      if (st == G_IO_STATUS_AGAIN)
        return G_SOURCE_CONTINUE;
      if (st != G_IO_STATUS_NORMAL)
        {
          g_main_loop_quit (tc->loop); /* stdin closed: the test is done with us */
          return G_SOURCE_REMOVE;
        }
      line[term] = '\0';
      if (line[0] != '\0')
        {
          g_auto (GStrv) f = g_strsplit (line, "\t", -1);
          run_command (tc, f);
        }
    }
}

static gint
connect_to (const gchar *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gint fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  if (fd < 0 || connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    {
      say ("connect-failed\t%s", g_strerror (errno));
      return -1;
    }
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  return fd;
}

int
main (int argc, char **argv)
{
  TestClient tc = { 0 };

  if (argc < 2)
    {
      g_printerr ("usage: %s SOCKET [APP-NAME]\n", argv[0]);
      return 2;
    }
  tc.fd = connect_to (argv[1]);
  if (tc.fd < 0)
    return 1;
  tc.loop = g_main_loop_new (NULL, FALSE);
  tc.in = g_byte_array_new ();
  if (argc >= 3)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      qcop_wire_encode_identify (out, argv[2], -1, NULL);
      write_array (&tc, out);
    }
  tc.sock_watch = g_unix_fd_add (tc.fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_socket_readable, &tc);
  tc.stdin_channel = g_io_channel_unix_new (0);
  g_io_channel_set_flags (tc.stdin_channel, G_IO_FLAG_NONBLOCK, NULL);
  g_io_add_watch (tc.stdin_channel, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &tc);
  g_main_loop_run (tc.loop);

  g_io_channel_unref (tc.stdin_channel);
  g_byte_array_unref (tc.in);
  g_main_loop_unref (tc.loop);
  close (tc.fd);
  return 0;
}
