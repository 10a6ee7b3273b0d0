/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-sip"

/*
 * What the STB sends on SIP, as the IMS core received it (sr-sipobs.h: ims.rx / ims.tx
 * events; works for a DUT without the agent interface):
 *   sip.ringing      SW-SIP-03: an incoming call whose dialog was shown got 180 Ringing from
 *                    the STB before its final answer, and no provisional answer with SDP
 *                    (early media) before the 2xx
 *   sip.sdp-address  SW-SIP-07: every c= address of an SDP the STB sends is 127.0.0.1 or the
 *                    address the STB sends its SIP from (the run's namespace address)
 */

#include <string.h>

#include "sr-check-types.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define RINGING "sip.ringing"
#define SDP_ADDRESS "sip.sdp-address"

static gboolean
is_ims (const SrEvent *e, const gchar *name, const gchar *stb)
{
  if (e->kind != SR_EVENT_SIP || !g_str_equal (e->name, name))
    return FALSE;
  g_autofree gchar *v = sr_event_detail (e, "stb");
  return g_strcmp0 (v, stb) == 0;
}

static gint
detail_int (const SrEvent *e, const gchar *key)
{
  g_autofree gchar *v = sr_event_detail (e, key);
  return v ? (gint)g_ascii_strtoll (v, NULL, 10) : 0;
}

static gboolean
detail_is (const SrEvent *e, const gchar *key, const gchar *want)
{
  g_autofree gchar *v = sr_event_detail (e, key);
  return g_strcmp0 (v, want) == 0;
}

/* ---- SW-SIP-03: 180 while the dialog is shown, no early media ----------------------------- */

typedef struct
{
  gchar *callid;
  gint cseq;         /* of the initial INVITE (responses to re-INVITEs are not judged) */
  gboolean shown;    /* the agent reported the dialog for it */
  gboolean ringing;  /* a 180 from the STB */
  gboolean early;    /* early media reported */
  gboolean finished; /* the STB's final answer came */
} RingCall;

static void
ring_call_free (gpointer data)
{
  RingCall *c = data;
  g_free (c->callid);
  g_free (c);
}

static gpointer
ringing_start (const SrCheckContext *ctx)
{
  return g_ptr_array_new_with_free_func (ring_call_free);
}

static RingCall *
ring_call_find (GPtrArray *calls, const gchar *callid)
{
  for (guint i = 0; callid && i < calls->len; i++)
    {
      RingCall *c = g_ptr_array_index (calls, i);
      if (g_str_equal (c->callid, callid))
        return c;
    }
  return NULL;
}

/* One answer of the STB to the initial INVITE of @c. */
static void
ringing_answer (const SrCheckContext *ctx, RingCall *c, const SrEvent *e)
{
  gint status = detail_int (e, "status");
  if (status == 180)
    c->ringing = TRUE;
  if (status > 100 && status < 200 && detail_is (e, "sdp", "yes") && !c->early)
    {
      c->early = TRUE;
      g_autofree gchar *reason = sr_event_detail (e, "reason");
      g_autofree gchar *caddr = sr_event_detail (e, "caddr");
      sr_check_raise (ctx, RINGING, "sip::early-media", "SW-SIP-03", e->t_ns,
                      "ims.rx %d %s (INVITE, Call-ID %s) from the STB carries SDP (media at %s) "
                      "before the call was answered",
                      status, reason, c->callid, caddr);
    }
  if (status < 200 || c->finished)
    return;
  c->finished = TRUE;
  /* the dialog was shown: the agent said so, or the user took a decision on it */
  gboolean shown = c->shown || (status >= 200 && status < 300) || status == 603;
  if (!shown)
    return;
  if (c->ringing)
    {
      sr_check_evaluated (ctx, RINGING, "SW-SIP-03");
      return;
    }
  sr_check_raise (ctx, RINGING, "sip::no-ringing", "SW-SIP-03", e->t_ns,
                  "ims.rx %d (INVITE, Call-ID %s) from the STB ends a call whose incoming-call "
                  "dialog was shown (%s), with no 180 Ringing from the STB before it",
                  status, c->callid, c->shown ? "voip.dialog state=shown" : "the user answered");
}

static void
ringing_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  GPtrArray *calls = state;
  if (e->kind == SR_EVENT_AGENT)
    {
      if (!g_str_equal (e->name, "voip.dialog") || !detail_is (e, "state", "shown"))
        return;
      for (guint i = 0; i < calls->len; i++) /* the oldest call still waiting for it */
        {
          RingCall *c = g_ptr_array_index (calls, i);
          if (!c->finished && !c->shown)
            {
              c->shown = TRUE;
              return;
            }
        }
      return;
    }
  g_autofree gchar *callid = sr_event_detail (e, "callid");
  if (is_ims (e, "ims.tx", "to") && detail_is (e, "sip", "INVITE"))
    {
      if (ring_call_find (calls, callid) != NULL)
        return; /* a retransmission or a re-INVITE */
      RingCall *c = g_new0 (RingCall, 1);
      c->callid = g_strdup (callid);
      c->cseq = detail_int (e, "cseq");
      g_ptr_array_add (calls, c);
      return;
    }
  if (!is_ims (e, "ims.rx", "from") || !detail_is (e, "method", "INVITE")
      || detail_int (e, "status") == 0)
    return;
  RingCall *c = ring_call_find (calls, callid);
  if (c != NULL && detail_int (e, "cseq") == c->cseq)
    ringing_answer (ctx, c, e);
}

static void
ringing_free (gpointer state)
{
  g_ptr_array_unref (state);
}

const SrCheckType sr_check_ringing = {
  RINGING,
  (1u << SR_EVENT_SIP) | (1u << SR_EVENT_AGENT),
  REQ ("SW-SIP-03"),
  "an incoming call whose dialog was shown (voip.dialog, or answered 2xx / 603 by the user) "
  "got 180 Ringing from the STB before its final answer; no provisional answer of the STB "
  "carries SDP (early media)",
  ringing_start,
  ringing_event,
  NULL,
  ringing_free,
};

/* ---- SW-SIP-07: the SDP names the address the media really uses ------------------------- */

/* The host part of "IP:PORT" (transfer full). */
static gchar *
peer_host (const gchar *peer)
{
  const gchar *colon = peer ? strrchr (peer, ':') : NULL;
  return colon ? g_strndup (peer, (gsize)(colon - peer)) : g_strdup (peer ? peer : "");
}

static gpointer
sdp_start (const SrCheckContext *ctx)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL); /* Call-IDs reported */
}

static void
sdp_free (gpointer state)
{
  g_hash_table_unref (state);
}

static void
sdp_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  GHashTable *reported = state;
  if (!is_ims (e, "ims.rx", "from") || !detail_is (e, "sdp", "yes"))
    return;
  g_autofree gchar *peer = sr_event_detail (e, "peer");
  g_autofree gchar *caddr = sr_event_detail (e, "caddr");
  g_autofree gchar *host = peer_host (peer);
  g_auto (GStrv) addrs = g_strsplit (caddr ? caddr : "", ",", -1);
  const gchar *wrong = addrs[0] == NULL ? "" : NULL;
  for (guint i = 0; addrs[i] && wrong == NULL; i++)
    if (!g_str_equal (addrs[i], "127.0.0.1") && !g_str_equal (addrs[i], host))
      wrong = addrs[i];
  if (wrong == NULL)
    {
      sr_check_evaluated (ctx, SDP_ADDRESS, "SW-SIP-07");
      return;
    }
  g_autofree gchar *sip = sr_event_detail (e, "sip");
  g_autofree gchar *method = sr_event_detail (e, "method");
  g_autofree gchar *callid = sr_event_detail (e, "callid");
  if (!g_hash_table_add (reported, g_strdup (callid ? callid : "")))
    return; /* once per call (an INVITE sent again with credentials carries the same SDP) */
  gboolean local = g_str_equal (host, "127.0.0.1");
  sr_check_raise (ctx, SDP_ADDRESS, "sip::sdp-address", "SW-SIP-07", e->t_ns,
                  "ims.rx %s (%s, Call-ID %s) from the STB at %s: its SDP %s%s, not 127.0.0.1%s%s "
                  "(the address the STB sends its SIP from%s)",
                  sip, method, callid, peer, *wrong ? "names the media address " : "has no c= line",
                  wrong, local ? "" : " or ", local ? "" : host, local ? " is 127.0.0.1" : "");
}

const SrCheckType sr_check_sdp_address = {
  SDP_ADDRESS,
  1u << SR_EVENT_SIP,
  REQ ("SW-SIP-07"),
  "every c= address of an SDP the STB sends is 127.0.0.1 or the address it sends its SIP from",
  sdp_start,
  sdp_event,
  NULL,
  sdp_free,
};
