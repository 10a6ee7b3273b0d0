/* SPDX-License-Identifier: MIT */
/* QDataStream reader (sim/qcop/qcop-datastream.c): byte 0 picks what to read, the rest is the
 * stream; values are read until the reader fails or the stream ends. */

#include "fuzz-util.h"
#include "qcop-datastream.h"

static gboolean
read_one (QcopDsReader *r, guint kind)
{
  g_autoptr (GError) error = NULL;
  union
  {
    gint8 i8;
    gint16 i16;
    gint32 i32;
    gint64 i64;
    guint8 u8;
    guint16 u16;
    guint32 u32;
    guint64 u64;
    gboolean b;
    gdouble d;
    gfloat f;
  } v;
  switch (kind % 17)
    {
      case 0:
        return qcop_ds_read_int8 (r, &v.i8, &error);
      case 1:
        return qcop_ds_read_int16 (r, &v.i16, &error);
      case 2:
        return qcop_ds_read_int32 (r, &v.i32, &error);
      case 3:
        return qcop_ds_read_int64 (r, &v.i64, &error);
      case 4:
        return qcop_ds_read_uint8 (r, &v.u8, &error);
      case 5:
        return qcop_ds_read_uint16 (r, &v.u16, &error);
      case 6:
        return qcop_ds_read_uint32 (r, &v.u32, &error);
      case 7:
        return qcop_ds_read_uint64 (r, &v.u64, &error);
      case 8:
        return qcop_ds_read_bool (r, &v.b, &error);
      case 9:
        return qcop_ds_read_double (r, &v.d, &error);
      case 10:
        return qcop_ds_read_float (r, &v.f, &error);
      case 11:
        {
          g_autofree gchar *s = NULL;
          return qcop_ds_read_string (r, &s, &error);
        }
      case 12:
        {
          g_autoptr (GBytes) bytes = NULL;
          return qcop_ds_read_bytes (r, &bytes, &error);
        }
      case 13:
        {
          g_auto (GStrv) strv = NULL;
          return qcop_ds_read_string_list (r, &strv, &error);
        }
      case 14:
      case 15:
      case 16:
        {
          g_autoptr (GVariant) value = NULL;
          gboolean ok = kind % 17 == 14   ? qcop_ds_read_variant (r, &value, &error)
                        : kind % 17 == 15 ? qcop_ds_read_variant_list (r, &value, &error)
                                          : qcop_ds_read_variant_map (r, &value, &error);
          if (ok)
            {
              /* what the callers do with a decoded value: print it, write it back */
              g_autofree gchar *text = g_variant_print (value, TRUE);
              g_autoptr (GByteArray) out = g_byte_array_new ();
              if (kind % 17 == 14)
                qcop_ds_write_variant (out, value);
            }
          return ok;
        }
    }
  return FALSE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  if (size < 1)
    return 0;
  QcopDsReader r;
  qcop_ds_reader_init (&r, data + 1, size - 1);
  for (guint i = 0; i < 4096 && !qcop_ds_reader_at_end (&r); i++)
    if (!read_one (&r, data[0]))
      break;
  return 0;
}
