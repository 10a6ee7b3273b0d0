/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A station: one simulated STB of the test, the thing a scenario stimulates. Each has its own
 * stb-qcopd (socket in a private 0700 directory, its own server trace) with an IPTV and a VoIP
 * module, and the runner's QCOP connection to it (keys and injections go to the modules'
 * agent channels, their agent events come back on STBSim/Events).
 *
 * Station 1 is the STB under test: its components are `server`, `iptv`, `voip`, it registers
 * as SIP user stb1, and its channel is observed by a judge (sr-judge.h): trace lines and agent
 * events become the timeline the checks read. Station 2 (`start, component=stb2`) is a second
 * STB as the far end: components `stb2-server`, `stb2-iptv`, `stb2-voip`, SIP user stb2, its
 * agent events land on the far-end lane as `stb2.<name>`; its switch messages are kept in its
 * trace (tests/<id>/stb2-qcop-trace.jsonl) but not judged (only station 1 is the DUT).
 */

#include "sr-judge.h"
#include "sr-test.h"

G_BEGIN_DECLS

typedef struct _SrStation SrStation;

/* Station @index (1: the STB under test, 2: a far-end STB) of @test. */
SrStation *sr_station_new (SrTest *test, guint index, GError **error);
/* Disconnects and removes the socket directory (the components belong to the test). */
void sr_station_free (SrStation *station);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrStation, sr_station_free)

guint sr_station_index (const SrStation *station);
/* "" for station 1, "stb2-" for station 2: the prefix of its component names. */
const gchar *sr_station_prefix (const SrStation *station);
/* The station of component @name ("voip" -> 1, "stb2-voip" -> 2), and the name without the
 * station's prefix in @base (nullable). 0 when @name is not a station component. */
guint sr_station_of_component (const gchar *name, const gchar **base);
const gchar *sr_station_socket (const SrStation *station);
const gchar *sr_station_trace (const SrStation *station);
const gchar *sr_station_sip_user (const SrStation *station);
const gchar *sr_station_sip_password (const SrStation *station);
/* (nullable) the observer of station 1. */
SrJudge *sr_station_judge (SrStation *station);

/* Station 1 serves a virtual screen (Qt's display N, sr-screen.h) from now on: its server
 * starts with --display N and every module, ours included, connects to that display's
 * socket. Call before the server starts. TRUE at once if it has one. */
gboolean sr_station_want_screen (SrStation *st, GError **error);

/* The Qt display number the station's server serves (`stb-qcopd --display N`, a Qt GUI DUT
 * that names {display}: sr-screen.h), or -1 (a socket in the private directory). */
gint sr_station_display (const SrStation *station);
/* Write the station's virtual screen to tests/<id>/screen-@name.png and record it; nothing
 * (TRUE) when it has no screen. */
gboolean sr_station_snapshot (SrStation *station, const gchar *name, GError **error);

/* Connect to the station's server and register STBSim/Events (confirmed by the server). */
gboolean sr_station_connect (SrStation *station, GError **error);
void sr_station_disconnect (SrStation *station);
gboolean sr_station_connected (const SrStation *station);
/* Pull new server-trace lines into the judge (station 1). */
void sr_station_poll (SrStation *station);

/* Send one QCOP message; flush it with sr_station_flush() (or use sr_station_send_flush). */
gboolean sr_station_send (SrStation *station, const gchar *channel, const gchar *message,
                          const guint8 *data, gsize len, GError **error);
gboolean sr_station_flush (SrStation *station, gint timeout_ms, GError **error);
gboolean sr_station_send_flush (SrStation *station, const gchar *channel, const gchar *message,
                                const guint8 *data, gsize len, GError **error);
/* Is @channel registered at the station's server (a bounded round trip)? */
gboolean sr_station_is_registered (SrStation *station, const gchar *channel);

G_END_DECLS
