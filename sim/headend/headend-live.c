/* SPDX-License-Identifier: MIT */
/*
 * Live channels: one pipeline each, test picture and tone, H.264 + AAC in MPEG-TS over RTP to
 * the channel's group (or unicast), and to the fast-channel-change ring. Every picture carries
 * the channel name and time for people (text/time overlays) and, in its top row, the frame
 * clock for machines (stb-frame-clock.h, SPEC §14.4), burned in by a pad probe on the
 * encoder's input.
 */
#define G_LOG_DOMAIN "stb-headend"

#include "headend-live.h"
#include "stb-frame-clock.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#define FRAME_RATE 25

struct _HeadendLive
{
  GPtrArray *pipelines; /* GstElement* */
  GArray *watches;      /* guint bus watch ids */
  void (*on_error) (const GError *error, gpointer user_data);
  gpointer user_data;
};

static gchar *
channel_description (const HeadendChannel *ch, const gchar *multicast_iface, gboolean fcc)
{
  g_autofree gchar *host = NULL;
  g_autofree gchar *label = g_strdup_printf ("CH %u", ch->number);
  g_autofree gchar *mcast = multicast_iface
                                ? g_strdup_printf (" auto-multicast=false multicast-iface=%s"
                                                   " ttl-mc=1 loop=true",
                                                   multicast_iface)
                                : g_strdup ("");
  const gchar *colon = strrchr (ch->uri, ':');
  guint key_int = MAX (1, ch->gop_ms * FRAME_RATE / 1000);

  host = g_strndup (ch->uri + strlen ("udp://"), colon - ch->uri - strlen ("udp://"));
  return g_strdup_printf (
      "videotestsrc is-live=true pattern=%s"
      " ! video/x-raw,width=320,height=240,framerate=%d/1"
      " ! textoverlay text=\"%s\" valignment=top halignment=left font-desc=\"Sans Bold 18\" "
      "shaded-background=true"
      " ! timeoverlay valignment=bottom halignment=right font-desc=\"Monospace Bold 16\" "
      "shaded-background=true"
      " ! videoconvert ! video/x-raw,format=I420 ! x264enc name=venc speed-preset=ultrafast "
      "tune=zerolatency bitrate=384"
      " key-int-max=%u ! h264parse config-interval=-1 ! queue ! mux."
      " audiotestsrc is-live=true wave=sine volume=0.1 freq=%u samplesperbuffer=960"
      " ! audio/x-raw,rate=48000,channels=1 ! audioconvert ! avenc_aac bitrate=48000"
      " ! aacparse ! queue ! mux."
      " mpegtsmux name=mux alignment=7 ! rtpmp2tpay pt=33 ! tee name=out allow-not-linked=true"
      " ! udpsink host=%s port=%u sync=true async=false%s%s",
      ch->pattern, FRAME_RATE, label, key_int, 300 + 100 * ch->number, host, ch->port, mcast,
      /* after the udpsink (tee order): what the ring keeps was sent to the group */
      fcc ? " out. ! appsink name=fcc sync=false async=false max-buffers=256 drop=true" : "");
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  HeadendLive *self = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) err = NULL;
      g_autofree gchar *dbg = NULL;

      gst_message_parse_error (msg, &err, &dbg);
      g_message ("live %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
                 dbg ? dbg : "");
      if (self->on_error)
        self->on_error (err, self->user_data);
    }
  return G_SOURCE_CONTINUE;
}

/* Streaming thread: every packet the channel sent goes to its fast-channel-change ring. */
static GstFlowReturn
on_fcc_sample (GstAppSink *sink, gpointer data)
{
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample && gst_sample_get_buffer (sample))
    headend_fcc_channel_push (data, gst_sample_get_buffer (sample));
  return GST_FLOW_OK;
}

static void
attach_fcc (GstElement *pipeline, HeadendFcc *fcc, guint number)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "fcc");
  GstAppSinkCallbacks cb = { .new_sample = on_fcc_sample };

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, headend_fcc_add_channel (fcc, number),
                              NULL);
}

/* Streaming thread, raw video into the encoder: burn the frame clock (SPEC §14.4) into the
 * top row, the frame number since the channel started (@data: its counter). */
static GstPadProbeReturn
on_raw_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  guint32 *frame = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstVideoInfo vinfo;
  GstVideoFrame vframe;

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  if (caps && gst_video_info_from_caps (&vinfo, caps)
      && gst_video_frame_map (&vframe, &vinfo, buf, GST_MAP_READWRITE))
    {
      stb_frame_clock_write (&vframe, (*frame)++);
      gst_video_frame_unmap (&vframe);
    }
  return GST_PAD_PROBE_OK;
}

static void
attach_frame_clock (GstElement *pipeline)
{
  g_autoptr (GstElement) enc = gst_bin_get_by_name (GST_BIN (pipeline), "venc");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (enc, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_raw_frame, g_new0 (guint32, 1), g_free);
}

static gboolean
start_channel (HeadendLive *self, const HeadendChannel *ch, const gchar *multicast_iface,
               HeadendFcc *fcc, GError **error)
{
  g_autofree gchar *desc = channel_description (ch, multicast_iface, fcc != NULL);
  g_autoptr (GError) parse_error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &parse_error);
  g_autoptr (GstBus) bus = NULL;
  guint watch;

  if (!pipeline || parse_error)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE, "channel %u: %s (%s)", ch->number,
                   parse_error ? parse_error->message : "no pipeline", desc);
      g_clear_object (&pipeline);
      return FALSE;
    }
  g_ptr_array_add (self->pipelines, pipeline);
  attach_frame_clock (pipeline);
  if (fcc)
    attach_fcc (pipeline, fcc, ch->number);
  bus = gst_element_get_bus (pipeline);
  watch = gst_bus_add_watch (bus, on_bus_message, self);
  g_array_append_val (self->watches, watch);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_PIPELINE,
                   "channel %u: cannot start (sending to %s)", ch->number, ch->uri);
      return FALSE;
    }
  g_message ("channel %u \"%s\" -> %s (GOP %u ms)", ch->number, ch->name, ch->uri, ch->gop_ms);
  return TRUE;
}

HeadendLive *
headend_live_start (HeadendLineup *lineup, const gchar *multicast_iface, HeadendFcc *fcc,
                    void (*on_error) (const GError *error, gpointer user_data), gpointer user_data,
                    GError **error)
{
  g_autoptr (HeadendLive) self = g_new0 (HeadendLive, 1);

  self->pipelines = g_ptr_array_new ();
  self->watches = g_array_new (FALSE, FALSE, sizeof (guint));
  self->on_error = on_error;
  self->user_data = user_data;
  for (guint i = 0; i < lineup->channels->len; i++)
    if (!start_channel (self, lineup->channels->pdata[i], multicast_iface, fcc, error))
      return NULL;
  return g_steal_pointer (&self);
}

void
headend_live_free (HeadendLive *self)
{
  if (!self)
    return;
  for (guint i = 0; i < self->watches->len; i++)
    g_source_remove (g_array_index (self->watches, guint, i));
  for (guint i = 0; i < self->pipelines->len; i++)
    {
      GstElement *pipeline = self->pipelines->pdata[i];
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
  g_ptr_array_unref (self->pipelines);
  g_array_unref (self->watches);
  g_free (self);
}
