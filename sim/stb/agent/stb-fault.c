/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-fault"

#include "stb-fault.h"

#ifdef STB_WITH_FAULTS

/* Realistic vendor mistakes, one line each; tests/runner/mutants.ini lists the SPEC ids that
 * must catch each of them. */
static const struct
{
  const gchar *name;
  const gchar *role;
  const gchar *summary;
} faults[] = {
  /* channel */
  { "chan-wildcard", "iptv", "registers QPE/* instead of the exact protocol channel" },
  { "chan-agent-first", "iptv", "registers the agent channel before the protocol channel" },
  { "chan-register-twice", "iptv", "registers its protocol channel twice on one connection" },
  { "chan-detach", "iptv", "detaches its protocol channel right after READY" },
  { "chan-register-send", "voip", "unidirectional: also registers its own send channel" },
  { "resume-before-register", "voip", "sends the start-up RESUME_IPTV before registering" },
  { "wrong-channel", "voip", "unidirectional: sends on the channel it listens on" },
  { "msg-bidir-channel", "iptv", "unidirectional: sends on the bidirectional channel" },
  /* message */
  { "wrong-type", "voip", "sends STOP_IPTV with messageType iptv_to_voip" },
  { "msg-little-endian", "iptv", "writes messageType and parameter little-endian" },
  { "msg-seq-zero", "voip", "appends a sequence trailer that starts at 0" },
  { "msg-trailer-garbage", "iptv", "appends bytes after the trailer's context" },
  { "msg-over-limit", "voip",
    "sends a 20000-byte context past a QCOP client without the QWS size check" },
  /* IPTV rows */
  { "ignore-stop", "iptv", "ignores STOP_IPTV" },
  { "show-before-hide", "iptv", "sends CALLEE_SHOW_VIDEO_PAGE before stopping and hiding" },
  { "keep-decoder", "iptv", "reports iptv.stop on STOP_IPTV but keeps the stream running" },
  { "resume-other-channel", "iptv", "live resume tunes the next channel, not the stopped one" },
  { "vod-resume-zero", "iptv", "VOD resume starts again at position 0" },
  { "reject-restarts", "iptv", "REJECT_CONTINUE_IPTV while playing restarts playback" },
  { "page-repeat", "iptv", "emits iptv.page=nav twice at start-up" },
  { "start-sends", "iptv", "sends CALLEE_SHOW_VIDEO_PAGE at start-up" },
  { "hidden-digit-plays", "iptv", "a digit key while hidden (caller) plays that channel" },
  { "caller-no-hide", "iptv", "sends CALLER_SHOW_VIDEO_PAGE but does not hide its page" },
  { "key-autorepeat", "iptv", "takes one digit key message as a press and a repeat" },
  { "dup-stop-no-reply", "iptv", "does not answer a duplicate STOP_IPTV in HIDDEN_CALLEE" },
  /* VoIP rows */
  { "early-answer", "voip", "shows the main page and answers before CALLEE_SHOW_VIDEO_PAGE" },
  { "no-resume", "voip", "sends no RESUME_IPTV at the end of a callee call" },
  { "double-resume", "voip", "sends RESUME_IPTV twice at the end of a callee call" },
  { "resume-before-hide", "voip", "sends RESUME_IPTV before hiding its page" },
  { "no-continue-on-cancel", "voip", "no REJECT_CONTINUE_IPTV when the far end cancels" },
  { "caller-end-back-to-nav", "voip", "sends BACK_TO_NAV when a caller call ends" },
  { "keys-in-idle", "voip", "acts on ok/videocall in IDLE (opens its main page)" },
  { "no-startup-resume", "voip", "sends no RESUME_IPTV after start" },
  { "call-survives-restart", "voip", "keeps its call in a file and restores it after a restart" },
  { "busy-shows-dialog", "voip", "a second incoming call replaces the first instead of 486" },
  { "dup-show-second-answer", "voip", "answers again on a duplicate CALLEE_SHOW_VIDEO_PAGE" },
  /* SIP */
  { "reject-486", "voip", "user reject answered 486 instead of 603" },
  { "sip-early-200", "voip", "SIP 200 OK at accept, before CALLEE_SHOW_VIDEO_PAGE" },
  { "no-register", "voip", "never sends REGISTER" },
  { "early-media-183", "voip", "answers an INVITE with 183 and SDP (early media), not 180" },
  { "sdp-public-address", "voip", "names a configured public address (192.0.2.10) in its SDP" },
  /* timers */
  { "t-show-early", "voip", "T_SHOW fires at half its value" },
  { "t-show-never", "voip", "T_SHOW never fires" },
  { "t-dialog-early", "voip", "T_DIALOG fires at half its value" },
  { "t-alert-early", "voip", "T_ALERT fires at half its value" },
  { "t-show-not-stopped", "voip",
    "T_SHOW is not stopped by CALLEE_SHOW_VIDEO_PAGE and fires in the call" },
  /* robustness */
  { "crash-short-data", "voip", "aborts on switch data shorter than 8 bytes" },
  { "no-type-filter", "voip", "skips the messageType filter (acts on not-addressed messages)" },
  { "unknown-param-acts", "iptv", "treats an unknown parameter as STOP_IPTV" },
  { "trailer-ignored", "iptv", "drops every message longer than 8 bytes" },
  { "any-message-name", "iptv", "acts on any QCOP message name on its channel" },
  { "seq-dedupe", "iptv", "drops a message whose sequence repeats the previous one" },
  { "ignored-count-resets", "iptv", "zeroes its ignored-message counters whenever it sends" },
  /* agent */
  { "no-agent", "voip", "no agent interface at all (no channel, no events)" },
  { "agent-silent", "iptv", "takes keys on the agent channel but emits no events" },
  { "event-late-stamp", "iptv", "stamps events with the send time + 100 ms" },
  { "no-ready-event", "iptv", "emits no iptv.ready" },
  { "inject-hangup-dialog-only", "voip", "honours injectHangup() only before the call is up" },
  { "status-changes-state", "voip", "status() in DIALOG also closes the dialog" },
  { "event-details-spaces", "iptv", "joins event details with \"; \" (a space after each ;)" },
  { "event-state-late", "voip", "sends each state event after the event that follows it" },
  { "tx-event-twice", "voip", "reports every switch.tx twice" },
  { "select-cursor-only", "iptv", "select(ITEM) moves the cursor to ITEM but does not press ok" },
  { "dial-from-idle", "voip", "dial(N) in IDLE opens the main page and dials" },
  { "inject-answer-accepts", "voip",
    "injectAnswer() in the incoming-call dialog accepts the call" },
  /* timing */
  { "slow-callee-show", "iptv",
    "CALLEE_SHOW_VIDEO_PAGE 800 ms (or STB_FAULT_DELAY_MS) after STOP_IPTV (2x budget)" },
  { "slow-dispatch", "iptv", "handles every switch message 300 ms after it arrived" },
};

static const gchar *selected;

gboolean
stb_fault_select (const gchar *name, const gchar *role, GError **error)
{
  g_autofree gchar *list = NULL;

  selected = NULL;
  if (!name || g_str_equal (name, "none"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    if (g_str_equal (faults[i].name, name) && g_str_equal (faults[i].role, role))
      {
        selected = faults[i].name;
        g_message ("fault injected: %s (%s)", name, faults[i].summary);
        return TRUE;
      }
  list = stb_fault_list ();
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--fault %s: not a fault of the %s module; known faults:\n%s", name, role, list);
  return FALSE;
}

gboolean
stb_fault_active (const gchar *name)
{
  return selected && g_str_equal (selected, name);
}

gchar *
stb_fault_list (void)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    g_string_append_printf (out, "%s %s %s\n", faults[i].name, faults[i].role, faults[i].summary);
  return g_string_free (out, FALSE);
}

#endif

guint
stb_fault_delay_ms (guint def)
{
  const gchar *v = g_getenv ("STB_FAULT_DELAY_MS");
  guint64 ms = 0;
  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, 60000, &ms, NULL))
    return def;
  return (guint)ms;
}
