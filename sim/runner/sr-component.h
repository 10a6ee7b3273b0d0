/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Components a scenario can start (server, iptv, voip, headend, ims, sipp): how to find the
 * binary, which arguments it gets, how readiness is detected. Each one runs through
 * stbsim-proc (own process group, PDEATHSIG, log file, READY line) and is stopped by PID.
 */

#include <glib.h>

#include "sr-run.h"
#include "stbsim-proc.h"

G_BEGIN_DECLS

struct _SrComponent
{
  gchar *name;
  gchar **argv;
  gchar *log_path;
  gchar *extra_args;
  gchar *ready_line;
  StbsimProc *proc;
  gboolean is_dut;       /* vendor binary given with --dut or the DUT's ICS */
  gboolean dut_ready_fd; /* the DUT's template names {ready_fd}: wait for its READY line */
  gchar *dut_template;   /* the DUT's command template (report) */
  gboolean expect_exit;  /* killed or stopped on purpose */
  gboolean exit_reported;
  gint64 started_ns;
};

/* Build the command line of @name for @run (DUT override applied). (transfer full) */
SrComponent *sr_component_new (SrRun *run, const gchar *name, const gchar *extra_args,
                               GError **error);
/* Spawn and (if @wait_ready and the component has a readiness signal) wait for READY. */
gboolean sr_component_start (SrComponent *comp, gboolean wait_ready, gint timeout_ms,
                             GError **error);
void sr_component_stop (SrComponent *comp);
void sr_component_free (SrComponent *comp);
/* Value of @key in the READY line of started @component ("READY k=v k2=v2"), or NULL.
 * (transfer full) */
gchar *sr_component_ready_value (SrRun *run, const gchar *component, const gchar *key);
/* Append --lineup/--vod-base-uri for the run's head-end, if one is running. */
void sr_component_add_headend_args (SrRun *run, GPtrArray *argv);
/* The names sr_component_new() accepts. */
extern const gchar *const sr_component_names[];

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrComponent, sr_component_free)

G_END_DECLS
