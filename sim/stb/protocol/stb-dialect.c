/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-protocol"

#include "stb-dialect.h"
#include "stbsim-input.h"

#include <string.h>

static const gint32 default_types[STB_SWITCH_TYPE_COUNT] = { 1, 2 };
static const gint32 default_params[STB_SWITCH_PARAM_COUNT] = { 1, 2, 3, 4, 1, 2 };

const gchar *
stb_layout_to_string (StbLayout layout)
{
  return layout == STB_LAYOUT_UNIDIRECTIONAL ? "unidirectional" : "bidirectional";
}

gboolean
stb_layout_from_string (const gchar *s, StbLayout *out)
{
  if (g_strcmp0 (s, "bidirectional") == 0)
    *out = STB_LAYOUT_BIDIRECTIONAL;
  else if (g_strcmp0 (s, "unidirectional") == 0)
    *out = STB_LAYOUT_UNIDIRECTIONAL;
  else
    return FALSE;
  return TRUE;
}

const gchar *
stb_role_to_string (StbRole role)
{
  return role == STB_ROLE_IPTV ? "iptv" : "voip";
}

gboolean
stb_role_from_string (const gchar *s, StbRole *out)
{
  if (g_strcmp0 (s, "iptv") == 0)
    *out = STB_ROLE_IPTV;
  else if (g_strcmp0 (s, "voip") == 0)
    *out = STB_ROLE_VOIP;
  else
    return FALSE;
  return TRUE;
}

StbDialect *
stb_dialect_new_default (void)
{
  StbDialect *self = g_new0 (StbDialect, 1);

  self->name = g_strdup ("default");
  self->layout = STB_LAYOUT_BIDIRECTIONAL;
  self->bidirectional = g_strdup ("QPE/ServiceSwitch");
  self->to_iptv = g_strdup ("QPE/ServiceSwitch/ToIPTV");
  self->to_voip = g_strdup ("QPE/ServiceSwitch/ToVoIP");
  self->message = g_strdup ("switchService(int,int)");
  memcpy (self->type_values, default_types, sizeof default_types);
  memcpy (self->param_values, default_params, sizeof default_params);
  return self;
}

void
stb_dialect_free (StbDialect *self)
{
  if (!self)
    return;
  g_free (self->path);
  g_free (self->name);
  g_free (self->bidirectional);
  g_free (self->to_iptv);
  g_free (self->to_voip);
  g_free (self->message);
  g_free (self);
}

static gboolean
dialect_error (GError **error, const gchar *origin, const gchar *group, const gchar *key,
               const gchar *what)
{
  g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_DIALECT, "%s:[%s]%s: %s", origin,
               group, key, what);
  return FALSE;
}

/* Optional string key: keep *@value when absent; error when present but empty. */
static gboolean
read_string (GKeyFile *kf, const gchar *origin, const gchar *group, const gchar *key, gchar **value,
             GError **error)
{
  g_autofree gchar *s = NULL;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  s = g_key_file_get_string (kf, group, key, NULL);
  if (!s || !*g_strstrip (s))
    return dialect_error (error, origin, group, key, "empty value");
  for (const gchar *c = s; *c; c++)
    if ((guchar)*c > 0x7e || (guchar)*c < 0x20)
      return dialect_error (error, origin, group, key,
                            "names must be printable ASCII [SW-CHAN-05]");
  g_free (*value);
  *value = g_steal_pointer (&s);
  return TRUE;
}

static gboolean
read_int (GKeyFile *kf, const gchar *origin, const gchar *group, const gchar *key, gint32 *value,
          GError **error)
{
  g_autofree gchar *s = NULL;
  gint64 v;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  s = g_key_file_get_string (kf, group, key, NULL);
  if (!s || !g_ascii_string_to_signed (g_strstrip (s), 10, G_MININT32, G_MAXINT32, &v, NULL))
    {
      g_autofree gchar *what = g_strdup_printf ("'%s' is not a qint32", s ? s : "");
      return dialect_error (error, origin, group, key, what);
    }
  *value = (gint32)v;
  return TRUE;
}

static gboolean
check_unknown_keys (GKeyFile *kf, const gchar *origin, const gchar *group,
                    const gchar *const *known, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (known, keys[i]))
      return dialect_error (error, origin, group, keys[i], "unknown key");
  return TRUE;
}

static gboolean
read_channels (GKeyFile *kf, StbDialect *self, const gchar *origin, GError **error)
{
  static const gchar *const known[] = { "layout", "bidirectional", "to_iptv", "to_voip", NULL };
  g_autofree gchar *layout = NULL;

  if (!check_unknown_keys (kf, origin, "channels", known, error))
    return FALSE;
  if (g_key_file_has_key (kf, "channels", "layout", NULL))
    {
      layout = g_key_file_get_string (kf, "channels", "layout", NULL);
      if (!layout || !stb_layout_from_string (g_strstrip (layout), &self->layout))
        return dialect_error (error, origin, "channels", "layout",
                              "must be 'bidirectional' or 'unidirectional'");
    }
  if (!read_string (kf, origin, "channels", "bidirectional", &self->bidirectional, error)
      || !read_string (kf, origin, "channels", "to_iptv", &self->to_iptv, error)
      || !read_string (kf, origin, "channels", "to_voip", &self->to_voip, error))
    return FALSE;
  if (!stb_dialect_check_layout (self, error))
    {
      g_prefix_error (error, "%s:[channels]to_voip: ", origin);
      return FALSE;
    }
  return TRUE;
}

gboolean
stb_dialect_check_layout (const StbDialect *self, GError **error)
{
  if (self->layout == STB_LAYOUT_UNIDIRECTIONAL && g_str_equal (self->to_iptv, self->to_voip))
    {
      g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_DIALECT,
                   "unidirectional layout needs two channels, but to_iptv and to_voip are "
                   "both '%s' [SW-DLCT-02]",
                   self->to_iptv);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_numbers (GKeyFile *kf, StbDialect *self, const gchar *origin, GError **error)
{
  const gchar *known_types[STB_SWITCH_TYPE_COUNT + 1] = { NULL };
  const gchar *known_params[STB_SWITCH_PARAM_COUNT + 1] = { NULL };

  for (guint t = 0; t < STB_SWITCH_TYPE_COUNT; t++)
    {
      known_types[t] = stb_switch_type_to_string (t);
      if (!read_int (kf, origin, "types", known_types[t], &self->type_values[t], error))
        return FALSE;
    }
  if (self->type_values[0] == self->type_values[1])
    return dialect_error (error, origin, "types", "voip_to_iptv",
                          "same value as iptv_to_voip: types must differ");
  for (guint p = 0; p < STB_SWITCH_PARAM_COUNT; p++)
    {
      known_params[p] = stb_switch_param_to_string (p);
      if (!read_int (kf, origin, "params", known_params[p], &self->param_values[p], error))
        return FALSE;
    }
  for (guint a = 0; a < STB_SWITCH_PARAM_COUNT; a++)
    for (guint b = a + 1; b < STB_SWITCH_PARAM_COUNT; b++)
      if (stb_switch_param_get_type (a) == stb_switch_param_get_type (b)
          && self->param_values[a] == self->param_values[b])
        {
          g_autofree gchar *what = g_strdup_printf ("same value %d as %s in the same message type",
                                                    self->param_values[a], known_params[a]);
          return dialect_error (error, origin, "params", known_params[b], what);
        }
  return check_unknown_keys (kf, origin, "types", known_types, error)
         && check_unknown_keys (kf, origin, "params", known_params, error);
}

static gboolean
check_groups (GKeyFile *kf, const gchar *origin, GError **error)
{
  static const gchar *const known[] = { "dialect", "channels", "message", "types", "params", NULL };
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i]; i++)
    if (!g_strv_contains (known, groups[i]))
      {
        g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_DIALECT,
                     "%s:[%s]: unknown group (known: dialect, channels, message, types, "
                     "params)",
                     origin, groups[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_message (GKeyFile *kf, StbDialect *self, const gchar *origin, GError **error)
{
  static const gchar *const known_msg[] = { "name", NULL };
  static const gchar *const known_dialect[] = { "name", NULL };

  if (!check_unknown_keys (kf, origin, "message", known_msg, error)
      || !check_unknown_keys (kf, origin, "dialect", known_dialect, error)
      || !read_string (kf, origin, "message", "name", &self->message, error)
      || !read_string (kf, origin, "dialect", "name", &self->name, error))
    return FALSE;
  if (!strchr (self->message, '(') || !g_str_has_suffix (self->message, ")"))
    return dialect_error (error, origin, "message", "name",
                          "must be a QCOP message signature like switchService(int,int)");
  return TRUE;
}

StbDialect *
stb_dialect_load_data (const gchar *data, gsize len, const gchar *origin, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (StbDialect) self = stb_dialect_new_default ();
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (data != NULL, NULL);
  if (!origin)
    origin = "<dialect>";
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_DIALECT, "%s: %s", origin,
                   local->message);
      return NULL;
    }
  if (!g_key_file_has_key (kf, "dialect", "name", NULL))
    {
      g_autofree gchar *base = g_path_get_basename (origin);
      if (g_str_has_suffix (base, ".ini"))
        base[strlen (base) - 4] = '\0';
      if (*base && base[0] != '<')
        {
          g_free (self->name);
          self->name = g_steal_pointer (&base);
        }
    }
  if (!check_groups (kf, origin, error) || !read_message (kf, self, origin, error)
      || !read_channels (kf, self, origin, error) || !read_numbers (kf, self, origin, error))
    return NULL;
  return g_steal_pointer (&self);
}

StbDialect *
stb_dialect_load (const gchar *path, GError **error)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  StbDialect *self;

  g_return_val_if_fail (path != NULL, NULL);
  if (!stbsim_input_read (path, &data, &len, &local))
    {
      g_set_error (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_DIALECT,
                   "%s: cannot read dialect: %s", path, local->message);
      return NULL;
    }
  self = stb_dialect_load_data (data, len, path, error);
  if (self)
    self->path = g_strdup (path);
  return self;
}

const gchar *
stb_dialect_send_channel (const StbDialect *self, StbRole role)
{
  if (self->layout == STB_LAYOUT_BIDIRECTIONAL)
    return self->bidirectional;
  return role == STB_ROLE_IPTV ? self->to_voip : self->to_iptv;
}

const gchar *
stb_dialect_listen_channel (const StbDialect *self, StbRole role)
{
  if (self->layout == STB_LAYOUT_BIDIRECTIONAL)
    return self->bidirectional;
  return role == STB_ROLE_IPTV ? self->to_iptv : self->to_voip;
}

gint32
stb_dialect_type_value (const StbDialect *self, StbSwitchType type)
{
  g_return_val_if_fail (type < STB_SWITCH_TYPE_COUNT, 0);
  return self->type_values[type];
}

gint32
stb_dialect_param_value (const StbDialect *self, StbSwitchParam param)
{
  g_return_val_if_fail (param < STB_SWITCH_PARAM_COUNT, 0);
  return self->param_values[param];
}

gboolean
stb_dialect_lookup_type (const StbDialect *self, gint32 value, StbSwitchType *out)
{
  for (guint t = 0; t < STB_SWITCH_TYPE_COUNT; t++)
    if (self->type_values[t] == value)
      {
        *out = (StbSwitchType)t;
        return TRUE;
      }
  return FALSE;
}

gboolean
stb_dialect_lookup_param (const StbDialect *self, StbSwitchType type, gint32 value,
                          StbSwitchParam *out)
{
  for (guint p = 0; p < STB_SWITCH_PARAM_COUNT; p++)
    if (stb_switch_param_get_type (p) == type && self->param_values[p] == value)
      {
        *out = (StbSwitchParam)p;
        return TRUE;
      }
  return FALSE;
}
