/* SPDX-License-Identifier: MIT */
#pragma once

/* The check types (sr-check-*.c), listed in sr_check_types[] (sr-checks.c). */

#include "sr-check.h"

G_BEGIN_DECLS

extern const SrCheckType sr_check_registrations; /* sr-check-channel.c */
extern const SrCheckType sr_check_messages;
extern const SrCheckType sr_check_give_back; /* sr-check-flow.c */
extern const SrCheckType sr_check_iptv_sends;
extern const SrCheckType sr_check_iptv_reports;
extern const SrCheckType sr_check_agent;
extern const SrCheckType sr_check_survival;
extern const SrCheckType sr_check_timers; /* sr-check-timers.c */
extern const SrCheckType sr_check_stamps; /* sr-check-agent.c */
extern const SrCheckType sr_check_events;
extern const SrCheckType sr_check_injection;
extern const SrCheckType sr_check_stream_release; /* sr-check-media.c */
extern const SrCheckType sr_check_latency;        /* sr-check-latency.c */
extern const SrCheckType sr_check_select;         /* sr-check-command.c */
extern const SrCheckType sr_check_dial;
extern const SrCheckType sr_check_ringing; /* sr-check-sip.c */
extern const SrCheckType sr_check_sdp_address;
extern const SrCheckType sr_check_restart; /* sr-check-restart.c */

G_END_DECLS
