/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-judge"

#include "sr-judge.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "qcop-datastream.h"

/* Issue id -> SPEC requirement (conformance/SPEC.md). One table, so aligning with the spec is
 * one edit. Expectations in scenarios may name their own requirement instead. */
static const struct
{
  const gchar *issue_id;
  const gchar *requirement;
} requirement_table[] = {
  { "sw::undecodable", "SW-MSG-01" },
  { "sw::wrong-message-type", "SW-MSG-02" },
  { "sw::unknown-parameter", "SW-MSG-01" },
  /* sw::wrong-channel: SW-CHAN-02 (bidirectional) or SW-CHAN-03 (unidirectional), below */
};

const gchar *
sr_judge_requirement (const gchar *issue_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (requirement_table); i++)
    if (g_str_equal (requirement_table[i].issue_id, issue_id))
      return requirement_table[i].requirement;
  return NULL;
}

void
sr_judge_issue (SrRun *run, const gchar *issue_id, SrVerdict level, const gchar *requirement,
                gint64 t_ns, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *evidence = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (requirement == NULL)
    requirement = sr_judge_requirement (issue_id);
  if (requirement == NULL && g_str_equal (issue_id, "sw::wrong-channel"))
    requirement = run->layout == STB_LAYOUT_BIDIRECTIONAL ? "SW-CHAN-02" : "SW-CHAN-03";
  g_debug ("%s: %s %s%s%s: %s", run->result->id, sr_verdict_to_string (level), issue_id,
           requirement ? " " : "", requirement ? requirement : "", evidence);
  sr_test_result_add_issue (run->result,
                            sr_issue_new (issue_id, level, requirement, evidence, t_ns));
}

/* Which lane an application name belongs to. */
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

static const gchar *
json_get_string (JsonObject *o, const gchar *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* t_ns of a trace line: 0 unless it is an integer (a trace line is input: any JSON) */
static gint64
json_get_t_ns (JsonObject *o)
{
  JsonNode *n = json_object_get_member (o, "t_ns");
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE
      || json_node_get_value_type (n) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (n);
}

static gboolean
is_switch_message (SrRun *run, const gchar *message)
{
  if (message == NULL)
    return FALSE;
  /* the dialect's name, or any switchService(...) overload */
  gsize n = strcspn (run->dialect->message, "(");
  return strncmp (message, run->dialect->message, n) == 0 && message[n] == '(';
}

/* Passive checks on a switch message a module sent. */
static void
check_sent (SrRun *run, SrEvent *e, const gchar *lane, gboolean decoded, gint code,
            StbSwitchType type)
{
  StbRole role;
  if (!sr_role_from_string (lane, &role))
    return; /* the harness impersonating a module, or an unknown sender */
  if (!decoded && code != STB_PROTOCOL_ERROR_UNKNOWN_PARAM)
    {
      sr_judge_issue (
          run,
          code == STB_PROTOCOL_ERROR_UNKNOWN_TYPE ? "sw::wrong-message-type" : "sw::undecodable",
          SR_VERDICT_FAIL, NULL, e->t_ns,
          "%s sent %s on %s with data %s (type %d, parameter %d): %s", lane, e->name, e->channel,
          e->data_hex, e->msg_type, e->msg_param, stb_protocol_error_reason (code));
      return;
    }
  StbSwitchType want
      = role == STB_ROLE_IPTV ? STB_SWITCH_TYPE_IPTV_TO_VOIP : STB_SWITCH_TYPE_VOIP_TO_IPTV;
  gboolean type_ok = stb_dialect_lookup_type (run->dialect, e->msg_type, &type) && type == want;
  if (!type_ok)
    sr_judge_issue (run, "sw::wrong-message-type", SR_VERDICT_FAIL, NULL, e->t_ns,
                    "%s sent messageType %d (must be %d, %s) with parameter %d on %s", lane,
                    e->msg_type, stb_dialect_type_value (run->dialect, want),
                    stb_switch_type_to_string (want), e->msg_param, e->channel);
  else if (!decoded)
    sr_judge_issue (run, "sw::unknown-parameter", SR_VERDICT_FAIL, NULL, e->t_ns,
                    "%s sent parameter %d, not defined for messageType %d, on %s", lane,
                    e->msg_param, e->msg_type, e->channel);
  const gchar *want_channel = stb_dialect_send_channel (run->dialect, role);
  if (g_strcmp0 (e->channel, want_channel) != 0)
    sr_judge_issue (run, "sw::wrong-channel", SR_VERDICT_FAIL, NULL, e->t_ns,
                    "%s sent %s on '%s'; in the %s layout it must send on '%s'", lane, e->name,
                    e->channel, stb_layout_to_string (run->layout), want_channel);
}

static SrEvent *
switch_event (SrRun *run, gint64 t_ns, const gchar *channel, const gchar *data_hex,
              gboolean *decoded, gint *code, StbSwitchType *type)
{
  g_autoptr (GBytes) data = qcop_ds_from_hex (data_hex ? data_hex : "", NULL);
  g_auto (StbSwitchMessage) msg = { 0 };
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *bytes = data ? g_bytes_get_data (data, &len) : NULL;
  *decoded = bytes != NULL && stb_protocol_decode (run->dialect, bytes, len, &msg, &error);
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
 * `inject.<what>`: SPEC §11 takes key and injection times at the server ("srv:"). */
static void
agent_command (SrRun *run, gint64 t_ns, const gchar *channel, const gchar *message,
               const gchar *data_hex)
{
  const gchar *role = g_str_has_suffix (channel, "/IPTV") ? "iptv" : "voip";
  g_autofree gchar *name = NULL, *details = NULL;
  if (g_str_equal (message, "key(QString)"))
    {
      g_autoptr (GBytes) data = qcop_ds_from_hex (data_hex ? data_hex : "", NULL);
      g_autofree gchar *key = NULL;
      QcopDsReader r;
      gsize len = 0;
      const guint8 *p = data ? g_bytes_get_data (data, &len) : NULL;
      qcop_ds_reader_init (&r, p, len);
      if (p == NULL || !qcop_ds_read_string (&r, &key, NULL))
        return;
      name = g_strdup_printf ("key.%s", role);
      details = g_strdup_printf ("key=%s", key ? key : "");
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
  sr_timeline_add (run->timeline, e);
}

void
sr_judge_trace_line (SrRun *run, const gchar *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, -1, NULL))
    return;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  JsonObject *o = json_node_get_object (root);
  const gchar *type = json_get_string (o, "type");
  const gchar *message = json_get_string (o, "message");
  const gchar *channel = json_get_string (o, "channel");
  if (type != NULL && message != NULL && channel != NULL && g_str_equal (type, "QCopSend")
      && g_str_has_prefix (channel, "STBSim/Agent/"))
    {
      agent_command (run, json_get_t_ns (o), channel, message, json_get_string (o, "data"));
      return;
    }
  if (type == NULL || !is_switch_message (run, message))
    return;
  gboolean is_send = strstr (type, "Send") != NULL || g_str_equal (type, "send");
  gboolean is_delivery = strstr (type, "Message") != NULL || g_str_equal (type, "deliver");
  if (!is_send && !is_delivery)
    return;
  gint64 t_ns = json_get_t_ns (o);
  const gchar *lane = lane_of_app (json_get_string (o, "app"));
  gboolean decoded;
  gint code;
  StbSwitchType stype;
  g_autoptr (SrEvent) e = switch_event (run, t_ns, json_get_string (o, "channel"),
                                        json_get_string (o, "data"), &decoded, &code, &stype);
  if (is_send)
    {
      if (lane == NULL) /* unknown app name: attribute by the message type */
        lane = decoded && stype == STB_SWITCH_TYPE_VOIP_TO_IPTV ? "voip" : "iptv";
      g_free (e->source);
      e->source = g_strdup (lane);
      e->target = g_strdup ("server");
      e->details
          = g_strdup_printf ("dir=send;from=%s;type=%d;param=%d", lane, e->msg_type, e->msg_param);
      sr_timeline_add (run->timeline, e);
      check_sent (run, e, lane, decoded, code, stype);
    }
  else
    {
      if (lane == NULL || g_str_equal (lane, "harness"))
        return; /* deliveries to the harness are not part of the chart */
      g_free (e->source);
      e->source = g_strdup ("server");
      e->target = g_strdup (lane);
      e->details
          = g_strdup_printf ("dir=deliver;to=%s;type=%d;param=%d", lane, e->msg_type, e->msg_param);
      sr_timeline_add (run->timeline, e);
    }
}

void
sr_judge_agent_event (SrRun *run, gint64 t_ns, const gchar *source, const gchar *name,
                      const gchar *details)
{
  StbRole role;
  if (sr_role_from_string (source, &role))
    run->agent_seen[role] = TRUE;
  g_autoptr (SrEvent) e = sr_event_new (t_ns, SR_EVENT_AGENT, source, name);
  e->details = g_strdup (details);
  /* SIP events reported by a module are drawn towards the IMS lane */
  if (g_str_has_prefix (name, "sip.tx"))
    e->target = g_strdup ("ims");
  sr_timeline_add (run->timeline, e);
}
