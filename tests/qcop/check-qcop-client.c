/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "check-qcop-client"

/*
 * Tests of sim/qcop/qcop-client.c and the qcop CLI against a real stb-qcopd process (core,
 * reconnect), and against an in-process fake server for what a correct server never does
 * (garbled events, partial writes, silence).
 */

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <string.h>

#include "qcop-client.h"
#include "qcop-datastream.h"
#include "qcop-wire.h"
#include "stbsim-test.h"

#define WAIT_MS 5000

typedef struct
{
  gchar *dir;
  gchar *socket_path;
  gchar *trace_path;
  gchar *log_path;
  StbsimProc *server;
} Fixture;

static Fixture fx;

static StbsimProc *
start_server (void)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  const gchar *argv[] = { exe, "--socket", fx.socket_path, "--trace", fx.trace_path, NULL };

  return stbsim_test_spawn_ready (argv, "stb-qcopd", fx.log_path, WAIT_MS, NULL);
}

static void
setup (void)
{
  fx.dir = stbsim_test_mkdtemp ("qcop-client");
  fx.socket_path = g_build_filename (fx.dir, "qcop.sock", NULL);
  fx.trace_path = g_build_filename (fx.dir, "trace.jsonl", NULL);
  fx.log_path = g_build_filename (fx.dir, "stb-qcopd.log", NULL);
  fx.server = start_server ();
}

static void
setup_no_server (void)
{
  fx.dir = stbsim_test_mkdtemp ("qcop-client");
  fx.socket_path = g_build_filename (fx.dir, "qcop.sock", NULL);
  fx.trace_path = g_build_filename (fx.dir, "trace.jsonl", NULL);
  fx.log_path = g_build_filename (fx.dir, "stb-qcopd.log", NULL);
}

static void
teardown (void)
{
  g_clear_pointer (&fx.server, stbsim_proc_free);
  stbsim_test_rmtree (fx.dir);
  g_clear_pointer (&fx.dir, g_free);
  g_clear_pointer (&fx.socket_path, g_free);
  g_clear_pointer (&fx.trace_path, g_free);
  g_clear_pointer (&fx.log_path, g_free);
}

static QcopClient *
connected_client (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  QcopClient *client = qcop_client_new (fx.socket_path, name);

  ck_assert_msg (qcop_client_connect_sync (client, WAIT_MS, &error), "connect: %s",
                 error ? error->message : "");
  ck_assert (qcop_client_is_connected (client));
  return client;
}

/* ---- received-message recorder ------------------------------------------------------------ */

typedef struct
{
  gchar *channel;
  gchar *message;
  GBytes *data;
} Received;

static void
received_free (gpointer p)
{
  Received *r = p;

  g_free (r->channel);
  g_free (r->message);
  g_bytes_unref (r->data);
  g_free (r);
}

static void
on_receive (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
            gpointer user_data)
{
  Received *r = g_new0 (Received, 1);

  r->channel = g_strdup (channel);
  r->message = g_strdup (message);
  r->data = g_bytes_ref (data);
  g_ptr_array_add (user_data, r);
}

static void
wait_received (GPtrArray *got, guint n)
{
  ck_assert_msg (stbsim_test_wait_count (NULL, &got->len, n, WAIT_MS), "received %u of %u",
                 got->len, n);
}

static void
assert_received (Received *r, const gchar *channel, const gchar *message, const gchar *hex)
{
  g_autofree gchar *got_hex
      = qcop_ds_to_hex (g_bytes_get_data (r->data, NULL), g_bytes_get_size (r->data));

  ck_assert_str_eq (r->channel, channel);
  ck_assert_str_eq (r->message, message);
  ck_assert_str_eq (got_hex, hex);
}

static gboolean
is_registered (QcopClient *client, const gchar *channel)
{
  g_autoptr (GError) error = NULL;
  gboolean known = FALSE;

  ck_assert_msg (qcop_client_is_registered_sync (client, channel, WAIT_MS, &known, &error),
                 "isRegistered(%s): %s", channel, error ? error->message : "");
  return known;
}

/* ---- core --------------------------------------------------------------------------------- */

START_TEST (test_connect_identify)
{
  g_autoptr (QcopClient) client = connected_client ("check-identify-app");
  g_autofree gchar *trace = NULL;

  /* A round trip: the server has handled Identify before it answers. */
  ck_assert (!is_registered (client, "nobody/listens"));
  ck_assert_uint_eq (qcop_client_get_messages_sent (client), 0);
  qcop_client_disconnect (client);
  ck_assert (!qcop_client_is_connected (client));
  qcop_client_disconnect (client);       /* idempotent */
  stbsim_proc_stop (fx.server, WAIT_MS); /* the server writes out its trace when it stops */
  ck_assert (g_file_get_contents (fx.trace_path, &trace, NULL, NULL));
  ck_assert_msg (strstr (trace, "check-identify-app") != NULL, "Identify not in trace:\n%s", trace);
}
END_TEST

START_TEST (test_self_delivery)
{
  g_autoptr (QcopClient) client = connected_client ("check-self");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) data = g_byte_array_new ();

  ck_assert_uint_gt (qcop_client_register (client, "test/self", on_receive, got, NULL), 0);
  qcop_ds_write_int32 (data, 1);
  qcop_ds_write_int32 (data, 2);
  ck_assert (qcop_client_send (client, "test/self", "switchService(int,int)", data->data, data->len,
                               &error));
  ck_assert (qcop_client_send (client, "test/self", "empty()", NULL, 0, &error));
  ck_assert (qcop_client_send (client, "test/other", "nobody()", NULL, 0, &error));
  wait_received (got, 2);
  assert_received (got->pdata[0], "test/self", "switchService(int,int)", "0000000100000002");
  assert_received (got->pdata[1], "test/self", "empty()", "");
  ck_assert_uint_eq (qcop_client_get_messages_sent (client), 3);
  ck_assert_uint_eq (qcop_client_get_messages_received (client), 2);
}
END_TEST

START_TEST (test_two_callbacks_one_registration)
{
  g_autoptr (QcopClient) client = connected_client ("check-two");
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (received_free);
  g_autoptr (GPtrArray) b = g_ptr_array_new_with_free_func (received_free);
  guint id_a = qcop_client_register (client, "test/two", on_receive, a, NULL);
  guint id_b = qcop_client_register (client, "test/two", on_receive, b, NULL);

  ck_assert_uint_ne (id_a, id_b);
  ck_assert (qcop_client_send (client, "test/two", "m()", NULL, 0, NULL));
  wait_received (a, 1);
  wait_received (b, 1);
  /* one registration at the server: exactly one copy per callback */
  qcop_client_unregister (client, id_a);
  ck_assert (is_registered (client, "test/two")); /* b still listens */
  ck_assert (qcop_client_send (client, "test/two", "n()", NULL, 0, NULL));
  wait_received (b, 2);
  ck_assert_uint_eq (a->len, 1);
  assert_received (b->pdata[1], "test/two", "n()", "");
}
END_TEST

START_TEST (test_is_registered)
{
  g_autoptr (QcopClient) listener = connected_client ("check-listener");
  g_autoptr (QcopClient) asker = connected_client ("check-asker");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  guint id = qcop_client_register (listener, "test/known", on_receive, got, NULL);

  /* the listener's own round trip proves its registration reached the server */
  ck_assert (is_registered (listener, "test/known"));
  ck_assert (is_registered (asker, "test/known"));
  ck_assert (!is_registered (asker, "test/unknown"));
  qcop_client_unregister (listener, id);
  /* detach() went before this request on the same connection */
  ck_assert (!is_registered (listener, "test/known"));
}
END_TEST

static void
on_async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **)data != NULL;
}

START_TEST (test_is_registered_async)
{
  g_autoptr (QcopClient) client = connected_client ("check-async");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  GAsyncResult *r1 = NULL, *r2 = NULL;
  gboolean k1 = FALSE, k2 = TRUE;
  g_autoptr (GError) error = NULL;

  qcop_client_register (client, "test/async", on_receive, got, NULL);
  qcop_client_is_registered_async (client, "test/async", WAIT_MS, NULL, on_async_done, &r1);
  qcop_client_is_registered_async (client, "test/none", WAIT_MS, NULL, on_async_done, &r2);
  ck_assert (stbsim_test_wait_until (NULL, result_ready, &r1, WAIT_MS));
  ck_assert (stbsim_test_wait_until (NULL, result_ready, &r2, WAIT_MS));
  ck_assert (qcop_client_is_registered_finish (client, r1, &k1, &error));
  ck_assert (qcop_client_is_registered_finish (client, r2, &k2, &error));
  ck_assert (k1);
  ck_assert (!k2);
  g_object_unref (r1);
  g_object_unref (r2);
}
END_TEST

START_TEST (test_wildcard)
{
  g_autoptr (QcopClient) wild = connected_client ("check-wild");
  g_autoptr (QcopClient) sender = connected_client ("check-wild-sender");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  g_autoptr (GByteArray) data = g_byte_array_new ();

  qcop_client_register (wild, "test/wild/*", on_receive, got, NULL);
  ck_assert (is_registered (wild, "test/wild/*"));
  qcop_ds_write_string (data, "hi");
  ck_assert (
      qcop_client_send (sender, "test/wild/a/b", "greet(QString)", data->data, data->len, NULL));
  ck_assert (qcop_client_send (sender, "test/other", "no()", NULL, 0, NULL));
  ck_assert (qcop_client_send (sender, "test/wild/c", "second()", NULL, 0, NULL));
  wait_received (got, 2);
  /* unwrapped: the concrete channel, the original message and data */
  assert_received (got->pdata[0], "test/wild/a/b", "greet(QString)",
                   "000000040068"
                   "0069");
  assert_received (got->pdata[1], "test/wild/c", "second()", "");
}
END_TEST

START_TEST (test_two_processes_cli)
{
  g_autofree gchar *qcop = stbsim_test_build_path ("sim/qcop/qcop");
  g_autofree gchar *listen_log = g_build_filename (fx.dir, "listen.log", NULL);
  const gchar *listen_argv[] = { qcop,      "--socket", fx.socket_path, "listen", "test/cli",
                                 "--count", "2",        "--timeout",    "10000",  NULL };
  g_autoptr (StbsimProc) listener
      = stbsim_test_spawn_ready (listen_argv, "qcop listen", listen_log, WAIT_MS, NULL);
  const gchar *send_argv[]
      = { qcop,    "--socket", fx.socket_path, "send", "test/cli", "switchService(int,int)",
          "--int", "1",        "--int",        "4",    NULL };
  g_autoptr (QcopClient) client = connected_client ("check-cli");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  g_autofree gchar *out = NULL;
  gint status = -1;
  g_autoptr (GError) error = NULL;

  /* our library -> qcop listen (another process) */
  ck_assert (qcop_client_send (client, "test/cli", "fromLib(QString)", NULL, 0, NULL));
  /* qcop send (another process) -> qcop listen and -> our library */
  qcop_client_register (client, "test/cli", on_receive, got, NULL);
  ck_assert (is_registered (client, "test/cli"));
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)send_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, &error),
                 "spawn qcop send: %s", error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, &error), "qcop send: %s", error->message);
  wait_received (got, 1);
  assert_received (got->pdata[0], "test/cli", "switchService(int,int)", "0000000100000004");
  ck_assert (stbsim_test_wait_exit (listener, WAIT_MS, NULL));
  ck_assert (g_file_get_contents (listen_log, &out, NULL, NULL));
  ck_assert_msg (strstr (out, "test/cli fromLib(QString) \n") != NULL, "listen output:\n%s", out);
  ck_assert_msg (strstr (out, "test/cli switchService(int,int) 0000000100000004\n") != NULL,
                 "listen output:\n%s", out);
}
END_TEST

START_TEST (test_cli_listen_json_wildcard)
{
  g_autofree gchar *qcop = stbsim_test_build_path ("sim/qcop/qcop");
  g_autofree gchar *log = g_build_filename (fx.dir, "listen-json.log", NULL);
  const gchar *argv[] = { qcop,      "--socket", fx.socket_path, "listen", "test/json/*", "--json",
                          "--count", "1",        "--timeout",    "10000",  NULL };
  g_autoptr (StbsimProc) listener
      = stbsim_test_spawn_ready (argv, "qcop listen --json", log, WAIT_MS, NULL);
  g_autoptr (QcopClient) client = connected_client ("check-json");
  g_autofree gchar *out = NULL;
  gint status = -1;

  ck_assert (
      qcop_client_send (client, "test/json/a", "q(QString)", (const guint8 *)"\x01", 1, NULL));
  ck_assert (stbsim_test_wait_exit (listener, WAIT_MS, &status));
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  ck_assert (g_file_get_contents (log, &out, NULL, NULL));
  ck_assert_msg (strstr (out, "\"channel\":\"test/json/a\",\"message\":\"q(QString)\","
                              "\"data\":\"01\"}\n")
                     != NULL,
                 "listen --json output:\n%s", out);
}
END_TEST

static int
run_cli (const gchar *const *args, gchar **out)
{
  g_autofree gchar *qcop = stbsim_test_build_path ("sim/qcop/qcop");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gint status = -1;

  g_ptr_array_add (argv, qcop);
  g_ptr_array_add (argv, (gpointer) "--socket");
  g_ptr_array_add (argv, fx.socket_path);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
                               NULL, &status, &error),
                 "spawn qcop: %s", error ? error->message : "");
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

START_TEST (test_cli_is_registered)
{
  g_autoptr (QcopClient) client = connected_client ("check-cli-reg");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  const gchar *known[] = { "is-registered", "test/cli-reg", NULL };
  const gchar *unknown[] = { "is-registered", "test/cli-none", NULL };
  const gchar *usage[] = { "frobnicate", NULL };
  g_autofree gchar *o1 = NULL, *o2 = NULL;

  qcop_client_register (client, "test/cli-reg", on_receive, got, NULL);
  ck_assert (is_registered (client, "test/cli-reg"));
  ck_assert_int_eq (run_cli (known, &o1), 0);
  ck_assert_str_eq (o1, "known\n");
  ck_assert_int_eq (run_cli (unknown, &o2), 1);
  ck_assert_str_eq (o2, "unknown\n");
  ck_assert_int_eq (run_cli (usage, NULL), 2);
}
END_TEST

/* ---- reconnect ---------------------------------------------------------------------------- */

typedef struct
{
  guint connected;
  guint disconnected;
  gint last_code;
} Events;

static void
on_connected (QcopClient *client, gpointer data)
{
  ((Events *)data)->connected++;
}

static void
on_disconnected (QcopClient *client, const GError *error, gpointer data)
{
  Events *e = data;

  e->disconnected++;
  e->last_code = error ? error->code : -1;
}

static gboolean
got_disconnected (gpointer data)
{
  return ((Events *)data)->disconnected > 0;
}

static gboolean
got_connected (gpointer data)
{
  return ((Events *)data)->connected > 0;
}

START_TEST (test_reconnect_reregisters)
{
  g_autoptr (QcopClient) client = connected_client ("check-reconnect");
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };

  qcop_client_set_auto_reconnect (client, TRUE, 20);
  qcop_client_register (client, "test/persist", on_receive, got, NULL);
  qcop_client_register (client, "test/wild-persist/*", on_receive, got, NULL);
  ck_assert (is_registered (client, "test/persist"));
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), &ev);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), &ev);

  stbsim_proc_stop (fx.server, WAIT_MS);
  g_clear_pointer (&fx.server, stbsim_proc_free);
  ck_assert (stbsim_test_wait_until (NULL, got_disconnected, &ev, WAIT_MS));
  ck_assert_int_eq (ev.last_code, QCOP_ERROR_CONNECTION);
  ck_assert (!qcop_client_is_connected (client));
  ck_assert (!qcop_client_send (client, "test/persist", "x()", NULL, 0, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));

  /* a new server on the same socket: the reconnect timer finds it and re-registers */
  fx.server = start_server ();
  ck_assert (stbsim_test_wait_until (NULL, got_connected, &ev, WAIT_MS));
  ck_assert (qcop_client_is_connected (client));
  ck_assert (is_registered (client, "test/persist"));
  {
    g_autoptr (QcopClient) other = connected_client ("check-reconnect-other");
    ck_assert (is_registered (other, "test/persist"));
    ck_assert (qcop_client_send (other, "test/persist", "again()", NULL, 0, NULL));
    ck_assert (qcop_client_send (other, "test/wild-persist/x", "wild()", NULL, 0, NULL));
    wait_received (got, 2);
  }
  assert_received (got->pdata[0], "test/persist", "again()", "");
  assert_received (got->pdata[1], "test/wild-persist/x", "wild()", "");
  g_signal_handlers_disconnect_by_data (client, &ev);
}
END_TEST

START_TEST (test_server_gone)
{
  g_autoptr (QcopClient) client = qcop_client_new (fx.socket_path, "check-gone");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* nobody at the socket: a clear error at once, no hang */
  ck_assert (!qcop_client_connect_sync (client, WAIT_MS, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));
  ck_assert_msg (strstr (error->message, fx.socket_path) != NULL, "%s", error->message);
  ck_assert (g_get_monotonic_time () - start < WAIT_MS * 1000);
  g_clear_error (&error);
  ck_assert (!qcop_client_send (client, "a", "b()", NULL, 0, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));
  g_clear_error (&error);
  ck_assert (!qcop_client_is_registered_sync (client, "a", 1000, NULL, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));
  g_clear_error (&error);
  ck_assert (!qcop_client_flush (client, 100, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));
}
END_TEST

START_TEST (test_server_dies_while_connected)
{
  g_autoptr (QcopClient) client = connected_client ("check-dies");
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };

  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), &ev);
  stbsim_proc_signal (fx.server, SIGKILL);
  ck_assert (stbsim_test_wait_until (NULL, got_disconnected, &ev, WAIT_MS));
  ck_assert_int_eq (ev.last_code, QCOP_ERROR_CONNECTION);
  ck_assert (!qcop_client_is_connected (client));
  ck_assert (!qcop_client_is_registered_sync (client, "a", 1000, NULL, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));
  g_signal_handlers_disconnect_by_data (client, &ev);
}
END_TEST

/* ---- errors: an in-process fake server ---------------------------------------------------- */

typedef struct
{
  GSocket *listener;
  GSocket *peer;
  GSource *accept_source;
} FakeServer;

static gboolean
on_fake_accept (GSocket *socket, GIOCondition cond, gpointer data)
{
  FakeServer *fake = data;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  fake->peer = g_socket_accept (socket, NULL, NULL);
  ck_assert_ptr_nonnull (fake->peer);
  ck_assert (qcop_wire_encode_connected (out, 7, "fake", NULL));
  ck_assert_int_eq (g_socket_send (fake->peer, (gchar *)out->data, out->len, NULL, NULL), out->len);
  return G_SOURCE_REMOVE;
}

static void
fake_start (FakeServer *fake)
{
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (fx.socket_path);

  fake->listener
      = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  ck_assert (g_socket_bind (fake->listener, addr, TRUE, NULL));
  ck_assert (g_socket_listen (fake->listener, NULL));
  fake->accept_source = g_socket_create_source (fake->listener, G_IO_IN, NULL);
  g_source_set_callback (fake->accept_source, G_SOURCE_FUNC (on_fake_accept), fake, NULL);
  g_source_attach (fake->accept_source, NULL);
}

static void
fake_stop (FakeServer *fake)
{
  g_source_destroy (fake->accept_source);
  g_source_unref (fake->accept_source);
  g_clear_object (&fake->peer);
  g_clear_object (&fake->listener);
  g_unlink (fx.socket_path);
}

static void
fake_send (FakeServer *fake, const guint8 *data, gsize len)
{
  ck_assert_int_eq (g_socket_send (fake->peer, (const gchar *)data, len, NULL, NULL), len);
}

START_TEST (test_partial_reads)
{
  FakeServer fake = { 0 };
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  g_autoptr (GByteArray) ev = g_byte_array_new ();

  fake_start (&fake);
  client = connected_client ("check-partial");
  qcop_client_register (client, "p/ch", on_receive, got, NULL);
  ck_assert (qcop_wire_encode_qcop_message (ev, FALSE, "p/ch", "m1()", (const guint8 *)"\x01\x02",
                                            2, NULL));
  ck_assert (qcop_wire_encode_qcop_message (ev, FALSE, "p/ch", "m2()", NULL, 0, NULL));
  /* one byte at a time, letting the client read each */
  for (guint i = 0; i < ev->len; i++)
    {
      fake_send (&fake, ev->data + i, 1);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  wait_received (got, 2);
  assert_received (got->pdata[0], "p/ch", "m1()", "0102");
  assert_received (got->pdata[1], "p/ch", "m2()", "");
  ck_assert (qcop_client_is_connected (client));
  g_clear_object (&client);
  fake_stop (&fake);
}
END_TEST

/* SPEC [SW-RX-06], as Qt 4.8 (qapplication_qws.cpp QWSDisplay::Data::fillQueue): a QCopMessage
 * flagged is_response is the answer to a pending request, never a channel message. */
START_TEST (test_response_not_delivered)
{
  FakeServer fake = { 0 };
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (received_free);
  g_autoptr (GByteArray) ev = g_byte_array_new ();
  const guint8 data[] = { 0, 0, 0, 2, 0, 0, 0, 2 };

  fake_start (&fake);
  client = connected_client ("check-response");
  qcop_client_register (client, "QPE/ServiceSwitch", on_receive, got, NULL);
  ck_assert (qcop_wire_encode_qcop_message (ev, TRUE, "QPE/ServiceSwitch", "switchService(int,int)",
                                            data, 8, NULL));
  ck_assert (
      qcop_wire_encode_qcop_message (ev, FALSE, "QPE/ServiceSwitch", "after()", NULL, 0, NULL));
  fake_send (&fake, ev->data, ev->len);
  wait_received (got, 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ck_assert_uint_eq (got->len, 1); /* only the plain message reached the channel */
  assert_received (got->pdata[0], "QPE/ServiceSwitch", "after()", "");
  ck_assert (qcop_client_is_connected (client));
  g_clear_object (&client);
  fake_stop (&fake);
}
END_TEST

static void
garbled_case (const guint8 *junk, gsize len, gint expected_code)
{
  FakeServer fake = { 0 };
  g_autoptr (QcopClient) client = NULL;
  Events ev = { 0 };

  fake_start (&fake);
  client = connected_client ("check-garbled");
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), &ev);
  fake_send (&fake, junk, len);
  ck_assert (stbsim_test_wait_until (NULL, got_disconnected, &ev, WAIT_MS));
  ck_assert_int_eq (ev.last_code, expected_code);
  ck_assert (!qcop_client_is_connected (client));
  g_signal_handlers_disconnect_by_data (client, &ev);
  g_clear_object (&client);
  fake_stop (&fake);
}

START_TEST (test_garbled_events)
{
  gint32 unknown_type[] = { 99, 0 };
  gint32 oversize[] = { QCOP_EVENT_QCOP_MESSAGE, QCOP_WIRE_MAX_RAW + 1, 0, 0, 0, 0 };
  gint32 negative[] = { QCOP_EVENT_QCOP_MESSAGE, -5, 0, 0, 0, 0 };
  gint32 mismatch[] = { QCOP_EVENT_QCOP_MESSAGE, 4, 0, 1, 1, 1, 0x41414141 };

  garbled_case ((guint8 *)unknown_type, sizeof unknown_type, QCOP_ERROR_PROTOCOL);
  garbled_case ((guint8 *)oversize, sizeof oversize, QCOP_ERROR_PROTOCOL);
  garbled_case ((guint8 *)negative, sizeof negative, QCOP_ERROR_PROTOCOL);
  garbled_case ((guint8 *)mismatch, sizeof mismatch, QCOP_ERROR_PROTOCOL);
}
END_TEST

START_TEST (test_silent_server_timeouts)
{
  FakeServer fake = { 0 };
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (QcopClient) never = qcop_client_new ("/nonexistent-dir/qcop.sock", "x");
  g_autoptr (GError) error = NULL;
  gboolean known;
  g_autoptr (GSocket) mute = NULL;
  g_autoptr (GSocketAddress) addr = NULL;

  fake_start (&fake);
  client = connected_client ("check-silent");
  /* the fake never answers isRegistered: bounded */
  ck_assert (!qcop_client_is_registered_sync (client, "x", 100, &known, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT));
  g_clear_error (&error);
  ck_assert (qcop_client_flush (client, WAIT_MS, &error));
  g_clear_object (&client);
  fake_stop (&fake);

  /* a listener that never sends Connected: connect_sync times out */
  mute = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  addr = g_unix_socket_address_new (fx.socket_path);
  g_unlink (fx.socket_path);
  ck_assert (g_socket_bind (mute, addr, TRUE, NULL));
  ck_assert (g_socket_listen (mute, NULL));
  client = qcop_client_new (fx.socket_path, "check-mute");
  ck_assert (!qcop_client_connect_sync (client, 100, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT));
  g_clear_error (&error);
  ck_assert (!qcop_client_connect_sync (never, 100, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CONNECTION));
}
END_TEST

START_TEST (test_invalid_arguments)
{
  g_autoptr (QcopClient) client = connected_client ("check-invalid");
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc0 (QCOP_WIRE_MAX_RAW + 1);
  g_autoptr (GBytes) bad = g_bytes_new_static ("\x00\x00\x00\x03"
                                               "abc",
                                               7);
  g_autofree gchar *c = NULL, *m = NULL;
  g_autoptr (GBytes) inner = NULL;

  ck_assert (!qcop_client_send (client, "c", "m()", big, QCOP_WIRE_MAX_RAW + 1, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TOO_LARGE));
  g_clear_error (&error);
  ck_assert (!qcop_client_send (client, "c", "\xff", NULL, 0, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  g_clear_error (&error);
  ck_assert (!qcop_unwrap_forwarded (bad, &c, &m, &inner, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_CORRUPT));
  ck_assert (qcop_client_is_connected (client));
}
END_TEST

typedef struct
{
  QcopClient *client;
  GSocket *peer;
  gsize drained;
} Drain;

static gboolean
on_drain_readable (GSocket *socket, GIOCondition cond, gpointer data)
{
  Drain *d = data;
  gchar buf[65536];
  gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL);

  if (n > 0)
    d->drained += (gsize)n;
  return n > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

START_TEST (test_backpressure_flush)
{
  FakeServer fake = { 0 };
  g_autoptr (QcopClient) client = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc0 (16000);
  GSource *drain_source;
  Drain drain = { 0 };

  fake_start (&fake);
  client = connected_client ("check-backpressure");
  /* ~6.4 MB: far more than the socket buffers hold while the fake does not read */
  for (guint i = 0; i < 400; i++)
    ck_assert (qcop_client_send (client, "bp/ch", "m(QByteArray)", chunk, 16000, &error));
  ck_assert (!qcop_client_flush (client, 100, &error));
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_TIMEOUT));
  g_clear_error (&error);
  ck_assert (qcop_client_is_connected (client));
  /* the fake starts reading: everything drains, through partial writes */
  drain.peer = fake.peer;
  g_socket_set_blocking (fake.peer, FALSE);
  drain_source = g_socket_create_source (fake.peer, G_IO_IN, NULL);
  g_source_set_callback (drain_source, G_SOURCE_FUNC (on_drain_readable), &drain, NULL);
  g_source_attach (drain_source, NULL);
  ck_assert_msg (qcop_client_flush (client, WAIT_MS, &error), "flush: %s",
                 error ? error->message : "");
  g_source_destroy (drain_source);
  g_source_unref (drain_source);
  ck_assert_uint_eq (qcop_client_get_messages_sent (client), 400);
  g_clear_object (&client);
  fake_stop (&fake);
}
END_TEST

static Suite *
client_suite (void)
{
  Suite *s = suite_create ("qcop-client");
  TCase *core = tcase_create ("core");
  TCase *reconnect = tcase_create ("reconnect");
  TCase *errors = tcase_create ("errors");

  tcase_add_checked_fixture (core, setup, teardown);
  tcase_set_timeout (core, 30);
  tcase_add_test (core, test_connect_identify);
  tcase_add_test (core, test_self_delivery);
  tcase_add_test (core, test_two_callbacks_one_registration);
  tcase_add_test (core, test_is_registered);
  tcase_add_test (core, test_is_registered_async);
  tcase_add_test (core, test_wildcard);
  tcase_add_test (core, test_two_processes_cli);
  tcase_add_test (core, test_cli_is_registered);
  tcase_add_test (core, test_cli_listen_json_wildcard);
  tcase_add_test (core, test_invalid_arguments);
  suite_add_tcase (s, core);

  tcase_add_checked_fixture (reconnect, setup, teardown);
  tcase_set_timeout (reconnect, 30);
  tcase_add_test (reconnect, test_reconnect_reregisters);
  tcase_add_test (reconnect, test_server_dies_while_connected);
  suite_add_tcase (s, reconnect);

  tcase_add_checked_fixture (errors, setup_no_server, teardown);
  tcase_set_timeout (errors, 30);
  tcase_add_test (errors, test_server_gone);
  tcase_add_test (errors, test_partial_reads);
  tcase_add_test (errors, test_response_not_delivered);
  tcase_add_test (errors, test_garbled_events);
  tcase_add_test (errors, test_silent_server_timeouts);
  tcase_add_test (errors, test_backpressure_flush);
  suite_add_tcase (s, errors);
  return s;
}

int
main (void)
{
  return stbsim_test_run (client_suite ());
}
