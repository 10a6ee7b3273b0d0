/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The action registry: one data table (sr-action-table.c) of {name, handler, parameter spec,
 * description, default timeout}. It drives scenario validation, `stbsim list-actions` and
 * execution. Every action takes an optional `timeout` (seconds) bounding it.
 */

#include <glib.h>

#include "sr-action.h"

G_BEGIN_DECLS

typedef struct _SrRun SrRun;

typedef enum
{
  SR_PARAM_STRING,
  SR_PARAM_INT,
  SR_PARAM_DOUBLE, /* an int is accepted too */
  SR_PARAM_BOOL,
  SR_PARAM_LIST, /* "a,b" or {a, b}; a single value is accepted */
} SrParamType;

typedef struct
{
  const gchar *name;
  SrParamType type;
  gboolean mandatory;
  const gchar *default_value; /* NULL: none */
  const gchar *description;
} SrParamSpec;

/*
 * Runs @action within @timeout_s (seconds). Findings about the DUT are recorded as issues on
 * @run (sr_run_add_issue); a FALSE return with @error is an infrastructure error (verdict
 * error) and ends the test.
 */
typedef gboolean (*SrActionHandler) (SrRun *run, const SrAction *action, gdouble timeout_s,
                                     GError **error);

typedef struct
{
  const gchar *name;
  SrActionHandler handler;   /* NULL for parse-time actions (meta, set-vars, include) */
  const SrParamSpec *params; /* terminated by {NULL} */
  const gchar *description;
  gdouble default_timeout_s;
} SrActionType;

/* The table (sr-action-table.c), terminated by {NULL}. */
extern const SrActionType sr_action_types[];

const SrActionType *sr_action_type_lookup (const gchar *name);
const SrParamSpec *sr_action_type_find_param (const SrActionType *type, const gchar *name);
const gchar *sr_param_type_to_string (SrParamType type);

/* The parameter spec of @type as indented text (transfer full). */
gchar *sr_action_type_describe (const SrActionType *type);
/* Every action, for `stbsim list-actions` (transfer full). */
gchar *sr_action_types_describe_all (void);

/*
 * Check @action against its registry entry: known action, known parameters, mandatory ones
 * present, types right. On error the message names file:line:column and ends with the
 * action's parameter spec (SR_SCENARIO_ERROR_UNKNOWN_ACTION / _BAD_PARAMETER).
 */
gboolean sr_action_validate (const SrAction *action, GError **error);

/* The timeout of @action: its `timeout` parameter, else the type's default. */
gdouble sr_action_timeout (const SrAction *action);

G_END_DECLS
