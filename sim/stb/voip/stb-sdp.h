/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SDP for the VoIP module's calls: the local offer/answer capabilities (audio PCMU/PCMA,
 * video H.264 constrained baseline, packetization-mode 1) and the remote endpoint read
 * back from a negotiated SDP. Pure functions; the SIP UA hands the text to sofia's soa.
 */

#include <glib.h>

#include "stb-media-types.h"

G_BEGIN_DECLS

#define STB_SDP_H264_FMTP "profile-level-id=42e01f;packetization-mode=1"

/* Local SDP for @local (NULL or ports 0 = that medium is offered with port 0, i.e.
 * disabled). @address overrides @local->address when non-NULL. (transfer full) */
gchar *stb_sdp_build (const StbMediaEndpoint *local, const gchar *address);

/* Parse @sdp (remote offer or answer) into @remote: connection address, RTP ports and the
 * first payload type of each medium that we support, in the remote's order of preference.
 * A rejected/absent medium gets port 0. FALSE with @error (STB_SIP_ERROR) when the text
 * is not SDP or has no usable address. */
gboolean stb_sdp_parse_remote (const gchar *sdp, StbMediaEndpoint *remote, GError **error);

G_END_DECLS
