/* SPDX-License-Identifier: MIT */
/* Channel lineup (sim/headend/headend-lineup.c): fixtures/lineup.ini's format, loaded and
 * resolved (ports renumbered: nothing is bound). */

#include "fuzz-util.h"
#include "headend-lineup.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autofree gchar *path = fuzz_write_file ("lineup.ini", data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (HeadendLineup) lineup = headend_lineup_load (path, &error);
  if (lineup == NULL)
    return 0;
  headend_lineup_resolve (lineup, TRUE, 20000, NULL);
  headend_lineup_resolve (lineup, FALSE, 20000, NULL);
  return 0;
}
