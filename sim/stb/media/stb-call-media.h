/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The VoIP module's call media: test camera + microphone sent, far end received, through
 * rtpbin with RTCP, H.264 + PCMU/PCMA as negotiated.
 */

#include <glib.h>

#include "stb-media-types.h"
#include "stb-screen-tap.h"

G_BEGIN_DECLS

#define STB_CALL_MEDIA_ERROR (stb_call_media_error_quark ())
GQuark stb_call_media_error_quark (void);

typedef enum
{
  STB_CALL_MEDIA_ERROR_FAILED,
  STB_CALL_MEDIA_ERROR_STATE,
} StbCallMediaError;

typedef struct _StbCallMedia StbCallMedia;

typedef struct
{
  const gchar *bind_host; /* "127.0.0.1" */
  gboolean display;
  const gchar *snapshot_dir;
  gboolean request_key_frame; /* ask the far end for a key frame at start (default TRUE) */
  guint gop_ms;               /* added: sender key-frame interval; 0 = 2000 ms */
} StbCallMediaConfig;

typedef struct
{
  /* first decoded frame from the far end; @media "video" or "audio" */
  void (*first_frame) (StbCallMedia *media, const gchar *kind, gint64 t_ns, gpointer user_data);
  void (*error) (StbCallMedia *media, const GError *error, gpointer user_data);
} StbCallMediaCallbacks;

StbCallMedia *stb_call_media_new (const StbCallMediaConfig *config,
                                  const StbCallMediaCallbacks *callbacks, gpointer user_data,
                                  GError **error);
void stb_call_media_free (StbCallMedia *media);

/* Reserve local ports and describe them (for the SDP offer/answer). */
gboolean stb_call_media_prepare (StbCallMedia *media, StbMediaEndpoint *local, GError **error);
/* Start sending to / receiving from @remote. */
gboolean stb_call_media_start (StbCallMedia *media, const StbMediaEndpoint *remote, GError **error);
/* Stop and release every pipeline, port and thread. Idempotent. */
void stb_call_media_stop (StbCallMedia *media);
/* At most this many far-end pictures a second go to the screen. */
#define STB_CALL_MEDIA_SCREEN_FPS 10
/* Hand the far end's pictures the video sink renders, as BGRx, to @func on the main loop
 * (stb-screen-tap.h). Call between calls; applies from the next start. */
void stb_call_media_set_screen_tap (StbCallMedia *media, StbScreenTapFunc func, gpointer user_data);
/* Added: write a PNG of the far end's current picture to snapshot_dir/@name.png. */
gboolean stb_call_media_snapshot (StbCallMedia *media, const gchar *name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbCallMedia, stb_call_media_free)

G_END_DECLS
