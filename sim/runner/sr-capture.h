/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A packet capture per test: tests/<id>/capture.pcapng with the test's SIP and RTP and its
 * QCOP traffic in one time order (issue 12).
 *
 * sr_capture_start() starts `tcpdump -i lo udp` (root; writes tests/<id>/capture-lo.pcap) and
 * waits for its "listening on" line. sr_capture_finish(), called once the test's components
 * are stopped:
 *   1. keeps only the run's traffic: UDP to/from the IMS core's port (read from the test's
 *      tests/<id>/ims/kamailio.cfg) and the RTP/RTCP ports its SDP offers and answers name
 *      (tcpdump -r: cheap), dropping whatever else crossed lo meanwhile (other runs);
 *   2. exports the QCOP server's trace (qcop-trace.jsonl) as pcapng (sim/qcop/qcop-trace-pcap.h,
 *      LINKTYPE_USER0, dissected by tools/wireshark/qcop.lua);
 *   3. merges both with mergecap into capture.pcapng and removes the intermediate files.
 * Without root or tcpdump the capture holds QCOP only; without mergecap (wireshark-common) the
 * network part stays in capture-net.pcap and capture.pcapng holds QCOP only. What was done is
 * logged (g_message) and returned as text; failures never change a test's verdict.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SrCapture SrCapture;

/* (transfer full) Never NULL: a capture that could not start still exports QCOP at finish.
 * @network FALSE (a test without SIP): QCOP only, no tcpdump. */
SrCapture *sr_capture_start (const gchar *test_dir, gboolean network);
/* Stop, filter, export and merge (see above). Returns a one-line summary (transfer full). */
gchar *sr_capture_finish (SrCapture *self, const gchar *trace_path);
/* Stops a running capture without writing capture.pcapng. NULL-safe. */
void sr_capture_free (SrCapture *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrCapture, sr_capture_free)

/* Is a network capture possible here (root and tcpdump)? */
gboolean sr_capture_available (void);

G_END_DECLS
