/* SPDX-License-Identifier: MIT */
/* Benchmark statistics: percentiles on known data, the regression detector on seeded noise
 * (no timing), the baseline JSON round trip and its errors, bench selection helpers. */

#include <math.h>
#include <string.h>

#include "sr-baseline.h"
#include "sr-bench.h"
#include "sr-stats.h"
#include "sr-suite.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-stats");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* Standard normal by Box-Muller from a seeded GRand. */
static gdouble
gauss (GRand *r)
{
  gdouble u1 = g_rand_double_range (r, 1e-12, 1.0), u2 = g_rand_double (r);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* @n latencies around @median ms: log-normal (right-skewed like real latencies, sigma 0.25)
 * plus 5 % outliers up to 3x. */
static gdouble *
noisy (GRand *r, guint n, gdouble median)
{
  gdouble *v = g_new (gdouble, n);
  for (guint i = 0; i < n; i++)
    {
      v[i] = median * exp (0.25 * gauss (r));
      if (g_rand_double (r) < 0.05)
        v[i] *= g_rand_double_range (r, 1.5, 3.0);
    }
  return v;
}

/* ---- percentiles --------------------------------------------------------------------------- */

START_TEST (test_percentiles_known)
{
  gdouble v[100];
  for (guint i = 0; i < 100; i++)
    v[i] = 100 - i; /* unsorted on purpose */
  SrStatsSummary s;
  sr_stats_summarize (v, 100, &s);
  ck_assert_uint_eq (s.n, 100);
  ck_assert_double_eq_tol (s.min, 1, 1e-9);
  ck_assert_double_eq_tol (s.max, 100, 1e-9);
  ck_assert_double_eq_tol (s.mean, 50.5, 1e-9);
  ck_assert_double_eq_tol (s.p50, 50.5, 1e-9);
  ck_assert_double_eq_tol (s.p95, 95.05, 1e-9);
  ck_assert_double_eq_tol (s.p99, 99.01, 1e-9);
  ck_assert_double_eq_tol (v[0], 100, 1e-9); /* input untouched */
}
END_TEST

START_TEST (test_percentiles_small)
{
  gdouble one = 7.5;
  SrStatsSummary s;
  sr_stats_summarize (&one, 1, &s);
  ck_assert_double_eq_tol (s.p50, 7.5, 1e-12);
  ck_assert_double_eq_tol (s.p99, 7.5, 1e-12);
  gdouble two[] = { 1, 3 };
  ck_assert_double_eq_tol (sr_stats_percentile_sorted (two, 2, 50), 2, 1e-12);
  ck_assert_double_eq_tol (sr_stats_percentile_sorted (two, 2, 0), 1, 1e-12);
  ck_assert_double_eq_tol (sr_stats_percentile_sorted (two, 2, 100), 3, 1e-12);
  sr_stats_summarize (NULL, 0, &s);
  ck_assert_uint_eq (s.n, 0);
}
END_TEST

START_TEST (test_mann_whitney)
{
  gdouble lo[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  gdouble hi[] = { 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
  ck_assert (sr_stats_mann_whitney_greater (hi, 10, lo, 10) < 1e-3);
  ck_assert (sr_stats_mann_whitney_greater (lo, 10, hi, 10) > 0.99);
  ck_assert (sr_stats_mann_whitney_greater (lo, 10, lo, 10) > 0.4);
  gdouble tied[] = { 5, 5, 5, 5 };
  ck_assert_double_eq (sr_stats_mann_whitney_greater (tied, 4, tied, 4), 1.0);
  ck_assert_double_eq (sr_stats_mann_whitney_greater (lo, 10, NULL, 0), 1.0);
}
END_TEST

/* ---- regression detector ------------------------------------------------------------------- */

START_TEST (test_shift_is_flagged)
{
  SrCompareParams p;
  sr_compare_params_init (&p);
  for (guint seed = 1; seed <= 50; seed++)
    {
      g_autoptr (GRand) r = g_rand_new_with_seed (seed);
      g_autofree gdouble *base = noisy (r, 40, 100);
      g_autofree gdouble *cur = noisy (r, 40, 150); /* +50 % */
      SrComparison c;
      ck_assert_msg (sr_stats_compare (base, 40, cur, 40, &p, &c) == SR_CHANGE_REGRESSION,
                     "seed %u: +50%% not flagged (ratio %.2f p %.4g)", seed, c.ratio_p50,
                     c.p_slower);
      /* and the other way round it is an improvement */
      ck_assert_int_eq (sr_stats_compare (cur, 40, base, 40, &p, &c), SR_CHANGE_IMPROVEMENT);
    }
}
END_TEST

START_TEST (test_noise_is_not_flagged)
{
  SrCompareParams p;
  sr_compare_params_init (&p);
  guint flagged = 0;
  for (guint seed = 1; seed <= 200; seed++)
    {
      g_autoptr (GRand) r = g_rand_new_with_seed (1000 + seed);
      g_autofree gdouble *base = noisy (r, 30, 100);
      g_autofree gdouble *cur = noisy (r, 30, 100);
      SrComparison c;
      if (sr_stats_compare (base, 30, cur, 30, &p, &c) != SR_CHANGE_NONE)
        flagged++;
    }
  ck_assert_uint_eq (flagged, 0);
}
END_TEST

START_TEST (test_small_shift_is_not_flagged)
{
  /* +10 %: a real shift (400 samples each), but below the relative threshold */
  SrCompareParams p;
  sr_compare_params_init (&p);
  g_autoptr (GRand) r = g_rand_new_with_seed (7);
  g_autofree gdouble *base = noisy (r, 400, 100);
  g_autofree gdouble *cur = noisy (r, 400, 110);
  SrComparison c;
  ck_assert_int_eq (sr_stats_compare (base, 400, cur, 400, &p, &c), SR_CHANGE_NONE);
  ck_assert (c.ratio_p50 > 1.05);
}
END_TEST

START_TEST (test_thresholds)
{
  SrCompareParams p;
  sr_compare_params_init (&p);
  g_autoptr (GRand) r = g_rand_new_with_seed (3);
  g_autofree gdouble *base = noisy (r, 40, 1.0);
  g_autofree gdouble *cur = noisy (r, 40, 1.5);
  SrComparison c;
  ck_assert_int_eq (sr_stats_compare (base, 40, cur, 40, &p, &c), SR_CHANGE_REGRESSION);
  /* the absolute floor is scaled to the hop: a 5 ms min_delta does not hide a 1 ms hop that
   * grew 1.5x (the floor becomes 20 % of its 1 ms baseline p50) */
  p.min_delta = 5;
  ck_assert_int_eq (sr_stats_compare (base, 40, cur, 40, &p, &c), SR_CHANGE_REGRESSION);
  ck_assert_double_eq_tol (c.floor, 0.2 * c.baseline.p50, 1e-9);
  p.min_delta = 0;
  p.baseline_scale = 1.5; /* the machine is 1.5x slower: no regression */
  ck_assert_int_eq (sr_stats_compare (base, 40, cur, 40, &p, &c), SR_CHANGE_NONE);
  ck_assert_double_eq_tol (c.ratio_p50, 1.0, 0.3);
  p.baseline_scale = 1.0;
  ck_assert_int_eq (sr_stats_compare (base, 5, cur, 40, &p, &c), SR_CHANGE_INSUFFICIENT);
  ck_assert_str_eq (sr_change_to_string (SR_CHANGE_REGRESSION), "regression");
}
END_TEST

/* Issue 13: under the ci profile (alpha 0.01, +50 % p50, 20 ms floor) a 5.6x slowdown of a
 * ~1 ms hop (SW-TIME-08) was judged "same" because the floor exceeded the hop's size. */
START_TEST (test_small_hop_regression_explained)
{
  SrCompareParams p;
  sr_compare_params_init (&p);
  p.alpha = 0.01;
  p.p50_increase = 0.5;
  p.p95_increase = 0.75;
  p.min_delta = 20;
  g_autoptr (GRand) r = g_rand_new_with_seed (8);
  g_autofree gdouble *base = noisy (r, 20, 1.0);
  g_autofree gdouble *cur = noisy (r, 20, 5.6);
  SrComparison c;
  ck_assert_int_eq (sr_stats_compare (base, 20, cur, 20, &p, &c), SR_CHANGE_REGRESSION);
  ck_assert (c.floor < 1.0);
  g_autofree gchar *why = sr_stats_explain (&c, &p);
  ck_assert_msg (g_str_has_prefix (why, "regression:") && strstr (why, "p=")
                     && strstr (why, "< alpha 0.01") && strstr (why, "floor min(20 ms"),
                 "%s", why);
  /* unchanged: "same", and the sentence says why */
  g_autofree gdouble *same = noisy (r, 20, 1.0);
  ck_assert_int_eq (sr_stats_compare (base, 20, same, 20, &p, &c), SR_CHANGE_NONE);
  g_autofree gchar *why_same = sr_stats_explain (&c, &p);
  ck_assert_msg (g_str_has_prefix (why_same, "same:"), "%s", why_same);
}
END_TEST

/* Eleven hops of different sizes, identical distributions in baseline and current except one
 * hop twice as slow: exactly that hop is flagged, in every seeded trial; with no slow hop,
 * none is. */
START_TEST (test_one_slow_hop_of_many)
{
  SrCompareParams p;
  sr_compare_params_init (&p);
  p.p50_increase = 0.5;
  p.p95_increase = 0.75;
  p.min_delta = 20;
  const gdouble sizes[] = { 0.3, 0.5, 0.8, 1, 2, 3, 5, 8, 20, 200, 700 };
  for (guint seed = 1; seed <= 20; seed++)
    {
      g_autoptr (GRand) r = g_rand_new_with_seed (seed);
      guint slow = seed % G_N_ELEMENTS (sizes);
      for (guint h = 0; h < G_N_ELEMENTS (sizes); h++)
        {
          g_autofree gdouble *base = noisy (r, 20, sizes[h]);
          g_autofree gdouble *cur = noisy (r, 20, sizes[h] * (h == slow ? 2.0 : 1.0));
          g_autofree gdouble *again = noisy (r, 20, sizes[h]);
          SrComparison c;
          SrChange want = h == slow ? SR_CHANGE_REGRESSION : SR_CHANGE_NONE;
          ck_assert_msg (sr_stats_compare (base, 20, cur, 20, &p, &c) == want,
                         "seed %u hop %g ms%s: %s (p=%g)", seed, sizes[h], h == slow ? " (2x)" : "",
                         sr_change_to_string (c.change), c.p_slower);
          ck_assert_int_eq (sr_stats_compare (base, 20, again, 20, &p, &c), SR_CHANGE_NONE);
        }
    }
}
END_TEST

START_TEST (test_profile_params)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  ck_assert (g_key_file_load_from_data (kf,
                                        "[regression]\nconfidence=0.95\np50_increase_pct=15\n"
                                        "p95_increase_pct=30\nmin_delta_ms=5\n",
                                        -1, G_KEY_FILE_NONE, NULL));
  SrCompareParams p;
  sr_bench_params_from_profile (kf, &p);
  ck_assert_double_eq_tol (p.alpha, 0.05, 1e-9);
  ck_assert_double_eq_tol (p.p50_increase, 0.15, 1e-9);
  ck_assert_double_eq_tol (p.p95_increase, 0.30, 1e-9);
  ck_assert_double_eq_tol (p.min_delta, 5, 1e-9);
  sr_bench_params_from_profile (NULL, &p);
  ck_assert_double_eq_tol (p.p50_increase, 0.20, 1e-9);
  ck_assert_double_eq_tol (p.alpha, 0.01, 1e-9);
}
END_TEST

/* ---- baseline file ------------------------------------------------------------------------- */

START_TEST (test_baseline_round_trip)
{
  g_autoptr (SrBaseline) b = sr_baseline_new ();
  sr_baseline_describe_host (b, NULL);
  ck_assert_ptr_nonnull (b->created);
  ck_assert_ptr_nonnull (b->machine);
  b->mode = g_strdup ("injection");
  b->command_line = g_strdup ("stbsim bench --repeat 3");
  SrDistribution *d = sr_distribution_new ("SW-TIME-11", "accept-key-to-stop-iptv", "key");
  for (guint i = 0; i < 25; i++)
    sr_distribution_add (d, 0.125 * i);
  g_ptr_array_add (b->distributions, d);
  g_ptr_array_add (b->distributions, sr_distribution_new ("qcop.transit", NULL, "channel"));
  g_autofree gchar *path = g_build_filename (tmpdir, "b.json", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_msg (sr_baseline_save (b, path, &error), "%s", error ? error->message : "");

  g_autoptr (SrBaseline) l = sr_baseline_load (path, &error);
  ck_assert_msg (l != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (l->mode, "injection");
  ck_assert_str_eq (l->created, b->created);
  ck_assert_str_eq (l->command_line, "stbsim bench --repeat 3");
  ck_assert_uint_eq (l->distributions->len, 2);
  SrDistribution *ld = sr_baseline_lookup (l, "SW-TIME-11");
  ck_assert_ptr_nonnull (ld);
  ck_assert_str_eq (ld->hop, "key");
  ck_assert_str_eq (ld->name, "accept-key-to-stop-iptv");
  ck_assert_uint_eq (ld->samples_ms->len, 25);
  for (guint i = 0; i < 25; i++)
    ck_assert_double_eq_tol (g_array_index (ld->samples_ms, gdouble, i), 0.125 * i, 1e-12);
  ck_assert_uint_eq (sr_baseline_lookup (l, "qcop.transit")->samples_ms->len, 0);
  ck_assert_ptr_null (sr_baseline_lookup (l, "SW-TIME-99"));

  /* the summary is in the file too, for humans and other tools */
  g_autofree gchar *text = NULL;
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (text, "\"p95_ms\""));
  ck_assert_ptr_nonnull (strstr (text, "\"stbsim-baseline-1\""));
}
END_TEST

static void
assert_load_fails (const gchar *name, const gchar *contents, gint code, const gchar *what)
{
  g_autofree gchar *path = g_build_filename (tmpdir, name, NULL);
  if (contents)
    ck_assert (g_file_set_contents (path, contents, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (SrBaseline) b = sr_baseline_load (path, &error);
  ck_assert_ptr_null (b);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, SR_BASELINE_ERROR, code), "%s: %s", name, error->message);
  ck_assert_msg (strstr (error->message, path) != NULL, "no file name in: %s", error->message);
  ck_assert_msg (strstr (error->message, what) != NULL, "'%s' not in: %s", what, error->message);
}

START_TEST (test_baseline_corrupt)
{
  assert_load_fails ("missing.json", NULL, SR_BASELINE_ERROR_IO, "no such file");
  assert_load_fails ("truncated.json", "{\"format\": \"stbsim-baseline-1\", \"latencies\": [",
                     SR_BASELINE_ERROR_PARSE, "not valid JSON");
  assert_load_fails ("other.json", "{\"format\": \"stbsim-results-1\", \"tests\": []}",
                     SR_BASELINE_ERROR_FORMAT, "not a stbsim baseline");
  assert_load_fails ("array.json", "[1, 2]", SR_BASELINE_ERROR_FORMAT, "not a stbsim baseline");
  assert_load_fails ("noid.json",
                     "{\"format\": \"stbsim-baseline-1\", \"latencies\": [{\"samples_ms\": []}]}",
                     SR_BASELINE_ERROR_FORMAT, "latencies[0]");
  assert_load_fails ("nan.json",
                     "{\"format\": \"stbsim-baseline-1\", \"latencies\": [{\"id\": \"X\", "
                     "\"samples_ms\": [1.0, \"two\"]}]}",
                     SR_BASELINE_ERROR_FORMAT, "samples_ms[1]");
}
END_TEST

/* ---- bench helpers ------------------------------------------------------------------------- */

START_TEST (test_hops)
{
  ck_assert_str_eq (sr_bench_hop ("key.voip|key=ok", "STOP_IPTV"), "key");
  ck_assert_str_eq (sr_bench_hop ("RESUME_IPTV", "iptv.first-frame"), "media");
  ck_assert_str_eq (sr_bench_hop ("key.iptv|key=1", "iptv.first-frame"), "media");
  ck_assert_str_eq (sr_bench_hop ("inject.hangup", "RESUME_IPTV"), "sip");
  ck_assert_str_eq (sr_bench_hop ("CALLEE_SHOW_VIDEO_PAGE", "voip.call|state=answered"), "sip");
  ck_assert_str_eq (sr_bench_hop ("STOP_IPTV", "CALLEE_SHOW_VIDEO_PAGE"), "channel");
  ck_assert_str_eq (sr_bench_hop (NULL, NULL), "channel");
}
END_TEST

START_TEST (test_selection)
{
  g_autofree gchar *cat = g_build_filename (tmpdir, "catalogue.ini", NULL);
  ck_assert (g_file_set_contents (cat,
                                  "[catalogue]\nversion=1\n"
                                  "[TC-A]\nscenario=a.scenario\ntiming=SW-TIME-01\n"
                                  "[TC-B]\nscenario=b.scenario\n"
                                  "[TC-C]\nscenario=c.scenario\nrepeat=4\n",
                                  -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autofree gchar *re = sr_bench_default_filter (cat, &error);
  ck_assert_msg (re != NULL, "%s", error ? error->message : "");
  ck_assert (g_regex_match_simple (re, "TC-A.bidirectional", 0, 0));
  ck_assert (g_regex_match_simple (re, "TC-C.unidirectional", 0, 0));
  ck_assert (!g_regex_match_simple (re, "TC-B.bidirectional", 0, 0));
  ck_assert (!g_regex_match_simple (re, "TC-AB.bidirectional", 0, 0));

  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_test_spec_free);
  const gchar *ids[] = { "TC-A", "TC-C" };
  for (guint i = 0; i < 2; i++)
    {
      SrTestSpec *s = g_new0 (SrTestSpec, 1);
      s->case_id = g_strdup (ids[i]);
      s->id = g_strdup_printf ("%s.bidirectional", ids[i]);
      s->layout = g_strdup ("bidirectional");
      g_ptr_array_add (tests, s);
    }
  SrBenchOptions o = { .repeat = 3 };
  g_autoptr (GPtrArray) x = sr_bench_expand (&o, tests);
  ck_assert_uint_eq (x->len, 6);
  ck_assert_str_eq (((SrTestSpec *)g_ptr_array_index (x, 0))->id, "TC-A.bidirectional.r01");
  ck_assert_str_eq (((SrTestSpec *)g_ptr_array_index (x, 1))->id, "TC-C.bidirectional.r01");
  ck_assert_str_eq (((SrTestSpec *)g_ptr_array_index (x, 5))->id, "TC-C.bidirectional.r03");
  /* repeat 0: the catalogue's repeat= (TC-C: 4), else 20 (TC-A) */
  o.repeat = 0;
  o.catalogue_path = cat;
  g_autoptr (GPtrArray) y = sr_bench_expand (&o, tests);
  ck_assert_uint_eq (y->len, 24);
}
END_TEST

static Suite *
stats_suite (void)
{
  Suite *s = suite_create ("sr-stats");
  TCase *pct = tcase_create ("percentiles");
  tcase_add_test (pct, test_percentiles_known);
  tcase_add_test (pct, test_percentiles_small);
  tcase_add_test (pct, test_mann_whitney);
  tcase_set_timeout (pct, 10);
  suite_add_tcase (s, pct);
  TCase *det = tcase_create ("detector");
  tcase_add_test (det, test_shift_is_flagged);
  tcase_add_test (det, test_noise_is_not_flagged);
  tcase_add_test (det, test_small_shift_is_not_flagged);
  tcase_add_test (det, test_thresholds);
  tcase_add_test (det, test_small_hop_regression_explained);
  tcase_add_test (det, test_one_slow_hop_of_many);
  tcase_add_test (det, test_profile_params);
  tcase_set_timeout (det, 20);
  suite_add_tcase (s, det);
  TCase *bl = tcase_create ("baseline");
  tcase_add_checked_fixture (bl, setup, teardown);
  tcase_add_test (bl, test_baseline_round_trip);
  tcase_add_test (bl, test_baseline_corrupt);
  tcase_add_test (bl, test_hops);
  tcase_add_test (bl, test_selection);
  tcase_set_timeout (bl, 10);
  suite_add_tcase (s, bl);
  return s;
}

int
main (void)
{
  return stbsim_test_run (stats_suite ());
}
