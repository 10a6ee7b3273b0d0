/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the reference modules show on the screen (conformance/SPEC.md §6-§9), as pages, and
 * the cairo + pango painters that draw them into any cairo context (the QVFb screen through
 * stb-screen.h, or an image surface in tests). A page is painted whole into its window's
 * rectangle, whose top-left corner is (0, 0) of the context.
 */

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  STB_PAGE_NONE,    /* nothing (a hidden window) */
  STB_PAGE_NAV,     /* IPTV navigation page: title, the EPG list, the focused row */
  STB_PAGE_PICTURE, /* IPTV live or VOD picture (the player's frames) with a short banner */
  STB_PAGE_DIALOG,  /* VoIP incoming-call dialog over the TV picture */
  STB_PAGE_DIALING, /* VoIP main page: the number being dialled, the call being set up */
  STB_PAGE_CALL,    /* VoIP video page: the far end's picture */
} StbPageKind;

typedef struct
{
  StbPageKind kind;
  gchar *title;    /* NAV page title, PICTURE banner, DIALOG caller, DIALING number, CALL peer */
  gchar *detail;   /* a second line: NAV help, PICTURE kind, DIALOG keys, CALL/DIALING state */
  GPtrArray *rows; /* NAV: the EPG list (gchar*) */
  guint focus;     /* NAV: the focused row */
  gboolean banner; /* PICTURE/CALL: show the banner */
} StbPage;

/* Colours the tests look for (RGB): the dialog's body and the nav page's background. */
#define STB_SCREEN_DIALOG_RGB 0x1f3f9fu
#define STB_SCREEN_NAV_RGB 0x10202cu

StbPage *stb_page_new (StbPageKind kind);
StbPage *stb_page_copy (const StbPage *page);
void stb_page_free (StbPage *page);
gboolean stb_page_equal (const StbPage *a, const StbPage *b);
const gchar *stb_page_kind_to_string (StbPageKind kind);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbPage, stb_page_free)

/* Paint @page into @width x @height of @cr. @frame (nullable): the picture of a PICTURE or
 * CALL page, scaled to the whole area (1:1 when it has that size); without one those pages
 * show a labelled black area. */
void stb_screen_paint (cairo_t *cr, gint width, gint height, const StbPage *page,
                       cairo_surface_t *frame);

/* Paint every page once off screen: loads fontconfig and the fonts (100+ ms the first time),
 * so that no first paint blocks the main loop later. */
void stb_screen_paint_preload (void);

G_END_DECLS
