/* SPDX-License-Identifier: MIT */
/*
 * stbsim-ims: run the test IMS core (one Kamailio) in the foreground.
 *
 *   stbsim-ims [--run-dir DIR] [--port N] [--subscribers CSV] [--netns] [--container [--image T]]
 *              [--ready-fd N]
 *
 * Prints (and writes to --ready-fd) one line once Kamailio answers SIP:
 *   READY sip=127.0.0.1:PORT domain=ims.test pid=PID run_dir=DIR log=LOG [netns=NS ...]
 *         [container=NAME image=TAG]
 * then stays until SIGTERM/SIGINT and stops Kamailio (and removes the namespaces).
 * Exit codes: 0 stopped on request, 1 could not start, 2 usage, 3 Kamailio died.
 */
#define G_LOG_DOMAIN "stbsim-ims"

#include "ims-launcher.h"
#include "stbsim-config.h"
#include "stbsim-proc.h"

#include <glib-unix.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

typedef struct
{
  GMainLoop *loop;
  ImsCore *core;
  gint exit_code;
} App;

static gboolean
on_signal_quit (gpointer data)
{
  App *app = data;

  if (app->core)
    g_message ("stopping Kamailio (pid %d%s%s)", (int)ims_core_get_pid (app->core),
               ims_core_get_container (app->core) ? ", container " : "",
               ims_core_get_container (app->core) ? ims_core_get_container (app->core) : "");
  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog_tick (gpointer data)
{
  App *app = data;
  gint status;

  if (!ims_core_has_exited (app->core, &status))
    return G_SOURCE_CONTINUE;
  g_printerr ("stbsim-ims: Kamailio (pid %d) %s %d; see %s\n", (int)ims_core_get_pid (app->core),
              WIFEXITED (status) ? "exited with status" : "was killed by signal",
              WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status),
              ims_core_get_log_path (app->core));
  app->exit_code = 3;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gchar *run_dir, *subscribers, *config, *kamailio, *domain, *image;
  gint port, ready_fd, children, debug, timeout_ms;
  gboolean netns, container, version;
} Args;

static void
args_clear (Args *args)
{
  g_free (args->run_dir);
  g_free (args->subscribers);
  g_free (args->config);
  g_free (args->kamailio);
  g_free (args->domain);
  g_free (args->image);
}

/* 0 = go on, else the exit code. */
static gint
parse_args (Args *args, int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->run_dir,
      "Run directory (default: a new one under $TMPDIR)", "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &args->port,
      "UDP port (default: a free one; 5060 with --netns)", "N" },
    { "subscribers", 0, 0, G_OPTION_ARG_FILENAME, &args->subscribers,
      "Subscribers CSV (default: fixtures/subscribers.csv)", "CSV" },
    { "netns", 0, 0, G_OPTION_ARG_NONE, &args->netns,
      "Run Kamailio in a private network namespace pair (root)", NULL },
    { "container", 0, 0, G_OPTION_ARG_NONE, &args->container,
      "Run Kamailio in a podman container (root; image from sim/ims/container-image.sh)", NULL },
    { "image", 0, 0, G_OPTION_ARG_STRING, &args->image,
      "Container image to run (default: made or updated by sim/ims/container-image.sh)", "TAG" },
    { "ready-fd", 0, 0, G_OPTION_ARG_INT, &args->ready_fd, "Write the READY line to this fd", "N" },
    { "config-template", 0, 0, G_OPTION_ARG_FILENAME, &args->config,
      "Config template (default: sim/ims/kamailio.cfg.in)", "FILE" },
    { "kamailio", 0, 0, G_OPTION_ARG_FILENAME, &args->kamailio,
      "Kamailio binary (default: $STBSIM_KAMAILIO or kamailio)", "PATH" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &args->domain,
      "SIP domain and digest realm (default: ims.test)", "D" },
    { "children", 0, 0, G_OPTION_ARG_INT, &args->children, "UDP worker processes (default 1)",
      "N" },
    { "debug", 0, 0, G_OPTION_ARG_INT, &args->debug, "Kamailio debug level (default 2)", "L" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &args->timeout_ms,
      "Readiness timeout in ms (default 5000; 30000 with --container)", "MS" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &args->version, "Print the version", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- run the stbsim test IMS core (Kamailio)");
  g_autoptr (GError) error = NULL;

  args->ready_fd = -1;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("stbsim-ims: %s\n", error->message);
      return 2;
    }
  if (args->version)
    {
      g_print ("stbsim-ims %s\n", STBSIM_VERSION);
      return -1;
    }
  if (args->port < 0 || args->port > 65535 || args->children < 0 || args->timeout_ms < 0)
    {
      g_printerr ("stbsim-ims: --port must be 0..65535, --children >= 0, --timeout > 0\n");
      return 2;
    }
  if (args->image && !args->container)
    {
      g_printerr ("stbsim-ims: --image needs --container\n");
      return 2;
    }
  return 0;
}

static ImsCore *
start_core (const Args *args, GError **error)
{
  ImsOptions options = {
    .run_dir = args->run_dir,
    .subscribers = args->subscribers,
    .config_template = args->config,
    .kamailio = args->kamailio,
    .domain = args->domain,
    .port = (guint16)args->port,
    .children = (guint)args->children,
    .debug = args->debug,
    .ready_timeout_ms = args->timeout_ms,
    .netns = args->netns,
    .container = args->container,
    .container_image = args->image,
  };

  return ims_core_start (&options, error);
}

int
main (int argc, char **argv)
{
  Args args = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ready = NULL, *desc = NULL;
  App app = { 0 };
  gint rc = parse_args (&args, &argc, &argv);

  if (rc != 0)
    {
      args_clear (&args);
      return rc < 0 ? 0 : rc;
    }
  /* Catch SIGTERM from the start: a stop during startup is handled once we run. */
  app.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal_quit, &app);
  g_unix_signal_add (SIGINT, on_signal_quit, &app);
  g_unix_signal_add (SIGHUP, on_signal_quit, &app);
  app.core = start_core (&args, &error);
  if (!app.core)
    {
      g_printerr ("stbsim-ims: %s\n", error->message);
      g_main_loop_unref (app.loop);
      args_clear (&args);
      return 1;
    }
  desc = ims_core_describe (app.core);
  ready = g_strconcat ("READY ", desc, NULL);
  g_print ("%s\n", ready);
  fflush (stdout);
  stbsim_ready_notify (args.ready_fd, ready);

  g_timeout_add (100, on_watchdog_tick, &app);
  g_main_loop_run (app.loop);

  ims_core_free (app.core);
  g_main_loop_unref (app.loop);
  args_clear (&args);
  return app.exit_code;
}
