/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-timers"

/*
 * The VoIP module's timers judged from what the harness sees (SPEC §10): T_DIALOG runs from
 * the incoming call's arrival to the REJECT_CONTINUE_IPTV of its expiry (V-13), T_SHOW from
 * the module's STOP_IPTV at the server to the RESUME_IPTV of its expiry (V-21). A timer that
 * fires before its value is SW-TMR-04; one that never fires is its own requirement
 * (SW-TMR-01..03); its lateness is the SW-TIME-30..32 budget of the profile. T_ALERT runs
 * from the STB's INVITE at the IMS core to its CANCEL (V-32, V-44), SIP mode only.
 * The value is the one the harness launched the module with: the ICS [ixit] value for a DUT,
 * the `--t-*-ms` option of our own module's command line, else SPEC §10's default.
 */

#include <stdlib.h>
#include <string.h>

#include "sr-check-types.h"
#include "sr-dut.h"
#include "stb-protocol.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define TIMERS "voip.timers"
#define MS G_GINT64_CONSTANT (1000000)

typedef enum
{
  T_DIALOG,
  T_SHOW,
  T_ALERT,
  N_TIMERS
} TimerId;

static const struct
{
  const gchar *name;
  const gchar *ics_key; /* [ixit] */
  const gchar *option;  /* stbsim's module */
  gint64 default_ms;    /* SPEC §10 */
  const gchar *requirement;
  const gchar *budget;
  const gchar *expiry; /* what its expiry sends */
} timers[N_TIMERS] = {
  { "T_DIALOG", "t_dialog_ms", "--t-dialog-ms", 30000, "SW-TMR-01", "SW-TIME-30",
    "REJECT_CONTINUE_IPTV" },
  { "T_SHOW", "t_show_ms", "--t-show-ms", 5000, "SW-TMR-02", "SW-TIME-31", "RESUME_IPTV" },
  { "T_ALERT", "t_alert_ms", "--t-alert-ms", 60000, "SW-TMR-03", "SW-TIME-32", "CANCEL" },
};

typedef struct
{
  gint64 value_ms[N_TIMERS];
  gint64 started_ns[N_TIMERS]; /* 0: not running (as far as the harness can tell) */
  gint64 stopped_ns[N_TIMERS]; /* start of a timer a row stopped, until the call ends */
} Timers;

/* `--t-show-ms=N` or `--t-show-ms N` in @cmd, else -1. */
static gint64
option_value (const gchar *cmd, const gchar *option)
{
  const gchar *p = cmd ? strstr (cmd, option) : NULL;
  if (p == NULL)
    return -1;
  p += strlen (option);
  if (*p != '=' && *p != ' ')
    return -1;
  gchar *end = NULL;
  gint64 v = g_ascii_strtoll (p + 1, &end, 10);
  return end != p + 1 && v > 0 ? v : -1;
}

static gpointer
timers_start (const SrCheckContext *ctx)
{
  Timers *t = g_new0 (Timers, 1);
  for (guint i = 0; i < N_TIMERS; i++)
    {
      g_autofree gchar *ics
          = ctx->dut[STB_ROLE_VOIP] ? sr_dut_ics_value (ctx->ics, timers[i].ics_key, NULL) : NULL;
      t->value_ms[i] = ics ? g_ascii_strtoll (ics, NULL, 10) : timers[i].default_ms;
    }
  return t;
}

/* The expiry's message reached the server while the timer ran. */
static void
judge_expiry (const SrCheckContext *ctx, Timers *t, TimerId id, const SrEvent *e)
{
  gint64 elapsed = e->t_ns - t->started_ns[id];
  gint64 value = t->value_ms[id] * MS;
  gint64 early = sr_check_profile_ms (ctx, "tolerances", "timer_early_ms", 5) * MS;
  t->started_ns[id] = 0;
  sr_check_evaluated (ctx, TIMERS, "SW-TMR-04");
  sr_check_evaluated (ctx, TIMERS, timers[id].requirement);
  if (elapsed < value - early)
    {
      sr_check_raise (ctx, TIMERS, "timer::early", NULL, e->t_ns,
                      "%s fired after %.3f s: the VoIP module sent %s, its expiry, but %s is "
                      "%" G_GINT64_FORMAT
                      " ms (tolerance [tolerances] timer_early_ms %" G_GINT64_FORMAT " ms)",
                      timers[id].name, (gdouble)elapsed / 1e9, timers[id].expiry,
                      timers[id].ics_key, t->value_ms[id], early / MS);
      return;
    }
  gint64 budget = sr_check_profile_ms (ctx, "budgets", timers[id].budget, -1);
  if (budget < 0)
    return;
  sr_check_evaluated (ctx, TIMERS, timers[id].budget);
  if (elapsed - value > budget * MS)
    sr_check_raise (ctx, TIMERS, sr_check_over_budget_issue (ctx), timers[id].budget, e->t_ns,
                    "%s fired %.3f ms after its value (%" G_GINT64_FORMAT
                    " ms); budget %s is %" G_GINT64_FORMAT " ms",
                    timers[id].name, (gdouble)(elapsed - value) / 1e6, t->value_ms[id],
                    timers[id].budget, budget);
}

/* SW-TMR-05: the expiry's message of a timer a row had stopped, with nothing else (key, far
 * end) in between that would send it, at about the timer's value: the timer kept running. */
static void
judge_stopped (const SrCheckContext *ctx, Timers *t, TimerId id, const SrEvent *e)
{
  gint64 elapsed = e->t_ns - t->stopped_ns[id];
  gint64 early = sr_check_profile_ms (ctx, "tolerances", "timer_early_ms", 5) * MS;
  t->stopped_ns[id] = 0;
  if (elapsed < t->value_ms[id] * MS - early)
    return; /* something else, judged by the flow checks */
  sr_check_evaluated (ctx, TIMERS, "SW-TMR-05");
  sr_check_raise (ctx, TIMERS, "timer::not-stopped", NULL, e->t_ns,
                  "the VoIP module sent %s %.3f s after %s started, though a row had stopped it "
                  "(CALLEE_SHOW_VIDEO_PAGE) and nothing ended the call: its expiry acted in "
                  "another state",
                  timers[id].expiry, (gdouble)elapsed / 1e9, timers[id].name);
}

/* T_ALERT (V-32..V-44) as the IMS core sees it: from the STB's first INVITE to its CANCEL,
 * stopped by a final response to the STB (an authentication challenge is not one). */
static void
timers_sip (const SrCheckContext *ctx, Timers *t, const SrEvent *e)
{
  if (g_str_equal (e->name, "ims.rx") && sr_event_matches (e, "sip=INVITE;stb=from"))
    {
      if (t->started_ns[T_ALERT] == 0)
        t->started_ns[T_ALERT] = e->t_ns;
    }
  else if (g_str_equal (e->name, "ims.rx") && sr_event_matches (e, "sip=CANCEL;stb=from")
           && t->started_ns[T_ALERT] != 0)
    judge_expiry (ctx, t, T_ALERT, e);
  else if (g_str_equal (e->name, "ims.tx") && sr_event_matches (e, "method=INVITE;stb=to"))
    {
      g_autofree gchar *status = sr_event_detail (e, "status");
      gint64 code = status ? g_ascii_strtoll (status, NULL, 10) : 0;
      if (code >= 200 && code != 401 && code != 407)
        t->started_ns[T_ALERT] = 0;
    }
}

/* The far end's CANCEL or BYE as the IMS core logged it (Kamailio relays a CANCEL without
 * logging its copy to the STB); the STB's own CANCEL is T_ALERT's expiry. */
static gboolean
far_end_ends (const SrEvent *e)
{
  return e->kind == SR_EVENT_SIP && !sr_event_matches (e, "stb=from")
         && (sr_event_matches (e, "sip=CANCEL") || sr_event_matches (e, "sip=BYE"));
}

static void
timers_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Timers *t = state;
  StbRole role;
  if (e->kind == SR_EVENT_RUNNER && g_str_equal (e->name, "start")
      && g_strcmp0 (e->target, "voip") == 0 && !ctx->dut[STB_ROLE_VOIP])
    for (guint i = 0; i < N_TIMERS; i++)
      {
        gint64 v = option_value (e->details, timers[i].option);
        t->value_ms[i] = v > 0 ? v : timers[i].default_ms;
      }
  /* T_DIALOG starts with the call's arrival (its dialog follows at once: V-01) */
  if ((e->kind == SR_EVENT_QCOP && g_str_equal (e->name, "inject.call"))
      || (e->kind == SR_EVENT_SIP && g_str_equal (e->name, "ims.tx")
          && sr_event_matches (e, "sip=INVITE;stb=to") && t->started_ns[T_DIALOG] == 0)
      || (e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "voip") == 0
          && g_str_equal (e->name, "voip.dialog") && sr_event_matches (e, "state=shown")
          && t->started_ns[T_DIALOG] == 0))
    t->started_ns[T_DIALOG] = e->t_ns;
  /* what stops the timers besides their expiry: the user, the far end, the IPTV module (a
   * 486 is a second call refused while busy: no dialog of its own) */
  else if ((e->kind == SR_EVENT_QCOP && g_str_has_prefix (e->name, "key.voip"))
           || (e->kind == SR_EVENT_QCOP && g_str_equal (e->name, "inject.hangup"))
           || far_end_ends (e)
           || (e->kind == SR_EVENT_SIP && sr_event_matches (e, "sip=486;stb=from")))
    {
      t->started_ns[T_DIALOG] = t->started_ns[T_SHOW] = 0;
      t->stopped_ns[T_DIALOG] = t->stopped_ns[T_SHOW] = 0; /* the call ends: a legal give-back */
    }
  else if (e->kind == SR_EVENT_SIP)
    timers_sip (ctx, t, e);
  else if (sr_check_is_delivery (e, &role) && role == STB_ROLE_VOIP
           && g_str_equal (e->name, "CALLEE_SHOW_VIDEO_PAGE"))
    {
      t->stopped_ns[T_SHOW] = t->started_ns[T_SHOW]; /* V-20 leaves AWAIT_SHOW */
      t->started_ns[T_SHOW] = 0;
    }
  else if (e->kind == SR_EVENT_CHANNEL && g_strcmp0 (e->source, "voip") == 0
           && g_str_equal (e->name, "qcop.connect"))
    t->started_ns[T_DIALOG] = t->started_ns[T_SHOW] = 0; /* a new life */
  else if (sr_check_is_module_send (e, &role) && role == STB_ROLE_VOIP)
    {
      if (g_str_equal (e->name, "STOP_IPTV"))
        {
          t->started_ns[T_DIALOG] = 0;
          t->started_ns[T_SHOW] = e->t_ns;
        }
      else if (g_str_equal (e->name, timers[T_DIALOG].expiry) && t->started_ns[T_DIALOG] != 0)
        judge_expiry (ctx, t, T_DIALOG, e);
      else if (g_str_equal (e->name, timers[T_SHOW].expiry) && t->started_ns[T_SHOW] != 0)
        judge_expiry (ctx, t, T_SHOW, e);
      else if (g_str_equal (e->name, timers[T_SHOW].expiry) && t->stopped_ns[T_SHOW] != 0)
        judge_stopped (ctx, t, T_SHOW, e);
    }
}

static void
timers_finish (const SrCheckContext *ctx, gpointer state)
{
  Timers *t = state;
  for (guint i = 0; i < N_TIMERS; i++)
    {
      if (t->started_ns[i] == 0)
        continue;
      /* still running at the end: past its value, its budget and a second of grace, it
       * never fired */
      gint64 budget = MAX (sr_check_profile_ms (ctx, "budgets", timers[i].budget, 1000), 0);
      gint64 due = t->started_ns[i] + (t->value_ms[i] + budget + 1000) * MS;
      if (ctx->stop_ns < due)
        continue;
      sr_check_evaluated (ctx, TIMERS, timers[i].requirement);
      sr_check_raise (ctx, TIMERS, "timer::not-fired", timers[i].requirement, t->started_ns[i],
                      "%s (%s %" G_GINT64_FORMAT " ms) started here and had not fired %.1f s "
                      "later: no %s from the VoIP module, and nothing else stopped it",
                      timers[i].name, timers[i].ics_key, t->value_ms[i],
                      (gdouble)(ctx->stop_ns - t->started_ns[i]) / 1e9, timers[i].expiry);
    }
}

const SrCheckType sr_check_timers = {
  TIMERS,
  (1u << SR_EVENT_RUNNER) | (1u << SR_EVENT_QCOP) | (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_SIP)
      | (1u << SR_EVENT_CHANNEL),
  REQ ("SW-TMR-01", "SW-TMR-02", "SW-TMR-03", "SW-TMR-04", "SW-TMR-05", "SW-TIME-30", "SW-TIME-31",
       "SW-TIME-32"),
  "T_DIALOG and T_SHOW measured from the call's arrival / the STOP_IPTV at the server to the "
  "message of their expiry: not before their value, within the profile's budget, and at all",
  timers_start,
  timers_event,
  timers_finish,
  g_free,
};
