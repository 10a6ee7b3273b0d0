/* SPDX-License-Identifier: MIT */
/*
 * broken-voip: a deliberately faulty VoIP module, the test double that shows the runner
 * catches protocol violations. It implements just the callee flow (injectCall, ok/back keys,
 * injectHangup) with the agent interface, and breaks it as --fault says:
 *
 *   none          behave (sanity: the suite passes against it)
 *   wrong-type    send STOP_IPTV with messageType iptv_to_voip (SW-MSG-02)
 *   early-answer  show the main page and answer right after the accept key, before
 *                 CALLEE_SHOW_VIDEO_PAGE (SW-VOIP-04 / SW-SIP-02)
 *   no-resume     never send RESUME_IPTV at the end of a call (SW-VOIP-06)
 *   wrong-channel send on the channel it listens on (SW-CHAN-02/03; unidirectional only)
 *   no-agent      no agent interface at all (no events, no keys): verdicts inconclusive
 *
 * Usage (as a vendor DUT): stbsim ... --dut voip='broken-voip --fault X --qcop-socket %s'
 */
#define G_LOG_DOMAIN "broken-voip"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "qcop-client.h"
#include "stb-agent.h"
#include "stb-dialect.h"
#include "stb-protocol.h"
#include "stbsim-proc.h"

typedef struct
{
  gchar *fault;
  GMainLoop *loop;
  QcopClient *client;
  StbDialect *dialect;
  StbAgent *agent;
  gboolean dialog;
  gboolean awaiting_show;
  gboolean in_call;
} Broken;

static gboolean
is_fault (Broken *b, const gchar *name)
{
  return g_strcmp0 (b->fault, name) == 0;
}

static void
send_param (Broken *b, StbSwitchParam param)
{
  StbSwitchMessage msg = { 0 };
  msg.type = stb_switch_param_get_type (param);
  msg.param = param;
  if (is_fault (b, "wrong-type"))
    msg.type = STB_SWITCH_TYPE_IPTV_TO_VOIP;
  g_autoptr (GBytes) data = stb_protocol_encode (b->dialect, &msg);
  const gchar *channel = is_fault (b, "wrong-channel")
                             ? stb_dialect_listen_channel (b->dialect, STB_ROLE_VOIP)
                             : stb_dialect_send_channel (b->dialect, STB_ROLE_VOIP);
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  qcop_client_send (b->client, channel, b->dialect->message, p, len, NULL);
  if (b->agent)
    stb_agent_emitf (b->agent, "voip.tx", "param=%s;channel=%s", stb_switch_param_to_string (param),
                     channel);
}

static void
answer (Broken *b)
{
  b->awaiting_show = FALSE;
  b->in_call = TRUE;
  stb_agent_emit (b->agent, "voip.page", "page=main");
  stb_agent_emit (b->agent, "voip.call", "state=answered;code=200");
}

static void
on_key (const gchar *key, gpointer user_data)
{
  Broken *b = user_data;
  if (b->dialog && g_str_equal (key, "ok"))
    {
      b->dialog = FALSE;
      stb_agent_emit (b->agent, "voip.dialog", "state=closed;reason=accepted");
      if (is_fault (b, "early-answer"))
        answer (b);
      else
        b->awaiting_show = TRUE;
      send_param (b, STB_SWITCH_PARAM_STOP_IPTV);
    }
  else if (b->dialog && g_str_equal (key, "back"))
    {
      b->dialog = FALSE;
      stb_agent_emit (b->agent, "voip.dialog", "state=closed;reason=rejected");
      stb_agent_emit (b->agent, "voip.call", "state=rejected;code=603");
      send_param (b, STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV);
    }
}

static void
on_command (const gchar *message, GBytes *data, gpointer user_data)
{
  Broken *b = user_data;
  if (g_str_equal (message, "injectCall(QString)") && !b->dialog && !b->in_call)
    {
      b->dialog = TRUE;
      stb_agent_emit (b->agent, "voip.dialog", "state=shown");
    }
  else if (g_str_equal (message, "injectHangup()") && b->in_call)
    {
      b->in_call = FALSE;
      stb_agent_emit (b->agent, "voip.call", "state=ended");
      stb_agent_emit (b->agent, "voip.page", "page=hidden");
      if (!is_fault (b, "no-resume"))
        send_param (b, STB_SWITCH_PARAM_RESUME_IPTV);
    }
}

static void
on_switch (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
           gpointer user_data)
{
  Broken *b = user_data;
  g_auto (StbSwitchMessage) msg = { 0 };
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  if (!stb_protocol_decode (b->dialect, p, len, &msg, NULL)
      || msg.type != STB_SWITCH_TYPE_IPTV_TO_VOIP)
    return;
  if (msg.param == STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE && b->awaiting_show)
    answer (b);
}

static gboolean
on_sigterm (gpointer data)
{
  g_main_loop_quit (((Broken *)data)->loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  Broken b = { 0 };
  gchar *socket = NULL, *dialect = NULL, *layout = NULL;
  gint ready_fd = -1;
  GOptionEntry entries[] = {
    { "qcop-socket", 0, 0, G_OPTION_ARG_FILENAME, &socket, "QCOP server socket", "PATH" },
    { "dialect", 0, 0, G_OPTION_ARG_FILENAME, &dialect, "Dialect file", "FILE" },
    { "layout", 0, 0, G_OPTION_ARG_STRING, &layout, "Channel layout", "LAYOUT" },
    { "ready-fd", 0, 0, G_OPTION_ARG_INT, &ready_fd, "READY line fd", "N" },
    { "fault", 0, 0, G_OPTION_ARG_STRING, &b.fault,
      "none, wrong-type, early-answer, no-resume, wrong-channel", "FAULT" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- a deliberately broken VoIP module");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || socket == NULL)
    {
      fprintf (stderr, "broken-voip: %s\n", error ? error->message : "--qcop-socket is required");
      return 2;
    }
  b.dialect = dialect ? stb_dialect_load (dialect, &error) : stb_dialect_new_default ();
  if (b.dialect == NULL)
    {
      fprintf (stderr, "broken-voip: %s\n", error->message);
      return 2;
    }
  if (layout && !stb_layout_from_string (layout, &b.dialect->layout))
    return 2;
  b.loop = g_main_loop_new (NULL, FALSE);
  b.client = qcop_client_new (socket, "broken-voip");
  if (!qcop_client_connect_sync (b.client, 5000, &error))
    {
      fprintf (stderr, "broken-voip: %s\n", error->message);
      return 1;
    }
  qcop_client_register (b.client, stb_dialect_listen_channel (b.dialect, STB_ROLE_VOIP), on_switch,
                        &b, NULL);
  gboolean registered = FALSE;
  if (!is_fault (&b, "no-agent"))
    {
      b.agent = stb_agent_new (b.client, "voip", STB_AGENT_VOIP_CHANNEL, on_key, on_command, &b);
      qcop_client_is_registered_sync (b.client, STB_AGENT_VOIP_CHANNEL, 5000, &registered, NULL);
      stb_agent_emitf (b.agent, "voip.ready", "fault=%s", b.fault ? b.fault : "none");
    }
  else
    qcop_client_is_registered_sync (b.client, stb_dialect_listen_channel (b.dialect, STB_ROLE_VOIP),
                                    5000, &registered, NULL);
  send_param (&b, STB_SWITCH_PARAM_RESUME_IPTV); /* SW-VOIP-02: once after every start */
  stbsim_ready_notify (ready_fd, "READY broken-voip");
  g_unix_signal_add (SIGTERM, on_sigterm, &b);
  g_unix_signal_add (SIGINT, on_sigterm, &b);
  g_main_loop_run (b.loop);
  g_clear_pointer (&b.agent, stb_agent_free);
  qcop_client_disconnect (b.client);
  g_object_unref (b.client);
  stb_dialect_free (b.dialect);
  g_main_loop_unref (b.loop);
  g_free (socket);
  g_free (dialect);
  g_free (layout);
  g_free (b.fault);
  return 0;
}
