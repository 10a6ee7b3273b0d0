/* SPDX-License-Identifier: MIT */
#pragma once

/* Live channels: one GStreamer pipeline per channel, TS/RTP to multicast or unicast. */

#include <gst/gst.h>

#include "headend-fcc.h"
#include "headend-lineup.h"

G_BEGIN_DECLS

typedef struct _HeadendLive HeadendLive;

/* Build and start every channel of @lineup (resolved uris). @multicast_iface NULL = unicast.
 * @fcc non-NULL: every channel also feeds its fast-channel-change ring (@fcc must outlive
 * the returned object). A pipeline error later calls @on_error on the main loop. */
HeadendLive *headend_live_start (HeadendLineup *lineup, const gchar *multicast_iface,
                                 HeadendFcc *fcc,
                                 void (*on_error) (const GError *error, gpointer user_data),
                                 gpointer user_data, GError **error);
void headend_live_free (HeadendLive *live);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeadendLive, headend_live_free)

G_END_DECLS
