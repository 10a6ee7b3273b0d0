/* SPDX-License-Identifier: MIT */
#pragma once

/* Action handlers (sr-handlers.c), referenced by the table in sr-action-table.c. */

#include "sr-actions.h"

G_BEGIN_DECLS

#define SR_HANDLER(n)                                                                              \
  gboolean n (SrRun *run, const SrAction *action, gdouble timeout_s, GError **error)

SR_HANDLER (sr_handle_profile);
SR_HANDLER (sr_handle_start);
SR_HANDLER (sr_handle_kill);
SR_HANDLER (sr_handle_restart);
SR_HANDLER (sr_handle_press_key);
SR_HANDLER (sr_handle_dial);
SR_HANDLER (sr_handle_inject);
SR_HANDLER (sr_handle_send_switch);
SR_HANDLER (sr_handle_send_raw);
SR_HANDLER (sr_handle_send_random);
SR_HANDLER (sr_handle_checkpoint);
SR_HANDLER (sr_handle_snapshot);
SR_HANDLER (sr_handle_wait_event);
SR_HANDLER (sr_handle_expect_event);
SR_HANDLER (sr_handle_expect_message);
SR_HANDLER (sr_handle_expect_no_event);
SR_HANDLER (sr_handle_expect_order);
SR_HANDLER (sr_handle_measure);
SR_HANDLER (sr_handle_impair);

G_END_DECLS
