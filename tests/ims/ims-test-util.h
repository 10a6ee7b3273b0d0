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

/* Has process @pid a UDP socket bound to @port (any address)? Read passively from
 * /proc/PID/net/udp (the process's own network namespace) and /proc/PID/fd: never binds the
 * port itself, so it cannot make the process's own bind fail. */
gboolean ims_test_udp_bound_by (GPid pid, guint16 port);

/* Wait (bounded) until @sipp has bound UDP @port; fails the test, naming the port and
 * quoting sipp's output, if it exits or does not within @timeout_ms. */
void ims_test_sipp_wait_bound (ImsTestSipp *sipp, guint16 port, gint timeout_ms);
/* The same for a bare process (@log: its output, quoted on failure; may be NULL). */
void ims_test_proc_wait_bound (StbsimProc *proc, const gchar *log, guint16 port, gint timeout_ms);

/* A block of @n (1..8) consecutive UDP ports on 127.0.0.1, the first one a multiple of 8,
 * for sipp's SIP port or its media ports (-mp P binds P and P+2). The block lies below the
 * kernel's ephemeral range (ip_local_port_range), so no port-0 bind of any process can take
 * it, every port was free when checked, and it stays reserved against other users of this
 * helper (other tests running in parallel) until the process exits: a TCP listener holds
 * the first number (TCP and UDP ports are separate spaces, so sipp's UDP binds succeed).
 * Fails the test if no block is found. */
guint16 ims_test_reserve_udp_ports (guint n);

G_END_DECLS
