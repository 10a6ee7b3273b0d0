/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * QCOP client library on the GLib main loop: the QCopChannel side of DESIGN.md §2.
 *
 * A QcopClient is one connection to a QWS/QCOP server (stb-qcopd or a real Qt/Embedded 4.8
 * server). It runs on the thread-default main context at construction time. Sends are queued
 * and written asynchronously; qcop_client_flush() waits (bounded) until the queue is empty.
 * Received QCopMessage events are dispatched to the callbacks registered for their channel.
 */

#include <gio/gio.h>

#include "qcop-error.h"

G_BEGIN_DECLS

#define QCOP_TYPE_CLIENT (qcop_client_get_type ())
G_DECLARE_FINAL_TYPE (QcopClient, qcop_client, QCOP, CLIENT, GObject)

/*
 * @channel: the channel the message arrived on. For a wildcard registration ("QPE/" + star)
 *   library unwraps forwardedMessage(QString,QString,QByteArray), so @channel, @message and
 *   @data are the original ones (the concrete channel, not the pattern).
 * @data: (not nullable): the message data (may be empty).
 */
typedef void (*QcopReceiveFunc) (QcopClient *client, const gchar *channel, const gchar *message,
                                 GBytes *data, gpointer user_data);

/* (transfer full). @socket_path: the server's Unix socket. @app_name: sent with Identify. */
QcopClient *qcop_client_new (const gchar *socket_path, const gchar *app_name);

/* Connect, wait for the Connected event, send Identify. Bounded by @timeout_ms. */
gboolean qcop_client_connect_sync (QcopClient *self, gint timeout_ms, GError **error);
gboolean qcop_client_is_connected (QcopClient *self);
/* Close the connection (the server detaches us from every channel). Idempotent. */
void qcop_client_disconnect (QcopClient *self);

/* Reconnect automatically after the connection is lost, every @interval_ms, re-registering
 * every channel; "connected" / "disconnected" signals report it. Off by default. */
void qcop_client_set_auto_reconnect (QcopClient *self, gboolean enable, guint interval_ms);

/*
 * Register a receive callback for @channel (a name, or a pattern containing '*'). Returns an
 * id > 0. The channel is registered with the server once, on the first callback for that name
 * (and again after every reconnect). May be called before connecting.
 */
guint qcop_client_register (QcopClient *self, const gchar *channel, QcopReceiveFunc func,
                            gpointer user_data, GDestroyNotify notify);
/* Remove a callback; the last one for a channel detaches it at the server. */
void qcop_client_unregister (QcopClient *self, guint id);

/* Queue a QCopSend. Fails only on invalid arguments or a raw part over 16384 bytes, or when
 * not connected (QCOP_ERROR_CONNECTION). */
gboolean qcop_client_send (QcopClient *self, const gchar *channel, const gchar *message,
                           const guint8 *data, gsize len, GError **error);
/* Block (iterating the client's main context) until every queued byte is written. */
gboolean qcop_client_flush (QcopClient *self, gint timeout_ms, GError **error);

/* QCopChannel::isRegistered(): does any client listen on @channel? Asks the server on the
 * "" channel. The async form completes with QCOP_ERROR_TIMEOUT after @timeout_ms. */
void qcop_client_is_registered_async (QcopClient *self, const gchar *channel, gint timeout_ms,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean qcop_client_is_registered_finish (QcopClient *self, GAsyncResult *result,
                                           gboolean *registered, GError **error);
/* Bounded blocking variant: iterates the client's main context until the answer arrives.
 * Not from inside a QcopReceiveFunc (the socket source does not recurse: it would time out). */
gboolean qcop_client_is_registered_sync (QcopClient *self, const gchar *channel, gint timeout_ms,
                                         gboolean *registered, GError **error);

/* Statistics, for tests and benchmarks. */
guint64 qcop_client_get_messages_sent (QcopClient *self);
guint64 qcop_client_get_messages_received (QcopClient *self);

/*
 * Signals:
 *   "connected"    (QcopClient *)                  after connect or a reconnect
 *   "disconnected" (QcopClient *, const GError *)  connection lost (reason) or closed (NULL)
 */

/* Unwrap forwardedMessage(QString,QString,QByteArray) data into its three fields. */
gboolean qcop_unwrap_forwarded (GBytes *data, gchar **channel, gchar **message, GBytes **inner,
                                GError **error);

G_END_DECLS
