/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-parallel"

#include "sr-parallel.h"
#include "sr-ports.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sr-issues.h"
#include "sr-merge.h"
#include "sr-suite.h"
#include "stbsim-proc.h"

/* Port blocks for parallel runs: below Linux's default ephemeral range (32768-60999). */
#define BLOCK_FIRST 20480
#define BLOCK_SIZE 1024
#define BLOCK_COUNT 12
#define MAX_JOBS 16
#define MIB_PER_JOB 256
/* How long children get to stop and write their reports after SIGTERM. */
#define STOP_GRACE_S 60
#define POLL_MS 20

/* ---- jobs and shards ------------------------------------------------------------------------ */

static guint64
mem_available_kib (void)
{
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents ("/proc/meminfo", &text, NULL, NULL))
    return 0;
  const gchar *p = strstr (text, "MemAvailable:");
  return p ? g_ascii_strtoull (p + strlen ("MemAvailable:"), NULL, 10) : 0;
}

/* CPU time counters of all CPUs (/proc/stat "cpu" line, in ticks): total and idle+iowait. */
static gboolean
cpu_ticks (guint64 *total, guint64 *idle)
{
  g_autofree gchar *text = NULL;
  guint64 v[10] = { 0 };
  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) || !g_str_has_prefix (text, "cpu "))
    return FALSE;
  gchar *p = text + 4;
  *total = 0;
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    {
      gchar *end = NULL;
      v[i] = g_ascii_strtoull (p, &end, 10);
      if (end == p)
        break;
      p = end;
      if (i < 8) /* guest and guest_nice are already in user and nice */
        *total += v[i];
    }
  *idle = v[3] + v[4];
  return TRUE;
}

/* How many CPUs are idle now: the idle share of all CPUs over SAMPLE_MS, times the CPUs
 * (what other work already takes is not ours). The 1-minute load average lags: right after
 * a build or an earlier run it still counts work that has ended, and a back-to-back run
 * got a fraction of an idle machine. */
#define SAMPLE_MS 250
static gdouble
idle_cpus (guint cpus)
{
  guint64 t0 = 0, i0 = 0, t1 = 0, i1 = 0;
  if (!cpu_ticks (&t0, &i0))
    return cpus;
  g_usleep (SAMPLE_MS * 1000);
  if (!cpu_ticks (&t1, &i1) || t1 <= t0)
    return cpus;
  return cpus * (gdouble)(i1 - i0) / (gdouble)(t1 - t0);
}

guint
sr_parallel_default_jobs (gchar **why)
{
  guint cpus = (guint)MAX (g_get_num_processors (), 1);
  guint64 kib = mem_available_kib ();
  guint by_mem = kib ? (guint)MIN (kib / (MIB_PER_JOB * 1024), G_MAXUINT) : MAX_JOBS;
  gdouble idle = idle_cpus (cpus);
  /* a test waits on protocol timers most of the time (a serial run keeps a third of a CPU
   * busy): three per idle CPU keep them busy */
  gdouble free_slots = 3.0 * idle;
  guint by_cpu = free_slots < 1.0 ? 1 : (guint)(free_slots + 0.5);
  guint jobs = MAX (1, MIN (MIN (by_cpu, by_mem), MAX_JOBS));
  if (why)
    *why = g_strdup_printf ("min(3 x %.1f idle of %u CPUs, %" G_GUINT64_FORMAT
                            " MiB available / %u MiB, %u) = %u",
                            idle, cpus, kib / 1024, MIB_PER_JOB, MAX_JOBS, jobs);
  return jobs;
}

gboolean
sr_parallel_parse_jobs (const gchar *text, guint *jobs, GError **error)
{
  guint64 v = 0;
  if (g_strcmp0 (text, "auto") == 0)
    v = 0;
  else if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, 1024, &v, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "-j %s: a number of parallel tests (1-1024), or auto (or 0)", text ? text : "");
      return FALSE;
    }
  *jobs = v == 0 ? sr_parallel_default_jobs (NULL) : (guint)v;
  return TRUE;
}

gboolean
sr_shard_parse (const gchar *text, guint *k, guint *n, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text ? text : "", "/", 3);
  guint64 kv = 0, nv = 0;
  if (g_strv_length (parts) != 2 || !g_ascii_string_to_unsigned (parts[0], 10, 1, 1024, &kv, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, 1024, &nv, NULL) || kv > nv)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--shard %s: K/N with 1 <= K <= N <= 1024 (e.g. 2/4; Kubernetes: "
                   "$((JOB_COMPLETION_INDEX + 1))/N)",
                   text ? text : "");
      return FALSE;
    }
  *k = (guint)kv;
  *n = (guint)nv;
  return TRUE;
}

static gint
compare_spec_ids (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(SrTestSpec *const *)a)->id, (*(SrTestSpec *const *)b)->id);
}

void
sr_shard_select (GPtrArray *tests, guint k, guint n)
{
  g_return_if_fail (k >= 1 && k <= n);
  g_ptr_array_sort (tests, compare_spec_ids);
  guint kept = 0;
  for (guint i = 0; i < tests->len; i++)
    {
      if (i % n == k - 1)
        {
          gpointer keep = tests->pdata[i];
          tests->pdata[i] = tests->pdata[kept];
          tests->pdata[kept++] = keep;
        }
    }
  g_ptr_array_set_size (tests, kept); /* frees the rest (the array's free func) */
}

JsonNode *
sr_shard_json (const gchar *spec)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "shard");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "spec");
  json_builder_add_string_value (b, spec);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, g_get_host_name ());
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
sr_shard_json_add (SrReport *report, JsonNode *shard_json)
{
  if (report->extra_json == NULL || !JSON_NODE_HOLDS_OBJECT (report->extra_json))
    {
      g_clear_pointer (&report->extra_json, json_node_unref);
      report->extra_json = json_node_copy (shard_json);
    }
  else
    {
      JsonObject *dst = json_node_get_object (report->extra_json);
      JsonObject *src = json_node_get_object (shard_json);
      g_autoptr (GList) members = json_object_get_members (src);
      for (GList *m = members; m; m = m->next)
        json_object_set_member (dst, m->data,
                                json_node_copy (json_object_get_member (src, m->data)));
    }
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = g_build_filename (report->run_dir, "results.json", NULL);
  g_autofree gchar *json = sr_report_json (report);
  if (sr_report_write_file (path, json, &error))
    return TRUE;
  g_printerr ("stbsim: cannot write %s: %s\n", path, error->message);
  return FALSE;
}

/* One leased block: its first port stays bound for the whole run. */
typedef struct
{
  GSocket *anchor;
  guint first;
} Lease;

static gboolean
ephemeral_overlaps (guint lo, guint hi)
{
  g_autofree gchar *text = NULL;
  guint64 a = 32768, b = 60999;
  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL))
    {
      gchar *end = NULL;
      a = g_ascii_strtoull (text, &end, 10);
      b = end ? g_ascii_strtoull (end, NULL, 10) : b;
    }
  return lo <= b && a <= hi;
}

static gboolean
lease_acquire (Lease *lease)
{
  if (ephemeral_overlaps (BLOCK_FIRST, BLOCK_FIRST + BLOCK_SIZE * BLOCK_COUNT - 1))
    return FALSE;
  for (guint b = 0; b < BLOCK_COUNT; b++)
    {
      guint first = BLOCK_FIRST + b * BLOCK_SIZE;
      GSocket *s = sr_ports_bind (first);
      if (s != NULL)
        {
          lease->anchor = s;
          lease->first = first;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- scheduling: longest first --------------------------------------------------------------- */

/* id -> duration (s, gdouble*) from the newest earlier runs in @history (run directories with
 * a results.json), at most HISTORY_RUNS of them, the newest value winning. */
#define HISTORY_RUNS 5
static GHashTable *
load_history (const gchar *history, const gchar *skip)
{
  GHashTable *durations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GDir) d = history ? g_dir_open (history, 0, NULL) : NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (history, name, "results.json", NULL);
      if (g_strcmp0 (name, skip) != 0 && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (runs, g_steal_pointer (&path));
    }
  /* run ids start with a UTC timestamp: sorting by name is sorting by age */
  g_ptr_array_sort (runs, (GCompareFunc)(void (*) (void))g_strcmp0);
  guint first = runs->len > HISTORY_RUNS ? runs->len - HISTORY_RUNS : 0;
  for (guint i = first; i < runs->len; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      if (!json_parser_load_from_file (p, g_ptr_array_index (runs, i), NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
        continue;
      JsonObject *root = json_node_get_object (json_parser_get_root (p));
      JsonNode *tn = json_object_get_member (root, "tests");
      JsonArray *tests = tn && JSON_NODE_HOLDS_ARRAY (tn) ? json_node_get_array (tn) : NULL;
      for (guint k = 0; tests && k < json_array_get_length (tests); k++)
        {
          JsonNode *n = json_array_get_element (tests, k);
          JsonObject *t = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
          const gchar *id = t ? json_object_get_string_member_with_default (t, "id", NULL) : NULL;
          if (id == NULL || !json_object_get_boolean_member_with_default (t, "finished", FALSE))
            continue;
          gdouble *v = g_new (gdouble, 1);
          *v = json_object_get_double_member_with_default (t, "duration_s", 0.0);
          g_hash_table_insert (durations, g_strdup (id), v);
        }
    }
  return durations;
}

static GHashTable *sort_durations; /* for compare_longest (one sort at a time) */

static gdouble
expected (const SrTestSpec *s)
{
  const gdouble *v = g_hash_table_lookup (sort_durations, s->id);
  return v ? *v : G_MAXDOUBLE; /* never measured: first, it may be long */
}

static gint
compare_longest (gconstpointer a, gconstpointer b)
{
  const SrTestSpec *x = *(SrTestSpec *const *)a, *y = *(SrTestSpec *const *)b;
  gdouble dx = expected (x), dy = expected (y);
  if (dx != dy)
    return dx > dy ? -1 : 1;
  return g_strcmp0 (x->id, y->id);
}

/* ---- children ------------------------------------------------------------------------------ */

typedef struct
{
  StbsimProc *proc;
  guint test; /* index into tests */
  gchar *dir;
  gchar *log;
  gint64 start_us;
} Child;

typedef struct
{
  const SrConfig *config;
  SrReport *report;
  SrMerge *merge;
  GPtrArray *tests;
  const gchar *const *child_args;
  gchar *children_dir;
  Lease lease;
  guint jobs;
  guint span; /* ports per slot */
  Child *slots;
  guint next, done;
  gboolean progress;
  gboolean written;
} Parallel;

/* Remove @path and everything under it (a child's run directory, which this run made). */
static void
remove_tree (const gchar *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const gchar *name;
      while (d && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree gchar *sub = g_build_filename (path, name, NULL);
          remove_tree (sub);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static gboolean
write_report (Parallel *p)
{
  g_autoptr (GError) error = NULL;
  if (sr_merge_write (p->merge, &error))
    return TRUE;
  g_printerr ("stbsim: cannot write the report: %s\n", error->message);
  return FALSE;
}

static gchar **
child_argv (Parallel *p, guint slot, const SrTestSpec *spec, const gchar *dir)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_strv_builder_addv (b, (const gchar **)p->child_args);
  g_autofree gchar *escaped = g_regex_escape_string (spec->id, -1);
  g_autofree gchar *re = g_strdup_printf ("^%s$", escaped);
  g_strv_builder_add_many (b, "-t", re, "--run-dir", dir, "--quiet", NULL);
  if (p->lease.anchor != NULL)
    {
      guint first = p->lease.first + 1 + slot * p->span;
      g_autofree gchar *ports = g_strdup_printf ("%u-%u", first, first + p->span - 1);
      g_strv_builder_add_many (b, "--ports", ports, NULL);
    }
  return g_strv_builder_end (b);
}

static SrTestResult *
result_of (Parallel *p, const gchar *id)
{
  for (guint i = 0; i < p->report->tests->len; i++)
    {
      SrTestResult *t = g_ptr_array_index (p->report->tests, i);
      if (g_str_equal (t->id, id))
        return t;
    }
  return NULL;
}

static gboolean
start_child (Parallel *p, guint slot)
{
  const SrTestSpec *spec = g_ptr_array_index (p->tests, p->next);
  Child *c = &p->slots[slot];
  c->test = p->next++;
  c->dir = g_build_filename (p->children_dir, spec->id, NULL);
  c->log = g_strdup_printf ("%s/%s.log", p->children_dir, spec->id);
  c->start_us = g_get_monotonic_time ();
  g_auto (GStrv) argv = child_argv (p, slot, spec, c->dir);
  g_autoptr (GError) error = NULL;
  StbsimProcOptions opts = { .name = spec->id, .log_path = c->log, .death_signal = SIGTERM };
  c->proc = stbsim_proc_spawn ((const gchar *const *)argv, &opts, &error);
  if (c->proc == NULL)
    {
      SrTestResult *r = result_of (p, spec->id);
      r->started = TRUE;
      sr_issue_raise (r, "run::setup-failed", NULL, stbsim_now_ns (),
                      "cannot start the child stbsim for this test: %s", error->message);
      r->finished = TRUE;
      g_clear_pointer (&c->dir, g_free);
      g_clear_pointer (&c->log, g_free);
      p->done++;
      return FALSE;
    }
  return TRUE;
}

static void
print_progress (Parallel *p, const SrTestResult *r, gdouble wall_s)
{
  const SrIssue *worst = sr_test_result_worst_issue (r);
  gboolean why = worst && r->verdict > SR_VERDICT_PASS;
  g_print ("[%u/%u] %-44s %-8s %.1fs%s%s\n", p->done, p->tests->len, r->id,
           r->finished ? sr_verdict_to_string (r->verdict) : "unfinished", wall_s, why ? "  " : "",
           why ? worst->id : "");
  fflush (stdout);
}

/* A child exited (status @status): merge its run directory, move its log. */
static void
finish_child (Parallel *p, guint slot, gint status)
{
  Child *c = &p->slots[slot];
  const SrTestSpec *spec = g_ptr_array_index (p->tests, c->test);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *results = g_build_filename (c->dir, "results.json", NULL);
  gboolean merged = g_file_test (results, G_FILE_TEST_EXISTS)
                    && sr_merge_add_dir (p->merge, c->dir, TRUE, NULL, &error);
  SrTestResult *r = result_of (p, spec->id);
  if (!merged)
    {
      r->started = TRUE;
      sr_issue_raise (r, "run::setup-failed", NULL, stbsim_now_ns (),
                      "the child stbsim (wait status %d) left no usable report%s%s; see "
                      "logs/%s/stbsim.log",
                      status, error ? ": " : "", error ? error->message : "", spec->id);
      r->finished = TRUE;
    }
  g_autofree gchar *logs = g_build_filename (p->report->run_dir, "logs", spec->id, NULL);
  g_autofree gchar *log_dst = g_build_filename (logs, "stbsim.log", NULL);
  if (g_mkdir_with_parents (logs, 0755) == 0)
    g_rename (c->log, log_dst);
  remove_tree (c->dir); /* what the merge left: the child's report files, empty dirs */
  p->done++;
  if (p->progress)
    print_progress (p, r, (gdouble)(g_get_monotonic_time () - c->start_us) / 1e6);
  g_clear_pointer (&c->proc, stbsim_proc_free);
  g_clear_pointer (&c->dir, g_free);
  g_clear_pointer (&c->log, g_free);
  p->written &= write_report (p);
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static guint
running (Parallel *p)
{
  guint n = 0;
  for (guint s = 0; s < p->jobs; s++)
    n += p->slots[s].proc != NULL;
  return n;
}

SrVerdict
sr_parallel_run (const SrConfig *config, SrReport *report, GPtrArray *tests,
                 const gchar *const *child_args, guint jobs, const gchar *history,
                 gboolean progress)
{
  Parallel p = { 0 };
  g_autoptr (GPtrArray) order = g_ptr_array_copy (tests, NULL, NULL);
  g_ptr_array_set_free_func (order, NULL); /* a view: @tests owns the specs */
  sort_durations = load_history (history, report->run_id);
  if (g_hash_table_size (sort_durations) > 0)
    g_ptr_array_sort (order, compare_longest);
  g_clear_pointer (&sort_durations, g_hash_table_unref);
  tests = order; /* the order children start in; the report is in id order */
  p.config = config;
  p.report = report;
  p.tests = tests;
  p.child_args = child_args;
  p.jobs = MAX (1, MIN (jobs, MAX (tests->len, 1)));
  p.progress = progress;
  p.written = TRUE;
  p.slots = g_new0 (Child, p.jobs);
  p.children_dir = g_build_filename (report->run_dir, ".children", NULL);
  g_mkdir_with_parents (p.children_dir, 0755);
  if (lease_acquire (&p.lease))
    p.span = (BLOCK_SIZE - 1) / p.jobs;
  else
    g_printerr ("stbsim: no free port block in %u-%u (or it overlaps the ephemeral range): "
                "children pick ports from the kernel\n",
                BLOCK_FIRST, BLOCK_FIRST + BLOCK_SIZE * BLOCK_COUNT - 1);
  p.merge = sr_merge_new (report);
  for (guint i = 0; i < tests->len; i++)
    g_ptr_array_add (report->tests, sr_test_spec_result (g_ptr_array_index (tests, i)));
  p.written &= write_report (&p);

  guint tick = g_timeout_add (POLL_MS, on_tick, NULL);
  gboolean stopping = FALSE;
  gint64 kill_at = 0;
  for (;;)
    {
      gboolean interrupted = config->interrupted && g_atomic_int_get (config->interrupted);
      if (interrupted && !stopping)
        {
          stopping = TRUE;
          kill_at = g_get_monotonic_time () + STOP_GRACE_S * G_USEC_PER_SEC;
          for (guint s = 0; s < p.jobs; s++)
            if (p.slots[s].proc)
              stbsim_proc_signal (p.slots[s].proc, SIGTERM);
        }
      for (guint s = 0; !stopping && s < p.jobs && p.next < tests->len; s++)
        if (p.slots[s].proc == NULL)
          start_child (&p, s);
      for (guint s = 0; s < p.jobs; s++)
        {
          gint status = 0;
          if (p.slots[s].proc && stbsim_proc_poll_exit (p.slots[s].proc, &status))
            finish_child (&p, s, status);
        }
      if (stopping && g_get_monotonic_time () > kill_at)
        for (guint s = 0; s < p.jobs; s++)
          if (p.slots[s].proc)
            finish_child (&p, s, stbsim_proc_stop (p.slots[s].proc, 1000));
      if (running (&p) == 0 && (stopping || p.next >= tests->len))
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  if (stopping)
    report->interrupted = g_strdup ("interrupted by a signal (SIGINT/SIGTERM)");
  p.written &= write_report (&p);
  g_rmdir (p.children_dir);
  g_clear_object (&p.lease.anchor);
  g_free (p.children_dir);
  g_free (p.slots);
  sr_merge_free (p.merge);
  if (!p.written)
    {
      g_printerr ("stbsim: the report could not be written completely: verdict error (exit 3)\n");
      return SR_VERDICT_ERROR;
    }
  return sr_report_verdict (report);
}
