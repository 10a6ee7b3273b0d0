/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The IPTV module's navigation (EPG) page model (SPEC §6.1): items `videocall`, then
 * `live:N` for every live channel in ascending N, then `vod:ASSET` in lineup order
 * (fixtures/lineup.ini: [channel N] name=, [vod ASSET] title= duration_ms=). The cursor is
 * clamped at the ends and goes back to `videocall` whenever the page is (re)shown.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  STB_EPG_ENTRY_VIDEOCALL,
  STB_EPG_ENTRY_CHANNEL,
  STB_EPG_ENTRY_VOD,
} StbEpgEntryKind;

typedef struct
{
  StbEpgEntryKind kind;
  guint channel;      /* CHANNEL */
  gchar *asset;       /* VOD */
  gchar *title;       /* display name */
  gint64 duration_ms; /* VOD, 0 unknown */
} StbEpgEntry;

typedef struct
{
  GPtrArray *entries; /* StbEpgEntry: video call, channels by number, VOD in lineup order */
  guint cursor;
  gchar *source; /* lineup path or "built-in" */
} StbEpg;

/* Built-in list: video call, channels 1-4, VOD "trailer" and "movie". */
StbEpg *stb_epg_new_default (void);
/* Load @path; a missing file gives the built-in list; a malformed one is an error. */
StbEpg *stb_epg_load (const gchar *path, GError **error);
void stb_epg_free (StbEpg *epg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbEpg, stb_epg_free)

const StbEpgEntry *stb_epg_current (const StbEpg *epg);
/* Move the cursor by @delta (clamped at the ends); returns the new current entry. */
const StbEpgEntry *stb_epg_move (StbEpg *epg, gint delta);
/* Cursor back to the first item (`videocall`). */
void stb_epg_reset (StbEpg *epg);
/* Put the cursor on the item named @item ("videocall", "live:2", "vod:movie"). */
gboolean stb_epg_focus (StbEpg *epg, const gchar *item);
guint stb_epg_count_channels (const StbEpg *epg);
const StbEpgEntry *stb_epg_find_channel (const StbEpg *epg, guint channel);
const StbEpgEntry *stb_epg_find_vod (const StbEpg *epg, const gchar *asset);
/* The live channel @delta steps from @channel in number order (wrapping); NULL if none. */
const StbEpgEntry *stb_epg_zap (const StbEpg *epg, guint channel, gint delta);
/* Item name: "live:1" / "vod:movie" / "videocall". (transfer full) */
gchar *stb_epg_entry_describe (const StbEpgEntry *entry);

G_END_DECLS
