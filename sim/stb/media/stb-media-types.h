/* SPDX-License-Identifier: MIT */
#pragma once

/* Plain data shared by the SIP layer (SDP) and the media layer (RTP). */

#include <glib.h>

G_BEGIN_DECLS

/* One side of a call's media, as SDP describes it. Ports 0 = that medium is absent. */
typedef struct
{
  gchar address[64];  /* "127.0.0.1" */
  guint16 audio_port; /* RTP; RTCP is port + 1 */
  guint16 video_port;
  gint audio_pt; /* 0 PCMU, 8 PCMA */
  gchar audio_codec[16];
  gint video_pt;         /* dynamic, e.g. 96 */
  gchar video_codec[16]; /* "H264" */
  gchar video_fmtp[128]; /* "profile-level-id=42e01f;packetization-mode=1" */
} StbMediaEndpoint;

G_END_DECLS
