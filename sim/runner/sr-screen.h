/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The screen as evidence: a run whose DUT is a Qt/Embedded 4.8 GUI program (its command
 * template names {display}) gets a QWS server with a virtual screen, `stb-qcopd --display N`
 * (sim/qcop/qcop-qws-display.h), instead of a socket in the station's private directory; the
 * scenario action `snapshot, name=NAME` writes that screen to tests/<id>/screen-NAME.png and
 * records it in the test result (results.json `snapshots`, report.html). Runs without a
 * screen skip the action (nothing is drawn there to see). Station 1 (sr-station.h) owns it.
 */

#include "sr-test.h"

G_BEGIN_DECLS

typedef struct _SrScreen SrScreen;

/* Does this invocation need a screen (a DUT template names {display})? */
gboolean sr_screen_wanted (const SrConfig *config);

/* Claim a free Qt display number: the directory /tmp/qtembedded-N is made with mkdir (atomic:
 * concurrent runs never share N). NULL with @error when none is free. */
SrScreen *sr_screen_claim (GError **error);
/* Remove the claimed directory (after the server stopped). NULL-safe. */
void sr_screen_free (SrScreen *screen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrScreen, sr_screen_free)

gint sr_screen_display (const SrScreen *screen);
/* Qt's socket of display N: /tmp/qtembedded-N/QtEmbedded-N. */
const gchar *sr_screen_socket (const SrScreen *screen);

/* Write the screen to tests/<id>/screen-@name.png of @test (atomically) and record it in the
 * test's result. */
gboolean sr_screen_snapshot (SrScreen *screen, SrTest *test, const gchar *name, GError **error);

G_END_DECLS
