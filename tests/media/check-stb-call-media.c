/* SPDX-License-Identifier: MIT */
/* Call media: two instances (two simulated STBs) call each other on loopback, video and
 * audio both ways, through real rtpbin pipelines; ports, threads and fds are released. */
#define G_LOG_DOMAIN "check-stb-call-media"

#include "media-test.h"
#include "stb-call-media.h"
#include "stbsim-test.h"

#include <gio/gio.h>

#include <string.h>

/* Bounds for a loaded CI machine (ASan, other suites side by side): generous, never a guess */
#define FIRST_FRAME_TIMEOUT_MS 15000
#define SETTLE_TIMEOUT_MS 30000

typedef struct
{
  StbCallMedia *media;
  StbMediaEndpoint local;
  gint64 video_ns;
  gint64 audio_ns;
  guint errors;
  gchar last_error[256];
} Side;

static Side a, b;
static gchar *dir;

static void
on_first_frame (StbCallMedia *media, const gchar *kind, gint64 t_ns, gpointer data)
{
  Side *side = data;

  if (g_str_equal (kind, "video"))
    side->video_ns = t_ns;
  else if (g_str_equal (kind, "audio"))
    side->audio_ns = t_ns;
}

static void
on_error (StbCallMedia *media, const GError *error, gpointer data)
{
  Side *side = data;

  side->errors++;
  g_strlcpy (side->last_error, error->message, sizeof side->last_error);
  g_message ("call media error: %s", error->message);
}

static const StbCallMediaCallbacks callbacks = { on_first_frame, on_error };

static void
side_new (Side *side)
{
  g_autoptr (GError) error = NULL;
  StbCallMediaConfig cfg = {
    .bind_host = "127.0.0.1", .snapshot_dir = dir, .request_key_frame = TRUE, .gop_ms = 1000
  };

  memset (side, 0, sizeof *side);
  side->media = stb_call_media_new (&cfg, &callbacks, side, &error);
  ck_assert_msg (side->media != NULL, "%s", error ? error->message : "?");
}

static void
setup (void)
{
  dir = stbsim_test_mkdtemp ("check-stb-call-media");
  side_new (&a);
  side_new (&b);
}

static void
teardown (void)
{
  g_clear_pointer (&a.media, stb_call_media_free);
  g_clear_pointer (&b.media, stb_call_media_free);
  stbsim_test_rmtree (dir);
  g_clear_pointer (&dir, g_free);
}

static gboolean
all_frames (gpointer data)
{
  return a.video_ns && a.audio_ns && b.video_ns && b.audio_ns;
}

/* Set up a call A <-> B; @codec "PCMU" or "PCMA" as negotiated. */
static void
call (const gchar *codec)
{
  g_autoptr (GError) error = NULL;
  StbMediaEndpoint to_a, to_b;

  a.video_ns = a.audio_ns = b.video_ns = b.audio_ns = 0;
  ck_assert_msg (stb_call_media_prepare (a.media, &a.local, &error), "%s",
                 error ? error->message : "");
  ck_assert (stb_call_media_prepare (b.media, &b.local, &error));
  ck_assert_uint_eq (a.local.audio_port % 2, 0);
  ck_assert_uint_eq (a.local.video_port % 2, 0);
  ck_assert_uint_ne (a.local.video_port, b.local.video_port);
  to_a = a.local;
  to_b = b.local;
  to_a.audio_pt = to_b.audio_pt = g_str_equal (codec, "PCMA") ? 8 : 0;
  g_strlcpy (to_a.audio_codec, codec, sizeof to_a.audio_codec);
  g_strlcpy (to_b.audio_codec, codec, sizeof to_b.audio_codec);
  ck_assert_msg (stb_call_media_start (a.media, &to_b, &error), "%s", error ? error->message : "");
  ck_assert_msg (stb_call_media_start (b.media, &to_a, &error), "%s", error ? error->message : "");
  ck_assert_msg (stbsim_test_wait_until (NULL, all_frames, NULL, FIRST_FRAME_TIMEOUT_MS),
                 "first frames: A video %" G_GINT64_FORMAT " audio %" G_GINT64_FORMAT
                 ", B video %" G_GINT64_FORMAT " audio %" G_GINT64_FORMAT,
                 a.video_ns, a.audio_ns, b.video_ns, b.audio_ns);
}

/* A port reserved by prepare() is bound: read from /proc/self/net/udp, never by binding it
 * here (a probe bind could take a port that is free for a moment, or race the media). */
static void
assert_port_taken (guint16 port)
{
  ck_assert_msg (media_test_udp_port_bound (port),
                 "port %u is not bound by this process (/proc/self/net/udp)", port);
}

static gboolean
port_free (gpointer port)
{
  return !media_test_udp_port_bound ((guint16)GPOINTER_TO_UINT (port));
}

static void
assert_no_errors (void)
{
  ck_assert_msg (a.errors + b.errors == 0, "media errors: A %u (%s), B %u (%s)", a.errors,
                 a.last_error, b.errors, b.last_error);
}

static gboolean
snapshot_taken (gpointer media)
{
  return stb_call_media_snapshot (media, "far-end", NULL);
}

START_TEST (test_call_both_ways)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *png = g_build_filename (dir, "far-end.png", NULL);

  call ("PCMU");
  assert_port_taken (a.local.video_port);
  assert_port_taken (a.local.video_port + 1);
  assert_port_taken (b.local.audio_port);
  /* the sink renders the first frame a little after it left the decoder (clock sync) */
  if (!stbsim_test_wait_until (NULL, snapshot_taken, b.media, SETTLE_TIMEOUT_MS))
    ck_assert_msg (stb_call_media_snapshot (b.media, "far-end", &error), "%s",
                   error ? error->message : "");
  ck_assert (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  stb_call_media_stop (a.media);
  stb_call_media_stop (b.media);
  stb_call_media_stop (b.media); /* idempotent */
  /* ... and released by stop (the same check, seeing a free port) */
  ck_assert_msg (stbsim_test_wait_until (NULL, port_free, GUINT_TO_POINTER (a.local.video_port),
                                         SETTLE_TIMEOUT_MS),
                 "port %u still bound after stop", a.local.video_port);
  assert_no_errors ();
}
END_TEST

START_TEST (test_call_pcma)
{
  call ("PCMA");
  stb_call_media_stop (a.media);
  stb_call_media_stop (b.media);
  assert_no_errors ();
}
END_TEST

START_TEST (test_state_errors)
{
  g_autoptr (GError) error = NULL;
  StbMediaEndpoint remote = { .address = "127.0.0.1", .audio_port = 9, .video_port = 0 };

  ck_assert (!stb_call_media_start (a.media, &remote, &error));
  ck_assert (g_error_matches (error, STB_CALL_MEDIA_ERROR, STB_CALL_MEDIA_ERROR_STATE));
  g_clear_error (&error);
  ck_assert (!stb_call_media_snapshot (a.media, "none", &error));
  stb_call_media_stop (a.media);
}
END_TEST

static gboolean
threads_back (gpointer data)
{
  g_thread_pool_stop_unused_threads ();
  return media_test_count_threads () <= GPOINTER_TO_UINT (data);
}

static gboolean
fds_back (gpointer data)
{
  return media_test_count_fds () <= GPOINTER_TO_UINT (data);
}

/* The idle pool threads a stopped call leaves are told to exit, and do so a little later:
 * wait until none is left so that the baseline counts only what stays for good. */
static gboolean
pool_idle_gone (gpointer data)
{
  g_thread_pool_stop_unused_threads ();
  return g_thread_pool_get_num_unused_threads () == 0;
}

START_TEST (test_resources_released)
{
  guint fds, threads, during;

  /* warm-up call: GStreamer sets up process-wide threads (system clock, pools) once */
  call ("PCMU");
  stb_call_media_stop (a.media);
  stb_call_media_stop (b.media);
  ck_assert_msg (stbsim_test_wait_until (NULL, pool_idle_gone, NULL, SETTLE_TIMEOUT_MS),
                 "%u unused pool threads left after the warm-up call",
                 g_thread_pool_get_num_unused_threads ());
  fds = media_test_count_fds ();
  threads = media_test_count_threads ();
  call ("PCMU");
  during = media_test_count_threads ();
  ck_assert_msg (during > threads, "threads: %u during the call, %u before", during, threads);
  stb_call_media_stop (a.media);
  stb_call_media_stop (b.media);
  /* streaming threads drop their last references (and the fds with them) as they leave */
  if (!stbsim_test_wait_until (NULL, fds_back, GUINT_TO_POINTER (fds), SETTLE_TIMEOUT_MS))
    {
      g_autofree gchar *list = media_test_fd_list ();
      ck_abort_msg ("fds: %u after the call, %u before: %s", media_test_count_fds (), fds, list);
    }
  ck_assert_msg (
      stbsim_test_wait_until (NULL, threads_back, GUINT_TO_POINTER (threads), SETTLE_TIMEOUT_MS),
      "threads: %u after the call, %u before", media_test_count_threads (), threads);
}
END_TEST

static Suite *
call_media_suite (void)
{
  Suite *s = suite_create ("stb-call-media");
  TCase *core = tcase_create ("core");
  TCase *errors = tcase_create ("errors");
  TCase *limits = tcase_create ("resources");

  tcase_add_checked_fixture (core, setup, teardown);
  tcase_set_timeout (core, 120);
  tcase_add_test (core, test_call_both_ways);
  tcase_add_test (core, test_call_pcma);
  suite_add_tcase (s, core);

  tcase_add_checked_fixture (errors, setup, teardown);
  tcase_set_timeout (errors, 30);
  tcase_add_test (errors, test_state_errors);
  suite_add_tcase (s, errors);

  tcase_add_checked_fixture (limits, setup, teardown);
  tcase_set_timeout (limits, 180);
  tcase_add_test (limits, test_resources_released);
  suite_add_tcase (s, limits);
  return s;
}

int
main (void)
{
  return stbsim_test_run (call_media_suite ());
}
