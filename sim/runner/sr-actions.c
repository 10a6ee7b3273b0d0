/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-actions"

#include "sr-actions.h"

#include "stb-dialect.h"

static const SrParamSpec timeout_spec = { "timeout", SR_PARAM_DOUBLE, FALSE, NULL,
                                          "bound of this action in seconds (default: the "
                                          "action's default timeout)" };

const SrActionType *
sr_action_type_lookup (const gchar *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (const SrActionType *t = sr_action_types; t->name != NULL; t++)
    if (g_str_equal (t->name, name))
      return t;
  return NULL;
}

static gboolean
takes_timeout (const SrActionType *type)
{
  return type->handler != NULL;
}

const SrParamSpec *
sr_action_type_find_param (const SrActionType *type, const gchar *name)
{
  for (const SrParamSpec *p = type->params; p && p->name; p++)
    if (g_str_equal (p->name, name))
      return p;
  if (takes_timeout (type) && g_str_equal (name, "timeout"))
    return &timeout_spec;
  return NULL;
}

const gchar *
sr_param_type_to_string (SrParamType type)
{
  static const gchar *const names[] = { "string", "int", "double", "boolean", "list" };
  g_return_val_if_fail (type <= SR_PARAM_LIST, "string");
  return names[type];
}

static void
describe_param (GString *out, const SrParamSpec *p)
{
  g_string_append_printf (
      out, "    %-14s (%s, %s%s%s)  %s\n", p->name, sr_param_type_to_string (p->type),
      p->mandatory ? "mandatory" : "optional", p->default_value ? ", default " : "",
      p->default_value ? p->default_value : "", p->description);
}

gchar *
sr_action_type_describe (const SrActionType *type)
{
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%s: %s\n", type->name, type->description);
  if (type->handler != NULL)
    g_string_append_printf (out, "  default timeout: %.1f s\n", type->default_timeout_s);
  g_string_append (out, "  parameters:\n");
  gboolean any = FALSE;
  for (const SrParamSpec *p = type->params; p && p->name; p++)
    {
      describe_param (out, p);
      any = TRUE;
    }
  if (takes_timeout (type))
    {
      describe_param (out, &timeout_spec);
      any = TRUE;
    }
  if (!any)
    g_string_append (out, "    (any key=value)\n");
  return g_string_free (out, FALSE);
}

gchar *
sr_action_types_describe_all (void)
{
  GString *out = g_string_new (NULL);
  for (const SrActionType *t = sr_action_types; t->name != NULL; t++)
    {
      g_autofree gchar *d = sr_action_type_describe (t);
      g_string_append (out, d);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static gboolean
value_fits (const SrParam *v, SrParamType type)
{
  switch (type)
    {
      case SR_PARAM_STRING:
        /* numbers and booleans written unquoted are fine as strings, a list is not */
        return v->type != SR_VALUE_LIST || !v->explicit_type;
      case SR_PARAM_INT:
        return v->type == SR_VALUE_INT;
      case SR_PARAM_DOUBLE:
        return v->type == SR_VALUE_INT || v->type == SR_VALUE_DOUBLE;
      case SR_PARAM_BOOL:
        return v->type == SR_VALUE_BOOL;
      case SR_PARAM_LIST:
        return TRUE;
      default:
        return FALSE;
    }
}

G_GNUC_PRINTF (6, 7)
static gboolean
fail_spec (GError **error, gint code, const SrAction *a, guint line, guint column, const gchar *fmt,
           ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  const SrActionType *type = sr_action_type_lookup (a->name);
  g_autofree gchar *spec = NULL;
  if (type != NULL)
    spec = sr_action_type_describe (type);
  else
    {
      g_autoptr (GString) names = g_string_new ("known actions:");
      for (const SrActionType *t = sr_action_types; t->name; t++)
        g_string_append_printf (names, " %s", t->name);
      spec = g_strdup (names->str);
    }
  g_set_error (error, SR_SCENARIO_ERROR, code, "%s:%u:%u: %s\n%s", a->file ? a->file : "<string>",
               line, column, msg, spec);
  return FALSE;
}

gboolean
sr_action_validate (const SrAction *action, GError **error)
{
  g_return_val_if_fail (action != NULL, FALSE);
  const SrActionType *type = sr_action_type_lookup (action->name);
  if (type == NULL)
    return fail_spec (error, SR_SCENARIO_ERROR_UNKNOWN_ACTION, action, action->line, action->column,
                      "unknown action '%s'", action->name);
  if (type->params == NULL) /* free-form (set-vars) */
    return TRUE;
  for (guint i = 0; i < action->params->len; i++)
    {
      const SrParam *p = g_ptr_array_index (action->params, i);
      const SrParamSpec *spec = sr_action_type_find_param (type, p->key);
      if (spec == NULL)
        return fail_spec (error, SR_SCENARIO_ERROR_BAD_PARAMETER, action, p->line, p->column,
                          "action '%s' has no parameter '%s'", action->name, p->key);
      if (!value_fits (p, spec->type))
        return fail_spec (error, SR_SCENARIO_ERROR_BAD_PARAMETER, action, p->line, p->column,
                          "parameter '%s' of '%s' must be %s, got '%s'", p->key, action->name,
                          sr_param_type_to_string (spec->type), p->text);
    }
  for (const SrParamSpec *s = type->params; s->name; s++)
    if (s->mandatory && sr_action_find (action, s->name) == NULL)
      return fail_spec (error, SR_SCENARIO_ERROR_BAD_PARAMETER, action, action->line,
                        action->column, "action '%s' needs parameter '%s'", action->name, s->name);
  const SrParam *l = sr_action_find (action, "layouts");
  g_auto (GStrv) layouts = l ? sr_split_list (l->text) : NULL;
  for (guint i = 0; layouts && layouts[i]; i++)
    if (!stb_layout_from_string (layouts[i], &(StbLayout){ 0 }))
      return fail_spec (error, SR_SCENARIO_ERROR_BAD_PARAMETER, action, l->line, l->column,
                        "layouts: '%s' is not a layout (bidirectional, unidirectional)",
                        layouts[i]);
  const SrParam *t = sr_action_find (action, "timeout");
  if (t != NULL && takes_timeout (type) && sr_action_get_double (action, "timeout", 0) <= 0)
    return fail_spec (error, SR_SCENARIO_ERROR_BAD_PARAMETER, action, t->line, t->column,
                      "timeout must be > 0 (every action is bounded)");
  return TRUE;
}

gdouble
sr_action_timeout (const SrAction *action)
{
  const SrActionType *type = sr_action_type_lookup (action->name);
  gdouble def = type ? type->default_timeout_s : 10.0;
  return sr_action_get_double (action, "timeout", def);
}
