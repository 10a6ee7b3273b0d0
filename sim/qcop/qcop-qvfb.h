/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Qt 4.8's QVFbHeader (src/gui/embedded/qvfbhdr.h) as an x86_64/i386 compiler lays it out
 * (our own declaration: QRect is four ints, bool one byte, QRgb an unsigned int, WId an
 * unsigned long), and the display lock, shared by the server (qcop-qws-display.c) and the
 * client library (qcop-client-window.c). Needs _GNU_SOURCE (semtimedop).
 */

#include <glib.h>

#include <errno.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

G_BEGIN_DECLS

typedef struct
{
  gint32 width;
  gint32 height;
  gint32 depth;
  gint32 linestep;
  gint32 dataoffset;
  gint32 update[4]; /* QRect x1, y1, x2, y2 */
  guint8 dirty;     /* bool */
  gint32 numcols;
  guint32 clut[256];
  gint32 viewer_version;
  gint32 server_version;
  gint32 brightness;
  gulong window_id;
} QcopQvfbHeader;

G_STATIC_ASSERT (offsetof (QcopQvfbHeader, numcols) == 40);
G_STATIC_ASSERT (offsetof (QcopQvfbHeader, viewer_version) == 1068);

/* QVFbScreen::setDirty (qscreenvfb_qws.cpp): dirty = true, update = update.united (rect) for
 * the inclusive rectangle x1, y1 .. x2, y2 (QRect::united: an invalid rectangle adds
 * nothing, an invalid update is replaced). */
static inline void
qcop_qvfb_set_dirty (QcopQvfbHeader *h, gint x1, gint y1, gint x2, gint y2)
{
  if (x1 > x2 || y1 > y2)
    return;
  if (h->update[0] > h->update[2] || h->update[1] > h->update[3])
    {
      h->update[0] = x1, h->update[1] = y1, h->update[2] = x2, h->update[3] = y2;
    }
  else
    {
      h->update[0] = MIN (h->update[0], x1), h->update[1] = MIN (h->update[1], y1);
      h->update[2] = MAX (h->update[2], x2), h->update[3] = MAX (h->update[3], y2);
    }
  h->dirty = TRUE;
}

#define QCOP_QLOCK_MAX_LOCKS 200 /* qlock.cpp MAX_LOCKS */

/* QWSDisplay::grab (TRUE) = QLock::lock (Write) (qlock.cpp): semop -MAX_LOCKS with SEM_UNDO on
 * the display lock set @semid, bounded by @timeout_s. 0, or the errno (EAGAIN: timed out). */
static inline int
qcop_qlock_grab (int semid, int timeout_s)
{
  struct sembuf op = { 0, -QCOP_QLOCK_MAX_LOCKS, SEM_UNDO };
  struct timespec timeout = { timeout_s, 0 };
  int rv;

  do
    rv = semtimedop (semid, &op, 1, &timeout);
  while (rv == -1 && errno == EINTR);
  return rv == 0 ? 0 : errno;
}

/* QWSDisplay::ungrab = QLock::unlock: semop +MAX_LOCKS. 0, or the errno. */
static inline int
qcop_qlock_ungrab (int semid)
{
  struct sembuf op = { 0, QCOP_QLOCK_MAX_LOCKS, SEM_UNDO };

  return semop (semid, &op, 1) == 0 ? 0 : errno;
}

G_END_DECLS
