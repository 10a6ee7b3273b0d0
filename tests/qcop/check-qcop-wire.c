/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "check-qcop-wire"

/*
 * QWS framing codec (sim/qcop/qcop-wire.c): byte-exact vectors for every command and event,
 * incremental decoding at every split point, malformed input, encoder limits.
 *
 * The vectors are the bytes a little-endian Qt 4.8 writes (QWS uses host byte order); on a
 * big-endian host the vector tests compare against the byte-swapped ints instead.
 */

#include "qcop-wire.h"
#include "stbsim-test.h"

#include <string.h>

/* ---- helpers ---------------------------------------------------------------------------- */

/* Hex to bytes; "|" and spaces are separators for readability. Every 8-hex group marked with
 * a leading 'i' is a host-order int32 written little-endian in the text. */
static GByteArray *
hex (const gchar *text)
{
  GByteArray *out = g_byte_array_new ();
  const gchar *p = text;

  while (*p)
    {
      if (*p == ' ' || *p == '|')
        {
          p++;
          continue;
        }
      if (*p == 'i')
        {
          guint32 v = 0;
          guint8 le[4];

          for (guint i = 0; i < 4; i++)
            le[i] = (guint8)((g_ascii_xdigit_value (p[1 + 2 * i]) << 4)
                             | g_ascii_xdigit_value (p[2 + 2 * i]));
          v = (guint32)le[0] | ((guint32)le[1] << 8) | ((guint32)le[2] << 16)
              | ((guint32)le[3] << 24);
          g_byte_array_append (out, (const guint8 *)&v, 4); /* host order */
          p += 9;
          continue;
        }
      ck_assert_msg (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]), "bad vector at %s", p);
      {
        guint8 b = (guint8)((g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]));
        g_byte_array_append (out, &b, 1);
      }
      p += 2;
    }
  return out;
}

static void
assert_bytes (GByteArray *got, const gchar *expected_text)
{
  g_autoptr (GByteArray) want = hex (expected_text);
  g_autofree gchar *got_hex = NULL;
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < got->len; i++)
    g_string_append_printf (s, "%02x", got->data[i]);
  got_hex = g_string_free (s, FALSE);
  ck_assert_msg (got->len == want->len && memcmp (got->data, want->data, got->len) == 0,
                 "encoding mismatch: got %s, want %s", got_hex, expected_text);
}

/* Decode from an exact-size heap copy so ASan catches any read past the end. */
static gssize
decode_exact (gboolean event, const guint8 *data, gsize len, QcopWireItem *item, GError **error)
{
  g_autofree guint8 *copy = g_memdup2 (data, len);

  return event ? qcop_wire_decode_event (copy, len, item, error)
               : qcop_wire_decode_command (copy, len, item, error);
}

/* Every proper prefix is "need more", the whole buffer decodes. */
static void
assert_decodes_whole (gboolean event, GByteArray *bytes, QcopWireItem *item)
{
  g_autoptr (GError) error = NULL;

  for (gsize k = 0; k < bytes->len; k++)
    {
      QcopWireItem part = { 0 };
      gssize r = decode_exact (event, bytes->data, k, &part, &error);

      ck_assert_msg (r == 0,
                     "prefix of %" G_GSIZE_FORMAT "/%u bytes: got %" G_GSSIZE_FORMAT " (%s)", k,
                     bytes->len, r, error ? error->message : "");
    }
  ck_assert_int_eq (decode_exact (event, bytes->data, bytes->len, item, &error),
                    (gssize)bytes->len);
  ck_assert_msg (error == NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (item->wire_size, bytes->len);
}

static void
assert_data (GBytes *data, const gchar *expected_hex)
{
  g_autoptr (GByteArray) want = hex (expected_hex);
  gsize n = 0;
  const guint8 *p;

  ck_assert_ptr_nonnull (data);
  p = g_bytes_get_data (data, &n);
  ck_assert_uint_eq (n, want->len);
  ck_assert (n == 0 || memcmp (p, want->data, n) == 0);
}

static void
assert_command_error (const gchar *vector, gint code)
{
  g_autoptr (GByteArray) bytes = hex (vector);
  g_autoptr (GError) error = NULL;
  QcopWireItem item = { 0 };

  ck_assert_int_eq (decode_exact (FALSE, bytes->data, bytes->len, &item, &error), -1);
  ck_assert_msg (g_error_matches (error, QCOP_ERROR, code), "%s: got %s", vector,
                 error ? error->message : "no error");
  ck_assert_ptr_null (item.channel);
  ck_assert_ptr_null (item.data);
}

static void
assert_event_error (const gchar *vector, gint code)
{
  g_autoptr (GByteArray) bytes = hex (vector);
  g_autoptr (GError) error = NULL;
  QcopWireItem item = { 0 };

  ck_assert_int_eq (decode_exact (TRUE, bytes->data, bytes->len, &item, &error), -1);
  ck_assert_msg (g_error_matches (error, QCOP_ERROR, code), "%s: got %s", vector,
                 error ? error->message : "no error");
}

/* ---- vectors: commands ------------------------------------------------------------------ */

#define V_CREATE "i01000000 i00000000 | i05000000"
#define V_SHUTDOWN "i02000000 i00000000"
/* QCopRegisterChannel "QPE/A": chLen 5 QChars, raw 10 bytes */
#define V_REGISTER "i14000000 i0a000000 | i05000000 | 5100 5000 4500 2f00 4100"
/* QCopSend "ab", "m()", data 01 02: clen 2, mlen 3, dlen 2, raw 4 + 6 + 2 = 12 */
#define V_SEND                                                                                     \
  "i15000000 i0c000000 | i02000000 i03000000 i02000000 | 6100 6200 | 6d00 2800 2900 | 0102"
/* Identify "app", idLock -1 */
#define V_IDENTIFY "i17000000 i06000000 | i03000000 iffffffff | 6100 7000 7000"

START_TEST (test_encode_commands)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const guint8 data[] = { 1, 2 };

  qcop_wire_encode_create (out, 5);
  assert_bytes (out, V_CREATE);
  g_byte_array_set_size (out, 0);
  qcop_wire_encode_shutdown (out);
  assert_bytes (out, V_SHUTDOWN);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_register_channel (out, "QPE/A", NULL));
  assert_bytes (out, V_REGISTER);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_send (out, "ab", "m()", data, sizeof data, NULL));
  assert_bytes (out, V_SEND);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_identify (out, "app", -1, NULL));
  assert_bytes (out, V_IDENTIFY);
}
END_TEST

START_TEST (test_encode_unicode)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  /* é U+00E9, € U+20AC, 😀 U+1F600 = D83D DE00: QString length counts QChars */
  ck_assert (qcop_wire_encode_register_channel (out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", NULL));
  assert_bytes (out, "i14000000 i08000000 | i04000000 | e900 ac20 3dd8 00de");
  g_byte_array_set_size (out, 0);
  /* the empty channel "" of the internal requests; empty data */
  ck_assert (qcop_wire_encode_send (out, "", "x", NULL, 0, NULL));
  assert_bytes (out, "i15000000 i02000000 | i00000000 i01000000 i00000000 | 7800");
}
END_TEST

/* Window-system commands a real Qt client sends are framed by their SimpleData size
 * (qwscommand_qws_p.h) and skipped whole, raw part included. */
START_TEST (test_decode_other_commands)
{
  struct
  {
    const gchar *vector;
    gint32 type;
    const gchar *name;
  } cases[] = {
    /* DefineCursor, every client at exit: width, height, hotX, hotY, id; no raw part */
    { "i0f000000 i00000000 | i00000000 i00000000 i00000000 i00000000 i01000000", 15,
      "DefineCursor" },
    /* RegionName: windowid, nameLen, captionLen (bytes) + the UTF-16 name "w" */
    { "i16000000 i02000000 | ie9030000 i02000000 i00000000 | 7700", 22, "RegionName" },
    /* ChangeAltitude: int, enum, bool padded to 12 bytes */
    { "i0d000000 i00000000 | ie9030000 i00000000 01000000", 13, "ChangeAltitude" },
    /* Embed: two WIds (8 bytes each), type, rects */
    { "i1d000000 i00000000 | 0000000000000000 0000000000000000 i00000000 i00000000", 29, "Embed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GByteArray) bytes = hex (cases[i].vector);
      QcopWireItem item = { 0 };

      assert_decodes_whole (FALSE, bytes, &item);
      ck_assert_int_eq (item.type, cases[i].type);
      ck_assert_str_eq (qcop_command_type_to_string (item.type), cases[i].name);
      ck_assert (!qcop_wire_command_is_qcop (item.type));
      ck_assert_ptr_null (item.channel);
      qcop_wire_item_clear (&item);
    }
}
END_TEST

START_TEST (test_decode_commands)
{
  struct
  {
    const gchar *vector;
    gint32 type;
  } cases[] = {
    { V_CREATE, QCOP_CMD_CREATE },
    { V_SHUTDOWN, QCOP_CMD_SHUTDOWN },
    { V_REGISTER, QCOP_CMD_QCOP_REGISTER_CHANNEL },
    { V_SEND, QCOP_CMD_QCOP_SEND },
    { V_IDENTIFY, QCOP_CMD_IDENTIFY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GByteArray) bytes = hex (cases[i].vector);
      QcopWireItem item = { 0 };

      assert_decodes_whole (FALSE, bytes, &item);
      ck_assert_int_eq (item.type, cases[i].type);
      switch (item.type)
        {
          case QCOP_CMD_CREATE:
            ck_assert_int_eq (item.count, 5);
            break;
          case QCOP_CMD_QCOP_REGISTER_CHANNEL:
            ck_assert_str_eq (item.channel, "QPE/A");
            break;
          case QCOP_CMD_QCOP_SEND:
            ck_assert_str_eq (item.channel, "ab");
            ck_assert_str_eq (item.message, "m()");
            assert_data (item.data, "0102");
            break;
          case QCOP_CMD_IDENTIFY:
            ck_assert_str_eq (item.name, "app");
            ck_assert_int_eq (item.id_lock, -1);
            break;
          default:
            break;
        }
      qcop_wire_item_clear (&item);
      ck_assert_ptr_null (item.channel);
    }
}
END_TEST

START_TEST (test_decode_unicode_and_empty)
{
  g_autoptr (GByteArray) reg = hex ("i14000000 i08000000 | i04000000 | e900 ac20 3dd8 00de");
  g_autoptr (GByteArray) send = hex ("i15000000 i00000000 | i00000000 i00000000 i00000000");
  QcopWireItem item = { 0 };

  assert_decodes_whole (FALSE, reg, &item);
  ck_assert_str_eq (item.channel, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  qcop_wire_item_clear (&item);
  assert_decodes_whole (FALSE, send, &item);
  ck_assert_str_eq (item.channel, "");
  ck_assert_str_eq (item.message, "");
  assert_data (item.data, "");
  qcop_wire_item_clear (&item);
}
END_TEST

/* ---- vectors: events -------------------------------------------------------------------- */

/* Connected: window 0, len 3, clientId 1000, servershmid -1, ":0\0" */
#define V_CONNECTED "i01000000 i03000000 | i00000000 i03000000 ie8030000 iffffffff | 3a3000"
#define V_CREATION "i06000000 i00000000 | ie9030000 i1e000000"
#define V_MAXRECT "i0c000000 i00000000 | i00000000 | i00000000 i00000000 icf020000 i3f020000"
/* QCopMessage is_response=1 + 3 zero pad, channel "" (0), message "known" (5), data
 * QString("ab") (8): raw 13 */
#define V_MESSAGE                                                                                  \
  "i0d000000 i0d000000 | 01000000 i00000000 i05000000 i08000000 | "                                \
  "6b6e6f776e | 00000004 0061 0062"
/* QCopMessage channel "é/c" Latin-1, message "m()", no data */
#define V_MESSAGE_L1                                                                               \
  "i0d000000 i06000000 | 00000000 i03000000 i03000000 i00000000 | "                                \
  "e92f63 6d2829"

START_TEST (test_encode_events)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const gint32 rect[4] = { 0, 0, 719, 575 };
  const guint8 ab[] = { 0, 0, 0, 4, 0, 0x61, 0, 0x62 };

  ck_assert (qcop_wire_encode_connected (out, 1000, ":0", NULL));
  assert_bytes (out, V_CONNECTED);
  g_byte_array_set_size (out, 0);
  qcop_wire_encode_creation (out, 1001, 30);
  assert_bytes (out, V_CREATION);
  g_byte_array_set_size (out, 0);
  qcop_wire_encode_max_window_rect (out, 0, rect);
  assert_bytes (out, V_MAXRECT);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_qcop_message (out, TRUE, "", "known", ab, sizeof ab, NULL));
  assert_bytes (out, V_MESSAGE);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_qcop_message (out, FALSE, "\xc3\xa9/c", "m()", NULL, 0, NULL));
  assert_bytes (out, V_MESSAGE_L1);
}
END_TEST

START_TEST (test_decode_events)
{
  g_autoptr (GByteArray) connected = hex (V_CONNECTED);
  g_autoptr (GByteArray) creation = hex (V_CREATION);
  g_autoptr (GByteArray) maxrect = hex (V_MAXRECT);
  g_autoptr (GByteArray) message = hex (V_MESSAGE);
  g_autoptr (GByteArray) message_l1 = hex (V_MESSAGE_L1);
  /* a real Qt writes the pad bytes of the bool as whatever was in memory */
  g_autoptr (GByteArray) garbage_pad
      = hex ("i0d000000 i01000000 | 00a5a5a5 i01000000 i00000000 i00000000 | 63");
  QcopWireItem item = { 0 };

  assert_decodes_whole (TRUE, connected, &item);
  ck_assert_int_eq (item.type, QCOP_EVENT_CONNECTED);
  ck_assert_int_eq (item.client_id, 1000);
  ck_assert_int_eq (item.servershmid, -1);
  ck_assert_str_eq (item.display_spec, ":0");
  qcop_wire_item_clear (&item);

  assert_decodes_whole (TRUE, creation, &item);
  ck_assert_int_eq (item.objectid, 1001);
  ck_assert_int_eq (item.count, 30);
  qcop_wire_item_clear (&item);

  assert_decodes_whole (TRUE, maxrect, &item);
  ck_assert_int_eq (item.rect[2], 719);
  ck_assert_int_eq (item.rect[3], 575);
  qcop_wire_item_clear (&item);

  assert_decodes_whole (TRUE, message, &item);
  ck_assert (item.is_response);
  ck_assert_str_eq (item.channel, "");
  ck_assert_str_eq (item.message, "known");
  assert_data (item.data, "00000004 0061 0062");
  qcop_wire_item_clear (&item);

  assert_decodes_whole (TRUE, message_l1, &item);
  ck_assert (!item.is_response);
  ck_assert_str_eq (item.channel, "\xc3\xa9/c");
  assert_data (item.data, "");
  qcop_wire_item_clear (&item);

  assert_decodes_whole (TRUE, garbage_pad, &item);
  ck_assert (!item.is_response);
  ck_assert_str_eq (item.channel, "c");
  qcop_wire_item_clear (&item);
}
END_TEST

/* A stream of every command fed in chunks split at every point decodes to the same items. */
static void
check_stream_split (gboolean event, const gchar *const *vectors, guint n)
{
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GByteArray) v = hex (vectors[i]);
      g_byte_array_append (stream, v->data, v->len);
    }
  for (gsize split = 0; split <= stream->len; split++)
    {
      g_autoptr (GByteArray) acc = g_byte_array_new ();
      guint decoded = 0;
      const gsize chunks[2][2] = { { 0, split }, { split, stream->len } };

      for (guint c = 0; c < 2; c++)
        {
          g_byte_array_append (acc, stream->data + chunks[c][0],
                               (guint)(chunks[c][1] - chunks[c][0]));
          for (;;)
            {
              QcopWireItem item = { 0 };
              g_autoptr (GError) error = NULL;
              gssize r = decode_exact (event, acc->data, acc->len, &item, &error);

              ck_assert_msg (r >= 0, "split %" G_GSIZE_FORMAT ": %s", split,
                             error ? error->message : "");
              if (r == 0)
                break;
              decoded++;
              g_byte_array_remove_range (acc, 0, (guint)r);
              qcop_wire_item_clear (&item);
            }
        }
      ck_assert_uint_eq (decoded, n);
      ck_assert_uint_eq (acc->len, 0);
    }
}

START_TEST (test_stream_every_split)
{
  const gchar *const commands[] = { V_CREATE, V_SHUTDOWN, V_REGISTER, V_SEND, V_IDENTIFY };
  const gchar *const events[] = { V_CONNECTED, V_CREATION, V_MAXRECT, V_MESSAGE, V_MESSAGE_L1 };

  check_stream_split (FALSE, commands, G_N_ELEMENTS (commands));
  check_stream_split (TRUE, events, G_N_ELEMENTS (events));
}
END_TEST

START_TEST (test_round_trip_max)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *data = g_malloc (QCOP_WIRE_MAX_RAW);
  QcopWireItem item = { 0 };
  gsize n = 0;

  for (guint i = 0; i < QCOP_WIRE_MAX_RAW; i++)
    data[i] = (guint8)(i * 7);
  /* channel "c" (2 bytes) + message "m" (2 bytes) + data = exactly the limit */
  ck_assert (qcop_wire_encode_send (out, "c", "m", data, QCOP_WIRE_MAX_RAW - 4, NULL));
  ck_assert_int_eq (decode_exact (FALSE, out->data, out->len, &item, NULL), (gssize)out->len);
  ck_assert (memcmp (g_bytes_get_data (item.data, &n), data, QCOP_WIRE_MAX_RAW - 4) == 0);
  ck_assert_uint_eq (n, QCOP_WIRE_MAX_RAW - 4);
  qcop_wire_item_clear (&item);

  g_byte_array_set_size (out, 0);
  ck_assert (
      qcop_wire_encode_qcop_message (out, FALSE, "c", "m", data, QCOP_WIRE_MAX_RAW - 2, NULL));
  ck_assert_int_eq (decode_exact (TRUE, out->data, out->len, &item, NULL), (gssize)out->len);
  qcop_wire_item_clear (&item);
}
END_TEST

/* ---- errors ----------------------------------------------------------------------------- */

START_TEST (test_encode_limits)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *data = g_malloc0 (QCOP_WIRE_MAX_RAW + 1);
  g_autofree gchar *long_name = g_strnfill (QCOP_WIRE_MAX_RAW / 2 + 1, 'x');
  g_autoptr (GError) error = NULL;

  ck_assert (!qcop_wire_encode_send (out, "c", "m", data, QCOP_WIRE_MAX_RAW - 3, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  ck_assert (!qcop_wire_encode_send (out, "c", "m", data, G_MAXSIZE / 2, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  ck_assert (!qcop_wire_encode_register_channel (out, long_name, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  ck_assert (!qcop_wire_encode_identify (out, long_name, 0, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  ck_assert (
      !qcop_wire_encode_qcop_message (out, FALSE, "c", "m", data, QCOP_WIRE_MAX_RAW - 1, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  ck_assert_uint_eq (out->len, 0); /* nothing appended on failure */
}
END_TEST

START_TEST (test_encode_invalid)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  ck_assert (!qcop_wire_encode_register_channel (out, "bad\xff", &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  g_clear_error (&error);
  ck_assert (!qcop_wire_encode_send (out, "c", "\xc3", NULL, 0, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  g_clear_error (&error);
  /* QCopMessage names are Latin-1 */
  ck_assert (!qcop_wire_encode_qcop_message (out, FALSE, "\xe2\x82\xac", "m", NULL, 0, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  g_clear_error (&error);
  ck_assert_uint_eq (out->len, 0);
}
END_TEST

START_TEST (test_decode_malformed)
{
  /* command types outside Qt 4.8's QWSCommand::Type (Unknown = 0, 32 and up) */
  assert_command_error ("i63000000 i00000000", QCOP_ERROR_PROTOCOL);
  assert_command_error ("i00000000 i00000000", QCOP_ERROR_PROTOCOL);
  assert_command_error ("i20000000 i00000000", QCOP_ERROR_PROTOCOL);
  /* negative rawLen */
  assert_command_error ("i15000000 iffffffff", QCOP_ERROR_PROTOCOL);
  /* rawLen over the limit: refused from the header alone (Qt closes the connection) */
  assert_command_error ("i15000000 i01400000", QCOP_ERROR_TOO_LARGE);
  assert_command_error ("i15000000 iffffff7f", QCOP_ERROR_TOO_LARGE);
  /* QCopSend counts inconsistent with rawLen: too few, too many, negative, overflowing */
  assert_command_error ("i15000000 i04000000 | i01000000 i00000000 i00000000 | 6100 6200",
                        QCOP_ERROR_PROTOCOL);
  assert_command_error ("i15000000 i02000000 | i01000000 i01000000 i00000000 | 6100",
                        QCOP_ERROR_PROTOCOL);
  assert_command_error ("i15000000 i02000000 | iffffffff i02000000 i00000000 | 6100",
                        QCOP_ERROR_PROTOCOL);
  assert_command_error ("i15000000 i02000000 | i01000000 i00000000 iffffffff | 6100",
                        QCOP_ERROR_PROTOCOL);
  assert_command_error ("i15000000 i02000000 | iffffff7f iffffff7f i04000000 | 6100",
                        QCOP_ERROR_PROTOCOL);
  /* register: chLen disagrees with rawLen (odd raw) */
  assert_command_error ("i14000000 i03000000 | i01000000 | 610062", QCOP_ERROR_PROTOCOL);
  /* register: lone surrogate, U+0000 */
  assert_command_error ("i14000000 i02000000 | i01000000 | 00d8", QCOP_ERROR_CORRUPT);
  assert_command_error ("i14000000 i04000000 | i02000000 | 6100 0000", QCOP_ERROR_CORRUPT);
  /* identify: idLen disagrees */
  assert_command_error ("i17000000 i02000000 | i02000000 i00000000 | 6100", QCOP_ERROR_PROTOCOL);
  /* items without a raw part that announce one */
  assert_command_error ("i01000000 i01000000 | i01000000 | 00", QCOP_ERROR_PROTOCOL);
  assert_command_error ("i02000000 i01000000 | 00", QCOP_ERROR_PROTOCOL);

  assert_event_error ("i07000000 i00000000", QCOP_ERROR_PROTOCOL);
  assert_event_error ("i0d000000 i01400000", QCOP_ERROR_TOO_LARGE);
  assert_event_error ("i0d000000 i02000000 | 00000000 i01000000 i01000000 i01000000 | 6162",
                      QCOP_ERROR_PROTOCOL);
  assert_event_error ("i0d000000 i01000000 | 00000000 i01000000 i00000000 i00000000 | 00",
                      QCOP_ERROR_CORRUPT);
  assert_event_error ("i01000000 i02000000 | i00000000 i03000000 i00000000 i00000000 | 3a00",
                      QCOP_ERROR_PROTOCOL);
  assert_event_error ("i06000000 i01000000 | i00000000 i00000000 | 00", QCOP_ERROR_PROTOCOL);
}
END_TEST

START_TEST (test_decode_partial_error_free)
{
  /* a truncated valid header/struct is "need more", never an error */
  g_autoptr (GByteArray) bytes = hex (V_SEND);
  QcopWireItem item = { 0 };

  ck_assert_int_eq (decode_exact (FALSE, bytes->data, 0, &item, NULL), 0);
  ck_assert_int_eq (qcop_wire_decode_command (NULL, 0, &item, NULL), 0);
}
END_TEST

/* The hot paths' in-place readers: the decoder's item for plain ASCII names, 0 for anything
 * else (partial, malformed, non-ASCII, another type), so the caller falls back to it. */
START_TEST (test_peek_in_place)
{
  static gchar names[QCOP_WIRE_NAMES_SIZE];
  g_autoptr (GByteArray) send = hex (V_SEND);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const guint8 data[] = { 1, 2 };
  QcopWireView v;
  QcopWireView m;

  ck_assert_int_eq (qcop_wire_peek_ascii_send (send->data, send->len, names, &v), send->len);
  ck_assert_str_eq (v.channel, "ab");
  ck_assert_str_eq (v.message, "m()");
  ck_assert (v.len == 2 && v.data[0] == 1 && v.data[1] == 2 && v.wire_size == send->len);
  for (guint cut = 0; cut < send->len; cut++)
    ck_assert_int_eq (qcop_wire_peek_ascii_send (send->data, cut, names, &v), 0);
  /* malformed (counts disagree with rawLen), U+0000, non-ASCII, not a QCopSend */
  g_byte_array_unref (send);
  send = hex ("i15000000 i04000000 | i01000000 i00000000 i00000000 | 6100 6200");
  ck_assert_int_eq (qcop_wire_peek_ascii_send (send->data, send->len, names, &v), 0);
  g_byte_array_unref (send);
  send = hex ("i15000000 i02000000 | i01000000 i00000000 i00000000 | 0000");
  ck_assert_int_eq (qcop_wire_peek_ascii_send (send->data, send->len, names, &v), 0);
  ck_assert (qcop_wire_encode_send (out, "caf\xc3\xa9", "m()", data, sizeof data, NULL));
  ck_assert_int_eq (qcop_wire_peek_ascii_send (out->data, out->len, names, &v), 0);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_register_channel (out, "ab", NULL));
  ck_assert_int_eq (qcop_wire_peek_ascii_send (out->data, out->len, names, &v), 0);

  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_qcop_message (out, TRUE, "ab", "m()", data, sizeof data, NULL));
  ck_assert_int_eq (qcop_wire_peek_ascii_message (out->data, out->len, names, &m), out->len);
  ck_assert (m.is_response);
  ck_assert_str_eq (m.channel, "ab");
  ck_assert_str_eq (m.message, "m()");
  ck_assert (m.len == 2 && m.data[0] == 1 && m.data[1] == 2);
  for (guint cut = 0; cut < out->len; cut++)
    ck_assert_int_eq (qcop_wire_peek_ascii_message (out->data, cut, names, &m), 0);
  g_byte_array_set_size (out, 0);
  ck_assert (qcop_wire_encode_qcop_message (out, FALSE, "caf\xc3\xa9", "m()", NULL, 0, NULL));
  ck_assert_int_eq (qcop_wire_peek_ascii_message (out->data, out->len, names, &m), 0);
  g_byte_array_set_size (out, 0);
  qcop_wire_encode_creation (out, 1000, 30);
  ck_assert_int_eq (qcop_wire_peek_ascii_message (out->data, out->len, names, &m), 0);
}
END_TEST

START_TEST (test_latin1_lossy)
{
  g_autofree gchar *a = qcop_wire_latin1_lossy ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  g_autofree gchar *b = qcop_wire_latin1_lossy ("bad\xff");

  ck_assert_str_eq (a, "caf\xc3\xa9 ? ??");
  ck_assert_str_eq (b, "bad?");
}
END_TEST

START_TEST (test_type_names)
{
  ck_assert_str_eq (qcop_command_type_to_string (QCOP_CMD_QCOP_SEND), "QCopSend");
  ck_assert_str_eq (qcop_command_type_to_string (QCOP_CMD_QCOP_REGISTER_CHANNEL),
                    "QCopRegisterChannel");
  ck_assert_str_eq (qcop_event_type_to_string (QCOP_EVENT_QCOP_MESSAGE), "QCopMessage");
  ck_assert_str_eq (qcop_event_type_to_string (QCOP_EVENT_CONNECTED), "Connected");
  ck_assert_str_eq (qcop_event_type_to_string (99), "unknown");
}
END_TEST

static Suite *
wire_suite (void)
{
  Suite *s = suite_create ("qcop-wire");
  TCase *tc;

  tc = tcase_create ("core");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_encode_commands);
  tcase_add_test (tc, test_encode_unicode);
  tcase_add_test (tc, test_decode_commands);
  tcase_add_test (tc, test_decode_other_commands);
  tcase_add_test (tc, test_decode_unicode_and_empty);
  tcase_add_test (tc, test_encode_events);
  tcase_add_test (tc, test_decode_events);
  tcase_add_test (tc, test_stream_every_split);
  tcase_add_test (tc, test_latin1_lossy);
  tcase_add_test (tc, test_peek_in_place);
  tcase_add_test (tc, test_type_names);
  suite_add_tcase (s, tc);

  tc = tcase_create ("limits");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_round_trip_max);
  tcase_add_test (tc, test_encode_limits);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_encode_invalid);
  tcase_add_test (tc, test_decode_malformed);
  tcase_add_test (tc, test_decode_partial_error_free);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (wire_suite ());
}
