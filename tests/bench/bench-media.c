/* SPDX-License-Identifier: MIT */
/*
 * bench-media: first-frame timings of the real media pipelines, and their CPU cost.
 *
 *   - live first frame per GOP (0.5, 1, 2, 4 s), plain join and fast channel change (burst from
 *     the head-end, SPEC §14) side by side, interleaved in one run: zap (play_live() of the
 *     other channel -> first decoded frame) and resume (play_live() of the same channel after
 *     a stop as long as a short call -> first decoded frame, what the IPTV module does on
 *     RESUME_IPTV), with a target p95 <= 250 ms for the burst (PASS/MISS); every sample also
 *     checks what the decoder saw: first frame from a key frame, no gap or repeat in the
 *     decoded PTS (timestamps: a frame the splice played twice or skipped; content lost inside
 *     the stream is re-timed by the demuxer and not seen), and the frame clock burned into every
 *     picture (SPEC §14.4), read back from each decoded one: next to the latency columns, the
 *     share of samples whose first picture was a key frame, the share whose clock was readable
 *     from the first picture on and continuous (at most one gap or repeat of at most a GOP), and
 *     the largest clock gap / repeat in frames
 *   - VOD resume time: resume() after a pause -> first decoded frame, N times
 *   - call first frame with and without the key-frame request (GOP 4 s, receiver joins late)
 *   - CPU per pipeline (getrusage of this process, /proc/PID/stat of the head-end)
 *
 * Prints a table; exits 0 unless something could not be measured at all.
 */
#define G_LOG_DOMAIN "bench-media"

#include "media-test.h"
#include "stb-call-media.h"
#include "stb-player.h"
#include "stbsim-test.h"

#include <gst/gst.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define N_ZAPS_DEFAULT 20
#define FCC_TARGET_P95_MS 250.0
#define N_RESUMES 10
#define N_CALLS 6
#define CALL_GOP_MS 4000
#define WAIT_MS 15000
#define CPU_WINDOW_MS 3000

/* ---- statistics ---------------------------------------------------------------------- */

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
  return x < y ? -1 : x > y;
}

static gdouble
percentile (GArray *v, gdouble p)
{
  guint idx;

  if (v->len == 0)
    return -1;
  g_array_sort (v, cmp_double);
  idx = (guint)(p / 100.0 * (v->len - 1) + 0.5);
  return g_array_index (v, gdouble, MIN (idx, v->len - 1));
}

/* @artefacts: the live rows' artefact columns (nullable) */
static void
print_row_with (const gchar *what, GArray *v, guint asked, const gchar *artefacts)
{
  gdouble min = v->len ? percentile (v, 0) : -1;
  gdouble max = v->len ? percentile (v, 100) : -1;

  printf ("%-52s %3u/%-3u %8.1f %8.1f %8.1f %8.1f%s\n", what, v->len, asked, percentile (v, 50),
          percentile (v, 95), min, max, artefacts ? artefacts : "");
}

static void
print_row (const gchar *what, GArray *v, guint asked)
{
  print_row_with (what, v, asked, NULL);
}

static void
print_header (void)
{
  printf ("\n%-52s %7s %8s %8s %8s %8s %6s %6s %7s\n", "first frame (ms)", "n", "p50", "p95", "min",
          "max", "key%", "clock%", "gap/rep");
  printf ("%-52s %7s %8s %8s %8s %8s %6s %6s %7s\n",
          "----------------------------------------------------", "-------", "--------", "--------",
          "--------", "--------", "------", "------", "-------");
}

/* live samples per GOP and way: BENCH_MEDIA_SAMPLES (default 20; p95 needs >= 20) */
static guint n_zaps = N_ZAPS_DEFAULT;

static void
print_load (void)
{
  g_autofree gchar *text = NULL;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    printf ("load average (/proc/loadavg): %s", text);
}

/* ---- CPU ----------------------------------------------------------------------------- */

static gdouble
self_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static gdouble
proc_cpu_s (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/stat", (int)pid);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) f = NULL;
  const gchar *rest;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(rest = strrchr (text, ')')))
    return 0;
  f = g_strsplit (rest + 2, " ", -1); /* f[0] = state (field 3); utime = 14, stime = 15 */
  if (g_strv_length (f) < 13)
    return 0;
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

typedef struct
{
  gdouble self_s;
  gdouble child_s;
  gint64 wall_ns;
} CpuMark;

static CpuMark
cpu_mark (GPid child)
{
  CpuMark m = { self_cpu_s (), child ? proc_cpu_s (child) : 0, stbsim_now_ns () };
  return m;
}

static GString *cpu_table;

static void
cpu_row (const gchar *what, CpuMark a, CpuMark b, gdouble self_div, gdouble child_div)
{
  gdouble wall = (b.wall_ns - a.wall_ns) / 1e9;

  g_string_append_printf (cpu_table, "%-44s %9.1f", what,
                          100.0 * (b.self_s - a.self_s) / wall / self_div);
  if (child_div > 0)
    g_string_append_printf (cpu_table, " %9.1f",
                            100.0 * (b.child_s - a.child_s) / wall / child_div);
  g_string_append (cpu_table, "\n");
}

/* ---- player -------------------------------------------------------------------------- */

typedef struct
{
  gint64 t_ns;
  guint n;
  guint errors;
} Frames;

static void
on_player_frame (StbPlayer *p, gint64 t_ns, const gchar *what, gpointer data)
{
  Frames *f = data;
  f->t_ns = t_ns;
  f->n++;
}

static void
on_player_error (StbPlayer *p, const GError *error, gpointer data)
{
  ((Frames *)data)->errors++;
  g_printerr ("player error: %s\n", error->message);
}

/* Run @op (already called) until the next first frame; ms from @t0, or -1. */
static gdouble
wait_first_frame (Frames *f, guint before, gint64 t0)
{
  if (!stbsim_test_wait_count (NULL, &f->n, before + 1, WAIT_MS))
    return -1;
  return (f->t_ns - t0) / 1e6;
}

static MediaHeadend *
start_headend (const gchar *dir, const gchar *lineup)
{
  g_autoptr (GError) error = NULL;
  MediaHeadend *he = media_headend_start (dir, lineup, NULL, &error);

  if (!he)
    {
      g_printerr ("bench-media: %s\n", error->message);
      exit (1);
    }
  return he;
}

static StbPlayer *
player_for (MediaHeadend *he, Frames *f, gboolean fcc)
{
  static const StbPlayerCallbacks cb = { on_player_frame, on_player_error, NULL };
  StbPlayerConfig cfg
      = { .lineup_path = he->lineup, .vod_base_uri = he->rtsp, .fast_channel_change = fcc };
  return stb_player_new (&cfg, &cb, f, NULL);
}

/* One way of getting live TV on screen, its samples and what the decoder saw. */
typedef struct
{
  const gchar *what;
  gboolean fcc;
  gboolean resume;
  GArray *ms;
  guint not_key; /* first decoded frame not from a key frame */
  guint gaps, repeats;
  guint joined;   /* burst: joined the multicast before the next sample */
  guint fallback; /* burst asked for, plain join happened */
  /* the frame clock (SPEC §14.4) */
  guint checked;             /* samples with a decoded picture */
  guint clock_ok;            /* readable from the first picture on, continuous */
  guint unreadable;          /* pictures, all samples */
  guint max_gap, max_repeat; /* frames, all samples */
} LiveRow;

static void
live_row_check (LiveRow *row, StbPlayer *player)
{
  StbPlayerFrames fr;

  stb_player_get_frames (player, &fr);
  row->not_key += fr.decoded > 0 && !fr.first_decoded_key;
  row->gaps += fr.gaps;
  row->repeats += fr.repeats;
  row->joined += fr.fcc && fr.joined && fr.burst_packets > 0;
  row->fallback += row->fcc && (!fr.fcc || fr.burst_packets == 0);
  row->checked += fr.decoded > 0;
  row->clock_ok += fr.decoded > 0 && fr.clock_ok;
  row->unreadable += fr.clock.unreadable;
  row->max_gap = MAX (row->max_gap, fr.clock.max_gap);
  row->max_repeat = MAX (row->max_repeat, fr.clock.max_repeat);
}

static void
print_live_row (const LiveRow *row, guint gop_ms)
{
  g_autofree gchar *what = g_strdup_printf ("%s, GOP %u ms", row->what, gop_ms);
  gdouble p95 = percentile (row->ms, 95);
  g_autofree gchar *gap_rep = g_strdup_printf ("%u/%u", row->max_gap, row->max_repeat);
  g_autofree gchar *artefacts
      = g_strdup_printf (" %6.0f %6.0f %7s",
                         row->checked ? 100.0 * (row->checked - row->not_key) / row->checked : -1.0,
                         row->checked ? 100.0 * row->clock_ok / row->checked : -1.0, gap_rep);

  print_row_with (what, row->ms, n_zaps, artefacts);
  printf ("%-52s key-first %u/%u, PTS gaps %u, repeats %u; clock continuous %u/%u,"
          " unreadable pictures %u",
          "", row->ms->len - row->not_key, row->ms->len, row->gaps, row->repeats, row->clock_ok,
          row->checked, row->unreadable);
  if (row->fcc)
    printf (", joined %u/%u, fallback %u; target p95 <= %.0f ms: %s", row->joined, n_zaps,
            row->fallback, FCC_TARGET_P95_MS,
            row->ms->len == n_zaps && p95 <= FCC_TARGET_P95_MS ? "PASS" : "MISS");
  printf ("\n");
}

typedef struct
{
  StbPlayer *player;
  guint frames;
} Spliced;

static gboolean
spliced (gpointer data)
{
  Spliced *sp = data;
  StbPlayerFrames fr;

  stb_player_get_frames (sp->player, &fr);
  return fr.joined && fr.decoded >= sp->frames;
}

/* One sample of @row: zap to the other channel, or stop (a call) and play the same again.
 * Then stay on it for a random part of a GOP (a random GOP phase for the next sample). */
static void
live_sample (LiveRow *row, StbPlayer *player, Frames *f, guint channel, guint gop_ms)
{
  guint before;
  gint64 t0;
  gdouble ms;

  if (row->resume)
    {
      stb_player_stop (player);
      media_test_run_for (g_random_int_range (300, 800)); /* the call */
    }
  before = f->n;
  t0 = stbsim_now_ns ();
  stb_player_play_live (player, channel, NULL);
  ms = wait_first_frame (f, before, t0);
  if (ms >= 0)
    g_array_append_val (row->ms, ms);
  if (row->fcc) /* play past the splice: at most a GOP of burst, then the multicast */
    {
      Spliced sp = { player, gop_ms / 40 + 10 };
      stbsim_test_wait_until (NULL, spliced, &sp, (gint)(2 * gop_ms + WAIT_MS));
    }
  media_test_run_for (g_random_int_range (200, gop_ms + 200)); /* a random GOP phase */
  live_row_check (row, player);
}

static void
bench_live (guint gop_ms)
{
  g_autofree gchar *dir = media_test_mkdtemp ("bench-media");
  g_autofree gchar *lineup = media_test_write_lineup (dir, 2, gop_ms, 5000);
  MediaHeadend *he = start_headend (dir, lineup);
  Frames fp = { 0 }, ff = { 0 };
  StbPlayer *plain = player_for (he, &fp, FALSE);
  StbPlayer *fast = player_for (he, &ff, TRUE);
  LiveRow rows[] = {
    { "zap, plain join", FALSE, FALSE },
    { "zap, burst + join (fcc)", TRUE, FALSE },
    { "resume after stop, plain join", FALSE, TRUE },
    { "resume after stop, burst + join (fcc)", TRUE, TRUE },
  };
  CpuMark a, b;

  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    rows[r].ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  media_test_run_for (MAX (1000, gop_ms + 500)); /* encoders settle; a key frame is kept */
  for (guint i = 0; i < n_zaps; i++)
    for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
      {
        StbPlayer *player = rows[r].fcc ? fast : plain;

        stb_player_stop (rows[r].fcc ? plain : fast); /* one picture at a time */
        live_sample (&rows[r], player, rows[r].fcc ? &ff : &fp, 1 + (i + r / 2) % 2, gop_ms);
      }
  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    {
      print_live_row (&rows[r], gop_ms);
      g_array_unref (rows[r].ms);
    }
  if (gop_ms == 1000)
    {
      stb_player_stop (plain);
      stb_player_play_live (fast, 1, NULL);
      media_test_run_for (1500);
      a = cpu_mark (stbsim_proc_get_pid (he->proc));
      media_test_run_for (CPU_WINDOW_MS);
      b = cpu_mark (stbsim_proc_get_pid (he->proc));
      cpu_row ("live: player (recv+decode) | head-end/channel", a, b, 1, 2);
    }
  stb_player_free (plain);
  stb_player_free (fast);
  media_headend_stop (he);
  stbsim_test_rmtree (dir);
}

static void
bench_vod (void)
{
  g_autofree gchar *dir = media_test_mkdtemp ("bench-media");
  g_autofree gchar *lineup = media_test_write_lineup (dir, 1, 1000, 60000);
  MediaHeadend *he = start_headend (dir, lineup);
  Frames f = { 0 };
  StbPlayer *player = player_for (he, &f, FALSE);
  g_autoptr (GArray) start = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) resume = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) drift = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) restart = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gint64 t0 = stbsim_now_ns ();
  gdouble ms;
  CpuMark a, b;

  stb_player_play_vod (player, "clip", 0, NULL);
  if ((ms = wait_first_frame (&f, 0, t0)) >= 0)
    g_array_append_val (start, ms);
  for (guint i = 0; i < N_RESUMES; i++)
    {
      guint before;
      gint64 paused_at;
      gdouble d;

      media_test_run_for (400);
      stb_player_pause (player, NULL);
      paused_at = stb_player_get_position_ms (player);
      media_test_run_for (200);
      before = f.n;
      t0 = stbsim_now_ns ();
      stb_player_resume (player, NULL);
      if ((ms = wait_first_frame (&f, before, t0)) >= 0)
        g_array_append_val (resume, ms);
      d = (gdouble)(stb_player_get_position_ms (player) - paused_at);
      g_array_append_val (drift, d);
    }
  /* the other way back: stop (session gone) then play again at the saved position */
  for (guint i = 0; i < N_RESUMES / 2; i++)
    {
      guint before;
      gint64 pos;

      media_test_run_for (300);
      pos = stb_player_get_position_ms (player);
      stb_player_stop (player);
      before = f.n;
      t0 = stbsim_now_ns ();
      stb_player_play_vod (player, "clip", pos, NULL);
      if ((ms = wait_first_frame (&f, before, t0)) >= 0)
        g_array_append_val (restart, ms);
    }
  print_row ("VOD first play (RTSP setup)", start, 1);
  print_row ("VOD resume after pause", resume, N_RESUMES);
  print_row ("VOD resume position - pause position (ms)", drift, N_RESUMES);
  print_row ("VOD stop, then play_vod at saved position", restart, N_RESUMES / 2);
  a = cpu_mark (stbsim_proc_get_pid (he->proc));
  media_test_run_for (CPU_WINDOW_MS);
  b = cpu_mark (stbsim_proc_get_pid (he->proc));
  cpu_row ("VOD: player | head-end (RTSP+live ch)", a, b, 1, 1);
  stb_player_free (player);
  media_headend_stop (he);
  stbsim_test_rmtree (dir);
}

/* ---- call media ---------------------------------------------------------------------- */

typedef struct
{
  gint64 video_ns;
  gint64 audio_ns;
} CallFrames;

static void
on_call_frame (StbCallMedia *m, const gchar *kind, gint64 t_ns, gpointer data)
{
  CallFrames *f = data;
  if (g_str_equal (kind, "video"))
    f->video_ns = t_ns;
  else
    f->audio_ns = t_ns;
}

static void
on_call_error (StbCallMedia *m, const GError *error, gpointer data)
{
  g_printerr ("call media error: %s\n", error->message);
}

static gboolean
video_arrived (gpointer data)
{
  return ((CallFrames *)data)->video_ns != 0;
}

/* A sends first; B joins @late_ms later. Returns B's first video frame, ms after its start. */
static gdouble
one_call (gboolean key_frame_request, guint late_ms, gboolean measure_cpu)
{
  static const StbCallMediaCallbacks cb = { on_call_frame, on_call_error };
  StbCallMediaConfig cfg
      = { .bind_host = "127.0.0.1", .request_key_frame = key_frame_request, .gop_ms = CALL_GOP_MS };
  CallFrames fa = { 0 }, fb = { 0 };
  StbCallMedia *a = stb_call_media_new (&cfg, &cb, &fa, NULL);
  StbCallMedia *b = stb_call_media_new (&cfg, &cb, &fb, NULL);
  StbMediaEndpoint la, lb;
  gdouble ms = -1;
  gint64 t0;

  if (stb_call_media_prepare (a, &la, NULL) && stb_call_media_prepare (b, &lb, NULL)
      && stb_call_media_start (a, &lb, NULL))
    {
      media_test_run_for (late_ms);
      t0 = stbsim_now_ns ();
      if (stb_call_media_start (b, &la, NULL)
          && stbsim_test_wait_until (NULL, video_arrived, &fb, WAIT_MS))
        ms = (fb.video_ns - t0) / 1e6;
      if (measure_cpu)
        {
          CpuMark m0, m1;
          media_test_run_for (500);
          m0 = cpu_mark (0);
          media_test_run_for (CPU_WINDOW_MS);
          m1 = cpu_mark (0);
          cpu_row ("call: one side (A/V send + receive)", m0, m1, 2, 0);
        }
    }
  stb_call_media_free (a);
  stb_call_media_free (b);
  return ms;
}

static void
bench_call (gboolean key_frame_request)
{
  g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree gchar *what = g_strdup_printf ("call video, GOP %u ms, late join, %s", CALL_GOP_MS,
                                            key_frame_request ? "PLI" : "no PLI");

  for (guint i = 0; i < N_CALLS; i++)
    {
      gdouble ms = one_call (key_frame_request, 500 + i * (CALL_GOP_MS - 1000) / N_CALLS,
                             key_frame_request && i == 0);
      if (ms >= 0)
        g_array_append_val (v, ms);
    }
  print_row (what, v, N_CALLS);
}

int
main (int argc, char **argv)
{
  gint64 t0 = stbsim_now_ns ();

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (g_getenv ("BENCH_MEDIA_SAMPLES"))
    n_zaps = CLAMP (atoi (g_getenv ("BENCH_MEDIA_SAMPLES")), 1, 1000);
  gst_init (&argc, &argv);
  cpu_table = g_string_new (NULL);
  g_string_append_printf (cpu_table, "\n%-44s %9s %9s\n%-44s %9s %9s\n", "CPU (% of one core)",
                          "here", "head-end", "--------------------------------------------",
                          "---------", "---------");
  printf ("bench-media: %u zaps and %u resumes per GOP and mode, %u VOD resumes, %u calls per"
          " mode; 320x240@25, %ld cores\n",
          n_zaps, n_zaps, N_RESUMES, N_CALLS, sysconf (_SC_NPROCESSORS_ONLN));
  print_load ();
  print_header ();
  {
    /* BENCH_MEDIA_GOPS="500,4000": only these (default all four) */
    g_auto (GStrv) gops = g_strsplit (g_getenv ("BENCH_MEDIA_GOPS") ? g_getenv ("BENCH_MEDIA_GOPS")
                                                                    : "500,1000,2000,4000",
                                      ",", 8);
    for (guint i = 0; gops[i]; i++)
      bench_live (CLAMP (atoi (gops[i]), 40, 10000));
  }
  if (g_getenv ("BENCH_MEDIA_GOPS"))
    return 0; /* live only */
  bench_vod ();
  bench_call (FALSE);
  bench_call (TRUE);
  printf ("%s", cpu_table->str);
  print_load ();
  printf ("\nbench-media: done in %.1f s\n", (stbsim_now_ns () - t0) / 1e9);
  g_string_free (cpu_table, TRUE);
  return 0;
}
