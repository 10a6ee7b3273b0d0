/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Judgement: turns what the harness observes into timeline events and issues.
 *  - server trace lines (stb-qcopd, sim/qcop/TRACE.md) -> SR_EVENT_QCOP events; every switch
 *    message a module sends is checked passively (decodable, right message type for its
 *    sender, right channel for the layout);
 *  - agent events (STBSim/Events) -> SR_EVENT_AGENT events.
 * Issues are raised by id from the registry (sr-issues.h).
 */

#include "sr-run.h"

G_BEGIN_DECLS

/* One line of the server trace. Unparseable lines are ignored (counted in the log). */
void sr_judge_trace_line (SrRun *run, const gchar *line);
/* One decoded agent event. */
void sr_judge_agent_event (SrRun *run, gint64 t_ns, const gchar *source, const gchar *name,
                           const gchar *details);
G_END_DECLS
