/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-check-media"

/*
 * What the IPTV module really holds, not what it reports (SPEC SW-IPTV-05): on STOP_IPTV it
 * stops playback and releases its decoder before CALLEE_SHOW_VIDEO_PAGE; the process
 * observer (sr-procobs.h) samples the stream sockets it holds. A module that reports
 * iptv.stop but still holds its stream's socket half a second after its
 * CALLEE_SHOW_VIDEO_PAGE, with nothing resumed, kept pulling the stream.
 */

#include "sr-check-types.h"
#include "stb-protocol.h"

#define REQ(...)                                                                                   \
  (const gchar *const[])                                                                           \
  {                                                                                                \
    __VA_ARGS__, NULL                                                                              \
  }

#define RELEASE "iptv.stream-release"
/* the observer samples every 50 ms; this leaves room for a slow machine */
#define SETTLE_NS (500 * G_GINT64_CONSTANT (1000000))

typedef struct
{
  gint sockets;          /* last sample of the IPTV process (-1: none) */
  gchar *detail;         /* its details */
  gboolean pending;      /* STOP_IPTV delivered while it held a stream socket, no release yet */
  gint64 callee_show_ns; /* its CALLEE_SHOW_VIDEO_PAGE since (0: none yet) */
} Release;

static gpointer
release_start (const SrCheckContext *ctx)
{
  Release *r = g_new0 (Release, 1);
  r->sockets = -1;
  return r;
}

static void
release_free (gpointer data)
{
  Release *r = data;
  g_free (r->detail);
  g_free (r);
}

static void
judge_release (const SrCheckContext *ctx, Release *r, gint64 t_ns)
{
  if (!r->pending || r->callee_show_ns == 0)
    return;
  r->pending = FALSE;
  if (t_ns - r->callee_show_ns < SETTLE_NS)
    return; /* too short a call to tell */
  sr_check_evaluated (ctx, RELEASE, "SW-IPTV-05");
  sr_check_raise (ctx, RELEASE, "iptv::stream-kept", NULL, r->callee_show_ns,
                  "the IPTV module sent CALLEE_SHOW_VIDEO_PAGE, but %.1f s later its process "
                  "still held its stream's sockets (%s): it did not stop playback and release "
                  "its decoder",
                  (gdouble)(t_ns - r->callee_show_ns) / 1e9, r->detail ? r->detail : "?");
}

static void
release_event (const SrCheckContext *ctx, gpointer state, const SrEvent *e)
{
  Release *r = state;
  StbRole role;
  if (e->kind == SR_EVENT_MEDIA && g_str_equal (e->name, "media.sockets"))
    {
      g_autofree gchar *udp = sr_event_detail (e, "udp");
      g_autofree gchar *tcp = sr_event_detail (e, "tcp");
      r->sockets = (gint)(g_ascii_strtoll (udp ? udp : "0", NULL, 10)
                          + g_ascii_strtoll (tcp ? tcp : "0", NULL, 10));
      g_free (r->detail);
      r->detail = g_strdup (e->details);
      if (r->sockets == 0 && r->pending)
        {
          sr_check_evaluated (ctx, RELEASE, "SW-IPTV-05");
          r->pending = FALSE;
        }
      return;
    }
  if (e->kind == SR_EVENT_CHANNEL && g_strcmp0 (e->source, "iptv") == 0
      && (g_str_equal (e->name, "qcop.connect") || g_str_equal (e->name, "qcop.disconnect")))
    {
      /* the process ended (killed, restarted) or a new one came: the last sample was taken
       * while the old one still played and tells nothing about its stop; a new process's
       * own samples follow (first seen in TC-RST-02, killed 10 ms after its
       * CALLEE_SHOW_VIDEO_PAGE: judged on the sample from before its STOP_IPTV) */
      r->pending = FALSE;
      r->sockets = -1;
      return;
    }
  if (r->pending && r->callee_show_ns != 0 && e->t_ns - r->callee_show_ns >= SETTLE_NS)
    judge_release (ctx, r, e->t_ns);
  if (sr_check_is_delivery (e, &role) && role == STB_ROLE_IPTV)
    {
      if (g_str_equal (e->name, "STOP_IPTV") && r->sockets > 0 && !r->pending)
        {
          r->pending = TRUE;
          r->callee_show_ns = 0;
        }
      else if (g_str_equal (e->name, "RESUME_IPTV")
               || g_str_equal (e->name, "REJECT_CONTINUE_IPTV"))
        judge_release (ctx, r, e->t_ns);
    }
  else if (sr_check_is_module_send (e, &role) && role == STB_ROLE_IPTV
           && g_str_equal (e->name, "CALLEE_SHOW_VIDEO_PAGE") && r->pending
           && r->callee_show_ns == 0)
    r->callee_show_ns = e->t_ns;
}

static void
release_finish (const SrCheckContext *ctx, gpointer state)
{
  judge_release (ctx, state, ctx->stop_ns);
}

const SrCheckType sr_check_stream_release = {
  RELEASE,
  (1u << SR_EVENT_MEDIA) | (1u << SR_EVENT_QCOP) | (1u << SR_EVENT_CHANNEL),
  REQ ("SW-IPTV-05"),
  "after STOP_IPTV and its CALLEE_SHOW_VIDEO_PAGE the IPTV process holds no stream socket "
  "(observed in /proc), until it resumes",
  release_start,
  release_event,
  release_finish,
  release_free,
};
