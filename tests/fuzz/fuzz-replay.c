/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "fuzz-replay"

/*
 * Regression replay for one fuzz target without libFuzzer (gcc, the ASan+UBSan `make check`
 * build): runs LLVMFuzzerTestOneInput() on every file of every directory given (the target's
 * checked-in corpus and its past crash files), in name order, and prints how many. A crash is
 * ASan's or UBSan's abort; a missing directory counts as empty.
 *
 *   replay-NAME DIR...
 */

#include "fuzz-util.h"

#include <stdio.h>

static gint
by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

static guint
replay_dir (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return 0;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, by_name);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree gchar *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autofree gchar *data = NULL;
      gsize len = 0;
      g_autoptr (GError) error = NULL;
      if (!g_file_get_contents (path, &data, &len, &error))
        {
          fprintf (stderr, "replay: %s\n", error->message);
          continue;
        }
      printf ("replay %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
      fflush (stdout);
      LLVMFuzzerTestOneInput ((const uint8_t *)data, len);
    }
  return names->len;
}

int
main (int argc, char **argv)
{
  fuzz_init ();
  guint n = 0;
  for (int i = 1; i < argc; i++)
    n += replay_dir (argv[i]);
  printf ("replayed %u input(s), no crash\n", n);
  return 0;
}
