/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-actions"

/* The action table: drives validation, `stbsim list-actions` and execution. */

#include "sr-actions.h"
#include "sr-handlers.h"

#define END                                                                                        \
  {                                                                                                \
    NULL, 0, FALSE, NULL, NULL                                                                     \
  }

/* An event selector (from/to/name): an agent event name (`voip.page`), a switch parameter
 * seen at the server (`CALLER_SHOW_VIDEO_PAGE`), a runner event (`key.voip`, `start.voip`),
 * or a SIP event (`sip.rx`); `|k=v;k2=v2` after the name matches details. */

static const SrParamSpec meta_params[]
    = { { "name", SR_PARAM_STRING, FALSE, "file name", "test name" },
        { "summary", SR_PARAM_STRING, FALSE, NULL, "one line: what the scenario checks" },
        { "layouts", SR_PARAM_LIST, FALSE, "bidirectional,unidirectional",
          "channel layouts the scenario applies to" },
        { "layout", SR_PARAM_LIST, FALSE, NULL, "alias of layouts" },
        { "requirements", SR_PARAM_LIST, FALSE, NULL, "SPEC requirement ids the scenario checks" },
        { "timeout", SR_PARAM_DOUBLE, FALSE, "60", "bound of the whole scenario in seconds" },
        { "dut", SR_PARAM_LIST, FALSE, "iptv,voip", "roles a vendor module may take" },
        { "dialect", SR_PARAM_STRING, FALSE, NULL,
          "dialect file (relative to the source root) the modules and the runner use" },
        { "ics", SR_PARAM_LIST, FALSE, NULL, "ICS items that must be 'yes' for the test to apply" },
        { "needs", SR_PARAM_LIST, FALSE, NULL,
          "infrastructure: agent (agent events), sip (IMS + far end), media, netns" },
        END };

static const SrParamSpec include_params[]
    = { { "file", SR_PARAM_STRING, TRUE, NULL, "scenario fragment, relative to this file" }, END };

static const SrParamSpec start_params[]
    = { { "component", SR_PARAM_STRING, TRUE, NULL,
          "server|iptv|voip|headend|ims|sipp|stb2 (second STB as far end); ims args=--netns: "
          "netns mode (root)" },
        { "args", SR_PARAM_STRING, FALSE, NULL, "extra command-line arguments (shell syntax)" },
        { "ready", SR_PARAM_BOOL, FALSE, "true", "wait for the component to be ready" },
        END };

static const SrParamSpec component_params[]
    = { { "component", SR_PARAM_STRING, TRUE, NULL, "a started component" },
        { "signal", SR_PARAM_STRING, FALSE, "KILL", "kill: KILL, TERM, INT, STOP, CONT" },
        END };

static const SrParamSpec key_params[]
    = { { "target", SR_PARAM_STRING, TRUE, NULL, "iptv|voip|stb2-iptv|stb2-voip" },
        { "key", SR_PARAM_STRING, TRUE, NULL,
          "menu up down left right ok back videocall 0..9 red green" },
        { "repeat", SR_PARAM_INT, FALSE, "1", "press that many times" },
        { "allow-unknown", SR_PARAM_BOOL, FALSE, "false",
          "send a key name SW-AGT-02 does not list (robustness: handled=no)" },
        END };

static const SrParamSpec dial_params[]
    = { { "number", SR_PARAM_STRING, TRUE, NULL,
          "digits to dial (keys); a SIP user such as stb2 goes through the agent's dial()" },
        { "target", SR_PARAM_STRING, FALSE, "voip",
          "module that dials: voip, or stb2-voip (the far-end STB)" },
        { "confirm", SR_PARAM_STRING, FALSE, "ok", "key that places the call (SPEC V-32: ok)" },
        END };

/* An expectation about one layout only (SW-RX-03: own messages exist on the bidirectional
 * channel alone); in another layout it is skipped and evaluates nothing. */
#define LAYOUTS_PARAM                                                                              \
  {                                                                                                \
    "layouts", SR_PARAM_LIST, FALSE, "bidirectional,unidirectional",                               \
        "only in these channel layouts; skipped (nothing evaluated) in the others"                 \
  }

#define SELECTOR_PARAMS                                                                            \
  { "name", SR_PARAM_STRING, TRUE, NULL,                                                           \
    "event selector (agent event, switch parameter, "                                              \
    "runner or SIP event)" },                                                                      \
      { "match", SR_PARAM_STRING, FALSE, NULL, "details that must match: \"k=v;k2=v2\"" },         \
      { "source", SR_PARAM_STRING, FALSE, NULL, "lane the event comes from: iptv, voip, server" }, \
      { "since", SR_PARAM_STRING, FALSE, NULL,                                                     \
        "checkpoint to search from (default: after the previous match)" },                         \
      { "requirement", SR_PARAM_STRING, FALSE, NULL, "SPEC requirement the expectation checks" },  \
      LAYOUTS_PARAM

static const SrParamSpec wait_params[]
    = { SELECTOR_PARAMS,
        { "needs-agent", SR_PARAM_BOOL, FALSE, "true",
          "inconclusive (not failed) when the module does not implement the agent interface" },
        END };

static const SrParamSpec expect_message_params[]
    = { { "param", SR_PARAM_STRING, TRUE, NULL,
          "BACK_TO_NAV STOP_IPTV REJECT_CONTINUE_IPTV RESUME_IPTV CALLER_SHOW_VIDEO_PAGE "
          "CALLEE_SHOW_VIDEO_PAGE" },
        { "from", SR_PARAM_STRING, FALSE, NULL, "sender: iptv|voip (default: by the parameter)" },
        { "channel", SR_PARAM_STRING, FALSE, NULL, "channel (default: the layout's channel)" },
        { "since", SR_PARAM_STRING, FALSE, NULL, "checkpoint to search from" },
        { "requirement", SR_PARAM_STRING, FALSE, NULL, "SPEC requirement the expectation checks" },
        LAYOUTS_PARAM,
        END };

static const SrParamSpec no_event_params[]
    = { SELECTOR_PARAMS,
        { "window", SR_PARAM_DOUBLE, TRUE, NULL, "seconds during which the event must not happen" },
        END };

static const SrParamSpec order_params[]
    = { { "first", SR_PARAM_STRING, TRUE, NULL, "event selector that must come first" },
        { "then", SR_PARAM_STRING, TRUE, NULL, "event selector that must not come before `first`" },
        { "since", SR_PARAM_STRING, FALSE, "ready", "checkpoint to search from" },
        { "requirement", SR_PARAM_STRING, FALSE, NULL, "SPEC requirement the order checks" },
        LAYOUTS_PARAM,
        END };

static const SrParamSpec measure_params[]
    = { { "name", SR_PARAM_STRING, TRUE, NULL, "latency name in the report" },
        { "from", SR_PARAM_STRING, TRUE, NULL, "event selector A" },
        { "to", SR_PARAM_STRING, TRUE, NULL, "event selector B (first one after A)" },
        { "budget", SR_PARAM_STRING, FALSE, NULL, "budget id in the timing profile" },
        { "since", SR_PARAM_STRING, FALSE, NULL,
          "checkpoint to search A from (default: test start)" },
        { "requirement", SR_PARAM_STRING, FALSE, NULL, "requirement the budget belongs to" },
        END };

static const SrParamSpec impair_params[]
    = { { "link", SR_PARAM_STRING, TRUE, NULL,
          "sip|rtp|media|all (UDP; sip = Kamailio's port 5060)" },
        { "side", SR_PARAM_STRING, FALSE, "stb",
          "namespace whose incoming packets are dropped: stb (STB side) or ims (Kamailio)" },
        { "loss", SR_PARAM_DOUBLE, FALSE, "0",
          "packet loss in percent (nftables numgen drop); 0 clears the impairment" },
        { "pattern", SR_PARAM_STRING, FALSE, "random",
          "random (each packet lost with that probability) or even (exactly every Nth "
          "packet: never two in a row, deterministic verdicts)" },
        { "delay", SR_PARAM_INT, FALSE, "0",
          "added delay in ms (not possible here: no tc netem; inconclusive)" },
        { "clear", SR_PARAM_BOOL, FALSE, "false", "remove the impairment" },
        END };

static const SrParamSpec profile_params[]
    = { { "name", SR_PARAM_STRING, TRUE, NULL, "timing profile: conformance/profiles/<name>.ini" },
        END };

static const SrParamSpec inject_params[] = {
  { "target", SR_PARAM_STRING, FALSE, "voip", "module that receives the injection" },
  { "event", SR_PARAM_STRING, TRUE, NULL,
    "call (injectCall: incoming call), hangup (injectHangup: far end cancels or hangs up), "
    "answer (injectAnswer: far end answers our call), reject (injectReject: far end refuses)" },
  { "peer", SR_PARAM_STRING, FALSE, "sip:far@stbsim.test", "far end identity (call)" },
  { "code", SR_PARAM_INT, FALSE, "486", "SIP status of the far end's refusal (reject)" },
  END
};

static const SrParamSpec send_switch_params[]
    = { { "from", SR_PARAM_STRING, TRUE, NULL, "iptv|voip: whose messages to impersonate" },
        { "param", SR_PARAM_STRING, TRUE, NULL, "parameter name or number" },
        { "type", SR_PARAM_INT, FALSE, NULL, "message type (default: the sender's)" },
        { "channel", SR_PARAM_STRING, FALSE, NULL, "channel (default: the layout's)" },
        END };

static const SrParamSpec send_raw_params[]
    = { { "to", SR_PARAM_STRING, TRUE, NULL, "iptv|voip: whose listen channel (layout) gets it" },
        { "data", SR_PARAM_STRING, FALSE, "", "message data as hex (\"\" = empty)" },
        { "message", SR_PARAM_STRING, FALSE, NULL, "QCOP message name (default: the dialect's)" },
        { "channel", SR_PARAM_STRING, FALSE, NULL,
          "channel (default: the listen channel of `to`)" },
        END };

static const SrParamSpec send_random_params[]
    = { { "to", SR_PARAM_STRING, TRUE, NULL, "iptv|voip: whose listen channel gets them" },
        { "count", SR_PARAM_INT, FALSE, "100", "number of messages" },
        { "seed", SR_PARAM_INT, FALSE, "1", "PRNG seed (recorded in the trace)" },
        { "max-len", SR_PARAM_INT, FALSE, "64", "maximum data length in bytes (<= 16000)" },
        { "named", SR_PARAM_BOOL, FALSE, "true",
          "use the dialect's message name (false: random names too)" },
        END };

static const SrParamSpec checkpoint_params[]
    = { { "name", SR_PARAM_STRING, TRUE, NULL, "checkpoint name for since=" }, END };

static const SrParamSpec snapshot_params[]
    = { { "name", SR_PARAM_STRING, TRUE, NULL,
          "picture name: tests/<id>/screen-NAME.png (letters, digits, - and _)" },
        { "painted", SR_PARAM_STRING, FALSE, NULL,
          "first wait (up to the timeout) for this event, e.g. iptv.screen (SPEC 12.6): the page "
          "is on the screen; not seen: pictured anyway" },
        { "match", SR_PARAM_STRING, FALSE, NULL, "details the painted event must contain" },
        { "since", SR_PARAM_STRING, FALSE, NULL, "checkpoint to search the painted event from" },
        END };

const SrActionType sr_action_types[] = {
  { "meta", NULL, meta_params, "scenario description; must be the first action", 0 },
  { "set-vars", NULL, NULL, "define variables: set-vars, a=1, b=x; use as $(a)", 0 },
  { "include", NULL, include_params, "insert the actions of another file", 0 },
  { "profile", sr_handle_profile, profile_params, "select the timing profile", 1 },
  { "start", sr_handle_start, start_params,
    "start a component and wait until it is ready (READY line or channel registration)", 30 },
  { "kill", sr_handle_kill, component_params, "send a signal to a component's process group", 5 },
  { "restart", sr_handle_restart, start_params, "stop a component and start it again", 35 },
  { "press-key", sr_handle_press_key, key_params,
    "send a remote-control key to a module's agent (STBSim/Agent/IPTV|VoIP, key(QString))", 2 },
  { "dial", sr_handle_dial, dial_params,
    "dial a number on the VoIP main page: digit keys, then `confirm` (SPEC V-30, V-32)", 5 },
  { "inject", sr_handle_inject, inject_params,
    "SPEC's injection message to the VoIP agent (runs without SIP)", 2 },
  { "send-switch", sr_handle_send_switch, send_switch_params,
    "send a switchService message as if from one module (to test the other alone)", 2 },
  { "send-raw", sr_handle_send_raw, send_raw_params,
    "send arbitrary bytes as a QCOP message on a module's listen channel (robustness)", 2 },
  { "send-random", sr_handle_send_random, send_random_params,
    "fuzz: seeded random data (and names) on a module's listen channel", 30 },
  { "checkpoint", sr_handle_checkpoint, checkpoint_params, "remember this instant", 1 },
  { "snapshot", sr_handle_snapshot, snapshot_params,
    "write the virtual screen (a Qt GUI DUT's QWS display, {display}, or the one the reference "
    "modules draw on) to a PNG in the test's result; a scenario with snapshots gets a screen",
    5 },
  { "wait-event", sr_handle_wait_event, wait_params,
    "wait for an event; not seeing it makes the test inconclusive (or fails `requirement`)", 5 },
  { "expect-event", sr_handle_expect_event, wait_params,
    "expect an event within the timeout; else fail with `requirement`", 5 },
  { "expect-message", sr_handle_expect_message, expect_message_params,
    "expect a switch message at the server (type, parameter, channel checked); else fail", 5 },
  { "expect-no-event", sr_handle_expect_no_event, no_event_params,
    "the event must not happen during `window` seconds", 10 },
  { "expect-order", sr_handle_expect_order, order_params,
    "when `then` happens (within the timeout), `first` must already have happened; "
    "e.g. no answer before CALLEE_SHOW_VIDEO_PAGE",
    5 },
  { "measure", sr_handle_measure, measure_params,
    "latency from event A to event B, checked against the profile's budget", 10 },
  { "impair", sr_handle_impair, impair_params,
    "network impairment in netns mode (ims --netns): nftables loss; inconclusive when not "
    "possible",
    5 },
  { NULL, NULL, NULL, NULL, 0 },
};
