/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-procobs"

/* The process observer (sr-procobs.h): the IPTV modules' inet sockets, from /proc. */

#include "sr-procobs.h"

#include <string.h>

#include "stbsim-proc.h"

#define PERIOD_NS (50 * G_GINT64_CONSTANT (1000000))

typedef struct
{
  gint udp, tcp; /* last counts (-1: not sampled yet) */
  gboolean gone;
} Proc;

struct _SrProcObs
{
  GHashTable *procs; /* pid -> Proc* */
  gint64 last_ns;
};

SrProcObs *
sr_proc_obs_new (void)
{
  SrProcObs *obs = g_new0 (SrProcObs, 1);
  obs->procs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  return obs;
}

void
sr_proc_obs_free (SrProcObs *obs)
{
  if (obs == NULL)
    return;
  g_hash_table_unref (obs->procs);
  g_free (obs);
}

/* The socket inodes among @pid's open files (NULL: the process is gone). */
static GHashTable *
socket_inodes (gint pid)
{
  g_autofree gchar *dir_path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    return NULL;
  GHashTable *inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (const gchar *name; (name = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree gchar *path = g_build_filename (dir_path, name, NULL);
      g_autofree gchar *target = g_file_read_link (path, NULL);
      if (target && g_str_has_prefix (target, "socket:[") && g_str_has_suffix (target, "]"))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }
  return inodes;
}

/* Rows of /proc/PID/net/@table whose inode is one of @inodes (and, for TCP, established). */
static gint
count_sockets (gint pid, const gchar *table, GHashTable *inodes, gboolean established_only)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/net/%s", pid, table);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gint n = 0;
  for (guint i = 1; lines[i]; i++) /* line 0 is the header */
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      guint k = 0;
      const gchar *col[10] = { 0 };
      for (guint j = 0; f[j] && k < G_N_ELEMENTS (col); j++)
        if (*f[j] != '\0')
          col[k++] = f[j];
      /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
      if (k < 10 || !g_hash_table_contains (inodes, col[9]))
        continue;
      if (!established_only || g_str_equal (col[3], "01"))
        n++;
    }
  return n;
}

static void
sample (SrProcObs *obs, SrTimeline *timeline, gint pid, Proc *p)
{
  g_autoptr (GHashTable) inodes = socket_inodes (pid);
  if (inodes == NULL)
    {
      p->gone = TRUE;
      return;
    }
  gint udp = count_sockets (pid, "udp", inodes, FALSE) + count_sockets (pid, "udp6", inodes, FALSE);
  gint tcp = count_sockets (pid, "tcp", inodes, TRUE) + count_sockets (pid, "tcp6", inodes, TRUE);
  if (udp == p->udp && tcp == p->tcp)
    return;
  p->udp = udp;
  p->tcp = tcp;
  g_autoptr (SrEvent) e = sr_event_new (stbsim_now_ns (), SR_EVENT_MEDIA, "iptv", "media.sockets");
  e->details = g_strdup_printf ("pid=%d;udp=%d;tcp=%d", pid, udp, tcp);
  sr_timeline_add (timeline, e);
}

/* IPTV module processes the server trace attributed (qcop.connect pid=). */
static void
learn_pids (SrProcObs *obs, SrTimeline *timeline)
{
  for (guint i = 0; i < timeline->events->len; i++)
    {
      const SrEvent *e = g_ptr_array_index (timeline->events, i);
      if (e->kind != SR_EVENT_CHANNEL || g_strcmp0 (e->source, "iptv") != 0
          || g_strcmp0 (e->name, "qcop.connect") != 0)
        continue;
      g_autofree gchar *pid_s = sr_event_detail (e, "pid");
      gint pid = pid_s ? (gint)g_ascii_strtoll (pid_s, NULL, 10) : 0;
      if (pid > 0 && !g_hash_table_contains (obs->procs, GINT_TO_POINTER (pid)))
        {
          Proc *p = g_new0 (Proc, 1);
          p->udp = p->tcp = -1;
          g_hash_table_insert (obs->procs, GINT_TO_POINTER (pid), p);
        }
    }
}

void
sr_proc_obs_poll (SrProcObs *obs, SrTimeline *timeline)
{
  gint64 now = stbsim_now_ns ();
  if (now - obs->last_ns < PERIOD_NS)
    return;
  obs->last_ns = now;
  learn_pids (obs, timeline);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, obs->procs);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (!((Proc *)value)->gone)
      sample (obs, timeline, GPOINTER_TO_INT (key), value);
}
