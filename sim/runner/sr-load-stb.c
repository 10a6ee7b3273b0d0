/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-load"

/*
 * One simulated STB of `stbsim load` (sr-load.h): its process stack, its QCOP client and the
 * flows its cycles run, each a table of steps (act, await one agent event, record a hop).
 */

#include "sr-load-private.h"

#include <string.h>

#include "stb-agent.h"
#include "stbsim-proc.h"

const gchar *const sr_load_flow_names[N_FLOWS + 1]
    = { "callee-accept", "caller", "reject", "tune" };

const SrLoadHop sr_load_hops[N_HOPS] = {
  { "callee.invite-to-dialog", FLOW_CALLEE_ACCEPT, FALSE },
  { "callee-accept.key-to-video-page", FLOW_CALLEE_ACCEPT, FALSE },
  { "callee-accept.key-to-answer", FLOW_CALLEE_ACCEPT, FALSE },
  { "callee-accept.answer-to-call-media", FLOW_CALLEE_ACCEPT, TRUE },
  { "resume.end-to-iptv", FLOW_CALLEE_ACCEPT, FALSE },
  { "resume.end-to-first-frame", FLOW_CALLEE_ACCEPT, TRUE },
  { "caller.key-to-video-page", FLOW_CALLER, FALSE },
  { "caller.key-to-dialing", FLOW_CALLER, FALSE },
  { "caller.dialing-to-answer", FLOW_CALLER, FALSE },
  { "caller.back-to-nav-page", FLOW_CALLER, FALSE },
  { "reject.invite-to-dialog", FLOW_REJECT, FALSE },
  { "reject.key-to-decline", FLOW_REJECT, FALSE },
  { "reject.key-to-iptv", FLOW_REJECT, FALSE },
  { "tune.select-to-first-frame", FLOW_TUNE, TRUE },
};

#define MAX_EVENTS 256 /* agent events kept per STB and flow (bound) */
/* What a flow step does before it waits. */
typedef enum
{
  ACT_END, /* the flow is over */
  ACT_NONE,
  ACT_CALL_IN,       /* a sipp caller calls this STB */
  ACT_KEY_OK,        /* key(ok) to the VoIP module */
  ACT_KEY_BACK,      /* key(back) to the VoIP module */
  ACT_SELECT_CALL,   /* select(videocall) to the IPTV module */
  ACT_DIAL,          /* dial(<the answering far end>) to the VoIP module */
  ACT_SELECT_LIVE,   /* select(live:<this STB's channel>) to the IPTV module */
  ACT_CALLER_EXITED, /* wait for the sipp caller to exit (its call is over) */
} Act;

/* Times of a flow's steps: A(i) when step i acted, E(i) when its event happened. */
#define A(i) (2 * (i))
#define E(i) (2 * (i) + 1)
#define NO_HOP (-1)

/* One step: do @act, then wait for the first agent event @event (from @source, NULL: any)
 * whose details contain @match, at or after time @since; record hop @hop from time @from to
 * it. @media: only on media STBs. */
typedef struct
{
  Act act;
  const gchar *source, *event, *match;
  gint since, hop, from;
  gboolean media;
} FlowStep;

/* clang-format off */
static const FlowStep flow_steps[N_FLOWS + 1][MAX_STEPS] = {
  [FLOW_CALLEE_ACCEPT] = {
    { ACT_CALL_IN, NULL, "voip.dialog", "state=shown", A (0), HOP_DIALOG, A (0), FALSE },
    { ACT_KEY_OK, NULL, "voip.page", "page=main", A (1), HOP_CHANNEL, A (1), FALSE },
    { ACT_NONE, NULL, "voip.call", "state=answered", A (1), HOP_ANSWER, A (1), FALSE },
    { ACT_NONE, NULL, "voip.media", "state=started", A (1), HOP_CA_MEDIA, E (2), TRUE },
    { ACT_NONE, NULL, "voip.call", "state=ended", A (1), NO_HOP, 0, FALSE },
    { ACT_NONE, NULL, "iptv.page", "", E (4), HOP_RESUME, E (4), FALSE },
    { ACT_NONE, NULL, "iptv.first-frame", "", E (4), HOP_RESUME_FRAME, E (4), TRUE },
    { ACT_CALLER_EXITED, NULL, NULL, NULL, 0, NO_HOP, 0, FALSE },
    { ACT_END } },
  [FLOW_CALLER] = {
    { ACT_SELECT_CALL, NULL, "voip.page", "page=main", A (0), HOP_CL_PAGE, A (0), FALSE },
    { ACT_DIAL, NULL, "voip.call", "state=dialling", A (1), HOP_CL_DIAL, A (1), FALSE },
    { ACT_NONE, NULL, "voip.call", "state=answered", A (1), HOP_CL_ANSWER, E (1), FALSE },
    { ACT_NONE, NULL, "voip.media", "state=started", A (1), NO_HOP, 0, TRUE },
    { ACT_NONE, NULL, "voip.call", "state=ended", A (1), NO_HOP, 0, FALSE },
    { ACT_KEY_BACK, NULL, "iptv.page", "page=nav", A (5), HOP_CL_BACK, A (5), FALSE },
    { ACT_END } },
  [FLOW_REJECT] = {
    { ACT_CALL_IN, NULL, "voip.dialog", "state=shown", A (0), HOP_RJ_DIALOG, A (0), FALSE },
    { ACT_KEY_BACK, NULL, "voip.call", "state=ended", A (1), HOP_RJ_DECLINE, A (1), FALSE },
    { ACT_NONE, "iptv", "switch.rx", "param=REJECT_CONTINUE_IPTV", A (1), HOP_RJ_IPTV, A (1), FALSE },
    { ACT_CALLER_EXITED, NULL, NULL, NULL, 0, NO_HOP, 0, FALSE },
    { ACT_END } },
  [FLOW_TUNE] = {
    { ACT_SELECT_LIVE, NULL, "iptv.first-frame", "kind=live", A (0), HOP_TUNE, A (0), TRUE },
    { ACT_END } },
};
/* clang-format on */

/* ---- one STB -------------------------------------------------------------------------------- */

static void
event_clear (gpointer data)
{
  Event *e = data;
  g_free (e->source);
  g_free (e->name);
  g_free (e->details);
}

void
sr_load_stb_free (Stb *s)
{
  g_clear_object (&s->qcop);
  g_clear_pointer (&s->caller, sr_component_free); /* each stops its process by PID */
  g_clear_pointer (&s->voip, sr_component_free);
  g_clear_pointer (&s->iptv, sr_component_free);
  g_clear_pointer (&s->server, sr_component_free);
  if (s->events)
    g_array_unref (s->events);
  g_free (s->dir);
  g_free (s->socket);
  g_free (s);
}

static void
record (Load *l, gint hop, gint64 from_ns, gint64 to_ns)
{
  gdouble ms = (gdouble)(to_ns - from_ns) / 1e6;
  g_array_append_val (l->samples[hop], ms);
}

/* The flow of cycle @cycle of @s: a fixed rotation, so every STB runs every flow in turn and
 * at one time the STBs run different flows. */
Flow
sr_load_cycle_flow (Load *l, Stb *s, guint cycle)
{
  return l->flows[(cycle + s->index - 1) % l->n_flows];
}

static void
flow_over (Stb *s)
{
  g_clear_pointer (&s->caller, sr_component_free); /* stops it by PID */
  s->cycles_done++;
  s->busy = FALSE;
}

static gboolean
send_agent (Stb *s, const gchar *channel, const gchar *message, const gchar *arg, GError **error)
{
  g_autoptr (GBytes) data = stb_agent_encode_key (arg); /* one QString */
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (data, &len);
  return qcop_client_send (s->qcop, channel, message, d, len, error);
}

void
sr_load_stb_fail (Stb *s, const gchar *what)
{
  Load *l = s->load;
  Flow f = s->flow == FLOW_TUNE ? s->next : s->flow;
  l->flow_failures[f]++;
  if (l->failure_notes->len < 20)
    g_ptr_array_add (l->failure_notes,
                     g_strdup_printf ("stb%u cycle %u (%s%s): no %s within %.0f s", s->index,
                                      s->cycles_done + 1, sr_load_flow_names[f],
                                      s->flow == FLOW_TUNE ? ", tuning in" : "", what, WAIT_S));
  flow_over (s);
  /* back to TV for the next cycle: back ends a call or a dialog, a second one leaves the VoIP
   * main page (an idle module reports handled=no); a media STB tunes in again */
  for (guint i = 0; i < 2; i++)
    send_agent (s, STB_AGENT_VOIP_CHANNEL, STB_AGENT_KEY_MESSAGE, "back", NULL);
  s->playing = FALSE;
}

static const gchar *
step_what (const FlowStep *st)
{
  return st->act == ACT_CALLER_EXITED ? "sipp caller exit" : st->event;
}

static gboolean start_call_in (Load *l, Stb *s, GError **error);

/* Do the action of step @st. */
static gboolean
act (Stb *s, const FlowStep *st, GError **error)
{
  Load *l = s->load;
  g_autofree gchar *live = g_strdup_printf ("live:%u", s->channel);
  switch (st->act)
    {
      case ACT_CALL_IN:
        return start_call_in (l, s, error);
      case ACT_KEY_OK:
        return send_agent (s, STB_AGENT_VOIP_CHANNEL, STB_AGENT_KEY_MESSAGE, "ok", error);
      case ACT_KEY_BACK:
        return send_agent (s, STB_AGENT_VOIP_CHANNEL, STB_AGENT_KEY_MESSAGE, "back", error);
      case ACT_SELECT_CALL:
        return send_agent (s, STB_AGENT_IPTV_CHANNEL, "select(QString)", "videocall", error);
      case ACT_DIAL: /* the answering sipp UAS of the background */
        return send_agent (s, STB_AGENT_VOIP_CHANNEL, "dial(QString)", "bga", error);
      case ACT_SELECT_LIVE:
        return send_agent (s, STB_AGENT_IPTV_CHANNEL, "select(QString)", live, error);
      default:
        return TRUE;
    }
}

/* The first event since the flow started that step @st waits for, or NULL. */
static const Event *
find_event (Stb *s, const FlowStep *st)
{
  gint64 since = s->times[st->since];
  for (guint i = 0; i < s->events->len; i++)
    {
      const Event *e = &g_array_index (s->events, Event, i);
      if (e->t >= since && g_str_equal (e->name, st->event)
          && (st->source == NULL || g_str_equal (e->source, st->source))
          && strstr (e->details, st->match) != NULL)
        return e;
    }
  return NULL;
}

static void
start_flow (Stb *s, Flow flow)
{
  s->flow = flow;
  s->step = 0;
  s->acted = FALSE;
  s->busy = TRUE;
  memset (s->times, 0, sizeof s->times);
  g_array_set_size (s->events, 0);
}

/* Run @s's flow as far as its events allow: act, find the awaited event, record the hop. */
static void
advance (Stb *s)
{
  Load *l = s->load;
  while (s->busy)
    {
      const FlowStep *st = &flow_steps[s->flow][s->step];
      if (st->act == ACT_END)
        {
          if (s->flow == FLOW_TUNE)
            start_flow (s, s->next);
          else
            flow_over (s);
          continue;
        }
      if (st->media && s->channel == 0)
        {
          s->step++;
          continue;
        }
      if (!s->acted)
        {
          g_autoptr (GError) error = NULL;
          s->times[A (s->step)] = stbsim_now_ns ();
          s->deadline = s->times[A (s->step)] + (gint64)(WAIT_S * 1e9);
          s->acted = TRUE;
          if (!act (s, st, &error))
            {
              g_printerr ("stbsim load: stb%u: %s\n", s->index, error->message);
              sr_load_stb_fail (s, "action (see the message above)");
              return;
            }
        }
      gint64 t = 0;
      gint status = 0;
      if (st->act == ACT_CALLER_EXITED)
        {
          if (s->caller && !stbsim_proc_poll_exit (s->caller->proc, &status))
            return;
          t = stbsim_now_ns ();
        }
      else
        {
          const Event *e = find_event (s, st);
          if (e == NULL)
            return;
          t = e->t;
        }
      s->times[E (s->step)] = t;
      if (st->hop != NO_HOP)
        record (l, st->hop, s->times[st->from], t);
      s->step++;
      s->acted = FALSE;
    }
}

static void
on_event (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
          gpointer user_data)
{
  Stb *s = user_data;
  Event e = { 0 };
  if (!g_str_has_prefix (message, "event(")
      || !stb_agent_decode_event (data, &e.t, &e.source, &e.name, &e.details, NULL))
    return;
  if (e.details == NULL)
    e.details = g_strdup ("");
  if (g_str_equal (e.name, "voip.registered"))
    s->registered = TRUE;
  else if (g_str_equal (e.name, "iptv.first-frame"))
    s->playing = TRUE;
  else if (g_str_equal (e.name, "iptv.stop"))
    s->playing = FALSE;
  if (!s->busy || s->events->len >= MAX_EVENTS)
    {
      event_clear (&e);
      return;
    }
  g_array_append_val (s->events, e);
  advance (s);
}

/* --dialect, --layout: the default, given explicitly as the scenario runner does. */
static void
add_module_args (Load *l, Stb *s, GPtrArray *a)
{
  sr_load_arg (a, "--qcop-socket");
  sr_load_arg (a, s->socket);
  sr_load_arg (a, "--layout");
  sr_load_arg (a, "bidirectional");
  sr_load_arg (a, "--dialect");
  g_ptr_array_add (a,
                   g_build_filename (l->source_root, "fixtures", "dialects", "default.ini", NULL));
}

gboolean
sr_load_stb_start (Load *l, Stb *s, GError **error)
{
  s->dir = g_strdup_printf ("%s/stb%u", l->run_dir, s->index);
  s->socket = g_strdup_printf ("%s/stb%u.sock", l->sock_dir, s->index);
  s->events = g_array_new (FALSE, TRUE, sizeof (Event));
  g_array_set_clear_func (s->events, event_clear);
  g_mkdir_with_parents (s->dir, 0755);
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, sr_load_build_path (l, "sim/qcop/stb-qcopd"));
  sr_load_arg (a, "--socket");
  sr_load_arg (a, s->socket);
  sr_load_arg (a, "--trace");
  g_ptr_array_add (a, g_build_filename (s->dir, "qcop-trace.jsonl", NULL));
  g_autofree gchar *n1 = g_strdup_printf ("stb%u-server", s->index);
  if ((s->server = sr_load_spawn (l, n1, a, TRUE, error)) == NULL)
    return FALSE;
  g_ptr_array_add (a, sr_load_build_path (l, "sim/stb/iptv/stb-iptv"));
  add_module_args (l, s, a);
  if (s->channel > 0) /* the head-end's live channels and VOD */
    {
      sr_load_arg (a, "--lineup");
      sr_load_arg (a, l->lineup);
      sr_load_arg (a, "--vod-base-uri");
      sr_load_arg (a, l->vod);
    }
  g_autofree gchar *n2 = g_strdup_printf ("stb%u-iptv", s->index);
  if ((s->iptv = sr_load_spawn (l, n2, a, TRUE, error)) == NULL)
    return FALSE;
  /* the QCOP client before the VoIP module: its voip.registered event is the readiness */
  s->qcop = qcop_client_new (s->socket, "stbsim-load");
  qcop_client_register (s->qcop, STB_AGENT_EVENTS_CHANNEL, on_event, s, NULL);
  if (!qcop_client_connect_sync (s->qcop, 5000, error))
    return FALSE;
  gboolean known = FALSE;
  if (!qcop_client_is_registered_sync (s->qcop, STB_AGENT_EVENTS_CHANNEL, 5000, &known, error))
    return FALSE;
  g_ptr_array_add (a, sr_load_build_path (l, "sim/stb/voip/stb-voip"));
  add_module_args (l, s, a);
  sr_load_arg (a, "--sip-proxy");
  sr_load_argf (a, "sip:%s", l->ims_addr);
  sr_load_arg (a, "--sip-user");
  sr_load_argf (a, "stb%u", s->index);
  sr_load_arg (a, "--sip-password");
  sr_load_argf (a, "stb%u-secret", s->index);
  sr_load_arg (a, "--sip-domain");
  sr_load_arg (a, "ims.test");
  if (s->channel == 0) /* an STB without media: no call media pipelines either */
    sr_load_arg (a, "--no-call-media");
  g_autofree gchar *n3 = g_strdup_printf ("stb%u-voip", s->index);
  return (s->voip = sr_load_spawn (l, n3, a, TRUE, error)) != NULL;
}

/* Below the kernel's ephemeral range (32768-60999) for up to MAX_STBS (1000) STBs */
#define CALLER_MEDIA_PORT_BASE 10000
#define CALLER_MEDIA_PORT_STRIDE 8

/* A sipp caller (caller<i>) calls stb<i>; it hangs up 500 ms after the answer, or gets the
 * 603 of a rejection. */
static gboolean
start_call_in (Load *l, Stb *s, GError **error)
{
  g_autoptr (GPtrArray) a = sr_load_sipp_argv (l, "uac-call.xml", TRUE, 0);
  const gchar *more[] = { "-m", "1", "-timeout", "40s", "-timeout_error", "-key", "user", NULL };
  sr_load_args (a, more);
  sr_load_argf (a, "caller%u", s->index);
  sr_load_arg (a, "-key");
  sr_load_arg (a, "callee");
  sr_load_argf (a, "stb%u", s->index);
  sr_load_arg (a, "-au");
  sr_load_argf (a, "caller%u", s->index);
  sr_load_arg (a, "-ap");
  sr_load_argf (a, "caller%u-secret", s->index);
  sr_load_arg (a, "-set");
  sr_load_arg (a, "hold_ms");
  sr_load_arg (a, "500");
  /* Its SDP media sockets (audio, video: -mp and -mp + 2, each with RTCP) from a block of its
   * own: with sipp's default, every caller starts its search at 6000, and 100 callers started
   * at once race for the same ports ("Unable to bind audio RTP socket ... errno 98", measured
   * with --stbs 100: 116 of 200 cycles lost). sipp still walks upwards past a taken port. */
  sr_load_arg (a, "-mp");
  sr_load_argf (a, "%u", CALLER_MEDIA_PORT_BASE + CALLER_MEDIA_PORT_STRIDE * s->index);
  g_autofree gchar *name = g_strdup_printf ("stb%u-caller", s->index);
  g_clear_pointer (&s->caller, sr_component_free);
  return (s->caller = sr_load_spawn (l, name, a, FALSE, error)) != NULL;
}

/* Advance @s (timeouts, caller exit, next cycle). */
void
sr_load_stb_poll (Load *l, Stb *s)
{
  if (s->busy)
    advance (s);
  if (s->busy && stbsim_now_ns () > s->deadline)
    sr_load_stb_fail (s, step_what (&flow_steps[s->flow][s->step]));
  if (s->busy || s->done)
    return;
  if (s->cycles_done >= l->cycles)
    {
      s->done = TRUE;
      return;
    }
  Flow f = sr_load_cycle_flow (l, s, s->cycles_done);
  l->flow_cycles[f]++;
  s->next = f;
  /* a media STB watches TV when the call comes or the user places one */
  start_flow (s, s->channel > 0 && !s->playing ? FLOW_TUNE : f);
  advance (s);
}
