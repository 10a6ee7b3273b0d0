/* SPDX-License-Identifier: MIT */
/*
 * The QCOP trace as pcapng (sim/qcop/qcop-trace-pcap.c) and the Wireshark dissector
 * (tools/wireshark/qcop.lua): a real stb-qcopd traces two switch messages between real qcop
 * clients; the export is read back by tshark with the dissector, which must name the QWS
 * items, channel, app, message type and parameter; mergecap merges it with another capture in
 * time order. Bad trace input is an error naming file:line.
 */
#include "qcop-error.h"
#include "qcop-trace-pcap.h"
#include "stbsim-test.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define CHANNEL "QPE/ServiceSwitch"
#define MESSAGE "switchService(int,int)"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-qcop-trace-pcap");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
in_tmp (const gchar *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Run @argv to completion (bounded by timeout(1)); stdout; fails the test on a non-zero exit. */
static gchar *
run_ok (const gchar *const *argv)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) full = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;

  g_strv_builder_add_many (b, "timeout", "60", NULL);
  g_strv_builder_addv (b, (const char **)argv);
  full = g_strv_builder_end (b);
  ck_assert_msg (
      g_spawn_sync (NULL, full, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error),
      "%s: %s (install it: ci/install-deps.sh)", argv[0], error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "%s failed: %s", argv[0], err);
  return out;
}

/* stb-qcopd with a trace; an "IPTV" listener; a "VoIP" sender of RESUME_IPTV (2,4) and an
 * "IPTV" sender of CALLER_SHOW_VIDEO_PAGE (1,1). Returns the trace path. */
static gchar *
make_real_trace (void)
{
  g_autofree gchar *qcopd = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  g_autofree gchar *qcop = stbsim_test_build_path ("sim/qcop/qcop");
  g_autofree gchar *sockdir = in_tmp ("sock");
  g_autofree gchar *sock = g_build_filename (sockdir, "QtEmbedded-0", NULL);
  g_autofree gchar *log = in_tmp ("qcopd.log"), *llog = in_tmp ("listen.log");
  gchar *trace = in_tmp ("qcop-trace.jsonl");
  const gchar *server_argv[] = { qcopd, "--socket", sock, "--trace", trace, NULL };
  const gchar *listen_argv[] = { qcop,    "-s",      sock, "--app-name", "stb-iptv", "listen",
                                 CHANNEL, "--count", "2",  "--timeout",  "20000",    NULL };
  const gchar *send_voip[] = { qcop,    "-s",    sock, "--app-name", "stb-voip", "send", CHANNEL,
                               MESSAGE, "--int", "2",  "--int",      "4",        NULL };
  const gchar *send_iptv[] = { qcop,    "-s",    sock, "--app-name", "stb-iptv", "send", CHANNEL,
                               MESSAGE, "--int", "1",  "--int",      "1",        NULL };
  g_autoptr (StbsimProc) server
      = stbsim_test_spawn_ready (server_argv, "stb-qcopd", log, 5000, NULL);
  g_autoptr (StbsimProc) listener
      = stbsim_test_spawn_ready (listen_argv, "qcop listen", llog, 5000, NULL);
  gint status = -1;

  g_free (run_ok (send_voip));
  g_free (run_ok (send_iptv));
  ck_assert_msg (stbsim_test_wait_exit (listener, 20000, &status) && WIFEXITED (status)
                     && WEXITSTATUS (status) == 0,
                 "the listener did not get both messages (see %s)", llog);
  /* SIGTERM: the server flushes the trace and exits 0 */
  ck_assert_int_eq (stbsim_proc_stop (server, 5000), 0);
  return trace;
}

static gchar *
dissect (const gchar *pcap, const gchar *filter, const gchar *const *fields)
{
  g_autofree gchar *lua = stbsim_test_source_path ("tools/wireshark/qcop.lua");
  g_autofree gchar *x = g_strconcat ("lua_script:", lua, NULL);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;

  g_strv_builder_add_many (b, "tshark", "-n", "-X", x, "-r", pcap, "-Y", filter, "-T", "fields",
                           "-E", "separator=|", NULL);
  for (guint i = 0; fields[i]; i++)
    g_strv_builder_add_many (b, "-e", fields[i], NULL);
  argv = g_strv_builder_end (b);
  return run_ok ((const gchar *const *)argv);
}

START_TEST (test_real_trace_dissected)
{
  g_autofree gchar *trace = make_real_trace ();
  g_autofree gchar *pcap = in_tmp ("qcop.pcapng");
  g_autoptr (GError) error = NULL;
  const gchar *fields[] = { "qcop.kind",
                            "qcop.qws.name",
                            "qcop.app",
                            "qcop.channel",
                            "qcop.message",
                            "qcop.switch.type_name",
                            "qcop.switch.param_name",
                            "qcop.switch.param",
                            NULL };
  g_autofree gchar *out = NULL, *all = NULL;
  guint n = 0;

  ck_assert_msg (qcop_trace_pcap_export (trace, pcap, qcop_trace_pcap_clock_offset (), &n, &error),
                 "%s", error ? error->message : "");
  ck_assert_uint_gt (n, 6);
  out = dissect (pcap, "qcop.switch", fields);
  g_printerr ("tshark -Y qcop.switch:\n%s", out);
  /* the command from the VoIP side and its delivery to the IPTV listener, then the reverse */
  ck_assert_msg (
      strstr (out, "1|QCopSend|stb-voip|" CHANNEL "|" MESSAGE "|VOIP_TO_IPTV|RESUME_IPTV|4\n"),
      "%s", out);
  ck_assert_msg (
      strstr (out, "2|QCopMessage|stb-iptv|" CHANNEL "|" MESSAGE "|VOIP_TO_IPTV|RESUME_IPTV|4\n"),
      "%s", out);
  ck_assert_msg (strstr (out, "1|QCopSend|stb-iptv|" CHANNEL "|" MESSAGE
                              "|IPTV_TO_VOIP|CALLER_SHOW_VIDEO_PAGE|1\n"),
                 "%s", out);
  /* the listener's registration is decoded too; no item is malformed */
  const gchar *reg[] = { "qcop.qws.name", "qcop.channel", NULL };
  all = dissect (pcap, "qcop.qws.name == \"QCopRegisterChannel\"", reg);
  ck_assert_msg (strstr (all, "QCopRegisterChannel|" CHANNEL "\n"), "%s", all);
  g_free (all);
  all = dissect (pcap, "_ws.expert || _ws.malformed", reg);
  ck_assert_msg (*all == '\0', "malformed items: %s", all);
}
END_TEST

/* merged with another capture (mergecap), packets come in time order */
START_TEST (test_merged_in_time_order)
{
  g_autofree gchar *trace = in_tmp ("t.jsonl"), *q = in_tmp ("q.pcapng"),
                   *q2 = in_tmp ("q2.pcapng");
  g_autofree gchar *merged = in_tmp ("merged.pcapng"), *out = NULL;
  g_autoptr (GError) error = NULL;
#define SEND(T, P)                                                                                 \
  "{\"t_ns\":" T "000000,\"kind\":\"cmd\",\"type\":\"QCopSend\",\"client\":1000,"                  \
  "\"channel\":\"QPE/ServiceSwitch\",\"message\":\"switchService(int,int)\","                      \
  "\"data\":\"000000020000000" P "\"}\n"
  const gchar *t1 = SEND ("1", "1") SEND ("3", "3"), *c = SEND ("2", "2");
  const gchar *fields[] = { "qcop.switch.param_name", NULL };

  ck_assert (g_file_set_contents (trace, t1, -1, NULL));
  ck_assert (qcop_trace_pcap_export (trace, q, 0, NULL, &error));
  ck_assert (g_file_set_contents (trace, c, -1, NULL));
  ck_assert (qcop_trace_pcap_export (trace, q2, 0, NULL, &error));
  const gchar *merge[] = { "mergecap", "-w", merged, q, q2, NULL };
  g_free (run_ok (merge));
  out = dissect (merged, "qcop", fields);
  /* t = 1 ms, 3 ms in the first file, 2 ms in the second */
  ck_assert_str_eq (out, "BACK_TO_NAV\nSTOP_IPTV\nREJECT_CONTINUE_IPTV\n");
}
END_TEST

START_TEST (test_bad_trace_names_line)
{
  g_autofree gchar *trace = in_tmp ("bad.jsonl"), *pcap = in_tmp ("bad.pcapng");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *want = NULL;

  ck_assert (g_file_set_contents (trace,
                                  "{\"t_ns\":1,\"kind\":\"server\",\"type\":\"start\"}\n"
                                  "{\"t_ns\":2,\"kind\":\"cmd\",\"type\":\"QCopSend\","
                                  "\"channel\":\"A\",\"message\":\"m()\",\"data\":\"0g\"}\n",
                                  -1, NULL));
  ck_assert (!qcop_trace_pcap_export (trace, pcap, 0, NULL, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  want = g_strconcat (trace, ":2: ", NULL);
  ck_assert_msg (g_str_has_prefix (error->message, want), "%s", error->message);
  g_clear_error (&error);
  ck_assert (g_file_set_contents (trace, "not json\n", -1, NULL));
  ck_assert (!qcop_trace_pcap_export (trace, pcap, 0, NULL, &error));
  ck_assert_msg (strstr (error->message, ":1: ") != NULL, "%s", error->message);
}
END_TEST

static Suite *
trace_pcap_suite (void)
{
  Suite *s = suite_create ("qcop-trace-pcap");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  /* three tshark runs with a Lua dissector on a loaded machine */
  tcase_set_timeout (tc, 90);
  tcase_add_test (tc, test_real_trace_dissected);
  tcase_add_test (tc, test_merged_in_time_order);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_bad_trace_names_line);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (trace_pcap_suite ());
}
