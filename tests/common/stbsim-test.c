/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-test"

#include "stbsim-test.h"

#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static gchar *
root_path (const gchar *var, const gchar *rel)
{
  const gchar *root = g_getenv (var);

  if (!root)
    {
      fprintf (stderr, "%s is not set: run the tests through `make check` / `meson test`\n", var);
      abort ();
    }
  return g_build_filename (root, rel, NULL);
}

gchar *
stbsim_test_build_path (const gchar *rel)
{
  return root_path ("STBSIM_BUILD_ROOT", rel);
}

gchar *
stbsim_test_source_path (const gchar *rel)
{
  return root_path ("STBSIM_SOURCE_ROOT", rel);
}

gchar *
stbsim_test_mkdtemp (const gchar *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *tmpl = g_strdup_printf ("%s-XXXXXX", prefix ? prefix : "stbsim-test");
  gchar *dir = g_dir_make_tmp (tmpl, &error);

  ck_assert_msg (dir != NULL, "mkdtemp: %s", error ? error->message : "?");
  return dir;
}

void
stbsim_test_rmtree (const gchar *path)
{
  g_autoptr (GDir) dir = NULL;
  const gchar *name;

  if (!path)
    return;
  dir = g_dir_open (path, 0, NULL);
  if (dir)
    {
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree gchar *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR)
              && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            stbsim_test_rmtree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

typedef struct
{
  gboolean fired;
} Deadline;

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
on_deadline (gpointer data)
{
  ((Deadline *)data)->fired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
stbsim_test_wait_until (GMainContext *context, gboolean (*done) (gpointer), gpointer data,
                        gint timeout_ms)
{
  Deadline deadline = { FALSE };
  GSource *timer, *tick;
  gboolean ok;

  if (done (data))
    return TRUE;
  timer = g_timeout_source_new ((guint)timeout_ms);
  g_source_set_callback (timer, on_deadline, &deadline, NULL);
  g_source_attach (timer, context);
  /* Conditions that no source signals (a child exiting, a file growing) are re-checked
   * every 10 ms. */
  tick = g_timeout_source_new (10);
  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, context);
  while (!(ok = done (data)) && !deadline.fired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  g_source_destroy (timer);
  g_source_unref (timer);
  return ok;
}

typedef struct
{
  const guint *counter;
  guint want;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;

  return *w->counter >= w->want;
}

gboolean
stbsim_test_wait_count (GMainContext *context, const guint *counter, guint want, gint timeout_ms)
{
  CountWait w = { counter, want };

  return stbsim_test_wait_until (context, count_reached, &w, timeout_ms);
}

static gboolean
proc_exited (gpointer data)
{
  return stbsim_proc_poll_exit (data, NULL);
}

gboolean
stbsim_test_wait_exit (StbsimProc *proc, gint timeout_ms, gint *wait_status)
{
  /* StbsimProc reaps its child itself: no GLib event, the wait's tick re-checks. */
  if (!stbsim_test_wait_until (NULL, proc_exited, proc, timeout_ms))
    return FALSE;
  return stbsim_proc_poll_exit (proc, wait_status);
}

gint
stbsim_test_free_qt_display (void)
{
  for (gint i = 0; i < 200; i++)
    {
      gint n = 20000 + (gint)((getpid () * 13 + i * 101) % 30000);
      g_autofree gchar *dir = g_strdup_printf ("/tmp/qtembedded-%d", n);
      g_autofree gchar *pipe = g_strdup_printf ("/tmp/.qtvfb_mouse-%d", n);

      if (!g_file_test (dir, G_FILE_TEST_EXISTS) && !g_file_test (pipe, G_FILE_TEST_EXISTS))
        return n;
    }
  ck_abort_msg ("no free Qt display number in 20000..49999");
  return -1;
}

guint16
stbsim_test_free_port (int type)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  int rc;

  ck_assert_msg (fd >= 0, "socket: %s", g_strerror (errno));
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  rc = bind (fd, (struct sockaddr *)&addr, sizeof addr);
  if (rc == 0)
    rc = getsockname (fd, (struct sockaddr *)&addr, &len);
  close (fd);
  ck_assert_msg (rc == 0, "picking a free 127.0.0.1 port: %s", g_strerror (errno));
  return ntohs (addr.sin_port);
}

gchar *
stbsim_test_read_file (const gchar *path, gsize max_bytes)
{
  g_autofree gchar *text = NULL;
  gsize len = 0;

  if (!path || !g_file_get_contents (path, &text, &len, NULL))
    return g_strdup ("");
  if (max_bytes > 0 && len > max_bytes)
    return g_strdup (text + len - max_bytes);
  return g_steal_pointer (&text);
}

StbsimProc *
stbsim_test_spawn_ready (const gchar *const *argv, const gchar *name, const gchar *log_path,
                         gint timeout_ms, gchar **ready_line)
{
  g_autoptr (GError) error = NULL;
  StbsimProcOptions opts = { .name = name, .log_path = log_path, .ready_fd = TRUE };
  StbsimProc *proc = stbsim_proc_spawn (argv, &opts, &error);
  gchar *line;

  ck_assert_msg (proc != NULL, "spawn %s: %s", name, error ? error->message : "?");
  line = stbsim_proc_wait_ready (proc, timeout_ms, &error);
  if (!line)
    {
      g_autofree gchar *log = NULL;
      gsize len = 0;
      const gchar *tail = "";
      /* libcheck cannot carry long failure messages: print the log, cite its tail. */
      if (log_path && g_file_get_contents (log_path, &log, &len, NULL))
        {
          fprintf (stderr, "--- %s log (%s) ---\n%s\n--- end ---\n", name, log_path, log);
          tail = len > 600 ? log + len - 600 : log;
        }
      ck_abort_msg ("%s not ready: %s; log tail: %s", name, error->message, tail);
    }
  if (ready_line)
    *ready_line = line;
  else
    g_free (line);
  return proc;
}

int
stbsim_test_run (Suite *suite)
{
  SRunner *runner = srunner_create (suite);
  int failed;

  srunner_run_all (runner, CK_ENV);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}

gboolean
stbsim_test_is_root (void)
{
  return geteuid () == 0;
}
