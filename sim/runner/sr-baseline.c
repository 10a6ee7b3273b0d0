/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-baseline"

#include "sr-baseline.h"

#include <json-glib/json-glib.h>
#include <sys/utsname.h>

#include "sr-stats.h"
#include "stbsim-input.h"

#define FORMAT "stbsim-baseline-1"

/* clang-format off */
G_DEFINE_QUARK (sr-baseline-error-quark, sr_baseline_error)
/* clang-format on */

SrDistribution *
sr_distribution_new (const gchar *id, const gchar *name, const gchar *hop)
{
  SrDistribution *d = g_new0 (SrDistribution, 1);
  d->id = g_strdup (id);
  d->name = g_strdup (name);
  d->hop = g_strdup (hop);
  d->samples_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  return d;
}

void
sr_distribution_free (SrDistribution *d)
{
  if (d == NULL)
    return;
  g_free (d->id);
  g_free (d->name);
  g_free (d->hop);
  g_array_unref (d->samples_ms);
  g_free (d);
}

void
sr_distribution_add (SrDistribution *d, gdouble ms)
{
  g_array_append_val (d->samples_ms, ms);
}

SrBaseline *
sr_baseline_new (void)
{
  SrBaseline *b = g_new0 (SrBaseline, 1);
  b->distributions = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_distribution_free);
  return b;
}

void
sr_baseline_free (SrBaseline *b)
{
  if (b == NULL)
    return;
  g_free (b->created);
  g_free (b->host);
  g_free (b->machine);
  g_free (b->git);
  g_free (b->command_line);
  g_free (b->mode);
  g_free (b->profile);
  g_free (b->note);
  g_ptr_array_unref (b->distributions);
  g_free (b);
}

static gchar *
cpu_model (void)
{
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return g_strdup ("unknown CPU");
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "model name"))
      {
        const gchar *colon = strchr (lines[i], ':');
        if (colon)
          return g_strstrip (g_strdup (colon + 1));
      }
  return g_strdup ("unknown CPU");
}

static gchar *
git_describe (const gchar *source_root)
{
  if (source_root == NULL)
    return NULL;
  const gchar *argv[] = { "git", "-C", source_root, "describe", "--always", "--dirty", NULL };
  g_autofree gchar *out = NULL;
  gint status = 0;
  if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL) || out == NULL)
    return NULL;
  return g_strstrip (g_steal_pointer (&out));
}

void
sr_baseline_describe_host (SrBaseline *b, const gchar *source_root)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  struct utsname u;
  g_autofree gchar *cpu = cpu_model ();
  g_free (b->created);
  b->created = g_date_time_format_iso8601 (now);
  g_free (b->host);
  b->host = g_strdup (g_get_host_name ());
  g_free (b->machine);
  if (uname (&u) == 0)
    b->machine = g_strdup_printf ("%s, %u cores, %s %s %s", cpu, g_get_num_processors (), u.sysname,
                                  u.release, u.machine);
  else
    b->machine = g_strdup_printf ("%s, %u cores", cpu, g_get_num_processors ());
  g_free (b->git);
  b->git = git_describe (source_root);
}

SrDistribution *
sr_baseline_lookup (const SrBaseline *b, const gchar *id)
{
  for (guint i = 0; i < b->distributions->len; i++)
    {
      SrDistribution *d = g_ptr_array_index (b->distributions, i);
      if (g_str_equal (d->id, id))
        return d;
    }
  return NULL;
}

/* ---- save ---------------------------------------------------------------------------------- */

static void
member_str (JsonBuilder *jb, const gchar *key, const gchar *value)
{
  json_builder_set_member_name (jb, key);
  if (value)
    json_builder_add_string_value (jb, value);
  else
    json_builder_add_null_value (jb);
}

static void
member_double (JsonBuilder *jb, const gchar *key, gdouble value)
{
  json_builder_set_member_name (jb, key);
  json_builder_add_double_value (jb, value);
}

static void
distribution_json (JsonBuilder *jb, const SrDistribution *d)
{
  SrStatsSummary s;
  sr_stats_summarize ((const gdouble *)d->samples_ms->data, d->samples_ms->len, &s);
  json_builder_begin_object (jb);
  member_str (jb, "id", d->id);
  member_str (jb, "name", d->name);
  member_str (jb, "hop", d->hop);
  json_builder_set_member_name (jb, "n");
  json_builder_add_int_value (jb, s.n);
  member_double (jb, "min_ms", s.min);
  member_double (jb, "p50_ms", s.p50);
  member_double (jb, "p95_ms", s.p95);
  member_double (jb, "p99_ms", s.p99);
  member_double (jb, "max_ms", s.max);
  json_builder_set_member_name (jb, "samples_ms");
  json_builder_begin_array (jb);
  for (guint i = 0; i < d->samples_ms->len; i++)
    json_builder_add_double_value (jb, g_array_index (d->samples_ms, gdouble, i));
  json_builder_end_array (jb);
  json_builder_end_object (jb);
}

gchar *
sr_baseline_to_json (const SrBaseline *b)
{
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_object (jb);
  member_str (jb, "format", FORMAT);
  member_str (jb, "created", b->created);
  member_str (jb, "host", b->host);
  member_str (jb, "machine", b->machine);
  member_str (jb, "git", b->git);
  member_str (jb, "command_line", b->command_line);
  member_str (jb, "mode", b->mode);
  member_str (jb, "profile", b->profile);
  member_str (jb, "note", b->note);
  json_builder_set_member_name (jb, "latencies");
  json_builder_begin_array (jb);
  for (guint i = 0; i < b->distributions->len; i++)
    distribution_json (jb, g_ptr_array_index (b->distributions, i));
  json_builder_end_array (jb);
  json_builder_end_object (jb);
  g_autoptr (JsonNode) root = json_builder_get_root (jb);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

gboolean
sr_baseline_save (const SrBaseline *b, const gchar *path, GError **error)
{
  g_autofree gchar *text = sr_baseline_to_json (b);
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, SR_BASELINE_ERROR, SR_BASELINE_ERROR_IO, "baseline %s: %s", path,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- load ---------------------------------------------------------------------------------- */

static gchar *
opt_str (JsonObject *o, const gchar *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (n));
}

static gboolean
is_number (JsonNode *n)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  return t == G_TYPE_DOUBLE || t == G_TYPE_INT64;
}

static SrDistribution *
distribution_from_json (JsonNode *node, const gchar *path, guint index, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  g_autofree gchar *id = o ? opt_str (o, "id") : NULL;
  JsonNode *sn = o ? json_object_get_member (o, "samples_ms") : NULL;
  if (id == NULL || sn == NULL || !JSON_NODE_HOLDS_ARRAY (sn))
    {
      g_set_error (error, SR_BASELINE_ERROR, SR_BASELINE_ERROR_FORMAT,
                   "baseline %s: latencies[%u] needs a string \"id\" and an array \"samples_ms\"",
                   path, index);
      return NULL;
    }
  g_autofree gchar *name = opt_str (o, "name");
  g_autofree gchar *hop = opt_str (o, "hop");
  g_autoptr (SrDistribution) d = sr_distribution_new (id, name, hop ? hop : "channel");
  JsonArray *a = json_node_get_array (sn);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *v = json_array_get_element (a, i);
      if (!is_number (v))
        {
          g_set_error (error, SR_BASELINE_ERROR, SR_BASELINE_ERROR_FORMAT,
                       "baseline %s: latencies[%u] (%s): samples_ms[%u] is not a number", path,
                       index, id, i);
          return NULL;
        }
      sr_distribution_add (d, json_node_get_double (v));
    }
  return g_steal_pointer (&d);
}

SrBaseline *
sr_baseline_load (const gchar *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SR_BASELINE_ERROR, SR_BASELINE_ERROR_IO,
                   "baseline %s: no such file (create one with stbsim bench --save-baseline)",
                   path);
      return NULL;
    }
  g_autofree gchar *text = NULL;
  gsize len = 0;
  if (!stbsim_input_read (path, &text, &len, &local)
      || !json_parser_load_from_data (parser, text, (gssize)len, &local))
    {
      g_set_error (error, SR_BASELINE_ERROR, SR_BASELINE_ERROR_PARSE,
                   "baseline %s: not valid JSON: %s", path, local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  g_autofree gchar *format = o ? opt_str (o, "format") : NULL;
  JsonNode *lat = o ? json_object_get_member (o, "latencies") : NULL;
  if (g_strcmp0 (format, FORMAT) != 0 || lat == NULL || !JSON_NODE_HOLDS_ARRAY (lat))
    {
      g_set_error (error, SR_BASELINE_ERROR, SR_BASELINE_ERROR_FORMAT,
                   "baseline %s: not a stbsim baseline (expected an object with \"format\": "
                   "\"" FORMAT "\" and a \"latencies\" array)",
                   path);
      return NULL;
    }
  g_autoptr (SrBaseline) b = sr_baseline_new ();
  b->created = opt_str (o, "created");
  b->host = opt_str (o, "host");
  b->machine = opt_str (o, "machine");
  b->git = opt_str (o, "git");
  b->command_line = opt_str (o, "command_line");
  b->mode = opt_str (o, "mode");
  b->profile = opt_str (o, "profile");
  b->note = opt_str (o, "note");
  JsonArray *a = json_node_get_array (lat);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SrDistribution *d = distribution_from_json (json_array_get_element (a, i), path, i, error);
      if (d == NULL)
        return NULL;
      g_ptr_array_add (b->distributions, d);
    }
  return g_steal_pointer (&b);
}
