/* SPDX-License-Identifier: MIT */
/* The server trace reader (sr_judge_trace_line, sim/runner/sr-judge.c): every line of the
 * input as a line of stb-qcopd's JSON trace, judged into a test result and timeline. */

#include <string.h>

#include "fuzz-util.h"
#include "sr-judge.h"
#include "sr-run.h"
#include "stb-dialect.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static StbDialect *dialect;
  fuzz_init ();
  if (dialect == NULL)
    dialect = stb_dialect_new_default ();
  g_autofree gchar *text = fuzz_strndup (data, size);
  g_autoptr (SrTimeline) timeline = sr_timeline_new ();
  g_autoptr (SrTestResult) result = sr_test_result_new ("fuzz");
  SrRun run;
  memset (&run, 0, sizeof run);
  run.result = result;
  run.timeline = timeline;
  run.dialect = dialect;
  run.layout = size > 0 && (data[0] & 1) ? STB_LAYOUT_UNIDIRECTIONAL : STB_LAYOUT_BIDIRECTIONAL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", 256);
  for (guint i = 0; lines[i]; i++)
    sr_judge_trace_line (&run, lines[i]);
  g_clear_pointer (&run.clients, g_hash_table_unref);
  return 0;
}
