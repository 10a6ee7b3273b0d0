/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What each component a scenario can start is (server, iptv, voip, headend, ims, sipp, and a
 * second STB's stb2-server, stb2-iptv, stb2-voip): which binary, which arguments (from the
 * test, its stations and the READY lines of what already runs), and, for a role the DUT
 * plays, the DUT's command template with every placeholder substituted per argument
 * (sr-dut.h). Returns components ready to start (sr_test_start_component).
 */

#include "sr-station.h"
#include "sr-test.h"

G_BEGIN_DECLS

/* The component @name ("type" or "type:instance", e.g. "sipp:second") of @test with the
 * scenario's @extra_args (placeholders {ims} {domain} {sipp} {free_port} {far_port}
 * {stb_addr} expanded). @station is the station the component belongs to (NULL for
 * head-end, IMS core and sipp; a station component without its station is an error).
 * (transfer full) */
SrComponent *sr_launch_component (SrTest *test, SrStation *station, const gchar *name,
                                  const gchar *extra_args, GError **error);

/* The names a scenario's `start` accepts. */
extern const gchar *const sr_component_names[];

G_END_DECLS
