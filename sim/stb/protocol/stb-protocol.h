/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The service-switching protocol (conformance/SPEC.md, DESIGN.md §3): one QCOP message
 * `switchService(int,int)` whose data is a QDataStream (v12, big-endian) of
 *   qint32 messageType, qint32 parameter [, quint32 sequence [, QString context]]
 * The numeric values and the message name come from a dialect (stb-dialect.h); this unit
 * maps them to the logical StbSwitchType / StbSwitchParam and back.
 */

#include <glib.h>

G_BEGIN_DECLS

#define STB_PROTOCOL_ERROR (stb_protocol_error_quark ())
GQuark stb_protocol_error_quark (void);

typedef enum
{
  STB_PROTOCOL_ERROR_SHORT_DATA,      /* fewer than the 8 bytes of type + parameter */
  STB_PROTOCOL_ERROR_UNKNOWN_TYPE,    /* messageType is neither IPTV->VoIP nor VoIP->IPTV */
  STB_PROTOCOL_ERROR_UNKNOWN_PARAM,   /* parameter not defined for that messageType */
  STB_PROTOCOL_ERROR_UNKNOWN_MESSAGE, /* the QCOP message name is not the dialect's */
  STB_PROTOCOL_ERROR_DIALECT,         /* dialect file missing / malformed (names file:key) */
} StbProtocolError;

/* Logical message types: direction of the message. */
typedef enum
{
  STB_SWITCH_TYPE_IPTV_TO_VOIP,
  STB_SWITCH_TYPE_VOIP_TO_IPTV,
  STB_SWITCH_TYPE_COUNT,
} StbSwitchType;

/* Logical parameters. The first four are VoIP->IPTV, the last two IPTV->VoIP. */
typedef enum
{
  STB_SWITCH_PARAM_BACK_TO_NAV,
  STB_SWITCH_PARAM_STOP_IPTV,
  STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV,
  STB_SWITCH_PARAM_RESUME_IPTV,
  STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE,
  STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
  STB_SWITCH_PARAM_COUNT,
} StbSwitchParam;

/* "iptv_to_voip" / "voip_to_iptv" (the dialect's [types] keys). */
const gchar *stb_switch_type_to_string (StbSwitchType type);
/* "BACK_TO_NAV", ... (the dialect's [params] keys). */
const gchar *stb_switch_param_to_string (StbSwitchParam param);
/* The direction a parameter belongs to (BACK_TO_NAV -> VOIP_TO_IPTV, ...). */
StbSwitchType stb_switch_param_get_type (StbSwitchParam param);
/* Parse a parameter name (case-insensitive); FALSE if unknown. */
gboolean stb_switch_param_from_string (const gchar *name, StbSwitchParam *out);

typedef struct
{
  StbSwitchType type;
  StbSwitchParam param;
  gboolean has_sequence;
  guint32 sequence;
  gchar *context;             /* (nullable) only meaningful when has_sequence */
  gboolean trailer_malformed; /* decode: bytes after the first 8 were not a valid trailer */
  /* As read from the wire (decode only; set even when decoding fails past them). */
  gint32 raw_type;
  gint32 raw_param;
} StbSwitchMessage;

void stb_switch_message_clear (StbSwitchMessage *msg);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StbSwitchMessage, stb_switch_message_clear)

typedef struct _StbDialect StbDialect;

/* Encode @msg with @dialect's numbers. Optional fields are written when has_sequence is set
 * (context NULL is written as a null QString). (transfer full). */
GBytes *stb_protocol_encode (const StbDialect *dialect, const StbSwitchMessage *msg);
/* Shorthand: type derived from @param, no optional fields. */
GBytes *stb_protocol_encode_param (const StbDialect *dialect, StbSwitchParam param);

/*
 * Decode @data (QCOP message data), SPEC §4 checks 2, 3 and 5. Bytes after the first 8 never
 * change the outcome [SW-RX-04]: a trailing quint32 sequence and QString context are parsed
 * when well-formed (trailer_malformed is set otherwise) and anything after them is ignored.
 * Errors (STB_PROTOCOL_ERROR): SHORT_DATA when fewer than 8 bytes, UNKNOWN_TYPE,
 * UNKNOWN_PARAM (for that type; @out->type is then set, so a receiver can apply the
 * not-addressed check 4 first). On error @out->raw_type / raw_param hold what was read
 * (0 if not reached); @out needs stb_switch_message_clear() in every case.
 */
gboolean stb_protocol_decode (const StbDialect *dialect, const guint8 *data, gsize len,
                              StbSwitchMessage *out, GError **error);

/* Short machine-readable reason for an StbProtocolError code: "short-data", "unknown-type",
 * "unknown-param", "unknown-message", "dialect". */
const gchar *stb_protocol_error_reason (gint code);

G_END_DECLS
