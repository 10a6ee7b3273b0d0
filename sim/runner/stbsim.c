/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim"

/* stbsim: the conformance runner's command line. */

#include <glib-unix.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
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
#include "sr-retention.h"
#include "sr-scenario.h"
#include "sr-suite.h"
#include "sr-vocab.h"
#include "stbsim-config.h"
#include "stbsim-version.h"
#include "stbsim-input.h"

#define TRAILER                                                                                    \
  "Verdicts (TTCN-3 order): none < pass < inconc < fail < error.\n"                                \
  "Exit codes: 0 pass, 1 fail, 2 inconclusive, 3 error/infrastructure (or nothing ran),\n"         \
  "4 usage. Reports: <report-dir>/<run-id>/{junit.xml,results.json,trace.jsonl,report.html,\n"     \
  "logs/} (see reports/README.md)."

/* Which options a command takes (its --help lists exactly these). */
enum
{
  OPT_SELECT = 1 << 0, /* -l -t --catalogue */
  OPT_RUN = 1 << 1,    /* DUT, profile, reports, mode, ... */
  OPT_BENCH = 1 << 2,  /* --repeat --baseline --save-baseline */
  OPT_JSON = 1 << 3,   /* --json */
  OPT_SCALE = 1 << 4,  /* -j --shard --run-dir --ports (suite; bench: --shard) */
};

typedef struct
{
  const gchar *name;
  const gchar *params;  /* after the command name, for the usage line */
  const gchar *summary; /* one line, for `stbsim --help` */
  guint options;
} Command;

static const Command commands[] = {
  { "run", "FILE.scenario", "run one scenario (in each layout it applies to)",
    OPT_SELECT | OPT_RUN },
  { "suite", "conformance",
    "run the catalogue's test cases (conformance/catalogue.ini); -j N: N at once; --shard K/N",
    OPT_SELECT | OPT_RUN | OPT_SCALE },
  { "bench", "", "run the timing cases --repeat N times: p50/p95/p99 per hop vs --baseline FILE",
    OPT_SELECT | OPT_RUN | OPT_BENCH | OPT_SCALE },
  { "merge", "RUN_DIR... -o OUT", "merge run directories (shards) into one run and report", 0 },
  { "load", "[--stbs K ...]", "switch latency of K STBs against one loaded IMS core", 0 },
  { "list", "", "list the catalogue's test cases (-t, -l, --json)", OPT_SELECT | OPT_JSON },
  { "list-actions", "", "print every scenario action with its parameters", 0 },
  { "list-issues", "", "print the issue registry: id, level, requirements, summary", OPT_JSON },
  { "list-events", "", "print every event a scenario may select (SPEC 12 vocabulary)", 0 },
  { "inspect", "FILE.scenario",
    "parse and validate a scenario, print its actions (exit 4: invalid)", 0 },
  { "coverage", "RUN_DIR...", "requirement -> checks -> tests over runs (reports/<run-id>)", 0 },
};

static const Command *
find_command (const gchar *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

static gchar *
global_help (void)
{
  GString *out = g_string_new ("Usage: stbsim COMMAND [ARGS] [OPTIONS] - STB switching-protocol "
                               "conformance runner\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *head = g_strdup_printf ("%s %s", commands[i].name, commands[i].params);
      g_string_append_printf (out, "  %-26s %s\n", head, commands[i].summary);
    }
  g_string_append (out, "\n  stbsim COMMAND --help     the options of one command\n"
                        "  stbsim --version          version and git commit\n\n" TRAILER "\n");
  return g_string_free (out, FALSE);
}

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
  gboolean verbose;
  gboolean json;
  gchar *junit_inconclusive; /* failure (default) | skipped */
  gchar *keep_artifacts;     /* failed (default) | all | none */
  gint keep_runs;            /* -1: keep every run directory */
  gint repeat;               /* bench */
  gchar *baseline;           /* bench */
  gchar *save_baseline;      /* bench */
  gboolean compare_no_fcc;   /* bench */
  SrBenchOptions *bench;     /* set for the bench command */
  gchar *jobs;               /* -j: N or auto (sr-parallel.h) */
  gchar *shard;              /* --shard K/N */
  gchar *run_dir;            /* --run-dir: this exact run directory (the -j children) */
  gchar *ports;              /* --ports FIRST-LAST (the -j children) */
  gchar **child_args;        /* -j: the command each child runs (the user's options) */
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

static const gchar *usage_command; /* for the hint of usage() */

/* A usage error: one line and a hint, exit 4 (never the whole help). */
G_GNUC_PRINTF (1, 2)
static int
usage (const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("stbsim: %s\n", msg);
  if (usage_command)
    g_printerr ("Try 'stbsim %s --help'.\n", usage_command);
  else
    g_printerr ("Try 'stbsim --help'.\n");
  return SR_EXIT_USAGE;
}

/*
 * Console text is ASCII-safe: GLib's messages quote with U+201C/U+201D (file errors, option
 * errors), which g_printerr() turns into '?' when the console charset is not UTF-8 (LC_ALL=C,
 * and always here: stbsim does not call setlocale, so number formats in the reports stay "C").
 * Quotes, dashes and ellipses become their ASCII forms; anything else non-ASCII is
 * transliterated (g_str_to_ascii) unless the console is UTF-8.
 */
static gchar *
console_text (const gchar *text)
{
  static const gchar *const map[][2] = {
    { "\u2018", "'" }, { "\u2019", "'" },  { "\u201c", "\"" },  { "\u201d", "\"" },
    { "\u2013", "-" }, { "\u2014", "--" }, { "\u2026", "..." }, { "\u2192", "->" },
  };
  g_autoptr (GString) out = g_string_new (text);
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    g_string_replace (out, map[i][0], map[i][1], 0);
  const gchar *charset = NULL;
  if (g_get_console_charset (&charset) || !g_utf8_validate (out->str, -1, NULL))
    return g_string_free (g_steal_pointer (&out), FALSE);
  return g_str_to_ascii (out->str, "C");
}

static void
print_stdout (const gchar *text)
{
  g_autofree gchar *t = console_text (text);
  fputs (t, stdout);
  fflush (stdout);
}

static void
print_stderr (const gchar *text)
{
  g_autofree gchar *t = console_text (text);
  fputs (t, stderr);
  fflush (stderr);
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
  if (!stbsim_input_load_keyfile (kf, ics_path, G_KEY_FILE_NONE, error))
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

/* "CASE: reason" lines of sr_catalogue_select() as report entries. */
static void
add_not_applicable (SrReport *report, GPtrArray *skipped)
{
  for (guint i = 0; skipped && i < skipped->len; i++)
    {
      const gchar *line = g_ptr_array_index (skipped, i);
      const gchar *sep = strstr (line, ": ");
      g_autofree gchar *id = sep ? g_strndup (line, (gsize)(sep - line)) : g_strdup (line);
      g_ptr_array_add (report->not_applicable,
                       sr_not_applicable_new (id, sep ? sep + 2 : "not applicable"));
    }
}

static gchar *
quoted_command_line (int argc, char **argv)
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (int i = 0; i < argc; i++)
    {
      g_autofree gchar *q = g_shell_quote (argv[i]);
      /* plain words stay plain: only what the shell would split or expand is quoted */
      gboolean plain = argv[i][0] != '\0'
                       && strspn (argv[i], "abcdefghijklmnopqrstuvwxyz"
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_./=:,+@%")
                              == strlen (argv[i]);
      g_string_append_printf (out, "%s%s", i ? " " : "", plain ? argv[i] : q);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
run_tests (Options *o, SrConfig *cfg, GPtrArray *tests, GPtrArray *skipped, const gchar *suite_name,
           int argc, char **argv)
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
  report->command_line = quoted_command_line (argc, argv);
  report->harness_version = g_strdup (STBSIM_VERSION);
  report->harness_commit = g_strdup (STBSIM_GIT_COMMIT);
  report->host = g_strdup (g_get_host_name ());
  report->source_root = g_strdup (cfg->source_root);
  report->junit_inconc_skipped = g_strcmp0 (o->junit_inconclusive, "skipped") == 0;
  report->keep_artifacts = sr_keep_artifacts_from_string (o->keep_artifacts);
  add_not_applicable (report, skipped);
  if (o->ics)
    {
      g_autoptr (GError) error = NULL;
      report->ics_path = g_strdup (o->ics);
      report->ics = g_key_file_new ();
      if (!stbsim_input_load_keyfile (report->ics, o->ics, G_KEY_FILE_NONE, &error))
        return usage ("--ics: %s", error->message);
    }
  g_autoptr (GPtrArray) expanded = NULL;
  if (o->bench && o->bench->compare_no_fcc && cfg->dut_iptv != NULL)
    return usage (
        "--compare-no-fcc turns off our IPTV module's fast channel change; the IPTV "
        "module here is a vendor's (--dut iptv=... or the ICS), which has no such switch");
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
  if (tests->len == 0 && report->not_applicable->len == 0)
    g_printerr ("stbsim: no test selected\n");
  else if (tests->len == 0)
    g_print ("stbsim: every selected test is not applicable (listed below), nothing to run\n");
  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_print ("stbsim: run %s, %u test(s), %u not applicable, mode %s, report in %s\n", run_id,
           tests->len, report->not_applicable->len, report->mode, cfg->run_dir);
  guint jobs = 1;
  g_autoptr (GError) jobs_error = NULL;
  if (o->jobs && !sr_parallel_parse_jobs (o->jobs, &jobs, &jobs_error))
    return usage ("%s", jobs_error->message);
  if (o->jobs && jobs > 0 && !o->quiet)
    {
      g_autofree gchar *why = NULL;
      if (g_str_equal (o->jobs, "auto") || g_str_equal (o->jobs, "0"))
        sr_parallel_default_jobs (&why);
      g_print ("stbsim: -j %u%s%s\n", jobs, why ? ": " : "", why ? why : "");
    }
  if (jobs > 1 && (o->bench || o->child_args == NULL))
    return usage ("-j %s: only for `suite` (benchmarks run serially: their timings are the "
                  "point; spread them over machines with --shard K/N and stbsim merge)",
                  o->jobs);
  if (o->shard)
    report->extra_json = sr_shard_json (o->shard);
  SrVerdict v = jobs > 1 ? sr_parallel_run (cfg, report, tests, (const gchar *const *)o->child_args,
                                            jobs, o->report_dir, !o->quiet)
                         : sr_suite_run (cfg, report, tests, !o->quiet);
  g_autofree gchar *summary = sr_report_summary_full (report, o->verbose || tests->len == 0);
  g_print ("\n%s", summary);
  g_autofree gchar *html = g_build_filename (cfg->run_dir, "report.html", NULL);
  g_print ("report: %s\n", html);
  int rc = v == SR_VERDICT_NONE ? sr_report_exit_code (report) : sr_verdict_exit_code (v);
  if (o->bench)
    {
      g_autoptr (JsonNode) shard = g_steal_pointer (&report->extra_json);
      v = sr_bench_finish (o->bench, cfg, report, v);
      if (shard != NULL && !sr_shard_json_add (report, shard))
        v = SR_VERDICT_ERROR;
      rc = sr_verdict_exit_code (v);
    }
  if (o->keep_runs > 0)
    {
      g_autoptr (GError) error = NULL;
      gint removed = sr_retention_prune_runs (o->report_dir, (guint)o->keep_runs, run_id, &error);
      if (removed < 0)
        g_printerr ("stbsim: --keep-runs: %s\n", error->message);
      else if (removed > 0)
        g_print ("stbsim: --keep-runs %d: removed %d older run director%s\n", o->keep_runs, removed,
                 removed == 1 ? "y" : "ies");
    }
  return rc;
}

typedef struct
{
  GOptionEntry entry;
  guint mask;
} MaskedEntry;

static GOptionContext *
make_context (Options *o, const Command *cmd)
{
  const MaskedEntry all[] = {
    { { "layout", 'l', 0, G_OPTION_ARG_STRING, &o->layout,
        "Only this channel layout: bidirectional or unidirectional", "LAYOUT" },
      OPT_SELECT },
    { { "test", 't', 0, G_OPTION_ARG_STRING, &o->filter, "Only tests whose id matches", "REGEX" },
      OPT_SELECT },
    { { "catalogue", 0, 0, G_OPTION_ARG_FILENAME, &o->catalogue,
        "Catalogue (default: conformance/catalogue.ini)", "FILE" },
      OPT_SELECT },
    { { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Machine-readable output (JSON)", NULL },
      OPT_JSON },
    { { "dut", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &o->duts,
        "Put a vendor module in place of ours: iptv='CMD' or voip='CMD'; placeholders "
        "{socket} {layout} {dialect} {ready_fd} {run_dir} {lineup} {vod_base} {registrar} "
        "{domain} {user} {password} {t_dialog_ms} {t_show_ms} {t_alert_ms} {display} "
        "(conformance/ics/README.md)",
        "ROLE=CMD" },
      OPT_RUN },
    { { "profile", 'p', 0, G_OPTION_ARG_STRING, &o->profile,
        "Timing profile (conformance/profiles/NAME.ini)", "NAME" },
      OPT_RUN },
    { { "report-dir", 'r', 0, G_OPTION_ARG_FILENAME, &o->report_dir,
        "Where run directories go (default: reports)", "DIR" },
      OPT_RUN },
    { { "ics", 0, 0, G_OPTION_ARG_FILENAME, &o->ics,
        "The DUT's implementation conformance statement: selects the applicable tests and "
        "launches the roles it declares from its [ixit] command templates",
        "FILE" },
      OPT_RUN },
    { { "dialect", 0, 0, G_OPTION_ARG_FILENAME, &o->dialect, "Dialect file (fixtures/dialects/)",
        "FILE" },
      OPT_RUN },
    { { "mode", 'm', 0, G_OPTION_ARG_STRING, &o->mode,
        "injection (default: cases that need SIP are not applicable) or sip (they run against "
        "the run's own Kamailio with sipp far ends; the others still inject)",
        "MODE" },
      OPT_RUN },
    { { "ims", 0, 0, G_OPTION_ARG_STRING, &o->ims,
        "sip mode: the IMS core runs as a local Kamailio (local, default) or in a podman "
        "container (container; root, sim/ims/container-image.sh)",
        "local|container" },
      OPT_RUN },
    { { "no-capture", 0, 0, G_OPTION_ARG_NONE, &o->no_capture,
        "No packet capture per test (tests/<id>/capture.pcapng)", NULL },
      OPT_RUN },
    { { "agent-grace", 0, 0, G_OPTION_ARG_DOUBLE, &o->agent_grace,
        "Seconds a DUT has to send its first agent event (default 3)", "S" },
      OPT_RUN },
    { { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No per-test progress lines", NULL },
      OPT_RUN },
    { { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose,
        "The summary lists every test (default: only those that did not pass, and counts)", NULL },
      OPT_RUN },
    { { "junit-inconclusive", 0, 0, G_OPTION_ARG_STRING, &o->junit_inconclusive,
        "How junit.xml shows an inconclusive test: failure (default: a JUnit-only gate "
        "cannot go green on it) or skipped",
        "failure|skipped" },
      OPT_RUN },
    { { "keep-artifacts", 0, 0, G_OPTION_ARG_STRING, &o->keep_artifacts,
        "Heavy artifacts (process logs, captures): failed (default: kept for tests that did "
        "not pass, gzip-compressed for passes), all, or none (removed for passes)",
        "failed|all|none" },
      OPT_RUN },
    { { "keep-runs", 0, 0, G_OPTION_ARG_INT, &o->keep_runs,
        "After the run, remove all but the newest N run directories of --report-dir", "N" },
      OPT_RUN },
    { { "jobs", 'j', 0, G_OPTION_ARG_STRING, &o->jobs,
        "Run N tests at once, each in its own child process (auto or 0: min(3 x the CPUs idle "
        "now, available memory / 256 MiB, 16)); default 1 (suite only)",
        "N" },
      OPT_SCALE },
    { { "shard", 0, 0, G_OPTION_ARG_STRING, &o->shard,
        "Run only shard K of N: the selected tests sorted by id, every N-th from the K-th "
        "(merge the shards' run directories with stbsim merge)",
        "K/N" },
      OPT_SCALE },
    { { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->run_dir,
        "Write the run into this directory instead of <report-dir>/<run-id> (used by -j)", "DIR" },
      OPT_SCALE },
    { { "ports", 0, 0, G_OPTION_ARG_STRING, &o->ports,
        "Give components UDP ports from this range (used by -j: one range per child)",
        "FIRST-LAST" },
      OPT_SCALE },
    { { "repeat", 'n', 0, G_OPTION_ARG_INT, &o->repeat,
        "Runs per test (default: the catalogue's repeat=, else 20)", "N" },
      OPT_BENCH },
    { { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &o->baseline,
        "Compare with this baseline (fixtures/baselines/)", "FILE" },
      OPT_BENCH },
    { { "save-baseline", 0, 0, G_OPTION_ARG_FILENAME, &o->save_baseline,
        "Save the measured distributions as a baseline (with this machine's identity)", "FILE" },
      OPT_BENCH },
    { { "compare-no-fcc", 0, 0, G_OPTION_ARG_NONE, &o->compare_no_fcc,
        "Also run the cases that measure a live first frame with our IPTV module's fast channel "
        "change off, interleaved, and show both (ids SW-TIME-xx/no-fcc)",
        NULL },
      OPT_BENCH },
  };
  g_autoptr (GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (all[i].mask & cmd->options)
      g_array_append_val (entries, all[i].entry);
  g_autofree gchar *params = g_strdup_printf ("%s%s%s - %s", cmd->name, *cmd->params ? " " : "",
                                              cmd->params, cmd->summary);
  GOptionContext *ctx = g_option_context_new (params);
  g_option_context_set_summary (ctx, TRAILER);
  g_option_context_add_main_entries (ctx, (const GOptionEntry *)entries->data, NULL);
  return ctx;
}

/* `stbsim coverage [-v] RUN_DIR...`: exit 0 when every MUST is covered or untestable. */
static int
cmd_coverage (int argc, char **argv)
{
  gboolean verbose = argc > 2 && g_str_equal (argv[2], "-v");
  gint first = verbose ? 3 : 2;
  if (argc <= first)
    return usage ("%s", "coverage needs at least one RUN_DIR (reports/<run-id>)");
  for (gint i = first; i < argc; i++)
    if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
      return usage ("%s: no such run directory", argv[i]);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *root = default_source_root ();
  gint missing = sr_coverage_print (root, (const gchar *const *)argv + first, verbose, &error);
  if (missing < 0)
    {
      g_printerr ("stbsim: %s\n", error->message);
      return SR_EXIT_USAGE;
    }
  return missing == 0 ? 0 : 1;
}

static int
cmd_inspect (int argc, char **argv)
{
  if (argc != 3)
    return usage ("%s", "inspect needs exactly one FILE.scenario");
  if (!g_file_test (argv[2], G_FILE_TEST_EXISTS))
    return usage ("%s: no such scenario file", argv[2]);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) vars = sr_builtin_placeholders ();
  g_autoptr (SrScenario) sc = sr_scenario_load (argv[2], vars, TRUE, &error);
  if (sc == NULL)
    {
      g_printerr ("%s\n", error->message);
      return SR_EXIT_USAGE;
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

static void
list_json (GPtrArray *tests)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < tests->len; i++)
    {
      const SrTestSpec *s = g_ptr_array_index (tests, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, s->id);
      json_builder_set_member_name (b, "case");
      json_builder_add_string_value (b, s->case_id);
      json_builder_set_member_name (b, "layout");
      json_builder_add_string_value (b, s->layout);
      json_builder_set_member_name (b, "requirements");
      json_builder_begin_array (b);
      for (guint k = 0; s->requirements && s->requirements[k]; k++)
        json_builder_add_string_value (b, s->requirements[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "scenario");
      json_builder_add_string_value (b, s->scenario);
      json_builder_set_member_name (b, "needs_sip");
      json_builder_add_boolean_value (b, s->needs_sip);
      json_builder_set_member_name (b, "summary");
      if (s->summary)
        json_builder_add_string_value (b, s->summary);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree gchar *text = json_to_string (root, TRUE);
  g_print ("%s\n", text);
}

static int
cmd_list (Options *o, SrConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = catalogue_path (o, cfg);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return usage ("--catalogue %s: no such file", path);
  g_autoptr (GPtrArray) entries = sr_catalogue_load (path, &error);
  if (entries == NULL)
    {
      g_printerr ("stbsim: %s\n", error->message);
      return SR_EXIT_USAGE; /* the file exists but is not a catalogue */
    }
  g_autoptr (GPtrArray) tests
      = sr_catalogue_select (entries, o->layout, NULL, NULL, FALSE, o->filter, NULL, &error);
  if (tests == NULL)
    return usage ("-t: %s", error->message);
  if (o->json)
    {
      list_json (tests);
      return 0;
    }
  g_print ("%-44s %-9s %-40s %s\n", "TEST", "SIP", "REQUIREMENTS", "SCENARIO");
  for (guint i = 0; i < tests->len; i++)
    {
      const SrTestSpec *s = g_ptr_array_index (tests, i);
      g_autofree gchar *reqs = g_strjoinv (",", s->requirements);
      g_autofree gchar *rel = g_str_has_prefix (s->scenario, cfg->source_root)
                                  ? g_strdup (s->scenario + strlen (cfg->source_root)
                                              + (s->scenario[strlen (cfg->source_root)] == '/'))
                                  : g_strdup (s->scenario);
      g_print ("%-44s %-9s %-40s %s\n", s->id, s->needs_sip ? "needs-sip" : "-", reqs, rel);
    }
  g_print ("%u test(s)\n", tests->len);
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
  g_free (o->junit_inconclusive);
  g_free (o->jobs);
  g_free (o->shard);
  g_free (o->run_dir);
  g_free (o->ports);
  g_strfreev (o->child_args);
  g_free (o->keep_artifacts);
  g_free (cfg->ims_image);
  g_free (o->baseline);
  g_free (o->save_baseline);
  g_free (cfg->build_root);
  g_free (cfg->source_root);
  g_free (cfg->run_dir);
  g_free (cfg->dut_iptv);
  g_free (cfg->dut_voip);
  g_free (cfg->dut_voip_inject);
  g_clear_pointer (&cfg->dut_ics, g_key_file_unref);
  g_strfreev (cfg->dut_ics_roles);
}

/* Every value an option takes from a fixed set, and files that must exist: usage errors. */
static int
check_options (Options *o)
{
  const struct
  {
    const gchar *option, *value, *allowed;
  } sets[] = {
    { "--layout", o->layout, "bidirectional|unidirectional" },
    { "--mode", o->mode, "injection|sip" },
    { "--ims", o->ims, "local|container" },
    { "--junit-inconclusive", o->junit_inconclusive, "failure|skipped" },
    { "--keep-artifacts", o->keep_artifacts, "failed|all|none" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      if (sets[i].value == NULL)
        continue;
      g_auto (GStrv) allowed = g_strsplit (sets[i].allowed, "|", -1);
      if (!g_strv_contains ((const gchar *const *)allowed, sets[i].value))
        return usage ("%s %s: expected one of %s", sets[i].option, sets[i].value, sets[i].allowed);
    }
  const struct
  {
    const gchar *option, *path;
  } files[] = { { "--ics", o->ics },
                { "--catalogue", o->catalogue },
                { "--dialect", o->dialect },
                { "--baseline", o->baseline } };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (files[i].path && !g_file_test (files[i].path, G_FILE_TEST_IS_REGULAR))
      return usage ("%s %s: %s", files[i].option, files[i].path,
                    g_file_test (files[i].path, G_FILE_TEST_EXISTS) ? "not a regular file"
                                                                    : "no such file");
  if (o->keep_runs < -1 || o->keep_runs == 0)
    return usage ("--keep-runs %d: must be >= 1", o->keep_runs);
  return 0;
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
  } opts[] = { { "--layout", o->layout },
               { "--profile", o->profile },
               { "--ics", o->ics },
               { "--catalogue", o->catalogue },
               { "--dialect", o->dialect },
               { "--mode", o->mode },
               { "--ims", o->ims },
               { "--keep-artifacts", o->keep_artifacts },
               { "--junit-inconclusive", o->junit_inconclusive } };
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
dispatch (const gchar *cmd, Options *o, SrConfig *cfg, int argc, char **argv, int orig_argc,
          char **orig_argv)
{
  g_autoptr (GError) error = NULL;
  const gchar *dut_role = NULL;
  int rc = check_options (o);
  if (rc != 0)
    return rc;
  if (g_str_equal (cmd, "suite"))
    o->child_args = child_args (o); /* before the defaults below fill in o->ics */
  if (o->ports && !sr_ports_parse (o->ports, cfg, &error))
    return usage ("%s", error->message);
  if (!apply_duts (cfg, o->duts, &dut_role, &error))
    return usage ("%s", error->message);
  if (o->ics && !apply_ics (cfg, o->ics, &dut_role, &error))
    return usage ("%s", error->message);
  cfg->injection = o->mode == NULL || g_str_equal (o->mode, "injection");
  cfg->no_capture = o->no_capture;
  if (g_str_equal (cmd, "list"))
    return cmd_list (o, cfg);
  if (o->ims && g_str_equal (o->ims, "container")
      && (cfg->ims_image = ims_container_ensure_image (&error)) == NULL)
    {
      g_printerr ("stbsim: --ims container: %s\n", error->message);
      return SR_EXIT_ERROR; /* infrastructure: no podman, not root, image build failed */
    }

  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  const gchar *suite_name;
  if (g_str_equal (cmd, "run"))
    {
      if (argc != 3)
        return usage ("%s", "run needs exactly one FILE.scenario");
      if (!g_file_test (argv[2], G_FILE_TEST_EXISTS))
        return usage ("%s: no such scenario file", argv[2]);
      tests = sr_scenario_tests (argv[2], o->layout, &error);
      suite_name = "run";
    }
  else
    {
      gboolean bench = g_str_equal (cmd, "bench");
      if (bench ? argc != 2 : (argc != 3 || !g_str_equal (argv[2], "conformance")))
        return usage ("%s", bench ? "bench takes no arguments besides options"
                                  : "suite needs the suite name: stbsim suite conformance");
      g_autofree gchar *path = catalogue_path (o, cfg);
      if (bench && o->repeat < 0)
        return usage ("--repeat %d: must be >= 1 (0: the catalogue's repeat=)", o->repeat);
      if (bench)
        {
          o->bench->repeat = (guint)o->repeat;
          o->bench->baseline_path = o->baseline;
          o->bench->save_path = o->save_baseline;
          o->bench->catalogue_path = g_strdup (path);
          o->bench->compare_no_fcc = o->compare_no_fcc;
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
          return SR_EXIT_USAGE; /* the catalogue given does not load: the command is wrong */
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
          if (!stbsim_input_load_keyfile (ics, o->ics, G_KEY_FILE_NONE, &error))
            return usage ("--ics: %s", error->message);
        }
      tests = sr_catalogue_select (entries, o->layout, ics, dut_role, cfg->injection, o->filter,
                                   skipped, &error);
      for (guint i = 0; tests && i < skipped->len; i++)
        g_print ("not applicable: %s\n", (const gchar *)g_ptr_array_index (skipped, i));
      suite_name = bench ? "bench" : "conformance";
    }
  if (tests == NULL)
    {
      if (error->domain == G_REGEX_ERROR)
        return usage ("-t: %s", error->message);
      g_printerr ("stbsim: %s\n", error->message);
      return error->domain == SR_SCENARIO_ERROR || error->domain == SR_VOCAB_ERROR
                     || error->domain == G_FILE_ERROR
                 ? SR_EXIT_USAGE
                 : SR_EXIT_ERROR;
    }
  guint shard_k = 0, shard_n = 0;
  if (o->shard && !sr_shard_parse (o->shard, &shard_k, &shard_n, &error))
    return usage ("%s", error->message);
  if (o->shard)
    sr_shard_select (tests, shard_k, shard_n);
  if (!validate_scenarios (tests, &error))
    {
      g_printerr ("stbsim: %s\n", error->message);
      return SR_EXIT_USAGE; /* an invalid scenario is a usage error, never a verdict on the DUT */
    }
  return run_tests (o, cfg, tests, skipped, suite_name, orig_argc, orig_argv);
}

/* The command: argv[1], or the first known command name after leading options. */
static const Command *
command_of (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (argv[i][0] != '-')
        return find_command (argv[i]);
    }
  return NULL;
}

static int
run_command (const Command *command, int argc, char **argv)
{
  Options o = { .agent_grace = 3.0, .keep_runs = -1 };
  SrConfig cfg = { 0 };
  g_autoptr (GError) error = NULL;
  int orig_argc = argc;
  g_autofree gchar **orig_argv = g_memdup2 (argv, sizeof (char *) * (gsize)(argc + 1));
  const gchar *cmd = command->name;

  g_autoptr (GOptionContext) ctx = make_context (&o, command);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage ("%s", error->message);
  if (g_str_equal (cmd, "list-actions") || g_str_equal (cmd, "list-events")
      || g_str_equal (cmd, "list-issues"))
    {
      if (argc != 2)
        return usage ("%s takes no arguments", cmd);
      g_autofree gchar *text = g_str_equal (cmd, "list-actions") ? sr_action_types_describe_all ()
                               : g_str_equal (cmd, "list-events")
                                   ? sr_vocab_describe_all ()
                                   : sr_issue_types_describe_all (o.json);
      g_print ("%s", text);
      return 0;
    }
  if (g_str_equal (cmd, "inspect"))
    return cmd_inspect (argc, argv);
  SrBenchOptions bench = { 0 };
  if (g_str_equal (cmd, "bench"))
    o.bench = &bench;

  cfg.build_root = default_build_root ();
  cfg.source_root = default_source_root ();
  cfg.profile = o.profile; /* NULL: conformance/profiles/reference.ini */
  cfg.dialect_path = o.dialect;
  cfg.agent_grace_s = o.agent_grace;
  cfg.interrupted = &interrupted;
  if (o.report_dir == NULL)
    o.report_dir = g_strdup ("reports");
  int rc = dispatch (cmd, &o, &cfg, argc, argv, orig_argc, orig_argv);
  options_clear (&o, &cfg);
  g_free (bench.catalogue_path);
  return rc;
}

int
main (int argc, char **argv)
{
  g_set_print_handler (print_stdout);
  g_set_printerr_handler (print_stderr);
  g_set_prgname ("stbsim");
  if (argc >= 2 && (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "-V")))
    {
      g_print ("stbsim %s (commit %s)\n", STBSIM_VERSION, STBSIM_GIT_COMMIT);
      return 0;
    }
  if (argc >= 2
      && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
          || g_str_equal (argv[1], "help")))
    {
      const Command *topic = argc >= 3 ? find_command (argv[2]) : NULL;
      if (topic != NULL) /* `stbsim help run` = `stbsim run --help` */
        {
          char *help_argv[] = { argv[0], (char *)topic->name, (char *)"--help", NULL };
          return run_command (topic, 3, help_argv);
        }
      g_autofree gchar *help = global_help ();
      g_print ("%s", help);
      return 0;
    }
  if (argc < 2)
    return usage ("%s", "missing COMMAND");
  const Command *command = command_of (argc, argv);
  if (command == NULL)
    {
      for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
          return usage ("unknown command '%s'", argv[i]);
      return usage ("missing COMMAND (options come after it: stbsim COMMAND [OPTIONS])");
    }
  usage_command = command->name;
  if (g_str_equal (command->name, "merge"))
    return sr_merge_main (argc, argv);
  if (g_str_equal (command->name, "load"))
    return sr_load_main (argc, argv, STBSIM_GIT_COMMIT);
  if (g_str_equal (command->name, "coverage"))
    {
      for (int i = 2; i < argc; i++)
        if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
          {
            g_print ("Usage:\n  stbsim coverage [-v] RUN_DIR... - %s\n\n"
                     "  -v    every requirement with its checks and tests\n",
                     command->summary);
            return 0;
          }
      return cmd_coverage (argc, argv);
    }
  return run_command (command, argc, argv);
}
