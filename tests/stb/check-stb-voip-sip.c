/* SPDX-License-Identifier: MIT */
/*
 * stb-voip in SIP mode against the real IMS core (Kamailio through stbsim-ims) and real sipp
 * far ends, with the real stb-qcopd and stb-iptv (on its navigation page: no headend needed),
 * driven through the agent interface (SPEC §12). Asserts on the agent events (including the
 * module's sip.tx / sip.rx), on the server trace (switch messages and their times) and on the
 * sipp side (exit code, message trace): registration, callee accept / reject / cancel /
 * timeout, caller with local and remote hang-up, busy, a core restart, the netns layout and
 * two simulated STBs calling each other with real media (SPEC §7.3, §9).
 */
#define G_LOG_DOMAIN "check-stb-voip-sip"

#include "ims-test-util.h"
#include "stb-test-stack.h"

#include <gio/gio.h>

#define DOMAIN "ims.test"
#define SIPP_WAIT_MS 25000
/* a registration refresh with --sip-expires 10 comes within the expiry */
#define REREGISTER_WAIT_MS 20000

/* The IMS core of the running test (checked fixture: ~25 ms to start, and a test that dies
 * cannot leave registrations behind for the next one). */
static StbsimProc *ims;
static gchar *ims_dir;
static gchar *ims_addr; /* "127.0.0.1:PORT" */

/* ---- IMS core and sipp ------------------------------------------------------------------- */

static guint16
free_udp_port (void)
{
  g_autoptr (GSocket) sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  ck_assert (sock && g_socket_bind (sock, any, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* stbsim-ims in @dir (optionally --port @port, --netns); returns the READY line. */
static StbsimProc *
ims_start (const gchar *dir, guint16 port, gboolean netns, gchar **ready)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/ims/stbsim-ims");
  g_autofree gchar *run = g_build_filename (dir, netns ? "ims-netns" : "ims", NULL);
  g_autofree gchar *log = g_build_filename (dir, "stbsim-ims.log", NULL);
  g_autofree gchar *port_s = g_strdup_printf ("%u", port);
  const gchar *argv[] = { exe, "--run-dir", run, netns ? "--netns" : "--port", port_s, NULL };

  if (netns)
    argv[4] = NULL;
  return stbsim_test_spawn_ready (argv, "stbsim-ims", log, 15000, ready);
}

static void
ims_setup (void)
{
  g_autofree gchar *ready = NULL;

  ims_dir = stbsim_test_mkdtemp ("check-stb-voip-sip-ims");
  ims = ims_start (ims_dir, free_udp_port (), FALSE, &ready);
  ims_addr = stb_stack_ready_value (ready, "sip");
  ck_assert_msg (ims_addr != NULL, "stbsim-ims READY line: %s", ready);
}

static void
ims_teardown (void)
{
  g_clear_pointer (&ims, stbsim_proc_free);
  if (ims_dir)
    stbsim_test_rmtree (ims_dir);
  g_clear_pointer (&ims_dir, g_free);
  g_clear_pointer (&ims_addr, g_free);
}

/* The last @max bytes of @sipp's message trace. */
static gchar *
sipp_tail (ImsTestSipp *sipp, gsize max)
{
  g_autofree gchar *text = ims_test_sipp_trace (sipp);
  gsize len = strlen (text);

  return g_strdup (len > max ? text + len - max : text);
}

typedef struct
{
  StbStack *stack;
  const gchar *addr;  /* the core, "ADDR:PORT" */
  const gchar *local; /* sipp's address */
  const gchar *netns; /* NULL: host */
} Far;

/* A sipp far end calling @callee as @user (scenario @xml, extra "-set" pairs in @vars). */
static ImsTestSipp *
far_call (const Far *far, const gchar *tag, const gchar *xml, const gchar *user,
          const gchar *callee, const gchar *const *vars)
{
  g_autofree gchar *pw = g_strdup_printf ("far%s-secret", user);
  g_autoptr (GPtrArray) extra = g_ptr_array_new ();
  const gchar *base[] = { "-key",   "user", user,  "-key", "domain", DOMAIN, "-key",
                          "callee", callee, "-au", user,   "-ap",    pw,     NULL };

  for (guint i = 0; base[i]; i++)
    g_ptr_array_add (extra, (gpointer)base[i]);
  for (guint i = 0; vars && vars[i] && vars[i + 1]; i += 2)
    {
      g_ptr_array_add (extra, "-set");
      g_ptr_array_add (extra, (gpointer)vars[i]);
      g_ptr_array_add (extra, (gpointer)vars[i + 1]);
    }
  g_ptr_array_add (extra, NULL);
  return ims_test_sipp_start (far->stack->dir, tag, xml, far->netns, far->addr, far->local,
                              ims_test_reserve_udp_ports (1), (const gchar *const *)extra->pdata);
}

/* Wait for @sipp to exit with @want; the failure shows the SIP exchange of both sides. */
static void
far_expect_exit (const Far *far, ImsTestSipp *sipp, gint want)
{
  gint rc = ims_test_sipp_wait (sipp, SIPP_WAIT_MS);

  if (rc != want)
    {
      g_autofree gchar *tail = sipp_tail (sipp, 1500);
      g_autofree gchar *dump = stb_stack_dump_tail (far->stack, 1800);
      ck_abort_msg ("sipp exited %d, expected %d (output: %s)\n--- sipp trace (tail) ---\n%s\n"
                    "--- agent events ---\n%s",
                    rc, want, sipp->log, tail, dump);
    }
}

/* @needle (e.g. "SIP/2.0 603") is in @sipp's message trace. */
static void
far_expect_msg (const Far *far, ImsTestSipp *sipp, const gchar *needle)
{
  g_autofree gchar *tail = NULL;

  if (ims_test_sipp_count (sipp, needle) > 0)
    return;
  tail = sipp_tail (sipp, 3000);
  ck_abort_msg ("sipp never saw \"%s\"; its trace (tail):\n%s", needle, tail);
}

/* Register sipp far end @user on a fresh port; returns the port for the UAS that follows. */
static guint16
far_register (const Far *far, const gchar *user)
{
  g_autofree gchar *pw = g_strdup_printf ("far%s-secret", user);
  const gchar *extra[] = { "-key",    "user", user,  "-key", "domain", DOMAIN, "-key",
                           "expires", "60",   "-au", user,   "-ap",    pw,     "-default_behaviors",
                           "-bye",    NULL };
  guint16 port = ims_test_reserve_udp_ports (1);
  g_autoptr (ImsTestSipp) reg = ims_test_sipp_start (
      far->stack->dir, "register", "register.xml", far->netns, far->addr, far->local, port, extra);

  far_expect_exit (far, reg, 0);
  return port;
}

/* A sipp UAS (registered as @user on @port by far_register) that is listening. */
static ImsTestSipp *
far_answer (const Far *far, const gchar *xml, const gchar *user, guint16 port,
            const gchar *const *vars)
{
  g_autoptr (GPtrArray) extra = g_ptr_array_new ();
  ImsTestSipp *uas;

  g_ptr_array_add (extra, "-key");
  g_ptr_array_add (extra, "user");
  g_ptr_array_add (extra, (gpointer)user);
  g_ptr_array_add (extra, "-key");
  g_ptr_array_add (extra, "domain");
  g_ptr_array_add (extra, DOMAIN);
  for (guint i = 0; vars && vars[i] && vars[i + 1]; i += 2)
    {
      g_ptr_array_add (extra, "-set");
      g_ptr_array_add (extra, (gpointer)vars[i]);
      g_ptr_array_add (extra, (gpointer)vars[i + 1]);
    }
  g_ptr_array_add (extra, NULL);
  uas = ims_test_sipp_start (far->stack->dir, "uas", xml, far->netns, NULL, far->local, port,
                             (const gchar *const *)extra->pdata);
  /* the INVITE must not race sipp's start-up: wait until /proc shows sipp's socket (never
   * probe by binding the port: sipp exits if the probe holds it when it starts) */
  ims_test_sipp_wait_bound (uas, port, STB_STACK_WAIT_MS);
  return uas;
}

/* ---- the STB ----------------------------------------------------------------------------- */

typedef struct
{
  const gchar *layout;
  const gchar *user;        /* "stb1" */
  const gchar *password;    /* NULL: <user>-secret */
  const gchar *proxy;       /* "ADDR:PORT" of the core; NULL: the shared one */
  const gchar *netns;       /* stb-voip inside this namespace */
  const gchar *bind;        /* --bind-host; NULL: default */
  const gchar *const *more; /* more stb-voip arguments */
} StbSetup;

static void
stb_start (StbStack *stack, const StbSetup *s)
{
  g_autofree gchar *proxy = g_strdup_printf ("sip:%s", s->proxy ? s->proxy : ims_addr);
  g_autofree gchar *pw
      = s->password ? g_strdup (s->password) : g_strdup_printf ("%s-secret", s->user);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const gchar *base[] = {
    "--sip-proxy", proxy,           "--sip-user", s->user, "--sip-password", pw, "--sip-domain",
    DOMAIN,        "--t-dialog-ms", "10000",      NULL
  };
  const gchar *wrapper[] = { "ip", "netns", "exec", s->netns, NULL };
  StbStackOptions o = { .layout = s->layout, .name = "check-stb-voip-sip" };

  for (guint i = 0; base[i]; i++)
    g_ptr_array_add (args, (gpointer)base[i]);
  if (s->bind)
    {
      g_ptr_array_add (args, "--bind-host");
      g_ptr_array_add (args, (gpointer)s->bind);
    }
  for (guint i = 0; s->more && s->more[i]; i++)
    g_ptr_array_add (args, (gpointer)s->more[i]);
  g_ptr_array_add (args, NULL);
  o.voip_args = (const gchar *const *)args->pdata;
  o.voip_wrapper = s->netns ? wrapper : NULL;
  stb_stack_start (stack, &o);
  stb_stack_expect (stack, "iptv", "iptv.ready", NULL);
}

static void
expect_registered (StbStack *stack, const gchar *user)
{
  g_autofree gchar *aor = g_strdup_printf ("aor=sip:%s@%s", user, DOMAIN);

  stb_stack_expect (stack, "voip", "voip.registered", aor);
}

typedef struct
{
  StbStack *stack;
  const gchar *name;
  const gchar *const *want;
} Seen;

static gboolean
seen (gpointer data)
{
  Seen *s = data;

  return stb_stack_count_v (s->stack, "voip", s->name, s->want) > 0;
}

/* An event @name with @kv seen at any time (order-free, e.g. audio vs video first frame). */
static void
expect_seen (StbStack *stack, const gchar *name, const gchar *kv)
{
  const gchar *want[] = { kv, NULL };
  Seen s = { stack, name, want };

  if (!stbsim_test_wait_until (NULL, seen, &s, STB_STACK_MEDIA_WAIT_MS))
    {
      g_autofree gchar *dump = stb_stack_dump_tail (stack, STB_STACK_DUMP_MAX);
      ck_abort_msg ("no voip %s %s in events:\n%s", name, kv, dump);
    }
}

/* Incoming call shown and accepted through the agent (SPEC §8.2 from the nav page, I-30):
 * returns the sip.tx event of the 200 OK. */
static StbStackEvent *
callee_accept (StbStack *stack)
{
  stb_stack_expect (stack, "voip", "sip.rx", "what=INVITE");
  stb_stack_expect (stack, "voip", "voip.dialog", "state=shown");
  stb_stack_expect (stack, "voip", "voip.call", "state=incoming", "code=180", "role=callee");
  stb_stack_expect (stack, "voip", "voip.state", "from=IDLE", "to=DIALOG", "reason=V-01");
  stb_stack_expect (stack, "voip", "sip.tx", "what=180");
  stb_stack_key (stack, "voip", "ok");
  stb_stack_expect (stack, "voip", "switch.tx", "param=STOP_IPTV", "row=V-10");
  stb_stack_expect (stack, "voip", "voip.state", "from=DIALOG", "to=AWAIT_SHOW", "reason=V-10");
  stb_stack_expect (stack, "iptv", "switch.rx", "param=STOP_IPTV", "row=I-30");
  stb_stack_expect (stack, "iptv", "switch.tx", "param=CALLEE_SHOW_VIDEO_PAGE");
  stb_stack_expect (stack, "iptv", "iptv.state", "from=NAV", "to=HIDDEN_CALLEE", "reason=I-30");
  stb_stack_expect (stack, "voip", "switch.rx", "param=CALLEE_SHOW_VIDEO_PAGE", "row=V-20");
  stb_stack_expect (stack, "voip", "voip.page", "page=main");
  stb_stack_expect (stack, "voip", "voip.call", "state=answered", "code=200");
  stb_stack_expect (stack, "voip", "voip.state", "from=AWAIT_SHOW", "to=IN_CALL", "reason=V-20");
  stb_stack_expect (stack, "voip", "voip.call", "state=established"); /* ACK (V-56) */
  return stb_stack_expect (stack, "voip", "sip.tx", "what=200");
}

/* The remote BYE ends the callee call: RESUME_IPTV, back to the nav page (V-51, I-50). */
static void
callee_remote_bye (StbStack *stack)
{
  stb_stack_expect (stack, "voip", "sip.rx", "what=BYE");
  /* [SW-VOIP-07]: media released, page hidden, then RESUME_IPTV */
  stb_stack_expect (stack, "voip", "voip.media", "state=released");
  stb_stack_expect (stack, "voip", "voip.call", "state=ended", "reason=remote-hangup");
  stb_stack_expect (stack, "voip", "voip.page", "page=hidden");
  stb_stack_expect (stack, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-51");
  stb_stack_expect (stack, "voip", "voip.state", "from=IN_CALL", "to=IDLE", "reason=V-51");
  stb_stack_expect (stack, "iptv", "switch.rx", "param=RESUME_IPTV", "row=I-50");
  stb_stack_expect (stack, "iptv", "iptv.page", "page=nav");
}

/* [SW-SIP-02]: the 200 OK left the module only after the server handled
 * CALLEE_SHOW_VIDEO_PAGE (one monotonic clock for every process). Logs the gap. */
static void
check_answer_order (StbStack *stack, StbStackEvent *ok, const gchar *what)
{
  gint64 show = stb_stack_trace_time (stack, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE);

  ck_assert_msg (show > 0, "no CALLEE_SHOW_VIDEO_PAGE in the server trace");
  g_print ("SW-SIP-02 %s: 200 OK %.3f ms after CALLEE_SHOW_VIDEO_PAGE at the server\n", what,
           (ok->t - show) / 1e6);
  ck_assert_msg (ok->t > show,
                 "200 OK (t=%" G_GINT64_FORMAT ") before CALLEE_SHOW_VIDEO_PAGE "
                 "(t=%" G_GINT64_FORMAT ") [SW-SIP-02]",
                 ok->t, show);
}

static const gint callee_params[]
    = { STB_SWITCH_PARAM_STOP_IPTV, STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE,
        STB_SWITCH_PARAM_RESUME_IPTV, -1 };
static const gint reject_params[] = { STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, -1 };
static const gint caller_params[]
    = { STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE, STB_SWITCH_PARAM_BACK_TO_NAV, -1 };

/* ---- tests ------------------------------------------------------------------------------- */

/* [SW-SIP-01]: REGISTER with digest auth; a wrong password fails, is reported and retried
 * with backoff (not in a loop). */
START_TEST (test_registration)
{
  StbStack stack;
  const StbSetup good = { .layout = "bidirectional", .user = "stb1" };
  const StbSetup bad = { .layout = "bidirectional", .user = "stb2", .password = "wrong" };
  StbStackEvent *first, *second;
  guint attempts = 0;

  stb_start (&stack, &good);
  expect_registered (&stack, "stb1");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=REGISTER");
  stb_stack_expect (&stack, "voip", "sip.rx", "what=401");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=REGISTER");
  stb_stack_expect (&stack, "voip", "sip.rx", "what=200");
  stb_stack_sync (&stack);
  stb_stack_stop (&stack, TRUE);
  stb_stack_expect_none (&stack, "voip", "voip.registration-failed", NULL);
  stb_stack_free (&stack);

  stb_start (&stack, &bad);
  first = stb_stack_expect (&stack, "voip", "voip.registration-failed", "code=403",
                            "aor=sip:stb2@ims.test");
  /* retried after a backoff, one REGISTER (+ its authenticated repeat) per attempt */
  second = stb_stack_expect (&stack, "voip", "voip.registration-failed", "code=403");
  for (guint i = 0; i < stack.events->len; i++)
    {
      StbStackEvent *e = g_ptr_array_index (stack.events, i);
      attempts += e->t > first->t && e->t < second->t
                  && stb_stack_event_matches (e, "voip", "sip.tx",
                                              (const gchar *const[]){ "what=REGISTER", NULL });
    }
  ck_assert_msg (attempts >= 1 && attempts <= 2, "%u REGISTERs between two failures", attempts);
  stb_stack_expect_none (&stack, "voip", "voip.registered", NULL);
  stb_stack_sync (&stack);
  stb_stack_stop (&stack, TRUE);
  stb_stack_free (&stack);
}
END_TEST

/* Patent figure 2 over SIP: 200 OK only after CALLEE_SHOW_VIDEO_PAGE; the far end's BYE
 * gives the screen back. Both layouts. */
START_TEST (test_callee_accept)
{
  StbStack stack;
  const StbSetup s = { .layout = _i ? "unidirectional" : "bidirectional", .user = "stb1" };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  const gchar *vars[] = { "hold_ms", "1000", NULL };
  g_autoptr (ImsTestSipp) uac = NULL;
  StbStackEvent *ok;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  uac = far_call (&far, "uac", "uac-call.xml", "1002", "stb1", vars);
  ok = callee_accept (&stack);
  callee_remote_bye (&stack);
  stb_stack_expect (&stack, "voip", "sip.tx", "what=200"); /* to the BYE */
  far_expect_exit (&far, uac, 0);
  far_expect_msg (&far, uac, "SIP/2.0 200 OK");
  stb_stack_check_trace (&stack, callee_params);
  check_answer_order (&stack, ok, s.layout);
  stb_stack_free (&stack);
}
END_TEST

/* V-11, SPEC §9.8: the user rejects with back: 603 Decline, REJECT_CONTINUE_IPTV. */
START_TEST (test_callee_reject)
{
  StbStack stack;
  const StbSetup s = { .layout = "unidirectional", .user = "stb1" };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  g_autoptr (ImsTestSipp) uac = NULL;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  uac = far_call (&far, "uac", "uac-call.xml", "1002", "stb1", NULL);
  stb_stack_expect (&stack, "voip", "voip.state", "to=DIALOG", "reason=V-01");
  stb_stack_key (&stack, "voip", "back");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=603");
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "code=603", "reason=rejected");
  stb_stack_expect (&stack, "voip", "voip.dialog", "state=closed", "reason=reject");
  stb_stack_expect (&stack, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-11");
  stb_stack_expect (&stack, "iptv", "switch.rx", "param=REJECT_CONTINUE_IPTV");
  far_expect_exit (&far, uac, 1); /* a refused call fails the UAC scenario */
  far_expect_msg (&far, uac, "SIP/2.0 603");
  stb_stack_check_trace (&stack, reject_params);
  stb_stack_free (&stack);
}
END_TEST

/* V-12, SPEC §9.1: the far end cancels while the dialog is shown: 487, REJECT_CONTINUE_IPTV. */
START_TEST (test_callee_cancel)
{
  StbStack stack;
  const StbSetup s = { .layout = "bidirectional", .user = "stb1" };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  const gchar *vars[] = { "cancel_ms", "300", NULL };
  g_autoptr (ImsTestSipp) uac = NULL;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  uac = far_call (&far, "uac", "uac-cancel.xml", "1003", "stb1", vars);
  stb_stack_expect (&stack, "voip", "voip.dialog", "state=shown");
  stb_stack_expect (&stack, "voip", "sip.rx", "what=CANCEL");
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "code=487", "reason=cancelled");
  stb_stack_expect (&stack, "voip", "voip.dialog", "state=closed", "reason=cancel");
  stb_stack_expect (&stack, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-12");
  stb_stack_expect (&stack, "voip", "voip.state", "from=DIALOG", "to=IDLE", "reason=V-12");
  far_expect_exit (&far, uac, 0);
  far_expect_msg (&far, uac, "SIP/2.0 487");
  stb_stack_check_trace (&stack, reject_params);
  stb_stack_free (&stack);
}
END_TEST

/* V-13, SPEC §9.2: nobody answers the dialog: 480, REJECT_CONTINUE_IPTV. */
START_TEST (test_dialog_timeout)
{
  StbStack stack;
  const gchar *more[] = { "--t-dialog-ms", "1500", NULL };
  const StbSetup s = { .layout = "unidirectional", .user = "stb1", .more = more };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  g_autoptr (ImsTestSipp) uac = NULL;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  uac = far_call (&far, "uac", "uac-call.xml", "1004", "stb1", NULL);
  stb_stack_expect (&stack, "voip", "voip.dialog", "state=shown");
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "code=480", "reason=timeout");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=480");
  stb_stack_expect (&stack, "voip", "voip.dialog", "state=closed", "reason=timeout");
  stb_stack_expect (&stack, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-13");
  far_expect_exit (&far, uac, 1);
  far_expect_msg (&far, uac, "SIP/2.0 480");
  far_expect_msg (&far, uac, "Reason: SIP;cause=480;text=\"no answer\""); /* [SW-SIP-04] */
  stb_stack_check_trace (&stack, reject_params);
  stb_stack_free (&stack);
}
END_TEST

/* Patent figure 1 over SIP up to the established call: videocall on the IPTV, digits and ok
 * on the VoIP page, INVITE through the core to a sipp UAS. */
static void
caller_dial (StbStack *stack, const gchar *number)
{
  g_autofree gchar *want = g_strdup_printf ("number=%s", number);
  g_autofree gchar *peer = g_strdup_printf ("peer=%s", number);

  stb_stack_key (stack, "iptv", "videocall");
  stb_stack_expect (stack, "iptv", "switch.tx", "param=CALLER_SHOW_VIDEO_PAGE");
  stb_stack_expect (stack, "iptv", "iptv.state", "from=NAV", "to=HIDDEN_CALLER", "reason=I-02");
  stb_stack_expect (stack, "voip", "switch.rx", "param=CALLER_SHOW_VIDEO_PAGE", "row=V-02");
  stb_stack_expect (stack, "voip", "voip.page", "page=main");
  for (const gchar *d = number; *d; d++)
    {
      gchar k[2] = { *d, 0 };
      stb_stack_key (stack, "voip", k);
    }
  stb_stack_expect (stack, "voip", "voip.number", want);
  stb_stack_key (stack, "voip", "ok");
  stb_stack_expect (stack, "voip", "voip.call", "state=dialling", peer, "role=caller");
  stb_stack_expect (stack, "voip", "sip.tx", "what=INVITE");
  stb_stack_expect (stack, "voip", "voip.call", "state=ringing");
  stb_stack_expect (stack, "voip", "sip.rx", "what=200");
  stb_stack_expect (stack, "voip", "voip.state", "from=DIALLING", "to=IN_CALL", "reason=V-41");
  stb_stack_expect (stack, "voip", "sip.tx", "what=ACK");
}

/* The caller leaves the main page: BACK_TO_NAV (V-34, I-40). */
static void
caller_back (StbStack *stack)
{
  stb_stack_key (stack, "voip", "back");
  stb_stack_expect (stack, "voip", "voip.page", "page=hidden");
  stb_stack_expect (stack, "voip", "switch.tx", "param=BACK_TO_NAV", "row=V-34");
  stb_stack_expect (stack, "iptv", "switch.rx", "param=BACK_TO_NAV", "row=I-40");
  stb_stack_expect (stack, "iptv", "iptv.page", "page=nav");
}

/* V-52 [SW-VOIP-08]: local hang-up sends BYE and stays on the main page. */
START_TEST (test_caller_local_hangup)
{
  StbStack stack;
  const StbSetup s = { .layout = "bidirectional", .user = "stb1" };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  const gchar *vars[] = { "ring_ms", "200", NULL };
  g_autoptr (ImsTestSipp) uas = NULL;
  guint16 port;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  port = far_register (&far, "1001");
  uas = far_answer (&far, "uas-wait-bye.xml", "1001", port, vars);
  caller_dial (&stack, "1001");
  stb_stack_key (&stack, "voip", "back");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=BYE");
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "reason=local-hangup");
  stb_stack_expect (&stack, "voip", "voip.state", "from=IN_CALL", "to=MAIN_PAGE", "reason=V-52");
  stb_stack_expect (&stack, "voip", "sip.rx", "what=200");
  far_expect_exit (&far, uas, 0);
  far_expect_msg (&far, uas, "BYE sip:");
  caller_back (&stack);
  stb_stack_check_trace (&stack, caller_params);
  stb_stack_free (&stack);
}
END_TEST

/* V-53: the far end's BYE; still on the main page, no switch message until back. */
START_TEST (test_caller_remote_bye)
{
  StbStack stack;
  const StbSetup s = { .layout = "unidirectional", .user = "stb1" };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  const gchar *vars[] = { "ring_ms", "100", "hold_ms", "500", NULL };
  g_autoptr (ImsTestSipp) uas = NULL;
  guint16 port;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  port = far_register (&far, "1003");
  uas = far_answer (&far, "uas-answer.xml", "1003", port, vars);
  caller_dial (&stack, "1003");
  stb_stack_expect (&stack, "voip", "sip.rx", "what=BYE");
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "reason=remote-hangup");
  stb_stack_expect (&stack, "voip", "voip.state", "from=IN_CALL", "to=MAIN_PAGE", "reason=V-53");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=200");
  far_expect_exit (&far, uas, 0);
  stb_stack_sync (&stack);
  stb_stack_expect_none (&stack, "voip", "switch.tx", "param=BACK_TO_NAV");
  caller_back (&stack);
  stb_stack_check_trace (&stack, caller_params);
  stb_stack_free (&stack);
}
END_TEST

/* V-60, SPEC §9.3: a second INVITE during a call gets 486 and nothing else. */
START_TEST (test_busy)
{
  StbStack stack;
  const StbSetup s = { .layout = "bidirectional", .user = "stb1" };
  const Far far = { &stack, ims_addr, "127.0.0.1", NULL };
  g_autoptr (ImsTestSipp) first = NULL;
  g_autoptr (ImsTestSipp) second = NULL;

  stb_start (&stack, &s);
  expect_registered (&stack, "stb1");
  /* the first call lasts until the test ends it (the far end waits for our BYE): a far end
   * hanging up on a timer raced a loaded machine twice (3 s: the second INVITE came after
   * the call; 12 s: the call ended before stb_stack_sync below, which then skipped it) */
  first = far_call (&far, "uac1", "uac-wait-bye.xml", "1002", "stb1", NULL);
  callee_accept (&stack);
  second = far_call (&far, "uac2", "uac-call.xml", "1004", "stb1", NULL);
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "code=486", "reason=busy",
                    "row=V-60");
  stb_stack_expect (&stack, "voip", "sip.tx", "what=486");
  far_expect_exit (&far, second, 1);
  far_expect_msg (&far, second, "SIP/2.0 486");
  stb_stack_sync (&stack);
  ck_assert_uint_eq (stb_stack_count_v (&stack, "voip", "voip.dialog",
                                        (const gchar *const[]){ "state=shown", NULL }),
                     1);
  /* V-50: the callee hangs up locally: BYE, RESUME_IPTV */
  stb_stack_key (&stack, "voip", "back");
  stb_stack_expect (&stack, "voip", "voip.call", "state=ended", "reason=local-hangup");
  stb_stack_expect (&stack, "voip", "switch.tx", "param=RESUME_IPTV", "row=V-50");
  stb_stack_expect (&stack, "iptv", "switch.rx", "param=RESUME_IPTV", "row=I-50");
  far_expect_exit (&far, first, 0);
  stb_stack_check_trace (&stack, callee_params); /* no switch message for the second call */
  stb_stack_free (&stack);
}
END_TEST

/* [SW-SIP-01]: the core restarts (its location table is in memory): the module registers
 * again at its next refresh and is reachable. */
START_TEST (test_core_restart)
{
  StbStack stack;
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-stb-voip-sip-core");
  guint16 port = free_udp_port ();
  g_autofree gchar *ready = NULL;
  g_autoptr (StbsimProc) core = ims_start (dir, port, FALSE, &ready);
  g_autofree gchar *addr = stb_stack_ready_value (ready, "sip");
  const gchar *more[] = { "--sip-expires", "10", NULL };
  const StbSetup s = { .layout = "bidirectional", .user = "stb2", .proxy = addr, .more = more };
  const Far far = { &stack, addr, "127.0.0.1", NULL };
  const gchar *vars[] = { "cancel_ms", "100", NULL };
  g_autoptr (ImsTestSipp) uac = NULL;
  StbStackEvent *again = NULL;
  gint64 restarted;

  stb_start (&stack, &s);
  stb_stack_expect (&stack, "voip", "voip.registered", "aor=sip:stb2@ims.test", "expires=10");
  g_clear_pointer (&core, stbsim_proc_free);
  g_clear_pointer (&ready, g_free);
  core = ims_start (dir, port, FALSE, &ready);
  restarted = stbsim_now_ns ();
  /* a refresh (refresh=1), or a new registration after a failed refresh while it was down */
  while ((again = stb_stack_wait_v (&stack, "voip", "voip.registered", NULL, REREGISTER_WAIT_MS))
         && again->t < restarted)
    ;
  if (!again)
    {
      g_autofree gchar *dump = stb_stack_dump_tail (&stack, STB_STACK_DUMP_MAX);
      ck_abort_msg ("no re-registration after the core restart:\n%s", dump);
    }
  uac = far_call (&far, "uac", "uac-cancel.xml", "1001", "stb2", vars);
  stb_stack_expect (&stack, "voip", "voip.dialog", "state=shown");
  stb_stack_expect (&stack, "voip", "switch.tx", "param=REJECT_CONTINUE_IPTV", "row=V-12");
  far_expect_exit (&far, uac, 0);
  stb_stack_check_trace (&stack, reject_params);
  stb_stack_free (&stack);
  g_clear_pointer (&core, stbsim_proc_free);
  stbsim_test_rmtree (dir);
}
END_TEST

/* The callee flow with the core in its own network namespace and stb-voip + sipp in the STB's
 * namespace (the QCOP socket is a path: reachable from any network namespace). */
START_TEST (test_netns_callee)
{
  StbStack stack;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *ready = NULL;
  g_autoptr (StbsimProc) core = NULL;
  g_autofree gchar *addr = NULL, *netns = NULL, *stb_addr = NULL;
  const gchar *vars[] = { "hold_ms", "1000", NULL };
  g_autoptr (ImsTestSipp) uac = NULL;
  StbStackEvent *ok;

  if (!stbsim_test_is_root ())
    {
      g_print ("test_netns_callee: SKIP (network namespaces need root)\n");
      return;
    }
  dir = stbsim_test_mkdtemp ("check-stb-voip-sip-netns");
  core = ims_start (dir, 0, TRUE, &ready);
  addr = stb_stack_ready_value (ready, "sip");
  netns = stb_stack_ready_value (ready, "netns");
  stb_addr = stb_stack_ready_value (ready, "stb_addr");
  ck_assert_msg (addr && netns && stb_addr, "READY: %s", ready);
  {
    const StbSetup s = {
      .layout = "unidirectional", .user = "stb1", .proxy = addr, .netns = netns, .bind = stb_addr
    };
    const Far far = { &stack, addr, stb_addr, netns };

    stb_start (&stack, &s);
    expect_registered (&stack, "stb1");
    uac = far_call (&far, "uac", "uac-call.xml", "1002", "stb1", vars);
    ok = callee_accept (&stack);
    callee_remote_bye (&stack);
    far_expect_exit (&far, uac, 0);
    stb_stack_check_trace (&stack, callee_params);
    check_answer_order (&stack, ok, "netns");
  }
  stb_stack_free (&stack);
  g_clear_pointer (&core, stbsim_proc_free);
  stbsim_test_rmtree (dir);
}
END_TEST

/* Two simulated STBs: stb1 calls stb2 through the core, stb2 accepts with its agent keys;
 * real RTP audio + video both ways; stb1 hangs up. */
START_TEST (test_two_stbs)
{
  StbStack a, b;
  const StbSetup sa = { .layout = "bidirectional", .user = "stb1" };
  const StbSetup sb = { .layout = "unidirectional", .user = "stb2" };
  StbStackEvent *ok;

  stb_start (&a, &sa);
  stb_start (&b, &sb);
  expect_registered (&a, "stb1");
  expect_registered (&b, "stb2");
  stb_stack_key (&a, "iptv", "videocall");
  stb_stack_expect (&a, "voip", "voip.page", "page=main");
  stb_stack_send_string (&a, STB_AGENT_VOIP_CHANNEL, "dial(QString)", "stb2");
  stb_stack_expect (&a, "voip", "voip.call", "state=dialling", "peer=stb2", "role=caller");
  ok = callee_accept (&b);
  stb_stack_expect (&a, "voip", "voip.state", "from=DIALLING", "to=IN_CALL", "reason=V-41");
  for (guint i = 0; i < 2; i++)
    {
      StbStack *s = i ? &b : &a;
      expect_seen (s, "voip.media", "state=started"); /* may precede the IN_CALL state */
      expect_seen (s, "voip.first-frame", "media=video");
      expect_seen (s, "voip.first-frame", "media=audio");
    }
  stb_stack_key (&a, "voip", "back"); /* stb1 hangs up (V-52), stb2 gets the BYE (V-51) */
  stb_stack_expect (&a, "voip", "voip.media", "state=released"); /* [SW-SIP-06] */
  stb_stack_expect (&a, "voip", "voip.state", "from=IN_CALL", "to=MAIN_PAGE", "reason=V-52");
  callee_remote_bye (&b);
  caller_back (&a);
  stb_stack_check_trace (&b, callee_params);
  check_answer_order (&b, ok, "stb-to-stb");
  stb_stack_check_trace (&a, caller_params);
  stb_stack_free (&a);
  stb_stack_free (&b);
}
END_TEST

static Suite *
voip_sip_suite (void)
{
  Suite *s = suite_create ("stb-voip-sip");
  TCase *tc = tcase_create ("sip");

  /* one core per test (in the test's process): a test that fails leaves no stale contacts */
  tcase_add_checked_fixture (tc, ims_setup, ims_teardown);
  tcase_set_timeout (tc, 90);
  tcase_add_test (tc, test_registration);
  tcase_add_loop_test (tc, test_callee_accept, 0, 2);
  tcase_add_test (tc, test_callee_reject);
  tcase_add_test (tc, test_callee_cancel);
  tcase_add_test (tc, test_dialog_timeout);
  tcase_add_test (tc, test_caller_local_hangup);
  tcase_add_test (tc, test_caller_remote_bye);
  tcase_add_test (tc, test_busy);
  tcase_add_test (tc, test_core_restart);
  tcase_add_test (tc, test_netns_callee);
  tcase_add_test (tc, test_two_stbs);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (voip_sip_suite ());
}
