/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Verdicts are data (TTCN-3 model): a test collects issues, its verdict is the maximum over
 * them in the order none < pass < inconc < fail < error, and a verdict only ever gets worse.
 *
 * Exit codes of `stbsim` (a documented contract, also in reports/README.md):
 *   0 pass, 1 fail, 2 inconclusive, 3 error / infrastructure (also: nothing ran), 4 usage.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SR_VERDICT_NONE = 0,
  SR_VERDICT_PASS,
  SR_VERDICT_INCONC,
  SR_VERDICT_FAIL,
  SR_VERDICT_ERROR,
} SrVerdict;

enum
{
  SR_EXIT_PASS = 0,
  SR_EXIT_FAIL = 1,
  SR_EXIT_INCONC = 2,
  SR_EXIT_ERROR = 3,
  SR_EXIT_USAGE = 4,
};

const gchar *sr_verdict_to_string (SrVerdict verdict);
/* Accepts the names sr_verdict_to_string() returns, plus "inconclusive". */
gboolean sr_verdict_from_string (const gchar *text, SrVerdict *verdict);
/* max(a, b) in the order above. */
SrVerdict sr_verdict_merge (SrVerdict a, SrVerdict b);
/* The process exit code for an overall verdict (NONE = nothing ran = error). */
int sr_verdict_exit_code (SrVerdict verdict);

typedef struct
{
  gchar *id;          /* "sw::wrong-message-type" */
  SrVerdict level;    /* what it does to the verdict (pass issues are notes) */
  gchar *requirement; /* SPEC requirement id, or NULL */
  gchar *evidence;    /* what was observed */
  gint64 t_ns;        /* monotonic, 0 if not tied to an instant */
} SrIssue;

typedef struct
{
  gchar *name;      /* "caller.key-to-video-page" */
  gchar *from;      /* event A */
  gchar *to;        /* event B */
  gchar *budget_id; /* profile key, or NULL */
  gint64 value_ns;  /* -1 when B never happened */
  gint64 budget_ns; /* -1 when no budget */
} SrLatency;

/* A picture of the virtual screen taken by the `snapshot` action (sr-screen.h). */
typedef struct
{
  gchar *name; /* the action's name= */
  gchar *path; /* PNG, relative to the run directory: tests/<id>/screen-<name>.png */
  gint64 t_ns; /* when it was taken */
} SrSnapshot;

typedef struct
{
  gchar *id;       /* "conformance.callee-accept.bidirectional" */
  gchar *scenario; /* scenario file */
  gchar *layout;
  gchar *summary;
  gchar **requirements; /* requirements the test checks */
  SrVerdict verdict;
  gboolean started;
  gboolean finished; /* FALSE: interrupted or not reached */
  gint64 start_ns, end_ns;
  GPtrArray *issues;    /* SrIssue* */
  GPtrArray *latencies; /* SrLatency* */
  GPtrArray *events;    /* SrEvent* (sr-timeline.h), refs, the test's slice of the timeline */
  GHashTable *coverage; /* requirement id -> SrCoverage*: what checks evaluated in this run */
  GPtrArray *snapshots; /* SrSnapshot*: screen pictures, in the order taken */
} SrTestResult;

/* What was evaluated for one requirement in one test (coverage from real runs). */
typedef struct
{
  guint evaluations; /* how many times a check looked at an event for it */
  GPtrArray *checks; /* names of the checks (unique), in first-seen order */
} SrCoverage;

SrIssue *sr_issue_new (const gchar *id, SrVerdict level, const gchar *requirement,
                       const gchar *evidence, gint64 t_ns);
void sr_issue_free (SrIssue *issue);

SrTestResult *sr_test_result_new (const gchar *id);
void sr_test_result_free (SrTestResult *result);
/* Record an issue; the verdict becomes max(verdict, issue level). Takes ownership. */
void sr_test_result_add_issue (SrTestResult *result, SrIssue *issue);
/* Convenience: new issue with a printf evidence. */
void sr_test_result_report (SrTestResult *result, const gchar *id, SrVerdict level,
                            const gchar *requirement, gint64 t_ns, const gchar *fmt, ...)
    G_GNUC_PRINTF (6, 7);
/* Only gets worse. */
void sr_test_result_set_verdict (SrTestResult *result, SrVerdict verdict);
void sr_test_result_add_latency (SrTestResult *result, const gchar *name, const gchar *from,
                                 const gchar *to, const gchar *budget_id, gint64 value_ns,
                                 gint64 budget_ns);
/* @check evaluated @requirement once (a passive check, or a scenario expectation). */
void sr_test_result_note_evaluated (SrTestResult *result, const gchar *requirement,
                                    const gchar *check);
/* The issue that decided the verdict (first one at the verdict's level), or NULL. */
const SrIssue *sr_test_result_worst_issue (const SrTestResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrIssue, sr_issue_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrTestResult, sr_test_result_free)

G_END_DECLS
