/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers shared by the libcheck suites: paths, temp dirs, bounded waits, main(). */

#include <check.h>
#include <glib.h>

#include "stbsim-proc.h"

#include <sys/socket.h> /* SOCK_DGRAM, SOCK_STREAM for stbsim_test_free_port() */

G_BEGIN_DECLS

/* $STBSIM_BUILD_ROOT/@rel, e.g. "sim/qcop/stb-qcopd" (transfer full). */
gchar *stbsim_test_build_path (const gchar *rel);
/* $STBSIM_SOURCE_ROOT/@rel, e.g. "fixtures/dialects/default.ini" (transfer full). */
gchar *stbsim_test_source_path (const gchar *rel);
/* A fresh private directory under $TMPDIR (transfer full); remove with stbsim_test_rmtree. */
gchar *stbsim_test_mkdtemp (const gchar *prefix);
void stbsim_test_rmtree (const gchar *path);

/* Iterate @context (NULL = default) until @done returns TRUE or @timeout_ms passes.
 * Returns whether @done became TRUE. Never sleeps blindly. */
gboolean stbsim_test_wait_until (GMainContext *context, gboolean (*done) (gpointer), gpointer data,
                                 gint timeout_ms);

/* stbsim_test_wait_until() on "*@counter >= @want" (a counter a callback bumps). */
gboolean stbsim_test_wait_count (GMainContext *context, const guint *counter, guint want,
                                 gint timeout_ms);

/* Wait (bounded, default context) for @proc to exit; TRUE and its wait status if it did. */
gboolean stbsim_test_wait_exit (StbsimProc *proc, gint timeout_ms, gint *wait_status);

/* A 127.0.0.1 port that was free a moment ago, for @type SOCK_DGRAM or SOCK_STREAM (the
 * kernel's pick for port 0; fails the test if none). */
guint16 stbsim_test_free_port (int type);
/* A Qt/Embedded display number in 20000..49999 nobody uses now: no /tmp/qtembedded-N and no
 * QVFb mouse pipe /tmp/.qtvfb_mouse-N (fails the test if none). */
gint stbsim_test_free_qt_display (void);

/* The contents of @path, at most its last @max_bytes (0: all); "" if it cannot be read
 * (a log that is not there yet). Never NULL (transfer full). */
gchar *stbsim_test_read_file (const gchar *path, gsize max_bytes);

/* Spawn one of our daemons with --ready-fd and wait for READY (fails the test otherwise).
 * @log_path may be NULL. */
StbsimProc *stbsim_test_spawn_ready (const gchar *const *argv, const gchar *name,
                                     const gchar *log_path, gint timeout_ms, gchar **ready_line);

/* Run @suite (CK_FORK as set in the environment), print libcheck's summary; exit code. */
int stbsim_test_run (Suite *suite);

/* Is the test process root (for tests that need namespaces or a second uid)? */
gboolean stbsim_test_is_root (void);

G_END_DECLS
