/* SPDX-License-Identifier: MIT */
/* Remote SDP (sim/stb/voip/stb-sdp.c): the offer or answer of the far end, as the VoIP module
 * reads it back. */

#include <string.h>

#include "fuzz-util.h"
#include "stb-sdp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autofree gchar *sdp = fuzz_strndup (data, size);
  StbMediaEndpoint remote;
  memset (&remote, 0, sizeof remote);
  g_autoptr (GError) error = NULL;
  stb_sdp_parse_remote (sdp, &remote, &error);
  return 0;
}
