/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Private to the player: the client side of fast channel change (SPEC §14, RFC 6285 RAMS
 * semantics). It asks the head-end for a burst from the channel's last key frame and splices
 * the burst and the multicast into one RTP stream by sequence number: burst packets play
 * until the burst has caught up with the first multicast packet received, multicast packets
 * after that; then it tells the head-end to stop (RAMS-T). No answer, or an error answer, and
 * it falls back to the plain join (multicast only, the decoder waits for a key frame).
 */

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _StbFcc StbFcc;

typedef struct
{
  gchar status[48];    /* "requested", "ok", "error:<reason>", "timeout" */
  guint burst_packets; /* received on the burst socket */
  guint burst_played;  /* of those, passed to the demuxer */
  guint multicast_packets;
  guint multicast_played;
  gboolean joined; /* playing from the multicast now */
  gint join_seq;   /* first multicast sequence number played, -1 before */
  gint first_seq;  /* first sequence number played, -1 before */
  gint key_seq;    /* RAMS-I seq: the key frame packet, -1 before */
  guint lost;      /* packets missing between consecutive ones played (sequence gaps) */
} StbFccStats;

/* Bind the burst socket and the control socket on 127.0.0.1. (transfer full) */
StbFcc *stb_fcc_new (const gchar *server_uri, guint channel, GMainContext *context, GError **error);
/* Give the pipeline's udpsrc "fccudp" the burst socket, wire its appsinks "fccburst" and
 * "fccmcast" and its appsrc "fccsrc", then send RAMS-R. Call before it goes to PLAYING. */
gboolean stb_fcc_start (StbFcc *fcc, GstElement *pipeline, GError **error);
void stb_fcc_get_stats (StbFcc *fcc, StbFccStats *stats);
/* Sends RAMS-T if the burst still runs; call after the pipeline is in NULL. */
void stb_fcc_free (StbFcc *fcc);

/* gst-launch fragment: the burst and multicast receivers into appsinks and the appsrc that
 * feeds the demuxer (ends with "! " before the depayloader). @mcast_udpsrc: "udpsrc ...". */
gchar *stb_fcc_pipeline_head (const gchar *mcast_udpsrc, const gchar *rtp_caps);

G_END_DECLS
