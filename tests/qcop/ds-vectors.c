/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ds-vectors"

/*
 * Line-oriented front end of the QDataStream codec, for the cross-check against a real Qt
 * (tests/qcop/pyqt-crosscheck.py). Reads requests on stdin, answers one line each on stdout:
 *
 *   enc KIND GVARIANT-TEXT   ->  OK HEX NORMALISED-TEXT    (write the value with our codec)
 *   dec KIND HEX             ->  OK NORMALISED-TEXT        (read it back; must consume all)
 *                                ERR CODE MESSAGE          (on either)
 *
 * KIND names the codec function and the GVariant type the text is parsed as:
 *   int8 n, int16 n, int32 i, int64 x, uint8 y, uint16 q, uint32 u, uint64 t, bool b,
 *   double d, float d, string ms (nothing = null QString), bytes may (nothing = null),
 *   stringlist as, variant v, list av, map a{sv}.
 * NORMALISED-TEXT is g_variant_print (value, TRUE) of the value as the KIND's type, with the
 * entries of every a{sv} sorted by key (map order on the wire is checked byte-exactly by `enc`;
 * a reader accepts any order).
 */

#include "qcop-datastream.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  const gchar *kind;
  const gchar *gtype;
} Kind;

static const Kind kinds[] = {
  { "int8", "n" },    { "int16", "n" },       { "int32", "i" },   { "int64", "x" },
  { "uint8", "y" },   { "uint16", "q" },      { "uint32", "u" },  { "uint64", "t" },
  { "bool", "b" },    { "double", "d" },      { "float", "d" },   { "string", "ms" },
  { "bytes", "may" }, { "stringlist", "as" }, { "variant", "v" }, { "list", "av" },
  { "map", "a{sv}" },
};

static const Kind *
find_kind (const gchar *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kinds[i].kind, name))
      return &kinds[i];
  return NULL;
}

static void
encode_maybe (GByteArray *out, const gchar *kind, GVariant *v)
{
  g_autoptr (GVariant) inner = g_variant_get_maybe (v);

  if (g_str_equal (kind, "string"))
    qcop_ds_write_string (out, inner ? g_variant_get_string (inner, NULL) : NULL);
  else if (!inner)
    qcop_ds_write_bytes (out, NULL, 0);
  else
    {
      gsize len;
      const guint8 *data = g_variant_get_fixed_array (inner, &len, 1);
      qcop_ds_write_bytes (out, data ? data : (const guint8 *)"", len);
    }
}

static void
encode (GByteArray *out, const gchar *kind, GVariant *v)
{
  if (g_str_equal (kind, "int8"))
    qcop_ds_write_int8 (out, (gint8)g_variant_get_int16 (v));
  else if (g_str_equal (kind, "int16"))
    qcop_ds_write_int16 (out, g_variant_get_int16 (v));
  else if (g_str_equal (kind, "int32"))
    qcop_ds_write_int32 (out, g_variant_get_int32 (v));
  else if (g_str_equal (kind, "int64"))
    qcop_ds_write_int64 (out, g_variant_get_int64 (v));
  else if (g_str_equal (kind, "uint8"))
    qcop_ds_write_uint8 (out, g_variant_get_byte (v));
  else if (g_str_equal (kind, "uint16"))
    qcop_ds_write_uint16 (out, g_variant_get_uint16 (v));
  else if (g_str_equal (kind, "uint32"))
    qcop_ds_write_uint32 (out, g_variant_get_uint32 (v));
  else if (g_str_equal (kind, "uint64"))
    qcop_ds_write_uint64 (out, g_variant_get_uint64 (v));
  else if (g_str_equal (kind, "bool"))
    qcop_ds_write_bool (out, g_variant_get_boolean (v));
  else if (g_str_equal (kind, "double"))
    qcop_ds_write_double (out, g_variant_get_double (v));
  else if (g_str_equal (kind, "float"))
    qcop_ds_write_float (out, (gfloat)g_variant_get_double (v));
  else if (g_str_equal (kind, "string") || g_str_equal (kind, "bytes"))
    encode_maybe (out, kind, v);
  else if (g_str_equal (kind, "stringlist"))
    {
      g_autofree const gchar **strv = g_variant_get_strv (v, NULL);
      qcop_ds_write_string_list (out, strv);
    }
  else if (g_str_equal (kind, "variant"))
    qcop_ds_write_variant (out, v);
  else if (g_str_equal (kind, "list"))
    qcop_ds_write_variant_list (out, v);
  else
    qcop_ds_write_variant_map (out, v);
}

#define READ_SCALAR(fn, ctype, make)                                                               \
  do                                                                                               \
    {                                                                                              \
      ctype x;                                                                                     \
      if (!fn (r, &x, error))                                                                      \
        return NULL;                                                                               \
      return make;                                                                                 \
    }                                                                                              \
  while (0)

static GVariant *
decode_strings (QcopDsReader *r, const gchar *kind, GError **error)
{
  if (g_str_equal (kind, "string"))
    {
      g_autofree gchar *s = NULL;
      if (!qcop_ds_read_string (r, &s, error))
        return NULL;
      return g_variant_new_maybe (G_VARIANT_TYPE_STRING, s ? g_variant_new_string (s) : NULL);
    }
  if (g_str_equal (kind, "bytes"))
    {
      g_autoptr (GBytes) b = NULL;
      if (!qcop_ds_read_bytes (r, &b, error))
        return NULL;
      return g_variant_new_maybe (G_VARIANT_TYPE_BYTESTRING,
                                  b ? g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, b, TRUE)
                                    : NULL);
    }
  {
    g_auto (GStrv) strv = NULL;
    if (!qcop_ds_read_string_list (r, &strv, error))
      return NULL;
    return g_variant_new_strv ((const gchar *const *)strv, -1);
  }
}

static GVariant *
decode_containers (QcopDsReader *r, const gchar *kind, GError **error)
{
  GVariant *v = NULL;
  gboolean ok;

  if (g_str_equal (kind, "variant"))
    ok = qcop_ds_read_variant (r, &v, error);
  else if (g_str_equal (kind, "list"))
    ok = qcop_ds_read_variant_list (r, &v, error);
  else
    ok = qcop_ds_read_variant_map (r, &v, error);
  if (!ok)
    return NULL;
  if (g_str_equal (kind, "variant"))
    {
      GVariant *boxed = g_variant_new_variant (v);
      g_variant_unref (v);
      return boxed;
    }
  return v;
}

static GVariant *
decode (QcopDsReader *r, const gchar *kind, GError **error)
{
  if (g_str_equal (kind, "int8"))
    READ_SCALAR (qcop_ds_read_int8, gint8, g_variant_new_int16 (x));
  if (g_str_equal (kind, "int16"))
    READ_SCALAR (qcop_ds_read_int16, gint16, g_variant_new_int16 (x));
  if (g_str_equal (kind, "int32"))
    READ_SCALAR (qcop_ds_read_int32, gint32, g_variant_new_int32 (x));
  if (g_str_equal (kind, "int64"))
    READ_SCALAR (qcop_ds_read_int64, gint64, g_variant_new_int64 (x));
  if (g_str_equal (kind, "uint8"))
    READ_SCALAR (qcop_ds_read_uint8, guint8, g_variant_new_byte (x));
  if (g_str_equal (kind, "uint16"))
    READ_SCALAR (qcop_ds_read_uint16, guint16, g_variant_new_uint16 (x));
  if (g_str_equal (kind, "uint32"))
    READ_SCALAR (qcop_ds_read_uint32, guint32, g_variant_new_uint32 (x));
  if (g_str_equal (kind, "uint64"))
    READ_SCALAR (qcop_ds_read_uint64, guint64, g_variant_new_uint64 (x));
  if (g_str_equal (kind, "bool"))
    READ_SCALAR (qcop_ds_read_bool, gboolean, g_variant_new_boolean (x));
  if (g_str_equal (kind, "double"))
    READ_SCALAR (qcop_ds_read_double, gdouble, g_variant_new_double (x));
  if (g_str_equal (kind, "float"))
    READ_SCALAR (qcop_ds_read_float, gfloat, g_variant_new_double (x));
  if (g_str_equal (kind, "string") || g_str_equal (kind, "bytes")
      || g_str_equal (kind, "stringlist"))
    return decode_strings (r, kind, error);
  return decode_containers (r, kind, error);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  GVariant *x = *(GVariant *const *)a, *y = *(GVariant *const *)b;
  const gchar *kx, *ky;

  g_variant_get_child (x, 0, "&s", &kx);
  g_variant_get_child (y, 0, "&s", &ky);
  return strcmp (kx, ky);
}

/* (transfer full, non-floating) @v rebuilt with sorted a{sv} entries, recursively. */
static GVariant *
canonical (GVariant *v)
{
  g_autoptr (GPtrArray) children = NULL;
  gsize n;

  if (!g_variant_is_container (v))
    return g_variant_ref (v);
  n = g_variant_n_children (v);
  children = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) child = g_variant_get_child_value (v, i);
      g_ptr_array_add (children, canonical (child));
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT))
    g_ptr_array_sort (children, compare_entries);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    return g_variant_ref_sink (g_variant_new_variant (g_ptr_array_index (children, 0)));
  if (g_variant_type_is_maybe (g_variant_get_type (v)))
    return g_variant_ref (v);
  if (g_variant_type_is_array (g_variant_get_type (v)))
    return g_variant_ref_sink (g_variant_new_array (g_variant_type_element (g_variant_get_type (v)),
                                                    (GVariant **)children->pdata, n));
  if (g_variant_type_is_dict_entry (g_variant_get_type (v)))
    return g_variant_ref_sink (g_variant_new_dict_entry (g_ptr_array_index (children, 0),
                                                         g_ptr_array_index (children, 1)));
  return g_variant_ref_sink (g_variant_new_tuple ((GVariant **)children->pdata, n));
}

static gchar *
normalise (GVariant *v)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (v);
  g_autoptr (GVariant) canon = canonical (owned);

  return g_variant_print (canon, TRUE);
}

static gchar *
do_enc (const Kind *kind, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = g_variant_parse (G_VARIANT_TYPE (kind->gtype), text, NULL, NULL, &error);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree gchar *hex = NULL;
  g_autofree gchar *norm = NULL;

  if (!v)
    return g_strdup_printf ("ERR parse %s", error->message);
  encode (out, kind->kind, v);
  hex = qcop_ds_to_hex (out->data, out->len);
  norm = normalise (g_variant_ref (v));
  return g_strdup_printf ("OK %s %s", hex[0] ? hex : "-", norm);
}

static gchar *
do_dec (const Kind *kind, const gchar *hex)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = qcop_ds_from_hex (g_str_equal (hex, "-") ? "" : hex, &error);
  QcopDsReader r;
  GVariant *v;
  gsize len;
  const guint8 *data;

  if (!bytes)
    return g_strdup_printf ("ERR hex %s", error->message);
  data = g_bytes_get_data (bytes, &len);
  qcop_ds_reader_init (&r, data ? data : (const guint8 *)"", len);
  v = decode (&r, kind->kind, &error);
  if (!v)
    return g_strdup_printf ("ERR %d %s", error->code, error->message);
  if (!qcop_ds_reader_at_end (&r))
    {
      g_variant_unref (g_variant_ref_sink (v));
      return g_strdup_printf ("ERR trailing %" G_GSIZE_FORMAT " bytes left",
                              qcop_ds_reader_remaining (&r));
    }
  {
    g_autofree gchar *norm = normalise (v);
    return g_strdup_printf ("OK %s", norm);
  }
}

static gchar *
handle_line (gchar *line)
{
  g_auto (GStrv) parts = g_strsplit (g_strstrip (line), " ", 3);
  const Kind *kind;

  if (g_strv_length (parts) != 3)
    return g_strdup ("ERR usage enc|dec KIND ARG");
  kind = find_kind (parts[1]);
  if (!kind)
    return g_strdup_printf ("ERR unknown kind %s", parts[1]);
  if (g_str_equal (parts[0], "enc"))
    return do_enc (kind, parts[2]);
  if (g_str_equal (parts[0], "dec"))
    return do_dec (kind, parts[2]);
  return g_strdup_printf ("ERR unknown request %s", parts[0]);
}

int
main (int argc, char **argv)
{
  char buf[65536];

  while (fgets (buf, sizeof buf, stdin))
    {
      g_autofree gchar *answer = NULL;

      if (buf[0] == '\n' || buf[0] == '#')
        continue;
      answer = handle_line (buf);
      printf ("%s\n", answer);
      fflush (stdout);
    }
  return 0;
}
