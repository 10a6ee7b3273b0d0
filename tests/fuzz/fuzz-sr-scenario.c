/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* memmem */
/* Scenario parser with includes (sim/runner/sr-scenario.c). The input is a scenario file; a
 * line "#--inc--" splits it: what follows is written as inc.scenario beside it (so
 * `include, file=inc.scenario` loads it, and the parser follows includes). Loaded with and
 * without validation against the action registry; a loaded scenario is described. */

#include <glib/gstdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "sr-scenario.h"
#include "sr-suite.h"

#define SPLIT "\n#--inc--\n"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static GHashTable *builtins;
  fuzz_init ();
  if (builtins == NULL)
    builtins = sr_builtin_placeholders ();
  const uint8_t *split = memmem (data, size, SPLIT, strlen (SPLIT));
  gsize main_len = split ? (gsize)(split - data) : size;
  g_autofree gchar *inc = NULL;
  if (split != NULL)
    inc = fuzz_write_file ("inc.scenario", split + strlen (SPLIT),
                           size - main_len - strlen (SPLIT));
  g_autofree gchar *path = fuzz_write_file ("main.scenario", data, main_len);
  for (gint validate = 0; validate <= 1; validate++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SrScenario) sc = sr_scenario_load (path, builtins, validate, &error);
      g_assert ((sc == NULL) == (error != NULL));
      if (sc != NULL)
        {
          g_autofree gchar *text = sr_scenario_describe (sc);
        }
    }
  if (inc != NULL)
    g_unlink (inc);
  return 0;
}
