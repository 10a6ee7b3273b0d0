/* SPDX-License-Identifier: MIT */
/* stb-voip: the VoIP (video communication) module of the simulated STB (see stb-voip-app.h). */
#define G_LOG_DOMAIN "stb-voip"

#include "stb-voip-app.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- STB VoIP module");
  g_autoptr (GError) error = NULL;
  StbVoip voip = { 0 };
  gint code;

  g_option_context_set_summary (
      context, "The video communication module: SIP (IMS) calls, incoming-call dialog, main\n"
               "video page and the VoIP side of the service-switching protocol over QCOP\n"
               "(conformance/SPEC.md). Without --sip-proxy, calls are injected by the agent.");
  stb_voip_add_options (&voip, context);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "stb-voip: %s\n", error->message);
      stb_voip_clear (&voip);
      return 2;
    }
  if (!stb_voip_start (&voip, &error))
    {
      fprintf (stderr, "stb-voip: %s\n", error->message);
      stb_voip_clear (&voip);
      return 1;
    }
  code = stb_module_run (&voip.module);
  g_message ("stopped");
  stb_voip_clear (&voip);
  return code;
}
