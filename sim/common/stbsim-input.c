/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-input"

#include "stbsim-input.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
fail_errno (const gchar *path, const gchar *what, gint err, GError **error)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: cannot %s: %s", path, what,
               g_strerror (err));
  return FALSE;
}

/* Read at most STBSIM_INPUT_MAX_BYTES + 1 bytes, so a file that grew after fstat() is caught. */
static gboolean
read_bounded (gint fd, const gchar *path, GString *out, GError **error)
{
  gchar buf[65536];
  for (;;)
    {
      gssize n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_errno (path, "read", errno, error);
      if (n == 0)
        return TRUE;
      g_string_append_len (out, buf, n);
      if (out->len > STBSIM_INPUT_MAX_BYTES)
        break;
    }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
               "%s: larger than %d bytes (the limit for input files)", path,
               STBSIM_INPUT_MAX_BYTES);
  return FALSE;
}

gboolean
stbsim_input_read (const gchar *path, gchar **contents, gsize *length, GError **error)
{
  g_return_val_if_fail (path != NULL && contents != NULL, FALSE);
  gint fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return fail_errno (path, "open", errno, error);
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      gint err = errno;
      close (fd);
      return fail_errno (path, "stat", err, error);
    }
  if (!S_ISREG (st.st_mode) || st.st_size > STBSIM_INPUT_MAX_BYTES)
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   S_ISREG (st.st_mode) ? "%s: larger than %d bytes (the limit for input files)"
                                        : "%s: not a regular file (input files are at most %d "
                                          "bytes)",
                   path, STBSIM_INPUT_MAX_BYTES);
      return FALSE;
    }
  GString *out = g_string_sized_new ((gsize)st.st_size + 1);
  gboolean ok = read_bounded (fd, path, out, error);
  close (fd);
  if (!ok)
    {
      g_string_free (out, TRUE);
      return FALSE;
    }
  if (length != NULL)
    *length = out->len;
  *contents = g_string_free (out, FALSE);
  return TRUE;
}

gboolean
stbsim_input_load_keyfile (GKeyFile *keyfile, const gchar *path, GKeyFileFlags flags,
                           GError **error)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  if (!stbsim_input_read (path, &data, &len, error))
    return FALSE;
  return g_key_file_load_from_data (keyfile, data, len, flags, error);
}
