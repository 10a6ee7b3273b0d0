/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-test"

#include "sr-test.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sr-issues.h"
#include "stbsim-input.h"
#include "stb-protocol.h"

/* clang-format off */
G_DEFINE_QUARK (sr-run-error-quark, sr_run_error)
/* clang-format on */

gchar *
sr_profile_path (const SrConfig *config, const gchar *name)
{
  if (g_file_test (name, G_FILE_TEST_IS_REGULAR))
    return g_strdup (name);
  g_autofree gchar *file = g_strdup_printf ("%s.ini", name);
  return g_build_filename (config->source_root, "conformance", "profiles", file, NULL);
}

gboolean
sr_test_set_profile (SrTest *test, const gchar *name, GError **error)
{
  g_autofree gchar *path = sr_profile_path (test->config, name);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!stbsim_input_load_keyfile (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "timing profile %s (%s): ", name, path);
      return FALSE;
    }
  g_clear_pointer (&test->profile, g_key_file_unref);
  test->profile = g_steal_pointer (&kf);
  return TRUE;
}

/* The run's timing profile (--profile, default "reference"): budgets for `measure`. A missing
 * default profile only means "no budgets"; a profile asked for by name must exist. */
static gboolean
load_default_profile (SrTest *test, GError **error)
{
  if (test->config->profile != NULL)
    return sr_test_set_profile (test, test->config->profile, error);
  g_autofree gchar *path = sr_profile_path (test->config, "reference");
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  return sr_test_set_profile (test, "reference", error);
}

static gboolean
load_default_dialect (SrTest *test, GError **error)
{
  const SrConfig *config = test->config;
  if (config->dialect_path)
    {
      test->dialect_path = g_strdup (config->dialect_path);
      test->dialect = stb_dialect_load (config->dialect_path, error);
      return test->dialect != NULL;
    }
  /* the default dialect, given explicitly so that modules and observer provably agree
   * (SW-DLCT-04); written out (every key defaults) if the fixture is missing */
  test->dialect_path
      = g_build_filename (config->source_root, "fixtures", "dialects", "default.ini", NULL);
  if (!g_file_test (test->dialect_path, G_FILE_TEST_IS_REGULAR))
    {
      g_free (test->dialect_path);
      test->dialect_path = g_build_filename (test->test_dir, "dialect.ini", NULL);
      if (!g_file_set_contents (test->dialect_path, "[dialect]\nname=default\n", -1, error))
        return FALSE;
    }
  test->dialect = stb_dialect_new_default ();
  return TRUE;
}

SrTest *
sr_test_new (const SrConfig *config, SrTestResult *result, SrTimeline *timeline, StbLayout layout,
             GError **error)
{
  g_autoptr (SrTest) test = g_new0 (SrTest, 1);
  test->config = config;
  test->result = result;
  test->timeline = timeline;
  test->layout = layout;
  test->components
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)sr_component_free);
  test->start_order = g_ptr_array_new_with_free_func (g_free);
  test->test_dir = g_build_filename (config->run_dir, "tests", result->id, NULL);
  test->logs_dir = g_build_filename (config->run_dir, "logs", result->id, NULL);
  if (g_mkdir_with_parents (test->test_dir, 0755) != 0
      || g_mkdir_with_parents (test->logs_dir, 0755) != 0)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "cannot create %s: %s", test->test_dir,
                   g_strerror (errno));
      return NULL;
    }
  if (!load_default_dialect (test, error))
    return NULL;
  test->dialect->layout = layout;
  if (!load_default_profile (test, error))
    return NULL;
  return g_steal_pointer (&test);
}

void
sr_test_free (SrTest *test)
{
  if (test == NULL)
    return;
  /* in reverse start order, like sr_run_stop_all() */
  while (test->start_order->len > 0)
    {
      g_autofree gchar *name
          = g_strdup (g_ptr_array_index (test->start_order, test->start_order->len - 1));
      sr_test_stop_component (test, name, NULL);
    }
  g_hash_table_unref (test->components);
  g_ptr_array_unref (test->start_order);
  g_free (test->last_stimulus);
  g_free (test->dialect_path);
  g_free (test->test_dir);
  g_free (test->logs_dir);
  g_clear_pointer (&test->profile, g_key_file_unref);
  g_clear_pointer (&test->dialect, stb_dialect_free);
  g_free (test);
}

gboolean
sr_test_set_dialect (SrTest *test, const gchar *path, GError **error)
{
  StbDialect *d = stb_dialect_load (path, error);
  if (d == NULL)
    return FALSE;
  d->layout = test->layout;
  g_clear_pointer (&test->dialect, stb_dialect_free);
  test->dialect = d;
  g_free (test->dialect_path);
  test->dialect_path = g_strdup (path);
  return TRUE;
}

gboolean
sr_test_is_signalled (const SrTest *test)
{
  return test->config->interrupted != NULL && g_atomic_int_get (test->config->interrupted) != 0;
}

gboolean
sr_test_is_interrupted (const SrTest *test)
{
  return test->aborted || sr_test_is_signalled (test);
}

void
sr_test_raisev (SrTest *test, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
                const gchar *fmt, va_list ap)
{
  sr_issue_raisev (test->result, issue_id, requirement, t_ns, fmt, ap);
}

void
sr_test_raise (SrTest *test, const gchar *issue_id, const gchar *requirement, gint64 t_ns,
               const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sr_test_raisev (test, issue_id, requirement, t_ns, fmt, ap);
  va_end (ap);
}

SrEvent *
sr_test_note (SrTest *test, const gchar *name, const gchar *target, const gchar *details)
{
  g_autoptr (SrEvent) e = sr_event_new (stbsim_now_ns (), SR_EVENT_RUNNER, "harness", name);
  e->target = g_strdup (target);
  e->details = g_strdup (details);
  sr_timeline_add (test->timeline, e);
  static const gchar *const stimuli[]
      = { "press.", "send.", "send-switch", "start", "kill", "checkpoint" };
  for (guint i = 0; i < G_N_ELEMENTS (stimuli); i++)
    if (g_str_has_prefix (name, stimuli[i]))
      {
        test->cursor_ns = e->t_ns;
        g_free (test->last_stimulus);
        test->last_stimulus = g_strdup (name);
      }
  return e; /* the timeline holds a reference */
}

/* ---- the processes of the test ------------------------------------------------------------ */

SrComponent *
sr_test_component (SrTest *test, const gchar *name)
{
  return g_hash_table_lookup (test->components, name);
}

gchar *
sr_test_ready_value (SrTest *test, const gchar *component, const gchar *key)
{
  return sr_component_ready_value (sr_test_component (test, component), key);
}

const gchar *
sr_test_lane_of_pid (SrTest *test, gint pid)
{
  if (pid == (gint)getpid ())
    return "harness";
  pid_t pgid = getpgid (pid);
  GHashTableIter iter;
  gpointer value;
  if (test->components == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, test->components);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SrComponent *c = value;
      StbRole role;
      if (c->proc == NULL || !stb_role_from_string (c->name, &role))
        continue;
      GPid cpid = sr_component_pid (c);
      if (cpid == pid || (pgid > 0 && cpid == pgid))
        return stb_role_to_string (role);
    }
  return NULL;
}

gboolean
sr_test_start_component (SrTest *test, SrComponent *comp, gboolean wait_ready, gdouble timeout_s,
                         GError **error)
{
  g_autoptr (SrComponent) owned = comp;
  g_autofree gchar *cmd = g_strjoinv (" ", comp->argv);
  sr_test_note (test, "start", comp->name, cmd);
  if (!sr_component_start (comp, wait_ready, (gint)(timeout_s * 1000), error))
    return FALSE;
  SrComponent *c = g_steal_pointer (&owned);
  g_hash_table_insert (test->components, c->name, c);
  g_ptr_array_add (test->start_order, g_strdup (c->name));
  return TRUE;
}

gboolean
sr_test_signal_component (SrTest *test, const gchar *name, int sig, GError **error)
{
  SrComponent *c = sr_test_component (test, name);
  if (c == NULL || c->proc == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT, "%s is not started", name);
      return FALSE;
    }
  if (sig != SIGCONT && sig != SIGSTOP)
    c->expect_exit = TRUE;
  g_autofree gchar *details = g_strdup_printf ("signal=%d", sig);
  sr_test_note (test, "kill", name, details);
  stbsim_proc_signal (c->proc, sig);
  return TRUE;
}

gboolean
sr_test_stop_component (SrTest *test, const gchar *name, GError **error)
{
  SrComponent *c = sr_test_component (test, name);
  if (c == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT, "%s is not started", name);
      return FALSE;
    }
  sr_component_stop (c);
  sr_test_note (test, "stop", name, NULL);
  for (guint i = 0; i < test->start_order->len; i++)
    if (g_str_equal (g_ptr_array_index (test->start_order, i), name))
      {
        g_ptr_array_remove_index (test->start_order, i);
        break;
      }
  g_hash_table_remove (test->components, name);
  return TRUE;
}

void
sr_test_check_components (SrTest *test)
{
  for (guint i = 0; i < test->start_order->len; i++)
    {
      SrComponent *c = sr_test_component (test, g_ptr_array_index (test->start_order, i));
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
      sr_test_note (test, "exit", c->name, how);
      if (g_str_has_prefix (c->name, "sipp"))
        {
          /* the far end finishing its script is expected; its outcome is an event */
          g_autoptr (SrEvent) e
              = sr_event_new (stbsim_now_ns (), SR_EVENT_SIP, "farend", "sipp.exit");
          e->details = g_strdup_printf ("status=%d;instance=%s",
                                        WIFEXITED (status) ? WEXITSTATUS (status) : -1, c->name);
          sr_timeline_add (test->timeline, e);
          continue;
        }
      /* a module that dies while the test runs fails SW-RX-07 (it must keep running and
       * handling later messages), with its exit status and log as the evidence; the last
       * stimulus says what it died of */
      if (test->aborted)
        continue; /* after an infrastructure death: only noted */
      if (is_module)
        sr_test_raise (test, "dut::crashed", NULL, stbsim_now_ns (),
                       "%s%s %s during the test (last stimulus: %s); log: %s",
                       c->is_dut ? "the DUT " : "", c->name, how,
                       test->last_stimulus ? test->last_stimulus : "none", c->log_path);
      else
        {
          /* the harness's own part: an error, and whatever follows (a module losing its
           * server, a call the dead IMS core cannot end) is no finding about the DUT */
          sr_test_raise (test, "run::component-exited", NULL, stbsim_now_ns (),
                         "%s %s during the test; log: %s", c->name, how, c->log_path);
          test->aborted = TRUE;
        }
    }
}
