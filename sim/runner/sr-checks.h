/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Passive checks: they read a test's timeline and raise issues, nothing else (a check never
 * stimulates, DESIGN.md §7). Every check runs on every test, whatever the scenario asks,
 * after the stations stopped: the engine walks the test's events in time order and hands
 * each one to the checks subscribed to its kind, then lets each check conclude.
 *
 * A check records what it evaluated (sr_check_evaluated): coverage is what checks looked at
 * in a real run, not what the catalogue declares (`stbsim coverage`).
 */

#include <glib.h>

#include "sr-check.h"

G_BEGIN_DECLS

/* Every check, terminated by a NULL name (sr-check-*.c). */
extern const SrCheckType *const sr_check_types[];

/* Run every check over @events (SrEvent*, time order) of one test. */
void sr_checks_run (const SrCheckContext *ctx, GPtrArray *events);

/* After the checks: a requirement the test lists that nothing evaluated gets a
 * coverage::not-evaluated note (a vacuous pass made visible). */
void sr_checks_note_unevaluated (const SrCheckContext *ctx);

G_END_DECLS
