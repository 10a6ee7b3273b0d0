/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-trace"

#include "qcop-trace.h"

#include "stbsim-proc.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_THRESHOLD (64 * 1024)

struct _QcopTrace
{
  gchar *path;
  gint fd;
  QcopTraceText out; /* pending records (complete lines), then the one being built */
  gsize record_start;
  QcopTraceFunc func;
  gpointer func_data;
  GDestroyNotify func_notify;
};

QcopTrace *
qcop_trace_new (const gchar *path, GError **error)
{
  QcopTrace *self;
  gint fd = -1;

  if (path != NULL)
    {
      fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot create trace file %s: %s", path, g_strerror (saved));
          return NULL;
        }
    }
  self = g_new0 (QcopTrace, 1);
  self->path = g_strdup (path);
  self->fd = fd;
  self->out.cap = FLUSH_THRESHOLD * 2;
  self->out.str = g_malloc (self->out.cap);
  return self;
}

void
qcop_trace_free (QcopTrace *self)
{
  g_autoptr (GError) error = NULL;

  if (self == NULL)
    return;
  if (!qcop_trace_flush (self, &error))
    g_message ("trace: %s", error->message);
  if (self->fd >= 0)
    close (self->fd);
  if (self->func_notify)
    self->func_notify (self->func_data);
  qcop_trace_text_clear (&self->out);
  g_free (self->path);
  g_free (self);
}

void
qcop_trace_set_func (QcopTrace *self, QcopTraceFunc func, gpointer user_data, GDestroyNotify notify)
{
  g_return_if_fail (self != NULL);

  if (self->func_notify)
    self->func_notify (self->func_data);
  self->func = func;
  self->func_data = user_data;
  self->func_notify = notify;
}

gboolean
qcop_trace_is_active (QcopTrace *self)
{
  return self != NULL && (self->fd >= 0 || self->func != NULL);
}

gboolean
qcop_trace_has_pending (QcopTrace *self)
{
  return self != NULL && self->out.len > 0;
}

/* The record buffer: a plain growable byte buffer (GString's per-call overhead showed in
 * profiles at 400k records/s). reserve() keeps room for a terminator. */
static inline gchar *
reserve (QcopTraceText *self, gsize n)
{
  if (self->len + n + 1 > self->cap)
    {
      self->cap = MAX (MAX (self->cap * 2, self->len + n + 1), 256);
      self->str = g_realloc (self->str, self->cap);
    }
  return self->str + self->len;
}

static inline void
put (QcopTraceText *self, const gchar *p, gsize n)
{
  memcpy (reserve (self, n), p, n);
  self->len += n;
}

static inline void
put_c (QcopTraceText *self, gchar c)
{
  *reserve (self, 1) = c;
  self->len++;
}

#define PUT_LITERAL(self, lit) put ((self), (lit), sizeof (lit) - 1)

/* Bytes a JSON string cannot hold as they are: NUL (the end of the value), control
 * characters, '"', '\\'; bytes >= 0x80 are checked as UTF-8. */
static const guint8 special[256]
    = { [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1 };

/* "00" .. "ff" */
static const gchar hex_pairs[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                                 "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                                 "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                                 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                 "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* "00" .. "99" */
static const gchar decimal_pairs[] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

static void
put_escaped (QcopTraceText *self, const gchar *value)
{
  const guchar *p = (const guchar *)value;

  for (;;)
    {
      const guchar *run = p;
      guchar c;

      while (!special[*p])
        p++;
      if (p > run)
        put (self, (const gchar *)run, (gsize)(p - run));
      c = *p;
      if (c == '\0')
        return;
      if (c >= 0x80)
        {
          const gchar *next = NULL;

          if (!g_utf8_validate_len ((const gchar *)p, strnlen ((const gchar *)p, 4), &next)
              && next == (const gchar *)p)
            {
              PUT_LITERAL (self, "\\ufffd");
              p++;
              continue;
            }
          /* copy one whole valid character */
          next = g_utf8_next_char (p);
          put (self, (const gchar *)p, (gsize)(next - (const gchar *)p));
          p = (const guchar *)next;
          continue;
        }
      if (c == '"' || c == '\\')
        {
          put_c (self, '\\');
          put_c (self, (gchar)c);
        }
      else
        {
          gchar esc[6] = { '\\', 'u', '0', '0', hex_pairs[2 * c], hex_pairs[2 * c + 1] };
          put (self, esc, sizeof esc);
        }
      p++;
    }
}

static void
put_int (QcopTraceText *self, gint64 value)
{
  gchar tmp[24];
  guint n = sizeof tmp;
  guint64 v = value < 0 ? (guint64)0 - (guint64)value : (guint64)value;

  while (v >= 100)
    {
      guint i = (guint)(v % 100) * 2;

      v /= 100;
      tmp[--n] = decimal_pairs[i + 1];
      tmp[--n] = decimal_pairs[i];
    }
  if (v >= 10)
    {
      tmp[--n] = decimal_pairs[2 * v + 1];
      tmp[--n] = decimal_pairs[2 * v];
    }
  else
    tmp[--n] = (gchar)('0' + v);
  if (value < 0)
    tmp[--n] = '-';
  put (self, tmp + n, sizeof tmp - n);
}

static void
put_key (QcopTraceText *self, const gchar *key)
{
  PUT_LITERAL (self, ",\"");
  put (self, key, strlen (key));
  PUT_LITERAL (self, "\":");
}

void
qcop_trace_text_clear (QcopTraceText *text)
{
  g_clear_pointer (&text->str, g_free);
  text->len = text->cap = 0;
}

void
qcop_trace_text_add_int (QcopTraceText *text, const gchar *key, gint64 value)
{
  put_key (text, key);
  put_int (text, value);
}

void
qcop_trace_text_add_bool (QcopTraceText *text, const gchar *key, gboolean value)
{
  put_key (text, key);
  if (value)
    PUT_LITERAL (text, "true");
  else
    PUT_LITERAL (text, "false");
}

void
qcop_trace_text_add_str (QcopTraceText *text, const gchar *key, const gchar *value)
{
  if (value == NULL)
    return;
  put_key (text, key);
  put_c (text, '"');
  put_escaped (text, value);
  put_c (text, '"');
}

void
qcop_trace_text_add_hex (QcopTraceText *text, const gchar *key, const guint8 *data, gsize len)
{
  gchar *out;

  put_key (text, key);
  put_c (text, '"');
  out = reserve (text, 2 * len);
  for (gsize i = 0; i < len; i++)
    memcpy (out + 2 * i, hex_pairs + 2 * data[i], 2);
  text->len += 2 * len;
  put_c (text, '"');
}

void
qcop_trace_begin_at (QcopTrace *self, gint64 t_ns, const gchar *kind, const gchar *type)
{
  g_return_if_fail (self != NULL);

  self->record_start = self->out.len;
  PUT_LITERAL (&self->out, "{\"t_ns\":");
  put_int (&self->out, t_ns);
  PUT_LITERAL (&self->out, ",\"kind\":\"");
  put_escaped (&self->out, kind);
  PUT_LITERAL (&self->out, "\",\"type\":\"");
  put_escaped (&self->out, type);
  put_c (&self->out, '"');
}

void
qcop_trace_begin (QcopTrace *self, const gchar *kind, const gchar *type)
{
  qcop_trace_begin_at (self, stbsim_now_ns (), kind, type);
}

void
qcop_trace_add_int (QcopTrace *self, const gchar *key, gint64 value)
{
  qcop_trace_text_add_int (&self->out, key, value);
}

void
qcop_trace_add_bool (QcopTrace *self, const gchar *key, gboolean value)
{
  qcop_trace_text_add_bool (&self->out, key, value);
}

void
qcop_trace_add_str (QcopTrace *self, const gchar *key, const gchar *value)
{
  qcop_trace_text_add_str (&self->out, key, value);
}

void
qcop_trace_add_hex (QcopTrace *self, const gchar *key, const guint8 *data, gsize len)
{
  qcop_trace_text_add_hex (&self->out, key, data, len);
}

void
qcop_trace_add_text (QcopTrace *self, const QcopTraceText *members)
{
  put (&self->out, members->str, members->len);
}

void
qcop_trace_end (QcopTrace *self)
{
  g_return_if_fail (self != NULL);

  put_c (&self->out, '}');
  if (self->func)
    {
      *reserve (&self->out, 0) = '\0'; /* reserve() keeps room for the terminator */
      self->func (self->out.str + self->record_start, self->func_data);
    }
  if (self->fd < 0)
    {
      self->out.len = 0;
      return;
    }
  put_c (&self->out, '\n');
  if (self->out.len >= FLUSH_THRESHOLD)
    {
      g_autoptr (GError) error = NULL;
      if (!qcop_trace_flush (self, &error))
        g_message ("trace: %s", error->message);
    }
}

gboolean
qcop_trace_flush (QcopTrace *self, GError **error)
{
  gsize done = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->fd < 0)
    {
      self->out.len = 0;
      return TRUE;
    }
  while (done < self->out.len)
    {
      gssize n = write (self->fd, self->out.str + done, self->out.len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot write trace file %s: %s (%" G_GSIZE_FORMAT " bytes lost)",
                       self->path, g_strerror (saved), self->out.len - done);
          self->out.len = 0;
          return FALSE;
        }
      done += (gsize)n;
    }
  self->out.len = 0;
  return TRUE;
}
