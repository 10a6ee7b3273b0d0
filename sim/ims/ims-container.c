/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims"

#include "ims-container.h"
#include "stbsim-config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bounds (seconds) for the podman commands we wait for: the first image build runs
 * debootstrap and apt-get (~4 min measured); removal takes ~0.5 s. */
#define IMAGE_TIMEOUT_S "900"
#define REMOVE_TIMEOUT_S "30"

/* Podman as DESIGN.md 6 says: runc (crun cannot use hybrid cgroups here), cgroupfs. */
static const gchar *const podman_prefix[]
    = { "podman", "--runtime", "runc", "--cgroup-manager=cgroupfs", NULL };

static gchar *
script_path (void)
{
  const gchar *root = g_getenv ("STBSIM_SOURCE_ROOT");

  return g_build_filename (root && *root ? root : STBSIM_SOURCE_ROOT, "sim", "ims",
                           "container-image.sh", NULL);
}

gboolean
ims_container_available (GError **error)
{
  g_autofree gchar *podman = g_find_program_in_path ("podman");
  g_autofree gchar *runc = g_find_program_in_path ("runc");

  if (geteuid () != 0)
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_NOT_ROOT,
                   "the containerized IMS core needs root (rootful podman); run as root or use "
                   "the local Kamailio");
      return FALSE;
    }
  if (!podman || !runc)
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_CONTAINER,
                   "%s is not installed: apt-get install podman runc debootstrap "
                   "(ci/install-deps.sh)",
                   !podman ? "podman" : "runc");
      return FALSE;
    }
  return TRUE;
}

/* The last non-empty line of @text (transfer full). */
static gchar *
last_line (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);

  for (gint i = (gint)g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (*lines[i])
        return g_strdup (lines[i]);
    }
  return NULL;
}

gchar *
ims_container_ensure_image (GError **error)
{
  g_autofree gchar *script = script_path ();
  const gchar *argv[] = { "timeout", IMAGE_TIMEOUT_S, "sh", script, NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint status = 0;
  gchar *tag;

  if (!ims_container_available (error))
    return NULL;
  if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, error))
    {
      g_prefix_error (error, "running %s: ", script);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_strstrip (err);
      g_set_error (error, IMS_ERROR, IMS_ERROR_CONTAINER, "%s failed (%s %d, bound %s s): %s",
                   script, WIFEXITED (status) ? "exit status" : "signal",
                   WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status), IMAGE_TIMEOUT_S,
                   err);
      return NULL;
    }
  tag = last_line (out);
  if (!tag || !strchr (tag, ':'))
    {
      g_free (tag);
      g_set_error (error, IMS_ERROR, IMS_ERROR_CONTAINER, "%s printed no image tag", script);
      return NULL;
    }
  g_debug ("container image %s", tag);
  return tag;
}

gchar *
ims_container_make_name (guint16 port)
{
  return g_strdup_printf ("stbsim-ims-%d-%u-%04x", (int)getpid (), port, g_random_int () & 0xffff);
}

GStrv
ims_container_run_argv (const gchar *name, const gchar *image, const gchar *run_dir,
                        const gchar *config_path, guint16 port, const gchar *netns)
{
  g_autofree gchar *network
      = netns ? g_strdup_printf ("--network=ns:/run/netns/%s", netns) : g_strdup ("--network=host");
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree gchar *mount = g_strdup_printf ("%s:%s:ro", run_dir, run_dir);
  g_autofree gchar *env = g_strdup_printf ("STBSIM_SIP_PORT=%u", port);

  g_return_val_if_fail (name && image && run_dir && config_path, NULL);
  g_strv_builder_addv (b, (const char **)podman_prefix);
  g_strv_builder_add_many (b, "run", "--rm", "--name", name, network, "--ulimit",
                           "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "--env", env,
                           "--volume", mount, "--label", "org.stbsim.ims=1", "--pull=never", image,
                           "-f", config_path, NULL);
  return g_strv_builder_end (b);
}

static gboolean
share_path (const gchar *path, GError **error)
{
  GStatBuf st;

  if (g_stat (path, &st) < 0
      || g_chmod (path, (st.st_mode & 07777) | (S_ISDIR (st.st_mode) ? 0755 : 0644)) < 0)
    {
      int e = errno;
      g_set_error (error, IMS_ERROR, IMS_ERROR_RUN_DIR,
                   "cannot make %s readable for the container: %s", path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
ims_container_share_run_dir (const gchar *run_dir, GError **error)
{
  const gchar *sub[] = { "", "kamailio.cfg", "db", "db/subscriber", "db/version", NULL };

  for (guint i = 0; sub[i]; i++)
    {
      g_autofree gchar *path = g_build_filename (run_dir, sub[i], NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS) && !share_path (path, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ims_container_remove (const gchar *name)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_return_val_if_fail (name != NULL, FALSE);
  g_strv_builder_add_many (b, "timeout", REMOVE_TIMEOUT_S, NULL);
  g_strv_builder_addv (b, (const char **)podman_prefix);
  g_strv_builder_add_many (b, "rm", "--force", "--ignore", "--time", "1", name, NULL);
  argv = g_strv_builder_end (b);
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err, &status, &error))
    {
      g_message ("cannot run podman rm for container %s: %s", name, error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_message ("podman rm --force %s failed: %s", name, g_strstrip (err));
      return FALSE;
    }
  g_debug ("container %s removed", name);
  return TRUE;
}
