/* SPDX-License-Identifier: MIT */
#pragma once
/*
 * The font database cache a Qt/Embedded 4.8 QWS server writes for its clients.
 *
 * A Qt 4.8 client that lays out text (QPainter::drawText, QLabel, ...) does not scan the font
 * directory itself: initializeDb() -> QFontDatabasePrivate::loadFromCache()
 * (src/gui/text/qfontdatabase_qws.cpp) reads the file "<qws_fontCacheDir()>/fontdb" that the
 * server wrote, and aborts with "QFontDatabase::loadFromCache: Could not open font database
 * cache!" when it is missing (wrong version or other font path: qFatal too). For display N,
 * qws_fontCacheDir() (src/gui/text/qfontengine_qpf.cpp) is qws_dataDir() + "/fonts/", and
 * qws_dataDir() (src/gui/kernel/qapplication_qws.cpp) is QT_VFB_DATADIR(N) =
 * /tmp/qtembedded-N (src/gui/embedded/qvfbhdr.h; /tmp fixed, no user name): the cache is
 * /tmp/qtembedded-N/fonts/fontdb. The client creates the fonts/ directory if it is missing
 * (and falls back to QDir::tempPath() only when it cannot).
 *
 * The file is a QDataStream (version Qt_4_6 = 12, the default of Qt 4.8) holding:
 *   quint8 DatabaseVersion (4), quint8 stream version (12), QString font path (the client's
 *   QT_QWS_FONTDIR, compared verbatim), then per font: QString family, QString foundry,
 *   int weight, quint8 italic, int pixelSize (0 = scalable), QByteArray file, int fileIndex,
 *   quint8 antialiased, quint8 n, n x quint8 writing system; a null QString ends the list;
 *   last a QStringList of fallback families.
 * qcop_qws_fontdb_build() scans the font directory the way initializeDb() does (fontdir file,
 * *.qpf, *.ttf, *.ttc, *.pfa, *.pfb through FreeType, *.qpf2), so the bytes equal those a real
 * Qt 4.8.7 server writes for the same directory (checked by tests/qt4).
 */
#include <glib.h>

#include "qcop-error.h"

G_BEGIN_DECLS

/* /tmp/qtembedded-N/fonts: qws_fontCacheDir() of display @display. (transfer full) */
gchar *qcop_qws_fontdb_cache_dir (gint display);

/*
 * The cache contents for the font directory @font_dir, exactly as Qt 4.8 would write them;
 * @font_dir is recorded verbatim (a client compares it with its own QT_QWS_FONTDIR). Fails
 * with QCOP_ERROR_INVALID naming @font_dir when it is not a readable directory, or
 * QCOP_ERROR_UNSUPPORTED when FreeType cannot start. @n_fonts (optional) gets the number of
 * fonts listed. (transfer full)
 */
GBytes *qcop_qws_fontdb_build (const gchar *font_dir, guint *n_fonts, GError **error);

/*
 * Build the cache for @font_dir and write it to @cache_dir/fontdb atomically (a temporary
 * file renamed over it), creating @cache_dir (0700) if missing, after removing the "*.qsf"
 * font files clients left there, as Qt's server does at start (unless QWS_KEEP_FONTS is set).
 * Errors name the path.
 */
gboolean qcop_qws_fontdb_write (const gchar *font_dir, const gchar *cache_dir, guint *n_fonts,
                                GError **error);

/* Remove @cache_dir/fontdb and the clients' "*.qsf" files (unless QWS_KEEP_FONTS), then
 * @cache_dir when nothing else is left in it. */
void qcop_qws_fontdb_remove (const gchar *cache_dir);

G_END_DECLS
