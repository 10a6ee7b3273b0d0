/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-capture"

#include "sr-capture.h"
#include "qcop-trace-pcap.h"
#include "stbsim-proc.h"

#include <glib/gstdio.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 3000
#define TOOL_TIMEOUT_S "60"

struct _SrCapture
{
  gchar *test_dir;
  gchar *raw; /* capture-lo.pcap: everything UDP on lo during the test */
  gchar *log; /* tcpdump's stderr */
  StbsimProc *proc;
  gchar *note; /* why there is no network part, if there is none */
  /* netns mode: one tcpdump inside each namespace of the test (all of it is the test's own) */
  GPtrArray *ns_procs; /* StbsimProc* */
  GPtrArray *ns_files; /* capture-<netns>.pcap */
};

gboolean
sr_capture_available (void)
{
  g_autofree gchar *tcpdump = g_find_program_in_path ("tcpdump");

  return geteuid () == 0 && tcpdump != NULL;
}

/* tcpdump says "listening on lo, link-type ..." once the capture runs (its log is a file
 * stbsim-proc writes; tcpdump has no other readiness signal). */
static gboolean
wait_listening (StbsimProc *proc, const gchar *log)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)READY_TIMEOUT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree gchar *text = NULL;
      if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, "listening on"))
        return TRUE;
      if (stbsim_proc_poll_exit (proc, NULL))
        break;
      g_usleep (5000);
    }
  return FALSE;
}

SrCapture *
sr_capture_start (const gchar *test_dir, gboolean network)
{
  SrCapture *self = g_new0 (SrCapture, 1);
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (test_dir != NULL, self);
  self->test_dir = g_strdup (test_dir);
  self->ns_procs = g_ptr_array_new_with_free_func ((GDestroyNotify)stbsim_proc_free);
  self->ns_files = g_ptr_array_new_with_free_func (g_free);
  self->raw = g_build_filename (test_dir, "capture-lo.pcap", NULL);
  self->log = g_build_filename (test_dir, "capture-lo.log", NULL);
  if (!network)
    return self;
  if (!sr_capture_available ())
    {
      self->note = g_strdup ("no SIP/RTP: tcpdump needs root and the tcpdump package");
      return self;
    }
  /* -Z root: tcpdump drops to user tcpdump otherwise, who cannot write the test directory */
  const gchar *argv[] = { "tcpdump", "-i",      "lo",  "-n",   "-U",
                          "-s",      "0",       "-Z",  "root", "--time-stamp-precision=nano",
                          "-w",      self->raw, "udp", NULL };
  StbsimProcOptions opts = { .name = "tcpdump", .log_path = self->log };
  self->proc = stbsim_proc_spawn (argv, &opts, &error);
  if (self->proc == NULL || !wait_listening (self->proc, self->log))
    {
      self->note = g_strdup_printf ("no SIP/RTP: tcpdump did not start listening within %d ms "
                                    "(see %s)%s%s",
                                    READY_TIMEOUT_MS, self->log, error ? ": " : "",
                                    error ? error->message : "");
      g_message ("%s", self->note);
      g_clear_pointer (&self->proc, stbsim_proc_free);
    }
  return self;
}

gboolean
sr_capture_add_netns (SrCapture *self, const gchar *netns)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ip = g_find_program_in_path ("ip");
  if (netns == NULL || !sr_capture_available () || ip == NULL)
    return FALSE;
  g_autofree gchar *file = g_strdup_printf ("capture-%s.pcap", netns);
  g_autofree gchar *logname = g_strdup_printf ("capture-%s.log", netns);
  g_autofree gchar *path = g_build_filename (self->test_dir, file, NULL);
  g_autofree gchar *log = g_build_filename (self->test_dir, logname, NULL);
  /* -i any: the veth and the namespace's own lo; nothing else lives in there */
  const gchar *argv[]
      = { ip,   "netns", "exec", netns, "tcpdump", "-i",   "any",
          "-n", "-U",    "-s",   "0",   "-Z",      "root", "--time-stamp-precision=nano",
          "-w", path,    "udp",  NULL };
  StbsimProcOptions opts = { .name = "tcpdump-netns", .log_path = log };
  StbsimProc *proc = stbsim_proc_spawn (argv, &opts, &error);
  if (proc == NULL || !wait_listening (proc, log))
    {
      g_message ("no capture in namespace %s: tcpdump did not start listening within %d ms "
                 "(see %s)%s%s",
                 netns, READY_TIMEOUT_MS, log, error ? ": " : "", error ? error->message : "");
      g_clear_pointer (&proc, stbsim_proc_free);
      return FALSE;
    }
  g_ptr_array_add (self->ns_procs, proc);
  g_ptr_array_add (self->ns_files, g_steal_pointer (&path));
  return TRUE;
}

void
sr_capture_stop_netns (SrCapture *self)
{
  for (guint i = 0; i < self->ns_procs->len; i++)
    stbsim_proc_stop (g_ptr_array_index (self->ns_procs, i), STOP_TIMEOUT_MS);
  g_ptr_array_set_size (self->ns_procs, 0);
}

void
sr_capture_free (SrCapture *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->proc, stbsim_proc_free);
  g_clear_pointer (&self->ns_procs, g_ptr_array_unref);
  g_clear_pointer (&self->ns_files, g_ptr_array_unref);
  g_free (self->test_dir);
  g_free (self->raw);
  g_free (self->log);
  g_free (self->note);
  g_free (self);
}

/* ---- after the test ---- */

/* Run a tool (bounded by timeout(1)); its stdout (transfer full) or NULL with a message. */
static gchar *
run_tool (const gchar *const *args, gchar **why)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_strv_builder_add_many (b, "timeout", TOOL_TIMEOUT_S, NULL);
  g_strv_builder_addv (b, (const char **)args);
  argv = g_strv_builder_end (b);
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      *why = g_strdup_printf ("%s: %s %s", args[0], error->message, err ? g_strstrip (err) : "");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* The IMS core's SIP port from tests/<id>/ims/kamailio.cfg ("#!define LISTEN udp:A:P"); 0 when
 * it does not listen on 127.0.0.1 (--netns: its traffic never crosses the host's lo). */
static guint
ims_port (const gchar *test_dir)
{
  g_autofree gchar *cfg = g_build_filename (test_dir, "ims", "kamailio.cfg", NULL);
  g_autofree gchar *text = NULL;
  const gchar *p, *colon;

  if (!g_file_get_contents (cfg, &text, NULL, NULL)
      || (p = strstr (text, "#!define LISTEN udp:127.0.0.1:")) == NULL)
    return 0;
  p += strlen ("#!define LISTEN udp:127.0.0.1");
  colon = strchr (p, ':');
  return colon ? (guint)strtoul (colon + 1, NULL, 10) : 0;
}

/* The live channels' UDP ports of the test's head-end (its resolved lineup, "uri=udp://H:P"
 * lines of tests/<id>/headend/lineup.ini), appended to @filter as "udp port P" terms. */
static guint
add_headend_ports (const gchar *test_dir, GString *filter)
{
  g_autofree gchar *path = g_build_filename (test_dir, "headend", "lineup.ini", NULL);
  g_autofree gchar *text = NULL;
  g_autoptr (GRegex) uri = g_regex_new ("^uri=udp://[^:\\s]+:([0-9]+)", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  g_regex_match (uri, text, 0, &match);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree gchar *word = g_match_info_fetch (match, 1);
      guint port = (guint)strtoul (word, NULL, 10);
      if (port == 0 || port > 65535)
        continue;
      g_string_append_printf (filter, "%sudp port %u", filter->len ? " or " : "", port);
      n++;
    }
  return n;
}

/* The SIP port @port and the RTP/RTCP ports its SDP names ("m=<media> <port> ..." lines in the
 * SIP payloads, printed by tcpdump -A), appended to @filter. */
static gboolean
add_sip_ports (const gchar *raw, guint port, GString *filter, gchar **why)
{
  g_autofree gchar *sel = g_strdup_printf ("udp port %u", port);
  const gchar *args[] = { "tcpdump", "-nn", "-A", "-r", raw, sel, NULL };
  g_autofree gchar *out = run_tool (args, why);
  g_autoptr (GRegex) media = g_regex_new ("^m=[a-z]+ ([0-9]+) ", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  if (out == NULL)
    return FALSE;
  g_string_append_printf (filter, "%sudp port %u", filter->len ? " or " : "", port);
  g_regex_match (media, out, 0, &match);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree gchar *word = g_match_info_fetch (match, 1);
      guint rtp = (guint)strtoul (word, NULL, 10);
      if (rtp == 0 || rtp > 65534 || g_hash_table_contains (seen, GUINT_TO_POINTER (rtp)))
        continue;
      g_hash_table_add (seen, GUINT_TO_POINTER (rtp));
      /* RTP and RTCP (port + 1) */
      g_string_append_printf (filter, " or udp port %u or udp port %u", rtp, rtp + 1);
    }
  return TRUE;
}

/* tests/<id>/capture-net.pcap: the run's SIP + RTP and its head-end's live TV out of
 * capture-lo.pcap; NULL + @why. */
static gchar *
filter_network (SrCapture *self, gchar **why)
{
  guint port = ims_port (self->test_dir);
  g_autofree gchar *net = g_build_filename (self->test_dir, "capture-net.pcap", NULL);
  g_autofree gchar *out = NULL;
  g_autoptr (GString) filter = g_string_new (NULL);

  if (port != 0 && !add_sip_ports (self->raw, port, filter, why))
    return NULL;
  add_headend_ports (self->test_dir, filter);
  if (filter->len == 0)
    {
      *why = g_strdup ("no SIP/RTP: no IMS core on 127.0.0.1 (none, or in a namespace) and no "
                       "head-end");
      return NULL;
    }
  const gchar *args[]
      = { "tcpdump", "-Z",        "root", "--time-stamp-precision=nano", "-r", self->raw, "-w",
          net,       filter->str, NULL };
  if ((out = run_tool (args, why)) == NULL)
    return NULL;
  return g_steal_pointer (&net);
}

static gchar *
export_qcop (SrCapture *self, const gchar *trace_path, guint index, guint *n, gchar **why)
{
  g_autofree gchar *file = g_strdup_printf ("capture-qcop%u.pcapng", index);
  g_autofree gchar *path = g_build_filename (self->test_dir, file, NULL);
  g_autoptr (GError) error = NULL;

  if (trace_path == NULL || !g_file_test (trace_path, G_FILE_TEST_EXISTS))
    {
      *why = g_strdup ("no QCOP trace");
      return NULL;
    }
  if (!qcop_trace_pcap_export (trace_path, path, qcop_trace_pcap_clock_offset (), n, &error))
    {
      *why = g_strdup_printf ("QCOP trace export: %s", error->message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static void
remove_file (const gchar *path)
{
  if (path)
    g_unlink (path);
}

gchar *
sr_capture_finish (SrCapture *self, const gchar *const *trace_paths)
{
  g_autofree gchar *net = NULL, *net_why = NULL, *qcop_why = NULL;
  g_autofree gchar *out = g_build_filename (self->test_dir, "capture.pcapng", NULL);
  g_autofree gchar *merge_why = NULL;
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free); /* files to merge */
  gboolean written = FALSE;
  guint n = 0, ns_parts = 0;
  GStatBuf st = { 0 };

  if (self->proc != NULL)
    {
      stbsim_proc_stop (self->proc, STOP_TIMEOUT_MS);
      g_clear_pointer (&self->proc, stbsim_proc_free);
      net = filter_network (self, &net_why);
    }
  sr_capture_stop_netns (self);
  if (net)
    g_ptr_array_add (parts, g_strdup (net));
  for (guint i = 0; i < self->ns_files->len; i++)
    if (g_file_test (g_ptr_array_index (self->ns_files, i), G_FILE_TEST_EXISTS))
      {
        g_ptr_array_add (parts, g_strdup (g_ptr_array_index (self->ns_files, i)));
        ns_parts++;
      }
  /* every station's QCOP server trace (the second STB's too), each its own pcapng interface */
  for (guint i = 0; trace_paths && trace_paths[i]; i++)
    {
      guint k = 0;
      g_autofree gchar *why = NULL;
      gchar *qcop = export_qcop (self, trace_paths[i], i + 1, &k, &why);
      if (qcop)
        {
          g_ptr_array_add (parts, qcop);
          n += k;
        }
      else if (qcop_why == NULL)
        qcop_why = g_steal_pointer (&why);
    }
  if (parts->len == 1 && g_str_has_suffix (g_ptr_array_index (parts, 0), ".pcapng"))
    written = g_rename (g_ptr_array_index (parts, 0), out) == 0;
  else if (parts->len > 0) /* several parts, or one pcap -> pcapng */
    {
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_add_many (b, "mergecap", "-w", out, NULL);
      for (guint i = 0; i < parts->len; i++)
        g_strv_builder_add (b, g_ptr_array_index (parts, i));
      g_auto (GStrv) args = g_strv_builder_end (b);
      g_autofree gchar *done = run_tool ((const gchar *const *)args, &merge_why);
      written = done != NULL;
    }
  if (written)
    {
      for (guint i = 0; i < parts->len; i++)
        remove_file (g_ptr_array_index (parts, i));
      /* the raw capture of lo holds other runs' traffic too: kept only when filtering failed
       * and nothing else holds the test's SIP (in netns mode it never crosses lo) */
      if (net || ns_parts > 0)
        {
          remove_file (self->raw);
          remove_file (self->log);
        }
      for (guint i = 0; i < self->ns_files->len; i++)
        {
          const gchar *f = g_ptr_array_index (self->ns_files, i);
          g_autofree gchar *log = g_strndup (f, strlen (f) - strlen (".pcap"));
          g_autofree gchar *log_path = g_strconcat (log, ".log", NULL);
          remove_file (log_path);
        }
    }
  if (written && g_stat (out, &st) == 0)
    g_string_printf (s, "%s: %" G_GINT64_FORMAT " bytes", out, (gint64)st.st_size);
  else
    g_string_printf (s, "%s: not written", out);
  if (n > 0 || qcop_why == NULL)
    g_string_append_printf (s, "; QCOP %u packets", n);
  else
    g_string_append_printf (s, "; %s", qcop_why);
  if (ns_parts > 0)
    g_string_append_printf (s, "; SIP+RTP inside %u network namespace(s)", ns_parts);
  g_string_append_printf (s, "; %s",
                          net          ? "SIP, RTP and live TV of the run"
                          : net_why    ? net_why
                          : self->note ? self->note
                                       : "no SIP/RTP (test without SIP)");
  if (merge_why)
    g_string_append_printf (s, "; mergecap: %s", merge_why);
  g_debug ("%s", s->str);
  return g_string_free (g_steal_pointer (&s), FALSE);
}
