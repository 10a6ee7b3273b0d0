/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SIP observed at the IMS core (SPEC §13: the harness judges what it observes itself).
 *
 * Kamailio (sim/ims/kamailio.cfg.in) writes one "SIPOBS v=3 ..." line to its log for every
 * SIP message it receives (dir=rx) or sends (dir=tx), stamped with CLOCK_REALTIME ($TV(Sn),
 * microseconds). The runner maps those stamps onto CLOCK_MONOTONIC with an offset measured
 * once per test (SrClockMap: both clocks read back to back, the tightest of a few pairs), and
 * turns each line into a timeline event:
 *   name    ims.rx (the IMS core received it) or ims.tx (the IMS core sent it)
 *   lanes   rx: voip|farend -> ims, tx: ims -> voip|farend ("voip" = the STB: the address that
 *           registered the STB's user, or a message whose peer user is the STB's user)
 *   details sip=INVITE|200|...;method=M;cseq=N;reason=...;stb=from|to|none;status=N;
 *           from=U;to=U;callid=...;peer=IP:PORT;sdp=yes|no;caddr=A,B  (";" in values becomes
 *           ","; caddr: the SDP's c= addresses, sr_sip_obs_sdp_addresses())
 * Then judges the SW-SIP requirements from those events alone (works for a DUT without the
 * agent interface): SW-SIP-01 (REGISTER before calls), SW-SIP-02 (the STB's 2xx to an INVITE
 * only after CALLEE_SHOW_VIDEO_PAGE at the server), SW-SIP-04 (reject codes, SPEC §9.8).
 * SW-SIP-03 (180, no early media) and SW-SIP-07 (SDP addresses) are check types over these
 * events (sr-check-sip.c).
 */

#include <glib.h>

#include "sr-test.h"

G_BEGIN_DECLS

typedef enum
{
  SR_SIP_RX, /* the IMS core received it */
  SR_SIP_TX, /* the IMS core sent it */
} SrSipDir;

typedef struct
{
  SrSipDir dir;
  gboolean is_reply;
  gint64 t_real_ns; /* CLOCK_REALTIME of the line */
  gchar *peer;      /* ip:port (source of rx, destination of tx) */
  gchar *method;    /* request method, or the CSeq method of a reply */
  gint status;      /* 0 for requests */
  guint cseq;
  gchar *call_id;
  gchar *from_user;
  gchar *to_user;
  gchar *ruri_user;
  gchar *reason; /* reply reason phrase ("" for requests) */
  gchar *sdp;    /* SDP body of a received message ("" when none; v=3) */
} SrSipObs;

void sr_sip_obs_clear (SrSipObs *obs);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SrSipObs, sr_sip_obs_clear)

typedef enum
{
  SR_SIP_OBS_NONE, /* not an observation line (other Kamailio logging) */
  SR_SIP_OBS_OK,
  SR_SIP_OBS_BAD, /* has the SIPOBS marker but is not exactly the v=3 form: rejected */
} SrSipObsParse;

/* Parse one Kamailio log line (format: sr-sipobs.c, "Line format v=3"). On OK @obs is filled
 * (clear it with sr_sip_obs_clear); otherwise @obs is untouched and, for BAD, @why (nullable,
 * transfer full) says what is wrong. */
SrSipObsParse sr_sip_obs_parse_line (const gchar *line, SrSipObs *obs, gchar **why);
/* sr_sip_obs_parse_line() == SR_SIP_OBS_OK. */
gboolean sr_sip_obs_parse (const gchar *line, SrSipObs *obs);

/* CLOCK_REALTIME -> CLOCK_MONOTONIC. */
typedef struct
{
  gint64 offset_ns; /* realtime - monotonic */
  gint64 error_ns;  /* half the gap between the two monotonic reads around the realtime read */
} SrClockMap;

/* Measure the offset: @samples back-to-back (mono, real, mono) triples, the tightest wins. */
void sr_clock_map_measure (SrClockMap *map, guint samples);
gint64 sr_clock_map_to_mono (const SrClockMap *map, gint64 t_real_ns);

/* Timeline event of one observation (transfer full). @stb_user is the STB's SIP user,
 * @stb_addr (nullable) the address it registered from. */
SrEvent *sr_sip_obs_to_event (const SrSipObs *obs, const SrClockMap *map, const gchar *stb_user,
                              const gchar *stb_addr);

/* The c= connection addresses of @sdp (nullable), each once, ","-joined, "" when none
 * (transfer full). */
gchar *sr_sip_obs_sdp_addresses (const gchar *sdp);

/* ---- per run: tail the log, judge at the end ------------------------------------------- */

typedef struct _SrSipObsTail SrSipObsTail;

/* @log_path: Kamailio's log (stbsim-ims READY log=). */
SrSipObsTail *sr_sip_obs_tail_new (const gchar *log_path, const gchar *stb_user);
void sr_sip_obs_tail_free (SrSipObsTail *tail);
/* Read new lines and add their events to @test's timeline. A line with the SIPOBS marker that
 * does not parse is counted and raises sip::bad-observation (inconclusive: the observation the
 * SW-SIP verdicts rest on is incomplete). */
void sr_sip_obs_tail_poll (SrSipObsTail *tail, SrTest *test);
/* Lines rejected so far. */
guint sr_sip_obs_tail_rejected (SrSipObsTail *tail);
const SrClockMap *sr_sip_obs_tail_clock (SrSipObsTail *tail);
/* Judge the SW-SIP requirements over the events of @test seen so far. Only when the IMS core
 * observed anything. */
void sr_sip_obs_judge (SrTest *test);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrSipObsTail, sr_sip_obs_tail_free)

G_END_DECLS
