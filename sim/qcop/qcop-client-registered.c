/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-client"

#include "qcop-client-private.h"

#include "qcop-datastream.h"

static void
is_registered_request_free (gpointer data)
{
  IsRegisteredRequest *req = data;

  if (req->timeout)
    g_source_destroy (req->timeout);
  g_clear_pointer (&req->timeout, g_source_unref);
  if (req->cancel)
    g_source_destroy (req->cancel);
  g_clear_pointer (&req->cancel, g_source_unref);
  g_free (req->name);
  g_free (req);
}

void
qcop_client_fail_pending (QcopClient *self, const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->pending)))
    {
      g_task_return_new_error (task, QCOP_ERROR, QCOP_ERROR_CONNECTION, "isRegistered(%s): %s",
                               ((IsRegisteredRequest *)g_task_get_task_data (task))->name,
                               error ? error->message : "client disconnected");
      g_object_unref (task);
    }
}

void
qcop_client_complete_is_registered (QcopClient *self, const QcopWireItem *item)
{
  g_autofree gchar *name = NULL;
  QcopDsReader r;
  GTask *task = NULL;

  qcop_ds_reader_init (&r, g_bytes_get_data (item->data, NULL), g_bytes_get_size (item->data));
  if (!qcop_ds_read_string (&r, &name, NULL))
    name = NULL;
  for (GList *l = self->pending.head; l && name; l = l->next)
    if (g_str_equal (((IsRegisteredRequest *)g_task_get_task_data (l->data))->name, name))
      {
        task = l->data;
        g_queue_delete_link (&self->pending, l);
        break;
      }
  if (!task)
    task = g_queue_pop_head (&self->pending);
  if (!task)
    {
      g_debug ("qcop client %s: response %s with no request pending", self->app_name,
               item->message);
      return;
    }
  if (g_str_equal (item->message, "known") || g_str_equal (item->message, "unknown"))
    g_task_return_int (task, g_str_equal (item->message, "known"));
  else
    g_task_return_new_error (task, QCOP_ERROR, QCOP_ERROR_PROTOCOL,
                             "isRegistered(%s): server %s answered \"%s\"", name ? name : "?",
                             self->socket_path, item->message);
  g_object_unref (task);
}

/* ---- isRegistered ------------------------------------------------------------------------ */

static gboolean
on_is_registered_timeout (gpointer data)
{
  GTask *task = data;
  QcopClient *self = g_task_get_source_object (task);
  IsRegisteredRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->timeout, g_source_unref);
  if (!g_queue_remove (&self->pending, task))
    return G_SOURCE_REMOVE;
  g_task_return_new_error (task, QCOP_ERROR, QCOP_ERROR_TIMEOUT,
                           "isRegistered(%s): no answer from %s in time", req->name,
                           self->socket_path);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
on_is_registered_cancelled (GCancellable *cancellable, gpointer data)
{
  GTask *task = data;
  QcopClient *self = g_task_get_source_object (task);
  IsRegisteredRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->cancel, g_source_unref);
  if (!g_queue_remove (&self->pending, task))
    return G_SOURCE_REMOVE;
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
qcop_client_is_registered_async (QcopClient *self, const gchar *channel, gint timeout_ms,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  IsRegisteredRequest *req;

  g_return_if_fail (QCOP_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qcop_client_is_registered_async);
  qcop_ds_write_string (data, channel);
  if (!qcop_client_send (self, "", "isRegistered()", data->data, data->len, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->messages_sent--; /* an internal request, not a message */
  req = g_new0 (IsRegisteredRequest, 1);
  req->name = g_strdup (channel);
  g_task_set_task_data (task, req, is_registered_request_free);
  if (timeout_ms >= 0)
    {
      req->timeout = g_timeout_source_new ((guint)timeout_ms);
      g_source_set_callback (req->timeout, on_is_registered_timeout, task, NULL);
      g_source_attach (req->timeout, self->context);
    }
  if (cancellable)
    {
      req->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (req->cancel, G_SOURCE_FUNC (on_is_registered_cancelled), task, NULL);
      g_source_attach (req->cancel, self->context);
    }
  g_queue_push_tail (&self->pending, g_steal_pointer (&task));
}

gboolean
qcop_client_is_registered_finish (QcopClient *self, GAsyncResult *result, gboolean *registered,
                                  GError **error)
{
  gssize answer;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  answer = g_task_propagate_int (G_TASK (result), error);
  if (answer < 0)
    return FALSE;
  if (registered)
    *registered = answer != 0;
  return TRUE;
}

typedef struct
{
  GAsyncResult *result;
} SyncWait;

static void
on_is_registered_sync_done (GObject *source, GAsyncResult *result, gpointer data)
{
  ((SyncWait *)data)->result = g_object_ref (result);
}

static gboolean
sync_result_ready (QcopClient *self, gpointer data)
{
  return ((SyncWait *)data)->result != NULL;
}

gboolean
qcop_client_is_registered_sync (QcopClient *self, const gchar *channel, gint timeout_ms,
                                gboolean *registered, GError **error)
{
  SyncWait wait = { NULL };
  gboolean ok;

  g_return_val_if_fail (QCOP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (timeout_ms >= 0, FALSE);
  qcop_client_is_registered_async (self, channel, timeout_ms, NULL, on_is_registered_sync_done,
                                   &wait);
  /* The request times out by itself; the extra margin only guards against a stuck loop. */
  qcop_client_wait_until (self, sync_result_ready, &wait, timeout_ms + 1000);
  if (!wait.result)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT, "isRegistered(%s): no answer", channel);
      return FALSE;
    }
  ok = qcop_client_is_registered_finish (self, wait.result, registered, error);
  g_object_unref (wait.result);
  return ok;
}
