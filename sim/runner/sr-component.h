/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One process a test started: its command line, log file, READY line and exit state. Each runs
 * through stbsim-proc (own process group, PDEATHSIG, log file, READY line) and is stopped by
 * PID. Which binary and which arguments a component gets is decided above (sr-launch.c); this
 * layer knows nothing of the run.
 */

#include <glib.h>

#include "stbsim-proc.h"

G_BEGIN_DECLS

typedef struct _SrComponent
{
  gchar *name;
  gchar **argv;
  gchar *log_path;
  gchar *ready_line;
  gboolean ready_fd; /* the process writes a READY line on fd 3 */
  StbsimProc *proc;
  gboolean is_dut;      /* vendor binary given with --dut or the DUT's ICS */
  gchar *dut_template;  /* the DUT's command template (report) */
  gboolean expect_exit; /* killed or stopped on purpose */
  gboolean exit_reported;
  gint64 started_ns;
  gint death_signal; /* PR_SET_PDEATHSIG (stbsim-proc.h); 0 = SIGKILL */
} SrComponent;

/* A component @name running @argv (transfer full, NULL-terminated), logging to @log_path;
 * @ready_fd: it reports READY on fd 3. */
SrComponent *sr_component_new (const gchar *name, gchar **argv, const gchar *log_path,
                               gboolean ready_fd);
/* Spawn and (if @wait_ready and the component has a readiness signal) wait for READY. */
gboolean sr_component_start (SrComponent *comp, gboolean wait_ready, gint timeout_ms,
                             GError **error);
void sr_component_stop (SrComponent *comp);
void sr_component_free (SrComponent *comp);
/* Value of @key in the READY line ("READY k=v k2=v2"), or NULL. (transfer full) */
gchar *sr_component_ready_value (const SrComponent *comp, const gchar *key);
/* The process id, or 0 when not running. */
GPid sr_component_pid (const SrComponent *comp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrComponent, sr_component_free)

G_END_DECLS
