/* SPDX-License-Identifier: MIT */
/*
 * SIP observed at the IMS core (sr-sipobs): the parser on lines captured from Kamailio's log
 * (sim/ims/kamailio.cfg.in "SIPOBS v=1"), the CLOCK_REALTIME -> CLOCK_MONOTONIC mapping, the
 * timeline events (lanes, STB direction), the SW-SIP judgement on captured call flows, and
 * end to end: stbsim with the run's own Kamailio and a SIP-only STB (a sipp UAS registered as
 * stb1 that answers at once, no agent interface, no QCOP) fails SW-SIP-02 from the IMS
 * observation alone.
 */

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "sr-check-types.h"
#include "sr-sipobs.h"
#include "stbsim-test.h"

/* Captured from a run of scenarios/sip-callee-accept.scenario (Kamailio 5.6.3). */
#define PFX " 1(6854) NOTICE: {1 2 312d36383930403132372e302e302e31} <script>: "
/* The lines below are written readable (the v=1 form: values in clear, rr last with spaces,
 * then optionally "|sdp=" and an SDP body in clear); v3() turns them into what
 * sim/ims/kamailio.cfg.in logs now (v=3, SIP values hex-encoded, the SDP body last). */
static const gchar *const rx_register
    = PFX "SIPOBS v=1 dir=rx kind=req t=1795468349.342000 peer=127.0.0.1:37850 m=REGISTER st=0 "
          "cseq=1001114288 ci=6e8d9a8a-6225-1240-d1bc-52df2df203e9 fu=stb1 tu=stb1 ru=<null> rr=";
static const gchar *const tx_register_200
    = PFX "SIPOBS v=1 dir=tx kind=rep t=1795468349.344596 peer=127.0.0.1:37850 m=REGISTER st=200 "
          "cseq=1001114289 ci=6e8d9a8a-6225-1240-d1bc-52df2df203e9 fu=stb1 tu=stb1 ru=<null> "
          "rr=OK";
static const gchar *const tx_invite
    = PFX "SIPOBS v=1 dir=tx kind=req t=1795468349.617500 peer=127.0.0.1:37850 m=INVITE st=0 "
          "cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=stb1 rr=";
static const gchar *const tx_100
    = PFX "SIPOBS v=1 dir=tx kind=rep t=1795468349.617288 peer=127.0.0.1:50780 m=INVITE st=100 "
          "cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=<null> "
          "rr=trying -- your call is important to us";
static const gchar *const rx_200_invite
    = PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.625000 peer=127.0.0.1:37850 m=INVITE st=200 "
          "cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=<null> rr=OK";

static void
append_hex (GString *out, const gchar *v)
{
  if (g_str_equal (v, "<null>"))
    {
      g_string_append (out, v);
      return;
    }
  for (const guchar *p = (const guchar *)v; *p; p++)
    g_string_append_printf (out, "%02x", *p);
}

/* Readable (v=1) line -> v=3 line (transfer full); anything else is copied. */
static gchar *
v3 (const gchar *readable)
{
  const gchar *m = strstr (readable, "SIPOBS v=1 ");
  if (m == NULL)
    return g_strdup (readable);
  g_autoptr (GString) out = g_string_new_len (readable, m - readable);
  g_string_append (out, "SIPOBS v=3");
  g_autofree gchar *rest = g_strdup (m + strlen ("SIPOBS v=1 "));
  gboolean nl = g_str_has_suffix (rest, "\n");
  if (nl)
    rest[strlen (rest) - 1] = '\0';
  gchar *rr = strstr (rest, " rr=");
  ck_assert_ptr_nonnull (rr);
  *rr = '\0';
  gchar *sdp = strstr (rr + 1, "|sdp=");
  if (sdp != NULL)
    *sdp = '\0';
  g_auto (GStrv) fields = g_strsplit (rest, " ", -1);
  static const gchar *const hex_keys[] = { "m", "cseq", "ci", "fu", "tu", "ru", NULL };
  for (guint i = 0; fields[i]; i++)
    {
      gchar *eq = strchr (fields[i], '=');
      ck_assert_ptr_nonnull (eq);
      *eq = '\0';
      g_string_append_printf (out, " %s=", fields[i]);
      if (g_strv_contains (hex_keys, fields[i]))
        append_hex (out, eq + 1);
      else
        g_string_append (out, eq + 1);
    }
  g_string_append (out, " rr=");
  append_hex (out, rr + 4);
  g_string_append (out, " sdp=");
  append_hex (out, sdp ? sdp + 5 : "");
  if (nl)
    g_string_append_c (out, '\n');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
parse (const gchar *readable, SrSipObs *obs)
{
  g_autofree gchar *line = v3 (readable);
  return sr_sip_obs_parse (line, obs);
}

/* ---- parser ----------------------------------------------------------------------------- */

START_TEST (test_parse_request)
{
  g_auto (SrSipObs) o = { 0 };
  ck_assert (parse (tx_invite, &o));
  ck_assert_int_eq (o.dir, SR_SIP_TX);
  ck_assert (!o.is_reply);
  ck_assert_int_eq (o.t_real_ns, G_GINT64_CONSTANT (1795468349617500000));
  ck_assert_str_eq (o.peer, "127.0.0.1:37850");
  ck_assert_str_eq (o.method, "INVITE");
  ck_assert_int_eq (o.status, 0);
  ck_assert_uint_eq (o.cseq, 2);
  ck_assert_str_eq (o.call_id, "1-6890@127.0.0.1");
  ck_assert_str_eq (o.from_user, "1002");
  ck_assert_str_eq (o.to_user, "stb1");
  ck_assert_str_eq (o.ruri_user, "stb1");
  ck_assert_str_eq (o.reason, "");
}
END_TEST

START_TEST (test_parse_reply)
{
  g_auto (SrSipObs) o = { 0 };
  ck_assert (parse (tx_100, &o));
  ck_assert (o.is_reply);
  ck_assert_int_eq (o.status, 100);
  ck_assert_str_eq (o.method, "INVITE");
  ck_assert_str_eq (o.ruri_user, ""); /* <null> */
  ck_assert_str_eq (o.reason, "trying -- your call is important to us");
  g_auto (SrSipObs) r = { 0 };
  ck_assert (parse (rx_register, &r));
  ck_assert_int_eq (r.dir, SR_SIP_RX);
  ck_assert_uint_eq (r.cseq, 1001114288);
  /* a line read with its newline */
  g_autofree gchar *nl = g_strconcat (rx_200_invite, "\n", NULL);
  g_auto (SrSipObs) n = { 0 };
  ck_assert (parse (nl, &n));
  ck_assert_str_eq (n.reason, "OK");
}
END_TEST

START_TEST (test_parse_rejects)
{
  static const gchar *const other[] = {
    "",
    " 0(12) INFO: <core> [main.c:2960]: main(): processes (at least): 7",
    " 0(12) NOTICE: <script>: dialog ended by sip:1002@ims.test",
  };
  for (guint i = 0; i < G_N_ELEMENTS (other); i++)
    ck_assert_int_eq (sr_sip_obs_parse_line (other[i], &(SrSipObs){ 0 }, NULL), SR_SIP_OBS_NONE);
#define OK_TAIL "cseq=31 ci=78 fu=61 tu=62 ru=62 rr= sdp="
  static const gchar *const bad[] = {
    /* the v=1 form, wrong version, missing, extra, duplicated, unknown or reordered keys */
    PFX "SIPOBS v=1 dir=rx kind=req t=1.000001 peer=a:1 m=BYE st=0 cseq=1 ci=x fu=a tu=b ru=b rr=",
    PFX "SIPOBS v=2 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL " x=1",
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL " rr=",
    PFX "SIPOBS v=3 kind=req dir=rx t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL " ",
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0  " OK_TAIL,
    /* two markers, or one not where Kamailio's script log puts it */
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL "SIPOBS",
    " 1(2) NOTICE: {SIPOBS v=2} <script>: SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 "
    "m=425945 st=0 " OK_TAIL,
    "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL,
    /* bad values */
    PFX "SIPOBS v=3 dir=up kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.1234567 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=-1.000001 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=99999999999.000000 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=9223372036.000000 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer= m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1;x m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=BYE st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=42594 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m= st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=200 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=rep t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=rep t=1.000001 peer=a:1 m=425945 st=<null> " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=rep t=1.000001 peer=a:1 m=425945 st=+200 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=rep t=1.000001 peer=a:1 m=425945 st=700 " OK_TAIL,
    PFX "SIPOBS v=3 dir=rx kind=rep t=1.000001 peer=a:1 m=425945 st=200 cseq=78 ci=78 fu=61 "
        "tu=62 ru=62 rr=4f4b sdp=",
    PFX
    "SIPOBS v=3 dir=rx kind=rep t=1.000001 peer=a:1 m=425945 st=200 cseq=3130303030303030303030 "
    "ci=78 fu=61 tu=62 ru=62 rr=4f4b sdp=",
    PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 cseq=31 ci=78 fu=61 tu=62 "
        "ru=62 rr=4f4b sdp=",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      SrSipObs o = { 0 };
      g_autofree gchar *why = NULL;
      ck_assert_msg (sr_sip_obs_parse_line (bad[i], &o, &why) == SR_SIP_OBS_BAD, "accepted: %s",
                     bad[i]);
      ck_assert_ptr_nonnull (why);
      ck_assert_ptr_null (o.method);
    }
  g_auto (SrSipObs) good = { 0 };
  static const gchar good_line[]
      = PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 " OK_TAIL;
  ck_assert_int_eq (sr_sip_obs_parse_line (good_line, &good, NULL), SR_SIP_OBS_OK);
  ck_assert_str_eq (good.method, "BYE");
  ck_assert (!sr_sip_obs_parse (NULL, &(SrSipObs){ 0 }));
}
END_TEST

/* Header values that would have rewritten fields of the v=1 line are just values now. */
START_TEST (test_parse_hostile_values)
{
  g_auto (SrSipObs) o = { 0 };
  g_autofree gchar *line = v3 (
      PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.625000 peer=127.0.0.1:37850 m=INVITE st=200 "
          "cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=<null> rr=OK st=180 ci=forged");
  ck_assert (sr_sip_obs_parse (line, &o));
  ck_assert_int_eq (o.status, 200);
  ck_assert_str_eq (o.reason, "OK st=180 ci=forged");
  ck_assert_str_eq (o.call_id, "1-6890@127.0.0.1");
  g_auto (SrSipObs) p = { 0 };
  ck_assert (parse (PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.625000 peer=127.0.0.1:37850 "
                        "m=INVITE st=200 cseq=2 ci=x_st=180_SIPOBS_v=2_dir=tx fu=1002 tu=stb1 "
                        "ru=<null> rr=OK",
                    &p));
  ck_assert_str_eq (p.call_id, "x_st=180_SIPOBS_v=2_dir=tx");
  ck_assert_int_eq (p.status, 200);
  ck_assert_int_eq (p.dir, SR_SIP_RX);
  /* invalid UTF-8 and a NUL in a value come out as U+FFFD, never as a cut string */
  g_auto (SrSipObs) q = { 0 };
  ck_assert_int_eq (
      sr_sip_obs_parse_line (PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=425945 st=0 "
                                 "cseq=31 ci=6100ff62 fu=61 tu=62 ru=62 rr= sdp=",
                             &q, NULL),
      SR_SIP_OBS_OK);
  ck_assert_str_eq (q.call_id, "a\357\277\275\357\277\275b");
  /* the largest stamp that fits */
  g_auto (SrSipObs) t = { 0 };
  ck_assert_int_eq (
      sr_sip_obs_parse_line (PFX "SIPOBS v=3 dir=rx kind=req t=9223372035.999999 peer=a:1 m=425945 "
                                 "st=0 " OK_TAIL,
                             &t, NULL),
      SR_SIP_OBS_OK);
  ck_assert_int_eq (t.t_real_ns, G_GINT64_CONSTANT (9223372035999999000));
}
END_TEST

/* ---- clock mapping ---------------------------------------------------------------------- */

static gint64
now (clockid_t id)
{
  struct timespec ts;
  clock_gettime (id, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A realtime stamp taken between two monotonic reads maps back between them (within the
 * measured bound and Kamailio's 1 us stamp resolution). */
START_TEST (test_clock_map)
{
  SrClockMap map;
  sr_clock_map_measure (&map, 16);
  ck_assert_int_ge (map.error_ns, 0);
  for (guint i = 0; i < 100; i++)
    {
      gint64 m1 = now (CLOCK_MONOTONIC);
      gint64 r = now (CLOCK_REALTIME) / 1000 * 1000; /* $TV(Sn) has microseconds */
      gint64 m2 = now (CLOCK_MONOTONIC);
      gint64 m = sr_clock_map_to_mono (&map, r);
      gint64 slack = map.error_ns + 1000;
      ck_assert_msg (m >= m1 - slack && m <= m2 + slack,
                     "mapped %" G_GINT64_FORMAT " outside [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                     "] (bound %" G_GINT64_FORMAT " ns)",
                     m, m1, m2, slack);
    }
  g_print ("clock map bound: +- %" G_GINT64_FORMAT " ns (+ 1000 ns stamp resolution)\n",
           map.error_ns);
}
END_TEST

/* ---- events ----------------------------------------------------------------------------- */

START_TEST (test_events)
{
  SrClockMap map = { .offset_ns = G_GINT64_CONSTANT (1795468000000000000), .error_ns = 100 };
  g_auto (SrSipObs) inv = { 0 }, ok = { 0 }, trying = { 0 };
  ck_assert (parse (tx_invite, &inv));
  ck_assert (parse (rx_200_invite, &ok));
  ck_assert (parse (tx_100, &trying));
  g_autoptr (SrEvent) e1 = sr_sip_obs_to_event (&inv, &map, "stb1", "127.0.0.1:37850");
  ck_assert_int_eq (e1->t_ns, G_GINT64_CONSTANT (349617500000));
  ck_assert_str_eq (e1->name, "ims.tx");
  ck_assert_str_eq (e1->source, "ims");
  ck_assert_str_eq (e1->target, "voip");
  ck_assert (sr_event_matches (e1, "sip=INVITE;stb=to;cseq=2;callid=1-6890@127.0.0.1"));
  g_autoptr (SrEvent) e2 = sr_sip_obs_to_event (&ok, &map, "stb1", "127.0.0.1:37850");
  ck_assert_str_eq (e2->name, "ims.rx");
  ck_assert_str_eq (e2->source, "voip");
  ck_assert_str_eq (e2->target, "ims");
  ck_assert (sr_event_matches (e2, "sip=200;method=INVITE;stb=from;reason=OK;status=200"));
  g_autoptr (SrEvent) e3 = sr_sip_obs_to_event (&trying, &map, "stb1", "127.0.0.1:37850");
  ck_assert_str_eq (e3->target, "farend");
  ck_assert (sr_event_matches (e3, "sip=100;stb=none"));
  /* before the STB registered: by user */
  g_autoptr (SrEvent) e4 = sr_sip_obs_to_event (&ok, &map, "stb1", NULL);
  ck_assert (sr_event_matches (e4, "stb=from"));
  g_autoptr (SrEvent) e5 = sr_sip_obs_to_event (&inv, &map, "stb1", NULL);
  ck_assert (sr_event_matches (e5, "stb=to"));
}
END_TEST

/* ---- judgement on captured flows -------------------------------------------------------- */

typedef struct
{
  gchar *dir;
  gchar *log;
  SrTestResult *result;
  SrTimeline *timeline;
  SrTest run;
  SrSipObsTail *tail;
} Judge;

static Judge *
judge_new (void)
{
  Judge *j = g_new0 (Judge, 1);
  j->dir = stbsim_test_mkdtemp ("check-sr-sipobs");
  j->log = g_build_filename (j->dir, "kamailio.log", NULL);
  j->result = sr_test_result_new ("t");
  j->timeline = sr_timeline_new ();
  j->run.result = j->result;
  j->run.timeline = j->timeline;
  j->run.start_ns = G_MININT64 / 2;
  j->tail = sr_sip_obs_tail_new (j->log, "stb1");
  return j;
}

static void
judge_free (Judge *j)
{
  sr_sip_obs_tail_free (j->tail);
  sr_timeline_free (j->timeline);
  sr_test_result_free (j->result);
  stbsim_test_rmtree (j->dir);
  g_free (j->dir);
  g_free (j->log);
  g_free (j);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Judge, judge_free)

/* Feed @lines (a NULL-terminated list) as Kamailio's log, in two writes (a partial line in
 * between), and a CALLEE_SHOW_VIDEO_PAGE at the server at realtime @page_real (0: none). */
static void
judge_feed (Judge *j, const gchar *const *lines, gint64 page_real)
{
  g_autoptr (GString) text = g_string_new (NULL);
  for (guint i = 0; lines[i]; i++)
    {
      g_autofree gchar *line = v3 (lines[i]);
      g_string_append_printf (text, "%s\n", line);
    }
  gsize half = text->len / 2;
  g_autofree gchar *first = g_strndup (text->str, half);
  ck_assert (g_file_set_contents (j->log, first, -1, NULL));
  sr_sip_obs_tail_poll (j->tail, &j->run);
  FILE *f = fopen (j->log, "a");
  ck_assert_ptr_nonnull (f);
  fputs (text->str + half, f);
  fclose (f);
  sr_sip_obs_tail_poll (j->tail, &j->run);
  if (page_real > 0)
    {
      gint64 t = sr_clock_map_to_mono (sr_sip_obs_tail_clock (j->tail), page_real);
      g_autoptr (SrEvent) e = sr_event_new (t, SR_EVENT_QCOP, "iptv", "CALLEE_SHOW_VIDEO_PAGE");
      e->target = g_strdup ("server");
      sr_timeline_add (j->timeline, e);
    }
  sr_sip_obs_judge (&j->run);
}

static const SrIssue *
find_issue (Judge *j, const gchar *requirement)
{
  for (guint i = 0; i < j->result->issues->len; i++)
    {
      const SrIssue *is = g_ptr_array_index (j->result->issues, i);
      if (g_strcmp0 (is->requirement, requirement) == 0)
        return is;
    }
  return NULL;
}

#define T(us) (G_GINT64_CONSTANT (1795468349000000000) + (gint64)(us)*1000)

START_TEST (test_judge_answer_after_page)
{
  g_autoptr (Judge) j = judge_new ();
  const gchar *lines[] = { rx_register, tx_register_200, tx_100, tx_invite, rx_200_invite, NULL };
  judge_feed (j, lines, T (620000)); /* between the INVITE (617500) and the 200 (625000) */
  g_autoptr (GPtrArray) all = sr_timeline_slice (j->timeline, G_MININT64, G_MAXINT64);
  ck_assert_uint_eq (all->len, 6);
  ck_assert_uint_eq (j->result->issues->len, 0);
  ck_assert_int_eq (j->result->verdict, SR_VERDICT_NONE);
}
END_TEST

START_TEST (test_judge_early_answer)
{
  g_autoptr (Judge) j = judge_new ();
  const gchar *lines[] = { rx_register, tx_register_200, tx_invite, rx_200_invite, NULL };
  judge_feed (j, lines, T (626000)); /* 1 ms after the 200 OK */
  const SrIssue *is = find_issue (j, "SW-SIP-02");
  ck_assert_ptr_nonnull (is);
  ck_assert_str_eq (is->id, "sip::early-answer");
  ck_assert_int_eq (is->level, SR_VERDICT_FAIL);
  ck_assert_msg (g_str_has_prefix (is->evidence, "ims.rx 200 (INVITE, Call-ID 1-6890@127.0.0.1)"),
                 "%s", is->evidence);
  ck_assert_msg (strstr (is->evidence, "it came 1.000 ms after the 200 OK"), "%s", is->evidence);
  /* never a page at all */
  g_autoptr (Judge) k = judge_new ();
  judge_feed (k, lines, 0);
  is = find_issue (k, "SW-SIP-02");
  ck_assert_ptr_nonnull (is);
  ck_assert_msg (strstr (is->evidence, "it never came"), "%s", is->evidence);
  /* a page before the INVITE reached the STB belongs to another call */
  g_autoptr (Judge) l = judge_new ();
  judge_feed (l, lines, T (600000));
  ck_assert_ptr_nonnull (find_issue (l, "SW-SIP-02"));
}
END_TEST

static gchar *
reply_line (gint status, const gchar *reason)
{
  return g_strdup_printf (PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.700000 peer=127.0.0.1:37850 "
                              "m=INVITE st=%d cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 "
                              "ru=<null> rr=%s",
                          status, reason);
}

START_TEST (test_judge_reject_codes)
{
  static const struct
  {
    gint status;
    const gchar *reason;
    gboolean cancelled;
    gboolean ok;
  } cases[] = {
    { 603, "Decline", FALSE, TRUE },
    { 486, "Busy Here", FALSE, TRUE },
    { 480, "Temporarily Unavailable", FALSE, TRUE },
    { 487, "Request Terminated", TRUE, TRUE },
    { 500, "Server Internal Error", FALSE, FALSE },
    { 404, "Not Found", FALSE, FALSE },
    { 603, "Decline", TRUE, FALSE }, /* a cancelled INVITE must get 487 */
  };
  const gchar *cancel
      = PFX "SIPOBS v=1 dir=tx kind=req t=1795468349.650000 peer=127.0.0.1:37850 m=CANCEL st=0 "
            "cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=stb1 rr=";
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Judge) j = judge_new ();
      g_autofree gchar *rep = reply_line (cases[i].status, cases[i].reason);
      const gchar *lines[] = { rx_register,
                               tx_register_200,
                               tx_invite,
                               cases[i].cancelled ? cancel : rep,
                               cases[i].cancelled ? rep : NULL,
                               NULL };
      judge_feed (j, lines, 0);
      const SrIssue *is = find_issue (j, "SW-SIP-04");
      ck_assert_msg ((is == NULL) == cases[i].ok, "case %u: %d%s: %s", i, cases[i].status,
                     cases[i].cancelled ? " after CANCEL" : "", is ? is->evidence : "no issue");
      if (is)
        ck_assert_str_eq (is->id, "sip::reject-code");
    }
}
END_TEST

START_TEST (test_judge_not_registered)
{
  g_autoptr (Judge) j = judge_new ();
  const gchar *outgoing
      = PFX "SIPOBS v=1 dir=rx kind=req t=1795468349.100000 peer=127.0.0.1:37850 m=INVITE st=0 "
            "cseq=1 ci=out-1 fu=stb1 tu=1001 ru=1001 rr=";
  const gchar *lines[] = { outgoing, rx_register, tx_register_200, NULL };
  judge_feed (j, lines, 0);
  const SrIssue *is = find_issue (j, "SW-SIP-01");
  ck_assert_ptr_nonnull (is);
  ck_assert_str_eq (is->id, "sip::not-registered");
  ck_assert_msg (g_str_has_prefix (is->evidence, "ims.rx INVITE (Call-ID out-1) from the STB"),
                 "%s", is->evidence);
  /* registered first: no issue */
  g_autoptr (Judge) k = judge_new ();
  const gchar *good[] = { rx_register, tx_register_200, tx_invite, NULL };
  judge_feed (k, good, 0);
  ck_assert_ptr_null (find_issue (k, "SW-SIP-01"));
}
END_TEST

/* Kamailio started again within a test: stbsim-ims starts a fresh log file; the tail
 * follows it (and ignores lines that are not SIPOBS lines). */
START_TEST (test_tail_follows_new_log)
{
  g_autoptr (Judge) j = judge_new ();
  g_autofree gchar *l1 = v3 (rx_register), *l2 = v3 (tx_register_200), *l3 = v3 (tx_invite);
  g_autofree gchar *first = g_strdup_printf ("%s\n%s\n", l1, l2);
  ck_assert (g_file_set_contents (j->log, first, -1, NULL));
  sr_sip_obs_tail_poll (j->tail, &j->run);
  ck_assert_uint_eq (j->timeline->events->len, 2);
  g_autofree gchar *second = g_strdup_printf (" 0(1) INFO: <core> [main.c:1]: starting\n%s\n", l3);
  ck_assert (g_file_set_contents (j->log, second, -1, NULL));
  sr_sip_obs_tail_poll (j->tail, &j->run);
  ck_assert_uint_eq (j->timeline->events->len, 3);
  SrEvent *e = g_ptr_array_index (j->timeline->events, 2);
  ck_assert_str_eq (e->name, "ims.tx");
  /* the STB's address is learned again from its next REGISTER: by user until then */
  ck_assert (sr_event_matches (e, "sip=INVITE;stb=to"));
}
END_TEST

/* A line with the marker that is not the v=3 form is counted and raises sip::bad-observation
 * (inconclusive); the good lines around it still count. */
START_TEST (test_tail_counts_bad_lines)
{
  g_autoptr (Judge) j = judge_new ();
  const gchar *lines[] = { rx_register,
                           PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 m=BYE st=0 cseq=1 "
                               "ci=x fu=a tu=b ru=b rr= sdp=",
                           tx_register_200, PFX "SIPOBS v=3 forged", NULL };
  judge_feed (j, lines, 0);
  ck_assert_uint_eq (sr_sip_obs_tail_rejected (j->tail), 2);
  ck_assert_uint_eq (j->timeline->events->len, 2);
  const SrIssue *is = g_ptr_array_index (j->result->issues, 0);
  ck_assert_str_eq (is->id, "sip::bad-observation");
  ck_assert_int_eq (is->level, SR_VERDICT_INCONC);
  ck_assert_ptr_null (is->requirement);
  ck_assert_msg (strstr (is->evidence, "m= is not hex") != NULL, "%s", is->evidence);
  ck_assert_int_eq (j->result->verdict, SR_VERDICT_INCONC);
}
END_TEST

/* ---- SDP in the observation (v=3) and the checks built on it ---------------------------- */

#define SDP_LOCAL                                                                                  \
  "v=0\r\no=stbsim 1 1 IN IP4 127.0.0.1\r\ns=stbsim\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
#define SDP_AUDIO "m=audio 4000 RTP/AVP 0\r\n"

static gchar *
rx_reply (gint status, const gchar *reason, const gchar *t, const gchar *sdp)
{
  return g_strdup_printf (PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.%s peer=127.0.0.1:37850 "
                              "m=INVITE st=%d cseq=2 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 "
                              "ru=<null> rr=%s%s%s",
                          t, status, reason, sdp ? "|sdp=" : "", sdp ? sdp : "");
}

START_TEST (test_parse_sdp)
{
  g_autofree gchar *hostile = rx_reply (200, "OK", "625000",
                                        SDP_LOCAL "a=x st=180 ci=forged SIPOBS v=3 dir=tx;y\r\n"
                                                  "m=video 4002 RTP/AVP 96\r\n"
                                                  "c=IN IP4 192.0.2.7/127/2\r\n" SDP_AUDIO
                                                  "c=IN IP4 127.0.0.1\r\nc=IN IP4 a;b=c\r\n");
  g_auto (SrSipObs) o = { 0 };
  ck_assert (parse (hostile, &o));
  ck_assert_int_eq (o.status, 200);
  ck_assert_str_eq (o.call_id, "1-6890@127.0.0.1");
  ck_assert (g_str_has_prefix (o.sdp, "v=0\r\no=stbsim"));
  ck_assert (strstr (o.sdp, "a=x st=180 ci=forged SIPOBS v=3 dir=tx;y\r\n") != NULL);
  g_autofree gchar *addrs = sr_sip_obs_sdp_addresses (o.sdp);
  ck_assert_str_eq (addrs, "127.0.0.1,192.0.2.7,a?b?c");
  SrClockMap map = { 0 };
  g_autoptr (SrEvent) e = sr_sip_obs_to_event (&o, &map, "stb1", "127.0.0.1:37850");
  ck_assert_msg (sr_event_matches (e, "sip=200;stb=from;sdp=yes"), "%s", e->details);
  g_autofree gchar *caddr = sr_event_detail (e, "caddr");
  ck_assert_str_eq (caddr, "127.0.0.1,192.0.2.7,a?b?c");
  /* no body, no c= line */
  g_auto (SrSipObs) n = { 0 };
  ck_assert (parse (rx_200_invite, &n));
  ck_assert_str_eq (n.sdp, "");
  g_autoptr (SrEvent) en = sr_sip_obs_to_event (&n, &map, "stb1", "127.0.0.1:37850");
  ck_assert_msg (sr_event_matches (en, "sdp=no;caddr="), "%s", en->details);
  g_autofree gchar *none = sr_sip_obs_sdp_addresses ("v=0\r\nm=audio 1 RTP/AVP 0\r\n");
  ck_assert_str_eq (none, "");
  /* the body is hex like every other value */
  ck_assert_int_eq (sr_sip_obs_parse_line (PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 "
                                               "m=425945 st=0 " OK_TAIL "763d30 x",
                                           &(SrSipObs){ 0 }, NULL),
                    SR_SIP_OBS_BAD);
  ck_assert_int_eq (sr_sip_obs_parse_line (PFX "SIPOBS v=3 dir=rx kind=req t=1.000001 peer=a:1 "
                                               "m=425945 st=0 " OK_TAIL "763d3",
                                           &(SrSipObs){ 0 }, NULL),
                    SR_SIP_OBS_BAD);
}
END_TEST

/* Run one check type over the events of @j (after judge_feed) and optional @extra events. */
static void
run_check (Judge *j, const SrCheckType *type)
{
  SrCheckContext ctx = { .result = j->result, .stop_ns = G_MAXINT64, .end_ns = G_MAXINT64 };
  g_autoptr (GPtrArray) events = sr_timeline_slice (j->timeline, G_MININT64, G_MAXINT64);
  gpointer state = type->start ? type->start (&ctx) : NULL;
  for (guint i = 0; i < events->len; i++)
    {
      const SrEvent *e = g_ptr_array_index (events, i);
      if (type->kinds & (1u << e->kind))
        type->event (&ctx, state, e);
    }
  if (type->finish)
    type->finish (&ctx, state);
  if (type->free && state)
    type->free (state);
}

static void
add_event (Judge *j, gint64 real, SrEventKind kind, const gchar *source, const gchar *name,
           const gchar *details)
{
  gint64 t = sr_clock_map_to_mono (sr_sip_obs_tail_clock (j->tail), real);
  g_autoptr (SrEvent) e = sr_event_new (t, kind, source, name);
  e->details = g_strdup (details);
  sr_timeline_add (j->timeline, e);
}

/* SW-SIP-03 on captured flows: 180 then 200 passes; a 200 (or 603, or a shown dialog)
 * without a 180 fails; a 183 with SDP fails; a 486 without a dialog is not judged. */
START_TEST (test_check_ringing)
{
  g_autofree gchar *r180 = rx_reply (180, "Ringing", "618000", NULL);
  g_autofree gchar *r183 = rx_reply (183, "Session Progress", "619000", SDP_LOCAL SDP_AUDIO);
  g_autofree gchar *r183_bare = rx_reply (183, "Session Progress", "619000", NULL);
  g_autofree gchar *r603 = rx_reply (603, "Decline", "700000", NULL);
  g_autofree gchar *r486 = rx_reply (486, "Busy Here", "700000", NULL);
  g_autofree gchar *r480 = rx_reply (480, "Temporarily Unavailable", "700000", NULL);
  static const struct
  {
    guint answers; /* index set into the answers below */
    gboolean dialog;
    const gchar *issue; /* NULL: passes */
    gboolean evaluated;
  } cases[] = {
    { 0x1 | 0x10, FALSE, NULL, TRUE },                     /* 180, 200 */
    { 0x4 | 0x1 | 0x10, FALSE, NULL, TRUE },               /* 183 without SDP, 180, 200 */
    { 0x10, FALSE, "sip::no-ringing", TRUE },              /* 200 */
    { 0x20, FALSE, "sip::no-ringing", TRUE },              /* 603 */
    { 0x80, TRUE, "sip::no-ringing", TRUE },               /* dialog shown, 480 */
    { 0x2 | 0x1 | 0x10, FALSE, "sip::early-media", TRUE }, /* 183 with SDP, 180, 200 */
    { 0x40, FALSE, NULL, FALSE },                          /* 486, no dialog: not judged */
  };
  const gchar *answers[] = { r180, r183, r183_bare, NULL, rx_200_invite, r603, r486, r480 };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Judge) j = judge_new ();
      const gchar *lines[12] = { rx_register, tx_register_200, tx_invite };
      guint n = 3;
      for (guint k = 0; k < G_N_ELEMENTS (answers); k++)
        if (cases[i].answers & (1u << k))
          lines[n++] = answers[k];
      judge_feed (j, lines, T (620000));
      if (cases[i].dialog)
        add_event (j, T (617800), SR_EVENT_AGENT, "voip", "voip.dialog", "state=shown;peer=x");
      run_check (j, &sr_check_ringing);
      const SrIssue *is = find_issue (j, "SW-SIP-03");
      ck_assert_msg ((is == NULL) == (cases[i].issue == NULL), "case %u: %s", i,
                     is ? is->evidence : "no issue");
      if (is != NULL)
        ck_assert_str_eq (is->id, cases[i].issue);
      ck_assert_msg (g_hash_table_contains (j->result->coverage, "SW-SIP-03") == cases[i].evaluated,
                     "case %u: evaluated?", i);
    }
}
END_TEST

/* SW-SIP-07: the STB's SDP names 127.0.0.1 or the address it sends SIP from. */
START_TEST (test_check_sdp_address)
{
  static const struct
  {
    const gchar *peer;
    const gchar *sdp;
    gboolean ok;
  } cases[] = {
    { "127.0.0.1:37850", SDP_LOCAL SDP_AUDIO, TRUE },
    { "10.200.0.2:5060", "v=0\r\nc=IN IP4 10.200.0.2\r\n" SDP_AUDIO, TRUE },
    { "10.200.0.2:5060", "v=0\r\nc=IN IP4 127.0.0.1\r\n" SDP_AUDIO, TRUE },
    { "127.0.0.1:37850", "v=0\r\nc=IN IP4 192.0.2.7\r\n" SDP_AUDIO, FALSE },
    { "127.0.0.1:37850", SDP_LOCAL SDP_AUDIO "c=IN IP4 10.0.0.9\r\n", FALSE },
    { "127.0.0.1:37850", "v=0\r\n" SDP_AUDIO, FALSE }, /* no c= at all */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Judge) j = judge_new ();
      g_autofree gchar *reg = g_strdup_printf (
          PFX "SIPOBS v=1 dir=rx kind=req t=1795468349.342000 peer=%s m=REGISTER st=0 "
              "cseq=1 ci=reg-1 fu=stb1 tu=stb1 ru=<null> rr=",
          cases[i].peer);
      g_autofree gchar *ok = g_strdup_printf (
          PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.625000 peer=%s m=INVITE st=200 cseq=2 "
              "ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=<null> rr=OK|sdp=%s",
          cases[i].peer, cases[i].sdp);
      const gchar *lines[] = { reg, ok, NULL };
      judge_feed (j, lines, 0);
      run_check (j, &sr_check_sdp_address);
      const SrIssue *is = find_issue (j, "SW-SIP-07");
      ck_assert_msg ((is == NULL) == cases[i].ok, "case %u: %s", i, is ? is->evidence : "no issue");
      if (is != NULL)
        ck_assert_str_eq (is->id, "sip::sdp-address");
      ck_assert (g_hash_table_contains (j->result->coverage, "SW-SIP-07"));
    }
  /* an SDP the far end sends is not the STB's */
  g_autoptr (Judge) k = judge_new ();
  const gchar *far[] = { rx_register,
                         PFX "SIPOBS v=1 dir=rx kind=req t=1795468349.617000 peer=127.0.0.1:50780 "
                             "m=INVITE st=0 cseq=2 ci=c2 fu=1002 tu=stb1 ru=stb1 "
                             "rr=|sdp=v=0\r\nc=IN IP4 192.0.2.7\r\n",
                         NULL };
  judge_feed (k, far, 0);
  run_check (k, &sr_check_sdp_address);
  ck_assert_ptr_null (find_issue (k, "SW-SIP-07"));
}
END_TEST

/* SW-RST-04: a VoIP module restarted during a call (new connection at the server) that
 * reports the old call, or renews its SIP session, before a call of its own. */
START_TEST (test_check_restart)
{
  static const struct
  {
    const gchar *after; /* after the restart: "agent:NAME:DETAILS" or a readable SIPOBS line */
    const gchar *issue;
    gboolean in_call;
  } cases[] = {
    { NULL, NULL, TRUE },
    { "agent:voip.call:state=established;call-id=1;peer=x;role=callee", "voip::call-resumed",
      TRUE },
    { "agent:voip.state:from=IDLE;to=IN_CALL;reason=V-20", "voip::call-resumed", TRUE },
    { "agent:voip.media:state=started;audio=1;video=2", "voip::call-resumed", TRUE },
    { PFX "SIPOBS v=1 dir=rx kind=req t=1795468349.900000 peer=127.0.0.1:37850 m=INVITE st=0 "
          "cseq=3 ci=1-6890@127.0.0.1 fu=stb1 tu=1002 ru=1002 rr=",
      "voip::call-resumed", TRUE },
    /* the far end's BYE answered 481, a REGISTER that keeps its Call-ID: not resuming */
    { PFX "SIPOBS v=1 dir=rx kind=rep t=1795468349.900000 peer=127.0.0.1:37850 m=BYE st=481 "
          "cseq=3 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=<null> rr=Call Does Not Exist",
      NULL, TRUE },
    { PFX "SIPOBS v=1 dir=rx kind=req t=1795468349.900000 peer=127.0.0.1:37850 m=REGISTER st=0 "
          "cseq=9 ci=6e8d9a8a-6225-1240-d1bc-52df2df203e9 fu=stb1 tu=stb1 ru=<null> rr=",
      NULL, TRUE },
    /* a new call of its own first */
    { "agent:voip.call:state=incoming;call-id=1;peer=y;role=callee", NULL, TRUE },
    /* no call at the restart: not judged */
    { "agent:voip.call:state=established;call-id=1;peer=x;role=callee", NULL, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Judge) j = judge_new ();
      g_autofree gchar *bye = g_strdup (
          PFX "SIPOBS v=1 dir=tx kind=req t=1795468349.700000 peer=127.0.0.1:37850 m=BYE st=0 "
              "cseq=3 ci=1-6890@127.0.0.1 fu=1002 tu=stb1 ru=stb1 rr=");
      gboolean sip_after = cases[i].after && !g_str_has_prefix (cases[i].after, "agent:");
      const gchar *lines[] = { rx_register, tx_register_200, tx_invite, rx_200_invite,
                               /* the far end hung up before the restart, or not */
                               cases[i].in_call ? (sip_after ? cases[i].after : NULL) : bye, NULL };
      judge_feed (j, lines, 0);
      add_event (j, T (100000), SR_EVENT_CHANNEL, "voip", "qcop.connect", "client=1");
      add_event (j, T (800000), SR_EVENT_CHANNEL, "voip", "qcop.connect", "client=2");
      if (cases[i].after && !sip_after)
        {
          g_auto (GStrv) f = g_strsplit (cases[i].after + strlen ("agent:"), ":", 2);
          add_event (j, T (850000), SR_EVENT_AGENT, "voip", f[0], f[1]);
        }
      run_check (j, &sr_check_restart);
      const SrIssue *is = find_issue (j, "SW-RST-04");
      ck_assert_msg ((is == NULL) == (cases[i].issue == NULL), "case %u: %s", i,
                     is ? is->evidence : "no issue");
      if (is != NULL)
        ck_assert_str_eq (is->id, cases[i].issue);
      ck_assert_msg (g_hash_table_contains (j->result->coverage, "SW-RST-04") == cases[i].in_call,
                     "case %u: evaluated?", i);
    }
  /* the same process reconnecting (a restarted server, SW-CHAN-12) keeps its call */
  g_autoptr (Judge) j = judge_new ();
  const gchar *lines[] = { rx_register, tx_register_200, tx_invite, rx_200_invite, NULL };
  judge_feed (j, lines, 0);
  add_event (j, T (100000), SR_EVENT_CHANNEL, "voip", "qcop.connect", "client=1;pid=42");
  add_event (j, T (800000), SR_EVENT_CHANNEL, "voip", "qcop.connect", "client=2;pid=42");
  add_event (j, T (850000), SR_EVENT_AGENT, "voip", "voip.media", "state=started;audio=1;video=2");
  run_check (j, &sr_check_restart);
  ck_assert_ptr_null (find_issue (j, "SW-RST-04"));
  ck_assert (!g_hash_table_contains (j->result->coverage, "SW-RST-04"));
}
END_TEST

/* ---- end to end ------------------------------------------------------------------------- */

/* A SIP-only STB: sipp registers as stb1 and answers the call at once (uas-wait-bye.xml,
 * ring_ms 0); nobody sends CALLEE_SHOW_VIDEO_PAGE. No VoIP module, no agent events. */
static const gchar e2e_scenario[]
    = "meta, name=sipobs-early-answer, summary=\"SIP-only STB answers before "
      "CALLEE_SHOW_VIDEO_PAGE\", requirements=\"SW-SIP-02\", needs=\"sip\", timeout=40\n"
      "start, component=ims, timeout=20\n"
      "start, component=server\n"
      "start, component=sipp:reg, ready=false, args=\"-sf {sipp}/register.xml {ims} -i "
      "127.0.0.1 -p {far_port} -m 1 -timeout 10s -timeout_error -key user stb1 -key domain "
      "{domain} -key expires 3600 -au stb1 -ap stb1-secret -nostdin\"\n"
      "wait-event, name=sipp.exit, match=\"status=0;instance=sipp:reg\", timeout=10\n"
      "start, component=sipp:stb, ready=false, args=\"-sf {sipp}/uas-wait-bye.xml -i 127.0.0.1 "
      "-p {far_port} -m 1 -timeout 20s -timeout_error -key user stb1 -key domain {domain} -set "
      "ring_ms 0 -nostdin\"\n"
      "start, component=sipp, ready=false, args=\"-sf {sipp}/uac-call.xml {ims} -i 127.0.0.1 "
      "-p {free_port} -m 1 -timeout 20s -timeout_error -key user 1002 -key domain {domain} "
      "-key callee stb1 -au 1002 -ap far1002-secret -set hold_ms 200 -nostdin\"\n"
      "wait-event, name=sipp.exit, match=\"status=0;instance=sipp:stb\", timeout=20\n";

static gchar *
only_run_dir (const gchar *reports)
{
  g_autoptr (GDir) dir = g_dir_open (reports, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  const gchar *name = g_dir_read_name (dir);
  ck_assert_ptr_nonnull (name);
  return g_build_filename (reports, name, NULL);
}

typedef struct
{
  gint exit_code;
  gchar *verdict;
  gchar *sip02;     /* evidence of the SW-SIP-02 issue (nullable) */
  gboolean bad_obs; /* a sip::bad-observation issue */
  gchar *issues;    /* all issues, for messages */
  gchar *trace;     /* trace.jsonl */
} E2e;

static void
e2e_clear (E2e *r)
{
  g_free (r->verdict);
  g_free (r->sip02);
  g_free (r->issues);
  g_free (r->trace);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (E2e, e2e_clear)

/* Run e2e_scenario with @uac_xml (NULL: sim/ims/sipp/uac-call.xml; may carry more sipp
 * arguments) as the far end's call. */
static void
run_e2e (const gchar *uac_xml, E2e *r)
{
  g_autofree gchar *tmp = stbsim_test_mkdtemp ("check-sr-sipobs-e2e");
  g_autofree gchar *path = g_build_filename (tmp, "sipobs-early-answer.scenario", NULL);
  g_auto (GStrv) parts = g_strsplit (e2e_scenario, "{sipp}/uac-call.xml", -1);
  g_autofree gchar *text = g_strjoinv (uac_xml ? uac_xml : "{sipp}/uac-call.xml", parts);
  ck_assert (g_file_set_contents (path, text, -1, NULL));
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_build_filename (tmp, "reports", NULL);
  const gchar *argv[]
      = { exe,       "run",       path, "--layout",     "bidirectional", "--mode", "sip",
          "--quiet", "--profile", "ci", "--report-dir", reports,         NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint status = -1;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "stbsim died: %s", err);
  r->exit_code = WEXITSTATUS (status);
  g_autofree gchar *dir = only_run_dir (reports);
  g_autofree gchar *json = g_build_filename (dir, "results.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert_msg (json_parser_load_from_file (p, json, &error), "%s\n%s", out, err);
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonObject *t = json_array_get_object_element (json_object_get_array_member (root, "tests"), 0);
  r->verdict = g_strdup (json_object_get_string_member (t, "verdict"));
  JsonArray *issues = json_object_get_array_member (t, "issues");
  g_autoptr (GString) all = g_string_new (NULL);
  for (guint k = 0; k < json_array_get_length (issues); k++)
    {
      JsonObject *is = json_array_get_object_element (issues, k);
      const gchar *req = json_object_get_string_member_with_default (is, "requirement", "");
      const gchar *id = json_object_get_string_member (is, "id");
      g_string_append_printf (all, "\n  %s %s %s %s", json_object_get_string_member (is, "level"),
                              id, req ? req : "", json_object_get_string_member (is, "evidence"));
      if (g_strcmp0 (req, "SW-SIP-02") == 0 && r->sip02 == NULL)
        r->sip02 = g_strdup (json_object_get_string_member (is, "evidence"));
      if (g_str_equal (id, "sip::bad-observation"))
        r->bad_obs = TRUE;
    }
  r->issues = g_string_free (g_steal_pointer (&all), FALSE);
  g_autofree gchar *trace_path = g_build_filename (dir, "trace.jsonl", NULL);
  r->trace = stbsim_test_read_file (trace_path, 4 << 20);
  ck_assert_ptr_nonnull (r->trace);
  stbsim_test_rmtree (tmp);
}

START_TEST (test_e2e_early_answer_judged_at_ims)
{
  g_auto (E2e) r = { 0 };
  run_e2e (NULL, &r);
  ck_assert_msg (r.exit_code == 1, "exit %d:%s", r.exit_code, r.issues);
  ck_assert_str_eq (r.verdict, "fail");
  ck_assert_msg (r.sip02 != NULL, "no SW-SIP-02 issue:%s", r.issues);
  ck_assert_msg (g_str_has_prefix (r.sip02, "ims.rx 200 (INVITE"), "%s", r.sip02);
  ck_assert_msg (strstr (r.sip02, "it never came"), "%s", r.sip02);
  ck_assert_msg (!r.bad_obs, "%s", r.issues);
  /* the observation is in the merged timeline, with the STB's lane */
  ck_assert_msg (strstr (r.trace, "\"source\":\"ims\",\"target\":\"voip\",\"name\":\"ims.tx\","
                                  "\"details\":\"sip=INVITE;")
                     != NULL,
                 "no ims.tx INVITE to the STB in trace.jsonl");
  ck_assert (strstr (r.trace, "\"source\":\"voip\",\"target\":\"ims\",\"name\":\"ims.rx\","
                              "\"details\":\"sip=200;method=INVITE;")
             != NULL);
}
END_TEST

/* The same call with a hostile Call-ID (spaces, key=value text, SIPOBS markers), From display
 * name and User-Agent (tests/runner/uac-hostile.xml) through the real Kamailio: the same
 * observations and the same verdict; the Call-ID is reported as sent, no line is rejected. */
START_TEST (test_e2e_hostile_headers)
{
  g_auto (E2e) r = { 0 };
  g_autofree gchar *xml = stbsim_test_source_path ("tests/runner/uac-hostile.xml");
  /* sipp matches replies by the whole Call-ID: it must make the hostile one itself */
  g_autofree gchar *uac = g_strdup_printf (
      "%s -cid_str '%%u-%%p@%%s st=180 rr=forged SIPOBS v=1 dir=tx kind=rep st=180 SIPOBS v=3 "
      "dir=rx kind=rep st=180 ci=x'",
      xml);
  run_e2e (uac, &r);
  ck_assert_msg (r.exit_code == 1, "exit %d:%s", r.exit_code, r.issues);
  ck_assert_str_eq (r.verdict, "fail");
  ck_assert_msg (r.sip02 != NULL, "no SW-SIP-02 issue:%s", r.issues);
  ck_assert_msg (g_str_has_prefix (r.sip02, "ims.rx 200 (INVITE, Call-ID "), "%s", r.sip02);
  ck_assert_msg (strstr (r.sip02, " st=180 rr=forged SIPOBS v=1 dir=tx kind=rep st=180 SIPOBS "
                                  "v=3 dir=rx kind=rep st=180 ci=x) from the STB")
                     != NULL,
                 "%s", r.sip02);
  ck_assert_msg (strstr (r.sip02, "it never came"), "%s", r.sip02);
  ck_assert_msg (!r.bad_obs, "%s", r.issues);
  ck_assert (strstr (r.trace, "\"source\":\"voip\",\"target\":\"ims\",\"name\":\"ims.rx\","
                              "\"details\":\"sip=200;method=INVITE;")
             != NULL);
}
END_TEST

static Suite *
sipobs_suite (void)
{
  Suite *s = suite_create ("sr-sipobs");
  TCase *parse = tcase_create ("parse");
  tcase_set_timeout (parse, 5);
  tcase_add_test (parse, test_parse_request);
  tcase_add_test (parse, test_parse_reply);
  tcase_add_test (parse, test_parse_rejects);
  tcase_add_test (parse, test_parse_hostile_values);
  tcase_add_test (parse, test_parse_sdp);
  suite_add_tcase (s, parse);
  TCase *clock = tcase_create ("clock");
  tcase_set_timeout (clock, 5);
  tcase_add_test (clock, test_clock_map);
  tcase_add_test (clock, test_events);
  suite_add_tcase (s, clock);
  TCase *judge = tcase_create ("judge");
  tcase_set_timeout (judge, 10);
  tcase_add_test (judge, test_judge_answer_after_page);
  tcase_add_test (judge, test_judge_early_answer);
  tcase_add_test (judge, test_judge_reject_codes);
  tcase_add_test (judge, test_judge_not_registered);
  tcase_add_test (judge, test_tail_follows_new_log);
  tcase_add_test (judge, test_tail_counts_bad_lines);
  tcase_add_test (judge, test_check_ringing);
  tcase_add_test (judge, test_check_sdp_address);
  tcase_add_test (judge, test_check_restart);
  suite_add_tcase (s, judge);
  TCase *e2e = tcase_create ("e2e");
  tcase_set_timeout (e2e, 60);
  tcase_add_test (e2e, test_e2e_early_answer_judged_at_ims);
  tcase_add_test (e2e, test_e2e_hostile_headers);
  suite_add_tcase (s, e2e);
  return s;
}

int
main (void)
{
  return stbsim_test_run (sipobs_suite ());
}
