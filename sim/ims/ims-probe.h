/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Readiness probe for a SIP server over UDP, and free-port picking.
 *
 * ims_probe_sip() sends SIP OPTIONS to addr:port every @interval_ms (a new transaction
 * each time) until any SIP response with our Call-ID arrives or @timeout_ms passes. ICMP
 * "port unreachable" (nothing listening yet) is just another retry.
 */

#include "ims-error.h"

G_BEGIN_DECLS

/* Called between attempts; return FALSE (and set @error) to stop probing, e.g. when the
 * server process has exited. */
typedef gboolean (*ImsProbeAliveFunc) (gpointer data, GError **error);

typedef struct
{
  const gchar *netns;      /* probe from inside this network namespace; NULL = ours */
  const gchar *instance;   /* if set, the answer must carry "X-Stbsim-Instance: <instance>" */
  gint timeout_ms;         /* total bound; 0 = 5000 */
  gint interval_ms;        /* retry period; 0 = 20 */
  ImsProbeAliveFunc alive; /* may be NULL */
  gpointer alive_data;
} ImsProbeOptions;

typedef struct
{
  gint status;       /* SIP status code of the answer */
  guint attempts;    /* OPTIONS sent */
  gint64 elapsed_ns; /* first send -> answer */
} ImsProbeResult;

/* TRUE and @result filled when a SIP answer came; FALSE with IMS_ERROR_TIMEOUT (no answer),
 * IMS_ERROR_PROTOCOL (answered by a different instance) or the alive callback's error. */
gboolean ims_probe_sip (const gchar *addr, guint16 port, const ImsProbeOptions *options,
                        ImsProbeResult *result, GError **error);

/* A UDP port on @addr that was free a moment ago (bind to port 0, read, close).
 * 0 with IMS_ERROR_PORT on failure. */
guint16 ims_pick_udp_port (const gchar *addr, GError **error);

G_END_DECLS
