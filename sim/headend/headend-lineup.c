/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-headend"

#include "headend-lineup.h"
#include "stbsim-input.h"

#include <gio/gio.h>

/* clang-format off */
G_DEFINE_QUARK (stb-headend-error-quark, headend_error)
/* clang-format on */

#define CHANNEL_PREFIX "channel "
#define VOD_PREFIX "vod "

static void
channel_free (gpointer data)
{
  HeadendChannel *ch = data;
  g_free (ch->name);
  g_free (ch->pattern);
  g_free (ch->group);
  g_free (ch->uri);
  g_free (ch);
}

static void
asset_free (gpointer data)
{
  HeadendAsset *a = data;
  g_free (a->id);
  g_free (a->title);
  g_free (a->pattern);
  g_free (a);
}

static gint
compare_channels (gconstpointer a, gconstpointer b)
{
  const HeadendChannel *x = *(HeadendChannel *const *)a;
  const HeadendChannel *y = *(HeadendChannel *const *)b;
  return (gint)x->number - (gint)y->number;
}

static gchar *
get_string (GKeyFile *kf, const gchar *group, const gchar *key, const gchar *fallback)
{
  gchar *v = g_key_file_get_string (kf, group, key, NULL);
  return v ? v : g_strdup (fallback);
}

static guint
get_uint (GKeyFile *kf, const gchar *group, const gchar *key, guint fallback)
{
  g_autoptr (GError) error = NULL;
  gint v = g_key_file_get_integer (kf, group, key, &error);
  return error || v <= 0 ? fallback : (guint)v;
}

static gboolean
parse_channel (HeadendLineup *self, const gchar *path, const gchar *group, GError **error)
{
  guint64 number = 0;
  HeadendChannel *ch;

  if (!g_ascii_string_to_unsigned (group + strlen (CHANNEL_PREFIX), 10, 1, 9999, &number, NULL))
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_LINEUP,
                   "%s: [%s]: the channel number must be 1..9999", path, group);
      return FALSE;
    }
  ch = g_new0 (HeadendChannel, 1);
  ch->number = (guint)number;
  ch->name = get_string (self->keyfile, group, "name", group);
  ch->pattern = get_string (self->keyfile, group, "pattern", "smpte");
  ch->gop_ms = get_uint (self->keyfile, group, "gop_ms", 1000);
  ch->group = get_string (self->keyfile, group, "group", NULL);
  ch->port = (guint16)get_uint (self->keyfile, group, "port", 0);
  g_ptr_array_add (self->channels, ch);
  if (!ch->group || ch->port == 0 || ch->port % 2)
    {
      g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_LINEUP,
                   "%s: [%s]: needs group= and an even port=", path, group);
      return FALSE;
    }
  return TRUE;
}

static void
parse_asset (HeadendLineup *self, const gchar *group)
{
  HeadendAsset *a = g_new0 (HeadendAsset, 1);

  a->id = g_strdup (group + strlen (VOD_PREFIX));
  a->title = get_string (self->keyfile, group, "title", a->id);
  a->pattern = get_string (self->keyfile, group, "pattern", "smpte");
  a->duration_ms = get_uint (self->keyfile, group, "duration_ms", 30000);
  a->gop_ms = get_uint (self->keyfile, group, "gop_ms", 1000);
  g_ptr_array_add (self->assets, a);
}

HeadendLineup *
headend_lineup_load (const gchar *path, GError **error)
{
  g_autoptr (HeadendLineup) self = g_new0 (HeadendLineup, 1);
  g_auto (GStrv) groups = NULL;

  self->keyfile = g_key_file_new ();
  self->channels = g_ptr_array_new_with_free_func (channel_free);
  self->assets = g_ptr_array_new_with_free_func (asset_free);
  if (!stbsim_input_load_keyfile (self->keyfile, path, G_KEY_FILE_KEEP_COMMENTS, error))
    {
      g_prefix_error (error, "lineup %s: ", path);
      return NULL;
    }
  groups = g_key_file_get_groups (self->keyfile, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      if (g_str_has_prefix (groups[i], CHANNEL_PREFIX))
        {
          if (!parse_channel (self, path, groups[i], error))
            return NULL;
        }
      else if (g_str_has_prefix (groups[i], VOD_PREFIX))
        parse_asset (self, groups[i]);
    }
  g_ptr_array_sort (self->channels, compare_channels);
  return g_steal_pointer (&self);
}

void
headend_lineup_free (HeadendLineup *self)
{
  if (!self)
    return;
  g_clear_pointer (&self->keyfile, g_key_file_free);
  g_clear_pointer (&self->channels, g_ptr_array_unref);
  g_clear_pointer (&self->assets, g_ptr_array_unref);
  g_free (self);
}

/* An even UDP port on 127.0.0.1 that is free now (and its odd neighbour too), below the
 * kernel's ephemeral range (32768-60999): the head-end keeps sending to it whether anyone
 * listens or not, so it must not be a port that an RTSP client or call picks at random. */
#define FREE_PORT_MIN 20000
#define FREE_PORT_MAX 32000

static gboolean
port_free (GInetAddress *lo, guint16 port)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (lo, port);

  return s && g_socket_bind (s, sa, FALSE, NULL);
}

static guint16
pick_free_port (GError **error)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < 256; attempt++)
    {
      guint16 port = (guint16)(g_random_int_range (FREE_PORT_MIN, FREE_PORT_MAX) & ~1);

      if (port_free (lo, port) && port_free (lo, port + 1))
        return port;
    }
  g_set_error (error, HEADEND_ERROR, HEADEND_ERROR_LINEUP,
               "no free even UDP port pair in %d-%d after 256 attempts", FREE_PORT_MIN,
               FREE_PORT_MAX);
  return 0;
}

gboolean
headend_lineup_resolve (HeadendLineup *self, gboolean unicast, gint port_base, GError **error)
{
  for (guint i = 0; i < self->channels->len; i++)
    {
      HeadendChannel *ch = self->channels->pdata[i];

      if (port_base == 0)
        {
          ch->port = pick_free_port (error);
          if (!ch->port)
            return FALSE;
        }
      else if (port_base > 0)
        ch->port = (guint16)(port_base + 2 * i);
      g_free (ch->uri);
      ch->uri = g_strdup_printf ("udp://%s:%u", unicast ? "127.0.0.1" : ch->group, ch->port);
    }
  return TRUE;
}

gboolean
headend_lineup_write_resolved (HeadendLineup *self, const gchar *path, const gchar *multicast_iface,
                               GError **error)
{
  for (guint i = 0; i < self->channels->len; i++)
    {
      HeadendChannel *ch = self->channels->pdata[i];
      g_autofree gchar *group = g_strdup_printf (CHANNEL_PREFIX "%u", ch->number);

      g_key_file_set_integer (self->keyfile, group, "port", ch->port);
      g_key_file_set_string (self->keyfile, group, "uri", ch->uri);
    }
  if (multicast_iface)
    g_key_file_set_string (self->keyfile, "live", "multicast_iface", multicast_iface);
  return g_key_file_save_to_file (self->keyfile, path, error);
}
