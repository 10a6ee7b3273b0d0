/* SPDX-License-Identifier: MIT */
/* stb-iptv: the IPTV module of the simulated STB (see stb-iptv-app.h). */
#define G_LOG_DOMAIN "stb-iptv"

#include "stb-iptv-app.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- STB IPTV module");
  g_autoptr (GError) error = NULL;
  StbIptv iptv = { 0 };
  gint code;

  g_option_context_set_summary (
      context, "The IPTV module: navigation page, live/VOD player and the IPTV side of the\n"
               "service-switching protocol over QCOP (conformance/SPEC.md).");
  stb_iptv_add_options (&iptv, context);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "stb-iptv: %s\n", error->message);
      stb_iptv_clear (&iptv);
      return 2;
    }
  if (!stb_iptv_start (&iptv, &error))
    {
      fprintf (stderr, "stb-iptv: %s\n", error->message);
      stb_iptv_clear (&iptv);
      return 1;
    }
  code = stb_module_run (&iptv.module);
  g_message ("stopped");
  stb_iptv_clear (&iptv);
  return code;
}
