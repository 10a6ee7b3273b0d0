/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-checks"

/* The check engine (sr-checks.h): events in time order to the subscribed checks. */

#include "sr-checks.h"

#include "sr-check-types.h"
#include "sr-issues.h"

const SrCheckType *const sr_check_types[] = {
  &sr_check_registrations,  &sr_check_messages,
  &sr_check_give_back,      &sr_check_iptv_sends,
  &sr_check_iptv_reports,   &sr_check_agent,
  &sr_check_survival,       &sr_check_timers,
  &sr_check_stamps,         &sr_check_events,
  &sr_check_stream_release, &sr_check_latency,
  &sr_check_injection,      NULL,
};

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

void
sr_checks_run (const SrCheckContext *ctx, GPtrArray *events)
{
  for (guint k = 0; sr_check_types[k] != NULL; k++)
    {
      const SrCheckType *type = sr_check_types[k];
      gpointer state = type->start ? type->start (ctx) : NULL;
      for (guint i = 0; type->event && i < events->len; i++)
        {
          const SrEvent *e = g_ptr_array_index (events, i);
          if (type->kinds & (1u << e->kind))
            type->event (ctx, state, e);
        }
      if (type->finish)
        type->finish (ctx, state);
      if (type->free && state)
        type->free (state);
    }
}

void
sr_checks_note_unevaluated (const SrCheckContext *ctx)
{
  SrTestResult *r = ctx->result;
  for (guint i = 0; r->requirements && r->requirements[i]; i++)
    if (!g_hash_table_contains (r->coverage, r->requirements[i]))
      sr_issue_raise (r, "coverage::not-evaluated", r->requirements[i], r->end_ns,
                      "the test lists %s, but no check evaluated it in this run",
                      r->requirements[i]);
}
