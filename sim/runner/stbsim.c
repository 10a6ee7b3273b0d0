/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim"

/* stbsim: the conformance runner's command line. */

#include <glib-unix.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ims-container.h"
#include "sr-actions.h"
#include "sr-bench.h"
#include "sr-coverage.h"
#include "sr-dut.h"
#include "sr-issues.h"
#include "sr-load.h"
#include "sr-merge.h"
#include "sr-parallel.h"
#include "sr-report.h"
#include "sr-scenario.h"
#include "sr-suite.h"
#include "sr-vocab.h"
#include "stbsim-config.h"

#define SUMMARY                                                                                    \
  "Commands:\n"                                                                                    \
  "  run FILE.scenario     run one scenario (in each layout it applies to)\n"                      \
  "  suite conformance     run the catalogue's test cases (conformance/catalogue.ini)\n"           \
  "                        (-j N: N tests at once; --shard K/N: this machine's part)\n"            \
  "  merge RUN_DIR... -o OUT  merge run directories (shards) into one run and report\n"            \
  "  load [--stbs K ...]   switch latency of K STBs against one loaded IMS core (--help)\n"        \
  "  bench                 run the catalogue's timing cases (or -t) --repeat N times: latency\n"   \
  "                        distributions (p50/p95/p99 per hop) vs --baseline FILE\n"               \
  "  list                  list the catalogue's test cases\n"                                      \
  "  list-actions          print every scenario action with its parameters\n"                      \
  "  list-issues [--json]  print the issue registry: id, level, requirements, summary\n"           \
  "  list-events           print every event a scenario may select (SPEC 12 vocabulary)\n"         \
  "  inspect FILE.scenario parse and validate a scenario, print its actions (exit 4: invalid)\n"   \
  "\n"                                                                                             \
  "Verdicts (TTCN-3 order): none < pass < inconc < fail < error.\n"                                \
  "Exit codes: 0 pass, 1 fail, 2 inconclusive, 3 error/infrastructure (or nothing ran),\n"         \
  "4 usage. Reports: <report-dir>/<run-id>/{junit.xml,results.json,trace.jsonl,report.html,\n"     \
  "logs/} (see reports/README.md)."

typedef struct
{
  gchar *layout;
  gchar **duts;
  gchar *profile;
  gchar *report_dir;
  gchar *ics;
  gchar *filter;
  gchar *catalogue;
  gchar *dialect;
  gchar *mode;
  gchar *ims; /* local (default) or container */
  gboolean no_capture;
  gdouble agent_grace;
  gboolean quiet;
  gint repeat;           /* bench */
  gchar *baseline;       /* bench */
  gchar *save_baseline;  /* bench */
  SrBenchOptions *bench; /* set for the bench command */
  gchar *jobs;           /* -j: N or auto (sr-parallel.h) */
  gchar *shard;          /* --shard K/N */
  gchar *run_dir;        /* --run-dir: this exact run directory (the -j children) */
  gchar *ports;          /* --ports FIRST-LAST (the -j children) */
  gchar **child_args;    /* -j: the command each child runs (the user's options) */
} Options;

static volatile gint interrupted;

static gboolean
on_signal (gpointer data)
{
  g_atomic_int_set (&interrupted, 1);
  g_printerr ("\nstbsim: interrupted, stopping components and writing the report\n");
  return G_SOURCE_CONTINUE;
}

static gchar *
default_build_root (void)
{
  const gchar *env = g_getenv ("STBSIM_BUILD_ROOT");
  if (env)
    return g_strdup (env);
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe && g_str_has_suffix (exe, "/sim/runner/stbsim"))
    {
      exe[strlen (exe) - strlen ("/sim/runner/stbsim")] = '\0';
      return g_steal_pointer (&exe);
    }
  return g_strdup (STBSIM_BUILD_ROOT);
}

static gchar *
default_source_root (void)
{
  const gchar *env = g_getenv ("STBSIM_SOURCE_ROOT");
  return g_strdup (env ? env : STBSIM_SOURCE_ROOT);
}

static gchar *
make_run_id (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *ts = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  return g_strdup_printf ("%s-%04x", ts, g_random_int_range (0, 0x10000));
}

G_GNUC_PRINTF (2, 3)
static int
usage (GOptionContext *ctx, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("stbsim: %s\n", msg);
  if (ctx)
    {
      g_autofree gchar *help = g_option_context_get_help (ctx, TRUE, NULL);
      g_printerr ("%s", help);
    }
  return 4;
}

static gboolean
apply_duts (SrConfig *cfg, gchar **duts, const gchar **role, GError **error)
{
  for (guint i = 0; duts && duts[i]; i++)
    {
      const gchar *eq = strchr (duts[i], '=');
      g_autofree gchar *name = eq ? g_strndup (duts[i], (gsize)(eq - duts[i])) : NULL;
      if (name && g_str_equal (name, "iptv"))
        cfg->dut_iptv = g_strdup (eq + 1);
      else if (name && g_str_equal (name, "voip"))
        cfg->dut_voip = g_strdup (eq + 1);
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--dut %s: expected iptv='COMMAND' or voip='COMMAND'", duts[i]);
          return FALSE;
        }
      *role = name && g_str_equal (name, "iptv") ? "iptv" : "voip";
    }
  return TRUE;
}

/* `--ics FILE` names the DUT's ICS: the roles it declares are launched from its [ixit]
 * templates (sr-dut.h) unless --dut overrides one; its timer values reach the templates. */
static gboolean
apply_ics (SrConfig *cfg, const gchar *ics_path, const gchar **role, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, ics_path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "--ics %s: ", ics_path);
      return FALSE;
    }
  g_autofree gchar *iptv = NULL, *voip = NULL, *voip_inject = NULL;
  if (!sr_dut_from_ics (kf, ics_path, &iptv, &voip, &voip_inject, error))
    return FALSE;
  g_autoptr (GStrvBuilder) roles = g_strv_builder_new ();
  if (iptv && cfg->dut_iptv == NULL)
    {
      cfg->dut_iptv = g_steal_pointer (&iptv);
      g_strv_builder_add (roles, "iptv");
    }
  if ((voip || voip_inject) && cfg->dut_voip == NULL)
    {
      cfg->dut_voip = g_steal_pointer (&voip);
      cfg->dut_voip_inject = g_steal_pointer (&voip_inject);
      g_strv_builder_add (roles, "voip");
    }
  cfg->dut_ics_roles = g_strv_builder_end (roles);
  cfg->dut_ics = g_steal_pointer (&kf);
  gboolean is_iptv = cfg->dut_iptv != NULL, is_voip = cfg->dut_voip || cfg->dut_voip_inject;
  *role = is_iptv && is_voip ? NULL : is_iptv ? "iptv" : is_voip ? "voip" : NULL;
  return TRUE;
}

static gchar *
dut_identity (const gchar *cmd, const gchar *reference)
{
  if (cmd == NULL)
    return g_strdup_printf ("reference module (%s)", reference);
  return g_strdup_printf ("vendor: %s", cmd);
}

static int
run_tests (Options *o, SrConfig *cfg, GPtrArray *tests, const gchar *suite_name, int argc,
           char **argv)
{
  g_autofree gchar *run_id = o->run_dir ? g_path_get_basename (o->run_dir) : make_run_id ();
  cfg->run_dir
      = o->run_dir ? g_strdup (o->run_dir) : g_build_filename (o->report_dir, run_id, NULL);
  g_autoptr (SrReport) report = sr_report_new (run_id, cfg->run_dir);
  g_autoptr (SrTimeline) timeline = sr_timeline_new ();
  report->timeline = timeline;
  report->suite_name = g_strdup (suite_name);
  report->mode = g_strdup (cfg->injection ? "injection" : "sip");
  report->profile = g_strdup (cfg->profile ? cfg->profile : "reference");
  report->dut_iptv = dut_identity (cfg->dut_iptv, "stb-iptv");
  report->dut_voip
      = dut_identity (cfg->dut_voip ? cfg->dut_voip : cfg->dut_voip_inject, "stb-voip");
  report->command_line = g_strjoinv (" ", argv);
  if (o->ics)
    {
      g_autoptr (GError) error = NULL;
      report->ics_path = g_strdup (o->ics);
      report->ics = g_key_file_new ();
      if (!g_key_file_load_from_file (report->ics, o->ics, G_KEY_FILE_NONE, &error))
        return usage (NULL, "--ics: %s", error->message);
    }
  g_autoptr (GPtrArray) expanded = NULL;
  if (o->bench)
    {
      g_autoptr (GError) error = NULL;
      if ((expanded = sr_bench_prepare (o->bench, tests, &error)) == NULL)
        {
          g_printerr ("stbsim: %s\n", error->message);
          return SR_EXIT_ERROR;
        }
      tests = expanded;
    }
  if (tests->len == 0)
    g_printerr ("stbsim: no test selected\n");
  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_print ("stbsim: run %s, %u test(s), mode %s, report in %s\n", run_id, tests->len, report->mode,
           cfg->run_dir);
  guint jobs = 1;
  g_autoptr (GError) jobs_error = NULL;
  if (o->jobs && !sr_parallel_parse_jobs (o->jobs, &jobs, &jobs_error))
    return usage (NULL, "%s", jobs_error->message);
  if (o->jobs && jobs > 0 && !o->quiet)
    {
      g_autofree gchar *why = NULL;
      if (g_str_equal (o->jobs, "auto") || g_str_equal (o->jobs, "0"))
        sr_parallel_default_jobs (&why);
      g_print ("stbsim: -j %u%s%s\n", jobs, why ? ": " : "", why ? why : "");
    }
  if (jobs > 1 && (o->bench || o->child_args == NULL))
    return usage (NULL,
                  "-j %s: only for `suite` (benchmarks run serially: their timings are the "
                  "point; spread them over machines with --shard K/N and stbsim merge)",
                  o->jobs);
  if (o->shard)
    report->extra_json = sr_shard_json (o->shard);
  SrVerdict v = jobs > 1 ? sr_parallel_run (cfg, report, tests, (const gchar *const *)o->child_args,
                                            jobs, o->report_dir, !o->quiet)
                         : sr_suite_run (cfg, report, tests, !o->quiet);
  g_autofree gchar *summary = sr_report_summary (report);
  g_print ("\n%s", summary);
  g_autofree gchar *html = g_build_filename (cfg->run_dir, "report.html", NULL);
  g_print ("report: %s\n", html);
  if (o->bench)
    {
      g_autoptr (JsonNode) shard = g_steal_pointer (&report->extra_json);
      v = sr_bench_finish (o->bench, cfg, report, v);
      if (shard != NULL && !sr_shard_json_add (report, shard))
        v = SR_VERDICT_ERROR;
    }
  return sr_verdict_exit_code (v);
}

static GOptionContext *
make_context (Options *o, const gchar *params)
{
  GOptionEntry entries[] = {
    { "layout", 'l', 0, G_OPTION_ARG_STRING, &o->layout,
      "Only this channel layout: bidirectional or unidirectional", "LAYOUT" },
    { "dut", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &o->duts,
      "Put a vendor module in place of ours: iptv='CMD' or voip='CMD'; placeholders "
      "{socket} {layout} {dialect} {ready_fd} {run_dir} {lineup} {vod_base} {registrar} "
      "{domain} {user} {password} {t_dialog_ms} {t_show_ms} {t_alert_ms} "
      "(conformance/ics/README.md)",
      "ROLE=CMD" },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &o->profile,
      "Timing profile (conformance/profiles/NAME.ini)", "NAME" },
    { "report-dir", 'r', 0, G_OPTION_ARG_FILENAME, &o->report_dir,
      "Where run directories go (default: reports)", "DIR" },
    { "ics", 0, 0, G_OPTION_ARG_FILENAME, &o->ics,
      "The DUT's implementation conformance statement: selects the applicable tests and "
      "launches the roles it declares from its [ixit] command templates",
      "FILE" },
    { "test", 't', 0, G_OPTION_ARG_STRING, &o->filter, "Only tests whose id matches", "REGEX" },
    { "catalogue", 0, 0, G_OPTION_ARG_FILENAME, &o->catalogue,
      "Catalogue (default: conformance/catalogue.ini)", "FILE" },
    { "dialect", 0, 0, G_OPTION_ARG_FILENAME, &o->dialect, "Dialect file (fixtures/dialects/)",
      "FILE" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &o->mode,
      "injection (default: cases that need SIP are left out) or sip (they run against the "
      "run's own Kamailio with sipp far ends; the others still inject)",
      "MODE" },
    { "ims", 0, 0, G_OPTION_ARG_STRING, &o->ims,
      "sip mode: the IMS core runs as a local Kamailio (local, default) or in a podman "
      "container (container; root, sim/ims/container-image.sh)",
      "local|container" },
    { "no-capture", 0, 0, G_OPTION_ARG_NONE, &o->no_capture,
      "No packet capture per test (tests/<id>/capture.pcapng)", NULL },
    { "agent-grace", 0, 0, G_OPTION_ARG_DOUBLE, &o->agent_grace,
      "Seconds a DUT has to send its first agent event (default 3)", "S" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No per-test progress lines", NULL },
    { "repeat", 'n', 0, G_OPTION_ARG_INT, &o->repeat,
      "bench: runs per test (default: the catalogue's repeat=, else 20)", "N" },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &o->baseline,
      "bench: compare with this baseline (fixtures/baselines/)", "FILE" },
    { "save-baseline", 0, 0, G_OPTION_ARG_FILENAME, &o->save_baseline,
      "bench: save the measured distributions as a baseline", "FILE" },
    { "jobs", 'j', 0, G_OPTION_ARG_STRING, &o->jobs,
      "suite: run N tests at once, each in its own child process (auto or 0: min(2 x CPUs - "
      "load average, available memory / 256 MiB, 16)); default 1",
      "N" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &o->shard,
      "Run only shard K of N: the selected tests sorted by id, every N-th from the K-th "
      "(merge the shards' run directories with stbsim merge)",
      "K/N" },
    { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->run_dir,
      "Write the run into this directory instead of <report-dir>/<run-id> (used by -j)", "DIR" },
    { "ports", 0, 0, G_OPTION_ARG_STRING, &o->ports,
      "Give components UDP ports from this range (used by -j: one range per child)", "FIRST-LAST" },
    { NULL },
  };
  GOptionContext *ctx = g_option_context_new (params);
  g_option_context_set_summary (ctx, SUMMARY);
  g_option_context_add_main_entries (ctx, entries, NULL);
  return ctx;
}

/* `stbsim coverage [-v] RUN_DIR...`: exit 0 when every MUST is covered or untestable. */
static int
cmd_coverage (int argc, char **argv)
{
  gboolean verbose = argc > 2 && g_str_equal (argv[2], "-v");
  gint first = verbose ? 3 : 2;
  if (argc <= first)
    return usage (NULL, "%s", "usage: stbsim coverage [-v] RUN_DIR... (reports/<run-id>)");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *root = default_source_root ();
  gint missing = sr_coverage_print (root, (const gchar *const *)argv + first, verbose, &error);
  if (missing < 0)
    {
      g_printerr ("stbsim: %s\n", error->message);
      return 4;
    }
  return missing == 0 ? 0 : 1;
}

/* `stbsim list-issues [--json]`: the issue registry (sr-issues.h). */
static int
cmd_list_issues (int argc, char **argv)
{
  gboolean json = argc == 3 && g_str_equal (argv[2], "--json");
  if (argc > 3 || (argc == 3 && !json))
    return usage (NULL, "%s", "usage: stbsim list-issues [--json]");
  g_autofree gchar *text = sr_issue_types_describe_all (json);
  g_print ("%s", text);
  return 0;
}

static int
cmd_inspect (int argc, char **argv)
{
  if (argc != 3)
    return usage (NULL, "%s", "usage: stbsim inspect FILE.scenario");
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  g_autoptr (SrScenario) sc = sr_scenario_load (argv[2], vars, TRUE, &error);
  if (sc == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 4;
    }
  g_autofree gchar *text = sr_scenario_describe (sc);
  g_print ("%s", text);
  return 0;
}

/* Before anything starts: every selected test's scenario parses and its vocabulary checks. */
static gboolean
validate_scenarios (GPtrArray *tests, GError **error)
{
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < tests->len; i++)
    {
      const SrTestSpec *spec = g_ptr_array_index (tests, i);
      if (spec->scenario == NULL || !g_hash_table_add (seen, spec->scenario))
        continue;
      g_autoptr (SrScenario) sc = sr_scenario_load (spec->scenario, vars, TRUE, error);
      if (sc == NULL)
        return FALSE;
    }
  return TRUE;
}

static gchar *
catalogue_path (Options *o, const SrConfig *cfg)
{
  if (o->catalogue)
    return g_strdup (o->catalogue);
  return g_build_filename (cfg->source_root, "conformance", "catalogue.ini", NULL);
}

static int
cmd_list (Options *o, SrConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = catalogue_path (o, cfg);
  g_autoptr (GPtrArray) entries = sr_catalogue_load (path, &error);
  if (entries == NULL)
    {
      g_printerr ("stbsim: %s\n", error->message);
      return 3;
    }
  g_autoptr (GPtrArray) tests
      = sr_catalogue_select (entries, o->layout, NULL, NULL, FALSE, o->filter, NULL, &error);
  if (tests == NULL)
    return usage (NULL, "-t: %s", error->message);
  for (guint i = 0; i < tests->len; i++)
    {
      const SrTestSpec *s = g_ptr_array_index (tests, i);
      g_autofree gchar *reqs = g_strjoinv (",", s->requirements);
      g_print ("%-44s %-40s %s\n", s->id, reqs, s->scenario);
    }
  return 0;
}

static void
options_clear (Options *o, SrConfig *cfg)
{
  g_free (o->layout);
  g_strfreev (o->duts);
  g_free (o->profile);
  g_free (o->report_dir);
  g_free (o->ics);
  g_free (o->filter);
  g_free (o->catalogue);
  g_free (o->dialect);
  g_free (o->mode);
  g_free (o->ims);
  g_free (cfg->ims_image);
  g_free (o->baseline);
  g_free (o->save_baseline);
  g_free (o->jobs);
  g_free (o->shard);
  g_free (o->run_dir);
  g_free (o->ports);
  g_strfreev (o->child_args);
  g_free (cfg->build_root);
  g_free (cfg->source_root);
  g_free (cfg->run_dir);
  g_free (cfg->dut_iptv);
  g_free (cfg->dut_voip);
  g_free (cfg->dut_voip_inject);
  g_clear_pointer (&cfg->dut_ics, g_key_file_unref);
  g_strfreev (cfg->dut_ics_roles);
}

/* The command a -j child runs: this stbsim, `suite conformance` and the user's options that
 * shape a test (sr_parallel_run() adds -t, --run-dir, --ports). */
static gchar **
child_args (Options *o)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_strv_builder_add_many (b, self ? self : "stbsim", "suite", "conformance", NULL);
  const struct
  {
    const gchar *flag;
    const gchar *value;
  } opts[] = { { "--layout", o->layout },   { "--profile", o->profile },
               { "--ics", o->ics },         { "--catalogue", o->catalogue },
               { "--dialect", o->dialect }, { "--mode", o->mode },
               { "--ims", o->ims } };
  for (guint i = 0; i < G_N_ELEMENTS (opts); i++)
    if (opts[i].value)
      g_strv_builder_add_many (b, opts[i].flag, opts[i].value, NULL);
  for (guint i = 0; o->duts && o->duts[i]; i++)
    g_strv_builder_add_many (b, "--dut", o->duts[i], NULL);
  if (o->no_capture)
    g_strv_builder_add (b, "--no-capture");
  gchar grace[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (grace, sizeof grace, o->agent_grace);
  g_strv_builder_add_many (b, "--agent-grace", grace, NULL);
  return g_strv_builder_end (b);
}

static int
dispatch (const gchar *cmd, Options *o, SrConfig *cfg, GOptionContext *ctx, int argc, char **argv,
          int orig_argc, char **orig_argv)
{
  g_autoptr (GError) error = NULL;
  const gchar *dut_role = NULL;
  if (g_str_equal (cmd, "suite"))
    o->child_args = child_args (o); /* before the defaults below fill in o->ics */
  if (o->ports && !sr_ports_parse (o->ports, cfg, &error))
    return usage (ctx, "%s", error->message);
  if (!apply_duts (cfg, o->duts, &dut_role, &error))
    return usage (ctx, "%s", error->message);
  if (o->ics && !apply_ics (cfg, o->ics, &dut_role, &error))
    return usage (NULL, "%s", error->message);
  if (o->layout && !g_str_equal (o->layout, "bidirectional")
      && !g_str_equal (o->layout, "unidirectional"))
    return usage (ctx, "--layout %s: bidirectional or unidirectional", o->layout);
  if (o->mode && !g_str_equal (o->mode, "injection") && !g_str_equal (o->mode, "sip"))
    return usage (ctx, "--mode %s: injection or sip", o->mode);
  cfg->injection = o->mode == NULL || g_str_equal (o->mode, "injection");
  cfg->no_capture = o->no_capture;
  if (o->ims && !g_str_equal (o->ims, "local") && !g_str_equal (o->ims, "container"))
    return usage (ctx, "--ims %s: local or container", o->ims);
  if (o->ims && g_str_equal (o->ims, "container")
      && (cfg->ims_image = ims_container_ensure_image (&error)) == NULL)
    {
      g_printerr ("stbsim: --ims container: %s\n", error->message);
      return SR_EXIT_ERROR; /* infrastructure: no podman, not root, image build failed */
    }

  if (g_str_equal (cmd, "list"))
    return cmd_list (o, cfg);
  g_autoptr (GPtrArray) tests = NULL;
  const gchar *suite_name;
  if (g_str_equal (cmd, "run"))
    {
      if (argc != 3)
        return usage (ctx, "%s", "run needs exactly one FILE.scenario");
      tests = sr_scenario_tests (argv[2], o->layout, &error);
      suite_name = "run";
    }
  else
    {
      gboolean bench = g_str_equal (cmd, "bench");
      if (bench ? argc != 2 : (argc != 3 || !g_str_equal (argv[2], "conformance")))
        return usage (ctx, "%s",
                      bench ? "usage: stbsim bench [OPTIONS]"
                            : "usage: stbsim suite conformance [OPTIONS]");
      g_autofree gchar *path = catalogue_path (o, cfg);
      if (bench && o->repeat < 0)
        return usage (ctx, "--repeat %d: must be >= 1 (0: the catalogue's repeat=)", o->repeat);
      if (bench)
        {
          o->bench->repeat = (guint)o->repeat;
          o->bench->baseline_path = o->baseline;
          o->bench->save_path = o->save_baseline;
          o->bench->catalogue_path = g_strdup (path);
        }
      if (bench && o->filter == NULL
          && (o->filter = sr_bench_default_filter (path, &error)) == NULL)
        {
          g_printerr ("stbsim: %s\n", error->message);
          return SR_EXIT_ERROR;
        }
      g_autoptr (GPtrArray) entries = NULL;
      g_autoptr (GKeyFile) ics = NULL;
      if (o->catalogue == NULL && !g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_autofree gchar *dir = g_build_filename (cfg->source_root, "scenarios", NULL);
          g_print ("stbsim: %s does not exist yet: running every scenario in %s\n", path, dir);
          entries = sr_catalogue_from_dir (dir, &error);
        }
      else
        entries = sr_catalogue_load (path, &error);
      if (entries == NULL)
        {
          g_printerr ("stbsim: %s\n", error->message);
          return 3;
        }
      if (o->ics == NULL && cfg->dut_iptv == NULL && cfg->dut_voip == NULL)
        {
          /* without a DUT every case runs against our modules' ICS (conformance/README.md) */
          g_autofree gchar *ref
              = g_build_filename (cfg->source_root, "conformance", "ics", "reference.ini", NULL);
          if (g_file_test (ref, G_FILE_TEST_EXISTS))
            o->ics = g_steal_pointer (&ref);
        }
      if (o->ics)
        {
          ics = g_key_file_new ();
          if (!g_key_file_load_from_file (ics, o->ics, G_KEY_FILE_NONE, &error))
            return usage (NULL, "--ics: %s", error->message);
        }
      g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
      tests = sr_catalogue_select (entries, o->layout, ics, dut_role, cfg->injection, o->filter,
                                   skipped, &error);
      for (guint i = 0; skipped && i < skipped->len; i++)
        g_print ("not applicable: %s\n", (const gchar *)g_ptr_array_index (skipped, i));
      suite_name = bench ? "bench" : "conformance";
    }
  if (tests == NULL)
    {
      g_printerr ("stbsim: %s\n", error->message);
      return error->domain == G_REGEX_ERROR || error->domain == SR_SCENARIO_ERROR
                     || error->domain == SR_VOCAB_ERROR
                 ? 4
                 : 3;
    }
  guint shard_k = 0, shard_n = 0;
  if (o->shard && !sr_shard_parse (o->shard, &shard_k, &shard_n, &error))
    return usage (ctx, "%s", error->message);
  if (o->shard)
    sr_shard_select (tests, shard_k, shard_n);
  if (!validate_scenarios (tests, &error))
    {
      g_printerr ("stbsim: %s\n", error->message);
      return 4; /* an invalid scenario is a usage error, never a verdict on the DUT */
    }
  return run_tests (o, cfg, tests, suite_name, orig_argc, orig_argv);
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  SrConfig cfg = { 0 };
  g_autoptr (GError) error = NULL;
  int orig_argc = argc;
  g_autofree gchar **orig_argv = g_memdup2 (argv, sizeof (char *) * (gsize)(argc + 1));

  if (argc >= 2 && g_str_equal (argv[1], "list-issues"))
    return cmd_list_issues (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "coverage"))
    return cmd_coverage (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "merge"))
    return sr_merge_main (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "load"))
    return sr_load_main (argc, argv);
  o.agent_grace = 3.0;
  g_autoptr (GOptionContext) ctx = make_context (&o, "COMMAND [ARGS] - STB switching-protocol "
                                                     "conformance runner");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage (ctx, "%s", error->message);
  if (argc < 2)
    return usage (ctx, "%s", "missing COMMAND");
  const gchar *cmd = argv[1];
  if (g_str_equal (cmd, "list-actions"))
    {
      g_autofree gchar *text = sr_action_types_describe_all ();
      g_print ("%s", text);
      return 0;
    }
  if (g_str_equal (cmd, "list-events"))
    {
      g_autofree gchar *text = sr_vocab_describe_all ();
      g_print ("%s", text);
      return 0;
    }
  if (g_str_equal (cmd, "inspect"))
    return cmd_inspect (argc, argv);
  SrBenchOptions bench = { 0 };
  if (g_str_equal (cmd, "bench"))
    o.bench = &bench;
  if (!g_str_equal (cmd, "run") && !g_str_equal (cmd, "suite") && !g_str_equal (cmd, "list")
      && o.bench == NULL)
    return usage (ctx, "unknown command '%s'", cmd);

  cfg.build_root = default_build_root ();
  cfg.source_root = default_source_root ();
  cfg.profile = o.profile; /* NULL: conformance/profiles/reference.ini */
  cfg.dialect_path = o.dialect;
  cfg.agent_grace_s = o.agent_grace;
  cfg.interrupted = &interrupted;
  if (o.report_dir == NULL)
    o.report_dir = g_strdup ("reports");
  int rc = dispatch (cmd, &o, &cfg, ctx, argc, argv, orig_argc, orig_argv);
  options_clear (&o, &cfg);
  g_free (bench.catalogue_path);
  return rc;
}
