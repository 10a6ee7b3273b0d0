/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Buffered JSON-lines trace writer of stb-qcopd (format: sim/qcop/TRACE.md).
 *
 * A record is built in place in the output buffer:
 *   qcop_trace_begin (t, "cmd", "QCopSend");   -> {"t_ns":N,"kind":"cmd","type":"QCopSend"
 *   qcop_trace_add_int (t, "client", 1000);
 *   qcop_trace_add_str (t, "channel", "QPE/A");
 *   qcop_trace_end (t);                         -> }\n
 * Records are written to the file when 64 KiB are pending, and by qcop_trace_flush().
 * Strings are JSON-escaped (control characters, '"', '\\'; UTF-8 passes through; invalid
 * UTF-8 bytes become U+FFFD). Binary data is lower-case hex without separators.
 *
 * Members that several records share (a message's channel, message and data in the command
 * and in each event that delivers it) can be formatted once into a QcopTraceText and added
 * to each record with qcop_trace_add_text().
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QcopTrace QcopTrace;

typedef void (*QcopTraceFunc) (const gchar *json, gpointer user_data);

/* Formatted record members (",\"key\":value..."), reused without reallocating. Zero-initialise;
 * qcop_trace_text_clear() frees. */
typedef struct
{
  gchar *str; /* not NUL-terminated */
  gsize len;
  gsize cap;
} QcopTraceText;

void qcop_trace_text_clear (QcopTraceText *text);
void qcop_trace_text_add_int (QcopTraceText *text, const gchar *key, gint64 value);
void qcop_trace_text_add_bool (QcopTraceText *text, const gchar *key, gboolean value);
/* @value NULL adds nothing. */
void qcop_trace_text_add_str (QcopTraceText *text, const gchar *key, const gchar *value);
void qcop_trace_text_add_hex (QcopTraceText *text, const gchar *key, const guint8 *data, gsize len);

/* @path: file to create/truncate, or NULL for no file. (transfer full) */
QcopTrace *qcop_trace_new (const gchar *path, GError **error);
/* Flushes (errors are logged) and frees. NULL-safe. */
void qcop_trace_free (QcopTrace *self);
/* @func sees every record (without the newline); NULL removes it. */
void qcop_trace_set_func (QcopTrace *self, QcopTraceFunc func, gpointer user_data,
                          GDestroyNotify notify);
/* Is anyone listening (a file or a func)? Callers may skip building records otherwise. */
gboolean qcop_trace_is_active (QcopTrace *self);
gboolean qcop_trace_has_pending (QcopTrace *self);

/* A record stamped now (stbsim_now_ns()), or at @t_ns (taken when the fact happened). */
void qcop_trace_begin (QcopTrace *self, const gchar *kind, const gchar *type);
void qcop_trace_begin_at (QcopTrace *self, gint64 t_ns, const gchar *kind, const gchar *type);
void qcop_trace_add_int (QcopTrace *self, const gchar *key, gint64 value);
void qcop_trace_add_bool (QcopTrace *self, const gchar *key, gboolean value);
/* @value NULL adds nothing. */
void qcop_trace_add_str (QcopTrace *self, const gchar *key, const gchar *value);
void qcop_trace_add_hex (QcopTrace *self, const gchar *key, const guint8 *data, gsize len);
/* @members as they are (built with the qcop_trace_text_add_*() functions). */
void qcop_trace_add_text (QcopTrace *self, const QcopTraceText *members);
void qcop_trace_end (QcopTrace *self);

gboolean qcop_trace_flush (QcopTrace *self, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopTrace, qcop_trace_free)

G_END_DECLS
