/* SPDX-License-Identifier: MIT */
/*
 * The containerized IMS core (stbsim-ims --container, sim/ims/ims-container.c): the image is
 * made on first use (debootstrap + podman import + podman build, minutes) and cached; the
 * core starts in a podman container, answers the readiness probe, passes its HEALTHCHECK,
 * registers a sipp UAS and routes one call from a sipp UAC through it; its SIP observation
 * log reaches <run_dir>/kamailio.log; on stop the container is gone (by name).
 * Without root, podman or runc the test exits 77 (meson: SKIP) and says why.
 */
#include "ims-container.h"
#include "ims-launcher.h"
#include "ims-test-util.h"
#include "stbsim-test.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define WAIT_MS 25000

static gchar *image; /* made once in main() */

static gboolean
container_exists (const gchar *name)
{
  const gchar *argv[] = { "podman",    "--runtime", "runc", "--cgroup-manager=cgroupfs",
                          "container", "exists",    name,   NULL };
  gint status = -1;

  ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                           &status, NULL));
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* `podman healthcheck run NAME`: the image's HEALTHCHECK (SIP OPTIONS inside). */
static gchar *
healthcheck (const gchar *name, gint *status)
{
  const gchar *argv[]
      = { "timeout",     "30",  "podman", "--runtime", "runc", "--cgroup-manager=cgroupfs",
          "healthcheck", "run", name,     NULL };
  gchar *out = NULL;

  ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                           status, NULL));
  return out;
}

START_TEST (test_container_call)
{
  g_autofree gchar *tmpdir = stbsim_test_mkdtemp ("check-ims-container");
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "ims", NULL);
  g_autofree gchar *kam = NULL, *desc = NULL, *name = NULL, *health = NULL, *log = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImsTestSipp) reg = NULL, uas = NULL, uac = NULL;
  ImsOptions opts = { .run_dir = run_dir, .container = TRUE, .container_image = image };
  guint16 uas_port = stbsim_test_free_port (SOCK_DGRAM);
  const gchar *reg_extra[]
      = { "-default_behaviors", "-bye", "-key",    "user", "1001", "-key", "domain",
          "ims.test",           "-key", "expires", "3600", "-au",  "1001", "-ap",
          "far1001-secret",     NULL };
  const gchar *uas_extra[] = { "-key",    "user", "1001", "-key",    "domain", "ims.test", "-set",
                               "ring_ms", "50",   "-set", "hold_ms", "0",      NULL };
  const gchar *uac_extra[]
      = { "-key", "user", "1002", "-key",           "domain", "ims.test", "-key", "callee", "1001",
          "-au",  "1002", "-ap",  "far1002-secret", "-set",   "hold_ms",  "200",  NULL };
  gint status = -1;
  ImsCore *core = ims_core_start (&opts, &error);

  ck_assert_msg (core != NULL, "containerized IMS core: %s", error ? error->message : "");
  name = g_strdup (ims_core_get_container (core));
  desc = ims_core_describe (core);
  g_printerr ("READY %s\ncontainer start-to-ready: %.1f ms\n", desc,
              ims_core_get_startup_ns (core) / 1e6);
  ck_assert_msg (name && strstr (desc, name) && container_exists (name), "%s", desc);
  /* as the HEALTHCHECK itself (--retries=3): unhealthy only after three failed checks in a
   * row (each has 3 s: at load 45 one could time out, ci/repeat.sh --load) */
  for (guint attempt = 1; attempt <= 3; attempt++)
    {
      g_free (health);
      health = healthcheck (name, &status);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        break;
      g_printerr ("HEALTHCHECK of %s, attempt %u: status %d: %s\n", name, attempt, status,
                  health ? health : "");
    }
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "HEALTHCHECK of %s: %s", name,
                 health);
  kam = g_strdup_printf ("127.0.0.1:%u", ims_core_get_port (core));

  ck_assert_int_eq (ims_test_sipp_run (tmpdir, "register", "register.xml", NULL, kam, "127.0.0.1",
                                       uas_port, reg_extra, &reg),
                    0);
  uas = ims_test_sipp_start (tmpdir, "uas", "uas-wait-bye.xml", NULL, NULL, "127.0.0.1", uas_port,
                             uas_extra);
  ck_assert_int_eq (ims_test_sipp_run (tmpdir, "uac", "uac-call.xml", NULL, kam, "127.0.0.1",
                                       stbsim_test_free_port (SOCK_DGRAM), uac_extra, &uac),
                    0);
  ck_assert_int_eq (ims_test_sipp_wait (uas, WAIT_MS), 0);
  ck_assert_uint_ge (ims_test_sipp_count (uac, "SIP/2.0 200 OK"), 1);
  ck_assert_uint_ge (ims_test_sipp_count (uas, "BYE sip:1001@127.0.0.1:"), 1);

  /* Kamailio's log came out of the container into the run directory, SIPOBS lines too */
  log = stbsim_test_read_file (ims_core_get_log_path (core), 0);
  /* v=2 lines hex-encode every SIP value (sim/ims/kamailio.cfg.in): m=INVITE is 494e56495445 */
  ck_assert_msg (strstr (log, "SIPOBS v=3 dir=rx kind=req") && strstr (log, "m=494e56495445"),
                 "no SIPOBS INVITE in %s", ims_core_get_log_path (core));

  ims_core_free (core);
  ck_assert_msg (!container_exists (name), "container %s still exists after stop", name);
  stbsim_test_rmtree (tmpdir);
}
END_TEST

static Suite *
container_suite (void)
{
  Suite *s = suite_create ("ims-container");
  TCase *tc = tcase_create ("core");

  /* podman start (~2.5 s) + register + call; generous for a loaded machine */
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_container_call);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  gint64 t0;
  int rc;

  if (!ims_container_available (&error))
    {
      /* meson counts exit status 77 as SKIP; the reason goes to the test log */
      g_print ("SKIP: podman cannot run here: %s\n", error->message);
      return 77;
    }
  /* First use: debootstrap + import + build (minutes, bounded in ims-container.c); then a
   * content-hash lookup (~1 s). */
  t0 = g_get_monotonic_time ();
  image = ims_container_ensure_image (&error);
  if (!image)
    {
      g_printerr ("FAIL: cannot make the IMS core image: %s\n", error->message);
      return 1;
    }
  g_print ("image %s ready in %.1f s\n", image, (g_get_monotonic_time () - t0) / 1e6);
  rc = stbsim_test_run (container_suite ());
  g_free (image);
  return rc;
}
