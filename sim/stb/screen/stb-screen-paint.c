/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-screen"

#include "stb-screen-paint.h"

#include <pango/pangocairo.h>

#define RGB(c) ((c) >> 16 & 0xff) / 255.0, ((c) >> 8 & 0xff) / 255.0, ((c)&0xff) / 255.0

static const gchar *const kind_names[] = { "none", "nav", "picture", "dialog", "dialing", "call" };

const gchar *
stb_page_kind_to_string (StbPageKind kind)
{
  return (guint)kind < G_N_ELEMENTS (kind_names) ? kind_names[kind] : "?";
}

StbPage *
stb_page_new (StbPageKind kind)
{
  StbPage *page = g_new0 (StbPage, 1);
  page->kind = kind;
  page->rows = g_ptr_array_new_with_free_func (g_free);
  return page;
}

StbPage *
stb_page_copy (const StbPage *page)
{
  StbPage *copy = stb_page_new (page->kind);
  copy->title = g_strdup (page->title);
  copy->detail = g_strdup (page->detail);
  for (guint i = 0; i < page->rows->len; i++)
    g_ptr_array_add (copy->rows, g_strdup (g_ptr_array_index (page->rows, i)));
  copy->focus = page->focus;
  copy->banner = page->banner;
  return copy;
}

void
stb_page_free (StbPage *page)
{
  if (page == NULL)
    return;
  g_free (page->title);
  g_free (page->detail);
  g_ptr_array_unref (page->rows);
  g_free (page);
}

gboolean
stb_page_equal (const StbPage *a, const StbPage *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->kind != b->kind || g_strcmp0 (a->title, b->title) != 0
      || g_strcmp0 (a->detail, b->detail) != 0 || a->focus != b->focus || a->banner != b->banner
      || a->rows->len != b->rows->len)
    return FALSE;
  for (guint i = 0; i < a->rows->len; i++)
    if (g_strcmp0 (g_ptr_array_index (a->rows, i), g_ptr_array_index (b->rows, i)) != 0)
      return FALSE;
  return TRUE;
}

/* ---- pieces ------------------------------------------------------------------------------ */

static void
text (cairo_t *cr, double x, double y, const gchar *font, guint32 rgb, const gchar *s)
{
  if (s == NULL)
    return;
  g_autoptr (PangoLayout) layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (font);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, s, -1);
  cairo_set_source_rgb (cr, RGB (rgb));
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

static void
fill (cairo_t *cr, double x, double y, double w, double h, guint32 rgb)
{
  cairo_set_source_rgb (cr, RGB (rgb));
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
}

/* The picture scaled to the whole area, or black with a label. */
static void
picture (cairo_t *cr, gint width, gint height, cairo_surface_t *frame, const gchar *label)
{
  if (frame == NULL)
    {
      fill (cr, 0, 0, width, height, 0x000000);
      text (cr, width / 2.0 - 120, height / 2.0 - 12, "Sans 18", 0x808080, label);
      return;
    }
  gint fw = cairo_image_surface_get_width (frame);
  gint fh = cairo_image_surface_get_height (frame);
  cairo_save (cr);
  cairo_scale (cr, (double)width / fw, (double)height / fh);
  cairo_set_source_surface (cr, frame, 0, 0);
  /* nearest: cheap on the main loop, and the picture's blocks (the frame clock) stay sharp */
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_FAST);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
  cairo_restore (cr);
}

/* A strip at the bottom (never the top: the frame clock lives there, SPEC §14.4). */
static void
banner (cairo_t *cr, gint width, gint height, const gchar *title, const gchar *detail)
{
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  cairo_rectangle (cr, 0, height - 88, width, 64);
  cairo_fill (cr);
  text (cr, 40, height - 84, "Sans Bold 20", 0xffffff, title);
  text (cr, 40, height - 52, "Sans 14", 0xc0c0c0, detail);
}

/* ---- pages ------------------------------------------------------------------------------- */

static void
paint_nav (cairo_t *cr, gint width, gint height, const StbPage *page)
{
  fill (cr, 0, 0, width, height, STB_SCREEN_NAV_RGB);
  fill (cr, 0, 0, width, 72, 0x1c4060);
  text (cr, 40, 18, "Sans Bold 24", 0xffffff, page->title);
  for (guint i = 0; i < page->rows->len; i++)
    {
      double y = 96 + 40.0 * i;
      if (y + 40 > height - 48)
        break;
      if (i == page->focus)
        fill (cr, 32, y, width - 64, 36, 0xf0a000);
      text (cr, 48, y + 4, "Sans 18", i == page->focus ? 0x000000 : 0xe0e0e0,
            g_ptr_array_index (page->rows, i));
    }
  text (cr, 40, height - 40, "Sans 12", 0x90a0b0, page->detail);
}

static void
paint_dialog (cairo_t *cr, gint width, gint height, const StbPage *page)
{
  fill (cr, 0, 0, width, height, 0xffc000); /* border */
  fill (cr, 4, 4, width - 8, height - 8, STB_SCREEN_DIALOG_RGB);
  text (cr, 24, 16, "Sans 14", 0xc0d0ff, "Incoming video call");
  text (cr, 24, 44, "Sans Bold 22", 0xffffff, page->title);
  text (cr, 24, height - 44, "Sans 16", 0xffe080, page->detail);
}

static void
paint_dialing (cairo_t *cr, gint width, gint height, const StbPage *page)
{
  fill (cr, 0, 0, width, height, 0x102010);
  text (cr, 40, 24, "Sans Bold 24", 0xffffff, "Video call");
  text (cr, 40, 120, "Sans 16", 0xa0c0a0, "Number");
  text (cr, 40, 150, "Monospace Bold 32", 0xffffff,
        page->title && *page->title ? page->title : "_");
  text (cr, 40, height - 48, "Sans 14", 0xa0c0a0, page->detail);
}

void
stb_screen_paint (cairo_t *cr, gint width, gint height, const StbPage *page, cairo_surface_t *frame)
{
  g_return_if_fail (cr != NULL && page != NULL);
  cairo_save (cr);
  switch (page->kind)
    {
      case STB_PAGE_NONE:
        break;
      case STB_PAGE_NAV:
        paint_nav (cr, width, height, page);
        break;
      case STB_PAGE_PICTURE:
        picture (cr, width, height, frame, "waiting for the picture");
        if (page->banner)
          banner (cr, width, height, page->title, page->detail);
        break;
      case STB_PAGE_DIALOG:
        paint_dialog (cr, width, height, page);
        break;
      case STB_PAGE_DIALING:
        paint_dialing (cr, width, height, page);
        break;
      case STB_PAGE_CALL:
        picture (cr, width, height, frame, "no picture from the far end");
        if (page->banner)
          banner (cr, width, height, page->title, page->detail);
        break;
    }
  cairo_restore (cr);
}

void
stb_screen_paint_preload (void)
{
  static const StbPageKind kinds[]
      = { STB_PAGE_NAV, STB_PAGE_PICTURE, STB_PAGE_DIALOG, STB_PAGE_DIALING, STB_PAGE_CALL };
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 720, 576);
  cairo_t *cr = cairo_create (s);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (StbPage) page = stb_page_new (kinds[i]);
      page->title = g_strdup ("0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ");
      page->detail = g_strdup (page->title);
      page->banner = TRUE;
      g_ptr_array_add (page->rows, g_strdup (page->title));
      stb_screen_paint (cr, 720, 576, page, NULL);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}
