/* SPDX-License-Identifier: MIT */
/*
 * The IMS core launcher: a real Kamailio started, probed, stopped (library and the
 * stbsim-ims executable), and its failure modes (not installed, crashes at start, nothing
 * answering, a port answered by someone else).
 */
#include "ims-launcher.h"
#include "ims-probe.h"
#include "ims-test-util.h"
#include "stbsim-test.h"

#include <gio/gio.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-ims-launcher");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gboolean
pid_alive (GPid pid)
{
  return kill (pid, 0) == 0;
}

static gint
probe_status (const gchar *addr, guint16 port)
{
  g_autoptr (GError) error = NULL;
  ImsProbeOptions opts = { .timeout_ms = 2000 };
  ImsProbeResult result = { 0 };

  ck_assert_msg (ims_probe_sip (addr, port, &opts, &result, &error), "probe: %s",
                 error ? error->message : "");
  return result.status;
}

/* ---- core ---- */

START_TEST (test_start_ready_stop)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "run", NULL);
  ImsOptions opts = { .run_dir = run_dir };
  g_autoptr (ImsCore) core = ims_core_start (&opts, &error);
  g_autofree gchar *desc = NULL, *want = NULL, *cfg = NULL;
  GPid pid;

  ck_assert_msg (core != NULL, "start: %s", error ? error->message : "");
  pid = ims_core_get_pid (core);
  ck_assert (pid > 0 && pid_alive (pid));
  ck_assert_str_eq (ims_core_get_address (core), "127.0.0.1");
  ck_assert_str_eq (ims_core_get_domain (core), "ims.test");
  ck_assert (ims_core_get_netns (core) == NULL);
  ck_assert (ims_core_get_startup_ns (core) > 0);
  g_message ("Kamailio start-to-ready: %.1f ms", ims_core_get_startup_ns (core) / 1e6);
  ck_assert_int_eq (probe_status ("127.0.0.1", ims_core_get_port (core)), 200);

  desc = ims_core_describe (core);
  want = g_strdup_printf ("sip=127.0.0.1:%u domain=ims.test pid=%d run_dir=%s ",
                          ims_core_get_port (core), (int)pid, run_dir);
  ck_assert_msg (g_str_has_prefix (desc, want), "%s", desc);
  ck_assert (g_file_get_contents (ims_core_get_config_path (core), &cfg, NULL, NULL));
  ck_assert (strstr (cfg, "children=1\n") != NULL);
  ck_assert (g_file_test (ims_core_get_log_path (core), G_FILE_TEST_EXISTS));

  ims_core_stop (core);
  /* reaped by stop: the pid no longer exists (or was never reused this fast) */
  ck_assert (!pid_alive (pid));
  ims_core_stop (core); /* idempotent */
}
END_TEST

/* Two instances at once get distinct ports and each answers its own probe. */
START_TEST (test_two_instances)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *d1 = g_build_filename (tmpdir, "a", NULL);
  g_autofree gchar *d2 = g_build_filename (tmpdir, "b", NULL);
  ImsOptions o1 = { .run_dir = d1 }, o2 = { .run_dir = d2 };
  g_autoptr (ImsCore) c1 = ims_core_start (&o1, &error);
  g_autoptr (ImsCore) c2 = NULL;

  ck_assert_msg (c1 != NULL, "%s", error ? error->message : "");
  c2 = ims_core_start (&o2, &error);
  ck_assert_msg (c2 != NULL, "%s", error ? error->message : "");
  ck_assert_uint_ne (ims_core_get_port (c1), ims_core_get_port (c2));
  ck_assert_int_eq (probe_status ("127.0.0.1", ims_core_get_port (c1)), 200);
  ck_assert_int_eq (probe_status ("127.0.0.1", ims_core_get_port (c2)), 200);
}
END_TEST

/* ---- the stbsim-ims executable ---- */

/* stbsim-ims --run-dir TMP/run, ready; its READY line in *@ready. */
static StbsimProc *
spawn_stbsim_ims (gchar **ready)
{
  g_autofree gchar *bin = stbsim_test_build_path ("sim/ims/stbsim-ims");
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "run", NULL);
  g_autofree gchar *log = g_build_filename (tmpdir, "stbsim-ims.log", NULL);
  const gchar *argv[] = { bin, "--run-dir", run_dir, NULL };

  return stbsim_test_spawn_ready (argv, "stbsim-ims", log, 10000, ready);
}

START_TEST (test_executable)
{
  g_autofree gchar *ready = NULL;
  g_autoptr (StbsimProc) proc = spawn_stbsim_ims (&ready);
  g_auto (GStrv) fields = g_strsplit (ready, " ", -1);
  guint port = 0;
  GPid kpid = 0;
  gint status = 0;

  ck_assert_str_eq (fields[0], "READY");
  for (guint i = 1; fields[i]; i++)
    {
      if (g_str_has_prefix (fields[i], "sip=127.0.0.1:"))
        port = (guint)g_ascii_strtoull (fields[i] + strlen ("sip=127.0.0.1:"), NULL, 10);
      else if (g_str_has_prefix (fields[i], "pid="))
        kpid = (GPid)g_ascii_strtoll (fields[i] + 4, NULL, 10);
    }
  ck_assert_msg (port > 0 && kpid > 0, "READY line: %s", ready);
  ck_assert_msg (strstr (ready, " domain=ims.test ") != NULL, "%s", ready);
  ck_assert_int_eq (probe_status ("127.0.0.1", (guint16)port), 200);
  ck_assert (pid_alive (kpid));

  stbsim_proc_signal (proc, SIGTERM);
  ck_assert_msg (stbsim_test_wait_exit (proc, 5000, &status), "stbsim-ims ignored SIGTERM");
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "status %d", status);
  /* Kamailio was stopped by the launcher (its group got SIGTERM, it was reaped there). */
  ck_assert (!pid_alive (kpid));
}
END_TEST

/* Is any live (non-zombie) process left in process group @pgid? Lists them in @out. */
static gboolean
group_alive_describe (GPid pgid, GString *out)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const gchar *name;
  gboolean alive = FALSE;

  while (proc && (name = g_dir_read_name (proc)))
    {
      g_autofree gchar *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree gchar *stat = NULL;
      const gchar *end;
      gchar state;
      gint ppid, pgrp;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      end = strrchr (stat, ')');
      if (end && sscanf (end + 2, "%c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid
          && state != 'Z' && state != 'X')
        {
          alive = TRUE;
          if (out)
            g_string_append_printf (out, " [%s %.*s]", name, (int)(end + 4 - stat), stat);
        }
    }
  return alive;
}

static gboolean
group_alive (GPid pgid)
{
  return group_alive_describe (pgid, NULL);
}

static gboolean
group_gone (gpointer data)
{
  return !group_alive (GPOINTER_TO_INT (data));
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* A launcher killed with SIGKILL takes Kamailio and all its workers with it (parent-death
 * signal TERM to Kamailio's main process, which stops its workers; exit_timeout=2 in the
 * config bounds that even when the TERM lands while workers are still starting). */
START_TEST (test_executable_killed)
{
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "run", NULL);
  g_autofree gchar *ready = NULL;
  g_autoptr (StbsimProc) proc = spawn_stbsim_ims (&ready);
  const gchar *pid_field = strstr (ready, " pid=");
  GPid kpid;
  guint tick;
  gboolean gone;

  ck_assert_msg (pid_field != NULL, "%s", ready);
  kpid = (GPid)g_ascii_strtoll (pid_field + 5, NULL, 10);
  ck_assert (group_alive (kpid)); /* Kamailio leads its own process group */
  kill (stbsim_proc_get_pid (proc), SIGKILL);
  tick = g_timeout_add (10, on_tick, NULL);
  gone = stbsim_test_wait_until (NULL, group_gone, GINT_TO_POINTER (kpid), 8000);
  g_source_remove (tick);
  if (!gone)
    {
      g_autoptr (GString) left = g_string_new (NULL);
      g_autofree gchar *klog_path = g_build_filename (run_dir, "kamailio.log", NULL);
      g_autofree gchar *klog = NULL;

      group_alive_describe (kpid, left);
      klog = stbsim_test_read_file (klog_path, 0);
      kill (-kpid, SIGKILL);
      ck_abort_msg ("Kamailio processes survived their launcher:%s\n%s", left->str, klog);
    }
}
END_TEST

START_TEST (test_executable_usage)
{
  g_autofree gchar *bin = stbsim_test_build_path ("sim/ims/stbsim-ims");
  const gchar *argv[] = { bin, "--port", "70000", NULL };
  g_autofree gchar *err = NULL;
  gint status = 0;

  ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                           &err, &status, NULL));
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  ck_assert (strstr (err, "--port") != NULL);
}
END_TEST

/* ---- errors ---- */

START_TEST (test_not_installed)
{
  g_autoptr (GError) error = NULL;
  ImsOptions opts = { .run_dir = tmpdir, .kamailio = "/nonexistent/kamailio" };
  g_autoptr (ImsCore) core = ims_core_start (&opts, &error);

  ck_assert (core == NULL);
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_NOT_INSTALLED));
  ck_assert_msg (strstr (error->message, "/nonexistent/kamailio")
                     && strstr (error->message, "STBSIM_KAMAILIO"),
                 "%s", error->message);
}
END_TEST

/* A config Kamailio rejects: the error says so and names the log; nothing keeps running. */
START_TEST (test_kamailio_fails)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *tpl = g_build_filename (tmpdir, "bad.cfg.in", NULL);
  g_autofree gchar *run_dir = g_build_filename (tmpdir, "run", NULL);
  ImsOptions opts = { .run_dir = run_dir, .config_template = tpl };
  g_autoptr (ImsCore) core = NULL;
  gint64 t0;

  ck_assert (g_file_set_contents (tpl,
                                  "#!KAMAILIO\nlisten=udp:@LISTEN_ADDR@:@LISTEN_PORT@\n"
                                  "loadmodule \"no_such_module.so\"\n"
                                  "request_route { drop; }\n",
                                  -1, NULL));
  t0 = g_get_monotonic_time ();
  core = ims_core_start (&opts, &error);
  ck_assert (core == NULL);
  ck_assert_msg (g_error_matches (error, IMS_ERROR, IMS_ERROR_START), "%s",
                 error ? error->message : "");
  ck_assert_msg (strstr (error->message, "kamailio.log") != NULL, "%s", error->message);
  /* found out from the exit, not by waiting for the 5 s probe timeout */
  ck_assert_int_lt (g_get_monotonic_time () - t0, 4 * G_USEC_PER_SEC);
}
END_TEST

/* An explicit port held by another socket: Kamailio cannot bind, the error quotes its log. */
START_TEST (test_port_in_use)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) holder
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  ImsOptions opts = { .run_dir = tmpdir };
  g_autoptr (ImsCore) core = NULL;

  ck_assert (holder && g_socket_bind (holder, any, FALSE, NULL)); /* no SO_REUSEADDR */
  bound = g_socket_get_local_address (holder, NULL);
  opts.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  core = ims_core_start (&opts, &error);
  ck_assert (core == NULL);
  ck_assert_msg (g_error_matches (error, IMS_ERROR, IMS_ERROR_START)
                     && strstr (error->message, "Address already in use")
                     && strstr (error->message, "kamailio.log"),
                 "%s", error ? error->message : "");
}
END_TEST

/* Nothing listening: bounded retries, then a clear timeout error. */
START_TEST (test_probe_nothing_listening)
{
  g_autoptr (GError) error = NULL;
  guint16 port = ims_pick_udp_port ("127.0.0.1", &error);
  ImsProbeOptions opts = { .timeout_ms = 300, .interval_ms = 20 };
  gint64 t0 = g_get_monotonic_time ();

  ck_assert_msg (port != 0, "%s", error ? error->message : "");
  ck_assert (!ims_probe_sip ("127.0.0.1", port, &opts, NULL, &error));
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_TIMEOUT));
  ck_assert_msg (strstr (error->message, "no SIP answer from 127.0.0.1:")
                     && strstr (error->message, "after 300 ms"),
                 "%s", error->message);
  ck_assert_int_lt (g_get_monotonic_time () - t0, 3 * G_USEC_PER_SEC);
}
END_TEST

/* A UDP responder on a thread: answers each OPTIONS with 200 echoing Call-ID, with an
 * optional instance header, or with garbage. */
typedef struct
{
  GSocket *socket;
  const gchar *instance; /* NULL: no header */
  gboolean garbage;
  volatile gint stop;
} Responder;

static gpointer
responder_thread (gpointer data)
{
  Responder *r = data;

  while (!g_atomic_int_get (&r->stop))
    {
      gchar buf[2048];
      g_autoptr (GSocketAddress) from = NULL;
      g_autofree gchar *reply = NULL;
      const gchar *cid;
      gssize n;

      if (!g_socket_condition_timed_wait (r->socket, G_IO_IN, 50000, NULL, NULL))
        continue;
      n = g_socket_receive_from (r->socket, &from, buf, sizeof buf - 1, NULL, NULL);
      if (n <= 0)
        continue;
      buf[n] = '\0';
      cid = strstr (buf, "Call-ID: ");
      if (!cid)
        continue;
      *strchr (cid, '\r') = '\0';
      if (r->garbage)
        reply = g_strdup ("HTTP/1.1 200 OK\r\n\r\n");
      else
        reply = g_strdup_printf ("SIP/2.0 200 OK\r\n%s\r\n%s%s%sContent-Length: 0\r\n\r\n", cid,
                                 r->instance ? "X-Stbsim-Instance: " : "",
                                 r->instance ? r->instance : "", r->instance ? "\r\n" : "");
      g_socket_send_to (r->socket, from, reply, strlen (reply), NULL, NULL);
    }
  return NULL;
}

static guint16
responder_start (Responder *r, GThread **thread)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  r->socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  ck_assert (r->socket && g_socket_bind (r->socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (r->socket, NULL);
  *thread = g_thread_new ("responder", responder_thread, r);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
responder_stop (Responder *r, GThread *thread)
{
  g_atomic_int_set (&r->stop, 1);
  g_thread_join (thread);
  g_clear_object (&r->socket);
}

START_TEST (test_probe_instance)
{
  Responder r = { .instance = "abc" };
  GThread *thread;
  guint16 port = responder_start (&r, &thread);
  ImsProbeOptions opts = { .timeout_ms = 2000 };
  ImsProbeResult result = { 0 };
  g_autoptr (GError) error = NULL;
  gboolean ok_any, ok_ours, ok_other;

  ok_any = ims_probe_sip ("127.0.0.1", port, &opts, &result, &error);
  opts.instance = "abc";
  ok_ours = ok_any && ims_probe_sip ("127.0.0.1", port, &opts, &result, &error);
  opts.instance = "xyz";
  ok_other = ims_probe_sip ("127.0.0.1", port, &opts, &result, &error);
  responder_stop (&r, thread);

  ck_assert (ok_any && ok_ours);
  ck_assert_int_eq (result.status, 200);
  ck_assert (!ok_other);
  ck_assert_msg (g_error_matches (error, IMS_ERROR, IMS_ERROR_PROTOCOL)
                     && strstr (error->message, "not our Kamailio"),
                 "%s", error->message);
}
END_TEST

START_TEST (test_probe_ignores_garbage)
{
  Responder r = { .garbage = TRUE };
  GThread *thread;
  guint16 port = responder_start (&r, &thread);
  ImsProbeOptions opts = { .timeout_ms = 200 };
  g_autoptr (GError) error = NULL;
  gboolean ok = ims_probe_sip ("127.0.0.1", port, &opts, NULL, &error);

  responder_stop (&r, thread);
  ck_assert (!ok);
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_TIMEOUT));
}
END_TEST

/* A tcase of @s with the per-test run-directory fixture. */
static TCase *
add_tcase (Suite *s, const gchar *name, gint timeout_s)
{
  TCase *tc = tcase_create (name);

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, timeout_s);
  suite_add_tcase (s, tc);
  return tc;
}

static Suite *
launcher_suite (void)
{
  Suite *s = suite_create ("ims-launcher");
  TCase *tc;

  tc = add_tcase (s, "core", 20);
  tcase_add_test (tc, test_start_ready_stop);
  tcase_add_test (tc, test_two_instances);

  tc = add_tcase (s, "executable", 20);
  tcase_add_test (tc, test_executable);
  tcase_add_test (tc, test_executable_killed);
  tcase_add_test (tc, test_executable_usage);

  tc = add_tcase (s, "errors", 20);
  tcase_add_test (tc, test_not_installed);
  tcase_add_test (tc, test_kamailio_fails);
  tcase_add_test (tc, test_port_in_use);
  tcase_add_test (tc, test_probe_nothing_listening);
  tcase_add_test (tc, test_probe_instance);
  tcase_add_test (tc, test_probe_ignores_garbage);
  return s;
}

int
main (void)
{
  return stbsim_test_run (launcher_suite ());
}
