/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-verdict"

#include "sr-verdict.h"

#include "sr-timeline.h"

static const gchar *const verdict_names[] = { "none", "pass", "inconc", "fail", "error" };

const gchar *
sr_verdict_to_string (SrVerdict verdict)
{
  g_return_val_if_fail (verdict <= SR_VERDICT_ERROR, "error");
  return verdict_names[verdict];
}

gboolean
sr_verdict_from_string (const gchar *text, SrVerdict *verdict)
{
  g_return_val_if_fail (text != NULL && verdict != NULL, FALSE);
  if (g_str_equal (text, "inconclusive"))
    {
      *verdict = SR_VERDICT_INCONC;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (verdict_names); i++)
    if (g_str_equal (text, verdict_names[i]))
      {
        *verdict = (SrVerdict)i;
        return TRUE;
      }
  return FALSE;
}

SrVerdict
sr_verdict_merge (SrVerdict a, SrVerdict b)
{
  return MAX (a, b);
}

int
sr_verdict_exit_code (SrVerdict verdict)
{
  switch (verdict)
    {
      case SR_VERDICT_PASS:
        return SR_EXIT_PASS;
      case SR_VERDICT_FAIL:
        return SR_EXIT_FAIL;
      case SR_VERDICT_INCONC:
        return SR_EXIT_INCONC;
      case SR_VERDICT_NONE:
      case SR_VERDICT_ERROR:
      default:
        return SR_EXIT_ERROR;
    }
}

SrIssue *
sr_issue_new (const gchar *id, SrVerdict level, const gchar *requirement, const gchar *evidence,
              gint64 t_ns)
{
  g_return_val_if_fail (id != NULL, NULL);
  SrIssue *issue = g_new0 (SrIssue, 1);
  issue->id = g_strdup (id);
  issue->level = level;
  issue->requirement = g_strdup (requirement);
  issue->evidence = g_strdup (evidence ? evidence : "");
  issue->t_ns = t_ns;
  return issue;
}

void
sr_issue_free (SrIssue *issue)
{
  if (issue == NULL)
    return;
  g_free (issue->id);
  g_free (issue->requirement);
  g_free (issue->evidence);
  g_free (issue);
}

static void
latency_free (SrLatency *l)
{
  g_free (l->name);
  g_free (l->from);
  g_free (l->to);
  g_free (l->budget_id);
  g_free (l);
}

static void
snapshot_free (SrSnapshot *s)
{
  g_free (s->name);
  g_free (s->path);
  g_free (s);
}

static void
coverage_free (gpointer data)
{
  SrCoverage *c = data;
  g_ptr_array_unref (c->checks);
  g_free (c);
}

void
sr_test_result_note_evaluated (SrTestResult *result, const gchar *requirement, const gchar *check)
{
  g_return_if_fail (result != NULL && check != NULL);
  if (requirement == NULL || *requirement == '\0')
    return;
  SrCoverage *c = g_hash_table_lookup (result->coverage, requirement);
  if (c == NULL)
    {
      c = g_new0 (SrCoverage, 1);
      c->checks = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (result->coverage, g_strdup (requirement), c);
    }
  c->evaluations++;
  for (guint i = 0; i < c->checks->len; i++)
    if (g_str_equal (g_ptr_array_index (c->checks, i), check))
      return;
  g_ptr_array_add (c->checks, g_strdup (check));
}

SrTestResult *
sr_test_result_new (const gchar *id)
{
  SrTestResult *r = g_new0 (SrTestResult, 1);
  r->id = g_strdup (id);
  r->issues = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_issue_free);
  r->latencies = g_ptr_array_new_with_free_func ((GDestroyNotify)latency_free);
  r->snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify)snapshot_free);
  r->events = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_event_unref);
  r->coverage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, coverage_free);
  return r;
}

void
sr_test_result_free (SrTestResult *r)
{
  if (r == NULL)
    return;
  g_free (r->id);
  g_free (r->scenario);
  g_free (r->layout);
  g_free (r->summary);
  g_strfreev (r->requirements);
  g_ptr_array_unref (r->issues);
  g_ptr_array_unref (r->latencies);
  g_ptr_array_unref (r->snapshots);
  g_ptr_array_unref (r->events);
  g_hash_table_unref (r->coverage);
  g_free (r);
}

void
sr_test_result_set_verdict (SrTestResult *result, SrVerdict verdict)
{
  result->verdict = sr_verdict_merge (result->verdict, verdict);
}

void
sr_test_result_add_issue (SrTestResult *result, SrIssue *issue)
{
  g_return_if_fail (result != NULL && issue != NULL);
  sr_test_result_set_verdict (result, issue->level);
  g_ptr_array_add (result->issues, issue);
}

void
sr_test_result_report (SrTestResult *result, const gchar *id, SrVerdict level,
                       const gchar *requirement, gint64 t_ns, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *evidence = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  sr_test_result_add_issue (result, sr_issue_new (id, level, requirement, evidence, t_ns));
}

void
sr_test_result_add_latency (SrTestResult *result, const gchar *name, const gchar *from,
                            const gchar *to, const gchar *budget_id, gint64 value_ns,
                            gint64 budget_ns)
{
  SrLatency *l = g_new0 (SrLatency, 1);
  l->name = g_strdup (name);
  l->from = g_strdup (from);
  l->to = g_strdup (to);
  l->budget_id = g_strdup (budget_id);
  l->value_ns = value_ns;
  l->budget_ns = budget_ns;
  g_ptr_array_add (result->latencies, l);
}

const SrIssue *
sr_test_result_worst_issue (const SrTestResult *result)
{
  for (guint i = 0; i < result->issues->len; i++)
    {
      const SrIssue *issue = g_ptr_array_index (result->issues, i);
      if (issue->level == result->verdict)
        return issue;
    }
  return NULL;
}
