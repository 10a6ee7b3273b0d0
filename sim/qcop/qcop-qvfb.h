/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Qt 4.8's QVFbHeader (src/gui/embedded/qvfbhdr.h) as an x86_64/i386 compiler lays it out
 * (our own declaration: QRect is four ints, bool one byte, QRgb an unsigned int, WId an
 * unsigned long), shared by the server (qcop-qws-display.c) and the client library
 * (qcop-client-window.c).
 */

#include <glib.h>

#include <stddef.h>

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

G_END_DECLS
