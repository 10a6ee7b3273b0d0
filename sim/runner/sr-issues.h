/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The issue registry (model: gst-validate's gst_validate_report_load_issues): every issue the
 * runner can raise is declared once, in the table of sr-issues.c, with its default level, the
 * SPEC requirement ids it checks, a one-line summary and a description. Checks raise issues
 * by id only; no level and no requirement id is typed at a call site. `stbsim list-issues`
 * prints the table; conformance/SPEC.md and the report link to it.
 *
 * Requirement of a raised issue:
 *  - an issue type that lists requirements raises the first one, or the one the caller picks
 *    among them (e.g. SW-CHAN-02 or SW-CHAN-03 by layout);
 *  - an issue type flagged SR_ISSUE_SCENARIO_REQUIREMENT takes the requirement the scenario
 *    names (`requirement=` of an expectation); the scenario is data, not code.
 * A requirement outside those rules is a programming error (g_critical in debug builds).
 */

#include <glib.h>

#include "sr-verdict.h"

G_BEGIN_DECLS

typedef enum
{
  SR_ISSUE_FLAGS_NONE = 0,
  SR_ISSUE_SCENARIO_REQUIREMENT = 1 << 0, /* requirement from the scenario's expectation */
  SR_ISSUE_INFRASTRUCTURE = 1 << 1,       /* the harness's own fault: never blames a DUT */
} SrIssueFlags;

typedef struct
{
  const gchar *id;                  /* "area::what" */
  SrVerdict level;                  /* default level (pass = a note or warning) */
  const gchar *const *requirements; /* SPEC ids it checks (NULL-terminated), or NULL */
  SrIssueFlags flags;
  const gchar *summary;     /* one line */
  const gchar *description; /* what was checked, how, and what a DUT should do */
} SrIssueType;

/* The table, terminated by an entry with id NULL. */
extern const SrIssueType sr_issue_types[];

const SrIssueType *sr_issue_type_lookup (const gchar *id);
/* Does @type check @requirement (or take it from the scenario)? */
gboolean sr_issue_type_allows (const SrIssueType *type, const gchar *requirement);
/* Every issue type as text (`stbsim list-issues`), or as a JSON array when @json. */
gchar *sr_issue_types_describe_all (gboolean json);

/*
 * Raise issue @id on @result: level from the registry; @requirement (nullable) chooses among
 * the type's requirements or is the scenario's; evidence is printf-formatted. An unknown id is
 * a programming error: it is raised as `run::unknown-issue` (error) so it can never pass.
 */
void sr_issue_raise (SrTestResult *result, const gchar *id, const gchar *requirement, gint64 t_ns,
                     const gchar *fmt, ...) G_GNUC_PRINTF (5, 6);
void sr_issue_raisev (SrTestResult *result, const gchar *id, const gchar *requirement, gint64 t_ns,
                      const gchar *fmt, va_list ap) G_GNUC_PRINTF (5, 0);

G_END_DECLS
