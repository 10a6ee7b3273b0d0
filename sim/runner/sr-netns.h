/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * netns mode of a test (root only): `start, component=ims, args="--netns"` runs Kamailio in
 * its own network namespace (stbsim-ims --netns, sim/ims/README.md), joined by a veth pair to
 * an STB-side namespace. From then on the test is in netns mode: the namespace names and
 * addresses come from the ims component's READY line (netns=, stb_addr=, ims_netns=), the
 * VoIP module(s) and sipp far ends are started inside the STB namespace (`ip netns exec NS`
 * prefix; the QCOP Unix socket is a filesystem path, so it crosses net namespaces) so that
 * SIP and RTP cross the veth, and `impair` can drop packets with nftables in either
 * namespace. Everything lives in the two namespaces, which stbsim-ims deletes when it stops
 * (the runner also deletes its nftables table on `impair, loss=0` / `clear=true`).
 */

#include <glib.h>

#include "sr-actions.h"
#include "sr-test.h"

G_BEGIN_DECLS

/* The STB-side namespace of @test, or NULL when the test is not in netns mode. */
gchar *sr_netns_stb (SrTest *test);
/* Address of the STB side: stb_addr= in netns mode, else 127.0.0.1. (transfer full) */
gchar *sr_netns_stb_addr (SrTest *test);

/* Called by sr_component_new() once @argv (without the NULL terminator) is complete:
 * refuses `ims --netns` without root (clear error), and in netns mode prefixes the STB-side
 * components (voip, stb2-voip, sipp) with `ip netns exec NS` and binds the VoIP module to the
 * STB address. */
gboolean sr_netns_adjust_argv (SrTest *test, const gchar *component, GPtrArray *argv,
                               GError **error);

/* The `impair` action: nftables packet loss in a namespace; delay is inconclusive. */
gboolean sr_netns_impair (SrTest *test, const SrAction *action, gdouble timeout_s, GError **error);

G_END_DECLS
