/* SPDX-License-Identifier: MIT */
#pragma once

#include "stb-voip-app.h"

G_BEGIN_DECLS

/* After the module connected (and its call media exist): a window when the server offers a
 * screen (else nothing, TRUE), and the far end's pictures tapped for it. */
gboolean stb_voip_screen_start (StbVoip *self, GError **error);
/* Show what the state shows (SPEC §7): schedules a repaint, draws nothing here. No-op without
 * a screen. */
void stb_voip_screen_update (StbVoip *self);

G_END_DECLS
