/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-action"

/* One parsed scenario action and typed access to its parameters (sr-action.h). */

#include "sr-action.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (sr-scenario-error-quark, sr_scenario_error)
/* clang-format on */

static void
param_free (SrParam *p)
{
  g_free (p->key);
  g_free (p->text);
  g_free (p);
}

SrAction *
sr_action_new (const gchar *name)
{
  SrAction *a = g_new0 (SrAction, 1);
  a->name = g_strdup (name);
  a->params = g_ptr_array_new_with_free_func ((GDestroyNotify)param_free);
  return a;
}

void
sr_action_free (SrAction *action)
{
  if (action == NULL)
    return;
  g_free (action->name);
  g_ptr_array_unref (action->params);
  g_free (action->file);
  g_free (action->text);
  g_free (action);
}

const SrParam *
sr_action_find (const SrAction *action, const gchar *key)
{
  g_return_val_if_fail (action != NULL && key != NULL, NULL);
  for (guint i = 0; i < action->params->len; i++)
    {
      const SrParam *p = g_ptr_array_index (action->params, i);
      if (g_str_equal (p->key, key))
        return p;
    }
  return NULL;
}

const gchar *
sr_action_get_string (const SrAction *action, const gchar *key, const gchar *def)
{
  const SrParam *p = sr_action_find (action, key);
  return p ? p->text : def;
}

gint64
sr_action_get_int (const SrAction *action, const gchar *key, gint64 def)
{
  const SrParam *p = sr_action_find (action, key);
  if (p == NULL)
    return def;
  if (p->type == SR_VALUE_INT)
    return p->i;
  if (p->type == SR_VALUE_DOUBLE)
    return (gint64)p->d;
  return def;
}

gdouble
sr_action_get_double (const SrAction *action, const gchar *key, gdouble def)
{
  const SrParam *p = sr_action_find (action, key);
  if (p == NULL)
    return def;
  if (p->type == SR_VALUE_DOUBLE)
    return p->d;
  if (p->type == SR_VALUE_INT)
    return (gdouble)p->i;
  return def;
}

gboolean
sr_action_get_bool (const SrAction *action, const gchar *key, gboolean def)
{
  const SrParam *p = sr_action_find (action, key);
  if (p == NULL || p->type != SR_VALUE_BOOL)
    return def;
  return p->b;
}

gchar *
sr_action_location (const SrAction *action)
{
  return g_strdup_printf ("%s:%u", action->file ? action->file : "<string>", action->line);
}

/* ---- positions and errors ----------------------------------------------------------------- */

gchar **
sr_split_list (const gchar *text)
{
  if (text == NULL)
    return g_new0 (gchar *, 1);
  g_autofree gchar *t = g_strstrip (g_strdup (text));
  gsize len = strlen (t);
  if (len >= 2 && t[0] == '{' && t[len - 1] == '}')
    {
      t[len - 1] = '\0';
      memmove (t, t + 1, len - 1);
    }
  g_auto (GStrv) parts = g_strsplit (t, ",", -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  for (guint i = 0; parts[i]; i++)
    {
      gchar *item = g_strstrip (parts[i]);
      gsize il = strlen (item);
      if (il >= 2 && item[0] == '"' && item[il - 1] == '"')
        {
          item[il - 1] = '\0';
          item++;
        }
      if (*item)
        g_ptr_array_add (out, g_strdup (item));
    }
  g_ptr_array_add (out, NULL);
  return (gchar **)g_ptr_array_free (g_steal_pointer (&out), FALSE);
}
