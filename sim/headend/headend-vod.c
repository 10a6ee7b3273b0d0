/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-headend"

#include "headend-vod.h"

#include <glib/gstdio.h>
#include <gst/rtsp-server/rtsp-server.h>

#define FRAME_RATE 25
#define AUDIO_SAMPLES 1920 /* 40 ms at 48 kHz */
#define GENERATE_TIMEOUT_S 120

struct _HeadendVod
{
  GstRTSPServer *server;
  guint source_id;
  guint port;
};

static gchar *
asset_path (const gchar *asset_dir, const HeadendAsset *a)
{
  g_autofree gchar *file = g_strdup_printf ("%s.mp4", a->id);
  return g_build_filename (asset_dir, file, NULL);
}

static gchar *
generator_description (const HeadendAsset *a, const gchar *tmp_path)
{
  guint frames = MAX (1, a->duration_ms * FRAME_RATE / 1000);
  guint audio_buffers = MAX (1, a->duration_ms / 40);
  guint key_int = MAX (1, a->gop_ms * FRAME_RATE / 1000);

  return g_strdup_printf (
      "videotestsrc pattern=%s num-buffers=%u"
      " ! video/x-raw,width=320,height=240,framerate=%d/1"
      " ! textoverlay text=\"VOD %s\" valignment=top halignment=left font-desc=\"Sans Bold 18\" "
      "shaded-background=true"
      " ! timeoverlay valignment=bottom halignment=right font-desc=\"Monospace Bold 16\" "
      "shaded-background=true"
      " ! videoconvert ! x264enc speed-preset=ultrafast bitrate=384 key-int-max=%u"
      " ! h264parse ! queue ! mux."
      " audiotestsrc wave=sine volume=0.1 freq=440 num-buffers=%u samplesperbuffer=%d"
      " ! audio/x-raw,rate=48000,channels=1 ! audioconvert ! avenc_aac bitrate=48000"
      " ! aacparse ! queue ! mux."
      " mp4mux name=mux ! filesink location=\"%s\"",
      a->pattern, frames, FRAME_RATE, a->id, key_int, audio_buffers, AUDIO_SAMPLES, tmp_path);
}

static gboolean
run_to_eos (GstElement *pipeline, const gchar *what, GError **error)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) msg = NULL;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE, "%s: cannot start", what);
      return FALSE;
    }
  msg = gst_bus_timed_pop_filtered (bus, GENERATE_TIMEOUT_S * GST_SECOND,
                                    GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (!msg)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE, "%s: not done in %d s", what,
                   GENERATE_TIMEOUT_S);
      return FALSE;
    }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) err = NULL;
      gst_message_parse_error (msg, &err, NULL);
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE, "%s: %s", what, err->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
generate_asset (const HeadendAsset *a, const gchar *path, GError **error)
{
  g_autofree gchar *tmp = g_strconcat (path, ".part", NULL);
  g_autofree gchar *desc = generator_description (a, tmp);
  g_autofree gchar *what = g_strdup_printf ("VOD asset %s (%s)", a->id, path);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, error);
  gint64 t0 = g_get_monotonic_time ();

  if (!pipeline)
    {
      g_prefix_error (error, "%s: ", what);
      return FALSE;
    }
  if (!run_to_eos (pipeline, what, error))
    return FALSE;
  if (g_rename (tmp, path) != 0)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE, "%s: rename: %s", what,
                   g_strerror (errno));
      return FALSE;
    }
  g_message ("generated %s (%u ms) in %" G_GINT64_FORMAT " ms", path, a->duration_ms,
             (g_get_monotonic_time () - t0) / 1000);
  return TRUE;
}

gboolean
headend_vod_generate (HeadendLineup *lineup, const gchar *asset_dir, GError **error)
{
  if (g_mkdir_with_parents (asset_dir, 0755) != 0)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE, "mkdir %s: %s", asset_dir,
                   g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < lineup->assets->len; i++)
    {
      HeadendAsset *a = lineup->assets->pdata[i];
      g_autofree gchar *path = asset_path (asset_dir, a);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      if (!generate_asset (a, path, error))
        return FALSE;
    }
  return TRUE;
}

static void
mount_asset (GstRTSPMountPoints *mounts, const gchar *asset_dir, const HeadendAsset *a)
{
  g_autofree gchar *path = asset_path (asset_dir, a);
  g_autofree gchar *mount = g_strdup_printf ("/vod/%s", a->id);
  g_autofree gchar *launch = g_strdup_printf (
      "( filesrc location=\"%s\" ! qtdemux name=d"
      " d.video_0 ! queue ! h264parse ! rtph264pay pt=96 config-interval=-1 name=pay0"
      " d.audio_0 ! queue ! aacparse ! rtpmp4gpay pt=97 name=pay1 )",
      path);
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new ();

  gst_rtsp_media_factory_set_launch (factory, launch);
  gst_rtsp_media_factory_set_shared (factory, FALSE);
  gst_rtsp_mount_points_add_factory (mounts, mount, factory);
}

HeadendVod *
headend_vod_start (HeadendLineup *lineup, const gchar *asset_dir, guint port, GError **error)
{
  g_autoptr (HeadendVod) self = g_new0 (HeadendVod, 1);
  g_autoptr (GstRTSPMountPoints) mounts = NULL;
  g_autofree gchar *service = g_strdup_printf ("%u", port);

  self->server = gst_rtsp_server_new ();
  gst_rtsp_server_set_address (self->server, "127.0.0.1");
  gst_rtsp_server_set_service (self->server, service);
  mounts = gst_rtsp_server_get_mount_points (self->server);
  for (guint i = 0; i < lineup->assets->len; i++)
    mount_asset (mounts, asset_dir, lineup->assets->pdata[i]);
  self->source_id = gst_rtsp_server_attach (self->server, NULL);
  if (!self->source_id)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_RTSP,
                   "RTSP server cannot listen on 127.0.0.1:%u (port in use?)", port);
      return NULL;
    }
  self->port = (guint)gst_rtsp_server_get_bound_port (self->server);
  g_message ("VOD: rtsp://127.0.0.1:%u/vod/ (%u assets)", self->port, lineup->assets->len);
  return g_steal_pointer (&self);
}

guint
headend_vod_get_port (HeadendVod *self)
{
  return self->port;
}

static GstRTSPFilterResult
close_session (GstRTSPSessionPool *pool, GstRTSPSession *session, gpointer data)
{
  return GST_RTSP_FILTER_REMOVE;
}

static GstRTSPFilterResult
close_client (GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
  return GST_RTSP_FILTER_REMOVE;
}

void
headend_vod_free (HeadendVod *self)
{
  if (!self)
    return;
  if (self->server)
    {
      g_autoptr (GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool (self->server);
      g_list_free_full (gst_rtsp_session_pool_filter (pool, close_session, NULL), g_object_unref);
      g_list_free_full (gst_rtsp_server_client_filter (self->server, close_client, NULL),
                        g_object_unref);
    }
  g_clear_handle_id (&self->source_id, g_source_remove);
  g_clear_object (&self->server);
  g_free (self);
}
