/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-agent"

/*
 * The agent interface judged against what the harness sees itself (SPEC §2.2, §12): each
 * module connection's events as the server read them (their time stamps against their
 * arrival, their order, the readiness event), the events' syntax, that what a module reports
 * having sent it did send, and that status() only reports.
 */

#include <string.h>

#include "sr-check-types.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define STAMPS "agent.stamps"
#define EVENTS "agent.events"
#define MS G_GINT64_CONSTANT (1000000)
/* An event cannot be stamped after the server read it; the two clocks are one
 * (CLOCK_MONOTONIC), this only absorbs the trace's rounding. */
#define FUTURE_SLACK_NS (5 * MS)

#define DEFAULT_DELAY_MS 50 /* SW-EVT-03 */
/* Main-loop events are stamped and sent in one thread: their stamps never go back, even by
 * the microseconds between two events of one handler (a state event held behind the next). */
#define ORDER_SLACK_NS 0

/* SW-EVT-03's 50 ms between a fact and its event, as the profile applies it ([tolerances]
 * event_delay_ms; -1: not judged). */
static gint64
max_delay_ms (const SrCheckContext *ctx)
{
  return sr_check_profile_ms (ctx, "tolerances", "event_delay_ms", -1);
}

/* ---- time stamps and readiness, per connection, at the server (SW-EVT-03/04, SW-CHAN-13) -- */

typedef struct
{
  StbRole role;
  gint64 connect_ns;
  gint64 last_stamp;
  guint events;
  gboolean ready;
  gboolean late_reported;
} StampConn;

static gpointer
stamps_start (const SrCheckContext *ctx)
{
  return g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/* Events SPEC SW-EVT-04 has stamped on another thread and handed to the main loop (SIP
 * transport, media sink): they may land behind main-loop events of the same moment, so only
 * their delay is judged, not their order. */
static gboolean
thread_stamped (const gchar *name)
{
  return g_str_equal (name, "sip.rx") || g_str_equal (name, "sip.tx")
         || g_str_has_suffix (name, ".first-frame");
}

static void
judge_stamp (const SrCheckContext *ctx, StampConn *c, const SrEvent *e, gint64 stamp,
             const gchar *name)
{
  const gchar *who = stb_role_to_string (c->role);
  sr_check_evaluated (ctx, STAMPS, "SW-EVT-04");
  sr_check_evaluated (ctx, STAMPS, "SW-EVT-03");
  if (stamp > e->t_ns + FUTURE_SLACK_NS)
    sr_check_raise (ctx, STAMPS, "agent::event-time-future", NULL, e->t_ns,
                    "the %s module's event %s is stamped %.1f ms after the server read it: its "
                    "time is not when the fact happened",
                    who, name, (gdouble)(stamp - e->t_ns) / 1e6);
  /* an event handed over late (stamped on another thread, a blocked main loop) necessarily
   * lands behind later facts: that is its delay, judged below under the profile; an event
   * sent promptly but behind a later one was reordered */
  gint64 delay_ms = max_delay_ms (ctx) >= 0 ? max_delay_ms (ctx) : DEFAULT_DELAY_MS;
  gboolean prompt = e->t_ns - stamp <= delay_ms * MS;
  if (c->events > 0 && stamp + ORDER_SLACK_NS < c->last_stamp && prompt && !thread_stamped (name))
    sr_check_raise (ctx, STAMPS, "agent::event-order", NULL, e->t_ns,
                    "the %s module sent event %s (stamped %.1f ms earlier than the event it sent "
                    "before): events are sent in the order the facts happened",
                    who, name, (gdouble)(c->last_stamp - stamp) / 1e6);
  else if (max_delay_ms (ctx) >= 0 && e->t_ns - stamp > max_delay_ms (ctx) * MS
           && !c->late_reported)
    {
      c->late_reported = TRUE; /* once per connection: one slow module is one finding */
      sr_check_raise (ctx, STAMPS, sr_check_over_budget_issue (ctx), "SW-EVT-03", e->t_ns,
                      "the %s module sent event %s %.1f ms after the fact it reports (at most "
                      "%" G_GINT64_FORMAT " ms, profile [tolerances] event_delay_ms)",
                      who, name, (gdouble)(e->t_ns - stamp) / 1e6, max_delay_ms (ctx));
    }
  c->last_stamp = MAX (c->last_stamp, stamp);
  c->events++;
}

static void
stamps_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  GHashTable *conns = state;
  StbRole role;
  if (e->client == 0 || !stb_role_from_string (e->source, &role))
    return;
  StampConn *c = g_hash_table_lookup (conns, GINT_TO_POINTER (e->client));
  if (c == NULL)
    {
      c = g_new0 (StampConn, 1);
      c->role = role;
      c->connect_ns = e->t_ns;
      g_hash_table_insert (conns, GINT_TO_POINTER (e->client), c);
    }
  if (!g_str_equal (e->name, "qcop.agent-event"))
    return;
  g_autofree gchar *stamp = sr_event_detail (e, "stamp");
  g_autofree gchar *name = sr_event_detail (e, "name");
  if (stamp == NULL || name == NULL)
    return; /* undecodable: agent::undecodable-event */
  judge_stamp (ctx, c, e, g_ascii_strtoll (stamp, NULL, 10), name);
  g_autofree gchar *ready = g_strdup_printf ("%s.ready", stb_role_to_string (role));
  if (g_str_equal (name, ready))
    c->ready = TRUE;
}

static void
stamps_finish (const SrCheckContext *ctx, gpointer state)
{
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, state);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      StampConn *c = value;
      /* a connection that speaks the agent interface, or a DUT that declares it and lived
       * long enough to be ready (the runner waits up to its start timeout) */
      gboolean agent = c->events > 0
                       || (ctx->dut[c->role] && ctx->agent_declared[c->role]
                           && ctx->stop_ns - c->connect_ns > 5000 * MS);
      if (!agent)
        continue;
      sr_check_evaluated (ctx, STAMPS, "SW-CHAN-13");
      if (!c->ready)
        sr_check_raise (ctx, STAMPS, "agent::no-ready-event", NULL, c->connect_ns,
                        "the %s module (client %d) %s but never sent %s.ready",
                        stb_role_to_string (c->role), GPOINTER_TO_INT (key),
                        c->events > 0 ? "sent agent events" : "declares the agent interface",
                        stb_role_to_string (c->role));
    }
}

const SrCheckType sr_check_stamps = {
  STAMPS,
  1u << SR_EVENT_CHANNEL,
  REQ ("SW-EVT-03", "SW-EVT-04", "SW-CHAN-13"),
  "every agent event as the server read it: stamped no later than its arrival, within 50 ms "
  "before it, in order per connection; a connection with agent events announces readiness",
  stamps_start,
  stamps_event,
  stamps_finish,
  (GDestroyNotify)g_hash_table_unref,
};

/* ---- what events say (SW-EVT-02, SW-EVT-05, SW-AGT-06) ----------------------------------- */

typedef struct
{
  GHashTable *reported;      /* "role/PARAM" -> count of switch.tx */
  GHashTable *sent;          /* "role/PARAM" -> count of sends at the server */
  gchar *state[2];           /* last <role>.state to= */
  gint64 status_asked_ns[2]; /* status() sent, not answered yet (0: none) */
  guint status_asked[2], status_answers[2];
  guint64 ignored[2]; /* last <role>.ignored count= of the current process (SW-RX-08) */
  guint keys_sent[2], keys_reported[2]; /* key(QString) at the server, <role>.key (SW-AGT-02) */
} Events;

static gpointer
events_start (const SrCheckContext *ctx)
{
  Events *v = g_new0 (Events, 1);
  v->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  v->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return v;
}

static void
events_free (gpointer data)
{
  Events *v = data;
  g_hash_table_unref (v->reported);
  g_hash_table_unref (v->sent);
  g_free (v->state[0]);
  g_free (v->state[1]);
  g_free (v);
}

static void
count (GHashTable *table, gchar *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (table, key));
  g_hash_table_replace (table, key, GUINT_TO_POINTER (n + 1));
}

/* SW-EVT-02: `key=value` pairs joined by `;`, no spaces around separators, no raw control
 * characters. */
static void
judge_details (const SrCheckContext *ctx, const SrEvent *e)
{
  sr_check_evaluated (ctx, EVENTS, "SW-EVT-02");
  if (e->details == NULL || *e->details == '\0')
    return;
  g_auto (GStrv) pairs = g_strsplit (e->details, ";", -1);
  for (guint i = 0; pairs[i]; i++)
    {
      const gchar *p = pairs[i], *eq = strchr (p, '=');
      gboolean bad = eq == NULL || eq == p || g_ascii_isspace (p[0]) || g_ascii_isspace (eq[-1])
                     || g_ascii_isspace (eq[1])
                     || (eq[1] != '\0' && g_ascii_isspace (p[strlen (p) - 1]));
      for (const gchar *q = p; !bad && *q; q++)
        bad = (guchar)*q < 0x20 || *q == 0x7f;
      if (bad)
        {
          sr_check_raise (ctx, EVENTS, "agent::bad-details", NULL, e->t_ns,
                          "%s's %s has details \"%s\": pair \"%s\" is not `key=value` (no spaces "
                          "around separators, control characters percent-encoded)",
                          e->source, e->name, e->details, p);
          return;
        }
    }
}

/* SW-AGT-06: between status() and its answer, no state change and no switch message; the
 * answer describes the state last reported. */
static void
judge_status_window (const SrCheckContext *ctx, Events *v, StbRole role, const SrEvent *e)
{
  if (v->status_asked_ns[role] == 0)
    return;
  sr_check_evaluated (ctx, EVENTS, "SW-AGT-06");
  sr_check_raise (ctx, EVENTS, "agent::status-changed-state", NULL, e->t_ns,
                  "the %s module %s %s between status() and its %s.status answer: status() "
                  "must not change state",
                  stb_role_to_string (role), e->kind == SR_EVENT_AGENT ? "reported" : "sent",
                  e->name, stb_role_to_string (role));
  v->status_asked_ns[role] = 0; /* one finding per status() */
}

/* SW-RX-08: the ignored-message counter lives as long as the process: each <role>.ignored
 * count= is the previous one plus one, and status() reports at least the last one. */
static void
judge_ignored_count (const SrCheckContext *ctx, Events *v, StbRole role, const SrEvent *e)
{
  gboolean status = g_str_has_suffix (e->name, ".status");
  g_autofree gchar *value = sr_event_detail (e, status ? "ignored" : "count");
  if (value == NULL)
    return;
  guint64 n = g_ascii_strtoull (value, NULL, 10);
  sr_check_evaluated (ctx, EVENTS, "SW-RX-08");
  if (status ? n < v->ignored[role] : n <= v->ignored[role])
    sr_check_raise (ctx, EVENTS, "agent::ignored-count-reset", NULL, e->t_ns,
                    "%s reports %s=%" G_GUINT64_FORMAT
                    " after the module had counted %" G_GUINT64_FORMAT
                    " ignored messages: the counter must persist for the life of the process",
                    e->name, status ? "ignored" : "count", n, v->ignored[role]);
  if (!status)
    v->ignored[role] = n;
}

static void
events_agent (const SrCheckContext *ctx, Events *v, StbRole role, const SrEvent *e)
{
  const gchar *r = stb_role_to_string (role);
  judge_details (ctx, e);
  g_autofree gchar *state_name = g_strdup_printf ("%s.state", r);
  g_autofree gchar *status_name = g_strdup_printf ("%s.status", r);
  if (g_str_equal (e->name, "switch.tx"))
    {
      g_autofree gchar *param = sr_event_detail (e, "param");
      count (v->reported, g_strdup_printf ("%s/%s", r, param ? param : "?"));
    }
  else if (g_str_equal (e->name, state_name))
    {
      judge_status_window (ctx, v, role, e);
      g_free (v->state[role]);
      v->state[role] = sr_event_detail (e, "to");
    }
  else if (g_str_equal (e->name, status_name) && v->status_asked_ns[role] != 0)
    {
      g_autofree gchar *state = sr_event_detail (e, "state");
      sr_check_evaluated (ctx, EVENTS, "SW-AGT-06");
      v->status_answers[role]++;
      v->status_asked_ns[role] = 0;
      if (v->state[role] != NULL && g_strcmp0 (state, v->state[role]) != 0)
        sr_check_raise (ctx, EVENTS, "agent::status-changed-state", NULL, e->t_ns,
                        "%s.status says state=%s, but the module's last %s.state was to=%s", r,
                        state ? state : "(none)", r, v->state[role]);
    }
  else if (g_str_has_suffix (e->name, ".ready"))
    {
      g_clear_pointer (&v->state[role], g_free);
      v->ignored[role] = 0; /* a new process */
    }
  if (g_str_has_suffix (e->name, ".ignored") || g_str_equal (e->name, status_name))
    judge_ignored_count (ctx, v, role, e);
}

static void
events_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Events *v = state;
  StbRole role;
  if (e->kind == SR_EVENT_AGENT && stb_role_from_string (e->source, &role))
    events_agent (ctx, v, role, e);
  else if (e->kind == SR_EVENT_CHANNEL && g_str_equal (e->name, "qcop.agent-event")
           && stb_role_from_string (e->source, &role))
    {
      /* key events as the server read them (the runner's own copy may come after the stop);
       * select() and dial() are commands, not key messages */
      g_autofree gchar *name = sr_event_detail (e, "name");
      g_autofree gchar *key = sr_event_detail (e, "key");
      g_autofree gchar *key_name = g_strdup_printf ("%s.key", stb_role_to_string (role));
      if (g_strcmp0 (name, key_name) == 0 && key != NULL && !g_str_equal (key, "select")
          && !g_str_equal (key, "dial"))
        v->keys_reported[role]++;
    }
  else if (sr_check_is_module_send (e, &role))
    {
      judge_status_window (ctx, v, role, e);
      count (v->sent, g_strdup_printf ("%s/%s", stb_role_to_string (role), e->name));
    }
  else if (e->kind == SR_EVENT_QCOP && g_str_has_prefix (e->name, "key.")
           && stb_role_from_string (e->name + 4, &role))
    v->keys_sent[role]++;
  else if (e->kind == SR_EVENT_RUNNER && g_str_equal (e->name, "send-switch")
           && sr_event_matches (e, "message=status()"))
    {
      g_autofree gchar *channel = sr_event_detail (e, "channel");
      role = g_str_has_suffix (channel ? channel : "", "/IPTV") ? STB_ROLE_IPTV : STB_ROLE_VOIP;
      if (channel && g_str_has_prefix (channel, "STBSim/Agent/"))
        {
          v->status_asked_ns[role] = e->t_ns;
          v->status_asked[role]++;
        }
    }
}

static void
events_finish (const SrCheckContext *ctx, gpointer state)
{
  Events *v = state;
  for (gint role = 0; role < 2; role++)
    if (v->status_asked[role] > 0)
      {
        sr_check_evaluated (ctx, EVENTS, "SW-AGT-06");
        if (v->status_answers[role] < v->status_asked[role])
          sr_check_raise (ctx, EVENTS, "agent::status-no-answer", NULL, ctx->stop_ns,
                          "the harness sent status() %u times to the %s module, which answered "
                          "%u times with %s.status",
                          v->status_asked[role], stb_role_to_string (role), v->status_answers[role],
                          stb_role_to_string (role));
      }
  /* SW-AGT-02: a key message is one press: one <role>.key per key(QString) the server
   * delivered (a module that reports none has no agent: agent::no-events) */
  for (gint role = 0; role < 2; role++)
    if (v->keys_sent[role] > 0 && v->keys_reported[role] > 0)
      {
        sr_check_evaluated (ctx, EVENTS, "SW-AGT-02");
        if (v->keys_reported[role] != v->keys_sent[role])
          sr_check_raise (ctx, EVENTS, "agent::key-not-one-press", NULL, ctx->stop_ns,
                          "the harness sent %u key messages to the %s module, which reported %u "
                          "%s.key events: a key message is one press",
                          v->keys_sent[role], stb_role_to_string (role), v->keys_reported[role],
                          stb_role_to_string (role));
      }
  /* SW-EVT-05: every switch.tx a module reported is a message the server saw it send */
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, v->reported);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      guint reported = GPOINTER_TO_UINT (value);
      guint sent = GPOINTER_TO_UINT (g_hash_table_lookup (v->sent, key));
      sr_check_evaluated (ctx, EVENTS, "SW-EVT-05");
      if (reported > sent)
        sr_check_raise (ctx, EVENTS, "agent::event-without-fact", NULL, ctx->stop_ns,
                        "%s: the module reported switch.tx %u times, the server saw it send %u "
                        "times: events for things that did not happen",
                        (const gchar *)key, reported, sent);
    }
}

const SrCheckType sr_check_events = {
  EVENTS,
  (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_QCOP) | (1u << SR_EVENT_RUNNER)
      | (1u << SR_EVENT_CHANNEL),
  REQ ("SW-EVT-02", "SW-EVT-05", "SW-AGT-06", "SW-RX-08", "SW-AGT-02"),
  "agent events' details are `key=value;...`; every switch.tx was sent at the server; status() "
  "is answered once and changes nothing; ignored-message counters never go back; one <role>.key "
  "per key message",
  events_start,
  events_event,
  events_finish,
  events_free,
};

/* ---- injections have their row's effect (SW-AGT-07) ------------------------------------- */

#define INJECT "voip.injection"
#define INJECT_GRACE_NS (2000 * MS)

typedef struct
{
  gchar *state;      /* the VoIP module's last voip.state to= */
  gchar *pending;    /* injection awaiting its effect ("inject.call"), NULL: none */
  gint64 pending_ns; /* when the server delivered it */
  gboolean agent;    /* the VoIP module reports events */
  /* SW-VOIP-13: an injection no (inj) row takes (or any, outside inject mode), awaiting its
   * voip.ignored; NULL: none */
  gchar *stray;
  gchar *stray_state;
  gint64 stray_ns;
  gboolean stray_mixed;  /* a key or switch message reached the module meanwhile */
  guint keys_unanswered; /* key(QString) / dial(QString) delivered, no voip.key yet */
  gchar *deferred;       /* an injection that came behind unanswered keys, NULL: none */
  gint64 deferred_ns;
  guint deferred_keys; /* how many of them it waits for */
  gint64 delivery_ns;  /* the last switch message delivered to the module */
  gboolean reacted;    /* the module reported something since */
} Injection;

static gpointer
injection_start (const SrCheckContext *ctx)
{
  return g_new0 (Injection, 1);
}

static void
injection_free (gpointer data)
{
  Injection *j = data;
  g_free (j->state);
  g_free (j->pending);
  g_free (j->stray);
  g_free (j->stray_state);
  g_free (j->deferred);
  g_free (j);
}

static void
judge_injection (const SrCheckContext *ctx, Injection *j, gint64 now_ns)
{
  if (j->pending == NULL || now_ns - j->pending_ns < INJECT_GRACE_NS || !j->agent)
    return;
  sr_check_evaluated (ctx, INJECT, "SW-AGT-07");
  sr_check_raise (ctx, INJECT, "voip::injection-ignored", NULL, j->pending_ns,
                  "%s reached the VoIP module (state %s) and had no effect within %.1f s (no "
                  "voip.call / voip.dialog change of its row)",
                  j->pending, j->state ? j->state : "?", (gdouble)INJECT_GRACE_NS / 1e9);
  g_clear_pointer (&j->pending, g_free);
}

/* Does @e show the effect of the pending injection? */
static gboolean
injection_effect (const Injection *j, const SrEvent *e)
{
  if (g_str_equal (j->pending, "inject.call"))
    return g_str_equal (e->name, "voip.call")
           && (sr_event_matches (e, "state=incoming") || sr_event_matches (e, "code=486"));
  if (g_str_equal (j->pending, "inject.answer"))
    return g_str_equal (e->name, "voip.call") && sr_event_matches (e, "state=answered");
  /* hangup, reject: the call or the dialog ends */
  return (g_str_equal (e->name, "voip.call")
          && (sr_event_matches (e, "state=ended") || sr_event_matches (e, "state=failed")))
         || (g_str_equal (e->name, "voip.dialog") && sr_event_matches (e, "state=closed"));
}

/* SW-VOIP-13: the SIP code a callee's voip.call reports in inject mode is the one the row
 * would have sent (§7.2, §9.8); 0: not judged. */
static guint
inject_code (const SrEvent *e)
{
  static const struct
  {
    const gchar *match;
    guint code;
  } codes[] = {
    { "state=answered", 200 },      { "reason=rejected", 603 },  { "reason=busy", 486 },
    { "reason=timeout", 480 },      { "reason=cancelled", 487 }, { "reason=switch-timeout", 480 },
    { "reason=unregistered", 480 },
  };
  if (!g_str_equal (e->name, "voip.call") || !sr_event_matches (e, "role=callee"))
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (sr_event_matches (e, codes[i].match))
      return codes[i].code;
  return 0;
}

static void
judge_inject_mode (const SrCheckContext *ctx, const SrEvent *e)
{
  guint want = inject_code (e);
  g_autofree gchar *code = sr_event_detail (e, "code");
  if (!ctx->injection)
    return;
  if (g_str_equal (e->name, "sip.tx"))
    {
      sr_check_evaluated (ctx, INJECT, "SW-VOIP-13");
      sr_check_raise (ctx, INJECT, "voip::sip-in-inject-mode", NULL, e->t_ns,
                      "the VoIP module, in inject mode, reports sending SIP (sip.tx %s)",
                      e->details ? e->details : "");
    }
  if (want == 0)
    return;
  sr_check_evaluated (ctx, INJECT, "SW-VOIP-13");
  if (code == NULL || g_ascii_strtoull (code, NULL, 10) != want)
    sr_check_raise (ctx, INJECT, "voip::inject-code", NULL, e->t_ns,
                    "in inject mode voip.call %s reports code=%s: the row would have sent %u",
                    e->details ? e->details : "", code ? code : "(none)", want);
}

/* SW-VOIP-13: a stray injection is reported voip.ignored and has no effect; an effect is the
 * module's first reaction unless a key or switch message reached it meanwhile. */
static void
judge_stray (const SrCheckContext *ctx, Injection *j, const SrEvent *e)
{
  const gchar *why = ctx->injection ? "unexpected-state" : "not-inject-mode";
  gboolean late = e == NULL || e->t_ns - j->stray_ns > INJECT_GRACE_NS;
  StbRole role;
  if (j->stray == NULL || !j->agent)
    return;
  if (!late && e->kind == SR_EVENT_AGENT && g_str_equal (e->name, "voip.ignored"))
    {
      g_autofree gchar *message = sr_event_detail (e, "message");
      if (message == NULL || !g_str_has_prefix (message, "inject"))
        return;
      sr_check_evaluated (ctx, INJECT, "SW-VOIP-13");
      if (!sr_event_matches (e,
                             ctx->injection ? "reason=unexpected-state" : "reason=not-inject-mode"))
        sr_check_raise (ctx, INJECT, "voip::injection-out-of-row", NULL, e->t_ns,
                        "%s (state %s) was ignored with %s, not reason=%s", j->stray,
                        j->stray_state ? j->stray_state : "?", e->details ? e->details : "", why);
    }
  else if (!late
           && ((e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "voip") == 0
                && (g_str_equal (e->name, "voip.state") || g_str_equal (e->name, "voip.dialog")
                    || g_str_equal (e->name, "voip.call") || g_str_equal (e->name, "voip.page")))
               || (sr_check_is_module_send (e, &role) && role == STB_ROLE_VOIP)))
    {
      if (j->stray_mixed)
        return; /* a key or message may have caused it */
      sr_check_evaluated (ctx, INJECT, "SW-VOIP-13");
      sr_check_raise (ctx, INJECT, "voip::injection-out-of-row", NULL, e->t_ns,
                      "%s reached the VoIP module in %s%s, where no (inj) row takes it, and the "
                      "module acted on it (%s %s) instead of voip.ignored reason=%s",
                      j->stray, j->stray_state ? j->stray_state : "?",
                      ctx->injection ? "" : " outside inject mode", e->name,
                      e->details ? e->details : "", why);
    }
  else if (late)
    {
      sr_check_evaluated (ctx, INJECT, "SW-VOIP-13");
      sr_check_raise (ctx, INJECT, "voip::injection-out-of-row", NULL, j->stray_ns,
                      "%s reached the VoIP module in %s%s and was not reported voip.ignored "
                      "reason=%s within %.1f s",
                      j->stray, j->stray_state ? j->stray_state : "?",
                      ctx->injection ? "" : " outside inject mode", why,
                      (gdouble)INJECT_GRACE_NS / 1e9);
    }
  else
    {
      if ((e->kind == SR_EVENT_QCOP && g_str_has_suffix (e->name, ".voip"))
          || (sr_check_is_delivery (e, &role) && role == STB_ROLE_VOIP))
        j->stray_mixed = TRUE;
      return;
    }
  g_clear_pointer (&j->stray, g_free);
}

static void
stray (Injection *j, const gchar *name, gint64 t_ns)
{
  g_free (j->stray);
  g_free (j->stray_state);
  j->stray = g_strdup (name);
  j->stray_state = g_strdup (j->state);
  j->stray_ns = t_ns;
  /* a switch message just before it may still be in the module's hands */
  j->stray_mixed = j->delivery_ns != 0 && !j->reacted && t_ns - j->delivery_ns < INJECT_GRACE_NS;
}

/* The injection @name the server delivered at @t_ns, in the state the module handled it in
 * (j->state once the keys delivered before it were answered). */
static void
classify (const SrCheckContext *ctx, Injection *j, const gchar *name, gint64 t_ns)
{
  /* the rows marked (inj): a call in any state (V-01, or 486 when busy), a hang-up while a
   * call or dialog exists, an answer or a refusal while dialling; none outside inject mode */
  gboolean applies
      = ctx->injection
        && (g_str_equal (name, "inject.call")
            || (g_str_equal (name, "inject.hangup")
                && (g_strcmp0 (j->state, "DIALOG") == 0 || g_strcmp0 (j->state, "AWAIT_SHOW") == 0
                    || g_strcmp0 (j->state, "IN_CALL") == 0))
            || ((g_str_equal (name, "inject.answer") || g_str_equal (name, "inject.reject"))
                && g_strcmp0 (j->state, "DIALLING") == 0));
  g_clear_pointer (&j->pending, g_free);
  if (applies)
    {
      j->pending = g_strdup (name);
      j->pending_ns = t_ns;
    }
  else
    stray (j, name, t_ns);
}

static void
injection_agent (const SrCheckContext *ctx, Injection *j, const SrEvent *e)
{
  j->agent = TRUE;
  j->reacted = TRUE;
  judge_inject_mode (ctx, e);
  if (g_str_equal (e->name, "voip.state"))
    {
      g_free (j->state);
      j->state = sr_event_detail (e, "to");
    }
  else if (g_str_equal (e->name, "voip.ready"))
    {
      g_free (j->state);
      j->state = g_strdup ("IDLE");
      j->keys_unanswered = 0;
    }
  else if (g_str_equal (e->name, "voip.key") && j->keys_unanswered > 0)
    {
      j->keys_unanswered--;
      if (j->deferred != NULL && --j->deferred_keys == 0)
        {
          g_autofree gchar *name = g_steal_pointer (&j->deferred);
          classify (ctx, j, name, j->deferred_ns);
        }
    }
  if (j->pending != NULL && injection_effect (j, e))
    {
      sr_check_evaluated (ctx, INJECT, "SW-AGT-07");
      g_clear_pointer (&j->pending, g_free);
    }
}

static void
injection_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Injection *j = state;
  StbRole role;
  judge_injection (ctx, j, e->t_ns);
  judge_stray (ctx, j, e);
  if (e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "voip") == 0)
    injection_agent (ctx, j, e);
  else if (e->kind == SR_EVENT_QCOP
           && (g_str_equal (e->name, "key.voip") || g_str_equal (e->name, "dial.voip")))
    j->keys_unanswered++;
  else if (sr_check_is_delivery (e, &role) && role == STB_ROLE_VOIP)
    {
      j->delivery_ns = e->t_ns;
      j->reacted = FALSE;
    }
  else if (e->kind == SR_EVENT_QCOP && g_str_has_prefix (e->name, "inject."))
    {
      /* keys delivered before it and not answered yet: the module handles the injection in
       * the state they lead to, not in the one last reported */
      g_clear_pointer (&j->deferred, g_free);
      if (j->keys_unanswered == 0)
        classify (ctx, j, e->name, e->t_ns);
      else
        {
          j->deferred = g_strdup (e->name);
          j->deferred_ns = e->t_ns;
          j->deferred_keys = j->keys_unanswered;
        }
    }
}

static void
injection_finish (const SrCheckContext *ctx, gpointer state)
{
  Injection *j = state;
  judge_injection (ctx, j, ctx->stop_ns);
  if (j->stray != NULL && ctx->stop_ns - j->stray_ns > INJECT_GRACE_NS)
    judge_stray (ctx, j, NULL);
}

const SrCheckType sr_check_injection = {
  INJECT,
  (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_QCOP),
  REQ ("SW-AGT-07", "SW-VOIP-13"),
  "every injection the server delivered in a state whose row takes it has that row's effect "
  "(an incoming call, the call or dialog ending, the outgoing call answered or failed); any "
  "other (and every one outside inject mode) is reported voip.ignored and does nothing; in "
  "inject mode no SIP, and a callee's voip.call reports the code its row would have sent",
  injection_start,
  injection_event,
  injection_finish,
  injection_free,
};
