/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-flow"

/*
 * Flow invariants judged on every test (SPEC §6, §7, §9): who may send what, and when, seen
 * at the server (channel only, so they hold for a DUT without the agent interface too), plus
 * what the IPTV module reports about its pages and what it resumes.
 */

#include <stdlib.h>

#include "sr-check-types.h"
#include "stb-protocol.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define GIVE_BACK "flow.give-back"
#define IPTV_SENDS "flow.iptv-sends"
#define IPTV_REPORTS "flow.iptv-reports"
#define AGENT "agent.presence"

static gboolean
is_param (const SrEvent *e, StbSwitchParam param)
{
  return g_strcmp0 (e->name, stb_switch_param_to_string (param)) == 0;
}

/* A switch message at the server from anyone (module or harness): the stimulus view. */
static gboolean
is_sent (const SrEvent *e)
{
  return e->kind == SR_EVENT_QCOP && g_strcmp0 (e->target, "server") == 0 && e->msg_type != 0;
}

/* ---- the VoIP module gives the screen back exactly once (SW-VOIP-06, SW-VOIP-02) ---------- */

typedef struct
{
  gboolean media_on;     /* voip.media started since the last give-back */
  gboolean page_main;    /* voip.page page=main since the last give-back */
  gint64 media_off_ns;   /* voip.media released (0: not since the media started) */
  gint64 hidden_ns;      /* voip.page page=hidden since the media started */
  gchar *state;          /* the VoIP module's state as it reports it (voip.state to=) */
  gint64 state_ns;       /* when it entered it */
  gint client;           /* current VoIP connection */
  gboolean first_seen;   /* it sent its first switch message */
  gint64 registered_ns;  /* its listen registration */
  gint64 stop_open_ns;   /* STOP_IPTV sent, RESUME_IPTV not yet (0: none) */
  gint64 caller_open_ns; /* CALLER_SHOW_VIDEO_PAGE at the server, BACK_TO_NAV not yet */
  gboolean disconnected;
} GiveBack;

static gpointer
give_back_start (const SrCheckContext *ctx)
{
  return g_new0 (GiveBack, 1);
}

static void
give_back_free (gpointer data)
{
  GiveBack *g = data;
  g_free (g->state);
  g_free (g);
}

static void judge_give_back_order (const SrCheckContext *ctx, GiveBack *g, const SrEvent *e);

/* What the VoIP module reports: media and page around the give-back (SW-VOIP-07), and the
 * state it acts on keys in (SW-VOIP-09). */
static void
give_back_agent (const SrCheckContext *ctx, GiveBack *g, const SrEvent *e)
{
  if (g_str_equal (e->name, "voip.ready"))
    {
      g_free (g->state);
      g->state = g_strdup ("IDLE");
      g->media_on = g->page_main = FALSE;
    }
  else if (g_str_equal (e->name, "voip.state"))
    {
      g_free (g->state);
      g->state = sr_event_detail (e, "to");
      g->state_ns = e->t_ns;
    }
  else if (g_str_equal (e->name, "voip.media") && sr_event_matches (e, "state=started"))
    {
      g->media_on = TRUE;
      g->media_off_ns = 0;
    }
  else if (g_str_equal (e->name, "voip.media") && sr_event_matches (e, "state=released"))
    g->media_off_ns = e->t_ns;
  else if (g_str_equal (e->name, "switch.tx") && sr_event_matches (e, "param=RESUME_IPTV"))
    judge_give_back_order (ctx, g, e); /* its own report of the send: a second witness */
  else if (g_str_equal (e->name, "voip.page") && sr_event_matches (e, "page=hidden"))
    g->hidden_ns = e->t_ns;
  else if (g_str_equal (e->name, "voip.page") && sr_event_matches (e, "page=main"))
    {
      g->page_main = TRUE;
      g->hidden_ns = 0;
    }
  else if (g_str_equal (e->name, "voip.key") && sr_event_matches (e, "handled=yes") && g->state)
    {
      /* the state the key arrived in: the event's own state= (an stbsim extension), else the
       * reported state, unless it changed just before (the key's own transition: a module
       * reports the key after handling it) */
      g_autofree gchar *at = sr_event_detail (e, "state");
      if (at == NULL && e->t_ns - g->state_ns < 100000000)
        return;
      const gchar *state = at ? at : g->state;
      sr_check_evaluated (ctx, GIVE_BACK, "SW-VOIP-09");
      sr_check_evaluated (ctx, GIVE_BACK, "SW-AGT-03");
      if (g_str_equal (state, "IDLE") || g_str_equal (state, "AWAIT_SHOW"))
        {
          g_autofree gchar *key = sr_event_detail (e, "key");
          sr_check_raise (ctx, GIVE_BACK, "voip::key-without-focus", NULL, e->t_ns,
                          "the VoIP module handled key %s in %s, where it shows nothing",
                          key ? key : "?", state);
        }
    }
}

/* The give-back of a callee call: media released (if it ran) and the main page hidden
 * before RESUME_IPTV reached the server (SW-VOIP-07). */
static void
judge_give_back_order (const SrCheckContext *ctx, GiveBack *g, const SrEvent *e)
{
  if (!g->media_on && !g->page_main)
    return;
  sr_check_evaluated (ctx, GIVE_BACK, "SW-VOIP-07");
  gboolean media_late = g->media_on && (g->media_off_ns == 0 || g->media_off_ns > e->t_ns);
  gboolean hide_late = g->page_main && (g->hidden_ns == 0 || g->hidden_ns > e->t_ns);
  if (media_late || hide_late)
    sr_check_raise (ctx, GIVE_BACK, "voip::give-back-order", NULL, e->t_ns,
                    "RESUME_IPTV was sent (%s) before the VoIP module had %s%s%s",
                    e->kind == SR_EVENT_AGENT ? "its own switch.tx" : "at the server",
                    media_late ? "released its media (voip.media state=released)" : "",
                    media_late && hide_late ? " and " : "",
                    hide_late ? "hidden its page (voip.page page=hidden)" : "");
  g->media_on = g->page_main = FALSE;
}

static void
give_back_conn (const SrCheckContext *ctx, GiveBack *g, const SrEvent *e)
{
  if (g_strcmp0 (e->source, "voip") != 0)
    return;
  if (g_str_equal (e->name, "qcop.connect"))
    {
      /* a (re)started VoIP module: a new life, no call of the old one is resumed (SW-RST-04) */
      g->client = e->client;
      g->first_seen = g->disconnected = FALSE;
      g->registered_ns = g->stop_open_ns = 0;
    }
  else if (g_str_equal (e->name, "qcop.register") && e->client == g->client
           && g->registered_ns == 0)
    g->registered_ns = e->t_ns;
  else if (g_str_equal (e->name, "qcop.disconnect") && e->client == g->client
           && e->t_ns < ctx->stop_ns)
    g->disconnected = TRUE;
}

static void
give_back_voip_sends (const SrCheckContext *ctx, GiveBack *g, const SrEvent *e)
{
  sr_check_evaluated (ctx, GIVE_BACK, "SW-VOIP-06");
  if (e->client == g->client && !g->first_seen)
    {
      g->first_seen = TRUE;
      sr_check_evaluated (ctx, GIVE_BACK, "SW-VOIP-02");
      if (!is_param (e, STB_SWITCH_PARAM_RESUME_IPTV))
        sr_check_raise (ctx, GIVE_BACK, "voip::startup-resume", NULL, e->t_ns,
                        "the VoIP module's first switch message after its start is %s; it must "
                        "be one RESUME_IPTV",
                        e->name);
      else
        return; /* the start-up RESUME_IPTV */
    }
  if (is_param (e, STB_SWITCH_PARAM_STOP_IPTV))
    {
      if (g->stop_open_ns != 0)
        sr_check_raise (ctx, GIVE_BACK, "voip::give-back", NULL, e->t_ns,
                        "the VoIP module sent STOP_IPTV again without a RESUME_IPTV for the "
                        "previous one");
      g->stop_open_ns = e->t_ns;
    }
  else if (is_param (e, STB_SWITCH_PARAM_RESUME_IPTV))
    {
      judge_give_back_order (ctx, g, e);
      if (g->stop_open_ns == 0)
        sr_check_raise (ctx, GIVE_BACK, "voip::give-back", NULL, e->t_ns,
                        "the VoIP module sent RESUME_IPTV with no STOP_IPTV open: the screen was "
                        "given back twice, or never taken");
      g->stop_open_ns = 0;
    }
  else if (is_param (e, STB_SWITCH_PARAM_BACK_TO_NAV))
    {
      if (g->caller_open_ns == 0)
        sr_check_raise (ctx, GIVE_BACK, "voip::give-back", NULL, e->t_ns,
                        "the VoIP module sent BACK_TO_NAV with no CALLER_SHOW_VIDEO_PAGE open "
                        "(SW-VOIP-06: exactly one per caller flow; SW-VOIP-08: none at call end)");
      g->caller_open_ns = 0;
    }
}

static void
give_back_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  GiveBack *g = state;
  StbRole role;
  if (e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "voip") == 0)
    give_back_agent (ctx, g, e);
  else if (e->kind == SR_EVENT_CHANNEL)
    give_back_conn (ctx, g, e);
  else if (sr_check_is_module_send (e, &role) && role == STB_ROLE_VOIP)
    give_back_voip_sends (ctx, g, e);
  else if (is_sent (e) && is_param (e, STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE))
    g->caller_open_ns = e->t_ns; /* from the IPTV module or the harness playing it */
}

static void
give_back_finish (const SrCheckContext *ctx, gpointer state)
{
  GiveBack *g = state;
  /* a VoIP module that registered and then said nothing for the rest of the test never sent
   * its start-up RESUME_IPTV (our module sends it within milliseconds of READY) */
  if (g->client != 0 && g->registered_ns != 0 && !g->first_seen && !g->disconnected
      && ctx->stop_ns - g->registered_ns > 1500000000)
    sr_check_raise (ctx, GIVE_BACK, "voip::startup-resume", NULL, g->registered_ns,
                    "the VoIP module registered its channel %.1f s before the end of the test "
                    "and never sent its start-up RESUME_IPTV",
                    (gdouble)(ctx->stop_ns - g->registered_ns) / 1e9);
}

const SrCheckType sr_check_give_back = {
  GIVE_BACK,
  (1u << SR_EVENT_QCOP) | (1u << SR_EVENT_CHANNEL) | (1u << SR_EVENT_AGENT),
  REQ ("SW-VOIP-06", "SW-VOIP-02", "SW-RST-01", "SW-VOIP-07", "SW-VOIP-09", "SW-AGT-03"),
  "the VoIP module's give-back invariants on the channel: one RESUME_IPTV per STOP_IPTV, one "
  "BACK_TO_NAV per CALLER_SHOW_VIDEO_PAGE, RESUME_IPTV first after every start",
  give_back_start,
  give_back_event,
  give_back_finish,
  give_back_free,
};

/* ---- the IPTV module sends only what a row prescribes (SW-IPTV-03) ------------------------ */

typedef struct
{
  gint64 stop_delivered_ns;     /* the last STOP_IPTV delivered to the IPTV module */
  gboolean playing;             /* it reported iptv.play without an iptv.stop since */
  gboolean was_playing;         /* it was playing when that STOP_IPTV arrived */
  gboolean page_hidden;         /* its last iptv.page was page=hidden */
  gboolean was_hidden;          /* it was hidden when that STOP_IPTV arrived (I-43, I-55) */
  gint64 stopped_ns, hidden_ns; /* iptv.stop / iptv.page page=hidden since that STOP_IPTV */
  guint keys_since_caller_show; /* key presses to the IPTV module since its last CALLER_SHOW */
  guint stops_delivered;        /* STOP_IPTV delivered to the IPTV module */
  guint callee_shows_sent;
  gint64 caller_show_ns; /* its CALLER_SHOW_VIDEO_PAGE while its page was shown (0: hidden) */
  gboolean agent;        /* it sends agent events (its pages are known) */
} IptvSends;

static void judge_callee_order (const SrCheckContext *ctx, IptvSends *s, const SrEvent *e);

/* SW-IPTV-04: with CALLER_SHOW_VIDEO_PAGE the IPTV module hides its UI: its next page is
 * hidden (its report may come just after the server read the message). */
static void
judge_caller_hide (const SrCheckContext *ctx, IptvSends *s, const SrEvent *e)
{
  if (s->caller_show_ns == 0)
    return;
  sr_check_evaluated (ctx, IPTV_SENDS, "SW-IPTV-04");
  if (!s->page_hidden)
    {
      g_autofree gchar *page = sr_event_detail (e, "page");
      sr_check_raise (ctx, IPTV_SENDS, "iptv::caller-not-hidden", NULL, e->t_ns,
                      "the IPTV module sent CALLER_SHOW_VIDEO_PAGE and then showed page %s, "
                      "without hiding its UI (iptv.page page=hidden)",
                      page ? page : "?");
    }
  s->caller_show_ns = 0;
}

static void
iptv_sends_agent (const SrCheckContext *ctx, IptvSends *s, const SrEvent *e)
{
  /* the module's own switch.tx is a second witness of when it sent: a module may write
   * CALLEE_SHOW_VIDEO_PAGE first and the server read it after the hide */
  if (g_str_equal (e->name, "switch.tx") && sr_event_matches (e, "param=CALLEE_SHOW_VIDEO_PAGE")
      && s->stop_delivered_ns != 0)
    {
      judge_callee_order (ctx, s, e);
      return;
    }
  s->agent = TRUE;
  if (g_str_equal (e->name, "iptv.ready"))
    s->playing = s->page_hidden = FALSE;
  else if (g_str_equal (e->name, "iptv.play"))
    s->playing = TRUE;
  else if (g_str_equal (e->name, "iptv.stop"))
    {
      s->playing = FALSE;
      if (s->stop_delivered_ns != 0 && s->stopped_ns == 0)
        s->stopped_ns = e->t_ns;
    }
  else if (g_str_equal (e->name, "iptv.page"))
    {
      s->page_hidden = sr_event_matches (e, "page=hidden");
      judge_caller_hide (ctx, s, e);
      if (s->page_hidden && s->stop_delivered_ns != 0 && s->hidden_ns == 0)
        s->hidden_ns = e->t_ns;
    }
}

/* SW-IPTV-05: on STOP_IPTV, stop (if playing) and hide, and only then CALLEE_SHOW_VIDEO_PAGE.
 * A reply to a duplicate STOP_IPTV (I-55, already hidden) has nothing to stop or hide. */
static void
judge_callee_order (const SrCheckContext *ctx, IptvSends *s, const SrEvent *e)
{
  if (s->stop_delivered_ns == 0 || s->callee_shows_sent > s->stops_delivered)
    return;
  sr_check_evaluated (ctx, IPTV_SENDS, "SW-IPTV-05");
  gboolean stop_late = s->was_playing && (s->stopped_ns == 0 || s->stopped_ns > e->t_ns);
  gboolean hide_late = !s->was_hidden && (s->hidden_ns == 0 || s->hidden_ns > e->t_ns);
  if (stop_late || hide_late)
    sr_check_raise (ctx, IPTV_SENDS, "iptv::callee-order", NULL, e->t_ns,
                    "CALLEE_SHOW_VIDEO_PAGE was sent (%s) before the IPTV module had %s%s%s",
                    e->kind == SR_EVENT_AGENT ? "its own switch.tx" : "at the server",
                    stop_late ? "stopped its playback (iptv.stop)" : "",
                    stop_late && hide_late ? " and " : "",
                    hide_late ? "hidden its page (iptv.page page=hidden)" : "");
  s->stop_delivered_ns = 0;
}

static gpointer
iptv_sends_start (const SrCheckContext *ctx)
{
  return g_new0 (IptvSends, 1);
}

static void
iptv_sends_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  IptvSends *s = state;
  StbRole role;
  if (e->kind == SR_EVENT_QCOP
      && (g_str_equal (e->name, "key.iptv") || g_str_equal (e->name, "select.iptv")))
    s->keys_since_caller_show++;
  else if (e->kind == SR_EVENT_RUNNER && g_str_has_prefix (e->name, "send.")
           && g_strcmp0 (e->target, "iptv") == 0)
    s->keys_since_caller_show++; /* select(ITEM) and other agent commands */
  else if (e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "iptv") == 0)
    iptv_sends_agent (ctx, s, e);
  else if (sr_check_is_delivery (e, &role) && role == STB_ROLE_IPTV
           && is_param (e, STB_SWITCH_PARAM_STOP_IPTV))
    {
      s->stops_delivered++;
      s->stop_delivered_ns = e->t_ns;
      s->was_playing = s->playing;
      s->was_hidden = s->page_hidden;
      s->stopped_ns = s->hidden_ns = 0;
    }
  else if (sr_check_is_module_send (e, &role) && role == STB_ROLE_IPTV)
    {
      sr_check_evaluated (ctx, IPTV_SENDS, "SW-IPTV-03");
      if (is_param (e, STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE))
        {
          if (s->keys_since_caller_show == 0)
            sr_check_raise (ctx, IPTV_SENDS, "iptv::unprompted-message", NULL, e->t_ns,
                            "the IPTV module sent CALLER_SHOW_VIDEO_PAGE without a user key "
                            "(I-01/I-02 need `ok` on videocall or `videocall`)");
          s->keys_since_caller_show = 0;
          if (!s->page_hidden)
            s->caller_show_ns = e->t_ns;
        }
      else if (is_param (e, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE))
        {
          if (s->callee_shows_sent < s->stops_delivered)
            judge_callee_order (ctx, s, e);
          if (s->callee_shows_sent >= s->stops_delivered)
            sr_check_raise (ctx, IPTV_SENDS, "iptv::unprompted-message", NULL, e->t_ns,
                            "the IPTV module sent CALLEE_SHOW_VIDEO_PAGE #%u but had received "
                            "only %u STOP_IPTV (I-14/I-23/I-30/I-43/I-55 answer a STOP_IPTV)",
                            s->callee_shows_sent + 1, s->stops_delivered);
          s->callee_shows_sent++;
        }
    }
}

static void
iptv_sends_finish (const SrCheckContext *ctx, gpointer state)
{
  IptvSends *s = state;
  /* still not hidden a second after its CALLER_SHOW_VIDEO_PAGE, to the end of the test */
  if (s->caller_show_ns == 0 || !s->agent || ctx->stop_ns - s->caller_show_ns < 1000000000)
    return;
  sr_check_evaluated (ctx, IPTV_SENDS, "SW-IPTV-04");
  sr_check_raise (ctx, IPTV_SENDS, "iptv::caller-not-hidden", NULL, s->caller_show_ns,
                  "the IPTV module sent CALLER_SHOW_VIDEO_PAGE and never reported hiding its UI "
                  "(iptv.page page=hidden) in the %.1f s that followed",
                  (gdouble)(ctx->stop_ns - s->caller_show_ns) / 1e9);
}

const SrCheckType sr_check_iptv_sends = {
  IPTV_SENDS,
  (1u << SR_EVENT_QCOP) | (1u << SR_EVENT_RUNNER) | (1u << SR_EVENT_AGENT),
  REQ ("SW-IPTV-03", "SW-IPTV-04", "SW-IPTV-05"),
  "the IPTV module sends CALLER_SHOW_VIDEO_PAGE only after a user key (and hides its UI) and "
  "one CALLEE_SHOW_VIDEO_PAGE per STOP_IPTV it received; nothing at start-up",
  iptv_sends_start,
  iptv_sends_event,
  iptv_sends_finish,
  g_free,
};

/* ---- what the IPTV module reports: real page changes, resume what was stopped ------------- */

typedef struct
{
  gchar *page;           /* last iptv.page of this instance */
  gchar *stopped;        /* "live:N" or "vod:A" stopped by STOP_IPTV (R), NULL */
  gint64 stopped_pos_ms; /* VOD position at the stop */
  gboolean resuming;     /* RESUME_IPTV delivered since the stop, no key since */
} IptvReports;

static gpointer
iptv_reports_start (const SrCheckContext *ctx)
{
  return g_new0 (IptvReports, 1);
}

static void
iptv_reports_free (gpointer data)
{
  IptvReports *r = data;
  g_free (r->page);
  g_free (r->stopped);
  g_free (r);
}

static gchar *
programme_of (const SrEvent *e)
{
  g_autofree gchar *kind = sr_event_detail (e, "kind");
  g_autofree gchar *channel = sr_event_detail (e, "channel");
  g_autofree gchar *asset = sr_event_detail (e, "asset");
  if (g_strcmp0 (kind, "live") == 0)
    return g_strdup_printf ("live:%s", channel ? channel : "?");
  if (g_strcmp0 (kind, "vod") == 0)
    return g_strdup_printf ("vod:%s", asset ? asset : "?");
  return NULL;
}

static gint64
position_of (const SrEvent *e)
{
  g_autofree gchar *pos = sr_event_detail (e, "position");
  return pos ? g_ascii_strtoll (pos, NULL, 10) : -1;
}

static gint64
vod_tolerance_ms (const SrCheckContext *ctx)
{
  return sr_check_profile_ms (ctx, "tolerances", "vod_resume_position_ms", 1000);
}

static void
judge_resumed_play (const SrCheckContext *ctx, IptvReports *r, const SrEvent *e)
{
  g_autofree gchar *what = programme_of (e);
  r->resuming = FALSE;
  if (g_str_has_prefix (r->stopped, "live:"))
    {
      sr_check_evaluated (ctx, IPTV_REPORTS, "SW-IPTV-07");
      if (g_strcmp0 (what, r->stopped) != 0)
        sr_check_raise (ctx, IPTV_REPORTS, "iptv::live-channel", NULL, e->t_ns,
                        "after RESUME_IPTV the IPTV module played %s; it had stopped %s",
                        what ? what : "nothing", r->stopped);
      return;
    }
  sr_check_evaluated (ctx, IPTV_REPORTS, "SW-IPTV-06");
  gint64 pos = position_of (e), tol = vod_tolerance_ms (ctx);
  if (g_strcmp0 (what, r->stopped) != 0 || pos < 0 || llabs (pos - r->stopped_pos_ms) > tol)
    sr_check_raise (ctx, IPTV_REPORTS, "iptv::vod-position", NULL, e->t_ns,
                    "after RESUME_IPTV the IPTV module played %s at %" G_GINT64_FORMAT
                    " ms; it had stopped %s at %" G_GINT64_FORMAT " ms (tolerance %" G_GINT64_FORMAT
                    " ms, profile [tolerances] vod_resume_position_ms)",
                    what ? what : "nothing", pos, r->stopped, r->stopped_pos_ms, tol);
}

static void
iptv_agent_event (const SrCheckContext *ctx, IptvReports *r, const SrEvent *e)
{
  if (g_str_equal (e->name, "iptv.ready"))
    {
      g_clear_pointer (&r->page, g_free); /* a new instance: its start-up page is a change */
      g_clear_pointer (&r->stopped, g_free);
      r->resuming = FALSE;
    }
  else if (g_str_equal (e->name, "iptv.page"))
    {
      g_autofree gchar *page = sr_event_detail (e, "page");
      sr_check_evaluated (ctx, IPTV_REPORTS, "SW-IPTV-12");
      if (page != NULL && g_strcmp0 (page, r->page) == 0)
        sr_check_raise (ctx, IPTV_REPORTS, "iptv::page-not-changed", NULL, e->t_ns,
                        "iptv.page page=%s while that page was already shown", page);
      g_free (r->page);
      r->page = g_steal_pointer (&page);
    }
  else if (g_str_equal (e->name, "iptv.stop") && sr_event_matches (e, "reason=stop-iptv"))
    {
      g_free (r->stopped);
      r->stopped = programme_of (e);
      r->stopped_pos_ms = position_of (e);
      r->resuming = FALSE;
    }
  else if (g_str_equal (e->name, "iptv.play") && r->resuming && r->stopped != NULL)
    judge_resumed_play (ctx, r, e);
}

static void
iptv_reports_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  IptvReports *r = state;
  StbRole role;
  if (e->kind == SR_EVENT_AGENT && g_strcmp0 (e->source, "iptv") == 0)
    iptv_agent_event (ctx, r, e);
  else if (sr_check_is_delivery (e, &role) && role == STB_ROLE_IPTV
           && (is_param (e, STB_SWITCH_PARAM_RESUME_IPTV)
               || is_param (e, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV)))
    r->resuming = r->stopped != NULL;
  else if (e->kind == SR_EVENT_QCOP && g_str_equal (e->name, "key.iptv"))
    r->resuming = FALSE; /* the user chose something else */
}

const SrCheckType sr_check_iptv_reports = {
  IPTV_REPORTS,
  (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_QCOP),
  REQ ("SW-IPTV-12", "SW-IPTV-06", "SW-IPTV-07"),
  "iptv.page only on a real change; after RESUME_IPTV the same live channel, or the same VOD "
  "asset at the stop position within the profile's tolerance",
  iptv_reports_start,
  iptv_reports_event,
  NULL,
  iptv_reports_free,
};

/* ---- robustness: the modules survive what the harness throws at them (SW-RX-07) --------- */

typedef struct
{
  guint stimuli; /* impersonated, malformed or random messages sent (send-switch notes) */
} Survival;

static gpointer
survival_start (const SrCheckContext *ctx)
{
  return g_new0 (Survival, 1);
}

static void
survival_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Survival *v = state;
  if (g_str_equal (e->name, "send-switch"))
    v->stimuli++;
}

static void
survival_finish (const SrCheckContext *ctx, gpointer state)
{
  Survival *v = state;
  /* a module that died is dut::crashed (raised when the runner sees the exit); reaching the
   * end after robustness stimuli with no such issue is the evaluation */
  if (v->stimuli > 0)
    sr_check_evaluated (ctx, "robustness.survival", "SW-RX-07");
}

const SrCheckType sr_check_survival = {
  "robustness.survival",
  1u << SR_EVENT_RUNNER,
  REQ ("SW-RX-07"),
  "after the harness's robustness stimuli, every module is still running (a death is "
  "dut::crashed with its exit status)",
  survival_start,
  survival_event,
  survival_finish,
  g_free,
};

/* ---- a DUT that declares the agent interface sends events (SW-AGT-01, SW-EVT-01) --------- */

typedef struct
{
  gboolean connected[2];
  gboolean events[2];
  gint64 first_ns[2];
} Agent;

static gpointer
agent_start (const SrCheckContext *ctx)
{
  return g_new0 (Agent, 1);
}

static void
agent_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Agent *a = state;
  StbRole role;
  if (!stb_role_from_string (e->source, &role))
    return;
  if (e->kind == SR_EVENT_AGENT)
    a->events[role] = TRUE;
  else if (e->kind == SR_EVENT_CHANNEL && g_str_equal (e->name, "qcop.register")
           && !a->connected[role])
    {
      a->connected[role] = TRUE;
      a->first_ns[role] = e->t_ns;
    }
}

static void
agent_finish (const SrCheckContext *ctx, gpointer state)
{
  Agent *a = state;
  for (gint role = 0; role < 2; role++)
    {
      /* a DUT that declares the agent interface; in a run without a DUT, stbsim's modules
       * (they always speak it) */
      gboolean agent = ctx->dut[role] ? ctx->agent_declared[role]
                                      : !ctx->dut[STB_ROLE_IPTV] && !ctx->dut[STB_ROLE_VOIP];
      if (!agent || !a->connected[role])
        continue;
      sr_check_evaluated (ctx, AGENT, "SW-AGT-01");
      sr_check_evaluated (ctx, AGENT, "SW-EVT-01");
      if (!a->events[role])
        sr_check_raise (ctx, AGENT, "agent::no-events", NULL, a->first_ns[role],
                        "the %s %s the agent interface, but it sent no event on STBSim/Events "
                        "during the whole test",
                        role == STB_ROLE_IPTV ? "IPTV" : "VoIP",
                        ctx->dut[role] ? "DUT's ICS declares (agent=yes)" : "module speaks");
    }
}

const SrCheckType sr_check_agent = {
  AGENT,
  (1u << SR_EVENT_AGENT) | (1u << SR_EVENT_CHANNEL),
  REQ ("SW-AGT-01", "SW-EVT-01"),
  "a DUT whose ICS declares agent=yes sends its events",
  agent_start,
  agent_event,
  agent_finish,
  g_free,
};
