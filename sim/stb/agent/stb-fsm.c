/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-fsm"

#include "stb-fsm.h"

void
stb_fsm_init (StbFsm *fsm, const StbFsmTable *table, guint initial, StbFsmEmitFunc emit,
              gpointer user_data)
{
  g_return_if_fail (fsm != NULL && table != NULL && initial < table->n_states);
  *fsm = (StbFsm){ .table = table, .state = initial, .emit = emit, .user_data = user_data };
}

const gchar *
stb_fsm_state_name (const StbFsmTable *table, guint state)
{
  return state < table->n_states ? table->names[state] : "invalid";
}

gboolean
stb_fsm_is_allowed (const StbFsmTable *table, guint from, guint to)
{
  if (from >= table->n_states || to >= table->n_states)
    return FALSE;
  return table->allowed[from * table->n_states + to] != 0;
}

static void
emit (StbFsm *fsm, const gchar *what, guint from, guint to, const gchar *reason)
{
  g_autofree gchar *event = g_strdup_printf ("%s.%s", fsm->table->machine, what);
  g_autofree gchar *details
      = g_strdup_printf ("from=%s;to=%s;reason=%s", stb_fsm_state_name (fsm->table, from),
                         stb_fsm_state_name (fsm->table, to), reason ? reason : "");

  if (fsm->emit)
    fsm->emit (event, details, fsm->user_data);
}

gboolean
stb_fsm_set_state (StbFsm *fsm, guint new_state, const gchar *reason)
{
  guint old = fsm->state;

  if (!stb_fsm_is_allowed (fsm->table, old, new_state))
    {
      fsm->illegal++;
      g_message ("%s: illegal transition %s -> %s (%s) refused", fsm->table->machine,
                 stb_fsm_state_name (fsm->table, old), stb_fsm_state_name (fsm->table, new_state),
                 reason ? reason : "");
      emit (fsm, "illegal", old, new_state, reason);
      return FALSE;
    }
  fsm->state = new_state;
  fsm->transitions++;
  g_debug ("%s: %s -> %s (%s)", fsm->table->machine, stb_fsm_state_name (fsm->table, old),
           stb_fsm_state_name (fsm->table, new_state), reason ? reason : "");
  emit (fsm, "state", old, new_state, reason);
  return TRUE;
}
