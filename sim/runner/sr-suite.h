/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Test selection and the loop over tests: the conformance catalogue (conformance/catalogue.ini:
 * one group per test case with scenario=, requirements=, layouts=, dut=, ics=, summary=)
 * expanded per layout, filtered by ICS, DUT role and a -t regex; each test runs in its own
 * SrRun and the reports are rewritten after each one.
 */

#include <glib.h>

#include "sr-dut.h"
#include "sr-report.h"
#include "sr-run.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *id;       /* "callee-accept.bidirectional" */
  gchar *case_id;  /* catalogue group, or the scenario name */
  gchar *scenario; /* path */
  gchar *layout;
  gchar *summary;
  gchar **requirements;
  gboolean needs_sip; /* runs with the IMS core and a sipp far end instead of injection */
  gboolean no_fcc;    /* the reference IPTV module without fast channel change (bench arm) */
} SrTestSpec;

void sr_test_spec_free (SrTestSpec *spec);

/* Load the catalogue. Scenario paths are relative to the catalogue's directory's parent
 * (the source root) unless absolute. Returns SrTestSpec* (transfer full). */
GPtrArray *sr_catalogue_load (const gchar *path, GError **error);

/* A catalogue made of every *.scenario in @dir (sorted), one test case per scenario with the
 * scenario's meta (layouts, requirements, dut, ics). (transfer full) */
GPtrArray *sr_catalogue_from_dir (const gchar *dir, GError **error);

/*
 * Expand catalogue entries into runnable tests: per layout (restricted to @layout when not
 * NULL), skipping entries whose ics= items (plus ics_iptv= / ics_voip= for a DUT in that
 * role) the @ics file does not support, with a DUT entries whose dut= roles do not include
 * it, and in @injection mode entries that need sip; @filter (nullable) is a regex on the test
 * id. @skipped (nullable) gets one line per test left out and why.
 */
GPtrArray *sr_catalogue_select (GPtrArray *entries, const gchar *layout, GKeyFile *ics,
                                const gchar *dut_role, gboolean injection, const gchar *filter,
                                GPtrArray *skipped, GError **error);

/* Tests for a single scenario file: one per applicable layout. */
GPtrArray *sr_scenario_tests (const gchar *path, const gchar *layout, GError **error);

/* Every built-in variable with a placeholder value ("" for *_args), for parsing a scenario
 * outside a run (inspect, selection). (transfer full) */
GHashTable *sr_builtin_placeholders (void);

/* A "not run" result for @spec (transfer full). */
SrTestResult *sr_test_spec_result (const SrTestSpec *spec);

/* Run @tests, filling @report (results added up front as "not run"), writing the report files
 * after each test. @progress: print a line per test to stdout. Returns the overall verdict. */
SrVerdict sr_suite_run (const SrConfig *config, SrReport *report, GPtrArray *tests,
                        gboolean progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrTestSpec, sr_test_spec_free)

G_END_DECLS
