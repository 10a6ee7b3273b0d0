/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-screen"

#include "sr-screen.h"

#include <glib/gstdio.h>

#include "qcop-qws-display.h"
#include "stbsim-proc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Display numbers the runner claims: above the ones tests/qt4 picks (20000..49999). */
#define FIRST_DISPLAY 50000
#define N_DISPLAYS (QCOP_QWS_DISPLAY_MAX - FIRST_DISPLAY + 1)
#define MAX_TRIES 500

gboolean
sr_screen_wanted (const SrConfig *config)
{
  const gchar *const templates[] = { config->dut_iptv, config->dut_voip, config->dut_voip_inject };
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    if (templates[i] && strstr (templates[i], "{display}"))
      return TRUE;
  return FALSE;
}

gboolean
sr_screen_claim (SrRun *run, GError **error)
{
  if (!sr_screen_wanted (run->config))
    return TRUE;
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
      run->qws_display = n;
      run->qws_display_dir = g_steal_pointer (&dir);
      g_free (run->socket_path);
      run->socket_path = qcop_qws_display_socket_path (n);
      return TRUE;
    }
  g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
               "no free Qt display number in %d..%d after %d tries (/tmp/qtembedded-N taken)",
               FIRST_DISPLAY, QCOP_QWS_DISPLAY_MAX, MAX_TRIES);
  return FALSE;
}

void
sr_screen_release (SrRun *run)
{
  if (run->qws_display_dir == NULL)
    return;
  g_unlink (run->socket_path); /* stb-qcopd removes it on a clean stop; not after a kill */
  g_autofree gchar *fonts = g_build_filename (run->qws_display_dir, "fonts", NULL);
  g_rmdir (fonts); /* a Qt client that loads fonts makes it (observed with Qt 4.8.7) */
  if (g_rmdir (run->qws_display_dir) != 0 && errno != ENOENT)
    g_debug ("%s left behind: %s", run->qws_display_dir, g_strerror (errno));
  g_clear_pointer (&run->qws_display_dir, g_free);
}

gboolean
sr_screen_snapshot (SrRun *run, const gchar *name, GError **error)
{
  if (run->qws_display_dir == NULL)
    {
      g_debug ("snapshot %s: this run has no screen", name);
      return TRUE;
    }
  g_autofree gchar *file = g_strdup_printf ("screen-%s.png", name);
  g_autofree gchar *path = g_build_filename (run->test_dir, file, NULL);
  g_autofree gchar *tmp = g_strconcat (path, ".tmp", NULL);
  gint64 t = stbsim_now_ns ();
  if (!qcop_qws_screen_snapshot (run->qws_display, tmp, error))
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
  s->path = g_build_filename ("tests", run->result->id, file, NULL);
  s->t_ns = t;
  g_ptr_array_add (run->result->snapshots, s);
  sr_run_note (run, "snapshot", NULL, s->path);
  return TRUE;
}
