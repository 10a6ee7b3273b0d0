/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-sipobs"

#include "sr-sipobs.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stbsim-proc.h"

/* ---- parsing ------------------------------------------------------------------------------ */

void
sr_sip_obs_clear (SrSipObs *obs)
{
  g_clear_pointer (&obs->peer, g_free);
  g_clear_pointer (&obs->method, g_free);
  g_clear_pointer (&obs->call_id, g_free);
  g_clear_pointer (&obs->from_user, g_free);
  g_clear_pointer (&obs->to_user, g_free);
  g_clear_pointer (&obs->ruri_user, g_free);
  g_clear_pointer (&obs->reason, g_free);
  g_clear_pointer (&obs->sdp, g_free);
}

/*
 * Line format v=3 (sim/ims/kamailio.cfg.in), after Kamailio's "<script>: " log tag:
 *   SIPOBS v=3 dir=rx|tx kind=req|rep t=SEC.USEC peer=IP:PORT m=H st=N cseq=H ci=H fu=H tu=H
 *          ru=H rr=H sdp=H
 * Every value taken from a SIP message (H) is hex ($(x{s.encode.hexa})), empty, or "<null>"
 * (Kamailio's absent value), so no SIP field can add a key, a space or a second marker. The
 * parser takes exactly these 14 keys in this order, each once, and rejects anything else.
 * (v=3 added sdp: the SDP body of a received message, for SW-SIP-03 and SW-SIP-07.)
 */
static const gchar *const obs_keys[]
    = { "v", "dir", "kind", "t", "peer", "m", "st", "cseq", "ci", "fu", "tu", "ru", "rr", "sdp" };
enum
{
  K_V,
  K_DIR,
  K_KIND,
  K_T,
  K_PEER,
  K_M,
  K_ST,
  K_CSEQ,
  K_CI,
  K_FU,
  K_TU,
  K_RU,
  K_RR,
  K_SDP,
  N_KEYS
};
G_STATIC_ASSERT (G_N_ELEMENTS (obs_keys) == N_KEYS);

#define OBS_TAG "<script>: "
#define OBS_MARKER "SIPOBS "
/* $TV(Sn) seconds: the largest value whose nanoseconds fit a gint64 */
#define MAX_TV_SEC G_GINT64_CONSTANT (9223372035)

static gboolean bad (gchar **why, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (gchar **why, const gchar *fmt, ...)
{
  if (why != NULL)
    {
      va_list ap;
      va_start (ap, fmt);
      g_free (*why);
      *why = g_strdup_vprintf (fmt, ap);
      va_end (ap);
    }
  return FALSE;
}

static gboolean
all_digits (const gchar *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return n > 0;
}

/* "SEC.USEC" (exactly 6 fraction digits, as $TV(Sn) prints) -> ns, without overflow */
static gboolean
parse_tv (const gchar *s, gint64 *out)
{
  const gchar *dot = strchr (s, '.');
  if (dot == NULL || !all_digits (s, (gsize)(dot - s)) || dot - s > 10
      || !all_digits (dot + 1, strlen (dot + 1)) || strlen (dot + 1) != 6)
    return FALSE;
  gint64 sec = g_ascii_strtoll (s, NULL, 10), usec = g_ascii_strtoll (dot + 1, NULL, 10);
  if (sec > MAX_TV_SEC)
    return FALSE;
  *out = sec * G_GINT64_CONSTANT (1000000000) + usec * 1000;
  return TRUE;
}

/* A hex value ("" and "<null>" are empty) -> text (transfer full, valid UTF-8: a byte
 * sequence that is not, NUL included, becomes U+FFFD). NULL if it is not hex. */
static gchar *
decode_hex (const gchar *v)
{
  if (g_str_equal (v, "<null>"))
    return g_strdup ("");
  gsize n = strlen (v);
  if (n % 2 != 0)
    return NULL;
  g_autofree gchar *raw = g_malloc (n / 2 + 1);
  for (gsize i = 0; i < n; i += 2)
    {
      gint hi = g_ascii_xdigit_value (v[i]), lo = g_ascii_xdigit_value (v[i + 1]);
      if (hi < 0 || lo < 0)
        return NULL;
      raw[i / 2] = (gchar)(hi << 4 | lo);
    }
  raw[n / 2] = '\0';
  return g_utf8_make_valid (raw, (gssize)(n / 2));
}

static gboolean
peer_ok (const gchar *p)
{
  if (*p == '\0')
    return FALSE;
  for (; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr (".:[]-_", *p))
      return FALSE;
  return TRUE;
}

/* Split "k=v k=v ..." into the 13 values, in order. */
static gboolean
split_fields (const gchar *rest, gchar **values, gchar **why)
{
  g_auto (GStrv) fields = g_strsplit (rest, " ", -1);
  guint n = g_strv_length (fields);
  if (n != N_KEYS)
    return bad (why, "%u fields, want %d", n, N_KEYS);
  for (guint i = 0; i < N_KEYS; i++)
    {
      gsize klen = strlen (obs_keys[i]);
      if (strncmp (fields[i], obs_keys[i], klen) != 0 || fields[i][klen] != '=')
        return bad (why, "field %u is not %s=", i + 1, obs_keys[i]);
      values[i] = g_strdup (fields[i] + klen + 1);
    }
  return TRUE;
}

static gboolean
fill_obs (gchar **val, SrSipObs *o, gchar **why)
{
  if (!g_str_equal (val[K_V], "3"))
    return bad (why, "version v=%s, want v=3 (sim/ims/kamailio.cfg.in)", val[K_V]);
  if (!g_str_equal (val[K_DIR], "rx") && !g_str_equal (val[K_DIR], "tx"))
    return bad (why, "dir=%s", val[K_DIR]);
  o->dir = g_str_equal (val[K_DIR], "rx") ? SR_SIP_RX : SR_SIP_TX;
  if (!g_str_equal (val[K_KIND], "req") && !g_str_equal (val[K_KIND], "rep"))
    return bad (why, "kind=%s", val[K_KIND]);
  o->is_reply = g_str_equal (val[K_KIND], "rep");
  if (!parse_tv (val[K_T], &o->t_real_ns))
    return bad (why, "t=%s is not SEC.USEC", val[K_T]);
  if (!peer_ok (val[K_PEER]))
    return bad (why, "peer=%s", val[K_PEER]);
  guint64 v = 0;
  if (!all_digits (val[K_ST], strlen (val[K_ST]))
      || !g_ascii_string_to_unsigned (val[K_ST], 10, 0, 699, &v, NULL)
      || (o->is_reply ? v < 100 : v != 0))
    return bad (why, "st=%s for kind=%s", val[K_ST], val[K_KIND]);
  o->status = (gint)v;
  g_autofree gchar *cseq = NULL;
  gchar **text[] = { &o->method,  NULL,          &cseq,      &o->call_id, &o->from_user,
                     &o->to_user, &o->ruri_user, &o->reason, &o->sdp };
  G_STATIC_ASSERT (G_N_ELEMENTS (text) == K_SDP - K_M + 1);
  for (guint i = K_M; i <= K_SDP; i++)
    {
      if (i == K_ST)
        continue;
      gchar *d = decode_hex (val[i]);
      if (d == NULL)
        return bad (why, "%s= is not hex", obs_keys[i]);
      *text[i - K_M] = d;
    }
  if (*o->method == '\0')
    return bad (why, "no method");
  v = 0;
  if (!all_digits (cseq, strlen (cseq))
      || !g_ascii_string_to_unsigned (cseq, 10, 0, G_MAXUINT32, &v, NULL))
    return bad (why, "CSeq number is not a 32-bit number");
  o->cseq = (guint)v;
  o->peer = g_strdup (val[K_PEER]);
  if (!o->is_reply && *o->reason != '\0')
    return bad (why, "a reason phrase on a request");
  return TRUE;
}

static SrSipObsParse parse_fields (const gchar *fields, SrSipObs *obs, gchar **why);

SrSipObsParse
sr_sip_obs_parse_line (const gchar *line, SrSipObs *obs, gchar **why)
{
  const gchar *marker = line ? strstr (line, OBS_MARKER) : NULL;
  if (marker == NULL)
    return SR_SIP_OBS_NONE;
  gsize tag = strlen (OBS_TAG);
  if (strstr (marker + 1, "SIPOBS") != NULL)
    bad (why, "more than one SIPOBS marker");
  else if ((gsize)(marker - line) < tag || strncmp (marker - tag, OBS_TAG, tag) != 0)
    bad (why, "the marker does not follow Kamailio's \"" OBS_TAG "\"");
  else
    return parse_fields (marker + strlen (OBS_MARKER), obs, why);
  return SR_SIP_OBS_BAD;
}

static SrSipObsParse
parse_fields (const gchar *fields, SrSipObs *obs, gchar **why)
{
  g_autofree gchar *rest = g_strdup (fields);
  gsize len = strlen (rest);
  while (len > 0 && (rest[len - 1] == '\n' || rest[len - 1] == '\r'))
    rest[--len] = '\0';
  gchar *val[N_KEYS] = { NULL };
  g_auto (SrSipObs) o = { 0 };
  gboolean ok = split_fields (rest, val, why) && fill_obs (val, &o, why);
  for (guint i = 0; i < N_KEYS; i++)
    g_free (val[i]);
  if (!ok)
    return SR_SIP_OBS_BAD;
  *obs = o;
  memset (&o, 0, sizeof o);
  return SR_SIP_OBS_OK;
}

gboolean
sr_sip_obs_parse (const gchar *line, SrSipObs *obs)
{
  return sr_sip_obs_parse_line (line, obs, NULL) == SR_SIP_OBS_OK;
}

/* ---- clocks ------------------------------------------------------------------------------- */

void
sr_clock_map_measure (SrClockMap *map, guint samples)
{
  map->offset_ns = stbsim_realtime_offset_ns (samples, &map->error_ns);
}

gint64
sr_clock_map_to_mono (const SrClockMap *map, gint64 t_real_ns)
{
  return t_real_ns - map->offset_ns;
}

/* ---- events ------------------------------------------------------------------------------- */

static gchar *
clean (const gchar *s)
{
  gchar *c = g_strdup (s ? s : "");
  g_strdelimit (c, ";", ',');
  return c;
}

/* The connection addresses of the c= lines of @sdp (session and media level), each once, in
 * order, ","-joined; a character that cannot be in an address becomes "?" (transfer full). */
gchar *
sr_sip_obs_sdp_addresses (const gchar *sdp)
{
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (sdp ? sdp : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_strchomp (lines[i]);
      if (!g_str_has_prefix (lines[i], "c="))
        continue;
      /* c=<nettype> <addrtype> <connection-address>[/ttl[/n]] (RFC 4566 5.7) */
      g_auto (GStrv) f = g_strsplit (lines[i] + 2, " ", 4);
      gchar *addr = g_strdup (f[0] && f[1] && f[2] ? f[2] : "");
      gchar *slash = strchr (addr, '/');
      if (slash != NULL)
        *slash = '\0';
      g_strcanon (addr, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS ".:-", '?');
      gboolean dup = FALSE;
      for (guint k = 0; k < seen->len && !dup; k++)
        dup = g_str_equal (g_ptr_array_index (seen, k), addr);
      if (dup)
        g_free (addr);
      else
        g_ptr_array_add (seen, addr);
    }
  g_ptr_array_add (seen, NULL);
  return g_strjoinv (",", (gchar **)seen->pdata);
}

/* Does this observation come from (rx) or go to (tx) the STB? */
static gboolean
involves_stb (const SrSipObs *obs, const gchar *stb_user, const gchar *stb_addr)
{
  if (stb_addr != NULL)
    return g_str_equal (obs->peer, stb_addr);
  /* before the STB registered: by user (a request from it, a reply to a request to it) */
  if (obs->dir == SR_SIP_RX)
    return obs->is_reply
               ? g_str_equal (obs->to_user, stb_user) && !g_str_equal (obs->from_user, stb_user)
               : g_str_equal (obs->from_user, stb_user);
  return obs->is_reply ? g_str_equal (obs->from_user, stb_user)
                       : g_str_equal (obs->ruri_user, stb_user);
}

SrEvent *
sr_sip_obs_to_event (const SrSipObs *obs, const SrClockMap *map, const gchar *stb_user,
                     const gchar *stb_addr)
{
  gboolean stb = involves_stb (obs, stb_user, stb_addr);
  const gchar *other = stb ? "voip" : "farend";
  gboolean rx = obs->dir == SR_SIP_RX;
  SrEvent *e = sr_event_new (sr_clock_map_to_mono (map, obs->t_real_ns), SR_EVENT_SIP,
                             rx ? other : "ims", rx ? "ims.rx" : "ims.tx");
  e->target = g_strdup (rx ? "ims" : other);
  g_autofree gchar *sip
      = obs->is_reply ? g_strdup_printf ("%d", obs->status) : g_strdup (obs->method);
  g_autofree gchar *ci = clean (obs->call_id), *reason = clean (obs->reason);
  g_autofree gchar *method = clean (obs->method), *from = clean (obs->from_user),
                   *to = clean (obs->to_user);
  g_autofree gchar *caddr = sr_sip_obs_sdp_addresses (obs->sdp);
  gboolean has_sdp = obs->sdp != NULL && *obs->sdp != '\0';
  /* the chart label is "name details" cut at 72 characters: the telling keys first */
  e->details
      = g_strdup_printf ("sip=%s;method=%s;cseq=%u;reason=%s;stb=%s;status=%d;from=%s;to=%s;"
                         "callid=%s;peer=%s;sdp=%s;caddr=%s",
                         sip, method, obs->cseq, reason, stb ? (rx ? "from" : "to") : "none",
                         obs->status, from, to, ci, obs->peer, has_sdp ? "yes" : "no", caddr);
  return e;
}

/* ---- tail --------------------------------------------------------------------------------- */

struct _SrSipObsTail
{
  gchar *path;
  gchar *stb_user;
  gchar *stb_addr; /* learned from the STB's latest REGISTER */
  gint fd;
  GString *partial;
  SrClockMap clock;
  guint lines;
  guint rejected;      /* lines with the marker that did not parse */
  guint poll_rejected; /* ... in the current poll */
  gchar *first_reject; /* evidence for this poll's issue */
};

SrSipObsTail *
sr_sip_obs_tail_new (const gchar *log_path, const gchar *stb_user)
{
  SrSipObsTail *tail = g_new0 (SrSipObsTail, 1);
  tail->path = g_strdup (log_path);
  tail->stb_user = g_strdup (stb_user ? stb_user : "stb1");
  tail->fd = -1;
  tail->partial = g_string_new (NULL);
  sr_clock_map_measure (&tail->clock, 16);
  g_debug ("clock map: realtime - monotonic = %" G_GINT64_FORMAT " ns +- %" G_GINT64_FORMAT
           " ns (+ 1 us stamp resolution)",
           tail->clock.offset_ns, tail->clock.error_ns);
  return tail;
}

void
sr_sip_obs_tail_free (SrSipObsTail *tail)
{
  if (tail == NULL)
    return;
  if (tail->fd >= 0)
    close (tail->fd);
  g_string_free (tail->partial, TRUE);
  g_free (tail->path);
  g_free (tail->stb_user);
  g_free (tail->stb_addr);
  g_free (tail->first_reject);
  g_free (tail);
}

const SrClockMap *
sr_sip_obs_tail_clock (SrSipObsTail *tail)
{
  return &tail->clock;
}

static void
handle_line (SrSipObsTail *tail, SrTest *test, const gchar *line)
{
  g_auto (SrSipObs) obs = { 0 };
  g_autofree gchar *why = NULL;
  SrSipObsParse r = sr_sip_obs_parse_line (line, &obs, &why);
  if (r == SR_SIP_OBS_BAD)
    {
      tail->rejected++;
      if (tail->poll_rejected++ == 0)
        {
          g_autofree gchar *cut = g_utf8_make_valid (line, MIN (strlen (line), 240));
          g_free (tail->first_reject);
          tail->first_reject = g_strdup_printf ("%s: %s", why, cut);
        }
    }
  if (r != SR_SIP_OBS_OK)
    return;
  tail->lines++;
  /* every REGISTER of the STB's user: a restarted VoIP module registers from a new port */
  if (obs.dir == SR_SIP_RX && !obs.is_reply && g_str_equal (obs.method, "REGISTER")
      && g_str_equal (obs.from_user, tail->stb_user) && g_strcmp0 (tail->stb_addr, obs.peer) != 0)
    {
      g_free (tail->stb_addr);
      tail->stb_addr = g_strdup (obs.peer);
    }
  g_autoptr (SrEvent) e = sr_sip_obs_to_event (&obs, &tail->clock, tail->stb_user, tail->stb_addr);
  sr_timeline_add (test->timeline, e);
}

/* CLOCK_REALTIME may be stepped (NTP, an operator) during a test; CLOCK_MONOTONIC is not.
 * Re-measure on every poll and follow a step (lines are mapped as they are read, so lines
 * written just before a step and read after it are off by the step). */
static void
follow_clock (SrSipObsTail *tail)
{
  SrClockMap now;
  sr_clock_map_measure (&now, 4);
  gint64 d = now.offset_ns - tail->clock.offset_ns;
  if (d > G_GINT64_CONSTANT (1000000) || d < -G_GINT64_CONSTANT (1000000))
    {
      g_message ("CLOCK_REALTIME stepped by %.3f ms: the IMS observation follows it", d / 1e6);
      tail->clock = now;
    }
}

void
sr_sip_obs_tail_poll (SrSipObsTail *tail, SrTest *test)
{
  follow_clock (tail);
  if (tail->fd < 0)
    {
      tail->fd = open (tail->path, O_RDONLY | O_CLOEXEC);
      if (tail->fd < 0)
        return;
    }
  /* stbsim-ims starts a fresh log when it starts Kamailio again (a restart within a test):
   * a new file (g_file_set_contents) or the same one truncated */
  struct stat st, path_st;
  off_t at = lseek (tail->fd, 0, SEEK_CUR);
  if (fstat (tail->fd, &st) == 0 && stat (tail->path, &path_st) == 0
      && (st.st_ino != path_st.st_ino || st.st_dev != path_st.st_dev || at > st.st_size))
    {
      gint fd = open (tail->path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0)
        {
          close (tail->fd);
          tail->fd = fd;
          g_string_truncate (tail->partial, 0);
          g_clear_pointer (&tail->stb_addr, g_free);
        }
    }
  gchar buf[8192];
  for (guint rounds = 0; rounds < 1024; rounds++)
    {
      gssize n = read (tail->fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (tail->partial, buf, n);
    }
  gchar *start = tail->partial->str, *nl;
  tail->poll_rejected = 0;
  while ((nl = memchr (start, '\n', tail->partial->len - (gsize)(start - tail->partial->str)))
         != NULL)
    {
      *nl = '\0';
      handle_line (tail, test, start);
      start = nl + 1;
    }
  g_string_erase (tail->partial, 0, start - tail->partial->str);
  if (tail->poll_rejected > 0)
    sr_test_raise (test, "sip::bad-observation", NULL, stbsim_now_ns (),
                   "%u line(s) of Kamailio's log carry the SIPOBS marker but are not the v=3 "
                   "form (%u so far), first: %s. The SIP observation at the IMS core is "
                   "incomplete, so SW-SIP verdicts built on it cannot be trusted (a SIP field "
                   "broke the log format, or Kamailio runs a config other than "
                   "sim/ims/kamailio.cfg.in)",
                   tail->poll_rejected, tail->rejected, tail->first_reject);
}

guint
sr_sip_obs_tail_rejected (SrSipObsTail *tail)
{
  return tail->rejected;
}

/* ---- judgement ---------------------------------------------------------------------------- */

static gboolean
is_obs (SrEvent *e, const gchar *name)
{
  return e->kind == SR_EVENT_SIP && g_str_equal (e->name, name);
}

static gboolean
detail_is (SrEvent *e, const gchar *key, const gchar *want)
{
  g_autofree gchar *v = sr_event_detail (e, key);
  return g_strcmp0 (v, want) == 0;
}

static gint
detail_int (SrEvent *e, const gchar *key)
{
  g_autofree gchar *v = sr_event_detail (e, key);
  return v ? atoi (v) : 0;
}

/* First event in @events (from index 0) matching, before @before_ns, after @after_ns. */
static SrEvent *
find_obs (GPtrArray *events, const gchar *name, const gchar *method, gint status, const gchar *stb,
          const gchar *callid, gint64 after_ns, gint64 before_ns)
{
  for (guint i = 0; i < events->len; i++)
    {
      SrEvent *e = g_ptr_array_index (events, i);
      if (e->t_ns <= after_ns || e->t_ns >= before_ns || !is_obs (e, name)
          || !detail_is (e, "method", method) || (stb && !detail_is (e, "stb", stb))
          || (callid && !detail_is (e, "callid", callid))
          || (status >= 0 && detail_int (e, "status") != status))
        continue;
      return e;
    }
  return NULL;
}

static SrEvent *
find_switch (GPtrArray *events, const gchar *param, gint64 after_ns, gint64 before_ns)
{
  for (guint i = 0; i < events->len; i++)
    {
      SrEvent *e = g_ptr_array_index (events, i);
      if (e->kind == SR_EVENT_QCOP && e->t_ns > after_ns && e->t_ns < before_ns
          && g_str_equal (e->name, param))
        return e;
    }
  return NULL;
}

static gdouble
ms (gint64 ns)
{
  return ns / 1e6;
}

/* SW-SIP-02: a 2xx to an INVITE from the STB only after CALLEE_SHOW_VIDEO_PAGE at the server
 * for that call (after the INVITE reached the STB). */
static void
judge_answer (SrTest *test, GPtrArray *events, SrEvent *ok)
{
  g_autofree gchar *callid = sr_event_detail (ok, "callid");
  g_autofree gchar *peer = sr_event_detail (ok, "peer");
  SrEvent *invite = find_obs (events, "ims.tx", "INVITE", 0, "to", callid, G_MININT64, ok->t_ns);
  gint64 from_ns = invite ? invite->t_ns : test->start_ns;
  if (find_switch (events, "CALLEE_SHOW_VIDEO_PAGE", from_ns, ok->t_ns) != NULL)
    return;
  SrEvent *later = find_switch (events, "CALLEE_SHOW_VIDEO_PAGE", from_ns, G_MAXINT64);
  g_autofree gchar *after
      = later ? g_strdup_printf ("it came %.3f ms after the 200 OK", ms (later->t_ns - ok->t_ns))
              : g_strdup ("it never came");
  sr_test_raise (test, "sip::early-answer", "SW-SIP-02", ok->t_ns,
                 "ims.rx %d (INVITE, Call-ID %s) from the STB at %s, %.3f ms after ims.tx INVITE "
                 "to it, with no CALLEE_SHOW_VIDEO_PAGE at the server in between (%s)",
                 detail_int (ok, "status"), callid, peer,
                 invite ? ms (ok->t_ns - invite->t_ns) : 0.0, after);
}

/* SW-SIP-04 (§9.8): the STB's final non-2xx answers to an INVITE. */
static void
judge_reject (SrTest *test, GPtrArray *events, SrEvent *rep)
{
  static const gint allowed[] = { 480, 486, 487, 603 };
  gint status = detail_int (rep, "status");
  g_autofree gchar *callid = sr_event_detail (rep, "callid");
  g_autofree gchar *reason = sr_event_detail (rep, "reason");
  SrEvent *cancel = find_obs (events, "ims.tx", "CANCEL", 0, "to", callid, G_MININT64, rep->t_ns);
  /* judged on every refusal the IMS core saw, not only on a wrong one (coverage) */
  sr_test_result_note_evaluated (test->result, "SW-SIP-04", "sip::reject-code");
  if (cancel != NULL && status != 487)
    {
      sr_test_raise (test, "sip::reject-code", "SW-SIP-04", rep->t_ns,
                     "ims.rx %d %s (INVITE, Call-ID %s) from the STB %.3f ms after ims.tx "
                     "CANCEL to it: a cancelled INVITE must be answered 487",
                     status, reason, callid, ms (rep->t_ns - cancel->t_ns));
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (status == allowed[i])
      return;
  sr_test_raise (test, "sip::reject-code", "SW-SIP-04", rep->t_ns,
                 "ims.rx %d %s (INVITE, Call-ID %s) from the STB: SPEC §9.8 allows 603 (user "
                 "reject), 486 (busy), 480 (dialog timeout, T_SHOW), 487 (cancel)",
                 status, reason, callid);
}

/* SW-SIP-01: the STB registered (200 to its REGISTER) before its first call. */
static void
judge_registered (SrTest *test, GPtrArray *events)
{
  SrEvent *first = NULL;
  for (guint i = 0; i < events->len && first == NULL; i++)
    {
      SrEvent *e = g_ptr_array_index (events, i);
      if (is_obs (e, "ims.rx") && detail_is (e, "sip", "INVITE") && detail_is (e, "stb", "from"))
        first = e;
      else if (is_obs (e, "ims.tx") && detail_is (e, "sip", "INVITE") && detail_is (e, "stb", "to"))
        first = e;
    }
  if (first == NULL)
    return;
  if (find_obs (events, "ims.tx", "REGISTER", 200, "to", NULL, G_MININT64, first->t_ns) != NULL)
    return;
  g_autofree gchar *callid = sr_event_detail (first, "callid");
  sr_test_raise (test, "sip::not-registered", "SW-SIP-01", first->t_ns,
                 "%s INVITE (Call-ID %s) %s the STB before any 200 OK to a REGISTER of it "
                 "at the IMS core",
                 first->name, callid, g_str_equal (first->name, "ims.rx") ? "from" : "to");
}

void
sr_sip_obs_judge (SrTest *test)
{
  g_autoptr (GPtrArray) events = sr_timeline_slice (test->timeline, test->start_ns, G_MAXINT64);
  gboolean any = FALSE;
  for (guint i = 0; i < events->len && !any; i++)
    any = is_obs (g_ptr_array_index (events, i), "ims.rx");
  if (!any)
    return;
  judge_registered (test, events);
  /* the first final answer of each call (retransmissions and re-INVITEs are not judged) */
  g_autoptr (GHashTable) judged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < events->len; i++)
    {
      SrEvent *e = g_ptr_array_index (events, i);
      if (!is_obs (e, "ims.rx") || !detail_is (e, "method", "INVITE")
          || !detail_is (e, "stb", "from"))
        continue;
      gint status = detail_int (e, "status");
      if (status < 200 || !g_hash_table_add (judged, sr_event_detail (e, "callid")))
        continue;
      if (status >= 200 && status < 300)
        judge_answer (test, events, e);
      else if (status >= 300)
        judge_reject (test, events, e);
    }
}
