/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-component"

#include "sr-component.h"
#include "sr-dut.h"
#include "sr-netns.h"
#include "sr-parallel.h"
#include "sr-stb2.h"

#include <gio/gio.h>
#include <string.h>

typedef void (*AddArgsFunc) (SrRun *run, GPtrArray *argv);

typedef struct
{
  const gchar *name;
  const gchar *binary; /* relative to the build root, or a PATH name */
  gboolean in_build;
  gboolean ready_fd;
  AddArgsFunc add_args;
  gint dut_role; /* -1: cannot be replaced by a vendor binary */
} ComponentType;

static void
add (GPtrArray *argv, const gchar *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static void
server_args (SrRun *run, GPtrArray *argv)
{
  add (argv, "--socket");
  add (argv, run->socket_path);
  add (argv, "--trace");
  add (argv, run->trace_path);
}

static void module_args (SrRun *run, GPtrArray *argv);

gchar *
sr_component_ready_value (SrRun *run, const gchar *component, const gchar *key)
{
  SrComponent *c = g_hash_table_lookup (run->components, component);
  if (c == NULL || c->ready_line == NULL)
    return NULL;
  g_auto (GStrv) words = g_strsplit (c->ready_line, " ", -1);
  gsize klen = strlen (key);
  for (guint i = 0; words[i]; i++)
    if (strncmp (words[i], key, klen) == 0 && words[i][klen] == '=')
      return g_strdup (words[i] + klen + 1);
  return NULL;
}

void
sr_component_add_headend_args (SrRun *run, GPtrArray *argv)
{
  /* with a head-end in the run, play its streams (its resolved lineup and RTSP base) */
  g_autofree gchar *lineup = sr_component_ready_value (run, "headend", "lineup");
  g_autofree gchar *rtsp = sr_component_ready_value (run, "headend", "rtsp");
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
}

static void
iptv_args (SrRun *run, GPtrArray *argv)
{
  module_args (run, argv);
  sr_component_add_headend_args (run, argv);
}

static void
headend_args (SrRun *run, GPtrArray *argv)
{
  add (argv, "--lineup");
  g_ptr_array_add (argv,
                   g_build_filename (run->config->source_root, "fixtures", "lineup.ini", NULL));
  add (argv, "--run-dir");
  g_ptr_array_add (argv, g_build_filename (run->test_dir, "headend", NULL));
  /* loopback unicast on free ports: no namespace needed, runs never collide */
  add (argv, "--unicast");
  add (argv, "--live-port-base");
  add (argv, "0");
  add (argv, "--rtsp-port");
  add (argv, "0");
}

static void
module_args (SrRun *run, GPtrArray *argv)
{
  add (argv, "--qcop-socket");
  add (argv, run->socket_path);
  add (argv, "--layout");
  add (argv, stb_layout_to_string (run->layout));
  add (argv, "--dialect");
  add (argv, run->dialect_path);
}

/* The VoIP module plays the far end itself in injection mode (SPEC §12.3, ICS `inject`). */
static void
voip_args (SrRun *run, GPtrArray *argv)
{
  module_args (run, argv);
  if (run->injection)
    {
      add (argv, "--inject");
      return;
    }
  /* SIP: register as stb1 at the run's IMS core (fixtures/subscribers.csv) */
  g_autofree gchar *sip = sr_component_ready_value (run, "ims", "sip");
  g_autofree gchar *domain = sr_component_ready_value (run, "ims", "domain");
  if (sip != NULL)
    {
      add (argv, "--sip-proxy");
      g_ptr_array_add (argv, g_strdup_printf ("sip:%s", sip));
      add (argv, "--sip-user");
      add (argv, "stb1");
      add (argv, "--sip-password");
      add (argv, "stb1-secret");
      add (argv, "--sip-domain");
      add (argv, domain ? domain : "ims.test");
    }
}

static void
ims_args (SrRun *run, GPtrArray *argv)
{
  add (argv, "--run-dir");
  g_ptr_array_add (argv, g_build_filename (run->test_dir, "ims", NULL));
  if (run->config->ims_image != NULL) /* --ims container (stbsim.c) */
    {
      add (argv, "--container");
      add (argv, "--image");
      add (argv, run->config->ims_image);
    }
}

static void
no_args (SrRun *run, GPtrArray *argv)
{
}

/* Component arguments may name what the run started: {ims} (host:port of the IMS core),
 * {domain}, {sipp} (the sipp scenario directory), {free_port} (a new free UDP port),
 * {far_port} (one free UDP port kept for the whole test: a far end that registers, then
 * answers on the same port). */
static gchar *
expand_placeholders (SrRun *run, const gchar *args)
{
  g_autoptr (GString) s = g_string_new (args);
  g_autofree gchar *ims = sr_component_ready_value (run, "ims", "sip");
  g_autofree gchar *domain = sr_component_ready_value (run, "ims", "domain");
  g_autofree gchar *sipp = g_build_filename (run->config->source_root, "sim", "ims", "sipp", NULL);
  g_autofree gchar *port = g_strdup_printf ("%u", sr_ports_pick (run->config));
  g_string_replace (s, "{ims}", ims ? ims : "127.0.0.1:5060", 0);
  g_string_replace (s, "{domain}", domain ? domain : "ims.test", 0);
  g_string_replace (s, "{sipp}", sipp, 0);
  g_string_replace (s, "{free_port}", port, 0);
  g_autofree gchar *stb_addr = sr_netns_stb_addr (run); /* 127.0.0.1, or the netns STB side */
  g_string_replace (s, "{stb_addr}", stb_addr, 0);
  if (strstr (args, "{far_port}") != NULL && run->far_port == 0)
    run->far_port = sr_ports_pick (run->config);
  g_autofree gchar *far = g_strdup_printf ("%u", run->far_port);
  g_string_replace (s, "{far_port}", far, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const ComponentType component_types[] = {
  { "server", "sim/qcop/stb-qcopd", TRUE, TRUE, server_args, -1 },
  { "iptv", "sim/stb/iptv/stb-iptv", TRUE, TRUE, iptv_args, STB_ROLE_IPTV },
  { "voip", "sim/stb/voip/stb-voip", TRUE, TRUE, voip_args, STB_ROLE_VOIP },
  { "headend", "sim/headend/stb-headend", TRUE, TRUE, headend_args, -1 },
  { "ims", "sim/ims/stbsim-ims", TRUE, TRUE, ims_args, -1 },
  { "sipp", "sipp", FALSE, FALSE, no_args, -1 },
  /* the second STB (far end), started together by `start, component=stb2` (sr-stb2.c) */
  { "stb2-server", "sim/qcop/stb-qcopd", TRUE, TRUE, sr_stb2_server_args, -1 },
  { "stb2-iptv", "sim/stb/iptv/stb-iptv", TRUE, TRUE, sr_stb2_iptv_args, -1 },
  { "stb2-voip", "sim/stb/voip/stb-voip", TRUE, TRUE, sr_stb2_voip_args, -1 },
};

const gchar *const sr_component_names[]
    = { "server", "iptv", "voip", "headend", "ims", "sipp", "stb2", NULL };

/* @name is a component type, or "type:instance" for a further instance (e.g. "sipp:second"). */
static const ComponentType *
lookup (const gchar *name)
{
  gsize n = strcspn (name, ":");
  for (guint i = 0; i < G_N_ELEMENTS (component_types); i++)
    if (strlen (component_types[i].name) == n && strncmp (component_types[i].name, name, n) == 0)
      return &component_types[i];
  return NULL;
}

/* Placeholder values of the DUT command templates (sr-dut.h) in this test. */
static GHashTable *
dut_values (SrRun *run)
{
  GHashTable *v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const SrConfig *cfg = run->config;
  g_hash_table_insert (v, "socket", g_strdup (run->socket_path));
  g_hash_table_insert (v, "layout", g_strdup (stb_layout_to_string (run->layout)));
  g_hash_table_insert (v, "dialect", g_strdup (run->dialect_path));
  g_hash_table_insert (v, "run_dir", g_strdup (run->test_dir));
  g_hash_table_insert (v, "ready_fd", g_strdup ("3"));
  gchar *lineup = sr_component_ready_value (run, "headend", "lineup");
  gchar *rtsp = sr_component_ready_value (run, "headend", "rtsp");
  if (lineup)
    g_hash_table_insert (v, "lineup", lineup);
  if (rtsp)
    g_hash_table_insert (v, "vod_base", rtsp);
  gchar *sip = sr_component_ready_value (run, "ims", "sip");
  if (sip != NULL && !run->injection)
    {
      gchar *domain = sr_component_ready_value (run, "ims", "domain");
      g_hash_table_insert (v, "registrar", sip);
      g_hash_table_insert (v, "domain", domain ? domain : g_strdup ("ims.test"));
      g_hash_table_insert (v, "user", g_strdup ("stb1"));
      g_hash_table_insert (v, "password", g_strdup ("stb1-secret"));
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

static const gchar *
dut_command (SrRun *run, gint role, GError **error)
{
  if (role == STB_ROLE_IPTV)
    return run->config->dut_iptv;
  if (role != STB_ROLE_VOIP)
    return NULL;
  if (run->injection && run->config->dut_voip_inject)
    return run->config->dut_voip_inject;
  if (run->injection && run->config->dut_voip == NULL && run->config->dut_ics_roles
      && g_strv_contains ((const gchar *const *)run->config->dut_ics_roles, "voip"))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "the DUT's ICS has no [ixit] voip_inject_command: this test runs in inject "
                   "mode (declare voip.inject=no so it is not applicable, or give the command)");
      return NULL;
    }
  return run->config->dut_voip;
}

SrComponent *
sr_component_new (SrRun *run, const gchar *name, const gchar *extra_args, GError **error)
{
  const ComponentType *type = lookup (name);
  if (type == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "unknown component '%s' (server, iptv, voip, headend, ims, sipp, stb2)", name);
      return NULL;
    }
  g_autoptr (SrComponent) comp = g_new0 (SrComponent, 1);
  comp->name = g_strdup (name);
  comp->extra_args = g_strdup (extra_args);
  g_autofree gchar *file = g_strdelimit (g_strdup (name), ":", '-');
  comp->log_path = g_strdup_printf ("%s/%s.log", run->logs_dir, file);
  g_autoptr (GError) dut_error = NULL;
  const gchar *dut = dut_command (run, type->dut_role, &dut_error);
  if (dut_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&dut_error));
      return NULL;
    }
  if (dut != NULL)
    {
      g_autoptr (GHashTable) values = dut_values (run);
      comp->is_dut = TRUE;
      comp->dut_template = g_strdup (dut);
      comp->argv = sr_dut_expand (dut, values, &comp->dut_ready_fd, error);
      if (comp->argv == NULL)
        return NULL;
      sr_dut_resolve_binary (comp->argv, run->config->build_root);
      return g_steal_pointer (&comp);
    }
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  if (type->in_build)
    g_ptr_array_add (argv, g_build_filename (run->config->build_root, type->binary, NULL));
  else
    add (argv, type->binary);
  if (type->in_build && !g_file_test (g_ptr_array_index (argv, 0), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "component '%s': %s is not built (run `meson compile -C %s`)", name,
                   (const gchar *)g_ptr_array_index (argv, 0), run->config->build_root);
      return NULL;
    }
  type->add_args (run, argv);
  if (extra_args && *extra_args)
    {
      g_auto (GStrv) extra = NULL;
      g_autofree gchar *expanded = expand_placeholders (run, extra_args);
      if (!g_shell_parse_argv (expanded, NULL, &extra, error))
        return NULL;
      for (guint i = 0; extra[i]; i++)
        add (argv, extra[i]);
    }
  if (g_str_equal (type->name, "ims")) /* stbsim -j: a port of the child's range */
    sr_ports_add_ims_port (run->config, argv);
  if (!sr_netns_adjust_argv (run, name, argv, error))
    return NULL;
  g_ptr_array_add (argv, NULL);
  comp->argv = (gchar **)g_ptr_array_free (g_steal_pointer (&argv), FALSE);
  return g_steal_pointer (&comp);
}

gboolean
sr_component_start (SrComponent *comp, gboolean wait_ready, gint timeout_ms, GError **error)
{
  const ComponentType *type = lookup (comp->name);
  gboolean ready_fd = comp->is_dut ? comp->dut_ready_fd : type->ready_fd;
  StbsimProcOptions opts = { .name = comp->name,
                             .log_path = comp->log_path,
                             .ready_fd = ready_fd,
                             .ready_fd_in_argv = comp->is_dut };
  g_clear_pointer (&comp->proc, stbsim_proc_free);
  g_clear_pointer (&comp->ready_line, g_free);
  comp->expect_exit = FALSE;
  comp->exit_reported = FALSE;
  comp->started_ns = stbsim_now_ns ();
  comp->proc = stbsim_proc_spawn ((const gchar *const *)comp->argv, &opts, error);
  if (comp->proc == NULL)
    return FALSE;
  if (!ready_fd || !wait_ready)
    return TRUE;
  comp->ready_line = stbsim_proc_wait_ready (comp->proc, timeout_ms, error);
  return comp->ready_line != NULL;
}

void
sr_component_stop (SrComponent *comp)
{
  if (comp->proc == NULL)
    return;
  comp->expect_exit = TRUE;
  stbsim_proc_stop (comp->proc, 2000);
}

void
sr_component_free (SrComponent *comp)
{
  if (comp == NULL)
    return;
  sr_stb2_component_gone (comp->name);
  if (comp->proc)
    {
      comp->expect_exit = TRUE;
      stbsim_proc_free (comp->proc);
    }
  g_free (comp->name);
  g_strfreev (comp->argv);
  g_free (comp->log_path);
  g_free (comp->extra_args);
  g_free (comp->ready_line);
  g_free (comp->dut_template);
  g_free (comp);
}
