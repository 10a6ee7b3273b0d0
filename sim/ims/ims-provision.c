/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims"

#include "ims-provision.h"
#include "stbsim-input.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>

/* Move an error from GLib's file domain into ours (the message already says what). */
static void
retag (GError **error, ImsError code)
{
  if (error && *error)
    {
      (*error)->domain = IMS_ERROR;
      (*error)->code = code;
    }
}

void
ims_subscriber_free (ImsSubscriber *sub)
{
  if (!sub)
    return;
  g_free (sub->user);
  g_free (sub->password);
  g_free (sub->display);
  g_free (sub);
}

static gboolean
valid_user (const gchar *user)
{
  if (!*user)
    return FALSE;
  for (const gchar *p = user; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._~+-", *p))
      return FALSE;
  return TRUE;
}

/* No control characters; the display name also goes into a quoted P-Asserted-Identity. */
static gboolean
valid_text (const gchar *text, gboolean quoted)
{
  for (const guchar *p = (const guchar *)text; *p; p++)
    if (*p < 0x20 || *p == 0x7f || (quoted && (*p == '"' || *p == '\\')))
      return FALSE;
  return g_utf8_validate (text, -1, NULL);
}

static ImsSubscriber *
parse_line (const gchar *path, guint lineno, const gchar *line, GError **error)
{
  g_auto (GStrv) fields = g_strsplit (line, ",", 3);
  g_autoptr (ImsSubscriber) sub = NULL;

  if (g_strv_length (fields) < 2)
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS,
                   "%s:%u: expected \"user,password[,display]\"", path, lineno);
      return NULL;
    }
  sub = g_new0 (ImsSubscriber, 1);
  sub->user = g_strdup (g_strstrip (fields[0]));
  sub->password = g_strdup (g_strstrip (fields[1]));
  sub->display = g_strdup (fields[2] ? g_strstrip (fields[2]) : "");
  if (!valid_user (sub->user))
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS,
                   "%s:%u: user \"%s\" must be non-empty [A-Za-z0-9._~+-]", path, lineno,
                   sub->user);
      return NULL;
    }
  if (!*sub->password || !valid_text (sub->password, FALSE) || !valid_text (sub->display, TRUE))
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS,
                   "%s:%u: empty password, control character, or '\"'/'\\' in the display name",
                   path, lineno);
      return NULL;
    }
  return g_steal_pointer (&sub);
}

GPtrArray *
ims_subscribers_load (const gchar *csv_path, GError **error)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) subs = g_ptr_array_new_with_free_func ((GDestroyNotify)ims_subscriber_free);
  gboolean header_seen = FALSE;

  g_return_val_if_fail (csv_path != NULL, NULL);
  if (!stbsim_input_read (csv_path, &text, NULL, error))
    {
      g_prefix_error (error, "subscribers: ");
      retag (error, IMS_ERROR_SUBSCRIBERS);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      gchar *line = g_strstrip (lines[i]);
      ImsSubscriber *sub;

      if (!*line || line[0] == '#')
        continue;
      if (!header_seen && g_str_has_prefix (line, "user,"))
        {
          header_seen = TRUE;
          continue;
        }
      header_seen = TRUE;
      sub = parse_line (csv_path, i + 1, line, error);
      if (!sub)
        return NULL;
      if (ims_subscribers_find (subs, sub->user))
        {
          g_set_error (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS, "%s:%u: duplicate user \"%s\"",
                       csv_path, i + 1, sub->user);
          ims_subscriber_free (sub);
          return NULL;
        }
      g_ptr_array_add (subs, sub);
    }
  if (subs->len == 0)
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS, "%s: no subscribers", csv_path);
      return NULL;
    }
  return g_steal_pointer (&subs);
}

const ImsSubscriber *
ims_subscribers_find (GPtrArray *subs, const gchar *user)
{
  g_return_val_if_fail (subs != NULL && user != NULL, NULL);
  for (guint i = 0; i < subs->len; i++)
    {
      const ImsSubscriber *sub = g_ptr_array_index (subs, i);
      if (g_str_equal (sub->user, user))
        return sub;
    }
  return NULL;
}

gchar *
ims_digest_ha1 (const gchar *user, const gchar *realm, const gchar *password, gboolean with_domain)
{
  g_autofree gchar *input = NULL;

  if (with_domain)
    input = g_strdup_printf ("%s@%s:%s:%s", user, realm, realm, password);
  else
    input = g_strdup_printf ("%s:%s:%s", user, realm, password);
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, input, -1);
}

/* db_text separates columns with ':'; escape it (and the escape character). */
static void
append_dbtext_value (GString *out, const gchar *value)
{
  for (const gchar *p = value; *p; p++)
    {
      if (*p == ':' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

static gboolean
write_table (const gchar *db_dir, const gchar *name, const gchar *contents, GError **error)
{
  g_autofree gchar *path = g_build_filename (db_dir, name, NULL);

  if (!g_file_set_contents (path, contents, -1, error))
    {
      g_prefix_error (error, "db_text table %s: ", path);
      retag (error, IMS_ERROR_RUN_DIR);
      return FALSE;
    }
  return TRUE;
}

gboolean
ims_provision_db (GPtrArray *subs, const gchar *realm, const gchar *db_dir, GError **error)
{
  g_autoptr (GString) table = g_string_new (
      "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string) "
      "display(string,null) \n");

  g_return_val_if_fail (subs != NULL && realm != NULL && db_dir != NULL, FALSE);
  if (g_mkdir_with_parents (db_dir, 0755) < 0)
    {
      int e = errno;
      g_set_error (error, IMS_ERROR, IMS_ERROR_RUN_DIR, "cannot create %s: %s", db_dir,
                   g_strerror (e));
      return FALSE;
    }
  for (guint i = 0; i < subs->len; i++)
    {
      const ImsSubscriber *sub = g_ptr_array_index (subs, i);
      g_autofree gchar *ha1 = ims_digest_ha1 (sub->user, realm, sub->password, FALSE);
      g_autofree gchar *ha1b = ims_digest_ha1 (sub->user, realm, sub->password, TRUE);

      g_string_append_printf (table, "%u:", i + 1);
      append_dbtext_value (table, sub->user);
      g_string_append_c (table, ':');
      append_dbtext_value (table, realm);
      g_string_append_c (table, ':');
      append_dbtext_value (table, sub->password);
      g_string_append_printf (table, ":%s:%s:", ha1, ha1b);
      append_dbtext_value (table, sub->display);
      g_string_append_c (table, '\n');
    }
  return write_table (db_dir, "subscriber", table->str, error)
         && write_table (db_dir, "version",
                         "id(int,auto) table_name(string) table_version(int) \n"
                         "0:version:1\n"
                         "0:subscriber:7\n",
                         error);
}

static gboolean
is_token_char (gchar c)
{
  return g_ascii_isupper (c) || g_ascii_isdigit (c) || c == '_';
}

gchar *
ims_render_template (const gchar *template_text, GHashTable *vars, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const gchar *p = template_text;

  g_return_val_if_fail (template_text != NULL && vars != NULL, NULL);
  while (*p)
    {
      const gchar *end;
      g_autofree gchar *name = NULL;
      const gchar *value;

      if (*p != '@')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      for (end = p + 1; is_token_char (*end); end++)
        ;
      if (*end != '@' || end == p + 1)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      name = g_strndup (p + 1, (gsize)(end - p - 1));
      value = g_hash_table_lookup (vars, name);
      if (!value)
        {
          guint line = 1;
          for (const gchar *q = template_text; q < p; q++)
            line += *q == '\n';
          g_set_error (error, IMS_ERROR, IMS_ERROR_CONFIG,
                       "template line %u: no value for placeholder @%s@", line, name);
          return NULL;
        }
      g_string_append (out, value);
      p = end + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
ims_render_file (const gchar *template_path, const gchar *out_path, GHashTable *vars,
                 GError **error)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *rendered = NULL;

  if (!g_file_get_contents (template_path, &text, NULL, error))
    {
      g_prefix_error (error, "config template: ");
      retag (error, IMS_ERROR_CONFIG);
      return FALSE;
    }
  rendered = ims_render_template (text, vars, error);
  if (!rendered)
    {
      g_prefix_error (error, "%s: ", template_path);
      return FALSE;
    }
  if (!g_file_set_contents (out_path, rendered, -1, error))
    {
      g_prefix_error (error, "rendered config: ");
      retag (error, IMS_ERROR_RUN_DIR);
      return FALSE;
    }
  return TRUE;
}
