/* SPDX-License-Identifier: MIT */
#pragma once

/* Declarations shared by qcop-server*.c only. */

#include <glib.h>

G_BEGIN_DECLS

/*
 * Make @path a listening Unix stream socket for @uid: create its directory (0700) if missing;
 * refuse a directory that is not a real directory owned by @uid without group/other
 * permissions (QCOP_ERROR_PERMISSION); replace a stale socket file, refuse a live one or a
 * non-socket (QCOP_ERROR_CONNECTION); bind, chmod 0600, listen. Returns the non-blocking,
 * close-on-exec fd, or -1. *@bound says whether @path was created (the caller unlinks it).
 */
gint qcop_server_socket_listen (const gchar *path, guint32 uid, gboolean *bound, GError **error);

G_END_DECLS
