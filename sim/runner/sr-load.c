/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-load"

#include "sr-load.h"
#include "sr-load-private.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sr-component.h"
#include "sr-ports.h"
#include "sr-report.h"
#include "sr-stats.h"
#include "stbsim-config.h"
#include "stbsim-proc.h"

#define REGISTER_TIMEOUT_S 30.0
#define MAX_STBS 1000 /* bounds: processes, sockets, memory */
#define MAX_MEDIA 64  /* one live channel of the head-end per media STB */
#define MAX_SUBSCRIBERS 100000
#define MAX_RATE 1000.0 /* background calls/s */
#define MAX_CYCLES 1000

/* ---- small helpers ------------------------------------------------------------------------- */

/* Start @argv (consumed) as component @name, logging to logs/<name>.log; with @ready, wait
 * for its READY line (sr_component_ready_value). sipp gets no --ready-fd. */
SrComponent *
sr_load_spawn (Load *l, const gchar *name, GPtrArray *argv, gboolean ready, GError **error)
{
  g_autofree gchar *log = g_strdup_printf ("%s/%s.log", l->logs, name);
  g_ptr_array_add (argv, NULL);
  g_autoptr (SrComponent) comp
      = sr_component_new (name, (gchar **)g_ptr_array_steal (argv, NULL), log, ready);
  if (g_str_has_suffix (comp->argv[0], "stbsim-ims"))
    comp->death_signal = SIGTERM; /* it stops Kamailio's workers */
  if (!sr_component_start (comp, ready, READY_TIMEOUT_MS, error))
    return NULL;
  return g_steal_pointer (&comp);
}

/* sipp with the common arguments: scenario @xml of sim/ims/sipp, the core, @port (0: a
 * fresh one). */
GPtrArray *
sr_load_sipp_argv (Load *l, const gchar *xml, gboolean to_core, guint port)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  sr_load_arg (a, "sipp");
  sr_load_arg (a, "-sf");
  g_ptr_array_add (a, g_build_filename (l->sipp_dir, xml, NULL));
  if (to_core)
    sr_load_arg (a, l->ims_addr);
  sr_load_arg (a, "-i");
  sr_load_arg (a, "127.0.0.1");
  sr_load_arg (a, "-p");
  sr_load_argf (a, "%u", port ? port : sr_ports_pick (NULL));
  sr_load_arg (a, "-key");
  sr_load_arg (a, "domain");
  sr_load_arg (a, "ims.test");
  sr_load_arg (a, "-nostdin");
  return a;
}

/* sipp's statistics every 5 s to logs/<name>.csv. */
static void
add_trace_stat (Load *l, GPtrArray *a, const gchar *name)
{
  sr_load_arg (a, "-trace_stat");
  sr_load_arg (a, "-fd");
  sr_load_arg (a, "5");
  sr_load_arg (a, "-stf");
  g_ptr_array_add (a, g_strdup_printf ("%s/%s.csv", l->logs, name));
}

/* The fields of /proc/@pid/stat after "pid (comm) ": state(0) ppid(1) ... utime(11)
 * stime(12); NULL if the process is gone. */
static gchar **
proc_stat (const gchar *pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  const gchar *p = strrchr (text, ')');
  g_auto (GStrv) f = p && p[1] == ' ' ? g_strsplit (p + 2, " ", 16) : NULL;
  return f && g_strv_length (f) >= 14 ? g_steal_pointer (&f) : NULL;
}

/* utime+stime (clock ticks), 0 if gone. */
static guint64
proc_ticks (GPid pid)
{
  if (pid <= 0)
    return 0;
  g_autofree gchar *id = g_strdup_printf ("%d", (int)pid);
  g_auto (GStrv) f = proc_stat (id);
  return f ? g_ascii_strtoull (f[11], NULL, 10) + g_ascii_strtoull (f[12], NULL, 10) : 0;
}

static GPid
proc_ppid (const gchar *pid)
{
  g_auto (GStrv) f = proc_stat (pid);
  return f ? (GPid)g_ascii_strtoll (f[1], NULL, 10) : 0;
}

/* CPU ticks of @pid and its direct children (Kamailio's workers). */
static guint64
tree_ticks (GPid pid)
{
  guint64 t = proc_ticks (pid);
  g_autoptr (GDir) d = g_dir_open ("/proc", 0, NULL);
  const gchar *name;
  while (pid > 0 && d && (name = g_dir_read_name (d)) != NULL)
    if (g_ascii_isdigit (name[0]) && proc_ppid (name) == pid)
      t += proc_ticks ((GPid)g_ascii_strtoll (name, NULL, 10));
  return t;
}

/* Proportional set size (KiB) of @pid, 0 if unknown. */
static guint64
proc_pss_kib (GPid pid)
{
  if (pid <= 0)
    return 0;
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/smaps_rollup", (int)pid);
  g_autofree gchar *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  const gchar *p = strstr (text, "\nPss:");
  return p ? g_ascii_strtoull (p + 5, NULL, 10) : 0;
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterate the main loop until @comp exits or @timeout_s passes. */
static gboolean
wait_exit (SrComponent *comp, gdouble timeout_s, gint *status)
{
  gint64 end = g_get_monotonic_time () + (gint64)(timeout_s * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, on_tick, NULL);
  gboolean done = FALSE;
  while (!(done = stbsim_proc_poll_exit (comp->proc, status)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return done;
}

static guint64
stb_ticks (Stb *s)
{
  return proc_ticks (sr_component_pid (s->server)) + proc_ticks (sr_component_pid (s->iptv))
         + proc_ticks (sr_component_pid (s->voip));
}

static guint64
stb_pss_kib (Stb *s)
{
  return proc_pss_kib (sr_component_pid (s->server)) + proc_pss_kib (sr_component_pid (s->iptv))
         + proc_pss_kib (sr_component_pid (s->voip));
}

/* ---- the IMS core, the head-end and the background ------------------------------------------ */

static gboolean
write_subscribers (Load *l, GError **error)
{
  g_autoptr (GString) csv = g_string_new ("user,password,display\n");
  g_autoptr (GString) inf = g_string_new ("SEQUENTIAL\n");
  for (guint i = 1; i <= l->stbs; i++)
    g_string_append_printf (csv, "stb%u,stb%u-secret,\ncaller%u,caller%u-secret,\n", i, i, i, i);
  g_string_append (csv, "bga,bga-secret,\nbgr,bgr-secret,\nbgc,bgc-secret,\n");
  for (guint i = 1; i <= l->subscribers; i++)
    {
      g_string_append_printf (csv, "bg%u,bg%u-secret,\n", i, i);
      g_string_append_printf (inf, "bg%u;[authentication username=bg%u password=bg%u-secret]\n", i,
                              i, i);
    }
  g_autofree gchar *p1 = g_build_filename (l->run_dir, "subscribers.csv", NULL);
  g_autofree gchar *p2 = g_build_filename (l->run_dir, "population.csv", NULL);
  return g_file_set_contents (p1, csv->str, -1, error)
         && g_file_set_contents (p2, inf->str, -1, error);
}

static gboolean
start_ims (Load *l, GError **error)
{
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, sr_load_build_path (l, "sim/ims/stbsim-ims"));
  sr_load_arg (a, "--run-dir");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "ims", NULL));
  sr_load_arg (a, "--subscribers");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "subscribers.csv", NULL));
  sr_load_arg (a, "--children");
  sr_load_argf (a, "%u", l->children);
  if ((l->ims = sr_load_spawn (l, "ims", a, TRUE, error)) == NULL)
    return FALSE;
  l->ims_addr = sr_component_ready_value (l->ims, "sip");
  g_autofree gchar *pid = sr_component_ready_value (l->ims, "pid");
  l->kamailio_pid = pid ? (GPid)g_ascii_strtoll (pid, NULL, 10) : 0;
  if (l->ims_addr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stbsim-ims READY without sip=: %s",
                   l->ims->ready_line);
      return FALSE;
    }
  return TRUE;
}

/* The head-end of the media STBs: one live channel per media STB (loopback unicast reaches
 * one receiver per port), copies of fixtures/lineup.ini's channel 1; its VOD assets too. */
static gboolean
start_headend (Load *l, GError **error)
{
  g_autoptr (GString) ini = g_string_new ("# stbsim load: one live channel per media STB\n");
  for (guint i = 1; i <= l->media; i++)
    g_string_append_printf (ini,
                            "[channel %u]\nname=STB %u\npattern=smpte\ngop_ms=1000\n"
                            "group=239.255.1.%u\nport=%u\n\n",
                            i, i, i, 5000 + 2 * i);
  g_string_append (ini, "[vod trailer]\ntitle=Trailer\nduration_ms=30000\npattern=circular\n"
                        "gop_ms=1000\n");
  g_autofree gchar *path = g_build_filename (l->run_dir, "lineup.ini", NULL);
  if (!g_file_set_contents (path, ini->str, -1, error))
    return FALSE;
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, sr_load_build_path (l, "sim/headend/stb-headend"));
  const gchar *more[]
      = { "--lineup", path,        "--unicast", "--live-port-base", "0", "--rtsp-port",
          "0",        "--run-dir", NULL };
  sr_load_args (a, more);
  g_ptr_array_add (a, g_build_filename (l->run_dir, "headend", NULL));
  if ((l->headend = sr_load_spawn (l, "headend", a, TRUE, error)) == NULL)
    return FALSE;
  l->lineup = sr_component_ready_value (l->headend, "lineup");
  l->vod = sr_component_ready_value (l->headend, "rtsp");
  if (l->lineup == NULL || l->vod == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "stb-headend READY without lineup= or rtsp=: %s", l->headend->ready_line);
      return FALSE;
    }
  return TRUE;
}

/* A sipp UAS registered as @user on its own port, answering (uas-answer) or refusing (busy);
 */
static SrComponent *
start_uas (Load *l, const gchar *user, const gchar *xml, GError **error)
{
  guint port = sr_ports_pick (NULL);
  g_autoptr (GPtrArray) reg = sr_load_sipp_argv (l, "register.xml", TRUE, port);
  const gchar *more[] = { "-m",   "1",       "-timeout", "20s",  "-timeout_error",
                          "-key", "expires", "3600",     "-key", "user",
                          user,   "-au",     user,       "-ap",  NULL };
  sr_load_args (reg, more);
  sr_load_argf (reg, "%s-secret", user);
  g_autofree gchar *rname = g_strdup_printf ("register-%s", user);
  g_autoptr (SrComponent) r = sr_load_spawn (l, rname, reg, FALSE, error);
  gint status = 0;
  if (r == NULL)
    return NULL;
  if (!wait_exit (r, 25.0, &status) || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "registering %s failed (logs/%s.log)",
                   user, rname);
      return NULL;
    }
  g_autoptr (GPtrArray) uas = sr_load_sipp_argv (l, xml, FALSE, port);
  const gchar *umore[] = { "-m",      "100000", "-key", "user",    user,  "-set",
                           "ring_ms", "300",    "-set", "hold_ms", "500", NULL };
  sr_load_args (uas, umore);
  g_autofree gchar *uname = g_strdup_printf ("uas-%s", user);
  return sr_load_spawn (l, uname, uas, FALSE, error);
}

static SrComponent *
start_population (Load *l, GError **error)
{
  g_autoptr (GPtrArray) a = sr_load_sipp_argv (l, "load-register.xml", TRUE, 0);
  sr_load_arg (a, "-inf");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "population.csv", NULL));
  sr_load_arg (a, "-m");
  sr_load_argf (a, "%u", l->subscribers);
  sr_load_arg (a, "-l");
  sr_load_argf (a, "%u", l->subscribers);
  sr_load_arg (a, "-r");
  sr_load_argf (a, "%u", MIN (l->subscribers, 200u)); /* registrations per second at the start */
  const gchar *more[]
      = { "-key", "expires", "300", "-set", "refresh_ms", "120000", "-max_socket", "64", NULL };
  sr_load_args (a, more);
  add_trace_stat (l, a, "population");
  return sr_load_spawn (l, "population", a, FALSE, error);
}

/* The background calls of one step: @rate calls/s split by the mix. */
static gboolean
start_generators (Load *l, gdouble rate, gdouble seconds, GError **error)
{
  static const struct
  {
    const gchar *xml;
    const gchar *callee;
    const gchar *name;
  } kinds[3] = { { "uac-call.xml", "bga", "bg-answer" },
                 { "uac-call.xml", "bgr", "bg-reject" },
                 { "uac-cancel.xml", "bga", "bg-cancel" } };
  for (guint k = 0; k < 3; k++)
    {
      gdouble r = rate * l->mix[k];
      if (r <= 0)
        continue;
      guint calls = MAX (1, (guint)(r * seconds));
      g_autoptr (GPtrArray) a = sr_load_sipp_argv (l, kinds[k].xml, TRUE, 0);
      sr_load_arg (a, "-r");
      sr_load_argf (a, "%u", MAX (1, (guint)(r * 10 + 0.5))); /* per 10 s: fractional rates */
      sr_load_arg (a, "-rp");
      sr_load_arg (a, "10000");
      sr_load_arg (a, "-m");
      sr_load_argf (a, "%u", calls);
      sr_load_arg (a, "-l");
      sr_load_argf (a, "%u", MAX (10u, (guint)(r * 5)));
      const gchar *more[] = { "-key",       "user", "bgc",       "-au",           "bgc",  "-ap",
                              "bgc-secret", "-key", "callee",    kinds[k].callee, "-set", "hold_ms",
                              "500",        "-set", "cancel_ms", "100",           NULL };
      sr_load_args (a, more);
      add_trace_stat (l, a, kinds[k].name);
      SrComponent *p = sr_load_spawn (l, kinds[k].name, a, FALSE, error);
      if (p == NULL)
        return FALSE;
      g_ptr_array_add (l->generators, p);
    }
  return TRUE;
}

/* ---- a step ----------------------------------------------------------------------------- */

static guint64
stbs_ticks (Load *l)
{
  guint64 t = 0;
  for (guint i = 0; i < l->stbs_v->len; i++)
    t += stb_ticks (g_ptr_array_index (l->stbs_v, i));
  return t;
}

/* CPU (since each STB's ticks0) and PSS per STB, mean over the media and the other STBs. */
static void
measure_groups (Load *l, gdouble secs, StepResult *out)
{
  gdouble hz = (gdouble)sysconf (_SC_CLK_TCK);
  guint64 ticks[2] = { 0, 0 }, pss[2] = { 0, 0 };
  guint n[2] = { 0, 0 };
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      guint g = s->channel > 0;
      guint64 t = stb_ticks (s);
      ticks[g] += t > s->ticks0 ? t - s->ticks0 : 0;
      pss[g] += stb_pss_kib (s);
      n[g]++;
    }
  Group *groups[2] = { &out->plain, &out->media };
  for (guint g = 0; g < 2; g++)
    {
      groups[g]->stbs = n[g];
      groups[g]->cpu = n[g] ? 100.0 * (gdouble)ticks[g] / hz / secs / n[g] : 0;
      groups[g]->pss_kib = n[g] ? pss[g] / n[g] : 0;
    }
  out->stb_pss_kib = l->stbs_v->len ? (pss[0] + pss[1]) / l->stbs_v->len : 0;
  out->headend_pss_kib = proc_pss_kib (sr_component_pid (l->headend));
  out->harness_pss_kib = proc_pss_kib (getpid ());
}

/* Iterate until every STB ran its cycles (bounded by @bound_s) and @min_s passed. */
static void
run_cycles (Load *l, gint64 t0, gdouble bound_s, gdouble min_s)
{
  guint tick = g_timeout_add (10, on_tick, NULL);
  gint64 end = t0 + (gint64)(bound_s * G_USEC_PER_SEC);
  gboolean all_done = FALSE;
  while (!all_done && !g_atomic_int_get (&l->interrupted) && g_get_monotonic_time () < end)
    {
      all_done = TRUE;
      for (guint i = 0; i < l->stbs_v->len; i++)
        {
          Stb *s = g_ptr_array_index (l->stbs_v, i);
          sr_load_stb_poll (l, s);
          all_done &= s->done;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  /* the background keeps going until the cycles are done; a step lasts at least min_s */
  while (!g_atomic_int_get (&l->interrupted)
         && g_get_monotonic_time () < t0 + (gint64)(min_s * G_USEC_PER_SEC))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static gboolean
run_step (Load *l, gdouble rate, gdouble min_seconds, StepResult *out, GError **error)
{
  memset (out, 0, sizeof *out);
  out->rate = rate;
  for (guint h = 0; h < N_HOPS; h++)
    g_array_set_size (l->samples[h], 0);
  memset (l->flow_failures, 0, sizeof l->flow_failures);
  memset (l->flow_cycles, 0, sizeof l->flow_cycles);
  /* generators run for the whole step: the STB cycles bound it */
  gdouble bound_s = MAX (min_seconds, l->cycles * 8 * WAIT_S);
  if (rate > 0 && !start_generators (l, rate, bound_s, error))
    return FALSE;
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      s->cycles_done = 0;
      s->busy = s->done = FALSE;
      s->ticks0 = stb_ticks (s);
    }
  gint64 t0 = g_get_monotonic_time ();
  guint64 k0 = tree_ticks (l->kamailio_pid), h0 = proc_ticks (getpid ()), s0 = stbs_ticks (l);
  guint64 e0 = proc_ticks (sr_component_pid (l->headend));
  run_cycles (l, t0, bound_s, min_seconds);
  gdouble secs = (gdouble)(g_get_monotonic_time () - t0) / 1e6;
  gdouble hz = (gdouble)sysconf (_SC_CLK_TCK);
  out->seconds = secs;
  out->kamailio_cpu = 100.0 * (gdouble)(tree_ticks (l->kamailio_pid) - k0) / hz / secs;
  out->harness_cpu = 100.0 * (gdouble)(proc_ticks (getpid ()) - h0) / hz / secs;
  out->stb_cpu = 100.0 * (gdouble)(stbs_ticks (l) - s0) / hz / secs;
  out->headend_cpu = 100.0 * (gdouble)(proc_ticks (sr_component_pid (l->headend)) - e0) / hz / secs;
  measure_groups (l, secs, out);
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      /* bound reached or interrupted: the running and the never started cycles failed */
      for (guint c = s->cycles_done + (s->busy ? 1 : 0); c < l->cycles; c++)
        l->flow_cycles[sr_load_cycle_flow (l, s, c)]++;
      if (s->busy)
        sr_load_stb_fail (s, "end (the step's bound)");
      for (guint c = s->cycles_done; c < l->cycles; c++)
        l->flow_failures[sr_load_cycle_flow (l, s, c)]++;
      g_clear_pointer (&s->caller, sr_component_free);
    }
  g_ptr_array_set_size (l->generators, 0); /* stops them by PID */
  for (guint h = 0; h < N_HOPS; h++)
    sr_stats_summarize ((const gdouble *)(gpointer)l->samples[h]->data, l->samples[h]->len,
                        &out->hop[h]);
  for (guint f = 0; f < N_FLOWS; f++)
    {
      out->flow_cycles[f] = l->flow_cycles[f];
      out->flow_failures[f] = l->flow_failures[f];
      out->cycles += l->flow_cycles[f];
      out->failures += l->flow_failures[f];
    }
  return TRUE;
}

/* ---- main ------------------------------------------------------------------------------- */

static gboolean
on_signal (gpointer data)
{
  Load *l = data;
  g_atomic_int_set (&l->interrupted, 1);
  g_printerr ("\nstbsim load: interrupted, stopping everything and writing the report\n");
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_mix (Load *l, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (l->mix_text, ",", -1);
  gdouble sum = 0;
  if (g_strv_length (parts) != 3)
    goto bad;
  for (guint i = 0; i < 3; i++)
    {
      gchar *end = NULL;
      l->mix[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || l->mix[i] < 0)
        goto bad;
      sum += l->mix[i];
    }
  if (sum <= 0)
    goto bad;
  for (guint i = 0; i < 3; i++)
    l->mix[i] /= sum;
  return TRUE;
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--mix %s: three weights ANSWER,REJECT,CANCEL, e.g. 7,2,1", l->mix_text);
  return FALSE;
}

static GArray *
parse_steps (const gchar *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (gdouble));
  for (guint i = 0; parts[i]; i++)
    {
      gchar *end = NULL;
      gdouble v = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || v < 0 || v > MAX_RATE || i >= 32)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--steps %s: up to 32 comma-separated call rates, 0..%g calls/s", text,
                       MAX_RATE);
          g_array_unref (steps);
          return NULL;
        }
      g_array_append_val (steps, v);
    }
  return steps;
}

/* --flows: names from flow_names, each at most once. */
static gboolean
parse_flows (Load *l, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (l->flows_text, ",", -1);
  l->n_flows = 0;
  for (guint i = 0; parts[i]; i++)
    {
      guint f = 0;
      while (f < N_FLOWS && !g_str_equal (parts[i], sr_load_flow_names[f]))
        f++;
      gboolean twice = FALSE;
      for (guint j = 0; j < l->n_flows; j++)
        twice |= l->flows[j] == (Flow)f;
      if (f == N_FLOWS || twice)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--flows %s: %s '%s'; the flows are callee-accept, caller, reject "
                       "(comma-separated, each once)",
                       l->flows_text, twice ? "repeated flow" : "unknown flow", parts[i]);
          return FALSE;
        }
      l->flows[l->n_flows++] = (Flow)f;
    }
  if (l->n_flows == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--flows: at least one of callee-accept, caller, reject");
      return FALSE;
    }
  return TRUE;
}

static void
stop_component (SrComponent **comp, gint timeout_ms)
{
  if (*comp && (*comp)->proc)
    stbsim_proc_stop ((*comp)->proc, timeout_ms);
  g_clear_pointer (comp, sr_component_free);
}

static void
load_clear (Load *l)
{
  if (l->stbs_v)
    g_ptr_array_unref (l->stbs_v); /* stops every STB by PID */
  if (l->generators)
    g_ptr_array_unref (l->generators);
  g_clear_pointer (&l->population, sr_component_free);
  g_clear_pointer (&l->uas_answer, sr_component_free);
  g_clear_pointer (&l->uas_busy, sr_component_free);
  stop_component (&l->headend, 5000);
  stop_component (&l->ims, 10000);
  for (guint h = 0; h < N_HOPS; h++)
    if (l->samples[h])
      g_array_unref (l->samples[h]);
  if (l->failure_notes)
    g_ptr_array_unref (l->failure_notes);
  if (l->sock_dir)
    g_rmdir (l->sock_dir);
  g_free (l->steps_text);
  g_free (l->mix_text);
  g_free (l->flows_text);
  g_free (l->report_dir);
  g_free (l->build_root);
  g_free (l->source_root);
  g_free (l->run_dir);
  g_free (l->logs);
  g_free (l->sock_dir);
  g_free (l->sipp_dir);
  g_free (l->ims_addr);
  g_free (l->lineup);
  g_free (l->vod);
}

/* Wait (bounded) until every STB registered (voip.registered); the count. */
static guint
await_registered (Load *l)
{
  gint64 reg_end = g_get_monotonic_time () + (gint64)(REGISTER_TIMEOUT_S * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, on_tick, NULL);
  guint registered = 0;
  while (!g_atomic_int_get (&l->interrupted))
    {
      registered = 0;
      for (guint i = 0; i < l->stbs_v->len; i++)
        registered += ((Stb *)g_ptr_array_index (l->stbs_v, i))->registered;
      if (registered == l->stbs || g_get_monotonic_time () > reg_end)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  return registered;
}

/* The IMS core, the head-end (media), the background and the STBs, every STB registered. */
static gboolean
load_setup (Load *l, GError **error)
{
  gint64 t_setup = g_get_monotonic_time ();
  gboolean ok = write_subscribers (l, error) && start_ims (l, error);
  if (ok && l->media > 0)
    ok = start_headend (l, error);
  if (ok && l->subscribers > 0)
    ok = (l->population = start_population (l, error)) != NULL;
  if (ok)
    ok = (l->uas_answer = start_uas (l, "bga", "uas-answer.xml", error)) != NULL
         && (l->uas_busy = start_uas (l, "bgr", "uas-busy.xml", error)) != NULL;
  for (guint i = 1; ok && i <= l->stbs && !g_atomic_int_get (&l->interrupted); i++)
    {
      Stb *s = g_new0 (Stb, 1);
      s->load = l;
      s->index = i;
      s->channel = i <= l->media ? i : 0;
      g_ptr_array_add (l->stbs_v, s);
      ok = sr_load_stb_start (l, s, error);
    }
  guint registered = ok ? await_registered (l) : 0;
  if (ok && registered < l->stbs)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%u of %u STBs registered within %.0f s (logs/stb*-voip.log)", registered,
                   l->stbs, REGISTER_TIMEOUT_S);
      ok = FALSE;
    }
  g_print ("stbsim load: set-up %.1f s (%u STB(s) registered)\n",
           (gdouble)(g_get_monotonic_time () - t_setup) / 1e6, registered);
  return ok && !g_atomic_int_get (&l->interrupted);
}

static int
load_run (Load *l, GArray *steps, gdouble step_s, const gchar *command_line,
          const gchar *harness_commit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *ts = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree gchar *run_id = g_strdup_printf ("%s-load-%04x", ts, g_random_int_range (0, 0x10000));
  l->run_dir = g_build_filename (l->report_dir, run_id, NULL);
  l->logs = g_build_filename (l->run_dir, "logs", NULL);
  l->sipp_dir = g_build_filename (l->source_root, "sim", "ims", "sipp", NULL);
  l->sock_dir = g_dir_make_tmp ("stbsim-load-XXXXXX", &error);
  if (l->sock_dir == NULL || g_mkdir_with_parents (l->logs, 0755) != 0)
    {
      g_printerr ("stbsim load: %s\n", error ? error->message : "cannot create the run directory");
      return SR_EXIT_ERROR;
    }
  l->stbs_v = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_load_stb_free);
  l->generators = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_component_free);
  l->failure_notes = g_ptr_array_new_with_free_func (g_free);
  for (guint h = 0; h < N_HOPS; h++)
    l->samples[h] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (SrReport) report = sr_report_new (run_id, l->run_dir);
  report->suite_name = g_strdup ("load");
  report->mode = g_strdup ("sip");
  report->profile = g_strdup ("none");
  report->dut_iptv = g_strdup ("reference module (stb-iptv)");
  report->dut_voip = g_strdup ("reference module (stb-voip)");
  report->command_line = g_strdup (command_line);
  report->harness_version = g_strdup (STBSIM_VERSION);
  report->harness_commit = g_strdup (harness_commit);
  report->host = g_strdup (g_get_host_name ());
  g_print ("stbsim load: run %s: %u STB(s) (%u with media), flows %s, %u background "
           "subscriber(s), steps %s calls/s, report in %s\n",
           run_id, l->stbs, l->media, l->flows_text, l->subscribers, l->steps_text, l->run_dir);

  gboolean ok = load_setup (l, &error);
  if (!ok)
    {
      if (error)
        g_printerr ("stbsim load: set-up failed: %s\n", error->message);
      SrTestResult *t = sr_test_result_new ("load.setup");
      t->started = t->finished = TRUE;
      sr_test_result_add_issue (t, sr_issue_new ("run::setup-failed", SR_VERDICT_ERROR, NULL,
                                                 error ? error->message : "interrupted", 0));
      g_ptr_array_add (report->tests, t);
    }
  g_autoptr (GArray) results = g_array_new (FALSE, TRUE, sizeof (StepResult));
  for (guint i = 0; ok && i < steps->len && !g_atomic_int_get (&l->interrupted); i++)
    {
      StepResult r;
      gint64 start_ns = stbsim_now_ns ();
      if (!run_step (l, g_array_index (steps, gdouble, i), step_s, &r, &error))
        {
          g_printerr ("stbsim load: step %g calls/s: %s\n", g_array_index (steps, gdouble, i),
                      error->message);
          break;
        }
      g_array_append_val (results, r);
      g_ptr_array_add (report->tests, sr_load_step_test (l, &r, start_ns));
      g_print ("step %g calls/s: %u/%u cycles, Kamailio CPU %.1f%%\n", r.rate,
               r.cycles - r.failures, r.cycles, r.kamailio_cpu);
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  sr_load_curve_json (l, b, results);
  report->extra_json = json_builder_get_root (b);
  report->extra_html = sr_load_curve_text (l, results, TRUE);
  report->interrupted
      = g_atomic_int_get (&l->interrupted) ? g_strdup ("interrupted by a signal") : NULL;
  report->finished = report->interrupted == NULL;
  g_autofree gchar *text = sr_load_curve_text (l, results, FALSE);
  g_print ("\n%s", text);
  if (!sr_report_write_all (report, &error))
    {
      g_printerr ("stbsim load: cannot write the report: %s\n", error->message);
      return SR_EXIT_ERROR;
    }
  g_print ("report: %s/report.html\n", l->run_dir);
  return sr_verdict_exit_code (sr_report_verdict (report));
}

int
sr_load_main (int argc, char **argv, const gchar *harness_commit)
{
  Load l = { 0 };
  gint stbs = 4, media = 0, subscribers = 100, cycles = 5, children = 2;
  gdouble step_s = 10.0;
  g_autofree gchar *steps_text = NULL, *mix = NULL, *flows = NULL, *report_dir = NULL;
  GOptionEntry entries[] = {
    { "stbs", 'k', 0, G_OPTION_ARG_INT, &stbs, "Simulated STBs, full process stacks (default 4)",
      "K" },
    { "media", 0, 0, G_OPTION_ARG_INT, &media,
      "The first N STBs play a live channel of a head-end (default 0)", "N" },
    { "flows", 0, 0, G_OPTION_ARG_STRING, &flows,
      "Flows each STB's cycles rotate through (default callee-accept,caller,reject)", "F,F,..." },
    { "subscribers", 'M', 0, G_OPTION_ARG_INT, &subscribers,
      "Registered background subscribers (sipp, refreshing; default 100)", "M" },
    { "steps", 's', 0, G_OPTION_ARG_STRING, &steps_text,
      "Background call rates, one load step each (default 0,5,20)", "R,R,..." },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &mix,
      "Background calls answered,rejected,cancelled (weights; default 7,2,1)", "A,R,C" },
    { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles,
      "Cycles per STB per step, one flow each (default 5)", "N" },
    { "step-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &step_s,
      "Each step lasts at least this long (default 10)", "S" },
    { "kamailio-children", 0, 0, G_OPTION_ARG_INT, &children,
      "Kamailio UDP worker processes (default 2)", "N" },
    { "report-dir", 'r', 0, G_OPTION_ARG_FILENAME, &report_dir,
      "Where the run directory goes (default: reports)", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- switch latency of K STBs against one loaded IMS core");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *command_line = g_strjoinv (" ", argv);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("stbsim load: %s\n", error ? error->message : "unexpected arguments");
      return SR_EXIT_USAGE;
    }
  if (stbs < 1 || stbs > MAX_STBS || subscribers < 0 || subscribers > MAX_SUBSCRIBERS || cycles < 1
      || cycles > MAX_CYCLES || children < 1 || children > 64 || step_s < 0 || step_s > 3600
      || media < 0 || media > MIN (stbs, MAX_MEDIA))
    {
      g_printerr ("stbsim load: --stbs 1..%d, --media 0..min(--stbs, %d), --subscribers 0..%d, "
                  "--cycles 1..%d, --kamailio-children 1..64, --step-seconds 0..3600\n",
                  MAX_STBS, MAX_MEDIA, MAX_SUBSCRIBERS, MAX_CYCLES);
      return SR_EXIT_USAGE;
    }
  l.stbs = (guint)stbs;
  l.media = (guint)media;
  l.subscribers = (guint)subscribers;
  l.cycles = (guint)cycles;
  l.children = (guint)children;
  l.steps_text = g_strdup (steps_text ? steps_text : "0,5,20");
  l.mix_text = g_strdup (mix ? mix : "7,2,1");
  l.flows_text = g_strdup (flows ? flows : "callee-accept,caller,reject");
  l.report_dir = g_strdup (report_dir ? report_dir : "reports");
  g_autoptr (GArray) steps = parse_steps (l.steps_text, &error);
  if (steps == NULL || !parse_mix (&l, &error) || !parse_flows (&l, &error))
    {
      g_printerr ("stbsim load: %s\n", error->message);
      load_clear (&l);
      return SR_EXIT_USAGE;
    }
  const gchar *br = g_getenv ("STBSIM_BUILD_ROOT");
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (br)
    l.build_root = g_strdup (br);
  else if (exe && g_str_has_suffix (exe, "/sim/runner/stbsim"))
    l.build_root = g_strndup (exe, strlen (exe) - strlen ("/sim/runner/stbsim"));
  else
    l.build_root = g_strdup (STBSIM_BUILD_ROOT);
  const gchar *sr = g_getenv ("STBSIM_SOURCE_ROOT");
  l.source_root = g_strdup (sr ? sr : STBSIM_SOURCE_ROOT);
  guint s1 = g_unix_signal_add (SIGINT, on_signal, &l);
  guint s2 = g_unix_signal_add (SIGTERM, on_signal, &l);
  int rc = load_run (&l, steps, step_s, command_line, harness_commit);
  g_source_remove (s1);
  g_source_remove (s2);
  load_clear (&l);
  return rc;
}
