/* SPDX-License-Identifier: MIT */
/* The server trace reader (sr_judge_trace_line, sim/runner/sr-judge.c): every line of the
 * input as a line of stb-qcopd's JSON trace, judged into a test result and timeline. */

#include <string.h>

#include "fuzz-util.h"
#include "sr-judge.h"
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
  SrTest test;
  memset (&test, 0, sizeof test);
  test.result = result;
  test.timeline = timeline;
  test.dialect = dialect;
  test.layout = size > 0 && (data[0] & 1) ? STB_LAYOUT_UNIDIRECTIONAL : STB_LAYOUT_BIDIRECTIONAL;
  g_autoptr (SrJudge) judge = sr_judge_new (&test);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 256);
  for (guint i = 0; lines[i]; i++)
    sr_judge_trace_line (judge, lines[i]);
  return 0;
}
