/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-test"

#include "sr-test-util.h"

#include <sys/wait.h>

gchar *
sr_test_only_run_dir (const gchar *reports)
{
  g_autoptr (GDir) dir = g_dir_open (reports, 0, NULL);
  const gchar *name;

  ck_assert_ptr_nonnull (dir);
  name = g_dir_read_name (dir);
  ck_assert_ptr_nonnull (name);
  ck_assert_ptr_null (g_dir_read_name (dir));
  return g_build_filename (reports, name, NULL);
}

gint
sr_test_stbsim (const gchar *tmpdir, const gchar *const *args, JsonParser **results,
                gchar **out_dir)
{
  static guint n;
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_strdup_printf ("%s/reports-%u", tmpdir, n++);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  /* the tests read the logs of passing runs too: keep them as written (the default compresses
   * a passing test's logs, sr-retention.h) */
  const gchar *common[]
      = { "--report-dir", reports, "--quiet", "--profile", "ci", "--keep-artifacts", "all", NULL };
  g_autofree gchar *out = NULL, *err = NULL, *dir = NULL, *json = NULL;
  g_autoptr (GError) error = NULL;
  gint status = -1;

  g_ptr_array_add (argv, exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  for (guint i = 0; common[i]; i++)
    g_ptr_array_add (argv, (gpointer)common[i]);
  g_ptr_array_add (argv, NULL);
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "stbsim died: %.3000s", err);
  dir = sr_test_only_run_dir (reports);
  json = g_build_filename (dir, "results.json", NULL);
  *results = json_parser_new ();
  ck_assert_msg (json_parser_load_from_file (*results, json, &error), "%.1500s\n%.1500s", out, err);
  if (out_dir)
    *out_dir = g_steal_pointer (&dir);
  return WEXITSTATUS (status);
}

JsonObject *
sr_test_object (JsonParser *results, guint i)
{
  JsonObject *o = json_node_get_object (json_parser_get_root (results));
  return json_array_get_object_element (json_object_get_array_member (o, "tests"), i);
}

gchar *
sr_test_issues_text (JsonParser *results, guint i)
{
  JsonArray *issues = json_object_get_array_member (sr_test_object (results, i), "issues");
  GString *out = g_string_new (NULL);

  for (guint k = 0; k < json_array_get_length (issues) && out->len < 800; k++)
    {
      JsonObject *is = json_array_get_object_element (issues, k);
      g_string_append_printf (out, "\n  %s %s: %.200s", json_object_get_string_member (is, "id"),
                              json_object_get_string_member_with_default (is, "requirement", ""),
                              json_object_get_string_member (is, "evidence"));
    }
  return g_string_free (out, FALSE);
}

gint
sr_test_stbsim_output (const gchar *cwd, const gchar *const *args, gchar **out, gchar **err)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "LC_ALL", "C", TRUE);
  gint status = 0;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (cwd, (gchar **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out,
                               err, &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "stbsim did not exit normally");
  return WEXITSTATUS (status);
}
