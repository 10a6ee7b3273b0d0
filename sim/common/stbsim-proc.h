/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Child-process supervision shared by the runner, the IMS launcher and the tests.
 *
 * Every child runs in its own process group, gets SIGKILL if its parent dies
 * (PR_SET_PDEATHSIG), has its stdout+stderr appended to a log file (or inherited), and is
 * stopped by PID: SIGTERM to its process group, a bounded wait, then SIGKILL.
 *
 * Readiness contract for our daemons (stb-qcopd, stb-iptv, stb-voip, stb-headend, ...):
 * given `--ready-fd N`, the process writes ONE line to fd N once it serves, e.g.
 *   "READY socket=/run/x/qcop.sock\n"
 * then closes N. stbsim_proc_wait_ready() returns that line. A process that exits first, or
 * stays silent past the timeout, is an error naming the process and its log.
 */

#include <glib.h>

G_BEGIN_DECLS

#define STBSIM_PROC_ERROR (stbsim_proc_error_quark ())
GQuark stbsim_proc_error_quark (void);

typedef enum
{
  STBSIM_PROC_ERROR_SPAWN,
  STBSIM_PROC_ERROR_EXITED, /* exited before it was ready */
  STBSIM_PROC_ERROR_TIMEOUT,
  STBSIM_PROC_ERROR_NOT_READY, /* closed the ready fd without a READY line */
} StbsimProcError;

typedef struct _StbsimProc StbsimProc;

typedef struct
{
  const gchar *name;         /* for messages: "stb-qcopd", "kamailio" */
  const gchar *log_path;     /* stdout+stderr appended here; NULL = inherit */
  const gchar *cwd;          /* NULL = inherit */
  gboolean ready_fd;         /* pass "--ready-fd 3" appended to argv and read fd 3 */
  gboolean ready_fd_in_argv; /* with ready_fd: argv already names fd 3 (a DUT command template's
                              * {ready_fd}), append nothing */
  const gchar *const *env;   /* extra KEY=VALUE entries added to the inherited environment */
  int death_signal;          /* PR_SET_PDEATHSIG signal; 0 = SIGKILL. A child that forks workers
                              * of its own (kamailio) wants SIGTERM, so it can stop them. */
} StbsimProcOptions;

/* Spawn @argv (argv[0] searched in PATH if it has no '/'). (transfer full). */
StbsimProc *stbsim_proc_spawn (const gchar *const *argv, const StbsimProcOptions *options,
                               GError **error);
/* Wait (bounded) for the READY line; returns it without the newline (transfer full). */
gchar *stbsim_proc_wait_ready (StbsimProc *proc, gint timeout_ms, GError **error);
GPid stbsim_proc_get_pid (StbsimProc *proc);
const gchar *stbsim_proc_get_name (StbsimProc *proc);
const gchar *stbsim_proc_get_log_path (StbsimProc *proc);
/* Non-blocking: TRUE and the wait status if the child has exited. */
gboolean stbsim_proc_poll_exit (StbsimProc *proc, gint *wait_status);
/* Send @sig to the child's process group. */
void stbsim_proc_signal (StbsimProc *proc, int sig);
/* SIGTERM the group, wait up to @timeout_ms, then SIGKILL and reap. Returns the wait status
 * (or -1 if it had to be killed). Idempotent. */
gint stbsim_proc_stop (StbsimProc *proc, gint timeout_ms);
/* Stops (if running) and frees. */
void stbsim_proc_free (StbsimProc *proc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbsimProc, stbsim_proc_free)

/* Parse "--ready-fd N" style helper for daemons: write @line + "\n" to @fd and close it.
 * @fd < 0 does nothing. */
void stbsim_ready_notify (gint fd, const gchar *line);

/* CLOCK_MONOTONIC in nanoseconds: the one clock of every trace and event. */
gint64 stbsim_now_ns (void);
/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, from the tightest of @samples back-to-back
 * (monotonic, realtime, monotonic) reads; @error_ns (nullable) gets half that gap. Maps wall
 * clock stamps (Kamailio's log, pcap files) onto the one clock. */
gint64 stbsim_realtime_offset_ns (guint samples, gint64 *error_ns);

G_END_DECLS
