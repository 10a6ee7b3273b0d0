/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-screen"

#include "stb-screen-evidence.h"

#include "stb-frame-clock.h"

static guint32
pixel (const guint8 *data, gint stride, gint x, gint y)
{
  return *(const guint32 *)(const void *)(data + (gsize)y * stride + (gsize)x * 4) & 0xffffff;
}

gint32
stb_screen_read_clock (cairo_surface_t *image, gint x, gint y, gint width)
{
  g_return_val_if_fail (image != NULL, -1);
  cairo_surface_flush (image);
  const guint8 *data = cairo_image_surface_get_data (image);
  gint stride = cairo_image_surface_get_stride (image);
  gint side = width / STB_FRAME_CLOCK_BLOCKS;
  if (data == NULL || side < 1 || x < 0 || y < 0
      || x + width > cairo_image_surface_get_width (image)
      || y + side > cairo_image_surface_get_height (image))
    return -1;
  /* BT.601 limited-range luma of the top block row, as the decoder would have it */
  g_autofree guint8 *luma = g_malloc ((gsize)width * side);
  for (gint r = 0; r < side; r++)
    for (gint c = 0; c < width; c++)
      {
        guint32 p = pixel (data, stride, x + c, y + r);
        guint red = p >> 16 & 0xff, green = p >> 8 & 0xff, blue = p & 0xff;
        luma[(gsize)r * width + c]
            = (guint8)(16 + (66 * red + 129 * green + 25 * blue + 128) / 256);
      }
  return stb_frame_clock_read_luma (luma, (gsize)width, (guint)width, (guint)side);
}

gdouble
stb_screen_fraction_rgb (cairo_surface_t *image, gint x, gint y, gint width, gint height,
                         guint32 rgb, guint tolerance)
{
  g_return_val_if_fail (image != NULL, 0);
  cairo_surface_flush (image);
  const guint8 *data = cairo_image_surface_get_data (image);
  gint stride = cairo_image_surface_get_stride (image);
  if (data == NULL || width <= 0 || height <= 0 || x < 0 || y < 0
      || x + width > cairo_image_surface_get_width (image)
      || y + height > cairo_image_surface_get_height (image))
    return 0;
  guint64 hits = 0;
  for (gint r = 0; r < height; r++)
    for (gint c = 0; c < width; c++)
      {
        guint32 p = pixel (data, stride, x + c, y + r);
        gboolean near = TRUE;
        for (gint shift = 0; shift <= 16; shift += 8)
          near = near
                 && (guint)ABS ((gint)(p >> shift & 0xff) - (gint)(rgb >> shift & 0xff))
                        <= tolerance;
        hits += near;
      }
  return (gdouble)hits / ((gdouble)width * height);
}
