/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-iptv"

#include "stb-iptv-epg.h"
#include "stbsim-input.h"

#include <stdlib.h>

static void
entry_free (gpointer data)
{
  StbEpgEntry *e = data;

  g_free (e->asset);
  g_free (e->title);
  g_free (e);
}

static StbEpgEntry *
entry_new (StbEpgEntryKind kind, guint channel, const gchar *asset, const gchar *title,
           gint64 duration_ms)
{
  StbEpgEntry *e = g_new0 (StbEpgEntry, 1);

  e->kind = kind;
  e->channel = channel;
  e->asset = g_strdup (asset);
  e->title = g_strdup (title);
  e->duration_ms = duration_ms;
  return e;
}

static StbEpg *
epg_new (const gchar *source)
{
  StbEpg *self = g_new0 (StbEpg, 1);

  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->source = g_strdup (source);
  return self;
}

void
stb_epg_free (StbEpg *self)
{
  if (!self)
    return;
  g_ptr_array_unref (self->entries);
  g_free (self->source);
  g_free (self);
}

StbEpg *
stb_epg_new_default (void)
{
  StbEpg *self = epg_new ("built-in");
  static const gchar *const channels[] = { "News 24", "Sports", "Movies", "Kids" };

  g_ptr_array_add (self->entries, entry_new (STB_EPG_ENTRY_VIDEOCALL, 0, NULL, "Video call", 0));
  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    g_ptr_array_add (self->entries, entry_new (STB_EPG_ENTRY_CHANNEL, i + 1, NULL, channels[i], 0));
  g_ptr_array_add (self->entries, entry_new (STB_EPG_ENTRY_VOD, 0, "trailer", "Trailer", 30000));
  g_ptr_array_add (self->entries,
                   entry_new (STB_EPG_ENTRY_VOD, 0, "movie", "Feature Film", 120000));
  return self;
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const StbEpgEntry *x = *(const StbEpgEntry *const *)a;
  const StbEpgEntry *y = *(const StbEpgEntry *const *)b;

  if (x->kind != y->kind)
    return (gint)x->kind - (gint)y->kind;
  if (x->kind == STB_EPG_ENTRY_CHANNEL)
    return x->channel < y->channel ? -1 : x->channel > y->channel;
  return 0; /* VOD keeps file order (stable sort) */
}

static gboolean
add_group (StbEpg *self, GKeyFile *kf, const gchar *path, const gchar *group, GError **error)
{
  g_autofree gchar *title = NULL;
  guint64 n = 0;

  if (g_str_has_prefix (group, "channel "))
    {
      if (!g_ascii_string_to_unsigned (group + 8, 10, 1, 9999, &n, NULL))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s:[%s]: channel number must be 1..9999", path, group);
          return FALSE;
        }
      title = g_key_file_get_string (kf, group, "name", NULL);
      g_ptr_array_add (self->entries,
                       entry_new (STB_EPG_ENTRY_CHANNEL, (guint)n, NULL, title ? title : group, 0));
    }
  else if (g_str_has_prefix (group, "vod ") && group[4])
    {
      title = g_key_file_get_string (kf, group, "title", NULL);
      g_ptr_array_add (self->entries,
                       entry_new (STB_EPG_ENTRY_VOD, 0, group + 4, title ? title : group + 4,
                                  g_key_file_get_int64 (kf, group, "duration_ms", NULL)));
    }
  return TRUE; /* other groups ([live], ...) belong to the head-end */
}

StbEpg *
stb_epg_load (const gchar *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (StbEpg) self = NULL;
  g_auto (GStrv) groups = NULL;
  g_autoptr (GError) local = NULL;

  if (!path || !g_file_test (path, G_FILE_TEST_EXISTS))
    return stb_epg_new_default ();
  if (!stbsim_input_load_keyfile (kf, path, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, G_KEY_FILE_ERROR, local->code, "%s: %s", path, local->message);
      return NULL;
    }
  self = epg_new (path);
  g_ptr_array_add (self->entries, entry_new (STB_EPG_ENTRY_VIDEOCALL, 0, NULL, "Video call", 0));
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i]; i++)
    if (!add_group (self, kf, path, groups[i], error))
      return NULL;
  g_ptr_array_sort (self->entries, compare_entries); /* stable (merge sort) */
  return g_steal_pointer (&self);
}

const StbEpgEntry *
stb_epg_current (const StbEpg *self)
{
  return g_ptr_array_index (self->entries, self->cursor);
}

const StbEpgEntry *
stb_epg_move (StbEpg *self, gint delta)
{
  gint n = (gint)self->entries->len;

  self->cursor = (guint)CLAMP ((gint)self->cursor + delta, 0, n - 1);
  return stb_epg_current (self);
}

void
stb_epg_reset (StbEpg *self)
{
  self->cursor = 0;
}

gboolean
stb_epg_focus (StbEpg *self, const gchar *item)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      g_autofree gchar *name = stb_epg_entry_describe (g_ptr_array_index (self->entries, i));
      if (g_strcmp0 (name, item) == 0)
        {
          self->cursor = i;
          return TRUE;
        }
    }
  return FALSE;
}

guint
stb_epg_count_channels (const StbEpg *self)
{
  guint n = 0;

  for (guint i = 0; i < self->entries->len; i++)
    if (((StbEpgEntry *)g_ptr_array_index (self->entries, i))->kind == STB_EPG_ENTRY_CHANNEL)
      n++;
  return n;
}

const StbEpgEntry *
stb_epg_find_channel (const StbEpg *self, guint channel)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      const StbEpgEntry *e = g_ptr_array_index (self->entries, i);
      if (e->kind == STB_EPG_ENTRY_CHANNEL && e->channel == channel)
        return e;
    }
  return NULL;
}

const StbEpgEntry *
stb_epg_find_vod (const StbEpg *self, const gchar *asset)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      const StbEpgEntry *e = g_ptr_array_index (self->entries, i);
      if (e->kind == STB_EPG_ENTRY_VOD && g_strcmp0 (e->asset, asset) == 0)
        return e;
    }
  return NULL;
}

const StbEpgEntry *
stb_epg_zap (const StbEpg *self, guint channel, gint delta)
{
  g_autoptr (GPtrArray) live = g_ptr_array_new ();
  gint at = 0, n;

  for (guint i = 0; i < self->entries->len; i++)
    {
      StbEpgEntry *e = g_ptr_array_index (self->entries, i);
      if (e->kind != STB_EPG_ENTRY_CHANNEL)
        continue;
      if (e->channel == channel)
        at = (gint)live->len;
      g_ptr_array_add (live, e);
    }
  n = (gint)live->len;
  if (n == 0)
    return NULL;
  return g_ptr_array_index (live, (guint)(((at + delta) % n + n) % n));
}

gchar *
stb_epg_entry_describe (const StbEpgEntry *e)
{
  switch (e->kind)
    {
      case STB_EPG_ENTRY_CHANNEL:
        return g_strdup_printf ("live:%u", e->channel);
      case STB_EPG_ENTRY_VOD:
        return g_strdup_printf ("vod:%s", e->asset);
      case STB_EPG_ENTRY_VIDEOCALL:
        break;
    }
  return g_strdup ("videocall");
}
