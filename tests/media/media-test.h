/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the media suites and bench-media: a head-end for one test, event recorders. */

#include <glib.h>

#include "stb-player.h"
#include "stbsim-proc.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *dir; /* private temp dir (lineup, run dir, logs, snapshots) */
  StbsimProc *proc;
  gchar *rtsp;   /* rtsp://127.0.0.1:PORT/vod/ */
  gchar *lineup; /* resolved lineup written by the head-end */
} MediaHeadend;

/* Write a lineup with @n_channels live channels (GOP @gop_ms) and one VOD asset "clip"
 * (@vod_ms long, GOP 1 s) into @dir; returns its path (transfer full). */
gchar *media_test_write_lineup (const gchar *dir, guint n_channels, guint gop_ms, guint vod_ms);
/* Start stb-headend (unicast, or multicast inside @netns when non-NULL) for @lineup_path
 * and wait (bounded) for READY; the error carries its log. */
MediaHeadend *media_headend_start (const gchar *dir, const gchar *lineup_path, const gchar *netns,
                                   GError **error);
/* The same with more stb-headend arguments (NULL-terminated, e.g. "--no-fcc"). */
MediaHeadend *media_headend_start_args (const gchar *dir, const gchar *lineup_path,
                                        const gchar *netns, const gchar *const *extra,
                                        GError **error);
/* A fresh private temp dir (no libcheck: usable from benchmarks). */
gchar *media_test_mkdtemp (const gchar *prefix);
/* SIGTERM it (bounded) and free; returns the wait status (-1 = had to be killed). */
gint media_headend_stop (MediaHeadend *he);

/* Run the default main context for @ms (a fixed scenario duration, not synchronisation). */
void media_test_run_for (guint ms);
/* Count entries of /proc/self/fd and /proc/self/task. */
guint media_test_count_fds (void);
guint media_test_count_threads (void);
/* "fd->target ..." for messages (transfer full). */
gchar *media_test_fd_list (void);

/* Does this process hold a UDP socket bound to @port (/proc/self/net/udp, matched to our fds
 * by socket inode)? Passive: nothing is bound to find out. */
gboolean media_test_udp_port_bound (guint16 port);
/* Is @group (dotted quad) joined on some interface, per /proc/self/net/igmp? */
gboolean media_test_igmp_joined (const gchar *group);
/* Wait (bounded) until @path contains @text; FALSE after @timeout_ms. */
gboolean media_test_wait_log (const gchar *path, const gchar *text, guint timeout_ms);

/* Network namespaces (root only): create / delete by name; enter in this thread. */
gboolean media_netns_add (const gchar *name, GError **error);
void media_netns_del (const gchar *name);
gboolean media_netns_enter (const gchar *name, GError **error);

/* ---- libcheck fixture: a head-end and a player for one test ------------------------------ */

typedef struct
{
  gchar *dir; /* the test's temp dir, made by the first start */
  MediaHeadend *he;
  StbPlayer *player;
  guint frames; /* first_frame callbacks so far */
  gchar *last_what;
  gint64 last_t_ns;
  guint errors; /* error callbacks so far */
  gchar *netns; /* deleted at teardown when set */
} MediaFixture;

/* Start a head-end in @fx->dir (made with @prefix first): 2 live channels of GOP @gop_ms, a
 * VOD clip of @vod_ms, @extra stb-headend arguments (nullable), multicast inside @netns
 * (nullable); then a player as @cfg (nullable) with the head-end's lineup, VOD server and
 * the dir for snapshots where @cfg leaves them NULL. Fails the test on error. */
void media_fixture_start (MediaFixture *fx, const gchar *prefix, const gchar *netns, guint gop_ms,
                          guint vod_ms, const gchar *const *extra, const StbPlayerConfig *cfg);
/* Replace the player by one configured as @cfg (NULL fields filled in as above). */
void media_fixture_new_player (MediaFixture *fx, const StbPlayerConfig *cfg);
/* Free the player, stop the head-end. */
void media_fixture_stop (MediaFixture *fx);
/* Stop, delete the namespace and the dir (kept with $MEDIA_TEST_KEEP), clear the counters. */
void media_fixture_teardown (MediaFixture *fx);
/* Wait (bounded) for the next first-frame report and check it was for @what ("live:1"). */
void media_fixture_expect_first_frame (MediaFixture *fx, const gchar *what);

G_END_DECLS
