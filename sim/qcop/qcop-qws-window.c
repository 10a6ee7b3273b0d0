/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop-qws-window"

#include "qcop-qws-window.h"

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>

/* QWSLock::LockType (qwslock_p.h): semaphore numbers in the client's set */
enum
{
  LOCK_COMMUNICATION = 1,
  LOCK_REGION_EVENT = 2,
};

/* Command types (qwscommand_qws_p.h QWSCommand::Type) the server answers. */
enum
{
  CMD_REGION = 3,
  CMD_REGION_MOVE = 4,
  CMD_CHANGE_ALTITUDE = 13,
  CMD_REPAINT_REGION = 25,
};

/* QWSLock::up on the client's set (the server side of QWSLock::unlock(Communication) and of
 * QWSLock::lock(RegionEvent)). */
static void
lock_up (gint lock_id, gushort semnum)
{
  struct sembuf op = { semnum, 1, 0 };

  if (lock_id < 0)
    return;
  if (semop (lock_id, &op, 1) == -1)
    g_message ("QWSLock %d semaphore %u: semop: %s (client gone?)", lock_id, semnum,
               g_strerror (errno));
}

static gint32
fixed_i32 (const QcopWireItem *item, gsize index)
{
  gint32 v = 0;

  if ((index + 1) * 4 <= item->fixed_len)
    memcpy (&v, item->fixed + index * 4, 4);
  return v;
}

/* Region (QWSRegionCommand: windowid, surfacekeylength, surfacedatalength, nrectangles; raw =
 * rectangles, key, data): grant the rectangles, clipped to the screen. */
static void
grant_region (gint lock_id, const QcopWireItem *item, const gint32 screen[4], GByteArray *out)
{
  gint32 window = fixed_i32 (item, 0);
  gint32 n = fixed_i32 (item, 3);
  gsize len = 0;
  const guint8 *raw = item->data ? g_bytes_get_data (item->data, &len) : NULL;
  g_autofree gint32 *rects = NULL;
  gsize kept = 0;

  if (n < 0 || (gsize)n > len / 16)
    {
      g_message ("Region command for window %d: %d rectangles in %" G_GSIZE_FORMAT
                 " raw bytes, granting nothing",
                 window, n, len);
      n = 0;
    }
  rects = g_new (gint32, (gsize)n * 4 + 4);
  for (gint32 i = 0; i < n; i++)
    {
      gint32 r[4];

      memcpy (r, raw + (gsize)i * 16, 16);
      r[0] = MAX (r[0], screen[0]);
      r[1] = MAX (r[1], screen[1]);
      r[2] = MIN (r[2], screen[2]);
      r[3] = MIN (r[3], screen[3]);
      if (r[0] <= r[2] && r[1] <= r[3])
        memcpy (rects + 4 * kept++, r, sizeof r);
    }
  lock_up (lock_id, LOCK_REGION_EVENT);
  qcop_wire_encode_region_event (out, window, rects, kept);
}

void
qcop_qws_window_command (gint lock_id, const QcopWireItem *item, const gint32 screen[4],
                         GByteArray *out)
{
  g_return_if_fail (item != NULL && screen != NULL && out != NULL);

  switch (item->type)
    {
      case CMD_REGION:
        grant_region (lock_id, item, screen, out);
        lock_up (lock_id, LOCK_COMMUNICATION);
        break;
      case CMD_REGION_MOVE:
      case CMD_CHANGE_ALTITUDE:
      case CMD_REPAINT_REGION:
        lock_up (lock_id, LOCK_COMMUNICATION);
        break;
      default:
        break; /* nothing a client waits for */
    }
}
