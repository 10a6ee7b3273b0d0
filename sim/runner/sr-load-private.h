/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `stbsim load` inside (sr-load.h): what sr-load.c (options, set-up, the background, the
 * steps), sr-load-stb.c (one STB and the flows it runs) and sr-load-report.c (the load curve)
 * share. Nothing else includes it.
 */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>

#include "qcop-client.h"
#include "sr-component.h"
#include "sr-stats.h"
#include "sr-verdict.h"

G_BEGIN_DECLS

#define READY_TIMEOUT_MS 30000
#define WAIT_S 15.0  /* each step of a cycle */
#define MAX_STEPS 10 /* steps of one flow */

/* The flows an STB runs (--flows), and the tune-in a media STB runs before a flow whenever its
 * IPTV module is not playing (the first cycle, after a caller flow left it on the navigation
 * page). */
typedef enum
{
  FLOW_CALLEE_ACCEPT,
  FLOW_CALLER,
  FLOW_REJECT,
  N_FLOWS,
  FLOW_TUNE = N_FLOWS,
} Flow;

typedef enum
{
  HOP_DIALOG,       /* callee-accept: sipp caller started -> dialog shown */
  HOP_CHANNEL,      /* key ok -> video page */
  HOP_ANSWER,       /* key ok -> answered (200 OK sent) */
  HOP_CA_MEDIA,     /* answered -> call media started (voip.media) */
  HOP_RESUME,       /* call ended -> next iptv.page (RESUME_IPTV) */
  HOP_RESUME_FRAME, /* call ended -> first IPTV frame again (media) */
  HOP_CL_PAGE,      /* select(videocall) -> voip.page main (CALLER_SHOW_VIDEO_PAGE) */
  HOP_CL_DIAL,      /* dial() -> voip.call dialling (INVITE sent) */
  HOP_CL_ANSWER,    /* dialling -> answered (200 OK through the loaded core) */
  HOP_CL_BACK,      /* key back after the call -> iptv.page nav (BACK_TO_NAV) */
  HOP_RJ_DIALOG,    /* reject: sipp caller started -> dialog shown */
  HOP_RJ_DECLINE,   /* key back -> voip.call ended (603 sent) */
  HOP_RJ_IPTV,      /* key back -> the IPTV module handled REJECT_CONTINUE_IPTV */
  HOP_TUNE,         /* select(live:N) -> first IPTV frame (media) */
  N_HOPS
} Hop;

typedef struct
{
  const gchar *name;
  Flow flow;
  gboolean media; /* measured on media STBs only */
} SrLoadHop;

/* Every hop, by Hop (sr-load-stb.c), and the flows' names by Flow ("tune" last). */
extern const SrLoadHop sr_load_hops[N_HOPS];
extern const gchar *const sr_load_flow_names[N_FLOWS + 1];

typedef struct
{
  gint64 t;
  gchar *source, *name, *details;
} Event;

typedef struct _Load Load;

typedef struct
{
  Load *load;
  guint index;   /* 1-based: stb<index> */
  guint channel; /* > 0: a media STB, playing live channel <channel> of the head-end */
  gchar *dir;
  gchar *socket;
  SrComponent *server, *iptv, *voip, *caller;
  QcopClient *qcop;
  gboolean registered, playing;
  guint cycles_done;
  gboolean busy, done; /* a flow runs; every cycle of the step is over */
  Flow flow, next;     /* the running flow; the cycle's flow after a tune-in */
  guint step;
  gboolean acted;
  gint64 times[2 * MAX_STEPS];
  gint64 deadline;
  GArray *events; /* Event, since the flow started */
  guint64 ticks0; /* CPU at the start of the step */
} Stb;

struct _Load
{
  /* options */
  guint stbs, media, subscribers, cycles, children;
  gchar *steps_text, *mix_text, *flows_text, *report_dir, *build_root, *source_root;
  gdouble mix[3]; /* answer, reject, cancel */
  Flow flows[N_FLOWS];
  guint n_flows;
  /* run */
  gchar *run_dir, *logs, *sock_dir, *sipp_dir;
  gchar *ims_addr;     /* host:port */
  gchar *lineup, *vod; /* the head-end's resolved lineup and RTSP base (media) */
  GPid kamailio_pid;
  SrComponent *ims, *headend, *population, *uas_answer, *uas_busy;
  GPtrArray *stbs_v;                                  /* Stb* */
  GPtrArray *generators;                              /* SrComponent* of the current step */
  GArray *samples[N_HOPS];                            /* gdouble ms, current step */
  guint flow_cycles[N_FLOWS], flow_failures[N_FLOWS]; /* current step */
  GPtrArray *failure_notes;
  volatile gint interrupted;
};

typedef struct
{
  guint stbs;
  gdouble cpu;     /* % of one CPU, mean per STB */
  guint64 pss_kib; /* mean per STB */
} Group;

typedef struct
{
  gdouble rate;
  SrStatsSummary hop[N_HOPS];
  guint failures, cycles; /* all flows */
  guint flow_cycles[N_FLOWS], flow_failures[N_FLOWS];
  gdouble kamailio_cpu, harness_cpu, stb_cpu; /* % of one CPU; stb: all STBs together */
  guint64 stb_pss_kib;                        /* mean per STB */
  Group media, plain;                         /* STBs with and without media */
  gdouble headend_cpu;                        /* % of one CPU */
  guint64 headend_pss_kib, harness_pss_kib;
  gdouble seconds;
} StepResult;

/* ---- argv helpers ---------------------------------------------------------------------- */

static inline gchar *
sr_load_build_path (Load *l, const gchar *rel)
{
  return g_build_filename (l->build_root, rel, NULL);
}

static inline void
sr_load_arg (GPtrArray *a, const gchar *s)
{
  g_ptr_array_add (a, g_strdup (s));
}

static inline void sr_load_argf (GPtrArray *a, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);
static inline void
sr_load_argf (GPtrArray *a, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_ptr_array_add (a, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

static inline void
sr_load_args (GPtrArray *a, const gchar *const *args)
{
  for (guint i = 0; args[i]; i++)
    sr_load_arg (a, args[i]);
}

/* ---- sr-load.c ------------------------------------------------------------------------- */

/* Start @argv (consumed) as component @name, logging to logs/<name>.log; with @ready, wait
 * for its READY line. (transfer full) */
SrComponent *sr_load_spawn (Load *l, const gchar *name, GPtrArray *argv, gboolean ready,
                            GError **error);
/* sipp with the common arguments: scenario @xml of sim/ims/sipp, the core, @port (0: a
 * fresh one). (transfer full) */
GPtrArray *sr_load_sipp_argv (Load *l, const gchar *xml, gboolean to_core, guint port);

/* ---- sr-load-stb.c ---------------------------------------------------------------------- */

/* Start @s's server, IPTV and VoIP modules and its QCOP client (@s->index, @s->channel set). */
gboolean sr_load_stb_start (Load *l, Stb *s, GError **error);
/* Stops every process of @s by PID. */
void sr_load_stb_free (Stb *s);
/* Advance @s: its flow, timeouts, the next cycle. */
void sr_load_stb_poll (Load *l, Stb *s);
/* The running cycle of @s failed waiting for @what. */
void sr_load_stb_fail (Stb *s, const gchar *what);
/* The flow cycle @cycle of @s runs. */
Flow sr_load_cycle_flow (Load *l, Stb *s, guint cycle);

/* ---- sr-load-report.c ------------------------------------------------------------------- */

SrTestResult *sr_load_step_test (Load *l, const StepResult *r, gint64 start_ns);
/* {"load": the curve} of @steps (StepResult). */
void sr_load_curve_json (Load *l, JsonBuilder *b, GArray *steps);
/* The curve as a text table or an HTML table. (transfer full) */
gchar *sr_load_curve_text (Load *l, GArray *steps, gboolean html);

G_END_DECLS
