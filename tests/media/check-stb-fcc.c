/* SPDX-License-Identifier: MIT */
/* Fast channel change (SPEC §14) against a real stb-headend: the player's burst really starts
 * at a key frame, plays it, joins the multicast afterwards and tells the head-end (RAMS-T);
 * the decoded timestamps have no gap or repeat and the burned-in frame clock (SPEC §14.4) is
 * readable from the first picture on and continuous; the capability off (player or head-end) or a
 * deaf burst server still plays with a plain join; a burst that does not start at the key
 * frame, or loses packets (head-end faults), fails the checks. No timing asserts: bench-media
 * measures the times. */
#define G_LOG_DOMAIN "check-stb-fcc"

#include "media-test.h"
#include "stb-player.h"
#include "stbsim-test.h"

#include <gst/gst.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define JOIN_TIMEOUT_MS 15000

static MediaFixture fx;
static guint gop_ms;

/* A head-end (GOP @gop, @extra arguments) and a player with fast channel change @fcc. */
static void
start_all (const gchar *netns, guint gop, const gchar *const *extra, gboolean fcc)
{
  StbPlayerConfig cfg = { .fast_channel_change = fcc };

  gop_ms = gop;
  media_fixture_start (&fx, "check-stb-fcc", netns, gop, 5000, extra, &cfg);
}

static void
stop_all (void)
{
  media_fixture_stop (&fx);
}

static void
teardown (void)
{
  media_fixture_teardown (&fx);
}

static gchar *
headend_log (void)
{
  return g_build_filename (fx.dir, "headend.log", NULL);
}

static void
expect_first_frame (const gchar *what)
{
  media_fixture_expect_first_frame (&fx, what);
}

/* Joined, and the picture played past the splice: the burst plays out at normal speed from
 * the key frame, at most one GOP before the first multicast packet; 10 frames more. */
static gboolean
spliced (gpointer data)
{
  StbPlayerFrames fr;

  stb_player_get_frames (fx.player, &fr);
  return fr.joined && fr.multicast_packets > 0 && fr.decoded >= gop_ms / 40 + 10;
}

static void
log_clock (const gchar *label, const StbPlayerFrames *fr)
{
  g_message ("%s: frame clock first=%d pictures=%u unreadable=%u gaps=%u (max %u frames)"
             " repeats=%u (max %u) GOP %u frames: %s",
             label, fr->clock.first, fr->clock.frames, fr->clock.unreadable, fr->clock.gaps,
             fr->clock.max_gap, fr->clock.repeats, fr->clock.max_repeat, fr->gop_frames,
             fr->clock_ok ? "continuous" : "NOT continuous");
}

/* Joined the multicast and played past the splice (bounded), then what the decoder saw. */
static void
wait_spliced (const gchar *label, StbPlayerFrames *fr)
{
  ck_assert_msg (stbsim_test_wait_until (NULL, spliced, NULL, JOIN_TIMEOUT_MS),
                 "%s: did not join the multicast and play past it within %d ms", label,
                 JOIN_TIMEOUT_MS);
  stb_player_get_frames (fx.player, fr);
  g_message ("%s: fcc=%d status=%s burst=%u multicast=%u join_seq=%d decoded=%u gaps=%u"
             " repeats=%u",
             label, fr->fcc, fr->fcc_status, fr->burst_packets, fr->multicast_packets, fr->join_seq,
             fr->decoded, fr->gaps, fr->repeats);
  log_clock (label, fr);
}

/* Play @what ("live:N", or resume it) with a burst: the burst starts at the key frame, the
 * first frame decoded is that key frame, the multicast plays afterwards, no gap or repeat in
 * the decoded timestamps, and the burned-in frame clock is readable in every picture from
 * the first on and continuous (SPEC [SW-IPTV-23], §14.4). */
static void
expect_burst_then_join (const gchar *what, const gchar *label)
{
  StbPlayerFrames fr;

  expect_first_frame (what);
  wait_spliced (label, &fr);
  ck_assert_msg (fr.fcc, "%s: no burst asked for", label);
  ck_assert_str_eq (fr.fcc_status, "ok");
  ck_assert_msg (fr.burst_from_key, "%s: the burst did not start at the key frame", label);
  ck_assert_msg (fr.burst_packets > 0, "%s: nothing of the burst played", label);
  ck_assert_msg (fr.first_coded_key, "%s: the decoder's first input was not a key frame", label);
  ck_assert_msg (fr.first_decoded_key, "%s: the first decoded frame was not the key frame", label);
  ck_assert_int_ge (fr.join_seq, 0);
  ck_assert_msg (fr.gaps == 0 && fr.repeats == 0, "%s: %u gaps, %u repeats in the picture", label,
                 fr.gaps, fr.repeats);
  ck_assert_msg (fr.clock.first >= 0, "%s: the first picture's frame clock is unreadable", label);
  ck_assert_msg (fr.clock_ok, "%s: the frame clock is not continuous (see the log above)", label);
}

START_TEST (test_burst_zap_resume)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *log = NULL;

  start_all (NULL, 2000, NULL, TRUE);
  ck_assert_msg (stb_player_play_live (fx.player, 1, &error), "%s", error ? error->message : "");
  expect_burst_then_join ("live:1", "live:1");
  ck_assert (stb_player_play_live (fx.player, 2, &error)); /* zap */
  expect_burst_then_join ("live:2", "live:2 (zap)");
  ck_assert (stb_player_pause (fx.player, &error)); /* a call: leave */
  media_test_run_for (500);
  ck_assert (stb_player_resume (fx.player, &error)); /* RESUME_IPTV */
  expect_burst_then_join ("live:2", "live:2 resumed");
  /* the head-end saw the client join (RAMS-T with the first multicast seq) */
  log = headend_log ();
  ck_assert_msg (media_test_wait_log (log, "RAMS-T seq=", 5000), "no RAMS-T in %s", log);
  stb_player_stop (fx.player);
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

START_TEST (test_burst_multicast)
{
  g_autoptr (GError) error = NULL;

  if (!stbsim_test_is_root ())
    {
      fprintf (stderr, "SKIP burst + multicast join: needs root for a network namespace\n");
      return;
    }
  fx.netns = g_strdup_printf ("stbsim-fcc-%d", (int)getpid ());
  ck_assert_msg (media_netns_add (fx.netns, &error), "%s", error ? error->message : "");
  ck_assert_msg (media_netns_enter (fx.netns, &error), "%s", error ? error->message : "");
  start_all (fx.netns, 1000, NULL, TRUE);
  media_netns_del (fx.netns);
  g_clear_pointer (&fx.netns, g_free);
  ck_assert (!media_test_igmp_joined ("239.255.0.1"));
  ck_assert_msg (stb_player_play_live (fx.player, 1, &error), "%s", error ? error->message : "");
  ck_assert (media_test_igmp_joined ("239.255.0.1")); /* the group is joined with the burst */
  expect_burst_then_join ("live:1", "live:1 (multicast)");
  stb_player_stop (fx.player);
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

/* Plain join: no burst asked for, the picture still comes (from the next key frame). */
static void
expect_plain_join (const gchar *what, const gchar *label)
{
  StbPlayerFrames fr;

  expect_first_frame (what);
  stb_player_get_frames (fx.player, &fr);
  ck_assert_msg (!fr.fcc, "%s: a burst was asked for", label);
  /* not asserted: a plain join may first show a picture decoded without its key frame */
  g_message ("%s: plain join, first decoded frame %s", label,
             fr.first_decoded_key ? "the key frame" : "not a key frame");
  log_clock (label, &fr);
}

START_TEST (test_capability_off)
{
  g_autoptr (GError) error = NULL;
  const gchar *no_fcc[] = { "--no-fcc", NULL };
  g_autofree gchar *log = NULL;
  g_autofree gchar *text = NULL;

  /* the player does not want it (stb-iptv --no-fcc) */
  start_all (NULL, 1000, NULL, FALSE);
  ck_assert (stb_player_play_live (fx.player, 1, &error));
  expect_plain_join ("live:1", "live:1, player without fcc");
  stop_all ();
  log = headend_log ();
  ck_assert (g_file_get_contents (log, &text, NULL, NULL));
  ck_assert_msg (!strstr (text, "burst channel"), "the head-end served a burst:\n%s", text);
  /* the head-end does not offer it: no [live] fcc= in the lineup */
  start_all (NULL, 1000, no_fcc, TRUE);
  ck_assert (stb_player_play_live (fx.player, 2, &error));
  expect_plain_join ("live:2", "live:2, head-end without fcc");
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

/* A burst server that never answers: after 1 s the player joins plainly [SW-IPTV-25]. */
START_TEST (test_no_answer_fallback)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *lineup = NULL;
  StbPlayerConfig cfg = { .fast_channel_change = TRUE };
  StbPlayerFrames fr;

  start_all (NULL, 500, NULL, TRUE);
  /* the head-end's lineup, with a burst server where nobody listens (the discard port) */
  ck_assert (g_key_file_load_from_file (kf, fx.he->lineup, G_KEY_FILE_NONE, &error));
  g_key_file_set_string (kf, "live", "fcc", "udp://127.0.0.1:9");
  lineup = g_build_filename (fx.dir, "lineup-deaf-fcc.ini", NULL);
  ck_assert (g_key_file_save_to_file (kf, lineup, &error));
  cfg.lineup_path = lineup;
  media_fixture_new_player (&fx, &cfg);
  ck_assert (stb_player_play_live (fx.player, 1, &error));
  expect_first_frame ("live:1"); /* deaf burst server */
  stb_player_get_frames (fx.player, &fr);
  ck_assert_msg (fr.fcc && fr.burst_packets == 0, "fcc=%d burst=%u", fr.fcc, fr.burst_packets);
  ck_assert_str_eq (fr.fcc_status, "timeout");
  ck_assert_uint_eq (fx.errors, 0);
}
END_TEST

/* A head-end with the burst fault @name (GOP @gop), channel 1 played up to its first frame. */
static void
play_with_fault (const gchar *name, guint gop)
{
  g_autoptr (GError) error = NULL;
  const gchar *fault[] = { "--fcc-fault", name, NULL };

  start_all (NULL, gop, fault, TRUE);
  ck_assert_msg (stb_player_play_live (fx.player, 1, &error), "%s", error ? error->message : "");
  expect_first_frame ("live:1");
}

/* A burst that does not start at the key frame is seen as such. */
START_TEST (test_fault_late_start)
{
  StbPlayerFrames fr;

  play_with_fault ("late-start", 1000);
  stb_player_get_frames (fx.player, &fr);
  ck_assert_msg (fr.fcc && !fr.burst_from_key,
                 "a burst starting after the key frame passed the check");
}
END_TEST

/* A burst that loses packets (head-end fault skip-packets) is seen as such, though it starts
 * at the key frame and joins: the spliced sequence has holes. (The frame clock is no witness
 * here: the decoder conceals a lost packet, and a picture's top row, where the clock is,
 * usually survives; only whole pictures lost or repeated show in it.) The head-end skips from
 * its 16th packet on, so a burst from a young key frame (right after the head-end started)
 * can join the multicast first: such a sample shows nothing and the channel is played again,
 * a bounded number of times, until a burst is long enough. */
#define SKIP_FAULT_SHOWS 24 /* FAULT_SKIP_AFTER + FAULT_SKIP_EVERY in headend-fcc.c */
#define SKIP_FAULT_TRIES 10

START_TEST (test_fault_skip_packets)
{
  g_autoptr (GError) error = NULL;
  StbPlayerFrames fr = { 0 };

  play_with_fault ("skip-packets", 1000);
  for (guint i = 0; i < SKIP_FAULT_TRIES; i++)
    {
      if (i > 0)
        {
          stb_player_stop (fx.player);
          ck_assert (stb_player_play_live (fx.player, 1, &error));
          expect_first_frame ("live:1");
        }
      wait_spliced ("live:1, burst losing packets", &fr);
      ck_assert_msg (fr.fcc && fr.burst_from_key && fr.burst_packets > 0,
                     "the faulty burst did not play");
      if (fr.burst_packets >= SKIP_FAULT_SHOWS)
        break;
    }
  ck_assert_msg (fr.burst_packets >= SKIP_FAULT_SHOWS,
                 "no burst of %d packets or more in %d plays (last %u): the fault never showed",
                 SKIP_FAULT_SHOWS, SKIP_FAULT_TRIES, fr.burst_packets);
  ck_assert_msg (fr.lost_packets > 0, "a burst that skipped packets lost none (%u played)",
                 fr.burst_packets);
}
END_TEST

static Suite *
fcc_suite (void)
{
  Suite *s = suite_create ("stb-fcc");
  TCase *core = tcase_create ("core");
  TCase *off = tcase_create ("off");
  TCase *faults = tcase_create ("faults");

  tcase_add_checked_fixture (core, NULL, teardown);
  tcase_set_timeout (core, 90);
  tcase_add_test (core, test_burst_zap_resume);
  tcase_add_test (core, test_burst_multicast);
  suite_add_tcase (s, core);

  tcase_add_checked_fixture (off, NULL, teardown);
  tcase_set_timeout (off, 90);
  tcase_add_test (off, test_capability_off);
  tcase_add_test (off, test_no_answer_fallback);
  suite_add_tcase (s, off);

  tcase_add_checked_fixture (faults, NULL, teardown);
  tcase_set_timeout (faults, 180);
  tcase_add_test (faults, test_fault_late_start);
  tcase_add_test (faults, test_fault_skip_packets);
  suite_add_tcase (s, faults);
  return s;
}

int
main (void)
{
  return stbsim_test_run (fcc_suite ());
}
