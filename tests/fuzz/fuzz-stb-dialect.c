/* SPDX-License-Identifier: MIT */
/* Dialect loader (sim/stb/protocol/stb-dialect.c): a vendor's dialect file, then every
 * lookup a module and the runner make with it. */

#include "fuzz-util.h"
#include "stb-dialect.h"
#include "stb-protocol.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autoptr (GError) error = NULL;
  g_autoptr (StbDialect) d = stb_dialect_load_data ((const gchar *)data, size, "fuzz.ini", &error);
  if (d == NULL)
    return 0;
  stb_dialect_check_layout (d, NULL);
  for (gint role = STB_ROLE_IPTV; role <= STB_ROLE_VOIP; role++)
    {
      (void)stb_dialect_send_channel (d, role);
      (void)stb_dialect_listen_channel (d, role);
    }
  for (gint p = 0; p < STB_SWITCH_PARAM_COUNT; p++)
    {
      StbSwitchParam back;
      StbSwitchType type = stb_switch_param_get_type (p);
      stb_dialect_lookup_param (d, type, stb_dialect_param_value (d, p), &back);
      g_autoptr (GBytes) enc = stb_protocol_encode_param (d, p);
      g_auto (StbSwitchMessage) msg = { 0 };
      gsize len = 0;
      const guint8 *raw = g_bytes_get_data (enc, &len);
      stb_protocol_decode (d, raw, len, &msg, NULL);
    }
  return 0;
}
