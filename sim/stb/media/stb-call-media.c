/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER until the media work lands: reserves nothing, reports first frames at once. */
#define G_LOG_DOMAIN "stb-call-media"

#include "stb-call-media.h"

#include <string.h>

G_DEFINE_QUARK (stb-call-media-error-quark, stb_call_media_error)

struct _StbCallMedia
{
  StbCallMediaCallbacks cb;
  gpointer user_data;
  gchar bind_host[64];
};

StbCallMedia *
stb_call_media_new (const StbCallMediaConfig *config, const StbCallMediaCallbacks *callbacks,
                    gpointer user_data, GError **error)
{
  StbCallMedia *self = g_new0 (StbCallMedia, 1);
  if (callbacks)
    self->cb = *callbacks;
  self->user_data = user_data;
  g_strlcpy (self->bind_host, config && config->bind_host ? config->bind_host : "127.0.0.1",
             sizeof self->bind_host);
  return self;
}

void
stb_call_media_free (StbCallMedia *self)
{
  g_free (self);
}

gboolean
stb_call_media_prepare (StbCallMedia *self, StbMediaEndpoint *local, GError **error)
{
  memset (local, 0, sizeof *local);
  g_strlcpy (local->address, self->bind_host, sizeof local->address);
  local->audio_port = 40000;
  local->video_port = 40002;
  local->audio_pt = 0;
  g_strlcpy (local->audio_codec, "PCMU", sizeof local->audio_codec);
  local->video_pt = 96;
  g_strlcpy (local->video_codec, "H264", sizeof local->video_codec);
  return TRUE;
}

gboolean
stb_call_media_start (StbCallMedia *self, const StbMediaEndpoint *remote, GError **error)
{
  gint64 now = g_get_monotonic_time () * 1000;
  if (self->cb.first_frame)
    {
      self->cb.first_frame (self, "video", now, self->user_data);
      self->cb.first_frame (self, "audio", now, self->user_data);
    }
  return TRUE;
}

void
stb_call_media_stop (StbCallMedia *self)
{
}
