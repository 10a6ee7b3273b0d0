/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "check-qcop-client-window"

/*
 * On-screen windows of non-Qt clients (sim/qcop/qcop-client-window.c) on stb-qcopd's
 * stacking (qcop-qws-window.c), the server embedded with a real QWS display (lock, QVFb
 * screen) and real QcopClients on its Unix socket: two clients' overlapping windows, the
 * exact allocations, the expose after the upper one goes (freed window, closed connection),
 * the background Qt's server paints, windows surviving a server restart, and the errors
 * without a screen or a connection.
 */

#include "qcop-client-window.h"
#include "qcop-qws-display.h"
#include "qcop-qws-window.h"
#include "qcop-server.h"
#include "stbsim-test.h"

#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

#define WAIT_MS 10000
#define W QCOP_QWS_SCREEN_WIDTH
#define H QCOP_QWS_SCREEN_HEIGHT

typedef struct
{
  gint n;
  gchar *socket;
  QcopServer *server;
  QcopQwsDisplay *display;
} Fx;

static Fx fx;

/* stb-qcopd --display N, embedded; @with_screen FALSE: a plain QCOP server (":0", no QVFb). */
static void
server_start (gboolean with_screen)
{
  QcopServerOptions o = { 0 };
  g_autoptr (GError) error = NULL;

  o.socket_path = fx.socket;
  fx.server = qcop_server_new (&o, NULL, &error);
  ck_assert_msg (fx.server != NULL, "%s", error ? error->message : "");
  if (!with_screen)
    return;
  fx.display = qcop_qws_display_new (fx.n, fx.socket, W, H, &error);
  ck_assert_msg (fx.display != NULL, "%s", error ? error->message : "");
  ck_assert (qcop_server_set_qws_display (fx.server, qcop_qws_display_get_spec (fx.display),
                                          qcop_qws_display_get_servershmid (fx.display), NULL));
  qcop_server_set_qws_screen (fx.server, fx.display);
}

static void
server_stop (void)
{
  g_clear_pointer (&fx.server, qcop_server_free);
  g_clear_pointer (&fx.display, qcop_qws_display_free);
}

static void
setup (void)
{
  fx.n = stbsim_test_free_qt_display ();
  fx.socket = qcop_qws_display_socket_path (fx.n);
}

static void
teardown (void)
{
  g_autofree gchar *dir = g_path_get_dirname (fx.socket);

  server_stop ();
  g_rmdir (dir);
  g_clear_pointer (&fx.socket, g_free);
}

static QcopClient *
client_new (const gchar *name)
{
  QcopClient *client = qcop_client_new (fx.socket, name);
  g_autoptr (GError) error = NULL;

  ck_assert_msg (qcop_client_connect_sync (client, WAIT_MS, &error), "%s",
                 error ? error->message : "");
  return client;
}

/* ---- a window's exposes, recorded ------------------------------------------------------------ */

typedef struct
{
  guint exposes;
  GArray *last; /* QcopRect: the newly exposed part of the last expose */
  guint32 colour;
  QcopClient *client;
} Exposes;

/* Paint the newly exposed part in the window's colour, as a module would. */
static void
on_expose (QcopWindow *window, const GArray *newly_exposed, gpointer data)
{
  Exposes *e = data;
  gint w = 0, h = 0, stride = 0;
  guint8 *px = qcop_client_screen_data (e->client, &w, &h, &stride);

  e->exposes++;
  g_array_set_size (e->last, 0);
  g_array_append_vals (e->last, newly_exposed->data, newly_exposed->len);
  qcop_client_screen_lock (e->client);
  for (guint i = 0; i < newly_exposed->len; i++)
    {
      const QcopRect *r = &g_array_index (newly_exposed, QcopRect, i);

      for (gint y = r->y; y < r->y + r->height; y++)
        for (gint x = r->x; x < r->x + r->width; x++)
          ((guint32 *)(px + (gsize)y * stride))[x] = e->colour;
      qcop_client_screen_damage (e->client, r->x, r->y, r->width, r->height);
    }
  qcop_client_screen_unlock (e->client);
}

static void
exposes_init (Exposes *e, QcopClient *client, QcopWindow *window, guint32 colour)
{
  memset (e, 0, sizeof *e);
  e->last = g_array_new (FALSE, FALSE, sizeof (QcopRect));
  e->colour = colour;
  e->client = client;
  qcop_window_set_expose_func (window, on_expose, e, NULL);
}

static void
exposes_clear (Exposes *e)
{
  g_clear_pointer (&e->last, g_array_unref);
}

static void
wait_exposes (Exposes *e, guint want, const gchar *what)
{
  ck_assert_msg (stbsim_test_wait_count (NULL, &e->exposes, want, WAIT_MS),
                 "%s: %u exposes after %d ms, awaited %u", what, e->exposes, WAIT_MS, want);
}

/* Every event the server sent @client before this call has been dispatched: isRegistered is
 * answered in order after them. */
static void
barrier (QcopClient *client)
{
  g_autoptr (GError) error = NULL;
  gboolean known = TRUE;

  ck_assert_msg (qcop_client_is_registered_sync (client, "QPE/Nobody", WAIT_MS, &known, &error),
                 "%s", error ? error->message : "");
}

/* ---- exact regions as pixel masks ------------------------------------------------------------ */

/* Mask of @rects (QcopRect): each pixel counted, so an overlap shows as 2. (transfer full) */
static guint8 *
mask_of (const GArray *rects)
{
  guint8 *mask = g_malloc0 ((gsize)W * H);

  for (guint i = 0; i < rects->len; i++)
    {
      const QcopRect *r = &g_array_index (rects, QcopRect, i);

      ck_assert_msg (r->x >= 0 && r->y >= 0 && r->x + r->width <= W && r->y + r->height <= H,
                     "rectangle %d,%d %dx%d beyond the screen", r->x, r->y, r->width, r->height);
      for (gint y = r->y; y < r->y + r->height; y++)
        for (gint x = r->x; x < r->x + r->width; x++)
          mask[(gsize)y * W + x]++;
    }
  return mask;
}

/* @rects covers exactly @in minus @out (out may be NULL), each pixel once. */
static void
assert_region (const GArray *rects, const QcopRect *in, const QcopRect *out, const gchar *what)
{
  g_autofree guint8 *mask = mask_of (rects);

  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++)
      {
        gboolean want = x >= in->x && x < in->x + in->width && y >= in->y && y < in->y + in->height
                        && !(out && x >= out->x && x < out->x + out->width && y >= out->y
                             && y < out->y + out->height);
        guint8 got = mask[(gsize)y * W + x];

        if (got != (want ? 1 : 0))
          ck_abort_msg ("%s: pixel %d,%d is in %u rectangles of %u, want %d", what, x, y, got,
                        rects->len, want ? 1 : 0);
      }
}

static guint32
screen_pixel (QcopClient *client, gint x, gint y)
{
  gint w = 0, h = 0, stride = 0;
  guint8 *px = qcop_client_screen_data (client, &w, &h, &stride);

  ck_assert (px != NULL && x < w && y < h);
  return ((guint32 *)(px + (gsize)y * stride))[x];
}

static const QcopRect tv = { 0, 0, 400, 300 };
static const QcopRect dialog = { 100, 100, 200, 100 };
static const QcopRect empty = { 0, 0, 0, 0 };

/* Client A's window "tv" (blue), then client B's "dialog" (red) over it, both exposed. */
static void
show_tv_and_dialog (QcopClient *a, QcopClient *b, QcopWindow **wa, QcopWindow **wb, Exposes *ea,
                    Exposes *eb)
{
  g_autoptr (GError) error = NULL;

  *wa = qcop_window_new (a, "tv", &error);
  ck_assert_msg (*wa != NULL, "%s", error ? error->message : "");
  exposes_init (ea, a, *wa, 0xff0000ff);
  qcop_window_place (*wa, tv.x, tv.y, tv.width, tv.height, TRUE);
  wait_exposes (ea, 1, "lower window shown");
  assert_region (qcop_window_get_allocation (*wa), &tv, NULL, "lower window alone");
  assert_region (ea->last, &tv, NULL, "its first expose");
  *wb = qcop_window_new (b, "dialog", &error);
  ck_assert_msg (*wb != NULL, "%s", error ? error->message : "");
  exposes_init (eb, b, *wb, 0xffff0000);
  qcop_window_place (*wb, dialog.x, dialog.y, dialog.width, dialog.height, TRUE);
  wait_exposes (eb, 1, "upper window shown");
}

/* ---- tests ------------------------------------------------------------------------------------
 */

/* Two clients' windows: the upper one's area is exactly what the lower one loses; freed, the
 * lower one gets it back as an expose; hidden, the background is Qt's. */
START_TEST (test_two_clients)
{
  g_autoptr (QcopClient) a = NULL, b = NULL;
  QcopWindow *wa, *wb;
  Exposes ea, eb;

  server_start (TRUE);
  a = client_new ("tv");
  b = client_new ("dialog");
  ck_assert (qcop_client_has_screen (a) && qcop_client_has_screen (b));
  show_tv_and_dialog (a, b, &wa, &wb, &ea, &eb);
  barrier (a);
  assert_region (qcop_window_get_allocation (wb), &dialog, NULL, "upper window");
  assert_region (qcop_window_get_allocation (wa), &tv, &dialog, "lower window under it");
  ck_assert_uint_eq (ea.exposes, 1); /* losing area exposes nothing */
  ck_assert_uint_eq (screen_pixel (a, 150, 150), 0xffff0000);
  ck_assert_uint_eq (screen_pixel (a, 50, 50), 0xff0000ff);

  /* the upper window goes: the lower one gets exactly its area as an expose, paints it */
  qcop_window_free (wb);
  wait_exposes (&ea, 2, "lower window exposed");
  assert_region (ea.last, &dialog, NULL, "what the upper window left");
  assert_region (qcop_window_get_allocation (wa), &tv, NULL, "lower window alone again");
  ck_assert_uint_eq (screen_pixel (a, 150, 150), 0xff0000ff);

  /* hidden: nothing covers its area, the server paints Qt's background there (the first
   * expose: the whole screen) */
  qcop_window_place (wa, 0, 0, 0, 0, FALSE);
  qcop_client_flush (a, WAIT_MS, NULL);
  barrier (a);
  assert_region (qcop_window_get_allocation (wa), &empty, NULL, "hidden window");
  ck_assert_uint_eq (screen_pixel (a, 150, 150), QCOP_QWS_BACKGROUND);
  ck_assert_uint_eq (screen_pixel (a, 700, 500), QCOP_QWS_BACKGROUND);
  qcop_window_free (wa);
  exposes_clear (&ea);
  exposes_clear (&eb);
}
END_TEST

/* The upper client's connection closes (its windows with it, _q_clientClosed). */
START_TEST (test_upper_client_closes)
{
  g_autoptr (QcopClient) a = NULL, b = NULL;
  QcopWindow *wa, *wb;
  Exposes ea, eb;

  server_start (TRUE);
  a = client_new ("tv");
  b = client_new ("dialog");
  show_tv_and_dialog (a, b, &wa, &wb, &ea, &eb);

  qcop_client_disconnect (b);
  wait_exposes (&ea, 2, "lower window exposed after the upper client closed");
  assert_region (ea.last, &dialog, NULL, "what the closed client's window left");
  assert_region (qcop_window_get_allocation (wa), &tv, NULL, "lower window alone again");
  assert_region (qcop_window_get_allocation (wb), &empty, NULL, "a closed client's window");
  qcop_window_free (wb); /* harmless without a connection */
  qcop_window_free (wa);
  exposes_clear (&ea);
  exposes_clear (&eb);
}
END_TEST

/* A window survives a server restart (auto-reconnect): created again, placed again. */
START_TEST (test_reconnect)
{
  g_autoptr (QcopClient) a = NULL;
  g_autoptr (GError) error = NULL;
  QcopWindow *wa;
  Exposes ea;

  server_start (TRUE);
  a = client_new ("tv");
  qcop_client_set_auto_reconnect (a, TRUE, 20);
  wa = qcop_window_new (a, "tv", &error);
  ck_assert_msg (wa != NULL, "%s", error ? error->message : "");
  exposes_init (&ea, a, wa, 0xff0000ff);
  qcop_window_place (wa, dialog.x, dialog.y, dialog.width, dialog.height, TRUE);
  wait_exposes (&ea, 1, "window shown");

  server_stop ();
  server_start (TRUE);
  wait_exposes (&ea, 2, "window shown again at the new server");
  ck_assert (qcop_client_has_screen (a));
  assert_region (qcop_window_get_allocation (wa), &dialog, NULL, "window after the restart");
  assert_region (ea.last, &dialog, NULL, "its expose");
  ck_assert_int_ge (qcop_window_get_id (wa), 1000);
  ck_assert_uint_eq (screen_pixel (a, dialog.x, dialog.y), 0xff0000ff); /* the new screen */
  qcop_window_free (wa);
  exposes_clear (&ea);
}
END_TEST

/* A window that moves repaints all of it (Qt's clip region is in window coordinates). */
START_TEST (test_move)
{
  g_autoptr (QcopClient) a = NULL;
  g_autoptr (GError) error = NULL;
  const QcopRect moved = { 50, 50, 400, 300 };
  QcopWindow *wa;
  Exposes ea;

  server_start (TRUE);
  a = client_new ("tv");
  wa = qcop_window_new (a, "tv", &error);
  ck_assert_msg (wa != NULL, "%s", error ? error->message : "");
  exposes_init (&ea, a, wa, 0xff0000ff);
  qcop_window_place (wa, tv.x, tv.y, tv.width, tv.height, TRUE);
  wait_exposes (&ea, 1, "window shown");
  qcop_window_place (wa, moved.x, moved.y, moved.width, moved.height, FALSE);
  wait_exposes (&ea, 2, "window moved");
  assert_region (ea.last, &moved, NULL, "what a moved window repaints");
  assert_region (qcop_window_get_allocation (wa), &moved, NULL, "its allocation");
  qcop_window_free (wa);
  exposes_clear (&ea);
}
END_TEST

typedef struct
{
  QcopWindow *window;
  Exposes exposes;
} Created;

static void
on_connected_create (QcopClient *client, gpointer data)
{
  Created *c = data;
  g_autoptr (GError) error = NULL;

  c->window = qcop_window_new (client, "early", &error);
  ck_assert_msg (c->window != NULL, "%s", error ? error->message : "");
  exposes_init (&c->exposes, client, c->window, 0xff00ff00);
  qcop_window_place (c->window, dialog.x, dialog.y, dialog.width, dialog.height, TRUE);
}

/* A window made in a "connected" handler, before the greeting's Creation is dispatched: it
 * is created when the ids arrive, without blocking. */
START_TEST (test_new_in_connected_handler)
{
  g_autoptr (QcopClient) a = NULL;
  g_autoptr (GError) error = NULL;
  Created c = { 0 };

  server_start (TRUE);
  a = qcop_client_new (fx.socket, "early");
  g_signal_connect (a, "connected", G_CALLBACK (on_connected_create), &c);
  ck_assert_msg (qcop_client_connect_sync (a, WAIT_MS, &error), "%s", error ? error->message : "");
  ck_assert_ptr_nonnull (c.window);
  wait_exposes (&c.exposes, 1, "window made in the connected handler");
  assert_region (qcop_window_get_allocation (c.window), &dialog, NULL, "its allocation");
  ck_assert_int_ge (qcop_window_get_id (c.window), 1000);
  qcop_window_free (c.window);
  exposes_clear (&c.exposes);
}
END_TEST

/* Without a screen (a plain QCOP server) or without a connection: clear errors. */
START_TEST (test_no_screen)
{
  g_autoptr (QcopClient) a = NULL;
  g_autoptr (QcopClient) idle = qcop_client_new ("/nonexistent/socket", "idle");
  g_autoptr (GError) error = NULL;
  gint w = -1, h = -1, stride = -1;

  ck_assert_ptr_null (qcop_window_new (idle, "tv", &error));
  ck_assert_msg (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION), "%s",
                 error ? error->message : "no error");
  g_clear_error (&error);

  server_start (FALSE);
  a = client_new ("tv");
  ck_assert (!qcop_client_has_screen (a));
  ck_assert_ptr_null (qcop_client_screen_data (a, &w, &h, &stride));
  ck_assert_int_eq (w + h + stride, 0);
  qcop_client_screen_lock (a); /* no-ops */
  qcop_client_screen_unlock (a);
  qcop_client_screen_damage (a, 0, 0, 10, 10);
  ck_assert_ptr_null (qcop_window_new (a, "tv", &error));
  ck_assert_msg (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_UNSUPPORTED), "%s",
                 error ? error->message : "no error");
  ck_assert_msg (strstr (error->message, "--display") != NULL, "%s", error->message);
}
END_TEST

static Suite *
window_suite (void)
{
  Suite *s = suite_create ("qcop-client-window");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_two_clients);
  tcase_add_test (tc, test_upper_client_closes);
  tcase_add_test (tc, test_reconnect);
  tcase_add_test (tc, test_move);
  tcase_add_test (tc, test_new_in_connected_handler);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_no_screen);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (window_suite ());
}
