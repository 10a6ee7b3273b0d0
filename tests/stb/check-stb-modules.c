/* SPDX-License-Identifier: MIT */
/*
 * stb-iptv and stb-voip as processes against the real stb-qcopd, in both channel layouts:
 * the caller, callee-accept, callee-reject and resume (live and VOD) flows driven through
 * the agent interface (SPEC §12), asserted on the agent events a test QCOP client receives
 * and on the switch messages in the server's trace (JSON lines, sim/qcop/TRACE.md); plus
 * malformed switch messages (SPEC §4). A stb-headend (unicast) serves live and VOD.
 */
#define G_LOG_DOMAIN "check-stb-modules"

#include "stb-agent.h"
#include "stb-dialect.h"
#include "stbsim-test.h"

#include "qcop-datastream.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/wait.h>

#define WAIT_MS 8000
/* first decoded frame of real media: generous, the modules may run under ASan */
#define MEDIA_WAIT_MS 30000

static const gchar *const layouts[] = { "bidirectional", "unidirectional" };

/* One stb-headend for every test (unchecked fixture: lives in the parent runner). */
static StbsimProc *headend;
static gchar *headend_dir;
static gchar *headend_rtsp;
static gchar *headend_lineup;

typedef struct
{
  gint64 t;
  gchar *source;
  gchar *name;
  gchar *details;
} Event;

typedef struct
{
  gchar *dir;
  gchar *socket;
  gchar *trace;
  const gchar *layout;
  StbDialect *dialect;
  StbsimProc *qcopd;
  StbsimProc *iptv;
  StbsimProc *voip;
  QcopClient *client;
  gchar **lsan_env;
  GPtrArray *events;
  guint cursor_iptv;
  guint cursor_voip;
} Rig;

static void
event_free (gpointer p)
{
  Event *e = p;

  g_free (e->source);
  g_free (e->name);
  g_free (e->details);
  g_free (e);
}

static gchar *
value_of (const gchar *details, const gchar *key)
{
  return stb_agent_details_get (details, key);
}

static gchar *
ready_value (const gchar *line, const gchar *key)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  gsize klen = strlen (key);

  for (guint i = 0; words[i]; i++)
    if (strncmp (words[i], key, klen) == 0 && words[i][klen] == '=')
      return g_strdup (words[i] + klen + 1);
  return NULL;
}

/* ---- headend (fixture) ------------------------------------------------------------------- */

static void
headend_setup (void)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/headend/stb-headend");
  g_autofree gchar *lineup = stbsim_test_source_path ("fixtures/lineup.ini");
  g_autofree gchar *run = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *ready = NULL;

  headend_dir = stbsim_test_mkdtemp ("check-stb-headend");
  run = g_build_filename (headend_dir, "run", NULL);
  log = g_build_filename (headend_dir, "headend.log", NULL);
  {
    const gchar *argv[]
        = { exe,         "--lineup",         lineup, "--run-dir", run, "--rtsp-port", "0",
            "--unicast", "--live-port-base", "0",    NULL };
    headend = stbsim_test_spawn_ready (argv, "stb-headend", log, 60000, &ready);
  }
  headend_rtsp = ready_value (ready, "rtsp");
  headend_lineup = ready_value (ready, "lineup");
  ck_assert_msg (headend_rtsp && headend_lineup, "headend READY line: %s", ready);
}

static void
headend_teardown (void)
{
  g_clear_pointer (&headend, stbsim_proc_free);
  stbsim_test_rmtree (headend_dir);
  g_clear_pointer (&headend_dir, g_free);
  g_clear_pointer (&headend_rtsp, g_free);
  g_clear_pointer (&headend_lineup, g_free);
}

/* ---- rig --------------------------------------------------------------------------------- */

static void
on_event (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
          gpointer user_data)
{
  Rig *rig = user_data;
  Event *e = g_new0 (Event, 1);

  ck_assert_str_eq (message, STB_AGENT_EVENT_MESSAGE);
  ck_assert (stb_agent_decode_event (data, &e->t, &e->source, &e->name, &e->details, NULL));
  g_ptr_array_add (rig->events, e);
}

/*
 * LSan: GLib's constructor (glib_init -> g_quark_init) allocates the first quark block, and
 * GLib drops (never frees) it when the quark table grows past 2048 entries, which GStreamer's
 * type registrations do. The frames are unsymbolized (no GLib debug symbols), so ci/lsan.supp's
 * names do not match; until the lead adds `leak:_dl_init` there, the modules get a copy of
 * ci/lsan.supp plus that line. Only allocations made by library constructors match.
 */
static gchar **
lsan_env (const gchar *dir)
{
  const gchar *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree gchar *base = stbsim_test_source_path ("ci/lsan.supp");
  g_autofree gchar *text = NULL;
  g_autofree gchar *path = g_build_filename (dir, "lsan.supp", NULL);
  g_autofree gchar *all = NULL;

  if (!g_file_get_contents (base, &text, NULL, NULL))
    text = g_strdup ("");
  all = g_strconcat (text, "\nleak:_dl_init\n", NULL);
  ck_assert (g_file_set_contents (path, all, -1, NULL));
  /* the constructor's stack is only complete with the slow unwinder */
  g_autofree gchar *joined = g_strdup_printf (
      "LSAN_OPTIONS=suppressions=%s:print_suppressions=0|ASAN_OPTIONS=%s%sfast_unwind_on_malloc=0",
      path, asan ? asan : "", asan ? ":" : "");
  return g_strsplit (joined, "|", -1);
}

static StbsimProc *
spawn_with_env (const gchar *const *argv, const gchar *name, const gchar *log, gchar **env)
{
  g_autoptr (GError) error = NULL;
  StbsimProcOptions opts
      = { .name = name, .log_path = log, .ready_fd = TRUE, .env = (const gchar *const *)env };
  StbsimProc *proc = stbsim_proc_spawn (argv, &opts, &error);
  g_autofree gchar *line = NULL;

  ck_assert_msg (proc != NULL, "spawn %s: %s", name, error ? error->message : "?");
  line = stbsim_proc_wait_ready (proc, 10000, &error);
  if (!line)
    {
      g_autofree gchar *text = NULL;
      g_file_get_contents (log, &text, NULL, NULL);
      stbsim_proc_free (proc);
      ck_abort_msg ("%s not ready: %s\n--- log ---\n%s", name, error->message, text ? text : "");
    }
  return proc;
}

static StbsimProc *
spawn_module (Rig *rig, const gchar *name, const gchar *const *extra)
{
  g_autofree gchar *rel = g_strdup_printf ("sim/stb/%s/stb-%s", name, name);
  g_autofree gchar *exe = stbsim_test_build_path (rel);
  g_autofree gchar *log_name = g_strdup_printf ("%s.log", name);
  g_autofree gchar *log = g_build_filename (rig->dir, log_name, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *proc_name = g_strdup_printf ("stb-%s", name);

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, "--qcop-socket");
  g_ptr_array_add (argv, rig->socket);
  g_ptr_array_add (argv, "--dialect");
  g_ptr_array_add (argv, rig->dialect->path);
  g_ptr_array_add (argv, "--layout");
  g_ptr_array_add (argv, (gpointer)rig->layout);
  g_ptr_array_add (argv, "--log-level");
  g_ptr_array_add (argv, "debug");
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, (gpointer)extra[i]);
  g_ptr_array_add (argv, NULL);
  return spawn_with_env ((const gchar *const *)argv->pdata, proc_name, log, rig->lsan_env);
}

static void
rig_start (Rig *rig, const gchar *layout, const gchar *dialect)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  g_autofree gchar *dialect_rel = g_strdup_printf ("fixtures/dialects/%s.ini", dialect);
  g_autofree gchar *dialect_path = stbsim_test_source_path (dialect_rel);
  g_autofree gchar *log = NULL;
  g_autoptr (GError) error = NULL;
  gboolean registered = FALSE;
  const gchar *iptv_extra[] = { "--lineup", headend_lineup, "--vod-base-uri", headend_rtsp, NULL };
  const gchar *voip_extra[] = { "--inject", "--t-dialog-ms", "3000",  "--t-show-ms",
                                "2000",     "--t-alert-ms",  "10000", NULL };

  memset (rig, 0, sizeof *rig);
  rig->layout = layout;
  rig->dialect = stb_dialect_load (dialect_path, &error);
  ck_assert_msg (rig->dialect != NULL, "%s", error ? error->message : "");
  ck_assert (stb_layout_from_string (layout, &rig->dialect->layout));
  rig->dir = stbsim_test_mkdtemp ("check-stb-modules");
  rig->socket = g_build_filename (rig->dir, "qcop.sock", NULL);
  rig->trace = g_build_filename (rig->dir, "trace.jsonl", NULL);
  rig->events = g_ptr_array_new_with_free_func (event_free);
  rig->lsan_env = lsan_env (rig->dir);
  log = g_build_filename (rig->dir, "qcopd.log", NULL);
  {
    const gchar *argv[] = { exe, "--socket", rig->socket, "--trace", rig->trace, NULL };
    rig->qcopd = stbsim_test_spawn_ready (argv, "stb-qcopd", log, 10000, NULL);
  }
  rig->client = qcop_client_new (rig->socket, "check-stb-modules");
  qcop_client_register (rig->client, STB_AGENT_EVENTS_CHANNEL, on_event, rig, NULL);
  ck_assert_msg (qcop_client_connect_sync (rig->client, 5000, &error), "%s", error->message);
  ck_assert (qcop_client_is_registered_sync (rig->client, STB_AGENT_EVENTS_CHANNEL, 5000,
                                             &registered, &error));
  ck_assert (registered);
  rig->voip = spawn_module (rig, "voip", voip_extra);
  rig->iptv = spawn_module (rig, "iptv", iptv_extra);
}

static gint
stop_proc (StbsimProc **proc)
{
  gint status = 0;

  if (*proc)
    status = stbsim_proc_stop (*proc, 5000);
  g_clear_pointer (proc, stbsim_proc_free);
  return status;
}

static void
rig_dump (Rig *rig, GString *out)
{
  for (guint i = 0; i < rig->events->len; i++)
    {
      Event *e = g_ptr_array_index (rig->events, i);
      g_string_append_printf (out, "  %s %s %s\n", e->source, e->name, e->details);
    }
}

/* Stop everything (modules first, SIGTERM: each must exit 0) and free. */
static void
rig_stop (Rig *rig, gboolean check_exit)
{
  gint iptv = stop_proc (&rig->iptv);
  gint voip = stop_proc (&rig->voip);

  if (rig->client)
    qcop_client_disconnect (rig->client);
  g_clear_object (&rig->client);
  stop_proc (&rig->qcopd);
  if (check_exit)
    {
      ck_assert_msg (WIFEXITED (iptv) && WEXITSTATUS (iptv) == 0, "stb-iptv status %d", iptv);
      ck_assert_msg (WIFEXITED (voip) && WEXITSTATUS (voip) == 0, "stb-voip status %d", voip);
    }
}

static void
rig_free (Rig *rig)
{
  rig_stop (rig, FALSE);
  g_clear_pointer (&rig->events, g_ptr_array_unref);
  g_clear_pointer (&rig->dialect, stb_dialect_free);
  if (rig->dir)
    stbsim_test_rmtree (rig->dir);
  g_clear_pointer (&rig->dir, g_free);
  g_clear_pointer (&rig->socket, g_free);
  g_clear_pointer (&rig->trace, g_free);
  g_clear_pointer (&rig->lsan_env, g_strfreev);
}

/* ---- driving ----------------------------------------------------------------------------- */

static void
send_raw (Rig *rig, const gchar *channel, const gchar *message, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *p = data ? g_bytes_get_data (data, &len) : NULL;

  ck_assert_msg (qcop_client_send (rig->client, channel, message, p, len, &error), "%s",
                 error ? error->message : "");
  ck_assert (qcop_client_flush (rig->client, 5000, NULL));
}

static void
send_string (Rig *rig, const gchar *channel, const gchar *message, const gchar *arg)
{
  g_autoptr (GBytes) data = stb_agent_encode_key (arg);

  send_raw (rig, channel, message, data);
}

static void
key (Rig *rig, const gchar *module, const gchar *k)
{
  send_string (rig, g_str_equal (module, "iptv") ? STB_AGENT_IPTV_CHANNEL : STB_AGENT_VOIP_CHANNEL,
               STB_AGENT_KEY_MESSAGE, k);
}

typedef struct
{
  Rig *rig;
  const gchar *source;
  const gchar *name;
  const gchar *const *want; /* "k=v" */
  Event *found;
} Match;

static gboolean
event_matches (Event *e, const Match *m)
{
  if (g_strcmp0 (e->source, m->source) != 0 || g_strcmp0 (e->name, m->name) != 0)
    return FALSE;
  for (guint i = 0; m->want && m->want[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (m->want[i], "=", 2);
      g_autofree gchar *v = value_of (e->details, kv[0]);
      if (g_strcmp0 (v, kv[1]) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
find_next (gpointer data)
{
  Match *m = data;
  guint *cursor = g_str_equal (m->source, "iptv") ? &m->rig->cursor_iptv : &m->rig->cursor_voip;

  for (guint i = *cursor; i < m->rig->events->len; i++)
    {
      Event *e = g_ptr_array_index (m->rig->events, i);
      if (event_matches (e, m))
        {
          *cursor = i + 1;
          m->found = e;
          return TRUE;
        }
    }
  return FALSE;
}

/* Wait for the next event of @source named @name whose details have every "k=v" given
 * (NULL-terminated), after the previous match of that source. */
static Event *
expect_v (Rig *rig, const gchar *source, const gchar *name, const gchar *const *want)
{
  Match m = { rig, source, name, want, NULL };
  gint bound = g_str_has_suffix (name, ".first-frame") ? MEDIA_WAIT_MS : WAIT_MS;

  if (!stbsim_test_wait_until (NULL, find_next, &m, bound))
    {
      g_autoptr (GString) dump = g_string_new (NULL);
      g_autofree gchar *wanted = want ? g_strjoinv (";", (gchar **)want) : g_strdup ("");
      rig_dump (rig, dump);
      ck_abort_msg ("no %s %s %s (layout %s) in events:\n%s", source, name, wanted, rig->layout,
                    dump->str);
    }
  return m.found;
}

#define expect(rig, source, name, ...)                                                             \
  expect_v (rig, source, name, (const gchar *const[]){ __VA_ARGS__, NULL })

/* No event @name of @source with "k=v" appears among the events received so far. */
static void
expect_none (Rig *rig, const gchar *source, const gchar *name, const gchar *kv)
{
  const gchar *want[] = { kv, NULL };
  Match m = { rig, source, name, want, NULL };

  for (guint i = 0; i < rig->events->len; i++)
    ck_assert_msg (!event_matches (g_ptr_array_index (rig->events, i), &m), "unexpected %s %s %s",
                   source, name, kv ? kv : "");
}

/* Ask both modules for status() and wait for the answers: everything either sent before is
 * then processed (QCOP keeps one sender's order, SPEC [SW-CHAN-15]). */
static void
sync_modules (Rig *rig)
{
  send_raw (rig, STB_AGENT_IPTV_CHANNEL, "status()", NULL);
  send_raw (rig, STB_AGENT_VOIP_CHANNEL, "status()", NULL);
  expect (rig, "iptv", "iptv.status", NULL);
  expect (rig, "voip", "voip.status", NULL);
}

/* ---- the server trace -------------------------------------------------------------------- */

/* "app channel data" of every switch message the server received (QCopSend of the dialect's
 * message name), in order, joined by '\n'. Also checks delivery per layout. */
static gchar *
trace_switch_messages (Rig *rig)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  gboolean bidi = g_str_equal (rig->layout, "bidirectional");

  ck_assert (g_file_get_contents (rig->trace, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o;
      const gchar *kind, *type, *message, *app;

      if (!*lines[i])
        continue;
      ck_assert_msg (json_parser_load_from_data (parser, lines[i], -1, NULL), "trace line %u: %s",
                     i, lines[i]);
      o = json_node_get_object (json_parser_get_root (parser));
      kind = json_object_get_string_member_with_default (o, "kind", "");
      type = json_object_get_string_member_with_default (o, "type", "");
      message = json_object_get_string_member_with_default (o, "message", "");
      app = json_object_get_string_member_with_default (o, "app", "");
      if (!g_str_equal (message, rig->dialect->message))
        continue;
      if (g_str_equal (kind, "cmd") && g_str_equal (type, "QCopSend"))
        g_string_append_printf (out, "%s %s %s\n", app,
                                json_object_get_string_member_with_default (o, "channel", ""),
                                json_object_get_string_member_with_default (o, "data", ""));
      else if (g_str_equal (kind, "event") && g_str_equal (type, "QCopMessage") && !bidi
               && g_str_has_prefix (app, "stb-"))
        {
          /* unidirectional: a module never receives its own messages [SW-CHAN-03] */
          const gchar *channel = json_object_get_string_member_with_default (o, "channel", "");
          const gchar *expect_app
              = g_str_equal (channel, rig->dialect->to_iptv) ? "stb-iptv" : "stb-voip";
          ck_assert_msg (g_str_equal (app, expect_app), "%s delivered to %s", channel, app);
        }
    }
  return g_string_free (out, FALSE);
}

/* The expected trace line for @param sent by its module in the rig's layout. */
static gchar *
line_for (Rig *rig, StbSwitchParam param)
{
  g_autoptr (GBytes) b = stb_protocol_encode_param (rig->dialect, param);
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (b, &len);
  g_autofree gchar *hex = qcop_ds_to_hex (p, len);
  gboolean from_iptv = stb_switch_param_get_type (param) == STB_SWITCH_TYPE_IPTV_TO_VOIP;
  StbRole role = from_iptv ? STB_ROLE_IPTV : STB_ROLE_VOIP;

  return g_strdup_printf ("%s %s %s\n", from_iptv ? "stb-iptv" : "stb-voip",
                          stb_dialect_send_channel (rig->dialect, role), hex);
}

/* Stop the rig and compare the server's switch messages with @params (-1 terminated); the
 * VoIP module's start-up RESUME_IPTV [SW-RST-01] comes first. */
static void
check_trace (Rig *rig, const gint *params)
{
  g_autoptr (GString) want = g_string_new (NULL);
  g_autofree gchar *got = NULL;

  rig_stop (rig, TRUE);
  g_autofree gchar *first = line_for (rig, STB_SWITCH_PARAM_RESUME_IPTV);
  g_string_append (want, first);
  for (guint i = 0; params[i] >= 0; i++)
    {
      g_autofree gchar *l = line_for (rig, (StbSwitchParam)params[i]);
      g_string_append (want, l);
    }
  got = trace_switch_messages (rig);
  ck_assert_msg (g_str_equal (got, want->str), "layout %s\nserver saw:\n%s\nexpected:\n%s",
                 rig->layout, got, want->str);
}

/* ---- flows ------------------------------------------------------------------------------- */

static void
start_live (Rig *rig, const gchar *item)
{
  g_auto (GStrv) parts = g_strsplit (item, ":", 2);
  g_autofree gchar *channel = g_strdup_printf ("channel=%s", parts[1]);

  send_string (rig, STB_AGENT_IPTV_CHANNEL, "select(QString)", item);
  expect (rig, "iptv", "iptv.play", "kind=live", channel, "row=I-03");
  expect (rig, "iptv", "iptv.state", "from=NAV", "to=PLAYING_LIVE", "reason=I-03");
}

/* Patent figure 1, SPEC §8.1. */
START_TEST (test_caller)
{
  Rig rig;
  const gint params[]
      = { STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE, STB_SWITCH_PARAM_BACK_TO_NAV, -1 };

  rig_start (&rig, layouts[_i], "default");
  expect (&rig, "iptv", "iptv.ready", NULL);
  start_live (&rig, "live:1");
  key (&rig, "iptv", "menu");
  expect (&rig, "iptv", "iptv.stop", "reason=menu", "row=I-10");
  expect (&rig, "iptv", "iptv.page", "page=nav");
  expect (&rig, "iptv", "iptv.focus", "item=videocall");
  expect (&rig, "iptv", "iptv.state", "from=PLAYING_LIVE", "to=NAV", "reason=I-10");
  key (&rig, "iptv", "ok");
  expect (&rig, "iptv", "switch.tx", "param=CALLER_SHOW_VIDEO_PAGE", "type=iptv_to_voip");
  expect (&rig, "iptv", "iptv.page", "page=hidden");
  expect (&rig, "iptv", "iptv.state", "from=NAV", "to=HIDDEN_CALLER", "reason=I-01");
  expect (&rig, "voip", "switch.rx", "param=CALLER_SHOW_VIDEO_PAGE", "row=V-02");
  expect (&rig, "voip", "voip.page", "page=main");
  expect (&rig, "voip", "voip.state", "from=IDLE", "to=MAIN_PAGE", "reason=V-02");
  for (const gchar *d = "1002"; *d; d++)
    {
      gchar k[2] = { *d, 0 };
      key (&rig, "voip", k);
    }
  expect (&rig, "voip", "voip.number", "number=1002");
  key (&rig, "voip", "ok");
  expect (&rig, "voip", "voip.call", "state=dialling", "peer=1002", "role=caller");
  expect (&rig, "voip", "voip.state", "to=DIALLING", "reason=V-32");
  send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectAnswer()", NULL);
  expect (&rig, "voip", "voip.state", "from=DIALLING", "to=IN_CALL", "reason=V-41");
  key (&rig, "voip", "back"); /* local hang-up: stays on the main page [SW-VOIP-08] */
  expect (&rig, "voip", "voip.call", "state=ended", "reason=local-hangup");
  expect (&rig, "voip", "voip.state", "from=IN_CALL", "to=MAIN_PAGE", "reason=V-52");
  key (&rig, "voip", "back");
  expect (&rig, "voip", "voip.page", "page=hidden");
  expect (&rig, "voip", "switch.tx", "param=BACK_TO_NAV");
  expect (&rig, "voip", "voip.state", "from=MAIN_PAGE", "to=IDLE", "reason=V-34");
  expect (&rig, "iptv", "switch.rx", "param=BACK_TO_NAV", "row=I-40");
  expect (&rig, "iptv", "iptv.page", "page=nav");
  expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLER", "to=NAV", "reason=I-40");
  check_trace (&rig, params);
  rig_free (&rig);
}
END_TEST

/* Accept an incoming call; @stop: "k=v" of the expected iptv.stop (NULL: nothing played).
 * Returns the iptv.stop event (or NULL). */
static Event *
callee_accept (Rig *rig, const gchar *from_state, const gchar *stop_row, const gchar *const *stop)
{
  Event *stopped = NULL;
  g_autofree gchar *from = g_strdup_printf ("from=%s", from_state);
  g_autofree gchar *row = g_strdup_printf ("row=%s", stop_row);
  g_autofree gchar *reason = g_strdup_printf ("reason=%s", stop_row);

  send_string (rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2001@ims.test");
  expect (rig, "voip", "voip.dialog", "state=shown", "peer=sip:2001@ims.test");
  expect (rig, "voip", "voip.call", "state=incoming", "code=180", "role=callee");
  expect (rig, "voip", "voip.state", "from=IDLE", "to=DIALOG", "reason=V-01");
  key (rig, "voip", "ok");
  expect (rig, "voip", "switch.tx", "param=STOP_IPTV", "type=voip_to_iptv");
  expect (rig, "voip", "voip.dialog", "state=closed", "reason=accept");
  expect (rig, "voip", "voip.state", "from=DIALOG", "to=AWAIT_SHOW", "reason=V-10");
  expect (rig, "iptv", "switch.rx", "param=STOP_IPTV", row);
  /* [SW-IPTV-05]: stop, hide, then CALLEE_SHOW_VIDEO_PAGE */
  if (stop)
    stopped = expect_v (rig, "iptv", "iptv.stop", stop);
  expect (rig, "iptv", "iptv.page", "page=hidden");
  expect (rig, "iptv", "switch.tx", "param=CALLEE_SHOW_VIDEO_PAGE");
  expect (rig, "iptv", "iptv.state", from, "to=HIDDEN_CALLEE", reason);
  expect (rig, "voip", "switch.rx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=V-20");
  expect (rig, "voip", "voip.page", "page=main");
  expect (rig, "voip", "voip.call", "state=answered", "code=200"); /* only now [SW-SIP-02] */
  expect (rig, "voip", "voip.state", "from=AWAIT_SHOW", "to=IN_CALL", "reason=V-20");
  return stopped;
}

#define STOP(...) ((const gchar *const[]){ "reason=stop-iptv", __VA_ARGS__, NULL })

/* Patent figure 2 + resume of a live channel, SPEC §8.2, §8.4. */
START_TEST (test_callee_accept_resume_live)
{
  Rig rig;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  start_live (&rig, "live:3");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live", "channel=3"));
  send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL); /* remote BYE */
  expect (&rig, "voip", "voip.call", "state=ended", "reason=remote-hangup");
  expect (&rig, "voip", "voip.page", "page=hidden");
  expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-51");
  expect (&rig, "voip", "voip.state", "from=IN_CALL", "to=IDLE", "reason=V-51");
  expect (&rig, "iptv", "switch.rx", "param=RESUME_IPTV", "row=I-51");
  expect (&rig, "iptv", "iptv.page", "page=player");
  expect (&rig, "iptv", "iptv.play", "kind=live", "channel=3", "row=I-51"); /* [SW-IPTV-07] */
  expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_LIVE", "reason=I-51");
  check_trace (&rig, params);
  rig_free (&rig);
}
END_TEST

/* SPEC §8.3 */
START_TEST (test_callee_reject)
{
  Rig rig;
  const gint params[] = { STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  start_live (&rig, "live:2");
  send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2002@ims.test");
  expect (&rig, "voip", "voip.state", "to=DIALOG", "reason=V-01");
  key (&rig, "voip", "back");
  expect (&rig, "voip", "voip.call", "state=ended", "code=603", "reason=rejected");
  expect (&rig, "voip", "voip.dialog", "state=closed", "reason=reject");
  expect (&rig, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-11");
  expect (&rig, "voip", "voip.state", "from=DIALOG", "to=IDLE", "reason=V-11");
  expect (&rig, "iptv", "switch.rx", "param=REJECT_CONTINUE_IPTV", "row=I-15", "effect=none");
  sync_modules (&rig);
  expect_none (&rig, "iptv", "iptv.stop", NULL); /* [SW-IPTV-08] the picture continues */
  expect_none (&rig, "iptv", "iptv.state", "from=PLAYING_LIVE");
  check_trace (&rig, params);
  rig_free (&rig);
}
END_TEST

/* SPEC §8.6: a call during VOD resumes at the stop position. */
START_TEST (test_resume_vod)
{
  Rig rig;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };
  Event *e;
  g_autofree gchar *pos = NULL;
  g_autofree gchar *want_pos = NULL;

  rig_start (&rig, layouts[_i], "default");
  send_string (&rig, STB_AGENT_IPTV_CHANNEL, "select(QString)", "vod:movie");
  expect (&rig, "iptv", "iptv.play", "kind=vod", "asset=movie", "position=0", "row=I-04");
  expect (&rig, "iptv", "iptv.state", "from=NAV", "to=PLAYING_VOD", "reason=I-04");
  expect (&rig, "iptv", "iptv.first-frame", "kind=vod", "asset=movie");
  e = callee_accept (&rig, "PLAYING_VOD", "I-23", STOP ("kind=vod", "asset=movie"));
  pos = value_of (e->details, "position");
  ck_assert_msg (pos && g_ascii_strtoll (pos, NULL, 10) >= 0, "stop position %s", pos);
  key (&rig, "voip", "back"); /* local hang-up: V-50 */
  expect (&rig, "voip", "voip.call", "state=ended", "reason=local-hangup");
  expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-50");
  expect (&rig, "voip", "voip.state", "from=IN_CALL", "to=IDLE", "reason=V-50");
  want_pos = g_strdup_printf ("position=%s", pos);
  expect (&rig, "iptv", "iptv.play", "kind=vod", "asset=movie", want_pos, "row=I-52");
  expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_VOD", "reason=I-52");
  expect (&rig, "iptv", "iptv.first-frame", "kind=vod", "asset=movie");
  check_trace (&rig, params);
  rig_free (&rig);
}
END_TEST

/* SPEC §4: malformed switch messages are ignored, counted, reported; the modules keep
 * working (a callee flow afterwards). */
START_TEST (test_malformed)
{
  Rig rig;
  const gchar *targets[2];
  static const gchar *const bad[][2] = {
    { "switchService(int,int)", "000000" },           /* short-data */
    { "switchService(int,int)", "0000000700000001" }, /* unknown-type */
    { "other(int)", "0000000200000002" },             /* unknown-message */
  };
  g_autofree guint8 *big = g_malloc0 (16000);

  rig_start (&rig, layouts[_i], "default");
  targets[0] = stb_dialect_listen_channel (rig.dialect, STB_ROLE_IPTV);
  targets[1] = stb_dialect_listen_channel (rig.dialect, STB_ROLE_VOIP);
  for (guint t = 0; t < 2; t++)
    {
      if (t == 1 && g_str_equal (targets[0], targets[1]))
        break;
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autoptr (GBytes) data = qcop_ds_from_hex (bad[i][1], NULL);
          send_raw (&rig, targets[t], bad[i][0], data);
        }
      {
        g_autoptr (GBytes) data = g_bytes_new (big, 16000); /* zeros: type 0 */
        send_raw (&rig, targets[t], "switchService(int,int)", data);
      }
    }
  /* addressed to IPTV but with an unknown parameter, and addressed to VoIP likewise */
  {
    g_autoptr (GBytes) a = qcop_ds_from_hex ("0000000200000063", NULL);
    g_autoptr (GBytes) b = qcop_ds_from_hex ("0000000100000063", NULL);
    send_raw (&rig, targets[0], "switchService(int,int)", a);
    send_raw (&rig, targets[1], "switchService(int,int)", b);
  }
  for (guint m = 0; m < 2; m++)
    {
      const gchar *src = m ? "voip" : "iptv";
      g_autofree gchar *name = g_strdup_printf ("%s.ignored", src);
      expect (&rig, src, name, "reason=short-data", "len=3");
      expect (&rig, src, name, "reason=unknown-type", "type=7");
      expect (&rig, src, name, "reason=unknown-message");
      expect (&rig, src, name, "reason=unknown-type", "len=16000", "type=0");
    }
  expect (&rig, "iptv", "iptv.ignored", "reason=unknown-param", "param=99");
  expect (&rig, "voip", "voip.ignored", "reason=unknown-param", "param=99");
  /* a valid message in the wrong state: RESUME_IPTV while on NAV is ignored */
  {
    g_autoptr (GBytes) r = stb_protocol_encode_param (rig.dialect, STB_SWITCH_PARAM_RESUME_IPTV);
    send_raw (&rig, targets[0], rig.dialect->message, r);
    expect (&rig, "iptv", "iptv.ignored", "reason=unexpected-state");
  }
  /* still working */
  start_live (&rig, "live:1");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live"));
  {
    const gint params[] = { STB_SWITCH_PARAM_RESUME_IPTV, STB_SWITCH_PARAM_STOP_IPTV,
                            STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, -1 };
    /* the injected RESUME_IPTV was sent by this test client, not a module: skip it */
    rig_stop (&rig, TRUE);
    g_autofree gchar *got = trace_switch_messages (&rig);
    g_autofree gchar *l1 = line_for (&rig, params[1]);
    g_autofree gchar *l2 = line_for (&rig, params[2]);
    ck_assert_msg (strstr (got, l1) && strstr (got, l2), "trace:\n%s", got);
  }
  rig_free (&rig);
}
END_TEST

/* A vendor dialect (renamed channels, renumbered values): the callee flow end to end. */
START_TEST (test_vendor_dialect)
{
  Rig rig;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };

  rig_start (&rig, layouts[_i], "vendor-example");
  expect (&rig, "iptv", "iptv.ready", "dialect=vendor-example");
  start_live (&rig, "live:4");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live"));
  send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL);
  expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_LIVE", "reason=I-51");
  check_trace (&rig, params);
  rig_free (&rig);
}
END_TEST

/* T_SHOW [SW-TMR-02]: an IPTV module that never answers STOP_IPTV; V-21 gives the screen back. */
START_TEST (test_show_timeout)
{
  Rig rig;

  rig_start (&rig, layouts[_i], "default");
  stop_proc (&rig.iptv); /* the peer is gone */
  send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2003@ims.test");
  key (&rig, "voip", "ok");
  expect (&rig, "voip", "voip.state", "to=AWAIT_SHOW", "reason=V-10");
  expect (&rig, "voip", "voip.call", "state=ended", "code=480", "reason=switch-timeout");
  expect (&rig, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-21");
  expect (&rig, "voip", "voip.state", "from=AWAIT_SHOW", "to=IDLE", "reason=V-21");
  rig_free (&rig);
}
END_TEST

/* §9.9 duplicates: a second STOP_IPTV in HIDDEN_CALLEE is answered again (I-55, [SW-IPTV-11]);
 * the VoIP module in IN_CALL ignores that CALLEE_SHOW_VIDEO_PAGE as a duplicate (no second
 * 200 OK, [SW-VOIP-12]) and a CALLER_SHOW_VIDEO_PAGE as unexpected-state. */
START_TEST (test_duplicates)
{
  Rig rig;
  g_autoptr (GBytes) stop = NULL;
  g_autoptr (GBytes) caller = NULL;

  rig_start (&rig, layouts[_i], "default");
  stop = stb_protocol_encode_param (rig.dialect, STB_SWITCH_PARAM_STOP_IPTV);
  caller = stb_protocol_encode_param (rig.dialect, STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE);
  start_live (&rig, "live:2");
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live", "channel=2"));
  send_raw (&rig, stb_dialect_listen_channel (rig.dialect, STB_ROLE_IPTV), rig.dialect->message,
            stop);
  expect (&rig, "iptv", "switch.rx", "param=STOP_IPTV", "row=I-55", "effect=reply");
  expect (&rig, "iptv", "switch.tx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=I-55");
  expect (&rig, "voip", "voip.ignored", "reason=duplicate", "param=2");
  send_raw (&rig, stb_dialect_listen_channel (rig.dialect, STB_ROLE_VOIP), rig.dialect->message,
            caller);
  expect (&rig, "voip", "voip.ignored", "reason=unexpected-state", "param=1");
  sync_modules (&rig);
  {
    Match answered
        = { &rig, "voip", "voip.call", (const gchar *const[]){ "state=answered", NULL }, NULL };
    guint n = 0;
    for (guint i = 0; i < rig.events->len; i++)
      n += event_matches (g_ptr_array_index (rig.events, i), &answered);
    ck_assert_uint_eq (n, 1);
  }
  expect_none (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE");
  rig_free (&rig);
}
END_TEST

/* V-13: nobody answers the dialog; T_DIALOG closes it with 480 and REJECT_CONTINUE_IPTV. */
START_TEST (test_dialog_timeout)
{
  Rig rig;
  const gint params[] = { STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  start_live (&rig, "live:1");
  send_string (&rig, STB_AGENT_VOIP_CHANNEL, "injectCall(QString)", "sip:2004@ims.test");
  expect (&rig, "voip", "voip.state", "to=DIALOG", "reason=V-01");
  expect (&rig, "voip", "voip.call", "state=ended", "code=480", "reason=timeout");
  expect (&rig, "voip", "voip.dialog", "state=closed", "reason=timeout");
  expect (&rig, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-13");
  expect (&rig, "iptv", "switch.rx", "param=REJECT_CONTINUE_IPTV", "row=I-15");
  check_trace (&rig, params);
  rig_free (&rig);
}
END_TEST

static gboolean
client_ready (gpointer data)
{
  Rig *rig = data;
  gboolean registered = FALSE;

  return qcop_client_is_connected (rig->client)
         && qcop_client_is_registered_sync (rig->client, STB_AGENT_EVENTS_CHANNEL, 1000,
                                            &registered, NULL)
         && registered;
}

/* Both modules answer status() (so they are registered at the server again). */
static gboolean
modules_answer (Rig *rig)
{
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      Match iptv = { rig, "iptv", "iptv.status", NULL, NULL };
      Match voip = { rig, "voip", "voip.status", NULL, NULL };

      send_raw (rig, STB_AGENT_IPTV_CHANNEL, "status()", NULL);
      send_raw (rig, STB_AGENT_VOIP_CHANNEL, "status()", NULL);
      if (stbsim_test_wait_until (NULL, find_next, &iptv, 200)
          && stbsim_test_wait_until (NULL, find_next, &voip, 200))
        return TRUE;
    }
  return FALSE;
}

/* [SW-CHAN-12]: the server restarts; both modules reconnect, re-register, keep their state
 * (IPTV keeps playing), the VoIP module resynchronises with RESUME_IPTV ([SW-RST-01], ignored
 * by the playing IPTV) and the callee flow works on the new server. */
START_TEST (test_server_restart)
{
  Rig rig;
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  g_autofree gchar *log = NULL;
  const gint params[] = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
                          STB_SWITCH_PARAM_RESUME_IPTV, -1 };

  rig_start (&rig, layouts[_i], "default");
  qcop_client_set_auto_reconnect (rig.client, TRUE, 50);
  start_live (&rig, "live:1");
  stop_proc (&rig.qcopd);
  g_free (rig.trace);
  rig.trace = g_build_filename (rig.dir, "trace2.jsonl", NULL);
  log = g_build_filename (rig.dir, "qcopd2.log", NULL);
  {
    const gchar *argv[] = { exe, "--socket", rig.socket, "--trace", rig.trace, NULL };
    rig.qcopd = stbsim_test_spawn_ready (argv, "stb-qcopd", log, 10000, NULL);
  }
  ck_assert_msg (stbsim_test_wait_until (NULL, client_ready, &rig, 10000),
                 "test client did not reconnect");
  ck_assert_msg (modules_answer (&rig), "modules did not come back on the new server");
  send_raw (&rig, STB_AGENT_IPTV_CHANNEL, "status()", NULL);
  {
    Event *st = expect (&rig, "iptv", "iptv.status", NULL);
    g_autofree gchar *playing = value_of (st->details, "playing");
    ck_assert_str_eq (playing, "live:1");
  }
  callee_accept (&rig, "PLAYING_LIVE", "I-14", STOP ("kind=live", "channel=1"));
  send_raw (&rig, STB_AGENT_VOIP_CHANNEL, "injectHangup()", NULL);
  expect (&rig, "iptv", "iptv.state", "from=HIDDEN_CALLEE", "to=PLAYING_LIVE", "reason=I-51");
  check_trace (&rig, params); /* the first line: the VoIP module's resync RESUME_IPTV */
  rig_free (&rig);
}
END_TEST

static Suite *
modules_suite (void)
{
  Suite *s = suite_create ("stb-modules");
  TCase *tc = tcase_create ("flows");

  tcase_add_unchecked_fixture (tc, headend_setup, headend_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_caller, 0, 2);
  tcase_add_loop_test (tc, test_callee_accept_resume_live, 0, 2);
  tcase_add_loop_test (tc, test_callee_reject, 0, 2);
  tcase_add_loop_test (tc, test_resume_vod, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("robustness");
  tcase_add_unchecked_fixture (tc, headend_setup, headend_teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_malformed, 0, 2);
  tcase_add_loop_test (tc, test_vendor_dialect, 0, 2);
  tcase_add_loop_test (tc, test_show_timeout, 0, 2);
  tcase_add_loop_test (tc, test_server_restart, 0, 2);
  tcase_add_loop_test (tc, test_duplicates, 0, 2);
  tcase_add_loop_test (tc, test_dialog_timeout, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (modules_suite ());
}
