/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-screen"

#include "stb-screen.h"

#include "stb-screen-evidence.h"

#include <gst/video/video.h>
#include <string.h>

struct _StbScreenWindow
{
  QcopClient *client; /* borrowed: the module's connection outlives its windows */
  QcopWindow *window;
  QcopRect place; /* requested rectangle; empty = hidden */
  StbPage *page;
  GstSample *frame;
  guint repaint_id; /* low-priority idle: the repaint scheduled */
  guint banner_id;  /* the banner's timeout */
  guint paints;
  StbScreenPaintedFunc painted;
  gpointer painted_data;
  gboolean told_page;    /* the current page's first paint was told */
  gboolean told_picture; /* ... and its first paint with a picture */
};

static gboolean on_repaint (gpointer data);

static void
schedule_repaint (StbScreenWindow *self)
{
  if (self->repaint_id == 0)
    self->repaint_id = g_idle_add_full (G_PRIORITY_LOW, on_repaint, self, NULL);
}

static void
on_expose (QcopWindow *window, const GArray *newly_exposed, gpointer data)
{
  if (newly_exposed != NULL && newly_exposed->len > 0)
    schedule_repaint (data);
}

/* The frame as a cairo surface over the sample's mapped memory (unmapped by the caller). */
static cairo_surface_t *
frame_surface (GstSample *sample, GstVideoFrame *vframe)
{
  GstVideoInfo info;
  GstCaps *caps = sample ? gst_sample_get_caps (sample) : NULL;
  GstBuffer *buffer = sample ? gst_sample_get_buffer (sample) : NULL;
  if (caps == NULL || buffer == NULL || !gst_video_info_from_caps (&info, caps)
      || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_BGRx
      || !gst_video_frame_map (vframe, &info, buffer, GST_MAP_READ))
    return NULL;
  return cairo_image_surface_create_for_data (
      GST_VIDEO_FRAME_PLANE_DATA (vframe, 0), CAIRO_FORMAT_RGB24, GST_VIDEO_FRAME_WIDTH (vframe),
      GST_VIDEO_FRAME_HEIGHT (vframe), GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0));
}

static void
tell (StbScreenWindow *self, gint32 clock)
{
  if (self->painted == NULL)
    return;
  const gchar *kind = stb_page_kind_to_string (self->page->kind);
  if (!self->told_page)
    {
      g_autofree gchar *details = g_strdup_printf ("page=%s;picture=0", kind);
      self->told_page = TRUE;
      self->painted (details, self->painted_data);
    }
  if (clock != -2 && !self->told_picture)
    {
      g_autofree gchar *details = g_strdup_printf ("page=%s;picture=1;clock=%d", kind, clock);
      self->told_picture = TRUE;
      self->painted (details, self->painted_data);
    }
}

static void
paint (StbScreenWindow *self, guint8 *pixels, gint width, gint height, gint stride)
{
  const GArray *alloc = qcop_window_get_allocation (self->window);
  if (alloc == NULL || alloc->len == 0 || self->page == NULL || self->place.width <= 0)
    return;
  gint64 t0 = g_get_monotonic_time ();
  GstVideoFrame vframe;
  gboolean picture = self->page->kind == STB_PAGE_PICTURE || self->page->kind == STB_PAGE_CALL;
  cairo_surface_t *frame = picture ? frame_surface (self->frame, &vframe) : NULL;
  gint32 clock = -2;
  cairo_surface_t *screen
      = cairo_image_surface_create_for_data (pixels, CAIRO_FORMAT_ARGB32, width, height, stride);
  cairo_t *cr = cairo_create (screen);
  cairo_rectangle_int_t box = { 0 };
  cairo_region_t *region = cairo_region_create ();
  for (guint i = 0; i < alloc->len; i++)
    {
      const QcopRect *r = &g_array_index (alloc, QcopRect, i);
      cairo_rectangle_int_t ri = { r->x, r->y, r->width, r->height };
      cairo_region_union_rectangle (region, &ri);
      cairo_rectangle (cr, r->x, r->y, r->width, r->height);
    }
  cairo_clip (cr); /* paint only where the server allocated us */
  cairo_translate (cr, self->place.x, self->place.y);
  qcop_client_screen_lock (self->client);
  stb_screen_paint (cr, self->place.width, self->place.height, self->page, frame);
  cairo_surface_flush (screen);
  qcop_client_screen_unlock (self->client);
  cairo_region_get_extents (region, &box);
  qcop_client_screen_damage (self->client, box.x, box.y, box.width, box.height);
  cairo_region_destroy (region);
  cairo_destroy (cr);
  cairo_surface_destroy (screen);
  if (frame != NULL)
    {
      if (!self->told_picture)
        clock = stb_screen_read_clock (frame, 0, 0, cairo_image_surface_get_width (frame));
      cairo_surface_destroy (frame);
      gst_video_frame_unmap (&vframe);
    }
  self->paints++;
  g_debug ("painted %s in %.2f ms", stb_page_kind_to_string (self->page->kind),
           (g_get_monotonic_time () - t0) / 1000.0);
  tell (self, clock);
}

static gboolean
on_repaint (gpointer data)
{
  StbScreenWindow *self = data;
  gint width, height, stride;
  self->repaint_id = 0;
  guint8 *pixels = qcop_client_screen_data (self->client, &width, &height, &stride);
  if (pixels != NULL)
    paint (self, pixels, width, height, stride);
  return G_SOURCE_REMOVE;
}

static gboolean
on_banner_timeout (gpointer data)
{
  StbScreenWindow *self = data;
  self->banner_id = 0;
  if (self->page != NULL)
    self->page->banner = FALSE;
  schedule_repaint (self);
  return G_SOURCE_REMOVE;
}

/* ---- public API -------------------------------------------------------------------------- */

StbScreenWindow *
stb_screen_window_new (QcopClient *client, const gchar *name, StbScreenPaintedFunc painted,
                       gpointer user_data, GError **error)
{
  g_return_val_if_fail (client != NULL && name != NULL, NULL);
  if (!qcop_client_has_screen (client))
    return NULL;
  QcopWindow *window = qcop_window_new (client, name, error);
  if (window == NULL)
    return NULL;
  stb_screen_paint_preload (); /* now, before the module is ready, not at its first page */
  StbScreenWindow *self = g_new0 (StbScreenWindow, 1);
  self->client = client;
  self->window = window;
  self->painted = painted;
  self->painted_data = user_data;
  qcop_window_set_expose_func (window, on_expose, self, NULL);
  gint width, height, stride;
  qcop_client_screen_data (client, &width, &height, &stride);
  g_message ("drawing on the screen (%dx%d): window %s (%d)", width, height, name,
             qcop_window_get_id (window));
  return self;
}

void
stb_screen_window_free (StbScreenWindow *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->repaint_id, g_source_remove);
  g_clear_handle_id (&self->banner_id, g_source_remove);
  g_clear_pointer (&self->window, qcop_window_free);
  g_clear_pointer (&self->page, stb_page_free);
  g_clear_pointer (&self->frame, gst_sample_unref);
  g_free (self);
}

void
stb_screen_window_get_screen_size (StbScreenWindow *self, gint *width, gint *height)
{
  gint stride;
  *width = *height = 0;
  if (self != NULL)
    qcop_client_screen_data (self->client, width, height, &stride);
}

void
stb_screen_window_place (StbScreenWindow *self, gint x, gint y, gint width, gint height,
                         gboolean raise)
{
  if (self == NULL)
    return;
  QcopRect r = { x, y, width, height };
  if (width <= 0 || height <= 0)
    r = (QcopRect){ 0 };
  if (memcmp (&r, &self->place, sizeof r) == 0)
    return;
  if (self->place.width == 0 && r.width > 0)
    self->told_page = self->told_picture = FALSE; /* shown again: its page is news */
  self->place = r;
  qcop_window_place (self->window, r.x, r.y, r.width, r.height, raise);
  schedule_repaint (self); /* also when the allocation is unchanged (same rectangle) */
}

void
stb_screen_window_set_page (StbScreenWindow *self, StbPage *page)
{
  g_autoptr (StbPage) owned = page;
  if (self == NULL)
    return;
  gboolean picture = page->kind == STB_PAGE_PICTURE || page->kind == STB_PAGE_CALL;
  if (self->page != NULL)
    page->banner = self->page->banner; /* compared without it */
  if (stb_page_equal (self->page, page))
    return;
  if (self->page == NULL || self->page->kind != page->kind)
    g_clear_pointer (&self->frame, gst_sample_unref); /* no old picture on a new page */
  page->banner = picture;
  g_clear_handle_id (&self->banner_id, g_source_remove);
  if (picture)
    self->banner_id = g_timeout_add (STB_SCREEN_BANNER_MS, on_banner_timeout, self);
  if (self->page == NULL || self->page->kind != page->kind
      || g_strcmp0 (self->page->title, page->title) != 0)
    self->told_page = self->told_picture = FALSE; /* another page, or another programme */
  g_clear_pointer (&self->page, stb_page_free);
  self->page = g_steal_pointer (&owned);
  schedule_repaint (self);
}

void
stb_screen_window_set_frame (StbScreenWindow *self, GstSample *sample)
{
  if (self == NULL)
    return;
  if (sample != NULL)
    gst_sample_ref (sample);
  g_clear_pointer (&self->frame, gst_sample_unref);
  self->frame = sample;
  if (sample == NULL)
    self->told_picture = FALSE; /* the next picture is a new one */
  if (self->page != NULL
      && (self->page->kind == STB_PAGE_PICTURE || self->page->kind == STB_PAGE_CALL))
    schedule_repaint (self);
}

guint
stb_screen_window_get_paints (StbScreenWindow *self)
{
  return self ? self->paints : 0;
}
