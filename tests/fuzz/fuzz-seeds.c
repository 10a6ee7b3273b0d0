/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "fuzz-seeds"

/*
 * Writes the binary seed corpora (the unit tests' values, encoded by our own encoders) into
 * tests/fuzz/corpus/: qcop-datastream, qcop-wire, stb-protocol, stb-agent. The text corpora
 * are copies of fixtures and test lines. Run by hand when a format changes:
 *   build/check/tests/fuzz/fuzz-seeds tests/fuzz/corpus
 */

#include <glib/gstdio.h>

#include "qcop-datastream.h"
#include "qcop-wire.h"
#include "stb-agent.h"
#include "stb-dialect.h"
#include "stb-protocol.h"

static void
put (const gchar *root, const gchar *target, const gchar *name, const guint8 *data, gsize len)
{
  g_autofree gchar *dir = g_build_filename (root, target, NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  if (!g_file_set_contents (path, (const gchar *)data, (gssize)len, NULL))
    g_error ("cannot write %s", path);
}

static void
put_ds (const gchar *root, guint8 kind, const gchar *name, GByteArray *payload)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, &kind, 1);
  g_byte_array_append (b, payload->data, payload->len);
  put (root, "qcop-datastream", name, b->data, b->len);
  g_byte_array_set_size (payload, 0);
}

static void
datastream (const gchar *root)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  qcop_ds_write_int32 (p, -2);
  qcop_ds_write_int32 (p, 70000);
  put_ds (root, 2, "int32", p);
  qcop_ds_write_uint64 (p, G_MAXUINT64);
  put_ds (root, 7, "uint64", p);
  qcop_ds_write_double (p, 1.5);
  put_ds (root, 9, "double", p);
  qcop_ds_write_string (p, "STBSim/Switch");
  qcop_ds_write_string (p, NULL);
  qcop_ds_write_string (p, "\xe4\xb8\xad\xf0\x9f\x98\x80");
  put_ds (root, 11, "string", p);
  const guint8 raw[] = { 1, 2, 3, 0, 255 };
  qcop_ds_write_bytes (p, raw, sizeof raw);
  put_ds (root, 12, "bytes", p);
  const gchar *const list[] = { "a", "", "ccc", NULL };
  qcop_ds_write_string_list (p, list);
  put_ds (root, 13, "stringlist", p);
  g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_int32 (7));
  qcop_ds_write_variant (p, v);
  g_autoptr (GVariant) s = g_variant_ref_sink (g_variant_new_string ("x"));
  qcop_ds_write_variant (p, s);
  put_ds (root, 14, "variant", p);
  g_autoptr (GVariant) map = g_variant_ref_sink (
      g_variant_new_parsed ("{'page': <'main'>, 'n': <int32 3>, 'ok': <true>}"));
  qcop_ds_write_variant_map (p, map);
  put_ds (root, 16, "map", p);
  g_autoptr (GVariant) av
      = g_variant_ref_sink (g_variant_new_parsed ("[<'a'>, <int32 1>, <2.5>, <['x', 'y']>]"));
  qcop_ds_write_variant_list (p, av);
  put_ds (root, 15, "list", p);
}

static void
wire (const gchar *root)
{
  g_autoptr (GByteArray) c = g_byte_array_new ();
  const guint8 data[] = { 0, 0, 0, 1, 0, 0, 0, 4 };
  qcop_wire_encode_create (c, 1);
  qcop_wire_encode_identify (c, "stb-iptv", 0, NULL);
  qcop_wire_encode_register_channel (c, "STBSim/Switch", NULL);
  qcop_wire_encode_send (c, "STBSim/Switch", "switch(QByteArray)", data, sizeof data, NULL);
  put (root, "qcop-wire", "commands", c->data, c->len);
  g_byte_array_set_size (c, 0);
  qcop_wire_encode_shutdown (c);
  put (root, "qcop-wire", "shutdown", c->data, c->len);
  g_autoptr (GByteArray) e = g_byte_array_new ();
  const gint32 rect[4] = { 0, 0, 640, 480 };
  qcop_wire_encode_connected (e, 1000, "QWS:0", NULL);
  qcop_wire_encode_max_window_rect (e, 0, rect);
  qcop_wire_encode_creation (e, 65536, 1);
  qcop_wire_encode_qcop_message (e, FALSE, "STBSim/Switch", "switch(QByteArray)", data, sizeof data,
                                 NULL);
  put (root, "qcop-wire", "events", e->data, e->len);
}

static void
protocol_and_agent (const gchar *root)
{
  g_autoptr (StbDialect) d = stb_dialect_new_default ();
  for (gint p = 0; p < STB_SWITCH_PARAM_COUNT; p++)
    {
      g_autoptr (GBytes) b = stb_protocol_encode_param (d, p);
      gsize len;
      const guint8 *raw = g_bytes_get_data (b, &len);
      put (root, "stb-protocol", stb_switch_param_to_string (p), raw, len);
    }
  StbSwitchMessage m = { .type = STB_SWITCH_TYPE_VOIP_TO_IPTV,
                         .param = STB_SWITCH_PARAM_RESUME_IPTV,
                         .has_sequence = TRUE,
                         .sequence = 42,
                         .context = (gchar *)"call-1" };
  g_autoptr (GBytes) t = stb_protocol_encode (d, &m);
  gsize len;
  const guint8 *raw = g_bytes_get_data (t, &len);
  put (root, "stb-protocol", "with-trailer", raw, len);
  g_autoptr (GBytes) ev = stb_agent_encode_event (123456789, "voip", "voip.page", "page=main");
  raw = g_bytes_get_data (ev, &len);
  put (root, "stb-agent", "event", raw, len);
  g_autoptr (GBytes) ev2
      = stb_agent_encode_event (-1, "iptv", "iptv.state", "state=playing;uri=rtp%3B//x");
  raw = g_bytes_get_data (ev2, &len);
  put (root, "stb-agent", "event-escaped", raw, len);
  g_autoptr (GBytes) key = stb_agent_encode_key ("ok");
  raw = g_bytes_get_data (key, &len);
  put (root, "stb-agent", "key", raw, len);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    g_error ("usage: fuzz-seeds CORPUS_DIR");
  datastream (argv[1]);
  wire (argv[1]);
  protocol_and_agent (argv[1]);
  return 0;
}
