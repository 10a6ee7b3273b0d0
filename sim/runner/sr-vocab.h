/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The event vocabulary a scenario may select (SPEC §12.3–12.5 agent events, switch parameters
 * seen at the server, the runner's own events, SIP observed at the IMS core, far-end events):
 * one data table (sr-vocab.c) of {name, source, detail keys (closed value sets where the SPEC
 * closes them), SPEC reference}. It drives `stbsim list-events` and the parse-time check of
 * every scenario (sr_vocab_check_actions): event selectors (`name=`, `from=`, `to=`,
 * `first=`, `then=`, the `name|k=v` form and `match=`), `since=` checkpoints, components,
 * roles, key names, switch parameters and QCOP message names. A misspelled name is an error
 * naming file:line:column with the nearest valid name, never a silent pass or a DUT verdict.
 *
 * Only the types of sr-scenario.h are used here (no calls into it), so the parser can call
 * this unit without a file-level call circle.
 */

#include <glib.h>

#include "sr-action.h"

G_BEGIN_DECLS

#define SR_VOCAB_ERROR (sr_vocab_error_quark ())
GQuark sr_vocab_error_quark (void);

typedef enum
{
  SR_VOCAB_ERROR_UNKNOWN_EVENT, /* an event selector names no event of the table */
  SR_VOCAB_ERROR_UNKNOWN_KEY,   /* a detail key the event does not have, or not key=value */
  SR_VOCAB_ERROR_BAD_VALUE,     /* outside a closed set; not a parameter, message name, hex */
  SR_VOCAB_ERROR_CHECKPOINT,    /* since= names no earlier checkpoint */
  SR_VOCAB_ERROR_UNKNOWN_NAME,  /* component or key name */
} SrVocabError;

typedef enum
{
  SR_VOCAB_AGENT,  /* a module's agent event on STBSim/Events (source iptv|voip) */
  SR_VOCAB_SERVER, /* a switch message as the QCOP server saw it */
  SR_VOCAB_RUNNER, /* the runner's own stimuli and notes (source harness) */
  SR_VOCAB_IMS,    /* SIP observed at the IMS core (Kamailio SIPOBS) */
  SR_VOCAB_FAREND, /* the far end: sipp, the second STB */
} SrVocabSource;

typedef struct
{
  const gchar *name;    /* exact event name (see sr_vocab_lookup for the patterns) */
  SrVocabSource source; /* who produces it */
  const gchar *keys;    /* detail keys "k;k2=a|b": `=` closes the value set; "" = none */
  const gchar
      *spec; /* where it is defined: "SPEC 12.4" (ASCII: C-locale output), or the runner file */
  const gchar *summary;
} SrVocabEvent;

/* The table, terminated by {NULL}. */
extern const SrVocabEvent sr_vocab_events[];

const gchar *sr_vocab_source_to_string (SrVocabSource source);

/*
 * The entry for event @name (nullable result): an exact name, `stb2.<agent event>` (the
 * second STB's agent events, far-end lane) or `switchService(T,P)` (a switch message the
 * server saw but the dialect could not decode).
 */
const SrVocabEvent *sr_vocab_lookup (const gchar *name);

/* Every event, one line each, for `stbsim list-events` (transfer full). */
gchar *sr_vocab_describe_all (void);

/*
 * Check the vocabulary of @actions (SrAction*, in file order after includes, without meta,
 * set-vars and include). On the first problem returns FALSE with an SR_VOCAB_ERROR
 * "file:line:column: ..." and, where one is close, "did you mean X?". (Its own error domain:
 * this unit calls nothing in sr-scenario.c, so the parser can call it without a call circle.)
 * Values that are unexpanded placeholders (`<name>`, `stbsim inspect`) are not checked.
 */
gboolean sr_vocab_check_actions (const GPtrArray *actions, GError **error);

/* Levenshtein distance of @a and @b (bounded inputs), for suggestions. */
guint sr_vocab_distance (const gchar *a, const gchar *b);

G_END_DECLS
