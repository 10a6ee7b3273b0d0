/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading a screen picture back (a snapshot PNG, or the screen itself): what a test needs to
 * tell that a page was really drawn. The frame clock (SPEC §14.4) of a picture shown at
 * (x, y) with width @width: its blocks are width / 20 wide, so a picture scaled to the
 * screen reads as well as one shown 1:1.
 */

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* The frame clock of the picture whose top-left corner is at (@x, @y) of @image (RGB24 or
 * ARGB32) and that is @width wide; -1 when unreadable (no picture there). */
gint32 stb_screen_read_clock (cairo_surface_t *image, gint x, gint y, gint width);
/* The share (0..1) of the pixels of the rectangle whose RGB is within @tolerance of @rgb on
 * every channel. */
gdouble stb_screen_fraction_rgb (cairo_surface_t *image, gint x, gint y, gint width, gint height,
                                 guint32 rgb, guint tolerance);

G_END_DECLS
