/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-channel"

/*
 * Channel checks, judged at the server on every test (SPEC §2, §3): each module connection's
 * registrations and start-up order, and every switch message a module sent. Senders are
 * attributed by connection (the process that opened it), never by name or message type.
 */

#include <string.h>

#include "qcop-datastream.h"
#include "qcop-wire.h"
#include "sr-check-types.h"
#include "stb-protocol.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define REGISTRATIONS "channel.registrations"
#define MESSAGES "channel.messages"
#define AGENT_EVENTS_CHANNEL "STBSim/Events"

/* ---- registrations ------------------------------------------------------------------------ */

typedef struct
{
  gint client;
  StbRole role;
  gboolean identified;
  gboolean disconnected;
  GPtrArray *registered; /* channel names in order */
  GArray *registered_at; /* gint64 */
  gint64 first_send_ns;  /* first switch message (0: none) */
  gint64 first_event_ns; /* first agent event sent (0: none) */
  gint64 connect_ns;
} Conn;

static void
conn_free (Conn *c)
{
  g_ptr_array_unref (c->registered);
  g_array_unref (c->registered_at);
  g_free (c);
}

typedef struct
{
  GHashTable *conns;      /* client id -> Conn */
  GArray *order;          /* client ids in connect order */
  gboolean over_limit[2]; /* msg::over-limit raised for the role (once: it reconnects) */
} Registrations;

static gpointer
registrations_start (const SrCheckContext *ctx)
{
  Registrations *r = g_new0 (Registrations, 1);
  r->conns = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)conn_free);
  r->order = g_array_new (FALSE, FALSE, sizeof (gint));
  return r;
}

static void
registrations_free (gpointer data)
{
  Registrations *r = data;
  g_hash_table_unref (r->conns);
  g_array_unref (r->order);
  g_free (r);
}

static Conn *
conn_for (Registrations *r, const SrEvent *e)
{
  StbRole role;
  if (e->client == 0 || !stb_role_from_string (e->source, &role))
    return NULL;
  Conn *c = g_hash_table_lookup (r->conns, GINT_TO_POINTER (e->client));
  if (c == NULL)
    {
      c = g_new0 (Conn, 1);
      c->client = e->client;
      c->role = role;
      c->connect_ns = e->t_ns;
      c->registered = g_ptr_array_new_with_free_func (g_free);
      c->registered_at = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (r->conns, GINT_TO_POINTER (e->client), c);
      g_array_append_val (r->order, e->client);
    }
  return c;
}

static gboolean
is_protocol_channel (const SrCheckContext *ctx, const gchar *channel)
{
  const StbDialect *d = ctx->dialect;
  return g_strcmp0 (channel, d->bidirectional) == 0 || g_strcmp0 (channel, d->to_iptv) == 0
         || g_strcmp0 (channel, d->to_voip) == 0;
}

/* SW-MSG-04: the server closes a connection that announces a raw part over the QWS limit
 * (Annex D.1): the message never reached anyone, the drop is the evidence. The server's words
 * (qcop-wire.c): "QWS command QCopSend announces a raw part of N bytes (allowed: 0..16384)". */
static void
judge_drop (const SrCheckContext *ctx, Registrations *r, const Conn *c, const SrEvent *e)
{
  g_autofree gchar *why = sr_event_detail (e, "why");
  const gchar *raw = why ? strstr (why, "announces a raw part of ") : NULL;
  if (!sr_event_matches (e, "reason=drop") || raw == NULL
      || g_ascii_strtoll (raw + strlen ("announces a raw part of "), NULL, 10) <= QCOP_WIRE_MAX_RAW)
    return;
  sr_check_evaluated (ctx, REGISTRATIONS, "SW-MSG-04");
  if (r->over_limit[c->role])
    return; /* the same sender again, after its reconnect: one finding */
  r->over_limit[c->role] = TRUE;
  sr_check_raise (ctx, REGISTRATIONS, "msg::over-limit", NULL, e->t_ns,
                  "the server dropped the %s module (client %d): %s", stb_role_to_string (c->role),
                  c->client, why);
}

static void
registrations_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Registrations *r = state;
  Conn *c = conn_for (r, e);
  if (c == NULL)
    return;
  g_autofree gchar *channel = sr_event_detail (e, "channel");
  const gchar *role_name = stb_role_to_string (c->role);
  if (e->kind == SR_EVENT_QCOP)
    {
      if (c->first_send_ns == 0)
        c->first_send_ns = e->t_ns;
    }
  else if (g_str_equal (e->name, "qcop.identify"))
    c->identified = TRUE;
  else if (g_str_equal (e->name, "qcop.disconnect") && e->t_ns < ctx->stop_ns)
    {
      c->disconnected = TRUE; /* by itself, not by the harness stopping the stations */
      judge_drop (ctx, r, c, e);
    }
  else if (g_str_equal (e->name, "qcop.agent-event") && c->first_event_ns == 0)
    c->first_event_ns = e->t_ns;
  else if (g_str_equal (e->name, "qcop.register") && channel != NULL)
    {
      g_ptr_array_add (c->registered, g_strdup (channel));
      g_array_append_val (c->registered_at, e->t_ns);
    }
  else if (g_str_equal (e->name, "qcop.detach") && channel != NULL)
    {
      sr_check_evaluated (ctx, REGISTRATIONS, "SW-CHAN-12");
      if (is_protocol_channel (ctx, channel))
        sr_check_raise (ctx, REGISTRATIONS, "chan::detached", NULL, e->t_ns,
                        "the %s module (client %d) detached protocol channel '%s' while running",
                        role_name, c->client, channel);
    }
}

/* One registration of @c: wildcard, duplicate, own send channel, another layout's channel,
 * STBSim/Events. */
static void
judge_registration (const SrCheckContext *ctx, const Conn *c, guint i)
{
  const gchar *ch = g_ptr_array_index (c->registered, i);
  gint64 t = g_array_index (c->registered_at, gint64, i);
  const gchar *role_name = stb_role_to_string (c->role);
  const gchar *listen = stb_dialect_listen_channel (ctx->dialect, c->role);
  const gchar *send = stb_dialect_send_channel (ctx->dialect, c->role);
  sr_check_evaluated (ctx, REGISTRATIONS, "SW-CHAN-04");
  sr_check_evaluated (ctx, REGISTRATIONS, "SW-CHAN-11");
  sr_check_evaluated (ctx, REGISTRATIONS, "SW-AGT-01"); /* never STBSim/Events */
  if (strchr (ch, '*') != NULL)
    sr_check_raise (ctx, REGISTRATIONS, "chan::wildcard-registration", NULL, t,
                    "the %s module (client %d) registered the wildcard '%s'; it must register "
                    "'%s' by its exact name",
                    role_name, c->client, ch, listen);
  for (guint k = 0; k < i; k++)
    if (g_str_equal (g_ptr_array_index (c->registered, k), ch))
      {
        sr_check_raise (ctx, REGISTRATIONS, "chan::duplicate-register", NULL, t,
                        "the %s module (client %d) registered '%s' a second time on the same "
                        "connection",
                        role_name, c->client, ch);
        break;
      }
  if (g_str_equal (ch, AGENT_EVENTS_CHANNEL))
    sr_check_raise (ctx, REGISTRATIONS, "agent::registered-events", NULL, t,
                    "the %s module (client %d) registered %s; modules send events there, "
                    "they do not listen",
                    role_name, c->client, ch);
  if (ctx->layout == STB_LAYOUT_UNIDIRECTIONAL && g_str_equal (ch, send))
    sr_check_raise (ctx, REGISTRATIONS, "chan::registered-send-channel", NULL, t,
                    "the %s module (client %d) registered '%s', the channel it sends on; in the "
                    "unidirectional layout it registers only '%s'",
                    role_name, c->client, ch, listen);
  else if (is_protocol_channel (ctx, ch) && !g_str_equal (ch, listen))
    sr_check_raise (ctx, REGISTRATIONS, "chan::foreign-registration",
                    ctx->layout == STB_LAYOUT_UNIDIRECTIONAL ? "SW-CHAN-03" : "SW-CHAN-04", t,
                    "the %s module (client %d) registered '%s', which is not its channel in the "
                    "%s layout ('%s')",
                    role_name, c->client, ch, stb_layout_to_string (ctx->layout), listen);
}

/* Start-up order (SW-CHAN-10): protocol channel, then agent channel, then messages. */
static void
judge_order (const SrCheckContext *ctx, const Conn *c, gint64 listen_ns)
{
  const gchar *role_name = stb_role_to_string (c->role);
  const gchar *agent_channel = c->role == STB_ROLE_IPTV ? "STBSim/Agent/IPTV" : "STBSim/Agent/VoIP";
  sr_check_evaluated (ctx, REGISTRATIONS, "SW-CHAN-10");
  for (guint i = 0; i < c->registered->len; i++)
    if (g_str_equal (g_ptr_array_index (c->registered, i), agent_channel)
        && g_array_index (c->registered_at, gint64, i) < listen_ns)
      sr_check_raise (ctx, REGISTRATIONS, "chan::register-order", NULL,
                      g_array_index (c->registered_at, gint64, i),
                      "the %s module (client %d) registered its agent channel %s before its "
                      "protocol channel",
                      role_name, c->client, agent_channel);
  if (c->first_send_ns != 0 && c->first_send_ns < listen_ns)
    sr_check_raise (ctx, REGISTRATIONS, "chan::register-order", NULL, c->first_send_ns,
                    "the %s module (client %d) sent a switch message before registering its "
                    "protocol channel",
                    role_name, c->client);
  if (c->first_event_ns != 0 && c->first_event_ns < listen_ns)
    sr_check_raise (ctx, REGISTRATIONS, "chan::register-order", NULL, c->first_event_ns,
                    "the %s module (client %d) sent an agent event before registering its "
                    "protocol channel",
                    role_name, c->client);
  if (!c->identified)
    sr_check_raise (ctx, REGISTRATIONS, "chan::no-identify", NULL, c->connect_ns,
                    "the %s module (client %d) never sent Identify (SHOULD): the server trace "
                    "cannot name it",
                    role_name, c->client);
}

static void
judge_conn (const SrCheckContext *ctx, const Conn *c, gboolean restarted)
{
  const gchar *listen = stb_dialect_listen_channel (ctx->dialect, c->role);
  const gchar *layout_req = ctx->layout == STB_LAYOUT_BIDIRECTIONAL ? "SW-CHAN-02" : "SW-CHAN-03";
  gint64 listen_ns = 0;
  for (guint i = 0; i < c->registered->len; i++)
    {
      judge_registration (ctx, c, i);
      if (listen_ns == 0 && g_str_equal (g_ptr_array_index (c->registered, i), listen))
        listen_ns = g_array_index (c->registered_at, gint64, i);
    }
  /* a connection that did something, or lived to the end of the test, must have registered
   * its listen channel; one that connected and left at once is judged by nothing here */
  gboolean active = c->first_send_ns != 0 || c->first_event_ns != 0 || !c->disconnected;
  if (!active)
    return;
  sr_check_evaluated (ctx, REGISTRATIONS, layout_req);
  if (listen_ns == 0)
    {
      sr_check_raise (ctx, REGISTRATIONS, "chan::missing-registration",
                      restarted ? "SW-RST-03" : layout_req, c->connect_ns,
                      "the %s module (client %d%s) never registered its listen channel '%s' in "
                      "the %s layout",
                      stb_role_to_string (c->role), c->client, restarted ? ", after a restart" : "",
                      listen, stb_layout_to_string (ctx->layout));
      return;
    }
  /* it kept its registration: a detach would have raised chan::detached (SW-CHAN-12) */
  sr_check_evaluated (ctx, REGISTRATIONS, "SW-CHAN-12");
  judge_order (ctx, c, listen_ns);
}

static void
registrations_finish (const SrCheckContext *ctx, gpointer state)
{
  Registrations *r = state;
  guint lives[2] = { 0, 0 };
  for (guint i = 0; i < r->order->len; i++)
    {
      const Conn *c
          = g_hash_table_lookup (r->conns, GINT_TO_POINTER (g_array_index (r->order, gint, i)));
      /* a restarted module is judged like a new one: it redoes SW-CHAN-10 (SW-RST-03) */
      if (++lives[c->role] > 1)
        sr_check_evaluated (ctx, REGISTRATIONS, "SW-RST-03");
      judge_conn (ctx, c, lives[c->role] > 1);
    }
}

const SrCheckType sr_check_registrations = {
  REGISTRATIONS,
  (1u << SR_EVENT_CHANNEL) | (1u << SR_EVENT_QCOP),
  REQ ("SW-CHAN-02", "SW-CHAN-03", "SW-CHAN-04", "SW-CHAN-10", "SW-CHAN-11", "SW-CHAN-12",
       "SW-AGT-01", "SW-RST-03", "SW-MSG-04"),
  "every module connection: exact listen channel registered once, in order, nothing else",
  registrations_start,
  registrations_event,
  registrations_finish,
  registrations_free,
};

/* ---- switch messages a module sent -------------------------------------------------------- */

typedef struct
{
  GHashTable *last_seq; /* client id -> guint32 last sequence + 1 (0: none yet) */
} Messages;

static gpointer
messages_start (const SrCheckContext *ctx)
{
  Messages *m = g_new0 (Messages, 1);
  m->last_seq = g_hash_table_new (NULL, NULL);
  return m;
}

static void
messages_free (gpointer data)
{
  Messages *m = data;
  g_hash_table_unref (m->last_seq);
  g_free (m);
}

static void
judge_trailer (const SrCheckContext *ctx, Messages *m, const SrEvent *e,
               const StbSwitchMessage *msg, const gchar *role_name)
{
  sr_check_evaluated (ctx, MESSAGES, "SW-MSG-03");
  if (msg->trailer_malformed)
    {
      sr_check_raise (ctx, MESSAGES, "msg::bad-trailer", NULL, e->t_ns,
                      "%s sent %s with data %s: the bytes after the first 8 are not "
                      "`quint32 sequence [, QString context]`",
                      role_name, e->name, e->data_hex);
      return;
    }
  if (!msg->has_sequence)
    return;
  gpointer key = GINT_TO_POINTER (e->client);
  guint64 expected = GPOINTER_TO_SIZE (g_hash_table_lookup (m->last_seq, key));
  guint32 want = expected == 0 ? 1 : (guint32)expected;
  if (msg->sequence != want)
    sr_check_raise (ctx, MESSAGES, "msg::bad-trailer", NULL, e->t_ns,
                    "%s sent %s with sequence %u; expected %u (starts at 1, +1 per message)",
                    role_name, e->name, msg->sequence, want);
  g_hash_table_insert (m->last_seq, key, GSIZE_TO_POINTER ((gsize)msg->sequence + 1));
  if (msg->context != NULL && g_utf8_strlen (msg->context, -1) > 256)
    sr_check_raise (ctx, MESSAGES, "msg::bad-trailer", NULL, e->t_ns,
                    "%s sent %s with a context of %ld QChars (at most 256)", role_name, e->name,
                    (long)g_utf8_strlen (msg->context, -1));
}

/* SW-MSG-01: a pair that is not the dialect's but whose byte-swapped values are (a sender that
 * wrote little-endian). */
static gboolean
judge_byte_order (const SrCheckContext *ctx, const SrEvent *e, const StbSwitchMessage *msg,
                  const gchar *role_name)
{
  gint32 type = (gint32)GUINT32_SWAP_LE_BE ((guint32)msg->raw_type);
  gint32 param = (gint32)GUINT32_SWAP_LE_BE ((guint32)msg->raw_param);
  guint8 swapped[8];
  StbSwitchType t;
  for (guint i = 0; i < 4; i++)
    {
      swapped[i] = (guint8)((guint32)type >> (24 - 8 * i));
      swapped[4 + i] = (guint8)((guint32)param >> (24 - 8 * i));
    }
  g_auto (StbSwitchMessage) as_le = { 0 };
  if (!stb_dialect_lookup_type (ctx->dialect, type, &t)
      || !stb_protocol_decode (ctx->dialect, swapped, sizeof swapped, &as_le, NULL))
    return FALSE;
  sr_check_raise (ctx, MESSAGES, "msg::byte-order", NULL, e->t_ns,
                  "%s sent messageType %d, parameter %d on %s: read little-endian they are %s "
                  "(%d, %d); the fields are big-endian qint32",
                  role_name, msg->raw_type, msg->raw_param, e->channel,
                  stb_switch_param_to_string (as_le.param), type, param);
  return TRUE;
}

/* SW-MSG-03: nothing after `sequence, context`; the canonical encoding of what was decoded
 * has the sender's length. */
static gboolean
judge_trailing_bytes (const SrCheckContext *ctx, const SrEvent *e, const StbSwitchMessage *msg,
                      gsize len, const gchar *role_name)
{
  if (!msg->has_sequence)
    return FALSE;
  g_autoptr (GBytes) canonical = stb_protocol_encode (ctx->dialect, msg);
  gsize want = g_bytes_get_size (canonical);
  if (len <= want)
    return FALSE;
  sr_check_raise (ctx, MESSAGES, "msg::bad-trailer", NULL, e->t_ns,
                  "%s sent %s with %" G_GSIZE_FORMAT " bytes after its trailer's context "
                  "(data %s): the trailer is `quint32 sequence [, QString context]` and "
                  "nothing follows it",
                  role_name, e->name, len - want, e->data_hex);
  return TRUE;
}

static void
judge_channel (const SrCheckContext *ctx, const SrEvent *e, StbRole role, const gchar *role_name)
{
  const gchar *want = stb_dialect_send_channel (ctx->dialect, role);
  const gchar *layout_req = ctx->layout == STB_LAYOUT_BIDIRECTIONAL ? "SW-CHAN-02" : "SW-CHAN-03";
  sr_check_evaluated (ctx, MESSAGES, layout_req);
  sr_check_evaluated (ctx, MESSAGES, "SW-CHAN-04");
  if (g_strcmp0 (e->channel, want) == 0)
    return;
  sr_check_raise (ctx, MESSAGES, "sw::wrong-channel",
                  is_protocol_channel (ctx, e->channel) ? layout_req : "SW-CHAN-04", e->t_ns,
                  "%s sent %s on '%s'; in the %s layout it must send on '%s'", role_name, e->name,
                  e->channel, stb_layout_to_string (ctx->layout), want);
}

static void
messages_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  StbRole role;
  if (!sr_check_is_module_send (e, &role))
    return;
  const gchar *role_name = stb_role_to_string (role);
  g_autoptr (GBytes) data = qcop_ds_from_hex (e->data_hex ? e->data_hex : "", NULL);
  gsize len = 0;
  const guint8 *bytes = data ? g_bytes_get_data (data, &len) : NULL;
  g_auto (StbSwitchMessage) msg = { 0 };
  g_autoptr (GError) error = NULL;
  gboolean decoded = bytes != NULL && stb_protocol_decode (ctx->dialect, bytes, len, &msg, &error);
  gint code = error ? error->code : -1;
  sr_check_evaluated (ctx, MESSAGES, "SW-MSG-01");
  sr_check_evaluated (ctx, MESSAGES, "SW-MSG-02");
  sr_check_evaluated (ctx, MESSAGES, "SW-DLCT-03"); /* the payload layout is not a dialect's */
  sr_check_evaluated (ctx, MESSAGES, "SW-MSG-04");  /* it reached the server: it fit */
  judge_channel (ctx, e, role, role_name);
  StbSwitchType want
      = role == STB_ROLE_IPTV ? STB_SWITCH_TYPE_IPTV_TO_VOIP : STB_SWITCH_TYPE_VOIP_TO_IPTV;
  StbSwitchType type;
  if (!decoded && code != STB_PROTOCOL_ERROR_UNKNOWN_PARAM
      && code != STB_PROTOCOL_ERROR_UNKNOWN_TYPE)
    {
      sr_check_raise (ctx, MESSAGES, "sw::undecodable", NULL, e->t_ns,
                      "%s sent %s on %s with data %s: %s", role_name, e->name, e->channel,
                      e->data_hex ? e->data_hex : "", stb_protocol_error_reason (code));
      return;
    }
  if (!stb_dialect_lookup_type (ctx->dialect, msg.raw_type, &type) || type != want)
    {
      if (judge_byte_order (ctx, e, &msg, role_name))
        return;
      sr_check_raise (ctx, MESSAGES, "sw::wrong-message-type", NULL, e->t_ns,
                      "%s sent messageType %d (must be %d, %s) with parameter %d on %s", role_name,
                      msg.raw_type, stb_dialect_type_value (ctx->dialect, want),
                      stb_switch_type_to_string (want), msg.raw_param, e->channel);
      return;
    }
  if (!decoded)
    {
      sr_check_raise (ctx, MESSAGES, "sw::unknown-parameter", NULL, e->t_ns,
                      "%s sent parameter %d, not defined for messageType %d, on %s", role_name,
                      msg.raw_param, msg.raw_type, e->channel);
      return;
    }
  judge_trailer (ctx, state, e, &msg, role_name);
  judge_trailing_bytes (ctx, e, &msg, len, role_name);
}

const SrCheckType sr_check_messages = {
  MESSAGES,
  1u << SR_EVENT_QCOP,
  REQ ("SW-MSG-01", "SW-MSG-02", "SW-MSG-03", "SW-DLCT-03", "SW-CHAN-02", "SW-CHAN-03",
       "SW-CHAN-04"),
  "every switch message a module sent: decodable, its role's type, a defined parameter, its "
  "layout's channel, a well-formed trailer",
  messages_start,
  messages_event,
  NULL,
  messages_free,
};
