/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "stb-media"

#include "stb-media-probe.h"

#include "stbsim-proc.h"

#include <gio/gio.h>
#include <gst/video/video.h>

enum
{
  PROBE_OFF,
  PROBE_ARMED,
  PROBE_WAIT_FLUSH,
};

struct _StbMediaProbe
{
  GstPad *pad;
  gulong probe_id;
  GMainContext *context;
  StbMediaProbeFunc func;
  gpointer user_data;
  gint state;      /* atomic: PROBE_* */
  gint generation; /* atomic: bumped by every arm */
  gboolean alive;  /* main loop only: FALSE once freed */
};

typedef struct
{
  StbMediaProbe *probe; /* a ref (rc box) */
  gint generation;
  gint64 t_ns;
} Report;

static void
probe_release (StbMediaProbe *self)
{
  g_clear_object (&self->pad);
  g_main_context_unref (self->context);
}

static gboolean
deliver (gpointer data)
{
  Report *r = data;
  StbMediaProbe *self = r->probe;

  if (self->alive && g_atomic_int_get (&self->generation) == r->generation)
    self->func (self, r->t_ns, self->user_data);
  return G_SOURCE_REMOVE;
}

static void
report_free (gpointer data)
{
  Report *r = data;
  g_atomic_rc_box_release_full (r->probe, (GDestroyNotify)probe_release);
  g_free (r);
}

static GstPadProbeReturn
on_pad_data (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  StbMediaProbe *self = data;
  Report *r;
  gint64 now;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_FLUSH)
    {
      if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_FLUSH_STOP)
        g_atomic_int_compare_and_exchange (&self->state, PROBE_WAIT_FLUSH, PROBE_ARMED);
      return GST_PAD_PROBE_OK;
    }
  now = stbsim_now_ns ();
  if (!g_atomic_int_compare_and_exchange (&self->state, PROBE_ARMED, PROBE_OFF))
    return GST_PAD_PROBE_OK;
  r = g_new0 (Report, 1);
  r->probe = g_atomic_rc_box_acquire (self);
  r->generation = g_atomic_int_get (&self->generation);
  r->t_ns = now;
  /* Always queue: g_main_context_invoke() would run deliver() right here, on the streaming
   * thread, whenever this thread can acquire the context (the global default context is every
   * thread's default, and the main thread releases it between manual iterations). The
   * callback then raced the main thread inside the QCOP client (ASan: use after free). */
  {
    GSource *idle = g_idle_source_new ();
    g_source_set_priority (idle, G_PRIORITY_DEFAULT);
    g_source_set_callback (idle, deliver, r, report_free);
    g_source_set_static_name (idle, "stb-media-probe deliver");
    g_source_attach (idle, self->context);
    g_source_unref (idle);
  }
  return GST_PAD_PROBE_OK;
}

StbMediaProbe *
stb_media_probe_new (GstPad *pad, GMainContext *context, StbMediaProbeFunc func, gpointer user_data)
{
  StbMediaProbe *self = g_atomic_rc_box_new0 (StbMediaProbe);

  self->pad = gst_object_ref (pad);
  self->context = g_main_context_ref (context);
  self->func = func;
  self->user_data = user_data;
  self->alive = TRUE;
  self->probe_id = gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_FLUSH, on_pad_data, self, NULL);
  return self;
}

void
stb_media_probe_arm (StbMediaProbe *self, gboolean after_flush)
{
  g_atomic_int_inc (&self->generation);
  g_atomic_int_set (&self->state, after_flush ? PROBE_WAIT_FLUSH : PROBE_ARMED);
}

void
stb_media_probe_disarm (StbMediaProbe *self)
{
  if (!self)
    return;
  g_atomic_int_inc (&self->generation);
  g_atomic_int_set (&self->state, PROBE_OFF);
}

void
stb_media_probe_free (StbMediaProbe *self)
{
  if (!self)
    return;
  stb_media_probe_disarm (self);
  self->alive = FALSE;
  gst_pad_remove_probe (self->pad, self->probe_id);
  g_atomic_rc_box_release_full (self, (GDestroyNotify)probe_release);
}

void
stb_media_preload (const gchar *description, const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) parsed = NULL;

  if (description)
    {
      parsed = gst_parse_launch (description, &error);
      if (parsed)
        gst_object_ref_sink (parsed); /* never started: freeing it only frees the elements */
      else
        g_message ("preloading media elements: %s", error ? error->message : "?");
    }
  for (guint i = 0; extra && extra[i]; i++)
    {
      g_autoptr (GstElementFactory) factory = gst_element_factory_find (extra[i]);
      g_autoptr (GstPluginFeature) loaded
          = factory ? gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory)) : NULL;

      if (!loaded)
        g_message ("preloading media element %s: not available", extra[i]);
    }
}

const gchar *
stb_media_video_sink (gboolean display)
{
  static gsize warned = 0;

  if (display && (g_getenv ("DISPLAY") || g_getenv ("WAYLAND_DISPLAY")))
    return "autovideosink name=vsink sync=true";
  if (display && g_once_init_enter (&warned))
    {
      g_message ("display requested but there is no $DISPLAY/$WAYLAND_DISPLAY: headless");
      g_once_init_leave (&warned, 1);
    }
  return "fakesink name=vsink sync=true enable-last-sample=true";
}

static GstSample *
find_last_sample (GstElement *sink)
{
  GstSample *sample = NULL;
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "last-sample"))
    {
      g_object_get (sink, "last-sample", &sample, NULL);
      return sample;
    }
  if (!GST_IS_BIN (sink))
    return NULL;
  it = gst_bin_iterate_recurse (GST_BIN (sink));
  while (!sample && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *child = g_value_get_object (&item);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "last-sample"))
        g_object_get (child, "last-sample", &sample, NULL);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return sample;
}

gboolean
stb_media_snapshot_png (GstElement *sink, const gchar *path, GError **error)
{
  g_autoptr (GstSample) sample = sink ? find_last_sample (sink) : NULL;
  g_autoptr (GstCaps) png = gst_caps_new_empty_simple ("image/png");
  g_autoptr (GstSample) image = NULL;
  GstMapInfo map;
  gboolean ok;

  if (!sample)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "snapshot %s: no picture yet (nothing playing, or no frame decoded)", path);
      return FALSE;
    }
  /* bounded: a loaded machine with ASan takes over 2 s to convert one frame now and then */
  image = gst_video_convert_sample (sample, png, 10 * GST_SECOND, error);
  if (!image)
    {
      g_prefix_error (error, "snapshot %s: ", path);
      return FALSE;
    }
  if (!gst_buffer_map (gst_sample_get_buffer (image), &map, GST_MAP_READ))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "snapshot %s: cannot map", path);
      return FALSE;
    }
  ok = g_file_set_contents (path, (const gchar *)map.data, (gssize)map.size, error);
  gst_buffer_unmap (gst_sample_get_buffer (image), &map);
  return ok;
}

gboolean
stb_media_snapshot_named (GstElement *pipeline, const gchar *snapshot_dir, const gchar *name,
                          GQuark error_domain, gint error_code, GError **error)
{
  g_autoptr (GstElement) sink = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;

  if (!snapshot_dir)
    {
      g_set_error (error, error_domain, error_code, "snapshot %s: no snapshot_dir configured",
                   name);
      return FALSE;
    }
  if (pipeline)
    sink = gst_bin_get_by_name (GST_BIN (pipeline), "vsink");
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (snapshot_dir, file, NULL);
  return stb_media_snapshot_png (sink, path, error);
}
