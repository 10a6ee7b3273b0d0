/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* semtimedop */
#define G_LOG_DOMAIN "qcop-qws-display"

#include "qcop-qws-display.h"

#include "qcop-qvfb.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <png.h>
#include <stddef.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Facts from Qt 4.8 (src/gui/embedded/), see qcop-qws-display.h: qlock.cpp (MAX_LOCKS 200,
 * semget(ftok(file, id), 1, IPC_CREAT | 0600), SETVAL), qwssharedmemory.cpp (shmget
 * IPC_PRIVATE 0600, shmat, IPC_RMID at once), qapplication_qws.cpp (qwsSharedRamSize 1024,
 * QWSDisplay::Data::init), qscreenvfb_qws.cpp (QVFbScreen::connect: shmget(ftok(mouse pipe,
 * 'b'), 0, 0), header fields, depth 32 = QImage::Format_ARGB32_Premultiplied) and qvfbhdr.h
 * (QVFbHeader layout, QT_VFB_MOUSE_PIPE, QTE_PIPE).
 */

#define QT_MAX_LOCKS 200
#define QT_SHARED_RAM_SIZE 1024
#define QT_VERSION_4_8_7 0x040807
#define SCREEN_DATA_OFFSET 4096 /* page-aligned pixels after the header */

typedef QcopQvfbHeader VfbHeader; /* qcop-qvfb.h */

G_STATIC_ASSERT (sizeof (VfbHeader) <= SCREEN_DATA_OFFSET);

struct _QcopQwsDisplay
{
  gint display;
  gchar *spec;
  gchar *mouse_pipe;
  gboolean created_pipe;
  gint lock_semid;
  gint ram_shmid;
  void *ram;
  gint screen_shmid;
  guint8 *screen;
};

union semun_arg
{
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

static gboolean
ipc_error (GError **error, const gchar *what, const gchar *path)
{
  int e = errno;

  g_set_error (error, QCOP_ERROR, QCOP_ERROR_CONNECTION, "%s (%s): %s", what, path, g_strerror (e));
  return FALSE;
}

gchar *
qcop_qws_display_socket_path (gint display)
{
  return g_strdup_printf ("/tmp/qtembedded-%d/QtEmbedded-%d", display, display);
}

gchar *
qcop_qws_display_mouse_pipe (gint display)
{
  return g_strdup_printf ("/tmp/.qtvfb_mouse-%d", display);
}

/* QLock(pipe, 'd', create = true): replace a stale set, create one semaphore of MAX_LOCKS. */
static gboolean
create_lock (QcopQwsDisplay *self, const gchar *socket_path, GError **error)
{
  key_t key = ftok (socket_path, 'd');
  union semun_arg arg = { .val = QT_MAX_LOCKS };
  int old;

  if (key == -1)
    return ipc_error (error, "ftok of the server socket for the display lock", socket_path);
  old = semget (key, 0, 0);
  if (old != -1)
    semctl (old, 0, IPC_RMID);
  self->lock_semid = semget (key, 1, IPC_CREAT | IPC_EXCL | 0600);
  if (self->lock_semid == -1)
    return ipc_error (error, "semget of the display lock", socket_path);
  if (semctl (self->lock_semid, 0, SETVAL, arg) == -1)
    return ipc_error (error, "semctl SETVAL of the display lock", socket_path);
  return TRUE;
}

/* QWSSharedMemory::create(qwsSharedRamSize): private, zeroed, removed on last detach. */
static gboolean
create_ram (QcopQwsDisplay *self, GError **error)
{
  self->ram_shmid = shmget (IPC_PRIVATE, QT_SHARED_RAM_SIZE, IPC_CREAT | 0600);
  if (self->ram_shmid == -1)
    return ipc_error (error, "shmget of the main ram", "IPC_PRIVATE");
  self->ram = shmat (self->ram_shmid, NULL, 0);
  shmctl (self->ram_shmid, IPC_RMID, NULL);
  if (self->ram == (void *)-1)
    {
      self->ram = NULL;
      return ipc_error (error, "shmat of the main ram", "IPC_PRIVATE");
    }
  memset (self->ram, 0, QT_SHARED_RAM_SIZE);
  return TRUE;
}

static void
init_header (VfbHeader *h, gint width, gint height)
{
  memset (h, 0, sizeof *h);
  h->width = width;
  h->height = height;
  h->depth = 32;
  h->linestep = width * 4;
  h->dataoffset = SCREEN_DATA_OFFSET;
  h->viewer_version = QT_VERSION_4_8_7;
  h->brightness = 255;
}

/* What the qvfb tool provides: the mouse FIFO (ftok file) and the keyed screen segment. */
static gboolean
create_screen (QcopQwsDisplay *self, gint width, gint height, GError **error)
{
  gsize size = SCREEN_DATA_OFFSET + (gsize)width * 4 * (gsize)height;
  key_t key;
  int old;

  if (mkfifo (self->mouse_pipe, 0600) == 0)
    self->created_pipe = TRUE;
  else if (errno != EEXIST)
    return ipc_error (error, "mkfifo of the QVFb mouse pipe", self->mouse_pipe);
  key = ftok (self->mouse_pipe, 'b');
  if (key == -1)
    return ipc_error (error, "ftok of the QVFb mouse pipe", self->mouse_pipe);
  old = shmget (key, 0, 0);
  if (old != -1)
    shmctl (old, IPC_RMID, NULL);
  self->screen_shmid = shmget (key, size, IPC_CREAT | IPC_EXCL | 0600);
  if (self->screen_shmid == -1)
    return ipc_error (error, "shmget of the QVFb screen", self->mouse_pipe);
  self->screen = shmat (self->screen_shmid, NULL, 0);
  if (self->screen == (void *)-1)
    {
      self->screen = NULL;
      return ipc_error (error, "shmat of the QVFb screen", self->mouse_pipe);
    }
  memset (self->screen, 0, size);
  init_header ((VfbHeader *)self->screen, width, height);
  return TRUE;
}

QcopQwsDisplay *
qcop_qws_display_new (gint display, const gchar *socket_path, gint width, gint height,
                      GError **error)
{
  g_autoptr (QcopQwsDisplay) self = NULL;

  g_return_val_if_fail (display >= 0 && display <= QCOP_QWS_DISPLAY_MAX, NULL);
  g_return_val_if_fail (socket_path != NULL, NULL);
  g_return_val_if_fail (width > 0 && width <= 4096 && height > 0 && height <= 4096, NULL);

  self = g_new0 (QcopQwsDisplay, 1);
  self->display = display;
  self->spec = g_strdup_printf ("QVFb:%d", display);
  self->mouse_pipe = qcop_qws_display_mouse_pipe (display);
  self->lock_semid = self->ram_shmid = self->screen_shmid = -1;
  if (!create_lock (self, socket_path, error) || !create_ram (self, error)
      || !create_screen (self, width, height, error))
    return NULL;
  g_message ("QWS display %d: lock semid %d, main ram shmid %d, QVFb screen %dx%dx32 shmid %d",
             display, self->lock_semid, self->ram_shmid, width, height, self->screen_shmid);
  return g_steal_pointer (&self);
}

void
qcop_qws_display_free (QcopQwsDisplay *self)
{
  if (self == NULL)
    return;
  if (self->lock_semid != -1)
    semctl (self->lock_semid, 0, IPC_RMID);
  if (self->ram != NULL)
    shmdt (self->ram); /* marked IPC_RMID at creation: this frees it once clients detach */
  if (self->screen != NULL)
    shmdt (self->screen);
  if (self->screen_shmid != -1)
    shmctl (self->screen_shmid, IPC_RMID, NULL);
  if (self->created_pipe)
    g_unlink (self->mouse_pipe);
  g_free (self->spec);
  g_free (self->mouse_pipe);
  g_free (self);
}

const gchar *
qcop_qws_display_get_spec (QcopQwsDisplay *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->spec;
}

gint
qcop_qws_display_get_servershmid (QcopQwsDisplay *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->ram_shmid;
}

gint
qcop_qws_display_get_lock_semid (QcopQwsDisplay *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->lock_semid;
}

gint
qcop_qws_display_get_screen_shmid (QcopQwsDisplay *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->screen_shmid;
}

/* ---- the server's own painting ------------------------------------------------------------ */

#define LOCK_WAIT_S 2

/* QWSDisplay::grab (TRUE), bounded: a client that holds the lock for LOCK_WAIT_S is not
 * waited for (logged). */
static gboolean
grab_display (QcopQwsDisplay *self)
{
  int err = qcop_qlock_grab (self->lock_semid, LOCK_WAIT_S);

  if (err != 0)
    g_message ("display %d: display lock not taken in %d s (%s): painting without it",
               self->display, LOCK_WAIT_S, g_strerror (err));
  return err == 0;
}

void
qcop_qws_display_fill (QcopQwsDisplay *self, guint32 argb, const gint32 *rects, gsize n_rects)
{
  VfbHeader *h;
  gboolean grabbed;

  g_return_if_fail (self != NULL && (rects != NULL || n_rects == 0));
  if (self->screen == NULL || n_rects == 0)
    return;
  h = (VfbHeader *)self->screen;
  grabbed = grab_display (self);
  for (gsize i = 0; i < n_rects; i++)
    {
      gint x1 = MAX (rects[4 * i], 0), y1 = MAX (rects[4 * i + 1], 0);
      gint x2 = MIN (rects[4 * i + 2], h->width - 1), y2 = MIN (rects[4 * i + 3], h->height - 1);

      for (gint y = y1; y <= y2; y++)
        {
          guint32 *row = (guint32 *)(self->screen + h->dataoffset + (gsize)y * h->linestep);

          for (gint x = x1; x <= x2; x++)
            row[x] = argb;
        }
      qcop_qvfb_set_dirty (h, x1, y1, x2, y2);
    }
  if (grabbed)
    qcop_qlock_ungrab (self->lock_semid);
}

/* ---- snapshots ---------------------------------------------------------------------------- */

/* Depth-32 pixels (QImage::Format_ARGB32_Premultiplied, host-order 0xAARRGGBB words) -> an
 * RGB PNG; the screen is opaque, so alpha is dropped. */
static gboolean
write_png (const guint8 *base, gsize size, const gchar *path, GError **error)
{
  const VfbHeader *h = (const VfbHeader *)base;
  png_image image;
  g_autofree guint8 *rgb = NULL;

  if (h->depth != 32 || h->width <= 0 || h->height <= 0 || h->width > 4096 || h->height > 4096
      || h->linestep < h->width * 4 || h->dataoffset < (gint32)sizeof (VfbHeader)
      || (gsize)h->dataoffset + (gsize)h->linestep * (gsize)h->height > size)
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID,
                   "QVFb header %dx%dx%d linestep %d offset %d does not describe a 32 bpp "
                   "screen inside the %" G_GSIZE_FORMAT "-byte segment",
                   h->width, h->height, h->depth, h->linestep, h->dataoffset, size);
      return FALSE;
    }
  rgb = g_malloc ((gsize)h->width * 3 * (gsize)h->height);
  for (gint y = 0; y < h->height; y++)
    for (gint x = 0; x < h->width; x++)
      {
        guint32 px;
        guint8 *o = rgb + ((gsize)y * (gsize)h->width + (gsize)x) * 3;

        memcpy (&px, base + h->dataoffset + (gsize)y * (gsize)h->linestep + (gsize)x * 4, 4);
        o[0] = (px >> 16) & 0xff;
        o[1] = (px >> 8) & 0xff;
        o[2] = px & 0xff;
      }
  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = (png_uint_32)h->width;
  image.height = (png_uint_32)h->height;
  image.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file (&image, path, 0, rgb, 0, NULL))
    {
      g_set_error (error, QCOP_ERROR, QCOP_ERROR_INVALID, "writing %s: %s", path, image.message);
      png_image_free (&image);
      return FALSE;
    }
  return TRUE;
}

gboolean
qcop_qws_display_snapshot (QcopQwsDisplay *self, const gchar *path, GError **error)
{
  struct shmid_ds ds;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);
  if (shmctl (self->screen_shmid, IPC_STAT, &ds) == -1)
    return ipc_error (error, "shmctl IPC_STAT of the QVFb screen", self->mouse_pipe);
  return write_png (self->screen, ds.shm_segsz, path, error);
}

gboolean
qcop_qws_screen_snapshot (gint display, const gchar *path, GError **error)
{
  g_autofree gchar *pipe_path = qcop_qws_display_mouse_pipe (display);
  struct shmid_ds ds;
  key_t key;
  int id;
  void *base;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  key = ftok (pipe_path, 'b');
  if (key == -1)
    return ipc_error (error, "no QVFb screen for this display: ftok", pipe_path);
  id = shmget (key, 0, 0);
  if (id == -1)
    return ipc_error (error, "no QVFb screen for this display: shmget", pipe_path);
  if (shmctl (id, IPC_STAT, &ds) == -1)
    return ipc_error (error, "shmctl IPC_STAT of the QVFb screen", pipe_path);
  base = shmat (id, NULL, SHM_RDONLY);
  if (base == (void *)-1)
    return ipc_error (error, "shmat of the QVFb screen", pipe_path);
  ok = write_png (base, ds.shm_segsz, path, error);
  shmdt (base);
  return ok;
}
