/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-server"

#include "qcop-registry.h"

#include <string.h>

struct _QcopRegistry
{
  GHashTable *channels; /* name -> QcopRegistryChannel* (owned) */
  GPtrArray *patterns;  /* QcopRegistryChannel* with a pattern, registration order */
};

static void
channel_free (QcopRegistryChannel *ch)
{
  g_ptr_array_unref (ch->members);
  g_clear_pointer (&ch->pattern, g_pattern_spec_free);
  g_free (ch->name);
  g_free (ch);
}

QcopRegistry *
qcop_registry_new (void)
{
  QcopRegistry *registry = g_new0 (QcopRegistry, 1);

  registry->channels
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)channel_free);
  registry->patterns = g_ptr_array_new ();
  return registry;
}

void
qcop_registry_free (QcopRegistry *registry)
{
  if (registry == NULL)
    return;
  g_clear_pointer (&registry->channels, g_hash_table_unref);
  g_clear_pointer (&registry->patterns, g_ptr_array_unref);
  g_free (registry);
}

QcopRegistryChannel *
qcop_registry_add (QcopRegistry *registry, const gchar *name, gpointer member, gboolean *added)
{
  QcopRegistryChannel *ch = g_hash_table_lookup (registry->channels, name);

  if (ch == NULL)
    {
      ch = g_new0 (QcopRegistryChannel, 1);
      ch->name = g_strdup (name);
      ch->members = g_ptr_array_new ();
      if (strchr (name, '*') != NULL)
        {
          ch->pattern = g_pattern_spec_new (name);
          g_ptr_array_add (registry->patterns, ch);
        }
      g_hash_table_insert (registry->channels, ch->name, ch);
    }
  *added = !g_ptr_array_find (ch->members, member, NULL);
  if (*added)
    g_ptr_array_add (ch->members, member);
  return ch;
}

void
qcop_registry_remove (QcopRegistry *registry, QcopRegistryChannel *channel, gpointer member)
{
  g_ptr_array_remove (channel->members, member);
  if (channel->members->len > 0)
    return;
  if (channel->pattern != NULL)
    {
      /* from the end: a client detaching removes its newest registrations first, so this
       * is O(1) per pattern there, not O(patterns) */
      for (guint i = registry->patterns->len; i-- > 0;)
        if (g_ptr_array_index (registry->patterns, i) == channel)
          {
            g_ptr_array_remove_index (registry->patterns, i);
            break;
          }
    }
  g_hash_table_remove (registry->channels, channel->name); /* frees channel */
}

QcopRegistryChannel *
qcop_registry_lookup (QcopRegistry *registry, const gchar *name)
{
  return g_hash_table_lookup (registry->channels, name);
}

gboolean
qcop_registry_is_registered (QcopRegistry *registry, const gchar *name)
{
  QcopRegistryChannel *ch = g_hash_table_lookup (registry->channels, name);

  return ch != NULL && ch->members->len > 0;
}

GPtrArray *
qcop_registry_get_patterns (QcopRegistry *registry)
{
  return registry->patterns;
}
