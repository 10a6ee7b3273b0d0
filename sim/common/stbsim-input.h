/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading input files (scenarios, catalogue, ICS, timing profiles, dialects, lineups) with a
 * bound: a file must be a regular file of at most STBSIM_INPUT_MAX_BYTES (4 MiB; the largest
 * file we ship is ~30 kB). /dev/zero, a FIFO or a runaway generated file fails at once with
 * an error naming the file, instead of reading until memory runs out.
 */

#include <glib.h>

G_BEGIN_DECLS

#define STBSIM_INPUT_MAX_BYTES (4 * 1024 * 1024)

/* Read @path whole (NUL-terminated; @length excludes the NUL, nullable). Errors are
 * G_FILE_ERROR and name @path. */
gboolean stbsim_input_read (const gchar *path, gchar **contents, gsize *length, GError **error);

/* g_key_file_load_from_file() through stbsim_input_read(). */
gboolean stbsim_input_load_keyfile (GKeyFile *keyfile, const gchar *path, GKeyFileFlags flags,
                                    GError **error);

G_END_DECLS
