/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-iptv"

/* The IPTV module on the screen (sim/stb/screen): a full-screen window at the bottom of the
 * stack showing the page SPEC §6 names (nav: the EPG list with its focus; player: the
 * decoded picture with a banner; hidden: no window). */

#include "stb-iptv-screen.h"

static void
on_frame (GstSample *sample, gpointer data)
{
  StbIptv *self = data;
  if (self->current.kind != STB_PROGRAMME_NONE)
    stb_screen_window_set_frame (self->screen, sample);
}

gboolean
stb_iptv_screen_start (StbIptv *self, GError **error)
{
  self->screen = stb_screen_window_new (self->module.client, "stb-iptv", stb_module_emit_screen,
                                        &self->module, error);
  if (self->screen == NULL)
    return error == NULL || *error == NULL; /* no screen: nothing to draw */
  stb_player_set_screen_tap (self->player, on_frame, self);
  return TRUE;
}

static StbPage *
nav_page (StbIptv *self)
{
  StbPage *page = stb_page_new (STB_PAGE_NAV);
  page->title = g_strdup ("TV guide");
  page->detail = g_strdup ("up/down choose   OK watch   menu back");
  for (guint i = 0; i < self->epg->entries->len; i++)
    {
      const StbEpgEntry *e = g_ptr_array_index (self->epg->entries, i);
      g_ptr_array_add (page->rows, e->kind == STB_EPG_ENTRY_CHANNEL
                                       ? g_strdup_printf ("%u  %s", e->channel, e->title)
                                   : e->kind == STB_EPG_ENTRY_VOD
                                       ? g_strdup_printf ("VOD  %s", e->title)
                                       : g_strdup (e->title));
    }
  page->focus = self->epg->cursor;
  return page;
}

static StbPage *
picture_page (StbIptv *self)
{
  StbPage *page = stb_page_new (STB_PAGE_PICTURE);
  const StbEpgEntry *e = NULL;
  if (self->current.kind == STB_PROGRAMME_LIVE)
    {
      e = stb_epg_find_channel (self->epg, self->current.channel);
      page->title = g_strdup_printf ("%u  %s", self->current.channel, e ? e->title : "");
      page->detail = g_strdup ("live");
    }
  else if (self->current.kind == STB_PROGRAMME_VOD)
    {
      e = stb_epg_find_vod (self->epg, self->current.asset);
      page->title = g_strdup (e ? e->title : self->current.asset);
      page->detail = g_strdup ("video on demand");
    }
  return page;
}

void
stb_iptv_screen_update (StbIptv *self)
{
  gint width, height;
  if (self->screen == NULL)
    return;
  if (self->current.kind == STB_PROGRAMME_NONE)
    stb_screen_window_set_frame (self->screen, NULL); /* nothing plays: no old picture */
  if (g_strcmp0 (self->page, "hidden") == 0 || self->page == NULL)
    {
      stb_screen_window_place (self->screen, 0, 0, 0, 0, FALSE);
      return;
    }
  stb_screen_window_set_page (self->screen, g_str_equal (self->page, "nav") ? nav_page (self)
                                                                            : picture_page (self));
  stb_screen_window_get_screen_size (self->screen, &width, &height);
  stb_screen_window_place (self->screen, 0, 0, width, height, FALSE); /* the bottom */
}
