/* SPDX-License-Identifier: MIT */
/*
 * stb-sip-ua: a small command-line SIP user agent around StbSip, for tests and people.
 *
 *   stb-sip-ua --user stb1 --password stb1-secret --domain ims.test \
 *              --proxy sip:127.0.0.1:5060 [--media 127.0.0.1:40000:40002] [--ready-fd N]
 *
 * Registers at start. Commands on stdin, one per line:
 *   call NUMBER | answer ID | reject ID [STATUS] | hangup ID | register | quit
 * Events on stdout, one per line (flushed):
 *   registration ok=1 status=200 reason=OK
 *   incoming id=1 peer=sip:1001@ims.test
 *   call id=1 state=established status=200 reason=OK
 *   media id=1 address=127.0.0.1 audio=6000/0 video=6002/96
 *   message dir=rx what=INVITE call-id=...
 *   error text=...
 * With --ready-fd N it writes "READY aor=sip:USER@DOMAIN" to N once registered.
 * "quit", SIGTERM or SIGINT end it (un-REGISTER first); end of stdin does not.
 * --auto-answer answers every incoming call at once.
 */
#define G_LOG_DOMAIN "stb-sip-ua"

#include "stb-sip.h"
#include "stbsim-proc.h"

#include <glib-unix.h>
#include <glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  StbSip *sip;
  GMainLoop *loop;
  gint ready_fd;
  gboolean auto_answer;
  gchar *aor;
  GString *input;
} Ua;

static void emit (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

static void
emit (const gchar *format, ...)
{
  va_list ap;

  va_start (ap, format);
  vprintf (format, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
}

static void
on_registration (StbSip *sip, gboolean ok, guint status, const gchar *reason, gpointer data)
{
  Ua *ua = data;

  emit ("registration ok=%d status=%u reason=%s", ok, status, reason);
  if (ok && ua->ready_fd >= 0)
    {
      g_autofree gchar *line = g_strdup_printf ("READY aor=%s", ua->aor);

      stbsim_ready_notify (ua->ready_fd, line);
      ua->ready_fd = -1;
    }
}

static void
on_incoming (StbSip *sip, guint call_id, const gchar *peer, gpointer data)
{
  Ua *ua = data;
  g_autoptr (GError) error = NULL;

  emit ("incoming id=%u peer=%s", call_id, peer);
  if (ua->auto_answer && !stb_sip_answer (sip, call_id, &error))
    emit ("error text=%s", error->message);
}

static void
on_call_state (StbSip *sip, guint call_id, StbSipCallState state, guint status, const gchar *reason,
               gpointer data)
{
  emit ("call id=%u state=%s status=%u reason=%s", call_id, stb_sip_call_state_to_string (state),
        status, reason);
}

static void
on_media (StbSip *sip, guint call_id, const StbMediaEndpoint *remote, gpointer data)
{
  emit ("media id=%u address=%s audio=%u/%d video=%u/%d", call_id, remote->address,
        remote->audio_port, remote->audio_pt, remote->video_port, remote->video_pt);
}

static void
on_message (StbSip *sip, const gchar *direction, const gchar *what, const gchar *sip_call_id,
            gpointer data)
{
  emit ("message dir=%s what=%s call-id=%s t=%" G_GINT64_FORMAT, direction, what, sip_call_id,
        stbsim_now_ns ());
}

static void
run_command (Ua *ua, const gchar *line)
{
  g_auto (GStrv) argv = g_strsplit_set (line, " \t", -1);
  g_autoptr (GError) error = NULL;
  guint id = argv[0] && argv[1] ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 0;
  gboolean ok = TRUE;

  if (argv[0] == NULL || argv[0][0] == '\0')
    return;
  if (g_str_equal (argv[0], "quit"))
    g_main_loop_quit (ua->loop);
  else if (g_str_equal (argv[0], "register"))
    stb_sip_register (ua->sip);
  else if (g_str_equal (argv[0], "call") && argv[1] != NULL)
    {
      id = stb_sip_call (ua->sip, argv[1], &error);
      ok = id != 0;
      if (ok)
        emit ("calling id=%u to=%s", id, argv[1]);
    }
  else if (g_str_equal (argv[0], "answer"))
    ok = stb_sip_answer (ua->sip, id, &error);
  else if (g_str_equal (argv[0], "reject"))
    ok = stb_sip_reject (ua->sip, id,
                         argv[1] && argv[2] ? (guint)g_ascii_strtoull (argv[2], NULL, 10) : 486,
                         &error);
  else if (g_str_equal (argv[0], "hangup"))
    ok = stb_sip_hangup (ua->sip, id, &error);
  else
    emit ("error text=unknown command '%s'", line);
  if (!ok)
    emit ("error text=%s", error ? error->message : "failed");
}

static gboolean
on_stdin (gint fd, GIOCondition condition, gpointer data)
{
  Ua *ua = data;
  gchar buf[1024];
  gssize n = read (fd, buf, sizeof buf);
  gchar *nl;

  if (n <= 0)
    return G_SOURCE_REMOVE; /* stdin closed (or /dev/null): keep running until SIGTERM */
  g_string_append_len (ua->input, buf, n);
  while ((nl = strchr (ua->input->str, '\n')) != NULL)
    {
      g_autofree gchar *line = g_strndup (ua->input->str, (gsize)(nl - ua->input->str));

      g_string_erase (ua->input, 0, nl - ua->input->str + 1);
      run_command (ua, g_strstrip (line));
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (((Ua *)data)->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_media (const gchar *spec, StbMediaEndpoint *local)
{
  g_auto (GStrv) parts = g_strsplit (spec, ":", 3);

  if (g_strv_length (parts) != 3)
    return FALSE;
  memset (local, 0, sizeof *local);
  g_strlcpy (local->address, parts[0], sizeof local->address);
  local->audio_port = (guint16)g_ascii_strtoull (parts[1], NULL, 10);
  local->video_port = (guint16)g_ascii_strtoull (parts[2], NULL, 10);
  local->audio_pt = 0;
  g_strlcpy (local->audio_codec, "PCMU", sizeof local->audio_codec);
  local->video_pt = 96;
  g_strlcpy (local->video_codec, "H264", sizeof local->video_codec);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *user = NULL, *password = NULL, *domain = NULL, *proxy = NULL;
  g_autofree gchar *bind = NULL, *media = NULL;
  gint expires = 300, ready_fd = -1;
  gboolean auto_answer = FALSE;
  GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "SIP user", "USER" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "password", "PW" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, "SIP domain (ims.test)", "DOMAIN" },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &proxy, "proxy/registrar URI", "URI" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "local address (127.0.0.1)", "ADDR" },
    { "expires", 0, 0, G_OPTION_ARG_INT, &expires, "registration expiry, s", "S" },
    { "media", 0, 0, G_OPTION_ARG_STRING, &media, "local media ADDR:AUDIO:VIDEO", "SPEC" },
    { "auto-answer", 0, 0, G_OPTION_ARG_NONE, &auto_answer, "answer calls at once", NULL },
    { "ready-fd", 0, 0, G_OPTION_ARG_INT, &ready_fd, "READY line when registered", "FD" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- StbSip test user agent");
  g_autoptr (GError) error = NULL;
  StbSipCallbacks cb = { on_registration, on_incoming, on_call_state, on_media, on_message };
  StbMediaEndpoint local;
  Ua ua = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("stb-sip-ua: %s\n", error->message);
      return 2;
    }
  if (user == NULL || domain == NULL)
    {
      g_printerr ("stb-sip-ua: --user and --domain are required\n");
      return 2;
    }
  StbSipConfig config = { .user = user,
                          .domain = domain,
                          .password = password,
                          .proxy = proxy,
                          .bind_host = bind,
                          .expires = (guint)expires };
  ua.ready_fd = ready_fd;
  ua.auto_answer = auto_answer;
  ua.aor = g_strdup_printf ("sip:%s@%s", user, domain);
  ua.input = g_string_new (NULL);
  ua.loop = g_main_loop_new (NULL, FALSE);
  ua.sip = stb_sip_new (&config, &cb, &ua, &error);
  if (ua.sip == NULL)
    {
      g_printerr ("stb-sip-ua: %s\n", error->message);
      return 1;
    }
  if (media != NULL && parse_media (media, &local))
    stb_sip_set_local_media (ua.sip, &local);
  stb_sip_register (ua.sip);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP, on_stdin, &ua);
  g_unix_signal_add (SIGTERM, on_signal, &ua);
  g_unix_signal_add (SIGINT, on_signal, &ua);
  g_main_loop_run (ua.loop);
  stb_sip_free (ua.sip);
  g_main_loop_unref (ua.loop);
  g_string_free (ua.input, TRUE);
  g_free (ua.aor);
  return 0;
}
