/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Scenario files: one action per line in GstStructure-like syntax (as gst-validate).
 *
 *   # a comment (whole line)
 *   meta, name=caller, summary="user places a call", layouts="bidirectional,unidirectional", \
 *         requirements="SW-CALLER-1,SW-CALLER-2", timeout=30
 *   set-vars, peer=sip:far@stbsim.test
 *   include, file=common/start-stack.scenario
 *   press-key, target=iptv, key=menu
 *   wait-event, name=voip.page, match="page=main", timeout=2.0
 *
 * Values: `key=value` (unquoted: int, double or boolean inferred, else string),
 * `key="quoted \" string"` (always a string), `key=(type)value` with type string, int,
 * double, boolean (or bool), `key={a, b}` (a list, kept as its text "a, b").
 * A line ending in `\` continues on the next one. `$(name)` is replaced by a variable from
 * `set-vars` or a built-in (run_dir, scenario_dir, layout, ...) given by the caller; an
 * unknown variable is an error. `include, file=...` is relative to the including file and
 * loop-protected. Every action is checked against the action registry (sr-actions.h): an
 * unknown action, an unknown or missing parameter, or a value of the wrong type is an error
 * naming file:line:column and printing the action's parameter spec.
 */

#include <glib.h>

#include "sr-action.h"

G_BEGIN_DECLS

/* Bounds on input: a scenario file (and each include) is at most STBSIM_INPUT_MAX_BYTES
 * (4 MiB, sim/common/stbsim-input.h) and has no NUL byte; every duration (meta and action
 * `timeout`, `window`) is > 0 and at most SR_SCENARIO_MAX_TIMEOUT_S seconds. */
#define SR_SCENARIO_MAX_TIMEOUT_S 3600

typedef struct
{
  gchar *path;
  gchar *name;
  gchar *summary;
  gchar **layouts;      /* NULL-terminated, e.g. {"bidirectional","unidirectional"} */
  gchar **requirements; /* requirement ids the scenario checks */
  gchar **dut_roles;    /* roles a vendor module may take: "iptv", "voip" */
  gchar **ics;          /* ICS items the scenario needs */
  gchar **needs;        /* infrastructure it needs: "sip", "media", "agent", "netns" */
  gdouble timeout_s;    /* whole-scenario bound */
  gchar *dialect;       /* (nullable) dialect file, relative to the source root */
  SrAction *meta;
  GPtrArray *actions; /* SrAction*, without meta, set-vars and include */
  GHashTable *vars;   /* final variables (set-vars + built-ins) */
} SrScenario;

/*
 * Parse one logical line (comments and continuations already handled) into an action.
 * @vars (nullable) supplies $(name) values. Errors name @file:@line:column.
 * @line_starts (nullable): offsets in @text where physical lines begin, for columns/lines
 * across continuations.
 */
SrAction *sr_scenario_parse_line (const gchar *text, const gchar *file, guint line,
                                  GHashTable *vars, GError **error);

/*
 * Load and validate a scenario. @builtins (nullable): variables set before the file (name ->
 * value, strings). @validate: check actions against the registry (FALSE only in parser tests).
 * (transfer full).
 */
SrScenario *sr_scenario_load (const gchar *path, GHashTable *builtins, gboolean validate,
                              GError **error);
SrScenario *sr_scenario_load_from_data (const gchar *data, const gchar *path, GHashTable *builtins,
                                        gboolean validate, GError **error);
/* As sr_scenario_load_from_data() for @len bytes that may hold a NUL (an error naming
 * file:line:column: scenario files are text). */
SrScenario *sr_scenario_load_from_bytes (const gchar *data, gsize len, const gchar *path,
                                         GHashTable *builtins, gboolean validate, GError **error);
void sr_scenario_free (SrScenario *scenario);
gboolean sr_scenario_applies_to_layout (const SrScenario *scenario, const gchar *layout);
/* Print the meta and the actions, one per line, normalised (for `stbsim inspect`). */
gchar *sr_scenario_describe (const SrScenario *scenario);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrScenario, sr_scenario_free)

G_END_DECLS
