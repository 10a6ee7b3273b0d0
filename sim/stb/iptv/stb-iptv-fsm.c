/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-iptv"

#include "stb-iptv-fsm.h"

/* Normative names (SPEC §6.1): they appear in iptv.state events. */
static const gchar *const names[STB_IPTV_STATE_COUNT] = {
  [STB_IPTV_STATE_NAV] = "NAV",
  [STB_IPTV_STATE_PLAYING_LIVE] = "PLAYING_LIVE",
  [STB_IPTV_STATE_PLAYING_VOD] = "PLAYING_VOD",
  [STB_IPTV_STATE_HIDDEN_CALLER] = "HIDDEN_CALLER",
  [STB_IPTV_STATE_HIDDEN_CALLEE] = "HIDDEN_CALLEE",
};

#define N STB_IPTV_STATE_COUNT
#define ALLOW(from, to) [(STB_IPTV_STATE_##from) * N + (STB_IPTV_STATE_##to)] = 1

/* Every state change of SPEC §6.2 (row ids in comments); anything else is refused. */
static const guint8 allowed[N * N] = {
  ALLOW (NAV, HIDDEN_CALLER),           /* I-01, I-02 */
  ALLOW (NAV, PLAYING_LIVE),            /* I-03, I-05 */
  ALLOW (NAV, PLAYING_VOD),             /* I-04 */
  ALLOW (NAV, HIDDEN_CALLEE),           /* I-30 */
  ALLOW (PLAYING_LIVE, NAV),            /* I-10, I-16 */
  ALLOW (PLAYING_LIVE, HIDDEN_CALLER),  /* I-13 */
  ALLOW (PLAYING_LIVE, HIDDEN_CALLEE),  /* I-14 */
  ALLOW (PLAYING_VOD, NAV),             /* I-20, I-25, I-26 */
  ALLOW (PLAYING_VOD, PLAYING_LIVE),    /* I-21 */
  ALLOW (PLAYING_VOD, HIDDEN_CALLER),   /* I-22 */
  ALLOW (PLAYING_VOD, HIDDEN_CALLEE),   /* I-23 */
  ALLOW (HIDDEN_CALLER, NAV),           /* I-40, I-41, I-42, I-44 */
  ALLOW (HIDDEN_CALLER, HIDDEN_CALLEE), /* I-43 */
  ALLOW (HIDDEN_CALLEE, NAV),           /* I-50, I-53, I-54, I-56 */
  ALLOW (HIDDEN_CALLEE, PLAYING_LIVE),  /* I-51, I-53 */
  ALLOW (HIDDEN_CALLEE, PLAYING_VOD),   /* I-52, I-53 */
};

static const StbFsmTable table = {
  .machine = "iptv",
  .n_states = N,
  .names = names,
  .allowed = allowed,
};

const gchar *
stb_iptv_state_to_string (StbIptvState state)
{
  return stb_fsm_state_name (&table, state);
}

const StbFsmTable *
stb_iptv_fsm_table (void)
{
  return &table;
}
