/* SPDX-License-Identifier: MIT */
/*
 * netns mode of the runner, end to end through the real stbsim binary: Kamailio in its own
 * network namespace (stbsim-ims --netns), the VoIP module and the sipp far end in the STB
 * namespace, an nftables SIP-loss impairment the call survives by retransmission, then
 * cleared (scenarios/netns-sip-callee-accept.scenario); a second simulated STB as the far end
 * (scenarios/stb2-call.scenario, also in netns mode). Needs root for the namespaces: the
 * netns cases are skipped with a message otherwise (as root they must pass). Without netns,
 * `impair` is inconclusive (no silent pass), which needs no root.
 */

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "sr-test-util.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-netns");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
read_file (const gchar *dir, const gchar *rel)
{
  g_autofree gchar *path = g_build_filename (dir, rel, NULL);
  gchar *text = NULL;
  ck_assert_msg (g_file_get_contents (path, &text, NULL, NULL), "missing %s", path);
  return text;
}

static void
assert_pass (JsonParser *r, gint rc, const gchar *what)
{
  JsonObject *t = sr_test_object (r, 0);
  g_autofree gchar *issues = sr_test_issues_text (r, 0);
  ck_assert_msg (rc == 0, "%s: exit %d, verdict %s%s", what, rc,
                 json_object_get_string_member (t, "verdict"), issues);
  ck_assert_str_eq (json_object_get_string_member (t, "verdict"), "pass");
  ck_assert (json_object_get_boolean_member (t, "finished"));
}

/* What a test's capture.pcapng holds, per pcapng interface: frames, SIP frames, and whether
 * it is a QCOP server trace (LINKTYPE_USER0, "user_dlt"). Read with tshark (in the deps). */
typedef struct
{
  guint interfaces;
  guint qcop_interfaces;
  guint sip;
  guint rtp;
} Capture;

static Capture
read_capture (const gchar *dir, const gchar *test_dir)
{
  Capture c = { 0 };
  g_autofree gchar *path = g_build_filename (dir, "tests", test_dir, "capture.pcapng", NULL);
  ck_assert_msg (g_file_test (path, G_FILE_TEST_EXISTS), "no %s", path);
  const gchar *argv[]
      = { "tshark",          "-n", "-r", path, "-T", "fields", "-e", "frame.interface_id", "-e",
          "frame.protocols", NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint status = 0;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error)
                     && g_spawn_check_wait_status (status, NULL),
                 "tshark -r %s: %s %s", path, error ? error->message : "", err ? err : "");
  g_autoptr (GHashTable) ifaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) qcop = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 2);
      if (f[0] == NULL || f[1] == NULL)
        continue;
      if (!g_hash_table_contains (ifaces, f[0]))
        g_hash_table_add (ifaces, g_strdup (f[0]));
      if (g_str_has_prefix (f[1], "user_dlt") && !g_hash_table_contains (qcop, f[0]))
        g_hash_table_add (qcop, g_strdup (f[0]));
      c.sip += strstr (f[1], ":sip") != NULL;
      c.rtp += strstr (f[1], ":rtp") != NULL;
    }
  c.interfaces = g_hash_table_size (ifaces);
  c.qcop_interfaces = g_hash_table_size (qcop);
  return c;
}

/* ---- netns (root) ------------------------------------------------------------------------ */

START_TEST (test_netns_callee_accept_with_sip_loss)
{
  if (!stbsim_test_is_root ())
    {
      g_print ("check-sr-netns: SKIP netns-sip-callee-accept: network namespaces need root\n");
      return;
    }
  g_autofree gchar *path = stbsim_test_source_path ("scenarios/netns-sip-callee-accept.scenario");
  const gchar *args[] = { "run", path, "--mode", "sip", "--layout", "bidirectional", NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  assert_pass (r, rc, "netns-sip-callee-accept");
  /* the STB side ran inside the namespace, SIP went to Kamailio's veth address */
  g_autofree gchar *trace = read_file (dir, "trace.jsonl");
  ck_assert_msg (strstr (trace, "netns exec stbsim-stb-") != NULL, "voip not in the STB netns");
  ck_assert (strstr (trace, "--sip-proxy sip:172.31.255.1:5060") != NULL);
  ck_assert (strstr (trace, "--bind-host 172.31.255.2") != NULL);
  /* the impairment existed (rule read back from the namespace), then was cleared */
  ck_assert_msg (strstr (trace, "\"name\":\"impair\"") != NULL, "no impair event");
  ck_assert (strstr (trace, "rule=udp sport 5060 numgen inc mod 5 == 0 counter drop"));
  ck_assert (strstr (trace, "loss=0;cleared=yes"));
  g_autofree gchar *log = read_file (dir, "logs/netns-sip-callee-accept.bidirectional/impair.log");
  ck_assert (strstr (log, "udp sport 5060 numgen inc mod 5 0 counter packets"));
  ck_assert (strstr (log, "delete table inet stbsim"));
  /* the capture followed the test into its namespace: SIP and RTP that never crossed lo */
  Capture cap = read_capture (dir, "netns-sip-callee-accept.bidirectional");
  ck_assert_msg (cap.sip > 0 && cap.rtp > 0, "capture.pcapng: %u SIP, %u RTP frames", cap.sip,
                 cap.rtp);
  ck_assert_uint_eq (cap.qcop_interfaces, 1);
}
END_TEST

/* impair on Kamailio's side, clearing, and delay (no netem here: inconclusive, not a pass) */
START_TEST (test_netns_impair_ims_side_and_delay)
{
  if (!stbsim_test_is_root ())
    {
      g_print ("check-sr-netns: SKIP impair in netns mode: network namespaces need root\n");
      return;
    }
  g_autofree gchar *path = g_build_filename (tmpdir, "impair-netns.scenario", NULL);
  const gchar *text = "meta, name=impair-netns, timeout=30\n"
                      "start, component=ims, args=\"--netns\", timeout=20\n"
                      "impair, link=all, side=ims, loss=100\n"
                      "impair, link=rtp, side=ims, loss=12.5\n"
                      "impair, link=all, side=ims, clear=true\n"
                      "impair, link=all, side=ims, loss=0\n"
                      "impair, link=sip, delay=100\n";
  ck_assert (g_file_set_contents (path, text, -1, NULL));
  const gchar *args[] = { "run", path, "--layout", "bidirectional", NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  g_autofree gchar *issues = sr_test_issues_text (r, 0);
  ck_assert_msg (rc == 2, "exit %d%s", rc, issues);
  ck_assert_msg (strstr (issues, "impair::not-possible") && strstr (issues, "netem"), "%s", issues);
  g_autofree gchar *log = read_file (dir, "logs/impair-netns.bidirectional/impair.log");
  ck_assert (strstr (log, "ip netns exec stbsim-ims-"));
  ck_assert (strstr (log, "meta l4proto udp counter packets"));
  /* a new impairment replaces the previous one (one table per namespace) */
  ck_assert (strstr (log, "udp sport != 5060 udp dport != 5060 numgen random mod 1000 < 125"));
  g_autofree gchar *trace = read_file (dir, "trace.jsonl");
  ck_assert (strstr (trace, "loss=0;cleared=yes"));
  ck_assert (strstr (trace, "loss=0;cleared=nothing"));
}
END_TEST

/* ---- stb2: STB to STB through Kamailio --------------------------------------------------- */

/* Every stb1 and stb2 fact of the call: set-up, accept on stb2, first frames both ways,
 * hang-up, stb2 resumes live TV, stb1 back to nav. */
static void
assert_stb2_call (const gchar *dir)
{
  g_autofree gchar *trace = read_file (dir, "trace.jsonl");
  const gchar *facts[] = {
    "\"name\":\"stb2.voip.registered\",\"details\":\"aor=sip:stb2@ims.test",
    "\"name\":\"press.stb2-voip\",\"details\":\"key=ok\"",
    "\"name\":\"stb2.voip.call\",\"details\":\"state=established",
    "\"name\":\"voip.first-frame\",\"details\":\"media=video",
    "\"name\":\"voip.first-frame\",\"details\":\"media=audio",
    "\"name\":\"stb2.voip.first-frame\",\"details\":\"media=video",
    "\"name\":\"stb2.voip.first-frame\",\"details\":\"media=audio",
    "\"name\":\"stb2.switch.tx\",\"details\":\"param=RESUME_IPTV",
    "\"name\":\"BACK_TO_NAV\"",
  };
  for (guint i = 0; i < G_N_ELEMENTS (facts); i++)
    ck_assert_msg (strstr (trace, facts[i]) != NULL, "not in the trace: %s", facts[i]);
}

START_TEST (test_stb2_call)
{
  g_autofree gchar *path = stbsim_test_source_path ("scenarios/stb2-call.scenario");
  const gchar *args[] = { "run", path, "--mode", "sip", "--layout", "bidirectional", NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  assert_pass (r, rc, "stb2-call");
  assert_stb2_call (dir);
  /* stb2's components have their own logs and server trace */
  g_autofree gchar *log = read_file (dir, "logs/stb2-call.bidirectional/stb2-voip.log");
  g_autofree gchar *strace = read_file (dir, "tests/stb2-call.bidirectional/stb2-qcop-trace.jsonl");
  ck_assert (strstr (strace, "QPE/ServiceSwitch") != NULL);
  ck_assert (strstr (log, "registered sip:stb2@ims.test") != NULL);
  /* both stations' channels are in the capture, each its own interface */
  Capture cap = read_capture (dir, "stb2-call.bidirectional");
  ck_assert_uint_eq (cap.qcop_interfaces, 2);
}
END_TEST

/* The same call in netns mode: stb1 on the STB side, stb2 on Kamailio's side, so SIP and the
 * RTP between the two STBs cross the veth pair. */
START_TEST (test_stb2_call_netns)
{
  if (!stbsim_test_is_root ())
    {
      g_print ("check-sr-netns: SKIP stb2-call in netns mode: network namespaces need root\n");
      return;
    }
  g_autofree gchar *src = stbsim_test_source_path ("scenarios/stb2-call.scenario");
  g_autofree gchar *common = stbsim_test_source_path ("scenarios/common/");
  g_autofree gchar *text = NULL;
  ck_assert (g_file_get_contents (src, &text, NULL, NULL));
  g_autoptr (GString) s = g_string_new (text);
  ck_assert_uint_eq (g_string_replace (s, "include, file=common/stack-sip.scenario\n",
                                       "start, component=ims, args=\"--netns\", timeout=20\n"
                                       "start, component=server\n"
                                       "start, component=iptv\n"
                                       "wait-event, name=iptv.ready, timeout=5\n"
                                       "start, component=voip\n"
                                       "wait-event, name=voip.ready, timeout=5\n"
                                       "expect-event, name=voip.registered, since=start\n"
                                       "checkpoint, name=ready\n",
                                       1),
                     1);
  g_autofree gchar *abs = g_strdup_printf ("file=%s", common);
  ck_assert_uint_gt (g_string_replace (s, "file=common/", abs, 0), 0);
  g_autofree gchar *path = g_build_filename (tmpdir, "stb2-call-netns.scenario", NULL);
  ck_assert (g_file_set_contents (path, s->str, -1, NULL));
  const gchar *args[] = { "run", path, "--mode", "sip", "--layout", "bidirectional", NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  assert_pass (r, rc, "stb2-call in netns mode");
  assert_stb2_call (dir);
  g_autofree gchar *trace = read_file (dir, "trace.jsonl");
  ck_assert (strstr (trace, "netns exec stbsim-stb-") && strstr (trace, "netns exec stbsim-ims-"));
  ck_assert (strstr (trace, "--sip-user stb2 --sip-password stb2-secret --sip-domain ims.test "
                            "--bind-host 172.31.255.1"));
}
END_TEST

/* ---- without netns: impair cannot be judged ---------------------------------------------- */

START_TEST (test_impair_without_netns_inconclusive)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "impair-no-netns.scenario", NULL);
  const gchar *text = "meta, name=impair-no-netns, timeout=20\n"
                      "start, component=server\n"
                      "impair, link=sip, loss=10\n";
  ck_assert (g_file_set_contents (path, text, -1, NULL));
  const gchar *args[] = { "run", path, "--layout", "bidirectional", NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  ck_assert_int_eq (rc, 2);
  JsonObject *t = sr_test_object (r, 0);
  ck_assert_str_eq (json_object_get_string_member (t, "verdict"), "inconc");
  g_autofree gchar *issues = sr_test_issues_text (r, 0);
  ck_assert_msg (strstr (issues, "impair::not-possible") && strstr (issues, "netns"), "%s", issues);
}
END_TEST

static Suite *
netns_suite (void)
{
  Suite *s = suite_create ("sr-netns");
  TCase *ns = tcase_create ("netns");
  tcase_add_checked_fixture (ns, setup, teardown);
  tcase_add_test (ns, test_netns_callee_accept_with_sip_loss);
  tcase_add_test (ns, test_stb2_call_netns);
  tcase_add_test (ns, test_netns_impair_ims_side_and_delay);
  tcase_set_timeout (ns, 90);
  suite_add_tcase (s, ns);
  TCase *stb2 = tcase_create ("stb2");
  tcase_add_checked_fixture (stb2, setup, teardown);
  tcase_add_test (stb2, test_stb2_call);
  tcase_set_timeout (stb2, 90);
  suite_add_tcase (s, stb2);
  TCase *plain = tcase_create ("no-netns");
  tcase_add_checked_fixture (plain, setup, teardown);
  tcase_add_test (plain, test_impair_without_netns_inconclusive);
  tcase_set_timeout (plain, 40);
  suite_add_tcase (s, plain);
  return s;
}

int
main (void)
{
  return stbsim_test_run (netns_suite ());
}
