/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-timeline"

#include "sr-timeline.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const gchar *const kind_names[] = { "runner", "qcop", "agent", "sip", "media", "channel" };

const gchar *
sr_event_kind_to_string (SrEventKind kind)
{
  g_return_val_if_fail (kind <= SR_EVENT_CHANNEL, "runner");
  return kind_names[kind];
}

SrEvent *
sr_event_new (gint64 t_ns, SrEventKind kind, const gchar *source, const gchar *name)
{
  SrEvent *e = g_new0 (SrEvent, 1);
  e->ref = 1;
  e->t_ns = t_ns;
  e->kind = kind;
  e->source = g_strdup (source ? source : "runner");
  e->name = g_strdup (name ? name : "");
  return e;
}

SrEvent *
sr_event_ref (SrEvent *event)
{
  g_atomic_int_inc (&event->ref);
  return event;
}

void
sr_event_unref (SrEvent *e)
{
  if (e == NULL || !g_atomic_int_dec_and_test (&e->ref))
    return;
  g_free (e->source);
  g_free (e->target);
  g_free (e->name);
  g_free (e->channel);
  g_free (e->details);
  g_free (e->data_hex);
  g_free (e);
}

gchar *
sr_event_detail (const SrEvent *event, const gchar *key)
{
  if (event->details == NULL)
    return NULL;
  g_auto (GStrv) parts = g_strsplit (event->details, ";", -1);
  gsize klen = strlen (key);
  for (guint i = 0; parts[i]; i++)
    {
      const gchar *p = parts[i];
      while (*p == ' ')
        p++;
      if (strncmp (p, key, klen) == 0 && p[klen] == '=')
        return g_strdup (p + klen + 1);
    }
  return NULL;
}

gboolean
sr_event_matches (const SrEvent *event, const gchar *match)
{
  if (match == NULL || *match == '\0')
    return TRUE;
  g_auto (GStrv) parts = g_strsplit_set (match, ";,", -1);
  for (guint i = 0; parts[i]; i++)
    {
      gchar *kv = g_strstrip (parts[i]);
      if (*kv == '\0')
        continue;
      gchar *eq = strchr (kv, '=');
      if (eq == NULL)
        return FALSE;
      *eq = '\0';
      g_autofree gchar *have = sr_event_detail (event, g_strstrip (kv));
      if (have == NULL || !g_str_equal (have, g_strstrip (eq + 1)))
        return FALSE;
    }
  return TRUE;
}

gchar *
sr_event_to_json (const SrEvent *e)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "t_ns");
  json_builder_add_int_value (b, e->t_ns);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, sr_event_kind_to_string (e->kind));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, e->source);
  if (e->target)
    {
      json_builder_set_member_name (b, "target");
      json_builder_add_string_value (b, e->target);
    }
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, e->name);
  if (e->channel)
    {
      json_builder_set_member_name (b, "channel");
      json_builder_add_string_value (b, e->channel);
    }
  if (e->client)
    {
      json_builder_set_member_name (b, "client");
      json_builder_add_int_value (b, e->client);
    }
  if (e->msg_type)
    {
      json_builder_set_member_name (b, "type");
      json_builder_add_int_value (b, e->msg_type);
      json_builder_set_member_name (b, "param");
      json_builder_add_int_value (b, e->msg_param);
    }
  if (e->details)
    {
      json_builder_set_member_name (b, "details");
      json_builder_add_string_value (b, e->details);
    }
  if (e->data_hex)
    {
      json_builder_set_member_name (b, "data");
      json_builder_add_string_value (b, e->data_hex);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

SrTimeline *
sr_timeline_new (void)
{
  SrTimeline *t = g_new0 (SrTimeline, 1);
  t->events = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_event_unref);
  return t;
}

void
sr_timeline_free (SrTimeline *t)
{
  if (t == NULL)
    return;
  g_ptr_array_unref (t->events);
  g_free (t);
}

guint
sr_timeline_index_at (const SrTimeline *t, gint64 t_ns)
{
  guint lo = 0, hi = t->events->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const SrEvent *e = g_ptr_array_index (t->events, mid);
      if (e->t_ns < t_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

void
sr_timeline_add (SrTimeline *t, SrEvent *event)
{
  /* after every event with t <= event->t (stable) */
  guint i = sr_timeline_index_at (t, event->t_ns + 1);
  g_ptr_array_insert (t->events, (gint)i, sr_event_ref (event));
}

GPtrArray *
sr_timeline_slice (const SrTimeline *t, gint64 from_ns, gint64 to_ns)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_event_unref);
  for (guint i = sr_timeline_index_at (t, from_ns); i < t->events->len; i++)
    {
      SrEvent *e = g_ptr_array_index (t->events, i);
      if (e->t_ns >= to_ns)
        break;
      g_ptr_array_add (out, sr_event_ref (e));
    }
  return out;
}
