/* SPDX-License-Identifier: MIT */
/*
 * A minimal IPTV module of the service-switching protocol, written from conformance/SPEC.md
 * alone: the starting point a vendor copies (examples/vendor-module/README.md).
 *
 * It uses only libqcop (sim/qcop/qcop-client.h: a QCopChannel on the GLib main loop;
 * qcop-datastream.h: QDataStream v12). What it does, by SPEC section:
 *   §2.2  connect, Identify, register the layout's listen channel, then the agent channel
 *   §3    switch messages: qint32 messageType, qint32 parameter (big-endian)
 *   §4    receive checks 1-6, ignored messages counted by reason
 *   §5    the dialect file (channel names, message name, numbers)
 *   §6    the IPTV state machine, every row of the table, row ids in events
 *   §12   the test agent interface: key(), select(), status(); events on STBSim/Events
 *   D.5   the READY line on --ready-fd
 * What it does NOT do: decode media. "Playing" is the state machine's notion (iptv.play /
 * iptv.stop with the lineup's URI); its ICS answers live=no and vod=no, so the tests that
 * judge real pictures are not run on it. A vendor puts its player where play()/stop() are.
 */
#define G_LOG_DOMAIN "iptv-module"

#include "qcop-client.h"
#include "qcop-datastream.h"

#include <gio/gio.h>
#include <glib-unix.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define AGENT_CHANNEL "STBSim/Agent/IPTV"
#define EVENTS_CHANNEL "STBSim/Events"
#define EVENT_MESSAGE "event(qlonglong,QString,QString,QString)"

/* ---- the dialect (SPEC §5) --------------------------------------------------------------- */

enum
{
  P_BACK_TO_NAV,
  P_STOP_IPTV,
  P_REJECT_CONTINUE_IPTV,
  P_RESUME_IPTV,
  P_CALLER_SHOW_VIDEO_PAGE,
  P_CALLEE_SHOW_VIDEO_PAGE,
  N_PARAMS
};

static const gchar *const param_names[N_PARAMS] = { "BACK_TO_NAV",
                                                    "STOP_IPTV",
                                                    "REJECT_CONTINUE_IPTV",
                                                    "RESUME_IPTV",
                                                    "CALLER_SHOW_VIDEO_PAGE",
                                                    "CALLEE_SHOW_VIDEO_PAGE" };
static const gint param_defaults[N_PARAMS] = { 1, 2, 3, 4, 1, 2 };

typedef struct
{
  gchar *name;
  gboolean bidirectional;
  gchar *bidi, *to_iptv, *to_voip, *message;
  gint type_iptv_to_voip, type_voip_to_iptv;
  gint params[N_PARAMS];
} Dialect;

static const gchar *const dialect_keys[][9] = {
  { "dialect", "name", NULL },
  { "channels", "layout", "bidirectional", "to_iptv", "to_voip", NULL },
  { "message", "name", NULL },
  { "types", "iptv_to_voip", "voip_to_iptv", NULL },
  { "params", "BACK_TO_NAV", "STOP_IPTV", "REJECT_CONTINUE_IPTV", "RESUME_IPTV",
    "CALLER_SHOW_VIDEO_PAGE", "CALLEE_SHOW_VIDEO_PAGE", NULL },
};

static gchar *
kf_string (GKeyFile *kf, const gchar *group, const gchar *key, const gchar *def)
{
  gchar *v = kf ? g_key_file_get_string (kf, group, key, NULL) : NULL;
  return v ? v : g_strdup (def);
}

static gint
kf_int (GKeyFile *kf, const gchar *group, const gchar *key, gint def)
{
  g_autoptr (GError) error = NULL;
  gint v = kf ? g_key_file_get_integer (kf, group, key, &error) : def;
  return (kf == NULL || error) ? def : v;
}

/* Unknown groups and keys are refused: a typo must not fall back to a default ([SW-DLCT-01]). */
static gboolean
dialect_check_keys (GKeyFile *kf, const gchar *path, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      guint row = 0;
      while (row < G_N_ELEMENTS (dialect_keys) && g_strcmp0 (dialect_keys[row][0], groups[g]))
        row++;
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint k = 0; keys && keys[k]; k++)
        if (row == G_N_ELEMENTS (dialect_keys)
            || !g_strv_contains ((const gchar *const *)dialect_keys[row] + 1, keys[k]))
          {
            g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                         "%s:[%s]%s: unknown dialect key", path, groups[g], keys[k]);
            return FALSE;
          }
    }
  return TRUE;
}

static void
dialect_clear (Dialect *d)
{
  g_free (d->name);
  g_free (d->bidi);
  g_free (d->to_iptv);
  g_free (d->to_voip);
  g_free (d->message);
}

static gboolean
dialect_load (Dialect *d, const gchar *path, const gchar *layout, GError **error)
{
  g_autoptr (GKeyFile) kf = NULL;
  if (path)
    {
      kf = g_key_file_new ();
      if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error)
          || !dialect_check_keys (kf, path, error))
        return FALSE;
    }
  g_autofree gchar *base = path ? g_path_get_basename (path) : g_strdup ("default.ini");
  if (g_str_has_suffix (base, ".ini"))
    base[strlen (base) - 4] = '\0';
  d->name = kf_string (kf, "dialect", "name", base);
  g_autofree gchar *file_layout = kf_string (kf, "channels", "layout", "bidirectional");
  const gchar *l = layout ? layout : file_layout;
  if (g_strcmp0 (l, "bidirectional") && g_strcmp0 (l, "unidirectional"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "layout %s: bidirectional or unidirectional", l);
      return FALSE;
    }
  d->bidirectional = g_str_equal (l, "bidirectional");
  d->bidi = kf_string (kf, "channels", "bidirectional", "QPE/ServiceSwitch");
  d->to_iptv = kf_string (kf, "channels", "to_iptv", "QPE/ServiceSwitch/ToIPTV");
  d->to_voip = kf_string (kf, "channels", "to_voip", "QPE/ServiceSwitch/ToVoIP");
  d->message = kf_string (kf, "message", "name", "switchService(int,int)");
  d->type_iptv_to_voip = kf_int (kf, "types", "iptv_to_voip", 1);
  d->type_voip_to_iptv = kf_int (kf, "types", "voip_to_iptv", 2);
  for (guint i = 0; i < N_PARAMS; i++)
    d->params[i] = kf_int (kf, "params", param_names[i], param_defaults[i]);
  return TRUE;
}

/* The channel this module sends on and the one it listens on ([SW-CHAN-02], [SW-CHAN-03]). */
static const gchar *
send_channel (const Dialect *d)
{
  return d->bidirectional ? d->bidi : d->to_voip;
}

static const gchar *
listen_channel (const Dialect *d)
{
  return d->bidirectional ? d->bidi : d->to_iptv;
}

/* ---- the lineup (SPEC §6.3) -------------------------------------------------------------- */

typedef struct
{
  gchar *id;  /* "live:N" or "vod:ASSET" */
  gchar *uri; /* (nullable) where the player would get it */
} Item;

static void
item_clear (gpointer p)
{
  Item *it = p;
  g_free (it->id);
  g_free (it->uri);
}

/* Navigation items (§6.1): videocall, live:N ascending, vod:ASSET in lineup order. Without a
 * lineup file: live channels 1..4 with no URI (this skeleton plays nothing anyway). */
static gboolean
lineup_load (GArray *items, const gchar *path, const gchar *vod_base, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  Item video = { g_strdup ("videocall"), NULL };

  g_array_append_val (items, video);
  if (path == NULL)
    {
      for (gint n = 1; n <= 4; n++)
        {
          Item it = { g_strdup_printf ("live:%d", n), NULL };
          g_array_append_val (items, it);
        }
      return TRUE;
    }
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  groups = g_key_file_get_groups (kf, NULL);
  for (gint n = 0; n <= 9; n++) /* digits select channels 0..9; ascending order */
    {
      g_autofree gchar *group = g_strdup_printf ("channel %d", n);
      if (!g_key_file_has_group (kf, group))
        continue;
      Item it = { g_strdup_printf ("live:%d", n), g_key_file_get_string (kf, group, "uri", NULL) };
      g_array_append_val (items, it);
    }
  for (guint g = 0; groups[g]; g++)
    if (g_str_has_prefix (groups[g], "vod "))
      {
        const gchar *asset = groups[g] + 4;
        Item it = { g_strdup_printf ("vod:%s", asset), NULL };
        it.uri = vod_base ? g_strconcat (vod_base, asset, NULL) : NULL; /* §6.3 */
        g_array_append_val (items, it);
      }
  return TRUE;
}

/* ---- the module ------------------------------------------------------------------------- */

typedef enum
{
  NAV,
  PLAYING_LIVE,
  PLAYING_VOD,
  HIDDEN_CALLER,
  HIDDEN_CALLEE,
} State;

static const gchar *const state_names[]
    = { "NAV", "PLAYING_LIVE", "PLAYING_VOD", "HIDDEN_CALLER", "HIDDEN_CALLEE" };

typedef struct
{
  Dialect dialect;
  GArray *items; /* Item */
  QcopClient *qcop;
  GMainLoop *loop;
  State state;
  const gchar *page; /* "nav", "player", "hidden"; NULL before the first page */
  guint cursor;      /* index into items */
  gint playing;      /* index into items, -1: nothing */
  gint64 play_pos_ms, play_since_us;
  gchar *resume;    /* R: "nav", "live:N", "vod:A@P"; NULL outside HIDDEN_CALLEE */
  gint entry_param; /* the parameter that led into the current state, -1 */
  guint64 ignored;
} Iptv;

/* §12.2: %, ;, = and control characters percent-encoded in values. */
static void
append_value (GString *out, const gchar *v)
{
  for (const guchar *p = (const guchar *)v; *p; p++)
    if (*p == '%' || *p == ';' || *p == '=' || *p < 0x20 || *p == 0x7f)
      g_string_append_printf (out, "%%%02X", *p);
    else
      g_string_append_c (out, *p);
}

/* Send event @name at @t_ns; @... are key, value pairs, NULL-terminated ([SW-EVT-01..03]). */
static void
emit_at (Iptv *self, gint64 t_ns, const gchar *name, ...)
{
  g_autoptr (GString) details = g_string_new (NULL);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;

  va_start (ap, name);
  for (const gchar *k = va_arg (ap, const gchar *); k; k = va_arg (ap, const gchar *))
    {
      const gchar *v = va_arg (ap, const gchar *);
      if (v == NULL)
        continue; /* optional detail without a value */
      if (details->len)
        g_string_append_c (details, ';');
      g_string_append_printf (details, "%s=", k);
      append_value (details, v);
    }
  va_end (ap);
  qcop_ds_write_int64 (data, t_ns);
  qcop_ds_write_string (data, "iptv");
  qcop_ds_write_string (data, name);
  qcop_ds_write_string (data, details->str);
  if (!qcop_client_send (self->qcop, EVENTS_CHANNEL, EVENT_MESSAGE, data->data, data->len, &error))
    g_printerr ("iptv-module: event %s not sent: %s\n", name, error->message);
}

static gint64
now_ns (void)
{
  return g_get_monotonic_time () * 1000;
}

#define emit(self, ...) emit_at ((self), now_ns (), __VA_ARGS__)

static void
set_state (Iptv *self, State next, const gchar *row, gint param)
{
  if (next == self->state)
    return; /* [SW-IPTV-02]: no iptv.state when a row keeps the state */
  emit (self, "iptv.state", "from", state_names[self->state], "to", state_names[next], "reason",
        row, NULL);
  self->state = next;
  self->entry_param = param;
}

static void
show (Iptv *self, const gchar *page)
{
  if (g_strcmp0 (self->page, page) == 0)
    return; /* [SW-IPTV-12]: only real changes */
  self->page = page;
  if (g_str_equal (page, "nav"))
    self->cursor = 0; /* §6.1: on videocall every time the page is (re)shown */
  emit (self, "iptv.page", "page", page, NULL);
}

static gint64
position_ms (Iptv *self)
{
  return self->play_pos_ms + (g_get_monotonic_time () - self->play_since_us) / 1000;
}

/* Start playback of item @index at @pos_ms. A vendor starts its player here. */
static void
play (Iptv *self, gint index, gint64 pos_ms)
{
  const Item *it = &g_array_index (self->items, Item, index);
  gboolean live = g_str_has_prefix (it->id, "live:");
  g_autofree gchar *pos = live ? NULL : g_strdup_printf ("%" G_GINT64_FORMAT, pos_ms);

  self->playing = index;
  self->play_pos_ms = pos_ms;
  self->play_since_us = g_get_monotonic_time ();
  emit (self, "iptv.play", "kind", live ? "live" : "vod", live ? "channel" : "asset",
        strchr (it->id, ':') + 1, "position", pos, "uri", it->uri, NULL);
}

/* Stop playback and release the decoder; the position is kept in play_pos_ms. */
static void
stop (Iptv *self, const gchar *reason)
{
  if (self->playing < 0)
    return;
  const Item *it = &g_array_index (self->items, Item, self->playing);
  gboolean live = g_str_has_prefix (it->id, "live:");
  g_autofree gchar *pos = NULL;

  if (!live)
    {
      self->play_pos_ms = position_ms (self);
      pos = g_strdup_printf ("%" G_GINT64_FORMAT, self->play_pos_ms);
    }
  emit (self, "iptv.stop", "reason", reason, "kind", live ? "live" : "vod",
        live ? "channel" : "asset", strchr (it->id, ':') + 1, "position", pos, NULL);
  self->playing = -1;
}

static gint
find_item (Iptv *self, const gchar *id)
{
  for (guint i = 0; i < self->items->len; i++)
    if (g_str_equal (g_array_index (self->items, Item, i).id, id))
      return (gint)i;
  return -1;
}

static void
send_switch (Iptv *self, gint p)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  const gchar *ch = send_channel (&self->dialect);

  qcop_ds_write_int32 (data, self->dialect.type_iptv_to_voip);
  qcop_ds_write_int32 (data, self->dialect.params[p]);
  if (!qcop_client_send (self->qcop, ch, self->dialect.message, data->data, data->len, &error))
    {
      g_printerr ("iptv-module: %s not sent: %s\n", param_names[p], error->message);
      return;
    }
  emit (self, "switch.tx", "channel", ch, "type", "iptv_to_voip", "param", param_names[p], NULL);
}

/* ---- keys (§6.2 rows I-01..I-22, I-44, I-56) -------------------------------------------- */

static void
caller_flow (Iptv *self, const gchar *row)
{
  send_switch (self, P_CALLER_SHOW_VIDEO_PAGE); /* I-01: send, then hide */
  show (self, "hidden");
  set_state (self, HIDDEN_CALLER, row, -1);
}

static void
watch (Iptv *self, gint index, const gchar *row)
{
  gboolean live = g_str_has_prefix (g_array_index (self->items, Item, index).id, "live:");
  show (self, "player");
  play (self, index, 0);
  set_state (self, live ? PLAYING_LIVE : PLAYING_VOD, row, -1);
}

static void
to_nav (Iptv *self, const gchar *reason, const gchar *row)
{
  stop (self, reason);
  g_clear_pointer (&self->resume, g_free);
  show (self, "nav");
  set_state (self, NAV, row, -1);
}

static gint
digit_channel (Iptv *self, const gchar *key)
{
  if (strlen (key) != 1 || !g_ascii_isdigit (key[0]))
    return -1;
  g_autofree gchar *id = g_strdup_printf ("live:%s", key);
  return find_item (self, id);
}

/* One press of @key; returns whether a row handled it. */
static gboolean
key_nav (Iptv *self, const gchar *key)
{
  gint ch = digit_channel (self, key);
  if (g_str_equal (key, "videocall") || (g_str_equal (key, "ok") && self->cursor == 0))
    caller_flow (self, g_str_equal (key, "ok") ? "I-01" : "I-02");
  else if (g_str_equal (key, "ok"))
    watch (self, (gint)self->cursor,
           g_str_has_prefix (g_array_index (self->items, Item, self->cursor).id, "live:") ? "I-03"
                                                                                          : "I-04");
  else if (ch >= 0)
    watch (self, ch, "I-05");
  else if (g_str_equal (key, "up") || g_str_equal (key, "down"))
    {
      guint old = self->cursor;
      if (g_str_equal (key, "up") && self->cursor > 0)
        self->cursor--;
      else if (g_str_equal (key, "down") && self->cursor + 1 < self->items->len)
        self->cursor++;
      if (old != self->cursor)
        emit (self, "iptv.focus", "item", g_array_index (self->items, Item, self->cursor).id, NULL);
    }
  else
    return FALSE;
  return TRUE;
}

/* The live channels in lineup order, for up/down zapping (I-12). */
static gint
next_channel (Iptv *self, gint from, gint step)
{
  gint n = (gint)self->items->len;
  for (gint i = (from + step + n) % n; i != from; i = (i + step + n) % n)
    if (g_str_has_prefix (g_array_index (self->items, Item, i).id, "live:"))
      return i;
  return -1;
}

static gboolean
key_playing (Iptv *self, const gchar *key)
{
  gboolean live = self->state == PLAYING_LIVE;
  gint ch = digit_channel (self, key);
  if (g_str_equal (key, "menu") || g_str_equal (key, "back"))
    to_nav (self, "menu", live ? "I-10" : "I-20");
  else if (g_str_equal (key, "videocall"))
    {
      to_nav (self, "menu", live ? "I-13" : "I-22");
      caller_flow (self, live ? "I-13" : "I-22");
    }
  else if (ch >= 0 && (!live || ch != self->playing))
    {
      stop (self, "zap");
      play (self, ch, 0);
      set_state (self, PLAYING_LIVE, live ? "I-11" : "I-21", -1);
    }
  else if (live && (g_str_equal (key, "up") || g_str_equal (key, "down")))
    {
      gint next = next_channel (self, self->playing, g_str_equal (key, "up") ? 1 : -1);
      if (next < 0)
        return FALSE; /* one channel only */
      stop (self, "zap");
      play (self, next, 0);
    }
  else
    return FALSE;
  return TRUE;
}

static gboolean
key_press (Iptv *self, const gchar *key)
{
  switch (self->state)
    {
      case NAV:
        return key_nav (self, key);
      case PLAYING_LIVE:
      case PLAYING_VOD:
        return key_playing (self, key);
      case HIDDEN_CALLER:
      case HIDDEN_CALLEE:
        if (!g_str_equal (key, "menu"))
          return FALSE; /* [SW-IPTV-09] */
        to_nav (self, "menu", self->state == HIDDEN_CALLER ? "I-44" : "I-56");
        return TRUE;
    }
  return FALSE;
}

/* [SW-AGT-04]: select(ITEM) = cursor on ITEM, then ok (menu first when the player shows). */
static gboolean
select_item (Iptv *self, const gchar *id)
{
  gint index = find_item (self, id);
  if (index < 0 || self->state == HIDDEN_CALLER || self->state == HIDDEN_CALLEE)
    return FALSE;
  if (self->state != NAV)
    key_press (self, "menu");
  self->cursor = (guint)index;
  return key_press (self, "ok");
}

/* ---- switch messages (§4, §6.2 rows I-14..I-56) ----------------------------------------- */

/* R for the current playback (I-14, I-23, I-30). */
static gchar *
resume_point (Iptv *self)
{
  if (self->playing < 0)
    return g_strdup ("nav");
  const gchar *id = g_array_index (self->items, Item, self->playing).id;
  if (g_str_has_prefix (id, "live:"))
    return g_strdup (id);
  return g_strdup_printf ("%s@%" G_GINT64_FORMAT, id, position_ms (self));
}

/* I-50..I-53: show what R says. */
static const gchar *
resume (Iptv *self, gboolean reject)
{
  g_autofree gchar *r = g_steal_pointer (&self->resume);
  gchar *at = r ? strchr (r, '@') : NULL;
  gint index;

  if (at)
    *at = '\0';
  index = r ? find_item (self, r) : -1;
  if (index < 0)
    {
      show (self, "nav");
      set_state (self, NAV, reject ? "I-53" : "I-50", -1);
      return reject ? "I-53" : "I-50";
    }
  show (self, "player");
  play (self, index, at ? g_ascii_strtoll (at + 1, NULL, 10) : 0);
  const gchar *row = reject ? "I-53" : (at ? "I-52" : "I-51");
  set_state (self, at ? PLAYING_VOD : PLAYING_LIVE, row, -1);
  return row;
}

/* Apply the row for parameter @p in the current state; NULL when there is none. */
static const gchar *
apply (Iptv *self, gint p, const gchar **effect)
{
  gboolean hidden = self->state == HIDDEN_CALLER || self->state == HIDDEN_CALLEE;
  gboolean caller = self->state == HIDDEN_CALLER;
  static const gchar *const stop_rows[] = { "I-30", "I-14", "I-23", "I-43", "I-55" };

  *effect = "transition";
  if (p == P_STOP_IPTV)
    {
      const gchar *row = stop_rows[self->state];
      if (self->state == HIDDEN_CALLEE)
        *effect = "reply"; /* I-55: answer again, R unchanged */
      else
        {
          self->resume = resume_point (self);
          stop (self, "stop-iptv");
          show (self, "hidden");
        }
      send_switch (self, P_CALLEE_SHOW_VIDEO_PAGE);
      set_state (self, HIDDEN_CALLEE, row, p);
      return row;
    }
  if (p == P_REJECT_CONTINUE_IPTV && !hidden)
    {
      *effect = "none"; /* I-15, I-24, I-31: the picture continues */
      return self->state == NAV ? "I-31" : self->state == PLAYING_LIVE ? "I-15" : "I-24";
    }
  if (!hidden)
    return NULL; /* BACK_TO_NAV, RESUME_IPTV while visible: no row */
  if (caller || p == P_BACK_TO_NAV)
    {
      const gchar *row = caller ? (p == P_BACK_TO_NAV   ? "I-40"
                                   : p == P_RESUME_IPTV ? "I-41"
                                                        : "I-42")
                                : "I-54";
      g_clear_pointer (&self->resume, g_free);
      show (self, "nav");
      set_state (self, NAV, row, p);
      return row;
    }
  return resume (self, p == P_REJECT_CONTINUE_IPTV);
}

static void
ignore (Iptv *self, const gchar *reason, const gchar *channel, const gchar *message, gint type,
        gint param, gsize len)
{
  g_autofree gchar *t = type == G_MININT ? NULL : g_strdup_printf ("%d", type);
  g_autofree gchar *p = param == G_MININT ? NULL : g_strdup_printf ("%d", param);
  g_autofree gchar *l = g_strdup_printf ("%" G_GSIZE_FORMAT, len);
  g_autofree gchar *count = g_strdup_printf ("%" G_GUINT64_FORMAT, ++self->ignored);
  emit (self, "iptv.ignored", "reason", reason, "channel", channel, "message", message, "type", t,
        "param", p, "len", l, "count", count, NULL);
}

/* The receive pipeline, checks 1-6 of §4 in order. */
static void
on_switch (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
           gpointer user_data)
{
  Iptv *self = user_data;
  const Dialect *d = &self->dialect;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  QcopDsReader r;
  gint32 type = 0, param = 0;
  gint p = -1;
  const gchar *effect = NULL, *row;

  (void)client;
  if (g_strcmp0 (message, d->message))
    return ignore (self, "unknown-message", channel, message, G_MININT, G_MININT, len);
  qcop_ds_reader_init (&r, bytes, len);
  if (len < 8 || !qcop_ds_read_int32 (&r, &type, NULL) || !qcop_ds_read_int32 (&r, &param, NULL))
    return ignore (self, "short-data", channel, message, G_MININT, G_MININT, len);
  if (type != d->type_iptv_to_voip && type != d->type_voip_to_iptv)
    return ignore (self, "unknown-type", channel, message, type, param, len);
  if (type != d->type_voip_to_iptv)
    return ignore (self, "not-addressed", channel, message, type, param, len);
  for (gint i = P_BACK_TO_NAV; i <= P_RESUME_IPTV && p < 0; i++)
    if (d->params[i] == param)
      p = i;
  if (p < 0)
    return ignore (self, "unknown-param", channel, message, type, param, len);
  /* trailer bytes after the first 8 are tolerated and not needed ([SW-RX-04]) */
  gint entry = self->entry_param;
  row = apply (self, p, &effect);
  if (row == NULL)
    return ignore (self, entry == p ? "duplicate" : "unexpected-state", channel, message, type,
                   param, len);
  /* emitted once handled, so that event times stay non-decreasing ([SW-EVT-03]) */
  emit (self, "switch.rx", "channel", channel, "type", "voip_to_iptv", "param", param_names[p],
        "row", row, "effect", effect, NULL);
}

/* ---- the agent channel (§12.1) ----------------------------------------------------------- */

static void
emit_status (Iptv *self)
{
  g_autofree gchar *ignored = g_strdup_printf ("%" G_GUINT64_FORMAT, self->ignored);
  g_autofree gchar *playing = NULL;
  if (self->playing < 0)
    playing = g_strdup ("none");
  else if (self->state == PLAYING_VOD)
    playing
        = g_strdup_printf ("%s@%" G_GINT64_FORMAT,
                           g_array_index (self->items, Item, self->playing).id, position_ms (self));
  else
    playing = g_strdup (g_array_index (self->items, Item, self->playing).id);
  emit (self, "iptv.status", "state", state_names[self->state], "page",
        self->page ? self->page : "hidden", "ignored", ignored, "playing", playing, "resume",
        self->resume ? self->resume : "none", NULL);
}

static void
on_agent (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
          gpointer user_data)
{
  Iptv *self = user_data;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  g_autofree gchar *arg = NULL;
  QcopDsReader r;

  (void)client;
  qcop_ds_reader_init (&r, bytes, len);
  if (g_str_equal (message, "status()"))
    return emit_status (self);
  gboolean is_key = g_str_equal (message, "key(QString)");
  if ((!is_key && !g_str_equal (message, "select(QString)"))
      || !qcop_ds_read_string (&r, &arg, NULL) || arg == NULL)
    return ignore (self, "unknown-message", channel, message, G_MININT, G_MININT, len);
  /* iptv.key once the row is done: its handled= is known then ([SW-AGT-02]) */
  gboolean handled = is_key ? key_press (self, arg) : select_item (self, arg);
  emit (self, "iptv.key", "key", is_key ? arg : "select", "handled", handled ? "yes" : "no", NULL);
}

/* ---- start-up (§2.2, Annex D.5) ---------------------------------------------------------- */

static gboolean
on_quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_disconnected (QcopClient *client, const GError *error, gpointer user_data)
{
  Iptv *self = user_data;
  (void)client;
  /* [SW-CHAN-12]: a broken connection ends the module */
  g_printerr ("iptv-module: server connection lost: %s\n", error ? error->message : "closed");
  g_main_loop_quit (self->loop);
}

static gboolean
start (Iptv *self, const gchar *socket, gint ready_fd, GError **error)
{
  const Dialect *d = &self->dialect;
  self->qcop = qcop_client_new (socket, "vendor-iptv-c"); /* its Identify name */
  if (!qcop_client_connect_sync (self->qcop, 5000, error))
    return FALSE;
  g_signal_connect (self->qcop, "disconnected", G_CALLBACK (on_disconnected), self);
  qcop_client_register (self->qcop, listen_channel (d), on_switch, self, NULL);
  qcop_client_register (self->qcop, AGENT_CHANNEL, on_agent, self, NULL);
  if (!qcop_client_flush (self->qcop, 5000, error))
    return FALSE;
  g_autofree gchar *pid = g_strdup_printf ("%d", (int)getpid ());
  const gchar *layout = d->bidirectional ? "bidirectional" : "unidirectional";
  emit (self, "iptv.ready", "pid", pid, "version", "1.0", "layout", layout, "dialect", d->name,
        NULL);
  show (self, "nav"); /* [SW-IPTV-03]: NAV, navigation page shown */
  if (ready_fd >= 0)
    {
      g_autofree gchar *line
          = g_strdup_printf ("READY module=iptv layout=%s pid=%s\n", layout, pid);
      if (write (ready_fd, line, strlen (line)) < 0)
        g_printerr ("iptv-module: READY not written: %s\n", g_strerror (errno));
      close (ready_fd);
    }
  return qcop_client_flush (self->qcop, 5000, error);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *socket = NULL, *dialect = NULL, *layout = NULL, *lineup = NULL;
  g_autofree gchar *vod_base = NULL;
  gint ready_fd = -1;
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[]
      = { { "qcop-socket", 0, 0, G_OPTION_ARG_FILENAME, &socket, "QCOP server socket", "PATH" },
          { "dialect", 0, 0, G_OPTION_ARG_FILENAME, &dialect, "Dialect file (SPEC §5)", "FILE" },
          { "layout", 0, 0, G_OPTION_ARG_STRING, &layout, "bidirectional|unidirectional", "L" },
          { "lineup", 0, 0, G_OPTION_ARG_FILENAME, &lineup, "Channel lineup (SPEC §6.3)", "FILE" },
          { "vod-base-uri", 0, 0, G_OPTION_ARG_STRING, &vod_base, "RTSP base of VOD assets",
            "URI" },
          { "ready-fd", 0, 0, G_OPTION_ARG_INT, &ready_fd, "Write the READY line to fd N", "N" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- minimal IPTV module (SPEC.md)");
  Iptv self = { .playing = -1, .entry_param = -1 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  self.items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (self.items, item_clear);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || socket == NULL
      || !dialect_load (&self.dialect, dialect, layout, &error)
      || !lineup_load (self.items, lineup, vod_base, &error))
    {
      g_printerr ("iptv-module: %s\n", error ? error->message : "--qcop-socket is required");
      return 4;
    }
  self.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_quit, self.loop);
  g_unix_signal_add (SIGINT, on_quit, self.loop);
  if (!start (&self, socket, ready_fd, &error))
    {
      g_printerr ("iptv-module: %s: %s\n", socket, error->message);
      return 3;
    }
  g_main_loop_run (self.loop);
  g_printerr ("iptv-module: ignored: %" G_GUINT64_FORMAT "\n", self.ignored); /* [SW-RX-08] */
  qcop_client_disconnect (self.qcop);
  g_object_unref (self.qcop);
  g_main_loop_unref (self.loop);
  g_array_unref (self.items);
  g_free (self.resume);
  dialect_clear (&self.dialect);
  return 0;
}
