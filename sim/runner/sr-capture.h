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
 *      tests/<id>/ims/kamailio.cfg), the RTP/RTCP ports its SDP offers and answers name, and
 *      the head-end's live channel ports (its resolved tests/<id>/headend/lineup.ini)
 *      (tcpdump -r: cheap), dropping whatever else crossed lo meanwhile (other runs);
 *   2. exports each station's QCOP server trace (qcop-trace.jsonl, and stb2-qcop-trace.jsonl
 *      of a second STB) as pcapng, one interface each (sim/qcop/qcop-trace-pcap.h,
 *      LINKTYPE_USER0, dissected by tools/wireshark/qcop.lua);
 *   2b. in netns mode (`start, component=ims, args="--netns"`), SIP and RTP cross a veth pair
 *      between the test's own namespaces, never the host's lo: a second tcpdump runs inside
 *      the STB-side namespace from the moment the IMS core is ready until it stops;
 *   3. merges both with mergecap into capture.pcapng and removes the intermediate files.
 * Without root or tcpdump the capture holds QCOP only; without mergecap (wireshark-common) the
 * network part stays in capture-net.pcap and capture.pcapng holds QCOP only. What was done is
 * logged (g_message) and returned as text; failures never change a test's verdict.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SrCapture SrCapture;

/* (transfer full) Never NULL: a capture that could not start still exports QCOP at finish.
 * @network FALSE (a test with neither SIP nor a head-end): QCOP only, no tcpdump. */
SrCapture *sr_capture_start (const gchar *test_dir, gboolean network);
/* netns mode: also capture UDP inside network namespace @netns (everything in it belongs to
 * the test) into tests/<id>/capture-<netns>.pcap, merged at finish. Waits until tcpdump
 * listens; FALSE (logged) when it cannot. */
gboolean sr_capture_add_netns (SrCapture *self, const gchar *netns);
/* Stop the namespace captures (call before the namespace goes away). */
void sr_capture_stop_netns (SrCapture *self);
/* Stop, filter, export every station's server trace in @trace_paths (NULL-terminated) and
 * merge (see above). Returns a one-line summary (transfer full). */
gchar *sr_capture_finish (SrCapture *self, const gchar *const *trace_paths);
/* Stops a running capture without writing capture.pcapng. NULL-safe. */
void sr_capture_free (SrCapture *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrCapture, sr_capture_free)

/* Is a network capture possible here (root and tcpdump)? */
gboolean sr_capture_available (void);

G_END_DECLS
