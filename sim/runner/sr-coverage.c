/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-coverage"

/*
 * `stbsim coverage RUN_DIR...`: requirement -> checks -> tests, measured. For every SPEC
 * requirement (conformance/requirements.tsv): which issue types and checks can judge it (the
 * registries), which tests of the given runs actually evaluated it (results.json "coverage"),
 * or why no harness can (SPEC Annex C). Tests that list a requirement they did not evaluate
 * (coverage::not-evaluated) are listed as vacuous.
 */

#include "sr-coverage.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "sr-checks.h"
#include "sr-issues.h"

typedef struct
{
  gchar *id;
  gchar *level;
  GPtrArray *checks;  /* issue types and check types that can judge it */
  GPtrArray *tests;   /* test ids that evaluated it in the runs */
  GPtrArray *vacuous; /* test ids that list it and evaluated nothing */
  gchar *untestable;  /* reason (SPEC Annex C), or NULL */
} Row;

static void
row_free (Row *r)
{
  g_free (r->id);
  g_free (r->level);
  g_ptr_array_unref (r->checks);
  g_ptr_array_unref (r->tests);
  g_ptr_array_unref (r->vacuous);
  g_free (r->untestable);
  g_free (r);
}

static void
add_unique (GPtrArray *a, const gchar *s)
{
  for (guint i = 0; i < a->len; i++)
    if (g_str_equal (g_ptr_array_index (a, i), s))
      return;
  g_ptr_array_add (a, g_strdup (s));
}

static GPtrArray *
load_requirements (const gchar *path, GHashTable *by_id, GError **error)
{
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)row_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 4);
      if (f[0] == NULL || f[1] == NULL || !g_str_has_prefix (f[0], "SW-"))
        continue;
      Row *r = g_new0 (Row, 1);
      r->id = g_strdup (f[0]);
      r->level = g_strdup (f[1]);
      r->checks = g_ptr_array_new_with_free_func (g_free);
      r->tests = g_ptr_array_new_with_free_func (g_free);
      r->vacuous = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (rows, r);
      g_hash_table_insert (by_id, r->id, r);
    }
  return rows;
}

/* SPEC Annex C rows: "| `SW-X-nn` | reason |". */
static void
load_untestable (const gchar *spec_path, GHashTable *by_id)
{
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (spec_path, &text, NULL, NULL))
    return;
  const gchar *annex = strstr (text, "## Annex C.");
  if (annex == NULL)
    return;
  const gchar *end = strstr (annex + 1, "\n## ");
  g_autofree gchar *part = end ? g_strndup (annex, (gsize)(end - annex)) : g_strdup (annex);
  g_auto (GStrv) lines = g_strsplit (part, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (!g_str_has_prefix (lines[i], "| `SW-"))
        continue;
      g_auto (GStrv) cells = g_strsplit (lines[i], "|", -1);
      if (g_strv_length (cells) < 4)
        continue;
      g_autofree gchar *id = g_strdup (g_strstrip (cells[1]));
      g_strdelimit (id, "`", ' ');
      Row *r = g_hash_table_lookup (by_id, g_strstrip (id));
      if (r != NULL)
        r->untestable = g_strdup (g_strstrip (cells[2]));
    }
}

static void
load_judges (GHashTable *by_id)
{
  for (const SrIssueType *t = sr_issue_types; t->id; t++)
    for (guint i = 0; t->requirements && t->requirements[i]; i++)
      {
        Row *r = g_hash_table_lookup (by_id, t->requirements[i]);
        if (r)
          add_unique (r->checks, t->id);
      }
  for (guint k = 0; sr_check_types[k]; k++)
    for (guint i = 0; sr_check_types[k]->requirements && sr_check_types[k]->requirements[i]; i++)
      {
        Row *r = g_hash_table_lookup (by_id, sr_check_types[k]->requirements[i]);
        if (r)
          add_unique (r->checks, sr_check_types[k]->name);
      }
}

static gboolean
load_run (const gchar *dir, GHashTable *by_id, guint *tests, GError **error)
{
  g_autofree gchar *path = g_build_filename (dir, "results.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  JsonArray *arr = root ? json_object_get_array_member (root, "tests") : NULL;
  for (guint i = 0; arr && i < json_array_get_length (arr); i++)
    {
      JsonObject *t = json_array_get_object_element (arr, i);
      const gchar *id = json_object_get_string_member_with_default (t, "id", "?");
      (*tests)++;
      JsonObject *cov = json_object_has_member (t, "coverage")
                            ? json_object_get_object_member (t, "coverage")
                            : NULL;
      g_autoptr (GList) reqs = cov ? json_object_get_members (cov) : NULL;
      for (GList *l = reqs; l; l = l->next)
        {
          Row *r = g_hash_table_lookup (by_id, l->data);
          if (r)
            add_unique (r->tests, id);
        }
      JsonArray *issues = json_object_has_member (t, "issues")
                              ? json_object_get_array_member (t, "issues")
                              : NULL;
      for (guint k = 0; issues && k < json_array_get_length (issues); k++)
        {
          JsonObject *is = json_array_get_object_element (issues, k);
          if (g_strcmp0 (json_object_get_string_member_with_default (is, "id", ""),
                         "coverage::not-evaluated")
              != 0)
            continue;
          Row *r = g_hash_table_lookup (
              by_id, json_object_get_string_member_with_default (is, "requirement", ""));
          if (r)
            add_unique (r->vacuous, id);
        }
    }
  return TRUE;
}

static gchar *
join (GPtrArray *a, guint max)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < a->len && i < max; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", (const gchar *)g_ptr_array_index (a, i));
  if (a->len > max)
    g_string_append_printf (s, ",+%u", a->len - max);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const gchar *
status_of (const Row *r)
{
  if (r->untestable)
    return "untestable";
  if (r->tests->len > 0)
    return "covered";
  return r->checks->len > 0 ? "not-run" : "no-check";
}

gint
sr_coverage_print (const gchar *source_root, const gchar *const *run_dirs, gboolean verbose,
                   GError **error)
{
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *tsv = g_build_filename (source_root, "conformance", "requirements.tsv", NULL);
  g_autofree gchar *spec = g_build_filename (source_root, "conformance", "SPEC.md", NULL);
  g_autoptr (GPtrArray) rows = load_requirements (tsv, by_id, error);
  if (rows == NULL)
    return -1;
  load_untestable (spec, by_id);
  load_judges (by_id);
  guint tests = 0;
  for (guint i = 0; run_dirs && run_dirs[i]; i++)
    if (!load_run (run_dirs[i], by_id, &tests, error))
      return -1;
  guint must = 0, covered = 0, untestable = 0, missing = 0;
  g_print ("%-12s %-8s %-10s %-44s %s\n", "requirement", "level", "status", "checks", "tests");
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = g_ptr_array_index (rows, i);
      gboolean is_must = g_str_has_prefix (r->level, "MUST");
      const gchar *status = status_of (r);
      if (is_must)
        {
          must++;
          covered += g_str_equal (status, "covered");
          untestable += g_str_equal (status, "untestable");
          missing += !g_str_equal (status, "covered") && !g_str_equal (status, "untestable");
        }
      g_autofree gchar *checks = join (r->checks, verbose ? 99 : 3);
      g_autofree gchar *ts = join (r->tests, verbose ? 999 : 3);
      g_print ("%-12s %-8s %-10s %-44s %s\n", r->id, r->level, status, checks,
               r->untestable && !verbose ? "(SPEC Annex C)" : ts);
      if (r->vacuous->len > 0)
        {
          g_autofree gchar *v = join (r->vacuous, verbose ? 999 : 5);
          g_print ("%-12s %-8s %-10s listed but not evaluated by: %s\n", "", "", "vacuous", v);
        }
    }
  g_print ("\n%u tests in %u run(s). MUST requirements: %u; covered by a check in a test: %u; "
           "untestable (SPEC Annex C): %u; not covered: %u\n",
           tests, run_dirs ? g_strv_length ((gchar **)run_dirs) : 0, must, covered, untestable,
           missing);
  return (gint)missing;
}
