/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "fuzz"

#include "fuzz-util.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gchar *tmpdir;

static GLogWriterOutput
drop_expected (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_standard_streams (level, fields, n_fields, data);
  return G_LOG_WRITER_HANDLED;
}

static void
remove_tmpdir (void)
{
  if (tmpdir == NULL)
    return;
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (tmpdir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (tmpdir);
}

void
fuzz_init (void)
{
  static gsize once;
  if (!g_once_init_enter (&once))
    return;
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (drop_expected, NULL, NULL);
  const gchar *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree gchar *tmpl = g_build_filename (base, "stbsim-fuzz-XXXXXX", NULL);
  tmpdir = g_mkdtemp (g_steal_pointer (&tmpl));
  g_assert (tmpdir != NULL);
  atexit (remove_tmpdir);
  g_once_init_leave (&once, 1);
}

const gchar *
fuzz_tmpdir (void)
{
  fuzz_init ();
  return tmpdir;
}

gchar *
fuzz_write_file (const gchar *name, const uint8_t *data, size_t size)
{
  gchar *path = g_build_filename (fuzz_tmpdir (), name, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, (const gchar *)data, (gssize)size, &error))
    g_error ("fuzz: cannot write %s: %s", path, error->message);
  return path;
}

gchar *
fuzz_strndup (const uint8_t *data, size_t size)
{
  gchar *s = g_malloc (size + 1);
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}
