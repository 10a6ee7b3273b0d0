/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-run"

#include "sr-run.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qcop-client.h"
#include "qcop-datastream.h"
#include "sr-checks.h"
#include "sr-component.h"
#include "sr-dut.h"
#include "sr-issues.h"
#include "sr-judge.h"
#include "sr-procobs.h"
#include "sr-sipobs.h"
#include "stb-agent.h"
#include "stbsim-proc.h"

#define EVENTS_CHANNEL "STBSim/Events"
#define POLL_INTERVAL_MS 5

/* clang-format off */
G_DEFINE_QUARK (sr-run-error-quark, sr_run_error)
/* clang-format on */

static const gchar *const agent_channels[] = { "STBSim/Agent/IPTV", "STBSim/Agent/VoIP" };

/* The run's timing profile (--profile, default "reference"): budgets for `measure`. A missing
 * default profile only means "no budgets"; a profile asked for by name must exist. */
static gboolean
load_profile (SrRun *run, GError **error)
{
  const gchar *name = run->config->profile ? run->config->profile : "reference";
  g_autofree gchar *file = g_strdup_printf ("%s.ini", name);
  g_autofree gchar *path
      = g_file_test (name, G_FILE_TEST_IS_REGULAR)
            ? g_strdup (name)
            : g_build_filename (run->config->source_root, "conformance", "profiles", file, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS) && run->config->profile == NULL)
    return TRUE;
  run->profile = g_key_file_new ();
  if (!g_key_file_load_from_file (run->profile, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "timing profile %s (%s): ", name, path);
      return FALSE;
    }
  return TRUE;
}

SrRun *
sr_run_new (const SrConfig *config, SrTestResult *result, SrTimeline *timeline, StbLayout layout,
            GError **error)
{
  g_autoptr (SrRun) run = g_new0 (SrRun, 1);
  run->config = config;
  run->result = result;
  run->timeline = timeline;
  run->layout = layout;
  run->trace_fd = -1;
  run->trace_partial = g_string_new (NULL);
  run->components
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)sr_component_free);
  run->start_order = g_ptr_array_new_with_free_func (g_free);
  run->checkpoints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run->consumed = g_hash_table_new_full (NULL, NULL, (GDestroyNotify)sr_event_unref, NULL);
  run->test_dir = g_build_filename (config->run_dir, "tests", result->id, NULL);
  run->logs_dir = g_build_filename (config->run_dir, "logs", result->id, NULL);
  if (g_mkdir_with_parents (run->test_dir, 0755) != 0
      || g_mkdir_with_parents (run->logs_dir, 0755) != 0)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "cannot create %s: %s", run->test_dir,
                   g_strerror (errno));
      return NULL;
    }
  /* The socket lives in a private 0700 directory: short path (sun_path is 108 bytes) and
   * nobody else can connect to or replace it. */
  run->sock_dir = g_dir_make_tmp ("stbsim-XXXXXX", error);
  if (run->sock_dir == NULL)
    return NULL;
  run->socket_path = g_build_filename (run->sock_dir, "qcop.sock", NULL);
  run->trace_path = g_build_filename (run->test_dir, "qcop-trace.jsonl", NULL);
  if (config->dialect_path)
    {
      run->dialect_path = g_strdup (config->dialect_path);
      run->dialect = stb_dialect_load (config->dialect_path, error);
    }
  else
    {
      /* the default dialect, given explicitly so that modules and observer provably agree
       * (SW-DLCT-04); written out (every key defaults) if the fixture is missing */
      run->dialect_path
          = g_build_filename (config->source_root, "fixtures", "dialects", "default.ini", NULL);
      if (!g_file_test (run->dialect_path, G_FILE_TEST_IS_REGULAR))
        {
          g_free (run->dialect_path);
          run->dialect_path = g_build_filename (run->test_dir, "dialect.ini", NULL);
          if (!g_file_set_contents (run->dialect_path, "[dialect]\nname=default\n", -1, error))
            return NULL;
        }
      run->dialect = stb_dialect_new_default ();
    }
  if (run->dialect == NULL)
    return NULL;
  run->dialect->layout = layout;
  if (!load_profile (run, error))
    return NULL;
  return g_steal_pointer (&run);
}

void
sr_run_free (SrRun *run)
{
  if (run == NULL)
    return;
  sr_run_stop_all (run);
  g_hash_table_unref (run->components);
  g_ptr_array_unref (run->start_order);
  g_hash_table_unref (run->checkpoints);
  g_hash_table_unref (run->consumed);
  g_free (run->last_stimulus);
  if (run->trace_fd >= 0)
    close (run->trace_fd);
  g_string_free (run->trace_partial, TRUE);
  g_clear_pointer ((SrSipObsTail **)&run->sipobs, sr_sip_obs_tail_free);
  g_clear_pointer (&run->clients, g_hash_table_unref);
  g_clear_pointer ((SrProcObs **)&run->procobs, sr_proc_obs_free);
  if (run->sock_dir)
    {
      g_unlink (run->socket_path);
      g_rmdir (run->sock_dir);
    }
  g_free (run->sock_dir);
  g_free (run->socket_path);
  g_free (run->trace_path);
  g_free (run->dialect_path);
  g_free (run->test_dir);
  g_free (run->logs_dir);
  g_clear_pointer (&run->profile, g_key_file_unref);
  g_clear_pointer (&run->dialect, stb_dialect_free);
  g_free (run);
}

gboolean
sr_run_set_dialect (SrRun *run, const gchar *path, GError **error)
{
  StbDialect *d = stb_dialect_load (path, error);
  if (d == NULL)
    return FALSE;
  d->layout = run->layout;
  g_clear_pointer (&run->dialect, stb_dialect_free);
  run->dialect = d;
  g_free (run->dialect_path);
  run->dialect_path = g_strdup (path);
  return TRUE;
}

gboolean
sr_run_is_interrupted (SrRun *run)
{
  return run->config->interrupted != NULL && g_atomic_int_get (run->config->interrupted) != 0;
}

void
sr_run_raise (SrRun *run, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
              const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sr_issue_raisev (run->result, issue_id, requirement, t_ns, fmt, ap);
  va_end (ap);
}

const gchar *
sr_run_lane_of_pid (SrRun *run, gint pid)
{
  if (pid == (gint)getpid ())
    return "harness";
  pid_t pgid = getpgid (pid);
  GHashTableIter iter;
  gpointer value;
  if (run->components == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, run->components);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SrComponent *c = value;
      StbRole role;
      if (c->proc == NULL || !stb_role_from_string (c->name, &role))
        continue;
      GPid cpid = stbsim_proc_get_pid (c->proc);
      if (cpid == pid || (pgid > 0 && cpid == pgid))
        return stb_role_to_string (role);
    }
  return NULL;
}

const gchar *
sr_run_channel_requirement (SrRun *run)
{
  return run->layout == STB_LAYOUT_BIDIRECTIONAL ? "SW-CHAN-02" : "SW-CHAN-03";
}

SrEvent *
sr_run_note (SrRun *run, const gchar *name, const gchar *target, const gchar *details)
{
  g_autoptr (SrEvent) e = sr_event_new (stbsim_now_ns (), SR_EVENT_RUNNER, "harness", name);
  e->target = g_strdup (target);
  e->details = g_strdup (details);
  sr_timeline_add (run->timeline, e);
  static const gchar *const stimuli[]
      = { "press.", "send.", "send-switch", "start", "kill", "checkpoint" };
  for (guint i = 0; i < G_N_ELEMENTS (stimuli); i++)
    if (g_str_has_prefix (name, stimuli[i]))
      {
        run->cursor_ns = e->t_ns;
        g_free (run->last_stimulus);
        run->last_stimulus = g_strdup (name);
      }
  return e; /* the timeline holds a reference */
}

void
sr_run_consume (SrRun *run, SrEvent *event)
{
  g_hash_table_add (run->consumed, sr_event_ref (event));
}

/* ---- server trace tail -------------------------------------------------------------------- */

static void
tail_trace (SrRun *run)
{
  if (run->trace_fd < 0)
    {
      run->trace_fd = open (run->trace_path, O_RDONLY | O_CLOEXEC);
      if (run->trace_fd < 0)
        return;
    }
  gchar buf[16384];
  for (guint rounds = 0; rounds < 64; rounds++)
    {
      gssize n = read (run->trace_fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (run->trace_partial, buf, n);
    }
  gchar *start = run->trace_partial->str, *nl;
  while ((nl = strchr (start, '\n')) != NULL)
    {
      *nl = '\0';
      run->trace_lines++;
      sr_judge_trace_line (run, start);
      start = nl + 1;
    }
  g_string_erase (run->trace_partial, 0, start - run->trace_partial->str);
}

static void
check_components (SrRun *run)
{
  for (guint i = 0; i < run->start_order->len; i++)
    {
      SrComponent *c
          = g_hash_table_lookup (run->components, g_ptr_array_index (run->start_order, i));
      gint status;
      if (c == NULL || c->proc == NULL || c->expect_exit || c->exit_reported
          || !stbsim_proc_poll_exit (c->proc, &status))
        continue;
      c->exit_reported = TRUE;
      StbRole role;
      gboolean is_module = stb_role_from_string (c->name, &role);
      g_autofree gchar *how = WIFSIGNALED (status)
                                  ? g_strdup_printf ("was killed by signal %d", WTERMSIG (status))
                                  : g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
      sr_run_note (run, "exit", c->name, how);
      if (g_str_has_prefix (c->name, "sipp"))
        {
          /* the far end finishing its script is expected; its outcome is an event */
          g_autoptr (SrEvent) e
              = sr_event_new (stbsim_now_ns (), SR_EVENT_SIP, "farend", "sipp.exit");
          e->details = g_strdup_printf ("status=%d;instance=%s",
                                        WIFEXITED (status) ? WEXITSTATUS (status) : -1, c->name);
          sr_timeline_add (run->timeline, e);
          continue;
        }
      /* a module that dies while the test runs fails SW-RX-07 (it must keep running and
       * handling later messages), with its exit status and log as the evidence; the last
       * stimulus says what it died of */
      if (is_module)
        sr_run_raise (run, "dut::crashed", NULL, stbsim_now_ns (),
                      "%s%s %s during the test (last stimulus: %s); log: %s",
                      c->is_dut ? "the DUT " : "", c->name, how,
                      run->last_stimulus ? run->last_stimulus : "none", c->log_path);
      else
        sr_run_raise (run, "run::component-exited", NULL, stbsim_now_ns (),
                      "%s %s during the test; log: %s", c->name, how, c->log_path);
    }
}

/* SIP observed at the run's IMS core (stbsim-ims --run-dir test_dir/ims, sr-sipobs.h) */
static void
tail_sipobs (SrRun *run)
{
  if (run->sipobs == NULL)
    {
      g_autofree gchar *log = g_build_filename (run->test_dir, "ims", "kamailio.log", NULL);
      if (!g_hash_table_contains (run->components, "ims") || !g_file_test (log, G_FILE_TEST_EXISTS))
        return;
      run->sipobs = sr_sip_obs_tail_new (log, "stb1");
    }
  sr_sip_obs_tail_poll (run->sipobs, run);
}

void
sr_run_poll (SrRun *run)
{
  tail_trace (run);
  tail_sipobs (run);
  check_components (run);
  if (run->stop_ns == 0 && run->start_ns != 0)
    {
      if (run->procobs == NULL)
        run->procobs = sr_proc_obs_new ();
      sr_proc_obs_poll (run->procobs, run->timeline);
    }
}

static gboolean
on_wakeup (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sr_run_wait (SrRun *run, SrRunPredicate pred, gpointer data, gdouble timeout_s)
{
  gint64 deadline = stbsim_now_ns () + (gint64)(timeout_s * 1e9);
  if (run->deadline_ns > 0 && deadline > run->deadline_ns)
    deadline = run->deadline_ns;
  for (;;)
    {
      sr_run_poll (run);
      if (pred != NULL && pred (run, data))
        return TRUE;
      gint64 now = stbsim_now_ns ();
      if (now >= deadline || sr_run_is_interrupted (run))
        return FALSE;
      gint64 left_ms = (deadline - now) / 1000000 + 1;
      gboolean woke = FALSE;
      guint id = g_timeout_add ((guint)MIN (left_ms, POLL_INTERVAL_MS), on_wakeup, &woke);
      while (!woke)
        g_main_context_iteration (NULL, TRUE);
      (void)id;
    }
}

/* ---- event search ------------------------------------------------------------------------- */

gint64
sr_run_since (SrRun *run, const gchar *since, GError **error)
{
  if (since == NULL)
    return run->cursor_ns;
  if (g_str_equal (since, "start"))
    return run->start_ns;
  gint64 *t = g_hash_table_lookup (run->checkpoints, since);
  if (t == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "since=%s: no such checkpoint (define it with `checkpoint, name=%s` first)",
                   since, since);
      return -1;
    }
  return *t;
}

static SrEvent *
find_event (SrRun *run, const gchar *selector, const gchar *match, const gchar *source,
            gint64 since_ns, gboolean skip_consumed)
{
  g_auto (GStrv) parts = g_strsplit (selector, "|", 2);
  const gchar *name = parts[0];
  const gchar *sel_match = parts[0] ? parts[1] : NULL;
  for (guint i = sr_timeline_index_at (run->timeline, since_ns); i < run->timeline->events->len;
       i++)
    {
      SrEvent *e = g_ptr_array_index (run->timeline->events, i);
      if (!g_str_equal (e->name, name)
          || (skip_consumed && g_hash_table_contains (run->consumed, e)))
        continue;
      /* a switch parameter means the message as sent, not each delivery */
      if (e->kind == SR_EVENT_QCOP && g_strcmp0 (e->target, "server") != 0)
        continue;
      if (source && !g_str_equal (e->source, source))
        continue;
      if (!sr_event_matches (e, sel_match) || !sr_event_matches (e, match))
        continue;
      return e;
    }
  return NULL;
}

SrEvent *
sr_run_find_event (SrRun *run, const gchar *selector, const gchar *match, const gchar *source,
                   gint64 since_ns)
{
  return find_event (run, selector, match, source, since_ns, TRUE);
}

SrEvent *
sr_run_find_any_event (SrRun *run, const gchar *selector, const gchar *match, const gchar *source,
                       gint64 since_ns)
{
  return find_event (run, selector, match, source, since_ns, FALSE);
}

/* ---- QCOP --------------------------------------------------------------------------------- */

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
      sr_run_raise (run, "agent::undecodable-event", NULL, stbsim_now_ns (),
                    "an event(...) on STBSim/Events did not decode (%s): %s", message,
                    error->message);
      return;
    }
  sr_judge_agent_event (run, t_ns, source, name, details);
}

static gboolean
connect_qcop (SrRun *run, GError **error)
{
  g_autoptr (QcopClient) client = qcop_client_new (run->socket_path, "stbsim");
  if (!qcop_client_connect_sync (client, 5000, error))
    return FALSE;
  qcop_client_register (client, EVENTS_CHANNEL, on_events, run, NULL);
  /* make sure the registration reached the server before any module starts */
  gboolean registered = FALSE;
  if (!qcop_client_is_registered_sync (client, EVENTS_CHANNEL, 5000, &registered, error))
    return FALSE;
  run->qcop = g_steal_pointer (&client);
  return TRUE;
}

gboolean
sr_run_send_agent_data (SrRun *run, StbRole target, const gchar *message, const guint8 *data,
                        gsize len, GError **error)
{
  if (run->qcop == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CHANNEL,
                   "no QCOP connection: start the server first (`start, component=server`)");
      return FALSE;
    }
  if (!qcop_client_send (run->qcop, agent_channels[target], message, data, len, error))
    return FALSE;
  return qcop_client_flush (run->qcop, 2000, error);
}

gboolean
sr_run_send_agent (SrRun *run, StbRole target, const gchar *message, const gchar *const *args,
                   GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  for (guint i = 0; args && args[i]; i++)
    qcop_ds_write_string (data, args[i]);
  return sr_run_send_agent_data (run, target, message, data->data, data->len, error);
}

gboolean
sr_run_send_key (SrRun *run, StbRole target, const gchar *key, GError **error)
{
  const gchar *args[] = { key, NULL };
  /* the measured key event is the server's record of this message (key.<role>, SW-TIME);
   * this note is the stimulus */
  g_autofree gchar *name = g_strdup_printf ("press.%s", stb_role_to_string (target));
  g_autofree gchar *details = g_strdup_printf ("key=%s", key);
  sr_run_note (run, name, stb_role_to_string (target), details);
  return sr_run_send_agent (run, target, "key(QString)", args, error);
}

gboolean
sr_run_send_qcop (SrRun *run, const gchar *channel, const gchar *message, const guint8 *data,
                  gsize len, GError **error)
{
  if (!qcop_client_send (run->qcop, channel, message, data, len, error))
    return FALSE;
  return qcop_client_flush (run->qcop, 2000, error);
}

gboolean
sr_run_send_switch (SrRun *run, StbRole from, gint32 type, gint32 param, const gchar *channel,
                    GError **error)
{
  if (run->qcop == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CHANNEL, "no QCOP connection");
      return FALSE;
    }
  g_autoptr (GByteArray) data = g_byte_array_new ();
  qcop_ds_write_int32 (data, type);
  qcop_ds_write_int32 (data, param);
  if (channel == NULL)
    channel = stb_dialect_send_channel (run->dialect, from);
  if (!qcop_client_send (run->qcop, channel, run->dialect->message, data->data, data->len, error))
    return FALSE;
  return qcop_client_flush (run->qcop, 2000, error);
}

gboolean
sr_run_agent_missing (SrRun *run, StbRole role)
{
  const gchar *dut = role == STB_ROLE_IPTV ? run->config->dut_iptv
                                           : (run->config->dut_voip ? run->config->dut_voip
                                                                    : run->config->dut_voip_inject);
  if (dut == NULL || run->agent_seen[role])
    return FALSE;
  return stbsim_now_ns () - run->agent_wait_from[role]
         >= (gint64)(run->config->agent_grace_s * 1e9);
}

/* ---- components --------------------------------------------------------------------------- */

static gboolean
module_registered (SrRun *run, gpointer data)
{
  StbRole role = GPOINTER_TO_INT (data);
  gboolean registered = FALSE;
  const gchar *ch = stb_dialect_listen_channel (run->dialect, role);
  return run->qcop && qcop_client_is_registered_sync (run->qcop, ch, 500, &registered, NULL)
         && registered;
}

gboolean
sr_run_start_component (SrRun *run, const gchar *name, const gchar *args, gboolean wait_ready,
                        gdouble timeout_s, GError **error)
{
  SrComponent *old = g_hash_table_lookup (run->components, name);
  gint status;
  if (old != NULL && old->proc != NULL && stbsim_proc_poll_exit (old->proc, &status))
    {
      /* a finished instance (a sipp script that ran to its end) may be started again */
      check_components (run);
      sr_run_stop_component (run, name, NULL);
      old = NULL;
    }
  if (old != NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "%s is already started (use component=TYPE:NAME for another instance)", name);
      return FALSE;
    }
  g_autoptr (SrComponent) comp = sr_component_new (run, name, args, error);
  if (comp == NULL)
    return FALSE;
  g_autofree gchar *cmd = g_strjoinv (" ", comp->argv);
  sr_run_note (run, "start", name, cmd);
  if (!sr_component_start (comp, wait_ready, (gint)(timeout_s * 1000), error))
    return FALSE;
  SrComponent *c = g_steal_pointer (&comp);
  g_hash_table_insert (run->components, c->name, c);
  g_ptr_array_add (run->start_order, g_strdup (name));
  StbRole role;
  if (g_str_equal (name, "server"))
    return connect_qcop (run, error);
  if (stb_role_from_string (name, &role))
    {
      run->agent_wait_from[role] = stbsim_now_ns ();
      if (c->is_dut && wait_ready
          && !sr_run_wait (run, module_registered, GINT_TO_POINTER (role), timeout_s))
        {
          /* a DUT fault, not the harness's: a verdict naming the start-up requirement, the
           * same in both layouts (the test ends here: fail is final) */
          if (!sr_run_is_interrupted (run))
            sr_run_raise (run, "dut::never-ready", NULL, stbsim_now_ns (),
                          "the DUT %s did not register its listen channel '%s' within %.1f s; "
                          "log: %s",
                          name, stb_dialect_listen_channel (run->dialect, role), timeout_s,
                          c->log_path);
          return TRUE;
        }
    }
  return TRUE;
}

gboolean
sr_run_signal_component (SrRun *run, const gchar *name, int sig, GError **error)
{
  SrComponent *c = g_hash_table_lookup (run->components, name);
  if (c == NULL || c->proc == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT, "%s is not started", name);
      return FALSE;
    }
  if (sig != SIGCONT && sig != SIGSTOP)
    c->expect_exit = TRUE;
  g_autofree gchar *details = g_strdup_printf ("signal=%d", sig);
  sr_run_note (run, "kill", name, details);
  stbsim_proc_signal (c->proc, sig);
  return TRUE;
}

gboolean
sr_run_stop_component (SrRun *run, const gchar *name, GError **error)
{
  SrComponent *c = g_hash_table_lookup (run->components, name);
  if (c == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT, "%s is not started", name);
      return FALSE;
    }
  if (g_str_equal (name, "server") && run->qcop)
    {
      qcop_client_disconnect (run->qcop);
      g_clear_object (&run->qcop);
    }
  sr_component_stop (c);
  sr_run_note (run, "stop", name, NULL);
  for (guint i = 0; i < run->start_order->len; i++)
    if (g_str_equal (g_ptr_array_index (run->start_order, i), name))
      {
        g_ptr_array_remove_index (run->start_order, i);
        break;
      }
  g_hash_table_remove (run->components, name);
  return TRUE;
}

void
sr_run_stop_all (SrRun *run)
{
  if (run->start_order->len > 0)
    sr_run_poll (run);
  /* modules first, the server last so that the trace holds their last messages */
  while (run->start_order->len > 0)
    {
      g_autofree gchar *name
          = g_strdup (g_ptr_array_index (run->start_order, run->start_order->len - 1));
      if (g_str_equal (name, "server"))
        tail_trace (run);
      if (g_str_equal (name, "ims"))
        tail_sipobs (run);
      sr_run_stop_component (run, name, NULL);
    }
  if (run->qcop)
    {
      qcop_client_disconnect (run->qcop);
      g_clear_object (&run->qcop);
    }
  tail_trace (run);
  if (run->sipobs)
    sr_sip_obs_tail_poll (run->sipobs, run);
}

/* ---- execution ---------------------------------------------------------------------------- */

static gboolean
run_action (SrRun *run, const SrAction *action)
{
  const SrActionType *type = sr_action_type_lookup (action->name);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *where = sr_action_location (action);
  if (type == NULL || type->handler == NULL)
    return TRUE;
  g_debug ("%s: %s", where, action->text);
  gboolean ok = type->handler (run, action, sr_action_timeout (action), &error);
  if (ok && !sr_run_is_interrupted (run))
    {
      /* an expectation that ran evaluated its requirement (coverage from real runs) */
      const gchar *req = sr_action_get_string (action, "requirement", NULL);
      const gchar *budget = sr_action_get_string (action, "budget", NULL);
      if (req == NULL && budget != NULL && g_str_has_prefix (budget, "SW-TIME-"))
        req = budget;
      sr_test_result_note_evaluated (run->result, req, action->name);
    }
  if (!ok)
    {
      if (sr_run_is_interrupted (run))
        return FALSE;
      sr_run_raise (run, "run::action-failed", NULL, stbsim_now_ns (), "%s: %s: %s", where,
                    action->name, error ? error->message : "failed");
      return FALSE;
    }
  return TRUE;
}

/* The passive checks (sr-checks.h) over the test's events, after the stations stopped. */
static void
run_checks (SrRun *run)
{
  const SrConfig *cfg = run->config;
  SrCheckContext ctx = { .result = run->result,
                         .dialect = run->dialect,
                         .layout = run->layout,
                         .profile = run->profile,
                         .ics = cfg->dut_ics,
                         .injection = run->injection,
                         .stop_ns = run->stop_ns,
                         .end_ns = run->result->end_ns };
  ctx.dut[STB_ROLE_IPTV] = cfg->dut_iptv != NULL;
  ctx.dut[STB_ROLE_VOIP] = cfg->dut_voip != NULL || cfg->dut_voip_inject != NULL;
  ctx.agent_declared[STB_ROLE_IPTV] = sr_ics_supports (cfg->dut_ics, "iptv.agent");
  ctx.agent_declared[STB_ROLE_VOIP] = sr_ics_supports (cfg->dut_ics, "voip.agent");
  g_autoptr (GPtrArray) events = sr_timeline_slice (run->timeline, run->start_ns, G_MAXINT64);
  sr_checks_run (&ctx, events);
  sr_checks_note_unevaluated (&ctx);
}

gboolean
sr_run_execute (SrRun *run, const SrScenario *scenario)
{
  run->start_ns = stbsim_now_ns ();
  run->cursor_ns = run->start_ns;
  run->deadline_ns = run->start_ns + (gint64)(scenario->timeout_s * 1e9);
  run->result->start_ns = run->start_ns;
  run->result->started = TRUE;
  sr_run_note (run, "test", NULL, run->result->id);
  for (guint i = 0; i < scenario->actions->len; i++)
    {
      const SrAction *action = g_ptr_array_index (scenario->actions, i);
      if (sr_run_is_interrupted (run))
        break;
      if (stbsim_now_ns () >= run->deadline_ns)
        {
          g_autofree gchar *where = sr_action_location (action);
          sr_run_raise (run, "run::scenario-timeout", NULL, stbsim_now_ns (),
                        "scenario timeout (%.1f s) reached before %s (%s)", scenario->timeout_s,
                        where, action->name);
          break;
        }
      if (!run_action (run, action))
        break;
      sr_run_poll (run);
      /* the first failed or inconclusive expectation ends the test: later steps depend on it */
      if (run->result->verdict >= SR_VERDICT_INCONC)
        break;
    }
  gboolean interrupted = sr_run_is_interrupted (run);
  run->stop_ns = stbsim_now_ns ();
  sr_run_stop_all (run);
  if (!interrupted)
    sr_sip_obs_judge (run); /* SW-SIP-01/02/04 from the IMS core's observation */
  run->result->end_ns = stbsim_now_ns ();
  if (!interrupted)
    run_checks (run);
  if (!interrupted)
    {
      run->result->finished = TRUE;
      if (run->result->verdict == SR_VERDICT_NONE)
        sr_test_result_set_verdict (run->result, SR_VERDICT_PASS);
    }
  GPtrArray *slice = sr_timeline_slice (run->timeline, run->start_ns, G_MAXINT64);
  g_ptr_array_unref (run->result->events);
  run->result->events = slice;
  return !interrupted;
}
