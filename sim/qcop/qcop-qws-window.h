/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The part of Qt 4.8's window management a client cannot run without (qwindowsystem_qws.cpp,
 * QWSServerPrivate::doClient): the synchronous commands Region, RegionMove, ChangeAltitude
 * and RepaintRegion block the client in QWSDisplay::Data::sendSynchronousCommand
 * (qapplication_qws.cpp) until the server releases the Communication semaphore of the
 * client's QWSLock (qwslock.cpp; its id is Identify's idLock); a Region request is answered
 * with a Region event (Allocation) granting the requested area, clipped to the screen, the
 * RegionEvent semaphore raised first as QWSClient::sendRegionEvent does. There is one layer,
 * no stacking: a window gets what it asks for. Clients that paint on screen
 * (Qt::WA_PaintOnScreen, QWSOnScreenSurface) draw straight into the QVFb screen; shared-memory
 * window surfaces are not composited.
 */

#include <glib.h>

#include "qcop-wire.h"

G_BEGIN_DECLS

/* Act on window-system command @item of a client whose QWSLock set is @lock_id (-1: none,
 * e.g. not a Qt client), appending the events to send it to @out. @screen: x1, y1, x2, y2. */
void qcop_qws_window_command (gint lock_id, const QcopWireItem *item, const gint32 screen[4],
                              GByteArray *out);

G_END_DECLS
