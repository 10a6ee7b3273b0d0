/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-component"

#include "sr-component.h"

#include <string.h>

SrComponent *
sr_component_new (const gchar *name, gchar **argv, const gchar *log_path, gboolean ready_fd)
{
  SrComponent *comp = g_new0 (SrComponent, 1);
  comp->name = g_strdup (name);
  comp->argv = argv;
  comp->log_path = g_strdup (log_path);
  comp->ready_fd = ready_fd;
  return comp;
}

gchar *
sr_component_ready_value (const SrComponent *comp, const gchar *key)
{
  if (comp == NULL || comp->ready_line == NULL)
    return NULL;
  g_auto (GStrv) words = g_strsplit (comp->ready_line, " ", -1);
  gsize klen = strlen (key);
  for (guint i = 0; words[i]; i++)
    if (strncmp (words[i], key, klen) == 0 && words[i][klen] == '=')
      return g_strdup (words[i] + klen + 1);
  return NULL;
}

GPid
sr_component_pid (const SrComponent *comp)
{
  return comp != NULL && comp->proc != NULL ? stbsim_proc_get_pid (comp->proc) : 0;
}

gboolean
sr_component_start (SrComponent *comp, gboolean wait_ready, gint timeout_ms, GError **error)
{
  StbsimProcOptions opts = { .name = comp->name,
                             .log_path = comp->log_path,
                             .ready_fd = comp->ready_fd,
                             .ready_fd_in_argv = comp->is_dut,
                             .death_signal = comp->death_signal };
  g_clear_pointer (&comp->proc, stbsim_proc_free);
  g_clear_pointer (&comp->ready_line, g_free);
  comp->expect_exit = FALSE;
  comp->exit_reported = FALSE;
  comp->started_ns = stbsim_now_ns ();
  comp->proc = stbsim_proc_spawn ((const gchar *const *)comp->argv, &opts, error);
  if (comp->proc == NULL)
    return FALSE;
  if (!comp->ready_fd || !wait_ready)
    return TRUE;
  comp->ready_line = stbsim_proc_wait_ready (comp->proc, timeout_ms, error);
  return comp->ready_line != NULL;
}

void
sr_component_stop (SrComponent *comp)
{
  if (comp->proc == NULL)
    return;
  comp->expect_exit = TRUE;
  stbsim_proc_stop (comp->proc, 2000);
}

void
sr_component_free (SrComponent *comp)
{
  if (comp == NULL)
    return;
  if (comp->proc)
    {
      comp->expect_exit = TRUE;
      stbsim_proc_free (comp->proc);
    }
  g_free (comp->name);
  g_strfreev (comp->argv);
  g_free (comp->log_path);
  g_free (comp->ready_line);
  g_free (comp->dut_template);
  g_free (comp);
}
