/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-screen"

#include "sr-screen.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "qcop-qws-display.h"
#include "stbsim-proc.h"
#include "stbsim-tmpdir.h"

/* Display numbers the runner claims: above the ones tests/qt4 picks (20000..49999). */
#define FIRST_DISPLAY 50000
#define N_DISPLAYS (QCOP_QWS_DISPLAY_MAX - FIRST_DISPLAY + 1)
#define MAX_TRIES 500

struct _SrScreen
{
  gint display;
  gchar *dir;    /* /tmp/qtembedded-N, claimed */
  gchar *socket; /* Qt's socket of display N */
};

gboolean
sr_screen_wanted (const SrConfig *config)
{
  const gchar *const templates[] = { config->dut_iptv, config->dut_voip, config->dut_voip_inject };
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    if (templates[i] && strstr (templates[i], "{display}"))
      return TRUE;
  return FALSE;
}

SrScreen *
sr_screen_claim (GError **error)
{
  guint start = (guint)getpid () * 7919u + (guint)g_random_int ();
  for (guint i = 0; i < MAX_TRIES; i++)
    {
      gint n = FIRST_DISPLAY + (gint)((start + i) % N_DISPLAYS);
      g_autofree gchar *dir = g_strdup_printf ("/tmp/qtembedded-%d", n);
      g_autofree gchar *pipe = qcop_qws_display_mouse_pipe (n);
      if (g_mkdir (dir, 0700) != 0)
        continue; /* taken (or stale): another number */
      if (g_file_test (pipe, G_FILE_TEST_EXISTS))
        {
          g_rmdir (dir); /* a qvfb or another server keys its screen on it */
          continue;
        }
      stbsim_tmpdir_adopt (dir); /* removed even if the runner is killed */
      SrScreen *screen = g_new0 (SrScreen, 1);
      screen->display = n;
      screen->dir = g_steal_pointer (&dir);
      screen->socket = qcop_qws_display_socket_path (n);
      return screen;
    }
  g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
               "no free Qt display number in %d..%d after %d tries (/tmp/qtembedded-N taken)",
               FIRST_DISPLAY, QCOP_QWS_DISPLAY_MAX, MAX_TRIES);
  return NULL;
}

/* What a killed server of our display leaves (qcop-qws-display.h; a clean stop removes it
 * all): the display lock keyed on the socket, the screen segment keyed on the mouse FIFO,
 * and the FIFO. Ours: the number was claimed free (its FIFO did not exist). */
static void
remove_server_leftovers (SrScreen *screen)
{
  g_autofree gchar *pipe = qcop_qws_display_mouse_pipe (screen->display);
  key_t lock_key = ftok (screen->socket, 'd');
  key_t screen_key = ftok (pipe, 'b');
  gint id;
  if (lock_key != -1 && (id = semget (lock_key, 0, 0)) >= 0 && semctl (id, 0, IPC_RMID) == 0)
    g_message ("display %d: removed the display lock its killed server left", screen->display);
  if (screen_key != -1 && (id = shmget (screen_key, 0, 0)) >= 0 && shmctl (id, IPC_RMID, NULL) == 0)
    g_message ("display %d: removed the screen its killed server left", screen->display);
  g_unlink (pipe);
}

void
sr_screen_free (SrScreen *screen)
{
  if (screen == NULL)
    return;
  remove_server_leftovers (screen); /* after the server stopped, before its socket goes */
  g_unlink (screen->socket);        /* stb-qcopd removes it on a clean stop; not after a kill */
  g_autofree gchar *fonts = g_build_filename (screen->dir, "fonts", NULL);
  g_rmdir (fonts); /* a Qt client that loads fonts makes it (observed with Qt 4.8.7) */
  stbsim_tmpdir_remove (screen->dir); /* and withdraw it from the guardian */
  g_free (screen->dir);
  g_free (screen->socket);
  g_free (screen);
}

gint
sr_screen_display (const SrScreen *screen)
{
  return screen->display;
}

const gchar *
sr_screen_socket (const SrScreen *screen)
{
  return screen->socket;
}

gboolean
sr_screen_snapshot (SrScreen *screen, SrTest *test, const gchar *name, GError **error)
{
  g_autofree gchar *file = g_strdup_printf ("screen-%s.png", name);
  g_autofree gchar *path = g_build_filename (test->test_dir, file, NULL);
  g_autofree gchar *tmp = g_strconcat (path, ".tmp", NULL);
  gint64 t = stbsim_now_ns ();
  if (!qcop_qws_screen_snapshot (screen->display, tmp, error))
    return FALSE;
  if (g_rename (tmp, path) != 0)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "cannot rename %s: %s", tmp,
                   g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  SrSnapshot *s = g_new0 (SrSnapshot, 1);
  s->name = g_strdup (name);
  s->path = g_build_filename ("tests", test->result->id, file, NULL);
  s->t_ns = t;
  g_ptr_array_add (test->result->snapshots, s);
  sr_test_note (test, "snapshot", NULL, s->path);
  return TRUE;
}
