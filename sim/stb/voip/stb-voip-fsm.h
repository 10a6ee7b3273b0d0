/* SPDX-License-Identifier: MIT */
#pragma once

/* The VoIP module's state machine (conformance/SPEC.md §7): states and allowed transitions.
 * Rows that keep the state (V-30, V-31, V-33, V-40, V-56, V-60, V-61) are not transitions. */

#include "stb-fsm.h"

G_BEGIN_DECLS

typedef enum
{
  STB_VOIP_STATE_IDLE,       /* initial; hidden, no call; IPTV owns the screen */
  STB_VOIP_STATE_DIALOG,     /* incoming-call dialog over the TV picture; T_DIALOG runs */
  STB_VOIP_STATE_AWAIT_SHOW, /* accepted, STOP_IPTV sent, waits CALLEE_SHOW; T_SHOW runs */
  STB_VOIP_STATE_MAIN_PAGE,  /* main page (dialler), no call */
  STB_VOIP_STATE_DIALLING,   /* outgoing INVITE sent; T_ALERT runs */
  STB_VOIP_STATE_IN_CALL,    /* established, main page shown */
  STB_VOIP_STATE_COUNT,
} StbVoipState;

const gchar *stb_voip_state_to_string (StbVoipState state);
const StbFsmTable *stb_voip_fsm_table (void);

G_END_DECLS
