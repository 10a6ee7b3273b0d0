/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-load"

#include "sr-load.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qcop-client.h"
#include "sr-component.h"
#include "sr-parallel.h"
#include "sr-ports.h"
#include "sr-report.h"
#include "sr-stats.h"
#include "stb-agent.h"
#include "stbsim-config.h"
#include "stbsim-proc.h"

#define READY_TIMEOUT_MS 30000
#define REGISTER_TIMEOUT_S 30.0
#define WAIT_S 15.0   /* each step of a cycle */
#define MAX_STBS 1000 /* bounds: processes, sockets, memory */
#define MAX_MEDIA 64  /* one live channel of the head-end per media STB */
#define MAX_SUBSCRIBERS 100000
#define MAX_RATE 1000.0 /* background calls/s */
#define MAX_CYCLES 1000
#define MAX_STEPS 10   /* steps of one flow */
#define MAX_EVENTS 256 /* agent events kept per STB and flow (bound) */

/* The flows an STB runs (--flows), and the tune-in a media STB runs before a flow whenever its
 * IPTV module is not playing (the first cycle, after a caller flow left it on the navigation
 * page). */
typedef enum
{
  FLOW_CALLEE_ACCEPT,
  FLOW_CALLER,
  FLOW_REJECT,
  N_FLOWS,
  FLOW_TUNE = N_FLOWS,
} Flow;

static const gchar *const flow_names[] = { "callee-accept", "caller", "reject", "tune" };

typedef enum
{
  HOP_DIALOG,       /* callee-accept: sipp caller started -> dialog shown */
  HOP_CHANNEL,      /* key ok -> video page */
  HOP_ANSWER,       /* key ok -> answered (200 OK sent) */
  HOP_CA_MEDIA,     /* answered -> call media started (voip.media) */
  HOP_RESUME,       /* call ended -> next iptv.page (RESUME_IPTV) */
  HOP_RESUME_FRAME, /* call ended -> first IPTV frame again (media) */
  HOP_CL_PAGE,      /* select(videocall) -> voip.page main (CALLER_SHOW_VIDEO_PAGE) */
  HOP_CL_DIAL,      /* dial() -> voip.call dialling (INVITE sent) */
  HOP_CL_ANSWER,    /* dialling -> answered (200 OK through the loaded core) */
  HOP_CL_BACK,      /* key back after the call -> iptv.page nav (BACK_TO_NAV) */
  HOP_RJ_DIALOG,    /* reject: sipp caller started -> dialog shown */
  HOP_RJ_DECLINE,   /* key back -> voip.call ended (603 sent) */
  HOP_RJ_IPTV,      /* key back -> the IPTV module handled REJECT_CONTINUE_IPTV */
  HOP_TUNE,         /* select(live:N) -> first IPTV frame (media) */
  N_HOPS
} Hop;

static const struct
{
  const gchar *name;
  Flow flow;
  gboolean media; /* measured on media STBs only */
} hops[N_HOPS] = {
  { "callee.invite-to-dialog", FLOW_CALLEE_ACCEPT, FALSE },
  { "callee-accept.key-to-video-page", FLOW_CALLEE_ACCEPT, FALSE },
  { "callee-accept.key-to-answer", FLOW_CALLEE_ACCEPT, FALSE },
  { "callee-accept.answer-to-call-media", FLOW_CALLEE_ACCEPT, FALSE },
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
    { ACT_NONE, NULL, "voip.media", "state=started", A (1), HOP_CA_MEDIA, E (2), FALSE },
    { ACT_NONE, NULL, "voip.call", "state=ended", A (1), NO_HOP, 0, FALSE },
    { ACT_NONE, NULL, "iptv.page", "", E (4), HOP_RESUME, E (4), FALSE },
    { ACT_NONE, NULL, "iptv.first-frame", "", E (4), HOP_RESUME_FRAME, E (4), TRUE },
    { ACT_CALLER_EXITED, NULL, NULL, NULL, 0, NO_HOP, 0, FALSE },
    { ACT_END } },
  [FLOW_CALLER] = {
    { ACT_SELECT_CALL, NULL, "voip.page", "page=main", A (0), HOP_CL_PAGE, A (0), FALSE },
    { ACT_DIAL, NULL, "voip.call", "state=dialling", A (1), HOP_CL_DIAL, A (1), FALSE },
    { ACT_NONE, NULL, "voip.call", "state=answered", A (1), HOP_CL_ANSWER, E (1), FALSE },
    { ACT_NONE, NULL, "voip.media", "state=started", A (1), NO_HOP, 0, FALSE },
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

typedef struct
{
  gint64 t;
  gchar *source, *name, *details;
} Event;

typedef struct _Load Load;

typedef struct
{
  Load *load;
  guint index;   /* 1-based: stb<index> */
  guint channel; /* > 0: a media STB, playing live channel <channel> of the head-end */
  gchar *dir;
  gchar *socket;
  SrComponent *server, *iptv, *voip, *caller;
  QcopClient *qcop;
  gboolean registered, playing;
  guint cycles_done;
  gboolean busy, done; /* a flow runs; every cycle of the step is over */
  Flow flow, next;     /* the running flow; the cycle's flow after a tune-in */
  guint step;
  gboolean acted;
  gint64 times[2 * MAX_STEPS];
  gint64 deadline;
  GArray *events; /* Event, since the flow started */
  guint64 ticks0; /* CPU at the start of the step */
} Stb;

struct _Load
{
  /* options */
  guint stbs, media, subscribers, cycles, children;
  gchar *steps_text, *mix_text, *flows_text, *report_dir, *build_root, *source_root;
  gdouble mix[3]; /* answer, reject, cancel */
  Flow flows[N_FLOWS];
  guint n_flows;
  /* run */
  gchar *run_dir, *logs, *sock_dir, *sipp_dir;
  gchar *ims_addr;     /* host:port */
  gchar *lineup, *vod; /* the head-end's resolved lineup and RTSP base (media) */
  GPid kamailio_pid;
  SrComponent *ims, *headend, *population, *uas_answer, *uas_busy;
  GPtrArray *stbs_v;                                  /* Stb* */
  GPtrArray *generators;                              /* SrComponent* of the current step */
  GArray *samples[N_HOPS];                            /* gdouble ms, current step */
  guint flow_cycles[N_FLOWS], flow_failures[N_FLOWS]; /* current step */
  GPtrArray *failure_notes;
  volatile gint interrupted;
};

/* ---- small helpers ------------------------------------------------------------------------- */

static gchar *
build_path (Load *l, const gchar *rel)
{
  return g_build_filename (l->build_root, rel, NULL);
}

/* Start @argv (consumed) as component @name, logging to logs/<name>.log; with @ready, wait
 * for its READY line (sr_component_ready_value). sipp gets no --ready-fd. */
static SrComponent *
spawn (Load *l, const gchar *name, GPtrArray *argv, gboolean ready, GError **error)
{
  g_autofree gchar *log = g_strdup_printf ("%s/%s.log", l->logs, name);
  g_ptr_array_add (argv, NULL);
  g_autoptr (SrComponent) comp
      = sr_component_new (name, (gchar **)g_ptr_array_steal (argv, NULL), log, ready);
  if (g_str_has_suffix (comp->argv[0], "stbsim-ims"))
    comp->death_signal = SIGTERM; /* it stops Kamailio's workers */
  if (!sr_component_start (comp, ready, READY_TIMEOUT_MS, error))
    return NULL;
  return g_steal_pointer (&comp);
}

static void
add (GPtrArray *a, const gchar *s)
{
  g_ptr_array_add (a, g_strdup (s));
}

static void addf (GPtrArray *a, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);
static void
addf (GPtrArray *a, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_ptr_array_add (a, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

static void
add_all (GPtrArray *a, const gchar *const *args)
{
  for (guint i = 0; args[i]; i++)
    add (a, args[i]);
}

/* sipp with the common arguments: scenario @xml of sim/ims/sipp, the core, @port (0: a
 * fresh one). */
static GPtrArray *
sipp_argv (Load *l, const gchar *xml, gboolean to_core, guint port)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  add (a, "sipp");
  add (a, "-sf");
  g_ptr_array_add (a, g_build_filename (l->sipp_dir, xml, NULL));
  if (to_core)
    add (a, l->ims_addr);
  add (a, "-i");
  add (a, "127.0.0.1");
  add (a, "-p");
  addf (a, "%u", port ? port : sr_ports_pick (NULL));
  add (a, "-key");
  add (a, "domain");
  add (a, "ims.test");
  add (a, "-nostdin");
  return a;
}

/* sipp's statistics every 5 s to logs/<name>.csv. */
static void
add_trace_stat (Load *l, GPtrArray *a, const gchar *name)
{
  add (a, "-trace_stat");
  add (a, "-fd");
  add (a, "5");
  add (a, "-stf");
  g_ptr_array_add (a, g_strdup_printf ("%s/%s.csv", l->logs, name));
}

/* The fields of /proc/@pid/stat after "pid (comm) ": state(0) ppid(1) ... utime(11)
 * stime(12); NULL if the process is gone. */
static gchar **
proc_stat (const gchar *pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  const gchar *p = strrchr (text, ')');
  g_auto (GStrv) f = p && p[1] == ' ' ? g_strsplit (p + 2, " ", 16) : NULL;
  return f && g_strv_length (f) >= 14 ? g_steal_pointer (&f) : NULL;
}

/* utime+stime (clock ticks), 0 if gone. */
static guint64
proc_ticks (GPid pid)
{
  if (pid <= 0)
    return 0;
  g_autofree gchar *id = g_strdup_printf ("%d", (int)pid);
  g_auto (GStrv) f = proc_stat (id);
  return f ? g_ascii_strtoull (f[11], NULL, 10) + g_ascii_strtoull (f[12], NULL, 10) : 0;
}

static GPid
proc_ppid (const gchar *pid)
{
  g_auto (GStrv) f = proc_stat (pid);
  return f ? (GPid)g_ascii_strtoll (f[1], NULL, 10) : 0;
}

/* CPU ticks of @pid and its direct children (Kamailio's workers). */
static guint64
tree_ticks (GPid pid)
{
  guint64 t = proc_ticks (pid);
  g_autoptr (GDir) d = g_dir_open ("/proc", 0, NULL);
  const gchar *name;
  while (pid > 0 && d && (name = g_dir_read_name (d)) != NULL)
    if (g_ascii_isdigit (name[0]) && proc_ppid (name) == pid)
      t += proc_ticks ((GPid)g_ascii_strtoll (name, NULL, 10));
  return t;
}

/* Proportional set size (KiB) of @pid, 0 if unknown. */
static guint64
proc_pss_kib (GPid pid)
{
  if (pid <= 0)
    return 0;
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/smaps_rollup", (int)pid);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  const gchar *p = strstr (text, "\nPss:");
  return p ? g_ascii_strtoull (p + 5, NULL, 10) : 0;
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterate the main loop until @comp exits or @timeout_s passes. */
static gboolean
wait_exit (SrComponent *comp, gdouble timeout_s, gint *status)
{
  gint64 end = g_get_monotonic_time () + (gint64)(timeout_s * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, on_tick, NULL);
  gboolean done = FALSE;
  while (!(done = stbsim_proc_poll_exit (comp->proc, status)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return done;
}

/* ---- one STB -------------------------------------------------------------------------------- */

static void
event_clear (gpointer data)
{
  Event *e = data;
  g_free (e->source);
  g_free (e->name);
  g_free (e->details);
}

static void
stb_free (Stb *s)
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

static guint64
stb_ticks (Stb *s)
{
  return proc_ticks (sr_component_pid (s->server)) + proc_ticks (sr_component_pid (s->iptv))
         + proc_ticks (sr_component_pid (s->voip));
}

static guint64
stb_pss_kib (Stb *s)
{
  return proc_pss_kib (sr_component_pid (s->server)) + proc_pss_kib (sr_component_pid (s->iptv))
         + proc_pss_kib (sr_component_pid (s->voip));
}

static void
record (Load *l, gint hop, gint64 from_ns, gint64 to_ns)
{
  gdouble ms = (gdouble)(to_ns - from_ns) / 1e6;
  g_array_append_val (l->samples[hop], ms);
}

/* The flow of cycle @cycle of @s: a fixed rotation, so every STB runs every flow in turn and
 * at one time the STBs run different flows. */
static Flow
cycle_flow (Load *l, Stb *s, guint cycle)
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

static void
fail_cycle (Stb *s, const gchar *what)
{
  Load *l = s->load;
  Flow f = s->flow == FLOW_TUNE ? s->next : s->flow;
  l->flow_failures[f]++;
  if (l->failure_notes->len < 20)
    g_ptr_array_add (l->failure_notes,
                     g_strdup_printf ("stb%u cycle %u (%s%s): no %s within %.0f s", s->index,
                                      s->cycles_done + 1, flow_names[f],
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
              fail_cycle (s, "action (see the message above)");
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
  add (a, "--qcop-socket");
  add (a, s->socket);
  add (a, "--layout");
  add (a, "bidirectional");
  add (a, "--dialect");
  g_ptr_array_add (a,
                   g_build_filename (l->source_root, "fixtures", "dialects", "default.ini", NULL));
}

static gboolean
stb_start (Load *l, Stb *s, GError **error)
{
  s->dir = g_strdup_printf ("%s/stb%u", l->run_dir, s->index);
  s->socket = g_strdup_printf ("%s/stb%u.sock", l->sock_dir, s->index);
  s->events = g_array_new (FALSE, TRUE, sizeof (Event));
  g_array_set_clear_func (s->events, event_clear);
  g_mkdir_with_parents (s->dir, 0755);
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, build_path (l, "sim/qcop/stb-qcopd"));
  add (a, "--socket");
  add (a, s->socket);
  add (a, "--trace");
  g_ptr_array_add (a, g_build_filename (s->dir, "qcop-trace.jsonl", NULL));
  g_autofree gchar *n1 = g_strdup_printf ("stb%u-server", s->index);
  if ((s->server = spawn (l, n1, a, TRUE, error)) == NULL)
    return FALSE;
  g_ptr_array_add (a, build_path (l, "sim/stb/iptv/stb-iptv"));
  add_module_args (l, s, a);
  if (s->channel > 0) /* the head-end's live channels and VOD */
    {
      add (a, "--lineup");
      add (a, l->lineup);
      add (a, "--vod-base-uri");
      add (a, l->vod);
    }
  g_autofree gchar *n2 = g_strdup_printf ("stb%u-iptv", s->index);
  if ((s->iptv = spawn (l, n2, a, TRUE, error)) == NULL)
    return FALSE;
  /* the QCOP client before the VoIP module: its voip.registered event is the readiness */
  s->qcop = qcop_client_new (s->socket, "stbsim-load");
  qcop_client_register (s->qcop, STB_AGENT_EVENTS_CHANNEL, on_event, s, NULL);
  if (!qcop_client_connect_sync (s->qcop, 5000, error))
    return FALSE;
  gboolean known = FALSE;
  if (!qcop_client_is_registered_sync (s->qcop, STB_AGENT_EVENTS_CHANNEL, 5000, &known, error))
    return FALSE;
  g_ptr_array_add (a, build_path (l, "sim/stb/voip/stb-voip"));
  add_module_args (l, s, a);
  add (a, "--sip-proxy");
  addf (a, "sip:%s", l->ims_addr);
  add (a, "--sip-user");
  addf (a, "stb%u", s->index);
  add (a, "--sip-password");
  addf (a, "stb%u-secret", s->index);
  add (a, "--sip-domain");
  add (a, "ims.test");
  g_autofree gchar *n3 = g_strdup_printf ("stb%u-voip", s->index);
  return (s->voip = spawn (l, n3, a, TRUE, error)) != NULL;
}

/* A sipp caller (caller<i>) calls stb<i>; it hangs up 500 ms after the answer, or gets the
 * 603 of a rejection. */
static gboolean
start_call_in (Load *l, Stb *s, GError **error)
{
  g_autoptr (GPtrArray) a = sipp_argv (l, "uac-call.xml", TRUE, 0);
  const gchar *more[] = { "-m", "1", "-timeout", "40s", "-timeout_error", "-key", "user", NULL };
  add_all (a, more);
  addf (a, "caller%u", s->index);
  add (a, "-key");
  add (a, "callee");
  addf (a, "stb%u", s->index);
  add (a, "-au");
  addf (a, "caller%u", s->index);
  add (a, "-ap");
  addf (a, "caller%u-secret", s->index);
  add (a, "-set");
  add (a, "hold_ms");
  add (a, "500");
  g_autofree gchar *name = g_strdup_printf ("stb%u-caller", s->index);
  g_clear_pointer (&s->caller, sr_component_free);
  return (s->caller = spawn (l, name, a, FALSE, error)) != NULL;
}

/* Advance @s (timeouts, caller exit, next cycle). */
static void
stb_poll (Load *l, Stb *s)
{
  if (s->busy)
    advance (s);
  if (s->busy && stbsim_now_ns () > s->deadline)
    fail_cycle (s, step_what (&flow_steps[s->flow][s->step]));
  if (s->busy || s->done)
    return;
  if (s->cycles_done >= l->cycles)
    {
      s->done = TRUE;
      return;
    }
  Flow f = cycle_flow (l, s, s->cycles_done);
  l->flow_cycles[f]++;
  s->next = f;
  /* a media STB watches TV when the call comes or the user places one */
  start_flow (s, s->channel > 0 && !s->playing ? FLOW_TUNE : f);
  advance (s);
}

/* ---- the IMS core, the head-end and the background ------------------------------------------ */

static gboolean
write_subscribers (Load *l, GError **error)
{
  g_autoptr (GString) csv = g_string_new ("user,password,display\n");
  g_autoptr (GString) inf = g_string_new ("SEQUENTIAL\n");
  for (guint i = 1; i <= l->stbs; i++)
    g_string_append_printf (csv, "stb%u,stb%u-secret,\ncaller%u,caller%u-secret,\n", i, i, i, i);
  g_string_append (csv, "bga,bga-secret,\nbgr,bgr-secret,\nbgc,bgc-secret,\n");
  for (guint i = 1; i <= l->subscribers; i++)
    {
      g_string_append_printf (csv, "bg%u,bg%u-secret,\n", i, i);
      g_string_append_printf (inf, "bg%u;[authentication username=bg%u password=bg%u-secret]\n", i,
                              i, i);
    }
  g_autofree gchar *p1 = g_build_filename (l->run_dir, "subscribers.csv", NULL);
  g_autofree gchar *p2 = g_build_filename (l->run_dir, "population.csv", NULL);
  return g_file_set_contents (p1, csv->str, -1, error)
         && g_file_set_contents (p2, inf->str, -1, error);
}

static gboolean
start_ims (Load *l, GError **error)
{
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, build_path (l, "sim/ims/stbsim-ims"));
  add (a, "--run-dir");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "ims", NULL));
  add (a, "--subscribers");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "subscribers.csv", NULL));
  add (a, "--children");
  addf (a, "%u", l->children);
  if ((l->ims = spawn (l, "ims", a, TRUE, error)) == NULL)
    return FALSE;
  l->ims_addr = sr_component_ready_value (l->ims, "sip");
  g_autofree gchar *pid = sr_component_ready_value (l->ims, "pid");
  l->kamailio_pid = pid ? (GPid)g_ascii_strtoll (pid, NULL, 10) : 0;
  if (l->ims_addr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stbsim-ims READY without sip=: %s",
                   l->ims->ready_line);
      return FALSE;
    }
  return TRUE;
}

/* The head-end of the media STBs: one live channel per media STB (loopback unicast reaches
 * one receiver per port), copies of fixtures/lineup.ini's channel 1; its VOD assets too. */
static gboolean
start_headend (Load *l, GError **error)
{
  g_autoptr (GString) ini = g_string_new ("# stbsim load: one live channel per media STB\n");
  for (guint i = 1; i <= l->media; i++)
    g_string_append_printf (ini,
                            "[channel %u]\nname=STB %u\npattern=smpte\ngop_ms=1000\n"
                            "group=239.255.1.%u\nport=%u\n\n",
                            i, i, i, 5000 + 2 * i);
  g_string_append (ini, "[vod trailer]\ntitle=Trailer\nduration_ms=30000\npattern=circular\n"
                        "gop_ms=1000\n");
  g_autofree gchar *path = g_build_filename (l->run_dir, "lineup.ini", NULL);
  if (!g_file_set_contents (path, ini->str, -1, error))
    return FALSE;
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, build_path (l, "sim/headend/stb-headend"));
  const gchar *more[]
      = { "--lineup", path,        "--unicast", "--live-port-base", "0", "--rtsp-port",
          "0",        "--run-dir", NULL };
  add_all (a, more);
  g_ptr_array_add (a, g_build_filename (l->run_dir, "headend", NULL));
  if ((l->headend = spawn (l, "headend", a, TRUE, error)) == NULL)
    return FALSE;
  l->lineup = sr_component_ready_value (l->headend, "lineup");
  l->vod = sr_component_ready_value (l->headend, "rtsp");
  if (l->lineup == NULL || l->vod == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "stb-headend READY without lineup= or rtsp=: %s", l->headend->ready_line);
      return FALSE;
    }
  return TRUE;
}

/* A sipp UAS registered as @user on its own port, answering (uas-answer) or refusing (busy);
 */
static SrComponent *
start_uas (Load *l, const gchar *user, const gchar *xml, GError **error)
{
  guint port = sr_ports_pick (NULL);
  g_autoptr (GPtrArray) reg = sipp_argv (l, "register.xml", TRUE, port);
  const gchar *more[] = { "-m",   "1",       "-timeout", "20s",  "-timeout_error",
                          "-key", "expires", "3600",     "-key", "user",
                          user,   "-au",     user,       "-ap",  NULL };
  add_all (reg, more);
  addf (reg, "%s-secret", user);
  g_autofree gchar *rname = g_strdup_printf ("register-%s", user);
  g_autoptr (SrComponent) r = spawn (l, rname, reg, FALSE, error);
  gint status = 0;
  if (r == NULL)
    return NULL;
  if (!wait_exit (r, 25.0, &status) || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "registering %s failed (logs/%s.log)",
                   user, rname);
      return NULL;
    }
  g_autoptr (GPtrArray) uas = sipp_argv (l, xml, FALSE, port);
  const gchar *umore[] = { "-m",      "100000", "-key", "user",    user,  "-set",
                           "ring_ms", "300",    "-set", "hold_ms", "500", NULL };
  add_all (uas, umore);
  g_autofree gchar *uname = g_strdup_printf ("uas-%s", user);
  return spawn (l, uname, uas, FALSE, error);
}

static SrComponent *
start_population (Load *l, GError **error)
{
  g_autoptr (GPtrArray) a = sipp_argv (l, "load-register.xml", TRUE, 0);
  add (a, "-inf");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "population.csv", NULL));
  add (a, "-m");
  addf (a, "%u", l->subscribers);
  add (a, "-l");
  addf (a, "%u", l->subscribers);
  add (a, "-r");
  addf (a, "%u", MIN (l->subscribers, 200u)); /* registrations per second at the start */
  const gchar *more[]
      = { "-key", "expires", "300", "-set", "refresh_ms", "120000", "-max_socket", "64", NULL };
  add_all (a, more);
  add_trace_stat (l, a, "population");
  return spawn (l, "population", a, FALSE, error);
}

/* The background calls of one step: @rate calls/s split by the mix. */
static gboolean
start_generators (Load *l, gdouble rate, gdouble seconds, GError **error)
{
  static const struct
  {
    const gchar *xml;
    const gchar *callee;
    const gchar *name;
  } kinds[3] = { { "uac-call.xml", "bga", "bg-answer" },
                 { "uac-call.xml", "bgr", "bg-reject" },
                 { "uac-cancel.xml", "bga", "bg-cancel" } };
  for (guint k = 0; k < 3; k++)
    {
      gdouble r = rate * l->mix[k];
      if (r <= 0)
        continue;
      guint calls = MAX (1, (guint)(r * seconds));
      g_autoptr (GPtrArray) a = sipp_argv (l, kinds[k].xml, TRUE, 0);
      add (a, "-r");
      addf (a, "%u", MAX (1, (guint)(r * 10 + 0.5))); /* per 10 s: fractional rates */
      add (a, "-rp");
      add (a, "10000");
      add (a, "-m");
      addf (a, "%u", calls);
      add (a, "-l");
      addf (a, "%u", MAX (10u, (guint)(r * 5)));
      const gchar *more[] = { "-key",       "user", "bgc",       "-au",           "bgc",  "-ap",
                              "bgc-secret", "-key", "callee",    kinds[k].callee, "-set", "hold_ms",
                              "500",        "-set", "cancel_ms", "100",           NULL };
      add_all (a, more);
      add_trace_stat (l, a, kinds[k].name);
      SrComponent *p = spawn (l, kinds[k].name, a, FALSE, error);
      if (p == NULL)
        return FALSE;
      g_ptr_array_add (l->generators, p);
    }
  return TRUE;
}

/* ---- a step ----------------------------------------------------------------------------- */

typedef struct
{
  guint stbs;
  gdouble cpu;     /* % of one CPU, mean per STB */
  guint64 pss_kib; /* mean per STB */
} Group;

typedef struct
{
  gdouble rate;
  SrStatsSummary hop[N_HOPS];
  guint failures, cycles; /* all flows */
  guint flow_cycles[N_FLOWS], flow_failures[N_FLOWS];
  gdouble kamailio_cpu, harness_cpu, stb_cpu; /* % of one CPU; stb: all STBs together */
  guint64 stb_pss_kib;                        /* mean per STB */
  Group media, plain;                         /* STBs with and without media */
  gdouble headend_cpu;                        /* % of one CPU */
  guint64 headend_pss_kib, harness_pss_kib;
  gdouble seconds;
} StepResult;

/* Is @hop measured in this run (its flow selected, its STBs present)? */
static gboolean
hop_active (Load *l, guint hop)
{
  if (hops[hop].media && l->media == 0)
    return FALSE;
  if (hops[hop].flow == FLOW_TUNE)
    return TRUE;
  for (guint i = 0; i < l->n_flows; i++)
    if (l->flows[i] == hops[hop].flow)
      return TRUE;
  return FALSE;
}

static guint64
stbs_ticks (Load *l)
{
  guint64 t = 0;
  for (guint i = 0; i < l->stbs_v->len; i++)
    t += stb_ticks (g_ptr_array_index (l->stbs_v, i));
  return t;
}

/* CPU (since each STB's ticks0) and PSS per STB, mean over the media and the other STBs. */
static void
measure_groups (Load *l, gdouble secs, StepResult *out)
{
  gdouble hz = (gdouble)sysconf (_SC_CLK_TCK);
  guint64 ticks[2] = { 0, 0 }, pss[2] = { 0, 0 };
  guint n[2] = { 0, 0 };
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      guint g = s->channel > 0;
      guint64 t = stb_ticks (s);
      ticks[g] += t > s->ticks0 ? t - s->ticks0 : 0;
      pss[g] += stb_pss_kib (s);
      n[g]++;
    }
  Group *groups[2] = { &out->plain, &out->media };
  for (guint g = 0; g < 2; g++)
    {
      groups[g]->stbs = n[g];
      groups[g]->cpu = n[g] ? 100.0 * (gdouble)ticks[g] / hz / secs / n[g] : 0;
      groups[g]->pss_kib = n[g] ? pss[g] / n[g] : 0;
    }
  out->stb_pss_kib = l->stbs_v->len ? (pss[0] + pss[1]) / l->stbs_v->len : 0;
  out->headend_pss_kib = proc_pss_kib (sr_component_pid (l->headend));
  out->harness_pss_kib = proc_pss_kib (getpid ());
}

/* Iterate until every STB ran its cycles (bounded by @bound_s) and @min_s passed. */
static void
run_cycles (Load *l, gint64 t0, gdouble bound_s, gdouble min_s)
{
  guint tick = g_timeout_add (10, on_tick, NULL);
  gint64 end = t0 + (gint64)(bound_s * G_USEC_PER_SEC);
  gboolean all_done = FALSE;
  while (!all_done && !g_atomic_int_get (&l->interrupted) && g_get_monotonic_time () < end)
    {
      all_done = TRUE;
      for (guint i = 0; i < l->stbs_v->len; i++)
        {
          Stb *s = g_ptr_array_index (l->stbs_v, i);
          stb_poll (l, s);
          all_done &= s->done;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  /* the background keeps going until the cycles are done; a step lasts at least min_s */
  while (!g_atomic_int_get (&l->interrupted)
         && g_get_monotonic_time () < t0 + (gint64)(min_s * G_USEC_PER_SEC))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static gboolean
run_step (Load *l, gdouble rate, gdouble min_seconds, StepResult *out, GError **error)
{
  memset (out, 0, sizeof *out);
  out->rate = rate;
  for (guint h = 0; h < N_HOPS; h++)
    g_array_set_size (l->samples[h], 0);
  memset (l->flow_failures, 0, sizeof l->flow_failures);
  memset (l->flow_cycles, 0, sizeof l->flow_cycles);
  /* generators run for the whole step: the STB cycles bound it */
  gdouble bound_s = MAX (min_seconds, l->cycles * 8 * WAIT_S);
  if (rate > 0 && !start_generators (l, rate, bound_s, error))
    return FALSE;
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      s->cycles_done = 0;
      s->busy = s->done = FALSE;
      s->ticks0 = stb_ticks (s);
    }
  gint64 t0 = g_get_monotonic_time ();
  guint64 k0 = tree_ticks (l->kamailio_pid), h0 = proc_ticks (getpid ()), s0 = stbs_ticks (l);
  guint64 e0 = proc_ticks (sr_component_pid (l->headend));
  run_cycles (l, t0, bound_s, min_seconds);
  gdouble secs = (gdouble)(g_get_monotonic_time () - t0) / 1e6;
  gdouble hz = (gdouble)sysconf (_SC_CLK_TCK);
  out->seconds = secs;
  out->kamailio_cpu = 100.0 * (gdouble)(tree_ticks (l->kamailio_pid) - k0) / hz / secs;
  out->harness_cpu = 100.0 * (gdouble)(proc_ticks (getpid ()) - h0) / hz / secs;
  out->stb_cpu = 100.0 * (gdouble)(stbs_ticks (l) - s0) / hz / secs;
  out->headend_cpu = 100.0 * (gdouble)(proc_ticks (sr_component_pid (l->headend)) - e0) / hz / secs;
  measure_groups (l, secs, out);
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      /* bound reached or interrupted: the running and the never started cycles failed */
      for (guint c = s->cycles_done + (s->busy ? 1 : 0); c < l->cycles; c++)
        l->flow_cycles[cycle_flow (l, s, c)]++;
      if (s->busy)
        fail_cycle (s, "end (the step's bound)");
      for (guint c = s->cycles_done; c < l->cycles; c++)
        l->flow_failures[cycle_flow (l, s, c)]++;
      g_clear_pointer (&s->caller, sr_component_free);
    }
  g_ptr_array_set_size (l->generators, 0); /* stops them by PID */
  for (guint h = 0; h < N_HOPS; h++)
    sr_stats_summarize ((const gdouble *)(gpointer)l->samples[h]->data, l->samples[h]->len,
                        &out->hop[h]);
  for (guint f = 0; f < N_FLOWS; f++)
    {
      out->flow_cycles[f] = l->flow_cycles[f];
      out->flow_failures[f] = l->flow_failures[f];
      out->cycles += l->flow_cycles[f];
      out->failures += l->flow_failures[f];
    }
  return TRUE;
}

/* ---- report -------------------------------------------------------------------------------- */

static SrTestResult *
step_test (Load *l, const StepResult *r, gint64 start_ns)
{
  g_autofree gchar *id = g_strdup_printf ("load.%03gcps.%ustb", r->rate, l->stbs);
  SrTestResult *t = sr_test_result_new (id);
  t->summary
      = g_strdup_printf ("%u STBs (%u with media) x %u cycles of %s, %u registered "
                         "background subscribers, %g background calls/s",
                         l->stbs, l->media, l->cycles, l->flows_text, l->subscribers, r->rate);
  t->started = t->finished = TRUE;
  t->start_ns = start_ns;
  t->end_ns = start_ns + (gint64)(r->seconds * 1e9);
  for (guint h = 0; h < N_HOPS; h++)
    for (guint i = 0; i < l->samples[h]->len; i++)
      sr_test_result_add_latency (t, hops[h].name, NULL, NULL, NULL,
                                  (gint64)(g_array_index (l->samples[h], gdouble, i) * 1e6), -1);
  for (guint i = 0; i < l->failure_notes->len; i++)
    sr_test_result_add_issue (t, sr_issue_new ("load::cycle-timeout", SR_VERDICT_INCONC, NULL,
                                               g_ptr_array_index (l->failure_notes, i), 0));
  g_ptr_array_set_size (l->failure_notes, 0);
  sr_test_result_set_verdict (t, r->failures ? SR_VERDICT_INCONC : SR_VERDICT_PASS);
  return t;
}

static void
json_int (JsonBuilder *b, const gchar *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
json_double (JsonBuilder *b, const gchar *name, gdouble v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static void
group_json (JsonBuilder *b, const gchar *name, const Group *g)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_int (b, "stbs", g->stbs);
  json_double (b, "cpu_pct", g->cpu);
  json_int (b, "pss_kib", (gint64)g->pss_kib);
  json_builder_end_object (b);
}

static void
step_json (Load *l, JsonBuilder *b, const StepResult *r)
{
  json_builder_begin_object (b);
  json_double (b, "calls_per_s", r->rate);
  json_int (b, "stbs", l->stbs);
  json_int (b, "cycles", r->cycles);
  json_int (b, "failed_cycles", r->failures);
  json_double (b, "seconds", r->seconds);
  json_double (b, "kamailio_cpu_pct", r->kamailio_cpu);
  json_double (b, "harness_cpu_pct", r->harness_cpu);
  json_double (b, "stb_cpu_pct", r->stb_cpu);
  json_int (b, "stb_pss_kib", (gint64)r->stb_pss_kib);
  json_int (b, "harness_pss_kib", (gint64)r->harness_pss_kib);
  json_double (b, "headend_cpu_pct", r->headend_cpu);
  json_int (b, "headend_pss_kib", (gint64)r->headend_pss_kib);
  json_builder_set_member_name (b, "per_stb"); /* CPU and PSS per STB, with and without media */
  json_builder_begin_object (b);
  group_json (b, "media", &r->media);
  group_json (b, "no_media", &r->plain);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "flows");
  json_builder_begin_object (b);
  for (guint i = 0; i < l->n_flows; i++)
    {
      json_builder_set_member_name (b, flow_names[l->flows[i]]);
      json_builder_begin_object (b);
      json_int (b, "cycles", r->flow_cycles[l->flows[i]]);
      json_int (b, "failed_cycles", r->flow_failures[l->flows[i]]);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "hops");
  json_builder_begin_object (b);
  for (guint h = 0; h < N_HOPS; h++)
    {
      if (!hop_active (l, h))
        continue;
      json_builder_set_member_name (b, hops[h].name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "flow");
      json_builder_add_string_value (b, flow_names[hops[h].flow]);
      json_int (b, "n", r->hop[h].n);
      json_double (b, "p50_ms", r->hop[h].p50);
      json_double (b, "p95_ms", r->hop[h].p95);
      json_double (b, "p99_ms", r->hop[h].p99);
      json_double (b, "max_ms", r->hop[h].max);
      json_builder_set_member_name (b, "media_only");
      json_builder_add_boolean_value (b, hops[h].media);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
curve_json (Load *l, JsonBuilder *b, GArray *steps)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "load");
  json_builder_begin_object (b);
  json_int (b, "stbs", l->stbs);
  json_int (b, "media_stbs", l->media);
  json_int (b, "subscribers", l->subscribers);
  json_int (b, "cycles_per_stb", l->cycles);
  json_int (b, "kamailio_children", l->children);
  json_builder_set_member_name (b, "mix");
  json_builder_add_string_value (b, l->mix_text);
  json_builder_set_member_name (b, "media");
  json_builder_add_boolean_value (b, l->media > 0);
  json_builder_set_member_name (b, "flows");
  json_builder_begin_array (b);
  for (guint i = 0; i < l->n_flows; i++)
    json_builder_add_string_value (b, flow_names[l->flows[i]]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < steps->len; i++)
    step_json (l, b, &g_array_index (steps, StepResult, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* Failed cycles of the flow @hop belongs to (a tune-in's count with the flow it preceded). */
static guint
hop_failures (const StepResult *r, guint hop)
{
  return hops[hop].flow == FLOW_TUNE ? r->failures : r->flow_failures[hops[hop].flow];
}

static gchar *
curve_text (Load *l, GArray *steps, gboolean html)
{
  GString *out = g_string_new (NULL);
  if (html)
    g_string_append_printf (
        out,
        "<h2>Load curve (%u STBs, %u with media, %u registered background subscribers; "
        "flows %s)</h2>\n"
        "<table>\n<tr><th>calls/s</th><th>hop</th><th>n</th><th>p50 ms</th>"
        "<th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>failed cycles (flow)</th>"
        "<th>Kamailio CPU %%</th><th>harness CPU %%</th><th>STBs CPU %%</th>"
        "<th>PSS per STB KiB</th></tr>\n",
        l->stbs, l->media, l->subscribers, l->flows_text);
  else
    g_string_append_printf (out, "%-8s %-36s %5s %9s %9s %9s %9s %6s %7s %7s %7s %8s\n", "calls/s",
                            "hop", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "failed", "kam%",
                            "harn%", "stbs%", "pss_kib");
  for (guint i = 0; i < steps->len; i++)
    {
      const StepResult *r = &g_array_index (steps, StepResult, i);
      for (guint h = 0; h < N_HOPS; h++)
        if (hop_active (l, h))
          g_string_append_printf (
              out,
              html ? "<tr><td>%g</td><td>%s</td><td>%u</td><td>%.1f</td><td>%.1f</td>"
                     "<td>%.1f</td><td>%.1f</td><td>%u</td><td>%.1f</td><td>%.1f</td>"
                     "<td>%.1f</td><td>%" G_GUINT64_FORMAT "</td></tr>\n"
                   : "%-8g %-36s %5u %9.1f %9.1f %9.1f %9.1f %6u %7.1f %7.1f %7.1f "
                     "%8" G_GUINT64_FORMAT "\n",
              r->rate, hops[h].name, r->hop[h].n, r->hop[h].p50, r->hop[h].p95, r->hop[h].p99,
              r->hop[h].max, hop_failures (r, h), r->kamailio_cpu, r->harness_cpu, r->stb_cpu,
              r->stb_pss_kib);
      g_string_append_printf (
          out,
          html ? "<tr><td>%g</td><td colspan=\"11\">per STB: %u with media %.1f%% CPU, "
                 "%" G_GUINT64_FORMAT " KiB PSS; %u without %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB PSS; head-end %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB; harness %" G_GUINT64_FORMAT " KiB</td></tr>\n"
               : "%-8g per STB: %u with media %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB PSS; %u without %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB PSS; head-end %.1f%% CPU, %" G_GUINT64_FORMAT
                 " KiB; harness %" G_GUINT64_FORMAT " KiB\n",
          r->rate, r->media.stbs, r->media.cpu, r->media.pss_kib, r->plain.stbs, r->plain.cpu,
          r->plain.pss_kib, r->headend_cpu, r->headend_pss_kib, r->harness_pss_kib);
    }
  if (html)
    g_string_append (out, "</table>\n");
  return g_string_free (out, FALSE);
}

/* ---- main ------------------------------------------------------------------------------- */

static gboolean
on_signal (gpointer data)
{
  Load *l = data;
  g_atomic_int_set (&l->interrupted, 1);
  g_printerr ("\nstbsim load: interrupted, stopping everything and writing the report\n");
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_mix (Load *l, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (l->mix_text, ",", -1);
  gdouble sum = 0;
  if (g_strv_length (parts) != 3)
    goto bad;
  for (guint i = 0; i < 3; i++)
    {
      gchar *end = NULL;
      l->mix[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || l->mix[i] < 0)
        goto bad;
      sum += l->mix[i];
    }
  if (sum <= 0)
    goto bad;
  for (guint i = 0; i < 3; i++)
    l->mix[i] /= sum;
  return TRUE;
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--mix %s: three weights ANSWER,REJECT,CANCEL, e.g. 7,2,1", l->mix_text);
  return FALSE;
}

static GArray *
parse_steps (const gchar *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (gdouble));
  for (guint i = 0; parts[i]; i++)
    {
      gchar *end = NULL;
      gdouble v = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || v < 0 || v > MAX_RATE || i >= 32)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--steps %s: up to 32 comma-separated call rates, 0..%g calls/s", text,
                       MAX_RATE);
          g_array_unref (steps);
          return NULL;
        }
      g_array_append_val (steps, v);
    }
  return steps;
}

/* --flows: names from flow_names, each at most once. */
static gboolean
parse_flows (Load *l, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (l->flows_text, ",", -1);
  l->n_flows = 0;
  for (guint i = 0; parts[i]; i++)
    {
      guint f = 0;
      while (f < N_FLOWS && !g_str_equal (parts[i], flow_names[f]))
        f++;
      gboolean twice = FALSE;
      for (guint j = 0; j < l->n_flows; j++)
        twice |= l->flows[j] == (Flow)f;
      if (f == N_FLOWS || twice)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--flows %s: %s '%s'; the flows are callee-accept, caller, reject "
                       "(comma-separated, each once)",
                       l->flows_text, twice ? "repeated flow" : "unknown flow", parts[i]);
          return FALSE;
        }
      l->flows[l->n_flows++] = (Flow)f;
    }
  if (l->n_flows == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--flows: at least one of callee-accept, caller, reject");
      return FALSE;
    }
  return TRUE;
}

static void
stop_component (SrComponent **comp, gint timeout_ms)
{
  if (*comp && (*comp)->proc)
    stbsim_proc_stop ((*comp)->proc, timeout_ms);
  g_clear_pointer (comp, sr_component_free);
}

static void
load_clear (Load *l)
{
  if (l->stbs_v)
    g_ptr_array_unref (l->stbs_v); /* stops every STB by PID */
  if (l->generators)
    g_ptr_array_unref (l->generators);
  g_clear_pointer (&l->population, sr_component_free);
  g_clear_pointer (&l->uas_answer, sr_component_free);
  g_clear_pointer (&l->uas_busy, sr_component_free);
  stop_component (&l->headend, 5000);
  stop_component (&l->ims, 10000);
  for (guint h = 0; h < N_HOPS; h++)
    if (l->samples[h])
      g_array_unref (l->samples[h]);
  if (l->failure_notes)
    g_ptr_array_unref (l->failure_notes);
  if (l->sock_dir)
    g_rmdir (l->sock_dir);
  g_free (l->steps_text);
  g_free (l->mix_text);
  g_free (l->flows_text);
  g_free (l->report_dir);
  g_free (l->build_root);
  g_free (l->source_root);
  g_free (l->run_dir);
  g_free (l->logs);
  g_free (l->sock_dir);
  g_free (l->sipp_dir);
  g_free (l->ims_addr);
  g_free (l->lineup);
  g_free (l->vod);
}

/* Wait (bounded) until every STB registered (voip.registered); the count. */
static guint
await_registered (Load *l)
{
  gint64 reg_end = g_get_monotonic_time () + (gint64)(REGISTER_TIMEOUT_S * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, on_tick, NULL);
  guint registered = 0;
  while (!g_atomic_int_get (&l->interrupted))
    {
      registered = 0;
      for (guint i = 0; i < l->stbs_v->len; i++)
        registered += ((Stb *)g_ptr_array_index (l->stbs_v, i))->registered;
      if (registered == l->stbs || g_get_monotonic_time () > reg_end)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  return registered;
}

/* The IMS core, the head-end (media), the background and the STBs, every STB registered. */
static gboolean
load_setup (Load *l, GError **error)
{
  gint64 t_setup = g_get_monotonic_time ();
  gboolean ok = write_subscribers (l, error) && start_ims (l, error);
  if (ok && l->media > 0)
    ok = start_headend (l, error);
  if (ok && l->subscribers > 0)
    ok = (l->population = start_population (l, error)) != NULL;
  if (ok)
    ok = (l->uas_answer = start_uas (l, "bga", "uas-answer.xml", error)) != NULL
         && (l->uas_busy = start_uas (l, "bgr", "uas-busy.xml", error)) != NULL;
  for (guint i = 1; ok && i <= l->stbs && !g_atomic_int_get (&l->interrupted); i++)
    {
      Stb *s = g_new0 (Stb, 1);
      s->load = l;
      s->index = i;
      s->channel = i <= l->media ? i : 0;
      g_ptr_array_add (l->stbs_v, s);
      ok = stb_start (l, s, error);
    }
  guint registered = ok ? await_registered (l) : 0;
  if (ok && registered < l->stbs)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%u of %u STBs registered within %.0f s (logs/stb*-voip.log)", registered,
                   l->stbs, REGISTER_TIMEOUT_S);
      ok = FALSE;
    }
  g_print ("stbsim load: set-up %.1f s (%u STB(s) registered)\n",
           (gdouble)(g_get_monotonic_time () - t_setup) / 1e6, registered);
  return ok && !g_atomic_int_get (&l->interrupted);
}

static int
load_run (Load *l, GArray *steps, gdouble step_s, const gchar *command_line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *ts = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree gchar *run_id = g_strdup_printf ("%s-load-%04x", ts, g_random_int_range (0, 0x10000));
  l->run_dir = g_build_filename (l->report_dir, run_id, NULL);
  l->logs = g_build_filename (l->run_dir, "logs", NULL);
  l->sipp_dir = g_build_filename (l->source_root, "sim", "ims", "sipp", NULL);
  l->sock_dir = g_dir_make_tmp ("stbsim-load-XXXXXX", &error);
  if (l->sock_dir == NULL || g_mkdir_with_parents (l->logs, 0755) != 0)
    {
      g_printerr ("stbsim load: %s\n", error ? error->message : "cannot create the run directory");
      return SR_EXIT_ERROR;
    }
  l->stbs_v = g_ptr_array_new_with_free_func ((GDestroyNotify)stb_free);
  l->generators = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_component_free);
  l->failure_notes = g_ptr_array_new_with_free_func (g_free);
  for (guint h = 0; h < N_HOPS; h++)
    l->samples[h] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (SrReport) report = sr_report_new (run_id, l->run_dir);
  report->suite_name = g_strdup ("load");
  report->mode = g_strdup ("sip");
  report->profile = g_strdup ("none");
  report->dut_iptv = g_strdup ("reference module (stb-iptv)");
  report->dut_voip = g_strdup ("reference module (stb-voip)");
  report->command_line = g_strdup (command_line);
  g_print ("stbsim load: run %s: %u STB(s) (%u with media), flows %s, %u background "
           "subscriber(s), steps %s calls/s, report in %s\n",
           run_id, l->stbs, l->media, l->flows_text, l->subscribers, l->steps_text, l->run_dir);

  gboolean ok = load_setup (l, &error);
  if (!ok)
    {
      if (error)
        g_printerr ("stbsim load: set-up failed: %s\n", error->message);
      SrTestResult *t = sr_test_result_new ("load.setup");
      t->started = t->finished = TRUE;
      sr_test_result_add_issue (t, sr_issue_new ("run::setup-failed", SR_VERDICT_ERROR, NULL,
                                                 error ? error->message : "interrupted", 0));
      g_ptr_array_add (report->tests, t);
    }
  g_autoptr (GArray) results = g_array_new (FALSE, TRUE, sizeof (StepResult));
  for (guint i = 0; ok && i < steps->len && !g_atomic_int_get (&l->interrupted); i++)
    {
      StepResult r;
      gint64 start_ns = stbsim_now_ns ();
      if (!run_step (l, g_array_index (steps, gdouble, i), step_s, &r, &error))
        {
          g_printerr ("stbsim load: step %g calls/s: %s\n", g_array_index (steps, gdouble, i),
                      error->message);
          break;
        }
      g_array_append_val (results, r);
      g_ptr_array_add (report->tests, step_test (l, &r, start_ns));
      g_print ("step %g calls/s: %u/%u cycles, Kamailio CPU %.1f%%\n", r.rate,
               r.cycles - r.failures, r.cycles, r.kamailio_cpu);
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  curve_json (l, b, results);
  report->extra_json = json_builder_get_root (b);
  report->extra_html = curve_text (l, results, TRUE);
  report->interrupted
      = g_atomic_int_get (&l->interrupted) ? g_strdup ("interrupted by a signal") : NULL;
  report->finished = report->interrupted == NULL;
  g_autofree gchar *text = curve_text (l, results, FALSE);
  g_print ("\n%s", text);
  if (!sr_report_write_all (report, &error))
    {
      g_printerr ("stbsim load: cannot write the report: %s\n", error->message);
      return SR_EXIT_ERROR;
    }
  g_print ("report: %s/report.html\n", l->run_dir);
  return sr_verdict_exit_code (sr_report_verdict (report));
}

int
sr_load_main (int argc, char **argv)
{
  Load l = { 0 };
  gint stbs = 4, media = 0, subscribers = 100, cycles = 5, children = 2;
  gdouble step_s = 10.0;
  g_autofree gchar *steps_text = NULL, *mix = NULL, *flows = NULL, *report_dir = NULL;
  GOptionEntry entries[] = {
    { "stbs", 'k', 0, G_OPTION_ARG_INT, &stbs, "Simulated STBs, full process stacks (default 4)",
      "K" },
    { "media", 0, 0, G_OPTION_ARG_INT, &media,
      "The first N STBs play a live channel of a head-end (default 0)", "N" },
    { "flows", 0, 0, G_OPTION_ARG_STRING, &flows,
      "Flows each STB's cycles rotate through (default callee-accept,caller,reject)", "F,F,..." },
    { "subscribers", 'M', 0, G_OPTION_ARG_INT, &subscribers,
      "Registered background subscribers (sipp, refreshing; default 100)", "M" },
    { "steps", 's', 0, G_OPTION_ARG_STRING, &steps_text,
      "Background call rates, one load step each (default 0,5,20)", "R,R,..." },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &mix,
      "Background calls answered,rejected,cancelled (weights; default 7,2,1)", "A,R,C" },
    { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles,
      "Cycles per STB per step, one flow each (default 5)", "N" },
    { "step-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &step_s,
      "Each step lasts at least this long (default 10)", "S" },
    { "kamailio-children", 0, 0, G_OPTION_ARG_INT, &children,
      "Kamailio UDP worker processes (default 2)", "N" },
    { "report-dir", 'r', 0, G_OPTION_ARG_FILENAME, &report_dir,
      "Where the run directory goes (default: reports)", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- switch latency of K STBs against one loaded IMS core");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *command_line = g_strjoinv (" ", argv);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("stbsim load: %s\n", error ? error->message : "unexpected arguments");
      return SR_EXIT_USAGE;
    }
  if (stbs < 1 || stbs > MAX_STBS || subscribers < 0 || subscribers > MAX_SUBSCRIBERS || cycles < 1
      || cycles > MAX_CYCLES || children < 1 || children > 64 || step_s < 0 || step_s > 3600
      || media < 0 || media > MIN (stbs, MAX_MEDIA))
    {
      g_printerr ("stbsim load: --stbs 1..%d, --media 0..min(--stbs, %d), --subscribers 0..%d, "
                  "--cycles 1..%d, --kamailio-children 1..64, --step-seconds 0..3600\n",
                  MAX_STBS, MAX_MEDIA, MAX_SUBSCRIBERS, MAX_CYCLES);
      return SR_EXIT_USAGE;
    }
  l.stbs = (guint)stbs;
  l.media = (guint)media;
  l.subscribers = (guint)subscribers;
  l.cycles = (guint)cycles;
  l.children = (guint)children;
  l.steps_text = g_strdup (steps_text ? steps_text : "0,5,20");
  l.mix_text = g_strdup (mix ? mix : "7,2,1");
  l.flows_text = g_strdup (flows ? flows : "callee-accept,caller,reject");
  l.report_dir = g_strdup (report_dir ? report_dir : "reports");
  g_autoptr (GArray) steps = parse_steps (l.steps_text, &error);
  if (steps == NULL || !parse_mix (&l, &error) || !parse_flows (&l, &error))
    {
      g_printerr ("stbsim load: %s\n", error->message);
      load_clear (&l);
      return SR_EXIT_USAGE;
    }
  const gchar *br = g_getenv ("STBSIM_BUILD_ROOT");
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (br)
    l.build_root = g_strdup (br);
  else if (exe && g_str_has_suffix (exe, "/sim/runner/stbsim"))
    l.build_root = g_strndup (exe, strlen (exe) - strlen ("/sim/runner/stbsim"));
  else
    l.build_root = g_strdup (STBSIM_BUILD_ROOT);
  const gchar *sr = g_getenv ("STBSIM_SOURCE_ROOT");
  l.source_root = g_strdup (sr ? sr : STBSIM_SOURCE_ROOT);
  guint s1 = g_unix_signal_add (SIGINT, on_signal, &l);
  guint s2 = g_unix_signal_add (SIGTERM, on_signal, &l);
  int rc = load_run (&l, steps, step_s, command_line);
  g_source_remove (s1);
  g_source_remove (s2);
  load_clear (&l);
  return rc;
}
