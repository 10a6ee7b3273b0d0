// SPDX-License-Identifier: MIT
// A genuine Qt/Embedded 4.8 QWS server (QApplication::GuiServer), headless: run it with
// QWS_DISPLAY="VNC:size=320x240:depth=32:N" (the VNC driver needs no hardware; it also listens
// on TCP 5900+N, so tests run it in a network namespace of their own) and QWS_KEYBOARD=None,
// QWS_MOUSE_PROTO=None. Its QWSServer serves QCOP on /tmp/qtembedded-N/QtEmbedded-N
// (qwindowsystem_qws.cpp). With "--ready-fd FD" it writes "READY pid=PID" and a newline to FD
// once the server is up, then closes FD. SIGTERM: Qt's QWSSignalHandler removes its
// semaphores and shared memory, then the process ends.
#include <QtCore/QStringList>
#include <QtGui/QApplication>
#include <QtGui/QWSServer>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  QApplication app (argc, argv, QApplication::GuiServer);
  QStringList args = QApplication::arguments ();
  int i = args.indexOf ("--ready-fd");

  if (QWSServer::instance () == 0)
    {
      fprintf (stderr, "qt4-qws-server: no QWSServer\n");
      return 1;
    }
  if (i >= 0 && i + 1 < args.size ())
    {
      int fd = args[i + 1].toInt ();
      char line[64];
      int n = snprintf (line, sizeof line, "READY pid=%d\n", (int)getpid ());

      if (write (fd, line, (size_t)n) != n)
        return 1;
      close (fd);
    }
  return app.exec ();
}
