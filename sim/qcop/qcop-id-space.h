/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The QWS object id space of a server: client ids and object ids (Create -> Creation) come
 * from one space, as in Qt 4.8's get_object_id(), so no two live owners ever hold the same id.
 * Qt's counter only grows (a signed int from 1000: 65,535 Create commands of 32,768 overflow
 * it and hand a new client a live client's id). Here every allocation is a range owned by
 * someone; ranges are freed with their owner; the cursor moves forward like Qt's counter
 * (ids are not reused while unused ones remain) and, at the end of the wire format's int32,
 * wraps to the first id, skipping ranges still live. An allocation that finds no free range
 * fails. Cost: O(log ranges) per allocation, plus one step per live range skipped.
 */

#include <glib.h>

G_BEGIN_DECLS

#define QCOP_ID_SPACE_FIRST 1000 /* Qt's get_object_id() starts here */
#define QCOP_ID_SPACE_LAST G_MAXINT32

typedef struct _QcopIdSpace QcopIdSpace;

/* Ids from @first to @last inclusive (first >= 1, first <= last). (transfer full) */
QcopIdSpace *qcop_id_space_new (gint32 first, gint32 last);
void qcop_id_space_free (QcopIdSpace *space);

/* Allocate @count (>= 1) consecutive ids for @owner; returns the first, or -1 when no free
 * range of @count ids exists. A range that directly follows @owner's previous one is merged
 * with it (a client's successive Create commands cost one range). */
gint32 qcop_id_space_alloc (QcopIdSpace *space, gint32 count, gpointer owner);
/* Free every range of @owner: O(ranges of @owner * log ranges). */
void qcop_id_space_release (QcopIdSpace *space, gpointer owner);
/* Is @id held by a live owner? Returns the owner or NULL. */
gpointer qcop_id_space_owner (QcopIdSpace *space, gint32 id);
/* How many ids @owner holds. */
guint64 qcop_id_space_count (QcopIdSpace *space, gpointer owner);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QcopIdSpace, qcop_id_space_free)

G_END_DECLS
