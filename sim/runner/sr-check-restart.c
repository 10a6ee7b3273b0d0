/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-restart"

/*
 * SW-RST-04 (SPEC §9.10): a VoIP module restarted during a call does not resume that call.
 * A restart is a new VoIP process at the server: a connection of the VoIP role from another
 * pid than the one before (the same process reconnecting to a restarted server keeps its
 * call, SW-CHAN-12; a connection whose pid the server could not tell counts as new); it was
 * "during a call" when the old instance had a call open (its voip.call events, or a call of
 * the STB's SIP user answered at the IMS core and not hung up). Until the new instance has a
 * call of its own (voip.call state=incoming|dialling), it must not report the old call going
 * on (voip.call ringing|answered|established, voip.state to=IN_CALL, voip.media
 * state=started) nor renew the old session on SIP (an INVITE or UPDATE, or a 2xx to one, on
 * an old call's Call-ID): the far end's dialog is left to SIP timers.
 */

#include "sr-check-types.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define RESTART "voip.restart"

typedef struct
{
  gboolean connected;      /* a VoIP instance connected before */
  gchar *pid;              /* its pid at the server (NULL: unknown) */
  gboolean agent_call;     /* the current instance reported a call that has not ended */
  GHashTable *sip_open;    /* Call-IDs of the STB answered 2xx and not hung up */
  GHashTable *old_callids; /* Call-IDs the STB had before the last restart */
  gboolean judging;        /* restarted during a call; the new instance has no call yet */
  gboolean reported;
  gint64 restart_ns;
} Restart;

static gpointer
restart_start (const SrCheckContext *ctx)
{
  Restart *r = g_new0 (Restart, 1);
  r->sip_open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->old_callids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return r;
}

static void
restart_free (gpointer data)
{
  Restart *r = data;
  g_hash_table_unref (r->sip_open);
  g_hash_table_unref (r->old_callids);
  g_free (r->pid);
  g_free (r);
}

static void
resumed (const SrCheckContext *ctx, Restart *r, const SrEvent *e, const gchar *what)
{
  if (r->reported)
    return;
  r->reported = TRUE;
  sr_check_raise (ctx, RESTART, "voip::call-resumed", "SW-RST-04", e->t_ns,
                  "the VoIP module restarted %.3f s earlier during a call, and before any new "
                  "call of its own: %s",
                  (gdouble)(e->t_ns - r->restart_ns) / 1e9, what);
}

static void
on_connect (const SrCheckContext *ctx, Restart *r, const SrEvent *e)
{
  g_autofree gchar *pid = sr_event_detail (e, "pid");
  if (r->connected && pid != NULL && g_strcmp0 (pid, r->pid) == 0)
    return; /* the same process reconnecting */
  g_free (r->pid);
  r->pid = g_steal_pointer (&pid);
  gboolean in_call = r->agent_call || g_hash_table_size (r->sip_open) > 0;
  if (r->connected && in_call)
    {
      r->judging = TRUE;
      r->reported = FALSE;
      r->restart_ns = e->t_ns;
      sr_check_evaluated (ctx, RESTART, "SW-RST-04");
    }
  r->connected = TRUE;
  r->agent_call = FALSE;
  g_hash_table_remove_all (r->sip_open);
}

static void
on_agent (const SrCheckContext *ctx, Restart *r, const SrEvent *e)
{
  g_autofree gchar *state = sr_event_detail (e, "state");
  if (g_str_equal (e->name, "voip.call") && state != NULL)
    {
      gboolean starts = g_str_equal (state, "incoming") || g_str_equal (state, "dialling");
      gboolean ends = g_str_equal (state, "ended") || g_str_equal (state, "failed");
      if (r->judging && starts)
        r->judging = FALSE; /* its own call: judged by the other checks */
      else if (r->judging && !ends)
        {
          g_autofree gchar *what = g_strdup_printf ("it reported voip.call %s", e->details);
          resumed (ctx, r, e, what);
        }
      r->agent_call = !ends;
      return;
    }
  if (!r->judging)
    return;
  g_autofree gchar *to = sr_event_detail (e, "to");
  if ((g_str_equal (e->name, "voip.state") && g_strcmp0 (to, "IN_CALL") == 0)
      || (g_str_equal (e->name, "voip.media") && g_strcmp0 (state, "started") == 0))
    {
      g_autofree gchar *what = g_strdup_printf ("it reported %s %s", e->name, e->details);
      resumed (ctx, r, e, what);
    }
}

static void
on_sip (const SrCheckContext *ctx, Restart *r, const SrEvent *e)
{
  g_autofree gchar *stb = sr_event_detail (e, "stb");
  g_autofree gchar *callid = sr_event_detail (e, "callid");
  g_autofree gchar *sip = sr_event_detail (e, "sip");
  g_autofree gchar *method = sr_event_detail (e, "method");
  if (callid == NULL || sip == NULL || method == NULL || g_strcmp0 (stb, "none") == 0)
    return;
  gint status = (gint)g_ascii_strtoll (sip, NULL, 10);
  gboolean from_stb = g_str_equal (e->name, "ims.rx") && g_strcmp0 (stb, "from") == 0;
  gboolean session = g_str_equal (method, "INVITE") || g_str_equal (method, "UPDATE");
  if (r->judging && from_stb && session && g_hash_table_contains (r->old_callids, callid)
      && (status == 0 || (status >= 200 && status < 300)))
    {
      g_autofree gchar *what = g_strdup_printf (
          "ims.rx %s (%s) from the STB on the old call's Call-ID %s", sip, method, callid);
      resumed (ctx, r, e, what);
    }
  if (r->judging)
    return;                           /* the new instance's SIP is its own */
  if (g_str_equal (method, "INVITE")) /* calls only: a REGISTER may keep its Call-ID */
    g_hash_table_add (r->old_callids, g_strdup (callid));
  if (g_str_equal (method, "INVITE") && status >= 200 && status < 300)
    g_hash_table_add (r->sip_open, g_strdup (callid));
  else if (g_str_equal (sip, "BYE") || (g_str_equal (method, "INVITE") && status >= 300))
    g_hash_table_remove (r->sip_open, callid);
}

static void
restart_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Restart *r = state;
  if (e->kind == SR_EVENT_CHANNEL && g_strcmp0 (e->source, "voip") == 0
      && g_str_equal (e->name, "qcop.connect"))
    on_connect (ctx, r, e);
  else if (e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "voip") == 0)
    on_agent (ctx, r, e);
  else if (e->kind == SR_EVENT_SIP)
    on_sip (ctx, r, e);
}

const SrCheckType sr_check_restart = {
  RESTART,
  (1u << SR_EVENT_CHANNEL) | (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_SIP),
  REQ ("SW-RST-04"),
  "a VoIP module restarted during a call reports no call going on and sends no INVITE or "
  "UPDATE (nor a 2xx to one) on the old call's Call-ID until it has a new call",
  restart_start,
  restart_event,
  NULL,
  restart_free,
};
