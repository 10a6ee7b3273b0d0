/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Private helpers shared by the player and the call media: a first-frame probe on a
 * decoder's src pad (timestamped on the streaming thread, reported on the main loop) and
 * PNG snapshots from a sink's last sample.
 */

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _StbMediaProbe StbMediaProbe;
typedef void (*StbMediaProbeFunc) (StbMediaProbe *probe, gint64 t_ns, gpointer user_data);

/* Watch @pad; @func runs on @context once per arm, with the CLOCK_MONOTONIC time (ns) at
 * which the first buffer after arming left the pad. (transfer full) */
StbMediaProbe *stb_media_probe_new (GstPad *pad, GMainContext *context, StbMediaProbeFunc func,
                                    gpointer user_data);
/* Report the next buffer; with @after_flush only one that follows a FLUSH_STOP (a seek).
 * Re-arming drops a report of the previous arm that has not run yet. */
void stb_media_probe_arm (StbMediaProbe *probe, gboolean after_flush);
void stb_media_probe_disarm (StbMediaProbe *probe);
/* Removes the probe; a report still queued for the main loop is dropped. */
void stb_media_probe_free (StbMediaProbe *probe);

/* gst-launch description of the video sink, named "vsink", clock-synced: a real window when
 * @display and a display ($DISPLAY / $WAYLAND_DISPLAY) exists, else a fakesink. */
const gchar *stb_media_video_sink (gboolean display);

/* Load, now, the plugins of every element of the gst-launch @description (parsed, never
 * started) and of the @extra factory names (elements that bins such as rtspsrc create while
 * they run), so that a later gst_parse_launch() on the main loop does not dlopen them: a
 * first libav load takes ~1 s on a busy machine, and a module's main loop blocked that long
 * sends its events late (SPEC SW-EVT-03). Before the module is ready, not on a thread while
 * it is: a runner presses keys right after READY, and a first play then waited for the
 * thread's libav load just the same (1.5-2.7 s late events at load average 25, measured).
 * Failures are not errors: the element then loads when it is first used, as before. */
void stb_media_preload (const gchar *description, const gchar *const *extra);

/* Write the last picture @sink rendered (it or a child needs `last-sample`) to @path. */
gboolean stb_media_snapshot_png (GstElement *sink, const gchar *path, GError **error);
/* Write the last picture of @pipeline's "vsink" (NULL @pipeline: nothing playing) to
 * @snapshot_dir/@name.png; no @snapshot_dir is an @error_domain/@error_code error. */
gboolean stb_media_snapshot_named (GstElement *pipeline, const gchar *snapshot_dir,
                                   const gchar *name, GQuark error_domain, gint error_code,
                                   GError **error);

G_END_DECLS
