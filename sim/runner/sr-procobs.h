/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * An observer of the modules' processes (DESIGN.md §7: observers only append to the
 * timeline): the inet sockets each IPTV module process holds, sampled from /proc while the
 * test runs. A module that says it stopped playback but still holds its stream's UDP socket
 * or RTSP connection is caught by what it holds, not by what it reports (SW-IPTV-05).
 *
 * The processes are the ones the server trace attributed to the IPTV lane (qcop.connect
 * pid=). Each change of a process's counts is one SR_EVENT_MEDIA event `media.sockets`
 * (source iptv, details `pid=P;udp=N;tcp=M`: bound UDP sockets and established TCP
 * connections).
 */

#include <glib.h>

#include "sr-timeline.h"

G_BEGIN_DECLS

typedef struct _SrProcObs SrProcObs;

SrProcObs *sr_proc_obs_new (void);
void sr_proc_obs_free (SrProcObs *obs);
/* Sample (at most every 50 ms) and append the changes to @timeline. */
void sr_proc_obs_poll (SrProcObs *obs, SrTimeline *timeline);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrProcObs, sr_proc_obs_free)

G_END_DECLS
