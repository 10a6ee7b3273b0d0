/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * An on-screen window for a non-Qt QcopClient (stbsim's reference modules), drawn the way a
 * Qt/Embedded 4.8 widget with Qt::WA_PaintOnScreen draws (QWSOnScreenSurface,
 * qwindowsurface_qws.cpp): straight into the QVFb screen memory, inside the window's
 * allocation, holding the display lock.
 *
 * The server (stb-qcopd --display N, or Qt's own QWS server) stacks windows: a window's
 * allocation is its requested area on the screen minus the requested areas of every window
 * above it (QWSServerPrivate::setWindowRegion, qwindowsystem_qws.cpp). The allocation arrives
 * as a Region event (QWSRegionEvent::Allocation, qwsevent_qws.h) whenever it changes; the
 * library keeps it and calls the window's expose function with the part that is new, which
 * the owner must repaint (nothing else paints it: the server only paints its background into
 * areas no window covers).
 *
 * Painting, e.g. with cairo (libqcop does not depend on it):
 *
 *   gint w, h, stride;
 *   guint8 *px = qcop_client_screen_data (client, &w, &h, &stride);
 *   cairo_surface_t *s = cairo_image_surface_create_for_data (px, CAIRO_FORMAT_ARGB32, w, h,
 *                                                             stride);
 *   qcop_client_screen_lock (client);
 *   ... clip the cairo context to qcop_window_get_allocation (window), draw ...
 *   qcop_client_screen_unlock (client);
 *   qcop_client_screen_damage (client, x, y, width, height);
 *
 * Windows live as long as their QcopClient connection would: after an auto-reconnect
 * (qcop_client_set_auto_reconnect) each window is created again at the new server with its
 * last placement, and its allocation and expose function follow. Without a screen (no
 * Connected display spec "QVFb:N", or its segment cannot be attached) has_screen is FALSE and
 * qcop_window_new fails with QCOP_ERROR_UNSUPPORTED.
 *
 * All functions run on the client's main context thread.
 *
 * Against the shape agreed with sim/stb (ref-screen): the same signatures, plus
 * qcop_window_get_id; qcop_window_new never blocks. Where no window is, stb-qcopd paints Qt's
 * background colour #20b050 (QWSServer's default brush), not black, once anything was
 * uncovered.
 */

#include "qcop-client.h"

G_BEGIN_DECLS

/* Screen coordinates: x, y of the top-left pixel, width and height in pixels. */
typedef struct
{
  gint x, y, width, height;
} QcopRect;

typedef struct _QcopWindow QcopWindow;

/* TRUE if the server's Connected event named a QVFb display ("QVFb:N", qscreenvfb_qws.cpp)
 * and its screen segment is attached. */
gboolean qcop_client_has_screen (QcopClient *client);
/* The screen pixels: 32 bpp ARGB32 premultiplied (QImage::Format_ARGB32_Premultiplied, host
 * byte order: cairo's CAIRO_FORMAT_ARGB32), rows @stride bytes apart. NULL without a screen.
 * (transfer none): valid until the client is disposed or reconnects to another server. */
guint8 *qcop_client_screen_data (QcopClient *client, gint *width, gint *height, gint *stride);
/* Take / release the display lock (QLock "d" of qlock.cpp, the SysV semaphore set keyed
 * ftok(socket, 'd')), as QWSDisplay::grab(TRUE) / ungrab does around Qt's on-screen painting:
 * exclusive (all MAX_LOCKS units). No-ops without a screen. Not recursive. */
void qcop_client_screen_lock (QcopClient *client);
void qcop_client_screen_unlock (QcopClient *client);
/* Tell a QVFb viewer that an area changed: QVFbHeader dirty = TRUE and update = the union
 * with the previous update rectangle, as QVFbScreen::setDirty (qscreenvfb_qws.cpp). */
void qcop_client_screen_damage (QcopClient *client, gint x, gint y, gint width, gint height);

/* A new window, hidden (empty region), with an id from the client's Creation pool and @name
 * sent as RegionName. Never blocks: with the pool empty (it is refilled by a Create, as
 * QWSDisplay::takeId does; or, in a "connected" handler, the greeting's Creation is not
 * dispatched yet) the window is created at the server when the ids arrive, with its
 * placement then (qcop_window_get_id is -1 until then). Fails with QCOP_ERROR_CONNECTION
 * when not connected, QCOP_ERROR_UNSUPPORTED without a screen. (transfer full) */
QcopWindow *qcop_window_new (QcopClient *client, const gchar *name, GError **error);
/* Request the rectangle (Region command; width or height 0 hides the window) and, if @raise,
 * put the window on top (ChangeAltitude 0). The allocation arrives asynchronously. */
void qcop_window_place (QcopWindow *window, gint x, gint y, gint width, gint height,
                        gboolean raise);
/* Where the window may paint now: a GArray of QcopRect, non-overlapping, possibly empty.
 * (transfer none): valid until the next Region event is dispatched. */
const GArray *qcop_window_get_allocation (QcopWindow *window);
/* Its window id at the current server (the QWS winId), -1 while it is not created there. */
gint qcop_window_get_id (QcopWindow *window);
/* @newly_exposed: (transfer none) the QcopRects of the new allocation that were not in the
 * previous one (what must be painted now; after a move, all of it, as Qt keeps the clip region
 * in window coordinates). Called from the client's main context. */
typedef void (*QcopWindowExposeFunc) (QcopWindow *window, const GArray *newly_exposed,
                                      gpointer user_data);
void qcop_window_set_expose_func (QcopWindow *window, QcopWindowExposeFunc func, gpointer user_data,
                                  GDestroyNotify notify);
/* Destroy the window at the server (an empty Region, as QWSDisplay::destroyRegion) and free
 * it. NULL-safe. */
void qcop_window_free (QcopWindow *window);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopWindow, qcop_window_free)

G_END_DECLS
