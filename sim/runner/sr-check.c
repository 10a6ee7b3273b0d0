/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check"

/* The helpers checks raise and record coverage with (sr-check.h). */

#include "sr-check.h"

#include "sr-issues.h"

void
sr_check_evaluated (const SrCheckContext *ctx, const gchar *check, const gchar *requirement)
{
  sr_test_result_note_evaluated (ctx->result, requirement, check);
}

void
sr_check_raise (const SrCheckContext *ctx, const gchar *check, const gchar *id,
                const gchar *requirement, gint64 t_ns, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sr_issue_raisev (ctx->result, id, requirement, t_ns, fmt, ap);
  va_end (ap);
  const SrIssueType *type = sr_issue_type_lookup (id);
  if (requirement == NULL && type != NULL && type->requirements != NULL)
    requirement = type->requirements[0];
  sr_check_evaluated (ctx, check, requirement);
}

gint64
sr_check_profile_ms (const SrCheckContext *ctx, const gchar *group, const gchar *key, gint64 def)
{
  g_autoptr (GError) error = NULL;
  gdouble v = ctx->profile ? g_key_file_get_double (ctx->profile, group, key, &error) : 0;
  return ctx->profile && error == NULL ? (gint64)v : def;
}

const gchar *
sr_check_over_budget_issue (const SrCheckContext *ctx)
{
  g_autofree gchar *v
      = ctx->profile ? g_key_file_get_string (ctx->profile, "profile", "timing_verdict", NULL)
                     : NULL;
  return g_strcmp0 (v, "warn") == 0 ? "latency::over-budget-warning" : "latency::over-budget";
}

gboolean
sr_check_is_module_send (const SrEvent *e, StbRole *role)
{
  if (e->kind != SR_EVENT_QCOP || g_strcmp0 (e->target, "server") != 0 || e->msg_type == 0
      || e->client == 0)
    return FALSE;
  return stb_role_from_string (e->source, role);
}

gboolean
sr_check_is_delivery (const SrEvent *e, StbRole *role)
{
  if (e->kind != SR_EVENT_QCOP || g_strcmp0 (e->source, "server") != 0 || e->target == NULL)
    return FALSE;
  return stb_role_from_string (e->target, role);
}
