/* SPDX-License-Identifier: MIT */
/* One simulated STB stack for the module integration tests (see stb-test-stack.h). */
#define G_LOG_DOMAIN "stb-test-stack"

#include "stb-test-stack.h"

#include "qcop-datastream.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/wait.h>

static void
event_free (gpointer p)
{
  StbStackEvent *e = p;

  g_free (e->source);
  g_free (e->name);
  g_free (e->details);
  g_free (e);
}

gchar *
stb_stack_ready_value (const gchar *line, const gchar *key)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  gsize klen = strlen (key);

  for (guint i = 0; words[i]; i++)
    if (strncmp (words[i], key, klen) == 0 && words[i][klen] == '=')
      return g_strdup (words[i] + klen + 1);
  return NULL;
}

gchar *
stb_stack_path (StbStack *stack, const gchar *name)
{
  return g_build_filename (stack->dir, name, NULL);
}

/* ---- start / stop ------------------------------------------------------------------------ */

static void
on_event (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
          gpointer user_data)
{
  StbStack *stack = user_data;
  StbStackEvent *e = g_new0 (StbStackEvent, 1);

  ck_assert_str_eq (message, STB_AGENT_EVENT_MESSAGE);
  ck_assert (stb_agent_decode_event (data, &e->t, &e->source, &e->name, &e->details, NULL));
  g_ptr_array_add (stack->events, e);
}

/* Bound on a process's READY: a module loads its media plugins before it is ready (libav
 * alone took more than 10 s in an ASan build at load average 34), so only a hung start-up
 * may reach it. */
#define READY_MS 30000

static StbsimProc *
spawn_ready (const gchar *const *argv, const gchar *name, const gchar *log, gint bound_ms)
{
  g_autoptr (GError) error = NULL;
  StbsimProcOptions opts = { .name = name, .log_path = log, .ready_fd = TRUE };
  StbsimProc *proc = stbsim_proc_spawn (argv, &opts, &error);
  g_autofree gchar *line = NULL;

  ck_assert_msg (proc != NULL, "spawn %s: %s", name, error ? error->message : "?");
  line = stbsim_proc_wait_ready (proc, bound_ms, &error);
  if (!line)
    {
      g_autofree gchar *text = NULL;
      gsize len = 0;
      g_file_get_contents (log, &text, &len, NULL);
      stbsim_proc_free (proc);
      /* the log's tail: libcheck bounds a message to 4 KiB */
      ck_abort_msg ("%s not ready: %.500s\n--- log %s (tail) ---\n%s", name, error->message, log,
                    text ? text + (len > 2500 ? len - 2500 : 0) : "");
    }
  return proc;
}

static StbsimProc *
spawn_module (StbStack *stack, const gchar *name, const StbStackOptions *o)
{
  g_autofree gchar *rel = g_strdup_printf ("sim/stb/%s/stb-%s", name, name);
  g_autofree gchar *exe = stbsim_test_build_path (rel);
  g_autofree gchar *log_name = g_strdup_printf ("%s.log", name);
  g_autofree gchar *log = stb_stack_path (stack, log_name);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *proc_name = g_strdup_printf ("stb-%s", name);
  gboolean voip = g_str_equal (name, "voip");
  const gchar *const *extra = voip ? o->voip_args : o->iptv_args;

  for (guint i = 0; voip && o->voip_wrapper && o->voip_wrapper[i]; i++)
    g_ptr_array_add (argv, (gpointer)o->voip_wrapper[i]);
  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, "--qcop-socket");
  g_ptr_array_add (argv, stack->socket);
  g_ptr_array_add (argv, "--dialect");
  g_ptr_array_add (argv, stack->dialect->path);
  g_ptr_array_add (argv, "--layout");
  g_ptr_array_add (argv, (gpointer)stack->layout);
  g_ptr_array_add (argv, "--log-level");
  g_ptr_array_add (argv, "debug");
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, (gpointer)extra[i]);
  g_ptr_array_add (argv, NULL);
  return spawn_ready ((const gchar *const *)argv->pdata, proc_name, log,
                      voip && o->voip_ready_ms > 0 ? o->voip_ready_ms : READY_MS);
}

/* stb-qcopd on a socket of the run dir or on a Qt display, or the options' own server. */
static void
start_server (StbStack *stack, const StbStackOptions *o, const gchar *qcopd, const gchar *log)
{
  g_autofree gchar *display = g_strdup_printf ("%d", o->qws_display);
  g_autoptr (GError) error = NULL;

  if (o->server_argv != NULL)
    {
      /* SIGTERM if the test dies: a QWS server removes its semaphores and shared memory */
      StbsimProcOptions opts = { .name = "qws-server",
                                 .log_path = log,
                                 .ready_fd = TRUE,
                                 .env = o->server_env,
                                 .death_signal = SIGTERM };
      g_autofree gchar *line = NULL;

      stack->socket = g_strdup (o->server_socket);
      stack->qcopd = stbsim_proc_spawn (o->server_argv, &opts, &error);
      ck_assert_msg (stack->qcopd != NULL, "spawn %s: %s", o->server_argv[0],
                     error ? error->message : "?");
      line = stbsim_proc_wait_ready (stack->qcopd, 20000, &error);
      ck_assert_msg (line != NULL, "%s not ready: %s (log %s)", o->server_argv[0],
                     error ? error->message : "?", log);
      return;
    }
  if (o->qws_display > 0)
    {
      const gchar *argv[] = { qcopd, "--display", display, "--trace", stack->trace, NULL };

      StbsimProcOptions opts
          = { .name = "stb-qcopd", .log_path = log, .ready_fd = TRUE, .death_signal = SIGTERM };
      g_autofree gchar *line = NULL;

      stack->socket
          = g_strdup_printf ("/tmp/qtembedded-%d/QtEmbedded-%d", o->qws_display, o->qws_display);
      stack->qcopd = stbsim_proc_spawn (argv, &opts, &error);
      ck_assert_msg (stack->qcopd != NULL, "spawn stb-qcopd: %s", error ? error->message : "?");
      line = stbsim_proc_wait_ready (stack->qcopd, 10000, &error);
      ck_assert_msg (line != NULL, "stb-qcopd --display not ready: %s (log %s)",
                     error ? error->message : "?", log);
      return;
    }
  stack->socket = stb_stack_path (stack, "qcop.sock");
  {
    const gchar *argv[] = { qcopd, "--socket", stack->socket, "--trace", stack->trace, NULL };
    stack->qcopd = stbsim_test_spawn_ready (argv, "stb-qcopd", log, READY_MS, NULL);
  }
}

void
stb_stack_start (StbStack *stack, const StbStackOptions *o)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  g_autofree gchar *dialect_rel
      = g_strdup_printf ("fixtures/dialects/%s.ini", o->dialect ? o->dialect : "default");
  g_autofree gchar *dialect_path = stbsim_test_source_path (dialect_rel);
  g_autofree gchar *log = NULL;
  g_autoptr (GError) error = NULL;
  gboolean registered = FALSE;
  const gchar *name = o->name ? o->name : "check-stb-stack";

  memset (stack, 0, sizeof *stack);
  stack->layout = o->layout;
  stack->dialect = stb_dialect_load (dialect_path, &error);
  ck_assert_msg (stack->dialect != NULL, "%s", error ? error->message : "");
  ck_assert (stb_layout_from_string (o->layout, &stack->dialect->layout));
  stack->dir = stbsim_test_mkdtemp (name);
  stack->trace = stb_stack_path (stack, "trace.jsonl");
  stack->events = g_ptr_array_new_with_free_func (event_free);
  stack->cursor = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  log = stb_stack_path (stack, "qcopd.log");
  start_server (stack, o, exe, log);
  stack->client = qcop_client_new (stack->socket, name);
  qcop_client_register (stack->client, STB_AGENT_EVENTS_CHANNEL, on_event, stack, NULL);
  ck_assert_msg (qcop_client_connect_sync (stack->client, 5000, &error), "%s", error->message);
  ck_assert (qcop_client_is_registered_sync (stack->client, STB_AGENT_EVENTS_CHANNEL, 5000,
                                             &registered, &error));
  ck_assert (registered);
  if (!o->without_voip)
    stack->voip = spawn_module (stack, "voip", o);
  if (!o->without_iptv)
    stack->iptv = spawn_module (stack, "iptv", o);
}

gint
stb_stack_stop_proc (StbsimProc **proc)
{
  gint status = 0;

  if (*proc)
    status = stbsim_proc_stop (*proc, 15000); /* SIGTERM -> exit; slow under load */
  g_clear_pointer (proc, stbsim_proc_free);
  return status;
}

void
stb_stack_stop (StbStack *stack, gboolean check_exit)
{
  gint iptv = stb_stack_stop_proc (&stack->iptv);
  gint voip = stb_stack_stop_proc (&stack->voip);

  if (stack->client)
    qcop_client_disconnect (stack->client);
  g_clear_object (&stack->client);
  stb_stack_stop_proc (&stack->qcopd);
  if (check_exit)
    {
      ck_assert_msg (WIFEXITED (iptv) && WEXITSTATUS (iptv) == 0, "stb-iptv status %d", iptv);
      ck_assert_msg (WIFEXITED (voip) && WEXITSTATUS (voip) == 0, "stb-voip status %d", voip);
    }
}

void
stb_stack_free (StbStack *stack)
{
  stb_stack_stop (stack, FALSE);
  g_clear_pointer (&stack->events, g_ptr_array_unref);
  g_clear_pointer (&stack->cursor, g_hash_table_unref);
  g_clear_pointer (&stack->dialect, stb_dialect_free);
  if (stack->dir)
    stbsim_test_rmtree (stack->dir);
  g_clear_pointer (&stack->dir, g_free);
  g_clear_pointer (&stack->socket, g_free);
  g_clear_pointer (&stack->trace, g_free);
}

/* ---- driving ----------------------------------------------------------------------------- */

void
stb_stack_send_raw (StbStack *stack, const gchar *channel, const gchar *message, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const guint8 *p = data ? g_bytes_get_data (data, &len) : NULL;

  ck_assert_msg (qcop_client_send (stack->client, channel, message, p, len, &error), "%s",
                 error ? error->message : "");
  ck_assert (qcop_client_flush (stack->client, 5000, NULL));
}

void
stb_stack_send_string (StbStack *stack, const gchar *channel, const gchar *message,
                       const gchar *arg)
{
  g_autoptr (GBytes) data = stb_agent_encode_key (arg);

  stb_stack_send_raw (stack, channel, message, data);
}

void
stb_stack_key (StbStack *stack, const gchar *module, const gchar *k)
{
  stb_stack_send_string (
      stack, g_str_equal (module, "iptv") ? STB_AGENT_IPTV_CHANNEL : STB_AGENT_VOIP_CHANNEL,
      STB_AGENT_KEY_MESSAGE, k);
}

/* ---- events ------------------------------------------------------------------------------ */

gchar *
stb_stack_dump (StbStack *stack)
{
  return stb_stack_dump_tail (stack, G_MAXSIZE);
}

gchar *
stb_stack_dump_tail (StbStack *stack, gsize max)
{
  GString *out = g_string_new (NULL);
  guint first = stack->events->len;
  gsize len = 0;

  /* the newest events that fit in @max bytes (libcheck's messages are bounded) */
  while (first > 0)
    {
      StbStackEvent *e = g_ptr_array_index (stack->events, first - 1);
      gsize n = strlen (e->source) + strlen (e->name) + strlen (e->details) + 26;
      if (len + n > max)
        break;
      len += n;
      first--;
    }
  if (first > 0)
    g_string_append_printf (out, "  (%u earlier events left out)\n", first);
  for (guint i = first; i < stack->events->len; i++)
    {
      StbStackEvent *e = g_ptr_array_index (stack->events, i);
      g_string_append_printf (out, "  %" G_GINT64_FORMAT " %s %s %s\n", e->t, e->source, e->name,
                              e->details);
    }
  return g_string_free (out, FALSE);
}

gboolean
stb_stack_event_matches (const StbStackEvent *e, const gchar *source, const gchar *name,
                         const gchar *const *want)
{
  if (g_strcmp0 (e->source, source) != 0 || g_strcmp0 (e->name, name) != 0)
    return FALSE;
  for (guint i = 0; want && want[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (want[i], "=", 2);
      g_autofree gchar *v = stb_agent_details_get (e->details, kv[0]);
      if (g_strcmp0 (v, kv[1]) != 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  StbStack *stack;
  const gchar *source;
  const gchar *name;
  const gchar *const *want;
  StbStackEvent *found;
} Match;

static gchar *
cursor_key (const gchar *source, const gchar *name)
{
  return g_strdup (g_str_has_prefix (name, "sip.") ? "sip" : source);
}

static gboolean
find_next (gpointer data)
{
  Match *m = data;
  g_autofree gchar *key = cursor_key (m->source, m->name);
  guint from = GPOINTER_TO_UINT (g_hash_table_lookup (m->stack->cursor, key));

  for (guint i = from; i < m->stack->events->len; i++)
    {
      StbStackEvent *e = g_ptr_array_index (m->stack->events, i);
      if (stb_stack_event_matches (e, m->source, m->name, m->want))
        {
          g_hash_table_insert (m->stack->cursor, g_steal_pointer (&key), GUINT_TO_POINTER (i + 1));
          m->found = e;
          return TRUE;
        }
    }
  return FALSE;
}

StbStackEvent *
stb_stack_wait_v (StbStack *stack, const gchar *source, const gchar *name, const gchar *const *want,
                  gint bound_ms)
{
  Match m = { stack, source, name, want, NULL };

  stbsim_test_wait_until (NULL, find_next, &m, bound_ms);
  return m.found;
}

StbStackEvent *
stb_stack_expect_v (StbStack *stack, const gchar *source, const gchar *name,
                    const gchar *const *want)
{
  gint bound
      = g_str_has_suffix (name, ".first-frame") ? STB_STACK_MEDIA_WAIT_MS : STB_STACK_WAIT_MS;
  StbStackEvent *e = stb_stack_wait_v (stack, source, name, want, bound);

  if (!e)
    {
      g_autofree gchar *dump = stb_stack_dump_tail (stack, STB_STACK_DUMP_MAX);
      g_autofree gchar *wanted = want ? g_strjoinv (";", (gchar **)want) : g_strdup ("");
      ck_abort_msg ("no %s %s %s (layout %s) in events:\n%s", source, name, wanted, stack->layout,
                    dump);
    }
  return e;
}

guint
stb_stack_count_v (StbStack *stack, const gchar *source, const gchar *name,
                   const gchar *const *want)
{
  guint n = 0;

  for (guint i = 0; i < stack->events->len; i++)
    n += stb_stack_event_matches (g_ptr_array_index (stack->events, i), source, name, want);
  return n;
}

void
stb_stack_expect_none (StbStack *stack, const gchar *source, const gchar *name, const gchar *kv)
{
  const gchar *want[] = { kv, NULL };

  ck_assert_msg (stb_stack_count_v (stack, source, name, want) == 0, "unexpected %s %s %s", source,
                 name, kv ? kv : "");
}

void
stb_stack_sync (StbStack *stack)
{
  stb_stack_send_raw (stack, STB_AGENT_IPTV_CHANNEL, "status()", NULL);
  stb_stack_send_raw (stack, STB_AGENT_VOIP_CHANNEL, "status()", NULL);
  stb_stack_expect (stack, "iptv", "iptv.status", NULL);
  stb_stack_expect (stack, "voip", "voip.status", NULL);
}

/* ---- the server trace -------------------------------------------------------------------- */

typedef void (*RecordFunc) (StbStack *stack, JsonObject *o, gpointer data);

static void
for_each_record (StbStack *stack, RecordFunc func, gpointer data)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;

  ck_assert (g_file_get_contents (stack->trace, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();

      if (!*lines[i])
        continue;
      ck_assert_msg (json_parser_load_from_data (parser, lines[i], -1, NULL), "trace line %u: %s",
                     i, lines[i]);
      func (stack, json_node_get_object (json_parser_get_root (parser)), data);
    }
}

static const gchar *
member (JsonObject *o, const gchar *name)
{
  return json_object_get_string_member_with_default (o, name, "");
}

static void
collect_switch (StbStack *stack, JsonObject *o, gpointer data)
{
  GString *out = data;
  const gchar *kind = member (o, "kind"), *type = member (o, "type"), *app = member (o, "app");

  if (!g_str_equal (member (o, "message"), stack->dialect->message))
    return;
  if (g_str_equal (kind, "cmd") && g_str_equal (type, "QCopSend"))
    g_string_append_printf (out, "%s %s %s\n", app, member (o, "channel"), member (o, "data"));
  else if (g_str_equal (kind, "event") && g_str_equal (type, "QCopMessage")
           && !g_str_equal (stack->layout, "bidirectional") && g_str_has_prefix (app, "stb-"))
    {
      /* unidirectional: a module never receives its own messages [SW-CHAN-03] */
      const gchar *channel = member (o, "channel");
      const gchar *expect_app
          = g_str_equal (channel, stack->dialect->to_iptv) ? "stb-iptv" : "stb-voip";
      ck_assert_msg (g_str_equal (app, expect_app), "%s delivered to %s", channel, app);
    }
}

gchar *
stb_stack_trace_switch_messages (StbStack *stack)
{
  GString *out = g_string_new (NULL);

  for_each_record (stack, collect_switch, out);
  return g_string_free (out, FALSE);
}

gchar *
stb_stack_line_for (StbStack *stack, StbSwitchParam param)
{
  g_autoptr (GBytes) b = stb_protocol_encode_param (stack->dialect, param);
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (b, &len);
  g_autofree gchar *hex = qcop_ds_to_hex (p, len);
  gboolean from_iptv = stb_switch_param_get_type (param) == STB_SWITCH_TYPE_IPTV_TO_VOIP;
  StbRole role = from_iptv ? STB_ROLE_IPTV : STB_ROLE_VOIP;

  return g_strdup_printf ("%s %s %s\n", from_iptv ? "stb-iptv" : "stb-voip",
                          stb_dialect_send_channel (stack->dialect, role), hex);
}

typedef struct
{
  const gchar *line; /* "app channel data\n" */
  gint64 t;
} FindTime;

static void
find_time (StbStack *stack, JsonObject *o, gpointer data)
{
  FindTime *f = data;
  g_autofree gchar *line = NULL;

  if (f->t || !g_str_equal (member (o, "kind"), "cmd")
      || !g_str_equal (member (o, "type"), "QCopSend")
      || !g_str_equal (member (o, "message"), stack->dialect->message))
    return;
  line = g_strdup_printf ("%s %s %s\n", member (o, "app"), member (o, "channel"),
                          member (o, "data"));
  if (g_str_equal (line, f->line))
    f->t = json_object_get_int_member_with_default (o, "t_ns", 0);
}

gint64
stb_stack_trace_time (StbStack *stack, StbSwitchParam param)
{
  g_autofree gchar *line = stb_stack_line_for (stack, param);
  FindTime f = { line, 0 };

  for_each_record (stack, find_time, &f);
  return f.t;
}

void
stb_stack_check_trace (StbStack *stack, const gint *params)
{
  g_autoptr (GString) want = g_string_new (NULL);
  g_autofree gchar *got = NULL;
  g_autofree gchar *first = NULL;

  stb_stack_stop (stack, TRUE);
  first = stb_stack_line_for (stack, STB_SWITCH_PARAM_RESUME_IPTV);
  g_string_append (want, first);
  for (guint i = 0; params[i] >= 0; i++)
    {
      g_autofree gchar *l = stb_stack_line_for (stack, (StbSwitchParam)params[i]);
      g_string_append (want, l);
    }
  got = stb_stack_trace_switch_messages (stack);
  ck_assert_msg (g_str_equal (got, want->str), "layout %s\nserver saw:\n%s\nexpected:\n%s",
                 stack->layout, got, want->str);
}
