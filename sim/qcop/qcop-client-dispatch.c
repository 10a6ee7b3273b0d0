/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-client"

#include "qcop-client-private.h"

#include <string.h>

#include "qcop-datastream.h"

/* Call every callback of @registered with the (possibly unwrapped) message. Stops if the
 * connection changed under us. */
void
qcop_client_dispatch_message (QcopClient *self, const gchar *registered, const gchar *channel,
                              const gchar *message, GBytes *data)
{
  GArray *ids = g_hash_table_lookup (self->channels, registered);
  guint local[8];
  g_autofree guint *heap = NULL;
  guint *snapshot, n;

  if (!ids)
    {
      g_debug ("qcop client %s: message %s on unregistered channel %s dropped", self->app_name,
               message, registered);
      return;
    }
  /* the ids as they are now (a callback may register or unregister), on the stack for the
   * usual few */
  n = ids->len;
  snapshot = n <= G_N_ELEMENTS (local) ? local : (heap = g_new (guint, n));
  memcpy (snapshot, ids->data, n * sizeof (guint));
  self->messages_received++;
  for (guint i = 0; i < n; i++)
    {
      Callback *cb = g_hash_table_lookup (self->callbacks, GUINT_TO_POINTER (snapshot[i]));
      if (cb)
        cb->func (self, channel, message, data, cb->user_data);
    }
}

static void
handle_qcop_message (QcopClient *self, const QcopWireItem *item)
{
  g_autofree gchar *channel = NULL, *message = NULL;
  g_autoptr (GBytes) inner = NULL;
  g_autoptr (GError) error = NULL;

  if (item->is_response)
    {
      qcop_client_complete_is_registered (self, item);
      return;
    }
  if (strchr (item->channel, '*') == NULL || !g_str_equal (item->message, FORWARDED_MESSAGE))
    {
      qcop_client_dispatch_message (self, item->channel, item->channel, item->message, item->data);
      return;
    }
  if (!qcop_unwrap_forwarded (item->data, &channel, &message, &inner, &error))
    {
      g_message ("qcop client %s: dropping a garbled %s on %s: %s", self->app_name,
                 FORWARDED_MESSAGE, item->channel, error->message);
      return;
    }
  qcop_client_dispatch_message (self, item->channel, channel, message, inner);
}

void
qcop_client_handle_event (QcopClient *self, const QcopWireItem *item)
{
  switch (item->type)
    {
      case QCOP_EVENT_CONNECTED:
        if (self->state != CLIENT_STATE_CONNECTING)
          {
            g_debug ("qcop client %s: extra Connected event ignored", self->app_name);
            return;
          }
        qcop_client_set_state (self, CLIENT_STATE_CONNECTED, "Connected event");
        g_clear_error (&self->last_error);
        qcop_client_window_connected (self, item);
        qcop_client_emit_connected (self);
        break;
      case QCOP_EVENT_CREATION:
        qcop_client_window_creation (self, item);
        break;
      case QCOP_EVENT_REGION:
        qcop_client_window_region (self, item);
        break;
      case QCOP_EVENT_QCOP_MESSAGE:
        handle_qcop_message (self, item);
        break;
      default:
        g_debug ("qcop client %s: %s event ignored", self->app_name,
                 qcop_event_type_to_string (item->type));
        break;
    }
}

gboolean
qcop_unwrap_forwarded (GBytes *data, gchar **channel, gchar **message, GBytes **inner,
                       GError **error)
{
  g_autofree gchar *ch = NULL, *msg = NULL;
  g_autoptr (GBytes) bytes = NULL;
  QcopDsReader r;
  gsize len;
  const guint8 *p;

  g_return_val_if_fail (data != NULL, FALSE);
  p = g_bytes_get_data (data, &len);
  qcop_ds_reader_init (&r, p ? p : (const guint8 *)"", len);
  if (!qcop_ds_read_string (&r, &ch, error) || !qcop_ds_read_string (&r, &msg, error)
      || !qcop_ds_read_bytes (&r, &bytes, error))
    return FALSE;
  if (!qcop_ds_reader_at_end (&r))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CORRUPT,
                   "forwardedMessage: %" G_GSIZE_FORMAT
                   " trailing bytes after byte %" G_GSIZE_FORMAT,
                   qcop_ds_reader_remaining (&r), r.pos);
      return FALSE;
    }
  if (channel)
    *channel = ch ? g_steal_pointer (&ch) : g_strdup ("");
  if (message)
    *message = msg ? g_steal_pointer (&msg) : g_strdup ("");
  if (inner)
    *inner = bytes ? g_steal_pointer (&bytes) : g_bytes_new (NULL, 0);
  return TRUE;
}
