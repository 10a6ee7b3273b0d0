/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-iptv"

#include "stb-iptv-app.h"

#include "qcop-datastream.h"
#include "stb-fault.h"
#include "stb-iptv-screen.h"
#include "stbsim-config.h"

/* ---- programmes -------------------------------------------------------------------------- */

void
stb_programme_clear (StbProgramme *p)
{
  g_clear_pointer (&p->asset, g_free);
  *p = (StbProgramme){ 0 };
}

static void
programme_copy (StbProgramme *dst, const StbProgramme *src)
{
  if (dst == src)
    return;
  stb_programme_clear (dst);
  *dst = *src;
  dst->asset = g_strdup (src->asset);
}

static gchar *
programme_details (const StbProgramme *p)
{
  switch (p->kind)
    {
      case STB_PROGRAMME_LIVE:
        return g_strdup_printf ("kind=live;channel=%u", p->channel);
      case STB_PROGRAMME_VOD:
        return g_strdup_printf ("kind=vod;asset=%s;position=%" G_GINT64_FORMAT, p->asset,
                                p->position_ms);
      case STB_PROGRAMME_NONE:
        break;
    }
  return g_strdup ("kind=nav");
}

/* ---- primitive actions (each emits its event) -------------------------------------------- */

static void
transit (StbIptv *self, StbIptvState next, const gchar *row, gint trigger)
{
  if (self->fsm.state == next)
    return; /* rows that keep the state emit no iptv.state [SW-IPTV-02] */
  if (stb_fsm_set_state (&self->fsm, next, row))
    self->trigger = trigger;
}

static void
show_page (StbIptv *self, const gchar *page, const gchar *row)
{
  if (g_strcmp0 (self->page, page) == 0)
    return; /* [SW-IPTV-12] */
  self->page = page;
  stb_module_emitf (&self->module, "page", "page=%s;row=%s", page, row);
  stb_iptv_screen_update (self);
}

static void
emit_focus (StbIptv *self)
{
  const StbEpgEntry *e = stb_epg_current (self->epg);
  g_autofree gchar *item = stb_epg_entry_describe (e);

  g_autofree gchar *title = stb_agent_escape (e->title);

  stb_module_emitf (&self->module, "focus", "item=%s;index=%u;title=%s", item, self->epg->cursor,
                    title);
  stb_iptv_screen_update (self);
}

static void
show_nav (StbIptv *self, const gchar *row)
{
  stb_epg_reset (self->epg);
  show_page (self, "nav", row);
  emit_focus (self);
}

static gint64
current_position (StbIptv *self)
{
  gint64 pos = stb_player_get_position_ms (self->player);

  if (pos >= 0)
    return pos;
  /* the player cannot tell (not started yet): estimate from when we started it */
  return self->current.position_ms + (g_get_monotonic_time () - self->current.started_us) / 1000;
}

/* stop(reason): stop playback and release the decoder. Returns what was playing in @was. */
static void
stop (StbIptv *self, const gchar *reason, const gchar *row, StbProgramme *was)
{
  g_autofree gchar *details = NULL;

  if (self->current.kind == STB_PROGRAMME_NONE)
    return;
  if (self->current.kind == STB_PROGRAMME_VOD)
    self->current.position_ms = current_position (self);
  if (!STB_FAULT ("keep-decoder") || !g_str_equal (reason, "stop-iptv"))
    stb_player_stop (self->player);
  details = programme_details (&self->current);
  stb_module_emitf (&self->module, "stop", "%s;reason=%s;row=%s", details, reason, row);
  if (was)
    programme_copy (was, &self->current);
  stb_programme_clear (&self->current);
  stb_iptv_screen_update (self);
}

static gboolean on_play_failed (gpointer user_data);

static void
play (StbIptv *self, const StbProgramme *p, const gchar *row)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = programme_details (p);
  gboolean ok = FALSE;

  if (p->kind == STB_PROGRAMME_LIVE)
    ok = stb_player_play_live (self->player, p->channel, &error);
  else if (p->kind == STB_PROGRAMME_VOD)
    ok = stb_player_play_vod (self->player, p->asset, p->position_ms, &error);
  programme_copy (&self->current, p);
  self->current.started_us = g_get_monotonic_time ();
  stb_module_emitf (&self->module, "play", "%s;row=%s", details, row);
  stb_iptv_screen_update (self);
  if (!ok)
    {
      g_autofree gchar *detail = stb_agent_escape (error ? error->message : "nothing to play");
      stb_module_emitf (&self->module, "error", "what=player;%s;detail=%s", details, detail);
      /* the row completes first; then the playback-error row (I-16 / I-26) runs */
      if (!self->play_failed_id)
        self->play_failed_id = g_idle_add (on_play_failed, self);
    }
}

static void
play_live (StbIptv *self, guint channel, const gchar *row)
{
  StbProgramme p = { .kind = STB_PROGRAMME_LIVE, .channel = channel };

  play (self, &p, row);
}

/* ---- rows -------------------------------------------------------------------------------- */

/* I-01 / I-02 (and the tail of I-13 / I-22). */
static void
row_video_call (StbIptv *self, const gchar *row)
{
  stb_module_send (&self->module, STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE, row);
  if (!STB_FAULT ("caller-no-hide"))
    show_page (self, "hidden", row);
  transit (self, STB_IPTV_STATE_HIDDEN_CALLER, row, -1);
}

/* I-10, I-20: stop(menu); show nav. */
static void
row_menu (StbIptv *self, const gchar *row)
{
  stop (self, "menu", row, NULL);
  show_nav (self, row);
  transit (self, STB_IPTV_STATE_NAV, row, -1);
}

/* I-13, I-22: stop(menu); show nav; then I-01. */
static void
row_videocall_from_player (StbIptv *self, const gchar *row)
{
  stop (self, "menu", row, NULL);
  show_nav (self, row);
  row_video_call (self, row);
}

/* I-03, I-05, I-11, I-12, I-21: (stop(zap);) show player; play live:N. */
static void
row_live (StbIptv *self, guint channel, const gchar *row)
{
  stop (self, "zap", row, NULL);
  show_page (self, "player", row);
  play_live (self, channel, row);
  transit (self, STB_IPTV_STATE_PLAYING_LIVE, row, -1);
}

/* I-04: show player; play vod:A@0. */
static void
row_vod (StbIptv *self, const gchar *asset, const gchar *row)
{
  StbProgramme p = { .kind = STB_PROGRAMME_VOD, .asset = (gchar *)asset };

  show_page (self, "player", row);
  play (self, &p, row);
  transit (self, STB_IPTV_STATE_PLAYING_VOD, row, -1);
}

/* I-14, I-23, I-30: R := ...; stop(stop-iptv); hide; send CALLEE_SHOW_VIDEO_PAGE. */
#ifdef STB_WITH_FAULTS
static gboolean
on_slow_callee_show (gpointer user_data)
{
  StbIptv *self = user_data;

  stb_module_send (&self->module, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, "I-14");
  return G_SOURCE_REMOVE;
}
#endif

static void
row_stop_iptv (StbIptv *self, const gchar *row)
{
  if (STB_FAULT ("show-before-hide")) /* "tell VoIP first, it is slower" */
    stb_module_send (&self->module, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, row);
  stb_programme_clear (&self->resume); /* R := nav unless something plays */
  stop (self, "stop-iptv", row, &self->resume);
  show_page (self, "hidden", row);
#ifdef STB_WITH_FAULTS
  if (STB_FAULT ("slow-callee-show")) /* waits for the decoder to drain */
    g_timeout_add (stb_fault_delay_ms (800), on_slow_callee_show, self);
#endif
  if (!STB_FAULT ("show-before-hide") && !STB_FAULT ("slow-callee-show"))
    stb_module_send (&self->module, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, row);
  transit (self, STB_IPTV_STATE_HIDDEN_CALLEE, row, STB_SWITCH_PARAM_STOP_IPTV);
}

/* I-40..I-42, I-44, I-54, I-56: (forget R;) show nav. */
static void
row_show_nav (StbIptv *self, const gchar *row, gint trigger)
{
  stb_programme_clear (&self->resume);
  show_nav (self, row);
  transit (self, STB_IPTV_STATE_NAV, row, trigger);
}

/* I-50..I-53: become visible per R. */
static void
row_resume (StbIptv *self, StbSwitchParam trigger)
{
  g_auto (StbProgramme) r = { 0 };
  const gchar *row;

  programme_copy (&r, &self->resume);
  stb_programme_clear (&self->resume);
  if (r.kind == STB_PROGRAMME_NONE)
    {
      row = trigger == STB_SWITCH_PARAM_RESUME_IPTV ? "I-50" : "I-53";
      show_nav (self, row);
      transit (self, STB_IPTV_STATE_NAV, row, (gint)trigger);
      return;
    }
  if (STB_FAULT ("resume-other-channel") && r.kind == STB_PROGRAMME_LIVE)
    r.channel = stb_epg_zap (self->epg, r.channel, 1)->channel; /* off by one in the list */
  if (STB_FAULT ("vod-resume-zero"))
    r.position_ms = 0;
  if (trigger == STB_SWITCH_PARAM_RESUME_IPTV)
    row = r.kind == STB_PROGRAMME_LIVE ? "I-51" : "I-52";
  else
    row = "I-53";
  show_page (self, "player", row);
  play (self, &r, row);
  transit (self,
           r.kind == STB_PROGRAMME_LIVE ? STB_IPTV_STATE_PLAYING_LIVE : STB_IPTV_STATE_PLAYING_VOD,
           row, (gint)trigger);
}

/* ---- keys -------------------------------------------------------------------------------- */

static gboolean
key_digit (const gchar *key, guint *digit)
{
  if (g_ascii_isdigit (key[0]) && key[1] == '\0')
    {
      *digit = (guint)(key[0] - '0');
      return TRUE;
    }
  return FALSE;
}

static gboolean
key_nav (StbIptv *self, const gchar *key)
{
  const StbEpgEntry *e = stb_epg_current (self->epg);
  guint digit;

  if (g_str_equal (key, "ok") && e->kind == STB_EPG_ENTRY_VIDEOCALL)
    row_video_call (self, "I-01");
  else if (g_str_equal (key, "videocall"))
    row_video_call (self, "I-02");
  else if (g_str_equal (key, "ok") && e->kind == STB_EPG_ENTRY_CHANNEL)
    row_live (self, e->channel, "I-03");
  else if (g_str_equal (key, "ok") && e->kind == STB_EPG_ENTRY_VOD)
    row_vod (self, e->asset, "I-04");
  else if (key_digit (key, &digit) && stb_epg_find_channel (self->epg, digit))
    row_live (self, digit, "I-05");
  else if (g_str_equal (key, "up") || g_str_equal (key, "down"))
    {
      stb_epg_move (self->epg, g_str_equal (key, "up") ? -1 : 1); /* I-06 */
      emit_focus (self);
    }
  else
    return FALSE;
  return TRUE;
}

static gboolean
key_live (StbIptv *self, const gchar *key)
{
  guint digit;
  gboolean up = g_str_equal (key, "up");

  if (g_str_equal (key, "menu") || g_str_equal (key, "back"))
    row_menu (self, "I-10");
  else if (key_digit (key, &digit) && stb_epg_find_channel (self->epg, digit)
           && digit != self->current.channel)
    row_live (self, digit, "I-11");
  else if ((up || g_str_equal (key, "down")) && stb_epg_count_channels (self->epg) > 1)
    row_live (self, stb_epg_zap (self->epg, self->current.channel, up ? 1 : -1)->channel, "I-12");
  else if (g_str_equal (key, "videocall"))
    row_videocall_from_player (self, "I-13");
  else
    return FALSE;
  return TRUE;
}

static gboolean
key_vod (StbIptv *self, const gchar *key)
{
  guint digit;

  if (g_str_equal (key, "menu") || g_str_equal (key, "back"))
    row_menu (self, "I-20");
  else if (key_digit (key, &digit) && stb_epg_find_channel (self->epg, digit))
    row_live (self, digit, "I-21");
  else if (g_str_equal (key, "videocall"))
    row_videocall_from_player (self, "I-22");
  else
    return FALSE;
  return TRUE;
}

static gboolean
dispatch_key (StbIptv *self, const gchar *key)
{
  StbIptvState state = self->fsm.state;
  gboolean handled = FALSE;
  guint digit;

  switch (state)
    {
      case STB_IPTV_STATE_NAV:
        handled = key_nav (self, key);
        break;
      case STB_IPTV_STATE_PLAYING_LIVE:
        handled = key_live (self, key);
        break;
      case STB_IPTV_STATE_PLAYING_VOD:
        handled = key_vod (self, key);
        break;
      case STB_IPTV_STATE_HIDDEN_CALLER:
      case STB_IPTV_STATE_HIDDEN_CALLEE:
        if (STB_FAULT ("hidden-digit-plays") && state == STB_IPTV_STATE_HIDDEN_CALLER
            && key_digit (key, &digit) && stb_epg_find_channel (self->epg, digit))
          {
            play_live (self, digit, "I-44"); /* the zap handler does not check visibility */
            return TRUE;
          }
        if ((handled = g_str_equal (key, "menu")))
          row_show_nav (self, state == STB_IPTV_STATE_HIDDEN_CALLER ? "I-44" : "I-56", -1);
        break;
      default:
        break;
    }
  return handled;
}

void
stb_iptv_handle_key (StbIptv *self, const gchar *key)
{
  StbIptvState state = self->fsm.state;
  gboolean handled = dispatch_key (self, key);
  g_autofree gchar *esc = stb_agent_escape (key);

  stb_module_emitf (&self->module, "key", "key=%s;state=%s;handled=%s", esc,
                    stb_iptv_state_to_string (state), handled ? "yes" : "no");
}

/* ---- switch messages: (state, parameter) -> row ------------------------------------------ */

typedef enum
{
  ACT_NONE,        /* row without effect (I-15, I-24, I-31) */
  ACT_STOP_IPTV,   /* I-14, I-23, I-30 */
  ACT_SHOW_NAV,    /* I-40, I-41, I-42, I-54 */
  ACT_CALLER_STOP, /* I-43 */
  ACT_RESUME,      /* I-50..I-53 */
  ACT_REPLY_SHOW,  /* I-55 */
} RowAction;

typedef struct
{
  StbIptvState state;
  StbSwitchParam param;
  const gchar *row; /* NULL: chosen by the action (I-50..I-53 depend on R) */
  RowAction action;
} MessageRow;

static const MessageRow message_rows[] = {
  { STB_IPTV_STATE_PLAYING_LIVE, STB_SWITCH_PARAM_STOP_IPTV, "I-14", ACT_STOP_IPTV },
  { STB_IPTV_STATE_PLAYING_LIVE, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, "I-15", ACT_NONE },
  { STB_IPTV_STATE_PLAYING_VOD, STB_SWITCH_PARAM_STOP_IPTV, "I-23", ACT_STOP_IPTV },
  { STB_IPTV_STATE_PLAYING_VOD, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, "I-24", ACT_NONE },
  { STB_IPTV_STATE_NAV, STB_SWITCH_PARAM_STOP_IPTV, "I-30", ACT_STOP_IPTV },
  { STB_IPTV_STATE_NAV, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, "I-31", ACT_NONE },
  { STB_IPTV_STATE_HIDDEN_CALLER, STB_SWITCH_PARAM_BACK_TO_NAV, "I-40", ACT_SHOW_NAV },
  { STB_IPTV_STATE_HIDDEN_CALLER, STB_SWITCH_PARAM_RESUME_IPTV, "I-41", ACT_SHOW_NAV },
  { STB_IPTV_STATE_HIDDEN_CALLER, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, "I-42", ACT_SHOW_NAV },
  { STB_IPTV_STATE_HIDDEN_CALLER, STB_SWITCH_PARAM_STOP_IPTV, "I-43", ACT_CALLER_STOP },
  { STB_IPTV_STATE_HIDDEN_CALLEE, STB_SWITCH_PARAM_RESUME_IPTV, NULL, ACT_RESUME },
  { STB_IPTV_STATE_HIDDEN_CALLEE, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, NULL, ACT_RESUME },
  { STB_IPTV_STATE_HIDDEN_CALLEE, STB_SWITCH_PARAM_BACK_TO_NAV, "I-54", ACT_SHOW_NAV },
  { STB_IPTV_STATE_HIDDEN_CALLEE, STB_SWITCH_PARAM_STOP_IPTV, "I-55", ACT_REPLY_SHOW },
};

static const MessageRow *
find_row (StbIptvState state, StbSwitchParam param)
{
  for (guint i = 0; i < G_N_ELEMENTS (message_rows); i++)
    if (message_rows[i].state == state && message_rows[i].param == param)
      return &message_rows[i];
  return NULL;
}

static const gchar *
resume_row (StbIptv *self, StbSwitchParam param)
{
  if (param == STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV)
    return "I-53";
  if (self->resume.kind == STB_PROGRAMME_LIVE)
    return "I-51";
  return self->resume.kind == STB_PROGRAMME_VOD ? "I-52" : "I-50";
}

static void
run_row (StbIptv *self, const MessageRow *r, const gchar *row)
{
  switch (r->action)
    {
      case ACT_NONE:
        if (STB_FAULT ("reject-restarts") && r->param == STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV
            && self->current.kind != STB_PROGRAMME_NONE)
          {
            g_auto (StbProgramme) was = { 0 };
            stop (self, "reject", row, &was);
            play (self, &was, row);
          }
        break;
      case ACT_STOP_IPTV:
        row_stop_iptv (self, row);
        break;
      case ACT_SHOW_NAV:
        row_show_nav (self, row, (gint)r->param);
        break;
      case ACT_CALLER_STOP:
        stb_programme_clear (&self->resume);
        stb_module_send (&self->module, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, row);
        transit (self, STB_IPTV_STATE_HIDDEN_CALLEE, row, STB_SWITCH_PARAM_STOP_IPTV);
        break;
      case ACT_RESUME:
        row_resume (self, r->param);
        break;
      case ACT_REPLY_SHOW:
        if (!STB_FAULT ("dup-stop-no-reply"))
          stb_module_send (&self->module, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, row);
        break;
    }
}

void
stb_iptv_handle_switch (StbIptv *self, const StbSwitchMessage *msg, const gchar *channel)
{
  const MessageRow *r = find_row (self->fsm.state, msg->param);
  const gchar *row;

  if (STB_FAULT ("ignore-stop") && msg->param == STB_SWITCH_PARAM_STOP_IPTV)
    return;
  if (!r)
    {
      g_autofree gchar *details = g_strdup_printf (
          "channel=%s;message=%s;type=%d;param=%d;state=%s", channel, self->module.dialect->message,
          msg->raw_type, msg->raw_param, stb_iptv_state_to_string (self->fsm.state));
      /* SPEC §6.2: duplicate when the parameter caused the move into this state */
      stb_module_ignored (&self->module, STB_IGNORED_UNEXPECTED,
                          self->trigger == (gint)msg->param ? "duplicate" : "unexpected-state",
                          details);
      return;
    }
  row = r->row ? r->row : resume_row (self, msg->param);
  stb_module_emit_rx (&self->module, msg, channel, row,
                      r->action == ACT_NONE         ? "none"
                      : r->action == ACT_REPLY_SHOW ? "reply"
                                                    : "transition");
  run_row (self, r, row);
}

/* ---- agent commands ---------------------------------------------------------------------- */

/* select(QString item): move the cursor to @item and press ok; from the player the menu row
 * comes first (SPEC §12.2). */
static void
agent_select (StbIptv *self, const gchar *item)
{
  StbIptvState state = self->fsm.state;
  g_autofree gchar *esc = stb_agent_escape (item);
  gboolean known = FALSE;

  for (guint i = 0; i < self->epg->entries->len && !known; i++)
    {
      g_autofree gchar *name = stb_epg_entry_describe (g_ptr_array_index (self->epg->entries, i));
      known = g_str_equal (name, item);
    }
  if (known && state != STB_IPTV_STATE_HIDDEN_CALLER && state != STB_IPTV_STATE_HIDDEN_CALLEE)
    {
      if (state != STB_IPTV_STATE_NAV)
        dispatch_key (self, "menu"); /* I-10 / I-20 */
      stb_epg_focus (self->epg, item);
      emit_focus (self);
      if (!STB_FAULT ("select-cursor-only")) /* "select = highlight the item" */
        dispatch_key (self, "ok");
    }
  else
    known = FALSE;
  stb_module_emitf (&self->module, "key", "key=select;item=%s;state=%s;handled=%s", esc,
                    stb_iptv_state_to_string (state), known ? "yes" : "no");
}

static gchar *
programme_short (const StbProgramme *p)
{
  switch (p->kind)
    {
      case STB_PROGRAMME_LIVE:
        return g_strdup_printf ("live:%u", p->channel);
      case STB_PROGRAMME_VOD:
        return g_strdup_printf ("vod:%s@%" G_GINT64_FORMAT, p->asset, p->position_ms);
      case STB_PROGRAMME_NONE:
        break;
    }
  return g_strdup ("none");
}

static void
emit_status (StbIptv *self)
{
  g_autofree gchar *playing = programme_short (&self->current);
  g_autofree gchar *resume
      = self->fsm.state == STB_IPTV_STATE_HIDDEN_CALLEE
            ? (self->resume.kind == STB_PROGRAMME_NONE ? g_strdup ("nav")
                                                       : programme_short (&self->resume))
            : g_strdup ("none");
  guint64 ignored = 0;

  for (guint i = 0; i < STB_IGNORED_COUNT; i++)
    ignored += self->module.ignored[i];
  stb_module_emitf (&self->module, "status",
                    "state=%s;page=%s;ignored=%" G_GUINT64_FORMAT ";playing=%s;resume=%s",
                    stb_iptv_state_to_string (self->fsm.state), self->page, ignored, playing,
                    resume);
}

static void
on_command (const gchar *message, GBytes *data, gpointer user_data)
{
  StbIptv *self = user_data;
  g_autofree gchar *details = NULL;
  g_autofree gchar *item = NULL;
  QcopDsReader reader;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  qcop_ds_reader_init (&reader, p, len);
  if (g_str_equal (message, "select(QString)") && qcop_ds_read_string (&reader, &item, NULL)
      && item)
    agent_select (self, item);
  else if (g_str_equal (message, "status()"))
    emit_status (self);
  else
    {
      details = g_strdup_printf ("channel=%s;message=%s;len=%" G_GSIZE_FORMAT,
                                 STB_AGENT_IPTV_CHANNEL, message, len);
      stb_module_ignored (&self->module, STB_IGNORED_MALFORMED, "unknown-message", details);
    }
}

/* ---- player callbacks -------------------------------------------------------------------- */

static void
on_player_first_frame (StbPlayer *player, gint64 t_ns, const gchar *what, gpointer user_data)
{
  StbIptv *self = user_data;
  g_autofree gchar *prog = programme_details (&self->current);
  g_autofree gchar *details = g_strdup_printf ("%s;what=%s", prog, what);

  stb_agent_emit_at (self->module.agent, t_ns, "iptv.first-frame", details);
}

/* I-16 / I-26 (playback error), I-25 (end of stream). */
static void
playback_ended (StbIptv *self, const gchar *reason)
{
  const gchar *row;

  if (self->fsm.state == STB_IPTV_STATE_PLAYING_LIVE)
    row = "I-16";
  else if (self->fsm.state == STB_IPTV_STATE_PLAYING_VOD)
    row = g_str_equal (reason, "eos") ? "I-25" : "I-26";
  else
    return;
  stop (self, reason, row, NULL);
  show_nav (self, row);
  transit (self, STB_IPTV_STATE_NAV, row, -1);
}

static gboolean
on_play_failed (gpointer user_data)
{
  StbIptv *self = user_data;

  self->play_failed_id = 0;
  playback_ended (self, "error");
  return G_SOURCE_REMOVE;
}

static void
on_player_error (StbPlayer *player, const GError *error, gpointer user_data)
{
  StbIptv *self = user_data;

  g_autofree gchar *detail = stb_agent_escape (error->message);

  stb_module_emitf (&self->module, "error", "what=player;detail=%s", detail);
  playback_ended (self, "error");
}

static void
on_player_eos (StbPlayer *player, gpointer user_data)
{
  playback_ended (user_data, "eos");
}

/* ---- wiring ------------------------------------------------------------------------------ */

static void
on_fsm_event (const gchar *event, const gchar *details, gpointer user_data)
{
  StbIptv *self = user_data;

  stb_agent_emit (self->module.agent, event, details);
}

static void
on_switch (StbModule *module, const StbSwitchMessage *msg, const gchar *channel, gpointer user_data)
{
  stb_iptv_handle_switch (user_data, msg, channel);
}

static void
on_key (const gchar *key, gpointer user_data)
{
  stb_iptv_handle_key (user_data, key);
  if (STB_FAULT ("key-autorepeat") && g_ascii_isdigit (key[0])) /* a press and a repeat */
    stb_iptv_handle_key (user_data, key);
}

void
stb_iptv_add_options (StbIptv *self, GOptionContext *context)
{
  const GOptionEntry entries[]
      = { { "lineup", 0, 0, G_OPTION_ARG_FILENAME, &self->lineup_path,
            "Channel lineup (default fixtures/lineup.ini; built-in list if absent)", "FILE" },
          { "vod-base-uri", 0, 0, G_OPTION_ARG_STRING, &self->vod_base_uri,
            "RTSP base for VOD assets, e.g. rtsp://127.0.0.1:8554/vod/", "URI" },
          { "display", 0, 0, G_OPTION_ARG_NONE, &self->display, "Show video in a window", NULL },
          { "no-fcc", 0, 0, G_OPTION_ARG_NONE, &self->no_fcc,
            "No fast channel change: zap and resume join the multicast and wait for a key frame"
            " (default: ask the lineup's [live] fcc= server for a burst, SPEC 14)",
            NULL },
          { NULL } };

  self->module.source = "iptv";
  self->module.role = STB_ROLE_IPTV;
  stb_module_add_options (&self->module, context);
  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
stb_iptv_start (StbIptv *self, GError **error)
{
  static const StbPlayerCallbacks player_cb = {
    .first_frame = on_player_first_frame,
    .error = on_player_error,
    .eos = on_player_eos,
  };
  g_autofree gchar *lineup
      = self->lineup_path ? g_strdup (self->lineup_path)
                          : g_build_filename (STBSIM_SOURCE_ROOT, "fixtures", "lineup.ini", NULL);
  /* live zap (I-03, I-05, I-11, I-12, I-21) and live resume (I-51, I-53) both go through
   * stb_player_play_live(): with fast channel change each starts from a burst */
  StbPlayerConfig config = { .lineup_path = lineup,
                             .vod_base_uri = self->vod_base_uri,
                             .display = self->display,
                             .fast_channel_change = !self->no_fcc };

  self->trigger = -1;
  stb_fsm_init (&self->fsm, stb_iptv_fsm_table (), STB_IPTV_STATE_NAV, on_fsm_event, self);
  if (!(self->epg = stb_epg_load (lineup, error))
      || !(self->player = stb_player_new (&config, &player_cb, self, error))
      || !stb_module_start (&self->module, on_switch, on_key, on_command, self, error)
      || !stb_iptv_screen_start (self, error))
    return FALSE;
  /* [SW-IPTV-03]: start in NAV with the navigation page shown, send nothing */
  show_nav (self, "start");
  if (STB_FAULT ("page-repeat")) /* the first paint and the EPG load both announce it */
    stb_module_emitf (&self->module, "page", "page=nav;row=start");
  if (!stb_module_announce_ready (&self->module, NULL, error))
    return FALSE;
  if (STB_FAULT ("start-sends")) /* "tell VoIP the screen is free" */
    stb_module_send (&self->module, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, "start");
  return TRUE;
}

void
stb_iptv_clear (StbIptv *self)
{
  g_clear_handle_id (&self->play_failed_id, g_source_remove);
  if (self->module.client)
    stb_module_log_counters (&self->module);
  if (self->player)
    stb_player_stop (self->player);
  g_clear_pointer (&self->screen, stb_screen_window_free);
  g_clear_pointer (&self->player, stb_player_free);
  stb_module_clear (&self->module);
  g_clear_pointer (&self->epg, stb_epg_free);
  stb_programme_clear (&self->current);
  stb_programme_clear (&self->resume);
  g_clear_pointer (&self->lineup_path, g_free);
  g_clear_pointer (&self->vod_base_uri, g_free);
}
