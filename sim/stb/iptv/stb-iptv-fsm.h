/* SPDX-License-Identifier: MIT */
#pragma once

/* The IPTV module's state machine (conformance/SPEC.md §6): states and allowed transitions.
 * Rows that keep the state (I-06, I-11, I-12, I-15, I-24, I-31, I-55) are not transitions. */

#include "stb-fsm.h"

G_BEGIN_DECLS

typedef enum
{
  STB_IPTV_STATE_NAV,           /* initial; navigation page shown, nothing plays */
  STB_IPTV_STATE_PLAYING_LIVE,  /* player page, live channel N */
  STB_IPTV_STATE_PLAYING_VOD,   /* player page, VOD asset at a position */
  STB_IPTV_STATE_HIDDEN_CALLER, /* sent CALLER_SHOW_VIDEO_PAGE, hidden, waits BACK_TO_NAV */
  STB_IPTV_STATE_HIDDEN_CALLEE, /* stopped for an accepted call, remembers R, waits RESUME */
  STB_IPTV_STATE_COUNT,
} StbIptvState;

const gchar *stb_iptv_state_to_string (StbIptvState state);
const StbFsmTable *stb_iptv_fsm_table (void);

G_END_DECLS
