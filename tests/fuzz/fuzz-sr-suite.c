/* SPDX-License-Identifier: MIT */
/* Catalogue and ICS (sim/runner/sr-suite.c): the input as conformance/catalogue.ini, and as an
 * ICS file the selection is filtered by. */

#include "fuzz-util.h"
#include "sr-suite.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autofree gchar *path = fuzz_write_file ("catalogue.ini", data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = sr_catalogue_load (path, &error);
  g_autoptr (GKeyFile) ics = g_key_file_new ();
  gboolean have_ics = g_key_file_load_from_data (ics, (const gchar *)data, size, 0, NULL);
  (void)sr_ics_supports (ics, "callee.reject");
  (void)sr_ics_supports (ics, "ics.agent");
  if (entries == NULL)
    return 0;
  static const gchar *const layouts[] = { NULL, "bidirectional", "unidirectional" };
  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    {
      g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) tests
          = sr_catalogue_select (entries, layouts[i], have_ics ? ics : NULL, i ? "voip" : NULL,
                                 i == 1, NULL, skipped, NULL);
    }
  return 0;
}
