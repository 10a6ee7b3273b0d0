/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-proc"

#include "stbsim-proc.h"

#include <glib-unix.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* clang-format off */
G_DEFINE_QUARK (stbsim-proc-error-quark, stbsim_proc_error)
/* clang-format on */

struct _StbsimProc
{
  gchar *name;
  gchar *log_path;
  GPid pid;
  gint ready_fd; /* read end, -1 when none */
  gboolean exited;
  gint wait_status;
};

typedef struct
{
  gint log_fd;
  gint ready_wr;
  int death_signal;
} ChildSetup;

static void
child_setup (gpointer data)
{
  ChildSetup *cs = data;

  /* Async-signal-safe calls only. */
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, cs->death_signal);
  if (cs->log_fd >= 0)
    {
      dup2 (cs->log_fd, STDOUT_FILENO);
      dup2 (cs->log_fd, STDERR_FILENO);
    }
  if (cs->ready_wr >= 0)
    {
      if (cs->ready_wr != 3)
        dup2 (cs->ready_wr, 3);
      else
        fcntl (3, F_SETFD, 0);
    }
}

static gint64
read_clock (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

gint64
stbsim_now_ns (void)
{
  return read_clock (CLOCK_MONOTONIC);
}

gint64
stbsim_realtime_offset_ns (guint samples, gint64 *error_ns)
{
  gint64 best = G_MAXINT64, offset = 0;

  for (guint i = 0; i < MAX (samples, 1u); i++)
    {
      gint64 m1 = read_clock (CLOCK_MONOTONIC);
      gint64 r = read_clock (CLOCK_REALTIME);
      gint64 m2 = read_clock (CLOCK_MONOTONIC);
      gint64 half = (m2 - m1 + 1) / 2;
      if (half < best)
        {
          best = half;
          offset = r - (m1 + (m2 - m1) / 2);
        }
    }
  if (error_ns)
    *error_ns = best;
  return offset;
}

void
stbsim_ready_notify (gint fd, const gchar *line)
{
  g_autofree gchar *text = NULL;
  gsize off = 0, len;

  if (fd < 0)
    return;
  text = g_strconcat (line, "\n", NULL);
  len = strlen (text);
  while (off < len)
    {
      gssize n = write (fd, text + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      off += (gsize)n;
    }
  close (fd);
}

static gchar **
build_envp (const gchar *const *extra)
{
  gchar **envp = g_get_environ ();

  for (guint i = 0; extra && extra[i]; i++)
    {
      const gchar *eq = strchr (extra[i], '=');
      g_autofree gchar *key = NULL;

      if (!eq)
        continue;
      key = g_strndup (extra[i], (gsize)(eq - extra[i]));
      envp = g_environ_setenv (envp, key, eq + 1, TRUE);
    }
  return envp;
}

StbsimProc *
stbsim_proc_spawn (const gchar *const *argv, const StbsimProcOptions *options, GError **error)
{
  StbsimProcOptions defaults = { 0 };
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_auto (GStrv) envp = NULL;
  ChildSetup cs = { -1, -1, SIGKILL };
  gint pipefd[2] = { -1, -1 };
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD;
  StbsimProc *proc;
  GPid pid;
  gboolean ok;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  if (!options)
    options = &defaults;
  if (options->death_signal > 0)
    cs.death_signal = options->death_signal;

  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (args, (gpointer)argv[i]);
  if (options->ready_fd && !options->ready_fd_in_argv)
    {
      g_ptr_array_add (args, (gpointer) "--ready-fd");
      g_ptr_array_add (args, (gpointer) "3");
    }
  g_ptr_array_add (args, NULL);
  if (!strchr (argv[0], '/'))
    flags |= G_SPAWN_SEARCH_PATH;

  if (options->log_path)
    {
      cs.log_fd = open (options->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (cs.log_fd < 0)
        {
          int e = errno;
          g_set_error (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_SPAWN,
                       "%s: cannot open log %s: %s", options->name ? options->name : argv[0],
                       options->log_path, g_strerror (e));
          return NULL;
        }
    }
  if (options->ready_fd)
    {
      if (!g_unix_open_pipe (pipefd, FD_CLOEXEC, error))
        {
          if (cs.log_fd >= 0)
            close (cs.log_fd);
          return NULL;
        }
      cs.ready_wr = pipefd[1];
    }

  envp = build_envp (options->env);
  /* GLib marks every fd >= 3 close-on-exec before child_setup runs; dup2 onto fd 3 there
   * clears that flag for the ready pipe only. */
  ok = g_spawn_async (options->cwd, (gchar **)args->pdata, envp, flags, child_setup, &cs, &pid,
                      error);
  if (cs.log_fd >= 0)
    close (cs.log_fd);
  if (pipefd[1] >= 0)
    close (pipefd[1]);
  if (!ok)
    {
      if (pipefd[0] >= 0)
        close (pipefd[0]);
      g_prefix_error (error, "%s: ", options->name ? options->name : argv[0]);
      return NULL;
    }
  /* Also from the parent, so the group exists before we might signal it. */
  setpgid (pid, pid);

  proc = g_new0 (StbsimProc, 1);
  proc->name = g_strdup (options->name ? options->name : argv[0]);
  proc->log_path = g_strdup (options->log_path);
  proc->pid = pid;
  proc->ready_fd = pipefd[0];
  g_debug ("spawned %s pid %d", proc->name, (int)pid);
  return proc;
}

GPid
stbsim_proc_get_pid (StbsimProc *proc)
{
  return proc->pid;
}

const gchar *
stbsim_proc_get_name (StbsimProc *proc)
{
  return proc->name;
}

const gchar *
stbsim_proc_get_log_path (StbsimProc *proc)
{
  return proc->log_path;
}

gboolean
stbsim_proc_poll_exit (StbsimProc *proc, gint *wait_status)
{
  if (!proc->exited)
    {
      gint st;
      pid_t r = waitpid (proc->pid, &st, WNOHANG);
      if (r == proc->pid)
        {
          proc->exited = TRUE;
          proc->wait_status = st;
          /* Whatever the leader left in its group goes with it. Only now: once reaped, the
           * id may be reused, so the group is never signalled again. */
          kill (-proc->pid, SIGKILL);
        }
    }
  if (proc->exited && wait_status)
    *wait_status = proc->wait_status;
  return proc->exited;
}

static gchar *
describe_exit (StbsimProc *proc)
{
  const gchar *log = proc->log_path ? proc->log_path : "(inherited stderr)";

  if (WIFEXITED (proc->wait_status))
    return g_strdup_printf ("%s (pid %d) exited with status %d before it was ready; see %s",
                            proc->name, (int)proc->pid, WEXITSTATUS (proc->wait_status), log);
  return g_strdup_printf ("%s (pid %d) killed by signal %d before it was ready; see %s", proc->name,
                          (int)proc->pid, WTERMSIG (proc->wait_status), log);
}

gchar *
stbsim_proc_wait_ready (StbsimProc *proc, gint timeout_ms, GError **error)
{
  g_autoptr (GString) line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  if (proc->ready_fd < 0)
    {
      g_set_error (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_NOT_READY,
                   "%s was not started with a ready fd", proc->name);
      return NULL;
    }
  for (;;)
    {
      GPollFD pfd = { proc->ready_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, 0 };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gchar buf[256];
      gssize n;

      if (left_ms <= 0)
        {
          g_set_error (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_TIMEOUT,
                       "%s (pid %d) not ready after %d ms; see %s", proc->name, (int)proc->pid,
                       timeout_ms, proc->log_path ? proc->log_path : "its stderr");
          return NULL;
        }
      /* Poll in short slices so an early exit is noticed even if fd 3 leaked to a grandchild. */
      if (g_poll (&pfd, 1, (gint)MIN (left_ms, 100)) == 0)
        {
          if (stbsim_proc_poll_exit (proc, NULL))
            {
              g_autofree gchar *why = describe_exit (proc);
              g_set_error_literal (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_EXITED, why);
              return NULL;
            }
          continue;
        }
      n = read (proc->ready_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n > 0)
        {
          gchar *nl;
          g_string_append_len (line, buf, n);
          nl = strchr (line->str, '\n');
          if (nl)
            {
              g_string_truncate (line, (gsize)(nl - line->str));
              close (proc->ready_fd);
              proc->ready_fd = -1;
              if (!g_str_has_prefix (line->str, "READY"))
                {
                  g_set_error (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_NOT_READY,
                               "%s wrote \"%s\" instead of a READY line", proc->name, line->str);
                  return NULL;
                }
              return g_string_free (g_steal_pointer (&line), FALSE);
            }
          continue;
        }
      /* EOF without a full line */
      close (proc->ready_fd);
      proc->ready_fd = -1;
      {
        gint64 until = g_get_monotonic_time () + 200 * 1000;
        while (!stbsim_proc_poll_exit (proc, NULL) && g_get_monotonic_time () < until)
          g_usleep (5000);
      }
      if (proc->exited)
        {
          g_autofree gchar *why = describe_exit (proc);
          g_set_error_literal (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_EXITED, why);
        }
      else
        g_set_error (error, STBSIM_PROC_ERROR, STBSIM_PROC_ERROR_NOT_READY,
                     "%s (pid %d) closed its ready fd without a READY line; see %s", proc->name,
                     (int)proc->pid, proc->log_path ? proc->log_path : "its stderr");
      return NULL;
    }
}

void
stbsim_proc_signal (StbsimProc *proc, int sig)
{
  if (proc->exited)
    return;
  if (kill (-proc->pid, sig) < 0)
    kill (proc->pid, sig);
}

gint
stbsim_proc_stop (StbsimProc *proc, gint timeout_ms)
{
  gint64 deadline;

  if (stbsim_proc_poll_exit (proc, NULL))
    return proc->wait_status;
  stbsim_proc_signal (proc, SIGTERM);
  deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  while (g_get_monotonic_time () < deadline)
    {
      if (stbsim_proc_poll_exit (proc, NULL))
        return proc->wait_status;
      g_usleep (2000);
    }
  g_message ("%s (pid %d) ignored SIGTERM for %d ms; killing it", proc->name, (int)proc->pid,
             timeout_ms);
  kill (-proc->pid, SIGKILL);
  kill (proc->pid, SIGKILL);
  if (waitpid (proc->pid, &proc->wait_status, 0) == proc->pid)
    proc->exited = TRUE;
  kill (-proc->pid, SIGKILL);
  return -1;
}

void
stbsim_proc_free (StbsimProc *proc)
{
  if (!proc)
    return;
  stbsim_proc_stop (proc, 2000);
  if (proc->ready_fd >= 0)
    close (proc->ready_fd);
  g_free (proc->name);
  g_free (proc->log_path);
  g_free (proc);
}
