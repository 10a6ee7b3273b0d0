/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-issues"

/* The issue registry: every issue the runner raises, declared once (sr-issues.h). */

#include "sr-issues.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }
#define SCN SR_ISSUE_SCENARIO_REQUIREMENT
#define INFRA SR_ISSUE_INFRASTRUCTURE

/* clang-format off */
const SrIssueType sr_issue_types[] = {
  /* ---- expectations written in scenarios: the requirement is the scenario's ---------------- */
  { "expect::event-missing", SR_VERDICT_FAIL, NULL, SCN,
    "an expected event did not happen within the step's timeout",
    "expect-event: the event the scenario names (agent event, switch message at the server, "
    "SIP at the IMS core, runner event) was not seen in time." },
  { "expect::unexpected-event", SR_VERDICT_FAIL, NULL, SCN,
    "an event that must not happen happened",
    "expect-no-event: the event was seen inside the window." },
  { "order::too-early", SR_VERDICT_FAIL, NULL, SCN,
    "two events happened in the wrong order",
    "expect-order: `then` was seen before (or without) `first`, after a bounded grace for "
    "late-reported agent events (SW-EVT-03)." },
  { "sw::missing-message", SR_VERDICT_FAIL, NULL, SCN,
    "an expected switch message was not sent",
    "expect-message: the module did not send the switch message at the server in time." },
  { "latency::no-end-event", SR_VERDICT_FAIL, NULL, SCN,
    "a measured interval never ended",
    "measure: the end event did not follow the start event within the timeout; SW-TIME-90 "
    "makes that a functional failure, not a timing sample." },
  { "latency::over-budget", SR_VERDICT_FAIL, NULL, SCN,
    "a latency sample exceeded the profile's budget",
    "measure: the sample is above [budgets] of the active timing profile (timing_verdict=fail). "
    "Fails the SW-TIME requirement only (SW-TIME-92)." },
  { "latency::over-budget-warning", SR_VERDICT_PASS, NULL, SCN,
    "a latency sample exceeded the budget of a warn-only profile",
    "As latency::over-budget, under a profile with timing_verdict=warn (e.g. ci): reported, "
    "not failed (SW-TIME-92)." },
  /* ---- what cannot be judged ----------------------------------------------------------------- */
  { "run::precondition-not-reached", SR_VERDICT_INCONC, NULL, SCN,
    "a step the test depends on did not happen",
    "wait-event: the precondition the scenario waits for did not occur, so what follows cannot "
    "be judged." },
  { "agent::not-implemented", SR_VERDICT_INCONC, NULL, SCN,
    "the step needs agent events the DUT does not send",
    "The DUT does not implement the test agent interface (its ICS says agent=no) and the step "
    "needs one of its events: SW-EVT-10 makes this inconclusive, not failed." },
  { "latency::no-start-event", SR_VERDICT_INCONC, NULL, SCN,
    "a measured interval never started",
    "measure: the start event never happened, so no sample could be taken." },
  { "impair::not-possible", SR_VERDICT_INCONC, NULL, SR_ISSUE_FLAGS_NONE,
    "a network impairment could not be applied",
    "impair: loss needs netns mode; delay needs tc netem, which this kernel lacks." },
  { "sip::bad-observation", SR_VERDICT_INCONC, NULL, SR_ISSUE_FLAGS_NONE,
    "the IMS core logged a SIP observation the runner rejects",
    "A SIPOBS line of the run's Kamailio did not parse; SIP verdicts of the test rest on "
    "incomplete observations." },
  /* ---- channel (observed at the server, attributed by connection) ----------------------------- */
  { "sw::undecodable", SR_VERDICT_FAIL, REQ ("SW-MSG-01"), SR_ISSUE_FLAGS_NONE,
    "a module sent switch-message data that does not decode",
    "The data of a switch message a module sent is shorter than 8 bytes or not two big-endian "
    "qint32 with the dialect's values." },
  { "sw::wrong-message-type", SR_VERDICT_FAIL, REQ ("SW-MSG-02"), SR_ISSUE_FLAGS_NONE,
    "a module sent a messageType not addressed from its role",
    "IPTV sends only iptv_to_voip, VoIP only voip_to_iptv (SPEC §3.1)." },
  { "sw::unknown-parameter", SR_VERDICT_FAIL, REQ ("SW-MSG-01"), SR_ISSUE_FLAGS_NONE,
    "a module sent a parameter its dialect does not define",
    "The parameter value is not one of the dialect's values for that messageType." },
  { "sw::wrong-channel", SR_VERDICT_FAIL, REQ ("SW-CHAN-02", "SW-CHAN-03", "SW-CHAN-04"),
    SR_ISSUE_FLAGS_NONE, "a module sent a switch message on the wrong channel",
    "Bidirectional: every switch message on the bidirectional channel (SW-CHAN-02); "
    "unidirectional: VoIP on to_iptv, IPTV on to_voip (SW-CHAN-03)." },
  { "msg::byte-order", SR_VERDICT_FAIL, REQ ("SW-MSG-01"), SR_ISSUE_FLAGS_NONE,
    "a module wrote messageType and parameter little-endian",
    "The two qint32 are not the dialect's values, but byte-swapped they are: the sender wrote "
    "them in host (little-endian) order instead of QDataStream's big-endian." },
  { "msg::bad-trailer", SR_VERDICT_FAIL, REQ ("SW-MSG-03"), SR_ISSUE_FLAGS_NONE,
    "the optional trailer of a sent switch message is malformed",
    "sequence must start at 1 per process and grow by 1; context must be a valid QString of at "
    "most 256 QChars; nothing may follow it." },
  { "msg::over-limit", SR_VERDICT_FAIL, REQ ("SW-MSG-04"), SR_ISSUE_FLAGS_NONE,
    "a module sent a message over the QWS raw limit",
    "The server dropped the module's connection because a command announced a raw part over "
    "16384 bytes (Annex D.1): data, channel and message name must fit together." },
  { "chan::registered-send-channel", SR_VERDICT_FAIL, REQ ("SW-CHAN-03"), SR_ISSUE_FLAGS_NONE,
    "a module registered the channel it sends on (unidirectional layout)",
    "In the unidirectional layout a module registers only the channel the other module sends "
    "on; registering its own send channel makes it receive its own messages." },
  { "chan::missing-registration", SR_VERDICT_FAIL, REQ ("SW-CHAN-02", "SW-CHAN-03", "SW-RST-03"),
    SR_ISSUE_FLAGS_NONE, "a module did not register its protocol channel",
    "The server trace shows no QCopRegisterChannel of the module's listen channel by the time "
    "it was ready (or the test ended)." },
  { "chan::wildcard-registration", SR_VERDICT_FAIL, REQ ("SW-CHAN-04"), SR_ISSUE_FLAGS_NONE,
    "a module registered a wildcard (`*`) channel name",
    "Modules register the exact protocol channel names; wildcards are for observers." },
  { "chan::foreign-registration", SR_VERDICT_FAIL, REQ ("SW-CHAN-03", "SW-CHAN-04"),
    SR_ISSUE_FLAGS_NONE, "a module registered a protocol channel of another layout or role",
    "A module registered a protocol channel that is not its listen channel in this layout." },
  { "chan::duplicate-register", SR_VERDICT_FAIL, REQ ("SW-CHAN-11"), SR_ISSUE_FLAGS_NONE,
    "a module registered the same channel twice on one connection",
    "Each channel is registered once per connection." },
  { "chan::register-order", SR_VERDICT_FAIL, REQ ("SW-CHAN-10"), SR_ISSUE_FLAGS_NONE,
    "a module's start-up steps came in the wrong order",
    "Connect, (Identify), register the protocol channels, then the agent channel, and only "
    "then send switch messages or agent events." },
  { "chan::no-identify", SR_VERDICT_PASS, REQ ("SW-CHAN-10"), SR_ISSUE_FLAGS_NONE,
    "a module did not send Identify (a SHOULD)",
    "Without Identify the server trace cannot label the client; reported as a warning." },
  { "chan::detached", SR_VERDICT_FAIL, REQ ("SW-CHAN-12"), SR_ISSUE_FLAGS_NONE,
    "a module detached a protocol channel while running",
    "Registrations are kept for the whole life of the connection." },
  { "agent::registered-events", SR_VERDICT_FAIL, REQ ("SW-AGT-01"), SR_ISSUE_FLAGS_NONE,
    "a module registered STBSim/Events",
    "Modules send on STBSim/Events; they must not listen on it." },
  { "agent::no-events", SR_VERDICT_FAIL, REQ ("SW-AGT-01", "SW-EVT-01"), SR_ISSUE_FLAGS_NONE,
    "a DUT whose ICS declares the agent interface sent no events",
    "The ICS says agent=yes, but no event(...) arrived on STBSim/Events from the module." },
  { "agent::undecodable-event", SR_VERDICT_FAIL, REQ ("SW-EVT-01"), SR_ISSUE_FLAGS_NONE,
    "a module sent an event that does not decode",
    "event(qlonglong,QString,QString,QString) with QDataStream v12 data." },
  { "agent::event-time-future", SR_VERDICT_FAIL, REQ ("SW-EVT-04", "SW-EVT-01"),
    SR_ISSUE_FLAGS_NONE, "an agent event is stamped later than the server read it",
    "The event's time (CLOCK_MONOTONIC, the clock of the server trace) is after its arrival at "
    "the server: it is not the time of the fact but, at best, of the sending." },
  { "agent::event-order", SR_VERDICT_FAIL, REQ ("SW-EVT-03"), SR_ISSUE_FLAGS_NONE,
    "a module sent its agent events out of the order of their facts",
    "As read at the server, per connection, event times must not decrease." },
  { "agent::no-ready-event", SR_VERDICT_FAIL, REQ ("SW-CHAN-13"), SR_ISSUE_FLAGS_NONE,
    "a module with the agent interface never announced readiness",
    "A connection that sent agent events (or a DUT whose ICS declares agent=yes) sent no "
    "iptv.ready / voip.ready." },
  { "agent::bad-details", SR_VERDICT_FAIL, REQ ("SW-EVT-02"), SR_ISSUE_FLAGS_NONE,
    "an agent event's details are not `key=value;...`",
    "Pairs joined by `;`, no spaces around separators, `%`, `;`, `=` and control characters "
    "percent-encoded in values." },
  { "agent::event-without-fact", SR_VERDICT_FAIL, REQ ("SW-EVT-05"), SR_ISSUE_FLAGS_NONE,
    "a module reported something the harness did not see happen",
    "More switch.tx events of a parameter than switch messages of that parameter the server "
    "saw the module send." },
  { "agent::ignored-count-reset", SR_VERDICT_FAIL, REQ ("SW-RX-08"), SR_ISSUE_FLAGS_NONE,
    "a module's ignored-message counter went back",
    "The count= of <module>.ignored grows by one per ignored message for the whole life of the "
    "process (and status() reports it); it went back without a restart." },
  { "agent::key-not-one-press", SR_VERDICT_FAIL, REQ ("SW-AGT-02"), SR_ISSUE_FLAGS_NONE,
    "a module did not take each key message as one press",
    "The number of <module>.key events (select and dial aside) differs from the number of "
    "key(QString) messages the server delivered to the module's agent channel." },
  { "agent::status-changed-state", SR_VERDICT_FAIL, REQ ("SW-AGT-06"), SR_ISSUE_FLAGS_NONE,
    "status() changed the module's state",
    "Between status() and its <module>.status answer the module reported a state change or "
    "sent a switch message, or the answer's state is not the state last reported." },
  { "agent::status-no-answer", SR_VERDICT_FAIL, REQ ("SW-AGT-06"), SR_ISSUE_FLAGS_NONE,
    "status() was not answered",
    "Every status() on the module's agent channel is answered by one <module>.status event." },
  { "agent::select-not-acted", SR_VERDICT_FAIL, REQ ("SW-AGT-04"), SR_ISSUE_FLAGS_NONE,
    "select(ITEM) did not act as the cursor on ITEM and ok",
    "In NAV, PLAYING_LIVE or PLAYING_VOD, select(ITEM) of an item of the navigation page "
    "(`videocall`, or an item the module showed) is iptv.key key=select handled=yes followed by "
    "the row of `ok` on ITEM (I-01, I-03, I-04; preceded by menu from the player)." },
  { "agent::select-not-refused", SR_VERDICT_FAIL, REQ ("SW-AGT-04"), SR_ISSUE_FLAGS_NONE,
    "select(ITEM) was not refused in a hidden state or for a non-item",
    "In HIDDEN_CALLER / HIDDEN_CALLEE, or with ITEM not of the form videocall | live:N | "
    "vod:ASSET, the module reports iptv.key key=select handled=no and does nothing." },
  { "agent::dial-not-acted", SR_VERDICT_FAIL, REQ ("SW-AGT-05"), SR_ISSUE_FLAGS_NONE,
    "dial(N) on the main page did not dial",
    "In MAIN_PAGE, dial(N) is typing N and ok (V-32): voip.key key=dial handled=yes and "
    "voip.call state=dialling (or state=failed reason=unregistered, V-33)." },
  { "agent::dial-not-refused", SR_VERDICT_FAIL, REQ ("SW-AGT-05"), SR_ISSUE_FLAGS_NONE,
    "dial(N) outside the main page was not refused",
    "dial(N) is valid in MAIN_PAGE only; elsewhere the module reports voip.key key=dial "
    "handled=no and places no call." },
  /* ---- module behaviour judged passively over the whole test --------------------------------- */
  { "iptv::page-not-changed", SR_VERDICT_FAIL, REQ ("SW-IPTV-12"), SR_ISSUE_FLAGS_NONE,
    "the IPTV module reported a page change to the page already shown",
    "Every iptv.page is a real change." },
  { "iptv::vod-position", SR_VERDICT_FAIL, REQ ("SW-IPTV-06"), SR_ISSUE_FLAGS_NONE,
    "VOD did not resume at the position where it stopped",
    "After RESUME_IPTV the resumed iptv.play position must be within the profile's "
    "vod_resume_position_ms of the position of the iptv.stop for the call." },
  { "iptv::live-channel", SR_VERDICT_FAIL, REQ ("SW-IPTV-07"), SR_ISSUE_FLAGS_NONE,
    "live TV resumed on another channel",
    "After RESUME_IPTV the live channel must be the one stopped by STOP_IPTV." },
  { "iptv::unprompted-message", SR_VERDICT_FAIL, REQ ("SW-IPTV-03"), SR_ISSUE_FLAGS_NONE,
    "the IPTV module sent a switch message no row of §6.2 prescribes",
    "CALLER_SHOW_VIDEO_PAGE only after a user key, CALLEE_SHOW_VIDEO_PAGE only after a "
    "STOP_IPTV delivered to it; nothing at start-up." },
  { "iptv::caller-not-hidden", SR_VERDICT_FAIL, REQ ("SW-IPTV-04"), SR_ISSUE_FLAGS_NONE,
    "the IPTV module sent CALLER_SHOW_VIDEO_PAGE without hiding its UI",
    "I-01/I-02: with CALLER_SHOW_VIDEO_PAGE the module hides its UI; its next iptv.page is "
    "page=hidden." },
  { "iptv::stream-kept", SR_VERDICT_FAIL, REQ ("SW-IPTV-05"), SR_ISSUE_FLAGS_NONE,
    "the IPTV module kept its stream after STOP_IPTV",
    "Observed in /proc, not reported: half a second after its CALLEE_SHOW_VIDEO_PAGE the "
    "module's process still held the UDP socket or RTSP connection of the stream it played." },
  { "iptv::callee-order", SR_VERDICT_FAIL, REQ ("SW-IPTV-05"), SR_ISSUE_FLAGS_NONE,
    "the IPTV module replied CALLEE_SHOW_VIDEO_PAGE before it had stopped and hidden",
    "On STOP_IPTV: stop playback and release the decoder (iptv.stop, if something played), hide "
    "(iptv.page page=hidden), and only then send CALLEE_SHOW_VIDEO_PAGE (server time)." },
  { "voip::give-back-order", SR_VERDICT_FAIL, REQ ("SW-VOIP-07"), SR_ISSUE_FLAGS_NONE,
    "the VoIP module sent RESUME_IPTV before releasing its media and hiding",
    "At the end of a callee call: voip.media state=released, voip.page page=hidden, then "
    "RESUME_IPTV (server time)." },
  { "voip::key-without-focus", SR_VERDICT_FAIL, REQ ("SW-VOIP-09", "SW-AGT-03"), SR_ISSUE_FLAGS_NONE,
    "the VoIP module acted on a key while it showed nothing",
    "In IDLE and AWAIT_SHOW keys are reported handled=no (the IPTV module has the focus)." },
  { "voip::injection-ignored", SR_VERDICT_FAIL, REQ ("SW-AGT-07"), SR_ISSUE_FLAGS_NONE,
    "an injection message had no effect",
    "In inject mode, injectCall / injectHangup / injectAnswer / injectReject delivered in a "
    "state whose row takes it must have that row's effect (voip.call, voip.dialog)." },
  { "voip::injection-out-of-row", SR_VERDICT_FAIL, REQ ("SW-VOIP-13"), SR_ISSUE_FLAGS_NONE,
    "an injection no (inj) row takes was not ignored",
    "An injection in a state where no row marked (inj) takes it (or any injection outside inject "
    "mode) is reported voip.ignored reason=unexpected-state (not-inject-mode) and has no effect." },
  { "voip::inject-code", SR_VERDICT_FAIL, REQ ("SW-VOIP-13"), SR_ISSUE_FLAGS_NONE,
    "in inject mode a call's voip.call does not report the SIP code it would have sent",
    "In inject mode a callee's voip.call carries code= the row would have sent: 200 answered, "
    "603 rejected, 486 busy, 480 timeout / switch-timeout, 487 cancelled." },
  { "voip::sip-in-inject-mode", SR_VERDICT_FAIL, REQ ("SW-VOIP-13"), SR_ISSUE_FLAGS_NONE,
    "the VoIP module sent SIP in inject mode",
    "In inject mode the module sends and expects no SIP: it reported a sip.tx." },
  { "voip::give-back", SR_VERDICT_FAIL, REQ ("SW-VOIP-06"), SR_ISSUE_FLAGS_NONE,
    "the VoIP module did not give the screen back exactly once",
    "After STOP_IPTV exactly one RESUME_IPTV when that call ends; after "
    "CALLER_SHOW_VIDEO_PAGE exactly one BACK_TO_NAV. Judged on the channel alone." },
  { "voip::startup-resume", SR_VERDICT_FAIL, REQ ("SW-VOIP-02", "SW-RST-01"),
    SR_ISSUE_FLAGS_NONE, "the VoIP module did not send RESUME_IPTV once at start",
    "After every start, the first switch message of the VoIP module is one RESUME_IPTV." },
  { "voip::call-resumed", SR_VERDICT_FAIL, REQ ("SW-RST-04"), SR_ISSUE_FLAGS_NONE,
    "a VoIP module restarted during a call resumed that call",
    "Before a new call of its own, the restarted module reported the old call going on "
    "(voip.call, voip.state IN_CALL, voip.media started) or renewed its SIP session." },
  /* ---- SIP at the IMS core ----------------------------------------------------------------- */
  { "sip::early-answer", SR_VERDICT_FAIL, REQ ("SW-SIP-02"), SR_ISSUE_FLAGS_NONE,
    "the STB answered (2xx) an INVITE before CALLEE_SHOW_VIDEO_PAGE",
    "Observed at the IMS core: the STB's 2xx to an incoming INVITE passed Kamailio before the "
    "server saw CALLEE_SHOW_VIDEO_PAGE for that call." },
  { "sip::reject-code", SR_VERDICT_FAIL, REQ ("SW-SIP-04"), SR_ISSUE_FLAGS_NONE,
    "the STB refused a call with the wrong SIP status",
    "603 for a user reject, 486 busy, 480 on timeouts, 487 after CANCEL (SPEC §9.8)." },
  { "sip::not-registered", SR_VERDICT_FAIL, REQ ("SW-SIP-01"), SR_ISSUE_FLAGS_NONE,
    "the STB handled calls without registering",
    "No REGISTER from the STB passed the IMS core before its first call." },
  { "sip::no-ringing", SR_VERDICT_FAIL, REQ ("SW-SIP-03"), SR_ISSUE_FLAGS_NONE,
    "the STB showed the incoming-call dialog without sending 180 Ringing",
    "Observed at the IMS core: no 180 from the STB to an incoming INVITE before its final "
    "answer, though the dialog was shown (voip.dialog, or the user answered or declined)." },
  { "sip::early-media", SR_VERDICT_FAIL, REQ ("SW-SIP-03"), SR_ISSUE_FLAGS_NONE,
    "the STB sent a provisional answer with SDP (early media) before answering",
    "Observed at the IMS core: a 1xx (183 Session Progress) from the STB to an incoming INVITE "
    "carried an SDP body before the 2xx." },
  { "sip::sdp-address", SR_VERDICT_FAIL, REQ ("SW-SIP-07"), SR_ISSUE_FLAGS_NONE,
    "the STB's SDP names a media address it does not use",
    "Observed at the IMS core: a c= address of an SDP the STB sent is neither 127.0.0.1 nor "
    "the address the STB sends its SIP from (the run's namespace address)." },
  /* ---- DUT processes ----------------------------------------------------------------------- */
  { "timer::early", SR_VERDICT_FAIL, REQ ("SW-TMR-04"), SR_ISSUE_FLAGS_NONE,
    "a VoIP timer fired before its value",
    "The message of a timer's expiry (REJECT_CONTINUE_IPTV for T_DIALOG, RESUME_IPTV for "
    "T_SHOW) reached the server earlier after the timer's start (the call's arrival, the "
    "module's STOP_IPTV) than the value the module was launched with, less the profile's "
    "[tolerances] timer_early_ms." },
  { "timer::not-fired", SR_VERDICT_FAIL, REQ ("SW-TMR-01", "SW-TMR-02", "SW-TMR-03"), SR_ISSUE_FLAGS_NONE,
    "a VoIP timer never fired",
    "The timer started (dialog shown, STOP_IPTV sent), nothing stopped it (key, far end, "
    "CALLEE_SHOW_VIDEO_PAGE), and its expiry's message did not come within its value, its "
    "SW-TIME budget and a second of grace." },
  { "timer::not-stopped", SR_VERDICT_FAIL, REQ ("SW-TMR-05"), SR_ISSUE_FLAGS_NONE,
    "a VoIP timer acted after a row had stopped it",
    "T_SHOW stops with CALLEE_SHOW_VIDEO_PAGE (V-20); its expiry's RESUME_IPTV came anyway, "
    "at about its value, with no hang-up in between." },
  { "dut::crashed", SR_VERDICT_FAIL, REQ ("SW-RX-07"), SR_ISSUE_FLAGS_NONE,
    "a module died during the test",
    "A module exited or was killed while the test ran (it must survive any data on its "
    "channels and keep handling later messages). The exit status and log are the evidence." },
  { "dut::never-ready", SR_VERDICT_FAIL, REQ ("SW-CHAN-10", "SW-CHAN-13"), SR_ISSUE_FLAGS_NONE,
    "a module never connected and registered its channel",
    "The DUT did not register its listen channel at the server within the start timeout." },
  /* ---- the harness itself ----------------------------------------------------------------- */
  { "run::setup-failed", SR_VERDICT_ERROR, NULL, INFRA,
    "the test could not be set up", "Run directory, socket or dialect could not be prepared." },
  { "run::scenario-invalid", SR_VERDICT_ERROR, NULL, INFRA,
    "the scenario does not parse or validate", "See the evidence for file:line." },
  { "run::action-failed", SR_VERDICT_ERROR, NULL, INFRA,
    "a scenario action could not be carried out",
    "The harness could not do what the scenario says (start a component, send a message)." },
  { "run::scenario-timeout", SR_VERDICT_ERROR, NULL, INFRA,
    "the scenario's overall timeout was reached", "meta timeout= reached before the end." },
  { "run::component-exited", SR_VERDICT_ERROR, NULL, INFRA,
    "a harness component died during the test",
    "stb-qcopd, the IMS core, the head-end or the second STB exited: not the DUT's fault." },
  { "run::unknown-issue", SR_VERDICT_ERROR, NULL, INFRA,
    "the runner raised an issue id its registry does not declare",
    "A bug in the runner; reported as an error so that it can never pass." },
  { "coverage::not-evaluated", SR_VERDICT_PASS, NULL, SCN,
    "a requirement the test lists was evaluated by no check in this run",
    "The catalogue says the test checks the requirement, but no check looked at any event for "
    "it in this run: a vacuous pass. Reported as a note; `stbsim coverage` lists them." },
  { NULL, 0, NULL, 0, NULL, NULL },
};
/* clang-format on */

const SrIssueType *
sr_issue_type_lookup (const gchar *id)
{
  for (const SrIssueType *t = sr_issue_types; id != NULL && t->id != NULL; t++)
    if (g_str_equal (t->id, id))
      return t;
  return NULL;
}

gboolean
sr_issue_type_allows (const SrIssueType *type, const gchar *requirement)
{
  if (requirement == NULL || (type->flags & SR_ISSUE_SCENARIO_REQUIREMENT))
    return TRUE;
  return type->requirements != NULL && g_strv_contains (type->requirements, requirement);
}

void
sr_issue_raisev (SrTestResult *result, const gchar *id, const gchar *requirement, gint64 t_ns,
                 const gchar *fmt, va_list ap)
{
  g_autofree gchar *evidence = g_strdup_vprintf (fmt, ap);
  const SrIssueType *type = sr_issue_type_lookup (id);
  if (type == NULL)
    {
      g_critical ("issue %s is not in the registry (sr-issues.c)", id);
      g_autofree gchar *why = g_strdup_printf ("undeclared issue %s: %s", id, evidence);
      sr_test_result_add_issue (
          result, sr_issue_new ("run::unknown-issue", SR_VERDICT_ERROR, NULL, why, t_ns));
      return;
    }
  if (!sr_issue_type_allows (type, requirement))
    {
      g_critical ("issue %s does not check %s (sr-issues.c)", id, requirement);
      requirement = NULL;
    }
  if (requirement == NULL && type->requirements != NULL)
    requirement = type->requirements[0];
  g_debug ("%s: %s %s%s%s: %s", result->id, sr_verdict_to_string (type->level), id,
           requirement ? " " : "", requirement ? requirement : "", evidence);
  sr_test_result_add_issue (result, sr_issue_new (id, type->level, requirement, evidence, t_ns));
  /* a failure is an evaluation of its requirement (coverage) */
  if (type->level == SR_VERDICT_FAIL)
    sr_test_result_note_evaluated (result, requirement, id);
}

void
sr_issue_raise (SrTestResult *result, const gchar *id, const gchar *requirement, gint64 t_ns,
                const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sr_issue_raisev (result, id, requirement, t_ns, fmt, ap);
  va_end (ap);
}

static void
describe_json (GString *out)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (const SrIssueType *t = sr_issue_types; t->id; t++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, t->id);
      json_builder_set_member_name (b, "level");
      json_builder_add_string_value (b, sr_verdict_to_string (t->level));
      json_builder_set_member_name (b, "requirements");
      json_builder_begin_array (b);
      for (guint i = 0; t->requirements && t->requirements[i]; i++)
        json_builder_add_string_value (b, t->requirements[i]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "requirement_from_scenario");
      json_builder_add_boolean_value (b, (t->flags & SR_ISSUE_SCENARIO_REQUIREMENT) != 0);
      json_builder_set_member_name (b, "infrastructure");
      json_builder_add_boolean_value (b, (t->flags & SR_ISSUE_INFRASTRUCTURE) != 0);
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, t->summary);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, t->description);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_pretty (g, TRUE);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (g, root);
  g_autofree gchar *text = json_generator_to_data (g, NULL);
  g_string_append_printf (out, "%s\n", text);
}

gchar *
sr_issue_types_describe_all (gboolean json)
{
  GString *out = g_string_new (NULL);
  if (json)
    {
      describe_json (out);
      return g_string_free (out, FALSE);
    }
  g_string_append_printf (out, "%-32s %-7s %-28s %s\n", "issue", "level", "requirements",
                          "summary");
  for (const SrIssueType *t = sr_issue_types; t->id; t++)
    {
      g_autofree gchar *reqs
          = t->requirements
                ? g_strjoinv (",", (gchar **)t->requirements)
                : g_strdup ((t->flags & SR_ISSUE_SCENARIO_REQUIREMENT) ? "(the scenario's)" : "-");
      g_string_append_printf (out, "%-32s %-7s %-28s %s\n", t->id, sr_verdict_to_string (t->level),
                              reqs, t->summary);
    }
  return g_string_free (out, FALSE);
}
