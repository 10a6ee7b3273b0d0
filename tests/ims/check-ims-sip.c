/* SPDX-License-Identifier: MIT */
/*
 * The IMS core's SIP behaviour, driven by the shipped sipp scenarios (real Kamailio, real
 * sipp, loopback): registration with digest auth, 403/404/480, and calls between sipp
 * parties through the core (PAI, Record-Route, CANCEL, busy).
 */
#include "ims-launcher.h"
#include "ims-probe.h"
#include "ims-test-util.h"
#include "stbsim-test.h"

#include <string.h>

#define WAIT_MS 25000

static gchar *tmpdir;
static ImsCore *core;
static gchar *kam; /* "127.0.0.1:PORT" */

static void
setup (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *run_dir = NULL;
  ImsOptions opts = { 0 };

  tmpdir = stbsim_test_mkdtemp ("check-ims-sip");
  run_dir = g_build_filename (tmpdir, "ims", NULL);
  opts.run_dir = run_dir;
  core = ims_core_start (&opts, &error);
  ck_assert_msg (core != NULL, "IMS core: %s", error ? error->message : "");
  kam = g_strdup_printf ("127.0.0.1:%u", ims_core_get_port (core));
}

static void
teardown (void)
{
  g_clear_pointer (&core, ims_core_free);
  g_clear_pointer (&kam, g_free);
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static const gchar *
password_of (const gchar *user)
{
  const ImsSubscriber *sub = ims_subscribers_find (ims_core_get_subscribers (core), user);

  return sub ? sub->password : "no-such-password";
}

/* register.xml for @user from @port; returns sipp's exit code. */
static gint
sipp_register (const gchar *user, const gchar *password, guint16 port, ImsTestSipp **out)
{
  g_autofree gchar *tag = g_strconcat ("register-", user, NULL);
  const gchar *extra[] = { "-default_behaviors",
                           "-bye",
                           "-key",
                           "user",
                           user,
                           "-key",
                           "domain",
                           "ims.test",
                           "-key",
                           "expires",
                           "3600",
                           "-au",
                           user,
                           "-ap",
                           password,
                           NULL };

  return ims_test_sipp_run (tmpdir, tag, "register.xml", NULL, kam, "127.0.0.1", port, extra, out);
}

/* A UAS scenario as @user on @port (registered first). (transfer full) */
static ImsTestSipp *
start_uas (const gchar *scenario, const gchar *user, guint16 port, const gchar *hold_ms)
{
  const gchar *extra[] = { "-key",    "user", user,   "-key",    "domain", "ims.test", "-set",
                           "ring_ms", "50",   "-set", "hold_ms", hold_ms,  NULL };

  ck_assert_int_eq (sipp_register (user, password_of (user), port, NULL), 0);
  return ims_test_sipp_start (tmpdir, "uas", scenario, NULL, NULL, "127.0.0.1", port, extra);
}

/* A UAC scenario from @user calling @callee; returns sipp's exit code. */
static gint
run_uac (const gchar *scenario, const gchar *user, const gchar *callee, ImsTestSipp **out)
{
  const gchar *extra[]
      = { "-key", "user",      user,  "-key", "domain",           "ims.test", "-key",    "callee",
          callee, "-au",       user,  "-ap",  password_of (user), "-set",     "hold_ms", "200",
          "-set", "cancel_ms", "100", NULL };

  return ims_test_sipp_run (tmpdir, "uac", scenario, NULL, kam, "127.0.0.1",
                            stbsim_test_free_port (SOCK_DGRAM), extra, out);
}

/* ---- registration ---- */

START_TEST (test_register_ok)
{
  g_autoptr (ImsTestSipp) reg = NULL;
  g_autofree gchar *trace = NULL, *sr = NULL, *path = NULL;

  ck_assert_int_eq (sipp_register ("stb1", "stb1-secret", stbsim_test_free_port (SOCK_DGRAM), &reg),
                    0);
  trace = ims_test_sipp_trace (reg);
  ck_assert (strstr (trace, "SIP/2.0 401 ") != NULL);
  ck_assert (strstr (trace, "realm=\"ims.test\"") != NULL);
  ck_assert (strstr (trace, "SIP/2.0 200 OK") != NULL);
  sr = g_strdup_printf ("Service-Route: <sip:orig@%s;lr>", kam);
  path = g_strdup_printf ("Path: <sip:term@%s;lr>", kam);
  ck_assert_msg (strstr (trace, sr) != NULL, "no %s in\n%.1500s", sr, trace);
  ck_assert_msg (strstr (trace, path) != NULL, "no %s in\n%.1500s", path, trace);
  ck_assert (strstr (trace, "P-Associated-URI: <sip:stb1@ims.test>") != NULL);
  ck_assert (strstr (trace, "Contact: <sip:stb1@127.0.0.1:") != NULL);
}
END_TEST

START_TEST (test_register_bad_password)
{
  g_autoptr (ImsTestSipp) reg = NULL;

  ck_assert_int_eq (sipp_register ("stb1", "wrong", stbsim_test_free_port (SOCK_DGRAM), &reg), 1);
  ck_assert_uint_eq (ims_test_sipp_count (reg, "SIP/2.0 403 "), 1);
  /* one challenge, one answer: no 401 loop */
  ck_assert_uint_eq (ims_test_sipp_count (reg, "SIP/2.0 401 "), 1);
  ck_assert_uint_eq (ims_test_sipp_count (reg, "REGISTER sip:ims.test"), 2);
}
END_TEST

START_TEST (test_register_unknown_user)
{
  g_autoptr (ImsTestSipp) reg = NULL;

  ck_assert_int_eq (sipp_register ("nobody", "x", stbsim_test_free_port (SOCK_DGRAM), &reg), 1);
  ck_assert_uint_eq (ims_test_sipp_count (reg, "SIP/2.0 404 "), 1);
}
END_TEST

/* ---- routing ---- */

START_TEST (test_call_unknown_user)
{
  g_autoptr (ImsTestSipp) uac = NULL;

  ck_assert_int_eq (run_uac ("uac-call.xml", "1002", "nosuchuser", &uac), 1);
  ck_assert_uint_eq (ims_test_sipp_count (uac, "SIP/2.0 404 Not Found\r\n"), 1);
  ck_assert_uint_eq (ims_test_sipp_count (uac, "ACK sip:nosuchuser@ims.test"), 2);
}
END_TEST

START_TEST (test_call_unregistered_user)
{
  g_autoptr (ImsTestSipp) uac = NULL;

  ck_assert_int_eq (run_uac ("uac-call.xml", "1002", "1003", &uac), 1);
  ck_assert_uint_eq (ims_test_sipp_count (uac, "SIP/2.0 480 Temporarily Unavailable\r\n"), 1);
}
END_TEST

/* ---- calls between sipp parties ---- */

START_TEST (test_call_answered)
{
  guint16 port = stbsim_test_free_port (SOCK_DGRAM);
  g_autoptr (ImsTestSipp) uas = start_uas ("uas-wait-bye.xml", "1001", port, "0");
  g_autoptr (ImsTestSipp) uac = NULL;
  g_autofree gchar *trace = NULL, *rr = NULL;

  ck_assert_int_eq (run_uac ("uac-call.xml", "1002", "1001", &uac), 0);
  ck_assert_int_eq (ims_test_sipp_wait (uas, WAIT_MS), 0);
  trace = ims_test_sipp_trace (uas);
  /* asserted by the core, not sent by the caller */
  ck_assert_uint_eq (ims_test_sipp_count (uac, "P-Asserted-Identity"), 0);
  ck_assert_msg (strstr (trace, "P-Asserted-Identity: \"Far End 1002\" <sip:1002@ims.test>"),
                 "%.1500s", trace);
  rr = g_strdup_printf ("Record-Route: <sip:%s;lr=on;ftag=", kam);
  ck_assert_msg (strstr (trace, rr) != NULL, "%.1500s", trace);
  /* ACK and BYE came through the core along the route set */
  ck_assert (strstr (trace, "ACK sip:1001@127.0.0.1:") != NULL);
  ck_assert (strstr (trace, "BYE sip:1001@127.0.0.1:") != NULL);
  /* audio+video: the offer (sent twice, around the 407) and the answer */
  ck_assert_uint_eq (ims_test_sipp_count (uac, "m=video "), 3);
  ck_assert_uint_eq (ims_test_sipp_count (uac, "a=rtpmap:96 H264/90000"), 3);
}
END_TEST

/* How a call 1002 -> 1001 ends: the callee's and the caller's sipp scenarios, the caller's
 * exit status and one line the caller must have seen exactly once. */
typedef struct
{
  const gchar *uas_xml;
  const gchar *uas_arg;
  const gchar *uac_xml;
  gint uac_exit;
  const gchar *uac_sees;
} CallOutcome;

static const CallOutcome call_outcomes[] = {
  /* the callee hangs up: its BYE reaches the caller */
  { "uas-answer.xml", "200", "uac-wait-bye.xml", 0, "BYE sip:1002@127.0.0.1:" },
  /* the caller cancels a call nobody answers */
  { "uas-noanswer.xml", "0", "uac-cancel.xml", 0, "SIP/2.0 487 " },
  /* the callee is busy */
  { "uas-busy.xml", "0", "uac-call.xml", 1, "SIP/2.0 486 " },
};

START_TEST (test_call_outcome)
{
  const CallOutcome *o = &call_outcomes[_i];
  guint16 port = stbsim_test_free_port (SOCK_DGRAM);
  g_autoptr (ImsTestSipp) uas = start_uas (o->uas_xml, "1001", port, o->uas_arg);
  g_autoptr (ImsTestSipp) uac = NULL;

  ck_assert_int_eq (run_uac (o->uac_xml, "1002", "1001", &uac), o->uac_exit);
  ck_assert_int_eq (ims_test_sipp_wait (uas, WAIT_MS), 0);
  ck_assert_uint_eq (ims_test_sipp_count (uac, o->uac_sees), 1);
}
END_TEST

/* A forged P-Asserted-Identity from the network never reaches the callee. */
START_TEST (test_forged_pai_removed)
{
  guint16 port = stbsim_test_free_port (SOCK_DGRAM);
  g_autoptr (ImsTestSipp) uas = start_uas ("uas-busy.xml", "1001", port, "0");
  g_autoptr (ImsTestSipp) uac = NULL;
  g_autofree gchar *xml = stbsim_test_source_path ("tests/ims/uac-spoof-pai.xml");
  g_autofree gchar *trace = NULL;
  const gchar *extra[] = { "-key", "callee", "1001", "-key", "domain", "ims.test", NULL };

  ck_assert_int_eq (ims_test_sipp_run (tmpdir, "spoof", xml, NULL, kam, "127.0.0.1",
                                       stbsim_test_free_port (SOCK_DGRAM), extra, &uac),
                    0);
  ck_assert_int_eq (ims_test_sipp_wait (uas, WAIT_MS), 0);
  ck_assert_uint_eq (ims_test_sipp_count (uac, "P-Asserted-Identity: <sip:stb1@ims.test>"), 1);
  trace = ims_test_sipp_trace (uas);
  ck_assert_msg (strstr (trace, "INVITE sip:1001@") != NULL, "%.1500s", trace);
  ck_assert_msg (strstr (trace, "P-Asserted-Identity") == NULL, "forged PAI passed:\n%.1500s",
                 trace);
}
END_TEST

static Suite *
sip_suite (void)
{
  Suite *s = suite_create ("ims-sip");
  TCase *tc = tcase_create ("register");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_register_ok);
  tcase_add_test (tc, test_register_bad_password);
  tcase_add_test (tc, test_register_unknown_user);
  suite_add_tcase (s, tc);

  tc = tcase_create ("routing");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_call_unknown_user);
  tcase_add_test (tc, test_call_unregistered_user);
  suite_add_tcase (s, tc);

  tc = tcase_create ("calls");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 40);
  tcase_add_test (tc, test_call_answered);
  tcase_add_loop_test (tc, test_call_outcome, 0, G_N_ELEMENTS (call_outcomes));
  tcase_add_test (tc, test_forged_pai_removed);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (sip_suite ());
}
