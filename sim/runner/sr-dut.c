/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-dut"

#include "sr-dut.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (sr-dut-error-quark, sr_dut_error)
/* clang-format on */

const gchar *const sr_dut_placeholders[]
    = { "socket",    "layout",     "dialect", "run_dir", "ready_fd", "lineup",
        "vod_base",  "registrar",  "domain",  "user",    "password", "t_dialog_ms",
        "t_show_ms", "t_alert_ms", "display", NULL };

/* One argument with its placeholders replaced. FALSE with @missing set when a known
 * placeholder has no value; FALSE with @error on an unknown or unterminated one. */
static gboolean
expand_arg (const gchar *arg, GHashTable *values, gboolean *uses_ready_fd, GString *out,
            const gchar **missing, GError **error)
{
  const gchar *p = arg;
  while (*p)
    {
      if (p[0] == '%' && p[1] == 's')
        {
          /* legacy spelling of {socket} */
          const gchar *v = g_hash_table_lookup (values, "socket");
          if (v == NULL)
            return *missing = "socket", FALSE;
          g_string_append (out, v);
          p += 2;
          continue;
        }
      if (*p != '{')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      const gchar *close = strchr (p, '}');
      if (close == NULL)
        {
          g_set_error (error, SR_DUT_ERROR, SR_DUT_ERROR_TEMPLATE,
                       "unterminated placeholder in argument '%s'", arg);
          return FALSE;
        }
      g_autofree gchar *name = g_strndup (p + 1, (gsize)(close - p - 1));
      if (!g_strv_contains (sr_dut_placeholders, name))
        {
          g_autofree gchar *known = g_strjoinv ("} {", (gchar **)sr_dut_placeholders);
          g_set_error (error, SR_DUT_ERROR, SR_DUT_ERROR_TEMPLATE,
                       "unknown placeholder {%s} in argument '%s' (known: {%s})", name, arg, known);
          return FALSE;
        }
      if (g_str_equal (name, "ready_fd") && uses_ready_fd)
        *uses_ready_fd = TRUE;
      const gchar *v = g_hash_table_lookup (values, name);
      if (v == NULL)
        {
          *missing = g_intern_string (name);
          return FALSE;
        }
      g_string_append (out, v);
      p = close + 1;
    }
  return TRUE;
}

static gboolean
is_whole_placeholder (const gchar *arg)
{
  return (arg[0] == '{' && strchr (arg, '}') == arg + strlen (arg) - 1) || g_str_equal (arg, "%s");
}

gchar **
sr_dut_expand (const gchar *template, GHashTable *values, gboolean *uses_ready_fd, GError **error)
{
  g_auto (GStrv) words = NULL;
  if (uses_ready_fd)
    *uses_ready_fd = FALSE;
  if (!g_shell_parse_argv (template, NULL, &words, error))
    {
      g_prefix_error (error, "DUT command '%s': ", template);
      return NULL;
    }
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; words[i]; i++)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      const gchar *missing = NULL;
      if (expand_arg (words[i], values, uses_ready_fd, out, &missing, error))
        {
          g_ptr_array_add (argv, g_string_free (g_steal_pointer (&out), FALSE));
          continue;
        }
      if (missing == NULL)
        {
          g_prefix_error (error, "DUT command '%s': ", template);
          return NULL;
        }
      /* no value in this test: drop the argument, and the option it belongs to */
      g_debug ("DUT command: {%s} has no value in this test: '%s' left out", missing, words[i]);
      if (is_whole_placeholder (words[i]) && argv->len > 1)
        {
          const gchar *prev = g_ptr_array_index (argv, argv->len - 1);
          if (prev[0] == '-' && strchr (prev, '=') == NULL)
            g_ptr_array_remove_index (argv, argv->len - 1);
        }
    }
  if (argv->len == 0)
    {
      g_set_error (error, SR_DUT_ERROR, SR_DUT_ERROR_TEMPLATE, "DUT command '%s' is empty",
                   template);
      return NULL;
    }
  g_ptr_array_add (argv, NULL);
  return (gchar **)g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

static gchar *
ixit_command (GKeyFile *ics, const gchar *ics_path, const gchar *key, gboolean required,
              GError **error)
{
  g_autofree gchar *v = g_key_file_get_string (ics, "ixit", key, NULL);
  if (v != NULL)
    g_strstrip (v);
  if (v != NULL && *v != '\0')
    return g_steal_pointer (&v);
  if (required)
    g_set_error (error, SR_DUT_ERROR, SR_DUT_ERROR_ICS,
                 "%s: [implementation] roles names a role whose launch command [ixit] %s is "
                 "missing (conformance/ics/README.md); give it, or use --dut ROLE='CMD'",
                 ics_path, key);
  return NULL;
}

gboolean
sr_dut_from_ics (GKeyFile *ics, const gchar *ics_path, gchar **iptv, gchar **voip,
                 gchar **voip_inject, GError **error)
{
  g_autofree gchar *roles_text = g_key_file_get_string (ics, "implementation", "roles", NULL);
  if (roles_text == NULL)
    {
      g_set_error (error, SR_DUT_ERROR, SR_DUT_ERROR_ICS,
                   "%s: [implementation] roles is missing: say which module(s) you provide "
                   "(iptv, voip)",
                   ics_path);
      return FALSE;
    }
  g_auto (GStrv) roles = g_strsplit_set (roles_text, ", ", -1);
  gboolean has_iptv = FALSE, has_voip = FALSE;
  for (guint i = 0; roles[i]; i++)
    {
      if (*roles[i] == '\0')
        continue;
      if (g_str_equal (roles[i], "iptv"))
        has_iptv = TRUE;
      else if (g_str_equal (roles[i], "voip"))
        has_voip = TRUE;
      else
        {
          g_set_error (error, SR_DUT_ERROR, SR_DUT_ERROR_ICS,
                       "%s: [implementation] roles: unknown role '%s' (iptv, voip)", ics_path,
                       roles[i]);
          return FALSE;
        }
    }
  g_autofree gchar *i_cmd = NULL, *v_cmd = NULL, *vi_cmd = NULL;
  if (has_iptv && (i_cmd = ixit_command (ics, ics_path, "iptv_command", TRUE, error)) == NULL)
    return FALSE;
  if (has_voip)
    {
      v_cmd = ixit_command (ics, ics_path, "voip_command", FALSE, NULL);
      vi_cmd = ixit_command (ics, ics_path, "voip_inject_command", FALSE, NULL);
      if (v_cmd == NULL && vi_cmd == NULL)
        return ixit_command (ics, ics_path, "voip_command", TRUE, error) != NULL;
    }
  if (iptv)
    *iptv = g_steal_pointer (&i_cmd);
  if (voip)
    *voip = g_steal_pointer (&v_cmd);
  if (voip_inject)
    *voip_inject = g_steal_pointer (&vi_cmd);
  return TRUE;
}

void
sr_dut_resolve_binary (gchar **argv, const gchar *build_root)
{
  if (argv == NULL || argv[0] == NULL || g_path_is_absolute (argv[0])
      || strchr (argv[0], '/') == NULL || build_root == NULL)
    return;
  g_autofree gchar *in_build = g_build_filename (build_root, argv[0], NULL);
  if (g_file_test (in_build, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_free (argv[0]);
      argv[0] = g_steal_pointer (&in_build);
    }
}

gchar *
sr_dut_ics_value (GKeyFile *ics, const gchar *key, const gchar *def)
{
  g_autofree gchar *v = ics ? g_key_file_get_string (ics, "ixit", key, NULL) : NULL;
  if (v != NULL)
    g_strstrip (v);
  return v != NULL && *v != '\0' ? g_steal_pointer (&v) : g_strdup (def);
}

gboolean
sr_ics_supports (GKeyFile *ics, const gchar *item)
{
  g_autofree gchar *v = NULL;
  if (ics == NULL)
    return FALSE;
  const gchar *dot = strchr (item, '.');
  if (dot != NULL)
    {
      g_autofree gchar *group = g_strndup (item, (gsize)(dot - item));
      v = g_key_file_get_string (ics, group, dot + 1, NULL);
    }
  if (v == NULL)
    {
      g_auto (GStrv) groups = g_key_file_get_groups (ics, NULL);
      for (guint i = 0; groups[i] && v == NULL; i++)
        v = g_key_file_get_string (ics, groups[i], item, NULL);
    }
  if (v == NULL)
    return FALSE;
  g_strstrip (v);
  return !g_ascii_strcasecmp (v, "yes") || !g_ascii_strcasecmp (v, "true")
         || !g_ascii_strcasecmp (v, "y") || g_str_equal (v, "1");
}
