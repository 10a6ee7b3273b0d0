/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A private two-namespace network for one IMS core run (root only):
 *
 *   netns "stbsim-ims-<pid>-<n>"   ims0  172.31.255.1/30   Kamailio listens here
 *        |  veth pair
 *   netns "stbsim-stb-<pid>-<n>"   stb0  172.31.255.2/30   the STB side (runner starts the
 *                                                           STB processes and sipp in it)
 *
 * Both namespaces also have lo up. The addresses exist only inside these namespaces, never
 * on the host. <pid> is the creating process: ims_netns_remove_stale() deletes pairs whose
 * creator is gone (a crashed earlier run).
 */

#include "ims-error.h"

G_BEGIN_DECLS

#define IMS_NETNS_PREFIX "stbsim-"
#define IMS_NETNS_IMS_ADDR "172.31.255.1"
#define IMS_NETNS_STB_ADDR "172.31.255.2"

typedef struct _ImsNetns ImsNetns;

/* Create the pair (removing stale ones first). IMS_ERROR_NOT_ROOT when not root,
 * IMS_ERROR_NOT_INSTALLED without `ip`, IMS_ERROR_NETNS when a step fails (the partial
 * setup is removed again). (transfer full) */
ImsNetns *ims_netns_create (GError **error);
const gchar *ims_netns_get_ims_name (ImsNetns *netns);
const gchar *ims_netns_get_stb_name (ImsNetns *netns);
/* Delete both namespaces (the veth pair goes with them) and free. NULL-safe. */
void ims_netns_destroy (ImsNetns *netns);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImsNetns, ims_netns_destroy)

/* Delete "stbsim-{ims,stb}-<pid>-*" namespaces whose <pid> no longer exists. Returns how
 * many were removed. Quietly does nothing when not root. */
guint ims_netns_remove_stale (void);

/* argv prefix to run a command in namespace @name: {"ip", "netns", "exec", name}
 * (ip as found on this machine). (transfer full) */
GStrv ims_netns_exec_prefix (const gchar *name, GError **error);

/* Switch the calling thread into namespace @name (sockets created meanwhile live there);
 * @saved_fd receives the previous one for ims_netns_leave(). */
gboolean ims_netns_enter (const gchar *name, gint *saved_fd, GError **error);
void ims_netns_leave (gint saved_fd);

G_END_DECLS
