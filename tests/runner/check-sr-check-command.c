/* SPDX-License-Identifier: MIT */
/* The agent-command and inject-mode checks (sr-check-command.c, sr-check-agent.c) on made-up
 * timelines: each issue they can raise is raised on the faulty sequence, and nothing on the
 * conformant one (SPEC SW-AGT-04, SW-AGT-05, SW-VOIP-13). The mutation self-test
 * (check-sr-mutation.py) shows the same with real faulty modules for one path each. */

#include "sr-check-types.h"
#include "sr-verdict.h"
#include "stbsim-test.h"

#define MS G_GINT64_CONSTANT (1000000)

typedef struct
{
  GPtrArray *events;
  gint64 t;
} Timeline;

static void
timeline_clear (Timeline *tl)
{
  g_clear_pointer (&tl->events, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Timeline, timeline_clear)

/* An event @step_ms after the previous one. */
static SrEvent *
add (Timeline *tl, gint64 step_ms, SrEventKind kind, const gchar *source, const gchar *name,
     const gchar *details)
{
  if (tl->events == NULL)
    tl->events = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_event_unref);
  tl->t += step_ms * MS;
  SrEvent *e = sr_event_new (tl->t, kind, source, name);
  e->details = g_strdup (details);
  g_ptr_array_add (tl->events, e);
  return e;
}

#define agent(tl, ms, source, name, details)                                                       \
  add ((tl), (ms), SR_EVENT_AGENT, (source), (name), (details))
#define command(tl, ms, name, details) add ((tl), (ms), SR_EVENT_QCOP, "harness", (name), (details))

/* A switch message the module @source sent, as the server read it. */
static void
module_send (Timeline *tl, gint64 ms, const gchar *source, const gchar *param, gint type)
{
  SrEvent *e = add (tl, ms, SR_EVENT_QCOP, source, param, NULL);
  e->target = g_strdup ("server");
  e->msg_type = type;
  e->client = 7;
}

/* Run @type over @tl; the stations stopped @tail_ms after the last event. */
static SrTestResult *
judge (const SrCheckType *type, Timeline *tl, gboolean injection, gint64 tail_ms)
{
  SrTestResult *r = sr_test_result_new ("t");
  SrCheckContext ctx = { .result = r, .injection = injection };
  ctx.stop_ns = ctx.end_ns = tl->t + tail_ms * MS;
  gpointer state = type->start (&ctx);
  for (guint i = 0; i < tl->events->len; i++)
    {
      const SrEvent *e = g_ptr_array_index (tl->events, i);
      if (type->kinds & (1u << e->kind))
        type->event (&ctx, state, e);
    }
  type->finish (&ctx, state);
  type->free (state);
  return r;
}

static guint
count_issues (const SrTestResult *r, const gchar *id)
{
  guint n = 0;
  for (guint i = 0; i < r->issues->len; i++)
    {
      const SrIssue *issue = g_ptr_array_index (r->issues, i);
      if (g_str_equal (issue->id, id))
        n++;
    }
  return n;
}

static void
assert_only (const SrTestResult *r, const gchar *id, guint n, const gchar *requirement)
{
  ck_assert_msg (r->issues->len == n && count_issues (r, id) == n,
                 "expected %u x %s, got %u issues (first: %s)", n, id ? id : "-", r->issues->len,
                 r->issues->len ? ((SrIssue *)g_ptr_array_index (r->issues, 0))->id : "none");
  ck_assert_msg (g_hash_table_contains (r->coverage, requirement), "%s not evaluated", requirement);
}

/* ---- select(ITEM), SW-AGT-04 ----------------------------------------------------------- */

static void
iptv_nav (Timeline *tl)
{
  agent (tl, 1, "iptv", "iptv.ready", "pid=1");
}

START_TEST (test_select_conformant)
{
  g_auto (Timeline) tl = { 0 };
  iptv_nav (&tl);
  command (&tl, 10, "select.iptv", "item=videocall"); /* NAV: I-01 */
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=yes");
  module_send (&tl, 1, "iptv", "CALLER_SHOW_VIDEO_PAGE", 1);
  agent (&tl, 1, "iptv", "iptv.state", "from=NAV;to=HIDDEN_CALLER;reason=I-01");
  command (&tl, 100, "select.iptv", "item=videocall"); /* hidden: refused */
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=no");
  g_autoptr (SrTestResult) r = judge (&sr_check_select, &tl, TRUE, 3000);
  assert_only (r, NULL, 0, "SW-AGT-04");
}
END_TEST

START_TEST (test_select_cursor_only)
{
  g_auto (Timeline) tl = { 0 };
  iptv_nav (&tl);
  command (&tl, 10, "select.iptv", "item=videocall");
  agent (&tl, 1, "iptv", "iptv.focus", "item=videocall");
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=yes");
  g_autoptr (SrTestResult) r = judge (&sr_check_select, &tl, TRUE, 3000);
  assert_only (r, "agent::select-not-acted", 1, "SW-AGT-04");
}
END_TEST

START_TEST (test_select_while_hidden)
{
  g_auto (Timeline) tl = { 0 };
  iptv_nav (&tl);
  agent (&tl, 1, "iptv", "iptv.play", "kind=live;channel=2");
  agent (&tl, 1, "iptv", "iptv.state", "from=NAV;to=HIDDEN_CALLEE;reason=I-30");
  command (&tl, 10, "select.iptv", "item=live:2");
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=yes");
  agent (&tl, 1, "iptv", "iptv.play", "kind=live;channel=2");
  /* judged at once (an effect where none may be), however soon the test ends */
  g_autoptr (SrTestResult) r = judge (&sr_check_select, &tl, TRUE, 10);
  assert_only (r, "agent::select-not-refused", 1, "SW-AGT-04");
}
END_TEST

START_TEST (test_select_behind_key)
{
  /* menu, then select at once: select meets NAV (where menu leads), not HIDDEN_CALLER */
  g_auto (Timeline) tl = { 0 };
  iptv_nav (&tl);
  agent (&tl, 1, "iptv", "iptv.state", "from=NAV;to=HIDDEN_CALLER;reason=I-01");
  command (&tl, 10, "key.iptv", "key=menu");
  command (&tl, 1, "select.iptv", "item=videocall");
  agent (&tl, 1, "iptv", "iptv.state", "from=HIDDEN_CALLER;to=NAV;reason=I-44");
  agent (&tl, 1, "iptv", "iptv.key", "key=menu;handled=yes");
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=yes");
  module_send (&tl, 1, "iptv", "CALLER_SHOW_VIDEO_PAGE", 1);
  g_autoptr (SrTestResult) r = judge (&sr_check_select, &tl, TRUE, 3000);
  assert_only (r, NULL, 0, "SW-AGT-04");
}
END_TEST

START_TEST (test_select_unknown_item)
{
  g_auto (Timeline) tl = { 0 };
  iptv_nav (&tl);
  command (&tl, 10, "select.iptv", "item=live:9"); /* maybe not in the DUT's lineup */
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=no");
  command (&tl, 10, "select.iptv", "item=radio"); /* no item at all */
  agent (&tl, 1, "iptv", "iptv.key", "key=select;handled=yes");
  g_autoptr (SrTestResult) r = judge (&sr_check_select, &tl, TRUE, 3000);
  assert_only (r, "agent::select-not-refused", 1, "SW-AGT-04");
}
END_TEST

/* ---- dial(N), SW-AGT-05 ------------------------------------------------------------------ */

static void
voip_main_page (Timeline *tl)
{
  agent (tl, 1, "voip", "voip.ready", "pid=2;inject=1");
  agent (tl, 1, "voip", "voip.state", "from=IDLE;to=MAIN_PAGE;reason=V-02");
}

START_TEST (test_dial_conformant)
{
  g_auto (Timeline) tl = { 0 };
  voip_main_page (&tl);
  command (&tl, 10, "dial.voip", "number=1003");
  agent (&tl, 1, "voip", "voip.call", "state=dialling;call-id=1;peer=1003;role=caller");
  agent (&tl, 1, "voip", "voip.state", "from=MAIN_PAGE;to=DIALLING;reason=V-32");
  agent (&tl, 1, "voip", "voip.key", "key=dial;handled=yes");
  command (&tl, 10, "dial.voip", "number=1004"); /* DIALLING: refused */
  agent (&tl, 1, "voip", "voip.key", "key=dial;handled=no");
  g_autoptr (SrTestResult) r = judge (&sr_check_dial, &tl, TRUE, 3000);
  assert_only (r, NULL, 0, "SW-AGT-05");
}
END_TEST

START_TEST (test_dial_not_acted)
{
  g_auto (Timeline) tl = { 0 };
  voip_main_page (&tl);
  command (&tl, 10, "dial.voip", "number=1003");
  agent (&tl, 1, "voip", "voip.key", "key=dial;handled=no");
  g_autoptr (SrTestResult) r = judge (&sr_check_dial, &tl, TRUE, 3000);
  assert_only (r, "agent::dial-not-acted", 1, "SW-AGT-05");
}
END_TEST

START_TEST (test_dial_outside_main_page)
{
  g_auto (Timeline) tl = { 0 };
  agent (&tl, 1, "voip", "voip.ready", "pid=2;inject=1");
  command (&tl, 10, "dial.voip", "number=1003"); /* IDLE, not answered at all */
  g_autoptr (SrTestResult) r = judge (&sr_check_dial, &tl, TRUE, 3000);
  assert_only (r, "agent::dial-not-refused", 1, "SW-AGT-05");
}
END_TEST

/* ---- inject mode, SW-VOIP-13 ------------------------------------------------------------- */

START_TEST (test_inject_code)
{
  g_auto (Timeline) tl = { 0 };
  agent (&tl, 1, "voip", "voip.ready", "pid=2;inject=1");
  agent (&tl, 10, "voip", "voip.call",
         "state=ended;call-id=1;role=callee;code=603;reason=rejected");
  agent (&tl, 10, "voip", "voip.call", "state=ended;call-id=2;role=callee;code=486;reason=timeout");
  agent (&tl, 10, "voip", "voip.call", "state=answered;call-id=3;role=callee");
  agent (&tl, 10, "voip", "voip.call", "state=failed;call-id=4;role=caller;code=486;reason=busy");
  g_autoptr (SrTestResult) r = judge (&sr_check_injection, &tl, TRUE, 3000);
  assert_only (r, "voip::inject-code", 2, "SW-VOIP-13"); /* 486 for a timeout, no 200 */
}
END_TEST

START_TEST (test_sip_in_inject_mode)
{
  g_auto (Timeline) tl = { 0 };
  agent (&tl, 1, "voip", "voip.ready", "pid=2;inject=1");
  agent (&tl, 10, "voip", "sip.tx", "what=REGISTER;call-id=x;cseq=1");
  g_autoptr (SrTestResult) r = judge (&sr_check_injection, &tl, TRUE, 3000);
  assert_only (r, "voip::sip-in-inject-mode", 1, "SW-VOIP-13");
  g_autoptr (SrTestResult) sip = judge (&sr_check_injection, &tl, FALSE, 3000);
  ck_assert_uint_eq (sip->issues->len, 0); /* with SIP, SIP is what it should send */
}
END_TEST

/* An injected call shows the dialog; then injectAnswer(), which no (inj) row of DIALOG takes. */
static void
voip_dialog_then_answer (Timeline *tl)
{
  agent (tl, 1, "voip", "voip.ready", "pid=2;inject=1");
  command (tl, 10, "inject.call", NULL);
  agent (tl, 1, "voip", "voip.call", "state=incoming;call-id=1;role=callee;code=180");
  agent (tl, 1, "voip", "voip.state", "from=IDLE;to=DIALOG;reason=V-01");
  command (tl, 10, "inject.answer", NULL);
}

START_TEST (test_stray_injection)
{
  g_auto (Timeline) tl = { 0 };
  voip_dialog_then_answer (&tl);
  agent (&tl, 1, "voip", "voip.ignored",
         "reason=unexpected-state;channel=STBSim/Agent/VoIP;message=injectAnswer();count=1");
  g_autoptr (SrTestResult) ok = judge (&sr_check_injection, &tl, TRUE, 3000);
  assert_only (ok, NULL, 0, "SW-VOIP-13");
  /* the same, the module acting on it */
  g_auto (Timeline) bad = { 0 };
  voip_dialog_then_answer (&bad);
  agent (&bad, 1, "voip", "voip.dialog", "state=closed;reason=accept");
  g_autoptr (SrTestResult) r = judge (&sr_check_injection, &bad, TRUE, 3000);
  assert_only (r, "voip::injection-out-of-row", 1, "SW-VOIP-13");
}
END_TEST

START_TEST (test_injection_behind_keys)
{
  /* dial then answer at once: the answer reaches the server before the module reported
   * DIALLING, but behind the key that leads there: taken by V-41, not stray */
  g_auto (Timeline) tl = { 0 };
  voip_main_page (&tl);
  command (&tl, 10, "key.voip", "key=ok");
  command (&tl, 1, "inject.answer", NULL);
  agent (&tl, 1, "voip", "voip.call", "state=dialling;call-id=1;role=caller");
  agent (&tl, 1, "voip", "voip.state", "from=MAIN_PAGE;to=DIALLING;reason=V-32");
  agent (&tl, 1, "voip", "voip.key", "key=ok;handled=yes");
  agent (&tl, 1, "voip", "voip.call", "state=answered;call-id=1;role=caller;code=200");
  agent (&tl, 1, "voip", "voip.state", "from=DIALLING;to=IN_CALL;reason=V-41");
  g_autoptr (SrTestResult) r = judge (&sr_check_injection, &tl, TRUE, 3000);
  assert_only (r, NULL, 0, "SW-AGT-07");
}
END_TEST

START_TEST (test_injection_outside_inject_mode)
{
  g_auto (Timeline) tl = { 0 };
  agent (&tl, 1, "voip", "voip.ready", "pid=2;inject=0");
  command (&tl, 10, "inject.call", NULL);
  agent (&tl, 1, "voip", "voip.ignored",
         "reason=not-inject-mode;channel=STBSim/Agent/VoIP;message=injectCall(QString);count=1");
  g_autoptr (SrTestResult) ok = judge (&sr_check_injection, &tl, FALSE, 3000);
  assert_only (ok, NULL, 0, "SW-VOIP-13");
  command (&tl, 10, "inject.call", NULL); /* this one goes unanswered */
  g_autoptr (SrTestResult) r = judge (&sr_check_injection, &tl, FALSE, 3000);
  assert_only (r, "voip::injection-out-of-row", 1, "SW-VOIP-13");
}
END_TEST

static Suite *
suite (void)
{
  Suite *s = suite_create ("sr-check-command");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, test_select_conformant);
  tcase_add_test (tc, test_select_cursor_only);
  tcase_add_test (tc, test_select_while_hidden);
  tcase_add_test (tc, test_select_behind_key);
  tcase_add_test (tc, test_select_unknown_item);
  tcase_add_test (tc, test_dial_conformant);
  tcase_add_test (tc, test_dial_not_acted);
  tcase_add_test (tc, test_dial_outside_main_page);
  tcase_add_test (tc, test_inject_code);
  tcase_add_test (tc, test_sip_in_inject_mode);
  tcase_add_test (tc, test_stray_injection);
  tcase_add_test (tc, test_injection_behind_keys);
  tcase_add_test (tc, test_injection_outside_inject_mode);
  tcase_set_timeout (tc, 10);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (suite ());
}
