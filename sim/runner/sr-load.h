/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `stbsim load`: how the switch time of set-top boxes degrades when the IMS core is busy.
 *
 * One IMS core (stbsim-ims: Kamailio with --children workers) serves
 *   - K simulated STBs, each a full process stack (stb-qcopd + stb-iptv + stb-voip, registered
 *     as stb<i>), driven through the test agent interface (SPEC 12) by one QCOP client per
 *     STB; the first --media of them watch TV: a head-end (stb-headend, loopback unicast) has
 *     one live channel per media STB and their IPTV module gets its lineup;
 *   - a background population from sipp (sim/ims/sipp/): M registered subscribers refreshing
 *     their registrations (load-register.xml), and, per load step, R calls/s split into
 *     answered (uac-call.xml -> a sipp UAS that answers), rejected (-> uas-busy.xml, 486) and
 *     cancelled (uac-cancel.xml) calls.
 * At each load step every STB runs --cycles cycles; cycle i (from 0) of stb k runs flow
 * (i + k - 1) mod n of --flows (callee-accept, caller, reject: the steps are the table
 * flow_steps in sr-load-stb.c); a media STB that is not playing tunes in first. Per flow
 * and hop the harness records
 *   callee.invite-to-dialog          sipp caller started -> voip.dialog state=shown
 *   callee-accept.key-to-video-page  key ok -> voip.page page=main (STOP_IPTV, CALLEE_SHOW_...)
 *   callee-accept.key-to-answer      key ok -> voip.call state=answered (200 OK sent)
 *   callee-accept.answer-to-call-media  answered -> voip.media state=started
 *   resume.end-to-iptv               voip.call state=ended -> next iptv.page (RESUME_IPTV)
 *   resume.end-to-first-frame        ended -> iptv.first-frame (media STBs)
 *   caller.key-to-video-page         select(videocall) -> voip.page page=main
 *   caller.key-to-dialing            dial(bga) -> voip.call state=dialling (INVITE sent)
 *   caller.dialing-to-answer         dialling -> voip.call state=answered (200 OK received)
 *   caller.back-to-nav-page          key back after the far end hung up -> iptv.page page=nav
 *   reject.invite-to-dialog          sipp caller started -> voip.dialog state=shown
 *   reject.key-to-decline            key back -> voip.call state=ended (603 sent)
 *   reject.key-to-iptv               key back -> switch.rx REJECT_CONTINUE_IPTV at the IPTV module
 *   tune.select-to-first-frame       select(live:N) -> iptv.first-frame (media STBs)
 * plus Kamailio's CPU (all its processes), the harness's own CPU and PSS, the head-end's, and
 * CPU and memory per STB (PSS of its three processes), apart for STBs with and without media.
 * Everything is bounded: counts by the options, every wait by a timeout, every process stopped
 * by PID. Loopback only.
 *
 * Output: reports/<run-id>/ with results.json (one test per step with every sample as a
 * latency, and "load": the load curve: per step, flow and hop n, p50/p95/p99, failed cycles
 * per flow, vs calls/s and K, CPU, memory),
 * junit.xml, report.html (the load-curve table) and logs/.
 */

#include <glib.h>

G_BEGIN_DECLS

/* `stbsim load [OPTIONS]`; exit 0 when every cycle completed, 2 when some timed out
 * (inconclusive), 3 on a setup failure, 4 usage. @harness_commit (the build's git commit) goes
 * into the report. */
int sr_load_main (int argc, char **argv, const gchar *harness_commit);

G_END_DECLS
