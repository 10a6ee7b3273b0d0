/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The vendor path (conformance/ics/README.md, [ixit]): how a module under test is launched.
 *
 * A DUT command is a template, from `--dut ROLE='CMD'` or from the DUT's ICS
 * (`[ixit] iptv_command`, `voip_command`, `voip_inject_command`). The template is split into
 * arguments first (shell syntax) and every placeholder is then substituted inside each
 * argument, so a value with spaces, quotes or `;` stays one argument and never becomes shell
 * text. Placeholders:
 *
 *   {socket} (legacy: %s)  QCOP server socket     {layout}   bidirectional|unidirectional
 *   {dialect}              dialect file            {run_dir}  the test's private directory
 *   {ready_fd}             fd of the READY line (3; the runner then waits for READY)
 *   {lineup} {vod_base}    the head-end's resolved lineup file and RTSP base URI
 *   {registrar} {domain}   the IMS core (host:port) and SIP home domain
 *   {user} {password}      the STB's SIP credentials (fixtures/subscribers.csv: stb1)
 *   {t_dialog_ms} {t_show_ms} {t_alert_ms}   timer values of the DUT's ICS [ixit]
 *   {display}              Qt/Embedded display number N; naming it gives the run a QWS server
 *                          with a virtual screen, stb-qcopd --display N (sr-screen.h)
 *
 * A placeholder whose value does not exist in a test (no head-end: no {lineup}) removes the
 * argument that holds it, and, when the argument was the placeholder alone, the option
 * argument right before it (`--lineup {lineup}` disappears as a pair). An unknown placeholder
 * is an error naming it.
 */

#include <glib.h>

G_BEGIN_DECLS

#define SR_DUT_ERROR (sr_dut_error_quark ())
GQuark sr_dut_error_quark (void);

typedef enum
{
  SR_DUT_ERROR_TEMPLATE, /* cannot be split, or names an unknown placeholder */
  SR_DUT_ERROR_ICS,      /* the ICS does not say how to launch a role it declares */
} SrDutError;

/* The placeholder names sr_dut_expand() knows, NULL-terminated. */
extern const gchar *const sr_dut_placeholders[];

/*
 * Expand @template. @values maps placeholder names (without braces) to values; a known name
 * missing from @values has no value in this test. @uses_ready_fd (nullable) is set when the
 * template names {ready_fd}. (transfer full)
 */
gchar **sr_dut_expand (const gchar *template, GHashTable *values, gboolean *uses_ready_fd,
                       GError **error);

/*
 * Launch templates of the roles an ICS declares (`[implementation] roles`): @iptv, @voip and
 * @voip_inject (each nullable out) get `[ixit] iptv_command`, `voip_command`,
 * `voip_inject_command`. A declared role without its command is an error. Relative binaries
 * stay relative (they resolve against the build root when spawned: sr_dut_resolve_binary()).
 */
gboolean sr_dut_from_ics (GKeyFile *ics, const gchar *ics_path, gchar **iptv, gchar **voip,
                          gchar **voip_inject, GError **error);

/* argv[0] of a template relative to @build_root when it names a file there (the ICS says
 * "paths relative to the build root"); otherwise unchanged. Modifies @argv in place. */
void sr_dut_resolve_binary (gchar **argv, const gchar *build_root);

/* The ICS [ixit] timer value @key ("t_dialog_ms"), else @def, as text (transfer full). */
gchar *sr_dut_ics_value (GKeyFile *ics, const gchar *key, const gchar *def);

/* Does @ics answer yes (yes, true, y, 1) for @item: "group.key", or a key in any group?
 * FALSE for a NULL @ics. Test selection and the checks read ICS items through this. */
gboolean sr_ics_supports (GKeyFile *ics, const gchar *item);

G_END_DECLS
