/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Subscriber provisioning and config rendering for the test IMS core.
 *
 * fixtures/subscribers.csv: one subscriber per line, "user,password,display" (display
 * optional, may contain commas; '#' lines and a "user,..." header line are skipped).
 * ims_provision_db() writes a Kamailio db_text directory from it: `subscriber` (ha1 and
 * ha1b precomputed for the realm: db_text reads empty columns as NULL) and `version`
 * (subscriber:7). Locations stay in memory (usrloc db_mode=0).
 */

#include "ims-error.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *user;
  gchar *password;
  gchar *display; /* "" when none */
} ImsSubscriber;

void ims_subscriber_free (ImsSubscriber *sub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImsSubscriber, ims_subscriber_free)

/* Parse @csv_path. Returns an array of ImsSubscriber (transfer full, element free func set)
 * or NULL with IMS_ERROR_SUBSCRIBERS naming file:line. */
GPtrArray *ims_subscribers_load (const gchar *csv_path, GError **error);
/* The subscriber called @user in @subs, or NULL (transfer none). */
const ImsSubscriber *ims_subscribers_find (GPtrArray *subs, const gchar *user);

/* MD5 hex of "user:realm:password" (ha1) or, with @with_domain, of
 * "user@domain:realm:password" (ha1b, domain = realm). (transfer full) */
gchar *ims_digest_ha1 (const gchar *user, const gchar *realm, const gchar *password,
                       gboolean with_domain);

/* Create @db_dir (if needed) and write the db_text tables for @subs in @realm. */
gboolean ims_provision_db (GPtrArray *subs, const gchar *realm, const gchar *db_dir,
                           GError **error);

/* Replace every @NAME@ (NAME = [A-Z0-9_]+) in @template_text by @vars[NAME] (string ->
 * string); other '@' are copied. An @NAME@ without a value fails with IMS_ERROR_CONFIG
 * ("template line N"), so a template and its renderer cannot drift apart. (transfer full) */
gchar *ims_render_template (const gchar *template_text, GHashTable *vars, GError **error);
/* ims_render_template() from @template_path into @out_path. */
gboolean ims_render_file (const gchar *template_path, const gchar *out_path, GHashTable *vars,
                          GError **error);

G_END_DECLS
