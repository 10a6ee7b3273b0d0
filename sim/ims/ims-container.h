/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The IMS core in a podman container (sim/ims/Containerfile): the image, the `podman run`
 * command line the launcher spawns instead of Kamailio, and removal by name.
 *
 * Podman runs as DESIGN.md 6 says: rootful, runc, cgroupfs, lowered ulimits, host network
 * (with --netns: --network=ns:/run/netns/<IMS namespace>; `ip netns exec podman` cannot work,
 * it remounts /sys and runc finds no cgroup mount).
 * The run directory (rendered config + db on the host) is mounted read-only at the same path,
 * so the config the local launcher renders works unchanged; Kamailio's stderr is the attached
 * container output, which the launcher appends to <run_dir>/kamailio.log as for a local one.
 */

#include "ims-error.h"

G_BEGIN_DECLS

/* Make sure the image exists (sim/ims/container-image.sh: base image by debootstrap, build
 * on a content change) and return its tag. May take minutes on first use. (transfer full) */
gchar *ims_container_ensure_image (GError **error);

/* Can podman run containers here? FALSE with a reason (not root, podman or runc missing). */
gboolean ims_container_available (GError **error);

/* A unique container name for a core listening on @port: "stbsim-ims-<pid>-<port>-<rand>". */
gchar *ims_container_make_name (guint16 port);

/* The argv (NULL-terminated) running Kamailio with @config_path in container @name from
 * @image, SIP port @port, @run_dir mounted read-only, on the host network or, with @netns
 * (nullable), in that network namespace (/run/netns/@netns). (transfer full) */
GStrv ims_container_run_argv (const gchar *name, const gchar *image, const gchar *run_dir,
                              const gchar *config_path, guint16 port, const gchar *netns);

/* Make @run_dir and everything below readable by the container's non-root user. */
gboolean ims_container_share_run_dir (const gchar *run_dir, GError **error);

/* Remove container @name (force, bounded); TRUE if it is gone. Logs what it did. */
gboolean ims_container_remove (const gchar *name);

G_END_DECLS
