/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "check-qcop-qws-window"

/*
 * Qt 4.8's window stacking in stb-qcopd (sim/qcop/qcop-qws-window.c), without Qt and without
 * sockets: window commands fed to a QcopQwsStack, the Region events (allocations) and the
 * background painting it asks for recorded as text and compared with what Qt's
 * QWSServerPrivate (qwindowsystem_qws.cpp) sends: setWindowRegion + update_regions (top
 * down), raiseWindow / lowerWindow, invokeRegionDestroy, _q_clientClosed, exposeRegion.
 */

#include "qcop-qws-window.h"
#include "qcop-wire.h"
#include "stbsim-test.h"

#include <string.h>

/* owners: distinct addresses */
static gint owner_a, owner_b, owner_c;
#define A (&owner_a)
#define B (&owner_b)
#define C (&owner_c)

static GString *events;

static const gchar *
owner_name (gpointer owner)
{
  return owner == A ? "A" : owner == B ? "B" : owner == C ? "C" : "?";
}

static void
append_rects (const gint32 *rects, gsize n)
{
  if (n == 0)
    g_string_append (events, " -");
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (events, " %d,%d-%d,%d", rects[4 * i], rects[4 * i + 1],
                            rects[4 * i + 2], rects[4 * i + 3]);
}

static void
on_allocation (gpointer owner, gint32 window, const gint32 *rects, gsize n, gpointer data)
{
  g_string_append_printf (events, "%s%s:%d", events->len ? "|" : "", owner_name (owner), window);
  append_rects (rects, n);
}

static void
on_background (const gint32 *rects, gsize n, gpointer data)
{
  g_string_append_printf (events, "%sbg", events->len ? "|" : "");
  append_rects (rects, n);
}

static const QcopQwsStackFuncs funcs = { on_allocation, on_background };
static const gint32 screen[4] = { 0, 0, 719, 575 };

/* Everything recorded since the last call. (transfer full) */
static gchar *
take (void)
{
  gchar *s = g_strdup (events->str);

  g_string_truncate (events, 0);
  return s;
}

static void
assert_events (const gchar *want)
{
  g_autofree gchar *got = take ();

  ck_assert_msg (g_str_equal (got, want), "events\n  got:  %s\n  want: %s", got, want);
}

static void
command (QcopQwsStack *stack, gpointer owner, gint32 type, const gint32 *fixed, gsize n_fixed,
         const gint32 *rects, gsize n_rects)
{
  QcopWireItem item = { 0 };

  item.type = type;
  memcpy (item.fixed, fixed, n_fixed * 4);
  item.fixed_len = n_fixed * 4;
  if (n_rects > 0)
    item.data = g_bytes_new (rects, n_rects * 16);
  qcop_qws_stack_command (stack, owner, &item);
  qcop_wire_item_clear (&item);
}

static void
name (QcopQwsStack *stack, gpointer owner, gint32 window)
{
  gint32 fixed[3] = { window, 0, 0 };

  command (stack, owner, QCOP_CMD_REGION_NAME, fixed, 3, NULL, 0);
}

/* Region of one rectangle x, y, w x h (w = 0: the empty region, hide). */
static void
region (QcopQwsStack *stack, gpointer owner, gint32 window, gint x, gint y, gint w, gint h)
{
  gint32 fixed[4] = { window, 0, 0, w > 0 ? 1 : 0 };
  gint32 r[4] = { x, y, x + w - 1, y + h - 1 };

  command (stack, owner, QCOP_CMD_REGION, fixed, 4, r, w > 0 ? 1 : 0);
}

static void
altitude (QcopQwsStack *stack, gpointer owner, gint32 window, gint32 alt, gboolean fixed_flag)
{
  gint32 fixed[3] = { window, alt, fixed_flag };

  command (stack, owner, QCOP_CMD_CHANGE_ALTITUDE, fixed, 3, NULL, 0);
}

static QcopQwsStack *
two_windows (void)
{
  QcopQwsStack *stack = qcop_qws_stack_new (screen, &funcs, NULL);

  name (stack, A, 1001);
  region (stack, A, 1001, 0, 0, 400, 300);
  assert_events ("A:1001 0,0-399,299");
  name (stack, B, 1002);
  ck_assert_int_eq (qcop_qws_stack_window_at (stack, 0), 1002); /* new windows go on top */
  region (stack, B, 1002, 100, 100, 200, 100);
  /* update_regions, top down: B gets its area, A loses it (four bands, as QRegion) */
  assert_events ("B:1002 100,100-299,199|A:1001 0,0-399,99 0,100-99,199 300,100-399,199 "
                 "0,200-399,299");
  return stack;
}

static void
setup (void)
{
  events = g_string_new (NULL);
}

static void
teardown (void)
{
  g_string_free (events, TRUE);
}

START_TEST (test_overlap)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();
  g_autoptr (GArray) rects = g_array_new (FALSE, FALSE, 16);

  ck_assert (qcop_qws_stack_get_allocation (stack, 1001, rects));
  ck_assert_uint_eq (rects->len, 4);
  /* the same request again: nothing changes, the requester is answered anyway */
  region (stack, B, 1002, 100, 100, 200, 100);
  assert_events ("B:1002 100,100-299,199");
  /* a request beyond the screen is clipped to it; A gets B's old area; the first expose
   * paints the whole screen but the windows */
  region (stack, B, 1002, 600, 500, 300, 300);
  assert_events ("B:1002 600,500-719,575|A:1001 0,0-399,299|bg 400,0-719,299 0,300-719,499 "
                 "0,500-599,575");
}
END_TEST

START_TEST (test_raise_lower)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();

  altitude (stack, A, 1001, 0, FALSE); /* raise A: it gets everything back, B nothing */
  assert_events ("A:1001 0,0-399,299|B:1002 -");
  ck_assert_int_eq (qcop_qws_stack_window_at (stack, 0), 1001);
  altitude (stack, A, 1001, 0, FALSE); /* already on top */
  assert_events ("");
  altitude (stack, A, 1001, -1, FALSE); /* lower A: B is on top again */
  assert_events ("B:1002 100,100-299,199|A:1001 0,0-399,99 0,100-99,199 300,100-399,199 "
                 "0,200-399,299");
  altitude (stack, A, 1001, 2, FALSE); /* Qt: "Only lower, raise and stays-on-top supported" */
  altitude (stack, A, 1001, 0, FALSE);
  assert_events ("A:1001 0,0-399,299|B:1002 -");
  /* ChangeAltitude needs no ownership (invokeSetAltitude) */
  altitude (stack, B, 1002, 0, FALSE);
  assert_events ("B:1002 100,100-299,199|A:1001 0,0-399,99 0,100-99,199 300,100-399,199 "
                 "0,200-399,299");
}
END_TEST

START_TEST (test_stays_on_top)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();

  altitude (stack, A, 1001, 1, TRUE); /* StaysOnTop, fixed: A above B, and above new ones */
  assert_events ("A:1001 0,0-399,299|B:1002 -");
  name (stack, C, 1003);
  region (stack, C, 1003, 0, 0, 50, 50);
  assert_events ("C:1003 -");
  ck_assert_int_eq (qcop_qws_stack_window_at (stack, 0), 1001);
  ck_assert_int_eq (qcop_qws_stack_window_at (stack, 1), 1003);
}
END_TEST

START_TEST (test_hide_and_background)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();

  /* hiding A (the empty region): the first expose repaints the whole screen where no window
   * is (exposeRegion's "initial"): all but B */
  region (stack, A, 1001, 0, 0, 0, 0);
  assert_events ("A:1001 -|bg 0,0-719,99 0,100-99,199 300,100-719,199 0,200-719,575");
  /* hiding B: only what B had */
  region (stack, B, 1002, 0, 0, 0, 0);
  assert_events ("B:1002 -|bg 100,100-299,199");
  /* showing A again: no expose */
  region (stack, A, 1001, 0, 0, 10, 10);
  assert_events ("A:1001 0,0-9,9");
}
END_TEST

START_TEST (test_close_client)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();

  /* B, on top, goes away (_q_clientClosed): A gets its area back, nothing to paint (A is
   * there) but the initial whole-screen expose outside A */
  qcop_qws_stack_remove_owner (stack, B);
  assert_events ("A:1001 0,0-399,299|bg 400,0-719,299 0,300-719,575");
  ck_assert_uint_eq (qcop_qws_stack_n_windows (stack), 1);
  /* A goes too: its whole area is background */
  qcop_qws_stack_remove_owner (stack, A);
  assert_events ("bg 0,0-399,299");
  ck_assert_uint_eq (qcop_qws_stack_n_windows (stack), 0);
  qcop_qws_stack_remove_owner (stack, C); /* no windows: nothing */
  assert_events ("");
}
END_TEST

START_TEST (test_close_lower_client)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();

  /* A, below, goes away: B keeps its allocation (no event); A's area is background */
  qcop_qws_stack_remove_owner (stack, A);
  assert_events ("bg 0,0-719,99 0,100-99,199 300,100-719,199 0,200-719,575");
}
END_TEST

START_TEST (test_destroy_and_move)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();
  gint32 move[3] = { 1002, 50, 0 };
  gint32 destroy[1] = { 1002 };

  /* RegionMove: B moves right by 50; its allocation is re-sent, A's changes, what B left and
   * nobody covers is exposed (covered by A here: nothing painted but the initial expose) */
  command (stack, B, QCOP_CMD_REGION_MOVE, move, 3, NULL, 0);
  assert_events ("B:1002 150,100-349,199|A:1001 0,0-399,99 0,100-149,199 350,100-399,199 "
                 "0,200-399,299|bg 400,0-719,299 0,300-719,575");
  /* RegionDestroy: setWindowRegion (empty) first, so B hears of its empty allocation; A gets
   * the area back; the window is gone */
  command (stack, B, QCOP_CMD_REGION_DESTROY, destroy, 1, NULL, 0);
  assert_events ("B:1002 -|A:1001 0,0-399,299");
  ck_assert_uint_eq (qcop_qws_stack_n_windows (stack), 1);
}
END_TEST

START_TEST (test_foreign_and_unknown)
{
  g_autoptr (QcopQwsStack) stack = two_windows ();
  gint32 destroy[1] = { 1001 };

  /* "Disabled: clients changing other client's window region" */
  region (stack, B, 1001, 0, 0, 720, 576);
  command (stack, B, QCOP_CMD_REGION_DESTROY, destroy, 1, NULL, 0);
  /* "Invalid window handle": a Region before RegionName creates nothing */
  region (stack, C, 1003, 0, 0, 720, 576);
  altitude (stack, C, 1003, 0, FALSE);
  assert_events ("");
  ck_assert_uint_eq (qcop_qws_stack_n_windows (stack), 2);
  /* RegionName of an existing id (any client's) makes no second window */
  name (stack, C, 1001);
  ck_assert_uint_eq (qcop_qws_stack_n_windows (stack), 2);
  /* a Region whose rectangle count overruns its raw part requests nothing */
  {
    gint32 fixed[4] = { 1002, 0, 0, 5 };
    gint32 r[4] = { 0, 0, 9, 9 };

    command (stack, B, QCOP_CMD_REGION, fixed, 4, r, 1);
    assert_events ("B:1002 -|A:1001 0,0-399,299|bg 400,0-719,299 0,300-719,575");
  }
}
END_TEST

static Suite *
stack_suite (void)
{
  Suite *s = suite_create ("qcop-qws-window");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_overlap);
  tcase_add_test (tc, test_raise_lower);
  tcase_add_test (tc, test_stays_on_top);
  tcase_add_test (tc, test_hide_and_background);
  tcase_add_test (tc, test_close_client);
  tcase_add_test (tc, test_close_lower_client);
  tcase_add_test (tc, test_destroy_and_move);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_foreign_and_unknown);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (stack_suite ());
}
