/* SPDX-License-Identifier: MIT */
/*
 * The IPTV player: live channels (RTP/MPEG-TS from udpsrc, multicast or unicast) and VOD
 * (rtspsrc), decoded with avdec_h264 into a clock-synced sink. The first decoded frame after
 * every play/resume is timestamped in a pad probe on the decoder's src pad (streaming
 * thread) and reported on the main loop; on live channels every decoded picture's frame clock
 * is read and checked for continuity (stb-frame-clock.c, SPEC §14.4). Live channels start with a
 * fast-channel-change burst when the lineup names a burst server and the config allows it
 * (stb-fcc.c, SPEC §14).
 */
#define G_LOG_DOMAIN "stb-player"

#include "stb-player.h"
#include "stb-fcc.h"
#include "stb-media-probe.h"
#include "stbsim-input.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

/* clang-format off */
G_DEFINE_QUARK (stb-player-error-quark, stb_player_error)
/* clang-format on */

typedef enum
{
  STATE_IDLE,
  STATE_LIVE,
  STATE_LIVE_LEFT, /* live, paused: group left */
  STATE_VOD,
  STATE_VOD_PAUSED,
  N_STATES
} State;

static const gchar *const state_names[N_STATES]
    = { "idle", "live", "live-left", "vod", "vod-paused" };

/* allowed[from][to] */
static const gboolean allowed[N_STATES][N_STATES] = {
  /*                  idle   live   left   vod    vodp */
  [STATE_IDLE] = { TRUE, TRUE, FALSE, TRUE, FALSE },
  [STATE_LIVE] = { TRUE, TRUE, TRUE, TRUE, FALSE },
  [STATE_LIVE_LEFT] = { TRUE, TRUE, FALSE, TRUE, FALSE },
  [STATE_VOD] = { TRUE, TRUE, FALSE, TRUE, TRUE },
  [STATE_VOD_PAUSED] = { TRUE, TRUE, FALSE, TRUE, FALSE },
};

struct _StbPlayer
{
  StbPlayerCallbacks cb;
  gpointer user_data;
  gchar *lineup_path;
  gchar *vod_base_uri;
  gboolean display;
  gchar *snapshot_dir;
  gboolean fast_channel_change;
  GMainContext *context;

  State state;
  GstElement *pipeline;
  guint bus_watch;
  StbMediaProbe *probe; /* first-frame probe on the video decoder */
  gchar *what;          /* "live:<n>" / "vod:<asset>" */
  guint channel;
  gchar *asset;
  gint64 position_ms;       /* VOD: saved at pause/stop */
  gint64 pending_seek_ms;   /* VOD: seek here once data flows (-1 none) */
  gboolean seek_on_playing; /* data flows, but the pipeline is not PLAYING yet */
  StbFcc *fcc;              /* live with a burst: the splice; NULL = plain join */

  /* what the decoder saw since the last play (streaming threads, under frames_lock) */
  GMutex frames_lock;
  StbPlayerFrames frames;
  GstClockTime last_pts;
  GstClockTime key_pts; /* PTS of the latest key frame into the decoder */
  GstClockTime frame_duration;
  gboolean read_clock; /* live: read the frame clock of every decoded picture */
  guint gop_ms;        /* live: the channel's GOP per the lineup, 0 unknown */
  StbScreenTap *tap;   /* (nullable) decoded frames for the on-screen picture */
  gchar *tapped_sink;  /* the video sink with the tap in front, NULL without a tap */
};

static const gchar *
state_to_string (State s)
{
  return s < N_STATES ? state_names[s] : "?";
}

static void
set_state (StbPlayer *self, State next, const gchar *reason)
{
  if (!allowed[self->state][next])
    {
      g_warning ("illegal player transition %s -> %s (%s)", state_to_string (self->state),
                 state_to_string (next), reason);
      return;
    }
  g_debug ("%s -> %s (%s)", state_to_string (self->state), state_to_string (next), reason);
  self->state = next;
}

/* ---- lineup ---------------------------------------------------------------------------- */

typedef struct
{
  gchar *host;
  guint16 port;
  gboolean multicast;
  gchar *iface;
  gchar *fcc;   /* burst server udp://HOST:PORT, or NULL */
  guint gop_ms; /* 0 = not in the lineup */
} LiveSource;

static void
live_source_clear (LiveSource *src)
{
  g_clear_pointer (&src->host, g_free);
  g_clear_pointer (&src->iface, g_free);
  g_clear_pointer (&src->fcc, g_free);
}

static gboolean
parse_udp_uri (const gchar *uri, LiveSource *src)
{
  const gchar *colon;
  guint64 port = 0;
  g_autoptr (GInetAddress) addr = NULL;

  if (!g_str_has_prefix (uri, "udp://") || !(colon = strrchr (uri, ':'))
      || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return FALSE;
  src->host = g_strndup (uri + 6, colon - uri - 6);
  src->port = (guint16)port;
  addr = g_inet_address_new_from_string (src->host);
  src->multicast = addr && g_inet_address_get_is_multicast (addr);
  return addr != NULL;
}

static gboolean
lookup_channel (StbPlayer *self, guint channel, LiveSource *src, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *group = g_strdup_printf ("channel %u", channel);
  g_autofree gchar *uri = NULL;

  if (!self->lineup_path || !stbsim_input_load_keyfile (kf, self->lineup_path, 0, error))
    {
      if (error && !*error)
        g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_NO_SUCH_CHANNEL,
                     "no lineup configured");
      else
        g_prefix_error (error, "lineup %s: ", self->lineup_path);
      return FALSE;
    }
  if (!g_key_file_has_group (kf, group))
    {
      g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_NO_SUCH_CHANNEL,
                   "channel %u is not in %s", channel, self->lineup_path);
      return FALSE;
    }
  uri = g_key_file_get_string (kf, group, "uri", NULL);
  if (!uri)
    {
      g_autofree gchar *grp = g_key_file_get_string (kf, group, "group", NULL);
      gint port = g_key_file_get_integer (kf, group, "port", NULL);
      uri = g_strdup_printf ("udp://%s:%d", grp ? grp : "", port);
    }
  if (!parse_udp_uri (uri, src))
    {
      g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_NO_SUCH_CHANNEL,
                   "%s: [%s]: bad live address %s (want udp://HOST:PORT)", self->lineup_path, group,
                   uri);
      return FALSE;
    }
  src->iface = g_key_file_get_string (kf, "live", "multicast_iface", NULL);
  src->fcc = g_key_file_get_string (kf, "live", "fcc", NULL);
  src->gop_ms = (guint)MAX (0, g_key_file_get_integer (kf, group, "gop_ms", NULL));
  return TRUE;
}

/* ---- pipelines ------------------------------------------------------------------------- */

static const gchar *
video_sink (StbPlayer *self)
{
  return self->tapped_sink ? self->tapped_sink : stb_media_video_sink (self->display);
}

#define RTP_MP2T_CAPS "application/x-rtp,media=video,clock-rate=90000,encoding-name=MP2T"

/* With a burst (@fcc), the picture plays up to one GOP behind the multicast, which waits in
 * the queues meanwhile: they hold up to 6 s instead of 2 s. The audio queue is leaky: until
 * the first key frame is decoded the video sink has not prerolled, so the pipeline is not
 * PLAYING and the audio sink holds its first buffer; a full audio queue would then block the
 * demuxer, and with it the video branch, before the key frame came. That happened to a plain
 * join whenever the next key frame was more than the queue's 2 s away (GOP 4 s: about half
 * the zaps never showed a picture). Audio from before the first picture is worth nothing. */
static gchar *
live_description (StbPlayer *self, const LiveSource *src, gboolean fcc)
{
  g_autofree gchar *udp = NULL;
  g_autofree gchar *head = NULL;
  const gchar *queue = fcc ? "queue max-size-time=6000000000 max-size-buffers=0 max-size-bytes=0"
                           : "queue max-size-time=2000000000";
  g_autofree gchar *audio_queue = g_strconcat (queue, " leaky=downstream", NULL);

  if (src->multicast)
    udp = g_strdup_printf ("udpsrc address=%s port=%u auto-multicast=true%s%s", src->host,
                           src->port, src->iface ? " multicast-iface=" : "",
                           src->iface ? src->iface : "");
  else
    udp = g_strdup_printf ("udpsrc address=%s port=%u", src->host, src->port);
  head = fcc ? stb_fcc_pipeline_head (udp, RTP_MP2T_CAPS)
             : g_strdup_printf ("%s caps=\"" RTP_MP2T_CAPS "\" buffer-size=1048576 ! ", udp);
  return g_strdup_printf ("%srtpmp2tdepay ! tsdemux name=demux"
                          " demux. ! video/x-h264 ! %s ! h264parse"
                          " ! avdec_h264 name=vdec max-threads=1 ! videoconvert ! %s"
                          " demux. ! audio/mpeg ! %s ! aacparse ! avdec_aac"
                          " ! audioconvert ! fakesink sync=true",
                          head, queue, video_sink (self), audio_queue);
}

/* rtspsrc's pads are linked by on_rtsp_pad_added (by their "media"), not by gst-parse's
 * delayed links: those link "some compatible pad" and, when a stream ends up unlinked,
 * rtspsrc swallows that stream's not-linked error (it only fails when every stream does),
 * so the video never decoded, or the audio sink never prerolled and the pipeline never
 * reached PLAYING, where a VOD start position is applied: "no first frame", no error. */
static gchar *
vod_description (StbPlayer *self, const gchar *uri)
{
  return g_strdup_printf ("rtspsrc name=src location=\"%s\" latency=100"
                          " rtph264depay name=vdepay ! h264parse"
                          " ! avdec_h264 name=vdec max-threads=1 ! videoconvert ! %s"
                          " rtpmp4gdepay name=adepay ! aacparse ! avdec_aac"
                          " ! audioconvert ! fakesink sync=true",
                          uri, video_sink (self));
}

/* Every element a live (plain or burst) or VOD pipeline uses, loaded before the module is
 * ready, not on the main loop at the first play (stb_media_preload()). */
static void
preload (StbPlayer *self)
{
  static const gchar *const rtsp_children[]
      = { "rtpbin", "rtpjitterbuffer", "rtpsession", "rtpssrcdemux", "rtpptdemux", NULL };
  LiveSource src = { .host = (gchar *)"127.0.0.1", .port = 1 };
  /* the burst pipeline is the plain one plus its head's appsink/appsrc: one parse loads both */
  g_autofree gchar *burst = live_description (self, &src, TRUE);
  g_autofree gchar *vod = vod_description (self, "rtsp://127.0.0.1:1/preload");

  stb_media_preload (burst, NULL);
  stb_media_preload (vod, rtsp_children);
}

/* Streaming thread: link a new rtspsrc pad to the depayloader of its media; anything else
 * becomes an error message on the bus (reported on the main loop). */
static void
on_rtsp_pad_added (GstElement *src, GstPad *pad, gpointer data)
{
  GstElement *pipeline = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const gchar *media = NULL;
  g_autoptr (GstElement) depay = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  g_autofree gchar *pad_name = gst_pad_get_name (pad);
  GstPadLinkReturn ret = GST_PAD_LINK_REFUSED;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps != NULL && !gst_caps_is_empty (caps))
    media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
  if (g_strcmp0 (media, "video") == 0 || g_strcmp0 (media, "audio") == 0)
    depay = gst_bin_get_by_name (GST_BIN (pipeline), media[0] == 'v' ? "vdepay" : "adepay");
  if (depay != NULL)
    sinkpad = gst_element_get_static_pad (depay, "sink");
  if (sinkpad != NULL && gst_pad_is_linked (sinkpad))
    {
      /* a new SSRC for the same stream: the newest one plays (the old one's jitterbuffer
       * pauses on not-linked; the stream's udpsrc is unaffected) */
      g_autoptr (GstPad) old = gst_pad_get_peer (sinkpad);

      g_debug ("rtspsrc pad %s (%s): replaces %s on %s", pad_name, media,
               old ? GST_OBJECT_NAME (old) : "?", GST_OBJECT_NAME (depay));
      if (old != NULL)
        gst_pad_unlink (old, sinkpad);
    }
  if (sinkpad != NULL)
    ret = gst_pad_link (pad, sinkpad);
  if (ret != GST_PAD_LINK_OK)
    {
      g_autofree gchar *caps_str = caps ? gst_caps_to_string (caps) : g_strdup ("none");
      g_autoptr (GError) err = g_error_new (
          STB_PLAYER_ERROR, STB_PLAYER_ERROR_FAILED, "RTSP stream pad %s (caps %s) not linked: %s",
          pad_name, caps_str, sinkpad ? gst_pad_link_get_name (ret) : "no media video/audio");

      gst_element_post_message (pipeline,
                                gst_message_new_error (GST_OBJECT (src), err, "on_rtsp_pad_added"));
      return;
    }
  g_debug ("rtspsrc pad %s (%s) -> %s", pad_name, media, GST_OBJECT_NAME (depay));
}

static void report_error (StbPlayer *self, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
report_error (StbPlayer *self, const gchar *fmt, ...)
{
  g_autoptr (GError) error = NULL;
  va_list ap;

  va_start (ap, fmt);
  error = g_error_new_valist (STB_PLAYER_ERROR, STB_PLAYER_ERROR_FAILED, fmt, ap);
  va_end (ap);
  g_message ("%s", error->message);
  if (self->cb.error)
    self->cb.error (self, error, self->user_data);
}

static void
teardown (StbPlayer *self)
{
  self->seek_on_playing = FALSE;
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_pointer (&self->probe, stb_media_probe_free);
  g_clear_object (&self->pipeline);
  g_clear_pointer (&self->fcc, stb_fcc_free); /* after NULL: no more appsink callbacks */
  stb_screen_tap_detach (self->tap);
}

/* ---- what the decoder saw (streaming threads) ------------------------------------------ */

static GstPadProbeReturn
on_decoder_input (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  StbPlayer *self = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  gboolean key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);

  g_mutex_lock (&self->frames_lock);
  if (self->frames.coded == 0)
    self->frames.first_coded_key = key;
  if (key)
    self->key_pts = GST_BUFFER_PTS (buf);
  self->frames.coded++;
  g_mutex_unlock (&self->frames_lock);
  return GST_PAD_PROBE_OK;
}

/* Decoded frames: their PTS must advance by one frame each: a bigger step is a gap, no step
 * or a step back a repeat (e.g. a splice that plays a frame twice). Content lost inside the
 * stream does not show here: the demuxer re-times across a PCR jump. */
static GstPadProbeReturn
on_decoder_output (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  StbPlayer *self = data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  gint32 clock = -1;

  if (self->read_clock)
    {
      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
      clock = stb_frame_clock_read_buffer (GST_PAD_PROBE_INFO_BUFFER (info), caps);
    }

  g_mutex_lock (&self->frames_lock);
  /* no B-frames here: a decoded frame with a key frame's PTS is that key frame */
  if (self->frames.decoded == 0)
    self->frames.first_decoded_key = GST_CLOCK_TIME_IS_VALID (pts) && pts == self->key_pts;
  self->frames.decoded++;
  if (self->read_clock)
    stb_frame_clock_check_add (&self->frames.clock, clock);
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (self->last_pts))
    {
      if (pts <= self->last_pts)
        self->frames.repeats++;
      else if (pts - self->last_pts > self->frame_duration * 3 / 2)
        self->frames.gaps++;
    }
  if (GST_CLOCK_TIME_IS_VALID (pts))
    self->last_pts = pts;
  g_mutex_unlock (&self->frames_lock);
  return GST_PAD_PROBE_OK;
}

static void
watch_decoder (StbPlayer *self, GstElement *vdec)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (vdec, "sink");
  g_autoptr (GstPad) src = gst_element_get_static_pad (vdec, "src");

  g_mutex_lock (&self->frames_lock);
  memset (&self->frames, 0, sizeof self->frames);
  stb_frame_clock_check_reset (&self->frames.clock);
  self->last_pts = self->key_pts = GST_CLOCK_TIME_NONE;
  self->frame_duration = GST_SECOND / 25; /* the head-end's rate; caps may say otherwise */
  g_mutex_unlock (&self->frames_lock);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, on_decoder_input, self, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_decoder_output, self, NULL);
}

static void
seek_pending (StbPlayer *self)
{
  gint64 pos = self->pending_seek_ms;
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (self->pipeline), "src");
  GstEvent *seek = gst_event_new_seek (
      1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, GST_SEEK_TYPE_SET,
      pos * GST_MSECOND, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);

  self->pending_seek_ms = -1;
  g_debug ("seeking %s to %" G_GINT64_FORMAT " ms", self->what, pos);
  stb_media_probe_arm (self->probe, TRUE);
  /* straight to rtspsrc: through the bin, each sink would forward its own copy */
  if (!gst_element_send_event (src, seek))
    report_error (self, "%s: seek to %" G_GINT64_FORMAT " ms refused", self->what, pos);
}

static gboolean
is_playing (StbPlayer *self)
{
  GstState cur = GST_STATE_NULL, pending = GST_STATE_VOID_PENDING;

  return gst_element_get_state (self->pipeline, &cur, &pending, 0) == GST_STATE_CHANGE_SUCCESS
         && cur == GST_STATE_PLAYING && pending == GST_STATE_VOID_PENDING;
}

static void
on_first_frame (StbMediaProbe *probe, gint64 t_ns, gpointer data)
{
  StbPlayer *self = data;

  if (self->pending_seek_ms >= 0)
    {
      /* A flushing seek during the async state change can deadlock (latency
       * recalculation vs. the state lock): wait for PLAYING. */
      if (is_playing (self))
        seek_pending (self);
      else
        self->seek_on_playing = TRUE;
      return;
    }
  g_debug ("first frame %s at %" G_GINT64_FORMAT, self->what, t_ns);
  if (self->cb.first_frame)
    self->cb.first_frame (self, t_ns, self->what, self->user_data);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  StbPlayer *self = data;

  switch (GST_MESSAGE_TYPE (msg))
    {
      case GST_MESSAGE_ERROR:
        {
          g_autoptr (GError) err = NULL;
          g_autofree gchar *dbg = NULL;

          gst_message_parse_error (msg, &err, &dbg);
          g_debug ("%s", dbg ? dbg : "");
          report_error (self, "%s: %s: %s", self->what, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
                        err->message);
          break;
        }
      case GST_MESSAGE_STATE_CHANGED:
        if (GST_MESSAGE_SRC (msg) == GST_OBJECT (self->pipeline) && self->seek_on_playing
            && is_playing (self))
          {
            self->seek_on_playing = FALSE;
            seek_pending (self);
          }
        break;
      case GST_MESSAGE_EOS:
        g_message ("%s: end of stream", self->what);
        if (self->cb.eos)
          self->cb.eos (self, self->user_data);
        break;
      default:
        break;
    }
  return G_SOURCE_CONTINUE;
}

/* @fcc (transfer full, nullable): the burst splice of a live channel. */
static gboolean
start_pipeline (StbPlayer *self, const gchar *desc, StbFcc *fcc, GError **error)
{
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (GstElement) vdec = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstBus) bus = NULL;
  GSource *watch;

  teardown (self);
  self->fcc = fcc;
  self->pipeline = gst_parse_launch (desc, &parse_error);
  if (!self->pipeline || parse_error)
    {
      g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_FAILED, "%s: pipeline: %s", self->what,
                   parse_error ? parse_error->message : "?");
      g_clear_object (&self->pipeline);
      g_clear_pointer (&self->fcc, stb_fcc_free);
      return FALSE;
    }
  gst_object_ref_sink (self->pipeline);
  {
    g_autoptr (GstElement) rtsp = gst_bin_get_by_name (GST_BIN (self->pipeline), "src");
    g_autoptr (GstElement) vdepay = gst_bin_get_by_name (GST_BIN (self->pipeline), "vdepay");

    if (rtsp != NULL && vdepay != NULL) /* VOD: rtspsrc pads linked by media */
      g_signal_connect_object (rtsp, "pad-added", G_CALLBACK (on_rtsp_pad_added), self->pipeline,
                               0);
  }
  vdec = gst_bin_get_by_name (GST_BIN (self->pipeline), "vdec");
  pad = gst_element_get_static_pad (vdec, "src");
  self->probe = stb_media_probe_new (pad, self->context, on_first_frame, self);
  watch_decoder (self, vdec);
  stb_screen_tap_attach (self->tap, self->pipeline);
  if (self->fcc && !stb_fcc_start (self->fcc, self->pipeline, error))
    {
      teardown (self);
      return FALSE;
    }
  bus = gst_element_get_bus (self->pipeline);
  watch = gst_bus_create_watch (bus);
  g_source_set_callback (watch, G_SOURCE_FUNC (on_bus_message), self, NULL);
  self->bus_watch = g_source_attach (watch, self->context);
  g_source_unref (watch);
  stb_media_probe_arm (self->probe, FALSE);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_FAILED,
                   "%s: cannot start the pipeline (port in use? server down?)", self->what);
      teardown (self);
      return FALSE;
    }
  return TRUE;
}

static gint64
query_position_ms (StbPlayer *self)
{
  gint64 pos = 0;

  if (self->pipeline && gst_element_query_position (self->pipeline, GST_FORMAT_TIME, &pos)
      && pos >= 0)
    return pos / GST_MSECOND;
  return self->position_ms;
}

/* ---- public API ------------------------------------------------------------------------ */

StbPlayer *
stb_player_new (const StbPlayerConfig *config, const StbPlayerCallbacks *callbacks,
                gpointer user_data, GError **error)
{
  StbPlayer *self;

  g_return_val_if_fail (config != NULL, NULL);
  if (!gst_init_check (NULL, NULL, error))
    return NULL;
  self = g_new0 (StbPlayer, 1);
  if (callbacks)
    self->cb = *callbacks;
  self->user_data = user_data;
  self->lineup_path = g_strdup (config->lineup_path);
  self->vod_base_uri = g_strdup (config->vod_base_uri);
  self->display = config->display;
  self->snapshot_dir = g_strdup (config->snapshot_dir);
  self->fast_channel_change = config->fast_channel_change;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->frames_lock);
  self->pending_seek_ms = -1;
  self->position_ms = -1;
  preload (self);
  return self;
}

void
stb_player_free (StbPlayer *self)
{
  if (!self)
    return;
  teardown (self);
  g_clear_pointer (&self->tap, stb_screen_tap_free);
  g_free (self->tapped_sink);
  g_free (self->lineup_path);
  g_free (self->vod_base_uri);
  g_free (self->snapshot_dir);
  g_free (self->what);
  g_free (self->asset);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->frames_lock);
  g_free (self);
}

gboolean
stb_player_play_live (StbPlayer *self, guint channel, GError **error)
{
  LiveSource src = { 0 };
  g_autofree gchar *desc = NULL;
  StbFcc *fcc = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  if (!lookup_channel (self, channel, &src, error))
    {
      live_source_clear (&src);
      return FALSE;
    }
  g_free (self->what);
  self->what = g_strdup_printf ("live:%u", channel);
  self->channel = channel;
  self->pending_seek_ms = -1;
  teardown (self);
  if (self->fast_channel_change && src.fcc)
    {
      g_autoptr (GError) fcc_error = NULL;

      /* a burst we cannot ask for is no reason not to play: plain join */
      if (!(fcc = stb_fcc_new (src.fcc, channel, self->context, &fcc_error)))
        g_message ("%s: %s; plain join", self->what, fcc_error->message);
    }
  self->read_clock = TRUE;
  self->gop_ms = src.gop_ms;
  desc = live_description (self, &src, fcc != NULL);
  g_debug ("%s: %s", self->what, desc);
  ok = start_pipeline (self, desc, fcc, error);
  live_source_clear (&src);
  set_state (self, ok ? STATE_LIVE : STATE_IDLE, "play live");
  return ok;
}

gboolean
stb_player_play_vod (StbPlayer *self, const gchar *asset, gint64 position_ms, GError **error)
{
  g_autofree gchar *uri = NULL;
  g_autofree gchar *desc = NULL;
  g_autofree gchar *asset_copy = g_strdup (asset);
  gboolean ok;

  g_return_val_if_fail (self != NULL && asset != NULL, FALSE);
  if (!self->vod_base_uri)
    {
      g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_NO_SUCH_ASSET,
                   "VOD asset %s: no VOD server configured (vod_base_uri)", asset);
      return FALSE;
    }
  uri = g_strconcat (self->vod_base_uri, asset, NULL);
  desc = vod_description (self, uri);
  g_free (self->what);
  self->what = g_strdup_printf ("vod:%s", asset);
  g_free (self->asset);
  self->asset = g_steal_pointer (&asset_copy);
  self->position_ms = MAX (position_ms, 0);
  self->pending_seek_ms = position_ms > 0 ? position_ms : -1;
  self->read_clock = FALSE; /* VOD assets carry no frame clock */
  ok = start_pipeline (self, desc, NULL, error);
  set_state (self, ok ? STATE_VOD : STATE_IDLE, "play vod");
  return ok;
}

gboolean
stb_player_pause (StbPlayer *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  switch (self->state)
    {
      case STATE_LIVE:
        teardown (self);
        set_state (self, STATE_LIVE_LEFT, "pause: leave the group");
        return TRUE;
      case STATE_VOD:
        self->position_ms = query_position_ms (self);
        stb_media_probe_disarm (self->probe);
        if (self->pending_seek_ms >= 0)
          self->position_ms = self->pending_seek_ms;
        gst_element_set_state (self->pipeline, GST_STATE_PAUSED);
        set_state (self, STATE_VOD_PAUSED, "pause: keep the session");
        return TRUE;
      default:
        g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_STATE, "cannot pause while %s",
                     state_to_string (self->state));
        return FALSE;
    }
}

gboolean
stb_player_resume (StbPlayer *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  switch (self->state)
    {
      case STATE_LIVE_LEFT:
        return stb_player_play_live (self, self->channel, error);
      case STATE_VOD_PAUSED:
        stb_media_probe_arm (self->probe, FALSE);
        if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
          {
            g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_FAILED, "%s: cannot resume",
                         self->what);
            return FALSE;
          }
        set_state (self, STATE_VOD, "resume");
        return TRUE;
      case STATE_IDLE:
        if (self->what && g_str_has_prefix (self->what, "live:"))
          return stb_player_play_live (self, self->channel, error);
        if (self->asset)
          {
            g_autofree gchar *asset = g_strdup (self->asset);
            return stb_player_play_vod (self, asset, self->position_ms, error);
          }
        break;
      default:
        break;
    }
  g_set_error (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_STATE, "nothing to resume (%s)",
               state_to_string (self->state));
  return FALSE;
}

void
stb_player_stop (StbPlayer *self)
{
  g_return_if_fail (self != NULL);
  if (self->state == STATE_VOD)
    self->position_ms = query_position_ms (self);
  teardown (self);
  if (self->state != STATE_IDLE)
    set_state (self, STATE_IDLE, "stop");
}

gint64
stb_player_get_position_ms (StbPlayer *self)
{
  g_return_val_if_fail (self != NULL, -1);
  if (!self->asset || g_str_has_prefix (self->what, "live:"))
    return -1;
  if (self->state == STATE_VOD && self->pending_seek_ms < 0)
    return query_position_ms (self);
  return self->pending_seek_ms >= 0 ? self->pending_seek_ms : self->position_ms;
}

void
stb_player_get_frames (StbPlayer *self, StbPlayerFrames *frames)
{
  g_return_if_fail (self != NULL && frames != NULL);
  g_mutex_lock (&self->frames_lock);
  *frames = self->frames;
  frames->gop_frames
      = self->frame_duration ? (guint)(self->gop_ms * GST_MSECOND / self->frame_duration) : 0;
  g_mutex_unlock (&self->frames_lock);
  frames->clock_ok
      = self->read_clock && stb_frame_clock_check_ok (&frames->clock, frames->gop_frames);
  if (self->fcc)
    {
      StbFccStats st;

      stb_fcc_get_stats (self->fcc, &st);
      frames->fcc = TRUE;
      g_strlcpy (frames->fcc_status, st.status, sizeof frames->fcc_status);
      frames->burst_packets = st.burst_played;
      frames->lost_packets = st.lost;
      frames->multicast_packets = st.multicast_played;
      frames->joined = st.joined;
      frames->join_seq = st.join_seq;
      frames->burst_from_key
          = st.key_seq >= 0 && st.first_seq >= 0
            && (st.first_seq == st.key_seq || st.first_seq == ((st.key_seq - 1) & 0xffff));
    }
  else
    frames->join_seq = -1;
}

void
stb_player_set_screen_tap (StbPlayer *self, StbScreenTapFunc func, gpointer user_data)
{
  g_return_if_fail (self != NULL && self->pipeline == NULL);
  g_clear_pointer (&self->tap, stb_screen_tap_free);
  g_clear_pointer (&self->tapped_sink, g_free);
  self->tap = stb_screen_tap_new (STB_PLAYER_SCREEN_FPS, func, user_data);
  self->tapped_sink = stb_screen_tap_wrap_sink (self->tap, stb_media_video_sink (self->display));
}

gboolean
stb_player_snapshot (StbPlayer *self, const gchar *name, GError **error)
{
  g_return_val_if_fail (self != NULL && name != NULL, FALSE);
  return stb_media_snapshot_named (self->pipeline, self->snapshot_dir, name, STB_PLAYER_ERROR,
                                   STB_PLAYER_ERROR_FAILED, error);
}
