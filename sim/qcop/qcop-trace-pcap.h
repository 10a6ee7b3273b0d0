/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Export a stb-qcopd trace (sim/qcop/TRACE.md) as a pcapng file, so QCOP shows up in the
 * same Wireshark window as SIP and RTP (merge with mergecap; tools/wireshark/qcop.lua
 * dissects it).
 *
 * One interface "qcop", link type LINKTYPE_USER0 (147), nanosecond timestamps: the record's
 * CLOCK_MONOTONIC t_ns plus @offset_ns (CLOCK_REALTIME - CLOCK_MONOTONIC, measured once with
 * qcop_trace_pcap_clock_offset(), as sim/runner/sr-sipobs.c's SrClockMap does).
 * One packet per trace record of kind cmd or event (one QWS command or event), laid out as
 *
 *   u8  version (1)
 *   u8  kind: 1 command (client -> server), 2 event (server -> client)
 *   u8  payload: 1 the QWS item as it goes on the wire (host byte order, little-endian here),
 *                2 the trace record's JSON (items the trace does not hold in full:
 *                Identify, Connected, MaxWindowRect, Creation)
 *   u8  app name length N
 *   u32 client id (big-endian)
 *   u32 client pid (big-endian)
 *   N   app name (UTF-8, as announced with Identify; empty before)
 *   ... payload
 */

#include <glib.h>

G_BEGIN_DECLS

#define QCOP_TRACE_PCAP_LINKTYPE 147 /* LINKTYPE_USER0 */
#define QCOP_TRACE_PCAP_VERSION 1

typedef enum
{
  QCOP_TRACE_PCAP_KIND_CMD = 1,
  QCOP_TRACE_PCAP_KIND_EVENT = 2,
} QcopTracePcapKind;

typedef enum
{
  QCOP_TRACE_PCAP_PAYLOAD_QWS = 1,
  QCOP_TRACE_PCAP_PAYLOAD_JSON = 2,
} QcopTracePcapPayload;

/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, from the tightest of a few bracketed readings. */
gint64 qcop_trace_pcap_clock_offset (void);

/* Write @trace_path's command and event records to @out_path (created/truncated).
 * @n_packets (optional) gets the number written. Bad input: QCOP_ERROR_INVALID naming
 * file:line; I/O: G_FILE_ERROR. */
gboolean qcop_trace_pcap_export (const gchar *trace_path, const gchar *out_path, gint64 offset_ns,
                                 guint *n_packets, GError **error);

G_END_DECLS
