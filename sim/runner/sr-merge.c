/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-merge"

#include "sr-merge.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "sr-stats.h"

G_DEFINE_QUARK (sr - merge - error - quark, sr_merge_error)

/* Files a run directory has once per run (rebuilt by the merge, never copied). */
static const gchar *const run_files[]
    = { "junit.xml", "results.json", "report.html", "trace.jsonl", NULL };

/* One pooled benchmark distribution: (id, hop) over every input. */
typedef struct
{
  gchar *id;
  gchar *name;
  gchar *hop;
  GArray *samples; /* gdouble, ms */
  GPtrArray *hosts;
} Pool;

struct _SrMerge
{
  SrReport *report;
  GHashTable *trace_lines; /* test id -> GPtrArray of JSON lines (gchar*), time order */
  GPtrArray *hosts;        /* gchar*, unique, input order */
  GPtrArray *pools;        /* Pool* in first-seen order */
  GHashTable *pool_index;  /* "id\thop" -> Pool* */
  GPtrArray *inputs;       /* JsonNode* per input: {dir, host, run_id, finished, bench} */
  gboolean all_finished;
  GString *interrupted;
};

static void
pool_free (Pool *p)
{
  g_free (p->id);
  g_free (p->name);
  g_free (p->hop);
  g_array_unref (p->samples);
  g_ptr_array_unref (p->hosts);
  g_free (p);
}

SrMerge *
sr_merge_new (SrReport *report)
{
  SrMerge *m = g_new0 (SrMerge, 1);
  m->report = report;
  m->trace_lines
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  m->hosts = g_ptr_array_new_with_free_func (g_free);
  m->pools = g_ptr_array_new_with_free_func ((GDestroyNotify)pool_free);
  m->pool_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  m->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  m->all_finished = TRUE;
  m->interrupted = g_string_new (NULL);
  return m;
}

void
sr_merge_free (SrMerge *m)
{
  if (m == NULL)
    return;
  g_hash_table_unref (m->trace_lines);
  g_ptr_array_unref (m->hosts);
  g_ptr_array_unref (m->pools);
  g_hash_table_unref (m->pool_index);
  g_ptr_array_unref (m->inputs);
  g_string_free (m->interrupted, TRUE);
  g_free (m);
}

guint
sr_merge_n_hosts (SrMerge *m)
{
  return m->hosts->len;
}

static void
add_host (SrMerge *m, const gchar *host)
{
  for (guint i = 0; i < m->hosts->len; i++)
    if (g_str_equal (g_ptr_array_index (m->hosts, i), host))
      return;
  g_ptr_array_add (m->hosts, g_strdup (host));
}

/* ---- tolerant JSON getters ----------------------------------------------------------------- */

static const gchar *
jstr (JsonObject *o, const gchar *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

static gdouble
jnum (JsonObject *o, const gchar *key, gdouble def)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return def;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return (gdouble)json_node_get_int (n);
  if (t == G_TYPE_DOUBLE)
    return json_node_get_double (n);
  return def;
}

static gint64
jint (JsonObject *o, const gchar *key, gint64 def)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return def;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (gint64)json_node_get_double (n);
  return def;
}

static gboolean
jbool (JsonObject *o, const gchar *key, gboolean def)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN
             ? json_node_get_boolean (n)
             : def;
}

static JsonArray *
jarr (JsonObject *o, const gchar *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static JsonObject *
jobj (JsonObject *o, const gchar *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonObject *
jarr_obj (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);
  return JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gchar **
jstrv (JsonArray *a)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        g_strv_builder_add (b, json_node_get_string (n));
    }
  return g_strv_builder_end (b);
}

/* -1 for null/missing (sr-report.c writes -1 ns as null) */
static gint64
jms_to_ns (JsonObject *o, const gchar *key)
{
  gdouble ms = jnum (o, key, -1.0);
  return ms < 0 ? -1 : (gint64)(ms * 1e6 + 0.5);
}

/* ---- results.json -> SrTestResult ------------------------------------------------------------ */

/* @text with every @from (an input run directory) replaced by @to (the merged one), so that
 * evidence naming a log or capture points to where the merge put it. */
static gchar *
relocate (const gchar *text, const gchar *from, const gchar *to)
{
  if (text == NULL || from == NULL || strstr (text, from) == NULL)
    return g_strdup (text);
  g_autoptr (GString) s = g_string_new (text);
  g_string_replace (s, from, to, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static SrTestResult *
test_from_json (JsonObject *o, const gchar *from, const gchar *to)
{
  const gchar *id = jstr (o, "id");
  if (id == NULL)
    return NULL;
  SrTestResult *t = sr_test_result_new (id);
  t->scenario = g_strdup (jstr (o, "scenario"));
  t->layout = g_strdup (jstr (o, "layout"));
  t->summary = g_strdup (jstr (o, "summary"));
  t->requirements = jstrv (jarr (o, "requirements"));
  t->finished = jbool (o, "finished", FALSE);
  t->start_ns = jint (o, "start_ns", 0);
  t->started = t->start_ns != 0 || t->finished;
  gdouble dur = jnum (o, "duration_s", 0.0);
  t->end_ns = t->start_ns != 0 ? t->start_ns + (gint64)(dur * 1e9) : 0;
  JsonArray *issues = jarr (o, "issues");
  for (guint i = 0; issues && i < json_array_get_length (issues); i++)
    {
      JsonObject *is = jarr_obj (issues, i);
      SrVerdict level = SR_VERDICT_NONE;
      if (is == NULL || jstr (is, "id") == NULL)
        continue;
      sr_verdict_from_string (jstr (is, "level"), &level);
      g_autofree gchar *evidence = relocate (jstr (is, "evidence"), from, to);
      g_ptr_array_add (t->issues, sr_issue_new (jstr (is, "id"), level, jstr (is, "requirement"),
                                                evidence, jint (is, "t_ns", 0)));
    }
  JsonObject *cov = jobj (o, "coverage");
  g_autoptr (GList) reqs = cov ? json_object_get_members (cov) : NULL;
  for (GList *r = reqs; r; r = r->next)
    {
      JsonObject *c = jobj (cov, r->data);
      g_auto (GStrv) checks = jstrv (jarr (c, "checks"));
      for (guint k = 0; checks[k]; k++)
        sr_test_result_note_evaluated (t, r->data, checks[k]);
      SrCoverage *sc = g_hash_table_lookup (t->coverage, r->data);
      if (sc != NULL)
        sc->evaluations = (guint)MAX (jint (c, "evaluations", sc->evaluations), 0);
    }
  JsonArray *lat = jarr (o, "latencies");
  for (guint i = 0; lat && i < json_array_get_length (lat); i++)
    {
      JsonObject *l = jarr_obj (lat, i);
      if (l == NULL || jstr (l, "name") == NULL)
        continue;
      sr_test_result_add_latency (t, jstr (l, "name"), jstr (l, "from"), jstr (l, "to"),
                                  jstr (l, "budget_id"), jms_to_ns (l, "value_ms"),
                                  jms_to_ns (l, "budget_ms"));
    }
  SrVerdict v = SR_VERDICT_NONE;
  sr_verdict_from_string (jstr (o, "verdict"), &v);
  t->verdict = v; /* as recorded: the issues above are its evidence */
  return t;
}

/* ---- trace.jsonl -> events ----------------------------------------------------------------- */

static gboolean
kind_from_string (const gchar *s, SrEventKind *kind)
{
  for (gint k = SR_EVENT_RUNNER; k <= SR_EVENT_CHANNEL; k++)
    if (g_strcmp0 (s, sr_event_kind_to_string ((SrEventKind)k)) == 0)
      {
        *kind = (SrEventKind)k;
        return TRUE;
      }
  return FALSE;
}

static SrEvent *
event_from_json (JsonObject *o)
{
  SrEventKind kind;
  if (!kind_from_string (jstr (o, "kind"), &kind) || jstr (o, "source") == NULL)
    return NULL;
  SrEvent *e = sr_event_new (jint (o, "t_ns", 0), kind, jstr (o, "source"), jstr (o, "name"));
  e->target = g_strdup (jstr (o, "target"));
  e->channel = g_strdup (jstr (o, "channel"));
  e->details = g_strdup (jstr (o, "details"));
  e->data_hex = g_strdup (jstr (o, "data"));
  e->client = (gint)jint (o, "client", 0);
  e->msg_type = (gint)jint (o, "type", 0);
  e->msg_param = (gint)jint (o, "param", 0);
  return e;
}

/* The test of @tests (sorted by start) an event at @t_ns belongs to: the last one started at
 * or before it (sr-run.c slices a test's events from its start on). */
static SrTestResult *
test_at (GPtrArray *by_start, gint64 t_ns)
{
  SrTestResult *found = NULL;
  for (guint i = 0; i < by_start->len; i++)
    {
      SrTestResult *t = g_ptr_array_index (by_start, i);
      if (t->start_ns != 0 && t->start_ns <= t_ns)
        found = t;
    }
  return found;
}

static gint
compare_start (gconstpointer a, gconstpointer b)
{
  const SrTestResult *x = *(SrTestResult *const *)a, *y = *(SrTestResult *const *)b;
  return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static void
add_trace_line (SrMerge *m, const gchar *test_id, const gchar *line)
{
  GPtrArray *lines = g_hash_table_lookup (m->trace_lines, test_id);
  if (lines == NULL)
    {
      lines = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (m->trace_lines, g_strdup (test_id), lines);
    }
  g_ptr_array_add (lines, g_strdup (line));
}

/* Attribute every line of @path to one of @tests; fill their events and the merged trace. */
static gboolean
read_trace (SrMerge *m, const gchar *path, GPtrArray *tests, GHashTable *renamed, GError **error)
{
  g_autofree gchar *text = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE; /* a run interrupted before its first write: no trace */
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  g_autoptr (GPtrArray) by_start = g_ptr_array_copy (tests, NULL, NULL);
  g_ptr_array_set_free_func (by_start, NULL);
  g_ptr_array_sort (by_start, compare_start);
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < tests->len; i++)
    {
      SrTestResult *t = g_ptr_array_index (tests, i);
      g_ptr_array_set_size (t->events, 0);
      const gchar *orig = g_hash_table_lookup (renamed, t->id);
      g_hash_table_insert (by_id, (gpointer)(orig ? orig : t->id), t);
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (JsonParser) parser = json_parser_new ();
  for (guint i = 0; lines[i]; i++)
    {
      if (*lines[i] == '\0')
        continue;
      g_autoptr (GError) local = NULL;
      if (!json_parser_load_from_data (parser, lines[i], -1, &local)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          g_set_error (error, SR_MERGE_ERROR, SR_MERGE_ERROR_INPUT, "%s:%u: not a JSON object%s%s",
                       path, i + 1, local ? ": " : "", local ? local->message : "");
          return FALSE;
        }
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      const gchar *tid = jstr (o, "test");
      SrTestResult *t
          = tid ? g_hash_table_lookup (by_id, tid) : test_at (by_start, jint (o, "t_ns", 0));
      g_autoptr (SrEvent) e = event_from_json (o);
      if (t == NULL || e == NULL)
        continue; /* before the first test (the runner's own start), or not an event */
      g_ptr_array_add (t->events, sr_event_ref (e));
      g_autofree gchar *line = sr_event_to_json (e);
      add_trace_line (m, t->id, line);
    }
  return TRUE;
}

/* ---- per-test directories ------------------------------------------------------------------ */

static gboolean
copy_tree (GFile *src, GFile *dst, GError **error)
{
  GFileType type = g_file_query_file_type (src, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL);
  if (type != G_FILE_TYPE_DIRECTORY)
    return g_file_copy (src, dst, G_FILE_COPY_NOFOLLOW_SYMLINKS | G_FILE_COPY_ALL_METADATA, NULL,
                        NULL, NULL, error);
  if (!g_file_make_directory_with_parents (dst, NULL, error))
    {
      if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        return FALSE;
      g_clear_error (error);
    }
  g_autoptr (GFileEnumerator) en = g_file_enumerate_children (
      src, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
  if (en == NULL)
    return FALSE;
  GFileInfo *info;
  GFile *child;
  while (g_file_enumerator_iterate (en, &info, &child, NULL, error) && info != NULL)
    {
      g_autoptr (GFile) target = g_file_get_child (dst, g_file_info_get_name (info));
      if (!copy_tree (child, target, error))
        return FALSE;
    }
  return *error == NULL;
}

/* Move (rename) or copy @src into @dst; directories present on both sides are merged entry
 * by entry; a file present on both sides keeps the destination's (logged). */
static gboolean
transfer (const gchar *src, const gchar *dst, gboolean move, GError **error)
{
  gboolean src_dir
      = g_file_test (src, G_FILE_TEST_IS_DIR) && !g_file_test (src, G_FILE_TEST_IS_SYMLINK);
  if (g_file_test (dst, G_FILE_TEST_EXISTS))
    {
      if (!src_dir || !g_file_test (dst, G_FILE_TEST_IS_DIR))
        {
          g_message ("merge: %s already exists, %s not taken", dst, src);
          return TRUE;
        }
      g_autoptr (GDir) d = g_dir_open (src, 0, error);
      if (d == NULL)
        return FALSE;
      const gchar *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree gchar *s = g_build_filename (src, name, NULL);
          g_autofree gchar *t = g_build_filename (dst, name, NULL);
          if (!transfer (s, t, move, error))
            return FALSE;
        }
      return TRUE;
    }
  g_autofree gchar *parent = g_path_get_dirname (dst);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      g_set_error (error, SR_MERGE_ERROR, SR_MERGE_ERROR_FILESYSTEM, "cannot create %s", parent);
      return FALSE;
    }
  if (move && g_rename (src, dst) == 0)
    return TRUE;
  g_autoptr (GFile) fs = g_file_new_for_path (src);
  g_autoptr (GFile) fd = g_file_new_for_path (dst);
  if (!copy_tree (fs, fd, error))
    {
      g_prefix_error (error, "copying %s to %s: ", src, dst);
      return FALSE;
    }
  return TRUE;
}

/* Every entry of run directory @dir but the run files, into the report's run directory. */
static gboolean
transfer_entries (SrMerge *m, const gchar *dir, gboolean move, GError **error)
{
  g_autofree gchar *src_real = g_canonicalize_filename (dir, NULL);
  g_autofree gchar *dst_real = g_canonicalize_filename (m->report->run_dir, NULL);
  if (g_str_equal (src_real, dst_real))
    return TRUE;
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return FALSE;
  const gchar *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (g_strv_contains (run_files, name) || g_str_has_prefix (name, "."))
        continue;
      g_autofree gchar *s = g_build_filename (dir, name, NULL);
      g_autofree gchar *t = g_build_filename (m->report->run_dir, name, NULL);
      if (!transfer (s, t, move, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- benchmark samples --------------------------------------------------------------------- */

static void
pool_distributions (SrMerge *m, JsonArray *dists, const gchar *host)
{
  for (guint i = 0; dists && i < json_array_get_length (dists); i++)
    {
      JsonObject *d = jarr_obj (dists, i);
      JsonArray *samples = jarr (d, "samples_ms");
      if (d == NULL || jstr (d, "id") == NULL || samples == NULL)
        continue;
      g_autofree gchar *key = g_strdup_printf ("%s\t%s", jstr (d, "id"), jstr (d, "hop"));
      Pool *p = g_hash_table_lookup (m->pool_index, key);
      if (p == NULL)
        {
          p = g_new0 (Pool, 1);
          p->id = g_strdup (jstr (d, "id"));
          p->name = g_strdup (jstr (d, "name"));
          p->hop = g_strdup (jstr (d, "hop"));
          p->samples = g_array_new (FALSE, FALSE, sizeof (gdouble));
          p->hosts = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (m->pools, p);
          g_hash_table_insert (m->pool_index, g_steal_pointer (&key), p);
        }
      for (guint k = 0; k < json_array_get_length (samples); k++)
        {
          gdouble v = json_array_get_double_element (samples, k);
          g_array_append_val (p->samples, v);
        }
      gboolean known = FALSE;
      for (guint h = 0; h < p->hosts->len; h++)
        known |= g_str_equal (g_ptr_array_index (p->hosts, h), host);
      if (!known)
        g_ptr_array_add (p->hosts, g_strdup (host));
    }
}

/* ---- adding one input -------------------------------------------------------------------- */

static const gchar *
input_host (JsonObject *root, const gchar *fallback)
{
  const gchar *h = jstr (root, "host");
  if (h == NULL)
    {
      JsonObject *ho = jobj (root, "host");
      h = jstr (ho, "name") ? jstr (ho, "name") : jstr (ho, "hostname");
    }
  if (h == NULL)
    h = jstr (jobj (root, "shard"), "host");
  return h ? h : fallback ? fallback : "unknown";
}

static void
fill_metadata (SrReport *r, JsonObject *root)
{
  if (r->suite_name == NULL)
    r->suite_name = g_strdup (jstr (root, "suite"));
  if (r->mode == NULL)
    r->mode = g_strdup (jstr (root, "mode"));
  if (r->profile == NULL)
    r->profile = g_strdup (jstr (root, "profile"));
  if (r->command_line == NULL)
    r->command_line = g_strdup (jstr (root, "command_line"));
  /* the harness that judged the inputs (a merge judges nothing itself) */
  if (r->harness_version == NULL)
    r->harness_version = g_strdup (jstr (jobj (root, "harness"), "version"));
  if (r->harness_commit == NULL)
    r->harness_commit = g_strdup (jstr (jobj (root, "harness"), "commit"));
  if (r->dut_iptv == NULL)
    r->dut_iptv = g_strdup (jstr (jobj (root, "dut"), "iptv"));
  if (r->dut_voip == NULL)
    r->dut_voip = g_strdup (jstr (jobj (root, "dut"), "voip"));
  if (r->ics_path == NULL && jstr (root, "ics_file"))
    r->ics_path = g_strdup (jstr (root, "ics_file"));
  JsonObject *ics = jobj (root, "ics");
  if (r->ics == NULL && ics != NULL)
    {
      r->ics = g_key_file_new ();
      g_autoptr (GList) groups = json_object_get_members (ics);
      for (GList *g = groups; g; g = g->next)
        {
          JsonObject *go = jobj (ics, g->data);
          g_autoptr (GList) keys = go ? json_object_get_members (go) : NULL;
          for (GList *k = keys; k; k = k->next)
            if (jstr (go, k->data))
              g_key_file_set_value (r->ics, g->data, k->data, jstr (go, k->data));
        }
    }
  const gchar *started = jstr (root, "started");
  if (started && (r->started_utc == NULL || strcmp (started, r->started_utc) < 0))
    {
      g_free (r->started_utc);
      r->started_utc = g_strdup (started);
    }
}

static gint
find_test (SrReport *r, const gchar *id)
{
  for (guint i = 0; i < r->tests->len; i++)
    if (g_str_equal (((SrTestResult *)g_ptr_array_index (r->tests, i))->id, id))
      return (gint)i;
  return -1;
}

gboolean
sr_merge_add_dir (SrMerge *m, const gchar *dir, gboolean move, const gchar *host, GError **error)
{
  g_return_val_if_fail (m != NULL && dir != NULL, FALSE);
  g_autofree gchar *results = g_build_filename (dir, "results.json", NULL);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (results, &text, NULL, error))
    {
      g_prefix_error (error, "merge: ");
      return FALSE;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, error))
    {
      g_prefix_error (error, "merge: %s: ", results);
      return FALSE;
    }
  JsonNode *rootn = json_parser_get_root (parser);
  JsonObject *root = rootn && JSON_NODE_HOLDS_OBJECT (rootn) ? json_node_get_object (rootn) : NULL;
  JsonArray *tests_json = jarr (root, "tests");
  if (tests_json == NULL)
    {
      g_set_error (error, SR_MERGE_ERROR, SR_MERGE_ERROR_INPUT,
                   "merge: %s: no \"tests\" array (not an stbsim results.json)", results);
      return FALSE;
    }
  const gchar *h = input_host (root, host);
  add_host (m, h);
  fill_metadata (m->report, root);
  gboolean finished = jbool (root, "finished", FALSE);
  m->all_finished &= finished;
  if (jstr (root, "interrupted"))
    g_string_append_printf (m->interrupted, "%s%s: %s", m->interrupted->len ? "; " : "", dir,
                            jstr (root, "interrupted"));

  g_autofree gchar *from = g_strdup (dir); /* as the input's own run wrote it (-j) */
  while (strlen (from) > 1 && g_str_has_suffix (from, "/"))
    from[strlen (from) - 1] = '\0';
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  g_autoptr (GHashTable) renamed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < json_array_get_length (tests_json); i++)
    {
      SrTestResult *t = test_from_json (jarr_obj (tests_json, i), from, m->report->run_dir);
      if (t == NULL)
        continue;
      gint at = find_test (m->report, t->id);
      SrTestResult *old = at >= 0 ? g_ptr_array_index (m->report->tests, at) : NULL;
      if (old != NULL && old->finished && t->finished)
        {
          /* the same test finished twice (a bench case on two machines): keep both */
          g_autofree gchar *orig = g_strdup (t->id);
          g_free (t->id);
          t->id = g_strdup_printf ("%s@%s", orig, h);
          g_hash_table_insert (renamed, g_strdup (t->id), g_steal_pointer (&orig));
          g_ptr_array_add (m->report->tests, t);
        }
      else if (old != NULL && !old->finished)
        {
          sr_test_result_free (old);
          m->report->tests->pdata[at] = t;
        }
      else if (old != NULL) /* finished here, unfinished in this input */
        {
          sr_test_result_free (t);
          continue;
        }
      else
        g_ptr_array_add (m->report->tests, t);
      g_ptr_array_add (added, t);
    }
  g_autofree gchar *trace = g_build_filename (dir, "trace.jsonl", NULL);
  if (!read_trace (m, trace, added, renamed, error))
    return FALSE;
  pool_distributions (m, jarr (root, "distributions"), h);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dir");
  json_builder_add_string_value (b, dir);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, h);
  json_builder_set_member_name (b, "run_id");
  json_builder_add_string_value (b, jstr (root, "run_id") ? jstr (root, "run_id") : "");
  json_builder_set_member_name (b, "finished");
  json_builder_add_boolean_value (b, finished);
  json_builder_set_member_name (b, "tests");
  json_builder_add_int_value (b, added->len);
  JsonObject *shard = jobj (root, "shard");
  if (shard != NULL)
    {
      json_builder_set_member_name (b, "shard");
      json_builder_add_value (b, json_node_copy (json_object_get_member (root, "shard")));
    }
  json_builder_end_object (b);
  g_ptr_array_add (m->inputs, json_builder_get_root (b));
  return transfer_entries (m, dir, move, error);
}

/* ---- writing ------------------------------------------------------------------------------ */

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(SrTestResult *const *)a)->id, (*(SrTestResult *const *)b)->id);
}

static void
pools_json (SrMerge *m, JsonBuilder *b)
{
  json_builder_set_member_name (b, "distributions");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->pools->len; i++)
    {
      const Pool *p = g_ptr_array_index (m->pools, i);
      SrStatsSummary s;
      sr_stats_summarize ((const gdouble *)(gpointer)p->samples->data, p->samples->len, &s);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, p->id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, p->name);
      json_builder_set_member_name (b, "hop");
      json_builder_add_string_value (b, p->hop);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, s.n);
      const struct
      {
        const gchar *k;
        gdouble v;
      } nums[] = { { "min_ms", s.min }, { "p50_ms", s.p50 }, { "p95_ms", s.p95 },
                   { "p99_ms", s.p99 }, { "max_ms", s.max }, { "mean_ms", s.mean } };
      for (guint k = 0; k < G_N_ELEMENTS (nums); k++)
        {
          json_builder_set_member_name (b, nums[k].k);
          json_builder_add_double_value (b, nums[k].v);
        }
      json_builder_set_member_name (b, "samples_ms");
      json_builder_begin_array (b);
      for (guint k = 0; k < p->samples->len; k++)
        json_builder_add_double_value (b, g_array_index (p->samples, gdouble, k));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "hosts");
      json_builder_begin_array (b);
      for (guint h = 0; h < p->hosts->len; h++)
        json_builder_add_string_value (b, g_ptr_array_index (p->hosts, h));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static gchar *
pools_html (SrMerge *m)
{
  GString *out = g_string_new (NULL);
  /* folded: a -j run merges one input per test, which would push the verdicts off screen */
  g_string_append_printf (out,
                          "<details><summary>Merged inputs: %u run director%s (each one's host "
                          "and tests)</summary>\n<table>\n<tr><th>input</th><th>host</th>"
                          "<th>tests</th><th>finished</th></tr>\n",
                          m->inputs->len, m->inputs->len == 1 ? "y" : "ies");
  for (guint i = 0; i < m->inputs->len; i++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (m->inputs, i));
      g_autofree gchar *dir = sr_report_markup_escape (jstr (o, "dir"));
      g_autofree gchar *host = sr_report_markup_escape (jstr (o, "host"));
      g_string_append_printf (
          out, "<tr><td>%s</td><td>%s</td><td>%" G_GINT64_FORMAT "</td><td>%s</td></tr>\n", dir,
          host, jint (o, "tests", 0), jbool (o, "finished", FALSE) ? "yes" : "no");
    }
  g_string_append (out, "</table>\n</details>\n");
  if (m->pools->len == 0)
    return g_string_free (out, FALSE);
  g_string_append (out, "<h2>Latency distributions, pooled over the inputs</h2>\n<table>\n"
                        "<tr><th>id</th><th>hop</th><th>n</th><th>p50 ms</th><th>p95 ms</th>"
                        "<th>p99 ms</th><th>hosts</th></tr>\n");
  for (guint i = 0; i < m->pools->len; i++)
    {
      const Pool *p = g_ptr_array_index (m->pools, i);
      SrStatsSummary s;
      sr_stats_summarize ((const gdouble *)(gpointer)p->samples->data, p->samples->len, &s);
      g_ptr_array_add (p->hosts, NULL);
      g_autofree gchar *hosts_j = g_strjoinv (", ", (gchar **)p->hosts->pdata);
      g_ptr_array_set_size (p->hosts, p->hosts->len - 1);
      g_autofree gchar *id = sr_report_markup_escape (p->id);
      g_autofree gchar *hop = sr_report_markup_escape (p->hop);
      g_autofree gchar *hosts = sr_report_markup_escape (hosts_j);
      g_string_append_printf (out,
                              "<tr><td>%s</td><td>%s</td><td>%u</td><td>%.3f</td><td>%.3f</td>"
                              "<td>%.3f</td><td>%s</td></tr>\n",
                              id, hop, s.n, s.p50, s.p95, s.p99, hosts);
    }
  g_string_append (out, "</table>\n");
  return g_string_free (out, FALSE);
}

/* trace.jsonl grouped by test (id order), each line with "test" first. */
static gchar *
merged_trace (SrMerge *m)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < m->report->tests->len; i++)
    {
      const SrTestResult *t = g_ptr_array_index (m->report->tests, i);
      GPtrArray *lines = g_hash_table_lookup (m->trace_lines, t->id);
      g_autoptr (JsonNode) idn = json_node_init_string (json_node_alloc (), t->id);
      g_autofree gchar *id_json = json_to_string (idn, FALSE);
      for (guint k = 0; lines && k < lines->len; k++)
        {
          const gchar *line = g_ptr_array_index (lines, k);
          g_string_append_printf (out, "{\"test\":%s,%s\n", id_json, line + 1);
        }
    }
  return g_string_free (out, FALSE);
}

gboolean
sr_merge_write (SrMerge *m, GError **error)
{
  SrReport *r = m->report;
  g_ptr_array_sort (r->tests, compare_ids);
  gboolean tests_done = TRUE;
  for (guint i = 0; i < r->tests->len; i++)
    tests_done &= ((SrTestResult *)g_ptr_array_index (r->tests, i))->finished;
  if (m->interrupted->len > 0 && r->interrupted == NULL)
    r->interrupted = g_strdup (m->interrupted->str);
  r->finished = r->interrupted == NULL && tests_done && m->all_finished;

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "merged");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "hosts");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->hosts->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (m->hosts, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "inputs");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->inputs->len; i++)
    json_builder_add_value (b, json_node_copy (g_ptr_array_index (m->inputs, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (m->pools->len > 0)
    pools_json (m, b);
  json_builder_end_object (b);
  g_clear_pointer (&r->extra_json, json_node_unref);
  r->extra_json = json_builder_get_root (b);
  g_free (r->extra_html);
  r->extra_html = pools_html (m);

  SrTimeline *timeline = r->timeline;
  r->timeline = NULL; /* trace.jsonl is written below, grouped by test */
  gboolean ok = sr_report_write_all (r, error);
  r->timeline = timeline;
  if (!ok)
    return FALSE;
  g_autofree gchar *path = g_build_filename (r->run_dir, "trace.jsonl", NULL);
  g_autofree gchar *trace = merged_trace (m);
  return sr_report_write_file (path, trace, error);
}

/* ---- stbsim merge --------------------------------------------------------------------------- */

int
sr_merge_main (int argc, char **argv)
{
  g_autofree gchar *out = NULL;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "The merged run directory (created; must not hold a results.json yet)", "OUT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No summary table", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("RUN_DIR... - merge run directories");
  g_option_context_set_summary (
      ctx, "Merge the run directories of shards (stbsim suite --shard K/N) or of separate runs "
           "into one: results.json, junit.xml, report.html, trace.jsonl (grouped by test),\n"
           "per-test directories (captures) and logs, and benchmark samples pooled per hop\n"
           "with each input's host named. Exit code: the merged overall verdict.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  /* argv[1] is "merge" */
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("stbsim merge: %s\n", error->message);
      return SR_EXIT_USAGE;
    }
  if (out == NULL || argc < 3)
    {
      g_printerr ("stbsim merge: usage: stbsim merge RUN_DIR... -o OUT\n");
      return SR_EXIT_USAGE;
    }
  g_autofree gchar *existing = g_build_filename (out, "results.json", NULL);
  if (g_file_test (existing, G_FILE_TEST_EXISTS))
    {
      g_printerr ("stbsim merge: %s already holds a run (results.json); name a new directory\n",
                  out);
      return SR_EXIT_USAGE;
    }
  g_autofree gchar *base = g_path_get_basename (out);
  g_autoptr (SrReport) report = sr_report_new (base, out);
  g_free (report->started_utc);
  report->started_utc = NULL; /* the earliest input's */
  g_autoptr (SrMerge) merge = sr_merge_new (report);
  for (gint i = 2; i < argc; i++)
    if (!sr_merge_add_dir (merge, argv[i], FALSE, NULL, &error))
      {
        g_printerr ("stbsim %s\n", error->message);
        return SR_EXIT_ERROR;
      }
  if (report->started_utc == NULL)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      report->started_utc = g_date_time_format_iso8601 (now);
    }
  if (!sr_merge_write (merge, &error))
    {
      g_printerr ("stbsim merge: cannot write %s: %s\n", out, error->message);
      return SR_EXIT_ERROR;
    }
  if (!quiet)
    {
      g_autofree gchar *summary = sr_report_summary (report);
      g_print ("%s", summary);
    }
  g_print ("merged %d run(s) from %u host(s), %u test(s): %s/report.html\n", argc - 2,
           sr_merge_n_hosts (merge), report->tests->len, out);
  return sr_verdict_exit_code (sr_report_verdict (report));
}
