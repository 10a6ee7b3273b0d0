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
  gchar *buf; /* pending records; len bytes used of cap */
  gsize len;
  gsize cap;
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
  self->cap = FLUSH_THRESHOLD * 2;
  self->buf = g_malloc (self->cap);
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
  g_free (self->buf);
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
  return self != NULL && self->len > 0;
}

/* The record buffer: a plain growable byte buffer (GString's per-call overhead showed in
 * profiles at 400k records/s). */
static inline gchar *
reserve (QcopTrace *self, gsize n)
{
  if (self->len + n + 1 > self->cap)
    {
      self->cap = MAX (self->cap * 2, self->len + n + 1);
      self->buf = g_realloc (self->buf, self->cap);
    }
  return self->buf + self->len;
}

static inline void
put (QcopTrace *self, const gchar *p, gsize n)
{
  memcpy (reserve (self, n), p, n);
  self->len += n;
}

static inline void
put_c (QcopTrace *self, gchar c)
{
  *reserve (self, 1) = c;
  self->len++;
}

#define PUT_LITERAL(self, lit) put ((self), (lit), sizeof (lit) - 1)

static void
put_escaped (QcopTrace *self, const gchar *value)
{
  const gchar *end = value + strlen (value);
  const gchar *p = value;

  while (p < end)
    {
      const gchar *run = p;
      guchar c;

      while (p < end && (guchar)*p >= 0x20 && *p != '"' && *p != '\\' && (guchar)*p < 0x80)
        p++;
      if (p > run)
        put (self, run, (gsize)(p - run));
      if (p == end)
        break;
      c = (guchar)*p;
      if (c >= 0x80)
        {
          const gchar *next = NULL;

          if (!g_utf8_validate_len (p, MIN (4, (gsize)(end - p)), &next) && next == p)
            {
              PUT_LITERAL (self, "\\ufffd");
              p++;
              continue;
            }
          /* copy one whole valid character */
          next = g_utf8_next_char (p);
          put (self, p, (gsize)(next - p));
          p = next;
          continue;
        }
      if (c == '"' || c == '\\')
        {
          put_c (self, '\\');
          put_c (self, (gchar)c);
        }
      else
        {
          static const gchar digits[] = "0123456789abcdef";
          gchar esc[6] = { '\\', 'u', '0', '0', digits[c >> 4], digits[c & 0xF] };
          put (self, esc, sizeof esc);
        }
      p++;
    }
}

static void
put_int (QcopTrace *self, gint64 value)
{
  gchar tmp[24];
  guint n = sizeof tmp;
  guint64 v = value < 0 ? (guint64)0 - (guint64)value : (guint64)value;

  do
    {
      tmp[--n] = (gchar)('0' + v % 10);
      v /= 10;
    }
  while (v > 0);
  if (value < 0)
    tmp[--n] = '-';
  put (self, tmp + n, sizeof tmp - n);
}

static void
put_key (QcopTrace *self, const gchar *key)
{
  PUT_LITERAL (self, ",\"");
  put (self, key, strlen (key));
  PUT_LITERAL (self, "\":");
}

void
qcop_trace_begin (QcopTrace *self, const gchar *kind, const gchar *type)
{
  g_return_if_fail (self != NULL);

  self->record_start = self->len;
  PUT_LITERAL (self, "{\"t_ns\":");
  put_int (self, stbsim_now_ns ());
  PUT_LITERAL (self, ",\"kind\":\"");
  put_escaped (self, kind);
  PUT_LITERAL (self, "\",\"type\":\"");
  put_escaped (self, type);
  put_c (self, '"');
}

void
qcop_trace_add_int (QcopTrace *self, const gchar *key, gint64 value)
{
  put_key (self, key);
  put_int (self, value);
}

void
qcop_trace_add_bool (QcopTrace *self, const gchar *key, gboolean value)
{
  put_key (self, key);
  if (value)
    PUT_LITERAL (self, "true");
  else
    PUT_LITERAL (self, "false");
}

void
qcop_trace_add_str (QcopTrace *self, const gchar *key, const gchar *value)
{
  if (value == NULL)
    return;
  put_key (self, key);
  put_c (self, '"');
  put_escaped (self, value);
  put_c (self, '"');
}

void
qcop_trace_add_hex (QcopTrace *self, const gchar *key, const guint8 *data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *out;

  put_key (self, key);
  put_c (self, '"');
  out = reserve (self, 2 * len);
  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xF];
    }
  self->len += 2 * len;
  put_c (self, '"');
}

void
qcop_trace_end (QcopTrace *self)
{
  g_return_if_fail (self != NULL);

  put_c (self, '}');
  if (self->func)
    {
      *reserve (self, 0) = '\0'; /* reserve() keeps room for the terminator */
      self->func (self->buf + self->record_start, self->func_data);
    }
  if (self->fd < 0)
    {
      self->len = 0;
      return;
    }
  put_c (self, '\n');
  if (self->len >= FLUSH_THRESHOLD)
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
      self->len = 0;
      return TRUE;
    }
  while (done < self->len)
    {
      gssize n = write (self->fd, self->buf + done, self->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot write trace file %s: %s (%" G_GSIZE_FORMAT " bytes lost)",
                       self->path, g_strerror (saved), self->len - done);
          self->len = 0;
          return FALSE;
        }
      done += (gsize)n;
    }
  self->len = 0;
  return TRUE;
}
