/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-server"

/* The listening socket of QcopServer: directory checks, stale sockets, bind/chmod/listen. */

#include "qcop-server-private.h"

#include "qcop-error.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static gboolean
check_socket_dir (const gchar *dir, guint32 uid, GError **error)
{
  struct stat st;

  if (lstat (dir, &st) < 0 && errno == ENOENT && g_mkdir_with_parents (dir, 0700) < 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PERMISSION,
                   "cannot create socket directory %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  if (lstat (dir, &st) < 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PERMISSION, "socket directory %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PERMISSION,
                   "socket directory %s is not a directory (symlinks are refused)", dir);
      return FALSE;
    }
  if (st.st_uid != uid)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PERMISSION,
                   "socket directory %s is owned by uid %u, not by the server's uid %u: use a "
                   "directory of your own (--socket)",
                   dir, (guint)st.st_uid, uid);
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_PERMISSION,
                   "socket directory %s has mode %04o: it must not be accessible to group or "
                   "others (chmod 700 %s)",
                   dir, (guint)(st.st_mode & 07777), dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
fill_address (struct sockaddr_un *addr, const gchar *path, GError **error)
{
  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr->sun_path)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "socket path %s is longer than %zu bytes",
                   path, sizeof addr->sun_path - 1);
      return FALSE;
    }
  strcpy (addr->sun_path, path);
  return TRUE;
}

/* Remove a stale socket file; refuse to take over a live server or a non-socket file. */
static gboolean
clear_stale_socket (const struct sockaddr_un *addr, GError **error)
{
  struct stat st;
  gint fd;
  gboolean live;

  if (lstat (addr->sun_path, &st) < 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION,
                   "%s exists and is not a socket: remove it or choose another --socket",
                   addr->sun_path);
      return FALSE;
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  live = fd >= 0 && connect (fd, (const struct sockaddr *)addr, sizeof *addr) == 0;
  if (fd >= 0)
    close (fd);
  if (live)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION,
                   "another server is already listening on %s", addr->sun_path);
      return FALSE;
    }
  g_unlink (addr->sun_path);
  return TRUE;
}

gint
qcop_server_socket_listen (const gchar *path, guint32 uid, gboolean *bound, GError **error)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  struct sockaddr_un addr;
  gint fd;

  *bound = FALSE;
  if (!check_socket_dir (dir, uid, error) || !fill_address (&addr, path, error)
      || !clear_stale_socket (&addr, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && bind (fd, (struct sockaddr *)&addr, sizeof addr) == 0)
    *bound = TRUE;
  if (!*bound || chmod (path, 0600) < 0 || listen (fd, 128) < 0)
    {
      int saved = errno;

      g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION, "cannot listen on %s: %s", path,
                   g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}
