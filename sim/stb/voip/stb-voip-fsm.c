/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-voip"

#include "stb-voip-fsm.h"

/* Normative names (SPEC §7.1): they appear in voip.state events. */
static const gchar *const names[STB_VOIP_STATE_COUNT] = {
  [STB_VOIP_STATE_IDLE] = "IDLE",
  [STB_VOIP_STATE_DIALOG] = "DIALOG",
  [STB_VOIP_STATE_AWAIT_SHOW] = "AWAIT_SHOW",
  [STB_VOIP_STATE_MAIN_PAGE] = "MAIN_PAGE",
  [STB_VOIP_STATE_DIALLING] = "DIALLING",
  [STB_VOIP_STATE_IN_CALL] = "IN_CALL",
};

#define N STB_VOIP_STATE_COUNT
#define ALLOW(from, to) [(STB_VOIP_STATE_##from) * N + (STB_VOIP_STATE_##to)] = 1

/* Every state change of SPEC §7.2 (row ids in comments); anything else is refused. */
static const guint8 allowed[N * N] = {
  ALLOW (IDLE, DIALOG),        /* V-01 */
  ALLOW (IDLE, MAIN_PAGE),     /* V-02 */
  ALLOW (DIALOG, AWAIT_SHOW),  /* V-10 */
  ALLOW (DIALOG, IDLE),        /* V-11, V-12, V-13 */
  ALLOW (AWAIT_SHOW, IN_CALL), /* V-20 */
  ALLOW (AWAIT_SHOW, IDLE),    /* V-21, V-22 */
  ALLOW (MAIN_PAGE, DIALLING), /* V-32 */
  ALLOW (MAIN_PAGE, IDLE),     /* V-34 */
  ALLOW (DIALLING, IN_CALL),   /* V-41 */
  ALLOW (DIALLING, MAIN_PAGE), /* V-42, V-43, V-44 */
  ALLOW (IN_CALL, IDLE),       /* V-50, V-51, V-54 */
  ALLOW (IN_CALL, MAIN_PAGE),  /* V-52, V-53, V-55 */
};

static const StbFsmTable table = {
  .machine = "voip",
  .n_states = N,
  .names = names,
  .allowed = allowed,
};

const gchar *
stb_voip_state_to_string (StbVoipState state)
{
  return stb_fsm_state_name (&table, state);
}

const StbFsmTable *
stb_voip_fsm_table (void)
{
  return &table;
}
