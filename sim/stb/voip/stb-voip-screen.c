/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-voip"

/* The VoIP module on the screen (sim/stb/screen): one window raised over the IPTV's, placed
 * by state (SPEC §7): the incoming-call dialog in its rectangle over the TV picture
 * (DIALOG), the main page full screen (MAIN_PAGE and DIALLING: the number; IN_CALL: the far
 * end's picture), hidden (0x0) otherwise. */

#include "stb-voip-screen.h"

static void
on_frame (GstSample *sample, gpointer data)
{
  StbVoip *self = data;
  if (self->fsm.state == STB_VOIP_STATE_IN_CALL)
    stb_screen_window_set_frame (self->screen, sample);
}

gboolean
stb_voip_screen_start (StbVoip *self, GError **error)
{
  self->screen = stb_screen_window_new (self->module.client, "stb-voip", stb_module_emit_screen,
                                        &self->module, error);
  if (self->screen == NULL)
    return error == NULL || *error == NULL; /* no screen: nothing to draw */
  if (self->media != NULL)
    stb_call_media_set_screen_tap (self->media, on_frame, self);
  return TRUE;
}

static StbPage *
page_of_state (StbVoip *self)
{
  StbPage *page = NULL;
  switch ((StbVoipState)self->fsm.state)
    {
      case STB_VOIP_STATE_DIALOG:
        page = stb_page_new (STB_PAGE_DIALOG);
        page->title = g_strdup (self->peer ? self->peer : "unknown caller");
        page->detail = g_strdup ("OK answer     Back reject");
        break;
      case STB_VOIP_STATE_MAIN_PAGE:
      case STB_VOIP_STATE_DIALLING:
        page = stb_page_new (STB_PAGE_DIALING);
        page->title = g_strdup (self->number ? self->number->str : "");
        page->detail = self->fsm.state == STB_VOIP_STATE_DIALLING
                           ? g_strdup_printf ("calling %s ...", self->peer ? self->peer : "")
                           : g_strdup ("digits, then videocall to dial   back to leave");
        break;
      case STB_VOIP_STATE_IN_CALL:
        page = stb_page_new (STB_PAGE_CALL);
        page->title = g_strdup_printf ("In call with %s", self->peer ? self->peer : "?");
        page->detail = g_strdup (self->media_on ? "video call" : "no call media in this mode");
        break;
      default:
        break;
    }
  return page;
}

void
stb_voip_screen_update (StbVoip *self)
{
  gint width, height;
  if (self->screen == NULL)
    return;
  StbPage *page = page_of_state (self);
  if (page == NULL)
    {
      stb_screen_window_set_frame (self->screen, NULL);
      stb_screen_window_place (self->screen, 0, 0, 0, 0, FALSE);
      return;
    }
  gboolean dialog = page->kind == STB_PAGE_DIALOG;
  stb_screen_window_set_page (self->screen, page);
  stb_screen_window_get_screen_size (self->screen, &width, &height);
  if (dialog)
    stb_screen_window_place (self->screen, STB_SCREEN_DIALOG_X, STB_SCREEN_DIALOG_Y,
                             STB_SCREEN_DIALOG_WIDTH, STB_SCREEN_DIALOG_HEIGHT, TRUE);
  else
    stb_screen_window_place (self->screen, 0, 0, width, height, TRUE);
}
