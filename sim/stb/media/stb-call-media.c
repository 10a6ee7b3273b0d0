/* SPDX-License-Identifier: MIT */
/*
 * VoIP call media: test camera (videotestsrc) + microphone (audiotestsrc) sent, the far end
 * received, through one rtpbin with RTCP (AVPF, so a key-frame request goes out at once):
 * session 0 audio (PCMU/PCMA), session 1 video (H.264). prepare() binds the four UDP
 * sockets (even RTP port, RTCP = RTP + 1) and keeps them; start() hands them to
 * udpsrc/udpsink (`socket`), so the ports cannot be taken meanwhile and RTP is symmetric.
 */
#define G_LOG_DOMAIN "stb-call-media"

#include "stb-call-media.h"
#include "stb-media-probe.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (stb-call-media-error-quark, stb_call_media_error)
/* clang-format on */

#define DEFAULT_GOP_MS 2000
#define FRAME_RATE 25
#define JITTER_MS 50
#define MAX_DRAIN 4096

enum
{
  SOCK_AUDIO_RTP,
  SOCK_AUDIO_RTCP,
  SOCK_VIDEO_RTP,
  SOCK_VIDEO_RTCP,
  N_SOCKS
};

static const gchar *const sock_names[N_SOCKS] = { "artp", "artcp", "vrtp", "vrtcp" };

typedef enum
{
  STATE_IDLE,
  STATE_PREPARED,
  STATE_RUNNING,
  N_STATES
} State;

static const gchar *const state_names[N_STATES] = { "idle", "prepared", "running" };

static const gboolean allowed[N_STATES][N_STATES] = {
  /*                  idle   prep   run */
  [STATE_IDLE] = { TRUE, TRUE, FALSE },
  [STATE_PREPARED] = { TRUE, TRUE, TRUE },
  [STATE_RUNNING] = { TRUE, FALSE, FALSE },
};

struct _StbCallMedia
{
  StbCallMediaCallbacks cb;
  gpointer user_data;
  gchar *bind_host;
  gboolean display;
  gchar *snapshot_dir;
  gboolean request_key_frame;
  guint gop_ms;
  GMainContext *context;

  State state;
  GSocket *sock[N_SOCKS];
  StbMediaEndpoint local;
  StbMediaEndpoint remote;
  GstElement *pipeline;
  guint bus_watch;
  StbMediaProbe *vprobe;
  StbMediaProbe *aprobe;
  StbScreenTap *tap;  /* (nullable) the far end's pictures for the on-screen video page */
  gchar *tapped_sink; /* the video sink with the tap in front, NULL without a tap */
};

static void
set_state (StbCallMedia *self, State next, const gchar *reason)
{
  if (!allowed[self->state][next])
    {
      g_warning ("illegal call-media transition %s -> %s (%s)", state_names[self->state],
                 state_names[next], reason);
      return;
    }
  g_debug ("%s -> %s (%s)", state_names[self->state], state_names[next], reason);
  self->state = next;
}

/* ---- ports ----------------------------------------------------------------------------- */

static GSocket *
bind_udp (const gchar *host, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocket) sock = NULL;

  if (!addr)
    {
      g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_FAILED,
                   "bind_host %s is not an IP address", host);
      return NULL;
    }
  sock = g_socket_new (g_inet_address_get_family (addr), G_SOCKET_TYPE_DATAGRAM,
                       G_SOCKET_PROTOCOL_UDP, error);
  sa = g_inet_socket_address_new (addr, port);
  if (!sock || !g_socket_bind (sock, sa, FALSE, error))
    return NULL;
  g_socket_set_blocking (sock, FALSE);
  return g_steal_pointer (&sock);
}

static guint16
local_port (GSocket *sock)
{
  g_autoptr (GSocketAddress) sa = sock ? g_socket_get_local_address (sock, NULL) : NULL;
  return sa ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)) : 0;
}

/* Bind an even RTP port and RTCP on the next one. Bounded retries. */
static gboolean
reserve_pair (StbCallMedia *self, guint rtp, GError **error)
{
  for (guint attempt = 0; attempt < 64; attempt++)
    {
      g_autoptr (GSocket) a = bind_udp (self->bind_host, 0, error);
      g_autoptr (GSocket) b = NULL;
      guint16 port;

      if (!a)
        return FALSE;
      port = local_port (a);
      if (port % 2 || port > 65533)
        continue;
      b = bind_udp (self->bind_host, port + 1, NULL);
      if (!b)
        continue;
      self->sock[rtp] = g_steal_pointer (&a);
      self->sock[rtp + 1] = g_steal_pointer (&b);
      return TRUE;
    }
  g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_FAILED,
               "no free even/odd UDP port pair on %s after 64 attempts", self->bind_host);
  return FALSE;
}

static void
release_sockets (StbCallMedia *self)
{
  for (guint i = 0; i < N_SOCKS; i++)
    if (self->sock[i])
      {
        g_socket_close (self->sock[i], NULL);
        g_clear_object (&self->sock[i]);
      }
}

/* Drop whatever arrived before the call started (the far end may have sent early). */
static void
drain (GSocket *sock)
{
  gchar buf[2048];

  for (guint i = 0; i < MAX_DRAIN; i++)
    if (g_socket_receive (sock, buf, sizeof buf, NULL, NULL) < 0)
      break;
}

/* ---- pipeline -------------------------------------------------------------------------- */

static gboolean
is_pcma (const StbMediaEndpoint *ep)
{
  return ep->audio_pt == 8 || g_ascii_strcasecmp (ep->audio_codec, "PCMA") == 0;
}

static gchar *
audio_description (StbCallMedia *self)
{
  gboolean pcma = is_pcma (&self->remote);
  const gchar *enc = pcma ? "alawenc ! rtppcmapay" : "mulawenc ! rtppcmupay";
  const gchar *dec
      = pcma ? "rtppcmadepay name=adepay ! alawdec" : "rtppcmudepay name=adepay ! mulawdec";

  return g_strdup_printf (
      " audiotestsrc is-live=true wave=sine volume=0.1 freq=%u samplesperbuffer=160"
      " ! audio/x-raw,rate=8000,channels=1 ! audioconvert ! %s pt=%d ! rtpbin.send_rtp_sink_0"
      " rtpbin.send_rtp_src_0 ! udpsink name=artp_out host=%s port=%u sync=false async=false"
      " rtpbin.send_rtcp_src_0 ! udpsink name=artcp_out host=%s port=%u sync=false async=false"
      " udpsrc name=artp_in caps=\"application/x-rtp,media=audio,clock-rate=8000,"
      "encoding-name=%s,payload=%d\" ! rtpbin.recv_rtp_sink_0"
      " udpsrc name=artcp_in caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_0"
      " %s name=adec ! audioconvert ! fakesink name=asink sync=true",
      400 + local_port (self->sock[SOCK_AUDIO_RTP]) % 400, enc, pcma ? 8 : 0, self->remote.address,
      self->remote.audio_port, self->remote.address, self->remote.audio_port + 1,
      pcma ? "PCMA" : "PCMU", pcma ? 8 : 0, dec);
}

static gchar *
video_description (StbCallMedia *self)
{
  gint send_pt = self->remote.video_pt > 0 ? self->remote.video_pt : 96;
  gint recv_pt = self->local.video_pt > 0 ? self->local.video_pt : 96;

  return g_strdup_printf (
      " videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=%d/1"
      " ! timeoverlay font-desc=\"Monospace Bold 16\" shaded-background=true ! videoconvert"
      " ! x264enc name=venc speed-preset=ultrafast tune=zerolatency bitrate=384 key-int-max=%u"
      " ! rtph264pay pt=%d config-interval=-1 ! rtpbin.send_rtp_sink_1"
      " rtpbin.send_rtp_src_1 ! udpsink name=vrtp_out host=%s port=%u sync=false async=false"
      " rtpbin.send_rtcp_src_1 ! udpsink name=vrtcp_out host=%s port=%u sync=false async=false"
      " udpsrc name=vrtp_in caps=\"application/x-rtp,media=video,clock-rate=90000,"
      "encoding-name=H264,payload=%d,rtcp-fb-nack-pli=(boolean)%s\" ! rtpbin.recv_rtp_sink_1"
      " udpsrc name=vrtcp_in caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_1"
      " rtph264depay name=vdepay wait-for-keyframe=true request-keyframe=%s ! h264parse"
      " ! avdec_h264 name=vdec max-threads=1 ! videoconvert ! %s",
      FRAME_RATE, MAX (1, self->gop_ms * FRAME_RATE / 1000), send_pt, self->remote.address,
      self->remote.video_port, self->remote.address, self->remote.video_port + 1, recv_pt,
      self->request_key_frame ? "true" : "false", self->request_key_frame ? "true" : "false",
      self->tapped_sink ? self->tapped_sink : stb_media_video_sink (self->display));
}

static gchar *
pipeline_description (StbCallMedia *self)
{
  g_autofree gchar *audio = self->remote.audio_port ? audio_description (self) : g_strdup ("");
  g_autofree gchar *video = self->remote.video_port ? video_description (self) : g_strdup ("");

  return g_strdup_printf ("rtpbin name=rtpbin latency=%d rtp-profile=avpf%s%s", JITTER_MS, audio,
                          video);
}

/* Every element of a call's pipeline (both audio codecs), loaded before the module is ready,
 * not on the main loop when the first call starts (stb_media_preload()). */
static void
preload (StbCallMedia *self)
{
  StbMediaEndpoint dummy = { .address = "127.0.0.1", .audio_port = 2, .video_port = 4 };

  for (gint pt = 0; pt <= 8; pt += 8)
    {
      g_autofree gchar *desc = NULL;

      dummy.audio_pt = pt;
      self->remote = dummy;
      desc = pipeline_description (self);
      stb_media_preload (desc, NULL);
    }
  memset (&self->remote, 0, sizeof self->remote);
}

static void
set_socket (GstBin *bin, const gchar *name, GSocket *sock)
{
  g_autoptr (GstElement) e = gst_bin_get_by_name (bin, name);

  if (e)
    g_object_set (e, "socket", sock, "close-socket", FALSE, NULL);
}

static void
hand_over_sockets (StbCallMedia *self)
{
  for (guint i = 0; i < N_SOCKS; i++)
    {
      g_autofree gchar *in = g_strconcat (sock_names[i], "_in", NULL);
      g_autofree gchar *out = g_strconcat (sock_names[i], "_out", NULL);

      drain (self->sock[i]);
      set_socket (GST_BIN (self->pipeline), in, self->sock[i]);
      set_socket (GST_BIN (self->pipeline), out, self->sock[i]);
    }
}

/* Ask the sender for a key frame: upstream GstForceKeyUnit; rtpbin turns it into RTCP PLI. */
static void
request_key_frame (GstPad *sinkpad)
{
  GstEvent *ev = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, FALSE, 0);
  g_debug ("requesting a key frame from the far end");
  gst_pad_push_event (sinkpad, ev);
}

/* Key-frame requests off: drop the ones h264parse and the decoder make on their own. */
static GstPadProbeReturn
on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

  if (gst_video_event_is_force_key_unit (ev))
    {
      g_debug ("key-frame requests are off: dropping one");
      return GST_PAD_PROBE_DROP;
    }
  return GST_PAD_PROBE_OK;
}

/* rtpbin's recv_rtp_src_<session>_<ssrc>_<pt>: link it to the matching depayloader. */
static void
on_rtpbin_pad_added (GstElement *rtpbin, GstPad *pad, gpointer data)
{
  StbCallMedia *self = data;
  g_autofree gchar *name = gst_pad_get_name (pad);
  gboolean video = g_str_has_prefix (name, "recv_rtp_src_1_");
  g_autoptr (GstElement) depay = NULL;
  g_autoptr (GstPad) sinkpad = NULL;

  if (!g_str_has_prefix (name, "recv_rtp_src_"))
    return;
  depay = gst_bin_get_by_name (GST_BIN (self->pipeline), video ? "vdepay" : "adepay");
  if (!depay)
    return;
  sinkpad = gst_element_get_static_pad (depay, "sink");
  if (gst_pad_is_linked (sinkpad))
    {
      g_debug ("%s: depayloader already linked (new SSRC?)", name);
      return;
    }
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    {
      g_message ("cannot link %s", name);
      return;
    }
  g_debug ("receiving %s", name);
  if (video && self->request_key_frame)
    request_key_frame (sinkpad);
  else if (video)
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, NULL, NULL);
}

/* The far end is alive (first RTP/RTCP from it): send it a key frame now. */
static void
on_new_ssrc (GstElement *rtpbin, guint session, guint ssrc, gpointer data)
{
  StbCallMedia *self = data;
  g_autoptr (GstElement) venc = NULL;
  g_autoptr (GstPad) pad = NULL;

  if (session != 1 || !self->request_key_frame)
    return;
  venc = gst_bin_get_by_name (GST_BIN (self->pipeline), "venc");
  pad = venc ? gst_element_get_static_pad (venc, "src") : NULL;
  if (pad)
    gst_pad_send_event (pad,
                        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* PLI (RTCP feedback) is advertised only when key-frame requests are on: without it,
 * rtpsession drops the upstream requests that h264parse/the decoder also make. */
static GstCaps *
on_request_pt_map (GstElement *rtpbin, guint session, guint pt, gpointer data)
{
  StbCallMedia *self = data;

  if (session == 1)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "clock-rate",
                                G_TYPE_INT, 90000, "encoding-name", G_TYPE_STRING, "H264",
                                "payload", G_TYPE_INT, (gint)pt, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN,
                                self->request_key_frame, NULL);
  if (pt == 0 || pt == 8)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate",
                                G_TYPE_INT, 8000, "encoding-name", G_TYPE_STRING,
                                pt == 8 ? "PCMA" : "PCMU", "payload", G_TYPE_INT, (gint)pt, NULL);
  return NULL;
}

static void
on_first_video (StbMediaProbe *probe, gint64 t_ns, gpointer data)
{
  StbCallMedia *self = data;
  if (self->cb.first_frame)
    self->cb.first_frame (self, "video", t_ns, self->user_data);
}

static void
on_first_audio (StbMediaProbe *probe, gint64 t_ns, gpointer data)
{
  StbCallMedia *self = data;
  if (self->cb.first_frame)
    self->cb.first_frame (self, "audio", t_ns, self->user_data);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  StbCallMedia *self = data;
  g_autoptr (GError) err = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dbg = NULL;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  gst_message_parse_error (msg, &err, &dbg);
  g_debug ("%s", dbg ? dbg : "");
  error
      = g_error_new (STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_FAILED, "call media to %s: %s: %s",
                     self->remote.address, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
  g_message ("%s", error->message);
  if (self->cb.error)
    self->cb.error (self, error, self->user_data);
  return G_SOURCE_CONTINUE;
}

static StbMediaProbe *
probe_decoder (StbCallMedia *self, const gchar *name, StbMediaProbeFunc func)
{
  g_autoptr (GstElement) dec = gst_bin_get_by_name (GST_BIN (self->pipeline), name);
  g_autoptr (GstPad) pad = NULL;
  StbMediaProbe *probe;

  if (!dec)
    return NULL;
  pad = gst_element_get_static_pad (dec, "src");
  probe = stb_media_probe_new (pad, self->context, func, self);
  stb_media_probe_arm (probe, FALSE);
  return probe;
}

static void
watch_pipeline (StbCallMedia *self)
{
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (self->pipeline), "rtpbin");
  g_autoptr (GstBus) bus = gst_element_get_bus (self->pipeline);
  GSource *watch = gst_bus_create_watch (bus);

  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad_added), self);
  g_signal_connect (rtpbin, "on-new-ssrc", G_CALLBACK (on_new_ssrc), self);
  g_signal_connect (rtpbin, "request-pt-map", G_CALLBACK (on_request_pt_map), self);
  g_source_set_callback (watch, G_SOURCE_FUNC (on_bus_message), self, NULL);
  self->bus_watch = g_source_attach (watch, self->context);
  g_source_unref (watch);
  self->vprobe = probe_decoder (self, "vdec", on_first_video);
  self->aprobe = probe_decoder (self, "adec", on_first_audio);
}

static void
teardown (StbCallMedia *self)
{
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_pointer (&self->vprobe, stb_media_probe_free);
  g_clear_pointer (&self->aprobe, stb_media_probe_free);
  g_clear_object (&self->pipeline);
  stb_screen_tap_detach (self->tap);
}

/* ---- public API ------------------------------------------------------------------------ */

StbCallMedia *
stb_call_media_new (const StbCallMediaConfig *config, const StbCallMediaCallbacks *callbacks,
                    gpointer user_data, GError **error)
{
  StbCallMedia *self;

  g_return_val_if_fail (config != NULL, NULL);
  if (!gst_init_check (NULL, NULL, error))
    return NULL;
  self = g_new0 (StbCallMedia, 1);
  if (callbacks)
    self->cb = *callbacks;
  self->user_data = user_data;
  self->bind_host = g_strdup (config->bind_host ? config->bind_host : "127.0.0.1");
  self->display = config->display;
  self->snapshot_dir = g_strdup (config->snapshot_dir);
  self->request_key_frame = config->request_key_frame;
  self->gop_ms = config->gop_ms ? config->gop_ms : DEFAULT_GOP_MS;
  self->context = g_main_context_ref_thread_default ();
  preload (self);
  return self;
}

void
stb_call_media_free (StbCallMedia *self)
{
  if (!self)
    return;
  stb_call_media_stop (self);
  g_clear_pointer (&self->tap, stb_screen_tap_free);
  g_free (self->tapped_sink);
  g_free (self->bind_host);
  g_free (self->snapshot_dir);
  g_main_context_unref (self->context);
  g_free (self);
}

gboolean
stb_call_media_prepare (StbCallMedia *self, StbMediaEndpoint *local, GError **error)
{
  g_return_val_if_fail (self != NULL && local != NULL, FALSE);
  if (self->state == STATE_RUNNING)
    {
      g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_STATE,
                   "prepare: media already running (stop first)");
      return FALSE;
    }
  release_sockets (self);
  if (!reserve_pair (self, SOCK_AUDIO_RTP, error) || !reserve_pair (self, SOCK_VIDEO_RTP, error))
    {
      release_sockets (self);
      return FALSE;
    }
  memset (&self->local, 0, sizeof self->local);
  g_strlcpy (self->local.address, self->bind_host, sizeof self->local.address);
  self->local.audio_port = local_port (self->sock[SOCK_AUDIO_RTP]);
  self->local.video_port = local_port (self->sock[SOCK_VIDEO_RTP]);
  self->local.audio_pt = 0;
  g_strlcpy (self->local.audio_codec, "PCMU", sizeof self->local.audio_codec);
  self->local.video_pt = 96;
  g_strlcpy (self->local.video_codec, "H264", sizeof self->local.video_codec);
  g_strlcpy (self->local.video_fmtp, "profile-level-id=42e01f;packetization-mode=1",
             sizeof self->local.video_fmtp);
  *local = self->local;
  set_state (self, STATE_PREPARED, "ports reserved");
  g_debug ("local media %s audio %u video %u", self->local.address, self->local.audio_port,
           self->local.video_port);
  return TRUE;
}

gboolean
stb_call_media_start (StbCallMedia *self, const StbMediaEndpoint *remote, GError **error)
{
  g_autofree gchar *desc = NULL;
  g_autoptr (GError) parse_error = NULL;

  g_return_val_if_fail (self != NULL && remote != NULL, FALSE);
  if (self->state != STATE_PREPARED)
    {
      g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_STATE,
                   "start: media is %s (prepare first, once per call)", state_names[self->state]);
      return FALSE;
    }
  if (!remote->audio_port && !remote->video_port)
    {
      g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_FAILED,
                   "start: the far end %s offers no audio and no video port", remote->address);
      return FALSE;
    }
  self->remote = *remote;
  desc = pipeline_description (self);
  self->pipeline = gst_parse_launch (desc, &parse_error);
  if (!self->pipeline || parse_error)
    {
      g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_FAILED,
                   "call media pipeline: %s", parse_error ? parse_error->message : "?");
      g_clear_object (&self->pipeline);
      return FALSE;
    }
  gst_object_ref_sink (self->pipeline);
  hand_over_sockets (self);
  watch_pipeline (self);
  stb_screen_tap_attach (self->tap, self->pipeline);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_FAILED,
                   "call media to %s: cannot start the pipeline", remote->address);
      teardown (self);
      return FALSE;
    }
  set_state (self, STATE_RUNNING, "started");
  return TRUE;
}

void
stb_call_media_stop (StbCallMedia *self)
{
  g_return_if_fail (self != NULL);
  teardown (self);
  release_sockets (self);
  if (self->state != STATE_IDLE)
    set_state (self, STATE_IDLE, "stopped");
}

void
stb_call_media_set_screen_tap (StbCallMedia *self, StbScreenTapFunc func, gpointer user_data)
{
  g_return_if_fail (self != NULL && self->pipeline == NULL);
  g_clear_pointer (&self->tap, stb_screen_tap_free);
  g_clear_pointer (&self->tapped_sink, g_free);
  self->tap = stb_screen_tap_new (STB_CALL_MEDIA_SCREEN_FPS, func, user_data);
  self->tapped_sink = stb_screen_tap_wrap_sink (self->tap, stb_media_video_sink (self->display));
}

gboolean
stb_call_media_snapshot (StbCallMedia *self, const gchar *name, GError **error)
{
  g_return_val_if_fail (self != NULL && name != NULL, FALSE);
  return stb_media_snapshot_named (self->pipeline, self->snapshot_dir, name, STB_CALL_MEDIA_ERROR,
                                   STB_CALL_MEDIA_ERROR_FAILED, error);
}
