/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-stb2"

#include "sr-stb2.h"

#include <glib/gstdio.h>
#include <string.h>

#include "qcop-client.h"
#include "qcop-datastream.h"
#include "sr-component.h"
#include "sr-judge.h"
#include "stb-agent.h"
#include "stbsim-proc.h"
#include "stbsim-tmpdir.h"

#define EVENTS_CHANNEL "STBSim/Events"
#define PREFIX "stb2."

/* One stb2 at a time (tests run one after the other); freed with the stb2-server component. */
typedef struct
{
  SrRun *run; /* borrowed: the component (and so this) goes before the run */
  gchar *sock_dir;
  gchar *socket_path;
  gchar *trace_path;
  QcopClient *qcop;
} Stb2;

static Stb2 *current;

static void
stb2_free (Stb2 *s)
{
  if (s->qcop)
    {
      qcop_client_disconnect (s->qcop);
      g_clear_object (&s->qcop);
    }
  g_unlink (s->socket_path);
  stbsim_tmpdir_remove (s->sock_dir);
  g_free (s->sock_dir);
  g_free (s->socket_path);
  g_free (s->trace_path);
  g_free (s);
}

void
sr_stb2_component_gone (const gchar *name)
{
  if (current != NULL && g_strcmp0 (name, "stb2-server") == 0)
    g_clear_pointer (&current, stb2_free);
}

static Stb2 *
stb2_of (SrRun *run)
{
  return current != NULL && current->run == run ? current : NULL;
}

/* ---- component arguments ----------------------------------------------------------------- */

static void
add (GPtrArray *argv, const gchar *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

void
sr_stb2_server_args (SrRun *run, GPtrArray *argv)
{
  Stb2 *s = stb2_of (run);
  add (argv, "--socket");
  add (argv, s ? s->socket_path : "/nonexistent/stb2-not-started");
  add (argv, "--trace");
  add (argv, s ? s->trace_path : "/dev/null");
}

static void
module_args (SrRun *run, GPtrArray *argv)
{
  Stb2 *s = stb2_of (run);
  add (argv, "--qcop-socket");
  add (argv, s ? s->socket_path : "/nonexistent/stb2-not-started");
  add (argv, "--layout");
  add (argv, stb_layout_to_string (run->layout));
  add (argv, "--dialect");
  add (argv, run->dialect_path);
}

void
sr_stb2_iptv_args (SrRun *run, GPtrArray *argv)
{
  module_args (run, argv);
  sr_component_add_headend_args (run, argv);
}

void
sr_stb2_voip_args (SrRun *run, GPtrArray *argv)
{
  module_args (run, argv);
  g_autofree gchar *sip = sr_component_ready_value (run, "ims", "sip");
  g_autofree gchar *domain = sr_component_ready_value (run, "ims", "domain");
  if (sip == NULL)
    {
      add (argv, "--inject");
      return;
    }
  add (argv, "--sip-proxy");
  g_ptr_array_add (argv, g_strdup_printf ("sip:%s", sip));
  add (argv, "--sip-user");
  add (argv, "stb2");
  add (argv, "--sip-password");
  add (argv, "stb2-secret");
  add (argv, "--sip-domain");
  add (argv, domain ? domain : "ims.test");
}

/* ---- events and keys --------------------------------------------------------------------- */

static void
on_events (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
           gpointer user_data)
{
  SrRun *run = user_data;
  gint64 t_ns;
  g_autofree gchar *source = NULL, *name = NULL, *details = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_str_has_prefix (message, "event("))
    return;
  if (!stb_agent_decode_event (data, &t_ns, &source, &name, &details, &error))
    {
      g_message ("undecodable stb2 agent event %s: %s", message, error->message);
      return;
    }
  /* stb2 is the far end: its facts go to the far-end lane, named stb2.<event> */
  g_autofree gchar *full = g_strconcat (PREFIX, name ? name : "", NULL);
  g_autoptr (SrEvent) e = sr_event_new (t_ns, SR_EVENT_AGENT, "farend", full);
  e->details = g_strdup (details ? details : "");
  if (name && g_str_has_prefix (name, "sip.tx"))
    e->target = g_strdup ("ims");
  sr_timeline_add (run->timeline, e);
}

static gboolean
connect_qcop (Stb2 *s, GError **error)
{
  g_autoptr (QcopClient) client = qcop_client_new (s->socket_path, "stbsim-stb2");
  if (!qcop_client_connect_sync (client, 5000, error))
    return FALSE;
  qcop_client_register (client, EVENTS_CHANNEL, on_events, s->run, NULL);
  gboolean registered = FALSE;
  if (!qcop_client_is_registered_sync (client, EVENTS_CHANNEL, 5000, &registered, error))
    return FALSE;
  s->qcop = g_steal_pointer (&client);
  return TRUE;
}

gboolean
sr_stb2_start (SrRun *run, const gchar *args, gdouble timeout_s, GError **error)
{
  if (current != NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT, "stb2 is already started");
      return FALSE;
    }
  g_autofree gchar *dir = stbsim_tmpdir_make ("stbsim2-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  Stb2 *s = g_new0 (Stb2, 1);
  s->run = run;
  s->sock_dir = g_steal_pointer (&dir);
  s->socket_path = g_build_filename (s->sock_dir, "qcop.sock", NULL);
  s->trace_path = g_build_filename (run->test_dir, "stb2-qcop-trace.jsonl", NULL);
  current = s;
  /* from here on `current` belongs to the stb2-server component: freed with it (also when it
   * fails to start), so `s` is not touched after a failure */
  if (!sr_run_start_component (run, "stb2-server", NULL, TRUE, timeout_s, error))
    return FALSE;
  if (!connect_qcop (s, error))
    return FALSE;
  if (!sr_run_start_component (run, "stb2-iptv", NULL, TRUE, timeout_s, error))
    return FALSE;
  return sr_run_start_component (run, "stb2-voip", args, TRUE, timeout_s, error);
}

gboolean
sr_stb2_is_target (const gchar *target)
{
  return g_strcmp0 (target, "stb2-voip") == 0 || g_strcmp0 (target, "stb2-iptv") == 0;
}

gboolean
sr_stb2_press_key (SrRun *run, const SrAction *action, GError **error)
{
  Stb2 *s = stb2_of (run);
  const gchar *target = sr_action_get_string (action, "target", NULL);
  const gchar *key = sr_action_get_string (action, "key", NULL);
  if (s == NULL || s->qcop == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CHANNEL,
                   "press-key target=%s: stb2 is not started (`start, component=stb2`)", target);
      return FALSE;
    }
  const gchar *channel
      = g_str_equal (target, "stb2-voip") ? "STBSim/Agent/VoIP" : "STBSim/Agent/IPTV";
  gint64 repeat = sr_action_get_int (action, "repeat", 1);
  for (gint64 i = 0; i < repeat; i++)
    {
      g_autoptr (GByteArray) data = g_byte_array_new ();
      qcop_ds_write_string (data, key);
      g_autofree gchar *name = g_strdup_printf ("press.%s", target);
      g_autofree gchar *details = g_strdup_printf ("key=%s", key);
      sr_run_note (run, name, target, details);
      if (!qcop_client_send (s->qcop, channel, "key(QString)", data->data, data->len, error)
          || !qcop_client_flush (s->qcop, 2000, error))
        return FALSE;
    }
  return TRUE;
}
