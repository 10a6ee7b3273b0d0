/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-module"

#include "stb-module.h"

#include "stb-fault.h"

#include "qcop-datastream.h"
#ifdef STB_WITH_FAULTS
#include "qcop-client-private.h" /* msg-over-limit writes past the client's size check */
#endif
#include "stbsim-config.h"
#include "stbsim-proc.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static GLogLevelFlags log_threshold = G_LOG_LEVEL_MESSAGE;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  /* Lower flag value = more severe. Drop what is less severe than the threshold. */
  if ((level & G_LOG_LEVEL_MASK) > log_threshold)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
set_log_level (const gchar *name, GError **error)
{
  static const struct
  {
    const gchar *name;
    GLogLevelFlags level;
  } levels[] = {
    { "error", G_LOG_LEVEL_CRITICAL },  { "warning", G_LOG_LEVEL_WARNING },
    { "message", G_LOG_LEVEL_MESSAGE }, { "info", G_LOG_LEVEL_INFO },
    { "debug", G_LOG_LEVEL_DEBUG },
  };

  if (!name)
    name = "message";
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_strcmp0 (name, levels[i].name) == 0)
      {
        log_threshold = levels[i].level;
        if (log_threshold >= G_LOG_LEVEL_INFO)
          g_log_set_debug_enabled (TRUE);
        g_log_set_writer_func (log_writer, NULL, NULL);
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--log-level: '%s' is not one of error, warning, message, info, debug", name);
  return FALSE;
}

#ifdef STB_WITH_FAULTS
static gboolean
list_faults (const gchar *name, const gchar *value, gpointer data, GError **error)
{
  g_autofree gchar *list = stb_fault_list ();

  fputs (list, stdout);
  exit (0);
}

/* What a faulty sender puts on the wire instead of the plain 8 bytes. */
static GBytes *
fault_encode (StbModule *self, StbSwitchParam param)
{
  static guint32 next_sequence;
  StbSwitchMessage msg = { .type = stb_switch_param_get_type (param), .param = param };
  GBytes *plain;
  GByteArray *out;

  if (STB_FAULT ("wrong-type"))
    msg.type
        = self->role == STB_ROLE_IPTV ? STB_SWITCH_TYPE_VOIP_TO_IPTV : STB_SWITCH_TYPE_IPTV_TO_VOIP;
  if (STB_FAULT ("msg-seq-zero") || STB_FAULT ("msg-trailer-garbage"))
    {
      msg.has_sequence = TRUE;
      msg.sequence = STB_FAULT ("msg-seq-zero") ? next_sequence++ : ++next_sequence;
      msg.context = (gchar *)"call";
    }
  plain = stb_protocol_encode (self->dialect, &msg);
  out = g_bytes_unref_to_array (plain);
  if (STB_FAULT ("msg-little-endian"))
    for (guint i = 0; i + 4 <= 8; i += 4)
      {
        guint8 *w = out->data + i;
        guint8 t0 = w[0], t1 = w[1];
        w[0] = w[3];
        w[1] = w[2];
        w[2] = t1;
        w[3] = t0;
      }
  if (STB_FAULT ("msg-trailer-garbage"))
    g_byte_array_append (out, (const guint8 *)"\xde\xad\xbe\xef", 4);
  return g_byte_array_free_to_bytes (out);
}

/* msg-over-limit: the message with a 10000-QChar context (20016 data bytes), written as a
 * QCopSend straight into the client's send queue, as a QCOP client without the QWS size check
 * would (the product library refuses it: qcop_wire_encode_send). */
static gboolean
fault_send_unchecked (StbModule *self, const gchar *channel, GBytes *plain)
{
  const gchar *message = self->dialect->message;
  g_autoptr (GByteArray) data = g_byte_array_new ();
  gsize plain_len = 0;
  const guint8 *p = g_bytes_get_data (plain, &plain_len);
  guint32 be[2] = { GUINT32_TO_BE (1), GUINT32_TO_BE (20000) }; /* sequence, context bytes */
  g_byte_array_append (data, p, (guint)MIN (plain_len, 8));
  g_byte_array_append (data, (const guint8 *)be, sizeof be);
  for (guint i = 0; i < 10000; i++)
    g_byte_array_append (data, (const guint8 *)"\0x", 2);
  glong nc = 0, nm = 0;
  g_autofree gunichar2 *uc = g_utf8_to_utf16 (channel, -1, NULL, &nc, NULL);
  g_autofree gunichar2 *um = g_utf8_to_utf16 (message, -1, NULL, &nm, NULL);
  gint32 head[5] = { QCOP_CMD_QCOP_SEND, (gint32)(nc * 2 + nm * 2 + data->len), (gint32)nc,
                     (gint32)nm, (gint32)data->len };
  QcopClient *client = self->client;
  if (client->socket == NULL || uc == NULL || um == NULL)
    return FALSE;
  g_byte_array_append (client->outbuf, (const guint8 *)head, sizeof head);
  g_byte_array_append (client->outbuf, (const guint8 *)uc, (guint)nc * 2);
  g_byte_array_append (client->outbuf, (const guint8 *)um, (guint)nm * 2);
  g_byte_array_append (client->outbuf, data->data, data->len);
  return qcop_client_write_queue (client);
}

/* The channel a faulty sender uses. */
static const gchar *
fault_send_channel (StbModule *self)
{
  if (STB_FAULT ("wrong-channel"))
    return stb_dialect_listen_channel (self->dialect, self->role);
  if (STB_FAULT ("msg-bidir-channel"))
    return self->dialect->bidirectional;
  return stb_dialect_send_channel (self->dialect, self->role);
}

/* Receive-side faults: TRUE when the faulty module drops @data silently. */
static gboolean
fault_drops (StbModule *self, const gchar *channel, gsize len, const StbSwitchMessage *msg)
{
  static gboolean have_sequence;
  static guint32 last_sequence;

  if (STB_FAULT ("chan-wildcard")
      && g_strcmp0 (channel, stb_dialect_listen_channel (self->dialect, self->role)) != 0)
    return TRUE; /* everything else under QPE/ arrives too */
  if (STB_FAULT ("crash-short-data") && len < 8)
    abort (); /* reads the two ints without a length check */
  if (STB_FAULT ("trailer-ignored") && len > 8)
    return TRUE;
  if (STB_FAULT ("seq-dedupe") && msg && msg->has_sequence)
    {
      gboolean repeat = have_sequence && msg->sequence == last_sequence;
      have_sequence = TRUE;
      last_sequence = msg->sequence;
      return repeat;
    }
  return FALSE;
}
#endif

void
stb_module_add_options (StbModule *self, GOptionContext *context)
{
  const GOptionEntry entries[]
      = { { "qcop-socket", 0, 0, G_OPTION_ARG_FILENAME, &self->options.qcop_socket,
            "QCOP server socket (required)", "PATH" },
          { "dialect", 0, 0, G_OPTION_ARG_FILENAME, &self->options.dialect_path,
            "Protocol dialect file (default: fixtures/dialects/default.ini)", "FILE" },
          { "layout", 0, 0, G_OPTION_ARG_STRING, &self->options.layout,
            "Channel layout, overrides the dialect", "bidirectional|unidirectional" },
          { "ready-fd", 0, 0, G_OPTION_ARG_INT, &self->options.ready_fd,
            "Write one READY line to this fd once registered on every channel", "N" },
          { "log-level", 0, 0, G_OPTION_ARG_STRING, &self->options.log_level,
            "error|warning|message|info|debug (default message)", "LEVEL" },
          { "connect-timeout-ms", 0, 0, G_OPTION_ARG_INT, &self->options.connect_timeout_ms,
            "Bound on the first connection to the QCOP server (default 5000)", "MS" },
          { "reconnect-ms", 0, 0, G_OPTION_ARG_INT, &self->options.reconnect_ms,
            "Reconnect interval after the QCOP server went away (default 200)", "MS" },
          { NULL } };
  GOptionGroup *group
      = g_option_group_new ("module", "Module options", "Common module options", NULL, NULL);
#ifdef STB_WITH_FAULTS
  const GOptionEntry fault_entries[]
      = { { "fault", 0, 0, G_OPTION_ARG_STRING, &self->options.fault,
            "Behave wrongly as fault NAME says (test double; --list-faults)", "NAME" },
          { "list-faults", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer)list_faults,
            "Print the faults (name role summary) and exit", NULL },
          { NULL } };

  g_option_group_add_entries (group, fault_entries);
#endif

  self->options.ready_fd = -1;
  self->options.connect_timeout_ms = 5000;
  self->options.reconnect_ms = 200;
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);
}

static gchar *
hex_of (GBytes *data)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  return qcop_ds_to_hex (p, MIN (len, 64));
}

void
stb_module_emitf (StbModule *self, const gchar *suffix, const gchar *format, ...)
{
  g_autofree gchar *details = NULL;
  g_autofree gchar *name = g_strdup_printf ("%s.%s", self->source, suffix);
  va_list ap;

  va_start (ap, format);
  details = g_strdup_vprintf (format, ap);
  va_end (ap);
  stb_agent_emit (self->agent, name, details);
}

void
stb_module_emit_screen (const gchar *details, gpointer module)
{
  stb_module_emitf (module, "screen", "%s", details);
}

void
stb_module_ignored (StbModule *self, StbIgnoredKind kind, const gchar *reason, const gchar *details)
{
  guint64 total = 0;

  g_return_if_fail (kind < STB_IGNORED_COUNT);
  self->ignored[kind]++;
  if (!self->ignored_by_reason)
    self->ignored_by_reason = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (
      self->ignored_by_reason, g_strdup (reason),
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->ignored_by_reason, reason))
                        + 1));
  for (guint i = 0; i < STB_IGNORED_COUNT; i++)
    total += self->ignored[i];
  stb_module_emitf (self, "ignored", "reason=%s;count=%" G_GUINT64_FORMAT "%s%s", reason, total,
                    details && *details ? ";" : "", details ? details : "");
}

/* ";type=..;param=.." for the raw fields that could be read. */
static const gchar *
raw_fields (const StbSwitchMessage *msg, gsize len)
{
  static gchar buf[64];

  if (len < 8)
    return "";
  g_snprintf (buf, sizeof buf, ";type=%d;param=%d", msg->raw_type, msg->raw_param);
  return buf;
}

static void on_switch_received (QcopClient *client, const gchar *channel, const gchar *message,
                                GBytes *data, gpointer user_data);

#ifdef STB_WITH_FAULTS
/* Fault slow-dispatch: every switch message is handled 300 ms after it arrived ("messages
 * are polled from a timer"). */
typedef struct
{
  StbModule *self;
  gchar *channel, *message;
  GBytes *data;
} Deferred;

static gboolean redelivering;

static gboolean
on_deferred (gpointer user_data)
{
  Deferred *d = user_data;
  redelivering = TRUE;
  on_switch_received (NULL, d->channel, d->message, d->data, d->self);
  redelivering = FALSE;
  g_free (d->channel);
  g_free (d->message);
  g_bytes_unref (d->data);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static gboolean
fault_defers (StbModule *self, const gchar *channel, const gchar *message, GBytes *data)
{
  if (!STB_FAULT ("slow-dispatch") || redelivering)
    return FALSE;
  Deferred *d = g_new0 (Deferred, 1);
  d->self = self;
  d->channel = g_strdup (channel);
  d->message = g_strdup (message);
  d->data = g_bytes_ref (data);
  g_timeout_add (300, on_deferred, d);
  return TRUE;
}
#endif

static void
on_switch_received (QcopClient *client, const gchar *channel, const gchar *message, GBytes *data,
                    gpointer user_data)
{
  StbModule *self = user_data;
  g_auto (StbSwitchMessage) msg = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *hex = hex_of (data);
  g_autofree gchar *details = NULL;
  StbSwitchType mine
      = self->role == STB_ROLE_IPTV ? STB_SWITCH_TYPE_VOIP_TO_IPTV : STB_SWITCH_TYPE_IPTV_TO_VOIP;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

#ifdef STB_WITH_FAULTS
  if (fault_defers (self, channel, message, data))
    return;
  if (fault_drops (self, channel, len, NULL))
    return;
  if (STB_FAULT ("unknown-param-acts") && len >= 8
      && !stb_protocol_decode (self->dialect, p, len, &msg, &error)
      && error->code == STB_PROTOCOL_ERROR_UNKNOWN_PARAM && msg.type == mine)
    {
      msg.param = STB_SWITCH_PARAM_STOP_IPTV; /* the default: branch of a switch */
      self->on_switch (self, &msg, channel, self->user_data);
      return;
    }
  g_clear_error (&error);
  stb_switch_message_clear (&msg);
#endif
  if (g_strcmp0 (message, self->dialect->message) != 0 && !STB_FAULT ("any-message-name"))
    {
      g_autofree gchar *esc = stb_agent_escape (message);
      details = g_strdup_printf ("channel=%s;message=%s;len=%" G_GSIZE_FORMAT ";data=%s", channel,
                                 esc, len, hex);
      stb_module_ignored (self, STB_IGNORED_MALFORMED, "unknown-message", details);
      return;
    }
  if (!stb_protocol_decode (self->dialect, p, len, &msg, &error)
      && !(error->code == STB_PROTOCOL_ERROR_UNKNOWN_PARAM && msg.type != mine))
    {
      details = g_strdup_printf ("channel=%s;message=%s;len=%" G_GSIZE_FORMAT ";data=%s%s", channel,
                                 message, len, hex, raw_fields (&msg, len));
      stb_module_ignored (self, STB_IGNORED_MALFORMED, stb_protocol_error_reason (error->code),
                          details);
      return;
    }
#ifdef STB_WITH_FAULTS
  if (fault_drops (self, channel, len, &msg))
    return;
  if (STB_FAULT ("no-type-filter"))
    mine = msg.type;
#endif
  if (msg.type != mine) /* SPEC §4 check 4, before the parameter check 5 */
    {
      details = g_strdup_printf ("channel=%s;message=%s;len=%" G_GSIZE_FORMAT ";type=%d;param=%d",
                                 channel, message, len, msg.raw_type, msg.raw_param);
      stb_module_ignored (self, STB_IGNORED_NOT_ADDRESSED, "not-addressed", details);
      return;
    }
  if (self->on_switch)
    self->on_switch (self, &msg, channel, self->user_data);
}

void
stb_module_emit_rx (StbModule *self, const StbSwitchMessage *msg, const gchar *channel,
                    const gchar *row, const gchar *effect)
{
  g_autofree gchar *seq = msg->has_sequence ? g_strdup_printf (";seq=%u", msg->sequence) : NULL;
  g_autofree gchar *details = g_strdup_printf (
      "param=%s;type=%s;channel=%s;row=%s%s%s%s", stb_switch_param_to_string (msg->param),
      stb_switch_type_to_string (msg->type), channel, row, effect ? ";effect=" : "",
      effect ? effect : "", seq ? seq : "");

  stb_agent_emit (self->agent, "switch.rx", details);
}

void
stb_module_log_counters (StbModule *self)
{
  g_autoptr (GString) line = g_string_new ("ignored:");
  GHashTableIter iter;
  gpointer reason, count;

  if (self->ignored_by_reason)
    {
      g_hash_table_iter_init (&iter, self->ignored_by_reason);
      while (g_hash_table_iter_next (&iter, &reason, &count))
        g_string_append_printf (line, " %s=%u", (const gchar *)reason, GPOINTER_TO_UINT (count));
    }
  g_message ("%s (switch messages sent: %" G_GUINT64_FORMAT ")", line->str, self->sent);
}

gboolean
stb_module_send (StbModule *self, StbSwitchParam param, const gchar *row)
{
  g_autoptr (GBytes) data = stb_protocol_encode_param (self->dialect, param);
  g_autoptr (GError) error = NULL;
  const gchar *channel = stb_dialect_send_channel (self->dialect, self->role);
#ifdef STB_WITH_FAULTS
  g_bytes_unref (data);
  data = fault_encode (self, param);
  channel = fault_send_channel (self);
  if (STB_FAULT ("msg-over-limit")) /* "the context carries the whole call state" */
    return fault_send_unchecked (self, channel, data);
#endif
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);
  if (STB_FAULT ("ignored-count-resets")) /* "statistics per exchange" */
    memset (self->ignored, 0, sizeof self->ignored);

  if (!qcop_client_send (self->client, channel, self->dialect->message, p, len, &error))
    {
      stb_module_emitf (self, "error", "source=qcop;param=%s;channel=%s;row=%s;error=%s",
                        stb_switch_param_to_string (param), channel, row ? row : "",
                        error->message);
      return FALSE;
    }
  self->sent++;
  {
    g_autofree gchar *details = g_strdup_printf (
        "param=%s;type=%s;channel=%s;row=%s", stb_switch_param_to_string (param),
        stb_switch_type_to_string (stb_switch_param_get_type (param)), channel, row ? row : "");
    stb_agent_emit (self->agent, "switch.tx", details);
  }
  return TRUE;
}

static gboolean
load_dialect (StbModule *self, GError **error)
{
  g_autofree gchar *path
      = self->options.dialect_path
            ? g_strdup (self->options.dialect_path)
            : g_build_filename (STBSIM_SOURCE_ROOT, "fixtures", "dialects", "default.ini", NULL);
  StbLayout layout;

  self->dialect = stb_dialect_load (path, error);
  if (!self->dialect)
    return FALSE;
  if (self->options.layout)
    {
      if (!stb_layout_from_string (self->options.layout, &layout))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--layout: '%s' is not bidirectional or unidirectional",
                       self->options.layout);
          return FALSE;
        }
      self->dialect->layout = layout;
    }
  return stb_dialect_check_layout (self->dialect, error);
}

/* The client reconnected and re-registered every channel: it counts as a restart of the
 * connection ([SW-CHAN-12]): announce readiness again, then let the module resynchronise. */
static void
on_client_connected (QcopClient *client, gpointer user_data)
{
  StbModule *self = user_data;

  if (!self->ready)
    return;
  self->reconnects++;
  g_message ("reconnected to %s (%u)", self->options.qcop_socket, self->reconnects);
  stb_module_emitf (self, "ready", "pid=%d;version=%s;layout=%s;dialect=%s;reconnect=%u",
                    (int)getpid (), STBSIM_VERSION, stb_layout_to_string (self->dialect->layout),
                    self->dialect->name, self->reconnects);
  if (self->on_reconnected)
    self->on_reconnected (self, self->user_data);
}

static void
on_client_disconnected (QcopClient *client, const GError *error, gpointer user_data)
{
  g_message ("QCOP connection lost: %s (reconnecting)", error ? error->message : "closed");
}

/* The name the module registers for its protocol channel. */
static const gchar *
listen_channel (StbModule *self)
{
  if (STB_FAULT ("chan-wildcard"))
    return "QPE/*";
  return stb_dialect_listen_channel (self->dialect, self->role);
}

gboolean
stb_module_start (StbModule *self, StbModuleSwitchFunc on_switch, StbAgentKeyFunc on_key,
                  StbAgentCommandFunc on_command, gpointer user_data, GError **error)
{
  const gchar *agent_channel
      = self->role == STB_ROLE_IPTV ? STB_AGENT_IPTV_CHANNEL : STB_AGENT_VOIP_CHANNEL;
  g_autofree gchar *app = g_strdup_printf ("stb-%s", self->source);

  if (!set_log_level (self->options.log_level, error))
    return FALSE;
  if (!self->options.qcop_socket)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "--qcop-socket PATH is required (the stb-qcopd socket)");
      return FALSE;
    }
  if (!load_dialect (self, error))
    return FALSE;
#ifdef STB_WITH_FAULTS
  if (!stb_fault_select (self->options.fault, self->source, error))
    return FALSE;
#endif
  self->on_switch = on_switch;
  self->user_data = user_data;
  self->loop = g_main_loop_new (NULL, FALSE);
  self->client = qcop_client_new (self->options.qcop_socket, app);
  self->connected_id
      = g_signal_connect (self->client, "connected", G_CALLBACK (on_client_connected), self);
  self->disconnected_id
      = g_signal_connect (self->client, "disconnected", G_CALLBACK (on_client_disconnected), self);
  if (!STB_FAULT ("chan-agent-first") && !STB_FAULT ("resume-before-register"))
    self->listen_id = qcop_client_register (self->client, listen_channel (self), on_switch_received,
                                            self, NULL);
  if (STB_FAULT ("chan-register-send") && self->dialect->layout == STB_LAYOUT_UNIDIRECTIONAL)
    qcop_client_register (self->client, stb_dialect_send_channel (self->dialect, self->role),
                          on_switch_received, self, NULL);
  self->agent
      = stb_agent_new (self->client, self->source, agent_channel, on_key, on_command, user_data);
  if (!qcop_client_connect_sync (self->client, self->options.connect_timeout_ms, error))
    return FALSE;
  if (STB_FAULT ("resume-before-register"))
    stb_module_send (self, STB_SWITCH_PARAM_RESUME_IPTV, "SW-RST-01");
  if (!self->listen_id) /* the faults above register it late, after the agent channel */
    self->listen_id = qcop_client_register (self->client, listen_channel (self), on_switch_received,
                                            self, NULL);
  qcop_client_set_auto_reconnect (self->client, TRUE, (guint)MAX (self->options.reconnect_ms, 10));
  return TRUE;
}

static gboolean
confirm_registered (StbModule *self, const gchar *channel, GError **error)
{
  if (STB_FAULT ("no-agent") && g_str_has_prefix (channel, "STBSim/Agent/"))
    return TRUE; /* it has none */
  gboolean registered = FALSE;

  if (!qcop_client_is_registered_sync (self->client, channel, self->options.connect_timeout_ms,
                                       &registered, error))
    return FALSE;
  if (!registered)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PROTOCOL,
                   "channel %s: the server says nobody is registered after our registration",
                   channel);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_signal (gpointer user_data)
{
  StbModule *self = user_data;

  g_message ("signal received: stopping");
  stb_module_quit (self, 0);
  return G_SOURCE_CONTINUE;
}

static void
install_signal_handlers (StbModule *self)
{
  /* Before READY: whoever started us may stop us with SIGTERM right after it. */
  if (!self->sigterm_id)
    self->sigterm_id = g_unix_signal_add (SIGTERM, on_signal, self);
  if (!self->sigint_id)
    self->sigint_id = g_unix_signal_add (SIGINT, on_signal, self);
}

gboolean
stb_module_announce_ready (StbModule *self, const gchar *extra_details, GError **error)
{
  const gchar *listen = stb_dialect_listen_channel (self->dialect, self->role);
  const gchar *agent_channel
      = self->role == STB_ROLE_IPTV ? STB_AGENT_IPTV_CHANNEL : STB_AGENT_VOIP_CHANNEL;
  g_autofree gchar *line = NULL;

  if (STB_FAULT ("chan-register-twice")) /* a second init path subscribes again */
    {
      qcop_client_unregister (self->client, self->listen_id);
      self->listen_id = qcop_client_register (self->client, listen_channel (self),
                                              on_switch_received, self, NULL);
    }
  if (!confirm_registered (self, listen_channel (self), error)
      || !confirm_registered (self, agent_channel, error))
    return FALSE;
  line = g_strdup_printf ("READY module=%s layout=%s dialect=%s listen=%s send=%s agent=%s",
                          self->source, stb_layout_to_string (self->dialect->layout),
                          self->dialect->name, listen,
                          stb_dialect_send_channel (self->dialect, self->role), agent_channel);
  self->ready = TRUE;
  if (!STB_FAULT ("no-ready-event"))
    stb_module_emitf (self, "ready", "pid=%d;version=%s;layout=%s;dialect=%s;listen=%s;send=%s%s%s",
                      (int)getpid (), STBSIM_VERSION, stb_layout_to_string (self->dialect->layout),
                      self->dialect->name, listen,
                      stb_dialect_send_channel (self->dialect, self->role),
                      extra_details ? ";" : "", extra_details ? extra_details : "");
  if (!qcop_client_flush (self->client, self->options.connect_timeout_ms, error))
    return FALSE;
  g_message ("%s", line);
  install_signal_handlers (self);
  stbsim_ready_notify (self->options.ready_fd, line);
  self->options.ready_fd = -1;
  if (STB_FAULT ("chan-detach")) /* "listening is only needed during start-up" */
    {
      qcop_client_unregister (self->client, self->listen_id);
      self->listen_id = 0;
    }
  return TRUE;
}

gint
stb_module_run (StbModule *self)
{
  install_signal_handlers (self);
  g_main_loop_run (self->loop);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  return self->exit_code;
}

void
stb_module_quit (StbModule *self, gint exit_code)
{
  self->exit_code = exit_code;
  if (self->loop)
    g_main_loop_quit (self->loop);
}

void
stb_module_clear (StbModule *self)
{
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  if (self->client)
    {
      qcop_client_set_auto_reconnect (self->client, FALSE, 0);
      g_clear_signal_handler (&self->connected_id, self->client);
      g_clear_signal_handler (&self->disconnected_id, self->client);
      if (self->listen_id)
        qcop_client_unregister (self->client, self->listen_id);
      self->listen_id = 0;
    }
  g_clear_pointer (&self->agent, stb_agent_free);
  if (self->client)
    qcop_client_disconnect (self->client);
  g_clear_object (&self->client);
  g_clear_pointer (&self->dialect, stb_dialect_free);
  g_clear_pointer (&self->ignored_by_reason, g_hash_table_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->options.qcop_socket, g_free);
  g_clear_pointer (&self->options.dialect_path, g_free);
  g_clear_pointer (&self->options.layout, g_free);
  g_clear_pointer (&self->options.log_level, g_free);
  g_clear_pointer (&self->options.fault, g_free);
}
