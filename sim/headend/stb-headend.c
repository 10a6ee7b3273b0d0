/* SPDX-License-Identifier: MIT */
/*
 * stb-headend: the simulated IPTV head-end. Live channels (videotestsrc + audiotestsrc,
 * H.264/AAC in MPEG-TS over RTP) to multicast groups inside a network namespace, or unicast
 * to 127.0.0.1; VOD assets (generated MP4) over RTSP.
 *
 *   stb-headend --lineup FILE --run-dir DIR [--rtsp-port N] [--netns NAME | --unicast]
 *               [--live-port-base N] [--no-fcc] [--fcc-port N] [--fcc-speed F] [--ready-fd N]
 *
 * READY rtsp=rtsp://127.0.0.1:PORT/vod/ live=multicast|unicast lineup=DIR/lineup.ini
 *       fcc=udp://127.0.0.1:PORT|off pid=PID
 *
 * Fast channel change (SPEC §14): unless --no-fcc, every live channel keeps its latest GOP
 * and bursts it on request (headend-fcc.c); the resolved lineup names the server in
 * `[live] fcc=udp://127.0.0.1:PORT`.
 */
#define _GNU_SOURCE /* setns */
#define G_LOG_DOMAIN "stb-headend"

#include "headend-lineup.h"
#include "headend-live.h"
#include "headend-vod.h"
#include "stbsim-proc.h"

#include <glib-unix.h>
#include <gst/gst.h>

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct
{
  gchar *lineup;
  gchar *run_dir;
  gint rtsp_port;
  gchar *netns;
  gboolean unicast;
  gint live_port_base;
  gint ready_fd;
  gboolean no_fcc;
  gint fcc_port;
  gdouble fcc_speed;
  gchar *fcc_fault;
} Options;

typedef struct
{
  GMainLoop *loop;
  gint exit_code;
} App;

static gboolean
run_ip (const gchar *const *argv, GError **error)
{
  g_autofree gchar *err_out = NULL;
  gint status = 0;

  if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err_out, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_autofree gchar *cmd = g_strjoinv (" ", (gchar **)argv);
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_NETNS, "`%s` failed: %s", cmd,
                   err_out ? g_strstrip (err_out) : "");
      return FALSE;
    }
  return TRUE;
}

/* Move this (still single-threaded) process into /run/netns/@name and enable multicast on
 * its loopback. Must run before anything creates a thread or a socket. */
static gboolean
enter_netns (const gchar *name, GError **error)
{
  g_autofree gchar *path = g_build_filename ("/run/netns", name, NULL);
  const gchar *up[] = { "ip", "link", "set", "lo", "up", "multicast", "on", NULL };
  const gchar *route[] = { "ip", "route", "replace", "224.0.0.0/4", "dev", "lo", NULL };
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || setns (fd, CLONE_NEWNET) != 0)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_NETNS,
                   "cannot enter network namespace %s: %s (create it with `ip netns add %s`;"
                   " needs root)",
                   path, g_strerror (errno), name);
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  close (fd);
  return run_ip (up, error) && run_ip (route, error);
}

static gboolean
on_signal (gpointer data)
{
  App *app = data;
  g_message ("terminating");
  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_live_error (const GError *error, gpointer data)
{
  App *app = data;
  g_printerr ("stb-headend: live channel failed: %s\n", error->message);
  app->exit_code = 1;
  g_main_loop_quit (app->loop);
}

static gboolean
parse_options (int *argc, char ***argv, Options *o, GError **error)
{
  GOptionEntry entries[]
      = { { "lineup", 0, 0, G_OPTION_ARG_FILENAME, &o->lineup,
            "Channel lineup (fixtures/lineup.ini)", "FILE" },
          { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->run_dir,
            "Run directory (assets, lineup copy)", "DIR" },
          { "rtsp-port", 0, 0, G_OPTION_ARG_INT, &o->rtsp_port, "RTSP port (0 = any free)", "N" },
          { "netns", 0, 0, G_OPTION_ARG_STRING, &o->netns,
            "Multicast inside this network namespace", "NAME" },
          { "unicast", 0, 0, G_OPTION_ARG_NONE, &o->unicast, "Unicast to 127.0.0.1 instead", NULL },
          { "live-port-base", 0, 0, G_OPTION_ARG_INT, &o->live_port_base,
            "Renumber live ports from N (0 = any free)", "N" },
          { "no-fcc", 0, 0, G_OPTION_ARG_NONE, &o->no_fcc,
            "No fast channel change (no burst server, no [live] fcc= in the lineup)", NULL },
          { "fcc-port", 0, 0, G_OPTION_ARG_INT, &o->fcc_port,
            "UDP port of the burst server on 127.0.0.1 (0 = any free)", "N" },
          { "fcc-speed", 0, 0, G_OPTION_ARG_DOUBLE, &o->fcc_speed,
            "Burst rate as a multiple of real time (default 8)", "F" },
          { "fcc-fault", 0, 0, G_OPTION_ARG_STRING, &o->fcc_fault,
            "Tests only: late-start or skip-packets bursts (headend-fcc.h)", "NAME" },
          { "ready-fd", 0, 0, G_OPTION_ARG_INT, &o->ready_fd, "Write READY to this fd", "N" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- simulated IPTV head-end");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (!o->lineup || !o->run_dir)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--lineup and --run-dir needed");
      return FALSE;
    }
  if (o->fcc_port < 0 || o->fcc_port > 65535 || o->fcc_speed < 0
      || (o->fcc_speed > 0 && o->fcc_speed <= 1.0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--fcc-port must be 0..65535 and --fcc-speed above 1 (faster than real time)");
      return FALSE;
    }
  return TRUE;
}

static void
decide_mode (Options *o)
{
  if (o->unicast)
    return;
  if (!o->netns)
    {
      g_message ("no --netns given: live channels go unicast to 127.0.0.1");
      o->unicast = TRUE;
    }
  else if (geteuid () != 0)
    {
      g_message ("not root: cannot use --netns %s, live channels go unicast", o->netns);
      o->unicast = TRUE;
    }
}

static int
serve (Options *o, App *app, GError **error)
{
  g_autoptr (HeadendLineup) lineup = headend_lineup_load (o->lineup, error);
  g_autofree gchar *asset_dir = g_build_filename (o->run_dir, "vod", NULL);
  g_autofree gchar *resolved = g_build_filename (o->run_dir, "lineup.ini", NULL);
  const gchar *iface = o->unicast ? NULL : "lo";
  g_autoptr (HeadendFcc) fcc = NULL;
  g_autoptr (HeadendVod) vod = NULL;
  g_autoptr (HeadendLive) live = NULL; /* freed first: its pipelines feed fcc */
  g_autofree gchar *fcc_uri = NULL;
  g_autofree gchar *ready = NULL;

  if (!lineup || !headend_lineup_resolve (lineup, o->unicast, o->live_port_base, error))
    return 1;
  if (!o->no_fcc)
    {
      if (!(fcc = headend_fcc_new ((guint16)o->fcc_port, o->fcc_speed, error))
          || (o->fcc_fault && !headend_fcc_set_fault (fcc, o->fcc_fault, error)))
        return 1;
      fcc_uri = g_strdup_printf ("udp://127.0.0.1:%u", headend_fcc_get_port (fcc));
      g_key_file_set_string (lineup->keyfile, "live", "fcc", fcc_uri);
    }
  if (!headend_lineup_write_resolved (lineup, resolved, iface, error)
      || !headend_vod_generate (lineup, asset_dir, error))
    return 1;
  vod = headend_vod_start (lineup, asset_dir, (guint)o->rtsp_port, error);
  if (!vod)
    return 1;
  live = headend_live_start (lineup, iface, fcc, on_live_error, app, error);
  if (!live)
    return 1;
  ready = g_strdup_printf ("READY rtsp=rtsp://127.0.0.1:%u/vod/ live=%s lineup=%s fcc=%s pid=%d",
                           headend_vod_get_port (vod), o->unicast ? "unicast" : "multicast",
                           resolved, fcc_uri ? fcc_uri : "off", (int)getpid ());
  g_message ("%s", ready);
  stbsim_ready_notify (o->ready_fd, ready);
  g_main_loop_run (app->loop);
  g_clear_pointer (&live, headend_live_free);
  return app->exit_code;
}

int
main (int argc, char **argv)
{
  Options o = { .rtsp_port = 0, .live_port_base = -1, .ready_fd = -1 };
  App app = { 0 };
  g_autoptr (GError) error = NULL;
  int rc;

  if (!parse_options (&argc, &argv, &o, &error))
    {
      g_printerr ("stb-headend: %s\n", error->message);
      return 2;
    }
  decide_mode (&o);
  if (!o.unicast && !enter_netns (o.netns, &error))
    {
      g_printerr ("stb-headend: %s\n", error->message);
      return 1;
    }
  gst_init (NULL, NULL);
  g_mkdir_with_parents (o.run_dir, 0755);
  app.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, &app);
  g_unix_signal_add (SIGINT, on_signal, &app);
  rc = serve (&o, &app, &error);
  if (error)
    g_printerr ("stb-headend: %s\n", error->message);
  g_main_loop_unref (app.loop);
  g_free (o.lineup);
  g_free (o.run_dir);
  g_free (o.netns);
  g_free (o.fcc_fault);
  return rc;
}
