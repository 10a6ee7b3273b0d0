/* SPDX-License-Identifier: MIT */
/*
 * The VoIP module's SIP user agent: sofia-sip nua driven by the thread-default GLib main
 * context through su_glib's GSource. No threads of our own.
 *
 * Every SIP message on the wire is reported through the `message` callback: nua's transport
 * (tport) is created with TPTAG_LOG(1), which makes it print each message it sends or
 * receives to sofia's default log; stb-sip-wire.c redirects and parses that log (start line
 * + Call-ID). This sees what nua sends on its own too (100 Trying, ACK, 487,
 * registration refreshes, retransmissions).
 */
#define G_LOG_DOMAIN "stb-sip"

#include "stb-sip.h"
#include "stb-sdp.h"
#include "stb-sip-wire.h"
#include "stbsim-config.h"

#include <gio/gio.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/soa_tag.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/tport_tag.h>

#include <string.h>
#include <time.h>

/* clang-format off */
G_DEFINE_QUARK (stb-sip-error-quark, stb_sip_error)
/* clang-format on */

#define UNREGISTER_WAIT_MS 1000
#define HANGUP_WAIT_MS 1000
#define SHUTDOWN_WAIT_MS 2000
#define WIRE_DRAIN_MS 1000
#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 30
#define MAX_AUTH_TRIES 1

/* Our view of one call; nua's own call state drives it (see on_i_state). */
typedef enum
{
  CALL_INCOMING,    /* INVITE received, 180 sent, waiting for the module */
  CALL_ANSWERING,   /* 200 sent, waiting for ACK */
  CALL_OUTGOING,    /* INVITE sent */
  CALL_RINGING,     /* 18x received */
  CALL_ESTABLISHED, /* 200 + ACK */
  CALL_CLOSING,     /* our BYE / CANCEL / reject sent */
  CALL_DONE,        /* terminated, reported */
  CALL_N_PHASES
} CallPhase;

static const gchar *const phase_names[CALL_N_PHASES] = {
  "incoming", "answering", "outgoing", "ringing", "established", "closing", "done",
};

/* allowed[from] = bit set of phases reachable from it */
#define B(p) (1u << (p))
static const guint phase_allowed[CALL_N_PHASES] = {
  [CALL_INCOMING] = B (CALL_ANSWERING) | B (CALL_CLOSING) | B (CALL_DONE),
  [CALL_ANSWERING] = B (CALL_ESTABLISHED) | B (CALL_CLOSING) | B (CALL_DONE),
  [CALL_OUTGOING] = B (CALL_RINGING) | B (CALL_ESTABLISHED) | B (CALL_CLOSING) | B (CALL_DONE),
  [CALL_RINGING] = B (CALL_ESTABLISHED) | B (CALL_CLOSING) | B (CALL_DONE),
  [CALL_ESTABLISHED] = B (CALL_CLOSING) | B (CALL_DONE),
  [CALL_CLOSING] = B (CALL_DONE),
  [CALL_DONE] = 0,
};
#undef B

typedef struct
{
  StbSip *sip;
  guint id;
  nua_handle_t *nh;
  CallPhase phase;
  gboolean incoming;
  gboolean remote_bye;    /* BYE received */
  gboolean remote_cancel; /* CANCEL received */
  gboolean media_reported;
  guint final_status; /* last final response status seen / sent */
  gchar *final_reason;
  guint auth_tries;
  gchar *sip_call_id;
  gchar *peer;
  gchar *remote_sdp; /* last remote SDP seen (offer or answer) */
} StbSipCall;

struct _StbSip
{
  gchar *user, *domain, *password, *proxy, *bind_host, *aor, *auth, *registrar;
  gchar *sdp_address;   /* advertised in SDP instead of bind_host (NULL: bind_host) */
  gboolean early_media; /* 183 with the SDP answer instead of 180 */
  guint expires;
  StbSipCallbacks cb;
  gpointer user_data;

  GMainContext *context;
  su_home_t home[1];
  su_root_t *root;
  GSource *source;
  nua_t *nua;

  nua_handle_t *reg_nh;
  gboolean want_registered;
  gboolean registered;
  gboolean unregistered; /* un-REGISTER answered (stb_sip_free) */
  gboolean shutdown_done;
  guint reg_auth_tries;
  guint registrations; /* REGISTER 200s so far */
  guint backoff_s;
  guint retry_id;

  GHashTable *calls; /* guint id -> StbSipCall* (owned) */
  guint next_call_id;
  StbMediaEndpoint local;
  gboolean have_local;

  gint wire_pending; /* WireMessage hand-overs queued (atomic) */
  gint64 wire_t_ns;  /* time of the message being delivered */
};

const gchar *
stb_sip_call_state_to_string (StbSipCallState state)
{
  static const gchar *const names[]
      = { "ringing", "established", "cancelled", "ended-remote", "ended-local", "failed" };
  return (guint)state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

/* ---- wire log -> message callback ------------------------------------------------------ */

/* nua runs its stack (and so sofia's transport log) in a thread of its own: the message is
 * timestamped there and handed over to the main loop (STYLE §7); stb_sip_free() drains the
 * hand-overs still queued. */
typedef struct
{
  StbSip *self;
  gboolean tx;
  gchar *what;
  gchar *call_id;
  gint64 t_ns;
} WireMessage;

static void
wire_message_free (gpointer data)
{
  WireMessage *m = data;

  g_atomic_int_dec_and_test (&m->self->wire_pending);
  g_free (m->what);
  g_free (m->call_id);
  g_free (m);
}

static gboolean
deliver_wire_message (gpointer data)
{
  WireMessage *m = data;
  StbSip *self = m->self;

  self->wire_t_ns = m->t_ns;
  if (self->cb.message != NULL)
    self->cb.message (self, m->tx ? "tx" : "rx", m->what, m->call_id, self->user_data);
  self->wire_t_ns = 0;
  return G_SOURCE_REMOVE;
}

static void
on_wire_message (gboolean tx, const gchar *what, const gchar *call_id, gpointer data)
{
  StbSip *self = data;
  WireMessage *m = g_new0 (WireMessage, 1);
  struct timespec ts;
  GSource *source;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  m->self = self;
  m->tx = tx;
  m->what = g_strdup (what);
  m->call_id = g_strdup (call_id);
  m->t_ns = (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
  g_atomic_int_inc (&self->wire_pending);
  /* always through an idle source (g_main_context_invoke would run it right here, in the
   * stack thread, whenever that thread manages to acquire the context) */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_wire_message, m, wire_message_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- calls ------------------------------------------------------------------------------ */

static void
call_free (gpointer data)
{
  StbSipCall *call = data;

  if (call->nh != NULL)
    {
      nua_handle_bind (call->nh, NULL);
      nua_handle_destroy (call->nh);
    }
  g_free (call->final_reason);
  g_free (call->sip_call_id);
  g_free (call->peer);
  g_free (call->remote_sdp);
  g_free (call);
}

static StbSipCall *
call_add (StbSip *self, nua_handle_t *nh, gboolean incoming, CallPhase phase)
{
  StbSipCall *call = g_new0 (StbSipCall, 1);

  call->sip = self;
  call->id = ++self->next_call_id;
  call->nh = nh;
  call->incoming = incoming;
  call->phase = phase;
  nua_handle_bind (nh, call);
  g_hash_table_insert (self->calls, GUINT_TO_POINTER (call->id), call);
  g_debug ("call %u: created (%s)", call->id, phase_names[phase]);
  return call;
}

static StbSipCall *
call_lookup (StbSip *self, guint call_id, GError **error)
{
  StbSipCall *call = g_hash_table_lookup (self->calls, GUINT_TO_POINTER (call_id));

  if (call == NULL || call->phase == CALL_DONE)
    g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NO_CALL, "no call %u at %s@%s", call_id,
                 self->user, self->domain);
  return call != NULL && call->phase != CALL_DONE ? call : NULL;
}

static gboolean
call_set_phase (StbSipCall *call, CallPhase phase, const gchar *reason)
{
  if (call->phase == phase)
    return TRUE;
  if ((phase_allowed[call->phase] & (1u << phase)) == 0)
    {
      g_message ("call %u: illegal transition %s -> %s (%s) ignored", call->id,
                 phase_names[call->phase], phase_names[phase], reason);
      return FALSE;
    }
  g_debug ("call %u: %s -> %s (%s)", call->id, phase_names[call->phase], phase_names[phase],
           reason);
  call->phase = phase;
  return TRUE;
}

static void
call_report (StbSipCall *call, StbSipCallState state, guint status, const gchar *reason)
{
  StbSip *self = call->sip;

  g_debug ("call %u: report %s %u %s", call->id, stb_sip_call_state_to_string (state), status,
           reason ? reason : "");
  if (self->cb.call_state != NULL)
    self->cb.call_state (self, call->id, state, status, reason ? reason : "", self->user_data);
}

static void
call_set_final (StbSipCall *call, guint status, const gchar *reason)
{
  call->final_status = status;
  g_free (call->final_reason);
  call->final_reason = g_strdup (reason);
}

/* The address SDP names for our media. */
static const gchar *
sdp_host (StbSip *self)
{
  return self->sdp_address ? self->sdp_address : self->bind_host;
}

static gchar *
local_sdp (StbSip *self)
{
  return stb_sdp_build (self->have_local ? &self->local : NULL, sdp_host (self));
}

/* ---- registration ----------------------------------------------------------------------- */

static void send_register (StbSip *self);

static gboolean
on_retry_timeout (gpointer data)
{
  StbSip *self = data;

  self->retry_id = 0;
  if (self->want_registered)
    send_register (self);
  return G_SOURCE_REMOVE;
}

static guint
add_timeout (StbSip *self, guint ms, GSourceFunc func)
{
  GSource *src = g_timeout_source_new (ms);
  guint id;

  g_source_set_callback (src, func, self, NULL);
  id = g_source_attach (src, self->context);
  g_source_unref (src);
  return id;
}

static void
schedule_retry (StbSip *self)
{
  if (self->retry_id != 0 || !self->want_registered)
    return;
  g_debug ("re-REGISTER %s at %s in %u s", self->aor, self->proxy, self->backoff_s);
  self->retry_id = add_timeout (self, self->backoff_s * 1000, on_retry_timeout);
  self->backoff_s = MIN (self->backoff_s * 2, BACKOFF_MAX_S);
}

static void
cancel_retry (StbSip *self)
{
  if (self->retry_id != 0)
    {
      GSource *src = g_main_context_find_source_by_id (self->context, self->retry_id);

      if (src != NULL)
        g_source_destroy (src);
      self->retry_id = 0;
    }
}

static void
send_register (StbSip *self)
{
  g_autofree gchar *expires = g_strdup_printf ("%u", self->expires);

  if (self->reg_nh != NULL)
    nua_handle_destroy (self->reg_nh);
  self->reg_auth_tries = 0;
  self->reg_nh = nua_handle (self->nua, NULL, SIPTAG_TO_STR (self->aor), TAG_END ());
  g_debug ("REGISTER %s via %s", self->aor, self->proxy);
  /* Request-URI sip:<domain> (the home network), sent to the outbound proxy */
  nua_register (self->reg_nh, NUTAG_REGISTRAR (self->registrar), SIPTAG_EXPIRES_STR (expires),
                NUTAG_M_USERNAME (self->user),
                NUTAG_OUTBOUND ("no-options-keepalive no-validate no-natify"), TAG_END ());
}

static void
registration_result (StbSip *self, gboolean ok, guint status, const gchar *phrase)
{
  gboolean was = self->registered;

  self->registered = ok;
  if (ok)
    {
      self->registrations++;
      self->backoff_s = BACKOFF_MIN_S;
      self->reg_auth_tries = 0;
      if (!was)
        g_message ("registered %s at %s (%u %s)", self->aor, self->proxy, status, phrase);
    }
  else
    g_message ("registration of %s at %s failed: %u %s", self->aor, self->proxy, status, phrase);
  /* report changes, and every failure while not registered (one per backoff attempt) */
  if ((ok != was || !ok) && self->cb.registration != NULL)
    self->cb.registration (self, ok, status, phrase, self->user_data);
  else if (ok && was && self->cb.refreshed != NULL)
    self->cb.refreshed (self, self->expires, self->user_data);
  if (!ok)
    {
      g_clear_pointer (&self->reg_nh, nua_handle_destroy);
      schedule_retry (self);
    }
}

static void
on_r_register (StbSip *self, nua_handle_t *nh, int status, const char *phrase)
{
  if (nh != self->reg_nh || status < 200)
    return;
  if (status == 401 || status == 407)
    {
      if (self->reg_auth_tries++ < MAX_AUTH_TRIES)
        {
          nua_authenticate (nh, NUTAG_AUTH (self->auth), TAG_END ());
          return;
        }
      registration_result (self, FALSE, (guint)status,
                           "credentials rejected (wrong password or realm?)");
      return;
    }
  registration_result (self, status < 300, (guint)status, phrase);
}

static void
on_r_unregister (StbSip *self, int status, const char *phrase)
{
  if (status < 200)
    return;
  if (status == 401 || status == 407)
    {
      nua_authenticate (self->reg_nh, NUTAG_AUTH (self->auth), TAG_END ());
      return;
    }
  g_debug ("un-REGISTER %s: %d %s", self->aor, status, phrase);
  self->unregistered = TRUE;
  self->registered = FALSE;
}

/* ---- nua events -------------------------------------------------------------------------- */

static gchar *
peer_from_sip (const sip_t *sip)
{
  if (sip == NULL || sip->sip_from == NULL)
    return g_strdup ("");
  return g_strdup_printf ("sip:%s%s%s", sip->sip_from->a_url->url_user ?: "",
                          sip->sip_from->a_url->url_user ? "@" : "",
                          sip->sip_from->a_url->url_host ?: "");
}

static void
on_i_invite (StbSip *self, nua_handle_t *nh, StbSipCall *call, const sip_t *sip)
{
  if (call != NULL)
    return; /* re-INVITE: nua answers it from the current soa session */
  call = call_add (self, nh, TRUE, CALL_INCOMING);
  call->peer = peer_from_sip (sip);
  if (sip != NULL && sip->sip_call_id != NULL)
    call->sip_call_id = g_strdup (sip->sip_call_id->i_id);
  g_message ("call %u: incoming from %s", call->id, call->peer);
  if (self->early_media)
    {
      g_autofree gchar *sdp = local_sdp (self);
      nua_respond (nh, SIP_183_SESSION_PROGRESS, NUTAG_EARLY_ANSWER (1), SOATAG_USER_SDP_STR (sdp),
                   SOATAG_ADDRESS (sdp_host (self)), TAG_END ());
    }
  else
    nua_respond (nh, SIP_180_RINGING, TAG_END ());
  if (self->cb.incoming != NULL)
    self->cb.incoming (self, call->id, call->peer, self->user_data);
}

static void
on_r_invite (StbSip *self, StbSipCall *call, int status, const char *phrase)
{
  if (call == NULL || status < 200)
    return;
  if ((status == 401 || status == 407) && call->auth_tries++ < MAX_AUTH_TRIES)
    {
      nua_authenticate (call->nh, NUTAG_AUTH (self->auth), TAG_END ());
      return;
    }
  call_set_final (call, (guint)status, phrase);
}

static void
report_media (StbSipCall *call, const char *remote_sdp)
{
  StbMediaEndpoint remote;
  g_autoptr (GError) error = NULL;

  if (call->media_reported || remote_sdp == NULL)
    return;
  if (!stb_sdp_parse_remote (remote_sdp, &remote, &error))
    {
      g_message ("call %u: %s", call->id, error->message);
      return;
    }
  call->media_reported = TRUE;
  g_debug ("call %u: remote media %s audio %u/%d video %u/%d", call->id, remote.address,
           remote.audio_port, remote.audio_pt, remote.video_port, remote.video_pt);
  if (call->sip->cb.media != NULL)
    call->sip->cb.media (call->sip, call->id, &remote, call->sip->user_data);
}

static void
call_terminated (StbSipCall *call, int status, const char *phrase)
{
  StbSipCallState state;
  guint st = call->final_status ? call->final_status : (guint)status;
  const gchar *reason = call->final_reason ? call->final_reason : phrase;
  CallPhase was = call->phase;

  if (!call_set_phase (call, CALL_DONE, "terminated"))
    return;
  if (call->remote_cancel && call->incoming)
    state = STB_SIP_CALL_CANCELLED;
  else if (call->remote_bye)
    state = STB_SIP_CALL_ENDED_REMOTE;
  else if (was == CALL_CLOSING)
    state = STB_SIP_CALL_ENDED_LOCAL;
  else if (!call->incoming && was != CALL_ESTABLISHED)
    state = STB_SIP_CALL_FAILED;
  else
    state = STB_SIP_CALL_ENDED_REMOTE; /* e.g. ACK timeout, transport error */
  call_report (call, state, st, reason);
  /* the id is invalid from here on (the module saw the final state in the callback) */
  g_hash_table_remove (call->sip->calls, GUINT_TO_POINTER (call->id));
}

static void
on_i_state (StbSip *self, StbSipCall *call, int status, const char *phrase, tagi_t tags[])
{
  int cs = nua_callstate_init, answer_recv = 0, answer_sent = 0;
  char const *remote_sdp = NULL;

  if (call == NULL)
    return;
  tl_gets (tags, NUTAG_CALLSTATE_REF (cs), NUTAG_ANSWER_RECV_REF (answer_recv),
           NUTAG_ANSWER_SENT_REF (answer_sent), SOATAG_REMOTE_SDP_STR_REF (remote_sdp), TAG_END ());
  g_debug ("call %u: nua state %s (%d %s)", call->id, nua_callstate_name (cs), status, phrase);
  /* nua hands the remote SDP over when it arrives (with the offer for an incoming call);
   * the exchange is complete once an answer is sent or received */
  if (remote_sdp != NULL)
    {
      g_free (call->remote_sdp);
      call->remote_sdp = g_strdup (remote_sdp);
    }
  if ((answer_recv || answer_sent) && cs != nua_callstate_terminated)
    report_media (call, call->remote_sdp);
  switch (cs)
    {
      case nua_callstate_proceeding:
        if (status >= 180 && call->phase == CALL_OUTGOING
            && call_set_phase (call, CALL_RINGING, phrase))
          call_report (call, STB_SIP_CALL_RINGING, (guint)status, phrase);
        break;
      case nua_callstate_ready:
        if (call->phase != CALL_ESTABLISHED && call->phase != CALL_CLOSING
            && call_set_phase (call, CALL_ESTABLISHED, phrase))
          call_report (call, STB_SIP_CALL_ESTABLISHED, 200, phrase);
        break;
      case nua_callstate_terminated:
        call_terminated (call, status, phrase);
        break;
      default:
        break;
    }
}

static void
on_nua_event (nua_event_t event, int status, char const *phrase, nua_t *nua, nua_magic_t *magic,
              nua_handle_t *nh, nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
  StbSip *self = (StbSip *)magic;
  StbSipCall *call = (StbSipCall *)hmagic;

  g_debug ("nua %s %d %s", nua_event_name (event), status, phrase ? phrase : "");
  if (call != NULL && call->sip_call_id == NULL && sip != NULL && sip->sip_call_id != NULL)
    call->sip_call_id = g_strdup (sip->sip_call_id->i_id);
  switch (event)
    {
      case nua_i_invite:
        on_i_invite (self, nh, call, sip);
        break;
      case nua_r_invite:
        on_r_invite (self, call, status, phrase);
        break;
      case nua_i_cancel:
        if (call != NULL)
          call->remote_cancel = TRUE;
        break;
      case nua_i_bye:
        if (call != NULL)
          call->remote_bye = TRUE;
        break;
      case nua_i_state:
        on_i_state (self, call, status, phrase, tags);
        break;
      case nua_r_register:
        on_r_register (self, nh, status, phrase);
        break;
      case nua_r_unregister:
        on_r_unregister (self, status, phrase);
        break;
      case nua_r_shutdown:
        if (status >= 200)
          self->shutdown_done = TRUE;
        break;
      case nua_i_terminated:
        /* no nua_i_state terminated for a handle that never had a call */
        if (call != NULL && call->phase != CALL_DONE)
          call_terminated (call, status, phrase);
        break;
      default:
        if (nh != NULL && call == NULL && nh != self->reg_nh
            && nua_event_is_incoming_request (event))
          nua_handle_destroy (nh); /* e.g. OPTIONS / MESSAGE on a fresh handle: nua answered */
        break;
    }
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static gboolean
on_wait_timeout (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterate our context until @done or @timeout_ms: used only in stb_sip_free. */
static void
iterate_until (StbSip *self, gboolean (*done) (StbSip *), guint timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timer = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timer, on_wait_timeout, &timed_out, NULL);
  g_source_attach (timer, self->context);
  while (!done (self) && !timed_out)
    g_main_context_iteration (self->context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
}

static gboolean
no_calls (StbSip *self)
{
  return g_hash_table_size (self->calls) == 0;
}

static gboolean
unregistered (StbSip *self)
{
  return self->unregistered;
}

static gboolean
shutdown_done (StbSip *self)
{
  return self->shutdown_done;
}

/* Can we bind UDP on @host at all? Checked before nua_create(), whose failure path leaks
 * its half-built stack (sofia 1.12.11) and says nothing about why. */
static gboolean
check_bind_host (StbSip *self, GError **error)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (self->bind_host);
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GError) local_error = NULL;

  if (addr == NULL)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_TRANSPORT,
                   "bind host '%s' is not an IP address (proxy %s)", self->bind_host, self->proxy);
      return FALSE;
    }
  sa = g_inet_socket_address_new (addr, 0);
  sock = g_socket_new (g_inet_address_get_family (addr), G_SOCKET_TYPE_DATAGRAM,
                       G_SOCKET_PROTOCOL_UDP, &local_error);
  if (sock == NULL || !g_socket_bind (sock, sa, FALSE, &local_error))
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_TRANSPORT,
                   "cannot bind SIP/UDP on %s (proxy %s): %s", self->bind_host, self->proxy,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_nua (StbSip *self, GError **error)
{
  g_autofree gchar *url = g_strdup_printf ("sip:%s:*;transport=udp", self->bind_host);
  g_autofree gchar *ua = g_strdup_printf ("stbsim-voip/%s", STBSIM_VERSION);
  g_autofree gchar *sdp = local_sdp (self);

  self->nua
      = nua_create (self->root, on_nua_event, (nua_magic_t *)self, NUTAG_URL (url),
                    NUTAG_PROXY (self->proxy), SIPTAG_FROM_STR (self->aor), NUTAG_USER_AGENT (ua),
                    NUTAG_MEDIA_ENABLE (1), NUTAG_AUTOANSWER (0), NUTAG_AUTOALERT (0),
                    NUTAG_AUTOACK (1), NUTAG_ENABLEINVITE (1), SOATAG_ADDRESS (self->bind_host),
                    SOATAG_USER_SDP_STR (sdp), SOATAG_RTP_SORT (SOA_RTP_SORT_REMOTE),
                    NUTAG_ALLOW ("INVITE, ACK, BYE, CANCEL, OPTIONS"), TPTAG_LOG (1), TAG_END ());
  if (self->nua == NULL)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_TRANSPORT,
                   "cannot create the SIP stack bound to %s (proxy %s): address in use or "
                   "not local?",
                   url, self->proxy);
      return FALSE;
    }
  return TRUE;
}

StbSip *
stb_sip_new (const StbSipConfig *config, const StbSipCallbacks *callbacks, gpointer user_data,
             GError **error)
{
  g_autoptr (StbSip) self = NULL;

  g_return_val_if_fail (config != NULL && config->user != NULL && config->domain != NULL, NULL);
  stb_sip_wire_attach (NULL, NULL); /* su_init() once */

  self = g_new0 (StbSip, 1);
  self->user = g_strdup (config->user);
  self->domain = g_strdup (config->domain);
  self->password = g_strdup (config->password ? config->password : "");
  self->proxy
      = config->proxy ? g_strdup (config->proxy) : g_strdup_printf ("sip:%s", config->domain);
  self->bind_host = g_strdup (config->bind_host ? config->bind_host : "127.0.0.1");
  self->aor = g_strdup_printf ("sip:%s@%s", self->user, self->domain);
  self->registrar = g_strdup_printf ("sip:%s", self->domain);
  self->auth = g_strdup_printf ("Digest:\"%s\":%s:%s", self->domain, self->user, self->password);
  self->expires = config->expires ? config->expires : 300;
  self->backoff_s = BACKOFF_MIN_S;
  if (callbacks != NULL)
    self->cb = *callbacks;
  self->user_data = user_data;
  self->calls = g_hash_table_new_full (NULL, NULL, NULL, call_free);
  self->context = g_main_context_ref_thread_default ();
  su_home_init (self->home);

  self->root = su_glib_root_create (self);
  if (self->root == NULL)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_FAILED, "su_glib_root_create failed");
      return NULL;
    }
  self->source = su_glib_root_gsource (self->root);
  g_source_attach (self->source, self->context);
  stb_sip_wire_attach (on_wire_message, self);
  if (!check_bind_host (self, error) || !create_nua (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* End every call (BYE / CANCEL / 480), bounded. From here on only the `message` callback
 * fires (the BYE and un-REGISTER on the wire are still worth tracing). */
static void
hangup_all (StbSip *self)
{
  g_autofree gpointer *ids = g_hash_table_get_keys_as_array (self->calls, NULL);

  self->cb = (StbSipCallbacks){ .message = self->cb.message };
  for (guint i = 0; ids[i] != NULL; i++)
    stb_sip_hangup (self, GPOINTER_TO_UINT (ids[i]), NULL);
  iterate_until (self, no_calls, HANGUP_WAIT_MS);
  if (!no_calls (self))
    g_message ("%u call(s) of %s did not end within %d ms", g_hash_table_size (self->calls),
               self->aor, HANGUP_WAIT_MS);
  g_hash_table_remove_all (self->calls);
}

static void
shutdown_nua (StbSip *self)
{
  hangup_all (self);
  if (self->registered && self->reg_nh != NULL)
    {
      nua_unregister (self->reg_nh, TAG_END ());
      iterate_until (self, unregistered, UNREGISTER_WAIT_MS);
      if (!self->unregistered)
        g_message ("no answer to un-REGISTER of %s from %s within %d ms", self->aor, self->proxy,
                   UNREGISTER_WAIT_MS);
    }
  g_clear_pointer (&self->reg_nh, nua_handle_destroy);
  nua_shutdown (self->nua);
  iterate_until (self, shutdown_done, SHUTDOWN_WAIT_MS);
  if (self->shutdown_done)
    g_clear_pointer (&self->nua, nua_destroy);
  else
    g_message ("nua_shutdown did not finish within %d ms: leaking the stack", SHUTDOWN_WAIT_MS);
}

static gboolean
wire_drained (StbSip *self)
{
  return g_atomic_int_get (&self->wire_pending) == 0;
}

void
stb_sip_free (StbSip *self)
{
  if (self == NULL)
    return;
  self->want_registered = FALSE;
  cancel_retry (self);
  if (self->nua != NULL)
    shutdown_nua (self);
  stb_sip_wire_detach (self);
  iterate_until (self, wire_drained, WIRE_DRAIN_MS);
  if (!wire_drained (self))
    {
      g_message ("SIP message hand-overs still queued after %d ms: leaking the UA", WIRE_DRAIN_MS);
      return;
    }
  /* detach from the context, then destroy the root: su_glib_root_gsource() returns the
   * port's own GSource without a new reference (1.12.11), the root drops the last one */
  if (self->source != NULL)
    g_source_destroy (self->source);
  if (self->root != NULL)
    su_root_destroy (self->root);
  su_home_deinit (self->home);
  g_hash_table_destroy (self->calls);
  g_main_context_unref (self->context);
  g_free (self->user);
  g_free (self->domain);
  g_free (self->password);
  g_free (self->proxy);
  g_free (self->bind_host);
  g_free (self->sdp_address);
  g_free (self->aor);
  g_free (self->auth);
  g_free (self->registrar);
  g_free (self);
}

/* ---- public API ------------------------------------------------------------------------------ */

void
stb_sip_register (StbSip *self)
{
  g_return_if_fail (self != NULL);
  self->want_registered = TRUE;
  cancel_retry (self);
  send_register (self);
}

gboolean
stb_sip_is_registered (StbSip *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->registered;
}

gint64
stb_sip_get_message_time (StbSip *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->wire_t_ns;
}

guint
stb_sip_get_registrations (StbSip *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->registrations;
}

void
stb_sip_set_sdp_address (StbSip *self, const gchar *address)
{
  g_return_if_fail (self != NULL);
  g_free (self->sdp_address);
  self->sdp_address = g_strdup (address);
}

void
stb_sip_set_early_media (StbSip *self, gboolean early_media)
{
  g_return_if_fail (self != NULL);
  self->early_media = early_media;
}

void
stb_sip_set_local_media (StbSip *self, const StbMediaEndpoint *local)
{
  g_return_if_fail (self != NULL);
  if (local == NULL)
    {
      self->have_local = FALSE;
      return;
    }
  self->local = *local;
  self->have_local = TRUE;
}

const gchar *
stb_sip_get_sip_call_id (StbSip *self, guint call_id)
{
  StbSipCall *call;

  g_return_val_if_fail (self != NULL, NULL);
  call = g_hash_table_lookup (self->calls, GUINT_TO_POINTER (call_id));
  return call ? call->sip_call_id : NULL;
}

guint
stb_sip_call (StbSip *self, const gchar *number, GError **error)
{
  g_autofree gchar *uri = NULL;
  g_autofree gchar *sdp = NULL;
  nua_handle_t *nh;
  StbSipCall *call;

  g_return_val_if_fail (self != NULL && number != NULL && *number, 0);
  if (g_str_has_prefix (number, "sip:") || g_str_has_prefix (number, "sips:"))
    uri = g_strdup (number);
  else
    uri = g_strdup_printf ("sip:%s@%s", number, self->domain);
  nh = nua_handle (self->nua, NULL, SIPTAG_TO_STR (uri), TAG_END ());
  if (nh == NULL)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_FAILED, "cannot create a call to %s", uri);
      return 0;
    }
  call = call_add (self, nh, FALSE, CALL_OUTGOING);
  call->peer = g_strdup (uri);
  sdp = local_sdp (self);
  g_message ("call %u: INVITE %s via %s", call->id, uri, self->proxy);
  nua_invite (nh, SOATAG_USER_SDP_STR (sdp), SOATAG_ADDRESS (sdp_host (self)), TAG_END ());
  return call->id;
}

gboolean
stb_sip_answer (StbSip *self, guint call_id, GError **error)
{
  StbSipCall *call;
  g_autofree gchar *sdp = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  if ((call = call_lookup (self, call_id, error)) == NULL)
    return FALSE;
  if (call->phase != CALL_INCOMING)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NO_CALL,
                   "call %u from %s is %s, not waiting for an answer", call_id, call->peer,
                   phase_names[call->phase]);
      return FALSE;
    }
  sdp = local_sdp (self);
  call_set_phase (call, CALL_ANSWERING, "answer");
  nua_respond (call->nh, SIP_200_OK, SOATAG_USER_SDP_STR (sdp), SOATAG_ADDRESS (sdp_host (self)),
               TAG_END ());
  return TRUE;
}

gboolean
stb_sip_reject (StbSip *self, guint call_id, guint status, GError **error)
{
  return stb_sip_reject_with_reason (self, call_id, status, NULL, error);
}

gboolean
stb_sip_reject_with_reason (StbSip *self, guint call_id, guint status, const gchar *text,
                            GError **error)
{
  StbSipCall *call;
  g_autofree gchar *reason = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (status >= 300 && status < 700, FALSE);
  if ((call = call_lookup (self, call_id, error)) == NULL)
    return FALSE;
  if (call->phase != CALL_INCOMING)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_NO_CALL,
                   "call %u from %s is %s: only a ringing incoming call can be rejected", call_id,
                   call->peer, phase_names[call->phase]);
      return FALSE;
    }
  call_set_phase (call, CALL_CLOSING, "reject");
  call_set_final (call, status, sip_status_phrase ((int)status));
  if (text != NULL)
    reason = g_strdup_printf ("SIP;cause=%u;text=\"%s\"", status, text);
  nua_respond (call->nh, (int)status, sip_status_phrase ((int)status),
               TAG_IF (reason != NULL, SIPTAG_REASON_STR (reason)), TAG_END ());
  return TRUE;
}

gboolean
stb_sip_hangup (StbSip *self, guint call_id, GError **error)
{
  StbSipCall *call;
  CallPhase was;

  g_return_val_if_fail (self != NULL, FALSE);
  if ((call = call_lookup (self, call_id, error)) == NULL)
    return FALSE;
  was = call->phase;
  if (was == CALL_CLOSING)
    return TRUE;
  if (was == CALL_INCOMING)
    return stb_sip_reject (self, call_id, 480, error);
  call_set_phase (call, CALL_CLOSING, "hangup");
  if (was == CALL_OUTGOING || was == CALL_RINGING)
    nua_cancel (call->nh, TAG_END ());
  else
    nua_bye (call->nh, TAG_END ());
  return TRUE;
}
