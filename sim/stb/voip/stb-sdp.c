/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-sdp"

#include "stb-sdp.h"
#include "stb-sip.h"

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include <string.h>

static void
append_audio (GString *s, const StbMediaEndpoint *local)
{
  guint16 port = local ? local->audio_port : 0;
  gint first = (local && local->audio_pt == 8) ? 8 : 0;
  gint second = first == 0 ? 8 : 0;

  g_string_append_printf (s, "m=audio %u RTP/AVP %d %d\r\n", port, first, second);
  g_string_append (s, "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n");
  if (port != 0)
    g_string_append (s, "a=sendrecv\r\n");
}

static void
append_video (GString *s, const StbMediaEndpoint *local)
{
  guint16 port = local ? local->video_port : 0;
  gint pt = (local && local->video_pt >= 96 && local->video_pt <= 127) ? local->video_pt : 96;
  const gchar *fmtp = (local && local->video_fmtp[0]) ? local->video_fmtp : STB_SDP_H264_FMTP;

  g_string_append_printf (s, "m=video %u RTP/AVP %d\r\n", port, pt);
  g_string_append_printf (s, "a=rtpmap:%d H264/90000\r\na=fmtp:%d %s\r\n", pt, pt, fmtp);
  if (port != 0)
    g_string_append (s, "a=sendrecv\r\n");
}

gchar *
stb_sdp_build (const StbMediaEndpoint *local, const gchar *address)
{
  GString *s = g_string_new (NULL);
  const gchar *addr = address;

  if (addr == NULL)
    addr = (local && local->address[0]) ? local->address : "127.0.0.1";
  g_string_append_printf (s,
                          "v=0\r\no=stbsim 1 1 IN IP4 %s\r\ns=stbsim\r\nc=IN IP4 %s\r\n"
                          "t=0 0\r\n",
                          addr, addr);
  append_audio (s, local);
  append_video (s, local);
  return g_string_free (s, FALSE);
}

static gboolean
is_supported (sdp_media_e type, const sdp_rtpmap_t *rm)
{
  if (rm->rm_encoding == NULL)
    return FALSE;
  if (type == sdp_media_audio)
    return g_ascii_strcasecmp (rm->rm_encoding, "PCMU") == 0
           || g_ascii_strcasecmp (rm->rm_encoding, "PCMA") == 0;
  if (type == sdp_media_video)
    return g_ascii_strcasecmp (rm->rm_encoding, "H264") == 0;
  return FALSE;
}

static const sdp_rtpmap_t *
first_supported (const sdp_media_t *m)
{
  for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next)
    if (is_supported (m->m_type, rm))
      return rm;
  return NULL;
}

static void
take_medium (const sdp_media_t *m, StbMediaEndpoint *remote)
{
  const sdp_rtpmap_t *rm = first_supported (m);

  if (rm == NULL || m->m_rejected || m->m_port == 0 || m->m_port > G_MAXUINT16)
    return;
  if (m->m_type == sdp_media_audio && remote->audio_port == 0)
    {
      remote->audio_port = (guint16)m->m_port;
      remote->audio_pt = rm->rm_pt;
      g_strlcpy (remote->audio_codec, rm->rm_encoding, sizeof remote->audio_codec);
    }
  else if (m->m_type == sdp_media_video && remote->video_port == 0)
    {
      remote->video_port = (guint16)m->m_port;
      remote->video_pt = rm->rm_pt;
      g_strlcpy (remote->video_codec, rm->rm_encoding, sizeof remote->video_codec);
      g_strlcpy (remote->video_fmtp, rm->rm_fmtp ? rm->rm_fmtp : "", sizeof remote->video_fmtp);
    }
  else
    return;
  /* a media-level c= line wins over the session-level one */
  if (m->m_connections && m->m_connections->c_address)
    g_strlcpy (remote->address, m->m_connections->c_address, sizeof remote->address);
}

/* RFC 4566 token characters. */
static gboolean
is_token (const gchar *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && (s[i] == '\0' || strchr ("!#$%&'*+-.^_`{|}~", s[i]) == NULL))
      return FALSE;
  return len > 0;
}

/* RFC 4566 5.14: m=<media> <port>[/<number>] <proto> <fmt> ... with proto = token *("/" token)
 * and every other field a token. */
static gboolean
media_line_ok (const gchar *line, gsize len)
{
  g_autofree gchar *text = g_strndup (line, len);
  g_auto (GStrv) f = g_strsplit (text, " ", -1);
  if (g_strv_length (f) < 4 || !is_token (f[0], strlen (f[0])))
    return FALSE;
  g_auto (GStrv) port = g_strsplit (f[1], "/", 3);
  for (guint i = 0; port[i]; i++)
    if (i > 1 || *port[i] == '\0' || strspn (port[i], "0123456789") != strlen (port[i]))
      return FALSE;
  g_auto (GStrv) proto = g_strsplit (f[2], "/", -1);
  for (guint i = 0; proto[i]; i++)
    if (!is_token (proto[i], strlen (proto[i])))
      return FALSE;
  for (guint i = 3; f[i]; i++)
    if (!is_token (f[i], strlen (f[i])))
      return FALSE;
  return TRUE;
}

/* sofia-sip 1.12.11's sdp_parse() never returns on some m= lines that are not RFC 4566 (an
 * unknown protocol with a non-token character after it: "m=audio 0 X /", "RTP/A\"\"VP"; found
 * by tests/fuzz): check every m= line before the text goes to sofia. */
static gboolean
media_lines_ok (const gchar *sdp, GError **error)
{
  guint n = 0;
  for (const gchar *line = sdp; *line != '\0';)
    {
      gsize len = strcspn (line, "\r\n");
      n++;
      /* RFC 4566: <type>=<value>, nothing before the type; sofia-sip skips leading white
       * space, so " m=8 6000 R =rt" would reach it as an m= line we never checked (an
       * out-of-memory in sdp_parse(), found by tests/fuzz) */
      if (len > 0 && (line[0] == ' ' || line[0] == '\t'))
        {
          g_autofree gchar *shown = g_strndup (line, MIN (len, 80));
          g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_FAILED,
                       "remote SDP line %u starts with white space: %s", n, shown);
          return FALSE;
        }
      if (g_str_has_prefix (line, "m=") && !media_line_ok (line + 2, len - 2))
        {
          g_autofree gchar *shown = g_strndup (line, MIN (len, 80));
          g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_FAILED,
                       "remote SDP line %u is not an RFC 4566 m= line: %s", n, shown);
          return FALSE;
        }
      line += len;
      if (line[0] == '\r' && line[1] == '\n')
        line += 2;
      else if (*line != '\0')
        line++;
    }
  return TRUE;
}

gboolean
stb_sdp_parse_remote (const gchar *sdp, StbMediaEndpoint *remote, GError **error)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  sdp_parser_t *parser;
  sdp_session_t *session;
  gboolean ok = FALSE;

  g_return_val_if_fail (sdp != NULL && remote != NULL, FALSE);
  memset (remote, 0, sizeof *remote);
  if (!media_lines_ok (sdp, error))
    return FALSE;
  parser = sdp_parse (home, sdp, (issize_t)strlen (sdp), sdp_f_config);
  session = sdp_session (parser);
  if (session == NULL)
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_FAILED, "remote SDP does not parse: %s",
                   sdp_parsing_error (parser));
      goto out;
    }
  if (session->sdp_connection && session->sdp_connection->c_address)
    g_strlcpy (remote->address, session->sdp_connection->c_address, sizeof remote->address);
  for (const sdp_media_t *m = session->sdp_media; m != NULL; m = m->m_next)
    take_medium (m, remote);
  if (remote->address[0] == '\0')
    {
      g_set_error (error, STB_SIP_ERROR, STB_SIP_ERROR_FAILED,
                   "remote SDP has no connection address (c= line)");
      goto out;
    }
  ok = TRUE;
out:
  sdp_parser_free (parser);
  su_home_deinit (home);
  return ok;
}
