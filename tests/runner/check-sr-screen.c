/* SPDX-License-Identifier: MIT */
/*
 * The screen as evidence with stbsim's own modules (SPEC 12.6, D.2): a scenario that takes
 * snapshots gets a virtual screen, the reference stb-iptv and stb-voip draw on it, and the
 * pictures are real: scenarios/screen-callee.scenario (the callee flow of TC-CALLEE-01 over
 * the head-end's live picture) is run by the real stbsim and its PNGs are read back:
 *   tv             the live picture: its frame clock (SPEC 14.4) reads from the top row;
 *   incoming-call  the dialog's body fills its rectangle, and the live picture is around it
 *                  (the clock reads, and is not older than the first picture's);
 *   video-page     the VoIP page covers the TV: no clock, no dialog;
 *   tv-after-call  the live picture again, a later frame than the first.
 * Each check is also applied to a picture where it must fail (a check that cannot fail
 * proves nothing).
 */

#include <cairo.h>
#include <string.h>

#include "sr-test-util.h"
#include "stb-screen-evidence.h"
#include "stb-screen-paint.h"
#include "stb-screen.h"

#define W 720
#define H 576

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-screen");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* The snapshot @name of test 0 (results.json `snapshots`), loaded; fails the test if absent. */
static cairo_surface_t *
snapshot (JsonParser *r, const gchar *dir, const gchar *name)
{
  JsonArray *snaps = json_object_get_array_member (sr_test_object (r, 0), "snapshots");
  for (guint i = 0; snaps && i < json_array_get_length (snaps); i++)
    {
      JsonObject *s = json_array_get_object_element (snaps, i);
      if (!g_str_equal (json_object_get_string_member (s, "name"), name))
        continue;
      g_autofree gchar *path
          = g_build_filename (dir, json_object_get_string_member (s, "path"), NULL);
      cairo_surface_t *img = cairo_image_surface_create_from_png (path);
      ck_assert_msg (cairo_surface_status (img) == CAIRO_STATUS_SUCCESS, "%s: %s", path,
                     cairo_status_to_string (cairo_surface_status (img)));
      ck_assert_int_eq (cairo_image_surface_get_width (img), W);
      ck_assert_int_eq (cairo_image_surface_get_height (img), H);
      return img;
    }
  ck_abort_msg ("no snapshot %s in results.json", name);
  return NULL;
}

/* The live picture fills the screen: the frame clock of a 720-wide picture at (0, 0). */
static gint32
tv_clock (cairo_surface_t *img)
{
  return stb_screen_read_clock (img, 0, 0, W);
}

/* The dialog's body colour covers most of its rectangle (text and border take the rest). */
static gboolean
dialog_shown (cairo_surface_t *img)
{
  return stb_screen_fraction_rgb (img, STB_SCREEN_DIALOG_X, STB_SCREEN_DIALOG_Y,
                                  STB_SCREEN_DIALOG_WIDTH, STB_SCREEN_DIALOG_HEIGHT,
                                  STB_SCREEN_DIALOG_RGB, 4)
         > 0.6;
}

/* The VoIP video page (inject mode: no call media, a labelled black page) covers the TV. */
static gboolean
video_page_shown (cairo_surface_t *img)
{
  return stb_screen_fraction_rgb (img, 0, 0, W, 240, 0x000000, 4) > 0.95;
}

START_TEST (test_callee_pictures)
{
  g_autofree gchar *path = stbsim_test_source_path ("scenarios/screen-callee.scenario");
  const gchar *args[] = { "run", path, NULL };
  g_autoptr (JsonParser) r = NULL;
  g_autofree gchar *dir = NULL;
  gint rc = sr_test_stbsim (tmpdir, args, &r, &dir);
  g_autofree gchar *why = sr_test_issues_text (r, 0);
  ck_assert_msg (rc == 0, "screen-callee: exit %d:%s", rc, why);

  cairo_surface_t *tv = snapshot (r, dir, "tv");
  cairo_surface_t *dialog = snapshot (r, dir, "incoming-call");
  cairo_surface_t *video = snapshot (r, dir, "video-page");
  cairo_surface_t *after = snapshot (r, dir, "tv-after-call");

  gint32 c_tv = tv_clock (tv), c_dialog = tv_clock (dialog), c_after = tv_clock (after);
  ck_assert_msg (c_tv >= 0, "tv: no frame clock in the top row: the live picture is not shown");
  ck_assert_msg (dialog_shown (dialog), "incoming-call: the dialog is not in its rectangle");
  ck_assert_msg (c_dialog >= c_tv,
                 "incoming-call: the TV around the dialog is not live (clock "
                 "%d, first picture %d)",
                 c_dialog, c_tv);
  ck_assert_msg (video_page_shown (video) && tv_clock (video) == -1 && !dialog_shown (video),
                 "video-page: the VoIP page does not cover the TV");
  ck_assert_msg (c_after > c_tv, "tv-after-call: clock %d, not after the first picture's %d",
                 c_after, c_tv);

  /* each check fails where it must */
  ck_assert (tv_clock (video) < 0);   /* no live picture on the VoIP page */
  ck_assert (!dialog_shown (tv));     /* no dialog on plain TV */
  ck_assert (!dialog_shown (after));  /* nor after the call */
  ck_assert (!video_page_shown (tv)); /* the TV is not the black video page */
  ck_assert (!(c_tv > c_after));      /* "later" is not symmetric */

  cairo_surface_destroy (tv);
  cairo_surface_destroy (dialog);
  cairo_surface_destroy (video);
  cairo_surface_destroy (after);
}
END_TEST

static Suite *
suite (void)
{
  Suite *s = suite_create ("sr-screen");
  TCase *tc = tcase_create ("core");
  tcase_add_checked_fixture (tc, setup, teardown);
  /* one run with the head-end (it encodes its VOD assets at start: slow under ASan) */
  tcase_set_timeout (tc, 400);
  tcase_add_test (tc, test_callee_pictures);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (suite ());
}
