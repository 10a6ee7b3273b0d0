/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * QWS (Qt/Embedded 4.8 window-system protocol) framing, the subset QCOP needs. DESIGN.md §2.
 *
 * Every item on the Unix stream socket is
 *     int32 type | int32 rawLen | fixed struct (size implied by type) | rawLen raw bytes
 * in host byte order. rawLen above QCOP_WIRE_MAX_RAW is a protocol violation: Qt's reader
 * closes the connection, and so do ours.
 *
 * Commands (client -> server)          fixed struct            raw part
 *   Create              1              int count               -
 *   Shutdown            2              (none)                  -
 *   QCopRegisterChannel 20             int chLen (QChars)      channel, UTF-16 host order
 *   QCopSend            21             int clen, mlen (QChars) channel UTF-16, message UTF-16,
 *                                      int dlen (bytes)        data
 *   Identify            23             int idLen, int idLock   app name UTF-16 host order
 *   every other QWSCommand::Type (3..31, qwscommand_qws_p.h) is framed with its SimpleData size
 *   (table in qcop-wire.c) and decoded as type + wire_size only; its raw part is skipped.
 * Events (server -> client)
 *   Connected           1              int window, len,        display spec, NUL-terminated
 *                                      clientId, servershmid
 *   Creation            6              int objectid, count     -
 *   Region              5              int window, nrectangles, rects (QRect, 16 bytes each)
 *                                      uint type:8 (Allocation)
 *   MaxWindowRect       12             int window, QRect       -
 *                                      (x1,y1,x2,y2 ints)
 *   QCopMessage         13             bool is_response, 3 pad channel Latin-1, message
 *                                      bytes, int lchannel,    Latin-1, data
 *                                      lmessage, ldata
 */

#include <glib.h>

#include "qcop-error.h"

G_BEGIN_DECLS

#define QCOP_WIRE_MAX_RAW 16384
/* 8-byte header + largest fixed struct (QCopMessage, Connected: 16) + raw. */
#define QCOP_WIRE_HEADER_SIZE 8
/* the largest SimpleData of any QWS command (Embed: two WIds, two ints) */
#define QCOP_WIRE_MAX_FIXED 24

typedef enum
{
  QCOP_CMD_CREATE = 1,
  QCOP_CMD_SHUTDOWN = 2,
  QCOP_CMD_REGION = 3, /* window commands: qwscommand_qws_p.h QWSCommand::Type */
  QCOP_CMD_REGION_MOVE = 4,
  QCOP_CMD_REGION_DESTROY = 5,
  QCOP_CMD_CHANGE_ALTITUDE = 13,
  QCOP_CMD_DEFINE_CURSOR = 15, /* sent by every Qt client at exit (qcursor_qws.cpp) */
  QCOP_CMD_QCOP_REGISTER_CHANNEL = 20,
  QCOP_CMD_QCOP_SEND = 21,
  QCOP_CMD_REGION_NAME = 22,
  QCOP_CMD_IDENTIFY = 23,
  QCOP_CMD_REPAINT_REGION = 25,
} QcopCommandType;

typedef enum
{
  QCOP_EVENT_CONNECTED = 1,
  QCOP_EVENT_REGION = 5,
  QCOP_EVENT_CREATION = 6,
  QCOP_EVENT_MAX_WINDOW_RECT = 12,
  QCOP_EVENT_QCOP_MESSAGE = 13,
} QcopEventType;

/* One decoded command or event. Only the fields of its type are set; the rest are 0/NULL. */
typedef struct
{
  gint32 type;     /* QcopCommandType or QcopEventType, per the decoder used */
  gsize wire_size; /* bytes the item occupied on the wire */
  /* Create: count. Creation: objectid, count. */
  gint32 count;
  gint32 objectid;
  /* Identify: name (app id), id_lock. */
  gint32 id_lock;
  gchar *name;
  /* Connected: window, client_id, servershmid, display_spec. MaxWindowRect: window, rect. */
  gint32 window;
  gint32 client_id;
  gint32 servershmid;
  gchar *display_spec;
  gint32 rect[4];
  /* QCopRegisterChannel: channel. QCopSend: channel, message, data.
   * QCopMessage: is_response, channel, message, data. Strings are UTF-8. */
  gboolean is_response;
  gchar *channel;
  gchar *message;
  GBytes *data;
  /* Any other command (window system): its SimpleData bytes in @fixed (@fixed_len of them)
   * and its raw part in @data. */
  guint8 fixed[QCOP_WIRE_MAX_FIXED];
  gsize fixed_len;
} QcopWireItem;

void qcop_wire_item_clear (QcopWireItem *item);
/* QString::toLatin1() of @utf8 as UTF-8 text: every QChar above U+00FF becomes '?' (a
 * character outside the BMP, two QChars, becomes "??"), invalid bytes too. What a Qt server
 * puts in a QCopMessage for a non-Latin-1 channel or message. (transfer full) */
gchar *qcop_wire_latin1_lossy (const gchar *utf8);
const gchar *qcop_command_type_to_string (gint32 type);
const gchar *qcop_event_type_to_string (gint32 type);
/* Is @type one the QCOP server acts on (Create, Shutdown, Identify, QCop*)? The other
 * window-system commands decode (framing only) and are ignored by the server. */
gboolean qcop_wire_command_is_qcop (gint32 type);

/* ---- encoding: append one item to @out. Fail (nothing appended) with QCOP_ERROR_TOO_LARGE
 * when the raw part would exceed QCOP_WIRE_MAX_RAW, QCOP_ERROR_INVALID on bad arguments
 * (a QCopMessage channel or message that is not Latin-1). ------------------------------------ */

void qcop_wire_encode_create (GByteArray *out, gint32 count);
void qcop_wire_encode_shutdown (GByteArray *out);
/* Any window-system command (Region 3, RegionMove 4, RegionDestroy 5, ChangeAltitude 13,
 * RegionName 22, ...): its SimpleData as @n_fixed ints (a bool or enum member in the low
 * byte of its padded int; n_fixed * 4 must be the type's size), then @raw. */
gboolean qcop_wire_encode_window_command (GByteArray *out, gint32 type, const gint32 *fixed,
                                          gsize n_fixed, const guint8 *raw, gsize raw_len,
                                          GError **error);
gboolean qcop_wire_encode_register_channel (GByteArray *out, const gchar *channel, GError **error);
gboolean qcop_wire_encode_send (GByteArray *out, const gchar *channel, const gchar *message,
                                const guint8 *data, gsize len, GError **error);
gboolean qcop_wire_encode_identify (GByteArray *out, const gchar *name, gint32 id_lock,
                                    GError **error);

gboolean qcop_wire_encode_connected (GByteArray *out, gint32 client_id, const gchar *display_spec,
                                     GError **error);
/* Connected with the id of the server's main shared-memory segment (QWSConnectedEvent
 * servershmid; a Qt 4.8 client attaches it, QWSDisplay::Data::init in qapplication_qws.cpp). */
gboolean qcop_wire_encode_connected_shm (GByteArray *out, gint32 client_id, gint32 servershmid,
                                         const gchar *display_spec, GError **error);
void qcop_wire_encode_creation (GByteArray *out, gint32 objectid, gint32 count);
void qcop_wire_encode_max_window_rect (GByteArray *out, gint32 window, const gint32 rect[4]);
/* QWSRegionEvent (qwsevent_qws.h; QT_QWS_CLIENTBLIT is not set in Qt 4.8 builds): int window,
 * int nrectangles, uint type:8 (0 Allocation); raw = the rectangles as QRect x1,y1,x2,y2. */
void qcop_wire_encode_region_event (GByteArray *out, gint32 window, const gint32 *rects,
                                    gsize n_rects);
gboolean qcop_wire_encode_qcop_message (GByteArray *out, gboolean is_response, const gchar *channel,
                                        const gchar *message, const guint8 *data, gsize len,
                                        GError **error);

/* ---- decoding: try to decode one item at the start of @buf.
 * Returns the number of bytes consumed (> 0) and fills @item; 0 when @buf holds only part of
 * an item (read more and call again); -1 with @error on a protocol violation (unknown type,
 * negative or oversize length, counts that disagree with rawLen, bad UTF-16): the caller drops
 * the connection. The decoder never reads past @len. -------------------------------------- */

gssize qcop_wire_decode_command (const guint8 *buf, gsize len, QcopWireItem *item, GError **error);
gssize qcop_wire_decode_event (const guint8 *buf, gsize len, QcopWireItem *item, GError **error);

/* ---- the hot paths: a QCopSend (server) or QCopMessage (client) read in place ----------- */

/* Bytes @names must hold for qcop_wire_peek_ascii_*(): both names and their NULs. */
#define QCOP_WIRE_NAMES_SIZE (QCOP_WIRE_MAX_RAW + 2)

/* A QCopSend or QCopMessage read in place. */
typedef struct
{
  gsize wire_size;
  gboolean is_response; /* QCopMessage only */
  const gchar *channel; /* in the caller's @names */
  const gchar *message; /* in the caller's @names */
  const guint8 *data;   /* inside the decoded buffer */
  gsize len;
} QcopWireView;

/* If @buf starts with a complete, well-formed QCopSend whose channel and message are ASCII
 * (U+0001..U+007F), fill @view (the names copied, NUL-terminated, into @names of
 * QCOP_WIRE_NAMES_SIZE bytes; the data pointing into @buf) and return the bytes it occupies.
 * Otherwise 0: any other item, a partial one, a malformed one, non-ASCII names; the caller
 * then uses qcop_wire_decode_command(), which gives the same item (and the error, if any).
 * Nothing is allocated. */
gssize qcop_wire_peek_ascii_send (const guint8 *buf, gsize len, gchar *names, QcopWireView *view);

/* The same for a QCopMessage event (the client's hot path): ASCII here means bytes
 * 0x01..0x7F, whose Latin-1 is their UTF-8. */
gssize qcop_wire_peek_ascii_message (const guint8 *buf, gsize len, gchar *names,
                                     QcopWireView *view);

G_END_DECLS
