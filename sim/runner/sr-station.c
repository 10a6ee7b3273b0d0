/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-station"

#include "sr-station.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "qcop-client.h"
#include "sr-screen.h"
#include "stb-agent.h"
#include "stbsim-proc.h"
#include "stbsim-tmpdir.h"

#define EVENTS_CHANNEL "STBSim/Events"
#define FAR_PREFIX "stb2."

struct _SrStation
{
  SrTest *test; /* borrowed: stations go before the test */
  guint index;
  gchar *prefix;
  gchar *sip_user;
  gchar *sip_password;
  gchar *sock_dir;
  gchar *socket_path;
  gchar *trace_path;
  QcopClient *qcop;
  SrJudge *judge;   /* station 1 only */
  SrScreen *screen; /* (nullable) station 1 of a Qt GUI DUT: its QWS display */
  /* server trace tail */
  gint trace_fd;
  GString *trace_partial;
};

SrStation *
sr_station_new (SrTest *test, guint index, GError **error)
{
  g_return_val_if_fail (index == 1 || index == 2, NULL);
  /* The socket lives in a private 0700 directory: short path (sun_path is 108 bytes) and
   * nobody else can connect to or replace it. */
  g_autofree gchar *dir = stbsim_tmpdir_make (index == 1 ? "stbsim-XXXXXX" : "stbsim2-XXXXXX",
                                              error); /* removed even after SIGKILL */
  if (dir == NULL)
    return NULL;
  g_autoptr (SrScreen) screen = NULL;
  if (index == 1 && sr_screen_wanted (test->config)
      && (screen = sr_screen_claim (error)) == NULL) /* a Qt GUI DUT: the server of display N */
    {
      stbsim_tmpdir_remove (dir);
      return NULL;
    }
  SrStation *st = g_new0 (SrStation, 1);
  st->test = test;
  st->screen = g_steal_pointer (&screen);
  st->index = index;
  st->prefix = index == 1 ? g_strdup ("") : g_strdup_printf ("stb%u-", index);
  st->sip_user = g_strdup_printf ("stb%u", index);
  st->sip_password = g_strdup_printf ("stb%u-secret", index);
  st->sock_dir = g_steal_pointer (&dir);
  st->socket_path = st->screen ? g_strdup (sr_screen_socket (st->screen))
                               : g_build_filename (st->sock_dir, "qcop.sock", NULL);
  st->trace_path = index == 1 ? g_build_filename (test->test_dir, "qcop-trace.jsonl", NULL)
                              : g_build_filename (test->test_dir, "stb2-qcop-trace.jsonl", NULL);
  st->trace_fd = -1;
  st->trace_partial = g_string_new (NULL);
  if (index == 1)
    st->judge = sr_judge_new (test);
  return st;
}

void
sr_station_free (SrStation *st)
{
  if (st == NULL)
    return;
  sr_station_disconnect (st);
  if (st->trace_fd >= 0)
    close (st->trace_fd);
  g_string_free (st->trace_partial, TRUE);
  g_clear_pointer (&st->judge, sr_judge_free);
  g_clear_pointer (&st->screen, sr_screen_free);
  g_unlink (st->socket_path);
  stbsim_tmpdir_remove (st->sock_dir);
  g_free (st->sock_dir);
  g_free (st->socket_path);
  g_free (st->trace_path);
  g_free (st->prefix);
  g_free (st->sip_user);
  g_free (st->sip_password);
  g_free (st);
}

guint
sr_station_index (const SrStation *st)
{
  return st->index;
}

const gchar *
sr_station_prefix (const SrStation *st)
{
  return st->prefix;
}

guint
sr_station_of_component (const gchar *name, const gchar **base)
{
  static const gchar *const parts[] = { "server", "iptv", "voip" };
  guint index = 1;
  const gchar *rest = name;
  if (name == NULL)
    return 0;
  if (g_str_has_prefix (name, "stb2-"))
    {
      index = 2;
      rest = name + strlen ("stb2-");
    }
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (g_str_equal (rest, parts[i]))
      {
        if (base)
          *base = parts[i];
        return index;
      }
  return 0;
}

const gchar *
sr_station_socket (const SrStation *st)
{
  return st->socket_path;
}

const gchar *
sr_station_trace (const SrStation *st)
{
  return st->trace_path;
}

const gchar *
sr_station_sip_user (const SrStation *st)
{
  return st->sip_user;
}

const gchar *
sr_station_sip_password (const SrStation *st)
{
  return st->sip_password;
}

SrJudge *
sr_station_judge (SrStation *st)
{
  return st->judge;
}

gint
sr_station_display (const SrStation *st)
{
  return st->screen ? sr_screen_display (st->screen) : -1;
}

gboolean
sr_station_want_screen (SrStation *st, GError **error)
{
  g_return_val_if_fail (st->index == 1, FALSE);
  if (st->screen != NULL)
    return TRUE;
  st->screen = sr_screen_claim (error);
  if (st->screen == NULL)
    return FALSE;
  g_free (st->socket_path); /* nothing listens there yet: the server starts later */
  st->socket_path = g_strdup (sr_screen_socket (st->screen));
  return TRUE;
}

gboolean
sr_station_snapshot (SrStation *st, const gchar *name, GError **error)
{
  if (st->screen == NULL)
    {
      g_debug ("snapshot %s: this run has no screen", name);
      return TRUE;
    }
  return sr_screen_snapshot (st->screen, st->test, name, error);
}

/* ---- agent events ------------------------------------------------------------------------- */

static void
on_events (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
           gpointer user_data)
{
  SrStation *st = user_data;
  gint64 t_ns;
  g_autofree gchar *source = NULL, *name = NULL, *details = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_str_has_prefix (message, "event("))
    return;
  if (!stb_agent_decode_event (data, &t_ns, &source, &name, &details, &error))
    {
      if (st->judge != NULL)
        sr_test_raise (st->test, "agent::undecodable-event", NULL, stbsim_now_ns (),
                       "an event(...) on STBSim/Events did not decode (%s): %s", message,
                       error->message);
      else
        g_message ("undecodable agent event of station %u %s: %s", st->index, message,
                   error->message);
      return;
    }
  if (st->judge != NULL)
    {
      sr_judge_agent_event (st->judge, t_ns, source, name, details);
      return;
    }
  /* a far-end station's facts go to the far-end lane, named stb2.<event> */
  g_autofree gchar *full = g_strconcat (FAR_PREFIX, name ? name : "", NULL);
  g_autoptr (SrEvent) e = sr_event_new (t_ns, SR_EVENT_AGENT, "farend", full);
  e->details = g_strdup (details ? details : "");
  if (name && g_str_has_prefix (name, "sip.tx"))
    e->target = g_strdup ("ims");
  sr_timeline_add (st->test->timeline, e);
}

gboolean
sr_station_connect (SrStation *st, GError **error)
{
  g_autofree gchar *app
      = st->index == 1 ? g_strdup ("stbsim") : g_strdup_printf ("stbsim-stb%u", st->index);
  g_autoptr (QcopClient) client = qcop_client_new (st->socket_path, app);
  if (!qcop_client_connect_sync (client, 5000, error))
    return FALSE;
  qcop_client_register (client, EVENTS_CHANNEL, on_events, st, NULL);
  /* make sure the registration reached the server before any module starts */
  gboolean registered = FALSE;
  if (!qcop_client_is_registered_sync (client, EVENTS_CHANNEL, 5000, &registered, error))
    return FALSE;
  sr_station_disconnect (st);
  st->qcop = g_steal_pointer (&client);
  return TRUE;
}

void
sr_station_disconnect (SrStation *st)
{
  if (st->qcop == NULL)
    return;
  qcop_client_disconnect (st->qcop);
  g_clear_object (&st->qcop);
}

gboolean
sr_station_connected (const SrStation *st)
{
  return st->qcop != NULL;
}

void
sr_station_poll (SrStation *st)
{
  if (st->judge == NULL)
    return;
  if (st->trace_fd < 0)
    {
      st->trace_fd = open (st->trace_path, O_RDONLY | O_CLOEXEC);
      if (st->trace_fd < 0)
        return;
    }
  gchar buf[16384];
  for (guint rounds = 0; rounds < 64; rounds++)
    {
      gssize n = read (st->trace_fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (st->trace_partial, buf, n);
    }
  gchar *start = st->trace_partial->str, *nl;
  while ((nl = strchr (start, '\n')) != NULL)
    {
      *nl = '\0';
      sr_judge_trace_line (st->judge, start);
      start = nl + 1;
    }
  g_string_erase (st->trace_partial, 0, start - st->trace_partial->str);
}

/* ---- sending ------------------------------------------------------------------------------ */

static gboolean
need_connection (SrStation *st, GError **error)
{
  if (st->qcop != NULL)
    return TRUE;
  g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CHANNEL,
               "no QCOP connection to station %u: start its server first (`start, "
               "component=%sserver`)",
               st->index, st->prefix);
  return FALSE;
}

gboolean
sr_station_send (SrStation *st, const gchar *channel, const gchar *message, const guint8 *data,
                 gsize len, GError **error)
{
  return need_connection (st, error)
         && qcop_client_send (st->qcop, channel, message, data, len, error);
}

gboolean
sr_station_flush (SrStation *st, gint timeout_ms, GError **error)
{
  return need_connection (st, error) && qcop_client_flush (st->qcop, timeout_ms, error);
}

gboolean
sr_station_send_flush (SrStation *st, const gchar *channel, const gchar *message,
                       const guint8 *data, gsize len, GError **error)
{
  return sr_station_send (st, channel, message, data, len, error)
         && sr_station_flush (st, 2000, error);
}

gboolean
sr_station_is_registered (SrStation *st, const gchar *channel)
{
  gboolean registered = FALSE;
  return st->qcop != NULL
         && qcop_client_is_registered_sync (st->qcop, channel, 500, &registered, NULL)
         && registered;
}
