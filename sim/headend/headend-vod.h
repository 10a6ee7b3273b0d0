/* SPDX-License-Identifier: MIT */
#pragma once

/* VOD: generated MP4 assets (H.264 + AAC) served over RTSP, pausable and seekable. */

#include <gst/gst.h>

#include "headend-lineup.h"

G_BEGIN_DECLS

typedef struct _HeadendVod HeadendVod;

/* Generate (once, cached in @asset_dir) every asset of @lineup. Bounded wait per asset. */
gboolean headend_vod_generate (HeadendLineup *lineup, const gchar *asset_dir, GError **error);
/* Serve every asset at rtsp://127.0.0.1:@port/vod/<id> (@port 0 = any free port). */
HeadendVod *headend_vod_start (HeadendLineup *lineup, const gchar *asset_dir, guint port,
                               GError **error);
guint headend_vod_get_port (HeadendVod *vod);
void headend_vod_free (HeadendVod *vod);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeadendVod, headend_vod_free)

G_END_DECLS
