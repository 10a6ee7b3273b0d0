/* SPDX-License-Identifier: MIT */
/* Switch message codec (SPEC §3 byte vectors, §4 checks), dialect loading (SPEC §5) and the
 * agent payload codecs (SPEC §12.1 vectors). No IPC. */
#define G_LOG_DOMAIN "check-stb-protocol"

#include "stb-agent.h"
#include "stb-dialect.h"
#include "stb-protocol.h"
#include "stbsim-test.h"

#include "qcop-datastream.h"

#include <glib/gstdio.h>

static gchar *
hex (GBytes *b)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (b, &len);

  return qcop_ds_to_hex (p, len);
}

static GBytes *
unhex (const gchar *h)
{
  g_autoptr (GError) error = NULL;
  GBytes *b = qcop_ds_from_hex (h, &error);

  ck_assert_msg (b != NULL, "bad hex %s: %s", h, error ? error->message : "");
  return b;
}

static StbDialect *
load_fixture (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *rel = g_strdup_printf ("fixtures/dialects/%s.ini", name);
  g_autofree gchar *path = stbsim_test_source_path (rel);
  StbDialect *d = stb_dialect_load (path, &error);

  ck_assert_msg (d != NULL, "%s: %s", path, error ? error->message : "");
  return d;
}

/* SPEC §3.2 */
static const struct
{
  StbSwitchParam param;
  const gchar *def;
  const gchar *vendor;
} vectors[] = {
  { STB_SWITCH_PARAM_CALLER_SHOW_VIDEO_PAGE, "0000000100000001", "00000010000000c9" },
  { STB_SWITCH_PARAM_CALLEE_SHOW_VIDEO_PAGE, "0000000100000002", "00000010000000ca" },
  { STB_SWITCH_PARAM_BACK_TO_NAV, "0000000200000001", "0000002000000065" },
  { STB_SWITCH_PARAM_STOP_IPTV, "0000000200000002", "0000002000000066" },
  { STB_SWITCH_PARAM_REJECT_CONTINUE_IPTV, "0000000200000003", "0000002000000067" },
  { STB_SWITCH_PARAM_RESUME_IPTV, "0000000200000004", "0000002000000068" },
};

static void
check_vectors (StbDialect *d, gboolean vendor)
{
  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      const gchar *want = vendor ? vectors[i].vendor : vectors[i].def;
      g_autoptr (GBytes) b = stb_protocol_encode_param (d, vectors[i].param);
      g_autofree gchar *got = hex (b);
      g_auto (StbSwitchMessage) m = { 0 };
      g_autoptr (GError) error = NULL;
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (b, &len);

      ck_assert_str_eq (got, want);
      ck_assert_msg (stb_protocol_decode (d, p, len, &m, &error), "%s",
                     error ? error->message : "");
      ck_assert_int_eq (m.param, vectors[i].param);
      ck_assert_int_eq (m.type, stb_switch_param_get_type (vectors[i].param));
      ck_assert (!m.has_sequence);
    }
}

START_TEST (test_vectors_default)
{
  g_autoptr (StbDialect) builtin = stb_dialect_new_default ();
  g_autoptr (StbDialect) file = load_fixture ("default");

  check_vectors (builtin, FALSE);
  check_vectors (file, FALSE);
  ck_assert_str_eq (file->name, "default");
  ck_assert_str_eq (file->message, "switchService(int,int)");
}
END_TEST

START_TEST (test_vectors_vendor)
{
  g_autoptr (StbDialect) d = load_fixture ("vendor-example");

  check_vectors (d, TRUE);
  ck_assert_int_eq (d->layout, STB_LAYOUT_UNIDIRECTIONAL);
  ck_assert_str_eq (stb_dialect_send_channel (d, STB_ROLE_VOIP), "ACME/Switch/Tv");
  ck_assert_str_eq (stb_dialect_listen_channel (d, STB_ROLE_VOIP), "ACME/Switch/Phone");
  ck_assert_str_eq (stb_dialect_send_channel (d, STB_ROLE_IPTV), "ACME/Switch/Phone");
  ck_assert_str_eq (stb_dialect_listen_channel (d, STB_ROLE_IPTV), "ACME/Switch/Tv");
  ck_assert_str_eq (d->message, "serviceSwitch(int,int)");
}
END_TEST

/* SPEC §3.2 trailer forms */
START_TEST (test_trailer)
{
  g_autoptr (StbDialect) d = stb_dialect_new_default ();
  static const struct
  {
    const gchar *context;
    guint32 seq;
    const gchar *hex;
  } forms[] = {
    { "call-id=a1", 7, "0000000200000002000000070000001400630061006c006c002d00690064003d00610031" },
    { NULL, 1,
      "0000000200000002"
      "00000001ffffffff" },
    { "", 1,
      "0000000200000002"
      "0000000100000000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      StbSwitchMessage msg = { .type = STB_SWITCH_TYPE_VOIP_TO_IPTV,
                               .param = STB_SWITCH_PARAM_STOP_IPTV,
                               .has_sequence = TRUE,
                               .sequence = forms[i].seq,
                               .context = (gchar *)forms[i].context };
      g_autoptr (GBytes) b = stb_protocol_encode (d, &msg);
      g_autofree gchar *got = hex (b);
      g_auto (StbSwitchMessage) m = { 0 };
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (b, &len);

      ck_assert_str_eq (got, forms[i].hex);
      ck_assert (stb_protocol_decode (d, p, len, &m, NULL));
      ck_assert (m.has_sequence);
      ck_assert_uint_eq (m.sequence, forms[i].seq);
      ck_assert_str_eq (m.context ? m.context : "(null)",
                        forms[i].context ? forms[i].context : "(null)");
      ck_assert (!m.trailer_malformed);
    }
}
END_TEST

/* [SW-RX-04]: bytes after the first 8 never change the outcome. */
START_TEST (test_trailer_tolerance)
{
  g_autoptr (StbDialect) d = stb_dialect_new_default ();
  static const gchar *const inputs[] = {
    "000000020000000200000001",                 /* sequence only */
    "00000002000000020000",                     /* truncated sequence */
    "000000020000000200000001000000030061",     /* odd QString byte count */
    "00000002000000020000000100000010",         /* QString longer than the data */
    "000000020000000200000001ffffffffdeadbeef", /* bytes after the context */
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GBytes) b = unhex (inputs[i]);
      g_auto (StbSwitchMessage) m = { 0 };
      g_autoptr (GError) error = NULL;
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (b, &len);

      ck_assert_msg (stb_protocol_decode (d, p, len, &m, &error), "%s: %s", inputs[i],
                     error ? error->message : "");
      ck_assert_int_eq (m.param, STB_SWITCH_PARAM_STOP_IPTV);
    }
}
END_TEST

START_TEST (test_decode_errors)
{
  g_autoptr (StbDialect) d = stb_dialect_new_default ();
  static const struct
  {
    const gchar *hex;
    gint code;
    gint32 raw_type, raw_param;
  } cases[] = {
    { "", STB_PROTOCOL_ERROR_SHORT_DATA, 0, 0 },
    { "00000002000000", STB_PROTOCOL_ERROR_SHORT_DATA, 0, 0 },
    { "0000000300000001", STB_PROTOCOL_ERROR_UNKNOWN_TYPE, 3, 1 },
    { "ffffffff00000001", STB_PROTOCOL_ERROR_UNKNOWN_TYPE, -1, 1 },
    { "0000000200000005", STB_PROTOCOL_ERROR_UNKNOWN_PARAM, 2, 5 },
    { "0000000100000003", STB_PROTOCOL_ERROR_UNKNOWN_PARAM, 1, 3 },
    { "0000000100000000", STB_PROTOCOL_ERROR_UNKNOWN_PARAM, 1, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) b = unhex (cases[i].hex);
      g_auto (StbSwitchMessage) m = { 0 };
      g_autoptr (GError) error = NULL;
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (b, &len);

      ck_assert_msg (!stb_protocol_decode (d, p, len, &m, &error), "%s decoded", cases[i].hex);
      ck_assert (g_error_matches (error, STB_PROTOCOL_ERROR, cases[i].code));
      ck_assert_int_eq (m.raw_type, cases[i].raw_type);
      ck_assert_int_eq (m.raw_param, cases[i].raw_param);
    }
  ck_assert_str_eq (stb_protocol_error_reason (STB_PROTOCOL_ERROR_SHORT_DATA), "short-data");
  ck_assert_str_eq (stb_protocol_error_reason (STB_PROTOCOL_ERROR_UNKNOWN_TYPE), "unknown-type");
  ck_assert_str_eq (stb_protocol_error_reason (STB_PROTOCOL_ERROR_UNKNOWN_PARAM), "unknown-param");
}
END_TEST

START_TEST (test_names)
{
  StbSwitchParam p;

  for (guint i = 0; i < STB_SWITCH_PARAM_COUNT; i++)
    {
      ck_assert (stb_switch_param_from_string (stb_switch_param_to_string (i), &p));
      ck_assert_int_eq (p, (gint)i);
    }
  ck_assert (!stb_switch_param_from_string ("NOPE", &p));
  ck_assert_str_eq (stb_switch_type_to_string (STB_SWITCH_TYPE_IPTV_TO_VOIP), "iptv_to_voip");
}
END_TEST

/* ---- dialect errors ---------------------------------------------------------------------- */

static void
expect_dialect_error (const gchar *text, const gchar *want_in_message)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-dialect");
  g_autofree gchar *path = g_build_filename (dir, "bad.ini", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StbDialect) d = NULL;
  g_autofree gchar *want = NULL;

  ck_assert (g_file_set_contents (path, text, -1, NULL));
  d = stb_dialect_load (path, &error);
  ck_assert_msg (d == NULL, "loaded: %s", text);
  ck_assert (g_error_matches (error, STB_PROTOCOL_ERROR, STB_PROTOCOL_ERROR_DIALECT));
  want = g_strdup_printf ("%s:%s", path, want_in_message);
  ck_assert_msg (strstr (error->message, want) != NULL, "'%s' does not contain '%s'",
                 error->message, want);
  stbsim_test_rmtree (dir);
}

START_TEST (test_dialect_errors)
{
  expect_dialect_error ("[chanels]\nlayout=bidirectional\n", "[chanels]");
  expect_dialect_error ("[channels]\nlayot=bidirectional\n", "[channels]layot");
  expect_dialect_error ("[channels]\nlayout=both\n", "[channels]layout");
  expect_dialect_error ("[types]\niptv_to_voip=x\n", "[types]iptv_to_voip");
  expect_dialect_error ("[types]\niptv_to_voip=99999999999\n", "[types]iptv_to_voip");
  expect_dialect_error ("[types]\nvoip_to_iptv=1\n", "[types]voip_to_iptv");
  expect_dialect_error ("[params]\nRESUME_IPTV=1\n", "[params]RESUME_IPTV");
  expect_dialect_error ("[params]\nCALLEE_SHOW_VIDEO_PAGE=1\n", "[params]CALLEE_SHOW_VIDEO_PAGE");
  expect_dialect_error ("[params]\nSTOP=2\n", "[params]STOP");
  expect_dialect_error ("[message]\nname=switchService\n", "[message]name");
  expect_dialect_error ("[message]\nname=\n", "[message]name");
  expect_dialect_error ("[channels]\nbidirectional=QPE/Sw\xc3\xa9\n", "[channels]bidirectional");
  expect_dialect_error ("[channels]\nlayout=unidirectional\nto_iptv=A\nto_voip=A\n",
                        "[channels]to_voip");
  expect_dialect_error ("[dialect]\nname=x\ncolour=red\n", "[dialect]colour");
  expect_dialect_error ("not an ini file\n", " ");
}
END_TEST

START_TEST (test_dialect_defaults_and_missing)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StbDialect) d = NULL;
  g_autoptr (StbDialect) partial = NULL;
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-dialect");
  g_autofree gchar *path = g_build_filename (dir, "acme.ini", NULL);

  d = stb_dialect_load ("/nonexistent/dialect.ini", &error);
  ck_assert (d == NULL);
  ck_assert (strstr (error->message, "/nonexistent/dialect.ini") != NULL);

  /* every key optional; values may repeat across types; name defaults to the base name */
  ck_assert (
      g_file_set_contents (path, "[params]\nBACK_TO_NAV=7\nCALLER_SHOW_VIDEO_PAGE=7\n", -1, NULL));
  partial = stb_dialect_load (path, NULL);
  ck_assert (partial != NULL);
  ck_assert_str_eq (partial->name, "acme");
  ck_assert_int_eq (stb_dialect_param_value (partial, STB_SWITCH_PARAM_BACK_TO_NAV), 7);
  ck_assert_int_eq (stb_dialect_param_value (partial, STB_SWITCH_PARAM_STOP_IPTV), 2);
  ck_assert_str_eq (stb_dialect_send_channel (partial, STB_ROLE_IPTV), "QPE/ServiceSwitch");
  partial->layout = STB_LAYOUT_UNIDIRECTIONAL;
  ck_assert_str_eq (stb_dialect_send_channel (partial, STB_ROLE_IPTV), "QPE/ServiceSwitch/ToVoIP");
  ck_assert_str_eq (stb_dialect_listen_channel (partial, STB_ROLE_IPTV),
                    "QPE/ServiceSwitch/ToIPTV");
  stbsim_test_rmtree (dir);
}
END_TEST

/* ---- agent payloads (SPEC §12.1 vectors) ------------------------------------------------- */

START_TEST (test_agent_vectors)
{
  g_autoptr (GBytes) key = stb_agent_encode_key ("ok");
  g_autoptr (GBytes) ev
      = stb_agent_encode_event (1234567890123, "iptv", "iptv.page", "page=hidden");
  g_autofree gchar *key_hex = hex (key);
  g_autofree gchar *ev_hex = hex (ev);
  g_autofree gchar *source = NULL, *name = NULL, *details = NULL, *k = NULL, *v = NULL;
  gint64 t = 0;

  ck_assert_str_eq (key_hex, "00000004006f006b");
  ck_assert_str_eq (ev_hex, "0000011f71fb04cb000000080069007000740076000000120069007000740076"
                            "002e0070006100670065000000160070006100670065003d0068006900640064"
                            "0065006e");
  ck_assert (stb_agent_decode_event (ev, &t, &source, &name, &details, NULL));
  ck_assert (t == 1234567890123);
  ck_assert_str_eq (source, "iptv");
  ck_assert_str_eq (name, "iptv.page");
  ck_assert_str_eq (details, "page=hidden");
  ck_assert (stb_agent_decode_key (key, &k, NULL));
  ck_assert_str_eq (k, "ok");
  v = stb_agent_details_get ("a=1;page=hidden;peer=sip%3Ax%3By", "peer");
  ck_assert_str_eq (v, "sip:x;y");
}
END_TEST

START_TEST (test_agent_escape)
{
  g_autofree gchar *e = stb_agent_escape ("a;b=c%d\n");
  g_autofree gchar *n = stb_agent_escape (NULL);

  ck_assert_str_eq (e, "a%3Bb%3Dc%25d%0A");
  ck_assert_str_eq (n, "");
}
END_TEST

static Suite *
protocol_suite (void)
{
  Suite *s = suite_create ("stb-protocol");
  TCase *tc = tcase_create ("codec");

  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_vectors_default);
  tcase_add_test (tc, test_vectors_vendor);
  tcase_add_test (tc, test_trailer);
  tcase_add_test (tc, test_trailer_tolerance);
  tcase_add_test (tc, test_decode_errors);
  tcase_add_test (tc, test_names);
  suite_add_tcase (s, tc);

  tc = tcase_create ("dialect");
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_dialect_errors);
  tcase_add_test (tc, test_dialect_defaults_and_missing);
  suite_add_tcase (s, tc);

  tc = tcase_create ("agent");
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_agent_vectors);
  tcase_add_test (tc, test_agent_escape);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (protocol_suite ());
}
