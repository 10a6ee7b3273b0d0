/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-checks"

/* The check engine (sr-checks.h): events in time order to the subscribed checks. */

#include "sr-checks.h"

#include "sr-check-types.h"
#include "sr-issues.h"

/* one line each, so that new check types merge cleanly */
/* clang-format off */
const SrCheckType *const sr_check_types[] = {
  &sr_check_registrations,
  &sr_check_messages,
  &sr_check_give_back,
  &sr_check_iptv_sends,
  &sr_check_iptv_reports,
  &sr_check_agent,
  &sr_check_survival,
  &sr_check_timers,
  &sr_check_stamps,
  &sr_check_events,
  &sr_check_stream_release,
  &sr_check_latency,
  &sr_check_injection,
  &sr_check_select,
  &sr_check_dial,
  &sr_check_ringing,
  &sr_check_sdp_address,
  &sr_check_restart,
  NULL,
};
/* clang-format on */

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
