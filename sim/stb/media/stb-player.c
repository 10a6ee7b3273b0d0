/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER until the media work lands: an event-only player. It reports a first frame
 * on the next main-loop iteration after play/resume and keeps a VOD position counter. */
#define G_LOG_DOMAIN "stb-player"

#include "stb-player.h"

G_DEFINE_QUARK (stb-player-error-quark, stb_player_error)

struct _StbPlayer
{
  StbPlayerCallbacks cb;
  gpointer user_data;
  gchar *what;
  gint64 vod_base_ms;  /* position when (re)started */
  gint64 started_us;   /* 0 when not running */
  gboolean is_vod;
  guint idle_id;
};

static gboolean
emit_first_frame (gpointer data)
{
  StbPlayer *self = data;
  self->idle_id = 0;
  if (self->cb.first_frame)
    self->cb.first_frame (self, g_get_monotonic_time () * 1000, self->what, self->user_data);
  return G_SOURCE_REMOVE;
}

static void
start (StbPlayer *self, gchar *what, gboolean is_vod, gint64 pos_ms)
{
  g_free (self->what);
  self->what = what;
  self->is_vod = is_vod;
  self->vod_base_ms = pos_ms;
  self->started_us = g_get_monotonic_time ();
  g_clear_handle_id (&self->idle_id, g_source_remove);
  self->idle_id = g_idle_add (emit_first_frame, self);
}

StbPlayer *
stb_player_new (const StbPlayerConfig *config, const StbPlayerCallbacks *callbacks,
                gpointer user_data, GError **error)
{
  StbPlayer *self = g_new0 (StbPlayer, 1);
  if (callbacks)
    self->cb = *callbacks;
  self->user_data = user_data;
  return self;
}

void
stb_player_free (StbPlayer *self)
{
  if (!self)
    return;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_free (self->what);
  g_free (self);
}

gboolean
stb_player_play_live (StbPlayer *self, guint channel, GError **error)
{
  start (self, g_strdup_printf ("live:%u", channel), FALSE, 0);
  return TRUE;
}

gboolean
stb_player_play_vod (StbPlayer *self, const gchar *asset, gint64 position_ms, GError **error)
{
  start (self, g_strdup_printf ("vod:%s", asset), TRUE, position_ms);
  return TRUE;
}

gint64
stb_player_get_position_ms (StbPlayer *self)
{
  if (!self->is_vod)
    return -1;
  if (!self->started_us)
    return self->vod_base_ms;
  return self->vod_base_ms + (g_get_monotonic_time () - self->started_us) / 1000;
}

gboolean
stb_player_pause (StbPlayer *self, GError **error)
{
  self->vod_base_ms = stb_player_get_position_ms (self);
  self->started_us = 0;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  return TRUE;
}

gboolean
stb_player_resume (StbPlayer *self, GError **error)
{
  if (!self->what)
    {
      g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_STATE, "nothing to resume");
      return FALSE;
    }
  start (self, g_strdup (self->what), self->is_vod, self->vod_base_ms);
  return TRUE;
}

void
stb_player_stop (StbPlayer *self)
{
  g_clear_handle_id (&self->idle_id, g_source_remove);
  self->started_us = 0;
}

gboolean
stb_player_snapshot (StbPlayer *self, const gchar *name, GError **error)
{
  g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_FAILED, "no picture: event-only player");
  return FALSE;
}
