/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A dialect: the channel names, message name and numeric values one implementation of the
 * switching protocol uses (fixtures/dialects/NAME.ini, format in conformance/SPEC.md):
 *
 *   [dialect]  name=default                                  (optional)
 *   [channels] layout=bidirectional|unidirectional
 *              bidirectional=QPE/ServiceSwitch
 *              to_iptv=QPE/ServiceSwitch/ToIPTV
 *              to_voip=QPE/ServiceSwitch/ToVoIP
 *   [message]  name=switchService(int,int)
 *   [types]    iptv_to_voip=1  voip_to_iptv=2
 *   [params]   BACK_TO_NAV=1 STOP_IPTV=2 REJECT_CONTINUE_IPTV=3 RESUME_IPTV=4
 *              CALLER_SHOW_VIDEO_PAGE=1 CALLEE_SHOW_VIDEO_PAGE=2
 *
 * Every key is optional and defaults to the value above ([dialect] name: the file's base
 * name); unknown groups/keys are errors. Errors name file:[group]key (SPEC §5).
 */

#include <glib.h>

#include "stb-protocol.h"

G_BEGIN_DECLS

typedef enum
{
  STB_LAYOUT_BIDIRECTIONAL,
  STB_LAYOUT_UNIDIRECTIONAL,
} StbLayout;

const gchar *stb_layout_to_string (StbLayout layout);
gboolean stb_layout_from_string (const gchar *s, StbLayout *out);

/* Which module is asking (for channel selection). */
typedef enum
{
  STB_ROLE_IPTV,
  STB_ROLE_VOIP,
} StbRole;

/* "iptv" / "voip": the role names of agent lanes, sources and component names. */
const gchar *stb_role_to_string (StbRole role);
gboolean stb_role_from_string (const gchar *s, StbRole *out);

struct _StbDialect
{
  gchar *path; /* (nullable) file it was loaded from */
  gchar *name;
  StbLayout layout;
  gchar *bidirectional;
  gchar *to_iptv;
  gchar *to_voip;
  gchar *message;
  gint32 type_values[STB_SWITCH_TYPE_COUNT];
  gint32 param_values[STB_SWITCH_PARAM_COUNT];
};

/* The built-in default dialect (DESIGN.md §3). (transfer full) */
StbDialect *stb_dialect_new_default (void);
/* Load @path; NULL + STB_PROTOCOL_ERROR_DIALECT naming file:[group]key on error. */
StbDialect *stb_dialect_load (const gchar *path, GError **error);
/* Load from memory (@origin names it in errors). */
StbDialect *stb_dialect_load_data (const gchar *data, gsize len, const gchar *origin,
                                   GError **error);
void stb_dialect_free (StbDialect *dialect);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StbDialect, stb_dialect_free)

/* In the unidirectional layout the two channels must differ (after a --layout override). */
gboolean stb_dialect_check_layout (const StbDialect *dialect, GError **error);

/* The channel @role sends on, and the channel it listens on, in the dialect's layout. */
const gchar *stb_dialect_send_channel (const StbDialect *dialect, StbRole role);
const gchar *stb_dialect_listen_channel (const StbDialect *dialect, StbRole role);

/* Numeric <-> logical lookups. */
gint32 stb_dialect_type_value (const StbDialect *dialect, StbSwitchType type);
gint32 stb_dialect_param_value (const StbDialect *dialect, StbSwitchParam param);
gboolean stb_dialect_lookup_type (const StbDialect *dialect, gint32 value, StbSwitchType *out);
gboolean stb_dialect_lookup_param (const StbDialect *dialect, StbSwitchType type, gint32 value,
                                   StbSwitchParam *out);

G_END_DECLS
