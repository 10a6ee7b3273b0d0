/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * UDP ports for a test's components: from the invocation's range (`stbsim --ports A-B`, one
 * range per `-j` child, sr-parallel.h) or from the kernel. Below the launch layer.
 */

#include <gio/gio.h>

#include "sr-config.h"

G_BEGIN_DECLS

/* "FIRST-LAST" (both 1024..65535, FIRST <= LAST) into @config's port range. */
gboolean sr_ports_parse (const gchar *text, SrConfig *config, GError **error);

/* A free UDP port on 127.0.0.1 for a component: from @config's range when it has one (the
 * next one that binds, in order), else one the kernel picks. 0 if none. */
guint sr_ports_pick (const SrConfig *config);

/* When @config has a port range and @argv (an stbsim-ims command) names neither --port nor
 * --netns (its own namespace: no collision possible), add --port with a port of the range. */
void sr_ports_add_ims_port (const SrConfig *config, GPtrArray *argv);

/* Bind 127.0.0.1:@port (0: any) without address reuse; the socket, or NULL. (transfer full) */
GSocket *sr_ports_bind (guint port);
/* The local port @sock is bound to, or 0. */
guint sr_ports_bound (GSocket *sock);

G_END_DECLS
