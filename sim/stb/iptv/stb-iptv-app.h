/* SPDX-License-Identifier: MIT */
#pragma once

/* The IPTV module (stb-iptv): navigation page, player, and the IPTV side of the switching
 * protocol, row by row as conformance/SPEC.md §6.2. */

#include "stb-iptv-epg.h"
#include "stb-iptv-fsm.h"
#include "stb-module.h"
#include "stb-player.h"
#include "stb-screen.h"

G_BEGIN_DECLS

typedef enum
{
  STB_PROGRAMME_NONE, /* nothing / the navigation page (R = nav) */
  STB_PROGRAMME_LIVE,
  STB_PROGRAMME_VOD,
} StbProgrammeKind;

/* What plays (or R, the resume point: what played when STOP_IPTV came). */
typedef struct
{
  StbProgrammeKind kind;
  guint channel;
  gchar *asset;
  gint64 position_ms; /* VOD: position at start (current) or at the stop (R) */
  gint64 started_us;  /* VOD: monotonic time playback (re)started, for a position estimate */
} StbProgramme;

void stb_programme_clear (StbProgramme *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StbProgramme, stb_programme_clear)

typedef struct
{
  StbModule module;
  StbFsm fsm;
  StbEpg *epg;
  StbPlayer *player;
  StbProgramme current; /* kind NONE when nothing plays */
  StbProgramme resume;  /* R, kept only in HIDDEN_CALLEE */
  const gchar *page;    /* "nav" | "player" | "hidden" */
  gint trigger;         /* parameter that caused the transition into the state, -1 none */
  guint play_failed_id; /* idle: a play request failed synchronously */
  /* (nullable) our window when the server offers a screen (stb-iptv-screen.h) */
  StbScreenWindow *screen;
  /* options */
  gchar *lineup_path;
  gchar *vod_base_uri;
  gboolean display;
  gboolean no_fcc; /* never ask for a burst (SPEC §14): zap and resume join plainly */
} StbIptv;

void stb_iptv_add_options (StbIptv *self, GOptionContext *context);
gboolean stb_iptv_start (StbIptv *self, GError **error);
void stb_iptv_clear (StbIptv *self);

void stb_iptv_handle_key (StbIptv *self, const gchar *key);
void stb_iptv_handle_switch (StbIptv *self, const StbSwitchMessage *msg, const gchar *channel);

G_END_DECLS
