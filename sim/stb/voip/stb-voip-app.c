/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-voip"

#include "stb-voip-app.h"

#include "qcop-datastream.h"
#include "stb-fault.h"
#include "stb-voip-screen.h"

#include <glib/gstdio.h>

#include <unistd.h>

/* ---- primitive actions (each emits its event) -------------------------------------------- */

static void
transit (StbVoip *self, StbVoipState next, const gchar *row, gint trigger)
{
  if (self->fsm.state == next)
    return;
  if (stb_fsm_set_state (&self->fsm, next, row))
    self->trigger = trigger;
}

static void
page (StbVoip *self, const gchar *which, const gchar *row)
{
  stb_module_emitf (&self->module, "page", "page=%s;row=%s", which, row);
}

static void
dialog (StbVoip *self, const gchar *state, const gchar *reason)
{
  g_autofree gchar *peer = stb_agent_escape (self->peer);

  stb_module_emitf (&self->module, "dialog", "state=%s;peer=%s%s%s", state, peer,
                    reason ? ";reason=" : "", reason ? reason : "");
}

/* voip.call: @code 0 = none, @reason NULL = none. */
#ifdef STB_WITH_FAULTS
/* The fault call-survives-restart: "the call outlives the process" (a file beside the QCOP
 * socket, i.e. in the test's own directory). */
static gchar *
saved_call_path (StbVoip *self)
{
  const gchar *socket = self->module.options.qcop_socket;
  g_autofree gchar *dir = socket ? g_path_get_dirname (socket) : g_strdup (g_get_tmp_dir ());
  return g_build_filename (dir, "broken-voip-call", NULL);
}

static void
save_call (StbVoip *self, guint call_id, const gchar *state)
{
  g_autofree gchar *path = saved_call_path (self);
  g_autofree gchar *text = g_strdup_printf ("%u %s", call_id, self->peer ? self->peer : "");
  if (g_str_equal (state, "established"))
    g_file_set_contents (path, text, -1, NULL);
  else if (g_str_equal (state, "ended") || g_str_equal (state, "failed"))
    g_unlink (path);
}
#endif

static void
call_event (StbVoip *self, guint call_id, const gchar *state, guint code, const gchar *reason)
{
#ifdef STB_WITH_FAULTS
  if (STB_FAULT ("call-survives-restart"))
    save_call (self, call_id, state);
#endif
  g_autofree gchar *peer = stb_agent_escape (self->peer);
  g_autofree gchar *code_s = code ? g_strdup_printf (";code=%u", code) : NULL;

  stb_module_emitf (&self->module, "call", "state=%s;call-id=%u;peer=%s;role=%s%s%s%s", state,
                    call_id, peer, self->role ? self->role : "", code_s ? code_s : "",
                    reason ? ";reason=" : "", reason ? reason : "");
}

static void
sip_failed (StbVoip *self, const gchar *what, const GError *error)
{
  g_autofree gchar *detail = stb_agent_escape (error ? error->message : "?");

  stb_module_emitf (&self->module, "error", "what=sip-%s;call-id=%u;detail=%s", what, self->call_id,
                    detail);
}

/* SIP final response to the incoming INVITE (reject); in inject mode only the event tells. */
static void
sip_reject (StbVoip *self, guint call_id, guint code, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  /* 487: the UA already answered the far end's CANCEL (200 + 487) itself */
  if (self->sip && code != 487
      && !stb_sip_reject_with_reason (self->sip, call_id, code, text, &error))
    sip_failed (self, "reject", error);
}

/* [SW-SIP-04]: the Reason text of a 480 (V-13 dialog timeout, V-21 switch timeout). */
static const gchar *
reason_text (guint code, const gchar *row)
{
  if (code != 480)
    return NULL;
  return g_str_equal (row, "V-21") ? "iptv did not release" : "no answer";
}

static void
sip_hangup (StbVoip *self)
{
  g_autoptr (GError) error = NULL;

  if (self->sip && self->call_id && !stb_sip_hangup (self->sip, self->call_id, &error))
    sip_failed (self, "hangup", error);
}

static void
media_off (StbVoip *self)
{
  if (!self->media_on)
    return;
  stb_call_media_stop (self->media);
  self->media_on = FALSE;
  stb_module_emitf (&self->module, "media", "state=released;audio=%u;video=%u",
                    self->local_media.audio_port, self->local_media.video_port);
}

static void
prepare_media (StbVoip *self)
{
  g_autoptr (GError) error = NULL;

  if (!self->sip || !self->media)
    return;
  if (stb_call_media_prepare (self->media, &self->local_media, &error))
    stb_sip_set_local_media (self->sip, &self->local_media);
  else
    {
      g_autofree gchar *detail = stb_agent_escape (error->message);
      stb_module_emitf (&self->module, "error", "what=media;detail=%s", detail);
    }
}

static void
stop_timers (StbVoip *self)
{
  g_clear_handle_id (&self->t_dialog, g_source_remove);
  g_clear_handle_id (&self->t_show, g_source_remove);
  g_clear_handle_id (&self->t_alert, g_source_remove);
}

static void
forget_call (StbVoip *self)
{
  stop_timers (self);
  self->call_id = 0;
  self->role = NULL;
  g_clear_pointer (&self->peer, g_free);
}

/* ---- rows -------------------------------------------------------------------------------- */

static gboolean on_t_dialog (gpointer user_data);
static gboolean on_t_show (gpointer user_data);
static gboolean on_t_alert (gpointer user_data);

/* V-01, V-60, V-61: a new incoming INVITE (or injectCall). */
static void
incoming (StbVoip *self, guint call_id, const gchar *peer)
{
  g_autofree gchar *esc = stb_agent_escape (peer);

  if ((self->fsm.state != STB_VOIP_STATE_IDLE && !STB_FAULT ("busy-shows-dialog"))
      || !self->registered)
    {
      guint code = self->fsm.state != STB_VOIP_STATE_IDLE ? 486 : 480; /* V-60 / V-61 */
      sip_reject (self, call_id, code, NULL);
      stb_module_emitf (&self->module, "call",
                        "state=ended;call-id=%u;peer=%s;role=callee;"
                        "code=%u;reason=%s;row=%s",
                        call_id, esc, code, code == 486 ? "busy" : "unregistered",
                        code == 486 ? "V-60" : "V-61");
      return;
    }
  self->call_id = call_id;
  g_free (self->peer);
  self->peer = g_strdup (peer);
  self->role = "callee";
  dialog (self, "shown", NULL);
  call_event (self, call_id, "incoming", 180, NULL);
  g_clear_handle_id (&self->t_dialog, g_source_remove);
  if (self->t_dialog_ms > 0) /* the fault: half the value */
    self->t_dialog = g_timeout_add (
        (guint)self->t_dialog_ms / (STB_FAULT ("t-dialog-early") ? 2 : 1), on_t_dialog, self);
  transit (self, STB_VOIP_STATE_DIALOG, "V-01", -1);
}

static void answer (StbVoip *self);

/* V-10 */
static void
accept (StbVoip *self)
{
  g_clear_handle_id (&self->t_dialog, g_source_remove);
  stb_module_send (&self->module, STB_SWITCH_PARAM_STOP_IPTV, "V-10");
  dialog (self, "closed", "accept");
  if (self->t_show_ms > 0 && !STB_FAULT ("t-show-never"))
    self->t_show = g_timeout_add ((guint)self->t_show_ms / (STB_FAULT ("t-show-early") ? 2 : 1),
                                  on_t_show, self);
  transit (self, STB_VOIP_STATE_AWAIT_SHOW, "V-10", -1);
  if (STB_FAULT ("early-answer")) /* "the user already said yes" */
    answer (self);
  if (STB_FAULT ("sip-early-200") && self->sip)
    {
      g_autoptr (GError) error = NULL;
      prepare_media (self);
      if (!stb_sip_answer (self->sip, self->call_id, &error))
        sip_failed (self, "answer", error);
    }
}

/* V-11, V-12, V-13: the dialog closes without answering. */
static void
dialog_closed (StbVoip *self, guint code, const gchar *dialog_reason, const gchar *call_reason,
               const gchar *row)
{
  g_clear_handle_id (&self->t_dialog, g_source_remove);
  sip_reject (self, self->call_id, code, reason_text (code, row));
  call_event (self, self->call_id, "ended", code, call_reason);
  dialog (self, "closed", dialog_reason);
  if (!STB_FAULT ("no-continue-on-cancel") || !g_str_equal (row, "V-12"))
    stb_module_send (&self->module, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, row);
  forget_call (self);
  transit (self, STB_VOIP_STATE_IDLE, row, -1);
}

/* V-21, V-22: the accepted call never got the screen. */
static void
await_show_failed (StbVoip *self, guint code, const gchar *reason, const gchar *row)
{
  g_clear_handle_id (&self->t_show, g_source_remove);
  sip_reject (self, self->call_id, code, reason_text (code, row));
  call_event (self, self->call_id, "ended", code, reason);
  stb_module_send (&self->module, STB_SWITCH_PARAM_RESUME_IPTV, row);
  forget_call (self);
  transit (self, STB_VOIP_STATE_IDLE, row, -1);
}

/* V-20: only now show the page and answer (SW-SIP-02). */
static void
answer (StbVoip *self)
{
  g_autoptr (GError) error = NULL;

  if (!STB_FAULT ("t-show-not-stopped")) /* "the callback checks the state anyway" */
    g_clear_handle_id (&self->t_show, g_source_remove);
  page (self, "main", "V-20");
  if (self->sip && !STB_FAULT ("sip-early-200"))
    {
      prepare_media (self);
      if (!stb_sip_answer (self->sip, self->call_id, &error))
        sip_failed (self, "answer", error);
    }
  call_event (self, self->call_id, "answered", 200, NULL);
  transit (self, STB_VOIP_STATE_IN_CALL, "V-20", STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE);
  if (!self->sip)
    call_event (self, self->call_id, "established", 0, NULL); /* inject: no ACK to wait for */
}

/* V-32 / V-33 */
static gboolean
dial (StbVoip *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *number = g_strdup (self->number->str);

  if (!*number)
    return FALSE;
  g_free (self->peer);
  self->peer = g_strdup (number);
  if (!self->registered)
    {
      call_event (self, 0, "failed", 0, "unregistered"); /* V-33 */
      g_clear_pointer (&self->peer, g_free);
      return TRUE;
    }
  self->role = "caller";
  if (self->sip)
    {
      prepare_media (self);
      self->call_id = stb_sip_call (self->sip, number, &error);
      if (!self->call_id)
        {
          sip_failed (self, "call", error);
          call_event (self, 0, "failed", 0, "failure");
          forget_call (self);
          return TRUE;
        }
    }
  else
    self->call_id = ++self->next_inject_id;
  call_event (self, self->call_id, "dialling", 0, NULL);
  if (self->t_alert_ms > 0)
    self->t_alert = g_timeout_add ((guint)self->t_alert_ms / (STB_FAULT ("t-alert-early") ? 2 : 1),
                                   on_t_alert, self);
  transit (self, STB_VOIP_STATE_DIALLING, "V-32", -1);
  return TRUE;
}

/* V-41 */
static void
outgoing_answered (StbVoip *self)
{
  g_clear_handle_id (&self->t_alert, g_source_remove);
  call_event (self, self->call_id, "answered", 200, NULL);
  call_event (self, self->call_id, "established", 0, NULL);
  transit (self, STB_VOIP_STATE_IN_CALL, "V-41", -1);
}

/* V-42, V-43, V-44 */
static void
outgoing_failed (StbVoip *self, const gchar *state, guint code, const gchar *reason,
                 const gchar *row)
{
  if (!g_str_equal (row, "V-42"))
    sip_hangup (self); /* CANCEL */
  call_event (self, self->call_id, state, code, reason);
  forget_call (self);
  transit (self, STB_VOIP_STATE_MAIN_PAGE, row, -1);
}

/* V-50..V-55: the call is over. */
static void
call_over (StbVoip *self, gboolean local, guint code, const gchar *reason)
{
  gboolean callee = g_strcmp0 (self->role, "callee") == 0;
  const gchar *row;

  if (g_str_equal (reason, "failure"))
    row = callee ? "V-54" : "V-55";
  else if (local)
    row = callee ? "V-50" : "V-52";
  else
    row = callee ? "V-51" : "V-53";
  if (local || g_str_equal (reason, "failure"))
    sip_hangup (self); /* BYE */
  media_off (self);
  call_event (self, self->call_id, "ended", code, reason);
  forget_call (self);
  if (callee)
    {
      if (STB_FAULT ("resume-before-hide"))
        stb_module_send (&self->module, STB_SWITCH_PARAM_RESUME_IPTV, row);
      page (self, "hidden", row);
      if (!STB_FAULT ("no-resume") && !STB_FAULT ("resume-before-hide"))
        stb_module_send (&self->module, STB_SWITCH_PARAM_RESUME_IPTV, row);
      if (STB_FAULT ("double-resume")) /* once from the call, once from the page */
        stb_module_send (&self->module, STB_SWITCH_PARAM_RESUME_IPTV, row);
      transit (self, STB_VOIP_STATE_IDLE, row, -1);
    }
  else
    {
      if (STB_FAULT ("caller-end-back-to-nav")) /* same end-of-call path as the callee */
        stb_module_send (&self->module, STB_SWITCH_PARAM_BACK_TO_NAV, row);
      transit (self, STB_VOIP_STATE_MAIN_PAGE, row, -1);
    }
}

/* ---- timers ------------------------------------------------------------------------------ */

static gboolean
on_t_dialog (gpointer user_data)
{
  StbVoip *self = user_data;

  self->t_dialog = 0;
  if (self->fsm.state == STB_VOIP_STATE_DIALOG) /* [SW-TMR-05] */
    dialog_closed (self, 480, "timeout", "timeout", "V-13");
  return G_SOURCE_REMOVE;
}

static gboolean
on_t_show (gpointer user_data)
{
  StbVoip *self = user_data;

  self->t_show = 0;
  if (self->fsm.state == STB_VOIP_STATE_AWAIT_SHOW
      || (STB_FAULT ("t-show-not-stopped") && self->fsm.state == STB_VOIP_STATE_IN_CALL))
    await_show_failed (self, 480, "switch-timeout", "V-21");
  return G_SOURCE_REMOVE;
}

static gboolean
on_t_alert (gpointer user_data)
{
  StbVoip *self = user_data;

  self->t_alert = 0;
  if (self->fsm.state == STB_VOIP_STATE_DIALLING)
    outgoing_failed (self, "failed", 0, "no-answer", "V-44");
  return G_SOURCE_REMOVE;
}

/* ---- keys -------------------------------------------------------------------------------- */

static gboolean
key_main_page (StbVoip *self, const gchar *key)
{
  if (g_ascii_isdigit (key[0]) && key[1] == '\0') /* V-30 */
    g_string_append_c (self->number, key[0]);
  else if (g_str_equal (key, "left") && self->number->len) /* V-31 */
    g_string_truncate (self->number, self->number->len - 1);
  else if (g_str_equal (key, "ok") || g_str_equal (key, "videocall")) /* V-32 / V-33 */
    return dial (self);
  else if (g_str_equal (key, "back")) /* V-34 */
    {
      page (self, "hidden", "V-34");
      stb_module_send (&self->module, STB_SWITCH_PARAM_BACK_TO_NAV, "V-34");
      g_string_truncate (self->number, 0);
      transit (self, STB_VOIP_STATE_IDLE, "V-34", -1);
      return TRUE;
    }
  else
    return FALSE;
  stb_module_emitf (&self->module, "number", "number=%s", self->number->str);
  stb_voip_screen_update (self);
  return TRUE;
}

static gboolean
dispatch_key (StbVoip *self, const gchar *key)
{
  gboolean back = g_str_equal (key, "back");

  switch (self->fsm.state)
    {
      case STB_VOIP_STATE_DIALOG:
        if (g_str_equal (key, "ok"))
          accept (self);
        else if (back)
          dialog_closed (self, STB_FAULT ("reject-486") ? 486 : 603, "reject", "rejected", "V-11");
        return g_str_equal (key, "ok") || back;
      case STB_VOIP_STATE_MAIN_PAGE:
        return key_main_page (self, key);
      case STB_VOIP_STATE_DIALLING:
        if (back)
          outgoing_failed (self, "ended", 0, "cancelled", "V-43");
        return back;
      case STB_VOIP_STATE_IN_CALL:
        if (back)
          call_over (self, TRUE, 0, "local-hangup");
        return back;
      case STB_VOIP_STATE_IDLE:
        if (STB_FAULT ("keys-in-idle")
            && (g_str_equal (key, "ok") || g_str_equal (key, "videocall")))
          {
            page (self, "main", "V-02");
            transit (self, STB_VOIP_STATE_MAIN_PAGE, "V-02", -1);
            return TRUE;
          }
        return FALSE; /* [SW-VOIP-09]: IDLE and AWAIT_SHOW have no focus */
      default:
        return FALSE; /* [SW-VOIP-09]: IDLE and AWAIT_SHOW have no focus */
    }
}

void
stb_voip_handle_key (StbVoip *self, const gchar *key)
{
  StbVoipState state = self->fsm.state;
  gboolean handled = dispatch_key (self, key);

  stb_module_emitf (&self->module, "key", "key=%s;state=%s;handled=%s", key,
                    stb_voip_state_to_string (state), handled ? "yes" : "no");
}

/* ---- switch messages --------------------------------------------------------------------- */

void
stb_voip_handle_switch (StbVoip *self, const StbSwitchMessage *msg, const gchar *channel)
{
  StbVoipState state = self->fsm.state;

  if (msg->param == STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE && state == STB_VOIP_STATE_IDLE)
    {
      stb_module_emit_rx (&self->module, msg, channel, "V-02", "transition");
      g_string_truncate (self->number, 0);
      page (self, "main", "V-02");
      transit (self, STB_VOIP_STATE_MAIN_PAGE, "V-02", STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE);
    }
  else if (msg->param == STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE
           && (state == STB_VOIP_STATE_AWAIT_SHOW
               || (STB_FAULT ("dup-show-second-answer") && state == STB_VOIP_STATE_IN_CALL)))
    {
      stb_module_emit_rx (&self->module, msg, channel, "V-20", "transition");
      answer (self);
    }
  else
    {
      g_autofree gchar *details = g_strdup_printf (
          "channel=%s;message=%s;type=%d;param=%d;state=%s", channel, self->module.dialect->message,
          msg->raw_type, msg->raw_param, stb_voip_state_to_string (state));
      stb_module_ignored (&self->module, STB_IGNORED_UNEXPECTED,
                          self->trigger == (gint)msg->param ? "duplicate" : "unexpected-state",
                          details);
    }
}

/* ---- agent commands ---------------------------------------------------------------------- */

static gboolean
read_string_arg (GBytes *data, gchar **out)
{
  QcopDsReader reader;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  qcop_ds_reader_init (&reader, p, len);
  return qcop_ds_read_string (&reader, out, NULL) && *out;
}

static gboolean
read_int_arg (GBytes *data, gint32 *out)
{
  QcopDsReader reader;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  qcop_ds_reader_init (&reader, p, len);
  return qcop_ds_read_int32 (&reader, out, NULL);
}

/* Returns FALSE when the injection does not apply in this state. */
static gboolean
inject (StbVoip *self, const gchar *message, GBytes *data)
{
  StbVoipState s = self->fsm.state;
  g_autofree gchar *peer = NULL;
  gint32 code = 0;

  if (g_str_equal (message, "injectCall(QString)") && read_string_arg (data, &peer))
    incoming (self, ++self->next_inject_id, peer); /* V-01 (or V-60 when busy) */
  else if (g_str_equal (message, "injectHangup()") && s == STB_VOIP_STATE_DIALOG)
    dialog_closed (self, 487, "cancel", "cancelled", "V-12");
  else if (g_str_equal (message, "injectHangup()") && s == STB_VOIP_STATE_AWAIT_SHOW)
    await_show_failed (self, 487, "cancelled", "V-22");
  else if (g_str_equal (message, "injectHangup()") && s == STB_VOIP_STATE_IN_CALL
           && !STB_FAULT ("inject-hangup-dialog-only"))
    call_over (self, FALSE, 200, "remote-hangup");
  else if (g_str_equal (message, "injectAnswer()") && s == STB_VOIP_STATE_DIALLING)
    outgoing_answered (self);
  else if (STB_FAULT ("inject-answer-accepts") && g_str_equal (message, "injectAnswer()")
           && s == STB_VOIP_STATE_DIALOG)
    accept (self); /* "answer is answer, whoever calls" */
  else if (g_str_equal (message, "injectReject(int)") && s == STB_VOIP_STATE_DIALLING
           && read_int_arg (data, &code) && code >= 300 && code <= 699)
    outgoing_failed (self, "failed", (guint)code, code == 486 ? "busy" : "rejected", "V-42");
  else
    return FALSE;
  return TRUE;
}

static void
emit_status (StbVoip *self)
{
  if (STB_FAULT ("status-changes-state") && self->fsm.state == STB_VOIP_STATE_DIALOG)
    dialog_closed (self, 603, "reject", "rejected", "V-11"); /* refreshes the UI from scratch */
  g_autofree gchar *call
      = self->call_id ? g_strdup_printf ("%u", self->call_id) : g_strdup ("none");
  guint64 ignored = 0;
  gboolean shown = self->fsm.state == STB_VOIP_STATE_MAIN_PAGE
                   || self->fsm.state == STB_VOIP_STATE_DIALLING
                   || self->fsm.state == STB_VOIP_STATE_IN_CALL;

  for (guint i = 0; i < STB_IGNORED_COUNT; i++)
    ignored += self->module.ignored[i];
  stb_module_emitf (
      &self->module, "status",
      "state=%s;page=%s;ignored=%" G_GUINT64_FORMAT ";registered=%d;call=%s;role=%s;inject=%d",
      stb_voip_state_to_string (self->fsm.state),
      shown                                      ? "main"
      : self->fsm.state == STB_VOIP_STATE_DIALOG ? "dialog"
                                                 : "hidden",
      ignored, self->registered, call, self->role ? self->role : "none", self->inject);
}

static void
on_command (const gchar *message, GBytes *data, gpointer user_data)
{
  StbVoip *self = user_data;
  g_autofree gchar *arg = NULL;
  gsize len = g_bytes_get_size (data);
  g_autofree gchar *details = g_strdup_printf ("channel=%s;message=%s;len=%" G_GSIZE_FORMAT,
                                               STB_AGENT_VOIP_CHANNEL, message, len);

  if (g_str_equal (message, "status()"))
    emit_status (self);
  else if (g_str_equal (message, "dial(QString)") && read_string_arg (data, &arg))
    {
      gboolean ok = self->fsm.state == STB_VOIP_STATE_MAIN_PAGE; /* [SW-AGT-05] */
      if (STB_FAULT ("dial-from-idle") && self->fsm.state == STB_VOIP_STATE_IDLE)
        {
          page (self, "main", "V-02"); /* "a dial command brings up the dialler" */
          transit (self, STB_VOIP_STATE_MAIN_PAGE, "V-02", -1);
          ok = TRUE;
        }
      if (ok)
        {
          g_string_assign (self->number, arg);
          ok = dial (self);
        }
      stb_module_emitf (&self->module, "key", "key=dial;state=%s;handled=%s",
                        stb_voip_state_to_string (self->fsm.state), ok ? "yes" : "no");
    }
  else if (g_str_has_prefix (message, "inject") && !self->inject)
    stb_module_ignored (&self->module, STB_IGNORED_UNEXPECTED, "not-inject-mode", details);
  else if (g_str_has_prefix (message, "inject"))
    {
      if (!inject (self, message, data))
        stb_module_ignored (&self->module, STB_IGNORED_UNEXPECTED, "unexpected-state", details);
    }
  else
    stb_module_ignored (&self->module, STB_IGNORED_MALFORMED, "unknown-message", details);
}

/* ---- SIP and media callbacks ------------------------------------------------------------- */

static void
on_sip_registration (StbSip *sip, gboolean ok, guint status, const gchar *reason,
                     gpointer user_data)
{
  StbVoip *self = user_data;

  self->registered = ok;
  if (ok)
    stb_module_emitf (&self->module, "registered", "aor=sip:%s@%s;expires=%d", self->sip_user,
                      self->sip_domain, self->sip_expires);
  else
    stb_module_emitf (&self->module, "registration-failed", "code=%u;aor=sip:%s@%s", status,
                      self->sip_user, self->sip_domain);
}

/* SPEC §12.5: voip.registered also for refreshes (and re-registrations after the core lost
 * its location table, which the UA sees as a refresh). */
static void
on_sip_refreshed (StbSip *sip, guint expires, gpointer user_data)
{
  StbVoip *self = user_data;

  stb_module_emitf (&self->module, "registered", "aor=sip:%s@%s;expires=%u;refresh=1",
                    self->sip_user, self->sip_domain, expires);
}

static void
on_sip_incoming (StbSip *sip, guint call_id, const gchar *peer, gpointer user_data)
{
  incoming (user_data, call_id, peer);
}

static void
on_sip_call_state (StbSip *sip, guint call_id, StbSipCallState state, guint status,
                   const gchar *reason, gpointer user_data)
{
  StbVoip *self = user_data;
  StbVoipState s = self->fsm.state;

  if (call_id != self->call_id)
    return; /* a call we refused (V-60) */
  if (state == STB_SIP_CALL_RINGING && s == STB_VOIP_STATE_DIALLING)
    call_event (self, call_id, "ringing", status, NULL); /* V-40 */
  else if (state == STB_SIP_CALL_ESTABLISHED && s == STB_VOIP_STATE_DIALLING)
    outgoing_answered (self);
  else if (state == STB_SIP_CALL_ESTABLISHED && s == STB_VOIP_STATE_IN_CALL)
    call_event (self, call_id, "established", 0, NULL); /* V-56 */
  else if ((state == STB_SIP_CALL_CANCELLED || state == STB_SIP_CALL_ENDED_REMOTE)
           && s == STB_VOIP_STATE_DIALOG)
    dialog_closed (self, 487, "cancel", "cancelled", "V-12");
  else if ((state == STB_SIP_CALL_CANCELLED || state == STB_SIP_CALL_ENDED_REMOTE)
           && s == STB_VOIP_STATE_AWAIT_SHOW)
    await_show_failed (self, 487, "cancelled", "V-22");
  else if (state == STB_SIP_CALL_ENDED_REMOTE && s == STB_VOIP_STATE_IN_CALL)
    call_over (self, FALSE, 200, "remote-hangup");
  else if (state == STB_SIP_CALL_FAILED && s == STB_VOIP_STATE_DIALLING)
    outgoing_failed (self, "failed", status, status == 486 ? "busy" : "rejected", "V-42");
  else if (state == STB_SIP_CALL_FAILED && s == STB_VOIP_STATE_IN_CALL)
    call_over (self, FALSE, status, "failure");
}

static void
on_sip_media (StbSip *sip, guint call_id, const StbMediaEndpoint *remote, gpointer user_data)
{
  StbVoip *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!self->media || call_id != self->call_id || self->media_on)
    return;
  if (!stb_call_media_start (self->media, remote, &error))
    {
      g_autofree gchar *detail = stb_agent_escape (error->message);
      stb_module_emitf (&self->module, "error", "what=media;detail=%s", detail);
      return;
    }
  self->media_on = TRUE;
  stb_module_emitf (&self->module, "media", "state=started;audio=%u;video=%u",
                    self->local_media.audio_port, self->local_media.video_port);
  stb_voip_screen_update (self);
}

static void
on_sip_message (StbSip *sip, const gchar *direction, const gchar *what, const gchar *sip_call_id,
                gpointer user_data)
{
  StbVoip *self = user_data;
  g_autofree gchar *name = g_strdup_printf ("sip.%s", direction);
  g_autofree gchar *id = stb_agent_escape (sip_call_id ? sip_call_id : "");
  g_autofree gchar *details = g_strdup_printf ("what=%s;call-id=%s", what, id);
  gint64 t = stb_sip_get_message_time (sip);

  /* stamped when it was on the wire, not when the main loop got to it */
  if (t > 0)
    stb_agent_emit_at (self->module.agent, t, name, details);
  else
    stb_agent_emit (self->module.agent, name, details);
}

static void
on_media_first_frame (StbCallMedia *media, const gchar *kind, gint64 t_ns, gpointer user_data)
{
  StbVoip *self = user_data;
  g_autofree gchar *details = g_strdup_printf ("media=%s;call-id=%u", kind, self->call_id);

  stb_agent_emit_at (self->module.agent, t_ns, "voip.first-frame", details);
}

static void
on_media_error (StbCallMedia *media, const GError *error, gpointer user_data)
{
  StbVoip *self = user_data;
  g_autofree gchar *detail = stb_agent_escape (error->message);

  stb_module_emitf (&self->module, "error", "what=media;detail=%s", detail);
  if (self->fsm.state == STB_VOIP_STATE_IN_CALL)
    call_over (self, FALSE, 0, "failure"); /* V-54 / V-55 */
}

/* ---- wiring ------------------------------------------------------------------------------ */

static void
on_fsm_event (const gchar *event, const gchar *details, gpointer user_data)
{
  StbVoip *self = user_data;

  stb_agent_emit (self->module.agent, event, details);
  stb_voip_screen_update (self);
}

static void
on_switch (StbModule *module, const StbSwitchMessage *msg, const gchar *channel, gpointer user_data)
{
  stb_voip_handle_switch (user_data, msg, channel);
}

static void
on_key (const gchar *key, gpointer user_data)
{
  stb_voip_handle_key (user_data, key);
}

/* After a reconnect the IPTV module may have waited for us in vain: give the screen back as
 * after a start ([SW-RST-01]) unless we hold it (dialog, page or call). */
static void
on_reconnected (StbModule *module, gpointer user_data)
{
  StbVoip *self = user_data;

  if (self->fsm.state == STB_VOIP_STATE_IDLE)
    stb_module_send (&self->module, STB_SWITCH_PARAM_RESUME_IPTV, "SW-RST-01");
}

void
stb_voip_add_options (StbVoip *self, GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "inject", 0, 0, G_OPTION_ARG_NONE, &self->inject,
      "Inject mode: no SIP, the agent plays the far end (SPEC 12.1)", NULL },
    { "sip-proxy", 0, 0, G_OPTION_ARG_STRING, &self->sip_proxy,
      "Outbound proxy / registrar, e.g. sip:127.0.0.1:5060", "URI" },
    { "sip-user", 0, 0, G_OPTION_ARG_STRING, &self->sip_user, "SIP user, e.g. 1001", "USER" },
    { "sip-password", 0, 0, G_OPTION_ARG_STRING, &self->sip_password, "SIP password", "PW" },
    { "sip-domain", 0, 0, G_OPTION_ARG_STRING, &self->sip_domain, "SIP home domain", "DOMAIN" },
    { "bind-host", 0, 0, G_OPTION_ARG_STRING, &self->bind_host,
      "Local address for SIP and media (default 127.0.0.1)", "ADDR" },
    { "t-dialog-ms", 0, 0, G_OPTION_ARG_INT, &self->t_dialog_ms,
      "T_DIALOG: incoming-call dialog timeout (default 30000)", "MS" },
    { "t-show-ms", 0, 0, G_OPTION_ARG_INT, &self->t_show_ms,
      "T_SHOW: wait for CALLEE_SHOW_VIDEO_PAGE after STOP_IPTV (default 5000)", "MS" },
    { "t-alert-ms", 0, 0, G_OPTION_ARG_INT, &self->t_alert_ms,
      "T_ALERT: outgoing call not answered (default 60000)", "MS" },
    { "sip-expires", 0, 0, G_OPTION_ARG_INT, &self->sip_expires,
      "Registration expiry asked for, in s (default 300; the core may impose 10..3600)", "S" },
    { "display", 0, 0, G_OPTION_ARG_NONE, &self->display, "Show call video in a window", NULL },
    { "no-call-media", 0, 0, G_OPTION_ARG_NONE, &self->no_call_media,
      "Signalling only: no call media pipelines, the SDP rejects every stream (port 0); for "
      "load runs of many STBs (stbsim load without --media)",
      NULL },
    { NULL }
  };

  self->module.source = "voip";
  self->module.role = STB_ROLE_VOIP;
  self->t_dialog_ms = 30000;
  self->t_show_ms = 5000;
  self->t_alert_ms = 60000;
  self->sip_expires = 300;
  stb_module_add_options (&self->module, context);
  g_option_context_add_main_entries (context, entries, NULL);
}

static gboolean
start_sip (StbVoip *self, GError **error)
{
  static const StbSipCallbacks sip_cb = {
    .registration = on_sip_registration,
    .incoming = on_sip_incoming,
    .call_state = on_sip_call_state,
    .media = on_sip_media,
    .message = on_sip_message,
    .refreshed = on_sip_refreshed,
  };
  static const StbCallMediaCallbacks media_cb = {
    .first_frame = on_media_first_frame,
    .error = on_media_error,
  };
  const gchar *host = self->bind_host ? self->bind_host : "127.0.0.1";
  StbSipConfig config = { .user = self->sip_user,
                          .domain = self->sip_domain,
                          .password = self->sip_password,
                          .proxy = self->sip_proxy,
                          .bind_host = host,
                          .expires = (guint)self->sip_expires,
                          .dialog_timeout_ms = (guint)MAX (self->t_dialog_ms, 0) };
  StbCallMediaConfig media_config
      = { .bind_host = host, .display = self->display, .request_key_frame = TRUE };

  if (self->sip_expires < 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--sip-expires %d: must be at least 1 s", self->sip_expires);
      return FALSE;
    }
  if (!self->sip_proxy || !self->sip_user || !self->sip_domain)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "SIP mode needs --sip-proxy, --sip-user and --sip-domain (and usually "
                   "--sip-password); or use --inject");
      return FALSE;
    }
  if (!self->no_call_media
      && !(self->media = stb_call_media_new (&media_config, &media_cb, self, error)))
    return FALSE;
  if (!(self->sip = stb_sip_new (&config, &sip_cb, self, error)))
    {
      g_prefix_error (error,
                      "SIP user agent failed to start (proxy %s, user %s): ", self->sip_proxy,
                      self->sip_user);
      return FALSE;
    }
  if (STB_FAULT ("early-media-183")) /* "play the ringback through the call's media" */
    stb_sip_set_early_media (self->sip, TRUE);
  if (STB_FAULT ("sdp-public-address")) /* "the box's configured public address" */
    stb_sip_set_sdp_address (self->sip, "192.0.2.10");
  if (!STB_FAULT ("no-register"))
    stb_sip_register (self->sip);
  return TRUE;
}

#ifdef STB_WITH_FAULTS
/* The fault call-survives-restart, after a restart: "the call goes on" (SPEC [SW-RST-04]). */
static void
restore_call (StbVoip *self)
{
  g_autofree gchar *path = saved_call_path (self);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  g_auto (GStrv) f = g_strsplit (text, " ", 2);
  self->call_id = (guint)g_ascii_strtoull (f[0], NULL, 10);
  g_free (self->peer);
  self->peer = g_strdup (f[1] ? f[1] : "");
  self->role = "callee";
  page (self, "main", "V-20");
  call_event (self, self->call_id, "established", 0, NULL);
}
#endif

gboolean
stb_voip_start (StbVoip *self, GError **error)
{
  gboolean want_sip = self->sip_proxy || self->sip_user || self->sip_password || self->sip_domain;
  g_autofree gchar *extra = NULL;

  self->number = g_string_new (NULL);
  self->trigger = -1;
  stb_fsm_init (&self->fsm, stb_voip_fsm_table (), STB_VOIP_STATE_IDLE, on_fsm_event, self);
  if (want_sip == self->inject)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   self->inject ? "--inject and --sip-* options exclude each other"
                                : "choose --inject (agent plays the far end) or SIP "
                                  "(--sip-proxy --sip-user --sip-password --sip-domain)");
      return FALSE;
    }
  self->registered = self->inject;
  self->module.on_reconnected = on_reconnected;
  if (!stb_module_start (&self->module, on_switch, on_key, on_command, self, error))
    return FALSE;
  if ((want_sip && !start_sip (self, error)) || !stb_voip_screen_start (self, error))
    return FALSE;
  extra = g_strdup_printf ("inject=%d", self->inject);
  if (!stb_module_announce_ready (&self->module, extra, error))
    return FALSE;
  /* [SW-RST-01]: a (re)started VoIP module has no call; the screen belongs to the IPTV */
  if (!STB_FAULT ("no-startup-resume") && !STB_FAULT ("resume-before-register"))
    stb_module_send (&self->module, STB_SWITCH_PARAM_RESUME_IPTV, "SW-RST-01");
#ifdef STB_WITH_FAULTS
  if (STB_FAULT ("call-survives-restart"))
    restore_call (self);
#endif
  return TRUE;
}

void
stb_voip_clear (StbVoip *self)
{
  if (self->module.client)
    stb_module_log_counters (&self->module);
  stop_timers (self);
  g_clear_pointer (&self->screen, stb_screen_window_free);
  g_clear_pointer (&self->sip, stb_sip_free);
  if (self->media)
    stb_call_media_stop (self->media);
  g_clear_pointer (&self->media, stb_call_media_free);
  stb_module_clear (&self->module);
  g_clear_pointer (&self->peer, g_free);
  if (self->number)
    g_string_free (self->number, TRUE);
  self->number = NULL;
  g_clear_pointer (&self->sip_proxy, g_free);
  g_clear_pointer (&self->sip_user, g_free);
  g_clear_pointer (&self->sip_password, g_free);
  g_clear_pointer (&self->sip_domain, g_free);
  g_clear_pointer (&self->bind_host, g_free);
}
