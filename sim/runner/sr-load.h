/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `stbsim load`: how the switch time of set-top boxes degrades when the IMS core is busy.
 *
 * One IMS core (stbsim-ims: Kamailio with --children workers) serves
 *   - K simulated STBs, each a full process stack (stb-qcopd + stb-iptv + stb-voip, registered
 *     as stb<i>; no media: no head-end, the IPTV module stays on its navigation page), driven
 *     through the test agent interface (SPEC 12) by one QCOP client per STB;
 *   - a background population from sipp (sim/ims/sipp/): M registered subscribers refreshing
 *     their registrations (load-register.xml), and, per load step, R calls/s split into
 *     answered (uac-call.xml -> a sipp UAS that answers), rejected (-> uas-busy.xml, 486) and
 *     cancelled (uac-cancel.xml) calls.
 * At each load step every STB runs --cycles callee-accept + resume cycles (a sipp caller per
 * cycle; dialog shown -> key ok -> video page -> answered -> far end hangs up -> IPTV back) and
 * the harness records per flow and hop:
 *   callee-accept.key-to-video-page  key ok -> voip.page page=main   (QCOP hop: STOP_IPTV,
 *                                                                      CALLEE_SHOW_VIDEO_PAGE)
 *   callee-accept.key-to-answer      key ok -> voip.call state=answered (200 OK sent)
 *   callee.invite-to-dialog          sipp caller started -> voip.dialog state=shown (SIP path
 *                                    through the loaded core, includes sipp's start-up)
 *   resume.end-to-iptv               voip.call state=ended -> next iptv.page (RESUME_IPTV)
 * plus Kamailio's CPU (all its processes), the harness's own CPU, the STB processes' CPU and
 * memory per STB (PSS of its three processes). Everything is bounded: counts by the options,
 * every wait by a timeout, every process stopped by PID. Loopback only.
 *
 * Output: reports/<run-id>/ with results.json (one test per step with every sample as a
 * latency, and "load": the load curve: p50/p95 per hop vs calls/s and K, CPU, memory),
 * junit.xml, report.html (the load-curve table) and logs/.
 */

#include <glib.h>

G_BEGIN_DECLS

/* `stbsim load [OPTIONS]`; exit 0 when every cycle completed, 2 when some timed out
 * (inconclusive), 3 on a setup failure, 4 usage. */
int sr_load_main (int argc, char **argv);

G_END_DECLS
