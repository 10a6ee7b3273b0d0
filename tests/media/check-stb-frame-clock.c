/* SPDX-License-Identifier: MIT */
/* The frame clock (SPEC §14.4) on synthetic pictures: what the head-end writes the player
 * reads back, in I420 and NV12, through compression-like noise; a damaged row, an all-black
 * or all-white one is "unreadable" (-1), never a number; the continuity check counts gaps,
 * repeats and unreadable pictures, across the 16-bit wrap. The real pipeline (x264 at the
 * head-end's bitrate, avdec_h264) is exercised by check-stb-fcc. */
#define G_LOG_DOMAIN "check-stb-frame-clock"

#include "stb-frame-clock.h"
#include "stbsim-test.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#define WIDTH 320
#define HEIGHT 240
#define SIDE (WIDTH / STB_FRAME_CLOCK_BLOCKS)

/* A grey picture of @format with the clock @frame burned in. */
static GstBuffer *
picture (GstVideoFormat format, GstVideoInfo *info, guint32 frame)
{
  GstBuffer *buf;
  GstVideoFrame vf;

  gst_video_info_set_format (info, format, WIDTH, HEIGHT);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  gst_buffer_memset (buf, 0, 100, GST_VIDEO_INFO_SIZE (info));
  ck_assert (gst_video_frame_map (&vf, info, buf, GST_MAP_WRITE));
  ck_assert (stb_frame_clock_write (&vf, frame));
  gst_video_frame_unmap (&vf);
  return buf;
}

static gint32
read_back (GstBuffer *buf, GstVideoInfo *info)
{
  g_autoptr (GstCaps) caps = gst_video_info_to_caps (info);
  return stb_frame_clock_read_buffer (buf, caps);
}

/* Apply @func to the luma of @buf. */
static void
edit_luma (GstBuffer *buf, GstVideoInfo *info, void (*func) (guint8 *luma, gint stride))
{
  GstVideoFrame vf;

  ck_assert (gst_video_frame_map (&vf, info, buf, GST_MAP_READWRITE));
  func (GST_VIDEO_FRAME_PLANE_DATA (&vf, 0), GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0));
  gst_video_frame_unmap (&vf);
}

START_TEST (test_codes)
{
  guint bad_round_trip = 0, bad_flip = 0;

  /* every number survives encode/decode; a single flipped block never gives a number (counted,
   * one assert at the end: a libcheck assert per case took over 60 s in a loaded CI) */
  for (guint32 f = 0; f < STB_FRAME_CLOCK_MODULO; f++)
    {
      guint32 blocks = stb_frame_clock_encode (f);

      bad_round_trip += stb_frame_clock_decode (blocks) != (gint32)f;
      for (guint b = 0; b < STB_FRAME_CLOCK_BLOCKS; b++)
        bad_flip += stb_frame_clock_decode (blocks ^ (1u << b)) != -1;
    }
  ck_assert_uint_eq (bad_round_trip, 0);
  ck_assert_uint_eq (bad_flip, 0);
  ck_assert_int_eq (stb_frame_clock_decode (0), -1);                                  /* black */
  ck_assert_int_eq (stb_frame_clock_decode ((1u << STB_FRAME_CLOCK_BLOCKS) - 1), -1); /* white */
  ck_assert_int_eq (stb_frame_clock_encode (STB_FRAME_CLOCK_MODULO + 7),
                    stb_frame_clock_encode (7));
}
END_TEST

START_TEST (test_write_read)
{
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12 };
  static const guint32 frames[] = { 0, 1, 2, 1000, 4095, 65535 };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    for (guint j = 0; j < G_N_ELEMENTS (frames); j++)
      {
        GstVideoInfo info;
        g_autoptr (GstBuffer) buf = picture (formats[i], &info, frames[j]);
        GstVideoFrame vf;

        ck_assert_int_eq (read_back (buf, &info), (gint32)frames[j]);
        /* neutral chroma over the row: black and white, not coloured */
        ck_assert (gst_video_frame_map (&vf, &info, buf, GST_MAP_READ));
        ck_assert_uint_eq (((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&vf, 1))[0], 128);
        ck_assert_uint_eq (((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&vf, 0))[WIDTH + 1],
                           frames[j] & 0x8000 ? 235 : 16);
        /* below the row the picture is untouched */
        ck_assert_uint_eq (((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (
                               &vf, 0))[SIDE * GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0)],
                           100);
        gst_video_frame_unmap (&vf);
      }
}
END_TEST

/* Compression-like damage the reader must see through: ringing on every edge, noise. */
static void
noisy (guint8 *luma, gint stride)
{
  for (gint y = 0; y < SIDE; y++)
    for (gint x = 0; x < WIDTH; x++)
      {
        guint8 *p = luma + y * stride + x;
        gint v = *p + ((x * 7 + y * 13) % 41) - 20;

        if (x % SIDE < 2 || y < 2)
          v = 128; /* block edges smeared by the deblocking filter */
        *p = (guint8)CLAMP (v, 0, 255);
      }
}

static void
grey_block (guint8 *luma, gint stride)
{
  for (gint y = 0; y < SIDE; y++)
    memset (luma + y * stride + 5 * SIDE, 128, SIDE);
}

static void
flip_block (guint8 *luma, gint stride)
{
  for (gint y = 0; y < SIDE; y++)
    for (gint x = 7 * SIDE; x < 8 * SIDE; x++)
      luma[y * stride + x] = luma[y * stride + x] > 128 ? 16 : 235;
}

static void
blank (guint8 *luma, gint stride)
{
  for (gint y = 0; y < HEIGHT; y++)
    memset (luma + y * stride, 16, WIDTH);
}

static void
white (guint8 *luma, gint stride)
{
  for (gint y = 0; y < HEIGHT; y++)
    memset (luma + y * stride, 235, WIDTH);
}

START_TEST (test_damage)
{
  struct
  {
    const gchar *what;
    void (*func) (guint8 *luma, gint stride);
    gboolean readable;
  } cases[] = {
    { "noise and smeared edges", noisy, TRUE },
    { "one block mid-grey", grey_block, FALSE },
    { "one block flipped", flip_block, FALSE },
    { "all black", blank, FALSE },
    { "all white", white, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GstVideoInfo info;
      g_autoptr (GstBuffer) buf = picture (GST_VIDEO_FORMAT_I420, &info, 12345);

      edit_luma (buf, &info, cases[i].func);
      ck_assert_msg (read_back (buf, &info) == (cases[i].readable ? 12345 : -1), "%s: read %d",
                     cases[i].what, read_back (buf, &info));
    }
}
END_TEST

START_TEST (test_unsupported)
{
  GstVideoInfo info;
  GstVideoFrame vf;
  g_autoptr (GstBuffer) buf = NULL;
  g_autoptr (GstCaps) caps = NULL;

  /* RGB is neither written nor read; no caps, no number */
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, WIDTH, HEIGHT);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  ck_assert (gst_video_frame_map (&vf, &info, buf, GST_MAP_READWRITE));
  ck_assert (!stb_frame_clock_write (&vf, 1));
  ck_assert_int_eq (stb_frame_clock_read (&vf), -1);
  gst_video_frame_unmap (&vf);
  ck_assert_int_eq (stb_frame_clock_read_buffer (buf, NULL), -1);
  /* a picture too small to hold the row */
  {
    guint8 tiny[8 * 2] = { 0 };
    ck_assert_int_eq (stb_frame_clock_read_luma (tiny, 8, 8, 2), -1);
  }
}
END_TEST

static StbFrameClockCheck
run (const gint32 *values, guint n)
{
  StbFrameClockCheck c;

  stb_frame_clock_check_reset (&c);
  for (guint i = 0; i < n; i++)
    stb_frame_clock_check_add (&c, values[i]);
  return c;
}

START_TEST (test_continuity)
{
  const gint32 smooth[] = { 65533, 65534, 65535, 0, 1, 2 }; /* across the wrap */
  const gint32 splice_gap[] = { 10, 11, 12, 20, 21 };       /* one gap of 7 frames */
  const gint32 splice_repeat[] = { 10, 11, 12, 9, 10, 11 }; /* 4 frames again */
  const gint32 two_gaps[] = { 10, 12, 13, 15 };
  const gint32 big_gap[] = { 10, 11, 40, 41 };
  const gint32 unreadable[] = { 10, 11, -1, 13 };
  const gint32 first_unreadable[] = { -1, 11, 12 };
  StbFrameClockCheck c;

  c = run (smooth, G_N_ELEMENTS (smooth));
  ck_assert_int_eq (c.first, 65533);
  ck_assert_uint_eq (c.frames, 6);
  ck_assert_uint_eq (c.gaps + c.repeats + c.unreadable, 0);
  ck_assert (stb_frame_clock_check_ok (&c, 0));

  c = run (splice_gap, G_N_ELEMENTS (splice_gap));
  ck_assert_uint_eq (c.gaps, 1);
  ck_assert_uint_eq (c.max_gap, 7);
  ck_assert (stb_frame_clock_check_ok (&c, 25));
  ck_assert (!stb_frame_clock_check_ok (&c, 6)); /* more than one GOP */

  c = run (splice_repeat, G_N_ELEMENTS (splice_repeat));
  ck_assert_uint_eq (c.repeats, 1);
  ck_assert_uint_eq (c.max_repeat, 4);
  ck_assert (stb_frame_clock_check_ok (&c, 12));

  c = run (two_gaps, G_N_ELEMENTS (two_gaps));
  ck_assert_uint_eq (c.gaps, 2);
  ck_assert_uint_eq (c.max_gap, 1);
  ck_assert (!stb_frame_clock_check_ok (&c, 25)); /* only one discontinuity is allowed */

  c = run (big_gap, G_N_ELEMENTS (big_gap));
  ck_assert_uint_eq (c.max_gap, 28);
  ck_assert (!stb_frame_clock_check_ok (&c, 25));

  c = run (unreadable, G_N_ELEMENTS (unreadable));
  ck_assert_uint_eq (c.unreadable, 1);
  ck_assert_uint_eq (c.gaps, 0); /* 11, unreadable, 13: the unreadable one was 12 */
  ck_assert_uint_eq (c.max_unreadable_run, 1);
  ck_assert (!stb_frame_clock_check_ok (&c, 25)); /* 1 unreadable in 4 pictures: too many */

  c = run (first_unreadable, G_N_ELEMENTS (first_unreadable));
  ck_assert_int_eq (c.first, -1);
  ck_assert (!stb_frame_clock_check_ok (&c, 25));

  c = run (NULL, 0);
  ck_assert (!stb_frame_clock_check_ok (&c, 25)); /* no picture is no verdict of continuity */

  {
    gint32 v[40];

    for (guint i = 0; i < G_N_ELEMENTS (v); i++)
      v[i] = (gint32)i;
    v[7] = v[23] = -1; /* isolated misreads, numbering consistent around them: 1 in 20 */
    c = run (v, G_N_ELEMENTS (v));
    ck_assert_uint_eq (c.gaps + c.repeats, 0);
    ck_assert (stb_frame_clock_check_ok (&c, 25));
    v[24] = -1; /* two in a row: what a broken picture chain looks like */
    c = run (v, G_N_ELEMENTS (v));
    ck_assert_uint_eq (c.max_unreadable_run, 2);
    ck_assert (!stb_frame_clock_check_ok (&c, 25));
    v[24] = 30; /* an unreadable picture does not hide a skip: 22, ?, 30 skips 6 */
    c = run (v, G_N_ELEMENTS (v));
    ck_assert_uint_eq (c.gaps, 1);
    ck_assert_uint_eq (c.max_gap, 6);
  }
}
END_TEST

static Suite *
frame_clock_suite (void)
{
  Suite *s = suite_create ("stb-frame-clock");
  TCase *core = tcase_create ("core");
  TCase *errors = tcase_create ("errors");

  tcase_set_timeout (core, 30);
  tcase_add_test (core, test_codes);
  tcase_add_test (core, test_write_read);
  tcase_add_test (core, test_continuity);
  suite_add_tcase (s, core);
  tcase_set_timeout (errors, 30);
  tcase_add_test (errors, test_damage);
  tcase_add_test (errors, test_unsupported);
  suite_add_tcase (s, errors);
  return s;
}

int
main (void)
{
  gst_init (NULL, NULL);
  return stbsim_test_run (frame_clock_suite ());
}
