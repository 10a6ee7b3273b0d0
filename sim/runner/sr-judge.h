/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The observer of one station's channel: turns what the harness observes into timeline
 * events (it raises nothing: the checks, sr-checks.h, judge the events afterwards).
 *  - server trace lines (stb-qcopd, sim/qcop/TRACE.md) -> SR_EVENT_QCOP events for switch
 *    messages, each attributed to the connection it came on (the process the runner started,
 *    by pid or process group; the Identify name only for processes it did not start), and
 *    SR_EVENT_CHANNEL events for each client's life (connect, identify, register, detach,
 *    agent events sent, disconnect);
 *  - agent events (STBSim/Events) -> SR_EVENT_AGENT events.
 */

#include "sr-test.h"

G_BEGIN_DECLS

typedef struct _SrJudge SrJudge;

SrJudge *sr_judge_new (SrTest *test);
void sr_judge_free (SrJudge *judge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrJudge, sr_judge_free)

/* One line of the server trace. Unparseable lines are ignored. */
void sr_judge_trace_line (SrJudge *judge, const gchar *line);
/* One decoded agent event. */
void sr_judge_agent_event (SrJudge *judge, gint64 t_ns, const gchar *source, const gchar *name,
                           const gchar *details);
/* Has the module of @role sent an agent event yet? */
gboolean sr_judge_agent_seen (const SrJudge *judge, StbRole role);

G_END_DECLS
