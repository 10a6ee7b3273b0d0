/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The server's channel registry: channel name -> its members (the server's clients, in
 * registration order), plus the wildcard channels (a name holding '*') in registration order.
 * A channel exists while it has a member; removing its last member frees it.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QcopRegistry QcopRegistry;

typedef struct
{
  gchar *name;
  GPtrArray *members;    /* opaque members (not owned), registration order */
  GPatternSpec *pattern; /* non-NULL when the name holds '*' */
} QcopRegistryChannel;

/* (transfer full) */
QcopRegistry *qcop_registry_new (void);
void qcop_registry_free (QcopRegistry *registry);

/* Add @member to channel @name (created if needed), once per (member, name). Returns the
 * channel (transfer none) and whether @member was newly added. */
QcopRegistryChannel *qcop_registry_add (QcopRegistry *registry, const gchar *name, gpointer member,
                                        gboolean *added);
/* Remove @member from @channel; frees @channel if it has no member left. */
void qcop_registry_remove (QcopRegistry *registry, QcopRegistryChannel *channel, gpointer member);
/* The channel @name or NULL (transfer none). */
QcopRegistryChannel *qcop_registry_lookup (QcopRegistry *registry, const gchar *name);
/* Does channel @name have a member? */
gboolean qcop_registry_is_registered (QcopRegistry *registry, const gchar *name);
/* The wildcard channels, registration order (transfer none). */
GPtrArray *qcop_registry_get_patterns (QcopRegistry *registry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopRegistry, qcop_registry_free)

G_END_DECLS
