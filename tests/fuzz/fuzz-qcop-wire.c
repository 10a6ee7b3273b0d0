/* SPDX-License-Identifier: MIT */
/* QWS stream decoder (sim/qcop/qcop-wire.c): the bytes a client (commands, at the server) or
 * the server (events, at a client) sends, decoded item after item as the readers do. */

#include "fuzz-util.h"
#include "qcop-wire.h"

#include <string.h>

static gchar names[QCOP_WIRE_NAMES_SIZE];

/* The in-place readers (the hot paths of server and client) must agree with the decoder:
 * whatever they accept, the decoder decodes to the same item. */
static void
check_peek (const uint8_t *data, gsize size, gboolean events, gssize n, const QcopWireItem *item)
{
  const guint8 *d;
  gsize len;
  gssize p;

  if (events)
    {
      QcopWireView m;
      p = qcop_wire_peek_ascii_message (data, size, names, &m);
      if (p <= 0)
        return;
      g_assert (p == n && item->type == QCOP_EVENT_QCOP_MESSAGE);
      g_assert (m.is_response == item->is_response);
      g_assert (strcmp (m.channel, item->channel) == 0 && strcmp (m.message, item->message) == 0);
      d = m.data;
      len = m.len;
    }
  else
    {
      QcopWireView v;
      p = qcop_wire_peek_ascii_send (data, size, names, &v);
      if (p <= 0)
        return;
      g_assert (p == n && item->type == QCOP_CMD_QCOP_SEND);
      g_assert (strcmp (v.channel, item->channel) == 0 && strcmp (v.message, item->message) == 0);
      d = v.data;
      len = v.len;
    }
  g_assert (len == g_bytes_get_size (item->data));
  g_assert (len == 0 || memcmp (d, g_bytes_get_data (item->data, NULL), len) == 0);
}

static void
decode_all (const uint8_t *data, size_t size, gboolean events)
{
  gsize at = 0;
  while (at < size)
    {
      QcopWireItem item = { 0 };
      g_autoptr (GError) error = NULL;
      gssize n = events ? qcop_wire_decode_event (data + at, size - at, &item, &error)
                        : qcop_wire_decode_command (data + at, size - at, &item, &error);
      g_assert (n <= (gssize)(size - at));
      if (n > 0)
        g_assert (item.wire_size == (gsize)n);
      check_peek (data + at, size - at, events, n, &item);
      qcop_wire_item_clear (&item);
      if (n <= 0)
        break;
      at += (gsize)n;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  decode_all (data, size, FALSE);
  decode_all (data, size, TRUE);
  return 0;
}
