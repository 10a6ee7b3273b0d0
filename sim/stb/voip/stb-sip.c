/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER until the SIP work lands: stb_sip_new() always fails with NOT_BUILT, so
 * stb-voip runs without SIP (calls injected through the agent interface). */
#define G_LOG_DOMAIN "stb-sip"

#include "stb-sip.h"

G_DEFINE_QUARK (stb-sip-error-quark, stb_sip_error)

const gchar *
stb_sip_call_state_to_string (StbSipCallState state)
{
  static const gchar *const names[] = { "ringing", "established", "cancelled",
                                        "ended-remote", "ended-local", "failed" };
  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

StbSip *
stb_sip_new (const StbSipConfig *config, const StbSipCallbacks *callbacks, gpointer user_data,
             GError **error)
{
  g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NOT_BUILT, "SIP user agent not built yet");
  return NULL;
}

void stb_sip_free (StbSip *sip) {}
void stb_sip_register (StbSip *sip) {}
gboolean stb_sip_is_registered (StbSip *sip) { return FALSE; }
void stb_sip_set_local_media (StbSip *sip, const StbMediaEndpoint *local) {}

guint
stb_sip_call (StbSip *sip, const gchar *number, GError **error)
{
  g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NOT_BUILT, "SIP user agent not built yet");
  return 0;
}

gboolean
stb_sip_answer (StbSip *sip, guint call_id, GError **error)
{
  g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NOT_BUILT, "SIP user agent not built yet");
  return FALSE;
}

gboolean
stb_sip_reject (StbSip *sip, guint call_id, guint status, GError **error)
{
  g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NOT_BUILT, "SIP user agent not built yet");
  return FALSE;
}

gboolean
stb_sip_hangup (StbSip *sip, guint call_id, GError **error)
{
  g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NOT_BUILT, "SIP user agent not built yet");
  return FALSE;
}
