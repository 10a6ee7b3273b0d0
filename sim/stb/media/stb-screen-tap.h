/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A tap on a pipeline's decoded video for the on-screen picture (sim/stb/screen/): a tee in
 * front of the pipeline's video sink whose second branch, behind a leaky queue (it never
 * holds the picture path back), limits the rate to at most @max_fps and converts to BGRx
 * (cairo's RGB24 on a little-endian host) at the decoded size (the painter scales it to its
 * window) into an appsink that does not take part in preroll. A frame reaches the tap when
 * the video sink renders it (the tee feeds the sink first): what the screen shows is what the
 * sink shows, up to the pipeline's latency after the decoder. The newest frame is handed to @func
 * on the main context the tap was made on (at low priority: after switch messages and agent
 * events); frames that arrive meanwhile replace it.
 */

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _StbScreenTap StbScreenTap;

/* @sample: (transfer none) a BGRx frame. */
typedef void (*StbScreenTapFunc) (GstSample *sample, gpointer user_data);

StbScreenTap *stb_screen_tap_new (guint max_fps, StbScreenTapFunc func, gpointer user_data);
void stb_screen_tap_free (StbScreenTap *tap);

/* @sink (a gst-launch description of the video sink, e.g. "fakesink name=vsink") with the tap
 * in front of it. NULL @tap: @sink unchanged. (transfer full) */
gchar *stb_screen_tap_wrap_sink (StbScreenTap *tap, const gchar *sink);
/* Start handing over the frames of @pipeline (built from a wrapped sink). NULL-safe. */
void stb_screen_tap_attach (StbScreenTap *tap, GstElement *pipeline);
/* Forget the pipeline (call after it went to NULL): a frame still waiting is dropped. */
void stb_screen_tap_detach (StbScreenTap *tap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbScreenTap, stb_screen_tap_free)

G_END_DECLS
