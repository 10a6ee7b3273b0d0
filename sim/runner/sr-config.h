/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What one invocation of the runner was asked to do (command line, DUT, ICS), shared by every
 * test of the invocation, and the runner's error domain. The bottom of sim/runner's layers:
 * it includes nothing of the runner.
 */

#include <glib.h>

G_BEGIN_DECLS

#define SR_RUN_ERROR (sr_run_error_quark ())
GQuark sr_run_error_quark (void);

typedef enum
{
  SR_RUN_ERROR_COMPONENT, /* cannot start / unknown component */
  SR_RUN_ERROR_CHANNEL,   /* QCOP connection problems */
  SR_RUN_ERROR_INTERRUPTED,
  SR_RUN_ERROR_TIMEOUT, /* scenario timeout */
  SR_RUN_ERROR_CONFIG,
} SrRunError;

/* Shared by every test of one invocation. */
typedef struct
{
  gchar *build_root;
  gchar *source_root;
  gchar *run_dir;      /* reports/<run-id> */
  gchar *dialect_path; /* (nullable) */
  gchar *profile;      /* timing profile name (conformance/profiles/<name>.ini) */
  gchar *dut_iptv;     /* (nullable) DUT command template (sr-dut.h) */
  gchar *dut_voip;
  gchar *dut_voip_inject;     /* (nullable) the VoIP DUT's template for inject-mode tests */
  GKeyFile *dut_ics;          /* (nullable) the DUT's ICS: [ixit] timer values */
  gchar **dut_ics_roles;      /* (nullable) roles launched from the DUT's ICS templates */
  gboolean injection;         /* no SIP: calls are injected into the VoIP agent */
  gchar *ims_image;           /* (nullable) --ims container: the IMS core's image tag */
  gboolean no_capture;        /* --no-capture: no tests/<id>/capture.pcapng */
  gdouble agent_grace_s;      /* how long to wait for a DUT's first agent event */
  volatile gint *interrupted; /* set by the signal handler */
  guint port_first;           /* stbsim -j: UDP ports for components (sr-ports.h) */
  guint port_last;            /* 0: the kernel picks them */
} SrConfig;

G_END_DECLS
