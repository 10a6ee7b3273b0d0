/* SPDX-License-Identifier: MIT */
/* Switch message decoder (sim/stb/protocol/stb-protocol.c): QCOP message data as a module
 * receives it, with the default dialect and the vendor example's numbers. */

#include "fuzz-util.h"
#include "stb-dialect.h"
#include "stb-protocol.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static StbDialect *dialect;
  fuzz_init ();
  if (dialect == NULL)
    dialect = stb_dialect_new_default ();
  g_auto (StbSwitchMessage) msg = { 0 };
  g_autoptr (GError) error = NULL;
  if (stb_protocol_decode (dialect, data, size, &msg, &error))
    {
      /* a decoded message encodes again */
      g_autoptr (GBytes) again = stb_protocol_encode (dialect, &msg);
      g_assert (again != NULL);
    }
  else
    g_assert (error != NULL && stb_protocol_error_reason (error->code) != NULL);
  return 0;
}
