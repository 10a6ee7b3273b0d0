/* SPDX-License-Identifier: MIT */
/*
 * StbSip (sim/stb/voip/stb-sip.c) against a real Kamailio (the stbsim IMS core config) and
 * real sipp far ends on loopback. StbSip runs in-process on the test's main context.
 */
#include "stb-sdp.h"
#include "stb-sip-wire.h"
#include "ims-test-util.h"
#include "stb-sip.h"
#include "stbsim-test.h"

#include <gio/gio.h>
#include <glib.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define DOMAIN "ims.test"
#define STB_USER "stb1"
#define STB_PASSWORD "stb1-secret"
#define WAIT_MS 5000

/* ---- events recorded from the StbSip callbacks ------------------------------------------ */

typedef struct
{
  gchar *text; /* "tx INVITE" */
  gint64 ns;
} Msg;

typedef struct
{
  StbSip *sip;
  gchar *dir;
  guint kam_port;
  StbsimProc *ims;
  StbsimProc *sipp;
  gchar *sipp_trace;

  guint reg_ok, reg_fail;
  guint last_reg_status;
  guint incoming_id;
  gchar *incoming_peer;
  gint64 incoming_ns;
  gboolean auto_answer;
  guint auto_reject;
  gint64 answer_ns;
  guint state_call;
  GArray *states; /* StbSipCallState */
  guint last_status;
  StbMediaEndpoint media;
  gboolean have_media;
  GArray *msgs; /* Msg */
} Fx;

static Fx fx;

static void
on_registration (StbSip *sip, gboolean ok, guint status, const gchar *reason, gpointer data)
{
  if (ok)
    fx.reg_ok++;
  else
    fx.reg_fail++;
  fx.last_reg_status = status;
}

static void
on_incoming (StbSip *sip, guint call_id, const gchar *peer, gpointer data)
{
  g_autoptr (GError) error = NULL;

  fx.incoming_id = call_id;
  fx.incoming_ns = stbsim_now_ns ();
  g_free (fx.incoming_peer);
  fx.incoming_peer = g_strdup (peer);
  if (fx.auto_answer)
    {
      fx.answer_ns = stbsim_now_ns ();
      ck_assert_msg (stb_sip_answer (sip, call_id, &error), "answer: %s",
                     error ? error->message : "");
    }
  else if (fx.auto_reject)
    ck_assert_msg (stb_sip_reject (sip, call_id, fx.auto_reject, &error), "reject: %s",
                   error ? error->message : "");
}

static void
on_call_state (StbSip *sip, guint call_id, StbSipCallState state, guint status, const gchar *reason,
               gpointer data)
{
  fx.state_call = call_id;
  g_array_append_val (fx.states, state);
  fx.last_status = status;
}

static void
on_media (StbSip *sip, guint call_id, const StbMediaEndpoint *remote, gpointer data)
{
  fx.media = *remote;
  fx.have_media = TRUE;
}

static void
on_message (StbSip *sip, const gchar *direction, const gchar *what, const gchar *sip_call_id,
            gpointer data)
{
  Msg m = { g_strdup_printf ("%s %s", direction, what), stbsim_now_ns () };

  g_array_append_val (fx.msgs, m);
}

static const StbSipCallbacks callbacks = {
  on_registration, on_incoming, on_call_state, on_media, on_message,
};

/* time of the @nth (0-based) message "@text" at or after index @from, -1 if none */
static gint
msg_find (const gchar *text, guint from)
{
  for (guint i = from; i < fx.msgs->len; i++)
    if (g_str_equal (g_array_index (fx.msgs, Msg, i).text, text))
      return (gint)i;
  return -1;
}

static gint64
msg_ns (gint i)
{
  return i < 0 ? 0 : g_array_index (fx.msgs, Msg, i).ns;
}

static gboolean
has_state (StbSipCallState state)
{
  for (guint i = 0; i < fx.states->len; i++)
    if (g_array_index (fx.states, StbSipCallState, i) == state)
      return TRUE;
  return FALSE;
}

/* ---- processes ---------------------------------------------------------------------------- */

/* The IMS core through its launcher: stbsim-ims --run-dir D --port P --ready-fd 3. */
static void
ims_start (void)
{
  g_autofree gchar *bin = stbsim_test_build_path ("sim/ims/stbsim-ims");
  g_autofree gchar *run_dir = g_build_filename (fx.dir, "ims", NULL);
  g_autofree gchar *log = g_build_filename (fx.dir, "stbsim-ims.log", NULL);
  g_autofree gchar *port = g_strdup_printf ("%u", fx.kam_port);
  g_autofree gchar *ready = NULL;
  g_autofree gchar *want = g_strdup_printf ("sip=127.0.0.1:%u ", fx.kam_port);
  const gchar *argv[] = { bin, "--run-dir", run_dir, "--port", port, NULL };

  fx.ims = stbsim_test_spawn_ready (argv, "stbsim-ims", log, 10000, &ready);
  ck_assert_msg (strstr (ready, want) != NULL, "stbsim-ims: unexpected READY line: %s", ready);
}

static void
ims_stop (void)
{
  if (fx.ims != NULL)
    stbsim_proc_stop (fx.ims, 3000);
  g_clear_pointer (&fx.ims, stbsim_proc_free);
}

/* Wait (bounded) for sipp to exit; returns its exit code (or -1 on timeout). */
static gint
sipp_wait (gint timeout_ms)
{
  gint status = 0;

  if (!stbsim_test_wait_exit (fx.sipp, timeout_ms, &status))
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* sipp with scenario @xml (path), extra args; logs + message trace in the run dir. */
static void
sipp_start (const gchar *xml, guint local_port, const gchar *const *extra)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *log = g_build_filename (fx.dir, "sipp.log", NULL);
  g_autoptr (GError) error = NULL;
  StbsimProcOptions opts = { .name = "sipp", .log_path = log, .cwd = fx.dir };

  g_free (fx.sipp_trace);
  fx.sipp_trace = g_build_filename (fx.dir, "sipp-msgs.log", NULL);
  g_ptr_array_add (argv, g_strdup ("sipp"));
  g_ptr_array_add (argv, g_strdup ("-sf"));
  g_ptr_array_add (argv, g_strdup (xml));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", fx.kam_port));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", local_port));
  g_ptr_array_add (argv, g_strdup ("-m"));
  g_ptr_array_add (argv, g_strdup ("1"));
  g_ptr_array_add (argv, g_strdup ("-trace_msg"));
  g_ptr_array_add (argv, g_strdup ("-message_file"));
  g_ptr_array_add (argv, g_strdup (fx.sipp_trace));
  g_ptr_array_add (argv, g_strdup ("-nostdin"));
  for (; extra && *extra; extra++)
    g_ptr_array_add (argv, g_strdup (*extra));
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (&fx.sipp, stbsim_proc_free);
  fx.sipp = stbsim_proc_spawn ((const gchar *const *)argv->pdata, &opts, &error);
  ck_assert_msg (fx.sipp != NULL, "spawn sipp: %s", error ? error->message : "");
}

static gboolean
sipp_trace_has (const gchar *needle)
{
  g_autofree gchar *text = NULL;

  return g_file_get_contents (fx.sipp_trace, &text, NULL, NULL) && strstr (text, needle);
}

/* A sipp UAS is ready once it has bound its SIP port (else the INVITE races its start-up
 * and Kamailio retransmits into the void). Observed in /proc, never by binding the port: a
 * probing bind that holds the port when sipp starts makes sipp exit ("Unable to bind main
 * socket"). */
static void
sipp_wait_listening (guint port)
{
  g_autofree gchar *log = g_build_filename (fx.dir, "sipp.log", NULL);

  ims_test_proc_wait_bound (fx.sipp, log, (guint16)port, WAIT_MS);
}

/* Register a sipp far end (register.xml) so that calls to @user reach @port. */
static void
sipp_register (const gchar *user, const gchar *password, guint port)
{
  g_autofree gchar *xml = stbsim_test_source_path ("sim/ims/sipp/register.xml");
  const gchar *extra[]
      = { "-key", "user", user,  "-key",   "domain",   DOMAIN, "-key",           "expires", "60",
          "-au",  user,   "-ap", password, "-timeout", "10s",  "-timeout_error", NULL };
  gint rc;

  sipp_start (xml, port, extra);
  rc = sipp_wait (12000);
  ck_assert_msg (rc == 0, "sipp REGISTER of %s exited %d", user, rc);
}

/* ---- fixture --------------------------------------------------------------------------------- */

static void
setup (void)
{
  memset (&fx, 0, sizeof fx);
  fx.dir = stbsim_test_mkdtemp ("check-stb-sip");
  fx.states = g_array_new (FALSE, FALSE, sizeof (StbSipCallState));
  fx.msgs = g_array_new (FALSE, FALSE, sizeof (Msg));
  fx.kam_port = stbsim_test_free_port (SOCK_DGRAM);
}

static void
teardown (void)
{
  g_clear_pointer (&fx.sip, stb_sip_free);
  g_clear_pointer (&fx.sipp, stbsim_proc_free);
  ims_stop ();
  for (guint i = 0; i < fx.msgs->len; i++)
    g_free (g_array_index (fx.msgs, Msg, i).text);
  g_array_unref (fx.msgs);
  g_array_unref (fx.states);
  g_free (fx.incoming_peer);
  g_free (fx.sipp_trace);
  if (g_getenv ("STBSIM_KEEP_TMP") == NULL)
    stbsim_test_rmtree (fx.dir);
  g_free (fx.dir);
}

static StbSip *
sip_new (const gchar *password, guint expires)
{
  g_autofree gchar *proxy = g_strdup_printf ("sip:127.0.0.1:%u", fx.kam_port);
  g_autoptr (GError) error = NULL;
  StbSipConfig cfg = { .user = STB_USER,
                       .domain = DOMAIN,
                       .password = password,
                       .proxy = proxy,
                       .bind_host = "127.0.0.1",
                       .expires = expires };
  StbMediaEndpoint local = { .address = "127.0.0.1",
                             .audio_port = 41000,
                             .video_port = 41002,
                             .audio_pt = 0,
                             .audio_codec = "PCMU",
                             .video_pt = 96,
                             .video_codec = "H264" };
  StbSip *sip = stb_sip_new (&cfg, &callbacks, NULL, &error);

  ck_assert_msg (sip != NULL, "stb_sip_new: %s", error ? error->message : "");
  stb_sip_set_local_media (sip, &local);
  return sip;
}

static gboolean
registered_ok (gpointer data)
{
  return fx.reg_ok > 0;
}

static gboolean
registration_failed (gpointer data)
{
  return fx.reg_fail >= GPOINTER_TO_UINT (data);
}

static void
register_stb (void)
{
  fx.sip = sip_new (STB_PASSWORD, 60);
  stb_sip_register (fx.sip);
  ck_assert_msg (stbsim_test_wait_until (NULL, registered_ok, NULL, WAIT_MS),
                 "no registration within %d ms (failures %u, last status %u)", WAIT_MS, fx.reg_fail,
                 fx.last_reg_status);
}

static gboolean
state_seen (gpointer data)
{
  return has_state ((StbSipCallState)GPOINTER_TO_INT (data));
}

static void
wait_state (StbSipCallState state, gint timeout_ms)
{
  ck_assert_msg (stbsim_test_wait_until (NULL, state_seen, GINT_TO_POINTER (state), timeout_ms),
                 "no call state %s within %d ms (%u states seen, last status %u)",
                 stb_sip_call_state_to_string (state), timeout_ms, fx.states->len, fx.last_status);
}

static void
print_span (const gchar *what, gint64 a, gint64 b)
{
  if (a > 0 && b >= a)
    printf ("timing %s: %.3f ms\n", what, (double)(b - a) / 1e6);
}

/* ---- registration ------------------------------------------------------------------------- */

START_TEST (test_register_ok)
{
  gint reg, chal, ok;

  ims_start ();
  register_stb ();
  ck_assert (stb_sip_is_registered (fx.sip));
  ck_assert_uint_eq (fx.last_reg_status, 200);
  reg = msg_find ("tx REGISTER", 0);
  chal = msg_find ("rx 401", 0);
  ok = msg_find ("rx 200", 0);
  ck_assert_msg (reg >= 0 && chal > reg && ok > chal, "REGISTER, 401, 200 not all reported");
  print_span ("REGISTER tx -> 401 rx", msg_ns (reg), msg_ns (chal));
  print_span ("REGISTER 401 rx -> 200 rx", msg_ns (chal), msg_ns (ok));
  ck_assert_uint_ge (stb_sip_get_registrations (fx.sip), 1);
  /* stb_sip_free un-REGISTERs (bounded) */
  {
    guint before = fx.msgs->len;
    g_clear_pointer (&fx.sip, stb_sip_free);
    ck_assert_msg (msg_find ("tx REGISTER", before) >= 0, "no un-REGISTER sent on free");
  }
}
END_TEST

START_TEST (test_register_bad_password)
{
  gint64 t0;

  ims_start ();
  fx.sip = sip_new ("wrong-password", 60);
  t0 = stbsim_now_ns ();
  stb_sip_register (fx.sip);
  ck_assert (stbsim_test_wait_until (NULL, registration_failed, GUINT_TO_POINTER (1), WAIT_MS));
  ck_assert (!stb_sip_is_registered (fx.sip));
  ck_assert_msg (fx.last_reg_status == 403 || fx.last_reg_status == 401,
                 "status %u for a wrong password", fx.last_reg_status);
  print_span ("bad password -> failure", t0, stbsim_now_ns ());
  /* backoff retries: a second failure comes after ~1 s, not a storm */
  ck_assert (stbsim_test_wait_until (NULL, registration_failed, GUINT_TO_POINTER (2), 3000));
  ck_assert_uint_le (fx.reg_fail, 3);
}
END_TEST

START_TEST (test_register_no_ims)
{
  gint64 t0 = stbsim_now_ns ();

  /* nothing listens on kam_port */
  fx.sip = sip_new (STB_PASSWORD, 60);
  stb_sip_register (fx.sip);
  ck_assert (stbsim_test_wait_until (NULL, registration_failed, GUINT_TO_POINTER (1), WAIT_MS));
  ck_assert (!stb_sip_is_registered (fx.sip));
  print_span ("no IMS -> failure", t0, stbsim_now_ns ());
  /* bounded retries with backoff 1 s, 2 s: three failures in ~3 s, not more than 4 */
  ck_assert (stbsim_test_wait_until (NULL, registration_failed, GUINT_TO_POINTER (3), 6000));
  ck_assert_uint_le (fx.reg_fail, 4);
  ck_assert_uint_eq (fx.reg_ok, 0);
}
END_TEST

static gboolean
reregistered (gpointer data)
{
  return stb_sip_get_registrations (fx.sip) > GPOINTER_TO_UINT (data)
         && stb_sip_is_registered (fx.sip);
}

START_TEST (test_register_ims_restart)
{
  guint before;

  ims_start ();
  fx.sip = sip_new (STB_PASSWORD, 10); /* the IMS core's min_expires */
  stb_sip_register (fx.sip);
  ck_assert (stbsim_test_wait_until (NULL, registered_ok, NULL, WAIT_MS));
  ims_stop ();
  ims_start (); /* same port, fresh location table and nonce secret */
  before = stb_sip_get_registrations (fx.sip);
  /* refresh within 3..9 s of a 10 s registration; failures re-register after 1 s */
  ck_assert_msg (stbsim_test_wait_until (NULL, reregistered, GUINT_TO_POINTER (before), 15000),
                 "not registered again at the restarted IMS core (failures %u, last %u)",
                 fx.reg_fail, fx.last_reg_status);
}
END_TEST

/* ---- incoming calls ---------------------------------------------------------------------- */

static gboolean
incoming_seen (gpointer data)
{
  return fx.incoming_id != 0;
}

static void
sipp_call_stb (guint hold_ms, guint media_port)
{
  g_autofree gchar *xml = stbsim_test_source_path ("sim/ims/sipp/uac-call.xml");
  g_autofree gchar *hold = g_strdup_printf ("%u", hold_ms);
  g_autofree gchar *mp = g_strdup_printf ("%u", media_port);
  const gchar *extra[]
      = { "-key",   "user", "1002",     "-key", "domain",         DOMAIN, "-key",    "callee",
          STB_USER, "-au",  "1002",     "-ap",  "far1002-secret", "-set", "hold_ms", hold,
          "-mp",    mp,     "-timeout", "20s",  "-timeout_error", NULL };

  sipp_start (xml, ims_test_reserve_udp_ports (1), extra);
}

START_TEST (test_incoming_accept)
{
  guint mp = ims_test_reserve_udp_ports (4); /* sipp -mp binds mp and mp + 2 */
  gint inv, ringing, ack;

  ims_start ();
  register_stb ();
  fx.auto_answer = TRUE;
  sipp_call_stb (500, mp);
  ck_assert (stbsim_test_wait_until (NULL, incoming_seen, NULL, WAIT_MS));
  ck_assert_str_eq (fx.incoming_peer, "sip:1002@" DOMAIN);
  wait_state (STB_SIP_CALL_ESTABLISHED, WAIT_MS);
  ck_assert (fx.have_media);
  ck_assert_str_eq (fx.media.address, "127.0.0.1");
  ck_assert_uint_eq (fx.media.audio_port, mp);
  ck_assert_uint_eq (fx.media.video_port, mp + 2);
  ck_assert_int_eq (fx.media.audio_pt, 0);
  ck_assert_int_eq (fx.media.video_pt, 96);
  ck_assert_str_eq (fx.media.video_codec, "H264");
  wait_state (STB_SIP_CALL_ENDED_REMOTE, WAIT_MS);
  ck_assert_int_eq (sipp_wait (WAIT_MS), 0);
  inv = msg_find ("rx INVITE", 0);
  ringing = msg_find ("tx 180", inv < 0 ? 0 : (guint)inv);
  ack = msg_find ("rx ACK", 0);
  ck_assert (inv >= 0 && ringing > inv && ack > ringing);
  ck_assert (msg_find ("rx BYE", 0) > ack);
  print_span ("INVITE rx -> 180 tx", msg_ns (inv), msg_ns (ringing));
  print_span ("answer -> ACK rx", fx.answer_ns, msg_ns (ack));
}
END_TEST

START_TEST (test_incoming_reject)
{
  ims_start ();
  register_stb ();
  fx.auto_reject = 486;
  sipp_call_stb (500, ims_test_reserve_udp_ports (4));
  wait_state (STB_SIP_CALL_ENDED_LOCAL, WAIT_MS);
  ck_assert_uint_eq (fx.last_status, 486);
  ck_assert (sipp_wait (WAIT_MS) != 0); /* the scenario wants a 200 */
  ck_assert_msg (sipp_trace_has ("SIP/2.0 486"), "sipp did not see the 486");
  ck_assert (msg_find ("tx 200", 0) < 0 || msg_find ("tx 486", 0) >= 0);
}
END_TEST

START_TEST (test_incoming_cancel)
{
  g_autofree gchar *xml = stbsim_test_source_path ("sim/ims/sipp/uac-cancel.xml");
  const gchar *extra[] = { "-key",           "user",   "1002",      "-key", "domain",   DOMAIN,
                           "-key",           "callee", STB_USER,    "-au",  "1002",     "-ap",
                           "far1002-secret", "-set",   "cancel_ms", "100",  "-timeout", "20s",
                           "-timeout_error", NULL };
  gint rc;

  ims_start ();
  register_stb ();
  sipp_start (xml, ims_test_reserve_udp_ports (1), extra);
  wait_state (STB_SIP_CALL_CANCELLED, WAIT_MS);
  ck_assert_uint_eq (fx.states->len, 1);
  rc = sipp_wait (WAIT_MS);
  ck_assert_msg (rc == 0, "sipp uac-cancel exited %d", rc);
  ck_assert (msg_find ("rx CANCEL", 0) >= 0);
  ck_assert (msg_find ("tx 487", 0) >= 0);
  ck_assert (msg_find ("tx 200", 0) > msg_find ("rx CANCEL", 0));
  ck_assert (!has_state (STB_SIP_CALL_ESTABLISHED));
}
END_TEST

/* ---- outgoing calls ---------------------------------------------------------------------- */

/* IMS core up, a registered far end 1001 (sipp @xml with @extra on @port) listening, the STB
 * registered: the STB calls 1001. Returns the call id. */
static guint
stb_calls_far_end (const gchar *xml, guint port, const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  guint id;

  ims_start ();
  sipp_register ("1001", "far1001-secret", port);
  sipp_start (xml, port, extra);
  sipp_wait_listening (port);
  register_stb ();
  id = stb_sip_call (fx.sip, "1001", &error);
  ck_assert_msg (id != 0, "stb_sip_call: %s", error ? error->message : "");
  return id;
}

static guint
call_far_end (const gchar *scenario, guint ring_ms, guint hold_ms, guint *media_port)
{
  g_autofree gchar *rel = g_strdup_printf ("sim/ims/sipp/%s", scenario);
  g_autofree gchar *xml = stbsim_test_source_path (rel);
  g_autofree gchar *ring = g_strdup_printf ("%u", ring_ms);
  g_autofree gchar *hold = g_strdup_printf ("%u", hold_ms);
  guint port = ims_test_reserve_udp_ports (1);
  g_autofree gchar *mp = NULL;

  *media_port = ims_test_reserve_udp_ports (4); /* sipp -mp binds it and + 2 */
  mp = g_strdup_printf ("%u", *media_port);
  const gchar *extra[]
      = { "-key", "user",    "1001", "-key", "domain", DOMAIN,     "-set", "ring_ms",        ring,
          "-set", "hold_ms", hold,   "-mp",  mp,       "-timeout", "20s",  "-timeout_error", NULL };

  return stb_calls_far_end (xml, port, extra);
}

START_TEST (test_outgoing_local_bye)
{
  g_autoptr (GError) error = NULL;
  guint mp;
  guint id = call_far_end ("uas-wait-bye.xml", 100, 0, &mp);
  gint ok200;

  wait_state (STB_SIP_CALL_RINGING, WAIT_MS);
  wait_state (STB_SIP_CALL_ESTABLISHED, WAIT_MS);
  ck_assert (fx.have_media);
  ck_assert_uint_eq (fx.media.audio_port, mp);
  ck_assert_uint_eq (fx.media.video_port, mp + 2);
  /* the first ACK is nta's for the 407; ours for the 200 comes after the 200 */
  ok200 = msg_find ("rx 200", (guint)msg_find ("tx INVITE", 0));
  ck_assert (ok200 >= 0 && msg_find ("tx ACK", (guint)ok200) > ok200);
  ck_assert (stb_sip_hangup (fx.sip, id, &error));
  wait_state (STB_SIP_CALL_ENDED_LOCAL, WAIT_MS);
  ck_assert (msg_find ("tx BYE", 0) >= 0);
  ck_assert (!stb_sip_hangup (fx.sip, id, NULL)); /* gone */
  ck_assert_int_eq (sipp_wait (WAIT_MS), 0);
}
END_TEST

START_TEST (test_outgoing_remote_bye)
{
  guint mp;

  call_far_end ("uas-answer.xml", 100, 300, &mp);
  wait_state (STB_SIP_CALL_ESTABLISHED, WAIT_MS);
  wait_state (STB_SIP_CALL_ENDED_REMOTE, WAIT_MS);
  ck_assert_int_eq (sipp_wait (WAIT_MS), 0);
  ck_assert (msg_find ("rx BYE", 0) >= 0);
}
END_TEST

/* UAS that rings until cancelled: INVITE, 100, 180, CANCEL, 200 (CANCEL), 487, ACK.
 * Embedded (not sim/ims/sipp/uas-noanswer.xml) because the 487 must carry the INVITE's
 * whole Via stack: sipp's <ereg search_in="hdr" header="Via:"> keeps only the first Via
 * line (Kamailio's), and Kamailio then forwards a 487 without our Via (nua never matches
 * it). Measured with sipp 3.6.1; the regexp below takes both Via lines. */
static const gchar uas_ring_xml[]
    = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n"
      "<scenario name=\"check-stb-sip uas ring\">\n"
      "<recv request=\"INVITE\" crlf=\"true\" rrs=\"true\"><action>\n"
      "<ereg regexp=\"Via:[^[:cntrl:]]*[[:cntrl:]]+Via:[^[:cntrl:]]*\" search_in=\"msg\" "
      "assign_to=\"vias\"/>\n"
      "<ereg regexp=\"[0-9]+\" search_in=\"hdr\" header=\"CSeq:\" assign_to=\"cseqn\"/>\n"
      "</action></recv>\n"
      "<send><![CDATA[\n"
      "SIP/2.0 100 Trying\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n"
      "[last_CSeq:]\nContent-Length: 0\n\n"
      "]]></send>\n"
      "<send><![CDATA[\n"
      "SIP/2.0 180 Ringing\n[last_Via:]\n[last_Record-Route:]\n[last_From:]\n"
      "[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\n[last_CSeq:]\n"
      "Contact: <sip:[service]@[local_ip]:[local_port]>\nContent-Length: 0\n\n"
      "]]></send>\n"
      "<recv request=\"CANCEL\" timeout=\"20000\"/>\n"
      "<send><![CDATA[\n"
      "SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n"
      "[last_CSeq:]\nContent-Length: 0\n\n"
      "]]></send>\n"
      "<send><![CDATA[\n"
      "SIP/2.0 487 Request Terminated\n[$vias]\n[last_From:]\n"
      "[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\nCSeq: [$cseqn] INVITE\n"
      "Content-Length: 0\n\n"
      "]]></send>\n"
      "<recv request=\"ACK\" timeout=\"5000\"/>\n"
      "</scenario>\n";

START_TEST (test_outgoing_cancel)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *xml = g_build_filename (fx.dir, "uas-ring.xml", NULL);
  const gchar *extra[] = { "-s", "1001", "-timeout", "20s", "-timeout_error", NULL };
  guint port = ims_test_reserve_udp_ports (1);
  guint id;

  ck_assert (g_file_set_contents (xml, uas_ring_xml, -1, NULL));
  id = stb_calls_far_end (xml, port, extra);
  wait_state (STB_SIP_CALL_RINGING, WAIT_MS);
  ck_assert (stb_sip_hangup (fx.sip, id, &error));
  wait_state (STB_SIP_CALL_ENDED_LOCAL, WAIT_MS);
  ck_assert_uint_eq (fx.last_status, 487);
  ck_assert (msg_find ("tx CANCEL", 0) >= 0);
  ck_assert (!has_state (STB_SIP_CALL_ESTABLISHED));
  ck_assert_int_eq (sipp_wait (WAIT_MS), 0);
}
END_TEST

START_TEST (test_outgoing_failed)
{
  g_autoptr (GError) error = NULL;

  ims_start ();
  register_stb ();
  /* provisioned but not registered -> 480 from the IMS core */
  ck_assert (stb_sip_call (fx.sip, "1004", &error) != 0);
  wait_state (STB_SIP_CALL_FAILED, WAIT_MS);
  ck_assert_uint_eq (fx.last_status, 480);
  ck_assert (!stb_sip_answer (fx.sip, 999, &error));
  ck_assert (g_error_matches (error, STB_SIP_ERROR, STB_SIP_ERROR_NO_CALL));
}
END_TEST

START_TEST (test_free_during_call)
{
  guint mp;
  gint64 t0;

  call_far_end ("uas-wait-bye.xml", 100, 0, &mp);
  wait_state (STB_SIP_CALL_ESTABLISHED, WAIT_MS);
  t0 = stbsim_now_ns ();
  g_clear_pointer (&fx.sip, stb_sip_free); /* BYE, un-REGISTER, shutdown: bounded */
  ck_assert_int_lt (stbsim_now_ns () - t0, (gint64)5 * G_TIME_SPAN_SECOND * 1000);
  ck_assert_msg (sipp_wait (WAIT_MS) == 0, "the far end did not get a BYE on free");
}
END_TEST

/* ---- the stb-sip-ua program ------------------------------------------------------------- */

static gboolean
file_has (gpointer data)
{
  const gchar *const *what = data;
  g_autofree gchar *text = NULL;

  return g_file_get_contents (what[0], &text, NULL, NULL) && strstr (text, what[1]) != NULL;
}

START_TEST (test_ua_program)
{
  g_autofree gchar *bin = stbsim_test_build_path ("sim/stb/voip/stb-sip-ua");
  g_autofree gchar *out = g_build_filename (fx.dir, "stb-sip-ua.log", NULL);
  g_autofree gchar *proxy = g_strdup_printf ("sip:127.0.0.1:%u", fx.kam_port);
  g_autofree gchar *ready = NULL;
  const gchar *argv[] = { bin,
                          "--user",
                          STB_USER,
                          "--password",
                          STB_PASSWORD,
                          "--domain",
                          DOMAIN,
                          "--proxy",
                          proxy,
                          "--media",
                          "127.0.0.1:42000:42002",
                          "--auto-answer",
                          NULL };
  const gchar *ended[] = { out, "call id=1 state=ended-remote status=200" };
  const gchar *media[] = { out, "media id=1 address=127.0.0.1" };
  StbsimProc *ua;

  ims_start ();
  ua = stbsim_test_spawn_ready (argv, "stb-sip-ua", out, WAIT_MS, &ready);
  ck_assert_str_eq (ready, "READY aor=sip:" STB_USER "@" DOMAIN);
  sipp_call_stb (200, ims_test_reserve_udp_ports (4));
  ck_assert_msg (stbsim_test_wait_until (NULL, file_has, (gpointer)ended, WAIT_MS),
                 "stb-sip-ua did not report the remote BYE; see %s", out);
  ck_assert (file_has ((gpointer)media));
  ck_assert_int_eq (sipp_wait (WAIT_MS), 0);
  ck_assert_int_eq (stbsim_proc_stop (ua, 3000), 0); /* SIGTERM: clean exit */
  stbsim_proc_free (ua);
}
END_TEST

/* ---- units: SDP, the wire-log parser, errors --------------------------------------------- */

START_TEST (test_sdp_roundtrip)
{
  StbMediaEndpoint local = {
    .address = "127.0.0.1", .audio_port = 40000, .video_port = 40002, .audio_pt = 8, .video_pt = 97
  };
  g_autofree gchar *sdp = stb_sdp_build (&local, NULL);
  StbMediaEndpoint remote;
  g_autoptr (GError) error = NULL;

  ck_assert (strstr (sdp, "m=audio 40000 RTP/AVP 8 0\r\n") != NULL);
  ck_assert (strstr (sdp, "a=fmtp:97 " STB_SDP_H264_FMTP "\r\n") != NULL);
  ck_assert_msg (stb_sdp_parse_remote (sdp, &remote, &error), "%s", error->message);
  ck_assert_str_eq (remote.address, "127.0.0.1");
  ck_assert_uint_eq (remote.audio_port, 40000);
  ck_assert_int_eq (remote.audio_pt, 8);
  ck_assert_str_eq (remote.audio_codec, "PCMA");
  ck_assert_uint_eq (remote.video_port, 40002);
  ck_assert_int_eq (remote.video_pt, 97);
  ck_assert_str_eq (remote.video_fmtp, STB_SDP_H264_FMTP);
  /* no local media: both media offered with port 0 (disabled) */
  g_free (sdp);
  sdp = stb_sdp_build (NULL, "10.0.0.1");
  ck_assert (strstr (sdp, "c=IN IP4 10.0.0.1\r\n") && strstr (sdp, "m=audio 0 "));
  ck_assert (stb_sdp_parse_remote (sdp, &remote, NULL));
  ck_assert_uint_eq (remote.audio_port + remote.video_port, 0);
  /* media-level c= wins; unsupported codecs are skipped */
  ck_assert (stb_sdp_parse_remote ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
                                   "m=audio 5000 RTP/AVP 18 0\r\nc=IN IP4 5.6.7.8\r\n",
                                   &remote, NULL));
  ck_assert_str_eq (remote.address, "5.6.7.8");
  ck_assert_int_eq (remote.audio_pt, 0);
  ck_assert (
      !stb_sdp_parse_remote ("v=0\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n", &remote, &error));
  /* a line with white space before its type never reaches sofia-sip, which skips the white
   * space and took " m=8 6000 R =rt" as an m= line nobody had checked (out of memory in
   * sdp_parse(), tests/fuzz/crashes/stb-sdp/oom-191ca8cd...) */
  g_clear_error (&error);
  ck_assert (!stb_sdp_parse_remote ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
                                    "m=audio 5000 RTP/AVP 0\r\n m=8 6000 R =rt\r\n",
                                    &remote, &error));
  ck_assert_msg (strstr (error->message, "starts with white space") != NULL, "%s", error->message);
}
END_TEST

static void
on_wire (gboolean tx, const gchar *what, const gchar *call_id, gpointer data)
{
  g_string_append_printf (data, "%s %s %s|", tx ? "tx" : "rx", what, call_id);
}

START_TEST (test_wire_parser)
{
  GString *seen = g_string_new (NULL);
  const gchar *sep
      = "   ------------------------------------------------------------------------\n";

  stb_sip_wire_attach (on_wire, seen);
  /* what sofia's tport prints with TPTAG_LOG(1), in the chunks its logger gets */
  stb_sip_wire_feed ("send 300 bytes to udp/[127.0.0.1]:5060 at 20:10:12.123456:\n");
  stb_sip_wire_feed (sep);
  stb_sip_wire_feed ("   INVITE sip:1001@ims.test SIP/2.0\n   Via: SIP/2.0/UDP x\n");
  stb_sip_wire_feed ("   Call-ID: abc@host\n   \n   v=0\n");
  stb_sip_wire_feed (sep);
  stb_sip_wire_feed ("recv 200 bytes from udp/[127.0.0.1]:5060 at 20:10:12.2:\n");
  stb_sip_wire_feed (sep);
  stb_sip_wire_feed ("   SIP/2.0 180 Ringing\n   i: compact-id\n");
  stb_sip_wire_feed (sep);
  stb_sip_wire_feed ("nta: some other sofia log line\n");
  ck_assert_str_eq (seen->str, "tx INVITE abc@host|rx 180 compact-id|");
  stb_sip_wire_detach (seen);
  stb_sip_wire_feed ("recv 1 bytes from x:\n");
  stb_sip_wire_feed (sep);
  stb_sip_wire_feed ("   BYE sip:x SIP/2.0\n");
  stb_sip_wire_feed (sep);
  ck_assert_str_eq (seen->str, "tx INVITE abc@host|rx 180 compact-id|");
  g_string_free (seen, TRUE);
}
END_TEST

START_TEST (test_new_bad_bind)
{
  g_autoptr (GError) error = NULL;
  StbSipConfig cfg = { .user = STB_USER,
                       .domain = DOMAIN,
                       .password = STB_PASSWORD,
                       .proxy = "sip:127.0.0.1:5060",
                       .bind_host = "192.0.2.1" };
  StbSip *sip = stb_sip_new (&cfg, &callbacks, NULL, &error);

  ck_assert (sip == NULL);
  ck_assert (g_error_matches (error, STB_SIP_ERROR, STB_SIP_ERROR_TRANSPORT));
  ck_assert (strstr (error->message, "192.0.2.1") != NULL);
}
END_TEST

static Suite *
stb_sip_suite (void)
{
  Suite *s = suite_create ("stb-sip");
  TCase *reg = tcase_create ("registration");
  TCase *in = tcase_create ("incoming");
  TCase *out = tcase_create ("outgoing");
  TCase *ua = tcase_create ("ua");
  TCase *units = tcase_create ("units");

  tcase_set_timeout (units, 10);
  tcase_add_test (units, test_sdp_roundtrip);
  tcase_add_test (units, test_wire_parser);
  tcase_add_test (units, test_new_bad_bind);
  suite_add_tcase (s, units);

  tcase_add_checked_fixture (reg, setup, teardown);
  tcase_set_timeout (reg, 40);
  tcase_add_test (reg, test_register_ok);
  tcase_add_test (reg, test_register_bad_password);
  tcase_add_test (reg, test_register_no_ims);
  tcase_add_test (reg, test_register_ims_restart);
  suite_add_tcase (s, reg);

  tcase_add_checked_fixture (in, setup, teardown);
  tcase_set_timeout (in, 30);
  tcase_add_test (in, test_incoming_accept);
  tcase_add_test (in, test_incoming_reject);
  tcase_add_test (in, test_incoming_cancel);
  suite_add_tcase (s, in);

  tcase_add_checked_fixture (out, setup, teardown);
  tcase_set_timeout (out, 30);
  tcase_add_test (out, test_outgoing_local_bye);
  tcase_add_test (out, test_outgoing_remote_bye);
  tcase_add_test (out, test_outgoing_cancel);
  tcase_add_test (out, test_outgoing_failed);
  tcase_add_test (out, test_free_during_call);
  suite_add_tcase (s, out);

  tcase_add_checked_fixture (ua, setup, teardown);
  tcase_set_timeout (ua, 30);
  tcase_add_test (ua, test_ua_program);
  suite_add_tcase (s, ua);
  return s;
}

int
main (void)
{
  return stbsim_test_run (stb_sip_suite ());
}
