/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The server-side resources a Qt/Embedded 4.8 GUI client needs from its QWS server on
 * connect, headless (no hardware), for display number N:
 *
 *   display lock   SysV semaphore set, key ftok(socket path, 'd'), 1 semaphore valued
 *                  MAX_LOCKS 200: QLock(pipe, 'd', create) in qlock.cpp, used by
 *                  QWSDisplay::initLock (qapplication_qws.cpp). Without it a client aborts
 *                  with "Cannot get display lock".
 *   main ram       SysV shared memory (IPC_PRIVATE, 0600) of qwsSharedRamSize = 1024 bytes
 *                  (qapplication_qws.cpp), zeroed, its id sent as Connected's servershmid;
 *                  the client shmat()s it (QWSSharedMemory::attach, qwssharedmemory.cpp,
 *                  refuses -1: "Client can't attach to main ram memory"). Marked IPC_RMID
 *                  right after we attach it, as QWSSharedMemory::create does, so the kernel
 *                  frees it when the last process detaches.
 *   virtual screen Qt's QVFb screen driver (qscreenvfb_qws.cpp, header qvfbhdr.h): a SysV
 *                  segment of key ftok("/tmp/.qtvfb_mouse-N", 'b') holding a QVFbHeader
 *                  (width, height, depth, linestep, dataoffset, ...) then the pixels. The
 *                  client's display spec (Connected event) is "QVFb:N"; its QVFbScreen maps
 *                  the segment and paints into it. The mouse pipe path only serves as the
 *                  ftok file: created as a FIFO if missing, as the qvfb tool does.
 *
 * Everything created is removed by qcop_qws_display_free (semaphore, screen segment, the FIFO
 * if we created it); the main segment goes with the last detach.
 */

#include <glib.h>

#include "qcop-error.h"

G_BEGIN_DECLS

#define QCOP_QWS_DISPLAY_MAX 65535
#define QCOP_QWS_SCREEN_WIDTH 720
#define QCOP_QWS_SCREEN_HEIGHT 576

typedef struct _QcopQwsDisplay QcopQwsDisplay;

/* Qt 4.8's socket for display @display: /tmp/qtembedded-N/QtEmbedded-N (qvfbhdr.h QTE_PIPE;
 * /tmp is fixed, not $TMPDIR). (transfer full) */
gchar *qcop_qws_display_socket_path (gint display);
/* The QVFb mouse pipe whose inode keys the screen segment: /tmp/.qtvfb_mouse-N (qvfbhdr.h
 * QT_VFB_MOUSE_PIPE). (transfer full) */
gchar *qcop_qws_display_mouse_pipe (gint display);

/*
 * Create the lock, main ram and a @width x @height x 32 bpp QVFb screen for display @display
 * whose server socket @socket_path already exists (it keys the lock). A stale lock or screen
 * segment of the same key (a server that was killed) is replaced. Fails with
 * QCOP_ERROR_CONNECTION naming the IPC call and errno. (transfer full)
 */
QcopQwsDisplay *qcop_qws_display_new (gint display, const gchar *socket_path, gint width,
                                      gint height, GError **error);
/* Remove every IPC object created, unlink the FIFO if we created it. NULL-safe. */
void qcop_qws_display_free (QcopQwsDisplay *self);

/* "QVFb:N": the display spec a client gets in Connected. */
const gchar *qcop_qws_display_get_spec (QcopQwsDisplay *self);
gint qcop_qws_display_get_servershmid (QcopQwsDisplay *self);
gint qcop_qws_display_get_lock_semid (QcopQwsDisplay *self);
gint qcop_qws_display_get_screen_shmid (QcopQwsDisplay *self);

/* Paint @argb (0xAARRGGBB, premultiplied) into @rects (x1, y1, x2, y2 inclusive, clipped to
 * the screen) holding the display lock as QWSDisplay::grab (TRUE) does (bounded: 2 s), and
 * mark them dirty as QVFbScreen::setDirty does. The server's background painting. */
void qcop_qws_display_fill (QcopQwsDisplay *self, guint32 argb, const gint32 *rects, gsize n_rects);

/* Write the screen of @self as an RGB PNG to @path. */
gboolean qcop_qws_display_snapshot (QcopQwsDisplay *self, const gchar *path, GError **error);
/* Attach the QVFb screen of display @display (served by any process: stb-qcopd --display or a
 * qvfb) read-only and write it as an RGB PNG to @path. */
gboolean qcop_qws_screen_snapshot (gint display, const gchar *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopQwsDisplay, qcop_qws_display_free)

G_END_DECLS
