/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * QDataStream version 12 (Qt_4_6 .. Qt_4_8) codec, big-endian, as DESIGN.md §2.
 *
 * Writers append to a GByteArray and cannot fail (arguments are checked with
 * g_return_if_fail). Readers are bounds-checked: they never read past the buffer, and report
 * truncated or corrupt input through GError (QCOP_ERROR_TRUNCATED / _CORRUPT / _UNSUPPORTED /
 * _TOO_LARGE) with the byte offset of the offending value. On failure a reader's position is
 * unspecified and the out-parameter is untouched.
 *
 * QVariant is mapped to GVariant:
 *   Bool 1 'b', Int 2 'i', UInt 3 'u', LongLong 4 'x', ULongLong 5 't', Double 6 'd',
 *   Map 8 'a{sv}' (QMap<QString,QVariant>), List 9 'av' (QList<QVariant>), String 10 's',
 *   StringList 11 'as', ByteArray 12 'ay'.
 * A null QString / QByteArray inside a QVariant reads as "" / empty. The QVariant isNull flag
 * is written as Qt 4.8 writes it for the value given and ignored on read.
 */

#include <glib.h>

#include "qcop-error.h"

G_BEGIN_DECLS

#define QCOP_DS_VERSION 12
/* Nesting limit for QVariant lists/maps; deeper input is QCOP_ERROR_TOO_LARGE. */
#define QCOP_DS_MAX_DEPTH 32

typedef enum
{
  QCOP_VARIANT_INVALID = 0,
  QCOP_VARIANT_BOOL = 1,
  QCOP_VARIANT_INT = 2,
  QCOP_VARIANT_UINT = 3,
  QCOP_VARIANT_LONGLONG = 4,
  QCOP_VARIANT_ULONGLONG = 5,
  QCOP_VARIANT_DOUBLE = 6,
  QCOP_VARIANT_MAP = 8,
  QCOP_VARIANT_LIST = 9,
  QCOP_VARIANT_STRING = 10,
  QCOP_VARIANT_STRINGLIST = 11,
  QCOP_VARIANT_BYTEARRAY = 12,
} QcopVariantType;

/* ---- writing ---------------------------------------------------------------------------- */

void qcop_ds_write_int8 (GByteArray *out, gint8 v);
void qcop_ds_write_int16 (GByteArray *out, gint16 v);
void qcop_ds_write_int32 (GByteArray *out, gint32 v);
void qcop_ds_write_int64 (GByteArray *out, gint64 v);
void qcop_ds_write_uint8 (GByteArray *out, guint8 v);
void qcop_ds_write_uint16 (GByteArray *out, guint16 v);
void qcop_ds_write_uint32 (GByteArray *out, guint32 v);
void qcop_ds_write_uint64 (GByteArray *out, guint64 v);
void qcop_ds_write_bool (GByteArray *out, gboolean v);
void qcop_ds_write_double (GByteArray *out, gdouble v);
/* Version 12 writes float with double precision (8 bytes). */
void qcop_ds_write_float (GByteArray *out, gfloat v);
/* @utf8: valid UTF-8, or NULL for a null QString (FFFFFFFF). "" is the empty QString. */
void qcop_ds_write_string (GByteArray *out, const gchar *utf8);
/* @data NULL (len ignored) writes a null QByteArray. */
void qcop_ds_write_bytes (GByteArray *out, const guint8 *data, gsize len);
/* NULL-terminated; NULL strv writes an empty list. */
void qcop_ds_write_string_list (GByteArray *out, const gchar *const *strv);
/* Any GVariant of the types mapped above (a floating ref is sunk). */
void qcop_ds_write_variant (GByteArray *out, GVariant *value);
/* QList<QVariant> from an 'av' GVariant; QMap<QString,QVariant> from 'a{sv}' (Qt order). */
void qcop_ds_write_variant_list (GByteArray *out, GVariant *av);
void qcop_ds_write_variant_map (GByteArray *out, GVariant *asv);

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
} QcopDsReader;

void qcop_ds_reader_init (QcopDsReader *reader, const guint8 *data, gsize len);
gsize qcop_ds_reader_remaining (const QcopDsReader *reader);
gboolean qcop_ds_reader_at_end (const QcopDsReader *reader);

gboolean qcop_ds_read_int8 (QcopDsReader *reader, gint8 *out, GError **error);
gboolean qcop_ds_read_int16 (QcopDsReader *reader, gint16 *out, GError **error);
gboolean qcop_ds_read_int32 (QcopDsReader *reader, gint32 *out, GError **error);
gboolean qcop_ds_read_int64 (QcopDsReader *reader, gint64 *out, GError **error);
gboolean qcop_ds_read_uint8 (QcopDsReader *reader, guint8 *out, GError **error);
gboolean qcop_ds_read_uint16 (QcopDsReader *reader, guint16 *out, GError **error);
gboolean qcop_ds_read_uint32 (QcopDsReader *reader, guint32 *out, GError **error);
gboolean qcop_ds_read_uint64 (QcopDsReader *reader, guint64 *out, GError **error);
gboolean qcop_ds_read_bool (QcopDsReader *reader, gboolean *out, GError **error);
gboolean qcop_ds_read_double (QcopDsReader *reader, gdouble *out, GError **error);
gboolean qcop_ds_read_float (QcopDsReader *reader, gfloat *out, GError **error);
/* (out) (transfer full) (nullable): NULL for a null QString. Odd byte count and unpaired
 * surrogates are QCOP_ERROR_CORRUPT. */
gboolean qcop_ds_read_string (QcopDsReader *reader, gchar **out, GError **error);
/* (out) (transfer full) (nullable): NULL for a null QByteArray. */
gboolean qcop_ds_read_bytes (QcopDsReader *reader, GBytes **out, GError **error);
/* (out) (transfer full): NULL-terminated; null QStrings in the list read as "". */
gboolean qcop_ds_read_string_list (QcopDsReader *reader, gchar ***out, GError **error);
/* (out) (transfer full): a non-floating GVariant of the mapped types. */
gboolean qcop_ds_read_variant (QcopDsReader *reader, GVariant **out, GError **error);
gboolean qcop_ds_read_variant_list (QcopDsReader *reader, GVariant **out_av, GError **error);
gboolean qcop_ds_read_variant_map (QcopDsReader *reader, GVariant **out_asv, GError **error);

/* Lower-case hex of @data, bytes separated by nothing ("0000000400610062"). For traces. */
gchar *qcop_ds_to_hex (const guint8 *data, gsize len);
/* Parses hex as qcop_ds_to_hex writes it; whitespace is ignored. NULL + error on bad input. */
GBytes *qcop_ds_from_hex (const gchar *hex, GError **error);

G_END_DECLS
