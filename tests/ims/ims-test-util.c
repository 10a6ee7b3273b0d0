/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims-test"

#include "ims-test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const gchar *const common_args[]
    = { "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_msg", "-message_file",
        NULL };

ImsTestSipp *
ims_test_sipp_start (const gchar *dir, const gchar *tag, const gchar *scenario, const gchar *netns,
                     const gchar *remote, const gchar *local_addr, guint16 local_port,
                     const gchar *const *extra)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *rel = g_build_filename ("sim/ims/sipp", scenario, NULL);
  ImsTestSipp *sipp = g_new0 (ImsTestSipp, 1);
  g_autofree gchar *logname = g_strconcat (tag, ".out", NULL);
  g_autofree gchar *msgname = g_strconcat (tag, ".msg", NULL);
  StbsimProcOptions opts = { .name = "sipp", .cwd = dir };

  sipp->log = g_build_filename (dir, logname, NULL);
  sipp->trace = g_build_filename (dir, msgname, NULL);
  opts.log_path = sipp->log;
  if (netns)
    {
      g_ptr_array_add (argv, g_strdup ("ip"));
      g_ptr_array_add (argv, g_strdup ("netns"));
      g_ptr_array_add (argv, g_strdup ("exec"));
      g_ptr_array_add (argv, g_strdup (netns));
    }
  g_ptr_array_add (argv, g_strdup ("sipp"));
  g_ptr_array_add (argv, g_strdup ("-sf"));
  g_ptr_array_add (argv, g_path_is_absolute (scenario) ? g_strdup (scenario)
                                                       : stbsim_test_source_path (rel));
  if (remote)
    g_ptr_array_add (argv, g_strdup (remote));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup (local_addr));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", local_port));
  for (guint i = 0; common_args[i]; i++)
    g_ptr_array_add (argv, g_strdup (common_args[i]));
  g_ptr_array_add (argv, g_strdup (sipp->trace));
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);
  sipp->proc = stbsim_proc_spawn ((const gchar *const *)argv->pdata, &opts, &error);
  ck_assert_msg (sipp->proc != NULL, "spawn sipp: %s", error ? error->message : "?");
  return sipp;
}

gint
ims_test_sipp_wait (ImsTestSipp *sipp, gint timeout_ms)
{
  gint status = 0;

  if (!stbsim_test_wait_exit (sipp->proc, timeout_ms, &status))
    {
      stbsim_proc_stop (sipp->proc, 1000);
      return -1;
    }
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

gchar *
ims_test_sipp_trace (ImsTestSipp *sipp)
{
  gchar *text = NULL;

  if (!g_file_get_contents (sipp->trace, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

guint
ims_test_sipp_count (ImsTestSipp *sipp, const gchar *needle)
{
  g_autofree gchar *text = ims_test_sipp_trace (sipp);
  guint n = 0;

  for (const gchar *p = strstr (text, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

void
ims_test_sipp_free (ImsTestSipp *sipp)
{
  if (!sipp)
    return;
  g_clear_pointer (&sipp->proc, stbsim_proc_free);
  g_free (sipp->trace);
  g_free (sipp->log);
  g_free (sipp);
}

gint
ims_test_sipp_run (const gchar *dir, const gchar *tag, const gchar *scenario, const gchar *netns,
                   const gchar *remote, const gchar *local_addr, guint16 local_port,
                   const gchar *const *extra, ImsTestSipp **out)
{
  ImsTestSipp *sipp
      = ims_test_sipp_start (dir, tag, scenario, netns, remote, local_addr, local_port, extra);
  gint rc = ims_test_sipp_wait (sipp, 25000);

  if (out)
    *out = sipp;
  else
    ims_test_sipp_free (sipp);
  return rc;
}

/* ---- passive readiness: /proc, never a probing bind ------------------------------------------ */

/* The inodes of the sockets bound to local @port in /proc/@pid/net/udp (IPv4 only: sipp
 * runs with -i 127.0.0.1 or a namespace's IPv4 address). */
static GArray *
udp_inodes (GPid pid, guint16 port)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/net/udp", (int)pid);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  GArray *inodes = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return inodes;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      /* "  sl  local_address rem_address   st tx_queue:rx_queue tr tm->when retrnsmt   uid
       *  timeout inode": local_address is HEXADDR:HEXPORT */
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr (GPtrArray) cols = g_ptr_array_new ();
      const gchar *colon;
      guint64 p = 0, inode = 0;

      for (guint k = 0; f[k] != NULL; k++)
        if (f[k][0] != '\0')
          g_ptr_array_add (cols, f[k]);
      if (cols->len < 10)
        continue;
      colon = strchr (g_ptr_array_index (cols, 1), ':');
      if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 16, 0, 65535, &p, NULL)
          || p != port
          || !g_ascii_string_to_unsigned (g_ptr_array_index (cols, 9), 10, 1, G_MAXUINT64, &inode,
                                          NULL))
        continue;
      g_array_append_val (inodes, inode);
    }
  return inodes;
}

gboolean
ims_test_udp_bound_by (GPid pid, guint16 port)
{
  g_autoptr (GArray) inodes = udp_inodes (pid, port);
  g_autofree gchar *fddir = g_strdup_printf ("/proc/%d/fd", (int)pid);
  g_autoptr (GDir) dir = NULL;
  const gchar *name;

  if (inodes->len == 0 || (dir = g_dir_open (fddir, 0, NULL)) == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *link = g_build_filename (fddir, name, NULL);
      g_autofree gchar *target = g_file_read_link (link, NULL);
      gchar *end = NULL;
      guint64 inode;

      if (target == NULL || !g_str_has_prefix (target, "socket:["))
        continue;
      inode = g_ascii_strtoull (target + 8, &end, 10); /* "socket:[INODE]" */
      if (end == NULL || *end != ']')
        continue;
      for (guint i = 0; i < inodes->len; i++)
        if (g_array_index (inodes, guint64, i) == inode)
          return TRUE;
    }
  return FALSE;
}

typedef struct
{
  StbsimProc *proc;
  guint16 port;
  gboolean exited;
} BoundWait;

static gboolean
proc_bound_or_gone (gpointer data)
{
  BoundWait *w = data;

  if (stbsim_proc_poll_exit (w->proc, NULL))
    {
      w->exited = TRUE;
      return TRUE;
    }
  return ims_test_udp_bound_by (stbsim_proc_get_pid (w->proc), w->port);
}

void
ims_test_proc_wait_bound (StbsimProc *proc, const gchar *log, guint16 port, gint timeout_ms)
{
  BoundWait w = { proc, port, FALSE };
  gboolean done = stbsim_test_wait_until (NULL, proc_bound_or_gone, &w, timeout_ms);

  if (done && !w.exited)
    return;
  {
    g_autofree gchar *tail = stbsim_test_read_file (log, 1500);

    ck_abort_msg ("%s (pid %d) did not bind UDP port %u within %d ms (%s); its output:\n%s",
                  stbsim_proc_get_name (proc), (int)stbsim_proc_get_pid (proc), port, timeout_ms,
                  w.exited ? "it exited" : "still running", tail);
  }
}

void
ims_test_sipp_wait_bound (ImsTestSipp *sipp, guint16 port, gint timeout_ms)
{
  ims_test_proc_wait_bound (sipp->proc, sipp->log, port, timeout_ms);
}

/* ---- port blocks outside the ephemeral range ------------------------------------------------- */

#define PORT_BLOCK 8
#define PORT_FLOOR 10000

static guint
ephemeral_low (void)
{
  g_autofree gchar *text = NULL;
  guint64 low = 32768;

  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL))
    low = g_ascii_strtoull (text, NULL, 10);
  return low > PORT_FLOOR + 64 * PORT_BLOCK ? (guint)low : 32768;
}

static gint
bind_lo (int type, guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  gint fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd >= 0 && bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

/* Reserve the block at @base: the TCP token first (other users of this helper back off),
 * then every UDP port must be free right now. Returns the token fd or -1. */
static gint
try_block (guint16 base, guint n)
{
  gint token = bind_lo (SOCK_STREAM, base);
  gint udp[PORT_BLOCK];
  guint bound = 0;

  if (token < 0 || listen (token, 1) < 0)
    {
      if (token >= 0)
        close (token);
      return -1;
    }
  while (bound < n && (udp[bound] = bind_lo (SOCK_DGRAM, (guint16)(base + bound))) >= 0)
    bound++;
  for (guint i = 0; i < bound; i++)
    close (udp[i]);
  if (bound < n)
    {
      close (token);
      return -1;
    }
  return token;
}

guint16
ims_test_reserve_udp_ports (guint n)
{
  guint blocks = (ephemeral_low () - PORT_FLOOR) / PORT_BLOCK;

  ck_assert_msg (n >= 1 && n <= PORT_BLOCK, "ims_test_reserve_udp_ports: %u ports", n);
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      guint16 base = (guint16)(PORT_FLOOR + g_random_int_range (0, (gint32)blocks) * PORT_BLOCK);
      gint token = try_block (base, n);

      if (token >= 0)
        return base; /* the token stays open (reserved) until the process exits */
    }
  ck_abort_msg ("no block of %u free UDP ports on 127.0.0.1 in %u..%u after 200 tries", n,
                PORT_FLOOR, ephemeral_low () - 1);
  return 0;
}
