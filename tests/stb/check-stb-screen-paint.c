/* SPDX-License-Identifier: MIT */
/* The reference modules' pages (sim/stb/screen) painted on a 720x576 image, as on the QVFb
 * screen: each page has its pixels where the screen tests look for them (the dialog's body,
 * the nav page's background and focus bar), a picture page shows its frame 1:1 so that the
 * frame clock reads back from the painted screen, the banner never covers the clock row, and
 * the evidence readers say "no" on a screen without those pixels. */
#define G_LOG_DOMAIN "check-stb-screen-paint"

#include "stb-frame-clock.h"
#include "stb-screen-evidence.h"
#include "stb-screen-paint.h"
#include "stbsim-test.h"

#include <gst/video/video.h>

#define W 720
#define H 576

static cairo_surface_t *
screen_new (void)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5); /* grey: no clock, no page colour */
  cairo_paint (cr);
  cairo_destroy (cr);
  return s;
}

static void
paint (cairo_surface_t *s, gint x, gint y, gint w, gint h, const StbPage *page,
       cairo_surface_t *frame)
{
  cairo_t *cr = cairo_create (s);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  stb_screen_paint (cr, w, h, page, frame);
  cairo_destroy (cr);
}

/* An RGB24 picture of the head-end's kind (the clock @n burned into I420, its luma shown grey). */
static cairo_surface_t *
clock_frame (guint32 n, gint width, gint height)
{
  GstVideoInfo info;
  GstVideoFrame vf;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, width, height);
  g_autoptr (GstBuffer) buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (buf, 0, 100, GST_VIDEO_INFO_SIZE (&info));
  ck_assert (gst_video_frame_map (&vf, &info, buf, GST_MAP_READWRITE));
  ck_assert (stb_frame_clock_write (&vf, n));
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  guint8 *px = cairo_image_surface_get_data (s);
  for (gint y = 0; y < height; y++)
    for (gint x = 0; x < width; x++)
      {
        guint8 l = ((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (
            &vf, 0))[y * GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0) + x];
        guint v = CLAMP ((l - 16) * 255 / 219, 0, 255);
        *(guint32 *)(void *)(px + y * cairo_image_surface_get_stride (s) + x * 4)
            = v << 16 | v << 8 | v;
      }
  gst_video_frame_unmap (&vf);
  cairo_surface_mark_dirty (s);
  return s;
}

START_TEST (test_nav)
{
  cairo_surface_t *s = screen_new ();
  g_autoptr (StbPage) page = stb_page_new (STB_PAGE_NAV);
  page->title = g_strdup ("TV guide");
  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (page->rows, g_strdup_printf ("row %u", i));
  page->focus = 2;
  paint (s, 0, 0, W, H, page, NULL);
  /* background right of the list text, the focus bar on row 2 only */
  ck_assert (stb_screen_fraction_rgb (s, 600, 500, 100, 20, STB_SCREEN_NAV_RGB, 2) > 0.99);
  ck_assert (stb_screen_fraction_rgb (s, 400, 96 + 80 + 8, 200, 20, 0xf0a000, 2) > 0.99);
  ck_assert (stb_screen_fraction_rgb (s, 400, 96 + 40 + 8, 200, 20, 0xf0a000, 2) < 0.01);
  ck_assert_int_eq (stb_screen_read_clock (s, 0, 0, W), -1);
  cairo_surface_destroy (s);
}
END_TEST

START_TEST (test_picture_one_to_one)
{
  cairo_surface_t *s = screen_new ();
  g_autoptr (StbPage) page = stb_page_new (STB_PAGE_PICTURE);
  page->title = g_strdup ("1 News");
  page->banner = TRUE;
  cairo_surface_t *frame = clock_frame (4242, W, H);
  /* the evidence reader fails on the grey screen, reads the frame once painted */
  ck_assert_int_eq (stb_screen_read_clock (s, 0, 0, W), -1);
  paint (s, 0, 0, W, H, page, frame);
  ck_assert_int_eq (stb_screen_read_clock (s, 0, 0, W), 4242);
  /* the banner is there, at the bottom: 70 % black over the grey 97 */
  ck_assert (stb_screen_fraction_rgb (s, 0, H - 88, W, 64, 0x1d1d1d, 6) > 0.5);
  cairo_surface_destroy (frame);
  cairo_surface_destroy (s);
}
END_TEST

/* a 320x240 frame scaled to the screen still reads (blocks are width / 20) */
START_TEST (test_picture_scaled)
{
  cairo_surface_t *s = screen_new ();
  g_autoptr (StbPage) page = stb_page_new (STB_PAGE_PICTURE);
  cairo_surface_t *frame = clock_frame (77, 320, 240);
  paint (s, 0, 0, W, H, page, frame);
  ck_assert_int_eq (stb_screen_read_clock (s, 0, 0, W), 77);
  cairo_surface_destroy (frame);
  cairo_surface_destroy (s);
}
END_TEST

/* the dialog in its rectangle over the TV picture: its body inside, the picture around */
START_TEST (test_dialog_over_picture)
{
  cairo_surface_t *s = screen_new ();
  g_autoptr (StbPage) tv = stb_page_new (STB_PAGE_PICTURE);
  g_autoptr (StbPage) dialog = stb_page_new (STB_PAGE_DIALOG);
  dialog->title = g_strdup ("sip:alice@ims.test");
  dialog->detail = g_strdup ("OK answer   Back reject");
  cairo_surface_t *frame = clock_frame (9, W, H);
  paint (s, 0, 0, W, H, tv, frame);
  paint (s, 160, 200, 400, 150, dialog, NULL);
  ck_assert (stb_screen_fraction_rgb (s, 160, 200, 400, 150, STB_SCREEN_DIALOG_RGB, 2) > 0.5);
  ck_assert (stb_screen_fraction_rgb (s, 0, 0, W, 200, STB_SCREEN_DIALOG_RGB, 2) < 0.001);
  ck_assert (stb_screen_fraction_rgb (s, 0, 350, W, H - 350, STB_SCREEN_DIALOG_RGB, 2) < 0.001);
  ck_assert_int_eq (stb_screen_read_clock (s, 0, 0, W), 9);
  cairo_surface_destroy (frame);
  cairo_surface_destroy (s);
}
END_TEST

START_TEST (test_call_pages)
{
  cairo_surface_t *s = screen_new ();
  g_autoptr (StbPage) dialing = stb_page_new (STB_PAGE_DIALING);
  dialing->title = g_strdup ("1002");
  paint (s, 0, 0, W, H, dialing, NULL);
  ck_assert (stb_screen_fraction_rgb (s, 600, 300, 100, 100, 0x102010, 2) > 0.99);
  g_autoptr (StbPage) call = stb_page_new (STB_PAGE_CALL);
  paint (s, 0, 0, W, H, call, NULL); /* no far-end picture yet: black with a label */
  ck_assert (stb_screen_fraction_rgb (s, 0, 0, W, 100, 0x000000, 2) > 0.99);
  cairo_surface_t *frame = clock_frame (5, 320, 240);
  paint (s, 0, 0, W, H, call, frame);
  ck_assert_int_eq (stb_screen_read_clock (s, 0, 0, W), 5);
  cairo_surface_destroy (frame);
  cairo_surface_destroy (s);
}
END_TEST

START_TEST (test_page_equal)
{
  g_autoptr (StbPage) a = stb_page_new (STB_PAGE_NAV);
  g_ptr_array_add (a->rows, g_strdup ("x"));
  g_autoptr (StbPage) b = stb_page_copy (a);
  ck_assert (stb_page_equal (a, b));
  b->focus = 1;
  ck_assert (!stb_page_equal (a, b));
  ck_assert_str_eq (stb_page_kind_to_string (STB_PAGE_DIALOG), "dialog");
}
END_TEST

static Suite *
suite (void)
{
  Suite *s = suite_create ("stb-screen-paint");
  TCase *tc = tcase_create ("core");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_nav);
  tcase_add_test (tc, test_picture_one_to_one);
  tcase_add_test (tc, test_picture_scaled);
  tcase_add_test (tc, test_dialog_over_picture);
  tcase_add_test (tc, test_call_pages);
  tcase_add_test (tc, test_page_equal);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  gst_init (NULL, NULL);
  return stbsim_test_run (suite ());
}
