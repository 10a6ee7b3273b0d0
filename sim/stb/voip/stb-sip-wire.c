/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-sip"

#include "stb-sip-wire.h"

#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>

#include <string.h>

/* One message at a time: sofia logs each one whole before the next. */
typedef struct
{
  StbSipWireFunc func;
  gpointer data;
  GString *pending; /* text not yet split into lines */
  gboolean in_message;
  gboolean tx;
  gchar *what;
  gchar *call_id;
  guint separators;
} Wire;

static Wire wire;

static void
reset (void)
{
  wire.in_message = FALSE;
  wire.separators = 0;
  g_clear_pointer (&wire.what, g_free);
  g_clear_pointer (&wire.call_id, g_free);
}

static gchar *
start_line_what (const gchar *line)
{
  if (g_str_has_prefix (line, "SIP/2.0 "))
    return g_strndup (line + 8, strspn (line + 8, "0123456789"));
  return g_strndup (line, strcspn (line, " "));
}

static void
emit (void)
{
  g_debug ("%s %s %s", wire.tx ? "tx" : "rx", wire.what ? wire.what : "?",
           wire.call_id ? wire.call_id : "");
  if (wire.what != NULL && wire.what[0] != '\0' && wire.func != NULL)
    wire.func (wire.tx, wire.what, wire.call_id ? wire.call_id : "", wire.data);
  reset ();
}

static gboolean
is_header (const gchar *text, const gchar *name, gsize len)
{
  return g_ascii_strncasecmp (text, name, len) == 0;
}

static void
line (const gchar *text)
{
  if (g_str_has_prefix (text, "send ") || g_str_has_prefix (text, "recv "))
    {
      reset ();
      wire.in_message = strstr (text, " bytes ") != NULL;
      wire.tx = text[0] == 's';
      return;
    }
  if (!wire.in_message)
    {
      g_debug ("sofia: %s", text);
      return;
    }
  while (*text == ' ')
    text++;
  if (g_str_has_prefix (text, "-----"))
    {
      if (++wire.separators == 2)
        emit ();
      return;
    }
  if (wire.what == NULL && *text != '\0')
    wire.what = start_line_what (text);
  else if (wire.call_id == NULL && (is_header (text, "Call-ID:", 8) || is_header (text, "i:", 2)))
    wire.call_id = g_strstrip (g_strdup (strchr (text, ':') + 1));
}

void
stb_sip_wire_feed (const gchar *text)
{
  gchar *nl;

  if (wire.pending == NULL)
    wire.pending = g_string_new (NULL);
  g_string_append (wire.pending, text);
  while ((nl = strchr (wire.pending->str, '\n')) != NULL)
    {
      gsize len = (gsize)(nl - wire.pending->str);
      g_autofree gchar *one = g_strndup (wire.pending->str, len);

      g_strchomp (one);
      g_string_erase (wire.pending, 0, (gssize)len + 1);
      line (one);
    }
}

static void
on_sofia_log (void *stream, char const *fmt, va_list ap)
{
  g_autofree gchar *text = g_strdup_vprintf (fmt, ap);

  stb_sip_wire_feed (text);
}

static gpointer
init_once (gpointer data)
{
  su_init ();
  su_log_redirect (su_log_default, on_sofia_log, NULL);
  return NULL;
}

void
stb_sip_wire_attach (StbSipWireFunc func, gpointer data)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_once, NULL);
  reset ();
  wire.func = func;
  wire.data = data;
}

void
stb_sip_wire_detach (gpointer data)
{
  if (wire.data != data)
    return;
  reset ();
  wire.func = NULL;
  wire.data = NULL;
  if (wire.pending != NULL)
    g_string_truncate (wire.pending, 0);
}
