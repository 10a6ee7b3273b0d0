/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The IPTV module's player: live channels (RTP/MPEG-TS, multicast or unicast) and VOD
 * (RTSP), real GStreamer pipelines. Driven from the main loop; callbacks run on it too
 * (pad-probe timestamps are taken on the streaming thread and handed over).
 */

#include "stb-frame-clock.h"
#include "stb-screen-tap.h"

#include <glib.h>

G_BEGIN_DECLS

#define STB_PLAYER_ERROR (stb_player_error_quark ())
GQuark stb_player_error_quark (void);

typedef enum
{
  STB_PLAYER_ERROR_FAILED,
  STB_PLAYER_ERROR_NO_SUCH_CHANNEL,
  STB_PLAYER_ERROR_NO_SUCH_ASSET,
  STB_PLAYER_ERROR_STATE,
} StbPlayerError;

typedef struct _StbPlayer StbPlayer;

typedef struct
{
  const gchar *lineup_path;  /* fixtures/lineup.ini (or the run's copy with resolved URIs) */
  const gchar *vod_base_uri; /* "rtsp://127.0.0.1:8554/vod/" ; NULL = no VOD */
  gboolean display;          /* real video sink (for people) instead of a fakesink */
  const gchar *snapshot_dir; /* PNG snapshots go here when requested; NULL = none */
  /* live: ask the head-end for a burst from the last key frame when its lineup names a
   * server (`[live] fcc=`), then join the multicast (SPEC §14); FALSE = always plain join */
  gboolean fast_channel_change;
} StbPlayerConfig;

/* What the video decoder saw since the last play_live/play_vod/resume. */
typedef struct
{
  guint coded;                /* buffers into the decoder */
  guint decoded;              /* frames out of it */
  gboolean first_coded_key;   /* the first buffer into the decoder was a key frame (a burst
                               * starts there; a plain join joins mid-GOP) */
  gboolean first_decoded_key; /* the first decoded frame was a key frame (what is shown) */
  guint gaps;                 /* decoded PTS advanced by more than 1.5 frames */
  guint repeats;              /* decoded PTS did not advance */
  /* live: the frame clock burned into the pictures (SPEC §14.4), read from every decoded
   * one: the first picture's clock (clock.first), unreadable pictures, gaps and repeats with
   * their sizes in frames; @clock_ok: stb_frame_clock_check_ok() against @gop_frames, the
   * channel's GOP (lineup gop_ms; 0 unknown: no discontinuity allowed) */
  StbFrameClockCheck clock;
  guint gop_frames;
  gboolean clock_ok;
  /* live with a burst */
  gboolean fcc;
  gchar fcc_status[48];    /* "requested", "ok", "error:<reason>", "timeout" */
  gboolean burst_from_key; /* the first packet played was the key frame's (or the PAT/PMT
                            * packet just before it, SPEC 14) */
  guint burst_packets;     /* RTP packets of the burst played */
  guint lost_packets;      /* missing in the spliced sequence (a burst or join that lost some) */
  guint multicast_packets;
  gboolean joined; /* now plays the multicast */
  gint join_seq;   /* first multicast sequence number played, -1 none */
} StbPlayerFrames;

typedef struct
{
  /* First decoded video frame after play/resume; @t_ns CLOCK_MONOTONIC when it left the
   * decoder. @what "live:<n>" or "vod:<asset>". */
  void (*first_frame) (StbPlayer *player, gint64 t_ns, const gchar *what, gpointer user_data);
  void (*error) (StbPlayer *player, const GError *error, gpointer user_data);
  void (*eos) (StbPlayer *player, gpointer user_data);
} StbPlayerCallbacks;

StbPlayer *stb_player_new (const StbPlayerConfig *config, const StbPlayerCallbacks *callbacks,
                           gpointer user_data, GError **error);
void stb_player_free (StbPlayer *player);

gboolean stb_player_play_live (StbPlayer *player, guint channel, GError **error);
gboolean stb_player_play_vod (StbPlayer *player, const gchar *asset, gint64 position_ms,
                              GError **error);
/* VOD: pause keeping the session and position. Live: leave the group. */
gboolean stb_player_pause (StbPlayer *player, GError **error);
/* Undo pause: VOD resumes at the saved position, live rejoins the same channel. */
gboolean stb_player_resume (StbPlayer *player, GError **error);
/* Stop and release the pipeline. */
void stb_player_stop (StbPlayer *player);
/* Current VOD position in ms (-1 when not VOD). */
gint64 stb_player_get_position_ms (StbPlayer *player);
void stb_player_get_frames (StbPlayer *player, StbPlayerFrames *frames);
/* At most this many pictures a second go to the screen. */
#define STB_PLAYER_SCREEN_FPS 10
/* Hand the pictures the video sink renders, as BGRx, to @func on the main loop (at most
 * STB_PLAYER_SCREEN_FPS a second, stb-screen-tap.h). Call while stopped; applies from the next
 * play. */
void stb_player_set_screen_tap (StbPlayer *player, StbScreenTapFunc func, gpointer user_data);
/* Write a PNG of the current picture to snapshot_dir/@name.png. */
gboolean stb_player_snapshot (StbPlayer *player, const gchar *name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbPlayer, stb_player_free)

G_END_DECLS
