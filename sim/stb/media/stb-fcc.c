/* SPDX-License-Identifier: MIT */
/*
 * Fast channel change client (see stb-fcc.h; SPEC §14). The two receivers end in appsinks
 * whose callbacks (two streaming threads) decide, under one lock, which packet goes on to
 * the appsrc in front of the demuxer, so the order the demuxer sees is the order decided.
 * Timestamps are removed: the burst arrives faster than real time, and arrival times would
 * make the demuxer's clock-skew estimation jump at the splice; without them it times the
 * frames by the stream's own PCR/PTS, so the burst plays out at normal speed from the key
 * frame on (the picture is then up to one GOP behind the multicast, which queues meanwhile).
 * RAMS-T is one non-blocking datagram sent from the streaming thread that decides the join.
 */
#define G_LOG_DOMAIN "stb-player"

#include "stb-fcc.h"

#include <gio/gio.h>

#include <string.h>

#define FALLBACK_MS 1000 /* no burst packet by then: plain join */

typedef enum
{
  PHASE_BURST, /* playing the burst; multicast packets wait in the burst (dropped here) */
  PHASE_JOINED,
} Phase;

struct _StbFcc
{
  GMutex lock;
  guint channel;
  GSocket *burst;
  GSocket *ctrl;
  GSocketAddress *server;
  guint16 burst_port;
  GMainContext *context;
  GSource *ctrl_source;
  GSource *fallback;
  GstAppSrc *src;

  Phase phase;
  gboolean have_last, have_mcast, terminated;
  guint16 last, mcast_max;
  StbFccStats stats;
};

static gboolean
newer (guint16 a, guint16 b)
{
  return (gint16)(guint16)(a - b) > 0;
}

static gboolean
rtp_seq (GstBuffer *buf, guint16 *seq)
{
  guint8 head[4];

  if (gst_buffer_extract (buf, 0, head, 4) != 4 || (head[0] >> 6) != 2)
    return FALSE;
  *seq = (guint16)((head[2] << 8) | head[3]);
  return TRUE;
}

static void
send_text (StbFcc *self, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  if (g_socket_send_to (self->ctrl, self->server, text, strlen (text), NULL, &error) < 0)
    g_message ("fcc: %s: %s", text, error->message);
  else
    g_debug ("fcc: sent %s", text);
}

/* Locked. Hand @buf (untimed) to the demuxer. */
static void
play (StbFcc *self, GstBuffer *buf, guint16 seq)
{
  GstBuffer *copy = gst_buffer_copy (buf);

  GST_BUFFER_PTS (copy) = GST_BUFFER_DTS (copy) = GST_CLOCK_TIME_NONE;
  /* DISCONT exactly where the spliced stream has a gap (or starts). Each udpsrc marks its
   * first buffer DISCONT, and the multicast's first buffer is the one played at a "multicast
   * is next" splice (a key frame younger than a frame interval), where nothing is missing:
   * passed on, tsdemux flushed on it (mpegts_base_chain: "Got DISCONT buffer, flushing"), the
   * key frame being assembled and the PCR were lost, and the first picture came 500-1000 ms
   * late in about 1 burst in 20. A real gap (a burst that lost packets) must stay marked, so
   * the demuxer drops the damaged picture instead of decoding it. */
  gboolean hole = self->have_last && seq != (guint16)(self->last + 1);

  if (hole)
    self->stats.lost += (guint16)(seq - self->last - 1);
  if (hole || !self->have_last)
    GST_BUFFER_FLAG_SET (copy, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (copy, GST_BUFFER_FLAG_DISCONT);
  if (!self->have_last)
    self->stats.first_seq = seq;
  self->have_last = TRUE;
  self->last = seq;
  gst_app_src_push_buffer (self->src, copy);
}

/* Locked: from now on the multicast plays (RAMS-T with the first multicast seq it plays). */
static void
join (StbFcc *self, const gchar *why)
{
  g_autofree gchar *msg = NULL;

  self->phase = PHASE_JOINED;
  self->stats.joined = TRUE;
  self->stats.join_seq = self->have_last ? (guint16)(self->last + 1) : -1;
  if (self->terminated)
    return;
  self->terminated = TRUE;
  msg = g_strdup_printf ("RAMS-T channel=%u port=%u seq=%d", self->channel, self->burst_port,
                         self->stats.join_seq);
  send_text (self, msg);
  g_debug ("fcc channel %u: joined (%s) at seq %d after %u burst packets", self->channel, why,
           self->stats.join_seq, self->stats.burst_played);
}

static void
on_burst_packet (StbFcc *self, GstBuffer *buf, guint16 seq)
{
  self->stats.burst_packets++;
  if (self->phase != PHASE_BURST || (self->have_last && !newer (seq, self->last)))
    return;
  play (self, buf, seq);
  self->stats.burst_played++;
  if (self->have_mcast && !newer (self->mcast_max, self->last))
    join (self, "burst caught up");
}

static void
on_mcast_packet (StbFcc *self, GstBuffer *buf, guint16 seq)
{
  self->stats.multicast_packets++;
  if (!self->have_mcast || newer (seq, self->mcast_max))
    self->mcast_max = seq;
  self->have_mcast = TRUE;
  if (self->phase == PHASE_BURST)
    {
      /* the burst delivers everything up to here; play this one only if it is the next */
      if (!self->have_last || seq != (guint16)(self->last + 1))
        return;
      join (self, "multicast is next");
    }
  else if (self->have_last && !newer (seq, self->last))
    return;
  play (self, buf, seq);
  self->stats.multicast_played++;
}

static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  StbFcc *self = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  gboolean burst = g_str_equal (GST_OBJECT_NAME (sink), "fccburst");
  guint16 seq;

  if (!buf || !rtp_seq (buf, &seq))
    return GST_FLOW_OK;
  g_mutex_lock (&self->lock);
  if (burst)
    on_burst_packet (self, buf, seq);
  else
    on_mcast_packet (self, buf, seq);
  g_mutex_unlock (&self->lock);
  return GST_FLOW_OK;
}

/* Locked: give up on the burst before it started. */
static void
fall_back (StbFcc *self, const gchar *status)
{
  g_strlcpy (self->stats.status, status, sizeof self->stats.status);
  if (self->phase == PHASE_BURST && self->stats.burst_played == 0)
    {
      g_message ("fcc channel %u: %s, plain join", self->channel, status);
      self->phase = PHASE_JOINED;
      self->terminated = TRUE; /* nothing to stop */
    }
}

static gboolean
on_fallback (gpointer data)
{
  StbFcc *self = data;

  g_mutex_lock (&self->lock);
  if (self->stats.burst_played == 0)
    fall_back (self, "timeout");
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->fallback, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* RAMS-I from the head-end. */
static gboolean
on_ctrl_readable (GSocket *socket, GIOCondition condition, gpointer data)
{
  StbFcc *self = data;
  gchar buf[256];
  gssize n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, NULL);
  const gchar *status;

  if (n <= 0)
    return G_SOURCE_CONTINUE;
  buf[n] = '\0';
  g_debug ("fcc: received %s", buf);
  if (!g_str_has_prefix (buf, "RAMS-I ") || !(status = strstr (buf, " status=")))
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&self->lock);
  if (g_str_has_prefix (status, " status=ok"))
    {
      const gchar *seq = strstr (buf, " seq=");

      g_strlcpy (self->stats.status, "ok", sizeof self->stats.status);
      self->stats.key_seq = seq ? (gint)(g_ascii_strtoull (seq + 5, NULL, 10) & 0xffff) : -1;
    }
  else
    {
      const gchar *reason = strstr (buf, " reason=");
      g_autofree gchar *st = g_strdup_printf ("error:%s", reason ? reason + 8 : "?");
      fall_back (self, g_strstrip (st));
    }
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static GSocket *
bind_loopback (guint16 *port, GError **error)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);

  if (!s || !g_socket_bind (s, any, FALSE, error)
      || !(bound = g_socket_get_local_address (s, error)))
    return NULL;
  if (port)
    *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_set_blocking (s, FALSE);
  return g_steal_pointer (&s);
}

StbFcc *
stb_fcc_new (const gchar *server_uri, guint channel, GMainContext *context, GError **error)
{
  g_autoptr (GSocketAddress) server = NULL;
  const gchar *colon = strrchr (server_uri, ':');
  guint64 port = 0;
  StbFcc *self;

  if (g_str_has_prefix (server_uri, "udp://") && colon > server_uri + 6
      && g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    {
      g_autofree gchar *host = g_strndup (server_uri + 6, colon - server_uri - 6);
      server = g_inet_socket_address_new_from_string (host, (guint)port);
    }
  if (!server)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "fast channel change server %s: want udp://ADDRESS:PORT", server_uri);
      return NULL;
    }
  self = g_new0 (StbFcc, 1);
  g_mutex_init (&self->lock);
  self->channel = channel;
  self->server = g_steal_pointer (&server);
  self->context = g_main_context_ref (context);
  self->stats.join_seq = self->stats.first_seq = self->stats.key_seq = -1;
  g_strlcpy (self->stats.status, "requested", sizeof self->stats.status);
  if (!(self->burst = bind_loopback (&self->burst_port, error))
      || !(self->ctrl = bind_loopback (NULL, error)))
    {
      g_prefix_error (error, "fast channel change: ");
      stb_fcc_free (self);
      return NULL;
    }
  return self;
}

gboolean
stb_fcc_start (StbFcc *self, GstElement *pipeline, GError **error)
{
  g_autoptr (GstElement) bsink = gst_bin_get_by_name (GST_BIN (pipeline), "fccburst");
  g_autoptr (GstElement) msink = gst_bin_get_by_name (GST_BIN (pipeline), "fccmcast");
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "fccsrc");
  g_autoptr (GstElement) udp = gst_bin_get_by_name (GST_BIN (pipeline), "fccudp");
  GstAppSinkCallbacks cb = { .new_sample = on_sample };
  g_autofree gchar *request = NULL;

  if (!bsink || !msink || !src || !udp)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "fast channel change: pipeline lacks"
                   " fccburst/fccmcast/fccsrc/fccudp");
      return FALSE;
    }
  g_object_set (udp, "socket", self->burst, "close-socket", FALSE, NULL);
  self->src = GST_APP_SRC (g_steal_pointer (&src));
  gst_app_sink_set_callbacks (GST_APP_SINK (bsink), &cb, self, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (msink), &cb, self, NULL);
  self->ctrl_source = g_socket_create_source (self->ctrl, G_IO_IN, NULL);
  g_source_set_callback (self->ctrl_source, G_SOURCE_FUNC (on_ctrl_readable), self, NULL);
  g_source_attach (self->ctrl_source, self->context);
  self->fallback = g_timeout_source_new (FALLBACK_MS);
  g_source_set_callback (self->fallback, on_fallback, self, NULL);
  g_source_attach (self->fallback, self->context);
  request = g_strdup_printf ("RAMS-R channel=%u port=%u", self->channel, self->burst_port);
  send_text (self, request);
  return TRUE;
}

void
stb_fcc_get_stats (StbFcc *self, StbFccStats *stats)
{
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

void
stb_fcc_free (StbFcc *self)
{
  if (!self)
    return;
  if (self->ctrl && self->src && !self->terminated)
    {
      g_autofree gchar *msg
          = g_strdup_printf ("RAMS-T channel=%u port=%u seq=-1", self->channel, self->burst_port);
      send_text (self, msg); /* left before joining: stop the burst */
    }
  if (self->ctrl_source)
    g_source_destroy (self->ctrl_source);
  g_clear_pointer (&self->ctrl_source, g_source_unref);
  if (self->fallback)
    g_source_destroy (self->fallback);
  g_clear_pointer (&self->fallback, g_source_unref);
  g_clear_object (&self->src);
  g_clear_object (&self->burst);
  g_clear_object (&self->ctrl);
  g_clear_object (&self->server);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self);
}

gchar *
stb_fcc_pipeline_head (const gchar *mcast_udpsrc, const gchar *rtp_caps)
{
  return g_strdup_printf (
      "udpsrc name=fccudp caps=\"%s\" buffer-size=1048576"
      " ! appsink name=fccburst sync=false async=false"
      " %s caps=\"%s\" buffer-size=1048576 ! appsink name=fccmcast sync=false async=false"
      " appsrc name=fccsrc is-live=true format=time caps=\"%s\" max-bytes=8000000 ! ",
      rtp_caps, mcast_udpsrc, rtp_caps, rtp_caps);
}
