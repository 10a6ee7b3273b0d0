/* SPDX-License-Identifier: MIT */
/*
 * stb-iptv and stb-voip as processes against the real stb-qcopd, in both channel layouts:
 * the caller, callee-accept, callee-reject and resume (live and VOD) flows driven through
 * the agent interface (SPEC §12), asserted on the agent events a test QCOP client receives
 * and on the switch messages in the server's trace (JSON lines, sim/qcop/TRACE.md); plus
 * malformed switch messages (SPEC §4). A stb-headend (unicast) serves live and VOD.
 */
#define G_LOG_DOMAIN "check-stb-modules"

#include "stb-test-stack.h"

#include "qcop-datastream.h"

static const gchar *const layouts[] = { "bidirectional", "unidirectional" };

/* One stb-headend for every test (unchecked fixture: lives in the parent runner). */
static StbsimProc *headend;
static gchar *headend_dir;
static gchar *headend_rtsp;
static gchar *headend_lineup;

/* ---- headend (fixture) ------------------------------------------------------------------- */

static void
headend_setup (void)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/headend/stb-headend");
  g_autofree gchar *lineup = stbsim_test_source_path ("fixtures/lineup.ini");
  g_autofree gchar *run = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *ready = NULL;

  headend_dir = stbsim_test_mkdtemp ("check-stb-headend");
  run = g_build_filename (headend_dir, "run", NULL);
  log = g_build_filename (headend_dir, "headend.log", NULL);
  {
    const gchar *argv[]
        = { exe,         "--lineup",         lineup, "--run-dir", run, "--rtsp-port", "0",
            "--unicast", "--live-port-base", "0",    NULL };
    /* it encodes its VOD assets (150 s of video) before READY: 41 s under ASan at load 35
     * (ci/repeat.sh --load), so a generous bound */
    headend = stbsim_test_spawn_ready (argv, "stb-headend", log, 180000, &ready);
  }
  headend_rtsp = stb_stack_ready_value (ready, "rtsp");
  headend_lineup = stb_stack_ready_value (ready, "lineup");
  ck_assert_msg (headend_rtsp && headend_lineup, "headend READY line: %s", ready);
}

static void
headend_teardown (void)
{
  g_clear_pointer (&headend, stbsim_proc_free);
  stbsim_test_rmtree (headend_dir);
  g_clear_pointer (&headend_dir, g_free);
  g_clear_pointer (&headend_rtsp, g_free);
  g_clear_pointer (&headend_lineup, g_free);
}

/* ---- stack ------------------------------------------------------------------------------- */

/* The modules in inject mode (the agent plays the far end), IPTV against the headend. */
static void
rig_start (StbStack *rig, const gchar *layout, const gchar *dialect)
{
  const gchar *iptv_args[] = { "--lineup", headend_lineup, "--vod-base-uri", headend_rtsp, NULL };
  const gchar *voip_args[] = { "--inject", "--t-dialog-ms", "3000",  "--t-show-ms",
                               "2000",     "--t-alert-ms",  "10000", NULL };
  const StbStackOptions options = { .layout = layout,
                                    .dialect = dialect,
                                    .name = "check-stb-modules",
                                    .iptv_args = iptv_args,
                                    .voip_args = voip_args };

  stb_stack_start (rig, &options);
}

/* ---- flows ------------------------------------------------------------------------------- */

static void
start_live (StbStack *rig, const gchar *item)
{
  g_auto (GStrv) parts = g_strsplit (item, ":", 2);
  g_autofree gchar *channel = g_strdup_printf ("channel=%s", parts[1]);

  stb_stack_send_string (rig, STB_AGENT_IPTV_CHANNEL, "select(QString)", item);
  stb_stack_expect (rig, "iptv", "iptv.play", "kind=live", channel, "row=I-03");
  stb_stack_expect (rig, "iptv", "iptv.state", "from=NAV", "to=PLAYING_LIVE", "reason=I-03");
}

/* Patent figure 1, SPEC §8.1. */
START_TEST (test_caller)
{
  StbStack rig;
  const gint params[]
      = { STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE, STB_SWITCH_PARAM_BACK_TO_NAV, -1 };

  rig_start (&rig, layouts[_i], "default");
  stb_stack_expect (&rig, "iptv", "iptv.ready", NULL);
  start_live (&rig, "live:1");
  stb_stack_key (&rig, "iptv", "menu");
  stb_stack_expect (&rig, "iptv", "iptv.stop", "reason=menu", "row=I-10");
  stb_stack_expect (&rig, "iptv", "iptv.page", "page=nav");
  stb_stack_expect (&rig, "iptv", "iptv.focus", "item=videocall");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=PLAYING_LIVE", "to=NAV", "reason=I-10");
  stb_stack_key (&rig, "iptv", "ok");
  stb_stack_expect (&rig, "iptv", "switch.tx", "param=CALLER_SHOW_VIDEO_PAGE", "type=iptv_to_voip");
  stb_stack_expect (&rig, "iptv", "iptv.page", "page=hidden");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=NAV", "to=HIDDEN_CALLER", "reason=I-01");
  stb_stack_expect (&rig, "voip", "switch.rx", "param=CALLER_SHOW_VIDEO_PAGE", "row=V-02");
  stb_stack_expect (&rig, "voip", "voip.page", "page=main");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IDLE", "to=MAIN_PAGE", "reason=V-02");
  for (const gchar *d = "1002"; *d; d++)
    {
      gchar k[2] = { *d, 0 };
      stb_stack_key (&rig, "voip", k);
    }
  stb_stack_expect (&rig, "voip", "voip.number", "number=1002");
  stb_stack_key (&rig, "voip", "ok");
  stb_stack_expect (&rig, "voip", "voip.call", "state=dialling", "peer=1002", "role=caller");
  stb_stack_expect (&rig, "voip", "voip.state", "to=DIALLING", "reason=V-32");
  stb_stack_send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectAnswer()", NULL);
  stb_stack_expect (&rig, "voip", "voip.state", "from=DIALLING", "to=IN_CALL", "reason=V-41");
  stb_stack_key (&rig, "voip", "back"); /* local hang-up: stays on the main page [SW-VOIP-08] */
  stb_stack_expect (&rig, "voip", "voip.call", "state=ended", "reason=local-hangup");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IN_CALL", "to=MAIN_PAGE", "reason=V-52");
  stb_stack_key (&rig, "voip", "back");
  stb_stack_expect (&rig, "voip", "voip.page", "page=hidden");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=BACK_TO_NAV");
  stb_stack_expect (&rig, "voip", "voip.state", "from=MAIN_PAGE", "to=IDLE", "reason=V-34");
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=BACK_TO_NAV", "row=I-40");
  stb_stack_expect (&rig, "iptv", "iptv.page", "page=nav");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLER", "to=NAV", "reason=I-40");
  stb_stack_check_trace (&rig, params);
  stb_stack_free (&rig);
}
END_TEST

/* Accept an incoming call; @stop: "k=v" of the expected iptv.stop (NULL: nothing played).
 * Returns the iptv.stop event (or NULL). */
static StbStackEvent *
callee_accept (StbStack *rig, const gchar *from_state, const gchar *stop_row,
               const gchar *const *stop)
{
  StbStackEvent *stopped = NULL;
  g_autofree gchar *from = g_strdup_printf ("from=%s", from_state);
  g_autofree gchar *row = g_strdup_printf ("row=%s", stop_row);
  g_autofree gchar *reason = g_strdup_printf ("reason=%s", stop_row);

  stb_stack_send_string (rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2001@ims.test");
  stb_stack_expect (rig, "voip", "voip.dialog", "state=shown", "peer=sip:2001@ims.test");
  stb_stack_expect (rig, "voip", "voip.call", "state=incoming", "code=180", "role=callee");
  stb_stack_expect (rig, "voip", "voip.state", "from=IDLE", "to=DIALOG", "reason=V-01");
  stb_stack_key (rig, "voip", "ok");
  stb_stack_expect (rig, "voip", "switch.tx", "param=STOP_IPTV", "type=voip_to_iptv");
  stb_stack_expect (rig, "voip", "voip.dialog", "state=closed", "reason=accept");
  stb_stack_expect (rig, "voip", "voip.state", "from=DIALOG", "to=AWAIT_SHOW", "reason=V-10");
  stb_stack_expect (rig, "iptv", "switch.rx", "param=STOP_IPTV", row);
  /* [SW-IPTV-05]: stop, hide, then CALLEE_SHOW_VIDEO_PAGE */
  if (stop)
    stopped = stb_stack_expect_v (rig, "iptv", "iptv.stop", stop);
  stb_stack_expect (rig, "iptv", "iptv.page", "page=hidden");
  stb_stack_expect (rig, "iptv", "switch.tx", "param=CALLEE_SHOW_VIDEO_PAGE");
  stb_stack_expect (rig, "iptv", "iptv.state", from, "to=HIDDEN_CALLEE", reason);
  stb_stack_expect (rig, "voip", "switch.rx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=V-20");
  stb_stack_expect (rig, "voip", "voip.page", "page=main");
  stb_stack_expect (rig, "voip", "voip.call", "state=answered",
                    "code=200"); /* only now [SW-SIP-02] */
  stb_stack_expect (rig, "voip", "voip.state", "from=AWAIT_SHOW", "to=IN_CALL", "reason=V-20");
  return stopped;
}

#define STOP(...) ((const gchar *const[]){ "reason=stop-iptv", __VA_ARGS__, NULL })

/* Patent figure 2 + resume of a live channel, SPEC §8.2, §8.4. */
START_TEST (test_callee_accept_resume_live)
{
  StbStack rig;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  start_live (&rig, "live:3");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live", "channel=3"));
  stb_stack_send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL); /* remote BYE */
  stb_stack_expect (&rig, "voip", "voip.call", "state=ended", "reason=remote-hangup");
  stb_stack_expect (&rig, "voip", "voip.page", "page=hidden");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-51");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IN_CALL", "to=IDLE", "reason=V-51");
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=RESUME_IPTV", "row=I-51");
  stb_stack_expect (&rig, "iptv", "iptv.page", "page=player");
  stb_stack_expect (&rig, "iptv", "iptv.play", "kind=live", "channel=3",
                    "row=I-51"); /* [SW-IPTV-07] */
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_LIVE",
                    "reason=I-51");
  stb_stack_check_trace (&rig, params);
  stb_stack_free (&rig);
}
END_TEST

/* SPEC §8.3 */
START_TEST (test_callee_reject)
{
  StbStack rig;
  const gint params[] = { STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  start_live (&rig, "live:2");
  stb_stack_send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2002@ims.test");
  stb_stack_expect (&rig, "voip", "voip.state", "to=DIALOG", "reason=V-01");
  stb_stack_key (&rig, "voip", "back");
  stb_stack_expect (&rig, "voip", "voip.call", "state=ended", "code=603", "reason=rejected");
  stb_stack_expect (&rig, "voip", "voip.dialog", "state=closed", "reason=reject");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-11");
  stb_stack_expect (&rig, "voip", "voip.state", "from=DIALOG", "to=IDLE", "reason=V-11");
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=REJECT_CONTINUE_IPTV", "row=I-15",
                    "effect=none");
  stb_stack_sync (&rig);
  stb_stack_expect_none (&rig, "iptv", "iptv.stop", NULL); /* [SW-IPTV-08] the picture continues */
  stb_stack_expect_none (&rig, "iptv", "iptv.state", "from=PLAYING_LIVE");
  stb_stack_check_trace (&rig, params);
  stb_stack_free (&rig);
}
END_TEST

/* SPEC §8.6: a call during VOD resumes at the stop position. */
START_TEST (test_resume_vod)
{
  StbStack rig;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };
  StbStackEvent *e;
  g_autofree gchar *pos = NULL;
  g_autofree gchar *want_pos = NULL;

  rig_start (&rig, layouts[_i], "default");
  stb_stack_send_string (&rig, STB_AGENT_IPTV_CHANNEL, "select(QString)", "vod:movie");
  stb_stack_expect (&rig, "iptv", "iptv.play", "kind=vod", "asset=movie", "position=0", "row=I-04");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=NAV", "to=PLAYING_VOD", "reason=I-04");
  stb_stack_expect (&rig, "iptv", "iptv.first-frame", "kind=vod", "asset=movie");
  e = callee_accept (&rig, "PLAYING_VOD", "I-23", STOP ("kind=vod", "asset=movie"));
  pos = stb_agent_details_get (e->details, "position");
  ck_assert_msg (pos && g_ascii_strtoll (pos, NULL, 10) >= 0, "stop position %s", pos);
  stb_stack_key (&rig, "voip", "back"); /* local hang-up: V-50 */
  stb_stack_expect (&rig, "voip", "voip.call", "state=ended", "reason=local-hangup");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-50");
  stb_stack_expect (&rig, "voip", "voip.state", "from=IN_CALL", "to=IDLE", "reason=V-50");
  want_pos = g_strdup_printf ("position=%s", pos);
  stb_stack_expect (&rig, "iptv", "iptv.play", "kind=vod", "asset=movie", want_pos, "row=I-52");
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_VOD",
                    "reason=I-52");
  stb_stack_expect (&rig, "iptv", "iptv.first-frame", "kind=vod", "asset=movie");
  stb_stack_check_trace (&rig, params);
  stb_stack_free (&rig);
}
END_TEST

/* SPEC §4: malformed switch messages are ignored, counted, reported; the modules keep
 * working (a callee flow afterwards). */
START_TEST (test_malformed)
{
  StbStack rig;
  const gchar *targets[2];
  static const gchar *const bad[][2] = {
    { "switchService(int,int)", "000000" },           /* short-data */
    { "switchService(int,int)", "0000000700000001" }, /* unknown-type */
    { "other(int)", "0000000200000002" },             /* unknown-message */
  };
  g_autofree guint8 *big = g_malloc0 (16000);

  rig_start (&rig, layouts[_i], "default");
  targets[0] = stb_dialect_listen_channel (rig.dialect, STB_ROLE_IPTV);
  targets[1] = stb_dialect_listen_channel (rig.dialect, STB_ROLE_VOIP);
  for (guint t = 0; t < 2; t++)
    {
      if (t == 1 && g_str_equal (targets[0], targets[1]))
        break;
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autoptr (GBytes) data = qcop_ds_from_hex (bad[i][1], NULL);
          stb_stack_send_raw (&rig, targets[t], bad[i][0], data);
        }
      {
        g_autoptr (GBytes) data = g_bytes_new (big, 16000); /* zeros: type 0 */
        stb_stack_send_raw (&rig, targets[t], "switchService(int,int)", data);
      }
    }
  /* addressed to IPTV but with an unknown parameter, and addressed to VoIP likewise */
  {
    g_autoptr (GBytes) a = qcop_ds_from_hex ("0000000200000063", NULL);
    g_autoptr (GBytes) b = qcop_ds_from_hex ("0000000100000063", NULL);
    stb_stack_send_raw (&rig, targets[0], "switchService(int,int)", a);
    stb_stack_send_raw (&rig, targets[1], "switchService(int,int)", b);
  }
  for (guint m = 0; m < 2; m++)
    {
      const gchar *src = m ? "voip" : "iptv";
      g_autofree gchar *name = g_strdup_printf ("%s.ignored", src);
      stb_stack_expect (&rig, src, name, "reason=short-data", "len=3");
      stb_stack_expect (&rig, src, name, "reason=unknown-type", "type=7");
      stb_stack_expect (&rig, src, name, "reason=unknown-message");
      stb_stack_expect (&rig, src, name, "reason=unknown-type", "len=16000", "type=0");
    }
  stb_stack_expect (&rig, "iptv", "iptv.ignored", "reason=unknown-param", "param=99");
  stb_stack_expect (&rig, "voip", "voip.ignored", "reason=unknown-param", "param=99");
  /* a valid message in the wrong state: RESUME_IPTV while on NAV is ignored */
  {
    g_autoptr (GBytes) r = stb_protocol_encode_param (rig.dialect, STB_SWITCH_PARAM_RESUME_IPTV);
    stb_stack_send_raw (&rig, targets[0], rig.dialect->message, r);
    stb_stack_expect (&rig, "iptv", "iptv.ignored", "reason=unexpected-state");
  }
  /* still working */
  start_live (&rig, "live:1");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live"));
  {
    const gint params[] = { STB_SWITCH_PARAM_RESUME_IPTV, STB_SWITCH_PARAM_STOP_IPTV,
                            STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, -1 };
    /* the injected RESUME_IPTV was sent by this test client, not a module: skip it */
    stb_stack_stop (&rig, TRUE);
    g_autofree gchar *got = stb_stack_trace_switch_messages (&rig);
    g_autofree gchar *l1 = stb_stack_line_for (&rig, params[1]);
    g_autofree gchar *l2 = stb_stack_line_for (&rig, params[2]);
    ck_assert_msg (strstr (got, l1) && strstr (got, l2), "trace:\n%s", got);
  }
  stb_stack_free (&rig);
}
END_TEST

/* A vendor dialect (renamed channels, renumbered values): the callee flow end to end. */
START_TEST (test_vendor_dialect)
{
  StbStack rig;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };

  rig_start (&rig, layouts[_i], "vendor-example");
  stb_stack_expect (&rig, "iptv", "iptv.ready", "dialect=vendor-example");
  start_live (&rig, "live:4");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live"));
  stb_stack_send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL);
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_LIVE",
                    "reason=I-51");
  stb_stack_check_trace (&rig, params);
  stb_stack_free (&rig);
}
END_TEST

/* T_SHOW [SW-TMR-02]: an IPTV module that never answers STOP_IPTV; V-21 gives the screen back. */
START_TEST (test_show_timeout)
{
  StbStack rig;

  rig_start (&rig, layouts[_i], "default");
  stb_stack_stop_proc (&rig.iptv); /* the peer is gone */
  stb_stack_send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2003@ims.test");
  stb_stack_key (&rig, "voip", "ok");
  stb_stack_expect (&rig, "voip", "voip.state", "to=AWAIT_SHOW", "reason=V-10");
  stb_stack_expect (&rig, "voip", "voip.call", "state=ended", "code=480", "reason=switch-timeout");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-21");
  stb_stack_expect (&rig, "voip", "voip.state", "from=AWAIT_SHOW", "to=IDLE", "reason=V-21");
  stb_stack_free (&rig);
}
END_TEST

/* §9.9 duplicates: a second STOP_IPTV in HIDDEN_CALLEE is answered again (I-55, [SW-IPTV-11]);
 * the VoIP module in IN_CALL ignores that CALLEE_SHOW_VIDEO_PAGE as a duplicate (no second
 * 200 OK, [SW-VOIP-12]) and a CALLER_SHOW_VIDEO_PAGE as unexpected-state. */
START_TEST (test_duplicates)
{
  StbStack rig;
  g_autoptr (GBytes) stop = NULL;
  g_autoptr (GBytes) caller = NULL;

  rig_start (&rig, layouts[_i], "default");
  stop = stb_protocol_encode_param (rig.dialect, STB_SWITCH_PARAM_STOP_IPTV);
  caller = stb_protocol_encode_param (rig.dialect, STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE);
  start_live (&rig, "live:2");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live", "channel=2"));
  stb_stack_send_raw (&rig, stb_dialect_listen_channel (rig.dialect, STB_ROLE_IPTV),
                      rig.dialect->message, stop);
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=STOP_IPTV", "row=I-55", "effect=reply");
  stb_stack_expect (&rig, "iptv", "switch.tx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=I-55");
  stb_stack_expect (&rig, "voip", "voip.ignored", "reason=duplicate", "param=2");
  stb_stack_send_raw (&rig, stb_dialect_listen_channel (rig.dialect, STB_ROLE_VOIP),
                      rig.dialect->message, caller);
  stb_stack_expect (&rig, "voip", "voip.ignored", "reason=unexpected-state", "param=1");
  stb_stack_sync (&rig);
  ck_assert_uint_eq (stb_stack_count_v (&rig, "voip", "voip.call",
                                        (const gchar *const[]){ "state=answered", NULL }),
                     1);
  stb_stack_expect_none (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE");
  stb_stack_free (&rig);
}
END_TEST

/* V-13: nobody answers the dialog; T_DIALOG closes it with 480 and REJECT_CONTINUE_IPTV. */
START_TEST (test_dialog_timeout)
{
  StbStack rig;
  const gint params[] = { STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  start_live (&rig, "live:1");
  stb_stack_send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2004@ims.test");
  stb_stack_expect (&rig, "voip", "voip.state", "to=DIALOG", "reason=V-01");
  stb_stack_expect (&rig, "voip", "voip.call", "state=ended", "code=480", "reason=timeout");
  stb_stack_expect (&rig, "voip", "voip.dialog", "state=closed", "reason=timeout");
  stb_stack_expect (&rig, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-13");
  stb_stack_expect (&rig, "iptv", "switch.rx", "param=REJECT_CONTINUE_IPTV", "row=I-15");
  stb_stack_check_trace (&rig, params);
  stb_stack_free (&rig);
}
END_TEST

static gboolean
client_ready (gpointer data)
{
  StbStack *rig = data;
  gboolean registered = FALSE;

  return qcop_client_is_connected (rig->client)
         && qcop_client_is_registered_sync (rig->client, STB_AGENT_EVENTS_CHANNEL, 1000,
                                            &registered, NULL)
         && registered;
}

/* Both modules answer status() (so they are registered at the server again). */
static gboolean
modules_answer (StbStack *rig)
{
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      stb_stack_send_raw (rig, STB_AGENT_IPTV_CHANNEL, "status()", NULL);
      stb_stack_send_raw (rig, STB_AGENT_VOIP_CHANNEL, "status()", NULL);
      if (stb_stack_wait_v (rig, "iptv", "iptv.status", NULL, 200)
          && stb_stack_wait_v (rig, "voip", "voip.status", NULL, 200))
        return TRUE;
    }
  return FALSE;
}

/* [SW-CHAN-12]: the server restarts; both modules reconnect, re-register, keep their state
 * (IPTV keeps playing), the VoIP module resynchronises with RESUME_IPTV ([SW-RST-01], ignored
 * by the playing IPTV) and the callee flow works on the new server. */
START_TEST (test_server_restart)
{
  StbStack rig;
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  g_autofree gchar *log = NULL;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  qcop_client_set_auto_reconnect (rig.client, TRUE, 50);
  start_live (&rig, "live:1");
  stb_stack_stop_proc (&rig.qcopd);
  g_free (rig.trace);
  rig.trace = g_build_filename (rig.dir, "trace2.jsonl", NULL);
  log = g_build_filename (rig.dir, "qcopd2.log", NULL);
  {
    const gchar *argv[] = { exe, "--socket", rig.socket, "--trace", rig.trace, NULL };
    rig.qcopd = stbsim_test_spawn_ready (argv, "stb-qcopd", log, 10000, NULL);
  }
  ck_assert_msg (stbsim_test_wait_until (NULL, client_ready, &rig, 10000),
                 "test client did not reconnect");
  ck_assert_msg (modules_answer (&rig), "modules did not come back on the new server");
  stb_stack_send_raw (&rig, STB_AGENT_IPTV_CHANNEL, "status()", NULL);
  {
    StbStackEvent *st = stb_stack_expect (&rig, "iptv", "iptv.status", NULL);
    g_autofree gchar *playing = stb_agent_details_get (st->details, "playing");
    ck_assert_str_eq (playing, "live:1");
  }
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live", "channel=1"));
  stb_stack_send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL);
  stb_stack_expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_LIVE",
                    "reason=I-51");
  stb_stack_check_trace (&rig, params); /* the first line: the VoIP module's resync RESUME_IPTV */
  stb_stack_free (&rig);
}
END_TEST

static Suite *
modules_suite (void)
{
  Suite *s = suite_create ("stb-modules");
  TCase *tc = tcase_create ("flows");

  tcase_add_unchecked_fixture (tc, headend_setup, headend_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_caller, 0, 2);
  tcase_add_loop_test (tc, test_callee_accept_resume_live, 0, 2);
  tcase_add_loop_test (tc, test_callee_reject, 0, 2);
  tcase_add_loop_test (tc, test_resume_vod, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("robustness");
  tcase_add_unchecked_fixture (tc, headend_setup, headend_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_malformed, 0, 2);
  tcase_add_loop_test (tc, test_vendor_dialect, 0, 2);
  tcase_add_loop_test (tc, test_show_timeout, 0, 2);
  tcase_add_loop_test (tc, test_server_restart, 0, 2);
  tcase_add_loop_test (tc, test_duplicates, 0, 2);
  tcase_add_loop_test (tc, test_dialog_timeout, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (modules_suite ());
}
