/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Fault hooks for the mutation self-test (tests/runner/mutants.ini): the test doubles
 * tests/runner/broken-iptv and broken-voip are stb-iptv / stb-voip built a second time with
 * STB_WITH_FAULTS defined and started with `--fault NAME`. In the product binaries
 * STB_FAULT() is the constant FALSE, so every fault branch is folded away at compile time:
 * they carry no fault code path, no fault name and no --fault option.
 */

#include <glib.h>

G_BEGIN_DECLS

#ifdef STB_WITH_FAULTS

/* Select the fault for this process. @name NULL or "none": none. An unknown name, or a fault
 * of the other role (@role "iptv" | "voip"), is an error that names the known faults. */
gboolean stb_fault_select (const gchar *name, const gchar *role, GError **error);
/* Is @name the selected fault? */
gboolean stb_fault_active (const gchar *name);
/* "name role summary" lines of every fault (for --list-faults). (transfer full) */
gchar *stb_fault_list (void);

/* A fault's delay in ms: STB_FAULT_DELAY_MS from the environment, else @def (the benchmark's
 * proof injects a slowdown of one hop of a given size this way, fixtures/baselines/README.md). */
guint stb_fault_delay_ms (guint def);
#define STB_FAULT(name) stb_fault_active (name)

#else

#define STB_FAULT(name) FALSE

#endif

G_END_DECLS
