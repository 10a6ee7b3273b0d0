/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stbsim-tmpdir"

#include "stbsim-tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GUARD_MAX_DIRS 64
#define GUARD_MAX_PATH 512 /* our directories are /tmp/stbsim-XXXXXX: far shorter */

static gint guardian_fd = -1; /* our end of the socket pair; -1 until the first make */
G_LOCK_DEFINE_STATIC (guardian);

/* ---- the guardian: async-signal-safe calls only (a fork of a possibly threaded process) -- */

struct dirent64_raw
{
  guint64 d_ino;
  gint64 d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* Unlink the entries of @path (a few sockets) and remove it. */
static void
empty_and_remove (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  char buf[4096] __attribute__ ((aligned (8)));
  for (int pass = 0; pass < 16; pass++)
    {
      long n;
      int removed = 0;
      lseek (fd, 0, SEEK_SET);
      while ((n = syscall (SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;)
          {
            const struct dirent64_raw *d = (const void *)(buf + off);
            if (strcmp (d->d_name, ".") != 0 && strcmp (d->d_name, "..") != 0
                && unlinkat (fd, d->d_name, 0) == 0)
              removed++;
            off += d->d_reclen;
          }
      if (removed == 0)
        break;
    }
  close (fd);
  rmdir (path);
}

static void
guardian_line (char dirs[][GUARD_MAX_PATH], const char *line)
{
  for (int i = 0; i < GUARD_MAX_DIRS; i++)
    if (line[0] == '+' && dirs[i][0] == '\0')
      {
        strcpy (dirs[i], line + 1);
        return;
      }
    else if (line[0] == '-' && strcmp (dirs[i], line + 1) == 0)
      {
        dirs[i][0] = '\0';
        return;
      }
}

static G_GNUC_NORETURN void
guardian_main (int sock)
{
  static char dirs[GUARD_MAX_DIRS][GUARD_MAX_PATH];
  static char line[GUARD_MAX_PATH + 2];
  size_t len = 0;
  gboolean overlong = FALSE;
  struct sigaction ign = { .sa_handler = SIG_IGN };

  sigaction (SIGINT, &ign, NULL);
  sigaction (SIGTERM, &ign, NULL);
  sigaction (SIGHUP, &ign, NULL);
  sigaction (SIGPIPE, &ign, NULL);
  prctl (PR_SET_NAME, "stbsim-tmpdir");
  /* hold nothing of the parent's: its pipes (a reader waiting for EOF), sockets, logs */
  dup2 (sock, STDIN_FILENO);
  long max = sysconf (_SC_OPEN_MAX);
  for (long fd = 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
    close ((int)fd);
  for (;;)
    {
      char buf[1024];
      ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\n')
          {
            line[len] = '\0';
            if (!overlong && len > 1)
              guardian_line (dirs, line);
            len = 0;
            overlong = FALSE;
          }
        else if (len < sizeof line - 1)
          line[len++] = buf[i];
        else
          overlong = TRUE;
    }
  for (int i = 0; i < GUARD_MAX_DIRS; i++)
    if (dirs[i][0] != '\0')
      empty_and_remove (dirs[i]);
  _exit (0);
}

/* ---- the process that makes directories ------------------------------------------------ */

static gboolean
guardian_ensure (void)
{
  if (guardian_fd >= 0)
    return TRUE;
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return FALSE;
  pid_t pid = fork ();
  if (pid == 0)
    guardian_main (sv[1]);
  close (sv[1]);
  if (pid < 0)
    {
      close (sv[0]);
      return FALSE;
    }
  guardian_fd = sv[0];
  return TRUE;
}

static void
guardian_tell (char op, const gchar *path)
{
  g_autofree gchar *msg = g_strdup_printf ("%c%s\n", op, path);
  if (strlen (path) >= GUARD_MAX_PATH || strchr (path, '\n') != NULL)
    {
      g_debug ("%s: too long for the guardian, not removed if this process is killed", path);
      return;
    }
  G_LOCK (guardian);
  if (guardian_ensure ())
    {
      /* MSG_NOSIGNAL: a guardian that is gone costs the guarantee, never this process */
      gsize len = strlen (msg);
      if (send (guardian_fd, msg, len, MSG_NOSIGNAL) != (gssize)len)
        g_debug ("guardian: %s", g_strerror (errno));
    }
  else
    g_debug ("no guardian (%s): %s is not removed if this process is killed", g_strerror (errno),
             path);
  G_UNLOCK (guardian);
}

gchar *
stbsim_tmpdir_make (const gchar *tmpl, GError **error)
{
  gchar *dir = g_dir_make_tmp (tmpl, error);
  if (dir != NULL)
    guardian_tell ('+', dir);
  return dir;
}

void
stbsim_tmpdir_adopt (const gchar *path)
{
  g_return_if_fail (path != NULL);
  guardian_tell ('+', path);
}

void
stbsim_tmpdir_remove (const gchar *path)
{
  if (path == NULL)
    return;
  empty_and_remove (path);
  guardian_tell ('-', path);
}
