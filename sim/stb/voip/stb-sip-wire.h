/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Private to stb-sip.c: every SIP message sofia sends or receives, from its transport log.
 *
 * A tport created with TPTAG_LOG(1) prints each message to sofia's default log as
 *   "send 412 bytes to udp/[127.0.0.1]:5060 at 20:10:12.123456:" (or "recv ... from ...")
 *   "   ------------------------------------------------------------------------"
 *   "   INVITE sip:... SIP/2.0" ... headers ... body ...
 *   "   ------------------------------------------------------------------------"
 * stb_sip_wire_attach() redirects that (process-global) log here; each complete message is
 * handed to the attached sink as (tx?, method or status code, Call-ID), synchronously, as
 * the transport sends or receives it. Other log lines go to g_debug.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef void (*StbSipWireFunc) (gboolean tx, const gchar *what, const gchar *call_id,
                                gpointer data);

/* Make @func the sink (replacing any other; sofia's log is one per process). Calls
 * su_init() once. */
void stb_sip_wire_attach (StbSipWireFunc func, gpointer data);
/* Remove the sink if it is still @data's. */
void stb_sip_wire_detach (gpointer data);

/* The parser itself, exposed for unit tests: feed text as sofia's logger gets it. */
void stb_sip_wire_feed (const gchar *text);

G_END_DECLS
