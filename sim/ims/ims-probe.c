/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims"

#include "ims-probe.h"
#include "ims-netns.h"

#include <gio/gio.h>

#include <string.h>

typedef struct
{
  GSocket *socket;
  gchar *local;  /* "addr:port" */
  gchar *target; /* "addr:port" */
  gchar *call_id;
  gchar *tag;
  guint cseq;
} Probe;

static void
probe_clear (Probe *probe)
{
  g_clear_object (&probe->socket);
  g_clear_pointer (&probe->local, g_free);
  g_clear_pointer (&probe->target, g_free);
  g_clear_pointer (&probe->call_id, g_free);
  g_clear_pointer (&probe->tag, g_free);
}

static gchar *
format_address (GInetSocketAddress *sa)
{
  g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (sa));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (sa));
}

/* A UDP socket connected to the target, so ICMP errors come back as ECONNREFUSED. */
static gboolean
probe_open (Probe *probe, const gchar *addr, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (addr);
  g_autoptr (GSocketAddress) target = NULL;
  g_autoptr (GSocketAddress) local = NULL;

  if (!ia)
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_PROTOCOL, "probe: \"%s\" is not an IP address",
                   addr);
      return FALSE;
    }
  target = g_inet_socket_address_new (ia, port);
  probe->socket = g_socket_new (g_inet_address_get_family (ia), G_SOCKET_TYPE_DATAGRAM,
                                G_SOCKET_PROTOCOL_UDP, error);
  if (!probe->socket || !g_socket_connect (probe->socket, target, NULL, error))
    return FALSE;
  local = g_socket_get_local_address (probe->socket, error);
  if (!local)
    return FALSE;
  g_socket_set_blocking (probe->socket, FALSE);
  probe->local = format_address (G_INET_SOCKET_ADDRESS (local));
  probe->target = g_strdup_printf ("%s:%u", addr, port);
  probe->call_id = g_strdup_printf ("stbsim-probe-%08x%08x", g_random_int (), g_random_int ());
  probe->tag = g_strdup_printf ("%08x", g_random_int ());
  return TRUE;
}

static void
probe_send (Probe *probe)
{
  g_autofree gchar *msg = NULL;
  g_autoptr (GError) error = NULL;

  probe->cseq++;
  msg = g_strdup_printf ("OPTIONS sip:%s SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%u;rport\r\n"
                         "Max-Forwards: 70\r\n"
                         "From: <sip:probe@stbsim.invalid>;tag=%s\r\n"
                         "To: <sip:%s>\r\n"
                         "Call-ID: %s\r\n"
                         "CSeq: %u OPTIONS\r\n"
                         "User-Agent: stbsim-ims-probe\r\n"
                         "Content-Length: 0\r\n\r\n",
                         probe->target, probe->local, probe->call_id, probe->cseq, probe->tag,
                         probe->target, probe->call_id, probe->cseq);
  /* ECONNREFUSED from the previous attempt may surface here: nothing listens yet. */
  if (g_socket_send (probe->socket, msg, strlen (msg), NULL, &error) < 0)
    g_debug ("probe %s: send: %s", probe->target, error->message);
}

/* Value of header @name in @msg (case-insensitive name, first occurrence), or NULL. */
static gchar *
find_header (const gchar *msg, const gchar *name)
{
  gsize len = strlen (name);

  for (const gchar *line = msg; line && *line; line = strchr (line, '\n'))
    {
      if (*line == '\n')
        line++;
      if (g_ascii_strncasecmp (line, name, len) == 0 && line[len] == ':')
        {
          const gchar *v = line + len + 1;
          const gchar *end = strpbrk (v, "\r\n");
          return g_strstrip (g_strndup (v, end ? (gsize)(end - v) : strlen (v)));
        }
    }
  return NULL;
}

/* 0: not (yet) an answer to us; >0: status; -1: answered by someone else (error set). */
static gint
probe_parse (Probe *probe, const gchar *msg, const gchar *instance, GError **error)
{
  g_autofree gchar *call_id = NULL;
  g_autofree gchar *their = NULL;
  gint status;

  if (!g_str_has_prefix (msg, "SIP/2.0 ") || !g_ascii_isdigit (msg[8]) || !g_ascii_isdigit (msg[9])
      || !g_ascii_isdigit (msg[10]))
    return 0;
  status = (msg[8] - '0') * 100 + (msg[9] - '0') * 10 + (msg[10] - '0');
  call_id = find_header (msg, "Call-ID");
  if (!call_id || !g_str_equal (call_id, probe->call_id))
    return 0;
  if (!instance)
    return status;
  their = find_header (msg, "X-Stbsim-Instance");
  if (their && g_str_equal (their, instance))
    return status;
  g_set_error (error, IMS_ERROR, IMS_ERROR_PROTOCOL,
               "%s answered %d but is not our Kamailio (instance \"%s\", expected \"%s\"): "
               "another server shares the port",
               probe->target, status, their ? their : "(none)", instance);
  return -1;
}

/* Wait up to @wait_ms for an answer; returns as probe_parse(). */
static gint
probe_receive (Probe *probe, gint wait_ms, const gchar *instance, GError **error)
{
  gint64 until = g_get_monotonic_time () + (gint64)wait_ms * 1000;

  for (;;)
    {
      gchar buf[4096];
      gssize n;
      gint64 left = until - g_get_monotonic_time ();
      g_autoptr (GError) local = NULL;

      if (left <= 0)
        return 0;
      if (!g_socket_condition_timed_wait (probe->socket, G_IO_IN, left, NULL, NULL))
        return 0;
      n = g_socket_receive (probe->socket, buf, sizeof buf - 1, NULL, &local);
      if (n < 0)
        {
          /* ECONNREFUSED: nothing listening (yet); wait for the next attempt */
          g_debug ("probe %s: %s", probe->target, local->message);
          continue;
        }
      buf[n] = '\0';
      {
        gint status = probe_parse (probe, buf, instance, error);
        if (status != 0)
          return status;
      }
    }
}

static gboolean
probe_open_in (Probe *probe, const gchar *netns, const gchar *addr, guint16 port, GError **error)
{
  gint saved = -1;
  gboolean ok;

  if (netns && !ims_netns_enter (netns, &saved, error))
    return FALSE;
  ok = probe_open (probe, addr, port, error);
  if (netns)
    ims_netns_leave (saved);
  return ok;
}

gboolean
ims_probe_sip (const gchar *addr, guint16 port, const ImsProbeOptions *options,
               ImsProbeResult *result, GError **error)
{
  ImsProbeOptions defaults = { 0 };
  Probe probe = { 0 };
  gint timeout_ms, interval_ms;
  gint64 start, deadline;
  gboolean ok = FALSE;

  g_return_val_if_fail (addr != NULL && port != 0, FALSE);
  if (!options)
    options = &defaults;
  timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 5000;
  interval_ms = options->interval_ms > 0 ? options->interval_ms : 20;
  if (!probe_open_in (&probe, options->netns, addr, port, error))
    {
      g_prefix_error (error, "probe %s:%u: ", addr, port);
      probe_clear (&probe);
      return FALSE;
    }
  start = g_get_monotonic_time ();
  deadline = start + (gint64)timeout_ms * 1000;
  while (g_get_monotonic_time () < deadline)
    {
      gint status;
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;

      if (options->alive && !options->alive (options->alive_data, error))
        goto out;
      probe_send (&probe);
      status = probe_receive (&probe, (gint)MIN (interval_ms, MAX (left_ms, 1)), options->instance,
                              error);
      if (status < 0)
        goto out;
      if (status > 0)
        {
          if (result)
            {
              result->status = status;
              result->attempts = probe.cseq;
              result->elapsed_ns = (g_get_monotonic_time () - start) * 1000;
            }
          ok = TRUE;
          goto out;
        }
    }
  g_set_error (error, IMS_ERROR, IMS_ERROR_TIMEOUT,
               "no SIP answer from %s after %d ms (%u OPTIONS sent every %d ms)", probe.target,
               timeout_ms, probe.cseq, interval_ms);
out:
  probe_clear (&probe);
  return ok;
}

guint16
ims_pick_udp_port (const gchar *addr, GError **error)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (addr);
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) sock = NULL;

  if (!ia)
    {
      g_set_error (error, IMS_ERROR, IMS_ERROR_PORT, "\"%s\" is not an IP address", addr);
      return 0;
    }
  any = g_inet_socket_address_new (ia, 0);
  sock = g_socket_new (g_inet_address_get_family (ia), G_SOCKET_TYPE_DATAGRAM,
                       G_SOCKET_PROTOCOL_UDP, error);
  if (!sock || !g_socket_bind (sock, any, FALSE, error)
      || !(bound = g_socket_get_local_address (sock, error)))
    {
      g_prefix_error (error, "picking a free UDP port on %s: ", addr);
      if (error && *error)
        {
          (*error)->domain = IMS_ERROR;
          (*error)->code = IMS_ERROR_PORT;
        }
      return 0;
    }
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}
