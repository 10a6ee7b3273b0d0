/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A second simulated STB as the far end (`start, component=stb2`): its own stb-qcopd (own
 * socket, own trace tests/<id>/stb2-qcop-trace.jsonl) with its own stb-iptv and stb-voip; the
 * VoIP module registers as `stb2` (fixtures/subscribers.csv) at the run's Kamailio (or
 * injects without one). The runner is a QCOP client of that second server too: stb2's agent
 * events land in the timeline as `stb2.<name>` (e.g. `stb2.voip.call`, lane `farend`), and
 * keys go to it with `press-key, target=stb2-voip|stb2-iptv`. Components: stb2-server,
 * stb2-iptv, stb2-voip (stopped by PID like all others). In netns mode stb2-voip runs in
 * Kamailio's namespace (the network side), so its SIP and the RTP between the two STBs cross
 * the veth pair. stb2's switch messages are not judged (only stb1 is the DUT).
 */

#include <glib.h>

#include "sr-actions.h"
#include "sr-run.h"

G_BEGIN_DECLS

/* Start stb2-server, connect to it, start stb2-iptv and stb2-voip (each waits for READY);
 * @args (the start action's args=) are extra options of stb2-voip. */
gboolean sr_stb2_start (SrRun *run, const gchar *args, gdouble timeout_s, GError **error);
/* Is @target a key target of stb2 (stb2-voip, stb2-iptv)? */
gboolean sr_stb2_is_target (const gchar *target);
/* press-key, target=stb2-voip|stb2-iptv. */
gboolean sr_stb2_press_key (SrRun *run, const SrAction *action, GError **error);

/* Component argument builders (sr-component.c's table). */
void sr_stb2_server_args (SrRun *run, GPtrArray *argv);
void sr_stb2_iptv_args (SrRun *run, GPtrArray *argv);
void sr_stb2_voip_args (SrRun *run, GPtrArray *argv);
/* Called when the component @name is freed: stb2-server going away drops the connection. */
void sr_stb2_component_gone (const gchar *name);

G_END_DECLS
