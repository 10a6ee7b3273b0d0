/* SPDX-License-Identifier: MIT */
#pragma once

#include "stb-iptv-app.h"

G_BEGIN_DECLS

/* After the module connected: a window when the server offers a screen (else nothing, TRUE),
 * and the player's pictures tapped for it. */
gboolean stb_iptv_screen_start (StbIptv *self, GError **error);
/* Show what the module shows now (page, programme, focus): schedules a repaint, draws nothing
 * here. No-op without a screen. */
void stb_iptv_screen_update (StbIptv *self);

G_END_DECLS
