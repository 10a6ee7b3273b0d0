/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* semtimedop */
#define G_LOG_DOMAIN "qcop-client"

#include "qcop-client-window.h"

#include "qcop-client-private.h"
#include "qcop-qvfb.h"

#include <pixman.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>

/*
 * What a Qt/Embedded 4.8 client does for a top-level window, and we do the same way
 * (qapplication_qws.cpp QWSDisplay, qwidget_qws.cpp, qwindowsurface_qws.cpp):
 *  - window ids come from the server's Creation events (QWSDisplay::takeId; the server
 *    pre-provides 30 at connect, _q_newConnection, and a Create command asks for more);
 *  - RegionName (nameRegion, from QWidgetPrivate::create_sys) makes the window exist at the
 *    server; Region (requestRegion) with the surface key "OnScreen" and its permanent state
 *    (int screen number 0: QWSOnScreenSurface::permanentState) requests the area, an empty
 *    one hides; ChangeAltitude 0 (setAltitude, QWidget::raise) raises; RegionDestroy
 *    (destroyRegion) ends it;
 *  - a Region event (QWSRegionEvent::Allocation) replaces the window's clip region; what it
 *    adds must be repainted (QWSWindowSurface::setClipRegion: expose = clip - old clip);
 *  - painting on screen holds the display lock (QWSDisplay::grab, QLock "d" of qlock.cpp) and
 *    marks the QVFb header dirty (QVFbScreen::setDirty).
 * The display spec "QVFb:N" (Connected) names the QVFb segment: key ftok
 * ("/tmp/.qtvfb_mouse-N", 'b') (qvfbhdr.h QT_VFB_MOUSE_PIPE, QVFbScreen::connect).
 */

#define CREATE_COUNT 30 /* what _q_newConnection pre-provides; our Create asks as many */
#define LOCK_WAIT_S 5

struct _QcopWindow
{
  QcopClient *client; /* a reference */
  gchar *name;
  gint32 id;                   /* at the current server; -1: not created there (yet) */
  gboolean placed;             /* qcop_window_place was called */
  gboolean raised;             /* ... with raise */
  QcopRect place;              /* its last rectangle */
  GArray *allocation;          /* QcopRect */
  pixman_region32_t allocated; /* in window coordinates (relative to place.x, place.y) */
  QcopWindowExposeFunc func;
  gpointer user_data;
  GDestroyNotify notify;
};

/* ---- the screen --------------------------------------------------------------------------- */

/* N of a QVFb display spec ("QVFb:N", options between ':' allowed: "QVFb:size=...:N"), or -1. */
static gint
qvfb_display_number (const gchar *spec)
{
  const gchar *last;
  gchar *end = NULL;
  gint64 n;

  if (spec == NULL || !g_str_has_prefix (spec, "QVFb:"))
    return -1;
  last = strrchr (spec, ':') + 1;
  n = g_ascii_strtoll (last, &end, 10);
  if (end == last || *end != '\0' || n < 0 || n > G_MAXINT)
    return -1;
  return (gint)n;
}

static void
detach_screen (QcopClient *self)
{
  if (self->screen_locked)
    qcop_client_screen_unlock (self);
  if (self->screen_base != NULL)
    shmdt (self->screen_base);
  self->screen_base = NULL;
  self->screen_lock = -1;
}

/* QVFbScreen::connect: the keyed segment, 32 bpp only; and QWSDisplay::initLock's lock. */
static void
attach_screen (QcopClient *self)
{
  gint n = qvfb_display_number (self->display_spec);
  g_autofree gchar *pipe = NULL;
  key_t key;
  int id;
  void *base;
  const QcopQvfbHeader *h;

  detach_screen (self);
  if (n < 0)
    return;
  pipe = g_strdup_printf ("/tmp/.qtvfb_mouse-%d", n);
  key = ftok (pipe, 'b');
  id = key == -1 ? -1 : shmget (key, 0, 0);
  base = id == -1 ? (void *)-1 : shmat (id, NULL, 0);
  if (base == (void *)-1)
    {
      g_message ("qcop client %s: display %s: no QVFb screen segment (%s): %s", self->app_name,
                 self->display_spec, pipe, g_strerror (errno));
      return;
    }
  h = base;
  if (h->depth != 32 || h->width <= 0 || h->height <= 0 || h->linestep < h->width * 4)
    {
      g_message ("qcop client %s: display %s: QVFb screen %dx%dx%d (linestep %d) is not one "
                 "this library paints on (32 bpp only)",
                 self->app_name, self->display_spec, h->width, h->height, h->depth, h->linestep);
      shmdt (base);
      return;
    }
  self->screen_base = base;
  key = ftok (self->socket_path, 'd');
  self->screen_lock = key == -1 ? -1 : semget (key, 0, 0);
  if (self->screen_lock == -1)
    g_message ("qcop client %s: display %s: no display lock for %s: painting without it",
               self->app_name, self->display_spec, self->socket_path);
}

/* The screen of the current connection, attached on first use (a client that owns no window
 * never maps it, and never keeps a closed server's segment alive). NULL: none. */
static guint8 *
screen_base (QcopClient *self)
{
  if (self->screen_base == NULL && !self->screen_tried && self->display_spec != NULL)
    {
      self->screen_tried = TRUE;
      attach_screen (self);
    }
  return self->screen_base;
}

/* ---- commands ----------------------------------------------------------------------------- */

static void
queue_command (QcopClient *self, gint32 type, const gint32 *fixed, gsize n_fixed, const guint8 *raw,
               gsize raw_len)
{
  g_autoptr (GError) error = NULL;

  if (self->socket == NULL)
    return;
  if (!qcop_wire_encode_window_command (self->outbuf, type, fixed, n_fixed, raw, raw_len, &error))
    g_message ("qcop client %s: %s not sent: %s", self->app_name,
               qcop_command_type_to_string (type), error->message);
}

/* QWSRegionNameCommand: windowid, nameLen, captionLen (bytes); raw = name, caption UTF-16. */
static void
send_region_name (QcopWindow *w)
{
  glong n = 0;
  g_autofree gunichar2 *name = g_utf8_to_utf16 (w->name, -1, NULL, &n, NULL);
  gint32 fixed[3] = { w->id, (gint32)n * 2, 0 };

  queue_command (w->client, QCOP_CMD_REGION_NAME, fixed, 3, (const guint8 *)name,
                 name ? (gsize)n * 2 : 0);
}

/* QWSRegionCommand: windowid, surfacekeylength (QChars), surfacedatalength, nrectangles; raw
 * = QRects, key UTF-16, data. */
static void
send_region (QcopWindow *w)
{
  static const gchar key[] = "OnScreen";
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  gboolean shown = w->place.width > 0 && w->place.height > 0;
  gint32 fixed[4] = { w->id, (gint32)strlen (key), 4, shown ? 1 : 0 };
  gint32 screen_no = 0;

  if (shown)
    {
      gint32 r[4] = { w->place.x, w->place.y, w->place.x + w->place.width - 1,
                      w->place.y + w->place.height - 1 };

      g_byte_array_append (raw, (const guint8 *)r, sizeof r);
    }
  for (const gchar *p = key; *p != '\0'; p++)
    {
      gunichar2 c = (gunichar2)*p;

      g_byte_array_append (raw, (const guint8 *)&c, 2);
    }
  g_byte_array_append (raw, (const guint8 *)&screen_no, 4);
  queue_command (w->client, QCOP_CMD_REGION, fixed, 4, raw->data, raw->len);
}

/* QWSChangeAltitudeCommand: windowid, altitude (0 Raise), bool fixed. */
static void
send_raise (QcopWindow *w)
{
  gint32 fixed[3] = { w->id, 0, 0 };

  queue_command (w->client, QCOP_CMD_CHANGE_ALTITUDE, fixed, 3, NULL, 0);
}

/* Make @w exist at the current server with the next free id, as it was placed. */
static void
create_at_server (QcopWindow *w)
{
  QcopClient *self = w->client;

  w->id = g_array_index (self->free_ids, gint32, 0);
  g_array_remove_index (self->free_ids, 0);
  send_region_name (w);
  if (w->placed)
    send_region (w);
  if (w->placed && w->raised)
    send_raise (w);
}

static void
request_ids (QcopClient *self)
{
  gint32 count = CREATE_COUNT;

  if (self->creation_pending)
    return;
  queue_command (self, QCOP_CMD_CREATE, &count, 1, NULL, 0);
  self->creation_pending = TRUE;
}

/* Create every window that has no id at this server yet, as ids allow. */
static void
recreate_windows (QcopClient *self)
{
  for (guint i = 0; i < self->windows->len; i++)
    {
      QcopWindow *w = g_ptr_array_index (self->windows, i);

      if (w->id >= 0)
        continue;
      if (self->free_ids->len == 0)
        {
          request_ids (self);
          return;
        }
      create_at_server (w);
    }
  self->recreate_windows = FALSE;
}

/* ---- events (qcop-client-private.h) -------------------------------------------------------- */

void
qcop_client_window_init (QcopClient *self)
{
  self->free_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->windows = g_ptr_array_new ();
  self->screen_lock = -1;
}

void
qcop_client_window_finalize (QcopClient *self)
{
  detach_screen (self);
  g_clear_pointer (&self->free_ids, g_array_unref);
  g_clear_pointer (&self->windows, g_ptr_array_unref); /* empty: windows hold the client */
  g_clear_pointer (&self->display_spec, g_free);
}

void
qcop_client_window_connected (QcopClient *self, const QcopWireItem *item)
{
  g_free (self->display_spec);
  self->display_spec = g_strdup (item->display_spec);
  detach_screen (self); /* a new server on the same display makes a new segment */
  self->screen_tried = FALSE;
  if (self->windows->len > 0)
    screen_base (self);
  g_array_set_size (self->free_ids, 0);
  self->creation_pending = TRUE; /* _q_newConnection: invokeCreate (30) */
  self->recreate_windows = self->windows->len > 0;
}

void
qcop_client_window_creation (QcopClient *self, const QcopWireItem *item)
{
  self->creation_pending = FALSE;
  for (gint32 i = 0; i < item->count && item->count <= 65536; i++)
    {
      gint32 id = item->objectid + i;

      g_array_append_val (self->free_ids, id);
    }
  if (self->recreate_windows)
    recreate_windows (self);
}

static QcopWindow *
find_window (QcopClient *self, gint32 id)
{
  for (guint i = 0; i < self->windows->len; i++)
    {
      QcopWindow *w = g_ptr_array_index (self->windows, i);

      if (w->id == id)
        return w;
    }
  return NULL;
}

static void
region_to_rects (pixman_region32_t *region, GArray *rects)
{
  int n = 0;
  pixman_box32_t *boxes = pixman_region32_rectangles (region, &n);

  g_array_set_size (rects, 0);
  for (int i = 0; i < n; i++)
    {
      QcopRect r
          = { boxes[i].x1, boxes[i].y1, boxes[i].x2 - boxes[i].x1, boxes[i].y2 - boxes[i].y1 };

      g_array_append_val (rects, r);
    }
}

/* QETWidget::translateRegionEvent -> QWSWindowSurface::setClipRegion. */
void
qcop_client_window_region (QcopClient *self, const QcopWireItem *item)
{
  QcopWindow *w = find_window (self, item->window);
  gsize len = 0;
  const guint8 *raw = item->data ? g_bytes_get_data (item->data, &len) : NULL;
  pixman_region32_t region, exposed;
  g_autoptr (GArray) exposed_rects = NULL;

  if (w == NULL)
    {
      g_debug ("qcop client %s: Region event for window %d, not ours", self->app_name,
               item->window);
      return;
    }
  pixman_region32_init (&region);
  for (gint32 i = 0; i < item->count && (gsize)(i + 1) * 16 <= len; i++)
    {
      gint32 r[4];

      memcpy (r, raw + (gsize)i * 16, 16);
      if (r[0] <= r[2] && r[1] <= r[3])
        pixman_region32_union_rect (&region, &region, r[0], r[1], (guint)(r[2] - r[0] + 1),
                                    (guint)(r[3] - r[1] + 1));
    }
  /* in window coordinates, as Qt's clip region (translated by -mapToGlobal): a window that
   * moved repaints everything, not only what is new on the screen */
  pixman_region32_init (&exposed);
  pixman_region32_translate (&region, -w->place.x, -w->place.y);
  pixman_region32_subtract (&exposed, &region, &w->allocated);
  pixman_region32_translate (&exposed, w->place.x, w->place.y);
  pixman_region32_copy (&w->allocated, &region);
  pixman_region32_translate (&region, w->place.x, w->place.y);
  region_to_rects (&region, w->allocation);
  exposed_rects = g_array_new (FALSE, FALSE, sizeof (QcopRect));
  region_to_rects (&exposed, exposed_rects);
  pixman_region32_fini (&exposed);
  pixman_region32_fini (&region);
  g_debug ("qcop client %s: window %d allocated %u rectangles, %u newly exposed", self->app_name,
           w->id, w->allocation->len, exposed_rects->len);
  if (exposed_rects->len > 0 && w->func != NULL)
    w->func (w, exposed_rects, w->user_data);
}

void
qcop_client_window_disconnected (QcopClient *self)
{
  g_array_set_size (self->free_ids, 0);
  self->creation_pending = FALSE;
  for (guint i = 0; i < self->windows->len; i++)
    {
      QcopWindow *w = g_ptr_array_index (self->windows, i);

      w->id = -1; /* the ids were the old server's */
      pixman_region32_clear (&w->allocated);
      g_array_set_size (w->allocation, 0);
    }
}

/* ---- public: the screen ------------------------------------------------------------------- */

gboolean
qcop_client_has_screen (QcopClient *client)
{
  g_return_val_if_fail (QCOP_IS_CLIENT (client), FALSE);
  return screen_base (client) != NULL;
}

guint8 *
qcop_client_screen_data (QcopClient *client, gint *width, gint *height, gint *stride)
{
  const QcopQvfbHeader *h;

  g_return_val_if_fail (QCOP_IS_CLIENT (client), NULL);
  if (screen_base (client) == NULL)
    {
      if (width)
        *width = 0;
      if (height)
        *height = 0;
      if (stride)
        *stride = 0;
      return NULL;
    }
  h = (const QcopQvfbHeader *)client->screen_base;
  if (width)
    *width = h->width;
  if (height)
    *height = h->height;
  if (stride)
    *stride = h->linestep;
  return client->screen_base + h->dataoffset;
}

/* QWSDisplay::grab (TRUE), bounded here (a lock held for LOCK_WAIT_S is logged and painting
 * goes ahead without it). */
void
qcop_client_screen_lock (QcopClient *client)
{
  int err;

  g_return_if_fail (QCOP_IS_CLIENT (client));
  g_return_if_fail (!client->screen_locked);
  if (client->screen_lock < 0)
    return;
  err = qcop_qlock_grab (client->screen_lock, LOCK_WAIT_S);
  if (err != 0)
    g_message ("qcop client %s: display lock not taken in %d s: %s", client->app_name, LOCK_WAIT_S,
               g_strerror (err));
  client->screen_locked = err == 0;
}

void
qcop_client_screen_unlock (QcopClient *client)
{
  int err;

  g_return_if_fail (QCOP_IS_CLIENT (client));
  if (!client->screen_locked)
    return;
  client->screen_locked = FALSE;
  err = qcop_qlock_ungrab (client->screen_lock);
  if (err != 0)
    g_message ("qcop client %s: display lock release: %s", client->app_name, g_strerror (err));
}

void
qcop_client_screen_damage (QcopClient *client, gint x, gint y, gint width, gint height)
{
  QcopQvfbHeader *h;

  g_return_if_fail (QCOP_IS_CLIENT (client));
  if (screen_base (client) == NULL || width <= 0 || height <= 0)
    return;
  h = (QcopQvfbHeader *)client->screen_base;
  qcop_qvfb_set_dirty (h, MAX (x, 0), MAX (y, 0), MIN (x + width - 1, h->width - 1),
                       MIN (y + height - 1, h->height - 1));
}

/* ---- public: windows ---------------------------------------------------------------------- */

QcopWindow *
qcop_window_new (QcopClient *client, const gchar *name, GError **error)
{
  QcopWindow *w;

  g_return_val_if_fail (QCOP_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL && g_utf8_validate (name, -1, NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (client->state != CLIENT_STATE_CONNECTED)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION,
                   "window \"%s\": not connected to a QWS server (%s)", name, client->socket_path);
      return NULL;
    }
  if (screen_base (client) == NULL)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_UNSUPPORTED,
                   "window \"%s\": the server at %s has no screen this library can paint on "
                   "(display spec \"%s\"; stb-qcopd needs --display N)",
                   name, client->socket_path, client->display_spec ? client->display_spec : "");
      return NULL;
    }
  w = g_new0 (QcopWindow, 1);
  w->client = g_object_ref (client);
  w->name = g_strdup (name);
  w->allocation = g_array_new (FALSE, FALSE, sizeof (QcopRect));
  pixman_region32_init (&w->allocated);
  w->id = -1;
  g_ptr_array_add (client->windows, w);
  /* QWSDisplay::takeId: from the pool; when it is empty (or the greeting's Creation is not
   * dispatched yet: a "connected" handler), at the next Creation, without blocking */
  if (client->free_ids->len > 0)
    create_at_server (w);
  else
    {
      client->recreate_windows = TRUE;
      request_ids (client);
    }
  return w;
}

void
qcop_window_place (QcopWindow *window, gint x, gint y, gint width, gint height, gboolean raise)
{
  g_return_if_fail (window != NULL);

  if (window->place.x != x || window->place.y != y)
    pixman_region32_clear (&window->allocated); /* moved: all of it is to be repainted */
  window->placed = TRUE;
  window->raised = raise;
  window->place = (QcopRect){ x, y, MAX (width, 0), MAX (height, 0) };
  if (window->id < 0)
    return; /* sent when it is created at the (next) server */
  send_region (window);
  if (raise)
    send_raise (window);
}

const GArray *
qcop_window_get_allocation (QcopWindow *window)
{
  g_return_val_if_fail (window != NULL, NULL);
  return window->allocation;
}

gint
qcop_window_get_id (QcopWindow *window)
{
  g_return_val_if_fail (window != NULL, -1);
  return window->id;
}

void
qcop_window_set_expose_func (QcopWindow *window, QcopWindowExposeFunc func, gpointer user_data,
                             GDestroyNotify notify)
{
  g_return_if_fail (window != NULL);

  if (window->notify)
    window->notify (window->user_data);
  window->func = func;
  window->user_data = user_data;
  window->notify = notify;
}

void
qcop_window_free (QcopWindow *window)
{
  QcopClient *client;

  if (window == NULL)
    return;
  client = window->client;
  if (window->id >= 0)
    {
      gint32 fixed[1] = { window->id };

      queue_command (client, QCOP_CMD_REGION_DESTROY, fixed, 1, NULL, 0);
    }
  g_ptr_array_remove (client->windows, window);
  qcop_window_set_expose_func (window, NULL, NULL, NULL);
  pixman_region32_fini (&window->allocated);
  g_array_unref (window->allocation);
  g_free (window->name);
  g_free (window);
  g_object_unref (client);
}
