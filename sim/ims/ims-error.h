/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * IMS_ERROR:
 *
 * Error domain of the IMS core launcher (sim/ims): provisioning, config rendering, starting
 * Kamailio, the readiness probe and network namespaces. Messages name the file, address or
 * log to look at.
 */
#define IMS_ERROR (ims_error_quark ())
GQuark ims_error_quark (void);

typedef enum
{
  IMS_ERROR_NOT_INSTALLED, /* kamailio (or ip) not found */
  IMS_ERROR_SUBSCRIBERS,   /* subscribers CSV unreadable or malformed */
  IMS_ERROR_CONFIG,        /* config template unreadable, unknown placeholder */
  IMS_ERROR_RUN_DIR,       /* cannot create or write the run directory */
  IMS_ERROR_PORT,          /* no free UDP port / bind failed */
  IMS_ERROR_START,         /* kamailio exited or could not be spawned */
  IMS_ERROR_TIMEOUT,       /* no SIP answer within the readiness timeout */
  IMS_ERROR_PROTOCOL,      /* an answer that is not SIP, or from another instance */
  IMS_ERROR_NOT_ROOT,      /* --netns needs root */
  IMS_ERROR_NETNS,         /* ip netns / veth setup failed */
  IMS_ERROR_CONTAINER,     /* podman cannot run, or the image cannot be made */
} ImsError;

G_END_DECLS
