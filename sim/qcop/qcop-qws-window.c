/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-qws-window"

#include "qcop-qws-window.h"

#include <pixman.h>

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>

/* The rules, each from Qt 4.8.7's src/gui/embedded/qwindowsystem_qws.cpp: see the header.
 * Regions are pixman's (QRegion's equivalent: y-x banded rectangles, boxes with exclusive
 * x2/y2); QRects on the wire are inclusive. */

/* QWSLock::LockType (qwslock_p.h): semaphore numbers in the client's set */
enum
{
  LOCK_COMMUNICATION = 1,
  LOCK_REGION_EVENT = 2,
};

/* QWSChangeAltitudeCommand::Altitude (qwscommand_qws_p.h) */
enum
{
  ALTITUDE_LOWER = -1,
  ALTITUDE_RAISE = 0,
  ALTITUDE_STAYS_ON_TOP = 1,
};

typedef struct
{
  gpointer owner;
  gint32 id;
  gboolean on_top;             /* QWSWindow::onTop: ChangeAltitude StaysOnTop, fixed */
  pixman_region32_t requested; /* QWSWindow::requested_region */
  pixman_region32_t allocated; /* QWSWindow::allocatedRegion() */
} Window;

struct _QcopQwsStack
{
  pixman_region32_t screen;
  QcopQwsStackFuncs funcs;
  gpointer user_data;
  GPtrArray *windows;    /* Window*, index 0 the top (QWSServerPrivate::windows) */
  gboolean exposed_once; /* exposeRegion's "static bool initial" has been spent */
};

/* ---- QWSLock ---------------------------------------------------------------------------- */

/* QWSLock::up on the client's set (the server side of QWSLock::unlock(Communication) and of
 * QWSLock::lock(RegionEvent)). */
static void
lock_up (gint lock_id, gushort semnum)
{
  struct sembuf op = { semnum, 1, 0 };

  if (lock_id < 0)
    return;
  if (semop (lock_id, &op, 1) == -1)
    g_message ("QWSLock %d semaphore %u: semop: %s (client gone?)", lock_id, semnum,
               g_strerror (errno));
}

void
qcop_qws_region_event (gint lock_id, gint32 window, const gint32 *rects, gsize n_rects,
                       GByteArray *out)
{
  g_return_if_fail (out != NULL && (rects != NULL || n_rects == 0));

  lock_up (lock_id, LOCK_REGION_EVENT);
  qcop_wire_encode_region_event (out, window, rects, n_rects);
}

/* doClient: Region, RegionMove and ChangeAltitude end with unlockCommunication();
 * RepaintRegion too (QWSServerPrivate::doClient, case RepaintRegion). */
void
qcop_qws_command_done (gint lock_id, gint32 type)
{
  switch (type)
    {
      case QCOP_CMD_REGION:
      case QCOP_CMD_REGION_MOVE:
      case QCOP_CMD_CHANGE_ALTITUDE:
      case QCOP_CMD_REPAINT_REGION:
        lock_up (lock_id, LOCK_COMMUNICATION);
        break;
      default:
        break; /* nothing a client waits for */
    }
}

/* ---- regions ---------------------------------------------------------------------------- */

/* @region's boxes as inclusive QRects (transfer full; *@n set). */
static gint32 *
region_to_qrects (pixman_region32_t *region, gsize *n)
{
  int count = 0;
  pixman_box32_t *boxes = pixman_region32_rectangles (region, &count);
  gint32 *rects = g_new (gint32, (gsize)count * 4 + 4);

  for (int i = 0; i < count; i++)
    {
      rects[4 * i] = boxes[i].x1;
      rects[4 * i + 1] = boxes[i].y1;
      rects[4 * i + 2] = boxes[i].x2 - 1;
      rects[4 * i + 3] = boxes[i].y2 - 1;
    }
  *n = (gsize)count;
  return rects;
}

static gint32
fixed_i32 (const QcopWireItem *item, gsize index)
{
  gint32 v = 0;

  if ((index + 1) * 4 <= item->fixed_len)
    memcpy (&v, item->fixed + index * 4, 4);
  return v;
}

/* QWSRegionCommand (qwscommand_qws_p.h): windowid, surfacekeylength, surfacedatalength,
 * nrectangles; raw = nrectangles QRects, then the surface key and data. Qt's setData keeps an
 * empty region when the counts overrun the buffer ("buffer overrun!"); so do we. */
static void
region_from_command (const QcopWireItem *item, pixman_region32_t *region)
{
  gint32 n = fixed_i32 (item, 3);
  gsize len = 0;
  const guint8 *raw = item->data ? g_bytes_get_data (item->data, &len) : NULL;

  pixman_region32_init (region);
  if (n < 0 || (gsize)n > len / 16)
    {
      g_message ("Region command for window %d: %d rectangles in %" G_GSIZE_FORMAT
                 " raw bytes (buffer overrun), requesting nothing",
                 fixed_i32 (item, 0), n, len);
      return;
    }
  for (gint32 i = 0; i < n; i++)
    {
      gint32 r[4];

      memcpy (r, raw + (gsize)i * 16, 16);
      if (r[0] <= r[2] && r[1] <= r[3]) /* QRect::isEmpty rects add nothing to a QRegion */
        pixman_region32_union_rect (region, region, r[0], r[1], (guint)(r[2] - r[0] + 1),
                                    (guint)(r[3] - r[1] + 1));
    }
}

/* QRegion::operator==: two empty regions are equal whatever pixman's extents say. */
static gboolean
region_equal (pixman_region32_t *a, pixman_region32_t *b)
{
  gboolean a_empty = !pixman_region32_not_empty (a), b_empty = !pixman_region32_not_empty (b);

  if (a_empty || b_empty)
    return a_empty && b_empty;
  return pixman_region32_equal (a, b);
}

/* ---- the stack -------------------------------------------------------------------------- */

static void
window_free (gpointer data)
{
  Window *w = data;

  pixman_region32_fini (&w->requested);
  pixman_region32_fini (&w->allocated);
  g_free (w);
}

static Window *
find_window (QcopQwsStack *self, gint32 id, guint *index)
{
  for (guint i = 0; i < self->windows->len; i++)
    {
      Window *w = g_ptr_array_index (self->windows, i);

      if (w->id == id)
        {
          if (index)
            *index = i;
          return w;
        }
    }
  return NULL;
}

static void
send_allocation (QcopQwsStack *self, Window *w)
{
  gsize n = 0;
  g_autofree gint32 *rects = region_to_qrects (&w->allocated, &n);

  self->funcs.allocation (w->owner, w->id, rects, n, self->user_data);
}

/* update_regions: allocation = requested & available, from the top down (all opaque). */
static void
update_regions (QcopQwsStack *self)
{
  pixman_region32_t available, r;

  pixman_region32_init (&available);
  pixman_region32_copy (&available, &self->screen);
  pixman_region32_init (&r);
  for (guint i = 0; i < self->windows->len; i++)
    {
      Window *w = g_ptr_array_index (self->windows, i);

      pixman_region32_intersect (&r, &w->requested, &available);
      pixman_region32_subtract (&available, &available, &r);
      if (!region_equal (&r, &w->allocated))
        {
          pixman_region32_copy (&w->allocated, &r);
          send_allocation (self, w);
        }
    }
  pixman_region32_fini (&r);
  pixman_region32_fini (&available);
}

/* exposeRegion -> QScreen::exposeRegion -> compose: the background where no window is. */
static void
expose_region (QcopQwsStack *self, pixman_region32_t *exposed)
{
  pixman_region32_t bg;
  g_autofree gint32 *rects = NULL;
  gsize n = 0;

  if (!pixman_region32_not_empty (exposed))
    return;
  pixman_region32_init (&bg);
  if (!self->exposed_once)
    pixman_region32_copy (&bg, &self->screen); /* "initial": the whole screen, once */
  else
    pixman_region32_intersect (&bg, exposed, &self->screen);
  self->exposed_once = TRUE;
  for (guint i = 0; i < self->windows->len; i++)
    {
      Window *w = g_ptr_array_index (self->windows, i);

      pixman_region32_subtract (&bg, &bg, &w->allocated);
    }
  rects = region_to_qrects (&bg, &n);
  if (n > 0 && self->funcs.background)
    self->funcs.background (rects, n, self->user_data);
  pixman_region32_fini (&bg);
}

/* update_regions, then exposeRegion (@old - @w's new allocation): the tail of
 * setWindowRegion and moveWindowRegion. */
static void
update_and_expose (QcopQwsStack *self, Window *w, pixman_region32_t *old)
{
  pixman_region32_t gone;

  update_regions (self);
  pixman_region32_init (&gone);
  pixman_region32_subtract (&gone, old, &w->allocated);
  expose_region (self, &gone);
  pixman_region32_fini (&gone);
}

/* setWindowRegion: new requested region, update_regions, expose old - new allocation. */
static void
set_window_region (QcopQwsStack *self, Window *w, pixman_region32_t *requested)
{
  pixman_region32_t old;

  if (region_equal (&w->requested, requested))
    return;
  pixman_region32_init (&old);
  pixman_region32_copy (&old, &w->allocated);
  pixman_region32_copy (&w->requested, requested);
  update_and_expose (self, w, &old);
  pixman_region32_fini (&old);
}

/* newWindow: on top, below the "stays on top" windows. */
static void
insert_window (QcopQwsStack *self, Window *w)
{
  guint i = 0;

  if (!w->on_top)
    while (i < self->windows->len && ((Window *)g_ptr_array_index (self->windows, i))->on_top)
      i++;
  g_ptr_array_insert (self->windows, (gint)i, w);
}

/* invokeRegionName -> findWindow (id, client): the window is made here if it is new. */
static void
name_region (QcopQwsStack *self, gpointer owner, gint32 id)
{
  Window *w;

  if (find_window (self, id, NULL) != NULL)
    return; /* Qt only renames it (any client's) */
  w = g_new0 (Window, 1);
  w->owner = owner;
  w->id = id;
  pixman_region32_init (&w->requested);
  pixman_region32_init (&w->allocated);
  insert_window (self, w);
  g_debug ("window %d created (%u windows)", id, self->windows->len);
}

/* findWindow (id, 0) and forClient (client): the checks of invokeRegion, invokeRegionMove and
 * invokeRegionDestroy. */
static Window *
owned_window (QcopQwsStack *self, gpointer owner, gint32 id, const gchar *command)
{
  Window *w = find_window (self, id, NULL);

  if (w == NULL)
    g_message ("%s: invalid window handle %d, ignored (as Qt's server does)", command, id);
  else if (w->owner != owner)
    {
      g_message ("%s of window %d by a client that does not own it: ignored (Qt: \"Disabled: "
                 "clients changing other client's window region\")",
                 command, id);
      w = NULL;
    }
  return w;
}

/* invokeRegion -> request_region. */
static void
request_region (QcopQwsStack *self, gpointer owner, const QcopWireItem *item)
{
  Window *w = owned_window (self, owner, fixed_i32 (item, 0), "Region");
  pixman_region32_t requested, before;

  if (w == NULL)
    return;
  region_from_command (item, &requested);
  pixman_region32_init (&before);
  pixman_region32_copy (&before, &w->allocated);
  set_window_region (self, w, &requested);
  if (region_equal (&before, &w->allocated))
    send_allocation (self, w); /* always answered, even when unchanged */
  pixman_region32_fini (&before);
  pixman_region32_fini (&requested);
}

/* invokeRegionMove -> moveWindowRegion: the allocation is reset so that the window hears of
 * its new one; what it left is exposed (surface->move of an unbuffered surface is not
 * modelled: old - new). */
static void
move_region (QcopQwsStack *self, gpointer owner, const QcopWireItem *item)
{
  Window *w = owned_window (self, owner, fixed_i32 (item, 0), "RegionMove");
  pixman_region32_t old;

  if (w == NULL)
    return;
  pixman_region32_init (&old);
  pixman_region32_copy (&old, &w->allocated);
  pixman_region32_translate (&w->requested, fixed_i32 (item, 1), fixed_i32 (item, 2));
  pixman_region32_clear (&w->allocated);
  update_and_expose (self, w, &old);
  pixman_region32_fini (&old);
}

/* invokeRegionDestroy: setWindowRegion (empty), then the window leaves the stack. */
static void
destroy_region (QcopQwsStack *self, gpointer owner, gint32 id)
{
  Window *w = owned_window (self, owner, id, "RegionDestroy");
  pixman_region32_t empty;

  if (w == NULL)
    return;
  pixman_region32_init (&empty);
  set_window_region (self, w, &empty);
  pixman_region32_fini (&empty);
  g_ptr_array_remove (self->windows, w); /* frees it */
}

/* invokeSetAltitude (no ownership check in Qt), raiseWindow, lowerWindow. */
static void
set_altitude (QcopQwsStack *self, const QcopWireItem *item)
{
  gint32 id = fixed_i32 (item, 0), alt = fixed_i32 (item, 1);
  gboolean fixed = (fixed_i32 (item, 2) & 0xff) != 0; /* bool in the low byte */
  guint index = 0;
  Window *w;

  if (alt < ALTITUDE_LOWER || alt > ALTITUDE_STAYS_ON_TOP)
    {
      g_message ("ChangeAltitude %d of window %d: only lower, raise and stays-on-top supported",
                 alt, id);
      return;
    }
  w = find_window (self, id, &index);
  if (w == NULL)
    {
      g_message ("ChangeAltitude: invalid window handle %d, ignored", id);
      return;
    }
  if (fixed && alt >= ALTITUDE_STAYS_ON_TOP)
    w->on_top = TRUE;
  if (alt == ALTITUDE_LOWER)
    {
      if (index + 1 == self->windows->len)
        return;
      g_ptr_array_steal_index (self->windows, index);
      g_ptr_array_add (self->windows, w);
    }
  else
    {
      if (index == 0)
        return;
      g_ptr_array_steal_index (self->windows, index);
      insert_window (self, w);
    }
  update_regions (self); /* opaque windows only: raise and lower expose nothing */
}

/* ---- public ----------------------------------------------------------------------------- */

QcopQwsStack *
qcop_qws_stack_new (const gint32 screen[4], const QcopQwsStackFuncs *funcs, gpointer user_data)
{
  QcopQwsStack *self;

  g_return_val_if_fail (screen != NULL && funcs != NULL && funcs->allocation != NULL, NULL);

  self = g_new0 (QcopQwsStack, 1);
  pixman_region32_init_rect (&self->screen, screen[0], screen[1],
                             (guint)(screen[2] - screen[0] + 1),
                             (guint)(screen[3] - screen[1] + 1));
  self->funcs = *funcs;
  self->user_data = user_data;
  self->windows = g_ptr_array_new_with_free_func (window_free);
  return self;
}

void
qcop_qws_stack_free (QcopQwsStack *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->windows);
  pixman_region32_fini (&self->screen);
  g_free (self);
}

void
qcop_qws_stack_command (QcopQwsStack *self, gpointer owner, const QcopWireItem *item)
{
  g_return_if_fail (self != NULL && item != NULL);

  switch (item->type)
    {
      case QCOP_CMD_REGION_NAME:
        name_region (self, owner, fixed_i32 (item, 0));
        break;
      case QCOP_CMD_REGION:
        request_region (self, owner, item);
        break;
      case QCOP_CMD_REGION_MOVE:
        move_region (self, owner, item);
        break;
      case QCOP_CMD_REGION_DESTROY:
        destroy_region (self, owner, fixed_i32 (item, 0));
        break;
      case QCOP_CMD_CHANGE_ALTITUDE:
        set_altitude (self, item);
        break;
      default:
        break;
    }
}

/* _q_clientClosed: remove the client's windows, update_regions, expose what they had. */
void
qcop_qws_stack_remove_owner (QcopQwsStack *self, gpointer owner)
{
  pixman_region32_t exposed;
  gboolean any = FALSE;

  g_return_if_fail (self != NULL);

  pixman_region32_init (&exposed);
  for (guint i = self->windows->len; i-- > 0;)
    {
      Window *w = g_ptr_array_index (self->windows, i);

      if (w->owner != owner)
        continue;
      pixman_region32_union (&exposed, &exposed, &w->allocated);
      g_ptr_array_remove_index (self->windows, i);
      any = TRUE;
    }
  if (any)
    {
      update_regions (self);
      expose_region (self, &exposed);
    }
  pixman_region32_fini (&exposed);
}

guint
qcop_qws_stack_n_windows (QcopQwsStack *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->windows->len;
}

gint32
qcop_qws_stack_window_at (QcopQwsStack *self, guint index)
{
  g_return_val_if_fail (self != NULL && index < self->windows->len, -1);
  return ((Window *)g_ptr_array_index (self->windows, index))->id;
}

gboolean
qcop_qws_stack_get_allocation (QcopQwsStack *self, gint32 window, GArray *rects)
{
  Window *w;
  g_autofree gint32 *qrects = NULL;
  gsize n = 0;

  g_return_val_if_fail (self != NULL && rects != NULL, FALSE);
  w = find_window (self, window, NULL);
  if (w == NULL)
    return FALSE;
  qrects = region_to_qrects (&w->allocated, &n);
  g_array_append_vals (rects, qrects, (guint)n);
  return TRUE;
}
