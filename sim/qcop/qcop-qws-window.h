/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Qt 4.8's window stacking and allocation (qwindowsystem_qws.cpp, QWSServerPrivate), for
 * the windows of every client of one server:
 *
 *  - a window is created by RegionName (invokeRegionName -> findWindow(id, client) ->
 *    newWindow: on top, below "stays on top" windows), with an empty requested region;
 *  - Region (invokeRegion -> request_region -> setWindowRegion) sets its requested region,
 *    only from the client that owns it ("Disabled: clients changing other client's window
 *    region"); RegionMove (moveWindowRegion) translates it; RegionDestroy (invokeRegionDestroy)
 *    empties and removes it; ChangeAltitude (invokeSetAltitude: -1 lower, 0 raise, 1 stays on
 *    top when fixed) moves it in the stack (raiseWindow, lowerWindow); a client that goes
 *    away loses every window (_q_clientClosed);
 *  - after every change, update_regions: from the top window down, allocation = requested
 *    region & what is still available of the screen; available -= allocation. Every window
 *    whose allocation changed gets a Region event (QWSRegionEvent::Allocation); the window
 *    whose Region request left its allocation unchanged gets one anyway (request_region:
 *    "the client will reset the clip region until an event is received");
 *  - exposeRegion: what a change uncovered (old allocation - new allocation, a closed
 *    client's allocations) is repainted by the server where no window is allocated: the
 *    background brush, QColor(0x20, 0xb0, 0x50) unless set (QWSServerPrivate::initServer,
 *    QScreen::compose / paintBackground in qscreen_qws.cpp). The first non-empty expose
 *    repaints the whole screen (exposeRegion's static "initial").
 *
 * Not modelled: transparency and opacity (every window is opaque: Qt treats unbuffered
 * on-screen surfaces as opaque; shared-memory window surfaces are not composited here),
 * reserved regions, embedded windows, decorations.
 *
 * The synchronous commands Region, RegionMove, ChangeAltitude and RepaintRegion block a Qt
 * client in QWSDisplay::Data::sendSynchronousCommand (qapplication_qws.cpp) until the server
 * releases the Communication semaphore of the client's QWSLock (qwslock.cpp; its id is
 * Identify's idLock); every Region event is preceded by raising the RegionEvent semaphore
 * (QWSClient::sendRegionEvent), which the client's fillQueue lowers again.
 */

#include <glib.h>

#include "qcop-wire.h"

G_BEGIN_DECLS

/* Qt's default background brush (qwindowsystem_qws.cpp initServer), as 0xAARRGGBB. */
#define QCOP_QWS_BACKGROUND 0xff20b050u

typedef struct _QcopQwsStack QcopQwsStack;

typedef struct
{
  /* Window @window of @owner is now allocated @rects (@n_rects QRects x1, y1, x2, y2,
   * inclusive): send it a Region event (qcop_qws_region_event). */
  void (*allocation) (gpointer owner, gint32 window, const gint32 *rects, gsize n_rects,
                      gpointer user_data);
  /* Paint the background into @rects (x1, y1, x2, y2, inclusive): nothing is allocated
   * there. NULL: nothing is painted. */
  void (*background) (const gint32 *rects, gsize n_rects, gpointer user_data);
} QcopQwsStackFuncs;

/* @screen: x1, y1, x2, y2 (inclusive). @funcs is copied. (transfer full) */
QcopQwsStack *qcop_qws_stack_new (const gint32 screen[4], const QcopQwsStackFuncs *funcs,
                                  gpointer user_data);
void qcop_qws_stack_free (QcopQwsStack *self);

/* Act on window command @item of client @owner (Region, RegionMove, RegionDestroy,
 * ChangeAltitude, RegionName; other types are ignored). Calls the funcs before returning. */
void qcop_qws_stack_command (QcopQwsStack *self, gpointer owner, const QcopWireItem *item);
/* @owner went away: its windows are removed, the rest re-allocated, the uncovered area
 * exposed. */
void qcop_qws_stack_remove_owner (QcopQwsStack *self, gpointer owner);

/* Introspection (tests, trace): number of windows, and window @window's allocation as QRects
 * appended to @rects (GArray of gint32[4]); FALSE if there is no such window. Index 0 of the
 * stack is the top. */
guint qcop_qws_stack_n_windows (QcopQwsStack *self);
gint32 qcop_qws_stack_window_at (QcopQwsStack *self, guint index);
gboolean qcop_qws_stack_get_allocation (QcopQwsStack *self, gint32 window, GArray *rects);

/* The client side of the semaphore protocol, for a client whose QWSLock set is @lock_id (-1:
 * none, not a Qt client): a Region event (Allocation of @rects) for @window appended to @out,
 * after raising the RegionEvent semaphore; and the Communication semaphore released after a
 * synchronous command of type @type (nothing for other types). */
void qcop_qws_region_event (gint lock_id, gint32 window, const gint32 *rects, gsize n_rects,
                            GByteArray *out);
void qcop_qws_command_done (gint lock_id, gint32 type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopQwsStack, qcop_qws_stack_free)

G_END_DECLS
