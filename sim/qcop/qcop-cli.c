/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-cli"

/*
 * qcop: send, listen and query on a QCOP channel from the shell (the QCopChannel of a shell
 * script). See `qcop --help`. Exit codes: 0 success (is-registered: known), 1 is-registered:
 * unknown / listen: fewer than --count messages before --timeout, 2 error (usage, connection).
 */

#include <stdio.h>
#include <stdlib.h>

#include "qcop-client.h"
#include "qcop-datastream.h"
#include "qcop-qws-display.h"
#include "stbsim-proc.h"

#define EXIT_ERROR 2
#define DEFAULT_SOCKET "/tmp/qtembedded-0/QtEmbedded-0"

typedef struct
{
  gchar *socket_path;
  gchar *app_name;
  gint connect_timeout_ms;
  GByteArray *data; /* send: the data, built from --data-hex/--int/... in command-line order */
  gint count;
  gint timeout_ms;
  gboolean json;
  gint ready_fd;
} Options;

static Options opts = { .connect_timeout_ms = 5000, .count = -1, .timeout_ms = -1, .ready_fd = -1 };

/* ---- data arguments, appended in the order given ----------------------------------------- */

static gboolean
parse_int64 (const gchar *value, gint64 min, gint64 max, gint64 *out, GError **error)
{
  return g_ascii_string_to_signed (value, 10, min, max, out, error);
}

static gboolean
on_data_arg (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  gint64 i;
  guint64 u;

  if (g_str_equal (name, "--data-hex") || g_str_equal (name, "--bytes-hex"))
    {
      g_autoptr (GBytes) b = qcop_ds_from_hex (value, error);
      gsize len;
      const guint8 *p;

      if (!b)
        return FALSE;
      p = g_bytes_get_data (b, &len);
      if (g_str_equal (name, "--bytes-hex"))
        qcop_ds_write_bytes (opts.data, p ? p : (const guint8 *)"", len);
      else
        g_byte_array_append (opts.data, p, (guint)len);
      return TRUE;
    }
  if (g_str_equal (name, "--string"))
    {
      if (!g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--string: not UTF-8");
          return FALSE;
        }
      qcop_ds_write_string (opts.data, value);
      return TRUE;
    }
  if (g_str_equal (name, "--int"))
    {
      if (!parse_int64 (value, G_MININT32, G_MAXINT32, &i, error))
        return FALSE;
      qcop_ds_write_int32 (opts.data, (gint32)i);
      return TRUE;
    }
  if (g_str_equal (name, "--int64"))
    {
      if (!parse_int64 (value, G_MININT64, G_MAXINT64, &i, error))
        return FALSE;
      qcop_ds_write_int64 (opts.data, i);
      return TRUE;
    }
  if (g_str_equal (name, "--uint"))
    {
      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &u, error))
        return FALSE;
      qcop_ds_write_uint32 (opts.data, (guint32)u);
      return TRUE;
    }
  if (g_str_equal (name, "--bool"))
    {
      gboolean t = g_str_equal (value, "true") || g_str_equal (value, "1");

      if (!t && !g_str_equal (value, "false") && !g_str_equal (value, "0"))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--bool takes true|false|1|0, not %s", value);
          return FALSE;
        }
      qcop_ds_write_bool (opts.data, t);
      return TRUE;
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "unknown option %s", name);
  return FALSE;
}

static const GOptionEntry main_entries[]
    = { { "socket", 's', 0, G_OPTION_ARG_FILENAME, &opts.socket_path,
          "QCOP server socket (default: $STBSIM_QCOP_SOCKET, else " DEFAULT_SOCKET ")", "PATH" },
        { "app-name", 0, 0, G_OPTION_ARG_STRING, &opts.app_name,
          "Application name sent with Identify (default: qcop)", "NAME" },
        { "connect-timeout", 0, 0, G_OPTION_ARG_INT, &opts.connect_timeout_ms,
          "Give up connecting after MS milliseconds (default 5000)", "MS" },
        { NULL } };

static const GOptionEntry send_entries[] = {
  { "data-hex", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg, "Append raw bytes given in hex", "HEX" },
  { "int", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg, "Append a qint32", "N" },
  { "uint", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg, "Append a quint32", "N" },
  { "int64", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg, "Append a qint64", "N" },
  { "bool", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg, "Append a bool (true|false)", "B" },
  { "string", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg, "Append a QString (UTF-8 text)", "S" },
  { "bytes-hex", 0, 0, G_OPTION_ARG_CALLBACK, on_data_arg,
    "Append a QByteArray (length + bytes) given in hex", "HEX" },
  { NULL }
};

static const GOptionEntry listen_entries[] = {
  { "count", 'n', 0, G_OPTION_ARG_INT, &opts.count,
    "listen: exit 0 after N messages (default: run until --timeout or killed)", "N" },
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opts.timeout_ms,
    "listen: stop after MS ms (exit 1 if --count was not reached); is-registered: wait at most "
    "MS ms for the answer (default 5000)",
    "MS" },
  { "json", 'j', 0, G_OPTION_ARG_NONE, &opts.json,
    "listen: print one JSON object per line instead of text", NULL },
  { "ready-fd", 0, 0, G_OPTION_ARG_INT, &opts.ready_fd,
    "listen: write \"READY socket=PATH\" to fd N once every channel is registered at the server",
    "N" },
  { NULL }
};

static const gchar description[]
    = "Commands:\n"
      "  send CHANNEL MESSAGE [DATA OPTIONS]\n"
      "      QCopChannel::send(CHANNEL, MESSAGE, data). The data is built from the data options "
      "in\n"
      "      the order given, each written as QDataStream version 12 (Qt 4.6-4.8) would, e.g.\n"
      "        qcop send QPE/ServiceSwitch 'switchService(int,int)' --int 1 --int 2\n"
      "      Waits until the message is written to the server. Exit 0, or 2 on error.\n"
      "  listen CHANNEL... [--count N] [--timeout MS] [--json] [--ready-fd N]\n"
      "      Register CHANNEL(s) (a '*' makes a wildcard pattern; forwarded messages are "
      "unwrapped)\n"
      "      and print one line per message received:\n"
      "        CHANNEL MESSAGE DATA-HEX          (text; DATA-HEX is empty for no data)\n"
      "        {\"ns\":T,\"channel\":\"..\",\"message\":\"..\",\"data\":\"HEX\"}   (--json; T = "
      "CLOCK_MONOTONIC ns)\n"
      "      Exit 0 after --count messages or at --timeout without --count; 1 if --timeout came\n"
      "      first with --count; 2 on error or when the server goes away.\n"
      "  is-registered CHANNEL [--timeout MS]\n"
      "      QCopChannel::isRegistered(CHANNEL): exit 0 if some client listens on it, 1 if not,\n"
      "      2 on error or no answer.\n"
      "  snapshot DISPLAY FILE.png\n"
      "      Write the QVFb virtual screen of Qt display DISPLAY (stb-qcopd --display DISPLAY,\n"
      "      or a qvfb) as an RGB PNG: what the Qt clients painted. Exit 0, or 2 on error.\n"
      "\n"
      "Environment:\n"
      "  STBSIM_QCOP_SOCKET   default for --socket\n";

/* ---- commands ---------------------------------------------------------------------------- */

static QcopClient *
connect_client (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QcopClient) client = qcop_client_new (opts.socket_path, opts.app_name);

  if (!qcop_client_connect_sync (client, opts.connect_timeout_ms, &error))
    {
      g_printerr ("qcop: %s\n", error->message);
      return NULL;
    }
  return g_steal_pointer (&client);
}

static int
cmd_send (gchar **args)
{
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (GError) error = NULL;

  if (g_strv_length (args) != 2)
    {
      g_printerr ("qcop send: needs CHANNEL MESSAGE (see qcop --help)\n");
      return EXIT_ERROR;
    }
  client = connect_client ();
  if (!client)
    return EXIT_ERROR;
  if (!qcop_client_send (client, args[0], args[1], opts.data->data, opts.data->len, &error)
      || !qcop_client_flush (client, opts.connect_timeout_ms, &error))
    {
      g_printerr ("qcop send: %s\n", error->message);
      return EXIT_ERROR;
    }
  return EXIT_SUCCESS;
}

typedef struct
{
  GMainLoop *loop;
  gint received;
  int status;
} ListenState;

static void
print_json_string (GString *out, const gchar *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *)s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (gchar)*p);
    }
  g_string_append_c (out, '"');
}

static void
on_listen_message (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
                   gpointer user_data)
{
  ListenState *state = user_data;
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  g_autofree gchar *hex = qcop_ds_to_hex (p, len);
  g_autoptr (GString) line = g_string_new (NULL);

  if (opts.json)
    {
      g_string_append_printf (line, "{\"ns\":%" G_GINT64_FORMAT ",\"channel\":", stbsim_now_ns ());
      print_json_string (line, channel);
      g_string_append (line, ",\"message\":");
      print_json_string (line, message);
      g_string_append_printf (line, ",\"data\":\"%s\"}", hex);
    }
  else
    g_string_append_printf (line, "%s %s %s", channel, message, hex);
  printf ("%s\n", line->str);
  fflush (stdout);
  state->received++;
  if (opts.count >= 0 && state->received >= opts.count)
    {
      state->status = EXIT_SUCCESS;
      g_main_loop_quit (state->loop);
    }
}

static gboolean
on_listen_timeout (gpointer data)
{
  ListenState *state = data;

  state->status = opts.count >= 0 ? EXIT_FAILURE : EXIT_SUCCESS;
  if (opts.count >= 0)
    g_printerr ("qcop listen: timeout after %d ms with %d of %d messages\n", opts.timeout_ms,
                state->received, opts.count);
  g_main_loop_quit (state->loop);
  return G_SOURCE_REMOVE;
}

static void
on_listen_disconnected (QcopClient *client, const GError *error, gpointer data)
{
  ListenState *state = data;

  g_printerr ("qcop listen: %s\n", error ? error->message : "disconnected");
  state->status = EXIT_ERROR;
  g_main_loop_quit (state->loop);
}

static int
cmd_listen (gchar **args)
{
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  ListenState state = { loop, 0, EXIT_SUCCESS };
  gboolean known = FALSE;
  g_autoptr (GError) error = NULL;

  if (g_strv_length (args) < 1)
    {
      g_printerr ("qcop listen: needs at least one CHANNEL (see qcop --help)\n");
      return EXIT_ERROR;
    }
  client = connect_client ();
  if (!client)
    return EXIT_ERROR;
  for (guint i = 0; args[i]; i++)
    qcop_client_register (client, args[i], on_listen_message, &state, NULL);
  /* The server handles our commands in order: once it answers, every channel is registered. */
  if (!qcop_client_is_registered_sync (client, args[0], opts.connect_timeout_ms, &known, &error))
    {
      g_printerr ("qcop listen: registering: %s\n", error->message);
      return EXIT_ERROR;
    }
  g_signal_connect (client, "disconnected", G_CALLBACK (on_listen_disconnected), &state);
  if (opts.ready_fd >= 0)
    {
      g_autofree gchar *line = g_strdup_printf ("READY socket=%s", opts.socket_path);
      stbsim_ready_notify (opts.ready_fd, line);
    }
  if (opts.count == 0)
    return EXIT_SUCCESS;
  if (opts.timeout_ms >= 0)
    g_timeout_add (opts.timeout_ms, on_listen_timeout, &state);
  g_main_loop_run (loop);
  g_signal_handlers_disconnect_by_data (client, &state);
  return state.status;
}

static int
cmd_is_registered (gchar **args)
{
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (GError) error = NULL;
  gboolean known = FALSE;

  if (g_strv_length (args) != 1)
    {
      g_printerr ("qcop is-registered: needs one CHANNEL (see qcop --help)\n");
      return EXIT_ERROR;
    }
  client = connect_client ();
  if (!client)
    return EXIT_ERROR;
  if (!qcop_client_is_registered_sync (
          client, args[0], opts.timeout_ms >= 0 ? opts.timeout_ms : 5000, &known, &error))
    {
      g_printerr ("qcop is-registered: %s\n", error->message);
      return EXIT_ERROR;
    }
  printf ("%s\n", known ? "known" : "unknown");
  return known ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int
cmd_snapshot (gchar **args)
{
  g_autoptr (GError) error = NULL;
  gint64 display = 0;

  if (g_strv_length (args) != 2
      || !g_ascii_string_to_signed (args[0], 10, 0, QCOP_QWS_DISPLAY_MAX, &display, NULL))
    {
      g_printerr ("qcop snapshot: needs DISPLAY (0..%d) and FILE.png (see qcop --help)\n",
                  QCOP_QWS_DISPLAY_MAX);
      return EXIT_ERROR;
    }
  if (!qcop_qws_screen_snapshot ((gint)display, args[1], &error))
    {
      g_printerr ("qcop snapshot: display %s: %s\n", args[0], error->message);
      return EXIT_ERROR;
    }
  return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *command;
  int status;

  opts.data = g_byte_array_new ();
  context = g_option_context_new ("COMMAND ARGS... - send, listen and query on QCOP channels");
  g_option_context_add_main_entries (context, main_entries, NULL);
  /* One group, so that --help shows every option. */
  g_option_context_add_main_entries (context, send_entries, NULL);
  g_option_context_add_main_entries (context, listen_entries, NULL);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("qcop: %s (see qcop --help)\n", error->message);
      return EXIT_ERROR;
    }
  if (argc < 2)
    {
      g_printerr ("qcop: no command (send, listen, is-registered, snapshot; see qcop --help)\n");
      return EXIT_ERROR;
    }
  if (!opts.socket_path)
    opts.socket_path = g_strdup (g_getenv ("STBSIM_QCOP_SOCKET") ? g_getenv ("STBSIM_QCOP_SOCKET")
                                                                 : DEFAULT_SOCKET);
  if (!opts.app_name)
    opts.app_name = g_strdup ("qcop");
  command = argv[1];
  if (g_str_equal (command, "send"))
    status = cmd_send (argv + 2);
  else if (g_str_equal (command, "listen"))
    status = cmd_listen (argv + 2);
  else if (g_str_equal (command, "is-registered"))
    status = cmd_is_registered (argv + 2);
  else if (g_str_equal (command, "snapshot"))
    status = cmd_snapshot (argv + 2);
  else
    {
      g_printerr ("qcop: unknown command %s (send, listen, is-registered, snapshot)\n", command);
      status = EXIT_ERROR;
    }
  g_byte_array_unref (opts.data);
  g_free (opts.socket_path);
  g_free (opts.app_name);
  return status;
}
