/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-trace-pcap"

#include "qcop-trace-pcap.h"

#include "qcop-error.h"
#include "qcop-wire.h"
#include "stbsim-proc.h"

#include <json-glib/json-glib.h>

#include <string.h>
#include <time.h>

/* pcapng block types and options (draft-ietf-opsawg-pcapng) */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define OPT_END 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_DESCRIPTION 3
#define OPT_IF_TSRESOL 9

/* ---- pcapng writing (host byte order, as the SHB's byte-order magic says) ---- */

static void
put_u16 (GByteArray *b, guint16 v)
{
  g_byte_array_append (b, (const guint8 *)&v, 2);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  g_byte_array_append (b, (const guint8 *)&v, 4);
}

static void
pad4 (GByteArray *b)
{
  static const guint8 zero[4] = { 0 };

  g_byte_array_append (b, zero, (4 - b->len % 4) % 4);
}

static void
put_option (GByteArray *b, guint16 code, const void *value, guint16 len)
{
  put_u16 (b, code);
  put_u16 (b, len);
  g_byte_array_append (b, value, len);
  pad4 (b);
}

/* Wrap @body (block contents after the length field) as one block and append it to @out. */
static void
put_block (GByteArray *out, guint32 type, GByteArray *body)
{
  guint32 total = body->len + 12;

  put_u32 (out, type);
  put_u32 (out, total);
  g_byte_array_append (out, body->data, body->len);
  put_u32 (out, total);
}

static void
put_headers (GByteArray *out)
{
  g_autoptr (GByteArray) shb = g_byte_array_new ();
  g_autoptr (GByteArray) idb = g_byte_array_new ();
  const gchar *app = "stbsim qcop-trace2pcap";
  const gchar *desc = "stb-qcopd trace: QWS/QCOP commands and events (tools/wireshark/qcop.lua)";
  const guint8 tsresol = 9; /* 10^-9 s */
  gint64 unknown = -1;

  put_u32 (shb, 0x1A2B3C4Du);
  put_u16 (shb, 1);
  put_u16 (shb, 0);
  g_byte_array_append (shb, (const guint8 *)&unknown, 8);
  put_option (shb, OPT_SHB_USERAPPL, app, (guint16)strlen (app));
  put_u32 (shb, OPT_END);
  put_block (out, BT_SHB, shb);

  put_u16 (idb, QCOP_TRACE_PCAP_LINKTYPE);
  put_u16 (idb, 0);
  put_u32 (idb, 0); /* snaplen: no limit */
  put_option (idb, OPT_IF_NAME, "qcop", 4);
  put_option (idb, OPT_IF_DESCRIPTION, desc, (guint16)strlen (desc));
  put_option (idb, OPT_IF_TSRESOL, &tsresol, 1);
  put_u32 (idb, OPT_END);
  put_block (out, BT_IDB, idb);
}

static void
put_packet (GByteArray *out, guint64 t_ns, const GByteArray *data)
{
  g_autoptr (GByteArray) epb = g_byte_array_new ();

  put_u32 (epb, 0); /* interface 0 */
  put_u32 (epb, (guint32)(t_ns >> 32));
  put_u32 (epb, (guint32)t_ns);
  put_u32 (epb, data->len);
  put_u32 (epb, data->len);
  g_byte_array_append (epb, data->data, data->len);
  pad4 (epb);
  put_block (out, BT_EPB, epb);
}

/* ---- one trace record -> one packet ---- */

static GBytes *
hex_decode (const gchar *hex)
{
  gsize n = strlen (hex);
  g_autofree guint8 *buf = NULL;

  if (n % 2)
    return NULL;
  buf = g_malloc (n / 2 + 1);
  for (gsize i = 0; i < n / 2; i++)
    {
      gint hi = g_ascii_xdigit_value (hex[2 * i]), lo = g_ascii_xdigit_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return NULL;
      buf[i] = (guint8)(hi << 4 | lo);
    }
  return g_bytes_new_take (g_steal_pointer (&buf), n / 2);
}

static const gchar *
member_str (JsonObject *o, const gchar *key)
{
  JsonNode *n = json_object_get_member (o, key);

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

/* The QWS item of a record whose fields the trace holds in full; FALSE: not one of those.
 * @error is set only for a record that claims to be one but is malformed. */
static gboolean
encode_wire (JsonObject *o, const gchar *kind, const gchar *type, GByteArray *wire, GError **error)
{
  const gchar *channel = member_str (o, "channel"), *message = member_str (o, "message");
  const gchar *hex = member_str (o, "data");
  g_autoptr (GBytes) data = NULL;
  gboolean cmd = g_str_equal (kind, "cmd");
  gsize len = 0;
  const guint8 *p;

  if (cmd && g_str_equal (type, "Create"))
    {
      qcop_wire_encode_create (wire,
                               (gint32)json_object_get_int_member_with_default (o, "count", 0));
      return TRUE;
    }
  if (cmd && g_str_equal (type, "Shutdown"))
    {
      qcop_wire_encode_shutdown (wire);
      return TRUE;
    }
  if (cmd && g_str_equal (type, "QCopRegisterChannel"))
    {
      if (channel)
        return qcop_wire_encode_register_channel (wire, channel, error);
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "%s without channel", type);
      return FALSE;
    }
  if (!(cmd && g_str_equal (type, "QCopSend")) && !(!cmd && g_str_equal (type, "QCopMessage")))
    return FALSE;
  if (!channel || !message || !hex || !(data = hex_decode (hex)))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "%s needs channel, message and hex data",
                   type);
      return FALSE;
    }
  p = g_bytes_get_data (data, &len);
  if (cmd)
    return qcop_wire_encode_send (wire, channel, message, p, len, error);
  return qcop_wire_encode_qcop_message (
      wire, json_object_get_boolean_member_with_default (o, "is_response", FALSE), channel, message,
      p, len, error);
}

static GByteArray *
record_packet (JsonObject *o, const gchar *kind, const gchar *line, GError **error)
{
  const gchar *type = member_str (o, "type");
  const gchar *app = member_str (o, "app");
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  GByteArray *pkt = g_byte_array_new ();
  gsize app_len = app ? MIN (strlen (app), 255) : 0;
  guint8 head[4]
      = { QCOP_TRACE_PCAP_VERSION,
          g_str_equal (kind, "cmd") ? QCOP_TRACE_PCAP_KIND_CMD : QCOP_TRACE_PCAP_KIND_EVENT,
          QCOP_TRACE_PCAP_PAYLOAD_QWS, (guint8)app_len };
  guint32 ids[2] = {
    GUINT32_TO_BE ((guint32)json_object_get_int_member_with_default (o, "client", 0)),
    GUINT32_TO_BE ((guint32)json_object_get_int_member_with_default (o, "pid", 0)),
  };
  GError *local = NULL;

  if (!type || !encode_wire (o, kind, type, wire, &local))
    {
      if (local)
        {
          g_propagate_error (error, local);
          g_byte_array_unref (pkt);
          return NULL;
        }
      head[2] = QCOP_TRACE_PCAP_PAYLOAD_JSON;
      g_byte_array_set_size (wire, 0);
      g_byte_array_append (wire, (const guint8 *)line, (guint)strlen (line));
    }
  g_byte_array_append (pkt, head, sizeof head);
  g_byte_array_append (pkt, (const guint8 *)ids, sizeof ids);
  if (app_len)
    g_byte_array_append (pkt, (const guint8 *)app, (guint)app_len);
  g_byte_array_append (pkt, wire->data, wire->len);
  return pkt;
}

/* Parse one line; append its packet to @out if it is a cmd or event. */
static gboolean
export_line (const gchar *line, gint64 offset_ns, GByteArray *out, guint *n, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;
  const gchar *kind;
  g_autoptr (GByteArray) pkt = NULL;
  gint64 t_ns;

  if (!json_parser_load_from_data (parser, line, -1, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "not a JSON object");
      return FALSE;
    }
  o = json_node_get_object (root);
  kind = member_str (o, "kind");
  t_ns = json_object_get_int_member_with_default (o, "t_ns", -1);
  if (!kind || t_ns < 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "no \"kind\" or \"t_ns\"");
      return FALSE;
    }
  if (!g_str_equal (kind, "cmd") && !g_str_equal (kind, "event"))
    return TRUE;
  if (!(pkt = record_packet (o, kind, line, error)))
    return FALSE;
  put_packet (out, (guint64)(t_ns + offset_ns), pkt);
  (*n)++;
  return TRUE;
}

/* ---- public ---- */

gint64
qcop_trace_pcap_clock_offset (void)
{
  return stbsim_realtime_offset_ns (5, NULL);
}

gboolean
qcop_trace_pcap_export (const gchar *trace_path, const gchar *out_path, gint64 offset_ns,
                        guint *n_packets, GError **error)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint n = 0;

  g_return_val_if_fail (trace_path != NULL && out_path != NULL, FALSE);
  if (!g_file_get_contents (trace_path, &text, NULL, error))
    return FALSE;
  put_headers (out);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (GError) local = NULL;
      if (!*g_strstrip (lines[i]))
        continue;
      if (!export_line (lines[i], offset_ns, out, &n, &local))
        {
          g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "%s:%u: %s", trace_path, i + 1,
                       local->message);
          return FALSE;
        }
    }
  if (!g_file_set_contents (out_path, (const gchar *)out->data, out->len, error))
    return FALSE;
  if (n_packets)
    *n_packets = n;
  return TRUE;
}
