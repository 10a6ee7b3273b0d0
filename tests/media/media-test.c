/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* setns */
#define G_LOG_DOMAIN "media-test"

#include "media-test.h"

#include "stbsim-test.h"

#include <gio/gio.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

gchar *
media_test_write_lineup (const gchar *dir, guint n_channels, guint gop_ms, guint vod_ms)
{
  g_autoptr (GString) s = g_string_new ("# written by tests/media\n");
  static const gchar *const patterns[] = { "smpte", "ball", "snow", "pinwheel" };
  gchar *path = g_build_filename (dir, "lineup.ini", NULL);

  for (guint i = 1; i <= n_channels; i++)
    g_string_append_printf (s,
                            "[channel %u]\nname=Test %u\npattern=%s\ngop_ms=%u\n"
                            "group=239.255.0.%u\nport=%u\n\n",
                            i, i, patterns[(i - 1) % G_N_ELEMENTS (patterns)], gop_ms, i,
                            5000 + 2 * i);
  g_string_append_printf (s,
                          "[vod clip]\ntitle=Clip\nduration_ms=%u\npattern=circular\n"
                          "gop_ms=1000\n",
                          vod_ms);
  g_assert_true (g_file_set_contents (path, s->str, -1, NULL));
  return path;
}

static gchar *
ready_value (const gchar *line, const gchar *key)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  g_autofree gchar *prefix = g_strconcat (key, "=", NULL);

  for (guint i = 0; words[i]; i++)
    if (g_str_has_prefix (words[i], prefix))
      return g_strdup (words[i] + strlen (prefix));
  return NULL;
}

gchar *
media_test_mkdtemp (const gchar *prefix)
{
  g_autofree gchar *tmpl = g_strdup_printf ("%s-XXXXXX", prefix);
  gchar *dir = g_dir_make_tmp (tmpl, NULL);

  g_assert_nonnull (dir);
  return dir;
}

MediaHeadend *
media_headend_start (const gchar *dir, const gchar *lineup_path, const gchar *netns, GError **error)
{
  return media_headend_start_args (dir, lineup_path, netns, NULL, error);
}

MediaHeadend *
media_headend_start_args (const gchar *dir, const gchar *lineup_path, const gchar *netns,
                          const gchar *const *extra, GError **error)
{
  MediaHeadend *he = g_new0 (MediaHeadend, 1);
  g_autofree gchar *exe = stbsim_test_build_path ("sim/headend/stb-headend");
  g_autofree gchar *run = g_build_filename (dir, "headend", NULL);
  g_autofree gchar *log = g_build_filename (dir, "headend.log", NULL);
  g_autofree gchar *line = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (gpointer) "--lineup");
  g_ptr_array_add (argv, (gpointer)lineup_path);
  g_ptr_array_add (argv, (gpointer) "--run-dir");
  g_ptr_array_add (argv, run);
  g_ptr_array_add (argv, (gpointer) "--rtsp-port");
  g_ptr_array_add (argv, (gpointer) "0");
  if (netns)
    {
      g_ptr_array_add (argv, (gpointer) "--netns");
      g_ptr_array_add (argv, (gpointer)netns);
    }
  else
    {
      g_ptr_array_add (argv, (gpointer) "--unicast");
      g_ptr_array_add (argv, (gpointer) "--live-port-base");
      g_ptr_array_add (argv, (gpointer) "0");
    }
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, (gpointer)extra[i]);
  g_ptr_array_add (argv, NULL);
  StbsimProcOptions opts = { .name = "stb-headend", .log_path = log, .ready_fd = TRUE };

  he->dir = g_strdup (dir);
  he->proc = stbsim_proc_spawn ((const gchar *const *)argv->pdata, &opts, error);
  line = he->proc ? stbsim_proc_wait_ready (he->proc, 60000, error) : NULL;
  if (line)
    {
      he->rtsp = ready_value (line, "rtsp");
      he->lineup = ready_value (line, "lineup");
    }
  if (!he->rtsp || !he->lineup)
    {
      g_autofree gchar *text = stbsim_test_read_file (log, 0);

      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "bad READY line: %s", line);
      g_prefix_error (error, "stb-headend log:\n%s\n", text);
      media_headend_stop (he);
      return NULL;
    }
  return he;
}

gint
media_headend_stop (MediaHeadend *he)
{
  gint status;

  if (!he)
    return 0;
  status = he->proc ? stbsim_proc_stop (he->proc, 5000) : 0;
  g_clear_pointer (&he->proc, stbsim_proc_free);
  g_free (he->dir);
  g_free (he->rtsp);
  g_free (he->lineup);
  g_free (he);
  return status;
}

static gboolean
on_elapsed (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

void
media_test_run_for (guint ms)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (ms, on_elapsed, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void)id;
}

static guint
count_dir (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

guint
media_test_count_fds (void)
{
  return count_dir ("/proc/self/fd");
}

guint
media_test_count_threads (void)
{
  return count_dir ("/proc/self/task");
}

/* TRUE if a socket whose inode is @inode is one of this process's fds. */
static gboolean
own_socket (guint64 inode)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autofree gchar *want = g_strdup_printf ("socket:[%" G_GUINT64_FORMAT "]", inode);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree gchar *target = g_file_read_link (path, NULL);

      if (target && g_str_equal (target, want))
        return TRUE;
    }
  return FALSE;
}

/* Only this process's sockets count: other test programs run side by side in the same
 * network namespace and may be handed the same port number right after we release it. */
gboolean
media_test_udp_port_bound (guint16 port)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/net/udp", &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  /* "  sl  local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
   *  inode": 0100007F:1F90 ... 12345 */
  for (guint i = 1; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr (GPtrArray) fields = g_ptr_array_new ();
      const gchar *colon;

      for (guint k = 0; f[k]; k++)
        if (*f[k])
          g_ptr_array_add (fields, f[k]);
      if (fields->len < 10)
        continue;
      colon = strchr (g_ptr_array_index (fields, 1), ':');
      if (colon && g_ascii_strtoull (colon + 1, NULL, 16) == port
          && own_socket (g_ascii_strtoull (g_ptr_array_index (fields, 9), NULL, 10)))
        return TRUE;
    }
  return FALSE;
}

gboolean
media_test_igmp_joined (const gchar *group)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *hex = NULL;
  guint a, b, c, d;

  if (sscanf (group, "%u.%u.%u.%u", &a, &b, &c, &d) != 4
      || !g_file_get_contents ("/proc/self/net/igmp", &text, NULL, NULL))
    return FALSE;
  hex = g_strdup_printf ("%02X%02X%02X%02X", d, c, b, a); /* host order on x86 */
  return strstr (text, hex) != NULL;
}

typedef struct
{
  const gchar *path;
  const gchar *text;
} LogWait;

static gboolean
log_has (gpointer data)
{
  LogWait *w = data;
  g_autofree gchar *text = NULL;

  return g_file_get_contents (w->path, &text, NULL, NULL) && strstr (text, w->text);
}

gboolean
media_test_wait_log (const gchar *path, const gchar *text, guint timeout_ms)
{
  LogWait w = { path, text };

  return stbsim_test_wait_until (NULL, log_has, &w, (gint)timeout_ms);
}

static gboolean
run_ip (const gchar *const *argv, GError **error)
{
  gint status = 0;
  g_autofree gchar *err = NULL;

  if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s %s: %s", argv[0], argv[1], argv[2],
                   err ? err : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
media_netns_add (const gchar *name, GError **error)
{
  const gchar *argv[] = { "ip", "netns", "add", name, NULL };
  return run_ip (argv, error);
}

void
media_netns_del (const gchar *name)
{
  const gchar *argv[] = { "ip", "netns", "del", name, NULL };
  run_ip (argv, NULL);
}

gboolean
media_netns_enter (const gchar *name, GError **error)
{
  g_autofree gchar *path = g_build_filename ("/run/netns", name, NULL);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int rc = fd < 0 ? -1 : setns (fd, CLONE_NEWNET);

  if (fd >= 0)
    close (fd);
  if (rc != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "setns %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gchar *
media_test_fd_list (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  GString *s = g_string_new (NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree gchar *target = g_file_read_link (path, NULL);
      g_string_append_printf (s, "%s->%s ", name, target ? target : "?");
    }
  return g_string_free (s, FALSE);
}

/* ---- libcheck fixture ------------------------------------------------------------------ */

#define FIRST_FRAME_TIMEOUT_MS 15000

static void
on_fixture_first_frame (StbPlayer *player, gint64 t_ns, const gchar *what, gpointer data)
{
  MediaFixture *fx = data;

  fx->frames++;
  fx->last_t_ns = t_ns;
  g_free (fx->last_what);
  fx->last_what = g_strdup (what);
}

static void
on_fixture_error (StbPlayer *player, const GError *error, gpointer data)
{
  MediaFixture *fx = data;

  fx->errors++;
  g_message ("player error: %s", error->message);
}

void
media_fixture_new_player (MediaFixture *fx, const StbPlayerConfig *cfg)
{
  static const StbPlayerCallbacks callbacks = { on_fixture_first_frame, on_fixture_error, NULL };
  g_autoptr (GError) error = NULL;
  StbPlayerConfig c = { 0 };

  if (cfg)
    c = *cfg;
  if (!c.lineup_path)
    c.lineup_path = fx->he->lineup;
  if (!c.vod_base_uri)
    c.vod_base_uri = fx->he->rtsp;
  if (!c.snapshot_dir)
    c.snapshot_dir = fx->dir;
  g_clear_pointer (&fx->player, stb_player_free);
  fx->player = stb_player_new (&c, &callbacks, fx, &error);
  ck_assert_msg (fx->player != NULL, "%s", error ? error->message : "?");
}

void
media_fixture_start (MediaFixture *fx, const gchar *prefix, const gchar *netns, guint gop_ms,
                     guint vod_ms, const gchar *const *extra, const StbPlayerConfig *cfg)
{
  g_autofree gchar *lineup = NULL;
  g_autoptr (GError) error = NULL;

  if (!fx->dir)
    fx->dir = stbsim_test_mkdtemp (prefix);
  lineup = media_test_write_lineup (fx->dir, 2, gop_ms, vod_ms);
  fx->he = media_headend_start_args (fx->dir, lineup, netns, extra, &error);
  ck_assert_msg (fx->he != NULL, "%s", error ? error->message : "?");
  media_fixture_new_player (fx, cfg);
}

void
media_fixture_stop (MediaFixture *fx)
{
  g_clear_pointer (&fx->player, stb_player_free);
  if (fx->he)
    media_headend_stop (g_steal_pointer (&fx->he));
}

void
media_fixture_teardown (MediaFixture *fx)
{
  media_fixture_stop (fx);
  if (fx->netns)
    media_netns_del (fx->netns);
  g_clear_pointer (&fx->netns, g_free);
  if (fx->dir && !g_getenv ("MEDIA_TEST_KEEP"))
    stbsim_test_rmtree (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
  g_clear_pointer (&fx->last_what, g_free);
  fx->frames = fx->errors = 0;
  fx->last_t_ns = 0;
}

void
media_fixture_expect_first_frame (MediaFixture *fx, const gchar *what)
{
  ck_assert_msg (stbsim_test_wait_count (NULL, &fx->frames, fx->frames + 1, FIRST_FRAME_TIMEOUT_MS),
                 "no first frame for %s within %d ms (errors: %u)", what, FIRST_FRAME_TIMEOUT_MS,
                 fx->errors);
  ck_assert_str_eq (fx->last_what, what);
  ck_assert_int_gt (fx->last_t_ns, 0);
}
