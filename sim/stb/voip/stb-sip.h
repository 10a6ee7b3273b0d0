/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The VoIP module's SIP user agent (sofia-sip nua on the GLib main loop). One registration,
 * at most one active call plus incoming calls that the module is still deciding about.
 * All callbacks run on the main loop. The module (stb-voip) decides WHEN to answer: the UA
 * sends 180 Ringing on its own but never 200 OK until stb_sip_answer().
 */

#include <glib.h>

#include "stb-media-types.h"

G_BEGIN_DECLS

#define STB_SIP_ERROR (stb_sip_error_quark ())
GQuark stb_sip_error_quark (void);

typedef enum
{
  STB_SIP_ERROR_FAILED,    /* generic, message says what */
  STB_SIP_ERROR_NOT_BUILT, /* SIP support unavailable */
  STB_SIP_ERROR_NO_CALL,   /* no call with that id / in that state */
  STB_SIP_ERROR_REGISTRATION,
  STB_SIP_ERROR_TRANSPORT, /* cannot bind / reach the proxy */
} StbSipError;

typedef struct _StbSip StbSip;

typedef struct
{
  const gchar *user;   /* "1001" */
  const gchar *domain; /* "ims.test" */
  const gchar *password;
  const gchar *proxy;      /* outbound proxy / registrar, "sip:127.0.0.1:5060" */
  const gchar *bind_host;  /* local address to bind and put in SDP, "127.0.0.1" */
  guint expires;           /* registration expiry in s (default 300) */
  guint dialog_timeout_ms; /* informational; the module runs the dialog timer */
} StbSipConfig;

typedef enum
{
  STB_SIP_CALL_RINGING,      /* outgoing: 18x received */
  STB_SIP_CALL_ESTABLISHED,  /* 200 OK + ACK done, media negotiated */
  STB_SIP_CALL_CANCELLED,    /* incoming: the caller cancelled before we answered */
  STB_SIP_CALL_ENDED_REMOTE, /* BYE received */
  STB_SIP_CALL_ENDED_LOCAL,  /* our BYE / CANCEL / reject completed */
  STB_SIP_CALL_FAILED,       /* outgoing: final error response (status, reason) */
} StbSipCallState;

const gchar *stb_sip_call_state_to_string (StbSipCallState state);

typedef struct
{
  /* registration result: @ok, @status (e.g. 200, 401, 403, 503, 0 for transport error) */
  void (*registration) (StbSip *sip, gboolean ok, guint status, const gchar *reason,
                        gpointer user_data);
  /* a new incoming INVITE; 180 Ringing is already sent. @peer is the From URI. */
  void (*incoming) (StbSip *sip, guint call_id, const gchar *peer, gpointer user_data);
  void (*call_state) (StbSip *sip, guint call_id, StbSipCallState state, guint status,
                      const gchar *reason, gpointer user_data);
  /* SDP offer/answer complete: where to send media and what was negotiated. */
  void (*media) (StbSip *sip, guint call_id, const StbMediaEndpoint *remote, gpointer user_data);
  /* every SIP message sent / received, for sip.tx / sip.rx agent events:
   * @direction "tx" or "rx", @what method or status code as text, @sip_call_id Call-ID. */
  void (*message) (StbSip *sip, const gchar *direction, const gchar *what, const gchar *sip_call_id,
                   gpointer user_data);
  /* Addition (stb-voip SIP tests): a successful refresh / re-registration while already
   * registered (the `registration` callback does not fire then); @expires as granted. May be
   * NULL. */
  void (*refreshed) (StbSip *sip, guint expires, gpointer user_data);
} StbSipCallbacks;

/* (transfer full) (nullable): NULL with @error when the UA cannot be created. */
StbSip *stb_sip_new (const StbSipConfig *config, const StbSipCallbacks *callbacks,
                     gpointer user_data, GError **error);
/* Sends un-REGISTER when registered, bounded wait, then frees. */
void stb_sip_free (StbSip *sip);

/* Start registering (refreshes and backoff re-registration are automatic). */
void stb_sip_register (StbSip *sip);
gboolean stb_sip_is_registered (StbSip *sip);

/* Local media offer to put in SDP (addresses/ports from the media layer). Used for the next
 * outgoing INVITE and the next answer. */
void stb_sip_set_local_media (StbSip *sip, const StbMediaEndpoint *local);

/* The address to name in SDP (c=, o=) instead of the bind host, e.g. a NAT's public address;
 * NULL: the bind host (the default; SPEC [SW-SIP-07] wants the address the media uses). */
void stb_sip_set_sdp_address (StbSip *sip, const gchar *address);
/* Answer new incoming INVITEs with 183 Session Progress carrying the SDP answer (early media)
 * instead of 180 Ringing (default FALSE; SPEC [SW-SIP-03] forbids it before the answer). */
void stb_sip_set_early_media (StbSip *sip, gboolean early_media);
/* Outgoing call to @number (user part, or full URI). Returns the call id. */
guint stb_sip_call (StbSip *sip, const gchar *number, GError **error);
/* Answer an incoming call with 200 OK. */
gboolean stb_sip_answer (StbSip *sip, guint call_id, GError **error);
/* Reject an incoming call with @status (486, 603, 480). */
gboolean stb_sip_reject (StbSip *sip, guint call_id, guint status, GError **error);
/* BYE an established call, CANCEL an outgoing one that is still ringing. */
gboolean stb_sip_hangup (StbSip *sip, guint call_id, GError **error);

/* Behaviour notes (implementation, sim/stb/voip/stb-sip.c):
 * - registration: fires on every change (unregistered <-> registered) and on every failed
 *   attempt while unregistered (one per backoff retry: 1, 2, 4 .. 30 s). Successful
 *   refreshes (nua refreshes before expiry) do not fire; see stb_sip_get_registrations().
 *   Wrong password: status 403 (the IMS core) or 401 (a second challenge); no registrar
 *   listening: 503 at once (ICMP port unreachable on loopback).
 * - call_state: every call ends with exactly one of CANCELLED, ENDED_REMOTE, ENDED_LOCAL,
 *   FAILED; the call id is invalid after that callback. ENDED_LOCAL after a reject carries
 *   the reject status; after a CANCEL of an outgoing call, 487.
 * - stb_sip_hangup() on an incoming call that was not answered rejects it with 480.
 * - message: reported from inside sofia's transport as the datagram is sent / received
 *   (retransmissions included), so it must not call stb_sip_* functions. Sofia's log is
 *   process-global: only the most recently created StbSip reports messages.
 * - stb_sip_free(): BYE / CANCEL / 480 for live calls (bounded 1 s), un-REGISTER (bounded
 *   1 s), nua shutdown (bounded 2 s). During free only `message` fires. Do not call it from
 *   inside a StbSip callback (it iterates the main context).
 */

/* Additions (stb-sip work): */
/* Number of successful REGISTER transactions so far (initial, refreshes and re-registrations
 * after a failure). The `registration` callback fires only on changes (and on every failed
 * attempt while unregistered); this counter lets a caller see refreshes. */
guint stb_sip_get_registrations (StbSip *sip);
/* SIP Call-ID of call @call_id, or NULL when unknown yet / no such call. (transfer none) */
const gchar *stb_sip_get_sip_call_id (StbSip *sip, guint call_id);

/* Like stb_sip_reject(), with a `Reason: SIP;cause=<status>;text="<text>"` header (SPEC
 * [SW-SIP-04]: 480 "no answer" / "iptv did not release"); @text NULL = none. */
gboolean stb_sip_reject_with_reason (StbSip *sip, guint call_id, guint status, const gchar *text,
                                     GError **error);
/* Inside the `message` callback: CLOCK_MONOTONIC ns at which that message went on / came off
 * the wire (nua's stack thread reports it; the callback itself runs later, on the main loop).
 * 0 outside the callback. */
gint64 stb_sip_get_message_time (StbSip *sip);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbSip, stb_sip_free)
G_END_DECLS
