/* SPDX-License-Identifier: MIT */
/* The scenario vocabulary (sim/runner/sr-vocab.c): every wrong name is rejected when the
 * scenario is parsed, naming file:line:column and the nearest valid name; every scenario in
 * scenarios/ passes; `stbsim inspect` and `stbsim run` refuse a bad file with exit 4. */

#include <glib/gstdio.h>
#include <string.h>

#include "sr-scenario.h"
#include "sr-suite.h"
#include "sr-vocab.h"
#include "sr-test-util.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-vocab");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

#define META "meta, name=t, summary=\"a test\", layouts=bidirectional, timeout=5\n"
#define STACK "start, component=server\ncheckpoint, name=before-call\n"

static gchar *
write_file (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);
  ck_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Load META STACK @line (line 4 of the file) and return the error (NULL if it loaded). */
static GError *
load_line (const gchar *line)
{
  g_autofree gchar *text = g_strconcat (META, STACK, line, "\n", NULL);
  g_autofree gchar *path = write_file ("t.scenario", text);
  GError *error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (path, NULL, TRUE, &error);
  ck_assert ((sc == NULL) == (error != NULL));
  return error;
}

/* ---- errors: each bad line, with what the message must say ---------------------------------- */

static const struct
{
  const gchar *line;
  SrVocabError code;
  const gchar *needles[3];
} bad_lines[] = {
  /* misspelled event names (the two cases), with the nearest valid name */
  { "expect-no-event, name=iptv.stopp, since=before-call, window=0.1",
    SR_VOCAB_ERROR_UNKNOWN_EVENT,
    { "t.scenario:4:18:", "unknown event 'iptv.stopp'", "did you mean iptv.stop?" } },
  { "expect-event, name=iptv.stp, requirement=SW-IPTV-05",
    SR_VOCAB_ERROR_UNKNOWN_EVENT,
    { "t.scenario:4:15:", "unknown event 'iptv.stp'", "did you mean iptv.stop?" } },
  { "measure, name=m, from=STOP_IPTVV, to=iptv.stop",
    SR_VOCAB_ERROR_UNKNOWN_EVENT,
    { "t.scenario:4:", "did you mean STOP_IPTV?", NULL } },
  { "expect-order, first=CALLEE_SHOW_VIDEO_PAGE, then=\"voip.cal|state=answered\"",
    SR_VOCAB_ERROR_UNKNOWN_EVENT,
    { "t.scenario:4:", "did you mean voip.call?", NULL } },
  { "expect-event, name=stb2.voip.cal",
    SR_VOCAB_ERROR_UNKNOWN_EVENT,
    { "did you mean stb2.voip.call?", NULL } },
  /* detail keys */
  { "expect-event, name=iptv.stop, match=\"reasn=menu\"",
    SR_VOCAB_ERROR_UNKNOWN_KEY,
    { "t.scenario:4:31: expect-event match=", "no detail key 'reasn'", "did you mean reason?" } },
  { "expect-event, name=\"voip.call|stat=answered\"",
    SR_VOCAB_ERROR_UNKNOWN_KEY,
    { "no detail key 'stat'", "did you mean state?", NULL } },
  { "expect-event, name=iptv.stop, match=\"reason\"",
    SR_VOCAB_ERROR_UNKNOWN_KEY,
    { "not key=value", NULL } },
  /* closed values */
  { "expect-event, name=iptv.page, match=\"page=navv\"",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "t.scenario:4:", "'navv' is not one of nav|player|hidden", "did you mean nav?" } },
  { "expect-event, name=\"voip.dialog|state=show\"",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "did you mean shown?", NULL } },
  { "expect-no-event, name=voip.state, match=\"reason=not-addressed\", window=0.1",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "'not-addressed' is not one of V-*", NULL } },
  /* checkpoints */
  { "expect-event, name=iptv.page, since=befor-call",
    SR_VOCAB_ERROR_CHECKPOINT,
    { "t.scenario:4:", "no checkpoint 'befor-call'", "did you mean before-call?" } },
  { "expect-event, name=iptv.page, since=later\ncheckpoint, name=later",
    SR_VOCAB_ERROR_CHECKPOINT,
    { "t.scenario:4:", "'later' is defined only later", "t.scenario:5" } },
  /* components */
  { "start, component=headnd",
    SR_VOCAB_ERROR_UNKNOWN_NAME,
    { "t.scenario:4:8:", "did you mean headend?", NULL } },
  { "kill, component=sip", SR_VOCAB_ERROR_UNKNOWN_NAME, { "unknown component 'sip'", NULL } },
  { "kill, component=iptv, signal=HUP",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "signal 'HUP' is not one of", NULL } },
  /* keys, roles, switch parameters, message names */
  { "press-key, target=iptv, key=okk",
    SR_VOCAB_ERROR_UNKNOWN_NAME,
    { "t.scenario:4:", "did you mean ok?", "SW-AGT-02" } },
  { "press-key, target=tv, key=ok",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "'tv' is not one of iptv|voip", NULL } },
  { "send-switch, from=voip, param=RESUME",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "not a switch parameter name or integer", NULL } },
  { "expect-message, param=3", SR_VOCAB_ERROR_BAD_VALUE, { "not a switch parameter", NULL } },
  { "send-raw, to=iptv, message=otherService", SR_VOCAB_ERROR_BAD_VALUE, { "DCOP form", NULL } },
  { "send-raw, to=iptv, data=\"0000 02\"", SR_VOCAB_ERROR_BAD_VALUE, { "hex digits", NULL } },
  { "expect-event, name=voip.page, source=harnes",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "did you mean harness?", NULL } },
  { "expect-event, name=iptv.page, source=voip",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "iptv.page never comes from source=voip (only iptv)", NULL } },
  { "inject, event=incoming-call",
    SR_VOCAB_ERROR_BAD_VALUE,
    { "'incoming-call' is not one of", NULL } },
};

START_TEST (test_bad_line)
{
  g_autoptr (GError) error = load_line (bad_lines[_i].line);
  ck_assert_msg (error != NULL, "accepted: %s", bad_lines[_i].line);
  ck_assert_msg (g_error_matches (error, SR_VOCAB_ERROR, (gint)bad_lines[_i].code),
                 "%s: code %d, want %d: %s", bad_lines[_i].line, error->code, bad_lines[_i].code,
                 error->message);
  for (guint k = 0; k < G_N_ELEMENTS (bad_lines[_i].needles) && bad_lines[_i].needles[k]; k++)
    ck_assert_msg (strstr (error->message, bad_lines[_i].needles[k]) != NULL, "'%s' not in: %s",
                   bad_lines[_i].needles[k], error->message);
}
END_TEST

/* ---- core: what is valid stays valid -------------------------------------------------------- */

static const gchar *const good_lines[] = {
  "expect-event, name=iptv.stop, match=\"kind=live;channel=1;reason=stop-iptv\", "
  "since=before-call",
  "expect-order, first=\"iptv.page|page=hidden\", then=CALLEE_SHOW_VIDEO_PAGE, since=start",
  "measure, name=m, from=\"key.voip|key=ok\", to=\"voip.call|state=answered\"",
  "expect-event, name=sipp.exit, match=\"status=0;instance=sipp:uas\"",
  "expect-event, name=\"switchService(2,7)\"",
  "expect-event, name=ims.rx, match=\"sip=INVITE;stb=from\"",
  "expect-event, name=stb2.iptv.play, match=\"kind=live\"",
  "expect-event, name=voip.state, match=\"reason=V-10;to=MAIN_PAGE\"",
  "expect-event, name=STOP_IPTV, match=\"dir=send;from=voip\"",
  "start, component=sipp:second",
  "kill, component=voip, signal=SIGterm",
  "press-key, target=stb2-voip, key=9",
  "press-key, target=iptv, key=blue, allow-unknown=true",
  "send-switch, from=voip, param=-1",
  "send-raw, to=iptv, message=\"otherService(int,int)\", data=\"0000000200000002\"",
  "expect-message, param=CALLEE_SHOW_VIDEO_PAGE, from=iptv, since=before-call",
  "expect-event, name=voip.page, source=voip",
  "expect-no-event, name=switch.rx, source=iptv, match=\"type=iptv_to_voip\", window=0.1",
  "expect-event, name=BACK_TO_NAV, source=server, match=\"dir=deliver;to=iptv\"",
};

START_TEST (test_good_line)
{
  g_autoptr (GError) error = load_line (good_lines[_i]);
  ck_assert_msg (error == NULL, "%s", error ? error->message : "");
}
END_TEST

/* Every scenario of the repository passes (loaded as `stbsim inspect` does). */
START_TEST (test_repository_scenarios)
{
  g_autofree gchar *dir = stbsim_test_source_path ("scenarios");
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  ck_assert_ptr_nonnull (d);
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  guint n = 0;
  const gchar *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".scenario"))
        continue;
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SrScenario) sc = sr_scenario_load (path, vars, TRUE, &error);
      ck_assert_msg (sc != NULL, "%s", error ? error->message : "");
      n++;
    }
  ck_assert_uint_ge (n, 30);
}
END_TEST

START_TEST (test_table)
{
  guint n = 0;
  for (const SrVocabEvent *e = sr_vocab_events; e->name; e++, n++)
    {
      ck_assert_msg (g_str_has_prefix (e->spec, "SPEC ") || g_str_has_prefix (e->spec, "runner")
                         || g_str_has_prefix (e->spec, "stbsim extension"),
                     "%s cites no source: %s", e->name, e->spec);
      ck_assert_ptr_nonnull (e->keys);
      /* no event twice */
      for (const SrVocabEvent *f = e + 1; f->name; f++)
        ck_assert_str_ne (e->name, f->name);
    }
  ck_assert_uint_ge (n, 60);
  ck_assert_ptr_nonnull (sr_vocab_lookup ("iptv.stop"));
  ck_assert_ptr_nonnull (sr_vocab_lookup ("stb2.switch.rx"));
  ck_assert_ptr_null (sr_vocab_lookup ("stb2.sipp.exit")); /* only agent events */
  ck_assert_ptr_null (sr_vocab_lookup ("stb2.<agent event>"));
  ck_assert_ptr_null (sr_vocab_lookup ("switchService(T,P)"));
  ck_assert_ptr_nonnull (sr_vocab_lookup ("switchService(-1,2)"));
  ck_assert_uint_eq (sr_vocab_distance ("iptv.stp", "iptv.stop"), 1);
  ck_assert_uint_eq (sr_vocab_distance ("", "abc"), 3);
  ck_assert_uint_eq (sr_vocab_distance ("kitten", "sitting"), 3);
}
END_TEST

/* ---- cli: the real binary ----------------------------------------------------------------- */

START_TEST (test_cli_inspect_bad)
{
  g_autofree gchar *path
      = write_file ("bad.scenario", META STACK "expect-event, name=iptv.stp, timeout=1\n");
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "inspect", path, NULL };
  gint rc = sr_test_stbsim_output (tmpdir, args, &out, &err);
  ck_assert_msg (rc == 4, "exit %d: %s", rc, err);
  ck_assert_msg (strstr (err, "bad.scenario:4:15:") != NULL, "%s", err);
  ck_assert_msg (strstr (err, "did you mean iptv.stop?") != NULL, "%s", err);
}
END_TEST

/* `stbsim run` refuses before anything starts: exit 4 (usage), no run directory. */
START_TEST (test_cli_run_refuses)
{
  g_autofree gchar *path = write_file ("bad.scenario", META STACK
                                       "expect-no-event, name=iptv.stopp, window=0.1, timeout=1\n");
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "run", path, "-r", reports, NULL };
  gint rc = sr_test_stbsim_output (tmpdir, args, &out, &err);
  ck_assert_msg (rc == 4, "exit %d: %s%s", rc, out, err);
  ck_assert_msg (strstr (err, "bad.scenario:4:") != NULL, "%s", err);
  ck_assert_msg (!g_file_test (reports, G_FILE_TEST_EXISTS), "a run started: %s", out);
}
END_TEST

START_TEST (test_cli_list_events)
{
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "list-events", NULL };
  ck_assert_int_eq (sr_test_stbsim_output (tmpdir, args, &out, &err), 0);
  for (const SrVocabEvent *e = sr_vocab_events; e->name; e++)
    ck_assert_msg (strstr (out, e->name) != NULL, "%s missing", e->name);
  ck_assert (strstr (out, "page=nav|player|hidden") != NULL);
  ck_assert (strstr (out, "SPEC 12.4") != NULL);
}
END_TEST

static Suite *
vocab_suite (void)
{
  Suite *s = suite_create ("sr-vocab");
  TCase *core = tcase_create ("core");
  tcase_add_checked_fixture (core, setup, teardown);
  tcase_set_timeout (core, 20);
  tcase_add_loop_test (core, test_good_line, 0, G_N_ELEMENTS (good_lines));
  tcase_add_test (core, test_repository_scenarios);
  tcase_add_test (core, test_table);
  suite_add_tcase (s, core);
  TCase *errors = tcase_create ("errors");
  tcase_add_checked_fixture (errors, setup, teardown);
  tcase_set_timeout (errors, 20);
  tcase_add_loop_test (errors, test_bad_line, 0, G_N_ELEMENTS (bad_lines));
  suite_add_tcase (s, errors);
  TCase *cli = tcase_create ("cli");
  tcase_add_checked_fixture (cli, setup, teardown);
  tcase_set_timeout (cli, 30);
  tcase_add_test (cli, test_cli_inspect_bad);
  tcase_add_test (cli, test_cli_run_refuses);
  tcase_add_test (cli, test_cli_list_events);
  suite_add_tcase (s, cli);
  return s;
}

int
main (void)
{
  return stbsim_test_run (vocab_suite ());
}
