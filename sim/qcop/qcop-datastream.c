/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop"

#include "qcop-datastream.h"

#include <string.h>

/*
 * QDataStream version 12, big-endian (DESIGN.md §2). Facts from Qt 4.8's qdatastream.cpp,
 * qstring.cpp (operator<<(QDataStream&, const QString&)), qvariant.cpp (QVariant::save/load)
 * and qmap.h (operator<< walks the map from end() to begin()), cross-checked against a real Qt
 * (PyQt5, QDataStream::Qt_4_6) by tests/qcop/pyqt-crosscheck.py.
 */

#define NULL_MARKER 0xFFFFFFFFu

/* Smallest encoding of one element, used to reject counts the input cannot hold. */
#define MIN_STRING_SIZE 4
#define MIN_VARIANT_SIZE 5 /* quint32 type + qint8 isNull, value may be empty for nothing */
#define MIN_MAP_ENTRY_SIZE (MIN_STRING_SIZE + MIN_VARIANT_SIZE)

/* ---- writing ---------------------------------------------------------------------------- */

static void
put_be (GByteArray *out, guint64 v, guint size)
{
  guint8 buf[8];

  for (guint i = 0; i < size; i++)
    buf[i] = (guint8)(v >> (8 * (size - 1 - i)));
  g_byte_array_append (out, buf, size);
}

void
qcop_ds_write_int8 (GByteArray *out, gint8 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, (guint8)v, 1);
}

void
qcop_ds_write_int16 (GByteArray *out, gint16 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, (guint16)v, 2);
}

void
qcop_ds_write_int32 (GByteArray *out, gint32 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, (guint32)v, 4);
}

void
qcop_ds_write_int64 (GByteArray *out, gint64 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, (guint64)v, 8);
}

void
qcop_ds_write_uint8 (GByteArray *out, guint8 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, v, 1);
}

void
qcop_ds_write_uint16 (GByteArray *out, guint16 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, v, 2);
}

void
qcop_ds_write_uint32 (GByteArray *out, guint32 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, v, 4);
}

void
qcop_ds_write_uint64 (GByteArray *out, guint64 v)
{
  g_return_if_fail (out != NULL);
  put_be (out, v, 8);
}

void
qcop_ds_write_bool (GByteArray *out, gboolean v)
{
  g_return_if_fail (out != NULL);
  put_be (out, v ? 1 : 0, 1);
}

void
qcop_ds_write_double (GByteArray *out, gdouble v)
{
  guint64 bits;

  g_return_if_fail (out != NULL);
  G_STATIC_ASSERT (sizeof bits == sizeof v);
  memcpy (&bits, &v, sizeof bits);
  put_be (out, bits, 8);
}

void
qcop_ds_write_float (GByteArray *out, gfloat v)
{
  qcop_ds_write_double (out, (gdouble)v);
}

void
qcop_ds_write_string (GByteArray *out, const gchar *utf8)
{
  g_autofree gunichar2 *utf16 = NULL;
  glong n_units = 0;

  g_return_if_fail (out != NULL);
  if (!utf8)
    {
      put_be (out, NULL_MARKER, 4);
      return;
    }
  utf16 = g_utf8_to_utf16 (utf8, -1, NULL, &n_units, NULL);
  g_return_if_fail (utf16 != NULL); /* not valid UTF-8: a programmer error */
  put_be (out, (guint64)n_units * 2, 4);
  for (glong i = 0; i < n_units; i++)
    put_be (out, utf16[i], 2);
}

void
qcop_ds_write_bytes (GByteArray *out, const guint8 *data, gsize len)
{
  g_return_if_fail (out != NULL);
  if (!data)
    {
      put_be (out, NULL_MARKER, 4);
      return;
    }
  g_return_if_fail (len < NULL_MARKER);
  put_be (out, len, 4);
  g_byte_array_append (out, data, len);
}

void
qcop_ds_write_string_list (GByteArray *out, const gchar *const *strv)
{
  guint n = strv ? g_strv_length ((gchar **)strv) : 0;

  g_return_if_fail (out != NULL);
  put_be (out, n, 4);
  for (guint i = 0; i < n; i++)
    qcop_ds_write_string (out, strv[i]);
}

/* QVariant type id of a GVariant, or INVALID when it has no QVariant mapping. */
static QcopVariantType
variant_type_of (GVariant *value)
{
  static const struct
  {
    const gchar *gtype;
    QcopVariantType qtype;
  } map[] = {
    { "b", QCOP_VARIANT_BOOL },       { "i", QCOP_VARIANT_INT },
    { "u", QCOP_VARIANT_UINT },       { "x", QCOP_VARIANT_LONGLONG },
    { "t", QCOP_VARIANT_ULONGLONG },  { "d", QCOP_VARIANT_DOUBLE },
    { "a{sv}", QCOP_VARIANT_MAP },    { "av", QCOP_VARIANT_LIST },
    { "s", QCOP_VARIANT_STRING },     { "as", QCOP_VARIANT_STRINGLIST },
    { "ay", QCOP_VARIANT_BYTEARRAY },
  };
  const gchar *type = g_variant_get_type_string (value);

  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (type, map[i].gtype))
      return map[i].qtype;
  return QCOP_VARIANT_INVALID;
}

static void
write_variant_value (GByteArray *out, QcopVariantType type, GVariant *value)
{
  switch (type)
    {
      case QCOP_VARIANT_BOOL:
        qcop_ds_write_bool (out, g_variant_get_boolean (value));
        break;
      case QCOP_VARIANT_INT:
        qcop_ds_write_int32 (out, g_variant_get_int32 (value));
        break;
      case QCOP_VARIANT_UINT:
        qcop_ds_write_uint32 (out, g_variant_get_uint32 (value));
        break;
      case QCOP_VARIANT_LONGLONG:
        qcop_ds_write_int64 (out, g_variant_get_int64 (value));
        break;
      case QCOP_VARIANT_ULONGLONG:
        qcop_ds_write_uint64 (out, g_variant_get_uint64 (value));
        break;
      case QCOP_VARIANT_DOUBLE:
        qcop_ds_write_double (out, g_variant_get_double (value));
        break;
      case QCOP_VARIANT_MAP:
        qcop_ds_write_variant_map (out, value);
        break;
      case QCOP_VARIANT_LIST:
        qcop_ds_write_variant_list (out, value);
        break;
      case QCOP_VARIANT_STRING:
        qcop_ds_write_string (out, g_variant_get_string (value, NULL));
        break;
      case QCOP_VARIANT_STRINGLIST:
        {
          g_autofree const gchar **strv = g_variant_get_strv (value, NULL);
          qcop_ds_write_string_list (out, strv);
        }
        break;
      case QCOP_VARIANT_BYTEARRAY:
        {
          gsize len = 0;
          const guint8 *data = g_variant_get_fixed_array (value, &len, 1);
          /* A GVariant byte array is never a null QByteArray. */
          qcop_ds_write_bytes (out, data ? data : (const guint8 *)"", len);
        }
        break;
      case QCOP_VARIANT_INVALID:
      default:
        g_assert_not_reached ();
    }
}

void
qcop_ds_write_variant (GByteArray *out, GVariant *value)
{
  g_autoptr (GVariant) owned = NULL;
  QcopVariantType type;

  g_return_if_fail (out != NULL);
  g_return_if_fail (value != NULL);
  owned = g_variant_ref_sink (value);
  /* A boxed 'v' (an element of 'av' or a{sv}) stands for its content. */
  while (g_variant_is_of_type (owned, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (owned);
      g_variant_unref (owned);
      owned = inner;
    }
  type = variant_type_of (owned);
  g_return_if_fail (type != QCOP_VARIANT_INVALID);
  put_be (out, type, 4);
  /* Qt writes d.is_null; every value constructed from data (what a GVariant is) has it 0. */
  put_be (out, 0, 1);
  write_variant_value (out, type, owned);
}

void
qcop_ds_write_variant_list (GByteArray *out, GVariant *av)
{
  g_autoptr (GVariant) owned = NULL;
  gsize n;

  g_return_if_fail (out != NULL);
  g_return_if_fail (av != NULL);
  owned = g_variant_ref_sink (av);
  g_return_if_fail (g_variant_is_of_type (owned, G_VARIANT_TYPE ("av")));
  n = g_variant_n_children (owned);
  put_be (out, n, 4);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) item = g_variant_get_child_value (owned, i);
      qcop_ds_write_variant (out, item);
    }
}

typedef struct
{
  gunichar2 *key16;
  glong key16_len;
  GVariant *entry; /* {sv} */
} MapEntry;

static gint
compare_map_entries (gconstpointer a, gconstpointer b)
{
  const MapEntry *x = a, *y = b;
  glong n = MIN (x->key16_len, y->key16_len);

  /* QString::operator< compares UTF-16 code units. */
  for (glong i = 0; i < n; i++)
    if (x->key16[i] != y->key16[i])
      return x->key16[i] < y->key16[i] ? -1 : 1;
  return (x->key16_len > y->key16_len) - (x->key16_len < y->key16_len);
}

static void
clear_map_entry (gpointer data)
{
  MapEntry *e = data;

  g_free (e->key16);
  g_variant_unref (e->entry);
}

void
qcop_ds_write_variant_map (GByteArray *out, GVariant *asv)
{
  g_autoptr (GVariant) owned = NULL;
  g_autoptr (GArray) entries = NULL;
  gsize n;

  g_return_if_fail (out != NULL);
  g_return_if_fail (asv != NULL);
  owned = g_variant_ref_sink (asv);
  g_return_if_fail (g_variant_is_of_type (owned, G_VARIANT_TYPE_VARDICT));
  n = g_variant_n_children (owned);
  entries = g_array_sized_new (FALSE, TRUE, sizeof (MapEntry), n);
  g_array_set_clear_func (entries, clear_map_entry);
  for (gsize i = 0; i < n; i++)
    {
      MapEntry e = { 0 };
      const gchar *key;

      e.entry = g_variant_get_child_value (owned, i);
      g_variant_get_child (e.entry, 0, "&s", &key);
      e.key16 = g_utf8_to_utf16 (key, -1, NULL, &e.key16_len, NULL);
      g_array_append_val (entries, e);
    }
  /* A QMap holds a key once (the last insert wins); Qt 4 writes it from end() to begin(). */
  g_array_sort (entries, compare_map_entries); /* stable: equal keys keep insertion order */
  for (guint i = entries->len; i > 0; i--)
    if (i < entries->len
        && compare_map_entries (&g_array_index (entries, MapEntry, i - 1),
                                &g_array_index (entries, MapEntry, i))
               == 0)
      g_array_remove_index (entries, i - 1);
  put_be (out, entries->len, 4);
  for (guint i = entries->len; i > 0; i--)
    {
      GVariant *entry = g_array_index (entries, MapEntry, i - 1).entry;
      g_autoptr (GVariant) value = g_variant_get_child_value (entry, 1);
      const gchar *key;

      g_variant_get_child (entry, 0, "&s", &key);
      qcop_ds_write_string (out, key);
      qcop_ds_write_variant (out, value);
    }
}

/* ---- reading ---------------------------------------------------------------------------- */

void
qcop_ds_reader_init (QcopDsReader *reader, const guint8 *data, gsize len)
{
  g_return_if_fail (reader != NULL);
  g_return_if_fail (data != NULL || len == 0);
  reader->data = data;
  reader->len = len;
  reader->pos = 0;
}

gsize
qcop_ds_reader_remaining (const QcopDsReader *reader)
{
  g_return_val_if_fail (reader != NULL, 0);
  return reader->pos <= reader->len ? reader->len - reader->pos : 0;
}

gboolean
qcop_ds_reader_at_end (const QcopDsReader *reader)
{
  return qcop_ds_reader_remaining (reader) == 0;
}

static gboolean
need (QcopDsReader *r, gsize n, const gchar *what, GError **error)
{
  gsize left = qcop_ds_reader_remaining (r);

  if (n <= left)
    return TRUE;
  g_set_error (error, QCOP_ERROR, QCOP_ERROR_TRUNCATED,
               "QDataStream: truncated %s at byte %" G_GSIZE_FORMAT ": needs %" G_GSIZE_FORMAT
               " bytes, %" G_GSIZE_FORMAT " left",
               what, r->pos, n, left);
  return FALSE;
}

static gboolean
get_be (QcopDsReader *r, guint size, const gchar *what, guint64 *out, GError **error)
{
  guint64 v = 0;

  if (!need (r, size, what, error))
    return FALSE;
  for (guint i = 0; i < size; i++)
    v = (v << 8) | r->data[r->pos + i];
  r->pos += size;
  *out = v;
  return TRUE;
}

#define DEFINE_READER(fn, ctype, size, what)                                                       \
  gboolean fn (QcopDsReader *reader, ctype *out, GError **error)                                   \
  {                                                                                                \
    guint64 v;                                                                                     \
    g_return_val_if_fail (reader != NULL && out != NULL, FALSE);                                   \
    if (!get_be (reader, size, what, &v, error))                                                   \
      return FALSE;                                                                                \
    *out = (ctype)v;                                                                               \
    return TRUE;                                                                                   \
  }

DEFINE_READER (qcop_ds_read_int8, gint8, 1, "qint8")
DEFINE_READER (qcop_ds_read_int16, gint16, 2, "qint16")
DEFINE_READER (qcop_ds_read_int32, gint32, 4, "qint32")
DEFINE_READER (qcop_ds_read_int64, gint64, 8, "qint64")
DEFINE_READER (qcop_ds_read_uint8, guint8, 1, "quint8")
DEFINE_READER (qcop_ds_read_uint16, guint16, 2, "quint16")
DEFINE_READER (qcop_ds_read_uint32, guint32, 4, "quint32")
DEFINE_READER (qcop_ds_read_uint64, guint64, 8, "quint64")

gboolean
qcop_ds_read_bool (QcopDsReader *reader, gboolean *out, GError **error)
{
  guint64 v;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  if (!get_be (reader, 1, "bool", &v, error))
    return FALSE;
  *out = v != 0;
  return TRUE;
}

gboolean
qcop_ds_read_double (QcopDsReader *reader, gdouble *out, GError **error)
{
  guint64 bits;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  if (!get_be (reader, 8, "double", &bits, error))
    return FALSE;
  memcpy (out, &bits, sizeof *out);
  return TRUE;
}

gboolean
qcop_ds_read_float (QcopDsReader *reader, gfloat *out, GError **error)
{
  gdouble d;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  if (!qcop_ds_read_double (reader, &d, error))
    return FALSE;
  *out = (gfloat)d;
  return TRUE;
}

/* A quint32 length or count; FFFFFFFF (null) is reported through @is_null when allowed. */
static gboolean
read_count (QcopDsReader *r, const gchar *what, gsize item_size, gboolean null_ok, gsize *count,
            gboolean *is_null, GError **error)
{
  gsize at = r->pos;
  guint64 v;

  if (!get_be (r, 4, what, &v, error))
    return FALSE;
  if (null_ok && v == NULL_MARKER)
    {
      *is_null = TRUE;
      *count = 0;
      return TRUE;
    }
  if (is_null)
    *is_null = FALSE;
  if (v > qcop_ds_reader_remaining (r) / item_size)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TRUNCATED,
                   "QDataStream: %s at byte %" G_GSIZE_FORMAT " announces %" G_GUINT64_FORMAT
                   " item(s) of >= %" G_GSIZE_FORMAT " bytes, only %" G_GSIZE_FORMAT " bytes left",
                   what, at, v, item_size, qcop_ds_reader_remaining (r));
      return FALSE;
    }
  *count = (gsize)v;
  return TRUE;
}

static gchar *
decode_utf16be (const guint8 *p, gsize n_units, gsize at, GError **error)
{
  g_autofree gunichar2 *units = g_new (gunichar2, n_units + 1);

  for (gsize i = 0; i < n_units; i++)
    units[i] = (gunichar2)((p[2 * i] << 8) | p[2 * i + 1]);
  for (gsize i = 0; i < n_units; i++)
    {
      gboolean high = units[i] >= 0xD800 && units[i] <= 0xDBFF;
      gboolean low = units[i] >= 0xDC00 && units[i] <= 0xDFFF;

      if (high && i + 1 < n_units && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF)
        {
          i++;
          continue;
        }
      if (high || low)
        {
          g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT,
                       "QDataStream: QString at byte %" G_GSIZE_FORMAT
                       " has an unpaired surrogate 0x%04X at byte %" G_GSIZE_FORMAT,
                       at, units[i], at + 4 + 2 * i);
          return NULL;
        }
    }
  return g_utf16_to_utf8 (units, (glong)n_units, NULL, NULL, NULL);
}

gboolean
qcop_ds_read_string (QcopDsReader *reader, gchar **out, GError **error)
{
  gsize at, nbytes;
  gboolean is_null;
  gchar *s;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  at = reader->pos;
  if (!read_count (reader, "QString", 1, TRUE, &nbytes, &is_null, error))
    return FALSE;
  if (is_null)
    {
      *out = NULL;
      return TRUE;
    }
  if (nbytes % 2 != 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT,
                   "QDataStream: QString at byte %" G_GSIZE_FORMAT
                   " has an odd byte count %" G_GSIZE_FORMAT " (UTF-16 needs an even one)",
                   at, nbytes);
      return FALSE;
    }
  s = decode_utf16be (reader->data + reader->pos, nbytes / 2, at, error);
  if (!s)
    return FALSE;
  reader->pos += nbytes;
  *out = s;
  return TRUE;
}

gboolean
qcop_ds_read_bytes (QcopDsReader *reader, GBytes **out, GError **error)
{
  gsize len;
  gboolean is_null;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  if (!read_count (reader, "QByteArray", 1, TRUE, &len, &is_null, error))
    return FALSE;
  if (is_null)
    {
      *out = NULL;
      return TRUE;
    }
  *out = g_bytes_new (reader->data + reader->pos, len);
  reader->pos += len;
  return TRUE;
}

gboolean
qcop_ds_read_string_list (QcopDsReader *reader, gchar ***out, GError **error)
{
  g_autoptr (GPtrArray) list = NULL;
  gsize n;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  if (!read_count (reader, "QStringList", MIN_STRING_SIZE, FALSE, &n, NULL, error))
    return FALSE;
  list = g_ptr_array_new_full (n + 1, g_free);
  for (gsize i = 0; i < n; i++)
    {
      gchar *s = NULL;

      if (!qcop_ds_read_string (reader, &s, error))
        return FALSE;
      g_ptr_array_add (list, s ? s : g_strdup (""));
    }
  g_ptr_array_add (list, NULL);
  *out = (gchar **)g_ptr_array_free (g_steal_pointer (&list), FALSE);
  return TRUE;
}

static gboolean read_variant_at (QcopDsReader *r, guint depth, GVariant **out, GError **error);

static gboolean
check_depth (QcopDsReader *r, guint depth, GError **error)
{
  if (depth <= QCOP_DS_MAX_DEPTH)
    return TRUE;
  g_set_error (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE,
               "QDataStream: QVariant nesting deeper than %d at byte %" G_GSIZE_FORMAT,
               QCOP_DS_MAX_DEPTH, r->pos);
  return FALSE;
}

static gboolean
read_list_at (QcopDsReader *r, guint depth, GVariant **out, GError **error)
{
  g_autoptr (GVariantBuilder) b = NULL;
  gsize n;

  if (!check_depth (r, depth, error))
    return FALSE;
  if (!read_count (r, "QVariantList", MIN_VARIANT_SIZE, FALSE, &n, NULL, error))
    return FALSE;
  b = g_variant_builder_new (G_VARIANT_TYPE ("av"));
  for (gsize i = 0; i < n; i++)
    {
      GVariant *item = NULL;

      if (!read_variant_at (r, depth, &item, error))
        return FALSE;
      g_variant_builder_add (b, "v", item);
      g_variant_unref (item);
    }
  *out = g_variant_ref_sink (g_variant_builder_end (b));
  return TRUE;
}

static gboolean
read_map_at (QcopDsReader *r, guint depth, GVariant **out, GError **error)
{
  g_autoptr (GVariantBuilder) b = NULL;
  gsize n;

  if (!check_depth (r, depth, error))
    return FALSE;
  if (!read_count (r, "QVariantMap", MIN_MAP_ENTRY_SIZE, FALSE, &n, NULL, error))
    return FALSE;
  b = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree gchar *key = NULL;
      GVariant *value = NULL;

      if (!qcop_ds_read_string (r, &key, error) || !read_variant_at (r, depth, &value, error))
        return FALSE;
      g_variant_builder_add (b, "{sv}", key ? key : "", value);
      g_variant_unref (value);
    }
  *out = g_variant_ref_sink (g_variant_builder_end (b));
  return TRUE;
}

static gboolean
read_scalar (QcopDsReader *r, QcopVariantType type, GVariant **out, GError **error)
{
  union
  {
    gboolean b;
    gint32 i;
    guint32 u;
    gint64 x;
    guint64 t;
    gdouble d;
  } v;
  GVariant *value;

  switch (type)
    {
      case QCOP_VARIANT_BOOL:
        if (!qcop_ds_read_bool (r, &v.b, error))
          return FALSE;
        value = g_variant_new_boolean (v.b);
        break;
      case QCOP_VARIANT_INT:
        if (!qcop_ds_read_int32 (r, &v.i, error))
          return FALSE;
        value = g_variant_new_int32 (v.i);
        break;
      case QCOP_VARIANT_UINT:
        if (!qcop_ds_read_uint32 (r, &v.u, error))
          return FALSE;
        value = g_variant_new_uint32 (v.u);
        break;
      case QCOP_VARIANT_LONGLONG:
        if (!qcop_ds_read_int64 (r, &v.x, error))
          return FALSE;
        value = g_variant_new_int64 (v.x);
        break;
      case QCOP_VARIANT_ULONGLONG:
        if (!qcop_ds_read_uint64 (r, &v.t, error))
          return FALSE;
        value = g_variant_new_uint64 (v.t);
        break;
      case QCOP_VARIANT_DOUBLE:
        if (!qcop_ds_read_double (r, &v.d, error))
          return FALSE;
        value = g_variant_new_double (v.d);
        break;
      default:
        g_assert_not_reached ();
    }
  *out = g_variant_ref_sink (value);
  return TRUE;
}

static gboolean
read_value (QcopDsReader *r, QcopVariantType type, guint depth, GVariant **out, GError **error)
{
  switch (type)
    {
      case QCOP_VARIANT_MAP:
        return read_map_at (r, depth + 1, out, error);
      case QCOP_VARIANT_LIST:
        return read_list_at (r, depth + 1, out, error);
      case QCOP_VARIANT_STRING:
        {
          g_autofree gchar *s = NULL;
          if (!qcop_ds_read_string (r, &s, error))
            return FALSE;
          *out = g_variant_ref_sink (g_variant_new_string (s ? s : ""));
          return TRUE;
        }
      case QCOP_VARIANT_STRINGLIST:
        {
          g_auto (GStrv) strv = NULL;
          if (!qcop_ds_read_string_list (r, &strv, error))
            return FALSE;
          *out = g_variant_ref_sink (g_variant_new_strv ((const gchar *const *)strv, -1));
          return TRUE;
        }
      case QCOP_VARIANT_BYTEARRAY:
        {
          g_autoptr (GBytes) bytes = NULL;
          if (!qcop_ds_read_bytes (r, &bytes, error))
            return FALSE;
          if (!bytes)
            bytes = g_bytes_new (NULL, 0);
          *out = g_variant_ref_sink (
              g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
          return TRUE;
        }
      default:
        return read_scalar (r, type, out, error);
    }
}

static gboolean
is_supported_type (guint32 type)
{
  return (type >= QCOP_VARIANT_BOOL && type <= QCOP_VARIANT_DOUBLE)
         || (type >= QCOP_VARIANT_MAP && type <= QCOP_VARIANT_BYTEARRAY);
}

static gboolean
read_variant_at (QcopDsReader *r, guint depth, GVariant **out, GError **error)
{
  gsize at = r->pos;
  guint64 type, is_null;

  if (!get_be (r, 4, "QVariant type", &type, error)
      || !get_be (r, 1, "QVariant isNull flag", &is_null, error))
    return FALSE;
  if (!is_supported_type ((guint32)type))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_UNSUPPORTED,
                   "QDataStream: QVariant at byte %" G_GSIZE_FORMAT " has type %" G_GUINT64_FORMAT
                   ", which this codec does not handle "
                   "(supported: 1-6, 8-12)",
                   at, type);
      return FALSE;
    }
  return read_value (r, (QcopVariantType)type, depth, out, error);
}

gboolean
qcop_ds_read_variant (QcopDsReader *reader, GVariant **out, GError **error)
{
  GVariant *value = NULL;

  g_return_val_if_fail (reader != NULL && out != NULL, FALSE);
  if (!read_variant_at (reader, 0, &value, error))
    return FALSE;
  *out = value;
  return TRUE;
}

gboolean
qcop_ds_read_variant_list (QcopDsReader *reader, GVariant **out_av, GError **error)
{
  g_return_val_if_fail (reader != NULL && out_av != NULL, FALSE);
  return read_list_at (reader, 1, out_av, error);
}

gboolean
qcop_ds_read_variant_map (QcopDsReader *reader, GVariant **out_asv, GError **error)
{
  g_return_val_if_fail (reader != NULL && out_asv != NULL, FALSE);
  return read_map_at (reader, 1, out_asv, error);
}

/* ---- hex ---------------------------------------------------------------------------------- */

gchar *
qcop_ds_to_hex (const guint8 *data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *hex;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  hex = g_malloc (2 * len + 1);
  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0xF];
    }
  hex[2 * len] = '\0';
  return hex;
}

GBytes *
qcop_ds_from_hex (const gchar *hex, GError **error)
{
  g_autoptr (GByteArray) out = NULL;
  gint pending = -1;

  g_return_val_if_fail (hex != NULL, NULL);
  out = g_byte_array_new ();
  for (const gchar *p = hex; *p; p++)
    {
      gint v;

      if (g_ascii_isspace (*p))
        continue;
      v = g_ascii_xdigit_value (*p);
      if (v < 0)
        {
          g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                       "hex: character '%c' at offset %" G_GSIZE_FORMAT " is not a hex digit",
                       g_ascii_isprint (*p) ? *p : '?', (gsize)(p - hex));
          return NULL;
        }
      if (pending < 0)
        pending = v;
      else
        {
          guint8 byte = (guint8)((pending << 4) | v);
          g_byte_array_append (out, &byte, 1);
          pending = -1;
        }
    }
  if (pending >= 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                   "hex: odd number of hex digits (a byte needs two)");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
