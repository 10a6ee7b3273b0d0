/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The test agent interface (DESIGN.md §4, conformance/SPEC.md): how the runner drives a
 * module and observes it, over QCOP on channels the switching protocol does not use.
 *   input:  STBSim/Agent/IPTV | STBSim/Agent/VoIP, message key(QString) (+ module commands)
 *   output: STBSim/Events, message event(qlonglong,QString,QString,QString) =
 *           (CLOCK_MONOTONIC ns, source "iptv"|"voip", event name, "key=value;..." details)
 */

#include "qcop-client.h"

G_BEGIN_DECLS

#define STB_AGENT_EVENTS_CHANNEL "STBSim/Events"
#define STB_AGENT_IPTV_CHANNEL "STBSim/Agent/IPTV"
#define STB_AGENT_VOIP_CHANNEL "STBSim/Agent/VoIP"
#define STB_AGENT_EVENT_MESSAGE "event(qlonglong,QString,QString,QString)"
#define STB_AGENT_KEY_MESSAGE "key(QString)"

/* ---- payload codecs (no IPC) ------------------------------------------------------------- */

GBytes *stb_agent_encode_event (gint64 t_ns, const gchar *source, const gchar *name,
                                const gchar *details);
gboolean stb_agent_decode_event (GBytes *data, gint64 *t_ns, gchar **source, gchar **name,
                                 gchar **details, GError **error);
GBytes *stb_agent_encode_key (const gchar *key);
gboolean stb_agent_decode_key (GBytes *data, gchar **key, GError **error);
/* Percent-encode '%', ';', '=' and control characters of a details value (SPEC
 * [SW-EVT-02]); NULL gives "". (transfer full) */
gchar *stb_agent_escape (const gchar *value);
/* Value of @key in "k=v;k2=v2" details, percent-decoded (transfer full), NULL if absent. */
gchar *stb_agent_details_get (const gchar *details, const gchar *key);

/* ---- the agent on a connected client ----------------------------------------------------- */

typedef struct _StbAgent StbAgent;

/* A key(QString) arrived on the module's input channel. */
typedef void (*StbAgentKeyFunc) (const gchar *key, gpointer user_data);
/* Any other message on the input channel (module-specific commands, e.g. injectCall). */
typedef void (*StbAgentCommandFunc) (const gchar *message, GBytes *data, gpointer user_data);

/* @source "iptv" / "voip"; @input_channel where keys arrive. Registers the input channel on
 * @client (kept registered across reconnects by the client). (transfer full) */
StbAgent *stb_agent_new (QcopClient *client, const gchar *source, const gchar *input_channel,
                         StbAgentKeyFunc on_key, StbAgentCommandFunc on_command,
                         gpointer user_data);
void stb_agent_free (StbAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbAgent, stb_agent_free)

const gchar *stb_agent_get_source (StbAgent *agent);
/* Emit @name with @details (may be NULL = "") stamped now / at @t_ns. Never fails: when the
 * channel is down the event is logged and dropped (counted). */
void stb_agent_emit (StbAgent *agent, const gchar *name, const gchar *details);
void stb_agent_emit_at (StbAgent *agent, gint64 t_ns, const gchar *name, const gchar *details);
void stb_agent_emitf (StbAgent *agent, const gchar *name, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);
guint64 stb_agent_get_dropped (StbAgent *agent);

G_END_DECLS
