/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-qws-fontdb"

#include "qcop-qws-fontdb.h"

#include "qcop-datastream.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_TRUETYPE_TABLES_H

#include <glib/gstdio.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Every fact below is from Qt 4.8.7 (tag v4.8.7), files under src/gui/text/ unless named:
 *   qfontdatabase_qws.cpp  DatabaseVersion = 4; initializeDb() (scan order, fontdir file,
 *                          *.qpf names, *.ttf, *.ttc, *.pfa, *.pfb, *.qpf2, end marker,
 *                          fallback families, write to fontdb.tmp then rename);
 *                          loadFromCache() (what a client reads); addQPF2File(); qwsFontPath()
 *   qfontdatabase.cpp      QFontDatabasePrivate::addFont() (the stream record, the family
 *                          table and its writing systems), ::family() (sorted insertion),
 *                          QtFontFamily::foundry(), addTTFile() (FreeType),
 *                          qt_determine_writing_systems_from_truetype_bits(),
 *                          requiredUnicodeBits[]
 *   qfontdatabase.h        enum QFontDatabase::WritingSystem (Symbol = 30, count 34)
 *   qfontengine_qpf.cpp    qws_fontCacheDir(), QFontEngineQPF::verifyHeader(),
 *                          extractHeaderField(); qpfutil.cpp tagTypes[];
 *                          qfontengine_qpf_p.h Header, HeaderTag
 *   src/corelib/io/qdatastream.h  Qt_4_8 = Qt_4_7 = Qt_4_6 = 12 (QCOP_DS_VERSION)
 *   src/corelib/io/qdir.cpp       QDir(path, filter): Name | IgnoreCase sort
 */

#define QT_FONTDB_VERSION 4 /* DatabaseVersion */
#define QT_WS_SYMBOL 30     /* QFontDatabase::Symbol (= Other) */
#define QT_WS_COUNT 34      /* QFontDatabase::WritingSystemsCount */
#define QT_WEIGHT_NORMAL 50 /* QFont::Normal */
#define QT_WEIGHT_BOLD 75   /* QFont::Bold */
#define QT_NO_UNICODE_BIT 126

/* requiredUnicodeBits[ws][0] (qfontdatabase.cpp): the OS/2 ulUnicodeRange bit that makes a
 * TrueType font support writing system ws; 126 = never from that bit, 127 = a reserved bit.
 * The table's second column is 127 (no second bit required) for every writing system. */
static const guint8 required_unicode_bit[QT_WS_COUNT] = {
  127, 0,  7,  9,  10, 11, 13, 71, 72,  15,  16,  17, 18, 19,  20, 21, 22,
  23,  73, 24, 25, 70, 74, 26, 80, 126, 126, 126, 56, 0,  126, 78, 79, 14,
};

/* ulCodePageRange1 bits checked after the Unicode ranges, with their writing systems. */
static const struct
{
  guint bit;
  guint ws;
} code_page_ws[] = {
  { 18, 25 }, /* SimplifiedChineseCsbBit -> SimplifiedChinese */
  { 20, 26 }, /* TraditionalChineseCsbBit -> TraditionalChinese */
  { 17, 27 }, /* JapaneseCsbBit -> Japanese */
  { 21, 28 }, /* KoreanCsbBit -> Korean */
};

/* QFontEngineQPF::HeaderTag values and the qpfutil.cpp tagTypes[] sizes we check. */
enum
{
  QPF2_TAG_FONT_NAME = 0,
  QPF2_TAG_PIXEL_SIZE = 16,
  QPF2_TAG_WEIGHT = 17,
  QPF2_TAG_STYLE = 18,
  QPF2_TAG_END_OF_HEADER = 19,
  QPF2_TAG_WRITING_SYSTEMS = 20,
  QPF2_NUM_TAGS = 21,
  QPF2_HEADER_SIZE = 12, /* magic[4], lock, majorVersion, minorVersion, quint16 dataSize */
  QPF2_MAJOR_VERSION = 2,
};

/* The fixed byte size of a tag's value (0 = string or bit field, any length). */
static guint
qpf2_tag_size (guint tag)
{
  if (tag == 2 || tag == 3 || (tag >= 5 && tag <= 14))
    return 4; /* UInt32Type (FileIndex, FontRevision), FixedType (Ascent..UnderlinePosition) */
  if (tag >= 15 && tag <= 18)
    return 1; /* UInt8Type (GlyphFormat, PixelSize, Weight, Style) */
  return 0;
}

typedef struct
{
  gchar *name;
  gboolean supported[QT_WS_COUNT]; /* QtFontFamily::writingSystems[ws] & Supported */
  gboolean bogus;                  /* bogusWritingSystems */
} Family;

typedef struct
{
  GByteArray *out;
  GPtrArray *families; /* of Family, in QFontDatabasePrivate::family() order */
  guint n_fonts;
  FT_Library ft;
} FontDb;

static void
family_free (gpointer data)
{
  Family *f = data;

  g_free (f->name);
  g_free (f);
}

/* QString::compare (CaseInsensitive): per UTF-16 unit, folded to lower case. */
static gint
compare_ci (const gchar *a, const gchar *b)
{
  g_autofree gunichar2 *ua = g_utf8_to_utf16 (a, -1, NULL, NULL, NULL);
  g_autofree gunichar2 *ub = g_utf8_to_utf16 (b, -1, NULL, NULL, NULL);
  gsize i = 0;

  for (; ua[i] != 0 && ub[i] != 0; i++)
    {
      gunichar ca = g_unichar_tolower (ua[i]), cb = g_unichar_tolower (ub[i]);

      if (ca != cb)
        return ca < cb ? -1 : 1;
    }
  return ua[i] == ub[i] ? 0 : (ua[i] == 0 ? -1 : 1);
}

/* QFontDatabasePrivate::family(name, create = true): its bisection (which stops when pos
 * reaches low) and insertion point, kept as Qt has them: they decide the family order, and so
 * the order of the fallback families. */
static Family *
family_get (FontDb *db, const gchar *name)
{
  guint count = db->families->len;
  guint low = 0, high = count, pos = count / 2;
  gint res = 1;
  Family *f;

  if (count > 0)
    {
      while ((res = compare_ci (((Family *)db->families->pdata[pos])->name, name)) != 0
             && pos != low)
        {
          if (res > 0)
            high = pos;
          else
            low = pos;
          pos = (high + low) / 2;
        }
      if (res == 0)
        return db->families->pdata[pos];
    }
  if (res < 0)
    pos++;
  f = g_new0 (Family, 1);
  f->name = g_strdup (name);
  g_ptr_array_insert (db->families, (gint)pos, f);
  return f;
}

/* QFontDatabasePrivate::addFont: the family's writing systems (none listed = all, "bogus"),
 * then the record the server streams. @ws are writing system numbers (quint8 in the file). */
static void
add_font (FontDb *db, const gchar *family, const gchar *foundry, gint weight, gboolean italic,
          gint pixel_size, const gchar *file, gint file_index, gboolean antialiased,
          const guint *ws, guint n_ws)
{
  Family *f = family_get (db, family);

  if (n_ws == 0)
    {
      for (guint w = 1; w < QT_WS_COUNT; w++)
        f->supported[w] = TRUE;
      f->bogus = TRUE;
    }
  for (guint i = 0; i < n_ws; i++)
    if (ws[i] < QT_WS_COUNT)
      f->supported[ws[i]] = TRUE;

  qcop_ds_write_string (db->out, family);
  qcop_ds_write_string (db->out, foundry); /* our foundries never differ in case only */
  qcop_ds_write_int32 (db->out, weight);
  qcop_ds_write_uint8 (db->out, italic ? 1 : 0);
  qcop_ds_write_int32 (db->out, pixel_size);
  qcop_ds_write_bytes (db->out, (const guint8 *)file, strlen (file));
  qcop_ds_write_int32 (db->out, file_index);
  qcop_ds_write_uint8 (db->out, antialiased ? 1 : 0);
  qcop_ds_write_uint8 (db->out, (guint8)n_ws);
  for (guint i = 0; i < n_ws; i++)
    qcop_ds_write_uint8 (db->out, (guint8)ws[i]);
  db->n_fonts++;
}

/* ---- the directory, as QDir(path, "*.x") lists it --------------------------------------- */

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  const gchar *na = *(const gchar *const *)a, *nb = *(const gchar *const *)b;
  g_autofree gchar *la = g_utf8_strdown (na, -1);
  g_autofree gchar *lb = g_utf8_strdown (nb, -1);
  gint r = strcmp (la, lb);

  return r != 0 ? r : strcmp (na, nb); /* Qt: readdir order on a tie */
}

static gboolean
has_suffix_ci (const gchar *name, const gchar *suffix)
{
  gsize n = strlen (name), s = strlen (suffix);

  return n >= s && g_ascii_strcasecmp (name + n - s, suffix) == 0;
}

/* The regular files of @dir whose name ends (case-insensitively, as QDir's name filters
 * match) in one of @suffixes, not hidden, sorted by QDir::Name | QDir::IgnoreCase. */
static GPtrArray *
list_fonts (const gchar *dir, const gchar *const *suffixes, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);

      if (name[0] == '.' || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      for (const gchar *const *s = suffixes; *s != NULL; s++)
        if (has_suffix_ci (name, *s))
          {
            g_ptr_array_add (names, g_strdup (name));
            break;
          }
    }
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

/* ---- the four sources of initializeDb(), in its order ------------------------------------ */

/* "fontdir": lines "name file render italic weight size flags" read with fgets(buf, 200) and
 * sscanf("%s %s %s %s %d %d %s"), '#' lines skipped; weight and size start at 50 and 0 on
 * every line, the strings keep the previous line's value when a field is missing; a font
 * whose file exists is added with foundry "", pixel size size/10, antialiased when flags
 * contain 's'. Qt's loop tests feof() after processing, so at end of file it processes the
 * last buffer once more, as we do. */
static void
scan_fontdir_file (FontDb *db, const gchar *font_path)
{
  g_autofree gchar *fontdir = g_strconcat (font_path, "/fontdir", NULL);
  FILE *in = fopen (fontdir, "r");
  char buf[200] = "", name[200] = "", render[200] = "", file[200] = "";
  char isitalic[10] = "", flags[10] = "";

  if (in == NULL)
    return;
  do
    {
      if (fgets (buf, sizeof buf, in) == NULL && ferror (in))
        break; /* at end of file buf keeps the last line, as Qt's does */
      if (buf[0] != '#')
        {
          int weight = QT_WEIGHT_NORMAL, size = 0;
          g_autofree gchar *filename = NULL;
          G_GNUC_UNUSED int fields = sscanf (buf, "%199s %199s %199s %9s %d %d %9s", name, file,
                                             render, isitalic, &weight, &size, flags);
          g_autofree gchar *family = g_utf8_make_valid (name, -1); /* QString::fromUtf8 */

          filename = file[0] == '/' ? g_strdup (file) : g_strconcat (font_path, "/", file, NULL);
          if (file[0] != '\0' && g_file_test (filename, G_FILE_TEST_EXISTS))
            add_font (db, family, "", weight, isitalic[0] == 'y', size / 10, filename, 0,
                      strchr (flags, 's') != NULL, NULL, 0);
        }
    }
  while (!feof (in));
  fclose (in);
}

/* QString::mid(pos, n) on UCS-4 @s of @len characters (Qt 4.8 qstring.cpp semantics). */
static gchar *
qs_mid (const gunichar *s, glong len, glong pos, glong n)
{
  if (pos > len)
    return g_strdup ("");
  if (n < 0)
    n = len - pos;
  if (pos < 0)
    {
      n += pos;
      pos = 0;
    }
  if (n + pos > len)
    n = len - pos;
  return g_ucs4_to_utf8 (s + pos, MAX (n, 0), NULL, NULL, NULL);
}

/* QString::toInt(): white space around a decimal number allowed, anything else gives 0. */
static gint
qs_to_int (gchar *text)
{
  gint64 v = 0;

  if (!g_ascii_string_to_signed (g_strstrip (text), 10, G_MININT32, G_MAXINT32, &v, NULL))
    return 0;
  return (gint)v;
}

static glong
ucs4_index (const gunichar *s, glong len, gunichar c, glong from)
{
  for (glong i = MAX (from, 0); i < len; i++)
    if (s[i] == c)
      return i;
  return -1;
}

/* "*.qpf" (QPF 1): family_size×10_weight[i].qpf from the name alone, foundry "qt". */
static void
add_qpf (FontDb *db, const gchar *dir_abs, const gchar *name)
{
  glong len = 0;
  g_autofree gunichar *s = g_utf8_to_ucs4 (name, -1, NULL, &len, NULL);
  glong u0, u1, u2, u3;
  g_autofree gchar *family = NULL, *size = NULL, *flag = NULL, *weight = NULL, *file = NULL;
  gboolean italic;

  if (s == NULL)
    return;
  u0 = ucs4_index (s, len, '_', 0);
  u1 = ucs4_index (s, len, '_', u0 + 1);
  u2 = ucs4_index (s, len, '_', u1 + 1);
  u3 = ucs4_index (s, len, '.', u1 + 1);
  if (u2 < 0)
    u2 = u3;
  family = qs_mid (s, len, 0, u0); /* QString::left(u0): all of it when u0 < 0 */
  size = qs_mid (s, len, u0 + 1, u1 - u0 - 1);
  flag = qs_mid (s, len, u2 - 1, 1);
  italic = g_str_equal (flag, "i");
  weight = qs_mid (s, len, u1 + 1, u2 - u1 - 1 - (italic ? 1 : 0));
  file = g_build_filename (dir_abs, name, NULL);
  add_font (db, family, "qt", qs_to_int (weight), italic, qs_to_int (size) / 10, file, 0, TRUE,
            NULL, 0);
}

/* qt_determine_writing_systems_from_truetype_bits(): Unicode range bits, then the CJK code
 * pages, Symbol when nothing matched. @ws has room for QT_WS_COUNT + 4; returns how many. */
static guint
truetype_writing_systems (const guint32 unicode[4], guint32 code_page1, guint *ws)
{
  guint n = 0;

  for (guint w = 0; w < QT_WS_COUNT; w++)
    {
      guint bit = required_unicode_bit[w];

      if (bit != QT_NO_UNICODE_BIT && (unicode[bit / 32] & (1u << (bit & 31))) != 0)
        ws[n++] = w;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (code_page_ws); i++)
    if (code_page1 & (1u << code_page_ws[i].bit))
      ws[n++] = code_page_ws[i].ws;
  if (n == 0)
    ws[n++] = QT_WS_SYMBOL;
  return n;
}

/* addTTFile(): every face of the file; Symbol for an Adobe-custom or MS-symbol charmap, else
 * the OS/2 table's ranges (no OS/2 table: no writing systems); bold and italic from the
 * FreeType style flags; scalable (pixel size 0), foundry "", antialiased. */
static void
add_tt_file (FontDb *db, const gchar *file)
{
  glong index = 0, n_faces = 0;

  do
    {
      FT_Face face;
      guint ws[QT_WS_COUNT + G_N_ELEMENTS (code_page_ws)];
      guint n_ws = 0;
      TT_OS2 *os2;
      g_autofree gchar *family = NULL;

      if (FT_New_Face (db->ft, file, index, &face) != 0)
        {
          g_debug ("%s: FreeType cannot open face %ld: not listed, as in Qt", file, index);
          break;
        }
      n_faces = face->num_faces;
      for (FT_Int i = 0; i < face->num_charmaps && n_ws == 0; i++)
        if (face->charmaps[i]->encoding == FT_ENCODING_ADOBE_CUSTOM
            || face->charmaps[i]->encoding == FT_ENCODING_MS_SYMBOL)
          ws[n_ws++] = QT_WS_SYMBOL;
      os2 = n_ws == 0 ? FT_Get_Sfnt_Table (face, FT_SFNT_OS2) : NULL;
      if (os2 != NULL)
        {
          guint32 unicode[4] = { os2->ulUnicodeRange1, os2->ulUnicodeRange2, os2->ulUnicodeRange3,
                                 os2->ulUnicodeRange4 };

          n_ws = truetype_writing_systems (unicode, os2->ulCodePageRange1, ws);
        }
      /* QString::fromAscii: Latin-1. Qt would stream a face without a family name as a null
       * QString, which ends a client's list early: such a face is left out. */
      if (face->family_name != NULL)
        family = g_convert (face->family_name, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
      if (family != NULL)
        add_font (db, family, "",
                  (face->style_flags & FT_STYLE_FLAG_BOLD) ? QT_WEIGHT_BOLD : QT_WEIGHT_NORMAL,
                  (face->style_flags & FT_STYLE_FLAG_ITALIC) != 0, 0, file, (gint)index, TRUE, ws,
                  n_ws);
      FT_Done_Face (face);
      index++;
    }
  while (index < n_faces);
}

/* QFontEngineQPF::verifyHeader(): magic "QPF2", major version <= 2, the tag block inside the
 * file, each tag's header inside the block and numeric tags of their type's size. */
static gboolean
qpf2_verify (const guint8 *data, gsize size)
{
  gsize data_size, p = QPF2_HEADER_SIZE, end;

  if (size < QPF2_HEADER_SIZE || memcmp (data, "QPF2", 4) != 0 || data[8] > QPF2_MAJOR_VERSION)
    return FALSE;
  data_size = ((gsize)data[10] << 8) | data[11];
  if (size < QPF2_HEADER_SIZE + data_size)
    return FALSE;
  end = QPF2_HEADER_SIZE + data_size;
  while (p + 3 < end)
    {
      guint tag, length;

      if (p + 4 > end)
        return FALSE;
      tag = ((guint)data[p] << 8) | data[p + 1];
      length = ((guint)data[p + 2] << 8) | data[p + 3];
      p += 4;
      if (tag == QPF2_TAG_END_OF_HEADER)
        return TRUE;
      if (tag < QPF2_NUM_TAGS && qpf2_tag_size (tag) != 0 && length != qpf2_tag_size (tag))
        return FALSE;
      p += length;
    }
  return p <= end;
}

/* QFontEngineQPF::extractHeaderField(): the value bytes of @tag, NULL when absent. */
static const guint8 *
qpf2_field (const guint8 *data, guint want, guint *length)
{
  gsize p = QPF2_HEADER_SIZE, end = QPF2_HEADER_SIZE + (((gsize)data[10] << 8) | data[11]);

  while (p + 3 < end)
    {
      guint tag = ((guint)data[p] << 8) | data[p + 1];

      *length = ((guint)data[p + 2] << 8) | data[p + 3];
      p += 4;
      if (tag == want)
        return data + p;
      if (tag == QPF2_TAG_END_OF_HEADER)
        break;
      p += *length;
    }
  return NULL;
}

/* addQPF2File(): family = FontName, pixel size = PixelSize (0: not listed), weight (default
 * 50), italic = Style & QFont::StyleItalic (1), writing systems = the set bits of the
 * WritingSystems bit field (bit j of byte i = i*8+j), foundry "prerendered". */
static void
add_qpf2 (FontDb *db, const gchar *file)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (file, FALSE, NULL);
  const guint8 *data = map ? (const guint8 *)g_mapped_file_get_contents (map) : NULL;
  gsize size = map ? g_mapped_file_get_length (map) : 0;
  const guint8 *v;
  guint len = 0, pixel_size = 0, weight = QT_WEIGHT_NORMAL, style = 0, n_ws = 0;
  g_autofree gchar *family = NULL;
  g_autofree guint *ws = NULL;

  if (data == NULL || !qpf2_verify (data, size))
    {
      g_message ("%s: not a valid QPF2 font (header), not listed, as in Qt", file);
      return;
    }
  if ((v = qpf2_field (data, QPF2_TAG_FONT_NAME, &len)) != NULL)
    family = g_utf8_make_valid ((const gchar *)v, len);
  if ((v = qpf2_field (data, QPF2_TAG_PIXEL_SIZE, &len)) != NULL)
    pixel_size = v[0];
  if ((v = qpf2_field (data, QPF2_TAG_WEIGHT, &len)) != NULL)
    weight = v[0];
  if ((v = qpf2_field (data, QPF2_TAG_STYLE, &len)) != NULL)
    style = v[0];
  if ((v = qpf2_field (data, QPF2_TAG_WRITING_SYSTEMS, &len)) != NULL)
    {
      ws = g_new (guint, (gsize)len * 8 + 1);
      for (guint i = 0; i < len; i++)
        for (guint j = 0; j < 8; j++)
          if (v[i] & (1u << j))
            ws[n_ws++] = i * 8 + j;
    }
  if (family == NULL || family[0] == '\0' || pixel_size == 0)
    return;
  add_font (db, family, "prerendered", (gint)weight, (style & 1) != 0, (gint)pixel_size, file, 0,
            TRUE, ws, n_ws);
}

/* The fallback families: in family order, each family with fonts and real writing systems
 * that supports a writing system (1..33) no earlier one covered. */
static GStrv
fallback_families (FontDb *db)
{
  gboolean covered[QT_WS_COUNT] = { FALSE };
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < db->families->len; i++)
    {
      Family *f = db->families->pdata[i];
      gboolean add = FALSE;

      if (f->bogus)
        continue;
      for (guint w = 1; w < QT_WS_COUNT; w++)
        if (!covered[w] && f->supported[w])
          covered[w] = add = TRUE;
      if (add)
        g_strv_builder_add (b, f->name);
    }
  return g_strv_builder_end (b);
}

static void
scan_dir (FontDb *db, const gchar *dir_abs, const gchar *const *suffixes,
          void (*add) (FontDb *, const gchar *, const gchar *))
{
  g_autoptr (GPtrArray) names = list_fonts (dir_abs, suffixes, NULL);

  for (guint i = 0; names != NULL && i < names->len; i++)
    add (db, dir_abs, names->pdata[i]);
}

static void
add_tt_named (FontDb *db, const gchar *dir_abs, const gchar *name)
{
  g_autofree gchar *file = g_build_filename (dir_abs, name, NULL);

  add_tt_file (db, file);
}

static void
add_qpf2_named (FontDb *db, const gchar *dir_abs, const gchar *name)
{
  g_autofree gchar *file = g_build_filename (dir_abs, name, NULL);

  add_qpf2 (db, file);
}

/* ---- public API ------------------------------------------------------------------------- */

gchar *
qcop_qws_fontdb_cache_dir (gint display)
{
  return g_strdup_printf ("/tmp/qtembedded-%d/fonts", display);
}

GBytes *
qcop_qws_fontdb_build (const gchar *font_dir, guint *n_fonts, GError **error)
{
  static const gchar *const qpf[] = { ".qpf", NULL };
  static const gchar *const tt[] = { ".ttf", ".ttc", ".pfa", ".pfb", NULL };
  static const gchar *const qpf2[] = { ".qpf2", NULL };
  /* QDir::absoluteFilePath(): the cleaned absolute directory, then "/" and the name */
  g_autofree gchar *dir_abs = NULL;
  g_autoptr (GPtrArray) probe = NULL;
  g_auto (GStrv) fallbacks = NULL;
  g_autoptr (GError) local = NULL;
  FontDb db = { 0 };

  g_return_val_if_fail (font_dir != NULL, NULL);
  dir_abs = g_canonicalize_filename (font_dir, NULL);
  probe = list_fonts (dir_abs, qpf, &local);
  if (probe == NULL)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                   "font directory %s (--font-dir or QT_QWS_FONTDIR): %s", font_dir,
                   local->message);
      return NULL;
    }
  if (FT_Init_FreeType (&db.ft) != 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_UNSUPPORTED, "FreeType does not start");
      return NULL;
    }
  db.out = g_byte_array_new ();
  db.families = g_ptr_array_new_with_free_func (family_free);
  qcop_ds_write_uint8 (db.out, QT_FONTDB_VERSION);
  qcop_ds_write_uint8 (db.out, QCOP_DS_VERSION);
  qcop_ds_write_string (db.out, font_dir);
  scan_fontdir_file (&db, font_dir);
  for (guint i = 0; i < probe->len; i++)
    add_qpf (&db, dir_abs, probe->pdata[i]);
  scan_dir (&db, dir_abs, tt, add_tt_named);
  scan_dir (&db, dir_abs, qpf2, add_qpf2_named);
  qcop_ds_write_string (db.out, NULL); /* QString(): the end of the font list */
  fallbacks = fallback_families (&db);
  qcop_ds_write_string_list (db.out, (const gchar *const *)fallbacks);
  FT_Done_FreeType (db.ft);
  g_ptr_array_unref (db.families);
  if (n_fonts != NULL)
    *n_fonts = db.n_fonts;
  return g_byte_array_free_to_bytes (db.out);
}

/* cleanupFontsDir() (src/gui/embedded/qwindowsystem_qws.cpp), which QWSServerPrivate::
 * initServer() runs before it writes the cache: remove the "*.qsf" files clients leave in the
 * cache directory (QFontEngineQPF renders a TrueType font into "family_size_weight.qsf" there
 * and shares it, qfontengine_qpf.cpp), unless QWS_KEEP_FONTS is set. */
static void
remove_qsf (const gchar *cache_dir)
{
  static const gchar *const qsf[] = { ".qsf", NULL };
  g_autoptr (GPtrArray) names = NULL;

  if (g_getenv ("QWS_KEEP_FONTS") != NULL && g_getenv ("QWS_KEEP_FONTS")[0] != '\0')
    return;
  names = list_fonts (cache_dir, qsf, NULL);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      g_autofree gchar *path = g_build_filename (cache_dir, names->pdata[i], NULL);

      g_unlink (path);
    }
}

gboolean
qcop_qws_fontdb_write (const gchar *font_dir, const gchar *cache_dir, guint *n_fonts,
                       GError **error)
{
  g_autoptr (GBytes) bytes = qcop_qws_fontdb_build (font_dir, n_fonts, error);
  g_autofree gchar *path = g_build_filename (cache_dir, "fontdb", NULL);
  gsize size = 0;
  const gchar *data;

  if (bytes == NULL)
    return FALSE;
  if (g_mkdir_with_parents (cache_dir, 0700) != 0)
    {
      int e = errno;

      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PERMISSION,
                   "cannot create the font cache directory %s: %s", cache_dir, g_strerror (e));
      return FALSE;
    }
  remove_qsf (cache_dir);
  data = g_bytes_get_data (bytes, &size);
  /* Qt writes fontdb.tmp and renames it; g_file_set_contents renames a temporary file too */
  if (!g_file_set_contents_full (path, data, (gssize)size, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                 error))
    {
      g_prefix_error (error, "cannot write the font database cache %s: ", path);
      return FALSE;
    }
  return TRUE;
}

void
qcop_qws_fontdb_remove (const gchar *cache_dir)
{
  g_autofree gchar *path = NULL;

  g_return_if_fail (cache_dir != NULL);
  path = g_build_filename (cache_dir, "fontdb", NULL);
  if (g_unlink (path) != 0 && errno != ENOENT)
    g_message ("cannot remove %s: %s", path, g_strerror (errno));
  remove_qsf (cache_dir);
  g_rmdir (cache_dir); /* only when empty */
}
