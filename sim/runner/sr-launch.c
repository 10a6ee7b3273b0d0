/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-launch"

#include "sr-launch.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "sr-dut.h"
#include "sr-netns.h"
#include "sr-ports.h"

typedef void (*AddArgsFunc) (SrTest *test, SrStation *station, GPtrArray *argv);

typedef struct
{
  const gchar *name;   /* without a station prefix */
  const gchar *binary; /* relative to the build root, or a PATH name */
  gboolean in_build;
  gboolean ready_fd;
  AddArgsFunc add_args;
  gint dut_role;       /* -1: cannot be replaced by a vendor binary */
  gboolean of_station; /* server, iptv, voip: one per station */
} ComponentType;

static void
add (GPtrArray *argv, const gchar *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static void
server_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
  if (sr_station_display (st) >= 0) /* a Qt GUI DUT: Qt's display N, virtual screen */
    {
      add (argv, "--display");
      g_ptr_array_add (argv, g_strdup_printf ("%d", sr_station_display (st)));
    }
  else
    {
      add (argv, "--socket");
      add (argv, sr_station_socket (st));
    }
  add (argv, "--trace");
  add (argv, sr_station_trace (st));
}

static void
module_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
  add (argv, "--qcop-socket");
  add (argv, sr_station_socket (st));
  add (argv, "--layout");
  add (argv, stb_layout_to_string (test->layout));
  add (argv, "--dialect");
  add (argv, test->dialect_path);
}

static void
iptv_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
  module_args (test, st, argv);
  /* with a head-end in the test, play its streams (its resolved lineup and RTSP base) */
  g_autofree gchar *lineup = sr_test_ready_value (test, "headend", "lineup");
  g_autofree gchar *rtsp = sr_test_ready_value (test, "headend", "rtsp");
  if (lineup)
    {
      add (argv, "--lineup");
      add (argv, lineup);
    }
  if (rtsp)
    {
      add (argv, "--vod-base-uri");
      add (argv, rtsp);
    }
  if (test->no_fcc) /* `stbsim bench --compare-no-fcc`: the plain join, for comparison */
    add (argv, "--no-fcc");
}

/* The VoIP module plays the far end itself in injection mode (SPEC §12.3, ICS `inject`);
 * with an IMS core it registers as its station's user (fixtures/subscribers.csv). A far-end
 * station injects whenever the test has no IMS core. */
static void
voip_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
  module_args (test, st, argv);
  g_autofree gchar *sip = sr_test_ready_value (test, "ims", "sip");
  if (sr_station_index (st) == 1 ? test->injection : sip == NULL)
    {
      add (argv, "--inject");
      return;
    }
  g_autofree gchar *domain = sr_test_ready_value (test, "ims", "domain");
  if (sip == NULL)
    return;
  add (argv, "--sip-proxy");
  g_ptr_array_add (argv, g_strdup_printf ("sip:%s", sip));
  add (argv, "--sip-user");
  add (argv, sr_station_sip_user (st));
  add (argv, "--sip-password");
  add (argv, sr_station_sip_password (st));
  add (argv, "--sip-domain");
  add (argv, domain ? domain : "ims.test");
}

static void
headend_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
  add (argv, "--lineup");
  g_ptr_array_add (argv,
                   g_build_filename (test->config->source_root, "fixtures", "lineup.ini", NULL));
  add (argv, "--run-dir");
  g_ptr_array_add (argv, g_build_filename (test->test_dir, "headend", NULL));
  /* loopback unicast on free ports: no namespace needed, runs never collide */
  add (argv, "--unicast");
  add (argv, "--live-port-base");
  add (argv, "0");
  add (argv, "--rtsp-port");
  add (argv, "0");
}

static void
ims_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
  add (argv, "--run-dir");
  g_ptr_array_add (argv, g_build_filename (test->test_dir, "ims", NULL));
  if (test->config->ims_image != NULL) /* --ims container (stbsim.c) */
    {
      add (argv, "--container");
      add (argv, "--image");
      add (argv, test->config->ims_image);
    }
}

static void
no_args (SrTest *test, SrStation *st, GPtrArray *argv)
{
}

static const ComponentType component_types[] = {
  { "server", "sim/qcop/stb-qcopd", TRUE, TRUE, server_args, -1, TRUE },
  { "iptv", "sim/stb/iptv/stb-iptv", TRUE, TRUE, iptv_args, STB_ROLE_IPTV, TRUE },
  { "voip", "sim/stb/voip/stb-voip", TRUE, TRUE, voip_args, STB_ROLE_VOIP, TRUE },
  { "headend", "sim/headend/stb-headend", TRUE, TRUE, headend_args, -1, FALSE },
  { "ims", "sim/ims/stbsim-ims", TRUE, TRUE, ims_args, -1, FALSE },
  { "sipp", "sipp", FALSE, FALSE, no_args, -1, FALSE },
};

const gchar *const sr_component_names[]
    = { "server", "iptv", "voip", "headend", "ims", "sipp", "stb2", NULL };

/* @name is a component type, optionally with a station prefix ("stb2-voip") or an instance
 * ("sipp:second"). */
static const ComponentType *
lookup (const gchar *name, guint *station)
{
  const gchar *base = NULL;
  *station = sr_station_of_component (name, &base);
  if (*station == 0)
    base = name;
  gsize n = strcspn (base, ":");
  for (guint i = 0; i < G_N_ELEMENTS (component_types); i++)
    if (strlen (component_types[i].name) == n && strncmp (component_types[i].name, base, n) == 0)
      return &component_types[i];
  return NULL;
}

/* Component arguments may name what the test started: {ims} (host:port of the IMS core),
 * {domain}, {sipp} (the sipp scenario directory), {free_port} (a new free UDP port),
 * {far_port} (one free UDP port kept for the whole test: a far end that registers, then
 * answers on the same port), {stb_addr}. */
static gchar *
expand_placeholders (SrTest *test, const gchar *args)
{
  g_autoptr (GString) s = g_string_new (args);
  g_autofree gchar *ims = sr_test_ready_value (test, "ims", "sip");
  g_autofree gchar *domain = sr_test_ready_value (test, "ims", "domain");
  g_autofree gchar *sipp = g_build_filename (test->config->source_root, "sim", "ims", "sipp", NULL);
  g_autofree gchar *port = g_strdup_printf ("%u", sr_ports_pick (test->config));
  g_string_replace (s, "{ims}", ims ? ims : "127.0.0.1:5060", 0);
  g_string_replace (s, "{domain}", domain ? domain : "ims.test", 0);
  g_string_replace (s, "{sipp}", sipp, 0);
  g_string_replace (s, "{free_port}", port, 0);
  g_autofree gchar *stb_addr = sr_netns_stb_addr (test); /* 127.0.0.1, or the netns STB side */
  g_string_replace (s, "{stb_addr}", stb_addr, 0);
  if (strstr (args, "{far_port}") != NULL && test->far_port == 0)
    test->far_port = sr_ports_pick (test->config);
  g_autofree gchar *far = g_strdup_printf ("%u", test->far_port);
  g_string_replace (s, "{far_port}", far, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Placeholder values of the DUT command templates (sr-dut.h) in this test. */
static GHashTable *
dut_values (SrTest *test, SrStation *st)
{
  GHashTable *v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const SrConfig *cfg = test->config;
  g_hash_table_insert (v, "socket", g_strdup (sr_station_socket (st)));
  g_hash_table_insert (v, "layout", g_strdup (stb_layout_to_string (test->layout)));
  g_hash_table_insert (v, "dialect", g_strdup (test->dialect_path));
  g_hash_table_insert (v, "run_dir", g_strdup (test->test_dir));
  g_hash_table_insert (v, "ready_fd", g_strdup ("3"));
  if (sr_station_display (st) >= 0)
    g_hash_table_insert (v, "display", g_strdup_printf ("%d", sr_station_display (st)));
  gchar *lineup = sr_test_ready_value (test, "headend", "lineup");
  gchar *rtsp = sr_test_ready_value (test, "headend", "rtsp");
  if (lineup)
    g_hash_table_insert (v, "lineup", lineup);
  if (rtsp)
    g_hash_table_insert (v, "vod_base", rtsp);
  gchar *sip = sr_test_ready_value (test, "ims", "sip");
  if (sip != NULL && !test->injection)
    {
      gchar *domain = sr_test_ready_value (test, "ims", "domain");
      g_hash_table_insert (v, "registrar", sip);
      g_hash_table_insert (v, "domain", domain ? domain : g_strdup ("ims.test"));
      g_hash_table_insert (v, "user", g_strdup (sr_station_sip_user (st)));
      g_hash_table_insert (v, "password", g_strdup (sr_station_sip_password (st)));
    }
  else
    g_free (sip);
  static const gchar *const timers[] = { "t_dialog_ms", "t_show_ms", "t_alert_ms" };
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    {
      gchar *t = sr_dut_ics_value (cfg->dut_ics, timers[i], NULL);
      if (t)
        g_hash_table_insert (v, (gpointer)timers[i], t);
    }
  return v;
}

/* The DUT's command template for @role in this test, NULL when the reference module plays it. */
static const gchar *
dut_command (SrTest *test, gint role, GError **error)
{
  const SrConfig *cfg = test->config;
  if (role == STB_ROLE_IPTV)
    return cfg->dut_iptv;
  if (role != STB_ROLE_VOIP)
    return NULL;
  if (test->injection && cfg->dut_voip_inject)
    return cfg->dut_voip_inject;
  if (test->injection && cfg->dut_voip == NULL && cfg->dut_ics_roles
      && g_strv_contains ((const gchar *const *)cfg->dut_ics_roles, "voip"))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "the DUT's ICS has no [ixit] voip_inject_command: this test runs in inject "
                   "mode (declare voip.inject=no so it is not applicable, or give the command)");
      return NULL;
    }
  return cfg->dut_voip;
}

static gchar *
log_path (SrTest *test, const gchar *name)
{
  g_autofree gchar *file = g_strdelimit (g_strdup (name), ":", '-');
  return g_strdup_printf ("%s/%s.log", test->logs_dir, file);
}

SrComponent *
sr_launch_component (SrTest *test, SrStation *station, const gchar *name, const gchar *extra_args,
                     GError **error)
{
  guint index;
  const ComponentType *type = lookup (name, &index);
  if (type == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "unknown component '%s' (server, iptv, voip, headend, ims, sipp, stb2)", name);
      return NULL;
    }
  if (type->of_station && (station == NULL || sr_station_index (station) != index))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "component '%s': its STB is not started%s", name,
                   index == 2 ? " (`start, component=stb2`)" : "");
      return NULL;
    }
  g_autofree gchar *log = log_path (test, name);
  /* only station 1 is the STB under test: the DUT plays its roles, never the far end's */
  if (index == 1)
    {
      g_autoptr (GError) dut_error = NULL;
      const gchar *dut = dut_command (test, type->dut_role, &dut_error);
      if (dut_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&dut_error));
          return NULL;
        }
      if (dut != NULL)
        {
          g_autoptr (GHashTable) values = dut_values (test, station);
          gboolean ready_fd = FALSE;
          gchar **argv = sr_dut_expand (dut, values, &ready_fd, error);
          if (argv == NULL)
            return NULL;
          sr_dut_resolve_binary (argv, test->config->build_root);
          SrComponent *comp = sr_component_new (name, argv, log, ready_fd);
          comp->is_dut = TRUE;
          comp->dut_template = g_strdup (dut);
          return comp;
        }
    }
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  if (type->in_build)
    g_ptr_array_add (argv, g_build_filename (test->config->build_root, type->binary, NULL));
  else
    add (argv, type->binary);
  if (type->in_build && !g_file_test (g_ptr_array_index (argv, 0), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "component '%s': %s is not built (run `meson compile -C %s`)", name,
                   (const gchar *)g_ptr_array_index (argv, 0), test->config->build_root);
      return NULL;
    }
  type->add_args (test, station, argv);
  if (extra_args && *extra_args)
    {
      g_auto (GStrv) extra = NULL;
      g_autofree gchar *expanded = expand_placeholders (test, extra_args);
      if (!g_shell_parse_argv (expanded, NULL, &extra, error))
        return NULL;
      for (guint i = 0; extra[i]; i++)
        add (argv, extra[i]);
    }
  if (g_str_equal (type->name, "ims")) /* stbsim -j: a port of the child's range */
    sr_ports_add_ims_port (test->config, argv);
  if (!sr_netns_adjust_argv (test, name, argv, error))
    return NULL;
  g_ptr_array_add (argv, NULL);
  SrComponent *comp = sr_component_new (
      name, (gchar **)g_ptr_array_free (g_steal_pointer (&argv), FALSE), log, type->ready_fd);
  /* a server of a display holds SysV IPC objects that outlive it when killed: if the runner
   * dies, it gets SIGTERM (and removes them) instead of SIGKILL */
  if (g_str_equal (type->name, "server") && sr_station_display (station) >= 0)
    comp->death_signal = SIGTERM;
  return comp;
}
