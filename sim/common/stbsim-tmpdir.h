/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Temporary directories that do not outlive the process that made them, even when it is
 * killed with SIGKILL (the runner's private QCOP socket directories in /tmp).
 *
 * The first stbsim_tmpdir_make() forks a guardian: a small child that shares a pipe with
 * this process and keeps the list of live directories (each make announces one, each remove
 * withdraws it). When the pipe reaches end of file, i.e. this process is gone however it
 * ended, the guardian empties and removes every directory still listed and exits. It ignores
 * SIGINT, SIGTERM and SIGHUP (a Ctrl-C reaches the whole foreground process group), and holds
 * no other file descriptor of this process.
 */

#include <glib.h>

G_BEGIN_DECLS

/* g_dir_make_tmp (@tmpl) and hand the directory to the guardian (transfer full). */
gchar *stbsim_tmpdir_make (const gchar *tmpl, GError **error);

/* Hand an existing directory @path (made by the caller, e.g. a fixed name claimed with mkdir)
 * to the guardian: removed like the others if this process is killed. */
void stbsim_tmpdir_adopt (const gchar *path);

/* Remove the entries of @path (not recursive: sockets, files), @path itself, and withdraw it
 * from the guardian. NULL-safe. */
void stbsim_tmpdir_remove (const gchar *path);

G_END_DECLS
