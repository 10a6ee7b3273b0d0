/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One action of a scenario as parsed (file:line:column, parameters with inferred or explicit
 * types) and typed access to its parameters. The parser (sr-scenario.h) makes them; the
 * action registry (sr-actions.h) and the vocabulary (sr-vocab.h) check them.
 */

#include <glib.h>

G_BEGIN_DECLS

#define SR_SCENARIO_ERROR (sr_scenario_error_quark ())
GQuark sr_scenario_error_quark (void);

typedef enum
{
  SR_SCENARIO_ERROR_IO,     /* cannot read the file */
  SR_SCENARIO_ERROR_SYNTAX, /* malformed line */
  SR_SCENARIO_ERROR_UNKNOWN_ACTION,
  SR_SCENARIO_ERROR_BAD_PARAMETER, /* unknown, missing, duplicated or wrongly typed */
  SR_SCENARIO_ERROR_VARIABLE,      /* $(x) not defined */
  SR_SCENARIO_ERROR_INCLUDE,       /* include loop or too deep */
  SR_SCENARIO_ERROR_META,          /* meta missing, misplaced or wrong */
} SrScenarioError;

typedef enum
{
  SR_VALUE_STRING,
  SR_VALUE_INT,
  SR_VALUE_DOUBLE,
  SR_VALUE_BOOL,
  SR_VALUE_LIST, /* {a, b}: text kept in `text` */
} SrValueType;

typedef struct
{
  gchar *key;
  SrValueType type;
  gboolean explicit_type; /* written as (type)value or "quoted" */
  gchar *text;            /* the value as text (unquoted, unescaped, variables expanded) */
  gint64 i;
  gdouble d;
  gboolean b;
  guint line;   /* 1-based physical line of the key */
  guint column; /* 1-based column of the key */
} SrParam;

typedef struct
{
  gchar *name;
  GPtrArray *params; /* SrParam* in file order */
  gchar *file;       /* path as opened */
  guint line;        /* 1-based line of the action's first character */
  guint column;
  gchar *text; /* the logical line, for reports and `inspect` */
} SrAction;

SrAction *sr_action_new (const gchar *name);
void sr_action_free (SrAction *action);
const SrParam *sr_action_find (const SrAction *action, const gchar *key);
/* Typed access with a default when the parameter is absent. */
const gchar *sr_action_get_string (const SrAction *action, const gchar *key, const gchar *def);
gint64 sr_action_get_int (const SrAction *action, const gchar *key, gint64 def);
gdouble sr_action_get_double (const SrAction *action, const gchar *key, gdouble def);
gboolean sr_action_get_bool (const SrAction *action, const gchar *key, gboolean def);
/* "file:line" (transfer full). */
gchar *sr_action_location (const SrAction *action);

/* Split "a,b, c" or "{a, b}" into a NULL-terminated vector of trimmed items. */
gchar **sr_split_list (const gchar *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrAction, sr_action_free)

G_END_DECLS
