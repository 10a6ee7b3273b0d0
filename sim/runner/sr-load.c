/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-load"

#include "sr-load.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qcop-client.h"
#include "sr-parallel.h"
#include "sr-report.h"
#include "sr-stats.h"
#include "stb-agent.h"
#include "stbsim-config.h"
#include "stbsim-proc.h"

#define READY_TIMEOUT_MS 30000
#define REGISTER_TIMEOUT_S 30.0
#define WAIT_S 15.0   /* each step of a cycle */
#define MAX_STBS 1000 /* bounds: processes, sockets, memory */
#define MAX_SUBSCRIBERS 100000
#define MAX_RATE 1000.0 /* background calls/s */
#define MAX_CYCLES 1000

typedef enum
{
  HOP_CHANNEL, /* key ok -> video page */
  HOP_ANSWER,  /* key ok -> answered */
  HOP_DIALOG,  /* caller started -> dialog shown */
  HOP_RESUME,  /* call ended -> iptv page */
  N_HOPS
} Hop;

static const gchar *const hop_names[N_HOPS]
    = { "callee-accept.key-to-video-page", "callee-accept.key-to-answer", "callee.invite-to-dialog",
        "resume.end-to-iptv" };

typedef enum
{
  ST_IDLE,
  ST_WAIT_DIALOG,
  ST_WAIT_PAGE_ANSWER,
  ST_WAIT_END,
  ST_WAIT_RESUME,
  ST_WAIT_CALLER,
  ST_DONE,
} Stage;

typedef struct _Load Load;

typedef struct
{
  Load *load;
  guint index; /* 1-based: stb<index> */
  gchar *dir;
  gchar *socket;
  StbsimProc *server, *iptv, *voip, *caller;
  QcopClient *qcop;
  gboolean registered;
  Stage stage;
  guint cycles_done;
  gint64 t_caller, t_key, t_end, deadline;
  gboolean got_page, got_answer;
} Stb;

struct _Load
{
  /* options */
  guint stbs, subscribers, cycles, children;
  gchar *steps_text, *mix_text, *report_dir, *build_root, *source_root;
  gdouble mix[3]; /* answer, reject, cancel */
  /* run */
  gchar *run_dir, *logs, *sock_dir, *sipp_dir;
  gchar *ims_addr; /* host:port */
  GPid kamailio_pid;
  StbsimProc *ims, *population, *uas_answer, *uas_busy;
  GPtrArray *stbs_v;       /* Stb* */
  GPtrArray *generators;   /* StbsimProc* of the current step */
  GArray *samples[N_HOPS]; /* gdouble ms, current step */
  guint failures;          /* cycles that timed out, current step */
  GPtrArray *failure_notes;
  volatile gint interrupted;
};

/* ---- small helpers ------------------------------------------------------------------------- */

static gchar *
build_path (Load *l, const gchar *rel)
{
  return g_build_filename (l->build_root, rel, NULL);
}

static StbsimProc *
spawn (Load *l, const gchar *name, GPtrArray *argv, gboolean ready, gchar **ready_line,
       GError **error)
{
  g_autofree gchar *log = g_strdup_printf ("%s/%s.log", l->logs, name);
  StbsimProcOptions opts = { .name = name, .log_path = log, .ready_fd = ready };
  if (g_str_has_suffix (g_ptr_array_index (argv, 0), "stbsim-ims"))
    opts.death_signal = SIGTERM; /* it stops Kamailio's workers */
  if (g_str_equal (g_ptr_array_index (argv, 0), "sipp"))
    opts.cwd = l->logs; /* its -trace_stat files */
  g_ptr_array_add (argv, NULL);
  g_autoptr (StbsimProc) p = stbsim_proc_spawn ((const gchar *const *)argv->pdata, &opts, error);
  g_ptr_array_remove_index (argv, argv->len - 1);
  if (p == NULL)
    return NULL;
  if (ready)
    {
      gchar *line = stbsim_proc_wait_ready (p, READY_TIMEOUT_MS, error);
      if (line == NULL)
        return NULL;
      if (ready_line)
        *ready_line = line;
      else
        g_free (line);
    }
  return g_steal_pointer (&p);
}

static gchar *
ready_value (const gchar *line, const gchar *key)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  gsize n = strlen (key);
  for (guint i = 0; words[i]; i++)
    if (strncmp (words[i], key, n) == 0 && words[i][n] == '=')
      return g_strdup (words[i] + n + 1);
  return NULL;
}

static void
add (GPtrArray *a, const gchar *s)
{
  g_ptr_array_add (a, g_strdup (s));
}

static void addf (GPtrArray *a, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);
static void
addf (GPtrArray *a, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_ptr_array_add (a, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

/* sipp with the common arguments: scenario @xml of sim/ims/sipp, the core, @port (0: a
 * fresh one). */
static GPtrArray *
sipp_argv (Load *l, const gchar *xml, gboolean to_core, guint port)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  add (a, "sipp");
  add (a, "-sf");
  g_ptr_array_add (a, g_build_filename (l->sipp_dir, xml, NULL));
  if (to_core)
    add (a, l->ims_addr);
  add (a, "-i");
  add (a, "127.0.0.1");
  add (a, "-p");
  addf (a, "%u", port ? port : sr_ports_pick (NULL));
  add (a, "-key");
  add (a, "domain");
  add (a, "ims.test");
  add (a, "-nostdin");
  return a;
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
  while (d && (name = g_dir_read_name (d)) != NULL)
    if (g_ascii_isdigit (name[0]) && proc_ppid (name) == pid)
      t += proc_ticks ((GPid)g_ascii_strtoll (name, NULL, 10));
  return t;
}

/* Proportional set size (KiB) of @pid, 0 if unknown. */
static guint64
proc_pss_kib (GPid pid)
{
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

/* Iterate the main loop until @proc exits or @timeout_s passes. */
static gboolean
wait_exit (StbsimProc *proc, gdouble timeout_s, gint *status)
{
  gint64 end = g_get_monotonic_time () + (gint64)(timeout_s * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, on_tick, NULL);
  gboolean done = FALSE;
  while (!(done = stbsim_proc_poll_exit (proc, status)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return done;
}

/* ---- one STB -------------------------------------------------------------------------------- */

static void
stb_free (Stb *s)
{
  g_clear_object (&s->qcop);
  g_clear_pointer (&s->caller, stbsim_proc_free);
  g_clear_pointer (&s->voip, stbsim_proc_free);
  g_clear_pointer (&s->iptv, stbsim_proc_free);
  g_clear_pointer (&s->server, stbsim_proc_free);
  g_free (s->dir);
  g_free (s->socket);
  g_free (s);
}

static void
record (Load *l, Hop hop, gint64 from_ns, gint64 to_ns)
{
  gdouble ms = (gdouble)(to_ns - from_ns) / 1e6;
  g_array_append_val (l->samples[hop], ms);
}

static void
fail_cycle (Stb *s, const gchar *what)
{
  Load *l = s->load;
  l->failures++;
  if (l->failure_notes->len < 20)
    g_ptr_array_add (l->failure_notes,
                     g_strdup_printf ("stb%u cycle %u: no %s within %.0f s", s->index,
                                      s->cycles_done + 1, what, WAIT_S));
  g_clear_pointer (&s->caller, stbsim_proc_free); /* stops it by PID */
  s->cycles_done++;
  s->stage = ST_IDLE;
}

static void
on_event (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
          gpointer user_data)
{
  Stb *s = user_data;
  gint64 t = 0;
  g_autofree gchar *source = NULL, *name = NULL, *details = NULL;
  if (!g_str_has_prefix (message, "event(")
      || !stb_agent_decode_event (data, &t, &source, &name, &details, NULL))
    return;
  details = details ? details : g_strdup ("");
  Load *l = s->load;
  if (g_str_equal (name, "voip.registered"))
    s->registered = TRUE;
  switch (s->stage)
    {
      case ST_WAIT_DIALOG:
        if (g_str_equal (name, "voip.dialog") && strstr (details, "state=shown"))
          {
            record (l, HOP_DIALOG, s->t_caller, t);
            g_autoptr (GBytes) key = stb_agent_encode_key ("ok");
            s->t_key = stbsim_now_ns ();
            gsize len = 0;
            const guint8 *k = g_bytes_get_data (key, &len);
            if (qcop_client_send (s->qcop, STB_AGENT_VOIP_CHANNEL, "key(QString)", k, len, NULL))
              {
                s->stage = ST_WAIT_PAGE_ANSWER;
                s->got_page = s->got_answer = FALSE;
                s->deadline = stbsim_now_ns () + (gint64)(WAIT_S * 1e9);
              }
          }
        break;
      case ST_WAIT_PAGE_ANSWER:
        if (!s->got_page && g_str_equal (name, "voip.page") && strstr (details, "page=main"))
          {
            s->got_page = TRUE;
            record (l, HOP_CHANNEL, s->t_key, t);
          }
        if (!s->got_answer && g_str_equal (name, "voip.call") && strstr (details, "state=answered"))
          {
            s->got_answer = TRUE;
            record (l, HOP_ANSWER, s->t_key, t);
          }
        if (s->got_page && s->got_answer)
          s->stage = ST_WAIT_END;
        G_GNUC_FALLTHROUGH; /* the end may come in the same burst */
      case ST_WAIT_END:
        if (s->stage == ST_WAIT_END && g_str_equal (name, "voip.call")
            && strstr (details, "state=ended"))
          {
            s->t_end = t;
            s->stage = ST_WAIT_RESUME;
            s->deadline = stbsim_now_ns () + (gint64)(WAIT_S * 1e9);
          }
        break;
      case ST_WAIT_RESUME:
        if (g_str_equal (name, "iptv.page") && t >= s->t_end)
          {
            record (l, HOP_RESUME, s->t_end, t);
            s->stage = ST_WAIT_CALLER;
            s->deadline = stbsim_now_ns () + (gint64)(WAIT_S * 1e9);
          }
        break;
      default:
        break;
    }
}

static gboolean
stb_start (Load *l, Stb *s, GError **error)
{
  g_autofree gchar *dialect
      = g_build_filename (l->source_root, "fixtures", "dialects", "default.ini", NULL);
  s->dir = g_strdup_printf ("%s/stb%u", l->run_dir, s->index);
  s->socket = g_strdup_printf ("%s/stb%u.sock", l->sock_dir, s->index);
  g_mkdir_with_parents (s->dir, 0755);
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a, build_path (l, "sim/qcop/stb-qcopd"));
  add (a, "--socket");
  add (a, s->socket);
  add (a, "--trace");
  g_ptr_array_add (a, g_build_filename (s->dir, "qcop-trace.jsonl", NULL));
  g_autofree gchar *n1 = g_strdup_printf ("stb%u-server", s->index);
  if ((s->server = spawn (l, n1, a, TRUE, NULL, error)) == NULL)
    return FALSE;
  g_ptr_array_set_size (a, 0);
  g_ptr_array_add (a, build_path (l, "sim/stb/iptv/stb-iptv"));
  add (a, "--qcop-socket");
  add (a, s->socket);
  add (a, "--layout");
  add (a, "bidirectional");
  add (a, "--dialect");
  add (a, dialect);
  g_autofree gchar *n2 = g_strdup_printf ("stb%u-iptv", s->index);
  if ((s->iptv = spawn (l, n2, a, TRUE, NULL, error)) == NULL)
    return FALSE;
  /* the QCOP client before the VoIP module: its voip.registered event is the readiness */
  s->qcop = qcop_client_new (s->socket, "stbsim-load");
  qcop_client_register (s->qcop, STB_AGENT_EVENTS_CHANNEL, on_event, s, NULL);
  if (!qcop_client_connect_sync (s->qcop, 5000, error))
    return FALSE;
  gboolean known = FALSE;
  if (!qcop_client_is_registered_sync (s->qcop, STB_AGENT_EVENTS_CHANNEL, 5000, &known, error))
    return FALSE;
  g_ptr_array_set_size (a, 0);
  g_ptr_array_add (a, build_path (l, "sim/stb/voip/stb-voip"));
  add (a, "--qcop-socket");
  add (a, s->socket);
  add (a, "--layout");
  add (a, "bidirectional");
  add (a, "--dialect");
  add (a, dialect);
  add (a, "--sip-proxy");
  addf (a, "sip:%s", l->ims_addr);
  add (a, "--sip-user");
  addf (a, "stb%u", s->index);
  add (a, "--sip-password");
  addf (a, "stb%u-secret", s->index);
  add (a, "--sip-domain");
  add (a, "ims.test");
  g_autofree gchar *n3 = g_strdup_printf ("stb%u-voip", s->index);
  return (s->voip = spawn (l, n3, a, TRUE, NULL, error)) != NULL;
}

static void
stb_start_cycle (Load *l, Stb *s)
{
  g_autoptr (GPtrArray) a = sipp_argv (l, "uac-call.xml", TRUE, 0);
  const gchar *more[] = { "-m", "1", "-timeout", "40s", "-timeout_error", "-key", "user", NULL };
  for (guint i = 0; more[i]; i++)
    add (a, more[i]);
  addf (a, "caller%u", s->index);
  add (a, "-key");
  add (a, "callee");
  addf (a, "stb%u", s->index);
  add (a, "-au");
  addf (a, "caller%u", s->index);
  add (a, "-ap");
  addf (a, "caller%u-secret", s->index);
  add (a, "-set");
  add (a, "hold_ms");
  add (a, "500");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *name = g_strdup_printf ("stb%u-caller", s->index);
  s->t_caller = stbsim_now_ns ();
  s->caller = spawn (l, name, a, FALSE, NULL, &error);
  if (s->caller == NULL)
    {
      g_printerr ("stbsim load: %s\n", error->message);
      fail_cycle (s, "caller (sipp did not start)");
      return;
    }
  s->stage = ST_WAIT_DIALOG;
  s->deadline = s->t_caller + (gint64)(WAIT_S * 1e9);
}

/* Advance @s (timeouts, caller exit, next cycle). */
static void
stb_poll (Load *l, Stb *s)
{
  static const gchar *const waiting[] = { "",
                                          "voip.dialog state=shown",
                                          "voip.page main and voip.call answered",
                                          "voip.call state=ended",
                                          "iptv.page after the call",
                                          "caller exit",
                                          "" };
  gint status = 0;
  if (s->stage == ST_WAIT_CALLER && s->caller && stbsim_proc_poll_exit (s->caller, &status))
    {
      g_clear_pointer (&s->caller, stbsim_proc_free);
      s->cycles_done++;
      s->stage = ST_IDLE;
    }
  if (s->stage != ST_IDLE && s->stage != ST_DONE && stbsim_now_ns () > s->deadline)
    fail_cycle (s, waiting[s->stage]);
  if (s->stage == ST_IDLE)
    {
      if (s->cycles_done >= l->cycles)
        s->stage = ST_DONE;
      else
        stb_start_cycle (l, s);
    }
}

/* ---- the IMS core and the background ----------------------------------------------------- */

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
  g_ptr_array_add (a, build_path (l, "sim/ims/stbsim-ims"));
  add (a, "--run-dir");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "ims", NULL));
  add (a, "--subscribers");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "subscribers.csv", NULL));
  add (a, "--children");
  addf (a, "%u", l->children);
  g_autofree gchar *line = NULL;
  if ((l->ims = spawn (l, "ims", a, TRUE, &line, error)) == NULL)
    return FALSE;
  l->ims_addr = ready_value (line, "sip");
  g_autofree gchar *pid = ready_value (line, "pid");
  l->kamailio_pid = pid ? (GPid)g_ascii_strtoll (pid, NULL, 10) : 0;
  if (l->ims_addr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stbsim-ims READY without sip=: %s", line);
      return FALSE;
    }
  return TRUE;
}

/* A sipp UAS registered as @user on its own port, answering (uas-answer) or refusing (busy). */
static StbsimProc *
start_uas (Load *l, const gchar *user, const gchar *xml, GError **error)
{
  guint port = sr_ports_pick (NULL);
  g_autoptr (GPtrArray) reg = sipp_argv (l, "register.xml", TRUE, port);
  const gchar *more[] = { "-m",   "1",       "-timeout", "20s",  "-timeout_error",
                          "-key", "expires", "3600",     "-key", "user",
                          user,   "-au",     user,       "-ap",  NULL };
  for (guint i = 0; more[i]; i++)
    add (reg, more[i]);
  addf (reg, "%s-secret", user);
  g_autofree gchar *rname = g_strdup_printf ("register-%s", user);
  g_autoptr (StbsimProc) r = spawn (l, rname, reg, FALSE, NULL, error);
  gint status = 0;
  if (r == NULL)
    return NULL;
  if (!wait_exit (r, 25.0, &status) || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "registering %s failed (logs/%s.log)",
                   user, rname);
      return NULL;
    }
  g_autoptr (GPtrArray) uas = sipp_argv (l, xml, FALSE, port);
  const gchar *umore[] = { "-m",      "100000", "-key", "user",    user,  "-set",
                           "ring_ms", "300",    "-set", "hold_ms", "500", NULL };
  for (guint i = 0; umore[i]; i++)
    add (uas, umore[i]);
  g_autofree gchar *uname = g_strdup_printf ("uas-%s", user);
  return spawn (l, uname, uas, FALSE, NULL, error);
}

static StbsimProc *
start_population (Load *l, GError **error)
{
  g_autoptr (GPtrArray) a = sipp_argv (l, "load-register.xml", TRUE, 0);
  add (a, "-inf");
  g_ptr_array_add (a, g_build_filename (l->run_dir, "population.csv", NULL));
  add (a, "-m");
  addf (a, "%u", l->subscribers);
  add (a, "-l");
  addf (a, "%u", l->subscribers);
  add (a, "-r");
  addf (a, "%u", MIN (l->subscribers, 200u)); /* registrations per second at the start */
  const gchar *more[] = { "-key",        "expires", "300",         "-set", "refresh_ms", "120000",
                          "-max_socket", "64",      "-trace_stat", "-fd",  "5",          NULL };
  for (guint i = 0; more[i]; i++)
    add (a, more[i]);
  return spawn (l, "population", a, FALSE, NULL, error);
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
      g_autoptr (GPtrArray) a = sipp_argv (l, kinds[k].xml, TRUE, 0);
      add (a, "-r");
      addf (a, "%u", MAX (1, (guint)(r * 10 + 0.5))); /* per 10 s: fractional rates */
      add (a, "-rp");
      add (a, "10000");
      add (a, "-m");
      addf (a, "%u", calls);
      add (a, "-l");
      addf (a, "%u", MAX (10u, (guint)(r * 5)));
      const gchar *more[]
          = { "-key",      "user",   "bgc",           "-au",  "bgc",     "-ap", "bgc-secret",
              "-key",      "callee", kinds[k].callee, "-set", "hold_ms", "500", "-set",
              "cancel_ms", "100",    "-trace_stat",   "-fd",  "5",       NULL };
      for (guint i = 0; more[i]; i++)
        add (a, more[i]);
      StbsimProc *p = spawn (l, kinds[k].name, a, FALSE, NULL, error);
      if (p == NULL)
        return FALSE;
      g_ptr_array_add (l->generators, p);
    }
  return TRUE;
}

/* ---- a step ----------------------------------------------------------------------------- */

typedef struct
{
  gdouble rate;
  SrStatsSummary hop[N_HOPS];
  guint failures, cycles;
  gdouble kamailio_cpu, harness_cpu, stb_cpu; /* % of one CPU */
  guint64 stb_pss_kib;                        /* mean per STB */
  gdouble seconds;
} StepResult;

static guint64
stbs_ticks (Load *l)
{
  guint64 t = 0;
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      t += proc_ticks (stbsim_proc_get_pid (s->server)) + proc_ticks (stbsim_proc_get_pid (s->iptv))
           + proc_ticks (stbsim_proc_get_pid (s->voip));
    }
  return t;
}

static gboolean
run_step (Load *l, gdouble rate, gdouble min_seconds, StepResult *out, GError **error)
{
  memset (out, 0, sizeof *out);
  out->rate = rate;
  for (guint h = 0; h < N_HOPS; h++)
    g_array_set_size (l->samples[h], 0);
  l->failures = 0;
  /* generators run for the whole step: the STB cycles bound it */
  gdouble bound_s = MAX (min_seconds, l->cycles * 4 * WAIT_S);
  if (rate > 0 && !start_generators (l, rate, bound_s, error))
    return FALSE;
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      s->cycles_done = 0;
      s->stage = ST_IDLE;
    }
  gint64 t0 = g_get_monotonic_time ();
  guint64 k0 = tree_ticks (l->kamailio_pid), h0 = proc_ticks (getpid ()), s0 = stbs_ticks (l);
  guint tick = g_timeout_add (10, on_tick, NULL);
  gint64 end = t0 + (gint64)(bound_s * G_USEC_PER_SEC);
  gboolean all_done = FALSE;
  while (!all_done && !g_atomic_int_get (&l->interrupted) && g_get_monotonic_time () < end)
    {
      all_done = TRUE;
      for (guint i = 0; i < l->stbs_v->len; i++)
        {
          Stb *s = g_ptr_array_index (l->stbs_v, i);
          stb_poll (l, s);
          all_done &= s->stage == ST_DONE;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  /* the background keeps going until the cycles are done; a step lasts at least min_seconds */
  while (!g_atomic_int_get (&l->interrupted)
         && g_get_monotonic_time () < t0 + (gint64)(min_seconds * G_USEC_PER_SEC))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  gdouble secs = (gdouble)(g_get_monotonic_time () - t0) / 1e6;
  gdouble hz = (gdouble)sysconf (_SC_CLK_TCK);
  out->seconds = secs;
  out->kamailio_cpu = 100.0 * (gdouble)(tree_ticks (l->kamailio_pid) - k0) / hz / secs;
  out->harness_cpu = 100.0 * (gdouble)(proc_ticks (getpid ()) - h0) / hz / secs;
  out->stb_cpu = 100.0 * (gdouble)(stbs_ticks (l) - s0) / hz / secs;
  guint64 pss = 0;
  for (guint i = 0; i < l->stbs_v->len; i++)
    {
      Stb *s = g_ptr_array_index (l->stbs_v, i);
      pss += proc_pss_kib (stbsim_proc_get_pid (s->server))
             + proc_pss_kib (stbsim_proc_get_pid (s->iptv))
             + proc_pss_kib (stbsim_proc_get_pid (s->voip));
      if (s->stage != ST_DONE) /* bound reached or interrupted */
        l->failures += l->cycles - MIN (s->cycles_done, l->cycles);
      g_clear_pointer (&s->caller, stbsim_proc_free);
    }
  out->stb_pss_kib = l->stbs_v->len ? pss / l->stbs_v->len : 0;
  g_ptr_array_set_size (l->generators, 0); /* stops them by PID */
  for (guint h = 0; h < N_HOPS; h++)
    sr_stats_summarize ((const gdouble *)(gpointer)l->samples[h]->data, l->samples[h]->len,
                        &out->hop[h]);
  out->failures = l->failures;
  out->cycles = l->cycles * l->stbs;
  return TRUE;
}

/* ---- report -------------------------------------------------------------------------------- */

static SrTestResult *
step_test (Load *l, const StepResult *r, gint64 start_ns)
{
  g_autofree gchar *id = g_strdup_printf ("load.%03gcps.%ustb", r->rate, l->stbs);
  SrTestResult *t = sr_test_result_new (id);
  t->summary = g_strdup_printf ("%u STBs x %u callee-accept+resume cycles, %u registered "
                                "background subscribers, %g background calls/s",
                                l->stbs, l->cycles, l->subscribers, r->rate);
  t->started = t->finished = TRUE;
  t->start_ns = start_ns;
  t->end_ns = start_ns + (gint64)(r->seconds * 1e9);
  for (guint h = 0; h < N_HOPS; h++)
    for (guint i = 0; i < l->samples[h]->len; i++)
      sr_test_result_add_latency (t, hop_names[h], NULL, NULL, NULL,
                                  (gint64)(g_array_index (l->samples[h], gdouble, i) * 1e6), -1);
  for (guint i = 0; i < l->failure_notes->len; i++)
    sr_test_result_add_issue (t, sr_issue_new ("load::cycle-timeout", SR_VERDICT_INCONC, NULL,
                                               g_ptr_array_index (l->failure_notes, i), 0));
  g_ptr_array_set_size (l->failure_notes, 0);
  sr_test_result_set_verdict (t, r->failures ? SR_VERDICT_INCONC : SR_VERDICT_PASS);
  return t;
}

static void
curve_json (Load *l, JsonBuilder *b, GArray *steps)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "load");
  json_builder_begin_object (b);
  const struct
  {
    const gchar *k;
    guint v;
  } ints[] = { { "stbs", l->stbs },
               { "subscribers", l->subscribers },
               { "cycles_per_stb", l->cycles },
               { "kamailio_children", l->children } };
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      json_builder_set_member_name (b, ints[i].k);
      json_builder_add_int_value (b, ints[i].v);
    }
  json_builder_set_member_name (b, "mix");
  json_builder_add_string_value (b, l->mix_text);
  json_builder_set_member_name (b, "media");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < steps->len; i++)
    {
      const StepResult *r = &g_array_index (steps, StepResult, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "calls_per_s");
      json_builder_add_double_value (b, r->rate);
      json_builder_set_member_name (b, "stbs");
      json_builder_add_int_value (b, l->stbs);
      json_builder_set_member_name (b, "cycles");
      json_builder_add_int_value (b, r->cycles);
      json_builder_set_member_name (b, "failed_cycles");
      json_builder_add_int_value (b, r->failures);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, r->seconds);
      json_builder_set_member_name (b, "kamailio_cpu_pct");
      json_builder_add_double_value (b, r->kamailio_cpu);
      json_builder_set_member_name (b, "harness_cpu_pct");
      json_builder_add_double_value (b, r->harness_cpu);
      json_builder_set_member_name (b, "stb_cpu_pct");
      json_builder_add_double_value (b, r->stb_cpu);
      json_builder_set_member_name (b, "stb_pss_kib");
      json_builder_add_int_value (b, (gint64)r->stb_pss_kib);
      json_builder_set_member_name (b, "hops");
      json_builder_begin_object (b);
      for (guint h = 0; h < N_HOPS; h++)
        {
          json_builder_set_member_name (b, hop_names[h]);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "n");
          json_builder_add_int_value (b, r->hop[h].n);
          json_builder_set_member_name (b, "p50_ms");
          json_builder_add_double_value (b, r->hop[h].p50);
          json_builder_set_member_name (b, "p95_ms");
          json_builder_add_double_value (b, r->hop[h].p95);
          json_builder_set_member_name (b, "max_ms");
          json_builder_add_double_value (b, r->hop[h].max);
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static gchar *
curve_text (Load *l, GArray *steps, gboolean html)
{
  GString *out = g_string_new (NULL);
  if (html)
    g_string_append_printf (out,
                            "<h2>Load curve (%u STBs, %u registered background subscribers)</h2>\n"
                            "<table>\n<tr><th>calls/s</th><th>hop</th><th>n</th><th>p50 ms</th>"
                            "<th>p95 ms</th><th>max ms</th><th>failed cycles</th>"
                            "<th>Kamailio CPU %%</th><th>harness CPU %%</th><th>STBs CPU %%</th>"
                            "<th>PSS per STB KiB</th></tr>\n",
                            l->stbs, l->subscribers);
  else
    g_string_append_printf (out, "%-8s %-34s %5s %9s %9s %9s %6s %7s %7s %7s %8s\n", "calls/s",
                            "hop", "n", "p50_ms", "p95_ms", "max_ms", "failed", "kam%", "harn%",
                            "stbs%", "pss_kib");
  for (guint i = 0; i < steps->len; i++)
    {
      const StepResult *r = &g_array_index (steps, StepResult, i);
      for (guint h = 0; h < N_HOPS; h++)
        g_string_append_printf (
            out,
            html ? "<tr><td>%g</td><td>%s</td><td>%u</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>"
                   "<td>%u</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%" G_GUINT64_FORMAT
                   "</td></tr>\n"
                 : "%-8g %-34s %5u %9.1f %9.1f %9.1f %6u %7.1f %7.1f %7.1f %8" G_GUINT64_FORMAT
                   "\n",
            r->rate, hop_names[h], r->hop[h].n, r->hop[h].p50, r->hop[h].p95, r->hop[h].max,
            r->failures, r->kamailio_cpu, r->harness_cpu, r->stb_cpu, r->stb_pss_kib);
    }
  if (html)
    g_string_append (out, "</table>\n");
  return g_string_free (out, FALSE);
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

static void
load_clear (Load *l)
{
  if (l->stbs_v)
    g_ptr_array_unref (l->stbs_v); /* stops every STB by PID */
  if (l->generators)
    g_ptr_array_unref (l->generators);
  g_clear_pointer (&l->population, stbsim_proc_free);
  g_clear_pointer (&l->uas_answer, stbsim_proc_free);
  g_clear_pointer (&l->uas_busy, stbsim_proc_free);
  if (l->ims)
    stbsim_proc_stop (l->ims, 10000);
  g_clear_pointer (&l->ims, stbsim_proc_free);
  for (guint h = 0; h < N_HOPS; h++)
    if (l->samples[h])
      g_array_unref (l->samples[h]);
  if (l->failure_notes)
    g_ptr_array_unref (l->failure_notes);
  if (l->sock_dir)
    g_rmdir (l->sock_dir);
  g_free (l->steps_text);
  g_free (l->mix_text);
  g_free (l->report_dir);
  g_free (l->build_root);
  g_free (l->source_root);
  g_free (l->run_dir);
  g_free (l->logs);
  g_free (l->sock_dir);
  g_free (l->sipp_dir);
  g_free (l->ims_addr);
}

static int
load_run (Load *l, GArray *steps, gdouble step_s, const gchar *command_line)
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
  l->stbs_v = g_ptr_array_new_with_free_func ((GDestroyNotify)stb_free);
  l->generators = g_ptr_array_new_with_free_func ((GDestroyNotify)stbsim_proc_free);
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
  g_print ("stbsim load: run %s: %u STB(s), %u background subscriber(s), steps %s calls/s, "
           "report in %s\n",
           run_id, l->stbs, l->subscribers, l->steps_text, l->run_dir);

  gint64 t_setup = g_get_monotonic_time ();
  gboolean ok = write_subscribers (l, &error) && start_ims (l, &error);
  if (ok && l->subscribers > 0)
    ok = (l->population = start_population (l, &error)) != NULL;
  if (ok)
    ok = (l->uas_answer = start_uas (l, "bga", "uas-answer.xml", &error)) != NULL
         && (l->uas_busy = start_uas (l, "bgr", "uas-busy.xml", &error)) != NULL;
  for (guint i = 1; ok && i <= l->stbs && !g_atomic_int_get (&l->interrupted); i++)
    {
      Stb *s = g_new0 (Stb, 1);
      s->load = l;
      s->index = i;
      g_ptr_array_add (l->stbs_v, s);
      ok = stb_start (l, s, &error);
    }
  /* every STB registered (voip.registered), bounded */
  gint64 reg_end = g_get_monotonic_time () + (gint64)(REGISTER_TIMEOUT_S * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, on_tick, NULL);
  guint registered = 0;
  while (ok && !g_atomic_int_get (&l->interrupted))
    {
      registered = 0;
      for (guint i = 0; i < l->stbs_v->len; i++)
        registered += ((Stb *)g_ptr_array_index (l->stbs_v, i))->registered;
      if (registered == l->stbs || g_get_monotonic_time () > reg_end)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  if (ok && registered < l->stbs)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%u of %u STBs registered within %.0f s (logs/stb*-voip.log)", registered,
                   l->stbs, REGISTER_TIMEOUT_S);
      ok = FALSE;
    }
  g_print ("stbsim load: set-up %.1f s (%u STB(s) registered)\n",
           (gdouble)(g_get_monotonic_time () - t_setup) / 1e6, registered);
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
      g_ptr_array_add (report->tests, step_test (l, &r, start_ns));
      g_print ("step %g calls/s: %u/%u cycles, key->answer p50 %.1f ms p95 %.1f ms, Kamailio "
               "CPU %.1f%%\n",
               r.rate, r.cycles - r.failures, r.cycles, r.hop[HOP_ANSWER].p50,
               r.hop[HOP_ANSWER].p95, r.kamailio_cpu);
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  curve_json (l, b, results);
  report->extra_json = json_builder_get_root (b);
  report->extra_html = curve_text (l, results, TRUE);
  report->interrupted
      = g_atomic_int_get (&l->interrupted) ? g_strdup ("interrupted by a signal") : NULL;
  report->finished = report->interrupted == NULL;
  g_autofree gchar *text = curve_text (l, results, FALSE);
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
sr_load_main (int argc, char **argv)
{
  Load l = { 0 };
  gint stbs = 4, subscribers = 100, cycles = 5, children = 2;
  gdouble step_s = 10.0;
  g_autofree gchar *steps_text = NULL, *mix = NULL, *report_dir = NULL;
  GOptionEntry entries[] = {
    { "stbs", 'k', 0, G_OPTION_ARG_INT, &stbs, "Simulated STBs, full process stacks (default 4)",
      "K" },
    { "subscribers", 'M', 0, G_OPTION_ARG_INT, &subscribers,
      "Registered background subscribers (sipp, refreshing; default 100)", "M" },
    { "steps", 's', 0, G_OPTION_ARG_STRING, &steps_text,
      "Background call rates, one load step each (default 0,5,20)", "R,R,..." },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &mix,
      "Background calls answered,rejected,cancelled (weights; default 7,2,1)", "A,R,C" },
    { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles,
      "callee-accept + resume cycles per STB per step (default 5)", "N" },
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
      || cycles > MAX_CYCLES || children < 1 || children > 64 || step_s < 0 || step_s > 3600)
    {
      g_printerr ("stbsim load: --stbs 1..%d, --subscribers 0..%d, --cycles 1..%d, "
                  "--kamailio-children 1..64, --step-seconds 0..3600\n",
                  MAX_STBS, MAX_SUBSCRIBERS, MAX_CYCLES);
      return SR_EXIT_USAGE;
    }
  l.stbs = (guint)stbs;
  l.subscribers = (guint)subscribers;
  l.cycles = (guint)cycles;
  l.children = (guint)children;
  l.steps_text = g_strdup (steps_text ? steps_text : "0,5,20");
  l.mix_text = g_strdup (mix ? mix : "7,2,1");
  l.report_dir = g_strdup (report_dir ? report_dir : "reports");
  g_autoptr (GArray) steps = parse_steps (l.steps_text, &error);
  if (steps == NULL || !parse_mix (&l, &error))
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
  int rc = load_run (&l, steps, step_s, command_line);
  g_source_remove (s1);
  g_source_remove (s2);
  load_clear (&l);
  return rc;
}
