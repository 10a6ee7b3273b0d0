/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "check-qcop-datastream"

/* Unit tests of sim/qcop/qcop-datastream.c: byte-exact vectors (DESIGN.md §2), round trips,
 * truncation at every byte of every reader path, corrupt and unsupported input, limits.
 * The cross-check against a real Qt is tests/qcop/pyqt-crosscheck.py. */

#include "qcop-datastream.h"
#include "stbsim-test.h"

#include <math.h>
#include <string.h>

static void
assert_hex (GByteArray *out, const gchar *expected)
{
  g_autofree gchar *hex = qcop_ds_to_hex (out->data, out->len);

  ck_assert_str_eq (hex, expected);
}

static GBytes *
hex_bytes (const gchar *hex)
{
  g_autoptr (GError) error = NULL;
  GBytes *b = qcop_ds_from_hex (hex, &error);

  ck_assert_msg (b != NULL, "bad test hex %s: %s", hex, error ? error->message : "");
  return b;
}

/* ---- core: byte-exact writers ------------------------------------------------------------- */

START_TEST (test_write_integers)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  qcop_ds_write_int8 (out, -2);
  qcop_ds_write_int16 (out, -2);
  qcop_ds_write_int32 (out, -2);
  qcop_ds_write_int64 (out, -2);
  assert_hex (out, "fe"
                   "fffe"
                   "fffffffe"
                   "fffffffffffffffe");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_uint8 (out, 0x12);
  qcop_ds_write_uint16 (out, 0x1234);
  qcop_ds_write_uint32 (out, 0x12345678);
  qcop_ds_write_uint64 (out, G_GUINT64_CONSTANT (0x0102030405060708));
  assert_hex (out, "12"
                   "1234"
                   "12345678"
                   "0102030405060708");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_int32 (out, 5);
  qcop_ds_write_int32 (out, G_MININT32);
  qcop_ds_write_int64 (out, G_MAXINT64);
  assert_hex (out, "00000005"
                   "80000000"
                   "7fffffffffffffff");
}
END_TEST

START_TEST (test_write_bool_double_float)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  qcop_ds_write_bool (out, TRUE);
  qcop_ds_write_bool (out, FALSE);
  qcop_ds_write_bool (out, 42); /* any true value is 1 */
  assert_hex (out, "010001");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_double (out, 1.5);
  qcop_ds_write_double (out, -2.0);
  assert_hex (out, "3ff8000000000000"
                   "c000000000000000");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_float (out, 1.5f); /* version 12: double precision, 8 bytes */
  assert_hex (out, "3ff8000000000000");
}
END_TEST

START_TEST (test_write_string)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  qcop_ds_write_string (out, "ab");
  assert_hex (out, "0000000400610062"); /* DESIGN.md example */
  g_byte_array_set_size (out, 0);
  qcop_ds_write_string (out, NULL);
  assert_hex (out, "ffffffff");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_string (out, "");
  assert_hex (out, "00000000");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_string (out, "\xc3\xa9\xe2\x82\xac"); /* é € */
  assert_hex (out, "00000004"
                   "00e9"
                   "20ac");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_string (out, "\xf0\x9d\x84\x9e"); /* U+1D11E: surrogate pair */
  assert_hex (out, "00000004"
                   "d834"
                   "dd1e");
}
END_TEST

START_TEST (test_write_bytes_and_lists)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const gchar *strv[] = { "a", "", NULL };

  qcop_ds_write_bytes (out, (const guint8 *)"\x00\xff", 2);
  qcop_ds_write_bytes (out, NULL, 5);
  qcop_ds_write_bytes (out, (const guint8 *)"", 0);
  assert_hex (out, "0000000200ff"
                   "ffffffff"
                   "00000000");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_string_list (out, strv);
  qcop_ds_write_string_list (out, NULL);
  assert_hex (out, "00000002"
                   "000000020061"
                   "00000000" /* NULL list: */ "00000000");
}
END_TEST

START_TEST (test_write_variants)
{
  static const struct
  {
    const gchar *text;
    const gchar *hex;
  } vectors[] = {
    { "true", "00000001"
              "00"
              "01" },
    { "int32 5", "00000002"
                 "00"
                 "00000005" }, /* DESIGN.md example */
    { "uint32 4000000000", "00000003"
                           "00"
                           "ee6b2800" },
    { "int64 -1", "00000004"
                  "00"
                  "ffffffffffffffff" },
    { "uint64 7", "00000005"
                  "00"
                  "0000000000000007" },
    { "2.5", "00000006"
             "00"
             "4004000000000000" },
    { "'ab'", "0000000a"
              "00"
              "0000000400610062" },
    { "['x']", "0000000b"
               "00"
               "00000001"
               "000000020078" },
    { "[byte 0x72]", "0000000c"
                     "00"
                     "00000001"
                     "72" },
    { "@ay []", "0000000c"
                "00"
                "00000000" },
    { "[<int32 1>, <'a'>]", "00000009"
                            "00"
                            "00000002"
                            "000000020000000001"
                            "0000000a00000000020061" },
    /* Qt 4 writes a QMap from its largest key down. */
    { "{'a': <int32 1>, 'b': <int32 2>}", "00000008"
                                          "00"
                                          "00000002"
                                          "000000020062"
                                          "000000020000000002"
                                          "000000020061"
                                          "000000020000000001" },
    /* UTF-16 code-unit order: 'B' < 'a' < 'aa' < 'é'; a repeated key keeps its last value. */
    { "{'a': <1>, '\xc3\xa9': <3>, 'B': <0>, 'aa': <2>, 'a': <9>}", "00000008"
                                                                    "00"
                                                                    "00000004"
                                                                    "0000000200e9"
                                                                    "000000020000000003"
                                                                    "0000000400610061"
                                                                    "000000020000000002"
                                                                    "000000020061"
                                                                    "000000020000000009"
                                                                    "000000020042"
                                                                    "000000020000000000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GByteArray) out = g_byte_array_new ();
      GVariant *v = g_variant_parse (NULL, vectors[i].text, NULL, NULL, &error);

      ck_assert_msg (v != NULL, "%s: %s", vectors[i].text, error ? error->message : "");
      qcop_ds_write_variant (out, v); /* sinks the floating ref */
      assert_hex (out, vectors[i].hex);
    }
}
END_TEST

START_TEST (test_write_variant_boxed_and_containers)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GVariant) boxed = g_variant_ref_sink (g_variant_new_variant (g_variant_new_int32 (5)));
  g_autoptr (GVariant) list
      = g_variant_ref_sink (g_variant_parse (G_VARIANT_TYPE ("av"), "[<true>]", NULL, NULL, NULL));

  qcop_ds_write_variant (out, boxed); /* not floating: caller keeps its ref */
  assert_hex (out, "000000020000000005");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_variant_list (out, list);
  assert_hex (out, "00000001"
                   "000000010001");
  g_byte_array_set_size (out, 0);
  qcop_ds_write_variant_map (out, g_variant_new_parsed ("@a{sv} {}"));
  assert_hex (out, "00000000");
}
END_TEST

/* ---- core: readers ------------------------------------------------------------------------ */

START_TEST (test_read_scalars)
{
  g_autoptr (GBytes) b = hex_bytes ("fe fffe fffffffe fffffffffffffffe 12 1234 12345678 "
                                    "0102030405060708 00 02 3ff8000000000000 3ff8000000000000");
  QcopDsReader r;
  gint8 i8;
  gint16 i16;
  gint32 i32;
  gint64 i64;
  guint8 u8;
  guint16 u16;
  guint32 u32;
  guint64 u64;
  gboolean b1, b2;
  gdouble d;
  gfloat f;

  qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  ck_assert (qcop_ds_read_int8 (&r, &i8, NULL) && i8 == -2);
  ck_assert (qcop_ds_read_int16 (&r, &i16, NULL) && i16 == -2);
  ck_assert (qcop_ds_read_int32 (&r, &i32, NULL) && i32 == -2);
  ck_assert (qcop_ds_read_int64 (&r, &i64, NULL) && i64 == -2);
  ck_assert (qcop_ds_read_uint8 (&r, &u8, NULL) && u8 == 0x12);
  ck_assert (qcop_ds_read_uint16 (&r, &u16, NULL) && u16 == 0x1234);
  ck_assert (qcop_ds_read_uint32 (&r, &u32, NULL) && u32 == 0x12345678);
  ck_assert (qcop_ds_read_uint64 (&r, &u64, NULL)
             && u64 == G_GUINT64_CONSTANT (0x0102030405060708));
  ck_assert (qcop_ds_read_bool (&r, &b1, NULL) && b1 == FALSE);
  ck_assert (qcop_ds_read_bool (&r, &b2, NULL) && b2 == TRUE); /* non-zero is true */
  ck_assert (qcop_ds_read_double (&r, &d, NULL) && d == 1.5);
  ck_assert (qcop_ds_read_float (&r, &f, NULL) && f == 1.5f);
  ck_assert (qcop_ds_reader_at_end (&r));
  ck_assert_uint_eq (qcop_ds_reader_remaining (&r), 0);
}
END_TEST

START_TEST (test_read_strings)
{
  g_autoptr (GBytes) b = hex_bytes ("0000000400610062 ffffffff 00000000 00000004d834dd1e "
                                    "00000002 00000002 0061 ffffffff 0000000000000000 ffffffff");
  QcopDsReader r;
  g_autofree gchar *s1 = NULL, *s3 = NULL, *s4 = NULL;
  gchar *s2 = (gchar *)"unchanged";
  g_auto (GStrv) list = NULL, empty = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GBytes *null_bytes = (GBytes *)0x1;

  qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  ck_assert (qcop_ds_read_string (&r, &s1, NULL));
  ck_assert_str_eq (s1, "ab");
  ck_assert (qcop_ds_read_string (&r, &s2, NULL));
  ck_assert_ptr_null (s2); /* null QString */
  ck_assert (qcop_ds_read_string (&r, &s3, NULL));
  ck_assert_str_eq (s3, ""); /* empty QString */
  ck_assert (qcop_ds_read_string (&r, &s4, NULL));
  ck_assert_str_eq (s4, "\xf0\x9d\x84\x9e");
  ck_assert (qcop_ds_read_string_list (&r, &list, NULL));
  ck_assert_uint_eq (g_strv_length (list), 2);
  ck_assert_str_eq (list[0], "a");
  ck_assert_str_eq (list[1], ""); /* null in a list reads as "" */
  ck_assert (qcop_ds_read_string_list (&r, &empty, NULL));
  ck_assert_uint_eq (g_strv_length (empty), 0);
  ck_assert (qcop_ds_read_bytes (&r, &bytes, NULL));
  ck_assert_uint_eq (g_bytes_get_size (bytes), 0);
  ck_assert (qcop_ds_read_bytes (&r, &null_bytes, NULL));
  ck_assert_ptr_null (null_bytes);
  ck_assert (qcop_ds_reader_at_end (&r));
}
END_TEST

static GVariant *
read_one_variant (const gchar *hex, GError **error)
{
  g_autoptr (GBytes) b = hex_bytes (hex);
  QcopDsReader r;
  GVariant *v = NULL;

  qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  if (!qcop_ds_read_variant (&r, &v, error))
    return NULL;
  ck_assert_msg (qcop_ds_reader_at_end (&r), "%s: trailing bytes", hex);
  return v;
}

START_TEST (test_read_variants)
{
  static const struct
  {
    const gchar *hex;
    const gchar *text;
  } vectors[] = {
    { "000000020000000005", "5" },
    { "00000002 01 00000000", "0" },  /* isNull flag set (QVariant(QVariant::Int)) */
    { "0000000a 01 ffffffff", "''" }, /* null QString reads as "" */
    { "0000000c 01 ffffffff", "[]" }, /* null QByteArray reads as empty */
    { "00000001 00 07", "true" },
    { "00000006 00 bff0000000000000", "-1.0" },
    { "00000008 00 00000002 000000020061 000000020000000001 000000020062 000000020000000002",
      "{'a': <1>, 'b': <2>}" }, /* ascending order accepted too */
    { "00000009 00 00000001 0000000b 00 00000000", "[<@as []>]" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) v = read_one_variant (vectors[i].hex, &error);
      g_autofree gchar *text = NULL;

      ck_assert_msg (v != NULL, "%s: %s", vectors[i].hex, error ? error->message : "");
      ck_assert (!g_variant_is_floating (v));
      text = g_variant_print (v, FALSE);
      ck_assert_str_eq (text, vectors[i].text);
    }
}
END_TEST

START_TEST (test_round_trip)
{
  static const gchar *texts[] = {
    "true",
    "false",
    "int32 -2147483648",
    "uint32 4294967295",
    "int64 -9223372036854775808",
    "uint64 18446744073709551615",
    "3.141592653589793",
    "''",
    "'QPE/ServiceSwitch'",
    "'\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80'",
    "@as []",
    "['', 'x']",
    "[byte 0x00, 0x01]",
    "[<[<{'k': <[<@ay []>]>}>]>]",
    "{'z': <'last'>, 'a': <int64 1>}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GVariant) in = g_variant_ref_sink (g_variant_new_parsed (texts[i]));
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autoptr (GVariant) back = NULL;
      g_autoptr (GError) error = NULL;
      QcopDsReader r;

      qcop_ds_write_variant (out, in);
      qcop_ds_reader_init (&r, out->data, out->len);
      ck_assert_msg (qcop_ds_read_variant (&r, &back, &error), "%s: %s", texts[i],
                     error ? error->message : "");
      ck_assert (qcop_ds_reader_at_end (&r));
      if (g_variant_is_of_type (in, G_VARIANT_TYPE_VARDICT))
        {
          /* written in Qt order (descending): compare as dictionaries */
          g_autoptr (GVariantDict) d = g_variant_dict_new (back);
          ck_assert (g_variant_dict_contains (d, "z") && g_variant_dict_contains (d, "a"));
        }
      else
        ck_assert_msg (g_variant_equal (in, back), "%s round trip", texts[i]);
    }
}
END_TEST

/* ---- errors: truncation at every byte of every reader path -------------------------------- */

typedef gboolean (*ReadFunc) (QcopDsReader *r, GError **error);

#define WRAP(name, ctype, fn, cleanup)                                                             \
  static gboolean name (QcopDsReader *r, GError **error)                                           \
  {                                                                                                \
    ctype v = 0;                                                                                   \
    gboolean ok = fn (r, &v, error);                                                               \
    cleanup;                                                                                       \
    return ok;                                                                                     \
  }

WRAP (rd_int8, gint8, qcop_ds_read_int8, (void)v)
WRAP (rd_int16, gint16, qcop_ds_read_int16, (void)v)
WRAP (rd_int32, gint32, qcop_ds_read_int32, (void)v)
WRAP (rd_int64, gint64, qcop_ds_read_int64, (void)v)
WRAP (rd_uint8, guint8, qcop_ds_read_uint8, (void)v)
WRAP (rd_uint16, guint16, qcop_ds_read_uint16, (void)v)
WRAP (rd_uint32, guint32, qcop_ds_read_uint32, (void)v)
WRAP (rd_uint64, guint64, qcop_ds_read_uint64, (void)v)
WRAP (rd_bool, gboolean, qcop_ds_read_bool, (void)v)
WRAP (rd_double, gdouble, qcop_ds_read_double, (void)v)
WRAP (rd_float, gfloat, qcop_ds_read_float, (void)v)
WRAP (rd_string, gchar *, qcop_ds_read_string, g_free (v))
WRAP (rd_bytes, GBytes *, qcop_ds_read_bytes, if (v) g_bytes_unref (v))
WRAP (rd_strv, gchar **, qcop_ds_read_string_list, g_strfreev (v))
WRAP (rd_variant, GVariant *, qcop_ds_read_variant, if (v) g_variant_unref (v))
WRAP (rd_list, GVariant *, qcop_ds_read_variant_list, if (v) g_variant_unref (v))
WRAP (rd_map, GVariant *, qcop_ds_read_variant_map, if (v) g_variant_unref (v))

static const struct
{
  const gchar *name;
  ReadFunc read;
  const gchar *hex; /* one complete, valid value */
} reader_paths[] = {
  { "int8", rd_int8, "80" },
  { "int16", rd_int16, "8000" },
  { "int32", rd_int32, "80000000" },
  { "int64", rd_int64, "8000000000000000" },
  { "uint8", rd_uint8, "ff" },
  { "uint16", rd_uint16, "ffff" },
  { "uint32", rd_uint32, "ffffffff" },
  { "uint64", rd_uint64, "ffffffffffffffff" },
  { "bool", rd_bool, "01" },
  { "double", rd_double, "3ff8000000000000" },
  { "float", rd_float, "3ff8000000000000" },
  { "string", rd_string, "00000006d834dd1e0061" },
  { "bytes", rd_bytes, "00000003616263" },
  { "stringlist", rd_strv, "00000002ffffffff000000020062" },
  { "variant-bool", rd_variant, "000000010001" },
  { "variant-int", rd_variant, "000000020000000005" },
  { "variant-uint", rd_variant, "000000030000000005" },
  { "variant-longlong", rd_variant, "00000004000000000000000005" },
  { "variant-ulonglong", rd_variant, "00000005000000000000000005" },
  { "variant-double", rd_variant, "00000006003ff8000000000000" },
  { "variant-string", rd_variant, "0000000a000000000400610062" },
  { "variant-stringlist", rd_variant, "0000000b0000000001000000020061" },
  { "variant-bytearray", rd_variant, "0000000c000000000161" },
  { "variant-list", rd_variant, "0000000900000000020000000200000000050000000a0000000000" },
  { "variant-map", rd_variant, "000000080000000001000000020061000000010001" },
  { "list", rd_list, "00000001000000010001" },
  { "map", rd_map, "00000002000000020062000000010001000000020061000000020000000001" },
};

START_TEST (test_truncated_every_byte)
{
  const gchar *name = reader_paths[_i].name;
  g_autoptr (GBytes) b = hex_bytes (reader_paths[_i].hex);
  gsize len = g_bytes_get_size (b);
  const guint8 *full = g_bytes_get_data (b, NULL);
  QcopDsReader r;

  /* The complete value reads and consumes everything. */
  qcop_ds_reader_init (&r, full, len);
  ck_assert_msg (reader_paths[_i].read (&r, NULL), "%s: full value rejected", name);
  ck_assert_msg (qcop_ds_reader_at_end (&r), "%s: not consumed", name);
  /* Every strict prefix is TRUNCATED; a private copy lets ASan catch any over-read. */
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (full, cut ? cut : 1);

      qcop_ds_reader_init (&r, copy, cut);
      ck_assert_msg (!reader_paths[_i].read (&r, &error), "%s: accepted %zu of %zu bytes", name,
                     cut, len);
      ck_assert_msg (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TRUNCATED), "%s cut at %zu: %s",
                     name, cut, error->message);
      ck_assert_msg (strstr (error->message, "at byte ") != NULL, "no offset: %s", error->message);
    }
}
END_TEST

START_TEST (test_huge_counts)
{
  /* Counts larger than the input are TRUNCATED before any allocation. */
  static const struct
  {
    ReadFunc read;
    const gchar *hex;
  } cases[] = {
    { rd_string, "7ffffffe0061" },
    { rd_bytes, "fffffffe00" },
    { rd_strv, "fffffffe00000000" },
    { rd_list, "4000000000000002" },
    { rd_map, "10000000" },
    { rd_variant, "0000000900ffffffff" },
    { rd_variant, "0000000b0000000002ffffffff" }, /* 2 strings need >= 8 bytes, 4 left */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) b = hex_bytes (cases[i].hex);
      QcopDsReader r;

      qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      ck_assert_msg (!cases[i].read (&r, &error), "%s accepted", cases[i].hex);
      ck_assert_msg (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TRUNCATED), "%s: %s",
                     cases[i].hex, error->message);
    }
}
END_TEST

START_TEST (test_corrupt)
{
  static const struct
  {
    ReadFunc read;
    const gchar *hex;
    gint code;
    const gchar *offset;
  } cases[] = {
    { rd_string, "00000003616263", QCOP_ERROR_CORRUPT, "at byte 0" },
    { rd_string, "00000004d8000061", QCOP_ERROR_CORRUPT, "at byte 4" }, /* high, no low */
    { rd_string, "00000002dc00", QCOP_ERROR_CORRUPT, "at byte 4" },     /* lone low */
    { rd_string, "00000004dc00d800", QCOP_ERROR_CORRUPT, "at byte 4" }, /* swapped pair */
    { rd_string, "00000002d800", QCOP_ERROR_CORRUPT, "at byte 4" },     /* high at the end */
    { rd_strv, "00000002 00000000 00000001 61", QCOP_ERROR_CORRUPT, "at byte 8" },
    { rd_variant, "0000000000", QCOP_ERROR_UNSUPPORTED, "at byte 0" }, /* Invalid */
    { rd_variant, "0000000700", QCOP_ERROR_UNSUPPORTED, "at byte 0" }, /* Char */
    { rd_variant, "0000007f00", QCOP_ERROR_UNSUPPORTED, "at byte 0" }, /* UserType */
    { rd_variant, "0000002600", QCOP_ERROR_UNSUPPORTED, "at byte 0" }, /* Float */
    { rd_list, "00000001 0000000700", QCOP_ERROR_UNSUPPORTED, "at byte 4" },
    { rd_map, "00000001 000000020061 0000000d00", QCOP_ERROR_UNSUPPORTED, "at byte 10" },
    { rd_map, "00000001 00000001 61 0000000100 01", QCOP_ERROR_CORRUPT, "at byte 4" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) b = hex_bytes (cases[i].hex);
      QcopDsReader r;

      qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      ck_assert_msg (!cases[i].read (&r, &error), "%s accepted", cases[i].hex);
      ck_assert_msg (g_error_matches (error, QCOP_ERROR, cases[i].code), "%s: %s", cases[i].hex,
                     error->message);
      ck_assert_msg (strstr (error->message, cases[i].offset) != NULL, "%s: %s", cases[i].hex,
                     error->message);
    }
}
END_TEST

START_TEST (test_out_param_untouched)
{
  g_autoptr (GBytes) b = hex_bytes ("00000003616263");
  QcopDsReader r;
  gchar *s = (gchar *)"sentinel";
  gint32 i = 77;

  qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  ck_assert (!qcop_ds_read_string (&r, &s, NULL));
  ck_assert_str_eq (s, "sentinel");
  qcop_ds_reader_init (&r, g_bytes_get_data (b, NULL), 3);
  ck_assert (!qcop_ds_read_int32 (&r, &i, NULL));
  ck_assert_int_eq (i, 77);
}
END_TEST

START_TEST (test_hex)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = qcop_ds_from_hex (" 00 0A\nff\t", &error);
  g_autofree gchar *hex = NULL;
  g_autofree gchar *empty = qcop_ds_to_hex (NULL, 0);
  GBytes *bad;

  ck_assert_ptr_nonnull (b);
  hex = qcop_ds_to_hex (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  ck_assert_str_eq (hex, "000aff");
  ck_assert_str_eq (empty, "");
  bad = qcop_ds_from_hex ("abc", &error);
  ck_assert_ptr_null (bad);
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  g_clear_error (&error);
  bad = qcop_ds_from_hex ("0g", &error);
  ck_assert_ptr_null (bad);
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------- */

static GByteArray *
nested_lists (guint depth)
{
  GByteArray *out = g_byte_array_new ();

  /* depth QVariant(List) wrappers around an empty list */
  for (guint i = 0; i < depth; i++)
    {
      qcop_ds_write_uint32 (out, QCOP_VARIANT_LIST);
      qcop_ds_write_uint8 (out, 0);
      qcop_ds_write_uint32 (out, i + 1 < depth ? 1 : 0);
    }
  return out;
}

START_TEST (test_depth_limit)
{
  g_autoptr (GByteArray) ok_bytes = nested_lists (QCOP_DS_MAX_DEPTH);
  g_autoptr (GByteArray) deep = nested_lists (QCOP_DS_MAX_DEPTH + 1);
  g_autoptr (GByteArray) very_deep = nested_lists (100000);
  g_autoptr (GVariant) v = NULL;
  g_autoptr (GError) error = NULL;
  QcopDsReader r;

  qcop_ds_reader_init (&r, ok_bytes->data, ok_bytes->len);
  ck_assert (qcop_ds_read_variant (&r, &v, NULL));
  ck_assert (qcop_ds_reader_at_end (&r));
  qcop_ds_reader_init (&r, deep->data, deep->len);
  ck_assert (!qcop_ds_read_variant (&r, &v, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  qcop_ds_reader_init (&r, very_deep->data, very_deep->len);
  ck_assert (!qcop_ds_read_variant (&r, &v, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
}
END_TEST

START_TEST (test_large_string)
{
  g_autofree gchar *big = g_strnfill (100000, 'x');
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree gchar *back = NULL;
  QcopDsReader r;

  qcop_ds_write_string (out, big);
  ck_assert_uint_eq (out->len, 4 + 200000);
  qcop_ds_reader_init (&r, out->data, out->len);
  ck_assert (qcop_ds_read_string (&r, &back, NULL));
  ck_assert_str_eq (back, big);
}
END_TEST

static Suite *
datastream_suite (void)
{
  Suite *s = suite_create ("qcop-datastream");
  TCase *core = tcase_create ("core");
  TCase *errors = tcase_create ("errors");
  TCase *limits = tcase_create ("limits");

  tcase_set_timeout (core, 10);
  tcase_add_test (core, test_write_integers);
  tcase_add_test (core, test_write_bool_double_float);
  tcase_add_test (core, test_write_string);
  tcase_add_test (core, test_write_bytes_and_lists);
  tcase_add_test (core, test_write_variants);
  tcase_add_test (core, test_write_variant_boxed_and_containers);
  tcase_add_test (core, test_read_scalars);
  tcase_add_test (core, test_read_strings);
  tcase_add_test (core, test_read_variants);
  tcase_add_test (core, test_round_trip);
  tcase_add_test (core, test_hex);
  suite_add_tcase (s, core);

  tcase_set_timeout (errors, 20);
  tcase_add_loop_test (errors, test_truncated_every_byte, 0, G_N_ELEMENTS (reader_paths));
  tcase_add_test (errors, test_huge_counts);
  tcase_add_test (errors, test_corrupt);
  tcase_add_test (errors, test_out_param_untouched);
  suite_add_tcase (s, errors);

  tcase_set_timeout (limits, 20);
  tcase_add_test (limits, test_depth_limit);
  tcase_add_test (limits, test_large_string);
  suite_add_tcase (s, limits);
  return s;
}

int
main (void)
{
  return stbsim_test_run (datastream_suite ());
}
