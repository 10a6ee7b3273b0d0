/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The screen as evidence: a run whose DUT is a Qt/Embedded 4.8 GUI program (its command
 * template names {display}) gets a QWS server with a virtual screen, `stb-qcopd --display N`
 * (sim/qcop/qcop-qws-display.h), instead of a socket in the run's private directory; the
 * scenario action `snapshot, name=NAME` writes that screen to tests/<id>/screen-NAME.png and
 * records it in the test result (results.json `snapshots`, report.html). Runs without a
 * screen skip the action (nothing is drawn there to see).
 */

#include "sr-run.h"

G_BEGIN_DECLS

/* Does this invocation need a screen (a DUT template names {display})? */
gboolean sr_screen_wanted (const SrConfig *config);

/*
 * Claim a free Qt display number for @run (when sr_screen_wanted()): the directory
 * /tmp/qtembedded-N is made with mkdir (atomic: concurrent runs never share N) and
 * run->socket_path becomes Qt's socket of display N. No-op otherwise.
 */
gboolean sr_screen_claim (SrRun *run, GError **error);
/* Remove the claimed directory (after the server stopped). NULL-safe, idempotent. */
void sr_screen_release (SrRun *run);

/* Write the screen to tests/<id>/screen-@name.png (atomically) and record it in the result.
 * TRUE without a file when the run has no screen. */
gboolean sr_screen_snapshot (SrRun *run, const gchar *name, GError **error);

G_END_DECLS
