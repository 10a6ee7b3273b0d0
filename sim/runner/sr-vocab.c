/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-vocab"

/* The event vocabulary of scenarios and its parse-time check (sr-vocab.h). */

#include "sr-vocab.h"

#include <string.h>

/* ---- the table ----------------------------------------------------------------------------- */

/* Closed value sets, written once. */
#define PARAMS                                                                                     \
  "BACK_TO_NAV|STOP_IPTV|REJECT_CONTINUE_IPTV|RESUME_IPTV|CALLER_SHOW_VIDEO_PAGE|"                 \
  "CALLEE_SHOW_VIDEO_PAGE"
#define TYPES "iptv_to_voip|voip_to_iptv"
#define IGNORED_REASONS                                                                            \
  "unknown-message|short-data|unknown-type|not-addressed|unknown-param|unexpected-state|"          \
  "duplicate|not-inject-mode|bad-key"
#define CALL_STATES "incoming|dialling|ringing|answered|established|ended|failed"
#define CALL_REASONS                                                                               \
  "local-hangup|remote-hangup|rejected|cancelled|timeout|switch-timeout|no-answer|busy|"           \
  "unregistered|failure"
/* sim/stb/screen/stb-screen-paint.h StbPageKind */
#define SCREEN_PAGES "nav|picture|dialog|dialing|call"
#define STOP_REASONS "menu|zap|stop-iptv|eos|error|videocall"

/* Keys stbsim's modules add beyond the SPEC tables (SW-EVT-02: the vocabulary may grow):
 * `row` (the transition row), `state` on keys, `listen`/`send`/`reconnect` on ready. */
#define READY_KEYS                                                                                 \
  "pid;version;layout=bidirectional|unidirectional;dialect;inject=0|1;listen;send;reconnect"
#define KEY_KEYS "key;handled=yes|no;state;item"
/* SPEC 6.1 / 7.1 states; `reason` is the transition row id (SPEC 6.2 / 7.2: I-NN, V-NN) */
#define IPTV_STATES "NAV|PLAYING_LIVE|PLAYING_VOD|HIDDEN_CALLER|HIDDEN_CALLEE"
#define VOIP_STATES "IDLE|DIALOG|AWAIT_SHOW|MAIN_PAGE|DIALLING|IN_CALL"
#define IPTV_STATE_KEYS "from=" IPTV_STATES ";to=" IPTV_STATES ";reason=I-*"
#define VOIP_STATE_KEYS "from=" VOIP_STATES ";to=" VOIP_STATES ";reason=V-*"
#define IGNORED_KEYS "reason=" IGNORED_REASONS ";channel;message;type;param;len;count;error"
#define ERROR_KEYS "what;detail;kind;channel;asset;position;call-id;source;param;row;error"
#define SWITCH_TX_KEYS "channel;type=" TYPES ";param=" PARAMS ";seq;row"
#define SWITCH_RX_KEYS SWITCH_TX_KEYS ";effect=transition|reply|none"
#define SERVER_KEYS "dir=send|deliver;from=iptv|voip|harness;to=iptv|voip;type;param"
#define IMS_KEYS "sip;method;cseq;reason;stb=from|to|none;status;from;to;callid;peer"

const SrVocabEvent sr_vocab_events[] = {
  /* SPEC 12.3: common agent events (<m> = iptv or voip) */
  { "iptv.ready", SR_VOCAB_AGENT, READY_KEYS, "SPEC 12.3", "ready after SW-CHAN-10" },
  { "voip.ready", SR_VOCAB_AGENT, READY_KEYS, "SPEC 12.3", "ready after SW-CHAN-10" },
  { "iptv.key", SR_VOCAB_AGENT, KEY_KEYS, "SPEC 12.3", "a key or select() arrived" },
  { "voip.key", SR_VOCAB_AGENT, KEY_KEYS, "SPEC 12.3", "a key or dial() arrived" },
  { "iptv.state", SR_VOCAB_AGENT, IPTV_STATE_KEYS, "SPEC 12.3", "state change" },
  { "voip.state", SR_VOCAB_AGENT, VOIP_STATE_KEYS, "SPEC 12.3", "state change" },
  { "iptv.illegal", SR_VOCAB_AGENT, IPTV_STATE_KEYS, "stbsim extension (stb-fsm.c)",
    "illegal transition refused" },
  { "voip.illegal", SR_VOCAB_AGENT, VOIP_STATE_KEYS, "stbsim extension (stb-fsm.c)",
    "illegal transition refused" },
  { "iptv.ignored", SR_VOCAB_AGENT, IGNORED_KEYS, "SPEC 12.3", "message ignored (SW-RX-02)" },
  { "voip.ignored", SR_VOCAB_AGENT, IGNORED_KEYS, "SPEC 12.3",
    "message ignored (SW-RX-02, SW-AGT-07)" },
  { "iptv.status", SR_VOCAB_AGENT, "state=" IPTV_STATES ";page;ignored;playing;resume", "SPEC 12.3",
    "answer to status()" },
  { "voip.status", SR_VOCAB_AGENT,
    "state=" VOIP_STATES ";page;ignored;registered=0|1;call;role;inject=0|1", "SPEC 12.3",
    "answer to status()" },
  { "switch.tx", SR_VOCAB_AGENT, SWITCH_TX_KEYS, "SPEC 12.3", "switch message handed to server" },
  { "switch.rx", SR_VOCAB_AGENT, SWITCH_RX_KEYS, "SPEC 12.3", "switch message handled" },
  /* SPEC 12.4: IPTV */
  { "iptv.page", SR_VOCAB_AGENT, "page=nav|player|hidden;row", "SPEC 12.4", "page changed" },
  { "iptv.focus", SR_VOCAB_AGENT, "item;index;title", "SPEC 12.4", "cursor moved" },
  { "iptv.play", SR_VOCAB_AGENT, "kind=live|vod;channel;asset;position;uri;multicast=0|1;row",
    "SPEC 12.4", "playback requested" },
  { "iptv.stop", SR_VOCAB_AGENT, "reason=" STOP_REASONS ";kind=live|vod;channel;asset;position;row",
    "SPEC 12.4", "playback stopped, decoder released" },
  { "iptv.first-frame", SR_VOCAB_AGENT, "kind=live|vod;channel;asset;position", "SPEC 12.4",
    "first decoded frame reached the sink" },
  { "iptv.error", SR_VOCAB_AGENT, ERROR_KEYS, "SPEC 12.4", "playback error" },
  { "iptv.screen", SR_VOCAB_AGENT, "page=" SCREEN_PAGES ";picture=0|1;clock", "SPEC 12.6",
    "page painted on the virtual screen (stbsim's modules, when there is one)" },
  /* SPEC 12.5: VoIP */
  { "voip.registered", SR_VOCAB_AGENT, "aor;expires;refresh=0|1", "SPEC 12.5",
    "SIP registration succeeded" },
  { "voip.registration-failed", SR_VOCAB_AGENT, "code;aor", "SPEC 12.5",
    "SIP registration failed" },
  { "voip.dialog", SR_VOCAB_AGENT, "state=shown|closed;peer;reason=accept|reject|cancel|timeout",
    "SPEC 12.5", "incoming-call dialog shown or closed" },
  { "voip.page", SR_VOCAB_AGENT, "page=main|hidden;row", "SPEC 12.5", "main page shown/hidden" },
  { "voip.number", SR_VOCAB_AGENT, "number", "SPEC 12.5", "dialler number changed" },
  { "voip.call", SR_VOCAB_AGENT,
    "state=" CALL_STATES ";call-id;peer;role=caller|callee;code;reason=" CALL_REASONS, "SPEC 12.5",
    "call progress" },
  { "voip.media", SR_VOCAB_AGENT, "state=started|released;audio;video", "SPEC 12.5",
    "call media started or released" },
  { "voip.first-frame", SR_VOCAB_AGENT, "media=video|audio;call-id", "SPEC 12.5",
    "first decoded call frame reached the sink" },
  { "voip.error", SR_VOCAB_AGENT, ERROR_KEYS, "stbsim extension (stb-voip-app.c)",
    "SIP, media or channel error" },
  { "voip.screen", SR_VOCAB_AGENT, "page=" SCREEN_PAGES ";picture=0|1;clock", "SPEC 12.6",
    "page painted on the virtual screen (stbsim's modules, when there is one)" },
  { "sip.tx", SR_VOCAB_AGENT, "what;call-id;cseq", "SPEC 12.5", "SIP message sent by the module" },
  { "sip.rx", SR_VOCAB_AGENT, "what;call-id;cseq", "SPEC 12.5", "SIP message received" },
  /* SPEC 3.1: switch parameters as the server saw them sent (and delivered) */
  { "BACK_TO_NAV", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1", "VoIP -> IPTV" },
  { "STOP_IPTV", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1", "VoIP -> IPTV" },
  { "REJECT_CONTINUE_IPTV", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1", "VoIP -> IPTV" },
  { "RESUME_IPTV", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1", "VoIP -> IPTV" },
  { "CALLER_SHOW_VIDEO_PAGE", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1", "IPTV -> VoIP" },
  { "CALLEE_SHOW_VIDEO_PAGE", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1", "IPTV -> VoIP" },
  { "switchService(T,P)", SR_VOCAB_SERVER, SERVER_KEYS, "SPEC 3.1, 4",
    "a switch message the dialect could not decode (raw type T, parameter P)" },
  /* SPEC 11: the runner's agent messages as the server read them (key and injection times) */
  { "key.iptv", SR_VOCAB_RUNNER, "key", "SPEC 11, 12.1", "key(QString) to the IPTV agent" },
  { "key.voip", SR_VOCAB_RUNNER, "key", "SPEC 11, 12.1", "key(QString) to the VoIP agent" },
  { "inject.call", SR_VOCAB_RUNNER, "", "SPEC 11, 12.1", "injectCall(QString) at the server" },
  { "inject.hangup", SR_VOCAB_RUNNER, "", "SPEC 11, 12.1", "injectHangup() at the server" },
  { "inject.answer", SR_VOCAB_RUNNER, "", "SPEC 11, 12.1", "injectAnswer() at the server" },
  { "inject.reject", SR_VOCAB_RUNNER, "", "SPEC 11, 12.1", "injectReject(int) at the server" },
  /* the runner's own notes (sr-run.c sr_run_note, sr-handlers.c, sr-netns.c) */
  { "press.iptv", SR_VOCAB_RUNNER, "key", "SPEC 12.1 (sr-run.c)", "press-key stimulus" },
  { "press.voip", SR_VOCAB_RUNNER, "key", "SPEC 12.1 (sr-run.c)", "press-key stimulus" },
  { "press.stb2-iptv", SR_VOCAB_RUNNER, "key", "SPEC 12.1 (sr-run.c)", "key to the 2nd STB" },
  { "press.stb2-voip", SR_VOCAB_RUNNER, "key", "SPEC 12.1 (sr-run.c)", "key to the 2nd STB" },
  { "send.dial", SR_VOCAB_RUNNER, "number", "SPEC 12.1 (sr-handlers.c)", "dial(QString)" },
  { "send.inject.call", SR_VOCAB_RUNNER, "peer", "SPEC 12.1 (sr-handlers.c)", "inject stimulus" },
  { "send.inject.hangup", SR_VOCAB_RUNNER, "", "SPEC 12.1 (sr-handlers.c)", "inject stimulus" },
  { "send.inject.answer", SR_VOCAB_RUNNER, "", "SPEC 12.1 (sr-handlers.c)", "inject stimulus" },
  { "send.inject.reject", SR_VOCAB_RUNNER, "code", "SPEC 12.1 (sr-handlers.c)", "inject stimulus" },
  { "send-switch", SR_VOCAB_RUNNER, "from;to;type;param;channel;message;data;count;seed",
    "runner (sr-handlers.c)", "send-switch/send-raw/send-random stimulus" },
  { "start", SR_VOCAB_RUNNER, "", "runner (sr-run.c)", "component started (details: command)" },
  { "stop", SR_VOCAB_RUNNER, "", "runner (sr-run.c)", "component stopped" },
  { "kill", SR_VOCAB_RUNNER, "signal", "runner (sr-run.c)", "signal sent to a component" },
  { "exit", SR_VOCAB_RUNNER, "", "runner (sr-run.c)", "component exited (details: how)" },
  { "checkpoint", SR_VOCAB_RUNNER, "", "runner (sr-handlers.c)", "checkpoint (details: name)" },
  { "test", SR_VOCAB_RUNNER, "", "runner (sr-run.c)", "test started (details: test id)" },
  { "profile", SR_VOCAB_RUNNER, "", "runner (sr-handlers.c)", "timing profile selected" },
  { "impair", SR_VOCAB_RUNNER, "side;ns;link;loss;rule;cleared=yes|nothing;dropped",
    "runner (sr-netns.c)", "network impairment set or cleared" },
  /* SPEC 13: SIP observed at the IMS core (sr-sipobs.h) */
  { "ims.rx", SR_VOCAB_IMS, IMS_KEYS, "SPEC 13 (sr-sipobs.h)", "the IMS core received it" },
  { "ims.tx", SR_VOCAB_IMS, IMS_KEYS, "SPEC 13 (sr-sipobs.h)", "the IMS core sent it" },
  /* the far end */
  { "sipp.exit", SR_VOCAB_FAREND, "status;instance", "SPEC 13 (sr-run.c)",
    "a sipp far end finished (status 0 = its script passed)" },
  { "stb2.<agent event>", SR_VOCAB_FAREND, "(those of the agent event)", "SPEC 12.3-12.5",
    "the second STB's agent events, e.g. stb2.voip.call" },
  { NULL, 0, NULL, NULL, NULL },
};

#define STB2_PREFIX "stb2."
/* timeline lanes (sr-timeline.h) */
#define LANES "harness|iptv|voip|server|ims|farend|headend"

G_DEFINE_QUARK (sr - vocab - error - quark, sr_vocab_error)

const gchar *
sr_vocab_source_to_string (SrVocabSource source)
{
  static const gchar *const names[] = { "agent", "server", "runner", "ims", "farend" };
  g_return_val_if_fail (source <= SR_VOCAB_FAREND, "agent");
  return names[source];
}

static const SrVocabEvent *
lookup_exact (const gchar *name)
{
  for (const SrVocabEvent *e = sr_vocab_events; e->name; e++)
    if (g_str_equal (e->name, name))
      return e;
  return NULL;
}

/* "switchService(" int "," int ")": an undecoded switch message (sr-judge.c). */
static gboolean
is_undecoded_switch (const gchar *name)
{
  if (!g_str_has_prefix (name, "switchService("))
    return FALSE;
  const gchar *p = name + strlen ("switchService(");
  for (guint part = 0; part < 2; part++)
    {
      if (*p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
      if (*p++ != (part == 0 ? ',' : ')'))
        return FALSE;
    }
  return *p == '\0';
}

const SrVocabEvent *
sr_vocab_lookup (const gchar *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  if (is_undecoded_switch (name))
    return lookup_exact ("switchService(T,P)");
  if (g_str_has_prefix (name, STB2_PREFIX))
    {
      const SrVocabEvent *e = lookup_exact (name + strlen (STB2_PREFIX));
      return e && e->source == SR_VOCAB_AGENT ? e : NULL;
    }
  const SrVocabEvent *e = lookup_exact (name);
  /* the pattern rows are documentation, not names */
  return e && strchr (e->name, '<') == NULL && strchr (e->name, '(') == NULL ? e : NULL;
}

gchar *
sr_vocab_describe_all (void)
{
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%-26s %-7s %-33s %s\n", "event", "source", "spec", "detail keys");
  for (const SrVocabEvent *e = sr_vocab_events; e->name; e++)
    g_string_append_printf (out, "%-26s %-7s %-33s %s\n", e->name,
                            sr_vocab_source_to_string (e->source), e->spec,
                            *e->keys ? e->keys : "(none)");
  g_string_append (out, "\nk=a|b: the value set is closed (* = any text). Selectors: name, or "
                        "\"name|k=v;k2=v2\"; match=\"k=v;k2=v2\".\n");
  return g_string_free (out, FALSE);
}

/* ---- suggestions --------------------------------------------------------------------------- */

#define MAX_DISTANCE_LEN 64

guint
sr_vocab_distance (const gchar *a, const gchar *b)
{
  gsize la = MIN (strlen (a), MAX_DISTANCE_LEN), lb = MIN (strlen (b), MAX_DISTANCE_LEN);
  guint prev[MAX_DISTANCE_LEN + 1], cur[MAX_DISTANCE_LEN + 1];
  for (gsize j = 0; j <= lb; j++)
    prev[j] = (guint)j;
  for (gsize i = 1; i <= la; i++)
    {
      cur[0] = (guint)i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
          cur[j] = MIN (sub, MIN (prev[j] + 1, cur[j - 1] + 1));
        }
      memcpy (prev, cur, sizeof (guint) * (lb + 1));
    }
  return prev[lb];
}

/* Collects candidates and keeps the nearest one within a sensible distance. */
typedef struct
{
  const gchar *wanted;
  gchar *best;
  guint best_d;
} Nearest;

static void
nearest_offer (Nearest *n, const gchar *candidate)
{
  guint d = sr_vocab_distance (n->wanted, candidate);
  guint limit = MAX (2, (guint)strlen (n->wanted) / 3);
  if (d <= limit && (n->best == NULL || d < n->best_d))
    {
      g_free (n->best);
      n->best = g_strdup (candidate);
      n->best_d = d;
    }
}

/* " (did you mean X?)" or "" (transfer full); frees @n's state. */
static gchar *
nearest_hint (Nearest *n)
{
  gchar *hint = n->best ? g_strdup_printf (" (did you mean %s?)", n->best) : g_strdup ("");
  g_clear_pointer (&n->best, g_free);
  return hint;
}

static gchar *
hint_from_list (const gchar *wanted, const gchar *const *list)
{
  Nearest n = { wanted, NULL, 0 };
  for (guint i = 0; list[i]; i++)
    nearest_offer (&n, list[i]);
  return nearest_hint (&n);
}

static gchar *
hint_event (const gchar *wanted)
{
  Nearest n = { wanted, NULL, 0 };
  for (const SrVocabEvent *e = sr_vocab_events; e->name; e++)
    {
      if (strchr (e->name, '<') != NULL || strchr (e->name, '(') != NULL)
        continue;
      nearest_offer (&n, e->name);
      if (e->source == SR_VOCAB_AGENT && g_str_has_prefix (wanted, STB2_PREFIX))
        {
          g_autofree gchar *full = g_strconcat (STB2_PREFIX, e->name, NULL);
          nearest_offer (&n, full);
        }
    }
  return nearest_hint (&n);
}

/* ---- checking ------------------------------------------------------------------------------ */

typedef struct
{
  const GPtrArray *actions;
  guint index;            /* of the action being checked */
  const SrAction *action; /* being checked */
  const SrParam *param;   /* being checked */
  GHashTable *defined;    /* checkpoint names defined so far (borrowed strings) */
} Ctx;

G_GNUC_PRINTF (4, 5)
static gboolean
fail (Ctx *c, SrVocabError code, GError **error, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, SR_VOCAB_ERROR, code, "%s:%u:%u: %s %s=%s: %s",
               c->action->file ? c->action->file : "<string>", c->param->line, c->param->column,
               c->action->name, c->param->key, c->param->text, msg);
  return FALSE;
}

/* An unexpanded placeholder (`<layout>`, from sr_builtin_placeholders): not checkable. */
static gboolean
is_placeholder (const gchar *value)
{
  gsize n = strlen (value);
  return n >= 2 && value[0] == '<' && value[n - 1] == '>';
}

/* Is @value one of the "|"-separated @set (an item with `*` is a glob: "I-*")? */
static gboolean
in_set (const gchar *set, const gchar *value)
{
  g_auto (GStrv) items = g_strsplit (set, "|", -1);
  for (guint i = 0; items[i]; i++)
    if (strchr (items[i], '*') ? g_pattern_match_simple (items[i], value)
                               : g_str_equal (items[i], value))
      return TRUE;
  return FALSE;
}

static gboolean
check_closed (Ctx *c, const gchar *what, const gchar *set, const gchar *value, GError **error)
{
  if (is_placeholder (value) || in_set (set, value))
    return TRUE;
  g_auto (GStrv) items = g_strsplit (set, "|", -1);
  g_autofree gchar *hint = hint_from_list (value, (const gchar *const *)items);
  return fail (c, SR_VOCAB_ERROR_BAD_VALUE, error, "%s '%s' is not one of %s%s", what, value, set,
               hint);
}

/* The closed set of detail @key of @ev ("" = open), or NULL if @ev has no such key. */
static gchar *
event_key (const SrVocabEvent *ev, const gchar *key)
{
  g_auto (GStrv) keys = g_strsplit (ev->keys, ";", -1);
  for (guint i = 0; keys[i]; i++)
    {
      const gchar *eq = strchr (keys[i], '=');
      gsize n = eq ? (gsize)(eq - keys[i]) : strlen (keys[i]);
      if (n == strlen (key) && strncmp (keys[i], key, n) == 0)
        return g_strdup (eq ? eq + 1 : "");
    }
  return NULL;
}

static gboolean
check_match (Ctx *c, const SrVocabEvent *ev, const gchar *event, const gchar *match, GError **error)
{
  /* as sr_event_matches: "k=v" items separated by ';' or ',' */
  g_auto (GStrv) parts = g_strsplit_set (match, ";,", -1);
  for (guint i = 0; parts[i]; i++)
    {
      gchar *kv = g_strstrip (parts[i]);
      if (*kv == '\0')
        continue;
      gchar *eq = strchr (kv, '=');
      if (eq == NULL)
        return fail (c, SR_VOCAB_ERROR_UNKNOWN_KEY, error,
                     "'%s' is not key=value (details match \"k=v;k2=v2\")", kv);
      *eq = '\0';
      const gchar *key = g_strstrip (kv), *value = g_strstrip (eq + 1);
      g_autofree gchar *set = event_key (ev, key);
      if (set == NULL)
        {
          g_auto (GStrv) keys = g_strsplit (ev->keys, ";", -1);
          for (guint k = 0; keys[k]; k++)
            {
              gchar *cut = strchr (keys[k], '=');
              if (cut != NULL)
                *cut = '\0';
            }
          g_autofree gchar *hint = hint_from_list (key, (const gchar *const *)keys);
          g_autofree gchar *list = g_strjoinv (", ", keys);
          return fail (c, SR_VOCAB_ERROR_UNKNOWN_KEY, error,
                       "event %s has no detail key '%s'%s; its keys: %s (%s)", event, key, hint,
                       *list ? list : "none", ev->spec);
        }
      g_autofree gchar *what = g_strdup_printf ("%s %s", event, key);
      if (*set && !check_closed (c, what, set, value, error))
        return FALSE;
    }
  return TRUE;
}

/* The lanes (timeline sources) event @name of @ev can come from. */
static const gchar *
lanes_of (const SrVocabEvent *ev, const gchar *name)
{
  switch (ev->source)
    {
      case SR_VOCAB_AGENT:
        if (g_str_has_prefix (name, STB2_PREFIX))
          return "farend";
        if (g_str_has_prefix (name, "iptv."))
          return "iptv";
        if (g_str_has_prefix (name, "voip.") || g_str_has_prefix (name, "sip."))
          return "voip";
        return "iptv|voip"; /* switch.tx / switch.rx */
      case SR_VOCAB_SERVER:
        return "iptv|voip|harness|server"; /* sent by a module (or the runner), delivered */
      case SR_VOCAB_RUNNER:
        return "harness";
      case SR_VOCAB_IMS:
        return "ims|voip|farend";
      case SR_VOCAB_FAREND:
      default:
        return "farend";
    }
}

/* An event selector "name" or "name|k=v;k2=v2", with the action's match= and source=
 * (nullable): an event from a lane that never produces it could never match. */
static gboolean
check_selector (Ctx *c, const gchar *selector, const SrParam *match, const gchar *source,
                GError **error)
{
  g_auto (GStrv) parts = g_strsplit (selector, "|", 2);
  const gchar *name = parts[0] ? g_strstrip (parts[0]) : "";
  if (is_placeholder (name))
    return TRUE;
  const SrVocabEvent *ev = sr_vocab_lookup (name);
  if (ev == NULL)
    {
      g_autofree gchar *hint = hint_event (name);
      return fail (c, SR_VOCAB_ERROR_UNKNOWN_EVENT, error,
                   "unknown event '%s'%s; `stbsim list-events` lists them", name, hint);
    }
  if (parts[0] && parts[1] && !check_match (c, ev, name, parts[1], error))
    return FALSE;
  if (match != NULL)
    {
      /* errors in match= point at match= */
      const SrParam *selector_param = c->param;
      c->param = match;
      gboolean ok = check_match (c, ev, name, match->text, error);
      c->param = selector_param;
      if (!ok)
        return FALSE;
    }
  /* an unknown lane is reported by the source= check itself */
  if (source == NULL || !in_set (LANES, source) || in_set (lanes_of (ev, name), source))
    return TRUE;
  return fail (c, SR_VOCAB_ERROR_BAD_VALUE, error, "%s never comes from source=%s (only %s)", name,
               source, lanes_of (ev, name));
}

static const SrParam *
find_param (const SrAction *a, const gchar *key)
{
  for (guint i = 0; i < a->params->len; i++)
    {
      const SrParam *p = g_ptr_array_index (a->params, i);
      if (g_str_equal (p->key, key))
        return p;
    }
  return NULL;
}

static const gchar *
param_text (const SrAction *a, const gchar *key)
{
  const SrParam *p = find_param (a, key);
  return p ? p->text : NULL;
}

static gboolean
check_since (Ctx *c, const gchar *name, GError **error)
{
  if (g_str_equal (name, "start") || g_hash_table_contains (c->defined, name))
    return TRUE;
  for (guint i = c->index + 1; i < c->actions->len; i++)
    {
      const SrAction *a = g_ptr_array_index ((GPtrArray *)c->actions, i);
      if (g_str_equal (a->name, "checkpoint") && g_strcmp0 (param_text (a, "name"), name) == 0)
        return fail (c, SR_VOCAB_ERROR_CHECKPOINT, error,
                     "checkpoint '%s' is defined only later (%s:%u); define it before use", name,
                     a->file, a->line);
    }
  Nearest n = { name, NULL, 0 };
  nearest_offer (&n, "start");
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, c->defined);
  while (g_hash_table_iter_next (&it, &key, NULL))
    nearest_offer (&n, key);
  g_autofree gchar *hint = nearest_hint (&n);
  return fail (c, SR_VOCAB_ERROR_CHECKPOINT, error,
               "no checkpoint '%s' before this line%s (define it with `checkpoint, name=%s`; "
               "built in: start)",
               name, hint, name);
}

static gboolean
check_component (Ctx *c, const gchar *name, GError **error)
{
  static const gchar *const names[]
      = { "server", "iptv",        "voip",      "headend",   "ims", "sipp",
          "stb2",   "stb2-server", "stb2-iptv", "stb2-voip", NULL };
  if (is_placeholder (name) || g_strv_contains (names, name))
    return TRUE;
  /* further sipp instances: sipp:NAME */
  if (g_str_has_prefix (name, "sipp:") && name[5] != '\0' && strchr (name + 5, ':') == NULL)
    return TRUE;
  g_autofree gchar *hint = hint_from_list (name, names);
  return fail (c, SR_VOCAB_ERROR_UNKNOWN_NAME, error,
               "unknown component '%s'%s (server, iptv, voip, headend, ims, sipp[:NAME], stb2, "
               "stb2-server, stb2-iptv, stb2-voip)",
               name, hint);
}

/* SPEC SW-AGT-02. */
static const gchar *const key_names[]
    = { "menu", "up", "down", "left", "right", "ok", "back", "videocall", "0",     "1", "2",
        "3",    "4",  "5",    "6",    "7",     "8",  "9",    "red",       "green", NULL };

static gboolean
check_key (Ctx *c, const gchar *key, GError **error)
{
  if (is_placeholder (key) || g_strv_contains (key_names, key))
    return TRUE;
  const SrParam *allow = find_param (c->action, "allow-unknown");
  if (allow != NULL && allow->type == SR_VALUE_BOOL && allow->b)
    return TRUE;
  g_autofree gchar *hint = hint_from_list (key, key_names);
  return fail (c, SR_VOCAB_ERROR_UNKNOWN_NAME, error,
               "unknown key '%s'%s; SW-AGT-02 keys: menu up down left right ok back videocall "
               "0-9 red green (a robustness test sends others with allow-unknown=true)",
               key, hint);
}

static gboolean
check_switch_param (Ctx *c, const gchar *value, gboolean numbers, GError **error)
{
  gchar *end = NULL;
  g_ascii_strtoll (value, &end, 10);
  if (numbers && end != value && *end == '\0')
    return TRUE;
  if (is_placeholder (value) || in_set (PARAMS, value))
    return TRUE;
  g_auto (GStrv) items = g_strsplit (PARAMS, "|", -1);
  g_autofree gchar *hint = hint_from_list (value, (const gchar *const *)items);
  return fail (c, SR_VOCAB_ERROR_BAD_VALUE, error,
               "'%s' is not a switch parameter%s%s (SPEC 3.1: %s)", value,
               numbers ? " name or integer" : "", hint, PARAMS);
}

/* A QCOP message name in DCOP form: name(type,type) (SPEC 12.1, Qt's QCopChannel). */
static gboolean
check_message (Ctx *c, const gchar *value, GError **error)
{
  const gchar *p = value;
  gboolean ok = g_ascii_isalpha (*p) || *p == '_';
  while (ok && (g_ascii_isalnum (*p) || *p == '_'))
    p++;
  ok = ok && *p == '(' && g_str_has_suffix (p, ")");
  for (const gchar *q = p + 1; ok && *q && q[1] != '\0'; q++)
    ok = g_ascii_isalnum (*q) || strchr ("_,:<> *&", *q) != NULL;
  if (ok || is_placeholder (value))
    return TRUE;
  return fail (c, SR_VOCAB_ERROR_BAD_VALUE, error,
               "not a QCOP message name: use the DCOP form name(type,...), e.g. "
               "switchService(int,int)");
}

static gboolean
check_hex (Ctx *c, const gchar *value, GError **error)
{
  gsize n = strlen (value);
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isxdigit (value[i]))
      return fail (c, SR_VOCAB_ERROR_BAD_VALUE, error,
                   "data must be hex digits (no spaces), '%c' at offset %" G_GSIZE_FORMAT, value[i],
                   i);
  if (n % 2 != 0)
    return fail (c, SR_VOCAB_ERROR_BAD_VALUE, error,
                 "data must be whole bytes: %" G_GSIZE_FORMAT " hex digits", n);
  return TRUE;
}

static gboolean
check_signal (Ctx *c, const gchar *value, GError **error)
{
  const gchar *v = g_str_has_prefix (value, "SIG") ? value + 3 : value;
  g_autofree gchar *up = g_ascii_strup (v, -1);
  return check_closed (c, "signal", "KILL|TERM|INT|STOP|CONT|SEGV", up, error);
}

/* What a parameter of an action is checked as. */
typedef enum
{
  CHECK_SELECTOR,       /* an event selector */
  CHECK_SELECTOR_MATCH, /* an event selector with the action's match= */
  CHECK_SINCE,
  CHECK_COMPONENT,
  CHECK_CLOSED, /* values: "a|b" */
  CHECK_KEY,
  CHECK_PARAM_NAME,   /* switch parameter name */
  CHECK_PARAM_NUMBER, /* switch parameter name or integer */
  CHECK_MESSAGE,
  CHECK_HEX,
  CHECK_SIGNAL,
} CheckKind;

#define ROLES "iptv|voip"

static const struct
{
  const gchar *action; /* NULL: any action */
  const gchar *param;
  CheckKind kind;
  const gchar *values; /* CHECK_CLOSED */
} param_checks[] = {
  { "wait-event", "name", CHECK_SELECTOR_MATCH, NULL },
  { "expect-event", "name", CHECK_SELECTOR_MATCH, NULL },
  { "expect-no-event", "name", CHECK_SELECTOR_MATCH, NULL },
  { "expect-order", "first", CHECK_SELECTOR, NULL },
  { "expect-order", "then", CHECK_SELECTOR, NULL },
  { "measure", "from", CHECK_SELECTOR, NULL },
  { "measure", "to", CHECK_SELECTOR, NULL },
  { NULL, "since", CHECK_SINCE, NULL },
  { NULL, "source", CHECK_CLOSED, LANES },
  { "start", "component", CHECK_COMPONENT, NULL },
  { "restart", "component", CHECK_COMPONENT, NULL },
  { "kill", "component", CHECK_COMPONENT, NULL },
  { "kill", "signal", CHECK_SIGNAL, NULL },
  { "press-key", "target", CHECK_CLOSED, ROLES "|stb2-iptv|stb2-voip" },
  { "press-key", "key", CHECK_KEY, NULL },
  { "dial", "target", CHECK_CLOSED, ROLES "|stb2-voip" },
  { "dial", "confirm", CHECK_KEY, NULL },
  { "inject", "target", CHECK_CLOSED, ROLES },
  { "inject", "event", CHECK_CLOSED, "call|hangup|answer|reject" },
  { "send-switch", "from", CHECK_CLOSED, ROLES },
  { "send-switch", "param", CHECK_PARAM_NUMBER, NULL },
  { "send-raw", "to", CHECK_CLOSED, ROLES },
  { "send-raw", "message", CHECK_MESSAGE, NULL },
  { "send-raw", "data", CHECK_HEX, NULL },
  { "send-random", "to", CHECK_CLOSED, ROLES },
  { "expect-message", "param", CHECK_PARAM_NAME, NULL },
  { "expect-message", "from", CHECK_CLOSED, ROLES },
  { "impair", "link", CHECK_CLOSED, "sip|rtp|media|all" },
  { "impair", "side", CHECK_CLOSED, "stb|ims" },
  { "impair", "pattern", CHECK_CLOSED, "random|even" },
};

static gboolean
check_param (Ctx *c, guint check, GError **error)
{
  const gchar *v = c->param->text;
  switch (param_checks[check].kind)
    {
      case CHECK_SELECTOR:
        return check_selector (c, v, NULL, NULL, error);
      case CHECK_SELECTOR_MATCH:
        return check_selector (c, v, find_param (c->action, "match"),
                               param_text (c->action, "source"), error);
      case CHECK_SINCE:
        return check_since (c, v, error);
      case CHECK_COMPONENT:
        return check_component (c, v, error);
      case CHECK_CLOSED:
        return check_closed (c, c->param->key, param_checks[check].values, v, error);
      case CHECK_KEY:
        return check_key (c, v, error);
      case CHECK_PARAM_NAME:
      case CHECK_PARAM_NUMBER:
        return check_switch_param (c, v, param_checks[check].kind == CHECK_PARAM_NUMBER, error);
      case CHECK_MESSAGE:
        return check_message (c, v, error);
      case CHECK_HEX:
        return check_hex (c, v, error);
      case CHECK_SIGNAL:
        return check_signal (c, v, error);
      default:
        g_return_val_if_reached (FALSE);
    }
}

static gboolean
check_action (Ctx *c, GError **error)
{
  for (guint i = 0; i < c->action->params->len; i++)
    {
      c->param = g_ptr_array_index (c->action->params, i);
      for (guint k = 0; k < G_N_ELEMENTS (param_checks); k++)
        if ((param_checks[k].action == NULL
             || g_str_equal (param_checks[k].action, c->action->name))
            && g_str_equal (param_checks[k].param, c->param->key) && !check_param (c, k, error))
          return FALSE;
    }
  if (g_str_equal (c->action->name, "checkpoint"))
    {
      const gchar *name = param_text (c->action, "name");
      if (name != NULL)
        g_hash_table_add (c->defined, (gpointer)name);
    }
  return TRUE;
}

gboolean
sr_vocab_check_actions (const GPtrArray *actions, GError **error)
{
  g_return_val_if_fail (actions != NULL, FALSE);
  g_autoptr (GHashTable) defined = g_hash_table_new (g_str_hash, g_str_equal);
  Ctx c = { actions, 0, NULL, NULL, defined };
  for (c.index = 0; c.index < actions->len; c.index++)
    {
      c.action = g_ptr_array_index ((GPtrArray *)actions, c.index);
      if (!check_action (&c, error))
        return FALSE;
    }
  return TRUE;
}
