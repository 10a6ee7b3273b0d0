/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The test IMS core: one real Kamailio per run, configured from sim/ims/kamailio.cfg.in.
 *
 * ims_core_start() creates/uses a run directory, renders <run_dir>/kamailio.cfg and the
 * db_text tables (<run_dir>/db/) from the subscribers CSV, starts
 * `kamailio -f kamailio.cfg -DD -E -w <run_dir> -Y <run_dir>` in its own process group
 * (log: <run_dir>/kamailio.log) and returns once it answers SIP OPTIONS (bounded). On
 * loopback it listens on 127.0.0.1:<free port>; with @netns it runs inside a private
 * network namespace pair (see ims-netns.h) on 172.31.255.1:5060.
 *
 * Each instance answers the probe with a random instance token, so a port shared with
 * another Kamailio (SO_REUSEADDR lets a second one bind without error) is detected: with an
 * automatically picked port the start is retried on a new one.
 *
 * With @container, the same rendered config runs in a podman container (host network, run
 * directory mounted at the same path, `podman run` output appended to kamailio.log): the
 * probe, the log and the READY line are the same; the container is removed by name on stop.
 */

#include "ims-error.h"
#include "ims-provision.h"

G_BEGIN_DECLS

#define IMS_DEFAULT_DOMAIN "ims.test"

typedef struct
{
  const gchar *run_dir;         /* NULL: a new directory under $TMPDIR (kept for the logs) */
  const gchar *subscribers;     /* NULL: <source root>/fixtures/subscribers.csv */
  const gchar *config_template; /* NULL: <source root>/sim/ims/kamailio.cfg.in */
  const gchar *kamailio;        /* NULL: $STBSIM_KAMAILIO, else kamailio in PATH or /usr/sbin */
  const gchar *domain;          /* NULL: "ims.test" (also the digest realm) */
  guint16 port;                 /* 0: a free port (5060 with netns) */
  guint children;               /* UDP workers; 0: 1 (more can reorder 180/200) */
  gint debug;                   /* Kamailio debug level; 0: 2 (info) */
  gint ready_timeout_ms;        /* 0: 5000 */
  gboolean netns;               /* run in a private network namespace pair (root) */
  gboolean container;           /* run Kamailio in a podman container (root; ims-container.h) */
  const gchar *container_image; /* NULL: made/updated by sim/ims/container-image.sh */
} ImsOptions;

typedef struct _ImsCore ImsCore;

/* (transfer full) NULL with IMS_ERROR_* on failure; nothing is left running then. */
ImsCore *ims_core_start (const ImsOptions *options, GError **error);
/* Stop Kamailio (SIGTERM to its group, bounded, then SIGKILL) and remove the namespaces.
 * Idempotent. Returns Kamailio's wait status (-1 if it had to be killed). */
gint ims_core_stop (ImsCore *core);
/* Stop and free. NULL-safe. */
void ims_core_free (ImsCore *core);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImsCore, ims_core_free)

/* Where SIP goes: "127.0.0.1" or 172.31.255.1 (netns). */
const gchar *ims_core_get_address (ImsCore *core);
guint16 ims_core_get_port (ImsCore *core);
const gchar *ims_core_get_domain (ImsCore *core);
GPid ims_core_get_pid (ImsCore *core);
const gchar *ims_core_get_run_dir (ImsCore *core);
const gchar *ims_core_get_log_path (ImsCore *core);
const gchar *ims_core_get_config_path (ImsCore *core);
/* The container's name and image, or NULL when Kamailio runs locally. */
const gchar *ims_core_get_container (ImsCore *core);
const gchar *ims_core_get_image (ImsCore *core);
/* The STB-side namespace to start STB processes/sipp in, or NULL on loopback. */
const gchar *ims_core_get_netns (ImsCore *core);
/* The address STB-side processes bind to: "127.0.0.1" or 172.31.255.2 (netns). */
const gchar *ims_core_get_stb_address (ImsCore *core);
/* Spawn -> first SIP answer, in ns (the measured Kamailio start-to-ready time). */
gint64 ims_core_get_startup_ns (ImsCore *core);
/* The provisioned subscribers (transfer none). */
GPtrArray *ims_core_get_subscribers (ImsCore *core);
/* Has Kamailio exited (without ims_core_stop)? */
gboolean ims_core_has_exited (ImsCore *core, gint *wait_status);
/* "sip=ADDR:PORT domain=D pid=P run_dir=DIR log=LOG [netns=NS stb_addr=A]
 * [container=NAME image=TAG]"; the READY line
 * of stbsim-ims is "READY " + this. (transfer full) */
gchar *ims_core_describe (ImsCore *core);

G_END_DECLS
