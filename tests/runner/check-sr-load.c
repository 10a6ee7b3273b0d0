/* SPDX-License-Identifier: MIT */
/*
 * stbsim load end to end, kept small: 2 STBs (stb1 with media: a head-end live channel), 20
 * registered background subscribers, one load step (0 background calls/s), three cycles per
 * STB rotating through the three flows (callee-accept, caller, reject), so every flow runs on
 * both STBs. The run must complete every cycle, record samples for every hop of every flow
 * (the media ones from stb1), write the load curve (results.json "load": per step, flow and
 * hop n / p50 / p95 / p99, CPU, PSS per STB with and without media), one test per step with
 * every sample as a latency, and leave no process behind (every one is stopped by PID). Bad
 * options (a flow name typo, too many media STBs) are usage errors (exit 4) naming the option.
 * No timing assertions. Skips without kamailio or sipp.
 */

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "sr-test-util.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-load");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gint
stbsim_load (const gchar *const *args, gchar **out, gchar **err)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, "load");
  g_ptr_array_add (argv, "--report-dir");
  g_ptr_array_add (argv, reports);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  gint status = 0;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
                               err, &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "stbsim load died: %s", *err);
  return WEXITSTATUS (status);
}

START_TEST (test_usage_errors)
{
  const gchar *bad[][3] = { { "--stbs", "0", NULL },
                            { "--mix", "0,0,0", NULL },
                            { "--steps", "5,x", NULL },
                            { "--steps", "5000", NULL },
                            { "--flows", "callee-accept,calller", NULL },
                            { "--flows", "caller,caller", NULL },
                            { "--media", "5", NULL } };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;
      gint rc = stbsim_load (bad[i], &out, &err);
      ck_assert_msg (rc == 4, "%s %s: exit %d, want 4 (%s)", bad[i][0], bad[i][1], rc, err);
      ck_assert_msg (strstr (err, bad[i][0]) != NULL, "%s not named: %s", bad[i][0], err);
    }
  /* the typo itself is named, with the flows there are */
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *typo[] = { "--flows", "callee-accept,calller", NULL };
  ck_assert_int_eq (stbsim_load (typo, &out, &err), 4);
  ck_assert_msg (strstr (err, "unknown flow 'calller'") && strstr (err, "reject"), "%s", err);
}
END_TEST

/* Every hop of @flows (and the tune-in of a media STB) has samples. */
static const gchar *const hop_names[]
    = { "callee.invite-to-dialog",     "callee-accept.key-to-video-page",
        "callee-accept.key-to-answer", "callee-accept.answer-to-call-media",
        "resume.end-to-iptv",          "resume.end-to-first-frame",
        "caller.key-to-video-page",    "caller.key-to-dialing",
        "caller.dialing-to-answer",    "caller.back-to-nav-page",
        "reject.invite-to-dialog",     "reject.key-to-decline",
        "reject.key-to-iptv",          "tune.select-to-first-frame" };

static void
check_step (JsonObject *st, guint *samples)
{
  ck_assert_int_eq (json_object_get_int_member (st, "failed_cycles"), 0);
  ck_assert_int_eq (json_object_get_int_member (st, "cycles"), 6);
  ck_assert_int_gt (json_object_get_int_member (st, "stb_pss_kib"), 0);
  JsonObject *flows = json_object_get_object_member (st, "flows");
  const gchar *names[] = { "callee-accept", "caller", "reject" };
  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      JsonObject *fo = json_object_get_object_member (flows, names[f]);
      ck_assert_msg (fo != NULL, "no flow %s", names[f]);
      ck_assert_int_eq (json_object_get_int_member (fo, "cycles"), 2); /* one per STB */
      ck_assert_int_eq (json_object_get_int_member (fo, "failed_cycles"), 0);
    }
  JsonObject *per = json_object_get_object_member (st, "per_stb");
  const gchar *groups[] = { "media", "no_media" };
  for (guint g = 0; g < 2; g++)
    {
      JsonObject *go = json_object_get_object_member (per, groups[g]);
      ck_assert_int_eq (json_object_get_int_member (go, "stbs"), 1);
      ck_assert_int_gt (json_object_get_int_member (go, "pss_kib"), 0);
    }
  JsonObject *hops = json_object_get_object_member (st, "hops");
  ck_assert_uint_eq (json_object_get_size (hops), G_N_ELEMENTS (hop_names));
  for (guint h = 0; h < G_N_ELEMENTS (hop_names); h++)
    {
      JsonObject *hop = json_object_get_object_member (hops, hop_names[h]);
      ck_assert_msg (hop != NULL, "no hop %s", hop_names[h]);
      gint64 n = json_object_get_int_member (hop, "n");
      ck_assert_msg (n >= 1, "hop %s: no sample", hop_names[h]);
      ck_assert (json_object_get_double_member (hop, "p50_ms") >= 0);
      ck_assert (json_object_get_double_member (hop, "p99_ms")
                 >= json_object_get_double_member (hop, "p50_ms"));
      *samples += (guint)n;
    }
}

START_TEST (test_small_load_run)
{
  g_autofree gchar *kamailio = g_find_program_in_path ("kamailio");
  g_autofree gchar *sipp = g_find_program_in_path ("sipp");
  if (kamailio == NULL || sipp == NULL)
    {
      g_print ("SKIP: needs kamailio and sipp\n");
      return;
    }
  const gchar *args[] = { "--stbs",
                          "2",
                          "--media",
                          "1",
                          "--subscribers",
                          "20",
                          "--steps",
                          "0",
                          "--cycles",
                          "3",
                          "--step-seconds",
                          "0",
                          "--flows",
                          "callee-accept,caller,reject",
                          NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint rc = stbsim_load (args, &out, &err);
  ck_assert_msg (rc == 0, "exit %d\n%s\n%s", rc, out, err);
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  g_autofree gchar *dir = sr_test_only_run_dir (reports);
  g_autofree gchar *path = g_build_filename (dir, "results.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  ck_assert_msg (json_parser_load_from_file (p, path, &error), "%s", error ? error->message : "");
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  ck_assert_str_eq (json_object_get_string_member (root, "verdict"), "pass");
  JsonObject *load = json_object_get_object_member (root, "load");
  ck_assert_int_eq (json_object_get_int_member (load, "stbs"), 2);
  ck_assert_int_eq (json_object_get_int_member (load, "media_stbs"), 1);
  ck_assert (json_object_get_boolean_member (load, "media"));
  JsonArray *steps = json_object_get_array_member (load, "steps");
  ck_assert_uint_eq (json_array_get_length (steps), 1);
  guint samples = 0;
  check_step (json_array_get_object_element (steps, 0), &samples);
  JsonArray *tests = json_object_get_array_member (root, "tests");
  ck_assert_uint_eq (json_array_get_length (tests), 1);
  JsonObject *t0 = json_array_get_object_element (tests, 0);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (t0, "latencies")),
                     samples);
  /* the background ran: the population registered */
  g_autofree gchar *log = g_build_filename (dir, "logs", "population.log", NULL);
  g_autofree gchar *pop = stbsim_test_read_file (log, 0);
  ck_assert_msg (strstr (pop, "REGISTER") != NULL, "population log: %.2000s", pop);
  g_autofree gchar *html_path = g_build_filename (dir, "report.html", NULL);
  g_autofree gchar *html = stbsim_test_read_file (html_path, 0);
  ck_assert (strstr (html, "Load curve") != NULL);
  ck_assert (strstr (html, "reject.key-to-iptv") != NULL);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sr-load");
  TCase *tc = tcase_create ("load");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_usage_errors);
  tcase_add_test (tc, test_small_load_run);
  suite_add_tcase (s, tc);
  return stbsim_test_run (s);
}
