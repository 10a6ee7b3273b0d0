/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-handlers"

#include "sr-handlers.h"

#include <signal.h>
#include <string.h>

#include "qcop-datastream.h"
#include "sr-netns.h"
#include "sr-run.h"
#include "stbsim-proc.h"

/* How long an ordering check waits for an earlier event that is reported late. */
#define ORDER_GRACE_S 0.3

static gboolean
get_role (const SrAction *action, const gchar *key, const gchar *def, StbRole *role, GError **error)
{
  const gchar *s = sr_action_get_string (action, key, def);
  if (!stb_role_from_string (s, role))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "%s=%s: must be iptv or voip", key,
                   s ? s : "(none)");
      return FALSE;
    }
  return TRUE;
}

gboolean
sr_handle_profile (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  return sr_run_set_profile (run, sr_action_get_string (action, "name", NULL), error);
}

gboolean
sr_handle_start (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  if (g_strcmp0 (sr_action_get_string (action, "component", NULL), "stb2") == 0)
    return sr_run_start_stb2 (run, sr_action_get_string (action, "args", NULL), timeout_s, error);
  return sr_run_start_component (run, sr_action_get_string (action, "component", NULL),
                                 sr_action_get_string (action, "args", NULL),
                                 sr_action_get_bool (action, "ready", TRUE), timeout_s, error);
}

static int
signal_from_name (const gchar *name)
{
  static const struct
  {
    const gchar *name;
    int sig;
  } sigs[] = { { "KILL", SIGKILL }, { "TERM", SIGTERM }, { "INT", SIGINT },
               { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "SEGV", SIGSEGV } };
  if (g_str_has_prefix (name, "SIG"))
    name += 3;
  for (guint i = 0; i < G_N_ELEMENTS (sigs); i++)
    if (g_ascii_strcasecmp (sigs[i].name, name) == 0)
      return sigs[i].sig;
  return -1;
}

gboolean
sr_handle_kill (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  const gchar *component = sr_action_get_string (action, "component", NULL);
  int sig = signal_from_name (sr_action_get_string (action, "signal", "KILL"));
  if (sig < 0)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "signal must be KILL, TERM, INT, STOP, CONT or SEGV");
      return FALSE;
    }
  return sr_run_signal_component (run, component, sig, error);
}

gboolean
sr_handle_restart (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  const gchar *component = sr_action_get_string (action, "component", NULL);
  if (!sr_run_stop_component (run, component, error))
    return FALSE;
  return sr_handle_start (run, action, timeout_s, error);
}

gboolean
sr_handle_press_key (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  StbRole target;
  const gchar *name = sr_action_get_string (action, "target", NULL);
  const gchar *key = sr_action_get_string (action, "key", NULL);
  gint64 repeat = sr_action_get_int (action, "repeat", 1);
  if (g_str_has_prefix (name ? name : "", "stb2-"))
    {
      for (gint64 i = 0; i < repeat; i++)
        if (!sr_run_send_stb2_key (run, name, key, error))
          return FALSE;
      return TRUE;
    }
  if (!get_role (action, "target", NULL, &target, error))
    return FALSE;
  for (gint64 i = 0; i < repeat; i++)
    if (!sr_run_send_key (run, target, key, error))
      return FALSE;
  return TRUE;
}

/* The far-end STB dials (stb2-voip on its main page): digit keys and @confirm, or a SIP user
 * (e.g. stb1) through its agent's dial(QString). Its facts are stb2.* events. */
static gboolean
dial_stb2 (SrRun *run, const gchar *target, const gchar *number, const gchar *confirm,
           GError **error)
{
  if (strspn (number, "0123456789") != strlen (number))
    {
      const gchar *args[] = { number, NULL };
      g_autofree gchar *details = g_strdup_printf ("number=%s", number);
      sr_run_note (run, "send.dial", target, details);
      return sr_run_send_stb2_agent (run, target, "dial(QString)", args, error);
    }
  for (const gchar *p = number; *p; p++)
    {
      gchar key[2] = { *p, '\0' };
      if (!sr_run_send_stb2_key (run, target, key, error))
        return FALSE;
    }
  return sr_run_send_stb2_key (run, target, confirm, error);
}

gboolean
sr_handle_dial (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  StbRole target;
  const gchar *number = sr_action_get_string (action, "number", NULL);
  const gchar *name = sr_action_get_string (action, "target", "voip");
  if (g_str_has_prefix (name, "stb2-"))
    return dial_stb2 (run, name, number, sr_action_get_string (action, "confirm", "ok"), error);
  if (!get_role (action, "target", "voip", &target, error))
    return FALSE;
  if (strspn (number, "0123456789") != strlen (number))
    {
      /* a SIP user (e.g. stb2) has no digit keys: the agent's dial(QString) (SW-AGT-05) */
      const gchar *args[] = { number, NULL };
      g_autofree gchar *details = g_strdup_printf ("number=%s", number);
      sr_run_note (run, "send.dial", stb_role_to_string (target), details);
      return sr_run_send_agent (run, target, "dial(QString)", args, error);
    }
  for (const gchar *p = number; *p; p++)
    {
      gchar key[2] = { *p, '\0' };
      if (!g_ascii_isdigit (*p))
        {
          g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                       "dial: '%c' in '%s' is not a digit key", *p, number);
          return FALSE;
        }
      if (!sr_run_send_key (run, target, key, error))
        return FALSE;
    }
  return sr_run_send_key (run, target, sr_action_get_string (action, "confirm", "ok"), error);
}

/* SPEC §7.2 (inj) rows: injectCall(QString peer), injectHangup(), injectAnswer(),
 * injectReject(int code), on the VoIP agent channel. */
gboolean
sr_handle_inject (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  StbRole target;
  if (!get_role (action, "target", "voip", &target, error))
    return FALSE;
  const gchar *event = sr_action_get_string (action, "event", NULL);
  const gchar *peer = sr_action_get_string (action, "peer", "sip:far@stbsim.test");
  gint64 code = sr_action_get_int (action, "code", 486);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  const gchar *message;
  g_autofree gchar *details = NULL;
  if (g_str_equal (event, "call"))
    {
      message = "injectCall(QString)";
      qcop_ds_write_string (data, peer);
      details = g_strdup_printf ("peer=%s", peer);
    }
  else if (g_str_equal (event, "hangup"))
    message = "injectHangup()";
  else if (g_str_equal (event, "answer"))
    message = "injectAnswer()";
  else if (g_str_equal (event, "reject"))
    {
      message = "injectReject(int)";
      qcop_ds_write_int32 (data, (gint32)code);
      details = g_strdup_printf ("code=%" G_GINT64_FORMAT, code);
    }
  else
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "inject event=%s: use call, hangup, answer or reject", event);
      return FALSE;
    }
  g_autofree gchar *name = g_strdup_printf ("send.inject.%s", event);
  sr_run_note (run, name, stb_role_to_string (target), details);
  return sr_run_send_agent_data (run, target, message, data->data, data->len, error);
}

static gboolean
param_value (SrRun *run, const gchar *text, StbSwitchParam *param, gint32 *value)
{
  gchar *end = NULL;
  gint64 v = g_ascii_strtoll (text, &end, 10);
  if (end != text && *end == '\0')
    {
      *value = (gint32)v;
      return TRUE;
    }
  if (!stb_switch_param_from_string (text, param))
    return FALSE;
  *value = stb_dialect_param_value (sr_run_test (run)->dialect, *param);
  return TRUE;
}

gboolean
sr_handle_send_switch (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  StbRole from;
  StbSwitchParam param = STB_SWITCH_PARAM_BACK_TO_NAV;
  gint32 value;
  if (!get_role (action, "from", NULL, &from, error))
    return FALSE;
  if (!param_value (run, sr_action_get_string (action, "param", ""), &param, &value))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "param=%s: unknown parameter",
                   sr_action_get_string (action, "param", ""));
      return FALSE;
    }
  StbSwitchType own
      = from == STB_ROLE_IPTV ? STB_SWITCH_TYPE_IPTV_TO_VOIP : STB_SWITCH_TYPE_VOIP_TO_IPTV;
  gint32 type = (gint32)sr_action_get_int (
      action, "type", stb_dialect_type_value (sr_run_test (run)->dialect, own));
  g_autofree gchar *details
      = g_strdup_printf ("from=%s;type=%d;param=%d", stb_role_to_string (from), type, value);
  sr_run_note (run, "send-switch", "server", details);
  return sr_run_send_switch (run, from, type, value, sr_action_get_string (action, "channel", NULL),
                             error);
}

gboolean
sr_handle_send_raw (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  StbRole to;
  if (!get_role (action, "to", NULL, &to, error))
    return FALSE;
  g_autoptr (GBytes) data = qcop_ds_from_hex (sr_action_get_string (action, "data", ""), error);
  if (data == NULL)
    return FALSE;
  const gchar *channel = sr_action_get_string (
      action, "channel", stb_dialect_listen_channel (sr_run_test (run)->dialect, to));
  const gchar *message
      = sr_action_get_string (action, "message", sr_run_test (run)->dialect->message);
  g_autofree gchar *details
      = g_strdup_printf ("to=%s;channel=%s;message=%s;data=%s", stb_role_to_string (to), channel,
                         message, sr_action_get_string (action, "data", ""));
  sr_run_note (run, "send-switch", "server", details);
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  return sr_run_send_qcop (run, channel, message, p, len, error);
}

gboolean
sr_handle_send_random (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  StbRole to;
  if (!get_role (action, "to", NULL, &to, error))
    return FALSE;
  gint64 count = CLAMP (sr_action_get_int (action, "count", 100), 0, 100000);
  gint64 seed = sr_action_get_int (action, "seed", 1);
  gint64 max_len = CLAMP (sr_action_get_int (action, "max-len", 64), 0, 16000);
  gboolean named = sr_action_get_bool (action, "named", TRUE);
  const gchar *channel = stb_dialect_listen_channel (sr_run_test (run)->dialect, to);
  g_autofree gchar *details
      = g_strdup_printf ("to=%s;count=%" G_GINT64_FORMAT ";seed=%" G_GINT64_FORMAT,
                         stb_role_to_string (to), count, seed);
  sr_run_note (run, "send-switch", "server", details);
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32)seed);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  for (gint64 i = 0; i < count; i++)
    {
      guint len = (guint)g_rand_int_range (rand, 0, (gint32)max_len + 1);
      g_byte_array_set_size (data, len);
      for (guint k = 0; k < len; k++)
        data->data[k] = (guint8)g_rand_int_range (rand, 0, 256);
      g_autofree gchar *name = named || g_rand_boolean (rand)
                                   ? g_strdup (sr_run_test (run)->dialect->message)
                                   : g_strdup_printf ("fuzz%u(int)", g_rand_int (rand) % 1000);
      if (!sr_run_send_qcop_nowait (run, channel, name, data->data, data->len, error))
        return FALSE;
      if (i % 50 == 49 && !sr_run_flush (run, (gint)(timeout_s * 1000), error))
        return FALSE;
    }
  return sr_run_flush (run, (gint)(timeout_s * 1000), error);
}

gboolean
sr_handle_checkpoint (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  sr_run_set_checkpoint (run, sr_action_get_string (action, "name", NULL));
  return TRUE;
}

typedef struct
{
  const gchar *selector;
  const gchar *match;
  const gchar *source;
  gint64 since;
  SrEvent *found;
  gboolean any; /* include consumed events */
} FindCtx;

static gboolean
found_event (SrRun *run, gpointer data)
{
  FindCtx *f = data;
  f->found = f->any ? sr_run_find_any_event (run, f->selector, f->match, f->source, f->since)
                    : sr_run_find_event (run, f->selector, f->match, f->source, f->since);
  return f->found != NULL;
}

/* The screen as evidence (sr-screen.h): the name becomes part of a file name. */
gboolean
sr_handle_snapshot (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  const gchar *name = sr_action_get_string (action, "name", NULL);
  for (const gchar *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      {
        g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                     "snapshot name %s: only letters, digits, - and _", name);
        return FALSE;
      }
  const gchar *painted = sr_action_get_string (action, "painted", NULL);
  if (painted != NULL && sr_run_has_screen (run))
    {
      /* the module says when its page is on the screen (SPEC 12.6); one that does not (a Qt
       * DUT) is pictured anyway when the wait ends: the picture is evidence, not a verdict */
      FindCtx f = { painted, sr_action_get_string (action, "match", NULL), NULL, 0, NULL, TRUE };
      f.since = sr_run_since (run, sr_action_get_string (action, "since", NULL), error);
      if (f.since < 0)
        return FALSE;
      if (!sr_run_wait (run, found_event, &f, timeout_s) && !sr_run_is_interrupted (run))
        g_message ("snapshot %s: %s %s not seen within %.1f s; pictured anyway", name, painted,
                   f.match ? f.match : "", timeout_s);
    }
  return sr_run_snapshot (run, name, error);
}

/* ---- expectations ------------------------------------------------------------------------- */

/* The role whose agent produces @selector's events ("voip.page" -> voip), if any. */
static gboolean
agent_role_of (const gchar *selector, StbRole *role)
{
  if (g_str_has_prefix (selector, "iptv."))
    *role = STB_ROLE_IPTV;
  else if (g_str_has_prefix (selector, "voip.") || g_str_has_prefix (selector, "sip."))
    *role = STB_ROLE_VOIP;
  else
    return FALSE;
  return TRUE;
}

static gboolean
wait_for (SrRun *run, const SrAction *action, gdouble timeout_s, gboolean is_expect, GError **error)
{
  FindCtx f
      = { sr_action_get_string (action, "name", NULL), sr_action_get_string (action, "match", NULL),
          sr_action_get_string (action, "source", NULL), 0, NULL };
  const gchar *requirement = sr_action_get_string (action, "requirement", NULL);
  f.since = sr_run_since (run, sr_action_get_string (action, "since", NULL), error);
  if (f.since < 0)
    return FALSE;
  gint64 t0 = stbsim_now_ns ();
  if (sr_run_wait (run, found_event, &f, timeout_s))
    {
      sr_run_consume (run, f.found);
      return TRUE;
    }
  if (sr_run_is_interrupted (run))
    return TRUE;
  g_autofree gchar *where = sr_action_location (action);
  g_autofree gchar *what
      = g_strdup_printf ("%s%s%s", f.selector, f.match ? " " : "", f.match ? f.match : "");
  StbRole role;
  if (agent_role_of (f.selector, &role) && sr_run_agent_missing (run, role)
      && sr_action_get_bool (action, "needs-agent", TRUE))
    sr_run_raise (run, "agent::not-implemented", requirement, t0,
                  "%s: %s never seen: the %s DUT sent no agent events (STBSim/Events), so "
                  "this cannot be judged",
                  where, what, stb_role_to_string (role));
  else if (is_expect || requirement != NULL)
    sr_run_raise (run, "expect::event-missing", requirement, t0,
                  "%s: expected %s within %.2f s; it did not happen", where, what, timeout_s);
  else
    sr_run_raise (run, "run::precondition-not-reached", NULL, t0,
                  "%s: waited %.2f s for %s; it did not happen", where, timeout_s, what);
  return TRUE;
}

gboolean
sr_handle_wait_event (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  return wait_for (run, action, timeout_s, FALSE, error);
}

gboolean
sr_handle_expect_event (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  return wait_for (run, action, timeout_s, TRUE, error);
}

gboolean
sr_handle_expect_message (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  const gchar *param_name = sr_action_get_string (action, "param", NULL);
  StbSwitchParam param;
  if (!stb_switch_param_from_string (param_name, &param))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "param=%s: unknown parameter",
                   param_name);
      return FALSE;
    }
  StbRole from = stb_switch_param_get_type (param) == STB_SWITCH_TYPE_IPTV_TO_VOIP ? STB_ROLE_IPTV
                                                                                   : STB_ROLE_VOIP;
  if (sr_action_find (action, "from") && !get_role (action, "from", NULL, &from, error))
    return FALSE;
  const gchar *channel = sr_action_get_string (
      action, "channel", stb_dialect_send_channel (sr_run_test (run)->dialect, from));
  const gchar *requirement = sr_action_get_string (action, "requirement", NULL);
  FindCtx f = { stb_switch_param_to_string (param), NULL, stb_role_to_string (from), 0, NULL };
  f.since = sr_run_since (run, sr_action_get_string (action, "since", NULL), error);
  if (f.since < 0)
    return FALSE;
  gint64 t0 = stbsim_now_ns ();
  g_autofree gchar *where = sr_action_location (action);
  if (!sr_run_wait (run, found_event, &f, timeout_s))
    {
      if (!sr_run_is_interrupted (run))
        sr_run_raise (
            run, "sw::missing-message", requirement, t0,
            "%s: %s did not send %s (type %d) on %s within %.2f s", where,
            stb_role_to_string (from), f.selector,
            stb_dialect_type_value (sr_run_test (run)->dialect, stb_switch_param_get_type (param)),
            channel, timeout_s);
      return TRUE;
    }
  sr_run_consume (run, f.found);
  if (g_strcmp0 (f.found->channel, channel) != 0)
    sr_run_raise (run, "sw::wrong-channel", sr_run_channel_requirement (run), f.found->t_ns,
                  "%s: %s sent %s on '%s', expected '%s'", where, stb_role_to_string (from),
                  f.selector, f.found->channel, channel);
  return TRUE;
}

gboolean
sr_handle_expect_no_event (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  gdouble window = sr_action_get_double (action, "window", 1.0);
  FindCtx f
      = { sr_action_get_string (action, "name", NULL), sr_action_get_string (action, "match", NULL),
          sr_action_get_string (action, "source", NULL), 0, NULL };
  const gchar *since = sr_action_get_string (action, "since", NULL);
  f.since = sr_run_since (run, since, error);
  if (f.since < 0)
    return FALSE;
  if (!sr_run_wait (run, found_event, &f, MIN (window, timeout_s)))
    return TRUE; /* quiet for the whole window (or interrupted) */
  g_autofree gchar *where = sr_action_location (action);
  sr_run_raise (run, "expect::unexpected-event", sr_action_get_string (action, "requirement", NULL),
                f.found->t_ns, "%s: %s%s%s happened (from %s, %s) but must not within %.2f s",
                where, f.selector, f.match ? " " : "", f.match ? f.match : "", f.found->source,
                f.found->details ? f.found->details : "", window);
  return TRUE;
}

gboolean
sr_handle_expect_order (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  const gchar *first = sr_action_get_string (action, "first", NULL);
  FindCtx f = { sr_action_get_string (action, "then", NULL), NULL, NULL, 0, NULL };
  const gchar *since = sr_action_get_string (action, "since", "ready");
  /* before the checkpoint `since` names is defined, from the start of the test */
  g_autoptr (GError) unknown = NULL;
  f.since = sr_run_since (run, since, &unknown);
  if (unknown != NULL)
    f.since = sr_run_test (run)->start_ns;
  if (f.since < 0)
    return FALSE;
  f.any = TRUE;
  if (!sr_run_wait (run, found_event, &f, timeout_s))
    return TRUE; /* `then` never happened: nothing to order (other expectations judge it) */
  /* `first` may be reported later than `then` although it happened earlier (agent events
   * travel through the channel, SW-EVT-03 allows 50 ms): give it a bounded grace */
  FindCtx a = { first, NULL, NULL, f.since, NULL, TRUE };
  sr_run_wait (run, found_event, &a, ORDER_GRACE_S);
  if (a.found != NULL && a.found->t_ns <= f.found->t_ns)
    return TRUE;
  g_autofree gchar *where = sr_action_location (action);
  sr_run_raise (run, "order::too-early", sr_action_get_string (action, "requirement", NULL),
                f.found->t_ns, "%s: %s happened (%s, %s) %s %s", where, f.selector, f.found->source,
                f.found->details ? f.found->details : "", a.found ? "before" : "without any",
                first);
  return TRUE;
}

/* ---- measurements ------------------------------------------------------------------------- */

/* The budget of @budget_id in the profile's [budgets] (ms), -1 if none. Budget ids are the
 * SW-TIME requirement ids themselves (conformance/README.md "Timing profiles"). */
static gint64
budget_ns (SrRun *run, const gchar *budget_id)
{
  g_autoptr (GError) error = NULL;
  if (budget_id == NULL || sr_run_test (run)->profile == NULL)
    return -1;
  gdouble ms = g_key_file_get_double (sr_run_test (run)->profile, "budgets", budget_id, &error);
  if (error != NULL)
    return -1;
  return (gint64)(ms * 1e6);
}

/* [profile] timing_verdict: fail (default) or warn (SW-TIME-92). */
static SrVerdict
timing_level (SrRun *run)
{
  g_autofree gchar *v
      = sr_run_test (run)->profile
            ? g_key_file_get_string (sr_run_test (run)->profile, "profile", "timing_verdict", NULL)
            : NULL;
  return g_strcmp0 (v, "warn") == 0 ? SR_VERDICT_PASS : SR_VERDICT_FAIL;
}

typedef struct
{
  const gchar *from, *to;
  gint64 since;
  SrEvent *a, *b;
} MeasureCtx;

static gboolean
measured (SrRun *run, gpointer data)
{
  MeasureCtx *m = data;
  if (m->a == NULL)
    m->a = sr_run_find_any_event (run, m->from, NULL, NULL, m->since);
  if (m->a != NULL)
    m->b = sr_run_find_any_event (run, m->to, NULL, NULL, m->a->t_ns);
  return m->b != NULL;
}

gboolean
sr_handle_measure (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  const gchar *name = sr_action_get_string (action, "name", NULL);
  const gchar *budget_id = sr_action_get_string (action, "budget", NULL);
  const gchar *requirement = sr_action_get_string (action, "requirement", NULL);
  MeasureCtx m = { sr_action_get_string (action, "from", NULL),
                   sr_action_get_string (action, "to", NULL), 0, NULL, NULL };
  const gchar *since = sr_action_get_string (action, "since", NULL);
  /* SW-TIME-90: the start event is the first one after the previous step (the stimulus) */
  m.since = sr_run_since (run, since, error);
  if (m.since < 0)
    return FALSE;
  gint64 budget = budget_ns (run, budget_id);
  if (requirement == NULL && budget_id && g_str_has_prefix (budget_id, "SW-TIME-"))
    requirement = budget_id;
  gboolean ok = sr_run_wait (run, measured, &m, timeout_s);
  gint64 value = ok ? m.b->t_ns - m.a->t_ns : -1;
  sr_test_result_add_latency (sr_run_test (run)->result, name, m.from, m.to, budget_id, value,
                              budget);
  g_autofree gchar *where = sr_action_location (action);
  if (sr_run_is_interrupted (run))
    return TRUE;
  if (m.a == NULL)
    sr_run_raise (run, "latency::no-start-event", requirement, stbsim_now_ns (),
                  "%s: %s: start event %s never happened", where, name, m.from);
  else if (!ok)
    sr_run_raise (run, "latency::no-end-event", requirement, m.a->t_ns,
                  "%s: %s: %s did not follow %s within %.2f s", where, name, m.to, m.from,
                  timeout_s);
  else if (budget >= 0 && value > budget)
    sr_run_raise (run,
                  timing_level (run) == SR_VERDICT_PASS ? "latency::over-budget-warning"
                                                        : "latency::over-budget",
                  requirement, m.b->t_ns, "%s: %s took %.3f ms, budget %s is %.3f ms%s", where,
                  name, (gdouble)value / 1e6, budget_id, (gdouble)budget / 1e6,
                  timing_level (run) == SR_VERDICT_PASS ? " (warning: profile "
                                                          "timing_verdict=warn)"
                                                        : "");
  return TRUE;
}

gboolean
sr_handle_impair (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)
{
  /* nftables loss in the test's network namespaces (sr-netns.c); inconclusive outside netns
   * mode and for delay (no netem in this kernel) */
  return sr_netns_impair (sr_run_test (run), action, timeout_s, error);
}
