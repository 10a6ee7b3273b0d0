/* SPDX-License-Identifier: MIT */
/*
 * Fast channel change server (see headend-fcc.h; normative text SPEC §14). The channel
 * pipelines hand every RTP packet they send to headend_fcc_channel_push() (appsink, streaming
 * thread); the packets are kept in a ring from the second-latest key frame on. Key frames are
 * found the way a RAMS server does it, in the MPEG-TS itself: the video PID (from PAT/PMT)
 * with payload_unit_start and random_access_indicator set. mpegtsmux writes PAT/PMT only every
 * 100 ms, not before each key frame, so the server keeps the latest PAT and PMT and sends them
 * first (one RTP packet numbered key-1) so the client's demuxer can start at the key frame.
 * Bursts are paced on the main loop at @speed times the original packet times, then follow
 * the live packets until the client's RAMS-T or a bound (BURST_MAX_US).
 */
#define G_LOG_DOMAIN "stb-headend"

#include "headend-fcc.h"

#include <gio/gio.h>

#include <stdlib.h>
#include <string.h>

#define TS_SIZE 188
#define RING_MAX 8192 /* packets, when no key frame comes (~40 s at 384 kbit/s) */
#define BURST_MAX_US (15 * G_USEC_PER_SEC) /* a session ends here without RAMS-T */
#define TICK_MS 2
/* test faults (headend_fcc_set_fault) */
#define FAULT_LATE_PACKETS 6
#define FAULT_SKIP_AFTER 16 /* skip-packets: the key frame's packets and a few more intact */
#define FAULT_SKIP_EVERY 8  /* then one packet in 8 is not sent */

typedef struct
{
  GstBuffer *rtp;
  guint16 seq;
  gint64 t_us; /* monotonic time the channel sent it */
} FccPacket;

struct _HeadendFccChannel
{
  HeadendFcc *fcc;
  guint number;
  GMutex lock;
  GPtrArray *ring;        /* FccPacket*, oldest first */
  guint64 first_index;    /* absolute index of ring[0] */
  guint64 key_index;      /* absolute index of the latest key frame packet */
  guint64 prev_key_index; /* and of the one before it (have_prev_key) */
  gboolean have_prev_key;
  gboolean have_key;
  guint8 pat[TS_SIZE], pmt[TS_SIZE];
  gboolean have_pat, have_pmt;
  gint pmt_pid, video_pid; /* -1 unknown */
};

typedef struct
{
  HeadendFccChannel *ch;
  GSocketAddress *peer;
  gchar *key;    /* "host:port" */
  guint64 first; /* absolute index of its key frame packet */
  guint64 next;
  gint64 start_us, origin_us, end_us;
  guint sent;
} FccSession;

struct _HeadendFcc
{
  HeadendFccFault fault;
  GSocket *socket;
  GSource *source;
  guint16 port;
  gdouble speed;
  GPtrArray *channels; /* HeadendFccChannel* */
  GPtrArray *sessions; /* FccSession* */
  guint tick_id;
};

/* ---- MPEG-TS inspection (under ch->lock) ----------------------------------------------- */

static const guint8 *
ts_payload (const guint8 *p, gsize *len)
{
  guint afc = (p[3] >> 4) & 3;
  gsize off = 4;

  if (afc & 2)
    off += 1 + p[4];
  if (!(afc & 1) || off >= TS_SIZE)
    return NULL;
  *len = TS_SIZE - off;
  return p + off;
}

/* The PSI section in a payload_unit_start packet, and its end (before the CRC). */
static const guint8 *
psi_section (const guint8 *p, const guint8 **end)
{
  gsize len = 0;
  const guint8 *pl = ts_payload (p, &len);
  const guint8 *sec;
  guint slen;

  if (!pl || len < 1u + pl[0] + 12u)
    return NULL;
  sec = pl + 1 + pl[0];
  slen = ((sec[1] & 0x0f) << 8) | sec[2];
  if (sec + 3 + slen > p + TS_SIZE || slen < 9)
    return NULL;
  *end = sec + 3 + slen - 4;
  return sec;
}

static void
parse_pat (HeadendFccChannel *ch, const guint8 *p)
{
  const guint8 *end = NULL, *sec = psi_section (p, &end);

  if (!sec || sec[0] != 0x00)
    return;
  for (const guint8 *e = sec + 8; e + 4 <= end; e += 4)
    if (((e[0] << 8) | e[1]) != 0) /* program 0 is the network PID */
      {
        ch->pmt_pid = ((e[2] & 0x1f) << 8) | e[3];
        memcpy (ch->pat, p, TS_SIZE);
        ch->have_pat = TRUE;
        return;
      }
}

static void
parse_pmt (HeadendFccChannel *ch, const guint8 *p)
{
  const guint8 *end = NULL, *sec = psi_section (p, &end);
  const guint8 *e;

  if (!sec || sec[0] != 0x02)
    return;
  memcpy (ch->pmt, p, TS_SIZE);
  ch->have_pmt = TRUE;
  e = sec + 12 + (((sec[10] & 0x0f) << 8) | sec[11]);
  for (; e + 5 <= end; e += 5 + (((e[3] & 0x0f) << 8) | e[4]))
    if (e[0] == 0x1b || e[0] == 0x24 || e[0] == 0x02) /* H.264, H.265, MPEG-2 video */
      {
        ch->video_pid = ((e[1] & 0x1f) << 8) | e[2];
        return;
      }
}

/* Does this TS payload start a video key frame? Also keeps PAT/PMT. */
static gboolean
inspect_ts (HeadendFccChannel *ch, const guint8 *data, gsize len)
{
  gboolean key = FALSE;

  for (gsize off = 0; off + TS_SIZE <= len; off += TS_SIZE)
    {
      const guint8 *p = data + off;
      gint pid = ((p[1] & 0x1f) << 8) | p[2];
      gboolean pusi = (p[1] & 0x40) != 0;
      guint afc = (p[3] >> 4) & 3;

      if (p[0] != 0x47 || !pusi)
        continue;
      if (pid == 0)
        parse_pat (ch, p);
      else if (pid == ch->pmt_pid)
        parse_pmt (ch, p);
      else if (pid == ch->video_pid && (afc & 2) && p[4] > 0 && (p[5] & 0x40))
        key = TRUE;
    }
  return key;
}

/* RTP header: sequence number and payload (MP2T) of @map; FALSE if it is not RTP. */
static gboolean
rtp_parse (const GstMapInfo *map, guint16 *seq, gsize *payload_off)
{
  const guint8 *d = map->data;
  gsize off = 12;

  if (map->size < 12 || (d[0] >> 6) != 2)
    return FALSE;
  off += 4 * (d[0] & 0x0f);
  if ((d[0] & 0x10) && off + 4 <= map->size)
    off += 4 + 4 * ((d[off + 2] << 8) | d[off + 3]);
  if (off > map->size)
    return FALSE;
  *seq = (guint16)((d[2] << 8) | d[3]);
  *payload_off = off;
  return TRUE;
}

static void
packet_free (gpointer data)
{
  FccPacket *pkt = data;
  gst_buffer_unref (pkt->rtp);
  g_free (pkt);
}

static void
ring_drop_before (HeadendFccChannel *ch, guint64 index)
{
  if (index <= ch->first_index)
    return;
  g_ptr_array_remove_range (ch->ring, 0, (guint)MIN (index - ch->first_index, ch->ring->len));
  ch->first_index = index;
}

void
headend_fcc_channel_push (HeadendFccChannel *ch, GstBuffer *rtp)
{
  GstMapInfo map;
  guint16 seq = 0;
  gsize off = 0;
  gboolean key;
  FccPacket *pkt;

  if (!gst_buffer_map (rtp, &map, GST_MAP_READ))
    return;
  if (!rtp_parse (&map, &seq, &off))
    {
      gst_buffer_unmap (rtp, &map);
      return;
    }
  pkt = g_new0 (FccPacket, 1);
  pkt->rtp = gst_buffer_ref (rtp);
  pkt->seq = seq;
  pkt->t_us = g_get_monotonic_time ();
  g_mutex_lock (&ch->lock);
  key = inspect_ts (ch, map.data + off, map.size - off);
  gst_buffer_unmap (rtp, &map);
  if (key)
    {
      guint64 index = ch->first_index + ch->ring->len;

      /* keep the previous GOP too: a burst that started there may still be sending it */
      if (ch->have_key)
        {
          ring_drop_before (ch, ch->key_index);
          ch->prev_key_index = ch->key_index;
          ch->have_prev_key = TRUE;
        }
      ch->key_index = index;
      ch->have_key = TRUE;
    }
  g_ptr_array_add (ch->ring, pkt);
  if (ch->ring->len > RING_MAX)
    {
      ring_drop_before (ch, ch->first_index + ch->ring->len - RING_MAX);
      if (ch->have_key && ch->key_index < ch->first_index)
        ch->have_key = FALSE;
    }
  g_mutex_unlock (&ch->lock);
}

/* ---- sessions (main loop) -------------------------------------------------------------- */

static void
session_free (gpointer data)
{
  FccSession *s = data;
  g_clear_object (&s->peer);
  g_free (s->key);
  g_free (s);
}

static void
send_bytes (HeadendFcc *self, FccSession *s, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  if (g_socket_send_to (self->socket, s->peer, (const gchar *)data, len, NULL, &error) < 0)
    g_debug ("burst to %s: %s", s->key, error->message);
  else
    s->sent++;
}

static void
send_packet (HeadendFcc *self, FccSession *s, GstBuffer *rtp)
{
  GstMapInfo map;

  if (!gst_buffer_map (rtp, &map, GST_MAP_READ))
    return;
  send_bytes (self, s, map.data, map.size);
  gst_buffer_unmap (rtp, &map);
}

/* Test fault skip-packets: a burst that loses packets after its start (what a server that
 * overruns its client's buffer does): pictures in the burst are damaged or missing. Such a
 * burst starts at the previous key frame (start_session), so that it is always longer than
 * FAULT_SKIP_AFTER packets: from a key frame younger than that, the client would join the
 * multicast before any packet was skipped and the fault would show nothing. */
static gboolean
fault_skips (HeadendFcc *self, FccSession *s)
{
  guint64 n = s->next - s->first;

  return self->fault == HEADEND_FCC_FAULT_SKIP_PACKETS && n >= FAULT_SKIP_AFTER
         && n % FAULT_SKIP_EVERY == 0;
}

/* Send what is due; FALSE when the session is over. */
static gboolean
session_step (HeadendFcc *self, FccSession *s, gint64 now)
{
  HeadendFccChannel *ch = s->ch;
  gboolean alive = TRUE;

  g_mutex_lock (&ch->lock);
  if (s->next < ch->first_index)
    {
      g_message ("burst channel %u to %s: fell behind the ring (%" G_GUINT64_FORMAT
                 " < %" G_GUINT64_FORMAT "), ended",
                 ch->number, s->key, s->next, ch->first_index);
      alive = FALSE;
    }
  while (alive && s->next < ch->first_index + ch->ring->len)
    {
      FccPacket *pkt = ch->ring->pdata[s->next - ch->first_index];
      gint64 due = s->start_us + (gint64)((pkt->t_us - s->origin_us) / self->speed);

      if (due > now)
        break;
      if (!fault_skips (self, s))
        send_packet (self, s, pkt->rtp);
      s->next++;
    }
  g_mutex_unlock (&ch->lock);
  if (alive && now > s->end_us)
    {
      g_message ("burst channel %u to %s: no RAMS-T within %d s, ended after %u packets",
                 ch->number, s->key, (int)(BURST_MAX_US / G_USEC_PER_SEC), s->sent);
      alive = FALSE;
    }
  return alive;
}

static gboolean
on_tick (gpointer data)
{
  HeadendFcc *self = data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = self->sessions->len; i-- > 0;)
    if (!session_step (self, self->sessions->pdata[i], now))
      g_ptr_array_remove_index (self->sessions, i);
  if (self->sessions->len > 0)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static FccSession *
find_session (HeadendFcc *self, const gchar *key, guint *index)
{
  for (guint i = 0; i < self->sessions->len; i++)
    {
      FccSession *s = self->sessions->pdata[i];
      if (g_str_equal (s->key, key))
        {
          *index = i;
          return s;
        }
    }
  return NULL;
}

static void
reply (HeadendFcc *self, GSocketAddress *to, const gchar *text)
{
  g_socket_send_to (self->socket, to, text, strlen (text), NULL, NULL);
}

/* The PAT and PMT as one RTP packet numbered just before the key frame's. */
static void
send_psi (HeadendFcc *self, FccSession *s, FccPacket *key)
{
  guint8 pkt[12 + 2 * TS_SIZE];
  GstMapInfo map;
  guint16 seq = (guint16)(key->seq - 1);

  if (!gst_buffer_map (key->rtp, &map, GST_MAP_READ))
    return;
  memcpy (pkt, map.data, 12);
  gst_buffer_unmap (key->rtp, &map);
  pkt[0] &= 0xc0; /* no CSRC, no extension, no padding */
  pkt[2] = seq >> 8;
  pkt[3] = seq & 0xff;
  memcpy (pkt + 12, s->ch->pat, TS_SIZE);
  memcpy (pkt + 12 + TS_SIZE, s->ch->pmt, TS_SIZE);
  send_bytes (self, s, pkt, sizeof pkt);
}

static HeadendFccChannel *
find_channel (HeadendFcc *self, guint number)
{
  for (guint i = 0; i < self->channels->len; i++)
    if (((HeadendFccChannel *)self->channels->pdata[i])->number == number)
      return self->channels->pdata[i];
  return NULL;
}

/* RAMS-R: start (or restart) a burst; returns the RAMS-I answer. */
static gchar *
start_session (HeadendFcc *self, GSocketAddress *from, guint number, guint port, const gchar *key)
{
  HeadendFccChannel *ch = find_channel (self, number);
  GInetAddress *host = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from));
  FccSession *s;
  FccPacket *kp;
  guint index;
  gint64 now = g_get_monotonic_time (), age_ms;

  if (find_session (self, key, &index))
    g_ptr_array_remove_index (self->sessions, index);
  if (!ch)
    return g_strdup_printf ("RAMS-I channel=%u status=error reason=no-such-channel", number);
  g_mutex_lock (&ch->lock);
  if (!ch->have_key || !ch->have_pat || !ch->have_pmt)
    {
      g_mutex_unlock (&ch->lock);
      return g_strdup_printf ("RAMS-I channel=%u status=error reason=no-key-frame", number);
    }
  s = g_new0 (FccSession, 1);
  s->ch = ch;
  s->peer = g_inet_socket_address_new (host, (guint16)port);
  s->key = g_strdup (key);
  s->first = ch->key_index;
  if (self->fault == HEADEND_FCC_FAULT_SKIP_PACKETS && ch->have_prev_key
      && ch->prev_key_index >= ch->first_index)
    s->first = ch->prev_key_index;
  s->next = s->first + (self->fault == HEADEND_FCC_FAULT_LATE_START ? FAULT_LATE_PACKETS : 0);
  s->next = MIN (s->next, ch->first_index + ch->ring->len - 1);
  kp = ch->ring->pdata[s->first - ch->first_index];
  s->origin_us = kp->t_us;
  s->start_us = now;
  s->end_us = now + BURST_MAX_US;
  age_ms = (now - kp->t_us) / 1000;
  if (self->fault != HEADEND_FCC_FAULT_LATE_START)
    send_psi (self, s, kp);
  g_mutex_unlock (&ch->lock);
  g_ptr_array_add (self->sessions, s);
  session_step (self, s, now);
  if (!self->tick_id)
    self->tick_id = g_timeout_add (TICK_MS, on_tick, self);
  g_message ("burst channel %u to %s: from seq %u, key frame %" G_GINT64_FORMAT " ms old", number,
             key, (guint)(guint16)(kp->seq - 1), age_ms);
  return g_strdup_printf ("RAMS-I channel=%u status=ok seq=%u age_ms=%" G_GINT64_FORMAT
                          " speed=%.1f",
                          number, (guint)kp->seq, age_ms, self->speed);
}

/* RAMS-T: the client plays the multicast from @seq on. */
static void
stop_session (HeadendFcc *self, const gchar *key, const gchar *seq)
{
  guint index;
  FccSession *s = find_session (self, key, &index);

  if (!s)
    {
      g_debug ("RAMS-T from %s: no session", key);
      return;
    }
  g_message ("burst channel %u to %s: RAMS-T seq=%s after %u packets", s->ch->number, key,
             seq ? seq : "?", s->sent);
  g_ptr_array_remove_index (self->sessions, index);
}

/* "WORD key=value ..." -> @values (key -> value); the first word is returned. */
static gchar *
parse_message (const gchar *text, GHashTable *values)
{
  g_auto (GStrv) words = g_strsplit (text, " ", 16);

  for (guint i = 1; words[0] && words[i]; i++)
    {
      gchar *eq = strchr (words[i], '=');
      if (eq)
        g_hash_table_insert (values, g_strndup (words[i], eq - words[i]), g_strdup (eq + 1));
    }
  return g_strdup (words[0]);
}

static gboolean
value_uint (GHashTable *values, const gchar *name, guint max, guint *out)
{
  const gchar *v = g_hash_table_lookup (values, name);
  guint64 n = 0;

  if (!v || !g_ascii_string_to_unsigned (v, 10, 1, max, &n, NULL))
    return FALSE;
  *out = (guint)n;
  return TRUE;
}

static void
handle_datagram (HeadendFcc *self, GSocketAddress *from, const gchar *text)
{
  g_autoptr (GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree gchar *verb = parse_message (text, values);
  g_autofree gchar *host
      = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)));
  g_autofree gchar *answer = NULL;
  g_autofree gchar *key = NULL;
  guint number = 0, port = 0;

  if (!value_uint (values, "channel", 9999, &number) || !value_uint (values, "port", 65535, &port)
      || (g_strcmp0 (verb, "RAMS-R") != 0 && g_strcmp0 (verb, "RAMS-T") != 0))
    {
      g_message ("fcc: bad request from %s: \"%.80s\"", host, text);
      answer = g_strdup_printf ("RAMS-I channel=%u status=error reason=bad-request", number);
      reply (self, from, answer);
      return;
    }
  key = g_strdup_printf ("%s:%u", host, port);
  if (g_str_equal (verb, "RAMS-T"))
    {
      stop_session (self, key, g_hash_table_lookup (values, "seq"));
      return;
    }
  answer = start_session (self, from, number, port, key);
  reply (self, from, answer);
}

static gboolean
on_socket_readable (GSocket *socket, GIOCondition condition, gpointer data)
{
  HeadendFcc *self = data;

  for (guint i = 0; i < 64; i++) /* bounded: the rest waits for the next dispatch */
    {
      g_autoptr (GSocketAddress) from = NULL;
      g_autoptr (GError) error = NULL;
      gchar buf[512];
      gssize n = g_socket_receive_from (socket, &from, buf, sizeof buf - 1, NULL, &error);

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_message ("fcc: receive: %s", error->message);
          break;
        }
      buf[n] = '\0';
      if (G_IS_INET_SOCKET_ADDRESS (from))
        handle_datagram (self, from, g_strstrip (buf));
    }
  return G_SOURCE_CONTINUE;
}

/* ---- public API ------------------------------------------------------------------------ */

static void
channel_free (gpointer data)
{
  HeadendFccChannel *ch = data;
  g_ptr_array_unref (ch->ring);
  g_mutex_clear (&ch->lock);
  g_free (ch);
}

HeadendFcc *
headend_fcc_new (guint16 port, gdouble speed, GError **error)
{
  g_autoptr (HeadendFcc) self = g_new0 (HeadendFcc, 1);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, port);
  g_autoptr (GSocketAddress) bound = NULL;

  self->speed = speed > 1.0 ? speed : 8.0;
  self->channels = g_ptr_array_new_with_free_func (channel_free);
  self->sessions = g_ptr_array_new_with_free_func (session_free);
  self->socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!self->socket || !g_socket_bind (self->socket, addr, FALSE, error)
      || !(bound = g_socket_get_local_address (self->socket, error)))
    {
      g_prefix_error (error, "fast channel change server on 127.0.0.1:%u: ", port);
      return NULL;
    }
  g_socket_set_blocking (self->socket, FALSE);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_socket_readable), self, NULL);
  g_source_attach (self->source, NULL);
  return g_steal_pointer (&self);
}

void
headend_fcc_free (HeadendFcc *self)
{
  if (!self)
    return;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->source)
    g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
  g_clear_object (&self->socket);
  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_clear_pointer (&self->channels, g_ptr_array_unref);
  g_free (self);
}

gboolean
headend_fcc_set_fault (HeadendFcc *self, const gchar *name, GError **error)
{
  static const gchar *const names[] = { "none", "late-start", "skip-packets" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        self->fault = (HeadendFccFault)i;
        if (i)
          g_message ("fcc: test fault %s", name);
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--fcc-fault %s: want none, late-start or skip-packets", name);
  return FALSE;
}

guint16
headend_fcc_get_port (HeadendFcc *self)
{
  return self->port;
}

HeadendFccChannel *
headend_fcc_add_channel (HeadendFcc *self, guint number)
{
  HeadendFccChannel *ch = g_new0 (HeadendFccChannel, 1);

  ch->fcc = self;
  ch->number = number;
  g_mutex_init (&ch->lock);
  ch->ring = g_ptr_array_new_with_free_func (packet_free);
  ch->pmt_pid = ch->video_pid = -1;
  g_ptr_array_add (self->channels, ch);
  return ch;
}
