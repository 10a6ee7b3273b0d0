/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims"

#include "ims-launcher.h"
#include "ims-container.h"
#include "ims-netns.h"
#include "ims-probe.h"
#include "stbsim-config.h"
#include "stbsim-proc.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#define STOP_TIMEOUT_MS 3000
/* podman run forwards SIGTERM; Kamailio's exit_timeout is 2 s, then the container goes. */
#define CONTAINER_STOP_TIMEOUT_MS 8000
#define CONTAINER_READY_TIMEOUT_MS 30000
#define PORT_ATTEMPTS 3

struct _ImsCore
{
  gchar *run_dir;
  gchar *config_path;
  gchar *log_path;
  gchar *domain;
  gchar *address;
  gchar *stb_address;
  guint16 port;
  gchar *instance;
  GPtrArray *subscribers;
  ImsNetns *netns;
  StbsimProc *proc;
  gchar *image;     /* container mode: the image tag */
  gchar *container; /* container mode: this attempt's container name */
  gint64 startup_ns;
  gboolean stopped;
  gint stop_status;
};

/* ---- paths and programs ---- */

static gchar *
source_path (const gchar *rel)
{
  const gchar *root = g_getenv ("STBSIM_SOURCE_ROOT");

  return g_build_filename (root && *root ? root : STBSIM_SOURCE_ROOT, rel, NULL);
}

static gchar *
find_kamailio (const gchar *requested, GError **error)
{
  const gchar *env = g_getenv ("STBSIM_KAMAILIO");
  const gchar *name = requested ? requested : (env && *env ? env : "kamailio");
  gchar *path;

  if (strchr (name, '/'))
    path = g_file_test (name, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (name) : NULL;
  else
    {
      path = g_find_program_in_path (name);
      if (!path)
        {
          g_autofree gchar *sbin = g_build_filename ("/usr/sbin", name, NULL);
          if (g_file_test (sbin, G_FILE_TEST_IS_EXECUTABLE))
            path = g_steal_pointer (&sbin);
        }
    }
  if (!path)
    g_set_error (error, IMS_ERROR, IMS_ERROR_NOT_INSTALLED,
                 "Kamailio not found (\"%s\" in PATH or /usr/sbin): install the `kamailio` "
                 "package (ci/install-deps.sh) or point STBSIM_KAMAILIO at the binary",
                 name);
  return path;
}

static gboolean
prepare_run_dir (ImsCore *core, const gchar *requested, GError **error)
{
  if (requested)
    {
      if (g_mkdir_with_parents (requested, 0755) < 0)
        {
          int e = errno;
          g_set_error (error, IMS_ERROR, IMS_ERROR_RUN_DIR, "cannot create run directory %s: %s",
                       requested, g_strerror (e));
          return FALSE;
        }
      core->run_dir = g_canonicalize_filename (requested, NULL);
    }
  else
    {
      core->run_dir = g_dir_make_tmp ("stbsim-ims-XXXXXX", error);
      if (!core->run_dir)
        {
          g_prefix_error (error, "run directory: ");
          return FALSE;
        }
    }
  core->config_path = g_build_filename (core->run_dir, "kamailio.cfg", NULL);
  core->log_path = g_build_filename (core->run_dir, "kamailio.log", NULL);
  /* A fresh log per start: the messages we quote must be this run's. */
  if (!g_file_set_contents (core->log_path, "", 0, error))
    {
      g_prefix_error (error, "run directory %s: ", core->run_dir);
      return FALSE;
    }
  return TRUE;
}

/* ---- rendering ---- */

static gboolean
render (ImsCore *core, const ImsOptions *options, GError **error)
{
  g_autofree gchar *template_path = options->config_template
                                        ? g_strdup (options->config_template)
                                        : source_path ("sim/ims/kamailio.cfg.in");
  g_autofree gchar *db_dir = g_build_filename (core->run_dir, "db", NULL);
  g_autoptr (GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  if (!ims_provision_db (core->subscribers, core->domain, db_dir, error))
    return FALSE;
  g_hash_table_insert (vars, "LISTEN_ADDR", g_strdup (core->address));
  g_hash_table_insert (vars, "LISTEN_PORT", g_strdup_printf ("%u", core->port));
  g_hash_table_insert (vars, "DOMAIN", g_strdup (core->domain));
  g_hash_table_insert (vars, "DB_URL", g_strconcat ("text://", db_dir, NULL));
  g_hash_table_insert (vars, "CHILDREN",
                       g_strdup_printf ("%u", options->children ? options->children : 1));
  g_hash_table_insert (vars, "DEBUG", g_strdup_printf ("%d", options->debug ? options->debug : 2));
  g_hash_table_insert (vars, "INSTANCE", g_strdup (core->instance));
  return ims_render_file (template_path, core->config_path, vars, error);
}

/* ---- the Kamailio process ---- */

/* Up to @max lines of the log that look like errors, for the error message. */
static gchar *
log_excerpt (const gchar *log_path, guint max)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  guint n = 0, found = 0;

  if (!g_file_get_contents (log_path, &text, NULL, NULL))
    return g_strdup ("");
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  for (guint i = 0; i < n && found < max; i++)
    if (strstr (lines[i], "ERROR") || strstr (lines[i], "CRITICAL") || strstr (lines[i], "error"))
      {
        g_string_append_printf (out, "\n  | %s", lines[i]);
        found++;
      }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
spawn_argv (ImsCore *core, GPtrArray *argv, GError **error)
{
  StbsimProcOptions popts = { .name = core->image ? "podman run" : "kamailio",
                              .log_path = core->log_path,
                              .cwd = core->run_dir };

  core->proc = stbsim_proc_spawn ((const gchar *const *)argv->pdata, &popts, error);
  if (!core->proc)
    {
      g_prefix_error (error, "starting Kamailio: ");
      if (error && *error)
        {
          (*error)->domain = IMS_ERROR;
          (*error)->code = IMS_ERROR_START;
        }
      return FALSE;
    }
  return TRUE;
}

static gboolean
spawn_kamailio (ImsCore *core, const gchar *kamailio, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *setpriv = g_find_program_in_path ("setpriv");

  if (core->netns && !core->image) /* a container joins the namespace itself (--network=ns:) */
    {
      g_auto (GStrv) prefix = ims_netns_exec_prefix (ims_netns_get_ims_name (core->netns), error);
      if (!prefix)
        return FALSE;
      for (guint i = 0; prefix[i]; i++)
        g_ptr_array_add (argv, g_strdup (prefix[i]));
    }
  /* If we die, Kamailio's main process gets SIGTERM (not stbsim_proc's SIGKILL) so that it
   * takes its worker processes down with it; SIGKILL would orphan them on the port. */
  if (setpriv)
    {
      g_ptr_array_add (argv, g_strdup (setpriv));
      g_ptr_array_add (argv, g_strdup ("--pdeathsig"));
      g_ptr_array_add (argv, g_strdup ("TERM"));
    }
  if (core->image)
    {
      g_auto (GStrv) run = ims_container_run_argv (
          core->container, core->image, core->run_dir, core->config_path, core->port,
          core->netns ? ims_netns_get_ims_name (core->netns) : NULL);
      for (guint i = 0; run[i]; i++)
        g_ptr_array_add (argv, g_strdup (run[i]));
      g_ptr_array_add (argv, NULL);
      return spawn_argv (core, argv, error);
    }
  g_ptr_array_add (argv, g_strdup (kamailio));
  g_ptr_array_add (argv, g_strdup ("-f"));
  g_ptr_array_add (argv, g_strdup (core->config_path));
  g_ptr_array_add (argv, g_strdup ("-DD"));
  g_ptr_array_add (argv, g_strdup ("-E"));
  g_ptr_array_add (argv, g_strdup ("-w"));
  g_ptr_array_add (argv, g_strdup (core->run_dir));
  g_ptr_array_add (argv, g_strdup ("-Y"));
  g_ptr_array_add (argv, g_strdup (core->run_dir));
  g_ptr_array_add (argv, NULL);
  return spawn_argv (core, argv, error);
}

static gboolean
on_probe_alive (gpointer data, GError **error)
{
  ImsCore *core = data;
  gint status;

  if (!stbsim_proc_poll_exit (core->proc, &status))
    return TRUE;
  {
    g_autofree gchar *excerpt = log_excerpt (core->log_path, 5);
    g_set_error (
        error, IMS_ERROR, IMS_ERROR_START, "Kamailio (pid %d) %s %d during startup; see %s%s",
        (int)stbsim_proc_get_pid (core->proc),
        WIFEXITED (status) ? "exited with status" : "was killed by signal",
        WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status), core->log_path, excerpt);
  }
  return FALSE;
}

static gboolean
wait_ready (ImsCore *core, gint timeout_ms, gint64 spawned_ns, GError **error)
{
  ImsProbeOptions popts = {
    .netns = core->netns ? ims_netns_get_stb_name (core->netns) : NULL,
    .instance = core->instance,
    .timeout_ms = timeout_ms,
    .interval_ms = 20,
    .alive = on_probe_alive,
    .alive_data = core,
  };
  ImsProbeResult result = { 0 };

  if (!ims_probe_sip (core->address, core->port, &popts, &result, error))
    {
      if (error && *error && (*error)->code == IMS_ERROR_TIMEOUT)
        g_prefix_error (error, "Kamailio (pid %d) not ready: see %s: ",
                        (int)stbsim_proc_get_pid (core->proc), core->log_path);
      return FALSE;
    }
  core->startup_ns = stbsim_now_ns () - spawned_ns;
  g_message ("Kamailio pid %d ready on %s:%u after %.1f ms (%u probes, answer %d)",
             (int)stbsim_proc_get_pid (core->proc), core->address, core->port,
             core->startup_ns / 1e6, result.attempts, result.status);
  return TRUE;
}

/* A container is removed by name first (`podman rm --force --time 1`: SIGTERM to Kamailio,
 * SIGKILL after 1 s), which ends `podman run`; then (or locally) SIGTERM, bounded. */
static gint
stop_kamailio (ImsCore *core)
{
  gint status;

  if (core->container)
    ims_container_remove (core->container);
  status = stbsim_proc_stop (core->proc, core->image ? CONTAINER_STOP_TIMEOUT_MS : STOP_TIMEOUT_MS);
  if (core->container) /* podman run killed before it started the container: nothing left */
    ims_container_remove (core->container);
  return status;
}

/* One attempt on one port: render, spawn, probe. Leaves nothing running on failure. */
static gboolean
start_once (ImsCore *core, const ImsOptions *options, const gchar *kamailio, GError **error)
{
  gint64 spawned_ns;

  g_free (core->instance);
  core->instance = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  if (!render (core, options, error))
    return FALSE;
  if (core->image)
    {
      g_free (core->container);
      core->container = ims_container_make_name (core->port);
      if (!ims_container_share_run_dir (core->run_dir, error))
        return FALSE;
    }
  spawned_ns = stbsim_now_ns ();
  if (!spawn_kamailio (core, kamailio, error))
    return FALSE;
  if (wait_ready (core,
                  options->ready_timeout_ms > 0 ? options->ready_timeout_ms
                  : core->image                 ? CONTAINER_READY_TIMEOUT_MS
                                                : 5000,
                  spawned_ns, error))
    return TRUE;
  stop_kamailio (core);
  g_clear_pointer (&core->proc, stbsim_proc_free);
  return FALSE;
}

/* Did the start fail because the picked port got used by someone else in between? Either
 * another server answers there, or Kamailio could not bind it (its log line is quoted). */
static gboolean
port_taken (const GError *error)
{
  return g_error_matches (error, IMS_ERROR, IMS_ERROR_PROTOCOL)
         || (g_error_matches (error, IMS_ERROR, IMS_ERROR_START)
             && strstr (error->message, "Address already in use"));
}

static gboolean
choose_address (ImsCore *core, const ImsOptions *options, GError **error)
{
  if (options->netns)
    {
      core->netns = ims_netns_create (error);
      if (!core->netns)
        return FALSE;
      core->address = g_strdup (IMS_NETNS_IMS_ADDR);
      core->stb_address = g_strdup (IMS_NETNS_STB_ADDR);
      return TRUE;
    }
  core->address = g_strdup ("127.0.0.1");
  core->stb_address = g_strdup ("127.0.0.1");
  return TRUE;
}

ImsCore *
ims_core_start (const ImsOptions *options, GError **error)
{
  ImsOptions defaults = { 0 };
  g_autoptr (ImsCore) core = g_new0 (ImsCore, 1);
  g_autofree gchar *kamailio = NULL;
  g_autofree gchar *csv = NULL;

  if (!options)
    options = &defaults;
  core->domain = g_strdup (options->domain ? options->domain : IMS_DEFAULT_DOMAIN);
  if (options->container)
    core->image = options->container_image ? g_strdup (options->container_image)
                                           : ims_container_ensure_image (error);
  else
    kamailio = find_kamailio (options->kamailio, error);
  if (!kamailio && !core->image)
    return NULL;
  csv = options->subscribers ? g_strdup (options->subscribers)
                             : source_path ("fixtures/subscribers.csv");
  core->subscribers = ims_subscribers_load (csv, error);
  if (!core->subscribers || !prepare_run_dir (core, options->run_dir, error)
      || !choose_address (core, options, error))
    return NULL;

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr (GError) local = NULL;
      gboolean auto_port = options->port == 0 && !core->netns;

      core->port = options->port ? options->port : core->netns ? 5060 : 0;
      if (core->port == 0 && !(core->port = ims_pick_udp_port (core->address, error)))
        return NULL;
      if (start_once (core, options, kamailio, &local))
        break;
      if (!(auto_port && attempt < PORT_ATTEMPTS && port_taken (local)))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_message ("port %u was taken meanwhile (%s); retrying on another port", core->port,
                 local->message);
    }
  return g_steal_pointer (&core);
}

gint
ims_core_stop (ImsCore *core)
{
  g_return_val_if_fail (core != NULL, -1);
  if (core->proc && !core->stopped)
    {
      core->stopped = TRUE;
      core->stop_status = stop_kamailio (core);
    }
  g_clear_pointer (&core->netns, ims_netns_destroy);
  return core->stop_status;
}

void
ims_core_free (ImsCore *core)
{
  if (!core)
    return;
  ims_core_stop (core);
  g_clear_pointer (&core->proc, stbsim_proc_free);
  g_clear_pointer (&core->subscribers, g_ptr_array_unref);
  g_free (core->run_dir);
  g_free (core->config_path);
  g_free (core->log_path);
  g_free (core->domain);
  g_free (core->address);
  g_free (core->stb_address);
  g_free (core->instance);
  g_free (core->image);
  g_free (core->container);
  g_free (core);
}

const gchar *
ims_core_get_address (ImsCore *core)
{
  return core->address;
}

guint16
ims_core_get_port (ImsCore *core)
{
  return core->port;
}

const gchar *
ims_core_get_domain (ImsCore *core)
{
  return core->domain;
}

GPid
ims_core_get_pid (ImsCore *core)
{
  return core->proc ? stbsim_proc_get_pid (core->proc) : 0;
}

const gchar *
ims_core_get_run_dir (ImsCore *core)
{
  return core->run_dir;
}

const gchar *
ims_core_get_log_path (ImsCore *core)
{
  return core->log_path;
}

const gchar *
ims_core_get_config_path (ImsCore *core)
{
  return core->config_path;
}

const gchar *
ims_core_get_container (ImsCore *core)
{
  return core->container;
}

const gchar *
ims_core_get_image (ImsCore *core)
{
  return core->image;
}

const gchar *
ims_core_get_netns (ImsCore *core)
{
  return core->netns ? ims_netns_get_stb_name (core->netns) : NULL;
}

const gchar *
ims_core_get_stb_address (ImsCore *core)
{
  return core->stb_address;
}

gint64
ims_core_get_startup_ns (ImsCore *core)
{
  return core->startup_ns;
}

GPtrArray *
ims_core_get_subscribers (ImsCore *core)
{
  return core->subscribers;
}

gboolean
ims_core_has_exited (ImsCore *core, gint *wait_status)
{
  return core->proc && !core->stopped && stbsim_proc_poll_exit (core->proc, wait_status);
}

gchar *
ims_core_describe (ImsCore *core)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "sip=%s:%u domain=%s pid=%d run_dir=%s log=%s", core->address,
                          core->port, core->domain, (int)ims_core_get_pid (core), core->run_dir,
                          core->log_path);
  if (core->netns)
    g_string_append_printf (out, " netns=%s stb_addr=%s ims_netns=%s",
                            ims_netns_get_stb_name (core->netns), core->stb_address,
                            ims_netns_get_ims_name (core->netns));
  if (core->container)
    g_string_append_printf (out, " container=%s image=%s", core->container, core->image);
  g_string_append_printf (out, " startup_ms=%.1f", core->startup_ns / 1e6);
  return g_string_free (out, FALSE);
}
