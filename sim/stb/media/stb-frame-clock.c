/* SPDX-License-Identifier: MIT */
/* The frame clock burned into live pictures (layout in stb-frame-clock.h, SPEC §14.4). */
#define G_LOG_DOMAIN "stb-media"

#include "stb-frame-clock.h"

#include <string.h>

#define CHECK_BITS (STB_FRAME_CLOCK_BLOCKS - STB_FRAME_CLOCK_BITS)
#define CHECK_XOR 0x9u
#define BLACK 16
#define WHITE 235
#define CLEAR_MARGIN 48 /* a block mean within this of 128 is unreadable */

/* CRC-4, polynomial x^4 + x + 1, of the 16 bits of @v, most significant first. */
static guint32
crc4 (guint32 v)
{
  guint32 r = (v & (STB_FRAME_CLOCK_MODULO - 1)) << CHECK_BITS;

  for (gint bit = STB_FRAME_CLOCK_BLOCKS - 1; bit >= CHECK_BITS; bit--)
    if (r & (1u << bit))
      r ^= 0x13u << (bit - CHECK_BITS);
  return r & 0xf;
}

guint32
stb_frame_clock_encode (guint32 frame)
{
  frame &= STB_FRAME_CLOCK_MODULO - 1;
  return (frame << CHECK_BITS) | (crc4 (frame) ^ CHECK_XOR);
}

gint32
stb_frame_clock_decode (guint32 blocks)
{
  guint32 frame = (blocks >> CHECK_BITS) & (STB_FRAME_CLOCK_MODULO - 1);

  return (blocks & 0xf) == (crc4 (frame) ^ CHECK_XOR) ? (gint32)frame : -1;
}

static gboolean
is_yuv (const GstVideoFrame *vframe)
{
  return GST_VIDEO_INFO_IS_YUV (&vframe->info) && GST_VIDEO_INFO_WIDTH (&vframe->info) >= 20
         && GST_VIDEO_INFO_HEIGHT (&vframe->info) >= GST_VIDEO_INFO_WIDTH (&vframe->info) / 20;
}

/* Fill the rectangle of block @b in plane @p with @value (subsampled planes scaled). */
static void
fill_block (GstVideoFrame *vframe, guint p, guint b, guint side, guint8 value)
{
  const GstVideoFormatInfo *fi = vframe->info.finfo;
  gint comp[GST_VIDEO_MAX_COMPONENTS];
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (vframe, p);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, p);
  guint x0, x1, y1, pstride;

  gst_video_format_info_component (fi, p, comp);
  x0 = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (fi, comp[0], b * side);
  x1 = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (fi, comp[0], (b + 1) * side);
  y1 = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (fi, comp[0], side);
  pstride = MAX (1, GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, comp[0]));
  for (guint y = 0; y < y1; y++)
    memset (data + (gsize)y * stride + x0 * pstride, value, (x1 - x0) * pstride);
}

gboolean
stb_frame_clock_write (GstVideoFrame *vframe, guint32 frame)
{
  guint32 blocks = stb_frame_clock_encode (frame);
  guint side;

  if (!is_yuv (vframe) || GST_VIDEO_FRAME_N_PLANES (vframe) < 2)
    return FALSE; /* packed YUV (YUY2, AYUV) is not written: the head-end sends I420 */
  side = GST_VIDEO_FRAME_WIDTH (vframe) / STB_FRAME_CLOCK_BLOCKS;
  for (guint b = 0; b < STB_FRAME_CLOCK_BLOCKS; b++)
    {
      gboolean one = (blocks >> (STB_FRAME_CLOCK_BLOCKS - 1 - b)) & 1;

      fill_block (vframe, 0, b, side, one ? WHITE : BLACK);
      for (guint p = 1; p < GST_VIDEO_FRAME_N_PLANES (vframe); p++)
        fill_block (vframe, p, b, side, 128);
    }
  return TRUE;
}

gint32
stb_frame_clock_read_luma (const guint8 *luma, gsize stride, guint width, guint height)
{
  guint side = width / STB_FRAME_CLOCK_BLOCKS;
  guint lo = side / 4, hi = side - side / 4; /* the inner half: no edge ringing */
  guint32 blocks = 0;

  g_return_val_if_fail (luma != NULL, -1);
  if (side < 4 || height < side)
    return -1;
  for (guint b = 0; b < STB_FRAME_CLOCK_BLOCKS; b++)
    {
      guint sum = 0, n = 0, mean;

      for (guint y = lo; y < hi; y++)
        for (guint x = b * side + lo; x < b * side + hi; x++, n++)
          sum += luma[(gsize)y * stride + x];
      mean = sum / n;
      if (mean + CLEAR_MARGIN > 128 && mean < 128 + CLEAR_MARGIN)
        return -1;
      blocks = (blocks << 1) | (mean >= 128);
    }
  return stb_frame_clock_decode (blocks);
}

gint32
stb_frame_clock_read (const GstVideoFrame *vframe)
{
  const GstVideoFormatInfo *fi = vframe->info.finfo;

  /* luma alone in plane 0, one byte a pixel: I420, YV12, NV12, Y42B, Y444, GRAY8 ... */
  if (!is_yuv (vframe) || GST_VIDEO_FORMAT_INFO_PLANE (fi, 0) != 0
      || GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, 0) != 1 || GST_VIDEO_FORMAT_INFO_DEPTH (fi, 0) != 8)
    return -1;
  return stb_frame_clock_read_luma (
      GST_VIDEO_FRAME_PLANE_DATA (vframe, 0), GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0),
      GST_VIDEO_FRAME_WIDTH (vframe), GST_VIDEO_FRAME_HEIGHT (vframe));
}

gint32
stb_frame_clock_read_buffer (GstBuffer *buffer, GstCaps *caps)
{
  GstVideoInfo info;
  GstVideoFrame vframe;
  gint32 value;

  if (!caps || !gst_video_info_from_caps (&info, caps)
      || !gst_video_frame_map (&vframe, &info, buffer, GST_MAP_READ))
    return -1;
  value = stb_frame_clock_read (&vframe);
  gst_video_frame_unmap (&vframe);
  return value;
}

/* ---- continuity ------------------------------------------------------------------------ */

void
stb_frame_clock_check_reset (StbFrameClockCheck *check)
{
  memset (check, 0, sizeof *check);
  check->first = check->last = -1;
}

void
stb_frame_clock_check_add (StbFrameClockCheck *check, gint32 value)
{
  gint32 step, expected;

  if (check->frames++ == 0)
    check->first = value;
  if (value < 0)
    {
      check->unreadable++;
      check->unreadable_run++;
      check->max_unreadable_run = MAX (check->max_unreadable_run, check->unreadable_run);
      return;
    }
  if (check->last >= 0)
    {
      /* modulo 2^16, as a signed step: -32768 .. 32767; the pictures not read since the last
       * readable one count as shown: 11, unreadable, 13 is continuous, not a gap */
      expected = 1 + (gint32)check->unreadable_run;
      step = (gint32)((guint32)(value - check->last) & (STB_FRAME_CLOCK_MODULO - 1));
      if (step >= (gint32)(STB_FRAME_CLOCK_MODULO / 2))
        step -= STB_FRAME_CLOCK_MODULO;
      if (step > expected)
        {
          check->gaps++;
          check->max_gap = MAX (check->max_gap, (guint)(step - expected));
        }
      else if (step < expected)
        {
          check->repeats++;
          check->max_repeat = MAX (check->max_repeat, (guint)(expected - step));
        }
    }
  check->unreadable_run = 0;
  check->last = value;
}

gboolean
stb_frame_clock_check_ok (const StbFrameClockCheck *check, guint gop_frames)
{
  return check->frames > 0 && check->first >= 0 && check->max_unreadable_run <= 1
         && check->unreadable * 20 <= check->frames && check->gaps + check->repeats <= 1
         && check->max_gap <= gop_frames && check->max_repeat <= gop_frames;
}
