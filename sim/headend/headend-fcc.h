/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Fast channel change (SPEC §14, RFC 6285 RAMS semantics, simplified signalling): every live
 * channel keeps its packets from the second-latest key frame on (the latest GOP, plus the one
 * before it for bursts still in flight); a client asks for a burst with one UDP datagram and
 * gets the channel's RTP packets from the latest key frame on, unicast and faster than real
 * time, with the same SSRC and sequence numbers as the multicast, until it says it has joined.
 *
 *   client -> server  "RAMS-R channel=N port=P"     burst to (request's source address, P)
 *   server -> client  "RAMS-I channel=N status=ok seq=S age_ms=A speed=F"
 *                     "RAMS-I channel=N status=error
 * reason=no-such-channel|no-key-frame|bad-request" client -> server  "RAMS-T channel=N port=P
 * seq=M" (M = first multicast packet it plays)
 */

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _HeadendFcc HeadendFcc;
typedef struct _HeadendFccChannel HeadendFccChannel;

/* Listen for burst requests on 127.0.0.1:@port (0 = any free port). @speed: burst rate as a
 * multiple of real time (> 1). */
HeadendFcc *headend_fcc_new (guint16 port, gdouble speed, GError **error);
void headend_fcc_free (HeadendFcc *fcc);
guint16 headend_fcc_get_port (HeadendFcc *fcc);

/* Faults for the tests that prove the player's burst checks can fail: "late-start" starts
 * bursts 6 packets after the key frame and without PAT/PMT; "skip-packets" does not send one
 * burst packet in 8 after the 16th (pictures damaged or skipped: the frame clock check). */
typedef enum
{
  HEADEND_FCC_FAULT_NONE,
  HEADEND_FCC_FAULT_LATE_START,
  HEADEND_FCC_FAULT_SKIP_PACKETS,
} HeadendFccFault;
gboolean headend_fcc_set_fault (HeadendFcc *fcc, const gchar *name, GError **error);

/* Register live channel @number; the returned handle is fed by headend_fcc_channel_push(). */
HeadendFccChannel *headend_fcc_add_channel (HeadendFcc *fcc, guint number);
/* Streaming thread: one RTP packet (MP2T payload) just sent to the channel's group. */
void headend_fcc_channel_push (HeadendFccChannel *ch, GstBuffer *rtp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeadendFcc, headend_fcc_free)

G_END_DECLS
