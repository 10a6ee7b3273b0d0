/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-suite"

#include "sr-suite.h"
#include "sr-capture.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sr-dut.h"
#include "sr-issues.h"
#include "sr-retention.h"
#include "sr-run.h"
#include "stbsim-input.h"
#include "stbsim-proc.h"

static const gchar *const all_layouts[] = { "bidirectional", "unidirectional", NULL };
#define N_LAYOUTS 2
G_STATIC_ASSERT (G_N_ELEMENTS (all_layouts) == N_LAYOUTS + 1);

void
sr_test_spec_free (SrTestSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->id);
  g_free (spec->case_id);
  g_free (spec->scenario);
  g_free (spec->layout);
  g_free (spec->summary);
  g_strfreev (spec->requirements);
  g_free (spec);
}

/* A catalogue entry before layout expansion: a spec with layout = the list. */
typedef struct
{
  SrTestSpec spec;
  gchar **layouts;
  gchar **dut;
  gchar **ics;
  gchar **ics_iptv; /* further ICS items when the DUT is the IPTV module */
  gchar **ics_voip;
  gchar **needs; /* sip, media, netns */
  /* requirements_<layout>: judged only in that layout's instance (SW-CHAN-02 is about the
   * bidirectional channel, SW-CHAN-03 about the two unidirectional ones) */
  gchar **layout_requirements[N_LAYOUTS];
} Entry;

static void
entry_free (Entry *e)
{
  g_free (e->spec.id);
  g_free (e->spec.case_id);
  g_free (e->spec.scenario);
  g_free (e->spec.summary);
  g_strfreev (e->spec.requirements);
  g_strfreev (e->layouts);
  g_strfreev (e->dut);
  g_strfreev (e->ics);
  g_strfreev (e->ics_iptv);
  g_strfreev (e->ics_voip);
  for (guint l = 0; l < N_LAYOUTS; l++)
    g_strfreev (e->layout_requirements[l]);
  g_strfreev (e->needs);
  g_free (e);
}

static gchar **
get_list (GKeyFile *kf, const gchar *group, const gchar *key, const gchar *def)
{
  g_autofree gchar *v = g_key_file_get_string (kf, group, key, NULL);
  return sr_split_list (v ? v : def);
}

GPtrArray *
sr_catalogue_load (const gchar *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!stbsim_input_load_keyfile (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "catalogue %s: ", path);
      return NULL;
    }
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *root = g_path_get_dirname (dir);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      g_autofree gchar *scenario = g_key_file_get_string (kf, groups[i], "scenario", NULL);
      if (scenario == NULL)
        continue; /* not a test case (e.g. [catalogue] metadata) */
      Entry *e = g_new0 (Entry, 1);
      e->spec.case_id = g_strdup (groups[i]);
      e->spec.scenario = g_path_is_absolute (scenario) ? g_strdup (scenario)
                                                       : g_build_filename (root, scenario, NULL);
      e->spec.summary = g_key_file_get_string (kf, groups[i], "summary", NULL);
      e->spec.requirements = get_list (kf, groups[i], "requirements", "");
      e->layouts = get_list (kf, groups[i], "layouts", "bidirectional,unidirectional");
      e->dut = get_list (kf, groups[i], "dut", "iptv,voip");
      e->ics = get_list (kf, groups[i], "ics", "");
      e->ics_iptv = get_list (kf, groups[i], "ics_iptv", "");
      e->ics_voip = get_list (kf, groups[i], "ics_voip", "");
      e->needs = get_list (kf, groups[i], "needs", "");
      for (guint l = 0; l < N_LAYOUTS; l++)
        {
          g_autofree gchar *key = g_strdup_printf ("requirements_%s", all_layouts[l]);
          e->layout_requirements[l] = get_list (kf, groups[i], key, "");
        }
      g_ptr_array_add (out, e);
    }
  return g_steal_pointer (&out);
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

GPtrArray *
sr_catalogue_from_dir (const gchar *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".scenario"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  for (guint i = 0; i < names->len; i++)
    {
      const gchar *path = g_ptr_array_index (names, i);
      g_autoptr (SrScenario) sc = sr_scenario_load (path, vars, TRUE, error);
      if (sc == NULL)
        return NULL;
      Entry *e = g_new0 (Entry, 1);
      e->spec.case_id = g_strdup (sc->name);
      e->spec.scenario = g_strdup (path);
      e->spec.summary = g_strdup (sc->summary);
      e->spec.requirements = g_strdupv (sc->requirements);
      e->layouts = g_strdupv (sc->layouts);
      e->dut = g_strdupv (sc->dut_roles);
      e->ics = g_strdupv (sc->ics);
      e->ics_iptv = g_new0 (gchar *, 1);
      e->ics_voip = g_new0 (gchar *, 1);
      e->needs = g_strdupv (sc->needs);
      g_ptr_array_add (out, e);
    }
  return g_steal_pointer (&out);
}

/* The requirements of @e's instance in layout number @l: the common ones, then that
 * layout's own. */
static gchar **
requirements_for (const Entry *e, guint l)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  if (e->spec.requirements)
    g_strv_builder_addv (b, (const gchar **)e->spec.requirements);
  if (e->layout_requirements[l])
    g_strv_builder_addv (b, (const gchar **)e->layout_requirements[l]);
  return g_strv_builder_end (b);
}

static SrTestSpec *
spec_for (const Entry *e, guint l)
{
  const gchar *layout = all_layouts[l];
  SrTestSpec *s = g_new0 (SrTestSpec, 1);
  s->case_id = g_strdup (e->spec.case_id);
  s->id = g_strdup_printf ("%s.%s", e->spec.case_id, layout);
  s->scenario = g_strdup (e->spec.scenario);
  s->layout = g_strdup (layout);
  s->summary = g_strdup (e->spec.summary);
  s->requirements = requirements_for (e, l);
  s->needs_sip = e->needs && g_strv_contains ((const gchar *const *)e->needs, "sip");
  return s;
}

/* The ICS's answer for @item ("group.key", or a key in any group), stripped, or NULL. */
static gchar *
ics_answer (GKeyFile *ics, const gchar *item)
{
  const gchar *dot = strchr (item, '.');
  gchar *v = NULL;
  if (dot != NULL)
    {
      g_autofree gchar *group = g_strndup (item, (gsize)(dot - item));
      v = g_key_file_get_string (ics, group, dot + 1, NULL);
    }
  g_auto (GStrv) groups = v ? NULL : g_key_file_get_groups (ics, NULL);
  for (guint i = 0; groups && groups[i] && v == NULL; i++)
    v = g_key_file_get_string (ics, groups[i], item, NULL);
  return v ? g_strstrip (v) : NULL;
}

static gboolean
ics_allows (const Entry *e, gchar **items, GKeyFile *ics, GPtrArray *skipped)
{
  for (guint i = 0; ics && items && items[i]; i++)
    if (!sr_ics_supports (ics, items[i]))
      {
        if (skipped)
          {
            /* "ICS voip.video=no", the answer as the ICS gives it (or that it gives none) */
            g_autofree gchar *value = ics_answer (ics, items[i]);
            g_ptr_array_add (
                skipped,
                value ? g_strdup_printf ("%s: ICS %s=%s", e->spec.case_id, items[i], value)
                      : g_strdup_printf ("%s: ICS %s not declared", e->spec.case_id, items[i]));
          }
        return FALSE;
      }
  return TRUE;
}

static gboolean
entry_applies (const Entry *e, GKeyFile *ics, const gchar *dut_role, gboolean injection,
               GPtrArray *skipped)
{
  if (dut_role && !g_strv_contains ((const gchar *const *)e->dut, dut_role))
    {
      if (skipped)
        g_ptr_array_add (
            skipped, g_strdup_printf ("%s: does not exercise a %s DUT", e->spec.case_id, dut_role));
      return FALSE;
    }
  if (injection && e->needs && g_strv_contains ((const gchar *const *)e->needs, "sip"))
    {
      if (skipped)
        g_ptr_array_add (skipped,
                         g_strdup_printf ("%s: needs SIP (run with --mode sip)", e->spec.case_id));
      return FALSE;
    }
  if (e->needs && g_strv_contains ((const gchar *const *)e->needs, "netns") && geteuid () != 0)
    {
      if (skipped)
        g_ptr_array_add (skipped,
                         g_strdup_printf ("%s: needs root (network namespaces)", e->spec.case_id));
      return FALSE;
    }
  if (!ics_allows (e, e->ics, ics, skipped))
    return FALSE;
  if (g_strcmp0 (dut_role, "iptv") == 0 && !ics_allows (e, e->ics_iptv, ics, skipped))
    return FALSE;
  if (g_strcmp0 (dut_role, "voip") == 0 && !ics_allows (e, e->ics_voip, ics, skipped))
    return FALSE;
  return TRUE;
}

/* Would -l @layout and -t @re select any layout of @e? */
static gboolean
selected_layout (const Entry *e, const gchar *layout, GRegex *re)
{
  for (guint l = 0; all_layouts[l]; l++)
    {
      if (!g_strv_contains ((const gchar *const *)e->layouts, all_layouts[l])
          || (layout && !g_str_equal (layout, all_layouts[l])))
        continue;
      g_autofree gchar *id = g_strdup_printf ("%s.%s", e->spec.case_id, all_layouts[l]);
      if (re == NULL || g_regex_match (re, id, 0, NULL))
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
sr_catalogue_select (GPtrArray *entries, const gchar *layout, GKeyFile *ics, const gchar *dut_role,
                     gboolean injection, const gchar *filter, GPtrArray *skipped, GError **error)
{
  g_autoptr (GRegex) re = NULL;
  if (filter != NULL && (re = g_regex_new (filter, 0, 0, error)) == NULL)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_test_spec_free);
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = g_ptr_array_index (entries, i);
      g_autoptr (GPtrArray) why = g_ptr_array_new_with_free_func (g_free);
      if (!entry_applies (e, ics, dut_role, injection, why))
        {
          /* not applicable is reported, but only for what -t and -l select */
          if (skipped && selected_layout (e, layout, re))
            for (guint k = 0; k < why->len; k++)
              g_ptr_array_add (skipped, g_strdup (g_ptr_array_index (why, k)));
          continue;
        }
      for (guint l = 0; all_layouts[l]; l++)
        {
          if (!g_strv_contains ((const gchar *const *)e->layouts, all_layouts[l])
              || (layout && !g_str_equal (layout, all_layouts[l])))
            continue;
          SrTestSpec *s = spec_for (e, l);
          if (re && !g_regex_match (re, s->id, 0, NULL))
            {
              sr_test_spec_free (s);
              continue;
            }
          g_ptr_array_add (out, s);
        }
    }
  return out;
}

/* The built-in variables every scenario may use (values are per test, see run_one()). */
static const gchar *const builtin_names[]
    = { "run_dir",     "test_dir",   "logs_dir",  "layout",    "test_id", "mode",
        "source_root", "build_root", "iptv_args", "voip_args", NULL };

/* Timer waits (SPEC §10): an expectation of a timer's expiry waits $(t_<timer>_wait) seconds:
 * the VoIP DUT's declared value (ICS [ixit], the value its template gets) plus a margin, or
 * the margin alone for the reference module, which the timer scenarios start with short values
 * (--t-*-ms of at most 5 s). $(timer_test_timeout) bounds a whole timer scenario. An
 * expectation returns as soon as it is met: the margin only costs time when a test fails. */
#define TIMER_MARGIN_S 30
static const gchar *const timer_names[] = { "t_dialog", "t_show", "t_alert", NULL };

static void
add_timer_vars (GHashTable *vars, const SrConfig *config)
{
  gboolean voip_dut
      = config != NULL
        && (config->dut_voip != NULL || config->dut_voip_inject != NULL
            || (config->dut_ics_roles
                && g_strv_contains ((const gchar *const *)config->dut_ics_roles, "voip")));
  gint64 longest = 0;
  for (guint i = 0; timer_names[i]; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%s_ms", timer_names[i]);
      g_autofree gchar *declared = voip_dut ? sr_dut_ics_value (config->dut_ics, key, NULL) : NULL;
      gint64 ms = declared ? g_ascii_strtoll (declared, NULL, 10) : 0;
      gint64 wait = CLAMP (ms, 0, 24 * 3600 * 1000) / 1000 + TIMER_MARGIN_S;
      longest = MAX (longest, wait);
      g_hash_table_replace (vars, g_strdup_printf ("%s_wait", timer_names[i]),
                            g_strdup_printf ("%" G_GINT64_FORMAT, wait));
    }
  g_hash_table_replace (vars, g_strdup ("timer_test_timeout"),
                        g_strdup_printf ("%" G_GINT64_FORMAT, longest * 2 + 30));
}

GHashTable *
sr_builtin_placeholders (void)
{
  GHashTable *vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; builtin_names[i]; i++)
    g_hash_table_insert (vars, g_strdup (builtin_names[i]),
                         g_str_has_suffix (builtin_names[i], "_args")
                             ? g_strdup ("")
                             : g_strdup_printf ("<%s>", builtin_names[i]));
  add_timer_vars (vars, NULL);
  return vars;
}

GPtrArray *
sr_scenario_tests (const gchar *path, const gchar *layout, GError **error)
{
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  g_autoptr (SrScenario) sc = sr_scenario_load (path, vars, TRUE, error);
  if (sc == NULL)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_test_spec_free);
  Entry e = { 0 };
  e.spec.case_id = sc->name;
  e.spec.scenario = (gchar *)path;
  e.spec.summary = sc->summary;
  e.spec.requirements = sc->requirements;
  e.layouts = sc->layouts;
  e.needs = sc->needs;
  for (guint l = 0; all_layouts[l]; l++)
    {
      if (layout ? !g_str_equal (layout, all_layouts[l])
                 : !sr_scenario_applies_to_layout (sc, all_layouts[l]))
        continue;
      g_ptr_array_add (out, spec_for (&e, l));
    }
  return out;
}

/* ---- running ------------------------------------------------------------------------------ */

SrTestResult *
sr_test_spec_result (const SrTestSpec *spec)
{
  SrTestResult *r = sr_test_result_new (spec->id);
  r->scenario = g_strdup (spec->scenario);
  r->layout = g_strdup (spec->layout);
  r->summary = g_strdup (spec->summary);
  r->requirements = g_strdupv (spec->requirements);
  return r;
}

/* FALSE when the report could not be written (disk full, permissions): the run's verdict is
 * then error, never pass (a report a CI server cannot read is a lost report). */
static gboolean
write_reports (SrReport *report)
{
  g_autoptr (GError) error = NULL;
  if (sr_report_write_all (report, &error))
    return TRUE;
  g_printerr ("stbsim: cannot write the report: %s\n", error->message);
  return FALSE;
}

/* Does @sc start a head-end (live TV on lo for the capture)? */
static gboolean
starts_headend (const SrScenario *sc)
{
  for (guint i = 0; i < sc->actions->len; i++)
    {
      const SrAction *a = g_ptr_array_index (sc->actions, i);
      if ((g_str_equal (a->name, "start") || g_str_equal (a->name, "restart"))
          && g_strcmp0 (sr_action_get_string (a, "component", NULL), "headend") == 0)
        return TRUE;
    }
  return FALSE;
}

/* The capture follows the test into its network namespace once the IMS core made one. */
static void
on_component (SrRun *run, const gchar *name, gboolean started, gpointer data)
{
  SrCapture *cap = data;
  if (!g_str_equal (name, "ims"))
    return;
  if (!started)
    {
      sr_capture_stop_netns (cap);
      return;
    }
  g_autofree gchar *netns = sr_test_ready_value (sr_run_test (run), "ims", "netns");
  if (netns != NULL)
    sr_capture_add_netns (cap, netns);
}

static void
run_one (const SrConfig *config, SrReport *report, const SrTestSpec *spec, SrTestResult *result)
{
  g_autoptr (GError) error = NULL;
  StbLayout layout = STB_LAYOUT_BIDIRECTIONAL;
  stb_layout_from_string (spec->layout, &layout);
  g_autoptr (SrRun) run = sr_run_new (config, result, report->timeline, layout, &error);
  if (run == NULL)
    {
      sr_issue_raise (result, "run::setup-failed", NULL, stbsim_now_ns (), "%s", error->message);
      result->finished = TRUE;
      return;
    }
  sr_run_set_injection (run, !spec->needs_sip);
  SrTest *test = sr_run_test (run);
  test->no_fcc = spec->no_fcc;
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  add_timer_vars (vars, config);
  g_hash_table_replace (vars, g_strdup ("run_dir"), g_strdup (config->run_dir));
  g_hash_table_replace (vars, g_strdup ("test_dir"), g_strdup (test->test_dir));
  g_hash_table_replace (vars, g_strdup ("logs_dir"), g_strdup (test->logs_dir));
  g_hash_table_replace (vars, g_strdup ("layout"), g_strdup (spec->layout));
  g_hash_table_replace (vars, g_strdup ("test_id"), g_strdup (spec->id));
  g_hash_table_replace (vars, g_strdup ("mode"), g_strdup (spec->needs_sip ? "sip" : "injection"));
  g_hash_table_replace (vars, g_strdup ("source_root"), g_strdup (config->source_root));
  g_hash_table_replace (vars, g_strdup ("build_root"), g_strdup (config->build_root));
  /* extra arguments for our reference modules (a scenario may set-vars them; ignored for a
   * vendor DUT, whose command line is fixed) */
  g_hash_table_replace (vars, g_strdup ("iptv_args"), g_strdup (""));
  g_hash_table_replace (vars, g_strdup ("voip_args"), g_strdup (""));
  g_autoptr (SrScenario) sc = sr_scenario_load (spec->scenario, vars, TRUE, &error);
  if (sc == NULL)
    {
      sr_issue_raise (result, "run::scenario-invalid", NULL, stbsim_now_ns (), "%s",
                      error->message);
      result->finished = TRUE;
      return;
    }
  if (sc->dialect != NULL && config->dialect_path == NULL)
    {
      g_autofree gchar *path = g_path_is_absolute (sc->dialect)
                                   ? g_strdup (sc->dialect)
                                   : g_build_filename (config->source_root, sc->dialect, NULL);
      if (!sr_run_set_dialect (run, path, &error))
        {
          sr_issue_raise (result, "run::scenario-invalid", NULL, stbsim_now_ns (),
                          "%s: dialect: %s", spec->scenario, error->message);
          result->finished = TRUE;
          return;
        }
    }
  if (result->requirements == NULL || result->requirements[0] == NULL)
    {
      g_strfreev (result->requirements);
      result->requirements = g_strdupv (sc->requirements);
    }
  if (result->summary == NULL)
    result->summary = g_strdup (sc->summary);
  g_autoptr (SrCapture) cap
      = config->no_capture
            ? NULL
            : sr_capture_start (test->test_dir, !test->injection || starts_headend (sc));
  if (cap)
    sr_run_set_component_hook (run, on_component, cap);
  sr_run_execute (run, sc);
  g_auto (GStrv) traces = sr_run_trace_paths (run);
  /* tests/<id>/capture.pcapng */
  g_free (cap ? sr_capture_finish (cap, (const gchar *const *)traces) : NULL);
}

SrVerdict
sr_suite_run (const SrConfig *config, SrReport *report, GPtrArray *tests, gboolean progress)
{
  guint first = report->tests->len;
  gboolean written = TRUE;
  for (guint i = 0; i < tests->len; i++)
    g_ptr_array_add (report->tests, sr_test_spec_result (g_ptr_array_index (tests, i)));
  written &= write_reports (report);
  for (guint i = 0; i < tests->len; i++)
    {
      const SrTestSpec *spec = g_ptr_array_index (tests, i);
      SrTestResult *result = g_ptr_array_index (report->tests, first + i);
      if (config->interrupted && g_atomic_int_get (config->interrupted))
        break;
      if (progress)
        {
          g_print ("[%u/%u] %-44s ", i + 1, tests->len, spec->id);
          fflush (stdout);
        }
      /* on disk before the test runs: if this process is killed (SIGKILL, OOM), the report
       * it leaves marks this test interrupted, not "not run" */
      result->started = TRUE;
      result->start_ns = stbsim_now_ns ();
      written &= write_reports (report);
      run_one (config, report, spec, result);
      guint64 before = 0, after = 0;
      sr_retention_apply (report, result, &before, &after); /* --keep-artifacts */
      report->artifact_bytes_written += before;
      report->artifact_bytes_kept += after;
      if (progress)
        {
          const SrIssue *worst = sr_test_result_worst_issue (result);
          g_print ("%-8s %.1fs%s%s\n",
                   result->finished ? sr_verdict_to_string (result->verdict) : "unfinished",
                   (gdouble)(result->end_ns - result->start_ns) / 1e9,
                   worst && result->verdict > SR_VERDICT_PASS ? "  " : "",
                   worst && result->verdict > SR_VERDICT_PASS ? worst->id : "");
        }
      written &= write_reports (report);
    }
  if (config->interrupted && g_atomic_int_get (config->interrupted))
    report->interrupted = g_strdup ("interrupted by a signal (SIGINT/SIGTERM)");
  report->finished = report->interrupted == NULL;
  written &= write_reports (report);
  if (!written)
    {
      g_printerr ("stbsim: the report could not be written completely: verdict error (exit 3)\n");
      return SR_VERDICT_ERROR;
    }
  return sr_report_verdict (report);
}
