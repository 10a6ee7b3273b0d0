/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the tests/ims suites: run sipp scenarios (bounded, stopped by PID). */

#include "stbsim-test.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  StbsimProc *proc;
  gchar *trace; /* -message_file */
  gchar *log;   /* stdout+stderr */
} ImsTestSipp;

/* Start `sipp -sf sim/ims/sipp/@scenario (or @scenario if absolute) -i @local_addr -p @local_port
 * -m 1 -nostdin -timeout 20s -timeout_error -trace_msg -message_file DIR/@tag.msg` plus @remote
 * (may be NULL for a UAS) and @extra (NULL-terminated), in @dir. Optional @netns runs it there.
 * (transfer full) */
ImsTestSipp *ims_test_sipp_start (const gchar *dir, const gchar *tag, const gchar *scenario,
                                  const gchar *netns, const gchar *remote, const gchar *local_addr,
                                  guint16 local_port, const gchar *const *extra);
/* Wait (bounded) for exit; returns the exit code, or -1 if it had to be stopped. */
gint ims_test_sipp_wait (ImsTestSipp *sipp, gint timeout_ms);
/* The message trace, "" if none (transfer full). */
gchar *ims_test_sipp_trace (ImsTestSipp *sipp);
/* How many times @needle occurs in the trace. */
guint ims_test_sipp_count (ImsTestSipp *sipp, const gchar *needle);
void ims_test_sipp_free (ImsTestSipp *sipp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImsTestSipp, ims_test_sipp_free)

/* Run to completion: start + wait. */
gint ims_test_sipp_run (const gchar *dir, const gchar *tag, const gchar *scenario,
                        const gchar *netns, const gchar *remote, const gchar *local_addr,
                        guint16 local_port, const gchar *const *extra, ImsTestSipp **out);

G_END_DECLS
