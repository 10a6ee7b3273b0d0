/* SPDX-License-Identifier: MIT */
/* QWS stream decoder (sim/qcop/qcop-wire.c): the bytes a client (commands, at the server) or
 * the server (events, at a client) sends, decoded item after item as the readers do. */

#include "fuzz-util.h"
#include "qcop-wire.h"

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
