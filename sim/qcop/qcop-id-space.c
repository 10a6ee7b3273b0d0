/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-server"

#include "qcop-id-space.h"

typedef struct
{
  gint64 start; /* key; gint64 so that start + count never overflows */
  gint64 end;   /* inclusive */
  gpointer owner;
} Range;

typedef struct
{
  GPtrArray *ranges; /* Range*, allocation order (not owned) */
  guint64 ids;
} Owner;

struct _QcopIdSpace
{
  gint64 first, last;
  gint64 cursor;      /* where the next search starts */
  GTree *ranges;      /* &Range.start -> Range* (owned) */
  GHashTable *owners; /* owner -> Owner* (owned) */
};

static gint
cmp_start (gconstpointer a, gconstpointer b, gpointer data)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

static void
owner_free (Owner *o)
{
  g_ptr_array_unref (o->ranges);
  g_free (o);
}

QcopIdSpace *
qcop_id_space_new (gint32 first, gint32 last)
{
  QcopIdSpace *space;

  g_return_val_if_fail (first >= 1 && first <= last, NULL);
  space = g_new0 (QcopIdSpace, 1);
  space->first = first;
  space->last = last;
  space->cursor = first;
  space->ranges = g_tree_new_full (cmp_start, NULL, NULL, g_free);
  space->owners = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)owner_free);
  return space;
}

void
qcop_id_space_free (QcopIdSpace *space)
{
  if (space == NULL)
    return;
  g_tree_unref (space->ranges);
  g_hash_table_unref (space->owners);
  g_free (space);
}

/* The live range with the largest start <= @id, or NULL. */
static Range *
range_at_or_before (QcopIdSpace *space, gint64 id)
{
  GTreeNode *after = g_tree_upper_bound (space->ranges, &id); /* first start > id */
  GTreeNode *node = after ? g_tree_node_previous (after) : g_tree_node_last (space->ranges);

  return node ? g_tree_node_value (node) : NULL;
}

/* The first start >= @from where @count ids are free, searching up to the end of the
 * space; -1 if none. Each step skips one live range. */
static gint64
find_free (QcopIdSpace *space, gint64 from, gint64 count)
{
  gint64 s = from;

  while (s + count - 1 <= space->last)
    {
      Range *r = range_at_or_before (space, s + count - 1);

      if (r == NULL || r->end < s)
        return s;
      s = r->end + 1;
    }
  return -1;
}

gint32
qcop_id_space_alloc (QcopIdSpace *space, gint32 count, gpointer owner)
{
  Owner *o;
  Range *last = NULL;
  gint64 s;

  g_return_val_if_fail (space != NULL && count >= 1, -1);
  s = find_free (space, space->cursor, count);
  if (s < 0 && space->cursor > space->first)
    s = find_free (space, space->first, count); /* wrap */
  if (s < 0)
    return -1;
  space->cursor = s + count > space->last ? space->first : s + count;
  o = g_hash_table_lookup (space->owners, owner);
  if (o == NULL)
    {
      o = g_new0 (Owner, 1);
      o->ranges = g_ptr_array_new ();
      g_hash_table_insert (space->owners, owner, o);
    }
  if (o->ranges->len > 0)
    last = g_ptr_array_index (o->ranges, o->ranges->len - 1);
  if (last != NULL && last->end + 1 == s)
    last->end += count; /* the key (start) is unchanged */
  else
    {
      Range *r = g_new0 (Range, 1);

      r->start = s;
      r->end = s + count - 1;
      r->owner = owner;
      g_tree_insert (space->ranges, &r->start, r);
      g_ptr_array_add (o->ranges, r);
    }
  o->ids += (guint64)count;
  return (gint32)s;
}

void
qcop_id_space_release (QcopIdSpace *space, gpointer owner)
{
  Owner *o;

  g_return_if_fail (space != NULL);
  o = g_hash_table_lookup (space->owners, owner);
  if (o == NULL)
    return;
  for (guint i = 0; i < o->ranges->len; i++)
    {
      Range *r = g_ptr_array_index (o->ranges, i);
      gint64 key = r->start;

      g_tree_remove (space->ranges, &key); /* frees r */
    }
  g_hash_table_remove (space->owners, owner);
}

gpointer
qcop_id_space_owner (QcopIdSpace *space, gint32 id)
{
  Range *r;

  g_return_val_if_fail (space != NULL, NULL);
  r = range_at_or_before (space, id);
  return r != NULL && r->end >= id ? r->owner : NULL;
}

guint64
qcop_id_space_count (QcopIdSpace *space, gpointer owner)
{
  Owner *o;

  g_return_val_if_fail (space != NULL, 0);
  o = g_hash_table_lookup (space->owners, owner);
  return o ? o->ids : 0;
}
