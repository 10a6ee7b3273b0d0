/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-latency"

/*
 * Passive latency checks (SPEC §11): hops the harness sees on every test, whatever the
 * scenario measures, compared with the active profile's [budgets]: the server's forwarding
 * (SW-TIME-01), the channel end to end (SW-TIME-02), the far end's 200 OK / ACK to the first
 * video frame of the call (SW-TIME-06, SW-TIME-16), and the far end's BYE (or injected
 * hang-up) to the IPTV module's first frame (SW-TIME-23). Over budget is latency::over-budget,
 * a warning under a profile with timing_verdict=warn.
 */

#include "sr-check-types.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define LATENCY "timing.hops"

typedef struct
{
  GHashTable *sent;     /* "role/PARAM" -> gint64* time at the server (SW-TIME-01) */
  GHashTable *tx;       /* "role/PARAM" -> gint64* switch.tx stamp (SW-TIME-02) */
  gint64 answer_ns;     /* 200 OK to the STB's INVITE (caller) (SW-TIME-06) */
  gint64 ack_ns;        /* ACK to the STB (callee) (SW-TIME-16) */
  gint64 hangup_ns;     /* far end's BYE at the IMS core, or injectHangup (SW-TIME-23) */
  gboolean reported[4]; /* one finding per hop and test */
} Latency;

static gpointer
latency_start (const SrCheckContext *ctx)
{
  Latency *l = g_new0 (Latency, 1);
  l->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  l->tx = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return l;
}

static void
latency_free (gpointer data)
{
  Latency *l = data;
  g_hash_table_unref (l->sent);
  g_hash_table_unref (l->tx);
  g_free (l);
}

static void
judge_hop (const SrCheckContext *ctx, Latency *l, guint slot, const gchar *budget_id,
           const gchar *hop, gint64 from_ns, gint64 to_ns)
{
  g_autoptr (GError) error = NULL;
  if (ctx->profile == NULL)
    return;
  gdouble budget_ms = g_key_file_get_double (ctx->profile, "budgets", budget_id, &error);
  if (error != NULL)
    return; /* the profile does not budget this hop */
  sr_check_evaluated (ctx, LATENCY, budget_id);
  gdouble ms = (gdouble)(to_ns - from_ns) / 1e6;
  if (ms <= budget_ms || l->reported[slot])
    return;
  l->reported[slot] = TRUE;
  sr_check_raise (ctx, LATENCY, sr_check_over_budget_issue (ctx), budget_id, to_ns,
                  "%s took %.3f ms, budget %s is %.3f ms", hop, ms, budget_id, budget_ms);
}

/* The other role's pending entry for @param in @table, removed (0: none). */
static gint64
take (GHashTable *table, StbRole receiver, const gchar *param)
{
  g_autofree gchar *key = g_strdup_printf (
      "%s/%s", stb_role_to_string (receiver == STB_ROLE_IPTV ? STB_ROLE_VOIP : STB_ROLE_IPTV),
      param);
  gint64 *t = g_hash_table_lookup (table, key);
  gint64 v = t ? *t : 0;
  g_hash_table_remove (table, key);
  return v;
}

static void
put (GHashTable *table, StbRole sender, const gchar *param, gint64 t_ns)
{
  gint64 *t = g_new (gint64, 1);
  *t = t_ns;
  g_hash_table_replace (table, g_strdup_printf ("%s/%s", stb_role_to_string (sender), param), t);
}

static void
latency_agent (const SrCheckContext *ctx, Latency *l, StbRole role, const SrEvent *e)
{
  g_autofree gchar *param = sr_event_detail (e, "param");
  if (g_str_equal (e->name, "switch.tx") && param)
    put (l->tx, role, param, e->t_ns);
  else if (g_str_equal (e->name, "switch.rx") && param)
    {
      gint64 from = take (l->tx, role, param);
      if (from != 0)
        judge_hop (ctx, l, 1, "SW-TIME-02", "switch.tx -> switch.rx", from, e->t_ns);
    }
  else if (g_str_equal (e->name, "voip.first-frame") && sr_event_matches (e, "media=video"))
    {
      if (l->answer_ns != 0)
        judge_hop (ctx, l, 2, "SW-TIME-06", "200 OK (caller) -> voip.first-frame video",
                   l->answer_ns, e->t_ns);
      else if (l->ack_ns != 0)
        judge_hop (ctx, l, 2, "SW-TIME-16", "ACK (callee) -> voip.first-frame video", l->ack_ns,
                   e->t_ns);
      l->answer_ns = l->ack_ns = 0;
    }
  else if (g_str_equal (e->name, "iptv.first-frame") && l->hangup_ns != 0)
    {
      judge_hop (ctx, l, 3, "SW-TIME-23", "far end's hang-up -> iptv.first-frame", l->hangup_ns,
                 e->t_ns);
      l->hangup_ns = 0;
    }
}

static void
latency_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Latency *l = state;
  StbRole role;
  if (e->kind == SR_EVENT_AGENT && stb_role_from_string (e->source, &role))
    latency_agent (ctx, l, role, e);
  else if (sr_check_is_module_send (e, &role))
    put (l->sent, role, e->name, e->t_ns);
  else if (sr_check_is_delivery (e, &role))
    {
      gint64 from = take (l->sent, role, e->name);
      if (from != 0)
        judge_hop (ctx, l, 0, "SW-TIME-01", "server forwarding (QCopSend read -> QCopMessage)",
                   from, e->t_ns);
    }
  else if (e->kind == SR_EVENT_SIP && g_str_equal (e->name, "ims.tx")
           && sr_event_matches (e, "sip=200;method=INVITE;stb=to"))
    l->answer_ns = e->t_ns;
  else if (e->kind == SR_EVENT_SIP && g_str_equal (e->name, "ims.tx")
           && sr_event_matches (e, "sip=ACK;stb=to"))
    l->ack_ns = e->t_ns;
  else if ((e->kind == SR_EVENT_SIP && g_str_equal (e->name, "ims.rx")
            && sr_event_matches (e, "sip=BYE;stb=none"))
           || (e->kind == SR_EVENT_QCOP && g_str_equal (e->name, "inject.hangup")))
    l->hangup_ns = e->t_ns;
}

const SrCheckType sr_check_latency = {
  LATENCY,
  (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_QCOP) | (1u << SR_EVENT_SIP),
  REQ ("SW-TIME-01", "SW-TIME-02", "SW-TIME-06", "SW-TIME-16", "SW-TIME-23"),
  "hops seen on every test against the profile's budgets: server forwarding, channel end to "
  "end, answer/ACK to the call's first video frame, far end's hang-up to the IPTV's first "
  "frame",
  latency_start,
  latency_event,
  NULL,
  latency_free,
};
