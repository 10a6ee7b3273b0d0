/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* setns */
#define G_LOG_DOMAIN "ims"

#include "ims-netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct _ImsNetns
{
  gchar *ims_name;
  gchar *stb_name;
  gboolean ims_created;
  gboolean stb_created;
};

static gchar *
find_ip (GError **error)
{
  static const gchar *const fallbacks[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", NULL };
  gchar *path = g_find_program_in_path ("ip");

  for (guint i = 0; !path && fallbacks[i]; i++)
    if (g_file_test (fallbacks[i], G_FILE_TEST_IS_EXECUTABLE))
      path = g_strdup (fallbacks[i]);
  if (!path)
    g_set_error_literal (error, IMS_ERROR, IMS_ERROR_NOT_INSTALLED,
                         "`ip` (iproute2) not found: install iproute2 for --netns");
  return path;
}

/* Run `ip ARGS...` synchronously; on failure the error quotes the command and its stderr. */
static gboolean
run_ip (GError **error, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *out = NULL, *err = NULL, *cmd = NULL;
  gchar *ip = find_ip (error);
  const gchar *arg;
  gint status = 0;
  va_list ap;

  if (!ip)
    return FALSE;
  g_ptr_array_add (argv, ip);
  va_start (ap, error);
  while ((arg = va_arg (ap, const gchar *)))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  cmd = g_strjoinv (" ", (gchar **)argv->pdata);
  if (!g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, error))
    {
      g_prefix_error (error, "%s: ", cmd);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_NETNS, "`%s` failed: %s", cmd,
                   err && *err ? g_strstrip (err) : "(no message)");
      return FALSE;
    }
  g_debug ("ran %s", cmd);
  return TRUE;
}

static gboolean
setup_side (const gchar *ns, const gchar *dev, const gchar *addr, GError **error)
{
  g_autofree gchar *cidr = g_strconcat (addr, "/30", NULL);

  return run_ip (error, "-n", ns, "link", "set", "lo", "up", NULL)
         && run_ip (error, "-n", ns, "addr", "add", cidr, "dev", dev, NULL)
         && run_ip (error, "-n", ns, "link", "set", dev, "up", NULL);
}

ImsNetns *
ims_netns_create (GError **error)
{
  static guint counter;
  g_autoptr (ImsNetns) netns = NULL;
  guint n = g_atomic_int_add (&counter, 1);

  if (geteuid () != 0)
    {
      g_set_error_literal (error, IMS_ERROR, IMS_ERROR_NOT_ROOT,
                           "--netns needs root (ip netns add, veth): run as root, or run "
                           "without --netns on loopback");
      return NULL;
    }
  ims_netns_remove_stale ();
  netns = g_new0 (ImsNetns, 1);
  netns->ims_name = g_strdup_printf (IMS_NETNS_PREFIX "ims-%d-%u", (int)getpid (), n);
  netns->stb_name = g_strdup_printf (IMS_NETNS_PREFIX "stb-%d-%u", (int)getpid (), n);

  if (!run_ip (error, "netns", "add", netns->ims_name, NULL))
    return NULL;
  netns->ims_created = TRUE;
  if (!run_ip (error, "netns", "add", netns->stb_name, NULL))
    return NULL;
  netns->stb_created = TRUE;
  /* Created directly inside the namespaces: the host never sees the interfaces. */
  if (!run_ip (error, "link", "add", "ims0", "netns", netns->ims_name, "type", "veth", "peer",
               "name", "stb0", "netns", netns->stb_name, NULL)
      || !setup_side (netns->ims_name, "ims0", IMS_NETNS_IMS_ADDR, error)
      || !setup_side (netns->stb_name, "stb0", IMS_NETNS_STB_ADDR, error))
    return NULL;
  g_message ("network namespaces %s (%s) <-> %s (%s) ready", netns->ims_name, IMS_NETNS_IMS_ADDR,
             netns->stb_name, IMS_NETNS_STB_ADDR);
  return g_steal_pointer (&netns);
}

const gchar *
ims_netns_get_ims_name (ImsNetns *netns)
{
  return netns->ims_name;
}

const gchar *
ims_netns_get_stb_name (ImsNetns *netns)
{
  return netns->stb_name;
}

/* SIGKILL whatever still runs in namespace @name (`ip netns pids`): leftovers of a crashed
 * run, e.g. Kamailio workers orphaned when their main process was killed. */
static void
kill_ns_processes (const gchar *name)
{
  g_autofree gchar *ip = find_ip (NULL);
  const gchar *argv[] = { ip, "netns", "pids", name, NULL };
  g_autofree gchar *out = NULL;
  g_auto (GStrv) pids = NULL;
  gint status = 0;

  if (!ip
      || !g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                        NULL, &status, NULL))
    return;
  pids = g_strsplit (out, "\n", -1);
  for (guint i = 0; pids[i]; i++)
    {
      gint64 pid = g_ascii_strtoll (pids[i], NULL, 10);
      if (pid > 1 && pid != getpid ())
        {
          g_message ("killing leftover process %" G_GINT64_FORMAT " in network namespace %s", pid,
                     name);
          kill ((pid_t)pid, SIGKILL);
        }
    }
}

static void
delete_ns (const gchar *name)
{
  g_autoptr (GError) error = NULL;

  kill_ns_processes (name);
  if (!run_ip (&error, "netns", "delete", name, NULL))
    g_message ("could not delete network namespace %s: %s", name, error->message);
}

void
ims_netns_destroy (ImsNetns *netns)
{
  if (!netns)
    return;
  if (netns->stb_created)
    delete_ns (netns->stb_name);
  if (netns->ims_created)
    delete_ns (netns->ims_name);
  g_free (netns->ims_name);
  g_free (netns->stb_name);
  g_free (netns);
}

/* "stbsim-ims-1234-0" -> 1234; 0 if @name is not one of ours. */
static pid_t
owner_pid (const gchar *name)
{
  const gchar *p;
  gchar *end;
  gint64 pid;

  if (g_str_has_prefix (name, IMS_NETNS_PREFIX "ims-"))
    p = name + strlen (IMS_NETNS_PREFIX "ims-");
  else if (g_str_has_prefix (name, IMS_NETNS_PREFIX "stb-"))
    p = name + strlen (IMS_NETNS_PREFIX "stb-");
  else
    return 0;
  pid = g_ascii_strtoll (p, &end, 10);
  if (end == p || *end != '-' || pid <= 0 || pid > G_MAXINT32)
    return 0;
  return (pid_t)pid;
}

/* No such process, or a zombie nobody reaped yet (our init reaps lazily). */
static gboolean
pid_gone (pid_t pid)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *stat = NULL;
  const gchar *end;

  if (kill (pid, 0) < 0 && errno == ESRCH)
    return TRUE;
  path = g_strdup_printf ("/proc/%d/stat", (int)pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  end = strrchr (stat, ')'); /* "pid (comm) S ..." */
  return end && (end[2] == 'Z' || end[2] == 'X');
}

guint
ims_netns_remove_stale (void)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  if (geteuid () != 0)
    return 0;
  dir = g_dir_open ("/run/netns", 0, NULL);
  if (!dir)
    return 0;
  while ((name = g_dir_read_name (dir)))
    {
      pid_t pid = owner_pid (name);
      if (pid > 0 && pid_gone (pid))
        g_ptr_array_add (stale, g_strdup (name));
    }
  for (guint i = 0; i < stale->len; i++)
    {
      g_message ("removing stale network namespace %s (its creator is gone)",
                 (const gchar *)stale->pdata[i]);
      delete_ns (stale->pdata[i]);
    }
  return stale->len;
}

GStrv
ims_netns_exec_prefix (const gchar *name, GError **error)
{
  gchar *ip = find_ip (error);
  GStrv argv;

  if (!ip)
    return NULL;
  argv = g_new0 (gchar *, 5);
  argv[0] = ip;
  argv[1] = g_strdup ("netns");
  argv[2] = g_strdup ("exec");
  argv[3] = g_strdup (name);
  return argv;
}

gboolean
ims_netns_enter (const gchar *name, gint *saved_fd, GError **error)
{
  g_autofree gchar *path = g_build_filename ("/run/netns", name, NULL);
  gint self, target;

  self = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    {
      int e = errno;
      g_set_error (error, IMS_ERROR, IMS_ERROR_NETNS, "open /proc/thread-self/ns/net: %s",
                   g_strerror (e));
      return FALSE;
    }
  target = open (path, O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns (target, CLONE_NEWNET) < 0)
    {
      int e = errno;
      g_set_error (error, IMS_ERROR, IMS_ERROR_NETNS, "entering network namespace %s: %s", path,
                   g_strerror (e));
      if (target >= 0)
        close (target);
      close (self);
      return FALSE;
    }
  close (target);
  *saved_fd = self;
  return TRUE;
}

void
ims_netns_leave (gint saved_fd)
{
  if (saved_fd < 0)
    return;
  if (setns (saved_fd, CLONE_NEWNET) < 0)
    g_error ("cannot return to the original network namespace: %s", g_strerror (errno));
  close (saved_fd);
}
