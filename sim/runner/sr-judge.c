/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-judge"

#include "sr-judge.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "qcop-datastream.h"
#include "stb-agent.h"

/* An integer member of a trace line, 0 unless it is one (a trace line is input: any JSON). */
static gint64
json_get_int (JsonObject *o, const gchar *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE
      || json_node_get_value_type (n) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (n);
}

#define json_get_t_ns(o) json_get_int ((o), "t_ns")

static const gchar *
json_get_string (JsonObject *o, const gchar *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* Which lane an application name belongs to: only a fallback for a client whose process
 * the runner did not start (sr_test_lane_of_pid() knows the others). */
static const gchar *
lane_of_app (const gchar *app)
{
  if (app == NULL)
    return NULL;
  if (strstr (app, "iptv") || strstr (app, "IPTV"))
    return "iptv";
  if (strstr (app, "voip") || strstr (app, "VoIP") || strstr (app, "VOIP"))
    return "voip";
  if (g_str_has_prefix (app, "stbsim"))
    return "harness";
  return NULL;
}

/* One QCOP client of the run's server, attributed to a lane by its connection. */
typedef struct
{
  gint id;
  gint pid;
  gchar *lane; /* iptv, voip, harness, or "client<N>" when nobody we know */
  gchar *by;   /* how: pid (a process the runner started), app (Identify name), unknown */
} Client;

static void
client_free (Client *c)
{
  g_free (c->lane);
  g_free (c->by);
  g_free (c);
}

struct _SrJudge
{
  SrTest *test;        /* borrowed: the judge goes before the test */
  GHashTable *clients; /* QCOP client id -> Client */
  gboolean agent_seen[2];
};

SrJudge *
sr_judge_new (SrTest *test)
{
  SrJudge *judge = g_new0 (SrJudge, 1);
  judge->test = test;
  judge->clients = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)client_free);
  return judge;
}

void
sr_judge_free (SrJudge *judge)
{
  if (judge == NULL)
    return;
  g_hash_table_unref (judge->clients);
  g_free (judge);
}

gboolean
sr_judge_agent_seen (const SrJudge *judge, StbRole role)
{
  return judge->agent_seen[role];
}

static Client *
client_of (SrJudge *judge, JsonObject *o)
{
  gint id = (gint)json_get_int (o, "client");
  if (id <= 0)
    return NULL;
  Client *c = g_hash_table_lookup (judge->clients, GINT_TO_POINTER (id));
  if (c != NULL)
    return c;
  c = g_new0 (Client, 1);
  c->id = id;
  c->pid = (gint)json_get_int (o, "pid");
  /* the connection's process (or its process group) is one the runner started: that is who
   * sent, whatever name it announces */
  const gchar *lane = c->pid > 0 ? sr_test_lane_of_pid (judge->test, c->pid) : NULL;
  c->by = g_strdup (lane ? "pid" : "unknown");
  c->lane = lane ? g_strdup (lane) : g_strdup_printf ("client%d", id);
  g_hash_table_insert (judge->clients, GINT_TO_POINTER (id), c);
  return c;
}

/* A client whose process is unknown to the runner may still be named by its Identify. */
static void
client_identified (Client *c, const gchar *app)
{
  const gchar *lane = lane_of_app (app);
  if (!g_str_equal (c->by, "unknown") || lane == NULL)
    return;
  g_free (c->lane);
  g_free (c->by);
  c->lane = g_strdup (lane);
  c->by = g_strdup ("app");
}

static void
channel_event (SrJudge *judge, Client *c, gint64 t_ns, const gchar *name, gchar *details)
{
  g_autoptr (SrEvent) e = sr_event_new (t_ns, SR_EVENT_CHANNEL, c->lane, name);
  e->client = c->id;
  e->target = g_strdup ("server");
  e->details = g_strdup_printf ("client=%d;pid=%d;by=%s%s%s", c->id, c->pid, c->by,
                                details ? ";" : "", details ? details : "");
  g_free (details);
  sr_timeline_add (judge->test->timeline, e);
}

static gchar *
decode_qstring_hex (const gchar *hex)
{
  g_autoptr (GBytes) data = qcop_ds_from_hex (hex ? hex : "", NULL);
  gsize len = 0;
  const guint8 *p = data ? g_bytes_get_data (data, &len) : NULL;
  QcopDsReader r;
  gchar *s = NULL;
  qcop_ds_reader_init (&r, p, len);
  if (p == NULL || !qcop_ds_read_string (&r, &s, NULL))
    return NULL;
  return s;
}

/* An agent event as the server read it: its own time stamp and name, so that checks can
 * compare the stamp with the arrival (SW-EVT-03, SW-EVT-04). (transfer full) */
static gchar *
agent_event_details (const gchar *data_hex)
{
  g_autoptr (GBytes) data = qcop_ds_from_hex (data_hex ? data_hex : "", NULL);
  g_autofree gchar *source = NULL, *name = NULL, *details = NULL;
  gint64 stamp = 0;
  if (data == NULL || !stb_agent_decode_event (data, &stamp, &source, &name, &details, NULL))
    return NULL;
  /* a key event names its key: checks count presses at the server (SW-AGT-02) */
  g_autofree gchar *key = NULL;
  if (g_str_has_suffix (name, ".key") && details != NULL)
    {
      g_auto (GStrv) pairs = g_strsplit (details, ";", -1);
      for (guint i = 0; pairs[i] && key == NULL; i++)
        if (g_str_has_prefix (pairs[i], "key="))
          key = g_strdup (pairs[i] + 4);
    }
  return g_strdup_printf ("stamp=%" G_GINT64_FORMAT ";name=%s%s%s", stamp, name, key ? ";key=" : "",
                          key ? key : "");
}

/* A client's life and commands other than switch messages (SR_EVENT_CHANNEL). */
static gboolean
client_record (SrJudge *judge, JsonObject *o, const gchar *kind, const gchar *type, gint64 t_ns)
{
  Client *c = client_of (judge, o);
  if (c == NULL)
    return FALSE;
  const gchar *channel = json_get_string (o, "channel");
  const gchar *message = json_get_string (o, "message");
  gboolean is_cmd = g_str_equal (kind, "cmd");
  if (g_str_equal (kind, "client") && g_str_equal (type, "connect"))
    channel_event (judge, c, t_ns, "qcop.connect", NULL);
  else if (g_str_equal (kind, "client")
           && (g_str_equal (type, "disconnect") || g_str_equal (type, "drop")))
    {
      /* the server's own words (e.g. a raw part over the QWS limit: SW-MSG-04), made a value */
      g_autofree gchar *why = g_strdup (json_get_string (o, "reason"));
      g_strdelimit (why, ";=", ',');
      channel_event (judge, c, t_ns, "qcop.disconnect",
                     g_strdup_printf ("reason=%s%s%s", type, why ? ";why=" : "", why ? why : ""));
    }
  else if (is_cmd && g_str_equal (type, "Identify"))
    {
      client_identified (c, json_get_string (o, "app"));
      channel_event (
          judge, c, t_ns, "qcop.identify",
          g_strdup_printf ("app=%s", json_get_string (o, "app") ? json_get_string (o, "app") : ""));
    }
  else if (is_cmd && g_str_equal (type, "QCopRegisterChannel") && channel)
    channel_event (judge, c, t_ns, "qcop.register", g_strdup_printf ("channel=%s", channel));
  else if (is_cmd && g_str_equal (type, "QCopSend") && channel && *channel == '\0' && message
           && g_str_has_prefix (message, "detach("))
    {
      g_autofree gchar *name = decode_qstring_hex (json_get_string (o, "data"));
      channel_event (judge, c, t_ns, "qcop.detach",
                     g_strdup_printf ("channel=%s", name ? name : ""));
    }
  else if (is_cmd && g_str_equal (type, "QCopSend") && g_strcmp0 (channel, "STBSim/Events") == 0)
    channel_event (judge, c, t_ns, "qcop.agent-event",
                   agent_event_details (json_get_string (o, "data")));
  else
    return FALSE;
  return TRUE;
}

static gboolean
is_switch_message (SrJudge *judge, const gchar *message)
{
  if (message == NULL)
    return FALSE;
  /* the dialect's name, or any switchService(...) overload */
  gsize n = strcspn (judge->test->dialect->message, "(");
  return strncmp (message, judge->test->dialect->message, n) == 0 && message[n] == '(';
}

static SrEvent *
switch_event (SrJudge *judge, gint64 t_ns, const gchar *channel, const gchar *data_hex,
              gboolean *decoded, gint *code, StbSwitchType *type)
{
  g_autoptr (GBytes) data = qcop_ds_from_hex (data_hex ? data_hex : "", NULL);
  g_auto (StbSwitchMessage) msg = { 0 };
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *bytes = data ? g_bytes_get_data (data, &len) : NULL;
  *decoded = bytes != NULL && stb_protocol_decode (judge->test->dialect, bytes, len, &msg, &error);
  *code = error ? error->code : -1;
  *type = msg.type;
  g_autofree gchar *name
      = *decoded ? g_strdup (stb_switch_param_to_string (msg.param))
                 : g_strdup_printf ("switchService(%d,%d)", msg.raw_type, msg.raw_param);
  SrEvent *e = sr_event_new (t_ns, SR_EVENT_QCOP, NULL, name);
  e->channel = g_strdup (channel);
  e->data_hex = g_strdup (data_hex);
  e->msg_type = msg.raw_type;
  e->msg_param = msg.raw_param;
  return e;
}

/* The runner's own agent messages as the server read them: `key.<role>` (details key=K),
 * `select.iptv` (item=ITEM), `dial.voip` (number=N),
 * `inject.<what>`: SPEC §11 takes key and injection times at the server ("srv:"). */
static void
agent_command (SrJudge *judge, gint64 t_ns, const gchar *channel, const gchar *message,
               const gchar *data_hex)
{
  const gchar *role = g_str_has_suffix (channel, "/IPTV") ? "iptv" : "voip";
  g_autofree gchar *name = NULL, *details = NULL;
  if (g_str_equal (message, "key(QString)") || g_str_equal (message, "select(QString)")
      || g_str_equal (message, "dial(QString)"))
    {
      /* key.<role> key=K; select.iptv item=ITEM, dial.voip number=N (SW-AGT-04, SW-AGT-05) */
      g_autoptr (GBytes) data = qcop_ds_from_hex (data_hex ? data_hex : "", NULL);
      g_autofree gchar *arg = NULL;
      g_autofree gchar *what = g_strndup (message, strcspn (message, "("));
      QcopDsReader r;
      gsize len = 0;
      const guint8 *p = data ? g_bytes_get_data (data, &len) : NULL;
      qcop_ds_reader_init (&r, p, len);
      if (p == NULL || !qcop_ds_read_string (&r, &arg, NULL))
        return;
      if (arg != NULL && !g_str_equal (what, "key"))
        g_strdelimit (arg, ";=", ','); /* a value in details */
      name = g_strdup_printf ("%s.%s", what, role);
      details = g_strdup_printf ("%s=%s",
                                 g_str_equal (what, "key")      ? "key"
                                 : g_str_equal (what, "select") ? "item"
                                                                : "number",
                                 arg ? arg : "");
    }
  else if (g_str_has_prefix (message, "inject"))
    {
      /* injectCall(QString) -> inject.call, injectHangup() -> inject.hangup, ... */
      g_autofree gchar *what = g_strndup (message + 6, strcspn (message + 6, "("));
      g_autofree gchar *lower = g_ascii_strdown (what, -1);
      name = g_strdup_printf ("inject.%s", lower);
    }
  else
    return;
  g_autoptr (SrEvent) e = sr_event_new (t_ns, SR_EVENT_QCOP, "harness", name);
  e->target = g_strdup ("server");
  e->channel = g_strdup (channel);
  e->details = g_steal_pointer (&details);
  e->data_hex = g_strdup (data_hex);
  sr_timeline_add (judge->test->timeline, e);
}

void
sr_judge_trace_line (SrJudge *judge, const gchar *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, -1, NULL))
    return;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  JsonObject *o = json_node_get_object (root);
  const gchar *kind = json_get_string (o, "kind");
  const gchar *type = json_get_string (o, "type");
  gint64 t_ns = json_get_t_ns (o);
  if (kind != NULL && type != NULL && client_record (judge, o, kind, type, t_ns))
    return;
  const gchar *message = json_get_string (o, "message");
  const gchar *channel = json_get_string (o, "channel");
  if (type != NULL && message != NULL && channel != NULL && g_str_equal (type, "QCopSend")
      && g_str_has_prefix (channel, "STBSim/Agent/"))
    {
      agent_command (judge, json_get_t_ns (o), channel, message, json_get_string (o, "data"));
      return;
    }
  if (type == NULL || !is_switch_message (judge, message))
    return;
  gboolean is_send = strstr (type, "Send") != NULL || g_str_equal (type, "send");
  gboolean is_delivery = strstr (type, "Message") != NULL || g_str_equal (type, "deliver");
  if (!is_send && !is_delivery)
    return;
  Client *client = client_of (judge, o);
  const gchar *lane = client ? client->lane : lane_of_app (json_get_string (o, "app"));
  gboolean decoded;
  gint code;
  StbSwitchType stype;
  g_autoptr (SrEvent) e = switch_event (judge, t_ns, json_get_string (o, "channel"),
                                        json_get_string (o, "data"), &decoded, &code, &stype);
  if (is_send)
    {
      if (lane == NULL)
        lane = "unknown";
      g_free (e->source);
      e->source = g_strdup (lane);
      e->target = g_strdup ("server");
      e->client = client ? client->id : 0;
      e->details = g_strdup_printf ("dir=send;from=%s;type=%d;param=%d;client=%d;decoded=%s%s%s",
                                    lane, e->msg_type, e->msg_param, e->client,
                                    decoded                                    ? "yes"
                                    : code == STB_PROTOCOL_ERROR_UNKNOWN_PARAM ? "unknown-param"
                                    : code == STB_PROTOCOL_ERROR_UNKNOWN_TYPE  ? "unknown-type"
                                                                               : "no",
                                    decoded ? ";stype=" : "",
                                    decoded ? stb_switch_type_to_string (stype) : "");
      sr_timeline_add (judge->test->timeline, e);
    }
  else
    {
      if (lane == NULL || g_str_equal (lane, "harness"))
        return; /* deliveries to the harness are not part of the chart */
      g_free (e->source);
      e->source = g_strdup ("server");
      e->target = g_strdup (lane);
      e->client = client ? client->id : 0;
      e->details
          = g_strdup_printf ("dir=deliver;to=%s;type=%d;param=%d", lane, e->msg_type, e->msg_param);
      sr_timeline_add (judge->test->timeline, e);
    }
}

void
sr_judge_agent_event (SrJudge *judge, gint64 t_ns, const gchar *source, const gchar *name,
                      const gchar *details)
{
  StbRole role;
  if (stb_role_from_string (source, &role))
    judge->agent_seen[role] = TRUE;
  g_autoptr (SrEvent) e = sr_event_new (t_ns, SR_EVENT_AGENT, source, name);
  e->details = g_strdup (details);
  /* SIP events reported by a module are drawn towards the IMS lane */
  if (g_str_has_prefix (name, "sip.tx"))
    e->target = g_strdup ("ims");
  sr_timeline_add (judge->test->timeline, e);
}
