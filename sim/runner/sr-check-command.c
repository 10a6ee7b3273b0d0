/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-command"

/*
 * The agent's two commands judged by what followed them (SPEC §12.1): select(ITEM) to the
 * IPTV module acts as the cursor on ITEM and `ok`, in a shown state only (SW-AGT-04); dial(N)
 * to the VoIP module dials, in MAIN_PAGE only (SW-AGT-05). Each command, as the server
 * delivered it, is matched with the module's <role>.key answer (key=select / key=dial) and
 * with the effect of its row; the module's state is the one its <role>.state events last
 * reported when the command reached the server.
 */

#include <string.h>

#include "sr-check-types.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define MS G_GINT64_CONSTANT (1000000)
/* A command's answer and effect come within this of its delivery (the module's main loop
 * handles it at once; SW-AGT-08). */
#define COMMAND_GRACE_NS (2000 * MS)

typedef enum
{
  MUST_NOTHING, /* no rule applies (an item the module may not have): only handled=yes binds */
  MUST_ACT,     /* handled=yes and the row's effect */
  MUST_REFUSE,  /* handled=no and no effect */
} Must;

typedef struct _Command Command;

typedef struct
{
  const gchar *check;       /* "agent.select" */
  StbRole role;             /* the module the command goes to */
  const gchar *key;         /* "select": the key= of its <role>.key answer */
  const gchar *requirement; /* "SW-AGT-04" */
  const gchar *not_acted;   /* issue ids */
  const gchar *not_refused; /* */
  /* what the command must do in the state it reached the module in */
  Must (*must) (const Command *c);
  /* is @e the effect of the command's row? */
  gboolean (*is_effect) (const Command *c, const SrEvent *e);
  const gchar *effect_text; /* the effect, in words */
} CommandSpec;

struct _Command
{
  const CommandSpec *spec;
  gboolean agent;    /* the module reports events */
  gchar *state;      /* its last <role>.state to= (NULL: unknown) */
  GHashTable *known; /* items the module showed (iptv.focus, iptv.play) */
  /* the command awaiting judgement (arg NULL: none) */
  gchar *arg; /* ITEM or N */
  gchar *arg_state;
  gint64 at_ns;
  gint handled; /* -1: no answer yet, 0: handled=no, 1: handled=yes */
  gboolean effect;
  guint defer; /* keys delivered before it, not answered yet: its state is the one they lead to */
  guint unanswered;   /* keys and commands delivered to the module, <role>.key not seen yet */
  gboolean unreacted; /* a switch message was delivered to the module, no event of it since */
};

/* ---- select(ITEM), SW-AGT-04 -------------------------------------------------------------- */

static gboolean
item_syntax_ok (const gchar *item)
{
  guint64 n;
  if (g_str_equal (item, "videocall"))
    return TRUE;
  if (g_str_has_prefix (item, "live:"))
    return g_ascii_string_to_unsigned (item + 5, 10, 0, 9999, &n, NULL);
  return g_str_has_prefix (item, "vod:") && item[4] != '\0';
}

static Must
select_must (const Command *c)
{
  if (c->arg_state == NULL)
    return MUST_NOTHING;
  if (g_str_has_prefix (c->arg_state, "HIDDEN_") || !item_syntax_ok (c->arg))
    return MUST_REFUSE; /* a hidden state, or no navigation item at all */
  /* `videocall` is always on the navigation page (§6.1); other items only when the module
   * showed them (the harness does not know the DUT's lineup) */
  if (g_str_equal (c->arg, "videocall") || g_hash_table_contains (c->known, c->arg))
    return MUST_ACT;
  return MUST_NOTHING;
}

static gboolean
select_is_effect (const Command *c, const SrEvent *e)
{
  StbRole role;
  if (g_str_equal (c->arg, "videocall")) /* I-01 */
    return sr_check_is_module_send (e, &role) && role == STB_ROLE_IPTV
           && g_str_equal (e->name, "CALLER_SHOW_VIDEO_PAGE");
  if (e->kind != SR_EVENT_AGENT || !g_str_equal (e->name, "iptv.play"))
    return FALSE;
  g_autofree gchar *kind = sr_event_detail (e, "kind");
  g_autofree gchar *channel = sr_event_detail (e, "channel");
  g_autofree gchar *asset = sr_event_detail (e, "asset");
  if (g_str_has_prefix (c->arg, "live:")) /* I-03 */
    return g_strcmp0 (kind, "live") == 0 && g_strcmp0 (channel, c->arg + 5) == 0;
  return g_strcmp0 (kind, "vod") == 0 && g_strcmp0 (asset, c->arg + 4) == 0; /* I-04 */
}

/* Items the module showed are items of its navigation page. */
static void
select_learn (Command *c, const SrEvent *e)
{
  g_autofree gchar *item = NULL;
  if (g_str_equal (e->name, "iptv.focus"))
    item = sr_event_detail (e, "item");
  else if (g_str_equal (e->name, "iptv.play"))
    {
      g_autofree gchar *channel = sr_event_detail (e, "channel");
      g_autofree gchar *asset = sr_event_detail (e, "asset");
      if (channel != NULL)
        item = g_strdup_printf ("live:%s", channel);
      else if (asset != NULL)
        item = g_strdup_printf ("vod:%s", asset);
    }
  if (item != NULL)
    g_hash_table_add (c->known, g_steal_pointer (&item));
}

/* ---- dial(N), SW-AGT-05 -------------------------------------------------------------------- */

static Must
dial_must (const Command *c)
{
  if (c->arg_state == NULL)
    return MUST_NOTHING;
  if (!g_str_equal (c->arg_state, "MAIN_PAGE"))
    return MUST_REFUSE;
  /* V-32 needs a number (typing nothing and `ok` does nothing) */
  return *c->arg != '\0' ? MUST_ACT : MUST_NOTHING;
}

static gboolean
dial_is_effect (const Command *c, const SrEvent *e)
{
  /* V-32 (an outgoing call), or V-33 (refused: not registered) */
  return e->kind == SR_EVENT_AGENT && g_str_equal (e->name, "voip.call")
         && (sr_event_matches (e, "state=dialling")
             || sr_event_matches (e, "state=failed;reason=unregistered"));
}

static const CommandSpec select_spec = {
  "agent.select",
  STB_ROLE_IPTV,
  "select",
  "SW-AGT-04",
  "agent::select-not-acted",
  "agent::select-not-refused",
  select_must,
  select_is_effect,
  "the row of `ok` on the item (CALLER_SHOW_VIDEO_PAGE for videocall, iptv.play of the channel "
  "or asset)",
};

static const CommandSpec dial_spec = {
  "agent.dial",
  STB_ROLE_VOIP,
  "dial",
  "SW-AGT-05",
  "agent::dial-not-acted",
  "agent::dial-not-refused",
  dial_must,
  dial_is_effect,
  "an outgoing call (voip.call state=dialling, or state=failed reason=unregistered)",
};

/* ---- the common judgement ----------------------------------------------------------------- */

static const gchar *
handled_text (gint handled)
{
  return handled < 0 ? "no answer" : handled ? "handled=yes" : "handled=no";
}

/* Judge the pending command with what followed it; @complete: its grace is over (else only
 * what is already certain: an answer or an effect where none may be). */
static void
judge (const SrCheckContext *ctx, Command *c, gboolean complete)
{
  const CommandSpec *s = c->spec;
  const gchar *r = stb_role_to_string (s->role);
  if (c->arg == NULL || !c->agent)
    return;
  Must must = s->must (c);
  /* before the grace is over, a refusal (or the whole effect) is already certain */
  gboolean decided = complete || c->handled == 0 || (c->handled == 1 && c->effect);
  if (must == MUST_ACT && decided)
    {
      sr_check_evaluated (ctx, s->check, s->requirement);
      if (c->handled != 1 || !c->effect)
        sr_check_raise (ctx, s->check, s->not_acted, NULL, c->at_ns,
                        "%s(%s) reached the %s module in %s: %s%s, expected handled=yes and %s",
                        s->key, c->arg, r, c->arg_state, handled_text (c->handled),
                        c->effect ? " with its effect" : " and no effect", s->effect_text);
    }
  else if (must == MUST_REFUSE && (complete || c->handled == 1 || c->effect))
    {
      sr_check_evaluated (ctx, s->check, s->requirement);
      if (c->handled != 0 || c->effect)
        sr_check_raise (ctx, s->check, s->not_refused, NULL, c->at_ns,
                        "%s(%s) reached the %s module in %s, where it must be reported %s.key "
                        "key=%s handled=no and do nothing: %s%s",
                        s->key, c->arg, r, c->arg_state, r, s->key, handled_text (c->handled),
                        c->effect ? ", and it acted" : "");
    }
  else if (must == MUST_NOTHING && c->handled == 1 && decided)
    {
      sr_check_evaluated (ctx, s->check, s->requirement);
      if (!c->effect)
        sr_check_raise (ctx, s->check, s->not_acted, NULL, c->at_ns,
                        "%s(%s) reached the %s module in %s: handled=yes but no %s", s->key, c->arg,
                        r, c->arg_state ? c->arg_state : "an unknown state", s->effect_text);
    }
}

/* The pending command is judged (judge()) and forgotten. */
static void
close_command (const SrCheckContext *ctx, Command *c, gboolean complete)
{
  judge (ctx, c, complete);
  g_clear_pointer (&c->arg, g_free);
  g_clear_pointer (&c->arg_state, g_free);
}

static Command *
command_new (const CommandSpec *spec)
{
  Command *c = g_new0 (Command, 1);
  c->spec = spec;
  c->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return c;
}

static gpointer
select_start (const SrCheckContext *ctx)
{
  return command_new (&select_spec);
}

static gpointer
dial_start (const SrCheckContext *ctx)
{
  return command_new (&dial_spec);
}

static void
command_free (gpointer data)
{
  Command *c = data;
  g_hash_table_unref (c->known);
  g_free (c->state);
  g_free (c->arg);
  g_free (c->arg_state);
  g_free (c);
}

static void
command_agent (Command *c, const SrEvent *e, const gchar *r)
{
  g_autofree gchar *state_name = g_strdup_printf ("%s.state", r);
  g_autofree gchar *ready_name = g_strdup_printf ("%s.ready", r);
  g_autofree gchar *key_name = g_strdup_printf ("%s.key", r);
  c->agent = TRUE;
  c->unreacted = FALSE;
  if (g_str_equal (e->name, state_name))
    {
      g_free (c->state);
      c->state = sr_event_detail (e, "to");
    }
  else if (g_str_equal (e->name, ready_name)) /* a new process: its first state */
    {
      g_free (c->state);
      c->state = g_strdup (c->spec->role == STB_ROLE_IPTV ? "NAV" : "IDLE");
      g_hash_table_remove_all (c->known);
      c->unanswered = 0;
    }
  else if (g_str_equal (e->name, key_name) && c->arg != NULL && c->defer > 0)
    {
      c->unanswered = c->unanswered > 0 ? c->unanswered - 1 : 0;
      if (--c->defer == 0) /* the keys before the command are done: its state */
        c->arg_state = g_strdup (c->state);
    }
  else if (g_str_equal (e->name, key_name) && c->arg != NULL && c->handled < 0)
    {
      g_autofree gchar *key = sr_event_detail (e, "key");
      c->unanswered = c->unanswered > 0 ? c->unanswered - 1 : 0;
      g_autofree gchar *handled = sr_event_detail (e, "handled");
      if (g_strcmp0 (key, c->spec->key) == 0)
        c->handled = g_strcmp0 (handled, "yes") == 0 ? 1 : 0;
    }
  else if (g_str_equal (e->name, key_name) && c->unanswered > 0)
    c->unanswered--;
  if (c->spec->role == STB_ROLE_IPTV)
    select_learn (c, e);
}

static void
command_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Command *c = state;
  const gchar *r = stb_role_to_string (c->spec->role);
  StbRole role;
  if (c->arg != NULL && e->t_ns - c->at_ns > COMMAND_GRACE_NS)
    close_command (ctx, c, TRUE);
  if (c->arg != NULL && !c->effect && c->spec->is_effect (c, e))
    c->effect = TRUE;
  if (e->kind == SR_EVENT_AGENT && stb_role_from_string (e->source, &role) && role == c->spec->role)
    command_agent (c, e, r);
  g_autofree gchar *command = g_strdup_printf ("%s.%s", c->spec->key, r);
  g_autofree gchar *key = g_strdup_printf ("key.%s", r);
  if (sr_check_is_delivery (e, &role) && role == c->spec->role)
    c->unreacted = TRUE;
  if (e->kind == SR_EVENT_QCOP && g_str_equal (e->name, key))
    c->unanswered++;
  if (e->kind != SR_EVENT_QCOP || !g_str_equal (e->name, command))
    return;
  /* the next command within the grace: what the previous one still lacks may come behind
   * this one's delivery, so only what is already certain counts */
  if (c->arg != NULL)
    close_command (ctx, c, FALSE);
  c->arg = sr_event_detail (e, c->spec->role == STB_ROLE_IPTV ? "item" : "number");
  if (c->arg == NULL)
    c->arg = g_strdup ("");
  /* the state it meets: the one last reported, once the keys before it are answered; unknown
   * when a switch message reached the module and it has not reacted yet */
  c->defer = c->unanswered;
  c->arg_state = c->defer == 0 && !c->unreacted ? g_strdup (c->state) : NULL;
  c->unanswered++;
  c->at_ns = e->t_ns;
  c->handled = -1;
  c->effect = FALSE;
}

static void
command_finish (const SrCheckContext *ctx, gpointer state)
{
  Command *c = state;
  close_command (ctx, c, ctx->stop_ns - c->at_ns >= COMMAND_GRACE_NS);
}

#define COMMAND_KINDS ((1u << SR_EVENT_AGENT) | (1u << SR_EVENT_QCOP))

const SrCheckType sr_check_select = {
  "agent.select",
  COMMAND_KINDS,
  REQ ("SW-AGT-04"),
  "select(ITEM) in NAV, PLAYING_LIVE or PLAYING_VOD on an item of the navigation page is "
  "handled and has the effect of `ok` on it; in a hidden state, or with no such item, it is "
  "reported handled=no and does nothing",
  select_start,
  command_event,
  command_finish,
  command_free,
};

const SrCheckType sr_check_dial = {
  "agent.dial",
  COMMAND_KINDS,
  REQ ("SW-AGT-05"),
  "dial(N) in MAIN_PAGE is handled and dials N (V-32, or V-33 unregistered); in any other state "
  "it is reported handled=no and dials nothing",
  dial_start,
  command_event,
  command_finish,
  command_free,
};
