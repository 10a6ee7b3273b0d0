/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-run"

#include "sr-run.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qcop-datastream.h"
#include "sr-checks.h"
#include "sr-dut.h"
#include "sr-launch.h"
#include "sr-procobs.h"
#include "sr-sipobs.h"
#include "sr-station.h"
#include "stbsim-proc.h"

#define POLL_INTERVAL_MS 5

static const gchar *const agent_channels[] = { "STBSim/Agent/IPTV", "STBSim/Agent/VoIP" };

struct _SrRun
{
  SrTest *test;
  SrStation *stations[2];  /* [0] the STB under test, [1] the far-end STB (NULL until started) */
  SrSipObsTail *sipobs;    /* the IMS core's SIP observations, NULL until its log exists */
  SrProcObs *procobs;      /* the IPTV processes' sockets (sr-procobs.h), while the test runs */
  GHashTable *checkpoints; /* name -> gint64* */
  GHashTable *consumed;    /* SrEvent* that satisfied an expectation (each satisfies one) */
  gint64 deadline_ns;      /* whole-scenario bound */
  gint64 agent_wait_from[2];
  SrRunComponentHook hook;
  gpointer hook_data;
};

SrRun *
sr_run_new (const SrConfig *config, SrTestResult *result, SrTimeline *timeline, StbLayout layout,
            GError **error)
{
  g_autoptr (SrRun) run = g_new0 (SrRun, 1);
  run->checkpoints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run->consumed = g_hash_table_new_full (NULL, NULL, (GDestroyNotify)sr_event_unref, NULL);
  run->test = sr_test_new (config, result, timeline, layout, error);
  if (run->test == NULL)
    return NULL;
  run->stations[0] = sr_station_new (run->test, 1, error);
  if (run->stations[0] == NULL)
    return NULL;
  return g_steal_pointer (&run);
}

void
sr_run_free (SrRun *run)
{
  if (run == NULL)
    return;
  if (run->test != NULL)
    sr_run_stop_all (run);
  for (guint i = 0; i < G_N_ELEMENTS (run->stations); i++)
    g_clear_pointer (&run->stations[i], sr_station_free);
  g_clear_pointer (&run->sipobs, sr_sip_obs_tail_free);
  g_clear_pointer (&run->procobs, sr_proc_obs_free);
  g_clear_pointer (&run->test, sr_test_free);
  g_hash_table_unref (run->checkpoints);
  g_hash_table_unref (run->consumed);
  g_free (run);
}

SrTest *
sr_run_test (SrRun *run)
{
  return run->test;
}

gchar **
sr_run_trace_paths (SrRun *run)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (guint i = 0; i < G_N_ELEMENTS (run->stations); i++)
    if (run->stations[i] != NULL)
      g_strv_builder_add (b, sr_station_trace (run->stations[i]));
  return g_strv_builder_end (b);
}

void
sr_run_set_component_hook (SrRun *run, SrRunComponentHook hook, gpointer data)
{
  run->hook = hook;
  run->hook_data = data;
}

void
sr_run_set_injection (SrRun *run, gboolean injection)
{
  run->test->injection = injection;
}

gboolean
sr_run_set_dialect (SrRun *run, const gchar *path, GError **error)
{
  return sr_test_set_dialect (run->test, path, error);
}

gboolean
sr_run_set_profile (SrRun *run, const gchar *name, GError **error)
{
  if (!sr_test_set_profile (run->test, name, error))
    return FALSE;
  sr_run_note (run, "profile", NULL, name);
  return TRUE;
}

gboolean
sr_run_is_interrupted (SrRun *run)
{
  return sr_test_is_interrupted (run->test);
}

void
sr_run_raise (SrRun *run, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
              const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sr_test_raisev (run->test, issue_id, requirement, t_ns, fmt, ap);
  va_end (ap);
}

const gchar *
sr_run_channel_requirement (SrRun *run)
{
  return run->test->layout == STB_LAYOUT_BIDIRECTIONAL ? "SW-CHAN-02" : "SW-CHAN-03";
}

SrEvent *
sr_run_note (SrRun *run, const gchar *name, const gchar *target, const gchar *details)
{
  return sr_test_note (run->test, name, target, details);
}

void
sr_run_consume (SrRun *run, SrEvent *event)
{
  g_hash_table_add (run->consumed, sr_event_ref (event));
}

void
sr_run_set_checkpoint (SrRun *run, const gchar *name)
{
  gint64 *t = g_new (gint64, 1);
  *t = stbsim_now_ns ();
  g_hash_table_replace (run->checkpoints, g_strdup (name), t);
  sr_run_note (run, "checkpoint", NULL, name);
}

gboolean
sr_run_has_screen (SrRun *run)
{
  return sr_station_display (run->stations[0]) >= 0;
}

gboolean
sr_run_snapshot (SrRun *run, const gchar *name, GError **error)
{
  return sr_station_snapshot (run->stations[0], name, error);
}

/* ---- observers ---------------------------------------------------------------------------- */

/* SIP observed at the test's IMS core (stbsim-ims --run-dir test_dir/ims, sr-sipobs.h) */
static void
poll_sipobs (SrRun *run)
{
  if (run->sipobs == NULL)
    {
      g_autofree gchar *log = g_build_filename (run->test->test_dir, "ims", "kamailio.log", NULL);
      if (sr_test_component (run->test, "ims") == NULL || !g_file_test (log, G_FILE_TEST_EXISTS))
        return;
      run->sipobs = sr_sip_obs_tail_new (log, sr_station_sip_user (run->stations[0]));
    }
  sr_sip_obs_tail_poll (run->sipobs, run->test);
}

void
sr_run_poll (SrRun *run)
{
  sr_station_poll (run->stations[0]);
  poll_sipobs (run);
  sr_test_check_components (run->test);
  if (run->test->stop_ns == 0 && run->test->start_ns != 0)
    {
      if (run->procobs == NULL)
        run->procobs = sr_proc_obs_new ();
      sr_proc_obs_poll (run->procobs, run->test->timeline);
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
      g_timeout_add ((guint)MIN (left_ms, POLL_INTERVAL_MS), on_wakeup, &woke);
      while (!woke)
        g_main_context_iteration (NULL, TRUE);
    }
}

/* ---- event search ------------------------------------------------------------------------- */

gint64
sr_run_since (SrRun *run, const gchar *since, GError **error)
{
  if (since == NULL)
    return run->test->cursor_ns;
  if (g_str_equal (since, "start"))
    return run->test->start_ns;
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
  SrTimeline *timeline = run->test->timeline;
  g_auto (GStrv) parts = g_strsplit (selector, "|", 2);
  const gchar *name = parts[0];
  const gchar *sel_match = parts[0] ? parts[1] : NULL;
  for (guint i = sr_timeline_index_at (timeline, since_ns); i < timeline->events->len; i++)
    {
      SrEvent *e = g_ptr_array_index (timeline->events, i);
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

/* ---- stimuli ------------------------------------------------------------------------------ */

gboolean
sr_run_send_agent_data (SrRun *run, StbRole target, const gchar *message, const guint8 *data,
                        gsize len, GError **error)
{
  return sr_station_send_flush (run->stations[0], agent_channels[target], message, data, len,
                                error);
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
sr_run_send_stb2_agent (SrRun *run, const gchar *target, const gchar *message,
                        const gchar *const *args, GError **error)
{
  SrStation *st = run->stations[1];
  const gchar *base = NULL;
  StbRole role;
  if (sr_station_of_component (target, &base) != 2 || !stb_role_from_string (base, &role))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "target=%s: not a module of stb2 (stb2-iptv, stb2-voip)", target);
      return FALSE;
    }
  if (st == NULL || !sr_station_connected (st))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CHANNEL,
                   "target=%s: stb2 is not started (`start, component=stb2`)", target);
      return FALSE;
    }
  g_autoptr (GByteArray) data = g_byte_array_new ();
  for (guint i = 0; args && args[i]; i++)
    qcop_ds_write_string (data, args[i]);
  return sr_station_send_flush (st, agent_channels[role], message, data->data, data->len, error);
}

gboolean
sr_run_send_stb2_key (SrRun *run, const gchar *target, const gchar *key, GError **error)
{
  const gchar *args[] = { key, NULL };
  g_autofree gchar *name = g_strdup_printf ("press.%s", target);
  g_autofree gchar *details = g_strdup_printf ("key=%s", key);
  if (sr_station_of_component (target, NULL) == 2)
    sr_run_note (run, name, target, details);
  return sr_run_send_stb2_agent (run, target, "key(QString)", args, error);
}

gboolean
sr_run_send_qcop (SrRun *run, const gchar *channel, const gchar *message, const guint8 *data,
                  gsize len, GError **error)
{
  return sr_station_send_flush (run->stations[0], channel, message, data, len, error);
}

gboolean
sr_run_send_qcop_nowait (SrRun *run, const gchar *channel, const gchar *message, const guint8 *data,
                         gsize len, GError **error)
{
  return sr_station_send (run->stations[0], channel, message, data, len, error);
}

gboolean
sr_run_flush (SrRun *run, gint timeout_ms, GError **error)
{
  return sr_station_flush (run->stations[0], timeout_ms, error);
}

gboolean
sr_run_send_switch (SrRun *run, StbRole from, gint32 type, gint32 param, const gchar *channel,
                    GError **error)
{
  StbDialect *dialect = run->test->dialect;
  g_autoptr (GByteArray) data = g_byte_array_new ();
  qcop_ds_write_int32 (data, type);
  qcop_ds_write_int32 (data, param);
  if (channel == NULL)
    channel = stb_dialect_send_channel (dialect, from);
  return sr_station_send_flush (run->stations[0], channel, dialect->message, data->data, data->len,
                                error);
}

gboolean
sr_run_agent_missing (SrRun *run, StbRole role)
{
  const SrConfig *cfg = run->test->config;
  const gchar *dut = role == STB_ROLE_IPTV ? cfg->dut_iptv
                                           : (cfg->dut_voip ? cfg->dut_voip : cfg->dut_voip_inject);
  if (dut == NULL || sr_judge_agent_seen (sr_station_judge (run->stations[0]), role))
    return FALSE;
  return stbsim_now_ns () - run->agent_wait_from[role] >= (gint64)(cfg->agent_grace_s * 1e9);
}

/* ---- components --------------------------------------------------------------------------- */

/* The module of @role (a process the runner started for that role, by pid or process group,
 * sr-judge.c) registered its listen channel since it was started: in the bidirectional layout
 * the other module registers the same channel, so "someone registered it" is no readiness. */
static gboolean
module_registered (SrRun *run, gpointer data)
{
  StbRole role = GPOINTER_TO_INT (data);
  SrTest *test = run->test;
  const gchar *ch = stb_dialect_listen_channel (test->dialect, role);
  const SrComponent *c = sr_test_component (test, stb_role_to_string (role));
  GPtrArray *events = test->timeline->events;
  for (guint i = sr_timeline_index_at (test->timeline, c ? c->started_ns : test->start_ns);
       i < events->len; i++)
    {
      const SrEvent *e = g_ptr_array_index (events, i);
      if (e->kind != SR_EVENT_CHANNEL || !g_str_equal (e->name, "qcop.register")
          || g_strcmp0 (e->source, stb_role_to_string (role)) != 0)
        continue;
      g_autofree gchar *channel = sr_event_detail (e, "channel");
      if (g_strcmp0 (channel, ch) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The station component @name belongs to (NULL for the environment's components). */
static SrStation *
station_of (SrRun *run, const gchar *name)
{
  guint index = sr_station_of_component (name, NULL);
  return index > 0 ? run->stations[index - 1] : NULL;
}

gboolean
sr_run_start_component (SrRun *run, const gchar *name, const gchar *args, gboolean wait_ready,
                        gdouble timeout_s, GError **error)
{
  SrComponent *old = sr_test_component (run->test, name);
  gint status;
  if (old != NULL && old->proc != NULL && stbsim_proc_poll_exit (old->proc, &status))
    {
      /* a finished instance (a sipp script that ran to its end) may be started again */
      sr_test_check_components (run->test);
      sr_run_stop_component (run, name, NULL);
      old = NULL;
    }
  if (old != NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "%s is already started (use component=TYPE:NAME for another instance)", name);
      return FALSE;
    }
  SrStation *station = station_of (run, name);
  SrComponent *comp = sr_launch_component (run->test, station, name, args, error);
  if (comp == NULL || !sr_test_start_component (run->test, comp, wait_ready, timeout_s, error))
    return FALSE;
  if (run->hook)
    run->hook (run, name, TRUE, run->hook_data);
  const gchar *base = NULL;
  StbRole role;
  if (station == NULL || sr_station_of_component (name, &base) == 0)
    return TRUE;
  if (g_str_equal (base, "server"))
    return sr_station_connect (station, error);
  if (sr_station_index (station) != 1 || !stb_role_from_string (base, &role))
    return TRUE;
  run->agent_wait_from[role] = stbsim_now_ns ();
  if (comp->is_dut && wait_ready
      && !sr_run_wait (run, module_registered, GINT_TO_POINTER (role), timeout_s))
    {
      /* a DUT fault, not the harness's: a verdict naming the start-up requirement, the same in
       * both layouts (the test ends here: fail is final) */
      if (!sr_run_is_interrupted (run))
        sr_run_raise (run, "dut::never-ready", NULL, stbsim_now_ns (),
                      "the DUT %s did not register its listen channel '%s' within %.1f s; "
                      "log: %s",
                      name, stb_dialect_listen_channel (run->test->dialect, role), timeout_s,
                      comp->log_path);
    }
  return TRUE;
}

gboolean
sr_run_start_stb2 (SrRun *run, const gchar *args, gdouble timeout_s, GError **error)
{
  if (run->stations[1] != NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT, "stb2 is already started");
      return FALSE;
    }
  run->stations[1] = sr_station_new (run->test, 2, error);
  return run->stations[1] != NULL
         && sr_run_start_component (run, "stb2-server", NULL, TRUE, timeout_s, error)
         && sr_run_start_component (run, "stb2-iptv", NULL, TRUE, timeout_s, error)
         && sr_run_start_component (run, "stb2-voip", args, TRUE, timeout_s, error);
}

gboolean
sr_run_signal_component (SrRun *run, const gchar *name, int sig, GError **error)
{
  return sr_test_signal_component (run->test, name, sig, error);
}

gboolean
sr_run_stop_component (SrRun *run, const gchar *name, GError **error)
{
  const gchar *base = NULL;
  SrStation *station = station_of (run, name);
  if (run->hook && sr_test_component (run->test, name) != NULL)
    run->hook (run, name, FALSE, run->hook_data);
  if (station != NULL && sr_station_of_component (name, &base) > 0 && g_str_equal (base, "server"))
    sr_station_disconnect (station);
  return sr_test_stop_component (run->test, name, error);
}

void
sr_run_stop_all (SrRun *run)
{
  GPtrArray *order = run->test->start_order;
  if (order->len > 0)
    sr_run_poll (run);
  /* modules first, the server last so that the trace holds their last messages */
  while (order->len > 0)
    {
      g_autofree gchar *name = g_strdup (g_ptr_array_index (order, order->len - 1));
      if (g_str_equal (name, "server"))
        sr_station_poll (run->stations[0]);
      if (g_str_equal (name, "ims"))
        poll_sipobs (run);
      sr_run_stop_component (run, name, NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (run->stations); i++)
    if (run->stations[i] != NULL)
      sr_station_disconnect (run->stations[i]);
  sr_station_poll (run->stations[0]);
  if (run->sipobs)
    sr_sip_obs_tail_poll (run->sipobs, run->test);
}

/* ---- execution ---------------------------------------------------------------------------- */

/* Is @action for this run's layout (its `layouts=`, all when absent)? */
static gboolean
applies_to_layout (SrRun *run, const SrAction *action)
{
  const gchar *only = sr_action_get_string (action, "layouts", NULL);
  if (only == NULL)
    return TRUE;
  g_auto (GStrv) layouts = sr_split_list (only);
  return g_strv_contains ((const gchar *const *)layouts, stb_layout_to_string (run->test->layout));
}

static gboolean
run_action (SrRun *run, const SrAction *action)
{
  const SrActionType *type = sr_action_type_lookup (action->name);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *where = sr_action_location (action);
  if (type == NULL || type->handler == NULL)
    return TRUE;
  if (!applies_to_layout (run, action))
    {
      g_debug ("%s: skipped in the %s layout", where, stb_layout_to_string (run->test->layout));
      return TRUE;
    }
  g_debug ("%s: %s", where, action->text);
  gboolean ok = type->handler (run, action, sr_action_timeout (action), &error);
  if (ok && !sr_run_is_interrupted (run))
    {
      /* an expectation that ran evaluated its requirement (coverage from real runs) */
      const gchar *req = sr_action_get_string (action, "requirement", NULL);
      const gchar *budget = sr_action_get_string (action, "budget", NULL);
      if (req == NULL && budget != NULL && g_str_has_prefix (budget, "SW-TIME-"))
        req = budget;
      sr_test_result_note_evaluated (run->test->result, req, action->name);
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
  SrTest *test = run->test;
  const SrConfig *cfg = test->config;
  SrCheckContext ctx = { .result = test->result,
                         .dialect = test->dialect,
                         .layout = test->layout,
                         .profile = test->profile,
                         .ics = cfg->dut_ics,
                         .injection = test->injection,
                         .stop_ns = test->stop_ns,
                         .end_ns = test->result->end_ns };
  ctx.dut[STB_ROLE_IPTV] = cfg->dut_iptv != NULL;
  ctx.dut[STB_ROLE_VOIP] = cfg->dut_voip != NULL || cfg->dut_voip_inject != NULL;
  ctx.agent_declared[STB_ROLE_IPTV] = sr_ics_supports (cfg->dut_ics, "iptv.agent");
  ctx.agent_declared[STB_ROLE_VOIP] = sr_ics_supports (cfg->dut_ics, "voip.agent");
  g_autoptr (GPtrArray) events = sr_timeline_slice (test->timeline, test->start_ns, G_MAXINT64);
  sr_checks_run (&ctx, events);
  sr_checks_note_unevaluated (&ctx);
}

/* A scenario that takes snapshots gets a screen also with the reference modules, which then
 * draw on it (sr-screen.h; a Qt GUI DUT naming {display} has one from the start). */
static gboolean
want_screen (SrRun *run, const SrScenario *scenario)
{
  g_autoptr (GError) error = NULL;
  gboolean snapshots = FALSE;
  for (guint i = 0; i < scenario->actions->len && !snapshots; i++)
    snapshots = g_str_equal (((const SrAction *)g_ptr_array_index (scenario->actions, i))->name,
                             "snapshot");
  if (!snapshots || sr_station_want_screen (run->stations[0], &error))
    return TRUE;
  sr_run_raise (run, "run::setup-failed", NULL, stbsim_now_ns (), "screen: %s", error->message);
  return FALSE;
}

gboolean
sr_run_execute (SrRun *run, const SrScenario *scenario)
{
  run->test->start_ns = stbsim_now_ns ();
  run->test->cursor_ns = run->test->start_ns;
  run->deadline_ns = run->test->start_ns + (gint64)(scenario->timeout_s * 1e9);
  run->test->result->start_ns = run->test->start_ns;
  run->test->result->started = TRUE;
  sr_run_note (run, "test", NULL, run->test->result->id);
  if (!want_screen (run, scenario))
    goto stop;
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
      if (run->test->result->verdict >= SR_VERDICT_INCONC)
        break;
    }
stop:
  run->test->stop_ns = stbsim_now_ns ();
  sr_run_stop_all (run);
  /* after stop_all: a component that died meanwhile aborts the judging too */
  gboolean interrupted = sr_test_is_signalled (run->test);
  if (!sr_run_is_interrupted (run))
    sr_sip_obs_judge (run->test); /* SW-SIP-01/02/04 from the IMS core's observation */
  run->test->result->end_ns = stbsim_now_ns ();
  if (!sr_run_is_interrupted (run))
    run_checks (run);
  if (!interrupted)
    {
      run->test->result->finished = TRUE;
      if (run->test->result->verdict == SR_VERDICT_NONE)
        sr_test_result_set_verdict (run->test->result, SR_VERDICT_PASS);
    }
  GPtrArray *slice = sr_timeline_slice (run->test->timeline, run->test->start_ns, G_MAXINT64);
  g_ptr_array_unref (run->test->result->events);
  run->test->result->events = slice;
  return !interrupted;
}
