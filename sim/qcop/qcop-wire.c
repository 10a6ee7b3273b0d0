/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop"

#include "qcop-wire.h"

#include <string.h>

/*
 * QWS framing (DESIGN.md §2). Facts from Qt 4.8: qwsutils_qws.h (qws_write_command /
 * qws_read_command: int type, int rawLen (0 when there is none), the fixed struct as raw
 * memory, then the raw part; a reader closes a connection announcing rawLen > 16384),
 * qwscommand_qws_p.h (QWSQCopSendCommand, QWSQCopRegisterChannelCommand, QWSIdentifyCommand:
 * QString lengths in QChars, raw = QString::unicode() bytes, i.e. UTF-16 host order) and
 * qwsevent_qws.h (QWSConnectedEvent, QWSCreationEvent, QWSMaxWindowRectEvent,
 * QWSQCopMessageEvent: channel and message are QString::toLatin1()).
 *
 * The decoder is strict where Qt is sloppy: the lengths in the fixed struct must add up to
 * rawLen exactly, items without a raw part must announce rawLen 0, and strings must not hold
 * U+0000 (our strings are C strings; a channel "a\0b" must not alias "a").
 */

typedef struct
{
  gint32 type;
  gsize struct_size;
  const gchar *name;
} TypeInfo;

/*
 * Every QWSCommand::Type of Qt 4.8 (qwscommand_qws_p.h, enum Type; factory() in
 * qwscommand_qws.cpp) with sizeof its SimpleData on x86_64 (int 4, bool/uchar 1, enum 4,
 * WId 8, padded as the compiler pads the struct). A server must skip the ones it does not act
 * on, never drop the client: every Qt client sends DefineCursor at exit (qcursor_qws.cpp),
 * clients with windows send Region, RegionName, RequestFocus, ... (qwidget_qws.cpp).
 */
static const TypeInfo command_types[] = {
  { QCOP_CMD_CREATE, 4, "Create" },               /* int count */
  { QCOP_CMD_SHUTDOWN, 0, "Shutdown" },           /* QWSCommand(type, 0, 0) */
  { 3, 16, "Region" },                            /* windowid, surfacekeylength, ... 4 ints */
  { 4, 12, "RegionMove" },                        /* windowid, dx, dy */
  { 5, 4, "RegionDestroy" },                      /* windowid */
  { 6, 12, "SetProperty" },                       /* windowid, property, mode */
  { 7, 8, "AddProperty" },                        /* windowid, property */
  { 8, 8, "RemoveProperty" },                     /* windowid, property */
  { 9, 8, "GetProperty" },                        /* windowid, property */
  { 10, 20, "SetSelectionOwner" },                /* windowid, hour, minute, sec, ms */
  { 11, 12, "ConvertSelection" },                 /* requestor, selection, mimeTypes */
  { 12, 8, "RequestFocus" },                      /* windowid, flag */
  { 13, 12, "ChangeAltitude" },                   /* windowid, enum altitude, bool fixed */
  { 14, 8, "SetOpacity" },                        /* windowid, uchar opacity */
  { QCOP_CMD_DEFINE_CURSOR, 20, "DefineCursor" }, /* width, height, hotX, hotY, id */
  { 16, 8, "SelectCursor" },                      /* windowid, id */
  { 17, 8, "PositionCursor" },                    /* newX, newY */
  { 18, 8, "GrabMouse" },                         /* windowid, bool grab */
  { 19, 4, "PlaySound" },                         /* windowid */
  { QCOP_CMD_QCOP_REGISTER_CHANNEL, 4, "QCopRegisterChannel" }, /* chLen */
  { QCOP_CMD_QCOP_SEND, 12, "QCopSend" },                       /* clen, mlen, dlen */
  { 22, 12, "RegionName" },                                     /* windowid, nameLen, captionLen */
  { QCOP_CMD_IDENTIFY, 8, "Identify" },                         /* idLen, idLock */
  { 24, 8, "GrabKeyboard" },                                    /* windowid, bool grab */
  { 25, 16, "RepaintRegion" },  /* windowid, windowFlags, bool, nrectangles */
  { 26, 12, "IMMouse" },        /* windowid, state, index */
  { 27, 12, "IMUpdate" },       /* windowid, type, widgetid */
  { 28, 8, "IMResponse" },      /* windowid, property */
  { 29, 24, "Embed" },          /* WId embedder, WId embedded, type, rects */
  { 30, 4, "Font" },            /* type */
  { 31, 8, "ScreenTransform" }, /* screen, transformation */
};

static const TypeInfo event_types[] = {
  { QCOP_EVENT_CONNECTED, 16, "Connected" },
  { QCOP_EVENT_REGION, 12, "Region" },
  { QCOP_EVENT_CREATION, 8, "Creation" },
  { QCOP_EVENT_MAX_WINDOW_RECT, 20, "MaxWindowRect" },
  { QCOP_EVENT_QCOP_MESSAGE, 16, "QCopMessage" },
};

static const TypeInfo *
lookup_type (const TypeInfo *types, gsize n_types, gint32 type)
{
  for (gsize i = 0; i < n_types; i++)
    if (types[i].type == type)
      return &types[i];
  return NULL;
}

/* ---- small helpers ---------------------------------------------------------------------- */

static void
put_i32 (GByteArray *out, gint32 v)
{
  g_byte_array_append (out, (const guint8 *)&v, sizeof v);
}

static gint32
get_i32 (const guint8 *p)
{
  gint32 v;

  memcpy (&v, p, sizeof v);
  return v;
}

static void
put_header (GByteArray *out, gint32 type, gsize raw_len)
{
  put_i32 (out, type);
  put_i32 (out, (gint32)raw_len);
}

/* UTF-8 -> UTF-16 host order. Returns NULL with QCOP_ERROR_INVALID on bad UTF-8. */
static gunichar2 *
to_utf16 (const gchar *what, const gchar *utf8, glong *n_units, GError **error)
{
  g_autoptr (GError) local = NULL;
  gunichar2 *u = g_utf8_to_utf16 (utf8, -1, NULL, n_units, &local);

  if (u == NULL)
    g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "%s is not valid UTF-8: %s", what,
                 local->message);
  return u;
}

/* UTF-8 -> Latin-1 bytes (as QString::toLatin1 for a Latin-1 string). Fails on code points
 * above U+00FF. (transfer full), NUL-terminated, *len without it. */
static gchar *
to_latin1 (const gchar *what, const gchar *utf8, gsize *len, GError **error)
{
  gsize n;
  gchar *out;
  gsize i = 0;

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "%s is not valid UTF-8", what);
      return NULL;
    }
  n = (gsize)g_utf8_strlen (utf8, -1);
  out = g_malloc (n + 1);
  for (const gchar *p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c > 0xFF)
        {
          g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                       "%s \"%s\" has U+%04X, which is not Latin-1 (QCopMessage events carry "
                       "Latin-1 channel and message names)",
                       what, utf8, c);
          g_free (out);
          return NULL;
        }
      out[i++] = (gchar)c;
    }
  out[i] = '\0';
  *len = i;
  return out;
}

static gboolean
check_raw_size (gsize raw_len, const gchar *what, GError **error)
{
  if (raw_len > QCOP_WIRE_MAX_RAW)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE,
                   "%s: raw part of %" G_GSIZE_FORMAT " bytes exceeds the QWS limit of %d", what,
                   raw_len, QCOP_WIRE_MAX_RAW);
      return FALSE;
    }
  return TRUE;
}

/* strlen of @s when it is all ASCII (U+0001..U+007F), else -1: the names every real channel
 * uses, encoded and decoded without conversions or allocations. */
static gssize
ascii_len (const gchar *s)
{
  const gchar *p = s;

  for (; *p != '\0'; p++)
    if ((guchar)*p >= 0x80)
      return -1;
  return p - s;
}

/* Grow @out by @n bytes and return where they start: one reservation per item, then plain
 * stores (an append per field cost more than the item). */
static guint8 *
reserve (GByteArray *out, gsize n)
{
  guint at = out->len;

  g_byte_array_set_size (out, at + (guint)n);
  return out->data + at;
}

static guint8 *
store_i32 (guint8 *p, gint32 v)
{
  memcpy (p, &v, sizeof v);
  return p + sizeof v;
}

/* @n ASCII bytes of @s as UTF-16 host order at @p. */
static guint8 *
store_ascii_utf16 (guint8 *p, const gchar *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      gunichar2 v = (guchar)s[i];
      memcpy (p + 2 * i, &v, sizeof v);
    }
  return p + 2 * n;
}

/* @n_units QChars at @p as ASCII into @to (NUL-terminated); FALSE (nothing promised about
 * @to) when one is U+0000 or above U+007F. */
static gboolean
utf16_ascii (const guint8 *p, gsize n_units, gchar *to)
{
  for (gsize i = 0; i < n_units; i++)
    {
      gunichar2 u;

      memcpy (&u, p + 2 * i, sizeof u);
      if (u == 0 || u >= 0x80)
        return FALSE;
      to[i] = (gchar)u;
    }
  to[n_units] = '\0';
  return TRUE;
}

/* ---- public: misc ----------------------------------------------------------------------- */

void
qcop_wire_item_clear (QcopWireItem *item)
{
  g_return_if_fail (item != NULL);

  g_free (item->name);
  g_free (item->display_spec);
  g_free (item->channel);
  g_free (item->message);
  g_clear_pointer (&item->data, g_bytes_unref);
  memset (item, 0, sizeof *item);
}

const gchar *
qcop_command_type_to_string (gint32 type)
{
  const TypeInfo *info = lookup_type (command_types, G_N_ELEMENTS (command_types), type);

  return info ? info->name : "unknown";
}

const gchar *
qcop_event_type_to_string (gint32 type)
{
  const TypeInfo *info = lookup_type (event_types, G_N_ELEMENTS (event_types), type);

  return info ? info->name : "unknown";
}

gboolean
qcop_wire_command_is_qcop (gint32 type)
{
  return type == QCOP_CMD_CREATE || type == QCOP_CMD_SHUTDOWN
         || type == QCOP_CMD_QCOP_REGISTER_CHANNEL || type == QCOP_CMD_QCOP_SEND
         || type == QCOP_CMD_IDENTIFY;
}

gchar *
qcop_wire_latin1_lossy (const gchar *utf8)
{
  GString *s;

  g_return_val_if_fail (utf8 != NULL, NULL);

  s = g_string_sized_new (strlen (utf8));
  for (const gchar *p = utf8; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar)-1 || c == (gunichar)-2)
        {
          g_string_append_c (s, '?');
          p++;
          continue;
        }
      if (c <= 0xFF)
        g_string_append_unichar (s, c);
      else if (c > 0xFFFF)
        g_string_append (s, "??"); /* a surrogate pair is two QChars */
      else
        g_string_append_c (s, '?');
      p = g_utf8_next_char (p);
    }
  return g_string_free (s, FALSE);
}

/* ---- public: encoding commands ---------------------------------------------------------- */

void
qcop_wire_encode_create (GByteArray *out, gint32 count)
{
  g_return_if_fail (out != NULL);

  put_header (out, QCOP_CMD_CREATE, 0);
  put_i32 (out, count);
}

void
qcop_wire_encode_shutdown (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, QCOP_CMD_SHUTDOWN, 0);
}

gboolean
qcop_wire_encode_window_command (GByteArray *out, gint32 type, const gint32 *fixed, gsize n_fixed,
                                 const guint8 *raw, gsize raw_len, GError **error)
{
  const TypeInfo *info = lookup_type (command_types, G_N_ELEMENTS (command_types), type);

  g_return_val_if_fail (out != NULL && (fixed != NULL || n_fixed == 0), FALSE);
  g_return_val_if_fail (raw != NULL || raw_len == 0, FALSE);

  if (info == NULL || info->struct_size != n_fixed * 4)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                   "command type %d: %" G_GSIZE_FORMAT
                   " bytes of SimpleData, Qt's is %" G_GSIZE_FORMAT,
                   type, n_fixed * 4, info ? info->struct_size : 0);
      return FALSE;
    }
  if (raw_len > QCOP_WIRE_MAX_RAW)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE,
                   "%s: raw part of %" G_GSIZE_FORMAT " bytes exceeds %d", info->name, raw_len,
                   QCOP_WIRE_MAX_RAW);
      return FALSE;
    }
  put_header (out, type, raw_len);
  for (gsize i = 0; i < n_fixed; i++)
    put_i32 (out, fixed[i]);
  if (raw_len > 0)
    g_byte_array_append (out, raw, (guint)raw_len);
  return TRUE;
}

gboolean
qcop_wire_encode_register_channel (GByteArray *out, const gchar *channel, GError **error)
{
  g_autofree gunichar2 *u = NULL;
  glong n = 0;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (channel != NULL, FALSE);

  u = to_utf16 ("channel", channel, &n, error);
  if (u == NULL || !check_raw_size ((gsize)n * 2, "QCopRegisterChannel", error))
    return FALSE;
  put_header (out, QCOP_CMD_QCOP_REGISTER_CHANNEL, (gsize)n * 2);
  put_i32 (out, (gint32)n);
  g_byte_array_append (out, (const guint8 *)u, (guint)n * 2);
  return TRUE;
}

gboolean
qcop_wire_encode_send (GByteArray *out, const gchar *channel, const gchar *message,
                       const guint8 *data, gsize len, GError **error)
{
  g_autofree gunichar2 *uc = NULL;
  g_autofree gunichar2 *um = NULL;
  glong nc = 0, nm = 0;
  gsize raw;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (channel != NULL && message != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > QCOP_WIRE_MAX_RAW)
    return check_raw_size (len, "QCopSend", error);
  if ((nc = ascii_len (channel)) >= 0 && (nm = ascii_len (message)) >= 0)
    {
      /* the usual case: no UTF-16 conversion, no allocation */
      raw = (gsize)nc * 2 + (gsize)nm * 2 + len;
      if (!check_raw_size (raw, "QCopSend", error))
        return FALSE;
      guint8 *p = reserve (out, QCOP_WIRE_HEADER_SIZE + 12 + raw);

      p = store_i32 (p, QCOP_CMD_QCOP_SEND);
      p = store_i32 (p, (gint32)raw);
      p = store_i32 (p, (gint32)nc);
      p = store_i32 (p, (gint32)nm);
      p = store_i32 (p, (gint32)len);
      p = store_ascii_utf16 (p, channel, (gsize)nc);
      p = store_ascii_utf16 (p, message, (gsize)nm);
      if (len > 0)
        memcpy (p, data, len);
      return TRUE;
    }
  uc = to_utf16 ("channel", channel, &nc, error);
  if (uc == NULL)
    return FALSE;
  um = to_utf16 ("message", message, &nm, error);
  if (um == NULL)
    return FALSE;
  raw = (gsize)nc * 2 + (gsize)nm * 2 + len;
  if (!check_raw_size (raw, "QCopSend", error))
    return FALSE;
  put_header (out, QCOP_CMD_QCOP_SEND, raw);
  put_i32 (out, (gint32)nc);
  put_i32 (out, (gint32)nm);
  put_i32 (out, (gint32)len);
  g_byte_array_append (out, (const guint8 *)uc, (guint)nc * 2);
  g_byte_array_append (out, (const guint8 *)um, (guint)nm * 2);
  if (len > 0)
    g_byte_array_append (out, data, (guint)len);
  return TRUE;
}

gboolean
qcop_wire_encode_identify (GByteArray *out, const gchar *name, gint32 id_lock, GError **error)
{
  g_autofree gunichar2 *u = NULL;
  glong n = 0;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  u = to_utf16 ("application name", name, &n, error);
  if (u == NULL || !check_raw_size ((gsize)n * 2, "Identify", error))
    return FALSE;
  put_header (out, QCOP_CMD_IDENTIFY, (gsize)n * 2);
  put_i32 (out, (gint32)n);
  put_i32 (out, id_lock);
  g_byte_array_append (out, (const guint8 *)u, (guint)n * 2);
  return TRUE;
}

/* ---- public: encoding events ------------------------------------------------------------ */

gboolean
qcop_wire_encode_connected_shm (GByteArray *out, gint32 client_id, gint32 servershmid,
                                const gchar *display_spec, GError **error)
{
  gsize n;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (display_spec != NULL, FALSE);

  n = strlen (display_spec) + 1;
  if (!check_raw_size (n, "Connected", error))
    return FALSE;
  put_header (out, QCOP_EVENT_CONNECTED, n);
  put_i32 (out, 0); /* window */
  put_i32 (out, (gint32)n);
  put_i32 (out, client_id);
  put_i32 (out, servershmid); /* qwsevent_qws.h QWSConnectedEvent; -1: no shared memory */
  g_byte_array_append (out, (const guint8 *)display_spec, (guint)n);
  return TRUE;
}

gboolean
qcop_wire_encode_connected (GByteArray *out, gint32 client_id, const gchar *display_spec,
                            GError **error)
{
  return qcop_wire_encode_connected_shm (out, client_id, -1, display_spec, error);
}

void
qcop_wire_encode_creation (GByteArray *out, gint32 objectid, gint32 count)
{
  g_return_if_fail (out != NULL);

  put_header (out, QCOP_EVENT_CREATION, 0);
  put_i32 (out, objectid);
  put_i32 (out, count);
}

void
qcop_wire_encode_max_window_rect (GByteArray *out, gint32 window, const gint32 rect[4])
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (rect != NULL);

  put_header (out, QCOP_EVENT_MAX_WINDOW_RECT, 0);
  put_i32 (out, window);
  for (guint i = 0; i < 4; i++)
    put_i32 (out, rect[i]);
}

void
qcop_wire_encode_region_event (GByteArray *out, gint32 window, const gint32 *rects, gsize n_rects)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (rects != NULL || n_rects == 0);
  g_return_if_fail (n_rects <= QCOP_WIRE_MAX_RAW / 16);

  put_header (out, QCOP_EVENT_REGION, n_rects * 16);
  put_i32 (out, window);
  put_i32 (out, (gint32)n_rects);
  put_i32 (out, 0); /* type Allocation, in the low byte of a 4-byte bit field */
  if (n_rects > 0)
    g_byte_array_append (out, (const guint8 *)rects, (guint)(n_rects * 16));
}

gboolean
qcop_wire_encode_qcop_message (GByteArray *out, gboolean is_response, const gchar *channel,
                               const gchar *message, const guint8 *data, gsize len, GError **error)
{
  g_autofree gchar *lc = NULL;
  g_autofree gchar *lm = NULL;
  gsize nc = 0, nm = 0, raw;
  gssize ascii_c, ascii_m;
  const gchar *pc, *pm;
  guint8 *p;
  const guint8 flag[4] = { is_response ? 1 : 0, 0, 0, 0 };

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (channel != NULL && message != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len > QCOP_WIRE_MAX_RAW)
    return check_raw_size (len, "QCopMessage", error);
  ascii_c = ascii_len (channel);
  ascii_m = ascii_c >= 0 ? ascii_len (message) : -1;
  if (ascii_m >= 0)
    {
      /* ASCII is Latin-1 as it is: no conversion, no allocation */
      nc = (gsize)ascii_c;
      nm = (gsize)ascii_m;
      pc = channel;
      pm = message;
    }
  else
    {
      pc = lc = to_latin1 ("channel", channel, &nc, error);
      if (lc == NULL)
        return FALSE;
      pm = lm = to_latin1 ("message", message, &nm, error);
      if (lm == NULL)
        return FALSE;
    }
  raw = nc + nm + len;
  if (!check_raw_size (raw, "QCopMessage", error))
    return FALSE;
  p = reserve (out, QCOP_WIRE_HEADER_SIZE + 16 + raw);
  p = store_i32 (p, QCOP_EVENT_QCOP_MESSAGE);
  p = store_i32 (p, (gint32)raw);
  memcpy (p, flag, sizeof flag);
  p = store_i32 (p + sizeof flag, (gint32)nc);
  p = store_i32 (p, (gint32)nm);
  p = store_i32 (p, (gint32)len);
  memcpy (p, pc, nc);
  memcpy (p + nc, pm, nm);
  if (len > 0)
    memcpy (p + nc + nm, data, len);
  return TRUE;
}

/* ---- decoding --------------------------------------------------------------------------- */

static gboolean
check_count (const gchar *what, gint32 count, gsize unit, gsize *total, GError **error)
{
  if (count < 0 || (gsize)count > QCOP_WIRE_MAX_RAW / unit)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PROTOCOL, "%s length %d is out of range", what,
                   count);
      return FALSE;
    }
  *total += (gsize)count * unit;
  return TRUE;
}

static gboolean
check_raw_matches (gint32 type, gsize expected, gsize raw_len, GError **error)
{
  if (expected != raw_len)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PROTOCOL,
                   "item type %d: lengths in the fixed part add up to %" G_GSIZE_FORMAT
                   " bytes but rawLen is %" G_GSIZE_FORMAT,
                   type, expected, raw_len);
      return FALSE;
    }
  return TRUE;
}

/* @n_units QChars of host-order UTF-16 at @p -> UTF-8. Unpaired surrogates and U+0000 are
 * QCOP_ERROR_CORRUPT. */
static gchar *
utf16_to_utf8 (const gchar *what, const guint8 *p, gsize n_units, GError **error)
{
  g_autofree gunichar2 *u = NULL;
  g_autoptr (GError) local = NULL;
  gchar *s = g_malloc (n_units + 1);

  if (utf16_ascii (p, n_units, s))
    return s; /* the usual case */
  g_free (s);
  u = g_new (gunichar2, n_units + 1);
  memcpy (u, p, n_units * 2);
  for (gsize i = 0; i < n_units; i++)
    if (u[i] == 0)
      {
        g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT,
                     "%s holds U+0000 at QChar %" G_GSIZE_FORMAT, what, i);
        return NULL;
      }
  s = g_utf16_to_utf8 (u, (glong)n_units, NULL, NULL, &local);
  if (s == NULL)
    g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT, "%s is not valid UTF-16: %s", what,
                 local->message);
  return s;
}

/* Latin-1 bytes -> UTF-8; NUL bytes are QCOP_ERROR_CORRUPT. */
static gchar *
latin1_to_utf8 (const gchar *what, const guint8 *p, gsize n, GError **error)
{
  gchar *s = g_malloc (2 * n + 1), *o = s;

  for (gsize i = 0; i < n; i++)
    {
      if (p[i] == 0)
        {
          g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT,
                       "%s holds a NUL byte at offset %" G_GSIZE_FORMAT, what, i);
          g_free (s);
          return NULL;
        }
      if (p[i] < 0x80)
        *o++ = (gchar)p[i];
      else
        {
          /* U+0080..U+00FF in UTF-8 */
          *o++ = (gchar)(0xC0 | (p[i] >> 6));
          *o++ = (gchar)(0x80 | (p[i] & 0x3F));
        }
    }
  *o = '\0';
  return s;
}

/* Fields of one command; @f is the fixed struct, @raw the raw part (both complete). */
static gboolean
parse_command (QcopWireItem *item, const guint8 *f, const guint8 *raw, gsize raw_len,
               GError **error)
{
  gsize expected = 0;

  switch (item->type)
    {
      case QCOP_CMD_CREATE:
        item->count = get_i32 (f);
        return check_raw_matches (item->type, 0, raw_len, error);
      case QCOP_CMD_SHUTDOWN:
        return check_raw_matches (item->type, 0, raw_len, error);
      case QCOP_CMD_QCOP_REGISTER_CHANNEL:
        if (!check_count ("QCopRegisterChannel channel", get_i32 (f), 2, &expected, error)
            || !check_raw_matches (item->type, expected, raw_len, error))
          return FALSE;
        item->channel = utf16_to_utf8 ("channel", raw, raw_len / 2, error);
        return item->channel != NULL;
      case QCOP_CMD_QCOP_SEND:
        {
          gint32 clen = get_i32 (f), mlen = get_i32 (f + 4), dlen = get_i32 (f + 8);

          if (!check_count ("QCopSend channel", clen, 2, &expected, error)
              || !check_count ("QCopSend message", mlen, 2, &expected, error)
              || !check_count ("QCopSend data", dlen, 1, &expected, error)
              || !check_raw_matches (item->type, expected, raw_len, error))
            return FALSE;
          item->channel = utf16_to_utf8 ("channel", raw, (gsize)clen, error);
          if (item->channel == NULL)
            return FALSE;
          item->message = utf16_to_utf8 ("message", raw + clen * 2, (gsize)mlen, error);
          if (item->message == NULL)
            return FALSE;
          item->data = g_bytes_new (raw + clen * 2 + mlen * 2, (gsize)dlen);
          return TRUE;
        }
      case QCOP_CMD_IDENTIFY:
        item->id_lock = get_i32 (f + 4);
        if (!check_count ("Identify name", get_i32 (f), 2, &expected, error)
            || !check_raw_matches (item->type, expected, raw_len, error))
          return FALSE;
        item->name = utf16_to_utf8 ("application name", raw, raw_len / 2, error);
        return item->name != NULL;
      default:
        /* a window-system command: kept as bytes for whoever acts on it */
        item->fixed_len = item->wire_size - QCOP_WIRE_HEADER_SIZE - raw_len;
        memcpy (item->fixed, f, item->fixed_len);
        item->data = g_bytes_new (raw, raw_len);
        return TRUE;
    }
  return FALSE;
}

static gboolean
parse_event (QcopWireItem *item, const guint8 *f, const guint8 *raw, gsize raw_len, GError **error)
{
  gsize expected = 0;

  switch (item->type)
    {
      case QCOP_EVENT_CONNECTED:
        item->window = get_i32 (f);
        item->client_id = get_i32 (f + 8);
        item->servershmid = get_i32 (f + 12);
        if (!check_count ("Connected display spec", get_i32 (f + 4), 1, &expected, error)
            || !check_raw_matches (item->type, expected, raw_len, error))
          return FALSE;
        /* display spec up to the first NUL (Qt reads it as a C string) */
        item->display_spec = g_strndup ((const gchar *)raw, raw_len);
        return TRUE;
      case QCOP_EVENT_REGION:
        item->window = get_i32 (f);
        item->count = get_i32 (f + 4);
        if (!check_count ("Region rectangles", item->count, 16, &expected, error)
            || !check_raw_matches (item->type, expected, raw_len, error))
          return FALSE;
        item->data = g_bytes_new (raw, raw_len);
        return TRUE;
      case QCOP_EVENT_CREATION:
        item->objectid = get_i32 (f);
        item->count = get_i32 (f + 4);
        return check_raw_matches (item->type, 0, raw_len, error);
      case QCOP_EVENT_MAX_WINDOW_RECT:
        item->window = get_i32 (f);
        for (guint i = 0; i < 4; i++)
          item->rect[i] = get_i32 (f + 4 + 4 * i);
        return check_raw_matches (item->type, 0, raw_len, error);
      case QCOP_EVENT_QCOP_MESSAGE:
        {
          gint32 lc = get_i32 (f + 4), lm = get_i32 (f + 8), ld = get_i32 (f + 12);

          item->is_response = f[0] != 0; /* bool; the 3 pad bytes may hold anything */
          if (!check_count ("QCopMessage channel", lc, 1, &expected, error)
              || !check_count ("QCopMessage message", lm, 1, &expected, error)
              || !check_count ("QCopMessage data", ld, 1, &expected, error)
              || !check_raw_matches (item->type, expected, raw_len, error))
            return FALSE;
          item->channel = latin1_to_utf8 ("channel", raw, (gsize)lc, error);
          if (item->channel == NULL)
            return FALSE;
          item->message = latin1_to_utf8 ("message", raw + lc, (gsize)lm, error);
          if (item->message == NULL)
            return FALSE;
          item->data = g_bytes_new (raw + lc + lm, (gsize)ld);
          return TRUE;
        }
      default:
        g_assert_not_reached ();
    }
  return FALSE;
}

typedef gboolean (*ParseFunc) (QcopWireItem *item, const guint8 *f, const guint8 *raw,
                               gsize raw_len, GError **error);

static gssize
decode (const TypeInfo *types, gsize n_types, const gchar *kind, ParseFunc parse, const guint8 *buf,
        gsize len, QcopWireItem *item, GError **error)
{
  const TypeInfo *info = NULL;
  gint32 type, raw_len;
  gsize total;

  g_return_val_if_fail (buf != NULL || len == 0, -1);
  g_return_val_if_fail (item != NULL, -1);

  if (len < QCOP_WIRE_HEADER_SIZE)
    return 0;
  type = get_i32 (buf);
  raw_len = get_i32 (buf + 4);
  info = lookup_type (types, n_types, type);
  if (info == NULL)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PROTOCOL, "unknown QWS %s type %d", kind, type);
      return -1;
    }
  if (raw_len < 0 || raw_len > QCOP_WIRE_MAX_RAW)
    {
      g_set_error (error, QCOP_ERROR, raw_len < 0 ? QCOP_ERROR_PROTOCOL : QCOP_ERROR_TOO_LARGE,
                   "QWS %s %s announces a raw part of %d bytes (allowed: 0..%d)", kind,
                   kind[0] == 'c' ? qcop_command_type_to_string (type)
                                  : qcop_event_type_to_string (type),
                   raw_len, QCOP_WIRE_MAX_RAW);
      return -1;
    }
  total = QCOP_WIRE_HEADER_SIZE + info->struct_size + (gsize)raw_len;
  if (len < total)
    return 0;

  memset (item, 0, sizeof *item);
  item->type = type;
  item->wire_size = total;
  if (!parse (item, buf + QCOP_WIRE_HEADER_SIZE, buf + QCOP_WIRE_HEADER_SIZE + info->struct_size,
              (gsize)raw_len, error))
    {
      qcop_wire_item_clear (item);
      return -1;
    }
  return (gssize)total;
}

gssize
qcop_wire_decode_command (const guint8 *buf, gsize len, QcopWireItem *item, GError **error)
{
  return decode (command_types, G_N_ELEMENTS (command_types), "command", parse_command, buf, len,
                 item, error);
}

gssize
qcop_wire_decode_event (const guint8 *buf, gsize len, QcopWireItem *item, GError **error)
{
  return decode (event_types, G_N_ELEMENTS (event_types), "event", parse_event, buf, len, item,
                 error);
}

gssize
qcop_wire_peek_ascii_send (const guint8 *buf, gsize len, gchar *names, QcopWireView *view)
{
  gint32 raw_len, clen, mlen, dlen;
  const guint8 *f, *raw;

  g_return_val_if_fail (buf != NULL || len == 0, 0);
  g_return_val_if_fail (names != NULL && view != NULL, 0);

  if (len < QCOP_WIRE_HEADER_SIZE + 12 || get_i32 (buf) != QCOP_CMD_QCOP_SEND)
    return 0;
  raw_len = get_i32 (buf + 4);
  f = buf + QCOP_WIRE_HEADER_SIZE;
  clen = get_i32 (f);
  mlen = get_i32 (f + 4);
  dlen = get_i32 (f + 8);
  /* the decoder's checks: every count in range and the three adding up to rawLen */
  if (raw_len < 0 || raw_len > QCOP_WIRE_MAX_RAW || clen < 0 || clen > QCOP_WIRE_MAX_RAW / 2
      || mlen < 0 || mlen > QCOP_WIRE_MAX_RAW / 2 || dlen < 0 || dlen > QCOP_WIRE_MAX_RAW
      || (gsize)clen * 2 + (gsize)mlen * 2 + (gsize)dlen != (gsize)raw_len
      || len < QCOP_WIRE_HEADER_SIZE + 12 + (gsize)raw_len)
    return 0;
  raw = f + 12;
  if (!utf16_ascii (raw, (gsize)clen, names)
      || !utf16_ascii (raw + 2 * clen, (gsize)mlen, names + clen + 1))
    return 0;
  view->wire_size = QCOP_WIRE_HEADER_SIZE + 12 + (gsize)raw_len;
  view->is_response = FALSE;
  view->channel = names;
  view->message = names + clen + 1;
  view->data = raw + 2 * clen + 2 * mlen;
  view->len = (gsize)dlen;
  return (gssize)view->wire_size;
}

/* @n Latin-1 bytes at @p into @to (NUL-terminated) when all are ASCII and none is NUL. */
static gboolean
latin1_ascii (const guint8 *p, gsize n, gchar *to)
{
  for (gsize i = 0; i < n; i++)
    {
      if (p[i] == 0 || p[i] >= 0x80)
        return FALSE;
      to[i] = (gchar)p[i];
    }
  to[n] = '\0';
  return TRUE;
}

gssize
qcop_wire_peek_ascii_message (const guint8 *buf, gsize len, gchar *names, QcopWireView *view)
{
  gint32 raw_len, lc, lm, ld;
  const guint8 *f, *raw;

  g_return_val_if_fail (buf != NULL || len == 0, 0);
  g_return_val_if_fail (names != NULL && view != NULL, 0);

  if (len < QCOP_WIRE_HEADER_SIZE + 16 || get_i32 (buf) != QCOP_EVENT_QCOP_MESSAGE)
    return 0;
  raw_len = get_i32 (buf + 4);
  f = buf + QCOP_WIRE_HEADER_SIZE;
  lc = get_i32 (f + 4);
  lm = get_i32 (f + 8);
  ld = get_i32 (f + 12);
  if (raw_len < 0 || raw_len > QCOP_WIRE_MAX_RAW || lc < 0 || lc > QCOP_WIRE_MAX_RAW || lm < 0
      || lm > QCOP_WIRE_MAX_RAW || ld < 0 || ld > QCOP_WIRE_MAX_RAW
      || (gsize)lc + (gsize)lm + (gsize)ld != (gsize)raw_len
      || len < QCOP_WIRE_HEADER_SIZE + 16 + (gsize)raw_len)
    return 0;
  raw = f + 16;
  if (!latin1_ascii (raw, (gsize)lc, names) || !latin1_ascii (raw + lc, (gsize)lm, names + lc + 1))
    return 0;
  view->wire_size = QCOP_WIRE_HEADER_SIZE + 16 + (gsize)raw_len;
  view->is_response = f[0] != 0;
  view->channel = names;
  view->message = names + lc + 1;
  view->data = raw + lc + lm;
  view->len = (gsize)ld;
  return (gssize)view->wire_size;
}
