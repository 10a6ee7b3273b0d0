/* SPDX-License-Identifier: MIT */
/* Subscriber CSV parsing, digest hashes, db_text tables and config template rendering. */
#include "ims-provision.h"
#include "stbsim-test.h"

#include <string.h>

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-ims-provision");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
write_csv (const gchar *text)
{
  gchar *path = g_build_filename (tmpdir, "subs.csv", NULL);

  ck_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

START_TEST (test_csv_fixture)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *csv = stbsim_test_source_path ("fixtures/subscribers.csv");
  g_autoptr (GPtrArray) subs = ims_subscribers_load (csv, &error);
  const ImsSubscriber *stb1;

  ck_assert_msg (subs != NULL, "%s", error ? error->message : "");
  stb1 = ims_subscribers_find (subs, "stb1");
  ck_assert (stb1 != NULL);
  ck_assert_str_eq (stb1->password, "stb1-secret");
  ck_assert_str_eq (stb1->display, "Living Room STB");
  ck_assert (ims_subscribers_find (subs, "1001") != NULL);
  ck_assert (ims_subscribers_find (subs, "user") == NULL); /* header skipped */
}
END_TEST

START_TEST (test_csv_forms)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *csv = write_csv ("# comment\n\nuser,password,display\n"
                                     "a,pw:1,Name, with comma\n"
                                     "b, pw2 \n");
  g_autoptr (GPtrArray) subs = ims_subscribers_load (csv, &error);

  ck_assert_msg (subs != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (subs->len, 2);
  ck_assert_str_eq (ims_subscribers_find (subs, "a")->display, "Name, with comma");
  ck_assert_str_eq (ims_subscribers_find (subs, "a")->password, "pw:1");
  ck_assert_str_eq (ims_subscribers_find (subs, "b")->password, "pw2");
  ck_assert_str_eq (ims_subscribers_find (subs, "b")->display, "");
}
END_TEST

static void
assert_csv_error (const gchar *text, const gchar *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *csv = write_csv (text);
  g_autoptr (GPtrArray) subs = ims_subscribers_load (csv, &error);

  ck_assert_msg (subs == NULL, "accepted: %s", text);
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS));
  ck_assert_msg (strstr (error->message, needle) != NULL, "\"%s\" lacks \"%s\"", error->message,
                 needle);
}

START_TEST (test_csv_errors)
{
  assert_csv_error ("user,password\nalice\n", "subs.csv:2");
  assert_csv_error ("alice,pw\nalice,pw2\n", "duplicate user \"alice\"");
  assert_csv_error ("al ice,pw\n", "subs.csv:1: user \"al ice\"");
  assert_csv_error ("alice,\n", "subs.csv:1");
  assert_csv_error ("alice,pw,Say \"hi\"\n", "subs.csv:1");
  assert_csv_error ("# nothing\n", "no subscribers");
}
END_TEST

START_TEST (test_csv_missing)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) subs = ims_subscribers_load ("/nonexistent/subs.csv", &error);

  ck_assert (subs == NULL);
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_SUBSCRIBERS));
  ck_assert (strstr (error->message, "/nonexistent/subs.csv") != NULL);
}
END_TEST

/* Vectors: md5 of "stb1:ims.test:stb1-secret" and "stb1@ims.test:ims.test:stb1-secret". */
START_TEST (test_digest)
{
  g_autofree gchar *ha1 = ims_digest_ha1 ("stb1", "ims.test", "stb1-secret", FALSE);
  g_autofree gchar *ha1b = ims_digest_ha1 ("stb1", "ims.test", "stb1-secret", TRUE);

  ck_assert_str_eq (ha1, "44a9df0dc22772fd58555750fb44fdfe");
  ck_assert_str_eq (ha1b, "015344e5b4dd71efae2ad88df4788790");
}
END_TEST

START_TEST (test_db_tables)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *csv = write_csv ("a,p:w\\x,Disp\nb,pw\n");
  g_autoptr (GPtrArray) subs = ims_subscribers_load (csv, &error);
  g_autofree gchar *db = g_build_filename (tmpdir, "db", NULL);
  g_autofree gchar *sub_path = g_build_filename (db, "subscriber", NULL);
  g_autofree gchar *ver_path = g_build_filename (db, "version", NULL);
  g_autofree gchar *sub = NULL, *ver = NULL;
  g_autofree gchar *ha1 = ims_digest_ha1 ("a", "ims.test", "p:w\\x", FALSE);
  g_autofree gchar *row = NULL;

  ck_assert_msg (subs != NULL, "%s", error ? error->message : "");
  ck_assert_msg (ims_provision_db (subs, "ims.test", db, &error), "%s",
                 error ? error->message : "");
  ck_assert (g_file_get_contents (sub_path, &sub, NULL, NULL));
  ck_assert (g_file_get_contents (ver_path, &ver, NULL, NULL));
  ck_assert (g_str_has_prefix (sub, "id(int,auto) username(string) domain(string) "
                                    "password(string) ha1(string) ha1b(string) "
                                    "display(string,null) \n"));
  /* ':' and '\' escaped for db_text, hashes over the raw password */
  row = g_strdup_printf ("\n1:a:ims.test:p\\:w\\\\x:%s:", ha1);
  ck_assert_msg (strstr (sub, row) != NULL, "%s", sub);
  ck_assert (strstr (sub, ":Disp\n") != NULL);
  ck_assert (strstr (sub, "\n2:b:ims.test:pw:") != NULL);
  ck_assert (strstr (ver, "\n0:subscriber:7\n") != NULL);
}
END_TEST

START_TEST (test_render)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *out = NULL;

  g_hash_table_insert (vars, "PORT", "5070");
  g_hash_table_insert (vars, "DOMAIN", "ims.test");
  out = ims_render_template ("listen=udp:1.2.3.4:@PORT@ # user@@DOMAIN@ $au@X a@b@ @@", vars,
                             &error);
  ck_assert_msg (out != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (out, "listen=udp:1.2.3.4:5070 # user@ims.test $au@X a@b@ @@");
}
END_TEST

START_TEST (test_render_unknown)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *out = ims_render_template ("a\nb\nport=@PORT@\n", vars, &error);

  ck_assert (out == NULL);
  ck_assert (g_error_matches (error, IMS_ERROR, IMS_ERROR_CONFIG));
  ck_assert_msg (strstr (error->message, "line 3") && strstr (error->message, "@PORT@"), "%s",
                 error->message);
}
END_TEST

/* The shipped template uses exactly the placeholders the launcher fills. */
START_TEST (test_render_shipped_template)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = stbsim_test_source_path ("sim/ims/kamailio.cfg.in");
  g_autofree gchar *text = NULL, *out = NULL;
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  const gchar *keys[]
      = { "LISTEN_ADDR", "LISTEN_PORT", "DOMAIN", "DB_URL", "CHILDREN", "DEBUG", "INSTANCE", NULL };

  for (guint i = 0; keys[i]; i++)
    g_hash_table_insert (vars, (gpointer)keys[i], "X");
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  out = ims_render_template (text, vars, &error);
  ck_assert_msg (out != NULL, "%s", error ? error->message : "");
  ck_assert (strstr (out, "#!define LISTEN udp:X:X\n") != NULL); /* unquoted (DESIGN 6) */
  ck_assert (strstr (out, "children=X\n") != NULL);
}
END_TEST

static Suite *
provision_suite (void)
{
  Suite *s = suite_create ("ims-provision");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_csv_fixture);
  tcase_add_test (tc, test_csv_forms);
  tcase_add_test (tc, test_digest);
  tcase_add_test (tc, test_db_tables);
  tcase_add_test (tc, test_render);
  tcase_add_test (tc, test_render_shipped_template);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_csv_errors);
  tcase_add_test (tc, test_csv_missing);
  tcase_add_test (tc, test_render_unknown);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (provision_suite ());
}
