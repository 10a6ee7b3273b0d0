/* SPDX-License-Identifier: MIT */
/* The IPTV player against a real stb-headend: live (unicast and multicast in a network
 * namespace), VOD over RTSP with pause/resume/seek, snapshots, clean shutdown. */
#define G_LOG_DOMAIN "check-stb-player"

#include "media-test.h"
#include "stb-player.h"
#include "stbsim-test.h"

#include <gst/gst.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VOD_GOP_MS 1000

static MediaFixture fx;

static void
start_all (const gchar *netns, guint gop_ms)
{
  media_fixture_start (&fx, "check-stb-player", netns, gop_ms, 20000, NULL, NULL);
}

static void
teardown (void)
{
  media_fixture_teardown (&fx);
}

static void
expect_first_frame (const gchar *what)
{
  media_fixture_expect_first_frame (&fx, what);
}

static gboolean
snapshot_taken (gpointer data)
{
  return stb_player_snapshot (fx.player, data, NULL);
}

/* The sink renders the first frame a little after it left the decoder (clock sync). */
static void
expect_png (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *file = g_strconcat (name, ".png", NULL);
  g_autofree gchar *path = g_build_filename (fx.dir, file, NULL);
  g_autofree gchar *data = NULL;
  gsize len = 0;

  if (!stbsim_test_wait_until (NULL, snapshot_taken, (gpointer)name, 5000))
    ck_assert_msg (stb_player_snapshot (fx.player, name, &error), "snapshot: %s",
                   error ? error->message : "?");
  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  ck_assert_uint_gt (len, 8);
  ck_assert (memcmp (data, "\x89PNG", 4) == 0);
}

/* ---- live ---------------------------------------------------------------------------- */

START_TEST (test_live_first_frame_and_zap)
{
  g_autoptr (GError) error = NULL;

  start_all (NULL, 500);
  ck_assert_msg (stb_player_play_live (fx.player, 1, &error), "%s", error ? error->message : "");
  expect_first_frame ("live:1");
  expect_png ("live-1");
  ck_assert (stb_player_play_live (fx.player, 2, &error));
  expect_first_frame ("live:2");
  ck_assert_int_eq (stb_player_get_position_ms (fx.player), -1);
  /* pause leaves, resume rejoins the same channel */
  ck_assert (stb_player_pause (fx.player, &error));
  ck_assert (stb_player_resume (fx.player, &error));
  expect_first_frame ("live:2");
  stb_player_stop (fx.player);
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

/* A long GOP: the next key frame can be most of 8 s away, and until it is decoded the audio
 * sink holds its first buffer. A plain join must still show the picture: the audio queue may
 * not fill and block the demuxer (before the fix, about half the joins at GOP 4 s never did;
 * two joins at GOP 8 s catch that about 19 times in 20). */
START_TEST (test_live_long_gop)
{
  g_autoptr (GError) error = NULL;

  start_all (NULL, 8000);
  ck_assert_msg (stb_player_play_live (fx.player, 1, &error), "%s", error ? error->message : "");
  expect_first_frame ("live:1");
  ck_assert (stb_player_play_live (fx.player, 2, &error));
  expect_first_frame ("live:2");
  stb_player_stop (fx.player);
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

START_TEST (test_display_without_screen)
{
  g_autoptr (GError) error = NULL;
  StbPlayerConfig cfg = { .display = TRUE };

  start_all (NULL, 500);
  /* display asked for, but no screen here: it plays headless instead of failing */
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  media_fixture_new_player (&fx, &cfg);
  ck_assert (stb_player_play_live (fx.player, 1, &error));
  expect_first_frame ("live:1");
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

START_TEST (test_live_errors)
{
  g_autoptr (GError) error = NULL;

  start_all (NULL, 500);
  ck_assert (!stb_player_play_live (fx.player, 42, &error));
  ck_assert (g_error_matches (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_NO_SUCH_CHANNEL));
  g_clear_error (&error);
  ck_assert (!stb_player_pause (fx.player, &error));
  ck_assert (g_error_matches (error, STB_PLAYER_ERROR, STB_PLAYER_ERROR_STATE));
  g_clear_error (&error);
  ck_assert (!stb_player_snapshot (fx.player, "nothing", &error));
}
END_TEST

/* ---- VOD ----------------------------------------------------------------------------- */

static gboolean
position_reached (gpointer data)
{
  return stb_player_get_position_ms (fx.player) >= *(gint64 *)data;
}

START_TEST (test_vod_pause_resume_position)
{
  g_autoptr (GError) error = NULL;
  gint64 want = 2000, paused_at, resumed_at;

  start_all (NULL, 500);
  ck_assert_msg (stb_player_play_vod (fx.player, "clip", 0, &error), "%s",
                 error ? error->message : "");
  expect_first_frame ("vod:clip");
  ck_assert_msg (stbsim_test_wait_until (NULL, position_reached, &want, 10000),
                 "VOD position stuck at %" G_GINT64_FORMAT " ms",
                 stb_player_get_position_ms (fx.player));
  ck_assert (stb_player_pause (fx.player, &error));
  paused_at = stb_player_get_position_ms (fx.player);
  media_test_run_for (1500); /* stay paused a while: the stream must not move on */
  ck_assert_int_eq (stb_player_get_position_ms (fx.player), paused_at);
  ck_assert (stb_player_resume (fx.player, &error));
  expect_first_frame ("vod:clip");
  resumed_at = stb_player_get_position_ms (fx.player);
  g_message ("paused at %" G_GINT64_FORMAT " ms, resumed at %" G_GINT64_FORMAT " ms", paused_at,
             resumed_at);
  ck_assert_int_ge (resumed_at, paused_at - VOD_GOP_MS);
  ck_assert_int_le (resumed_at, paused_at + VOD_GOP_MS);
  expect_png ("vod-resumed");
  stb_player_stop (fx.player);
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

START_TEST (test_vod_start_at_position)
{
  g_autoptr (GError) error = NULL;
  gint64 pos;

  start_all (NULL, 500);
  ck_assert (stb_player_play_vod (fx.player, "clip", 8000, &error));
  expect_first_frame ("vod:clip");
  pos = stb_player_get_position_ms (fx.player);
  g_message ("asked 8000 ms, first frame at %" G_GINT64_FORMAT " ms", pos);
  ck_assert_int_ge (pos, 8000 - VOD_GOP_MS);
  ck_assert_int_le (pos, 8000 + VOD_GOP_MS);
  /* stop then resume: back to the saved position with a new session */
  stb_player_stop (fx.player);
  ck_assert (stb_player_resume (fx.player, &error));
  expect_first_frame ("vod:clip");
  ck_assert_int_ge (stb_player_get_position_ms (fx.player), 8000 - VOD_GOP_MS);
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

static gboolean
got_error (gpointer data)
{
  return fx.errors > 0;
}

START_TEST (test_vod_unknown_asset)
{
  g_autoptr (GError) error = NULL;

  start_all (NULL, 500);
  /* the RTSP server answers 404: reported through the error callback, no first frame */
  if (stb_player_play_vod (fx.player, "no-such-asset", 0, &error))
    ck_assert_msg (stbsim_test_wait_until (NULL, got_error, NULL, 10000),
                   "no error for a missing asset");
  ck_assert_uint_eq (fx.frames, 0);
}
END_TEST

/* ---- multicast in a network namespace ------------------------------------------------ */

static gboolean
igmp_joined (const gchar *group)
{
  return media_test_igmp_joined (group);
}

static gboolean
group_left (gpointer data)
{
  return !igmp_joined (data);
}

START_TEST (test_multicast_join_leave)
{
  g_autoptr (GError) error = NULL;

  if (!stbsim_test_is_root ())
    {
      fprintf (stderr, "SKIP multicast join/leave: needs root for a network namespace\n");
      return;
    }
  fx.netns = g_strdup_printf ("stbsim-media-%d", (int)getpid ());
  ck_assert_msg (media_netns_add (fx.netns, &error), "%s", error ? error->message : "");
  /* this (single-threaded) test process joins the namespace before any socket exists */
  ck_assert_msg (media_netns_enter (fx.netns, &error), "%s", error ? error->message : "");
  start_all (fx.netns, 500);
  /* the head-end and this process are inside: drop the name now, so that nothing is left
   * behind even if this test is killed (the namespace lives while processes use it) */
  media_netns_del (fx.netns);
  g_clear_pointer (&fx.netns, g_free);
  ck_assert (!igmp_joined ("239.255.0.1"));
  ck_assert_msg (stb_player_play_live (fx.player, 1, &error), "%s", error ? error->message : "");
  ck_assert (igmp_joined ("239.255.0.1"));
  expect_first_frame ("live:1");
  /* zap: leave 1, join 2 */
  ck_assert (stb_player_play_live (fx.player, 2, &error));
  ck_assert (stbsim_test_wait_until (NULL, group_left, (gpointer) "239.255.0.1", 5000));
  ck_assert (igmp_joined ("239.255.0.2"));
  expect_first_frame ("live:2");
  /* pause = leave the group */
  ck_assert (stb_player_pause (fx.player, &error));
  ck_assert (stbsim_test_wait_until (NULL, group_left, (gpointer) "239.255.0.2", 5000));
  ck_assert (stb_player_resume (fx.player, &error));
  ck_assert (igmp_joined ("239.255.0.2"));
  expect_first_frame ("live:2");
  stb_player_stop (fx.player);
  ck_assert (stbsim_test_wait_until (NULL, group_left, (gpointer) "239.255.0.2", 5000));
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

/* ---- shutdown ------------------------------------------------------------------------ */

static gboolean
fds_back (gpointer data)
{
  return media_test_count_fds () <= GPOINTER_TO_UINT (data);
}

START_TEST (test_clean_shutdown)
{
  g_autoptr (GError) error = NULL;
  guint fds_before, fds_after;
  g_autofree gchar *list_before = NULL;
  g_autofree gchar *list_after = NULL;
  gint status;

  start_all (NULL, 500);
  /* warm up once: GStreamer creates process-wide threads and state on first use */
  ck_assert (stb_player_play_live (fx.player, 1, &error));
  expect_first_frame ("live:1");
  ck_assert (stb_player_play_vod (fx.player, "clip", 0, &error));
  expect_first_frame ("vod:clip");
  stb_player_stop (fx.player);
  media_test_run_for (500); /* rtspsrc closes its connection from its own thread */
  fds_before = media_test_count_fds ();
  list_before = media_test_fd_list ();
  ck_assert (stb_player_play_live (fx.player, 2, &error));
  expect_first_frame ("live:2");
  ck_assert (stb_player_play_vod (fx.player, "clip", 0, &error));
  expect_first_frame ("vod:clip");
  stb_player_stop (fx.player);
  stbsim_test_wait_until (NULL, fds_back, GUINT_TO_POINTER (fds_before), 5000);
  fds_after = media_test_count_fds ();
  list_after = media_test_fd_list ();
  ck_assert_msg (fds_after <= fds_before, "fds: %u before [%s], %u after [%s]", fds_before,
                 list_before, fds_after, list_after);
  g_clear_pointer (&fx.player, stb_player_free);
  /* the head-end exits 0 on SIGTERM */
  status = media_headend_stop (g_steal_pointer (&fx.he));
  ck_assert_msg (status >= 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0,
                 "stb-headend exit status %d", status);
}
END_TEST

static Suite *
player_suite (void)
{
  Suite *s = suite_create ("stb-player");
  TCase *live = tcase_create ("live");
  TCase *vod = tcase_create ("vod");
  TCase *mcast = tcase_create ("multicast");
  TCase *shutdown = tcase_create ("shutdown");

  tcase_add_checked_fixture (live, NULL, teardown);
  tcase_set_timeout (live, 60);
  tcase_add_test (live, test_live_first_frame_and_zap);
  tcase_add_test (live, test_live_errors);
  tcase_add_test (live, test_display_without_screen);
  tcase_add_test (live, test_live_long_gop);
  suite_add_tcase (s, live);

  tcase_add_checked_fixture (vod, NULL, teardown);
  tcase_set_timeout (vod, 60);
  tcase_add_test (vod, test_vod_pause_resume_position);
  tcase_add_test (vod, test_vod_start_at_position);
  tcase_add_test (vod, test_vod_unknown_asset);
  suite_add_tcase (s, vod);

  tcase_add_checked_fixture (mcast, NULL, teardown);
  tcase_set_timeout (mcast, 60);
  tcase_add_test (mcast, test_multicast_join_leave);
  suite_add_tcase (s, mcast);

  tcase_add_checked_fixture (shutdown, NULL, teardown);
  tcase_set_timeout (shutdown, 60);
  tcase_add_test (shutdown, test_clean_shutdown);
  suite_add_tcase (s, shutdown);
  return s;
}

int
main (void)
{
  return stbsim_test_run (player_suite ());
}
