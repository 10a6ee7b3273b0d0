/* SPDX-License-Identifier: MIT */
/* Agent event and key decoders (sim/stb/agent/stb-agent.c, SPEC §12): what a module sends on
 * STBSim/Agent/..., read by the runner; and a key command, read by a module. */

#include "fuzz-util.h"
#include "stb-agent.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  gint64 t_ns = 0;
  g_autofree gchar *source = NULL, *name = NULL, *details = NULL, *key = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) key_error = NULL;
  if (stb_agent_decode_event (bytes, &t_ns, &source, &name, &details, &error) && details)
    {
      g_autofree gchar *v = stb_agent_details_get (details, "page");
      g_autofree gchar *esc = stb_agent_escape (details);
    }
  stb_agent_decode_key (bytes, &key, &key_error);
  return 0;
}
