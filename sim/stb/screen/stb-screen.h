/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A reference module's window on the QWS virtual screen (sim/qcop/qcop-client-window.h):
 * it shows one page (stb-screen-paint.h) and, for picture pages, the newest video frame.
 * Painting never happens inside the caller: a change only schedules a repaint at low
 * priority on the main loop (after switch messages and agent events); the repaint draws the
 * page with cairo straight into the screen memory, clipped to the window's allocation, under
 * the display lock, then marks the area damaged. An expose (a window above went away)
 * repaints the same way.
 *
 * Without a screen (the server offers none) stb_screen_window_new returns NULL and the module
 * draws nothing: every function here is NULL-safe, so callers need no test.
 */

#include <gst/gst.h>

#include "qcop-client-window.h"
#include "stb-screen-paint.h"

G_BEGIN_DECLS

/* Where the VoIP incoming-call dialog sits on a 720x576 screen: the middle, so that the TV
 * picture stays visible around it: its frame clock in the top rows (SPEC §14.4) and the
 * banner band at the bottom (ours, and a Qt IPTV DUT's channel name, tests/vendor). */
#define STB_SCREEN_DIALOG_X 160
#define STB_SCREEN_DIALOG_Y 200
#define STB_SCREEN_DIALOG_WIDTH 400
#define STB_SCREEN_DIALOG_HEIGHT 150
/* How long a picture page shows its banner after it changed, ms. */
#define STB_SCREEN_BANNER_MS 3000

typedef struct _StbScreenWindow StbScreenWindow;

/* Told after the first paint of each page, and after the first paint of that page with a
 * picture, with the details of the module's `<m>.screen` event (SPEC 12.6):
 * "page=KIND;picture=0", or "page=KIND;picture=1;clock=N" (the frame clock read from the
 * painted picture, SPEC 14.4; -1 unreadable). On the main loop, after the screen was
 * unlocked. */
typedef void (*StbScreenPaintedFunc) (const gchar *details, gpointer user_data);

/* A window named @name on @client's screen, hidden; @painted (nullable) is told what was
 * painted. NULL when the client has no screen (not an error); NULL with @error when the
 * server refused the window. (transfer full) */
StbScreenWindow *stb_screen_window_new (QcopClient *client, const gchar *name,
                                        StbScreenPaintedFunc painted, gpointer user_data,
                                        GError **error);
void stb_screen_window_free (StbScreenWindow *window);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbScreenWindow, stb_screen_window_free)

/* The screen size (720x576 for stb-qcopd). */
void stb_screen_window_get_screen_size (StbScreenWindow *window, gint *width, gint *height);
/* Request the rectangle (on top of the other windows if @raise); width or height 0 hides it. */
void stb_screen_window_place (StbScreenWindow *window, gint x, gint y, gint width, gint height,
                              gboolean raise);
/* Show @page (transfer full); a page equal to the current one changes nothing. A PICTURE or
 * CALL page that differs from the last one shows its banner for STB_SCREEN_BANNER_MS. */
void stb_screen_window_set_page (StbScreenWindow *window, StbPage *page);
/* The newest picture (BGRx, any size: scaled to the window, stb-screen-tap.h), or NULL to
 * forget it. */
void stb_screen_window_set_frame (StbScreenWindow *window, GstSample *sample);
/* Paints done so far (tests, logs). */
guint stb_screen_window_get_paints (StbScreenWindow *window);

G_END_DECLS
