/* SPDX-License-Identifier: MIT */
#pragma once

/* The head-end's view of fixtures/lineup.ini: live channels and VOD assets. */

#include <glib.h>

G_BEGIN_DECLS

#define HEADEND_ERROR (headend_error_quark ())
GQuark headend_error_quark (void);

typedef enum
{
  HEADEND_ERROR_LINEUP,
  HEADEND_ERROR_PIPELINE,
  HEADEND_ERROR_NETNS,
  HEADEND_ERROR_RTSP,
} HeadendError;

typedef struct
{
  guint number;
  gchar *name;
  gchar *pattern; /* videotestsrc pattern nick */
  guint gop_ms;
  gchar *group; /* multicast group */
  guint16 port;
  gchar *uri; /* resolved: udp://HOST:PORT (set by headend_lineup_resolve) */
} HeadendChannel;

typedef struct
{
  gchar *id;
  gchar *title;
  gchar *pattern;
  guint duration_ms;
  guint gop_ms;
} HeadendAsset;

typedef struct
{
  GKeyFile *keyfile;   /* the source, kept to write the resolved copy */
  GPtrArray *channels; /* HeadendChannel*, ascending number */
  GPtrArray *assets;   /* HeadendAsset* */
} HeadendLineup;

HeadendLineup *headend_lineup_load (const gchar *path, GError **error);
void headend_lineup_free (HeadendLineup *lineup);
/* Give every channel its uri: multicast group, or 127.0.0.1 when @unicast. @port_base >= 0
 * renumbers ports (base, base+2, ...); 0 picks free ports. */
gboolean headend_lineup_resolve (HeadendLineup *lineup, gboolean unicast, gint port_base,
                                 GError **error);
/* Write the source lineup plus `uri=` per channel and `[live] multicast_iface`. */
gboolean headend_lineup_write_resolved (HeadendLineup *lineup, const gchar *path,
                                        const gchar *multicast_iface, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeadendLineup, headend_lineup_free)

G_END_DECLS
