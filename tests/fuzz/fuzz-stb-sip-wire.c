/* SPDX-License-Identifier: MIT */
/* SIP transport log (sim/stb/voip/stb-sip-wire.c): sofia's "send/recv N bytes" log with the
 * messages between dashed lines, fed in pieces as the logger hands it over (the input's first
 * byte sets the piece size). */

#include <string.h>

#include "fuzz-util.h"
#include "stb-sip-wire.h"

static guint seen;

static void
on_message (gboolean tx, const gchar *what, const gchar *call_id, gpointer data)
{
  g_assert (what != NULL);
  seen++;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gint token;
  fuzz_init ();
  if (size < 1)
    return 0;
  stb_sip_wire_attach (on_message, &token);
  g_autofree gchar *text = fuzz_strndup (data + 1, size - 1);
  gsize piece = data[0] % 64 + 1, len = strlen (text);
  for (gsize at = 0; at < len; at += piece)
    {
      g_autofree gchar *part = g_strndup (text + at, piece);
      stb_sip_wire_feed (part);
    }
  stb_sip_wire_detach (&token);
  return 0;
}
