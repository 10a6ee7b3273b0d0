/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The merged timeline of a run: server trace (QCOP commands and deliveries), agent events
 * (STBSim/Events), SIP and media events and the runner's own actions, all on one clock
 * (CLOCK_MONOTONIC ns). Written as trace.jsonl, drawn as message sequence charts.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SR_EVENT_RUNNER, /* the runner's actions (key presses, starts, kills) */
  SR_EVENT_QCOP,   /* a message seen at the server */
  SR_EVENT_AGENT,  /* an agent event from a module */
  SR_EVENT_SIP,
  SR_EVENT_MEDIA,
  SR_EVENT_CHANNEL, /* a client's life at the server: connect, identify, register, detach,
                     * disconnect (not drawn in charts; judged by the channel checks) */
} SrEventKind;

typedef struct
{
  gint ref;
  gint64 t_ns;
  SrEventKind kind;
  gchar *source;   /* lane: runner, iptv, voip, server, ims, farend, headend */
  gchar *target;   /* lane it goes to (for arrows), or NULL */
  gchar *name;     /* agent event name, QCOP message name with decoded parameter, SIP method */
  gchar *channel;  /* QCOP channel */
  gchar *details;  /* "key=value;..." */
  gint msg_type;   /* decoded switchService type (0 if none) */
  gint msg_param;  /* decoded parameter (0 if none) */
  gchar *data_hex; /* raw QCOP data */
  gint client;     /* QCOP client id at the server (SR_EVENT_QCOP/CHANNEL), 0 if none */
} SrEvent;

const gchar *sr_event_kind_to_string (SrEventKind kind);
SrEvent *sr_event_new (gint64 t_ns, SrEventKind kind, const gchar *source, const gchar *name);
SrEvent *sr_event_ref (SrEvent *event);
void sr_event_unref (SrEvent *event);
/* Value of @key in "k=v;k2=v2" details, or NULL (transfer full). */
gchar *sr_event_detail (const SrEvent *event, const gchar *key);
/* Does every "k=v" of @match (";"- or ","-separated) appear in the details? NULL/"" = yes. */
gboolean sr_event_matches (const SrEvent *event, const gchar *match);
/* One JSON object, no newline (transfer full). */
gchar *sr_event_to_json (const SrEvent *event);

typedef struct
{
  GPtrArray *events; /* SrEvent*, sorted by t_ns (insertion keeps order) */
} SrTimeline;

SrTimeline *sr_timeline_new (void);
void sr_timeline_free (SrTimeline *timeline);
/* Insert keeping time order (stable for equal times). Takes a reference. */
void sr_timeline_add (SrTimeline *timeline, SrEvent *event);
/* Index of the first event with t_ns >= @t_ns. */
guint sr_timeline_index_at (const SrTimeline *timeline, gint64 t_ns);
/* Events in [from_ns, to_ns) (refs). */
GPtrArray *sr_timeline_slice (const SrTimeline *timeline, gint64 from_ns, gint64 to_ns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrEvent, sr_event_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrTimeline, sr_timeline_free)

G_END_DECLS
