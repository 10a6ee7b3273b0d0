/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-qcopd"

/*
 * stb-qcopd: the QWS/QCOP server, the "Qt server" of CN102984596A (DESIGN.md §2).
 * A thin main() around QcopServer (sim/qcop/qcop-server.h). Exit codes: 0 after SIGTERM or
 * SIGINT (trace flushed, socket unlinked), 1 when it cannot start, 2 on bad usage.
 */

#include "qcop-qws-display.h"
#include "qcop-qws-fontdb.h"
#include "qcop-server.h"
#include "stbsim-config.h"
#include "stbsim-proc.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <stdlib.h>
#include <unistd.h>

typedef struct
{
  gchar *socket_path;
  gchar *trace_path;
  gchar **allow_uids;
  gint64 max_queue;
  gint64 max_channels;
  gint64 max_objects;
  gint idle_timeout_s; /* -1: not given */
  gint ready_fd;
  gint display;
  gchar *font_dir;
  gboolean verbose;
  gboolean version;
} Options;

static gboolean
on_quit_signal (gpointer data)
{
  GMainLoop *loop = data;

  g_message ("signal received, shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_args (Options *o, int *argc, char ***argv, GError **error)
{
  g_autoptr (GOptionContext) ctx = NULL;
  const GOptionEntry entries[] = {
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &o->socket_path,
      "Unix socket to serve on. Its directory is created 0700 if missing and must be owned by "
      "this user with no group/other permissions; the socket is made 0600. Default: Qt 4.8's "
      "socket for display 0, /tmp/qtembedded-0/QtEmbedded-0",
      "PATH" },
    { "display", 'd', 0, G_OPTION_ARG_INT, &o->display,
      "Be the QWS server of Qt/Embedded display N, as real Qt 4.8 GUI clients expect: the "
      "socket /tmp/qtembedded-N/QtEmbedded-N, the display lock semaphore, the main shared "
      "memory named in Connected, and a 720x576x32 QVFb virtual screen (display spec "
      "QVFb:N) clients paint into. All removed at exit. Not with --socket",
      "N" },
    { "font-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->font_dir,
      "With --display: the font directory its Qt clients use (their QT_QWS_FONTDIR, compared "
      "verbatim). Before READY, the font database cache Qt 4.8 clients that draw text need is "
      "written for it to /tmp/qtembedded-N/fonts/fontdb (removed at exit). Default: "
      "$QT_QWS_FONTDIR; neither set: no cache (such clients abort)",
      "DIR" },
    { "trace", 't', 0, G_OPTION_ARG_FILENAME, &o->trace_path,
      "Write every command received, every event delivered and client lifecycle as JSON "
      "lines (sim/qcop/TRACE.md) to FILE (truncated)",
      "FILE" },
    { "allow-uid", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &o->allow_uids,
      "Also admit peers of this uid (SO_PEERCRED); repeatable. Default: only this process's uid",
      "UID" },
    { "max-queue", 'q', 0, G_OPTION_ARG_INT64, &o->max_queue,
      "Bytes of undelivered events a client may have queued before it is dropped as not "
      "reading (default 4194304)",
      "BYTES" },
    { "max-channels", 0, 0, G_OPTION_ARG_INT64, &o->max_channels,
      "Channel registrations one client may hold; one more and it is dropped (default 4096)", "N" },
    { "max-objects", 0, 0, G_OPTION_ARG_INT64, &o->max_objects,
      "Object ids one client may obtain with Create; more and it is dropped (default 1048576)",
      "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &o->idle_timeout_s,
      "Drop a client that sends no complete command within S seconds of connecting "
      "(default 30; 0: never)",
      "S" },
    { "ready-fd", 0, 0, G_OPTION_ARG_INT, &o->ready_fd,
      "Once serving, write \"READY socket=PATH pid=PID\" and a newline to file descriptor N, "
      "then close it",
      "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, "Log every step (debug messages)", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL },
    { NULL }
  };

  ctx = g_option_context_new ("- QWS/QCOP server (the \"Qt server\" of the STB simulator)");
  g_option_context_set_description (
      ctx, "Compatible with Qt/Embedded 4.8 QCopChannel clients: QWS framing on a Unix "
           "socket, QCopRegisterChannel/QCopSend commands, QCopMessage events, the \"\" "
           "channel's isRegistered()/detach(), wildcard channels (forwardedMessage).\n"
           "Stops cleanly (exit 0, trace flushed, socket removed) on SIGTERM or SIGINT.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument %s",
                   (*argv)[1]);
      return FALSE;
    }
  if (o->display >= 0 && o->socket_path != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--display N implies the socket /tmp/qtembedded-N/QtEmbedded-N: give "
                   "--display or --socket, not both");
      return FALSE;
    }
  if (o->font_dir != NULL && o->display < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--font-dir serves Qt clients of a display: give --display N too");
      return FALSE;
    }
  if (o->display < -1 || o->display > QCOP_QWS_DISPLAY_MAX)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--display must be 0..%d",
                   QCOP_QWS_DISPLAY_MAX);
      return FALSE;
    }
  if (o->max_queue < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--max-queue must be positive");
      return FALSE;
    }
  if (o->max_channels < 0 || o->max_channels > G_MAXINT32 || o->max_objects < 0
      || o->max_objects > G_MAXINT32)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--max-channels and --max-objects take 1..%d (0: the default)", G_MAXINT32);
      return FALSE;
    }
  if (o->idle_timeout_s < -1 || o->idle_timeout_s > G_MAXINT32 / 1000)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--idle-timeout takes 0 (no limit) to %d seconds", G_MAXINT32 / 1000);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_uids (gchar **strv, GArray *uids, GError **error)
{
  for (gchar **s = strv; s != NULL && *s != NULL; s++)
    {
      guint64 v = 0;

      if (!g_ascii_string_to_unsigned (*s, 10, 0, G_MAXUINT32 - 1, &v, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--allow-uid %s is not a numeric uid", *s);
          return FALSE;
        }
      {
        guint32 u = (guint32)v;
        g_array_append_val (uids, u);
      }
    }
  return TRUE;
}

static void
options_clear (Options *o)
{
  g_clear_pointer (&o->socket_path, g_free);
  g_clear_pointer (&o->trace_path, g_free);
  g_clear_pointer (&o->font_dir, g_free);
  g_clear_pointer (&o->allow_uids, g_strfreev);
}

/* The font database cache of display @n for @font_dir (NULL: none, said once): what Qt 4.8
 * clients that lay out text read at start (qcop-qws-fontdb.h). Sets @cache_dir when written. */
static gboolean
start_fontdb (gint n, const gchar *font_dir, gchar **cache_dir, GError **error)
{
  g_autofree gchar *dir = qcop_qws_fontdb_cache_dir (n);
  guint n_fonts = 0;

  if (font_dir == NULL || font_dir[0] == '\0')
    {
      g_message ("display %d: no --font-dir and no QT_QWS_FONTDIR: no font database cache, "
                 "Qt clients that draw text will abort",
                 n);
      return TRUE;
    }
  if (!qcop_qws_fontdb_write (font_dir, dir, &n_fonts, error))
    return FALSE;
  g_message ("display %d: font database cache %s/fontdb lists %u fonts of %s", n, dir, n_fonts,
             font_dir);
  *cache_dir = g_steal_pointer (&dir);
  return TRUE;
}

/* The Qt/Embedded resources of display @n, keyed by the (bound) server socket. */
static gboolean
start_display (gint n, QcopServer *server, QcopQwsDisplay **out, GError **error)
{
  g_autoptr (QcopQwsDisplay) display
      = qcop_qws_display_new (n, qcop_server_get_socket_path (server), QCOP_QWS_SCREEN_WIDTH,
                              QCOP_QWS_SCREEN_HEIGHT, error);

  if (display == NULL
      || !qcop_server_set_qws_display (server, qcop_qws_display_get_spec (display),
                                       qcop_qws_display_get_servershmid (display), error))
    return FALSE;
  qcop_server_set_qws_screen (server, display); /* the server is freed first (run) */
  *out = g_steal_pointer (&display);
  return TRUE;
}

static int
run (Options *o, GArray *uids)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (QcopServer) server = NULL;
  g_autoptr (QcopQwsDisplay) display = NULL;
  g_autofree gchar *default_socket = o->display >= 0 ? qcop_qws_display_socket_path (o->display)
                                                     : qcop_server_default_socket_path ();
  g_autofree gchar *socket_dir = NULL;
  g_autofree gchar *ready = NULL;
  g_autofree gchar *font_cache = NULL;
  QcopServerOptions so = { 0 };

  so.socket_path = o->socket_path ? o->socket_path : default_socket;
  socket_dir = g_path_get_dirname (so.socket_path);
  so.trace_path = o->trace_path;
  so.allow_uids = (const guint32 *)uids->data;
  so.n_allow_uids = uids->len;
  so.max_queue = (gsize)o->max_queue;
  so.max_channels = (guint)o->max_channels;
  so.max_objects = (guint64)o->max_objects;
  so.idle_timeout_ms = o->idle_timeout_s < 0    ? 0
                       : o->idle_timeout_s == 0 ? -1
                                                : o->idle_timeout_s * 1000;
  loop = g_main_loop_new (NULL, FALSE);
  server = qcop_server_new (&so, NULL, &error);
  if (server == NULL)
    {
      g_printerr ("stb-qcopd: %s\n", error->message);
      return 1;
    }
  if (o->display >= 0
      && (!start_display (o->display, server, &display, &error)
          || !start_fontdb (o->display, o->font_dir ? o->font_dir : g_getenv ("QT_QWS_FONTDIR"),
                            &font_cache, &error)))
    {
      g_autofree gchar *cache_dir = qcop_qws_fontdb_cache_dir (o->display);

      g_printerr ("stb-qcopd: display %d: %s\n", o->display, error->message);
      g_clear_pointer (&display, qcop_qws_display_free);
      qcop_qws_fontdb_remove (cache_dir);
      g_clear_pointer (&server, qcop_server_free);
      g_rmdir (socket_dir); /* only when empty: ours or a stale one */
      return 1;
    }
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);

  if (display != NULL)
    ready = g_strdup_printf (
        "READY socket=%s pid=%d display=%d spec=%s servershmid=%d%s%s%s", so.socket_path,
        (int)getpid (), o->display, qcop_qws_display_get_spec (display),
        qcop_qws_display_get_servershmid (display), font_cache ? " fontdb=" : "",
        font_cache ? font_cache : "", font_cache ? "/fontdb" : "");
  else
    ready = g_strdup_printf ("READY socket=%s pid=%d", so.socket_path, (int)getpid ());
  stbsim_ready_notify (o->ready_fd, ready);
  g_main_loop_run (loop);
  g_clear_pointer (&server, qcop_server_free);
  if (display != NULL)
    {
      g_autofree gchar *cache_dir = qcop_qws_fontdb_cache_dir (o->display);

      g_clear_pointer (&display, qcop_qws_display_free);
      /* ours, or the fonts/ a client made (qws_fontCacheDir) when we wrote no cache */
      qcop_qws_fontdb_remove (cache_dir);
      g_rmdir (socket_dir); /* Qt's data dir, when nothing else is left in it */
    }
  return 0;
}

int
main (int argc, char **argv)
{
  Options o = { .ready_fd = -1, .idle_timeout_s = -1, .display = -1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  int status;

  if (!parse_args (&o, &argc, &argv, &error) || !parse_uids (o.allow_uids, uids, &error))
    {
      g_printerr ("stb-qcopd: %s (see --help)\n", error->message);
      options_clear (&o);
      return 2;
    }
  if (o.version)
    {
      g_print ("stb-qcopd %s\n", STBSIM_VERSION);
      options_clear (&o);
      return 0;
    }
  if (o.verbose)
    g_log_set_debug_enabled (TRUE);
  status = run (&o, uids);
  options_clear (&o);
  return status;
}
