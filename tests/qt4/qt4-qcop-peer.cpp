// SPDX-License-Identifier: MIT
// A genuine Qt/Embedded 4.8 QWS GUI client (QApplication::GuiClient) playing one end of the
// service-switching protocol with QCopChannel, driven line by line on stdin:
//   register CH                  QCopChannel(CH) (receives on CH), confirmed with
//                                QCopChannel::isRegistered(CH)          -> "REGISTERED CH"
//   send CH MSG TYPE PARAM       QCopChannel::send, data = QDataStream (Qt_4_6) qint32 TYPE,
//                                qint32 PARAM                            -> "SENT"
//   sendstr CH MSG TEXT          data = QDataStream (Qt_4_6) QString TEXT -> "SENT"
//   isreg CH                     QCopChannel::isRegistered(CH)          -> "ISREG CH 0|1"
//   window X Y W H               show a frameless widget at X,Y of W x H painted solid red
//                                (0xff0000) with WA_PaintOnScreen (QWSOnScreenSurface draws
//                                straight into the screen)            -> "PAINTED WxH"
//   text X Y W H TEXT            the same on-screen widget painted blue (0x0000ff) with TEXT
//                                drawn in white by QPainter::drawText, font "DejaVu Sans" of
//                                pixel size H/2: needs the font database cache of the server
//                                (qfontdatabase_qws.cpp loadFromCache) -> "TEXT WxH FAMILY"
//                                (FAMILY: the font Qt matched, QFontInfo::family)
//   quit                         leave the event loop (exit 0)
// and printing every message received: "RECV CH MSG TYPE PARAM" (the first 8 data bytes read
// with QDataStream at Qt_4_6; -1 -1 when shorter). "READY" once the QApplication is up.
// Needs QWS_DISPLAY=:N (the server of display N). No moc: virtual overrides only.
#include <QtCore/QByteArray>
#include <QtCore/QDataStream>
#include <QtCore/QList>
#include <QtCore/QSocketNotifier>
#include <QtCore/QStringList>
#include <QtGui/QApplication>
#include <QtGui/QCopChannel>
#include <QtGui/QFontInfo>
#include <QtGui/QPaintEvent>
#include <QtGui/QPainter>
#include <QtGui/QWidget>

#include <stdio.h>
#include <unistd.h>

static void
say (const QString &line)
{
  printf ("%s\n", line.toUtf8 ().constData ());
  fflush (stdout);
}

class Channel : public QCopChannel
{
public:
  explicit Channel (const QString &name) : QCopChannel (name) {}

  void
  receive (const QString &message, const QByteArray &data)
  {
    QDataStream in (data);
    qint32 type = -1, param = -1;

    in.setVersion (QDataStream::Qt_4_6);
    if (data.size () >= 8)
      in >> type >> param;
    say (QString ("RECV %1 %2 %3 %4").arg (channel (), message).arg (type).arg (param));
  }
};

class OnScreen : public QWidget
{
public:
  OnScreen (const QColor &background, const QString &text) : bg (background), label (text)
  {
    setAttribute (Qt::WA_PaintOnScreen);
    setAttribute (Qt::WA_NoSystemBackground);
  }

protected:
  void
  paintEvent (QPaintEvent *)
  {
    QString family;
    {
      QPainter p (this);
      p.fillRect (rect (), bg);
      if (!label.isEmpty ())
        {
          QFont font ("DejaVu Sans");
          font.setPixelSize (height () / 2);
          p.setFont (font);
          p.setPen (QColor (0xff, 0xff, 0xff));
          p.drawText (rect (), Qt::AlignCenter, label);
          family = QFontInfo (p.font ()).family ();
        }
    }
    if (label.isEmpty ())
      say (QString ("PAINTED %1x%2").arg (width ()).arg (height ()));
    else
      say (QString ("TEXT %1x%2 %3").arg (width ()).arg (height ()).arg (family));
  }

private:
  QColor bg;
  QString label;
};

class Commands : public QSocketNotifier
{
public:
  Commands () : QSocketNotifier (0, QSocketNotifier::Read), window (0) {}
  ~Commands ()
  {
    qDeleteAll (channels);
    delete window;
  }

protected:
  bool
  event (QEvent *e)
  {
    if (e->type () != QEvent::SockAct)
      return QSocketNotifier::event (e);
    char buf[4096];
    ssize_t n = read (0, buf, sizeof buf);
    if (n <= 0)
      {
        setEnabled (false);
        QApplication::quit ();
        return true;
      }
    pending.append (buf, (int)n);
    int nl;
    while ((nl = pending.indexOf ('\n')) >= 0)
      {
        QString line = QString::fromUtf8 (pending.left (nl));
        pending.remove (0, nl + 1);
        run (line.split (' ', QString::SkipEmptyParts));
      }
    return true;
  }

private:
  QWidget *window;
  QList<Channel *> channels;
  QByteArray pending;

  static void
  send (const QString &ch, const QString &msg, const QByteArray &data)
  {
    QCopChannel::send (ch, msg, data);
    QCopChannel::flush ();
    say ("SENT");
  }

  void
  show (QWidget *widget, const QStringList &w)
  {
    delete window;
    window = widget;
    window->setWindowFlags (Qt::FramelessWindowHint);
    window->setGeometry (w[1].toInt (), w[2].toInt (), w[3].toInt (), w[4].toInt ());
    window->show ();
  }

  void
  run (const QStringList &w)
  {
    if (w.size () == 2 && w[0] == "register")
      {
        channels.append (new Channel (w[1]));
        // a round trip: the server handles a client's commands in order, so once it answers
        // the registration is in place (QCopChannel's constructor only queues it)
        if (QCopChannel::isRegistered (w[1]))
          say ("REGISTERED " + w[1]);
        else
          say ("ERROR the server does not know " + w[1]);
      }
    else if (w.size () == 5 && w[0] == "send")
      {
        QByteArray data;
        QDataStream out (&data, QIODevice::WriteOnly);
        out.setVersion (QDataStream::Qt_4_6);
        out << qint32 (w[3].toInt ()) << qint32 (w[4].toInt ());
        send (w[1], w[2], data);
      }
    else if (w.size () >= 4 && w[0] == "sendstr")
      {
        QByteArray data;
        QDataStream out (&data, QIODevice::WriteOnly);
        out.setVersion (QDataStream::Qt_4_6);
        out << QStringList (w.mid (3)).join (" ");
        send (w[1], w[2], data);
      }
    else if (w.size () == 2 && w[0] == "isreg")
      say (QString ("ISREG %1 %2").arg (w[1]).arg (QCopChannel::isRegistered (w[1]) ? 1 : 0));
    else if (w.size () == 5 && w[0] == "window")
      show (new OnScreen (QColor (0xff, 0, 0), QString ()), w);
    else if (w.size () >= 6 && w[0] == "text")
      show (new OnScreen (QColor (0, 0, 0xff), QStringList (w.mid (5)).join (" ")), w);
    else if (w.size () == 1 && w[0] == "quit")
      QApplication::quit ();
    else
      say ("ERROR unknown command: " + w.join (" "));
  }
};

int
main (int argc, char **argv)
{
  QApplication app (argc, argv, QApplication::GuiClient);
  Commands commands;

  say ("READY");
  return app.exec ();
}
