/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A table-driven state machine (STYLE.md §6), shared by the IPTV and VoIP modules.
 * Each module defines its enum, state names and allowed-transitions matrix in its own
 * *-fsm.c file; stb_fsm_set_state() checks the table, logs "old -> new (reason)" and emits
 * ONE event "<machine>.state" (details from=..;to=..;reason=..). An illegal transition is
 * refused: the state is unchanged, the illegal counter grows and "<machine>.illegal" is
 * emitted instead. No IPC here: events go to a callback (the agent, or a test recorder).
 */

#include <glib.h>

G_BEGIN_DECLS

/* @event e.g. "iptv.state"; @details "key=value;..." */
typedef void (*StbFsmEmitFunc) (const gchar *event, const gchar *details, gpointer user_data);

typedef struct
{
  const gchar *machine; /* event prefix: "iptv", "voip" */
  guint n_states;
  const gchar *const *names; /* n_states names */
  const guint8 *allowed;     /* n_states x n_states matrix, allowed[from * n_states + to] */
} StbFsmTable;

typedef struct
{
  const StbFsmTable *table;
  guint state;
  guint transitions;
  guint illegal;
  StbFsmEmitFunc emit;
  gpointer user_data;
} StbFsm;

void stb_fsm_init (StbFsm *fsm, const StbFsmTable *table, guint initial, StbFsmEmitFunc emit,
                   gpointer user_data);
const gchar *stb_fsm_state_name (const StbFsmTable *table, guint state);
gboolean stb_fsm_is_allowed (const StbFsmTable *table, guint from, guint to);
/* TRUE if taken. Refused (FALSE) when not in the table; reported as "<machine>.illegal". */
gboolean stb_fsm_set_state (StbFsm *fsm, guint new_state, const gchar *reason);

G_END_DECLS
