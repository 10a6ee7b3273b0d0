/* SPDX-License-Identifier: MIT */
/*
 * qcop-qws-fontdb.c without Qt: the font database cache built for a font directory made here
 * (a fontdir file, QPF 1 names, a TrueType font of fonts-dejavu-core, a QPF2 header made
 * here), decoded field by field in the order Qt 4.8's loadFromCache() reads it; bad input;
 * stb-qcopd's --font-dir. That the bytes equal a real Qt 4.8.7 server's is checked by
 * tests/qt4 (test_modules_on_qt_server).
 */
#define G_LOG_DOMAIN "check-qcop-qws-fontdb"

#include "qcop-datastream.h"
#include "qcop-qws-fontdb.h"
#include "stbsim-test.h"

#include <glib/gstdio.h>

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

typedef struct
{
  gchar *family, *foundry, *file;
  gint32 weight, pixel_size, file_index;
  guint8 italic, antialiased, n_ws, ws[64];
} Record;

static void
record_clear (Record *r)
{
  g_free (r->family);
  g_free (r->foundry);
  g_free (r->file);
  memset (r, 0, sizeof *r);
}

/* One font record, as loadFromCache() reads it; FALSE at the end marker. */
static gboolean
read_record (QcopDsReader *rd, Record *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) file = NULL;
  gboolean ok;

  record_clear (r);
  ck_assert_msg (qcop_ds_read_string (rd, &r->family, &error), "%s", error->message);
  if (r->family == NULL || r->family[0] == '\0')
    return FALSE;
  ok = qcop_ds_read_string (rd, &r->foundry, &error) && qcop_ds_read_int32 (rd, &r->weight, &error)
       && qcop_ds_read_uint8 (rd, &r->italic, &error)
       && qcop_ds_read_int32 (rd, &r->pixel_size, &error) && qcop_ds_read_bytes (rd, &file, &error)
       && qcop_ds_read_int32 (rd, &r->file_index, &error)
       && qcop_ds_read_uint8 (rd, &r->antialiased, &error)
       && qcop_ds_read_uint8 (rd, &r->n_ws, &error);
  ck_assert_msg (ok, "%s", error ? error->message : "?");
  r->file = g_strndup (g_bytes_get_data (file, NULL), g_bytes_get_size (file));
  ck_assert_uint_le (r->n_ws, G_N_ELEMENTS (r->ws));
  for (guint i = 0; i < r->n_ws; i++)
    ck_assert (qcop_ds_read_uint8 (rd, &r->ws[i], NULL));
  return TRUE;
}

static void
put_tag (GByteArray *b, guint16 tag, const void *value, guint16 len)
{
  guint8 h[4] = { tag >> 8, tag & 0xff, len >> 8, len & 0xff };

  g_byte_array_append (b, h, 4);
  g_byte_array_append (b, value, len);
}

/* A QPF2 header (qfontengine_qpf_p.h Header + tags) and no glyphs: all addQPF2File() reads. */
static void
write_qpf2 (const gchar *path, const gchar *magic)
{
  g_autoptr (GByteArray) tags = g_byte_array_new ();
  g_autoptr (GByteArray) file = g_byte_array_new ();
  const guint8 pixel = 9, weight = 75, style = 1, ws[] = { 0x06 }; /* Latin, Greek */
  const guint8 head[8] = { 0, 0, 0, 0, 2, 0 };
  guint8 size[2];

  put_tag (tags, 0, "Tiny Sans", 9); /* FontName */
  put_tag (tags, 16, &pixel, 1);     /* PixelSize */
  put_tag (tags, 17, &weight, 1);    /* Weight */
  put_tag (tags, 18, &style, 1);     /* Style: italic */
  put_tag (tags, 20, ws, 1);         /* WritingSystems */
  put_tag (tags, 19, "", 0);         /* EndOfHeader */
  size[0] = tags->len >> 8;
  size[1] = tags->len & 0xff;
  g_byte_array_append (file, (const guint8 *)magic, 4);
  g_byte_array_append (file, head, 6);
  g_byte_array_append (file, size, 2);
  g_byte_array_append (file, tags->data, tags->len);
  ck_assert (g_file_set_contents (path, (const gchar *)file->data, file->len, NULL));
}

static gchar *
make_font_dir (const gchar *root)
{
  gchar *dir = g_build_filename (root, "fonts", NULL);
  g_autofree gchar *ttf = g_build_filename (dir, "DejaVuSans.ttf", NULL);
  g_autofree gchar *qpf = g_build_filename (dir, "helvetica_120_75i.qpf", NULL);
  g_autofree gchar *qpf2 = g_build_filename (dir, "tiny_9_75i.qpf2", NULL);
  g_autofree gchar *bad = g_build_filename (dir, "broken.qpf2", NULL);
  g_autofree gchar *fontdir = g_build_filename (dir, "fontdir", NULL);
  g_autofree gchar *listed = g_build_filename (dir, "listed.bin", NULL);

  ck_assert_msg (g_file_test (DEJAVU, G_FILE_TEST_EXISTS),
                 "%s missing: install fonts-dejavu-core (ci/install-deps.sh)", DEJAVU);
  ck_assert (g_mkdir (dir, 0700) == 0);
  ck_assert (symlink (DEJAVU, ttf) == 0);
  ck_assert (g_file_set_contents (qpf, "", 0, NULL)); /* QPF 1: the name is all Qt reads */
  ck_assert (g_file_set_contents (listed, "", 0, NULL));
  write_qpf2 (qpf2, "QPF2");
  write_qpf2 (bad, "QPF3"); /* fails verifyHeader: not listed */
  /* no newline at the end: Qt's fgets/feof loop reads the line once */
  ck_assert (g_file_set_contents (fontdir,
                                  "# name file render italic weight size flags\n"
                                  "Listed listed.bin FT y 63 140 s",
                                  -1, NULL));
  return dir;
}

START_TEST (test_records_in_qt_order)
{
  g_autofree gchar *root = stbsim_test_mkdtemp ("check-fontdb");
  g_autofree gchar *dir = make_font_dir (root);
  g_autoptr (GError) error = NULL;
  guint n_fonts = 0;
  g_autoptr (GBytes) db = qcop_qws_fontdb_build (dir, &n_fonts, &error);
  g_autofree gchar *path = NULL;
  g_auto (GStrv) fallbacks = NULL;
  QcopDsReader rd;
  Record r = { 0 };
  guint8 v = 0;

  ck_assert_msg (db != NULL, "%s", error ? error->message : "?");
  ck_assert_uint_eq (n_fonts, 4);
  qcop_ds_reader_init (&rd, g_bytes_get_data (db, NULL), g_bytes_get_size (db));
  ck_assert (qcop_ds_read_uint8 (&rd, &v, NULL) && v == 4);  /* DatabaseVersion */
  ck_assert (qcop_ds_read_uint8 (&rd, &v, NULL) && v == 12); /* QDataStream::Qt_4_6 */
  ck_assert (qcop_ds_read_string (&rd, &path, NULL));
  ck_assert_str_eq (path, dir);
  /* 1. the fontdir file: foundry "", size/10, 's' = antialiased */
  ck_assert (read_record (&rd, &r));
  ck_assert_str_eq (r.family, "Listed");
  ck_assert_str_eq (r.foundry, "");
  ck_assert_int_eq (r.weight, 63);
  ck_assert_int_eq (r.italic, 1);
  ck_assert_int_eq (r.pixel_size, 14);
  ck_assert (g_str_has_suffix (r.file, "/listed.bin"));
  ck_assert_int_eq (r.antialiased, 1);
  ck_assert_int_eq (r.n_ws, 0);
  /* 2. *.qpf from its name: family_size_weight[i] */
  ck_assert (read_record (&rd, &r));
  ck_assert_str_eq (r.family, "helvetica");
  ck_assert_str_eq (r.foundry, "qt");
  ck_assert_int_eq (r.weight, 75);
  ck_assert_int_eq (r.italic, 1);
  ck_assert_int_eq (r.pixel_size, 12);
  /* 3. TrueType through FreeType: scalable, writing systems from the OS/2 table */
  ck_assert (read_record (&rd, &r));
  ck_assert_str_eq (r.family, "DejaVu Sans");
  ck_assert_str_eq (r.foundry, "");
  ck_assert_int_eq (r.weight, 50);
  ck_assert_int_eq (r.pixel_size, 0);
  ck_assert_int_eq (r.file_index, 0);
  ck_assert_msg (r.n_ws >= 3 && r.ws[0] == 1 && r.ws[1] == 2 && r.ws[2] == 3,
                 "DejaVu Sans: %u writing systems, first %u", r.n_ws, r.ws[0]);
  /* 4. *.qpf2 from its header; broken.qpf2 is not listed */
  ck_assert (read_record (&rd, &r));
  ck_assert_str_eq (r.family, "Tiny Sans");
  ck_assert_str_eq (r.foundry, "prerendered");
  ck_assert_int_eq (r.weight, 75);
  ck_assert_int_eq (r.italic, 1);
  ck_assert_int_eq (r.pixel_size, 9);
  ck_assert (g_str_has_suffix (r.file, "/tiny_9_75i.qpf2"));
  ck_assert_int_eq (r.n_ws, 2);
  ck_assert (r.ws[0] == 1 && r.ws[1] == 2);
  ck_assert (!read_record (&rd, &r)); /* the null QString ending the list */
  /* fallbacks: families in Qt's case-insensitive order, without "bogus" writing systems
   * (Listed and helvetica name none); Tiny Sans adds nothing DejaVu Sans lacks */
  ck_assert (qcop_ds_read_string_list (&rd, &fallbacks, NULL));
  ck_assert_uint_eq (g_strv_length (fallbacks), 1);
  ck_assert_str_eq (fallbacks[0], "DejaVu Sans");
  ck_assert (qcop_ds_reader_at_end (&rd));
  record_clear (&r);
  stbsim_test_rmtree (root);
}
END_TEST

/* qcop_qws_fontdb_write: the file appears whole, stale *.qsf files go (cleanupFontsDir). */
START_TEST (test_write_and_remove)
{
  g_autofree gchar *root = stbsim_test_mkdtemp ("check-fontdb");
  g_autofree gchar *dir = make_font_dir (root);
  g_autofree gchar *cache = g_build_filename (root, "cache", NULL);
  g_autofree gchar *db = g_build_filename (cache, "fontdb", NULL);
  g_autofree gchar *qsf = g_build_filename (cache, "dejavu_sans_30_50.qsf", NULL);
  g_autoptr (GBytes) want = qcop_qws_fontdb_build (dir, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = NULL;
  gsize len = 0;

  ck_assert (g_mkdir (cache, 0700) == 0);
  ck_assert (g_file_set_contents (qsf, "x", 1, NULL));
  ck_assert_msg (qcop_qws_fontdb_write (dir, cache, NULL, &error), "%s", error->message);
  ck_assert (g_file_get_contents (db, &got, &len, NULL));
  ck_assert (len == g_bytes_get_size (want)
             && memcmp (got, g_bytes_get_data (want, NULL), len) == 0);
  ck_assert (!g_file_test (qsf, G_FILE_TEST_EXISTS));
  ck_assert (g_file_set_contents (qsf, "x", 1, NULL));
  qcop_qws_fontdb_remove (cache);
  ck_assert (!g_file_test (cache, G_FILE_TEST_EXISTS));
  stbsim_test_rmtree (root);
}
END_TEST

START_TEST (test_errors_name_the_path)
{
  g_autofree gchar *root = stbsim_test_mkdtemp ("check-fontdb");
  g_autofree gchar *dir = make_font_dir (root);
  g_autofree gchar *missing = g_build_filename (root, "nowhere", NULL);
  g_autofree gchar *file_as_dir = g_build_filename (dir, "fontdir", NULL);
  g_autoptr (GError) error = NULL;

  ck_assert (qcop_qws_fontdb_build (missing, NULL, &error) == NULL);
  ck_assert (g_error_matches (error, QCOP_ERROR, QCOP_ERROR_INVALID));
  ck_assert_msg (strstr (error->message, missing) != NULL, "%s", error->message);
  g_clear_error (&error);
  /* a cache directory that is a file */
  ck_assert (!qcop_qws_fontdb_write (dir, file_as_dir, NULL, &error));
  ck_assert_msg (strstr (error->message, file_as_dir) != NULL, "%s", error->message);
  stbsim_test_rmtree (root);
}
END_TEST

/* stb-qcopd: --font-dir needs --display; an unreadable font directory stops it (exit 1)
 * with a message naming it, before READY. */
START_TEST (test_qcopd_font_dir)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/qcop/stb-qcopd");
  g_autofree gchar *root = stbsim_test_mkdtemp ("check-fontdb");
  g_autofree gchar *missing = g_build_filename (root, "nowhere", NULL);
  g_autofree gchar *display = g_strdup_printf ("%d", 50000 + (gint)(getpid () % 10000));
  g_autofree gchar *datadir = g_strdup_printf ("/tmp/qtembedded-%s", display);
  const gchar *no_display[] = { exe, "--font-dir", root, NULL };
  const gchar *bad_dir[] = { exe, "--display", display, "--font-dir", missing, NULL };
  g_autofree gchar *err1 = NULL, *err2 = NULL;
  gint status = -1;

  ck_assert (!g_file_test (datadir, G_FILE_TEST_EXISTS));
  ck_assert (g_spawn_sync (NULL, (gchar **)no_display, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                           NULL, &err1, &status, NULL));
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 2, "status %d: %s", status, err1);
  ck_assert_msg (strstr (err1, "--display") != NULL, "%s", err1);
  ck_assert (g_spawn_sync (NULL, (gchar **)bad_dir, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                           NULL, &err2, &status, NULL));
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 1, "status %d: %s", status, err2);
  ck_assert_msg (strstr (err2, missing) != NULL, "%s", err2);
  ck_assert_msg (!g_file_test (datadir, G_FILE_TEST_EXISTS), "%s left behind", datadir);
  stbsim_test_rmtree (root);
}
END_TEST

static Suite *
fontdb_suite (void)
{
  Suite *s = suite_create ("qcop-qws-fontdb");
  TCase *tc = tcase_create ("core");

  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_records_in_qt_order);
  tcase_add_test (tc, test_write_and_remove);
  suite_add_tcase (s, tc);
  tc = tcase_create ("errors");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_errors_name_the_path);
  tcase_add_test (tc, test_qcopd_font_dir);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (fontdb_suite ());
}
