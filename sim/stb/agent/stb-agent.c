/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-agent"

#include "stb-agent.h"

#include "stb-fault.h"

#include "qcop-datastream.h"
#include "stbsim-proc.h"

#include <string.h>

struct _StbAgent
{
  QcopClient *client;
  gchar *source;
  guint input_id;
  StbAgentKeyFunc on_key;
  StbAgentCommandFunc on_command;
  gpointer user_data;
  guint64 dropped;
  GBytes *held; /* fault event-state-late: a state event sent after the next event */
  gchar *held_name;
};

GBytes *
stb_agent_encode_event (gint64 t_ns, const gchar *source, const gchar *name, const gchar *details)
{
  GByteArray *out = g_byte_array_new ();

  qcop_ds_write_int64 (out, t_ns);
  qcop_ds_write_string (out, source ? source : "");
  qcop_ds_write_string (out, name ? name : "");
  qcop_ds_write_string (out, details ? details : "");
  return g_byte_array_free_to_bytes (out);
}

gboolean
stb_agent_decode_event (GBytes *data, gint64 *t_ns, gchar **source, gchar **name, gchar **details,
                        GError **error)
{
  QcopDsReader reader;
  gint64 t = 0;
  g_autofree gchar *s = NULL, *n = NULL, *d = NULL;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  qcop_ds_reader_init (&reader, p, len);
  if (!qcop_ds_read_int64 (&reader, &t, error) || !qcop_ds_read_string (&reader, &s, error)
      || !qcop_ds_read_string (&reader, &n, error) || !qcop_ds_read_string (&reader, &d, error))
    return FALSE;
  if (t_ns)
    *t_ns = t;
  if (source)
    *source = s ? g_steal_pointer (&s) : g_strdup ("");
  if (name)
    *name = n ? g_steal_pointer (&n) : g_strdup ("");
  if (details)
    *details = d ? g_steal_pointer (&d) : g_strdup ("");
  return TRUE;
}

GBytes *
stb_agent_encode_key (const gchar *key)
{
  GByteArray *out = g_byte_array_new ();

  qcop_ds_write_string (out, key);
  return g_byte_array_free_to_bytes (out);
}

gboolean
stb_agent_decode_key (GBytes *data, gchar **key, GError **error)
{
  QcopDsReader reader;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);
  gchar *k = NULL;

  qcop_ds_reader_init (&reader, p, len);
  if (!qcop_ds_read_string (&reader, &k, error))
    return FALSE;
  *key = k ? k : g_strdup ("");
  return TRUE;
}

gchar *
stb_agent_escape (const gchar *value)
{
  GString *out = g_string_new (NULL);

  for (const guchar *c = (const guchar *)(value ? value : ""); *c; c++)
    if (*c == '%' || *c == ';' || *c == '=' || *c < 0x20 || *c == 0x7f)
      g_string_append_printf (out, "%%%02X", *c);
    else
      g_string_append_c (out, (gchar)*c);
  return g_string_free (out, FALSE);
}

gchar *
stb_agent_details_get (const gchar *details, const gchar *key)
{
  g_auto (GStrv) parts = NULL;
  gsize klen;

  if (!details || !key)
    return NULL;
  klen = strlen (key);
  parts = g_strsplit (details, ";", -1);
  for (guint i = 0; parts[i]; i++)
    if (strncmp (parts[i], key, klen) == 0 && parts[i][klen] == '=')
      return g_uri_unescape_string (parts[i] + klen + 1, NULL);
  return NULL;
}

static void
on_input_received (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
                   gpointer user_data)
{
  StbAgent *self = user_data;

  if (g_strcmp0 (message, STB_AGENT_KEY_MESSAGE) == 0)
    {
      g_autofree gchar *key = NULL;
      g_autoptr (GError) error = NULL;

      if (!stb_agent_decode_key (data, &key, &error))
        {
          stb_agent_emitf (self,
                           g_strcmp0 (self->source, "iptv") == 0 ? "iptv.ignored" : "voip.ignored",
                           "reason=bad-key;channel=%s;error=%s", channel, error->message);
          return;
        }
      g_debug ("key %s", key);
      if (self->on_key)
        self->on_key (key, self->user_data);
      return;
    }
  if (self->on_command)
    self->on_command (message, data, self->user_data);
}

StbAgent *
stb_agent_new (QcopClient *client, const gchar *source, const gchar *input_channel,
               StbAgentKeyFunc on_key, StbAgentCommandFunc on_command, gpointer user_data)
{
  StbAgent *self = g_new0 (StbAgent, 1);

  self->client = g_object_ref (client);
  self->source = g_strdup (source);
  self->on_key = on_key;
  self->on_command = on_command;
  self->user_data = user_data;
  if (!STB_FAULT ("no-agent"))
    self->input_id = qcop_client_register (client, input_channel, on_input_received, self, NULL);
  return self;
}

void
stb_agent_free (StbAgent *self)
{
  if (!self)
    return;
  if (self->input_id)
    qcop_client_unregister (self->client, self->input_id);
  g_clear_object (&self->client);
  g_clear_pointer (&self->held, g_bytes_unref);
  g_free (self->held_name);
  g_free (self->source);
  g_free (self);
}

const gchar *
stb_agent_get_source (StbAgent *self)
{
  return self->source;
}

guint64
stb_agent_get_dropped (StbAgent *self)
{
  return self->dropped;
}

static void
send_event (StbAgent *self, GBytes *data, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  if (!qcop_client_send (self->client, STB_AGENT_EVENTS_CHANNEL, STB_AGENT_EVENT_MESSAGE, p, len,
                         &error))
    {
      self->dropped++;
      g_message ("event %s dropped: %s", name, error->message);
    }
}

void
stb_agent_emit_at (StbAgent *self, gint64 t_ns, const gchar *name, const gchar *details)
{
  g_autoptr (GBytes) data = NULL;
  g_autofree gchar *spaced = NULL;

  if (STB_FAULT ("no-agent") || STB_FAULT ("agent-silent"))
    return;
  if (STB_FAULT ("event-late-stamp")) /* stamped "when sent", plus a queueing delay */
    t_ns = stbsim_now_ns () + 100 * G_GINT64_CONSTANT (1000000);
  if (STB_FAULT ("event-details-spaces") && details && *details) /* "for readability" */
    {
      g_auto (GStrv) pairs = g_strsplit (details, ";", -1);
      details = spaced = g_strjoinv ("; ", pairs);
    }
  data = stb_agent_encode_event (t_ns, self->source, name, details);

  g_message ("event %s %s", name, details ? details : "");
  if (STB_FAULT ("event-state-late") && g_str_has_suffix (name, ".state") && !self->held)
    {
      self->held = g_steal_pointer (&data); /* "state events are flushed with the next one" */
      self->held_name = g_strdup (name);
      return;
    }
  send_event (self, data, name);
  if (STB_FAULT ("tx-event-twice") && g_str_equal (name, "switch.tx"))
    send_event (self, data, name);
  if (self->held)
    {
      g_autoptr (GBytes) held = g_steal_pointer (&self->held);
      g_autofree gchar *held_name = g_steal_pointer (&self->held_name);
      send_event (self, held, held_name);
    }
}

void
stb_agent_emit (StbAgent *self, const gchar *name, const gchar *details)
{
  stb_agent_emit_at (self, stbsim_now_ns (), name, details);
}

void
stb_agent_emitf (StbAgent *self, const gchar *name, const gchar *format, ...)
{
  g_autofree gchar *details = NULL;
  va_list ap;

  va_start (ap, format);
  details = g_strdup_vprintf (format, ap);
  va_end (ap);
  stb_agent_emit (self, name, details);
}
