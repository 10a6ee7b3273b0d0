/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The pictures of report.html, as inline SVG (no scripts, no external resources, readable
 * printed): the message sequence chart of a test, a stacked bar of a switch's hops against its
 * budget, and the CDF of a latency against its baseline (stbsim bench).
 */

#include <glib.h>

#include "sr-verdict.h"

G_BEGIN_DECLS

/* A test's sequence chart: one lane per party that appears (harness, IPTV, server, VoIP, IMS
 * core, far end, a second STB, head-end), QCOP and SIP messages as arrows with short labels
 * (SIP: method or status), facts as dots; every issue of level inconc or worse drawn in red at
 * its time with its evidence (for a missing message: where the wait ended, its deadline). */
void sr_svg_msc (GString *out, const SrTestResult *t);

typedef struct
{
  const gchar *label; /* "key", "channel", "sip", "media" (also the CSS class) */
  const gchar *title; /* tooltip: which interval */
  gdouble ms;         /* < 0: not measured */
} SrSvgSegment;

/* A horizontal stacked bar of @n segments, scaled so that @scale_ms fills @width pixels, with
 * a budget mark at @budget_ms (< 0: none). */
void sr_svg_stacked_bar (GString *out, const SrSvgSegment *segments, guint n, gdouble budget_ms,
                         gdouble scale_ms, gint width);

/* Empirical CDF of @current (and @baseline, nullable) in ms. */
void sr_svg_cdf (GString *out, const gchar *title, const gdouble *baseline, gsize nb,
                 const gdouble *current, gsize nc);

/* CSS the pictures need (once per page). */
const gchar *sr_svg_css (void);

G_END_DECLS
