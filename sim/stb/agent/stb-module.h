/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the two STB module processes (stb-iptv, stb-voip) share: common command-line
 * options, the QCOP connection (auto-reconnect, re-registration), the dialect, the agent,
 * READY on --ready-fd once every channel is registered at the server, SIGTERM handling, and
 * the receive side of the switching protocol (message name check, decode, type filter,
 * malformed/not-addressed messages counted and reported as "<source>.ignored").
 */

#include "stb-agent.h"
#include "stb-dialect.h"
#include "stb-protocol.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *qcop_socket;
  gchar *dialect_path;
  gchar *layout;
  gint ready_fd;
  gchar *log_level;
  gint connect_timeout_ms;
  gint reconnect_ms;
  gchar *fault; /* --fault, only in the test doubles built with STB_WITH_FAULTS (stb-fault.h) */
} StbModuleOptions;

/* Reasons a switch message is ignored, counted separately. */
typedef enum
{
  STB_IGNORED_NOT_ADDRESSED, /* other direction's type (own messages in bidirectional) */
  STB_IGNORED_MALFORMED,     /* short data, unknown type/param, corrupt, wrong message name */
  STB_IGNORED_UNEXPECTED,    /* valid, but not meaningful in the current state */
  STB_IGNORED_COUNT,
} StbIgnoredKind;

typedef struct _StbModule StbModule;

/* A switch message that passed SPEC §4 checks 1-5 (the module applies check 6, its state
 * table, and emits switch.rx or <source>.ignored itself). */
typedef void (*StbModuleSwitchFunc) (StbModule *module, const StbSwitchMessage *msg,
                                     const gchar *channel, gpointer user_data);

struct _StbModule
{
  const gchar *source; /* "iptv" | "voip" */
  StbRole role;
  StbModuleOptions options;
  GMainLoop *loop;
  QcopClient *client;
  StbDialect *dialect;
  StbAgent *agent;
  StbModuleSwitchFunc on_switch;
  /* (nullable) after a reconnect to the server, registrations redone ([SW-CHAN-12]) */
  void (*on_reconnected) (StbModule *module, gpointer user_data);
  gpointer user_data;
  guint reconnects;
  guint64 ignored[STB_IGNORED_COUNT];
  GHashTable *ignored_by_reason; /* reason -> count (GUINT_TO_POINTER) */
  guint64 sent;
  guint listen_id;
  gulong connected_id;
  gulong disconnected_id;
  gboolean ready;
  guint sigterm_id; /* SIGTERM/SIGINT sources, installed before READY is announced */
  guint sigint_id;
  gint exit_code;
};

/* Adds the common options to @context (the strings are owned by @module->options). */
void stb_module_add_options (StbModule *module, GOptionContext *context);
/* Validate options, set the log level, load the dialect, connect (bounded), register the
 * switch and agent channels. @on_key / @on_command go to the agent. */
gboolean stb_module_start (StbModule *module, StbModuleSwitchFunc on_switch, StbAgentKeyFunc on_key,
                           StbAgentCommandFunc on_command, gpointer user_data, GError **error);
/* Confirm the registrations at the server (isRegistered), emit <source>.ready (plus
 * @extra_details, may be NULL) and write READY to --ready-fd. */
gboolean stb_module_announce_ready (StbModule *module, const gchar *extra_details, GError **error);
/* Run the main loop until SIGTERM/SIGINT or stb_module_quit(). Returns the exit code. */
gint stb_module_run (StbModule *module);
void stb_module_quit (StbModule *module, gint exit_code);
void stb_module_clear (StbModule *module);

/* Encode and send @param on the module's send channel; emits "switch.tx" (row = the
 * transition row id that sends it). */
gboolean stb_module_send (StbModule *module, StbSwitchParam param, const gchar *row);
/* "switch.rx" for a processed message: @row the table row, @effect transition | reply |
 * none (NULL = no effect key). */
void stb_module_emit_rx (StbModule *module, const StbSwitchMessage *msg, const gchar *channel,
                         const gchar *row, const gchar *effect);
/* Log the ignored-message counters (SPEC [SW-RX-08]); called at exit. */
void stb_module_log_counters (StbModule *module);
/* Count and emit "<source>.ignored" with reason, details and count. */
void stb_module_ignored (StbModule *module, StbIgnoredKind kind, const gchar *reason,
                         const gchar *details);
/* "<source>.<suffix>" event with formatted details. */
void stb_module_emitf (StbModule *module, const gchar *suffix, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);
/* "<source>.screen" (SPEC 12.6): what the module's window painted, after the paint (with the
 * frame clock of a page's first picture: a test tells a real picture from a stale or black
 * one). An StbScreenPaintedFunc; @module is the StbModule. */
void stb_module_emit_screen (const gchar *details, gpointer module);

G_END_DECLS
