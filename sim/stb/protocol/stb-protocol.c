/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-protocol"

#include "stb-protocol.h"
#include "stb-dialect.h"

#include "qcop-datastream.h"

/* clang-format off */
G_DEFINE_QUARK (stb-protocol-error-quark, stb_protocol_error)
/* clang-format on */

static const gchar *const type_names[STB_SWITCH_TYPE_COUNT] = {
  [STB_SWITCH_TYPE_IPTV_TO_VOIP] = "iptv_to_voip",
  [STB_SWITCH_TYPE_VOIP_TO_IPTV] = "voip_to_iptv",
};

static const struct
{
  const gchar *name;
  StbSwitchType type;
} params[STB_SWITCH_PARAM_COUNT] = {
  [STB_SWITCH_PARAM_BACK_TO_NAV] = { "BACK_TO_NAV", STB_SWITCH_TYPE_VOIP_TO_IPTV },
  [STB_SWITCH_PARAM_STOP_IPTV] = { "STOP_IPTV", STB_SWITCH_TYPE_VOIP_TO_IPTV },
  [STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV]
  = { "REJECT_CONTINUE_IPTV", STB_SWITCH_TYPE_VOIP_TO_IPTV },
  [STB_SWITCH_PARAM_RESUME_IPTV] = { "RESUME_IPTV", STB_SWITCH_TYPE_VOIP_TO_IPTV },
  [STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE]
  = { "CALLER_SHOW_VIDEO_PAGE", STB_SWITCH_TYPE_IPTV_TO_VOIP },
  [STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE]
  = { "CALLEE_SHOW_VIDEO_PAGE", STB_SWITCH_TYPE_IPTV_TO_VOIP },
};

const gchar *
stb_switch_type_to_string (StbSwitchType type)
{
  g_return_val_if_fail (type < STB_SWITCH_TYPE_COUNT, "invalid");
  return type_names[type];
}

const gchar *
stb_switch_param_to_string (StbSwitchParam param)
{
  g_return_val_if_fail (param < STB_SWITCH_PARAM_COUNT, "invalid");
  return params[param].name;
}

StbSwitchType
stb_switch_param_get_type (StbSwitchParam param)
{
  g_return_val_if_fail (param < STB_SWITCH_PARAM_COUNT, STB_SWITCH_TYPE_VOIP_TO_IPTV);
  return params[param].type;
}

gboolean
stb_switch_param_from_string (const gchar *name, StbSwitchParam *out)
{
  for (guint i = 0; i < STB_SWITCH_PARAM_COUNT; i++)
    if (g_ascii_strcasecmp (name, params[i].name) == 0)
      {
        *out = (StbSwitchParam)i;
        return TRUE;
      }
  return FALSE;
}

void
stb_switch_message_clear (StbSwitchMessage *msg)
{
  g_clear_pointer (&msg->context, g_free);
}

const gchar *
stb_protocol_error_reason (gint code)
{
  switch ((StbProtocolError)code)
    {
      case STB_PROTOCOL_ERROR_SHORT_DATA:
        return "short-data";
      case STB_PROTOCOL_ERROR_UNKNOWN_TYPE:
        return "unknown-type";
      case STB_PROTOCOL_ERROR_UNKNOWN_PARAM:
        return "unknown-param";
      case STB_PROTOCOL_ERROR_UNKNOWN_MESSAGE:
        return "unknown-message";
      case STB_PROTOCOL_ERROR_DIALECT:
        return "dialect";
    }
  return "unknown";
}

GBytes *
stb_protocol_encode (const StbDialect *dialect, const StbSwitchMessage *msg)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new (16);

  g_return_val_if_fail (dialect != NULL && msg != NULL, NULL);
  qcop_ds_write_int32 (out, stb_dialect_type_value (dialect, msg->type));
  qcop_ds_write_int32 (out, stb_dialect_param_value (dialect, msg->param));
  if (msg->has_sequence)
    {
      qcop_ds_write_uint32 (out, msg->sequence);
      qcop_ds_write_string (out, msg->context);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
stb_protocol_encode_param (const StbDialect *dialect, StbSwitchParam param)
{
  StbSwitchMessage msg = { .type = stb_switch_param_get_type (param), .param = param };

  return stb_protocol_encode (dialect, &msg);
}

/* The optional trailer: never an error [SW-RX-04]. */
static void
decode_trailer (QcopDsReader *reader, StbSwitchMessage *out)
{
  if (qcop_ds_reader_at_end (reader))
    return;
  if (!qcop_ds_read_uint32 (reader, &out->sequence, NULL))
    {
      out->trailer_malformed = TRUE;
      return;
    }
  out->has_sequence = TRUE;
  if (!qcop_ds_reader_at_end (reader) && !qcop_ds_read_string (reader, &out->context, NULL))
    out->trailer_malformed = TRUE;
}

gboolean
stb_protocol_decode (const StbDialect *dialect, const guint8 *data, gsize len,
                     StbSwitchMessage *out, GError **error)
{
  QcopDsReader reader;

  g_return_val_if_fail (dialect != NULL && out != NULL, FALSE);
  *out = (StbSwitchMessage){ 0 };
  if (len < 8)
    {
      g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_SHORT_DATA,
                   "switch message: %" G_GSIZE_FORMAT " bytes of data, need at least 8 "
                   "(qint32 messageType, qint32 parameter)",
                   len);
      return FALSE;
    }
  qcop_ds_reader_init (&reader, data, len);
  if (!qcop_ds_read_int32 (&reader, &out->raw_type, error)
      || !qcop_ds_read_int32 (&reader, &out->raw_param, error))
    return FALSE;
  if (!stb_dialect_lookup_type (dialect, out->raw_type, &out->type))
    {
      g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_UNKNOWN_TYPE,
                   "switch message: unknown messageType %d (dialect %s: %d = iptv_to_voip, "
                   "%d = voip_to_iptv)",
                   out->raw_type, dialect->name, dialect->type_values[0], dialect->type_values[1]);
      return FALSE;
    }
  if (!stb_dialect_lookup_param (dialect, out->type, out->raw_param, &out->param))
    {
      g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_UNKNOWN_PARAM,
                   "switch message: unknown parameter %d for messageType %d (%s)", out->raw_param,
                   out->raw_type, stb_switch_type_to_string (out->type));
      return FALSE;
    }
  decode_trailer (&reader, out);
  return TRUE;
}
