// SPDX-License-Identifier: MIT
// A minimal IPTV module of the service-switching protocol as a real Qt/Embedded 4.8 (QWS)
// GUI application, written from conformance/SPEC.md alone: the starting point a vendor whose
// product is a Qt/Embedded program copies (examples/vendor-module/README.md).
//
//   QApplication (GuiClient) on the QWS server of display N (--display N: QWS_DISPLAY=:N)
//   QCopChannel for the protocol channel and the agent channel (SPEC §2, §12.1)
//   QDataStream at Qt_4_6 for every payload (SPEC §3, §12.2)
//   one full-screen widget that paints the module's page into the screen: the navigation
//   page (items, cursor), the player page (what plays), or black when hidden (SPEC §6)
//
// Same behaviour as the C skeleton (../c-iptv/iptv-module.c): every row of SPEC §6.2, receive
// checks 1-6 of §4, the agent interface of §12, the READY line of Annex D.5. It decodes no
// media ("playing" is the state machine's; ICS live=no, vod=no): a vendor puts its player in
// play() / stop(). No moc is needed: only virtual overrides.
#include <QtCore/QByteArray>
#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>
#include <QtCore/QDataStream>
#include <QtCore/QFile>
#include <QtCore/QMap>
#include <QtCore/QSocketNotifier>
#include <QtCore/QStringList>
#include <QtCore/QTextStream>
#include <QtCore/QVector>
#include <QtGui/QApplication>
#include <QtGui/QCopChannel>
#include <QtGui/QPaintEvent>
#include <QtGui/QPainter>
#include <QtGui/QWidget>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const AGENT_CHANNEL = "STBSim/Agent/IPTV";
static const char *const EVENTS_CHANNEL = "STBSim/Events";
static const char *const EVENT_MESSAGE = "event(qlonglong,QString,QString,QString)";

// ---- small ini reader (dialect SPEC §5, lineup SPEC §6.3) -----------------------------------

typedef QMap<QString, QMap<QString, QString> > Ini;

static bool
readIni (const QString &path, Ini &ini, QString &error)
{
  QFile f (path);
  if (!f.open (QIODevice::ReadOnly | QIODevice::Text))
    {
      error = path + ": " + f.errorString ();
      return false;
    }
  QTextStream in (&f);
  QString group;
  for (int n = 1; !in.atEnd (); n++)
    {
      QString line = in.readLine ().trimmed ();
      if (line.isEmpty () || line.startsWith ('#'))
        continue;
      if (line.startsWith ('[') && line.endsWith (']'))
        group = line.mid (1, line.size () - 2).trimmed ();
      else if (line.contains ('=') && !group.isEmpty ())
        ini[group][line.section ('=', 0, 0).trimmed ()] = line.section ('=', 1).trimmed ();
      else
        {
          error = QString ("%1:%2: not a [group] or key=value line").arg (path).arg (n);
          return false;
        }
    }
  return true;
}

// ---- the dialect (SPEC §5) --------------------------------------------------------------------

enum Param
{
  BACK_TO_NAV,
  STOP_IPTV,
  REJECT_CONTINUE_IPTV,
  RESUME_IPTV,
  CALLER_SHOW_VIDEO_PAGE,
  CALLEE_SHOW_VIDEO_PAGE,
  N_PARAMS
};

static const char *const paramNames[N_PARAMS] = { "BACK_TO_NAV",
                                                  "STOP_IPTV",
                                                  "REJECT_CONTINUE_IPTV",
                                                  "RESUME_IPTV",
                                                  "CALLER_SHOW_VIDEO_PAGE",
                                                  "CALLEE_SHOW_VIDEO_PAGE" };

struct Dialect
{
  QString name, bidi, toIptv, toVoip, message;
  bool bidirectional;
  qint32 typeIptvToVoip, typeVoipToIptv;
  qint32 params[N_PARAMS];

  QString sendChannel () const
  {
    return bidirectional ? bidi : toVoip;
  }
  QString listenChannel () const
  {
    return bidirectional ? bidi : toIptv;
  }

  bool load (const QString &path, const QString &layout, QString &error)
  {
    static const char *const known[] = { "dialect/name",
                                         "channels/layout",
                                         "channels/bidirectional",
                                         "channels/to_iptv",
                                         "channels/to_voip",
                                         "message/name",
                                         "types/iptv_to_voip",
                                         "types/voip_to_iptv",
                                         "params/BACK_TO_NAV",
                                         "params/STOP_IPTV",
                                         "params/REJECT_CONTINUE_IPTV",
                                         "params/RESUME_IPTV",
                                         "params/CALLER_SHOW_VIDEO_PAGE",
                                         "params/CALLEE_SHOW_VIDEO_PAGE",
                                         0 };
    Ini ini;
    if (!path.isEmpty () && !readIni (path, ini, error))
      return false;
    for (Ini::const_iterator g = ini.begin (); g != ini.end (); ++g)
      for (QMap<QString, QString>::const_iterator k = g->begin (); k != g->end (); ++k)
        {
          QString key = g.key () + "/" + k.key ();
          bool ok = false;
          for (int i = 0; known[i] && !ok; i++)
            ok = key == known[i];
          if (!ok) // [SW-DLCT-01]: a typo must not fall back to a default
            {
              error = QString ("%1:[%2]%3: unknown dialect key").arg (path, g.key (), k.key ());
              return false;
            }
        }
    QString base = path.isEmpty () ? "default" : path.section ('/', -1).remove (".ini");
    name = ini["dialect"].value ("name", base);
    QString l = layout.isEmpty () ? ini["channels"].value ("layout", "bidirectional") : layout;
    if (l != "bidirectional" && l != "unidirectional")
      {
        error = "layout " + l + ": bidirectional or unidirectional";
        return false;
      }
    bidirectional = l == "bidirectional";
    bidi = ini["channels"].value ("bidirectional", "QPE/ServiceSwitch");
    toIptv = ini["channels"].value ("to_iptv", "QPE/ServiceSwitch/ToIPTV");
    toVoip = ini["channels"].value ("to_voip", "QPE/ServiceSwitch/ToVoIP");
    message = ini["message"].value ("name", "switchService(int,int)");
    typeIptvToVoip = ini["types"].value ("iptv_to_voip", "1").toInt ();
    typeVoipToIptv = ini["types"].value ("voip_to_iptv", "2").toInt ();
    static const qint32 defaults[N_PARAMS] = { 1, 2, 3, 4, 1, 2 };
    for (int i = 0; i < N_PARAMS; i++)
      params[i] = ini["params"].value (paramNames[i], QString::number (defaults[i])).toInt ();
    return true;
  }
};

// ---- the module -------------------------------------------------------------------------------

struct Item
{
  QString id;   // videocall, live:N, vod:ASSET
  QString uri;  // where a player would get it (may be empty)
  QString name; // what the pages show: the lineup's channel name, the asset
};

// Text needs the font database the QWS server caches for its clients: a Qt/Embedded 4.8
// client that lays out text reads <qws_fontCacheDir>/fontdb = /tmp/qtembedded-N/fonts/fontdb
// (qfontdatabase_qws.cpp loadFromCache, qfontengine_qpf.cpp qws_fontCacheDir) and aborts when
// it is missing. A real Qt server always writes it; stb-qcopd --display N writes it when it
// knows the font directory (--font-dir or QT_QWS_FONTDIR, the same as this client's). The
// skeleton draws names only when the cache is there, so that it never aborts; a product on
// its own Qt server can simply draw text.
static bool textAvailable = false;

static bool
fontCacheExists (const char *display)
{
  return !qgetenv ("QT_QWS_FONTDIR").isEmpty ()
         && QFile::exists (QString ("/tmp/qtembedded-%1/fonts/fontdb").arg (display));
}

enum State
{
  NAV,
  PLAYING_LIVE,
  PLAYING_VOD,
  HIDDEN_CALLER,
  HIDDEN_CALLEE
};
static const char *const stateNames[]
    = { "NAV", "PLAYING_LIVE", "PLAYING_VOD", "HIDDEN_CALLER", "HIDDEN_CALLEE" };

static qint64
nowNs ()
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (qint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

class Iptv;

class Channel : public QCopChannel
{
public:
  Channel (const QString &name, Iptv *module, bool agent)
      : QCopChannel (name), module (module), agent (agent)
  {
  }
  void receive (const QString &message, const QByteArray &data);

private:
  Iptv *module;
  bool agent;
};

class Iptv : public QWidget
{
public:
  Dialect dialect;
  QVector<Item> items;

  Iptv ()
      : state (NAV), cursor (0), playing (-1), playPosMs (0), playSinceNs (0), entryParam (-1),
        ignored (0)
  {
    setAttribute (Qt::WA_PaintOnScreen); // draw straight into the QVFb screen
    setAttribute (Qt::WA_NoSystemBackground);
    setWindowFlags (Qt::FramelessWindowHint);
  }

  bool loadLineup (const QString &path, const QString &vodBase, QString &error)
  {
    Item video = { "videocall", "", "Video call" };
    items.append (video);
    if (path.isEmpty ()) // no lineup: channels 1..4 without URIs (this skeleton plays nothing)
      {
        for (int n = 1; n <= 4; n++)
          {
            Item it = { QString ("live:%1").arg (n), "", QString ("Channel %1").arg (n) };
            items.append (it);
          }
        return true;
      }
    Ini ini;
    if (!readIni (path, ini, error))
      return false;
    for (int n = 0; n <= 9; n++)
      if (ini.contains (QString ("channel %1").arg (n)))
        {
          const QMap<QString, QString> &ch = ini[QString ("channel %1").arg (n)];
          Item it = { QString ("live:%1").arg (n), ch["uri"], ch["name"] };
          if (it.name.isEmpty ())
            it.name = QString ("Channel %1").arg (n);
          items.append (it);
        }
    QFile f (path); // VOD assets in lineup order (QMap sorts groups by name)
    f.open (QIODevice::ReadOnly | QIODevice::Text);
    QTextStream in (&f);
    while (!in.atEnd ())
      {
        QString line = in.readLine ().trimmed ();
        if (!line.startsWith ("[vod ") || !line.endsWith (']'))
          continue;
        QString asset = line.mid (5, line.size () - 6).trimmed ();
        Item it = { "vod:" + asset, vodBase.isEmpty () ? QString () : vodBase + asset, // §6.3
                    asset };
        items.append (it);
      }
    return true;
  }

  bool start (int readyFd)
  {
    // [SW-CHAN-10]: the QApplication connected and identified; register listen, then agent
    new Channel (dialect.listenChannel (), this, false);
    new Channel (AGENT_CHANNEL, this, true);
    QString pid = QString::number (getpid ());
    QString layout = dialect.bidirectional ? "bidirectional" : "unidirectional";
    emitEvent ("iptv.ready", QStringList () << "pid" << pid << "version"
                                            << "1.0"
                                            << "layout" << layout << "dialect" << dialect.name);
    setGeometry (0, 0, 720, 576);
    QWidget::show ();
    showPage ("nav"); // [SW-IPTV-03]
    QApplication::flush ();
    if (readyFd >= 0)
      {
        QByteArray line
            = QString ("READY module=iptv layout=%1 pid=%2\n").arg (layout, pid).toLatin1 ();
        if (write (readyFd, line.constData (), line.size ()) < 0)
          fprintf (stderr, "qt-iptv-module: READY not written: %s\n", strerror (errno));
        ::close (readyFd);
      }
    return true;
  }

  // §12.2: an event is one QCopChannel::send on STBSim/Events; values percent-encoded
  void emitEvent (const QString &name, const QStringList &kv)
  {
    QString details;
    for (int i = 0; i + 1 < kv.size (); i += 2)
      {
        if (kv[i + 1].isNull ())
          continue;
        if (!details.isEmpty ())
          details += ';';
        details += kv[i] + '=';
        QByteArray v = kv[i + 1].toUtf8 ();
        for (int j = 0; j < v.size (); j++)
          {
            unsigned char c = (unsigned char)v[j];
            if (c == '%' || c == ';' || c == '=' || c < 0x20 || c == 0x7f)
              details += QString ().sprintf ("%%%02X", c);
            else
              details += QString::fromUtf8 (v.constData () + j, 1);
          }
      }
    QByteArray data;
    QDataStream out (&data, QIODevice::WriteOnly);
    out.setVersion (QDataStream::Qt_4_6);
    out << (qint64)nowNs () << QString ("iptv") << name << details;
    QCopChannel::send (EVENTS_CHANNEL, EVENT_MESSAGE, data);
  }

  void onSwitch (const QString &channel, const QString &message, const QByteArray &data);
  void onAgent (const QString &channel, const QString &message, const QByteArray &data);

protected:
  // The pages (names in white only with the server's font cache: textAvailable):
  //   nav     dark page, one bar per item (videocall green, live blue, vod purple), the
  //           item under the cursor orange, its name in it
  //   player  colour bars, N white squares for live channel N (one for a VOD asset), and
  //           the channel name (or asset) in a black band at y 456..535
  //   hidden  black: the IPTV UI is gone, the VoIP module owns the screen
  void paintEvent (QPaintEvent *)
  {
    QPainter p (this);
    if (page == "hidden" || page.isEmpty ())
      {
        p.fillRect (rect (), Qt::black);
        return;
      }
    if (page == "player")
      {
        static const QRgb bars[]
            = { 0xc0c0c0, 0xc0c000, 0x00c0c0, 0x00c000, 0xc000c0, 0xc00000, 0x0000c0 };
        int w = width () / 7;
        for (int i = 0; i < 7; i++)
          p.fillRect (i * w, 0, i == 6 ? width () - 6 * w : w, height (), QColor (bars[i]));
        int n = playing < 0 ? 0
                : items[playing].id.startsWith ("live:")
                    ? items[playing].id.section (':', 1).toInt ()
                    : 1;
        for (int i = 0; i < n; i++)
          p.fillRect (40 + i * 50, 40, 36, 36, Qt::white);
        QRect band (0, height () - 120, width (), 80);
        p.fillRect (band, Qt::black);
        if (textAvailable && playing >= 0)
          drawName (p, band, Qt::AlignCenter, 40, items[playing].name);
        return;
      }
    p.fillRect (rect (), QColor (0x20, 0x20, 0x20));
    for (int i = 0; i < items.size (); i++)
      {
        QColor c = i == cursor                        ? QColor (0xe0, 0x80, 0x00)
                   : items[i].id == "videocall"       ? QColor (0x20, 0xa0, 0x40)
                   : items[i].id.startsWith ("live:") ? QColor (0x20, 0x50, 0xc0)
                                                      : QColor (0x80, 0x30, 0xa0);
        p.fillRect (60, 40 + i * 48, 600, 40, c);
        if (textAvailable)
          drawName (p, QRect (76, 40 + i * 48, 584, 40), Qt::AlignVCenter | Qt::AlignLeft, 24,
                    items[i].name);
      }
  }

  static void drawName (QPainter &p, const QRect &r, int flags, int pixelSize, const QString &s)
  {
    QFont font ("DejaVu Sans");
    font.setPixelSize (pixelSize);
    p.setFont (font);
    p.setPen (Qt::white);
    p.drawText (r, flags, s);
  }

private:
  State state;
  QString page; // nav, player, hidden; empty before the first page
  int cursor, playing;
  qint64 playPosMs, playSinceNs;
  QString resume; // R, empty outside HIDDEN_CALLEE
  int entryParam;
  quint64 ignored;

  void setState (State next, const QString &row, int param)
  {
    if (next == state)
      return; // [SW-IPTV-02]
    emitEvent ("iptv.state", QStringList () << "from" << stateNames[state] << "to"
                                            << stateNames[next] << "reason" << row);
    state = next;
    entryParam = param;
  }

  // Paint the page before announcing it: iptv.page is then a witness of the screen.
  void showPage (const QString &p)
  {
    if (page == p)
      return; // [SW-IPTV-12]
    page = p;
    if (p == "nav")
      cursor = 0;
    repaint ();
    emitEvent ("iptv.page", QStringList () << "page" << p);
  }

  qint64 positionMs () const
  {
    return playPosMs + (nowNs () - playSinceNs) / 1000000;
  }

  QStringList what (int index) const
  {
    bool live = items[index].id.startsWith ("live:");
    return QStringList () << "kind" << (live ? "live" : "vod") << (live ? "channel" : "asset")
                          << items[index].id.section (':', 1);
  }

  // Start playback; a vendor starts its player here.
  void play (int index, qint64 posMs)
  {
    playing = index;
    playPosMs = posMs;
    playSinceNs = nowNs ();
    bool live = items[index].id.startsWith ("live:");
    emitEvent ("iptv.play",
               what (index) << "position" << (live ? QString () : QString::number (posMs)) << "uri"
                            << (items[index].uri.isEmpty () ? QString () : items[index].uri));
    if (page == "player")
      repaint ();
  }

  void stop (const QString &reason)
  {
    if (playing < 0)
      return;
    bool live = items[playing].id.startsWith ("live:");
    if (!live)
      playPosMs = positionMs ();
    emitEvent ("iptv.stop", QStringList () << "reason" << reason << what (playing) << "position"
                                           << (live ? QString () : QString::number (playPosMs)));
    playing = -1;
  }

  int find (const QString &id) const
  {
    for (int i = 0; i < items.size (); i++)
      if (items[i].id == id)
        return i;
    return -1;
  }

  void sendSwitch (Param p)
  {
    QByteArray data;
    QDataStream out (&data, QIODevice::WriteOnly);
    out.setVersion (QDataStream::Qt_4_6);
    out << (qint32)dialect.typeIptvToVoip << (qint32)dialect.params[p];
    QCopChannel::send (dialect.sendChannel (), dialect.message, data);
    emitEvent ("switch.tx", QStringList () << "channel" << dialect.sendChannel () << "type"
                                           << "iptv_to_voip"
                                           << "param" << paramNames[p]);
  }

  // ---- keys (§6.2) ----
  void callerFlow (const QString &row)
  {
    sendSwitch (CALLER_SHOW_VIDEO_PAGE);
    showPage ("hidden");
    setState (HIDDEN_CALLER, row, -1);
  }

  void watch (int index, const QString &row)
  {
    showPage ("player");
    play (index, 0);
    setState (items[index].id.startsWith ("live:") ? PLAYING_LIVE : PLAYING_VOD, row, -1);
  }

  void toNav (const QString &reason, const QString &row)
  {
    stop (reason);
    resume.clear ();
    showPage ("nav");
    setState (NAV, row, -1);
  }

  int digitChannel (const QString &key) const
  {
    return key.size () == 1 && key[0].isDigit () ? find ("live:" + key) : -1;
  }

  int nextChannel (int from, int step) const
  {
    int n = items.size ();
    for (int i = (from + step + n) % n; i != from; i = (i + step + n) % n)
      if (items[i].id.startsWith ("live:"))
        return i;
    return -1;
  }

  bool keyNav (const QString &key)
  {
    int ch = digitChannel (key);
    if (key == "videocall" || (key == "ok" && cursor == 0))
      callerFlow (key == "ok" ? "I-01" : "I-02");
    else if (key == "ok")
      watch (cursor, items[cursor].id.startsWith ("live:") ? "I-03" : "I-04");
    else if (ch >= 0)
      watch (ch, "I-05");
    else if (key == "up" || key == "down")
      {
        int old = cursor;
        cursor = qBound (0, cursor + (key == "up" ? -1 : 1), items.size () - 1);
        if (old != cursor)
          {
            repaint ();
            emitEvent ("iptv.focus", QStringList () << "item" << items[cursor].id);
          }
      }
    else
      return false;
    return true;
  }

  bool keyPlaying (const QString &key)
  {
    bool live = state == PLAYING_LIVE;
    int ch = digitChannel (key);
    if (key == "menu" || key == "back")
      toNav ("menu", live ? "I-10" : "I-20");
    else if (key == "videocall")
      {
        toNav ("menu", live ? "I-13" : "I-22");
        callerFlow (live ? "I-13" : "I-22");
      }
    else if (ch >= 0 && (!live || ch != playing))
      {
        stop ("zap");
        play (ch, 0);
        setState (PLAYING_LIVE, live ? "I-11" : "I-21", -1);
      }
    else if (live && (key == "up" || key == "down"))
      {
        int next = nextChannel (playing, key == "up" ? 1 : -1);
        if (next < 0)
          return false;
        stop ("zap");
        play (next, 0);
      }
    else
      return false;
    return true;
  }

  bool keyPress (const QString &key)
  {
    if (state == NAV)
      return keyNav (key);
    if (state == PLAYING_LIVE || state == PLAYING_VOD)
      return keyPlaying (key);
    if (key != "menu")
      return false; // [SW-IPTV-09]
    toNav ("menu", state == HIDDEN_CALLER ? "I-44" : "I-56");
    return true;
  }

  bool selectItem (const QString &id)
  {
    int index = find (id);
    if (index < 0 || state == HIDDEN_CALLER || state == HIDDEN_CALLEE)
      return false;
    if (state != NAV)
      keyPress ("menu");
    cursor = index;
    return keyPress ("ok");
  }

  // ---- switch messages (§6.2) ----
  QString resumePoint () const
  {
    if (playing < 0)
      return "nav";
    if (items[playing].id.startsWith ("live:"))
      return items[playing].id;
    return QString ("%1@%2").arg (items[playing].id).arg (positionMs ());
  }

  QString doResume (bool reject)
  {
    QString r = resume;
    resume.clear ();
    int index = find (r.section ('@', 0, 0));
    if (index < 0)
      {
        showPage ("nav");
        setState (NAV, reject ? "I-53" : "I-50", -1);
        return reject ? "I-53" : "I-50";
      }
    bool vod = r.contains ('@');
    showPage ("player");
    play (index, vod ? r.section ('@', 1).toLongLong () : 0);
    QString row = reject ? "I-53" : (vod ? "I-52" : "I-51");
    setState (vod ? PLAYING_VOD : PLAYING_LIVE, row, -1);
    return row;
  }

  QString apply (Param p, QString &effect)
  {
    static const char *const stopRows[] = { "I-30", "I-14", "I-23", "I-43", "I-55" };
    bool hidden = state == HIDDEN_CALLER || state == HIDDEN_CALLEE;
    effect = "transition";
    if (p == STOP_IPTV)
      {
        QString row = stopRows[state];
        if (state == HIDDEN_CALLEE)
          effect = "reply"; // I-55
        else
          {
            resume = resumePoint ();
            stop ("stop-iptv");
            showPage ("hidden");
          }
        sendSwitch (CALLEE_SHOW_VIDEO_PAGE);
        setState (HIDDEN_CALLEE, row, p);
        return row;
      }
    if (p == REJECT_CONTINUE_IPTV && !hidden)
      {
        effect = "none"; // I-15, I-24, I-31
        return state == NAV ? "I-31" : state == PLAYING_LIVE ? "I-15" : "I-24";
      }
    if (!hidden)
      return QString (); // no row
    if (state == HIDDEN_CALLER || p == BACK_TO_NAV)
      {
        QString row = state == HIDDEN_CALLEE ? "I-54"
                      : p == BACK_TO_NAV     ? "I-40"
                      : p == RESUME_IPTV     ? "I-41"
                                             : "I-42";
        resume.clear ();
        showPage ("nav");
        setState (NAV, row, p);
        return row;
      }
    return doResume (p == REJECT_CONTINUE_IPTV);
  }

  void ignore (const QString &reason, const QString &channel, const QString &message,
               const QString &type, const QString &param, int len)
  {
    emitEvent ("iptv.ignored", QStringList () << "reason" << reason << "channel" << channel
                                              << "message" << message << "type" << type << "param"
                                              << param << "len" << QString::number (len) << "count"
                                              << QString::number (++ignored));
  }

  void status ()
  {
    QString play = playing < 0 ? QString ("none")
                   : state == PLAYING_VOD
                       ? QString ("%1@%2").arg (items[playing].id).arg (positionMs ())
                       : items[playing].id;
    emitEvent ("iptv.status", QStringList ()
                                  << "state" << stateNames[state] << "page"
                                  << (page.isEmpty () ? QString ("hidden") : page) << "ignored"
                                  << QString::number (ignored) << "playing" << play << "resume"
                                  << (resume.isEmpty () ? QString ("none") : resume));
  }

  friend class Channel;
};

// The receive pipeline, checks 1-6 of SPEC §4 in order.
void
Iptv::onSwitch (const QString &channel, const QString &message, const QByteArray &data)
{
  if (message != dialect.message)
    return ignore ("unknown-message", channel, message, QString (), QString (), data.size ());
  if (data.size () < 8)
    return ignore ("short-data", channel, message, QString (), QString (), data.size ());
  QDataStream in (data);
  in.setVersion (QDataStream::Qt_4_6);
  qint32 type = 0, param = 0;
  in >> type >> param; // bytes after the first 8 are tolerated and not needed ([SW-RX-04])
  QString t = QString::number (type), pa = QString::number (param);
  if (type != dialect.typeIptvToVoip && type != dialect.typeVoipToIptv)
    return ignore ("unknown-type", channel, message, t, pa, data.size ());
  if (type != dialect.typeVoipToIptv)
    return ignore ("not-addressed", channel, message, t, pa, data.size ());
  int p = -1;
  for (int i = BACK_TO_NAV; i <= RESUME_IPTV && p < 0; i++)
    if (dialect.params[i] == param)
      p = i;
  if (p < 0)
    return ignore ("unknown-param", channel, message, t, pa, data.size ());
  int entry = entryParam;
  QString effect, row = apply ((Param)p, effect);
  if (row.isEmpty ())
    return ignore (entry == p ? "duplicate" : "unexpected-state", channel, message, t, pa,
                   data.size ());
  emitEvent ("switch.rx", QStringList ()
                              << "channel" << channel << "type"
                              << "voip_to_iptv"
                              << "param" << paramNames[p] << "row" << row << "effect" << effect);
}

void
Iptv::onAgent (const QString &channel, const QString &message, const QByteArray &data)
{
  if (message == "status()")
    return status ();
  bool isKey = message == "key(QString)";
  QDataStream in (data);
  in.setVersion (QDataStream::Qt_4_6);
  QString arg;
  if (isKey || message == "select(QString)")
    in >> arg;
  if (arg.isNull () || in.status () != QDataStream::Ok)
    return ignore ("unknown-message", channel, message, QString (), QString (), data.size ());
  bool handled = isKey ? keyPress (arg) : selectItem (arg);
  emitEvent ("iptv.key", QStringList () << "key" << (isKey ? arg : QString ("select")) << "handled"
                                        << (handled ? "yes" : "no"));
}

void
Channel::receive (const QString &message, const QByteArray &data)
{
  if (agent)
    module->onAgent (channel (), message, data);
  else
    module->onSwitch (channel (), message, data);
}

// SIGTERM ends the event loop through a pipe (a signal handler may only write()): the module
// then exits cleanly and Qt removes its client-side IPC objects (Annex D.5 stop_signal).
static int termPipe[2] = { -1, -1 };

static void
onTerm (int)
{
  char c = 1;
  if (write (termPipe[1], &c, 1) < 0)
    _exit (1);
}

class TermNotifier : public QSocketNotifier
{
public:
  TermNotifier () : QSocketNotifier (termPipe[0], QSocketNotifier::Read)
  {
  }

protected:
  bool event (QEvent *e)
  {
    if (e->type () != QEvent::SockAct)
      return QSocketNotifier::event (e);
    QApplication::quit ();
    return true;
  }
};

int
main (int argc, char **argv)
{
  QString dialectPath, layout, lineup, vodBase;
  int readyFd = -1;
  const char *display = 0;
  QVector<char *> qtArgs;
  qtArgs.append (argv[0]);
  for (int i = 1; i < argc; i++)
    {
      QString a = argv[i];
      bool hasValue = i + 1 < argc;
      if (a == "--display" && hasValue)
        display = argv[++i];
      else if (a == "--dialect" && hasValue)
        dialectPath = argv[++i];
      else if (a == "--layout" && hasValue)
        layout = argv[++i];
      else if (a == "--lineup" && hasValue)
        lineup = argv[++i];
      else if (a == "--vod-base-uri" && hasValue)
        vodBase = argv[++i];
      else if (a == "--ready-fd" && hasValue)
        readyFd = atoi (argv[++i]);
      else
        {
          fprintf (stderr,
                   "qt-iptv-module: unknown argument %s (--display N --dialect F --layout L "
                   "--lineup F --vod-base-uri U --ready-fd N)\n",
                   argv[i]);
          return 4;
        }
    }
  if (display == 0)
    {
      fprintf (stderr, "qt-iptv-module: --display N is required (the QWS server of display N)\n");
      return 4;
    }
  setenv ("QWS_DISPLAY", QString (":%1").arg (display).toLatin1 ().constData (), 1);
  textAvailable = fontCacheExists (display);
  int qtArgc = qtArgs.size ();
  qtArgs.append (0);
  QApplication app (qtArgc, qtArgs.data (), QApplication::GuiClient);
  Iptv module;
  QString error;
  if (!module.dialect.load (dialectPath, layout, error)
      || !module.loadLineup (lineup, vodBase, error))
    {
      fprintf (stderr, "qt-iptv-module: %s\n", error.toLocal8Bit ().constData ());
      return 4;
    }
  if (pipe (termPipe) < 0)
    return 3;
  TermNotifier term;
  signal (SIGTERM, onTerm);
  signal (SIGINT, onTerm);
  module.start (readyFd);
  int rc = app.exec ();
  return rc;
}
