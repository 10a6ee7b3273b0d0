/* SPDX-License-Identifier: MIT */
/*
 * qcop-trace2pcap: export a stb-qcopd trace (sim/qcop/TRACE.md) as pcapng
 * (LINKTYPE_USER0, one packet per QWS command/event; format: qcop-trace-pcap.h).
 *
 *   qcop-trace2pcap [--offset-ns N] TRACE.jsonl OUT.pcapng
 *   mergecap -w capture.pcapng sip-rtp.pcapng OUT.pcapng      # one time order
 *   tshark -X lua_script:tools/wireshark/qcop.lua -r capture.pcapng
 *
 * Timestamps: the trace's CLOCK_MONOTONIC plus CLOCK_REALTIME - CLOCK_MONOTONIC measured
 * now (same boot: the capture's clock), or --offset-ns. Exit: 0 ok, 1 bad input/IO, 2 usage.
 */
#define G_LOG_DOMAIN "qcop-trace2pcap"

#include "qcop-trace-pcap.h"

#include <stdlib.h>

int
main (int argc, char **argv)
{
  gchar *offset = NULL;
  GOptionEntry entries[]
      = { { "offset-ns", 0, 0, G_OPTION_ARG_STRING, &offset,
            "Add N ns to t_ns (default: CLOCK_REALTIME - CLOCK_MONOTONIC now)", "N" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("TRACE.jsonl OUT.pcapng");
  g_autoptr (GError) error = NULL;
  gint64 offset_ns;
  guint n = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 3)
    {
      g_printerr ("qcop-trace2pcap: %s\n", error ? error->message
                                                 : "usage: qcop-trace2pcap "
                                                   "[--offset-ns N] TRACE OUT");
      g_free (offset);
      return 2;
    }
  offset_ns = offset ? g_ascii_strtoll (offset, NULL, 10) : qcop_trace_pcap_clock_offset ();
  g_free (offset);
  if (!qcop_trace_pcap_export (argv[1], argv[2], offset_ns, &n, &error))
    {
      g_printerr ("qcop-trace2pcap: %s\n", error->message);
      return 1;
    }
  g_print ("%s: %u packet(s)\n", argv[2], n);
  return 0;
}
