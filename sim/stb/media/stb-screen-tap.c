/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-screen-tap"

#include "stb-screen-tap.h"

#include <gst/app/gstappsink.h>

#define TAP_NAME "screentap"

struct _StbScreenTap
{
  guint max_fps;
  StbScreenTapFunc func;
  gpointer user_data;
  GMainContext *context;
  GMutex lock;
  GstSample *pending; /* newest frame not yet handed over (under lock) */
  GSource *idle;      /* the hand-over scheduled (under lock) */
  guint generation;   /* bumped by detach: a stale appsink's frames are dropped */
};

static gboolean
on_idle (gpointer data)
{
  StbScreenTap *self = data;
  g_mutex_lock (&self->lock);
  GstSample *sample = g_steal_pointer (&self->pending);
  g_clear_pointer (&self->idle, g_source_unref);
  g_mutex_unlock (&self->lock);
  if (sample != NULL)
    {
      self->func (sample, self->user_data);
      gst_sample_unref (sample);
    }
  return G_SOURCE_REMOVE;
}

/* streaming thread: keep the newest frame, schedule one hand-over */
static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer data)
{
  StbScreenTap *self = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  guint generation = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sink), "stb-generation"));
  if (sample == NULL)
    return GST_FLOW_OK;
  g_mutex_lock (&self->lock);
  if (generation != self->generation)
    {
      g_mutex_unlock (&self->lock);
      gst_sample_unref (sample);
      return GST_FLOW_OK;
    }
  if (self->pending != NULL)
    gst_sample_unref (self->pending);
  self->pending = sample;
  if (self->idle == NULL)
    {
      self->idle = g_idle_source_new ();
      g_source_set_priority (self->idle, G_PRIORITY_LOW);
      g_source_set_callback (self->idle, on_idle, self, NULL);
      g_source_attach (self->idle, self->context);
    }
  g_mutex_unlock (&self->lock);
  return GST_FLOW_OK;
}

StbScreenTap *
stb_screen_tap_new (guint max_fps, StbScreenTapFunc func, gpointer user_data)
{
  g_return_val_if_fail (max_fps > 0 && func != NULL, NULL);
  StbScreenTap *self = g_new0 (StbScreenTap, 1);
  self->max_fps = max_fps;
  self->func = func;
  self->user_data = user_data;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  /* loaded now, not on the main loop at the first play */
  static const gchar *const elements[] = { "tee", "queue", "videorate", "videoconvert", "appsink" };
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      g_autoptr (GstElementFactory) f = gst_element_factory_find (elements[i]);
      g_autoptr (GstPluginFeature) loaded
          = f ? gst_plugin_feature_load (GST_PLUGIN_FEATURE (f)) : NULL;
      if (loaded == NULL)
        g_message ("screen tap: element %s missing: no picture on the screen", elements[i]);
    }
  return self;
}

void
stb_screen_tap_detach (StbScreenTap *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->generation++;
  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  g_clear_pointer (&self->pending, gst_sample_unref);
  g_mutex_unlock (&self->lock);
}

void
stb_screen_tap_free (StbScreenTap *self)
{
  if (self == NULL)
    return;
  stb_screen_tap_detach (self);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self);
}

gchar *
stb_screen_tap_wrap_sink (StbScreenTap *self, const gchar *sink)
{
  if (self == NULL)
    return g_strdup (sink);
  /* the first branch has no queue: the picture path keeps its own timing (the tee pushes to
   * it first, in the decoder's thread); the tap's queue never blocks (leaky) */
  return g_strdup_printf ("tee name=" TAP_NAME "tee ! %s " TAP_NAME "tee."
                          " ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0"
                          " max-size-time=0 ! videorate drop-only=true max-rate=%u"
                          " ! videoconvert ! video/x-raw,format=BGRx"
                          " ! appsink name=" TAP_NAME " sync=false async=false max-buffers=1"
                          " drop=true enable-last-sample=false",
                          sink, self->max_fps);
}

void
stb_screen_tap_attach (StbScreenTap *self, GstElement *pipeline)
{
  if (self == NULL || pipeline == NULL)
    return;
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), TAP_NAME);
  if (sink == NULL)
    {
      g_warning ("screen tap: the pipeline has no %s element", TAP_NAME);
      return;
    }
  GstAppSinkCallbacks cb = { .new_sample = on_new_sample };
  g_mutex_lock (&self->lock);
  g_object_set_data (G_OBJECT (sink), "stb-generation", GUINT_TO_POINTER (self->generation));
  g_mutex_unlock (&self->lock);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, self, NULL);
}
