/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The VoIP module (stb-voip): incoming-call dialog, main video page, the call, and the VoIP
 * side of the switching protocol, row by row as conformance/SPEC.md §7.2. Calls come from
 * SIP (stb-sip.h) with --sip-proxy/--sip-user/--sip-password/--sip-domain, or in inject mode
 * (--inject) from the agent's injectCall / injectHangup / injectAnswer / injectReject.
 */

#include "stb-call-media.h"
#include "stb-module.h"
#include "stb-screen.h"
#include "stb-sip.h"
#include "stb-voip-fsm.h"

G_BEGIN_DECLS

typedef struct
{
  StbModule module;
  StbFsm fsm;
  StbSip *sip;         /* NULL in inject mode */
  StbCallMedia *media; /* SIP mode only */
  gboolean registered; /* always TRUE in inject mode */
  gboolean media_on;
  StbMediaEndpoint local_media;
  /* (nullable) our window when the server offers a screen (stb-voip-screen.h) */
  StbScreenWindow *screen;
  guint call_id; /* current call, 0 none */
  guint next_inject_id;
  gchar *peer;
  const gchar *role; /* "caller" | "callee" | NULL */
  GString *number;
  guint t_dialog;
  guint t_show;
  guint t_alert;
  gint trigger; /* parameter that caused the transition into the state, -1 none */
  /* options */
  gboolean inject;
  gchar *sip_proxy, *sip_user, *sip_password, *sip_domain, *bind_host;
  gint t_dialog_ms;
  gint t_show_ms;
  gint t_alert_ms;
  gint sip_expires;
  gboolean display;
  gboolean no_call_media; /* signalling only: SDP with every stream rejected (port 0) */
} StbVoip;

void stb_voip_add_options (StbVoip *self, GOptionContext *context);
gboolean stb_voip_start (StbVoip *self, GError **error);
void stb_voip_clear (StbVoip *self);

void stb_voip_handle_key (StbVoip *self, const gchar *key);
void stb_voip_handle_switch (StbVoip *self, const StbSwitchMessage *msg, const gchar *channel);

G_END_DECLS
