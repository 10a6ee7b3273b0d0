/* SPDX-License-Identifier: MIT */
/*
 * The IMS core in its own network namespace (--netns), reached across the veth pair from the
 * STB-side namespace; stale namespaces of a crashed run are removed. Needs root: skipped
 * with a message otherwise.
 */
#include "ims-launcher.h"
#include "ims-netns.h"
#include "ims-test-util.h"
#include "stbsim-test.h"

#include <string.h>
#include <sys/wait.h>

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-ims-netns");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gboolean
netns_exists (const gchar *name)
{
  g_autofree gchar *path = g_build_filename ("/run/netns", name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

#define SKIP_UNLESS_ROOT()                                                                         \
  do                                                                                               \
    {                                                                                              \
      if (!stbsim_test_is_root ())                                                                 \
        {                                                                                          \
          g_printerr ("SKIP %s: network namespaces need root\n", __func__);                        \
          return;                                                                                  \
        }                                                                                          \
    }                                                                                              \
  while (0)

START_TEST (test_netns_register)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "ims", NULL);
  ImsOptions opts = { .run_dir = run_dir, .netns = TRUE };
  g_autoptr (ImsCore) core = NULL;
  g_autoptr (ImsTestSipp) reg = NULL;
  g_autofree gchar *stb_ns = NULL, *ims_ns = NULL, *desc = NULL, *kam = NULL;
  const gchar *extra[]
      = { "-default_behaviors", "-bye", "-key",    "user", "stb1", "-key", "domain",
          "ims.test",           "-key", "expires", "3600", "-au",  "stb1", "-ap",
          "stb1-secret",        NULL };

  SKIP_UNLESS_ROOT ();
  core = ims_core_start (&opts, &error);
  ck_assert_msg (core != NULL, "start --netns: %s", error ? error->message : "");
  ck_assert_str_eq (ims_core_get_address (core), IMS_NETNS_IMS_ADDR);
  ck_assert_str_eq (ims_core_get_stb_address (core), IMS_NETNS_STB_ADDR);
  ck_assert_uint_eq (ims_core_get_port (core), 5060);
  stb_ns = g_strdup (ims_core_get_netns (core));
  desc = ims_core_describe (core);
  ck_assert_msg (strstr (desc, "sip=172.31.255.1:5060 ") != NULL, "%s", desc);
  ck_assert_msg (strstr (desc, stb_ns) != NULL, "%s", desc);
  ims_ns = g_strdup (strstr (desc, "ims_netns=") + strlen ("ims_netns="));
  *strchr (ims_ns, ' ') = '\0';
  ck_assert (netns_exists (stb_ns) && netns_exists (ims_ns));

  /* REGISTER from the STB side, across the veth pair */
  kam = g_strdup_printf ("%s:5060", IMS_NETNS_IMS_ADDR);
  ck_assert_int_eq (ims_test_sipp_run (tmpdir, "register-netns", "register.xml", stb_ns, kam,
                                       IMS_NETNS_STB_ADDR, 5070, extra, &reg),
                    0);
  ck_assert_uint_eq (ims_test_sipp_count (reg, "SIP/2.0 200 OK"), 1);
  ck_assert_uint_eq (ims_test_sipp_count (reg, "Contact: <sip:stb1@172.31.255.2:5070"), 3);

  ims_core_stop (core);
  ck_assert (!netns_exists (stb_ns));
  ck_assert (!netns_exists (ims_ns));
}
END_TEST

/* A call across the veth pair: both sipp parties in the STB namespace, the core in its own. */
START_TEST (test_netns_call)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "ims", NULL);
  ImsOptions opts = { .run_dir = run_dir, .netns = TRUE };
  g_autoptr (ImsCore) core = NULL;
  g_autoptr (ImsTestSipp) uas = NULL;
  g_autoptr (ImsTestSipp) uac = NULL;
  const gchar *kam = IMS_NETNS_IMS_ADDR ":5060";
  const gchar *reg[] = { "-default_behaviors", "-bye", "-key",    "user", "1001", "-key", "domain",
                         "ims.test",           "-key", "expires", "3600", "-au",  "1001", "-ap",
                         "far1001-secret",     NULL };
  const gchar *answer[] = { "-key", "user", "1001", "-key", "domain", "ims.test", NULL };
  const gchar *call[]
      = { "-key", "user", "1002", "-key",           "domain", "ims.test", "-key", "callee", "1001",
          "-au",  "1002", "-ap",  "far1002-secret", "-set",   "hold_ms",  "100",  NULL };
  g_autofree gchar *trace = NULL;
  const gchar *ns;

  SKIP_UNLESS_ROOT ();
  core = ims_core_start (&opts, &error);
  ck_assert_msg (core != NULL, "start --netns: %s", error ? error->message : "");
  ns = ims_core_get_netns (core);
  ck_assert_int_eq (ims_test_sipp_run (tmpdir, "reg", "register.xml", ns, kam, IMS_NETNS_STB_ADDR,
                                       5080, reg, NULL),
                    0);
  uas = ims_test_sipp_start (tmpdir, "uas", "uas-wait-bye.xml", ns, NULL, IMS_NETNS_STB_ADDR, 5080,
                             answer);
  ck_assert_int_eq (ims_test_sipp_run (tmpdir, "uac", "uac-call.xml", ns, kam, IMS_NETNS_STB_ADDR,
                                       5090, call, &uac),
                    0);
  ck_assert_int_eq (ims_test_sipp_wait (uas, 25000), 0);
  trace = ims_test_sipp_trace (uas);
  ck_assert_msg (strstr (trace, "Record-Route: <sip:172.31.255.1;lr=on;ftag=") != NULL, "%.1500s",
                 trace);
  ck_assert (strstr (trace, "P-Asserted-Identity: \"Far End 1002\" <sip:1002@ims.test>"));
}
END_TEST

/* The host never sees the namespace addresses. */
START_TEST (test_netns_not_on_host)
{
  g_autoptr (GError) error = NULL;
  ImsOptions opts = { .run_dir = tmpdir, .netns = TRUE };
  g_autoptr (ImsCore) core = NULL;
  g_autofree gchar *out = NULL;
  const gchar *argv[] = { "ip", "-o", "addr", "show", NULL };
  gint status = 0;

  SKIP_UNLESS_ROOT ();
  core = ims_core_start (&opts, &error);
  ck_assert_msg (core != NULL, "%s", error ? error->message : "");
  ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                           &status, NULL));
  ck_assert_msg (strstr (out, "172.31.255.") == NULL, "host has a namespace address:\n%s", out);
}
END_TEST

/* Namespaces named after a pid that no longer exists are removed at the next start. */
START_TEST (test_netns_stale_removed)
{
  g_autofree gchar *name = NULL;
  const gchar *true_argv[] = { "true", NULL };
  GPid dead = 0;
  gint status;

  SKIP_UNLESS_ROOT ();
  /* a pid that just exited and was reaped */
  ck_assert (g_spawn_async (NULL, (gchar **)true_argv, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &dead,
                            NULL));
  ck_assert (waitpid (dead, &status, 0) == dead);
  name = g_strdup_printf (IMS_NETNS_PREFIX "ims-%d-0", (int)dead);
  {
    const gchar *argv[] = { "ip", "netns", "add", name, NULL };
    ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                             NULL, &status, NULL));
  }
  ck_assert (netns_exists (name));
  ck_assert_uint_ge (ims_netns_remove_stale (), 1);
  ck_assert (!netns_exists (name));
}
END_TEST

START_TEST (test_netns_needs_root)
{
  g_autoptr (GError) error = NULL;
  ImsOptions opts = { .run_dir = tmpdir, .netns = TRUE };
  g_autoptr (ImsCore) core = NULL;

  if (stbsim_test_is_root ())
    {
      g_printerr ("SKIP %s: running as root, the not-root error cannot be observed\n", __func__);
      return;
    }
  core = ims_core_start (&opts, &error);
  ck_assert (core == NULL);
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_NOT_ROOT));
}
END_TEST

static Suite *
netns_suite (void)
{
  Suite *s = suite_create ("ims-netns");
  TCase *tc = tcase_create ("netns");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_netns_register);
  tcase_add_test (tc, test_netns_call);
  tcase_add_test (tc, test_netns_not_on_host);
  tcase_add_test (tc, test_netns_stale_removed);
  tcase_add_test (tc, test_netns_needs_root);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (netns_suite ());
}
