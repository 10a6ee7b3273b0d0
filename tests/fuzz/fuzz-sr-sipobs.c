/* SPDX-License-Identifier: MIT */
/* SIP observation line (sim/runner/sr-sipobs.c): one line of Kamailio's log, parsed and, when
 * it is an observation, turned into a timeline event. */

#include "fuzz-util.h"
#include "sr-sipobs.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autofree gchar *line = fuzz_strndup (data, size);
  g_auto (SrSipObs) obs = { 0 };
  g_autofree gchar *why = NULL;
  SrSipObsParse r = sr_sip_obs_parse_line (line, &obs, &why);
  g_assert ((r == SR_SIP_OBS_BAD) == (why != NULL));
  if (r != SR_SIP_OBS_OK)
    return 0;
  SrClockMap map = { 0, 0 };
  g_autoptr (SrEvent) e = sr_sip_obs_to_event (&obs, &map, "stb1", NULL);
  g_autoptr (SrEvent) f = sr_sip_obs_to_event (&obs, &map, "stb1", "127.0.0.1:5060");
  return 0;
}
