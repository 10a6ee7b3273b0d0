/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-ports"

#include "sr-ports.h"

gboolean
sr_ports_parse (const gchar *text, SrConfig *config, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text ? text : "", "-", 3);
  guint64 a = 0, b = 0;
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 1024, 65535, &a, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1024, 65535, &b, NULL) || a > b)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--ports %s: FIRST-LAST, 1024 <= FIRST <= LAST <= 65535", text ? text : "");
      return FALSE;
    }
  config->port_first = (guint)a;
  config->port_last = (guint)b;
  return TRUE;
}

/* Bind 127.0.0.1:@port (0: any) without address reuse; the socket, or NULL. */
GSocket *
sr_ports_bind (guint port)
{
  g_autoptr (GSocket) sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, (guint16)port);
  if (sock == NULL || !g_socket_bind (sock, addr, FALSE, NULL))
    return NULL;
  return g_steal_pointer (&sock);
}

guint
sr_ports_bound (GSocket *sock)
{
  g_autoptr (GSocketAddress) a = sock ? g_socket_get_local_address (sock, NULL) : NULL;
  return a ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (a)) : 0;
}

guint
sr_ports_pick (const SrConfig *config)
{
  static guint cursor; /* one process runs one test at a time */
  if (config != NULL && config->port_first != 0)
    {
      guint count = config->port_last - config->port_first + 1;
      for (guint i = 0; i < count; i++)
        {
          guint port = config->port_first + (cursor++ % count);
          g_autoptr (GSocket) s = sr_ports_bind (port);
          if (s != NULL)
            return port;
        }
      g_warning ("no free UDP port in %u-%u: taking one from the kernel", config->port_first,
                 config->port_last);
    }
  g_autoptr (GSocket) s = sr_ports_bind (0);
  return sr_ports_bound (s);
}

void
sr_ports_add_ims_port (const SrConfig *config, GPtrArray *argv)
{
  if (config == NULL || config->port_first == 0)
    return;
  for (guint i = 0; i < argv->len; i++)
    {
      const gchar *a = g_ptr_array_index (argv, i);
      if (g_strcmp0 (a, "--port") == 0 || g_str_has_prefix (a, "--port=")
          || g_strcmp0 (a, "--netns") == 0)
        return;
    }
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", sr_ports_pick (config)));
}
