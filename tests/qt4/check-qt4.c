/* SPDX-License-Identifier: MIT */
/*
 * Real Qt/Embedded 4.8 against stbsim, both directions (argv[1]: the Qt prefix, found by
 * ci/find-qt4.sh):
 *   client: genuine Qt QWS GUI clients (tests/qt4/qt4-qcop-peer: QApplication GuiClient,
 *           QCopChannel, QDataStream Qt_4_6) on stb-qcopd --display N: start-up, register,
 *           isRegistered, send/receive, exit (DefineCursor) and no IPC object left behind;
 *           a client drawing text (QPainter::drawText) on the font database cache
 *           stb-qcopd wrote, and aborting without it;
 *           a Qt peer plays the IPTV module against stb-voip and the VoIP module against
 *           stb-iptv;
 *           window stacking: a Qt window over a QcopWindow (libqcop) that keeps painting and
 *           a QcopWindow over a Qt window, in snapshots; the exposes and Qt's repaint when
 *           the upper one goes, the server's background;
 *   server: stb-iptv and stb-voip on a genuine Qt QWS server (tests/qt4/qt4-qws-server,
 *           QApplication GuiServer with the VNC driver in a network namespace of its own):
 *           the caller and callee-accept flows; the font database cache the Qt server
 *           writes is byte for byte the one stb-qcopd writes (qcop-qws-fontdb.c).
 */
#define G_LOG_DOMAIN "check-qt4"

#include "qcop-client-window.h"
#include "qcop-qws-display.h"
#include "qcop-qws-fontdb.h"
#include "stb-test-stack.h"

#include <gio/gio.h>
#include <png.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEER_WAIT_MS 15000

static const gchar *const layouts[] = { "bidirectional", "unidirectional" };
static const gchar *qt4_dir;

static gchar *
qt_env (const gchar *name)
{
  if (g_str_equal (name, "LD_LIBRARY_PATH"))
    return g_build_filename (qt4_dir, "lib", NULL);
  return g_build_filename (qt4_dir, "lib", "fonts", NULL);
}

/* ---- a Qt peer: qt4-qcop-peer driven on stdin, its stdout lines collected -------------------- */

typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  GOutputStream *in;
  GCancellable *cancel;
  GPtrArray *lines; /* every line printed */
  guint cursor;     /* lines before this were matched already */
  gchar *log;
  gboolean eof;
  gboolean reading; /* a read_line_async is pending (it holds a pointer to us) */
  gboolean exited;  /* peer_quit saw it go */
} QtPeer;

static void read_next (QtPeer *peer);

static void
on_line (GObject *source, GAsyncResult *res, gpointer data)
{
  QtPeer *peer = data;
  g_autoptr (GError) error = NULL;
  gchar *line
      = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), res, NULL, &error);

  peer->reading = FALSE;
  if (line == NULL)
    {
      peer->eof = TRUE; /* end of output, or cancelled by peer_free */
      return;
    }
  g_ptr_array_add (peer->lines, line);
  if (!g_cancellable_is_cancelled (peer->cancel))
    read_next (peer);
}

static void
read_next (QtPeer *peer)
{
  peer->reading = TRUE;
  g_data_input_stream_read_line_async (peer->out, G_PRIORITY_DEFAULT, peer->cancel, on_line, peer);
}

static QtPeer *
peer_start (gint display, const gchar *dir)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree gchar *exe = stbsim_test_build_path ("tests/qt4/qt4-qcop-peer");
  g_autofree gchar *qws = g_strdup_printf (":%d", display);
  g_autofree gchar *lib = qt_env ("LD_LIBRARY_PATH");
  g_autofree gchar *fonts = qt_env ("QT_QWS_FONTDIR");
  g_autoptr (GError) error = NULL;
  QtPeer *peer = g_new0 (QtPeer, 1);

  peer->log = g_build_filename (dir, "qt4-qcop-peer.log", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, peer->log);
  g_subprocess_launcher_setenv (launcher, "QWS_DISPLAY", qws, TRUE);
  g_subprocess_launcher_setenv (launcher, "LD_LIBRARY_PATH", lib, TRUE);
  g_subprocess_launcher_setenv (launcher, "QT_QWS_FONTDIR", fonts, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LD_PRELOAD");
  peer->proc = g_subprocess_launcher_spawn (launcher, &error, exe, NULL);
  ck_assert_msg (peer->proc != NULL, "spawn %s: %s", exe, error ? error->message : "?");
  peer->in = g_object_ref (g_subprocess_get_stdin_pipe (peer->proc));
  peer->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->proc));
  peer->cancel = g_cancellable_new ();
  peer->lines = g_ptr_array_new_with_free_func (g_free);
  read_next (peer);
  return peer;
}

static gchar *
peer_dump (QtPeer *peer)
{
  GString *s = g_string_new (NULL);
  g_autofree gchar *log = stbsim_test_read_file (peer->log, 1500);

  for (guint i = 0; i < peer->lines->len; i++)
    g_string_append_printf (s, "%s\n", (const gchar *)g_ptr_array_index (peer->lines, i));
  g_string_append_printf (s, "--- stderr (tail) ---\n%s", log);
  return g_string_free (s, FALSE);
}

typedef struct
{
  QtPeer *peer;
  const gchar *want;
  gint found;
} PeerWait;

static gboolean
peer_has_line (gpointer data)
{
  PeerWait *w = data;

  for (guint i = w->peer->cursor; i < w->peer->lines->len; i++)
    if (g_str_equal (g_ptr_array_index (w->peer->lines, i), w->want))
      {
        w->found = (gint)i;
        return TRUE;
      }
  return w->peer->eof;
}

/* Wait (bounded) for the line @want after the previous match; fail with what the peer said. */
static void
peer_expect (QtPeer *peer, const gchar *want)
{
  PeerWait w = { peer, want, -1 };

  stbsim_test_wait_until (NULL, peer_has_line, &w, PEER_WAIT_MS);
  if (w.found < 0)
    {
      g_autofree gchar *dump = peer_dump (peer);
      ck_abort_msg ("the Qt peer did not print \"%s\" within %d ms%s; it printed:\n%.2500s", want,
                    PEER_WAIT_MS, peer->eof ? " (it exited)" : "", dump);
    }
  peer->cursor = (guint)w.found + 1;
}

static void peer_cmd (QtPeer *peer, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
peer_cmd (QtPeer *peer, const gchar *fmt, ...)
{
  g_autofree gchar *line = NULL;
  g_autoptr (GError) error = NULL;
  va_list ap;

  va_start (ap, fmt);
  line = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  ck_assert_msg (g_output_stream_write_all (peer->in, line, strlen (line), NULL, NULL, &error)
                     && g_output_stream_write_all (peer->in, "\n", 1, NULL, NULL, &error),
                 "writing to the Qt peer: %s", error ? error->message : "?");
}

static void
peer_register (QtPeer *peer, const gchar *channel)
{
  g_autofree gchar *want = g_strdup_printf ("REGISTERED %s", channel);

  peer_cmd (peer, "register %s", channel);
  peer_expect (peer, want);
}

typedef struct
{
  GSubprocess *proc;
  gboolean done;
} ProcWait;

static void
on_peer_exit (GObject *source, GAsyncResult *res, gpointer data)
{
  ProcWait *w = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  w->done = TRUE;
}

static gboolean
proc_done (gpointer data)
{
  return ((ProcWait *)data)->done;
}

/* Wait (bounded) for the peer to exit; the wait status (-1 if it had to be killed). */
static gint
peer_wait (QtPeer *peer)
{
  ProcWait w = { peer->proc, FALSE };
  gint status = -1;

  g_subprocess_wait_async (peer->proc, NULL, on_peer_exit, &w);
  if (stbsim_test_wait_until (NULL, proc_done, &w, PEER_WAIT_MS))
    status = g_subprocess_get_status (peer->proc);
  else
    {
      g_subprocess_force_exit (peer->proc);
      stbsim_test_wait_until (NULL, proc_done, &w, PEER_WAIT_MS);
    }
  peer->exited = TRUE;
  return status;
}

/* "quit", then peer_wait. */
static gint
peer_quit (QtPeer *peer)
{
  g_output_stream_write_all (peer->in, "quit\n", 5, NULL, NULL, NULL);
  g_output_stream_close (peer->in, NULL, NULL);
  return peer_wait (peer);
}

static gboolean
peer_not_reading (gpointer data)
{
  return !((QtPeer *)data)->reading;
}

static void
peer_free (QtPeer *peer)
{
  if (!peer->exited)
    peer_quit (peer);
  g_cancellable_cancel (peer->cancel);
  /* the pending read reports (cancelled or end of output) before @peer goes */
  ck_assert (stbsim_test_wait_until (NULL, peer_not_reading, peer, PEER_WAIT_MS));
  g_object_unref (peer->proc);
  g_object_unref (peer->in);
  g_object_unref (peer->out);
  g_object_unref (peer->cancel);
  g_ptr_array_unref (peer->lines);
  g_free (peer->log);
  g_free (peer);
}

/* ---- client direction: stb-qcopd --display N ---------------------------------------------------
 */

/* stb-qcopd --display @display [--font-dir @fonts]; SIGTERM (it cleans up its IPC objects)
 * if the test dies. */
static StbsimProc *
spawn_qcopd_fonts (const gchar *display, const gchar *fonts, const gchar *log, gchar **ready)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  const gchar *argv[] = { exe, "--display", display, fonts ? "--font-dir" : NULL, fonts, NULL };
  StbsimProcOptions opts
      = { .name = "stb-qcopd", .log_path = log, .ready_fd = TRUE, .death_signal = SIGTERM };
  g_autoptr (GError) error = NULL;
  StbsimProc *proc = stbsim_proc_spawn (argv, &opts, &error);

  ck_assert_msg (proc != NULL, "spawn stb-qcopd: %s", error ? error->message : "?");
  *ready = stbsim_proc_wait_ready (proc, 10000, &error);
  ck_assert_msg (*ready != NULL, "stb-qcopd --display %s not ready: %s (log %s)", display,
                 error ? error->message : "?", log);
  return proc;
}

static StbsimProc *
spawn_qcopd_display (const gchar *display, const gchar *log, gchar **ready)
{
  return spawn_qcopd_fonts (display, NULL, log, ready);
}

static void
assert_mode (const gchar *path, guint mode)
{
  struct stat st;

  ck_assert_msg (stat (path, &st) == 0, "stat %s: %s", path, g_strerror (errno));
  ck_assert_msg ((st.st_mode & 0777) == mode, "%s has mode %o, want %o", path, st.st_mode & 0777,
                 mode);
}

/* The IPC objects a running stb-qcopd --display N exposes, found as a Qt client finds them. */
typedef struct
{
  gint lock_semid;
  gint ram_shmid;
  gint screen_shmid;
} DisplayIpc;

static void
find_display_ipc (gint display, const gchar *socket, gint servershmid, DisplayIpc *ipc)
{
  g_autofree gchar *pipe = qcop_qws_display_mouse_pipe (display);
  struct shmid_ds ds;

  ipc->lock_semid = semget (ftok (socket, 'd'), 0, 0);
  ck_assert_msg (ipc->lock_semid >= 0, "no display lock for %s: %s", socket, g_strerror (errno));
  ck_assert_int_eq (semctl (ipc->lock_semid, 0, GETVAL), 200); /* qlock.cpp MAX_LOCKS */
  ipc->ram_shmid = servershmid;
  ck_assert_msg (shmctl (servershmid, IPC_STAT, &ds) == 0, "servershmid %d: %s", servershmid,
                 g_strerror (errno));
  ck_assert_uint_ge (ds.shm_segsz, 1024); /* qwsSharedRamSize */
  ipc->screen_shmid = shmget (ftok (pipe, 'b'), 0, 0);
  ck_assert_msg (ipc->screen_shmid >= 0, "no QVFb screen for %s: %s", pipe, g_strerror (errno));
}

/* `ipcs -m` or `ipcs -s` (@what) lists neither id @a nor @b (shm and sem ids are apart). */
static void
assert_ipcs_lacks (const gchar *what, gint a, gint b)
{
  g_autofree gchar *out = NULL;
  g_auto (GStrv) lines = NULL;
  gchar *argv[] = { "ipcs", (gchar *)what, NULL };

  ck_assert (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                           NULL, &out, NULL, NULL, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gchar key[32];
      gint id;

      if (sscanf (lines[i], "%31s %d", key, &id) == 2 && g_str_has_prefix (key, "0x"))
        ck_assert_msg (id != a && id != b, "ipcs %s still lists id %d: %s", what, id, lines[i]);
    }
}

static void
assert_display_ipc_gone (gint display, const DisplayIpc *ipc)
{
  g_autofree gchar *dir = g_strdup_printf ("/tmp/qtembedded-%d", display);
  g_autofree gchar *pipe = qcop_qws_display_mouse_pipe (display);
  struct shmid_ds ds;

  ck_assert_msg (semctl (ipc->lock_semid, 0, GETVAL) == -1, "display lock %d left behind",
                 ipc->lock_semid);
  ck_assert_msg (shmctl (ipc->ram_shmid, IPC_STAT, &ds) == -1, "main ram %d left behind",
                 ipc->ram_shmid);
  ck_assert_msg (shmctl (ipc->screen_shmid, IPC_STAT, &ds) == -1, "QVFb screen %d left behind",
                 ipc->screen_shmid);
  ck_assert_msg (!g_file_test (dir, G_FILE_TEST_EXISTS), "%s left behind", dir);
  ck_assert_msg (!g_file_test (pipe, G_FILE_TEST_EXISTS), "%s left behind", pipe);
  /* and as ipcs(1) lists them */
  assert_ipcs_lacks ("-m", ipc->ram_shmid, ipc->screen_shmid);
  assert_ipcs_lacks ("-s", ipc->lock_semid, ipc->lock_semid);
}

/* A real Qt client's start-up, QCopChannel, isRegistered and exit on stb-qcopd --display. */
START_TEST (test_qt_client_on_qcopd)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-qt4");
  g_autofree gchar *log = g_build_filename (dir, "qcopd.log", NULL);
  g_autofree gchar *png = g_build_filename (dir, "screen.png", NULL);
  gint n = stbsim_test_free_qt_display ();
  g_autofree gchar *display = g_strdup_printf ("%d", n);
  g_autofree gchar *socket = qcop_qws_display_socket_path (n);
  g_autofree gchar *sockdir = g_path_get_dirname (socket);
  g_autofree gchar *ready = NULL, *spec = NULL, *shmid = NULL, *want_spec = NULL;
  g_autofree gchar *qcopd_log = NULL, *png_bytes = NULL;
  g_autoptr (GError) error = NULL;
  StbsimProc *qcopd = spawn_qcopd_display (display, log, &ready);
  DisplayIpc ipc;
  QtPeer *peer;
  gsize png_len = 0;
  gint status;

  spec = stb_stack_ready_value (ready, "spec");
  shmid = stb_stack_ready_value (ready, "servershmid");
  want_spec = g_strdup_printf ("QVFb:%d", n);
  ck_assert_str_eq (spec, want_spec);
  ck_assert_ptr_nonnull (shmid);
  assert_mode (sockdir, 0700);
  assert_mode (socket, 0600);
  find_display_ipc (n, socket, atoi (shmid), &ipc);

  peer = peer_start (n, dir);
  peer_expect (peer, "READY");
  peer_cmd (peer, "register QPE/Test/Qt4");
  peer_expect (peer, "REGISTERED QPE/Test/Qt4");
  peer_cmd (peer, "isreg QPE/Test/Qt4");
  peer_expect (peer, "ISREG QPE/Test/Qt4 1");
  peer_cmd (peer, "isreg QPE/Test/Nobody");
  peer_expect (peer, "ISREG QPE/Test/Nobody 0");
  peer_cmd (peer, "send QPE/Test/Qt4 switchService(int,int) 1 2");
  peer_expect (peer, "RECV QPE/Test/Qt4 switchService(int,int) 1 2");
  /* the QVFb screen the client attached to (item 4: snapshots) */
  ck_assert_msg (qcop_qws_screen_snapshot (n, png, &error), "%s", error ? error->message : "");
  ck_assert (g_file_get_contents (png, &png_bytes, &png_len, NULL));
  ck_assert (png_len > 8 && memcmp (png_bytes, "\x89PNG", 4) == 0);
  status = peer_quit (peer);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "Qt peer status %d", status);
  peer_free (peer);

  status = stbsim_proc_stop (qcopd, 5000);
  stbsim_proc_free (qcopd);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "stb-qcopd status %d", status);
  qcopd_log = stbsim_test_read_file (log, 0);
  /* DefineCursor at exit, like every command, is tolerated */
  ck_assert_msg (strstr (qcopd_log, "dropping client") == NULL, "%s", qcopd_log);
  ck_assert_msg (strstr (qcopd_log, "(qt4-qcop-peer) disconnected") != NULL, "%s", qcopd_log);
  assert_display_ipc_gone (n, &ipc);
  stbsim_test_rmtree (dir);
}
END_TEST

/* The pixels of an RGB PNG, 3 bytes each, row by row. (transfer full) */
static guint8 *
png_load_rgb (const gchar *path, guint *width, guint *height)
{
  png_image image;
  guint8 *pixels;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  ck_assert_msg (png_image_begin_read_from_file (&image, path), "%s: %s", path, image.message);
  image.format = PNG_FORMAT_RGB;
  pixels = g_malloc (PNG_IMAGE_SIZE (image));
  ck_assert_msg (png_image_finish_read (&image, NULL, pixels, 0, NULL), "%s: %s", path,
                 image.message);
  *width = image.width;
  *height = image.height;
  return pixels;
}

/* RGB of pixel (@x, @y) of an RGB PNG. */
static void
png_pixel (const gchar *path, guint x, guint y, guint8 rgb[3])
{
  guint width = 0, height = 0;
  g_autofree guint8 *pixels = png_load_rgb (path, &width, &height);

  ck_assert (x < width && y < height);
  memcpy (rgb, pixels + ((gsize)y * width + x) * 3, 3);
}

static void
assert_pixel (const gchar *png, guint x, guint y, guint32 want)
{
  guint8 rgb[3];
  guint32 got;

  png_pixel (png, x, y, rgb);
  got = ((guint32)rgb[0] << 16) | ((guint32)rgb[1] << 8) | rgb[2];
  ck_assert_msg (got == want, "%s: pixel (%u,%u) is #%06x, want #%06x", png, x, y, got, want);
}

/* `qcop snapshot DISPLAY PNG`, the CLI the runner can use at checkpoints. */
static void
snapshot_cli (const gchar *display, const gchar *png)
{
  g_autofree gchar *cli = stbsim_test_build_path ("sim/qcop/qcop");
  const gchar *snap[] = { cli, "snapshot", display, png, NULL };
  g_autoptr (GError) error = NULL;
  gint status = -1;

  ck_assert_msg (g_spawn_sync (NULL, (gchar **)snap, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "qcop snapshot status %d",
                 status);
}

/* A real Qt client's window (WA_PaintOnScreen) painted into the QVFb screen appears in the
 * snapshot (qcop snapshot, the CLI the runner can use at checkpoints). */
START_TEST (test_qt_window_snapshot)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-qt4");
  g_autofree gchar *log = g_build_filename (dir, "qcopd.log", NULL);
  g_autofree gchar *png = g_build_filename (dir, "screen.png", NULL);
  gint n = stbsim_test_free_qt_display ();
  g_autofree gchar *display = g_strdup_printf ("%d", n);
  g_autofree gchar *ready = NULL;
  StbsimProc *qcopd = spawn_qcopd_display (display, log, &ready);
  gint status = -1;
  QtPeer *peer = peer_start (n, dir);

  peer_expect (peer, "READY");
  peer_cmd (peer, "window 100 120 200 80");
  peer_expect (peer, "PAINTED 200x80");
  snapshot_cli (display, png);
  assert_pixel (png, 100, 120, 0xff0000); /* the window's corners */
  assert_pixel (png, 299, 199, 0xff0000);
  assert_pixel (png, 99, 120, 0x000000); /* and just outside */
  assert_pixel (png, 300, 199, 0x000000);
  assert_pixel (png, 150, 200, 0x000000);
  ck_assert_int_eq (peer_quit (peer), 0);
  peer_free (peer);
  status = stbsim_proc_stop (qcopd, 5000);
  stbsim_proc_free (qcopd);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "stb-qcopd status %d", status);
  stbsim_test_rmtree (dir);
}
END_TEST

/* ---- a Qt window over a QcopWindow (the VoIP dialog over the IPTV picture) ------------------ */

typedef struct
{
  QcopClient *client;
  guint exposes;
  GArray *last; /* QcopRect: the newly exposed part */
  guint32 colour;
} TvWindow;

/* Paint @rects (QcopRect) in @tv's colour, holding the display lock, as a module does. */
static void
tv_paint (TvWindow *tv, const GArray *rects)
{
  gint w = 0, h = 0, stride = 0;
  guint8 *px = qcop_client_screen_data (tv->client, &w, &h, &stride);

  ck_assert_ptr_nonnull (px);
  qcop_client_screen_lock (tv->client);
  for (guint i = 0; i < rects->len; i++)
    {
      const QcopRect *r = &g_array_index (rects, QcopRect, i);

      for (gint y = r->y; y < r->y + r->height; y++)
        for (gint x = r->x; x < r->x + r->width; x++)
          ((guint32 *)(px + (gsize)y * stride))[x] = tv->colour;
      qcop_client_screen_damage (tv->client, r->x, r->y, r->width, r->height);
    }
  qcop_client_screen_unlock (tv->client);
}

static void
on_tv_expose (QcopWindow *window, const GArray *newly_exposed, gpointer data)
{
  TvWindow *tv = data;

  tv->exposes++;
  g_array_set_size (tv->last, 0);
  g_array_append_vals (tv->last, newly_exposed->data, newly_exposed->len);
  tv_paint (tv, newly_exposed);
}

/* The TV keeps playing: a new picture over its whole allocation. */
static void
tv_frame (TvWindow *tv, QcopWindow *window, guint32 colour)
{
  tv->colour = colour;
  tv_paint (tv, qcop_window_get_allocation (window));
}

/* stb-qcopd on a free display, and a QcopClient for the TV window (both tests below) */
typedef struct
{
  gchar *dir, *png, *png2, *display;
  gint n;
  StbsimProc *qcopd;
  QcopClient *client;
  QcopWindow *window;
  TvWindow tv;
} TvScreen;

static void
tv_screen_start (TvScreen *ts, guint32 colour)
{
  g_autofree gchar *log = NULL;
  g_autofree gchar *socket = NULL;
  g_autofree gchar *ready = NULL;

  ts->dir = stbsim_test_mkdtemp ("check-qt4");
  log = g_build_filename (ts->dir, "qcopd.log", NULL);
  ts->png = g_build_filename (ts->dir, "screen.png", NULL);
  ts->png2 = g_build_filename (ts->dir, "screen2.png", NULL);
  ts->n = stbsim_test_free_qt_display ();
  ts->display = g_strdup_printf ("%d", ts->n);
  socket = qcop_qws_display_socket_path (ts->n);
  ts->qcopd = spawn_qcopd_display (ts->display, log, &ready);
  ts->client = qcop_client_new (socket, "tv");
  ts->tv = (TvWindow){ ts->client, 0, g_array_new (FALSE, FALSE, sizeof (QcopRect)), colour };
}

/* Connect and show the TV window at 100,100 .. 399,299, raised; wait for its first expose. */
static void
tv_screen_show (TvScreen *ts)
{
  g_autoptr (GError) error = NULL;

  ck_assert_msg (qcop_client_connect_sync (ts->client, PEER_WAIT_MS, &error), "%s",
                 error ? error->message : "");
  ts->window = qcop_window_new (ts->client, "tv", &error);
  ck_assert_msg (ts->window != NULL, "%s", error ? error->message : "");
  qcop_window_set_expose_func (ts->window, on_tv_expose, &ts->tv, NULL);
  qcop_window_place (ts->window, 100, 100, 300, 200, TRUE);
  ck_assert_msg (stbsim_test_wait_count (NULL, &ts->tv.exposes, 1, PEER_WAIT_MS),
                 "the TV window was never exposed");
}

static void
tv_screen_stop (TvScreen *ts)
{
  gint status;

  qcop_window_free (ts->window);
  g_array_unref (ts->tv.last);
  g_object_unref (ts->client);
  status = stbsim_proc_stop (ts->qcopd, 5000);
  stbsim_proc_free (ts->qcopd);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "stb-qcopd status %d", status);
  stbsim_test_rmtree (ts->dir);
  g_free (ts->dir);
  g_free (ts->png);
  g_free (ts->png2);
  g_free (ts->display);
}

/* A real Qt client's frameless on-screen window opens over a QcopWindow that keeps painting
 * (item 4: the VoIP dialog over the TV picture): the server takes the Qt window's area from
 * the QcopWindow's allocation, so the snapshot shows the Qt window in the overlap and the
 * TV's latest picture elsewhere; when the Qt client exits, the QcopWindow gets exactly that
 * area back as an expose, and the rest of the screen gets Qt's background. */
START_TEST (test_qt_window_over_qcop_window)
{
  TvScreen ts = { 0 };
  g_autoptr (GError) error = NULL;
  QtPeer *peer;
  gboolean known = TRUE;

  tv_screen_start (&ts, 0xff0000ff);
  tv_screen_show (&ts); /* 100,100 .. 399,299 */
  peer = peer_start (ts.n, ts.dir);
  peer_expect (peer, "READY");
  peer_cmd (peer, "window 200 150 200 100"); /* 200,150 .. 399,249: over the TV */
  peer_expect (peer, "PAINTED 200x100");
  /* every Region event the Qt window's request caused has reached us once the server answers
   * a later request of ours (it handles them in order) */
  ck_assert_msg (
      qcop_client_is_registered_sync (ts.client, "QPE/Nobody", PEER_WAIT_MS, &known, &error), "%s",
      error ? error->message : "");
  tv_frame (&ts.tv, ts.window, 0xff00ffff); /* the next picture, cyan, in what the TV may paint */
  snapshot_cli (ts.display, ts.png);
  assert_pixel (ts.png, 300, 200, 0xff0000); /* the overlap: the Qt window on top */
  assert_pixel (ts.png, 200, 150, 0xff0000);
  assert_pixel (ts.png, 399, 249, 0xff0000);
  assert_pixel (ts.png, 150, 280, 0x00ffff); /* the TV's own part: its latest picture */
  assert_pixel (ts.png, 199, 150, 0x00ffff);
  assert_pixel (ts.png, 399, 250, 0x00ffff);
  assert_pixel (ts.png, 50, 50, 0x000000); /* nothing exposed there yet */

  /* the Qt client exits: its window goes, the TV gets exactly that area back */
  ck_assert_int_eq (peer_quit (peer), 0);
  peer_free (peer);
  ck_assert_msg (stbsim_test_wait_count (NULL, &ts.tv.exposes, 2, PEER_WAIT_MS),
                 "the TV window got no expose when the Qt window went");
  ck_assert_uint_eq (ts.tv.last->len, 1);
  ck_assert_int_eq (g_array_index (ts.tv.last, QcopRect, 0).x, 200);
  ck_assert_int_eq (g_array_index (ts.tv.last, QcopRect, 0).y, 150);
  ck_assert_int_eq (g_array_index (ts.tv.last, QcopRect, 0).width, 200);
  ck_assert_int_eq (g_array_index (ts.tv.last, QcopRect, 0).height, 100);
  snapshot_cli (ts.display, ts.png2);
  assert_pixel (ts.png2, 300, 200, 0x00ffff);
  assert_pixel (ts.png2, 50, 50, 0x20b050); /* Qt's background, painted by the server */

  tv_screen_stop (&ts);
}
END_TEST

/* The other way round: a QcopWindow opens over a real Qt window, which gets an Allocation
 * event it did not ask for (the RegionEvent semaphore raised first: a Qt client whose
 * semaphore was not raised would block for ever in fillQueue) and stays responsive; when the
 * QcopWindow hides, Qt gets its area back and repaints it by itself, and the server paints
 * Qt's background where the QcopWindow was. */
START_TEST (test_qcop_window_over_qt_window)
{
  TvScreen ts = { 0 };
  QtPeer *peer;

  tv_screen_start (&ts, 0xff00ffff);
  peer = peer_start (ts.n, ts.dir);
  peer_expect (peer, "READY");
  peer_cmd (peer, "window 200 150 200 100");
  peer_expect (peer, "PAINTED 200x100");
  tv_screen_show (&ts); /* covers the Qt window */
  /* the Qt client took its (empty) allocation and still answers */
  peer_cmd (peer, "isreg QPE/Nobody");
  peer_expect (peer, "ISREG QPE/Nobody 0");
  snapshot_cli (ts.display, ts.png);
  assert_pixel (ts.png, 300, 200, 0x00ffff); /* the QcopWindow on top */
  assert_pixel (ts.png, 100, 100, 0x00ffff);

  /* hidden: the Qt window repaints what it gets back, the rest of the area is background */
  qcop_window_place (ts.window, 0, 0, 0, 0, FALSE);
  peer_expect (peer, "PAINTED 200x100");
  snapshot_cli (ts.display, ts.png2);
  assert_pixel (ts.png2, 300, 200, 0xff0000);
  assert_pixel (ts.png2, 150, 120, 0x20b050);
  assert_pixel (ts.png2, 10, 10, 0x20b050);

  ck_assert_int_eq (peer_quit (peer), 0);
  peer_free (peer);
  tv_screen_stop (&ts);
}
END_TEST

/* Pixels of the @w x @h rectangle at (@x, @y) of an RGB PNG that are not @background, and
 * of those the near-white ones (>= 0xc0 in each channel). */
static void
count_text_pixels (const gchar *path, guint x, guint y, guint w, guint h, guint32 background,
                   guint *not_background, guint *white)
{
  guint width = 0, height = 0;
  g_autofree guint8 *pixels = png_load_rgb (path, &width, &height);

  ck_assert (x + w <= width && y + h <= height);
  *not_background = *white = 0;
  for (guint row = y; row < y + h; row++)
    for (guint col = x; col < x + w; col++)
      {
        const guint8 *p = pixels + ((gsize)row * width + col) * 3;
        guint32 rgb = ((guint32)p[0] << 16) | ((guint32)p[1] << 8) | p[2];

        *not_background += rgb != background;
        *white += p[0] >= 0xc0 && p[1] >= 0xc0 && p[2] >= 0xc0;
      }
}

/* A real Qt client that draws text (QPainter::drawText, as a QLabel does) runs on stb-qcopd
 * --display N --font-dir DIR: it reads the font database cache stb-qcopd wrote
 * (qfontdatabase_qws.cpp loadFromCache), matches "DejaVu Sans" and its glyphs reach the
 * screen: white pixels inside the blue rectangle. At exit stb-qcopd removes the cache and the
 * font file the client rendered there (*.qsf), and so the whole /tmp/qtembedded-N. */
START_TEST (test_qt_text_on_fontdb)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-qt4");
  g_autofree gchar *log = g_build_filename (dir, "qcopd.log", NULL);
  g_autofree gchar *png = g_build_filename (dir, "screen.png", NULL);
  g_autofree gchar *fonts = qt_env ("QT_QWS_FONTDIR");
  gint n = stbsim_test_free_qt_display ();
  g_autofree gchar *display = g_strdup_printf ("%d", n);
  g_autofree gchar *cache = qcop_qws_fontdb_cache_dir (n);
  g_autofree gchar *want_db = g_build_filename (cache, "fontdb", NULL);
  g_autofree gchar *datadir = g_path_get_dirname (cache);
  g_autofree gchar *ready = NULL, *db = NULL;
  StbsimProc *qcopd = spawn_qcopd_fonts (display, fonts, log, &ready);
  g_autoptr (GError) error = NULL;
  guint not_blue = 0, white = 0;
  gint status;
  QtPeer *peer;

  db = stb_stack_ready_value (ready, "fontdb");
  ck_assert_msg (db != NULL && g_str_equal (db, want_db), "READY names fontdb=%s, want %s",
                 db ? db : "(none)", want_db);
  peer = peer_start (n, dir);
  peer_expect (peer, "READY");
  peer_cmd (peer, "text 100 120 300 60 BBC One");
  peer_expect (peer, "TEXT 300x60 DejaVu Sans");
  ck_assert_msg (qcop_qws_screen_snapshot (n, png, &error), "%s", error ? error->message : "");
  count_text_pixels (png, 100, 120, 300, 60, 0x0000ff, &not_blue, &white);
  /* "BBC One" at 30 px: a few hundred glyph pixels, far from the 18000 of the rectangle */
  ck_assert_msg (white >= 150 && not_blue < 6000,
                 "%s: %u near-white and %u non-blue pixels in the text rectangle", png, white,
                 not_blue);
  assert_pixel (png, 100, 120, 0x0000ff);
  assert_pixel (png, 399, 179, 0x0000ff);
  status = peer_quit (peer);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "Qt peer status %d", status);
  peer_free (peer);
  status = stbsim_proc_stop (qcopd, 5000);
  stbsim_proc_free (qcopd);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "stb-qcopd status %d", status);
  ck_assert_msg (!g_file_test (datadir, G_FILE_TEST_EXISTS), "%s left behind", datadir);
  stbsim_test_rmtree (dir);
}
END_TEST

/* The same client on stb-qcopd without a font directory (no --font-dir, no QT_QWS_FONTDIR):
 * no cache is written, and Qt 4.8 aborts as soon as it lays out text. This is the failure
 * test_qt_text_on_fontdb guards against. */
START_TEST (test_qt_text_without_fontdb)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-qt4");
  g_autofree gchar *log = g_build_filename (dir, "qcopd.log", NULL);
  gint n = stbsim_test_free_qt_display ();
  g_autofree gchar *display = g_strdup_printf ("%d", n);
  g_autofree gchar *socket = qcop_qws_display_socket_path (n);
  g_autofree gchar *datadir = g_path_get_dirname (socket);
  g_autofree gchar *ready = NULL, *db = NULL, *peer_log = NULL;
  StbsimProc *qcopd = spawn_qcopd_display (display, log, &ready);
  QtPeer *peer;
  gint status;

  db = stb_stack_ready_value (ready, "fontdb");
  ck_assert_msg (db == NULL, "READY names fontdb=%s without a font directory", db);
  peer = peer_start (n, dir);
  peer_expect (peer, "READY");
  peer_cmd (peer, "text 100 120 300 60 BBC One");
  status = peer_wait (peer); /* it aborts by itself */
  ck_assert_msg (status != -1 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0),
                 "the Qt client drew text without a font database cache, or hung (status %d)",
                 status);
  peer_log = stbsim_test_read_file (peer->log, 0);
  ck_assert_msg (strstr (peer_log, "Could not open font database cache") != NULL,
                 "status %d, log:\n%s", status, peer_log);
  peer_free (peer);
  status = stbsim_proc_stop (qcopd, 5000);
  stbsim_proc_free (qcopd);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "stb-qcopd status %d", status);
  /* the client made fonts/ (qws_fontCacheDir mkpath): stb-qcopd removes it with the rest */
  ck_assert_msg (!g_file_test (datadir, G_FILE_TEST_EXISTS), "%s left behind", datadir);
  stbsim_test_rmtree (dir);
}
END_TEST

static void
stack_on_display (StbStack *rig, const gchar *layout, gint n, gboolean without_iptv)
{
  const gchar *voip_args[] = { "--inject", "--t-dialog-ms", "3000",  "--t-show-ms",
                               "2000",     "--t-alert-ms",  "10000", NULL };
  const StbStackOptions options = { .layout = layout,
                                    .dialect = "default",
                                    .name = "check-qt4",
                                    .voip_args = voip_args,
                                    .qws_display = n,
                                    .without_iptv = without_iptv,
                                    .without_voip = !without_iptv };

  stb_stack_start (rig, &options);
}

static const gchar *
listen_channel (const gchar *layout, const gchar *module)
{
  if (g_str_equal (layout, "bidirectional"))
    return "QPE/ServiceSwitch";
  return g_str_equal (module, "iptv") ? "QPE/ServiceSwitch/ToIPTV" : "QPE/ServiceSwitch/ToVoIP";
}

/* A Qt IPTV module (the peer) and stb-voip: callee accept, SPEC §8.2 (types: 1 iptv_to_voip,
 * 2 voip_to_iptv; STOP_IPTV 2, CALLEE_SHOW_VIDEO_PAGE 2, RESUME_IPTV 4). */
START_TEST (test_qt_iptv_with_stb_voip)
{
  const gchar *layout = layouts[_i];
  gint n = stbsim_test_free_qt_display ();
  StbStack rig;
  QtPeer *peer;

  stack_on_display (&rig, layout, n, TRUE);
  peer = peer_start (n, rig.dir);
  peer_expect (peer, "READY");
  peer_register (peer, listen_channel (layout, "iptv"));
  {
    /* stb-voip listens (QCopChannel::isRegistered, through the server) */
    g_autofree gchar *want = g_strdup_printf ("ISREG %s 1", listen_channel (layout, "voip"));
    peer_cmd (peer, "isreg %s", listen_channel (layout, "voip"));
    peer_expect (peer, want);
  }
  stb_stack_send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2001@ims.test");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IDLE", "to=DIALOG", "reason=V-01");
  stb_stack_key (&rig, "voip", "ok");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=STOP_IPTV", "type=voip_to_iptv");
  {
    g_autofree gchar *want
        = g_strdup_printf ("RECV %s switchService(int,int) 2 2", listen_channel (layout, "iptv"));
    peer_expect (peer, want);
  }
  peer_cmd (peer, "send %s switchService(int,int) 1 2", listen_channel (layout, "voip"));
  peer_expect (peer, "SENT");
  stb_stack_expect (&rig, "voip", "switch.rx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=V-20");
  stb_stack_expect (&rig, "voip", "voip.state", "from=AWAIT_SHOW", "to=IN_CALL", "reason=V-20");
  stb_stack_send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL);
  stb_stack_expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV");
  {
    g_autofree gchar *want
        = g_strdup_printf ("RECV %s switchService(int,int) 2 4", listen_channel (layout, "iptv"));
    peer_expect (peer, want);
  }
  ck_assert_int_eq (peer_quit (peer), 0);
  peer_free (peer);
  stb_stack_stop (&rig, TRUE);
  stb_stack_free (&rig);
}
END_TEST

/* ---- IPTV flows: stb-iptv starts on the navigation page, the video-call item focused; no
 * channel is played (no head-end: the flows are about the channel, not media) ---------------- */

static gchar *
lineup_path (void)
{
  return stbsim_test_source_path ("fixtures/lineup.ini");
}

/* stb-iptv up, on the navigation page with the video-call item focused (SPEC §6 start). */
static void
iptv_at_nav (StbStack *rig)
{
  stb_stack_expect (rig, "iptv", "iptv.focus", "item=videocall");
  stb_stack_expect (rig, "iptv", "iptv.ready", NULL);
}

/* A Qt VoIP module (the peer) and stb-iptv: the caller flow, SPEC §8.1 (CALLER_SHOW_VIDEO_PAGE
 * 1 of type 1; BACK_TO_NAV 1 of type 2). */
START_TEST (test_qt_voip_with_stb_iptv)
{
  const gchar *layout = layouts[_i];
  g_autofree gchar *lineup = lineup_path ();
  const gchar *iptv_args[] = { "--lineup", lineup, NULL };
  gint n = stbsim_test_free_qt_display ();
  const StbStackOptions options = { .layout = layout,
                                    .dialect = "default",
                                    .name = "check-qt4",
                                    .iptv_args = iptv_args,
                                    .qws_display = n,
                                    .without_voip = TRUE };
  StbStack rig;
  QtPeer *peer;

  stb_stack_start (&rig, &options);
  peer = peer_start (n, rig.dir);
  peer_expect (peer, "READY");
  peer_register (peer, listen_channel (layout, "voip"));
  iptv_at_nav (&rig);
  stb_stack_key (&rig, "iptv", "ok");
  stb_stack_expect (&rig, "iptv", "switch.tx", "param=CALLER_SHOW_VIDEO_PAGE", "type=iptv_to_voip");
  {
    g_autofree gchar *want
        = g_strdup_printf ("RECV %s switchService(int,int) 1 1", listen_channel (layout, "voip"));
    peer_expect (peer, want);
  }
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=NAV", "to=HIDDEN_CALLER", "reason=I-01");
  peer_cmd (peer, "send %s switchService(int,int) 2 1", listen_channel (layout, "iptv"));
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=BACK_TO_NAV", "row=I-40");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLER", "to=NAV", "reason=I-40");
  ck_assert_int_eq (peer_quit (peer), 0);
  peer_free (peer);
  stb_stack_stop (&rig, TRUE);
  stb_stack_free (&rig);
}
END_TEST

/* ---- server direction: stbsim's modules on a real Qt QWS server ---------------------------------
 */

static void
rig_on_qt_server (StbStack *rig, const gchar *layout, gint n)
{
  g_autofree gchar *exe = stbsim_test_build_path ("tests/qt4/qt4-qws-server");
  g_autofree gchar *lib = qt_env ("LD_LIBRARY_PATH");
  g_autofree gchar *fonts = qt_env ("QT_QWS_FONTDIR");
  g_autofree gchar *qws = g_strdup_printf ("QWS_DISPLAY=VNC:size=320x240:depth=32:%d", n);
  g_autofree gchar *lib_env = g_strdup_printf ("LD_LIBRARY_PATH=%s", lib);
  g_autofree gchar *font_env = g_strdup_printf ("QT_QWS_FONTDIR=%s", fonts);
  g_autofree gchar *socket = qcop_qws_display_socket_path (n);
  g_autofree gchar *lineup = lineup_path ();
  const gchar *iptv_args[] = { "--lineup", lineup, NULL };
  const gchar *voip_args[] = { "--inject", "--t-dialog-ms", "3000",  "--t-show-ms",
                               "2000",     "--t-alert-ms",  "10000", NULL };
  /* the VNC driver listens on TCP 5900+N on every interface: a network namespace of its own
   * (a user namespace too when not root) */
  const gchar *server[] = { "unshare", stbsim_test_is_root () ? "-n" : "-rn", exe, NULL };
  const gchar *env[] = {
    qws, lib_env, font_env, "QWS_KEYBOARD=None", "QWS_MOUSE_PROTO=None", "LD_PRELOAD=", NULL
  };
  const StbStackOptions options = { .layout = layout,
                                    .dialect = "default",
                                    .name = "check-qt4",
                                    .iptv_args = iptv_args,
                                    .voip_args = voip_args,
                                    .server_argv = server,
                                    .server_env = env,
                                    .server_socket = socket };

  stb_stack_start (rig, &options);
}

/* The font database cache the real Qt server wrote at start (QWSServerPrivate::initServer,
 * qt_qws_init_fontdb) equals, byte for byte, the one stb-qcopd builds for the same directory. */
static void
assert_fontdb_like_qt (gint n)
{
  g_autofree gchar *fonts = qt_env ("QT_QWS_FONTDIR");
  g_autofree gchar *cache = qcop_qws_fontdb_cache_dir (n);
  g_autofree gchar *path = g_build_filename (cache, "fontdb", NULL);
  g_autofree gchar *qt = NULL;
  g_autoptr (GBytes) ours = NULL;
  g_autoptr (GError) error = NULL;
  gsize qt_len = 0, ours_len = 0;
  const guint8 *p;
  gsize i = 0;

  ck_assert_msg (g_file_get_contents (path, &qt, &qt_len, &error), "the Qt server's cache: %s",
                 error->message);
  ours = qcop_qws_fontdb_build (fonts, NULL, &error);
  ck_assert_msg (ours != NULL, "%s", error ? error->message : "?");
  p = g_bytes_get_data (ours, &ours_len);
  while (i < qt_len && i < ours_len && (guint8)qt[i] == p[i])
    i++;
  ck_assert_msg (i == qt_len && i == ours_len,
                 "%s (%zu bytes, by Qt 4.8) and qcop_qws_fontdb_build (%zu bytes) differ at "
                 "byte %zu",
                 path, qt_len, ours_len, i);
}

static void
qt_server_cleanup (gint n)
{
  g_autofree gchar *dir = g_strdup_printf ("/tmp/qtembedded-%d", n);

  stbsim_test_rmtree (dir); /* Qt leaves its socket and font cache there */
}

START_TEST (test_modules_on_qt_server)
{
  const gchar *layout = layouts[_i];
  gint n = stbsim_test_free_qt_display ();
  StbStack rig;

  rig_on_qt_server (&rig, layout, n);
  if (_i == 0)
    assert_fontdb_like_qt (n);
  /* caller, SPEC §8.1 */
  iptv_at_nav (&rig);
  stb_stack_key (&rig, "iptv", "ok");
  stb_stack_expect (&rig, "iptv", "switch.tx", "param=CALLER_SHOW_VIDEO_PAGE", "type=iptv_to_voip");
  stb_stack_expect (&rig, "voip", "switch.rx", "param=CALLER_SHOW_VIDEO_PAGE", "row=V-02");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IDLE", "to=MAIN_PAGE", "reason=V-02");
  stb_stack_key (&rig, "voip", "back");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=BACK_TO_NAV");
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=BACK_TO_NAV", "row=I-40");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLER", "to=NAV", "reason=I-40");
  /* callee accept from the navigation page, SPEC §8.2 */
  stb_stack_send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2001@ims.test");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IDLE", "to=DIALOG", "reason=V-01");
  stb_stack_key (&rig, "voip", "ok");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=STOP_IPTV", "type=voip_to_iptv");
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=STOP_IPTV", "row=I-30");
  stb_stack_expect (&rig, "iptv", "switch.tx", "param=CALLEE_SHOW_VIDEO_PAGE");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=NAV", "to=HIDDEN_CALLEE", "reason=I-30");
  stb_stack_expect (&rig, "voip", "switch.rx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=V-20");
  stb_stack_expect (&rig, "voip", "voip.state", "from=AWAIT_SHOW", "to=IN_CALL", "reason=V-20");
  stb_stack_send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL);
  stb_stack_expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE");
  stb_stack_stop (&rig, TRUE);
  stb_stack_free (&rig);
  qt_server_cleanup (n);
}
END_TEST

static Suite *
qt4_suite (void)
{
  Suite *s = suite_create ("qt4");
  TCase *tc = tcase_create ("client");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_qt_client_on_qcopd);
  tcase_add_test (tc, test_qt_window_snapshot);
  tcase_add_test (tc, test_qt_window_over_qcop_window);
  tcase_add_test (tc, test_qcop_window_over_qt_window);
  tcase_add_test (tc, test_qt_text_on_fontdb);
  tcase_add_test (tc, test_qt_text_without_fontdb);
  tcase_add_loop_test (tc, test_qt_iptv_with_stb_voip, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("flows");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_qt_voip_with_stb_iptv, 0, 2);
  tcase_add_loop_test (tc, test_modules_on_qt_server, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: check-qt4 QT4_PREFIX (meson passes the one ci/find-qt4.sh found)\n");
      return 2;
    }
  qt4_dir = argv[1];
  g_unsetenv ("QT_QWS_FONTDIR"); /* stb-qcopd gets a font directory only when a test says so */
  return stbsim_test_run (qt4_suite ());
}
