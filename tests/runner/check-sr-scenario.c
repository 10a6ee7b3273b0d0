/* SPDX-License-Identifier: MIT */
/* Scenario parser: good lines, continuations, variables, includes, and every error case
 * naming file:line:column (and, for a bad action, the action's parameter spec). */

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sr-actions.h"
#include "sr-scenario.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-scenario");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
write_file (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0755);
  ck_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

#define META "meta, name=t, summary=\"a test\", layouts=bidirectional, timeout=5\n"

/* Load @text as file @name and expect failure with a message containing every needle. */
static void
expect_error (const gchar *name, const gchar *text, gint code, const gchar *const *needles)
{
  g_autofree gchar *path = write_file (name, text);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (path, NULL, TRUE, &error);
  ck_assert_ptr_null (sc);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, SR_SCENARIO_ERROR, code), "code %d, want %d: %s",
                 error->code, code, error->message);
  for (guint i = 0; needles[i]; i++)
    ck_assert_msg (strstr (error->message, needles[i]) != NULL, "'%s' not in: %s", needles[i],
                   error->message);
}

/* ---- core ---------------------------------------------------------------------------------- */

START_TEST (test_parse_line_types)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrAction) a = sr_scenario_parse_line (
      "wait-event, name=voip.page, timeout=2.5, n=3, flag=true, s=\"a, \\\"b\\\"\", "
      "t=(string)42, d=(double)1, l={a, b}, neg=-7",
      "x.scenario", 3, NULL, &error);
  ck_assert_msg (a != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (a->name, "wait-event");
  ck_assert_uint_eq (a->params->len, 9);
  ck_assert_str_eq (sr_action_get_string (a, "name", NULL), "voip.page");
  ck_assert_int_eq (sr_action_find (a, "timeout")->type, SR_VALUE_DOUBLE);
  ck_assert (sr_action_get_double (a, "timeout", 0) == 2.5);
  ck_assert_int_eq (sr_action_find (a, "n")->type, SR_VALUE_INT);
  ck_assert_int_eq (sr_action_get_int (a, "n", 0), 3);
  ck_assert_int_eq (sr_action_get_int (a, "neg", 0), -7);
  ck_assert (sr_action_get_bool (a, "flag", FALSE));
  ck_assert_str_eq (sr_action_get_string (a, "s", NULL), "a, \"b\"");
  ck_assert_int_eq (sr_action_find (a, "t")->type, SR_VALUE_STRING);
  ck_assert_str_eq (sr_action_get_string (a, "t", NULL), "42");
  ck_assert_int_eq (sr_action_find (a, "d")->type, SR_VALUE_DOUBLE);
  ck_assert_int_eq (sr_action_find (a, "l")->type, SR_VALUE_LIST);
  ck_assert_str_eq (sr_action_get_string (a, "l", NULL), "a, b");
  ck_assert_uint_eq (a->line, 3);
  ck_assert_uint_eq (sr_action_find (a, "n")->column, 42);
  ck_assert_str_eq (sr_action_get_string (a, "absent", "def"), "def");
}
END_TEST

START_TEST (test_load_file)
{
  g_autofree gchar *path
      = write_file ("ok.scenario", "# a comment\n"
                                   "meta, name=caller, summary=\"user places a call\", "
                                   "layouts=\"bidirectional,unidirectional\", \\\n"
                                   "      requirements={SW-1, SW-2}, timeout=30, dut=voip\n"
                                   "\n"
                                   "   # indented comment\n"
                                   "set-vars, key=ok, peer=far\n"
                                   "start, component=server\n"
                                   "press-key, target=voip, \\\n"
                                   "           key=$(key)\n"
                                   "inject, event=call, peer=\"sip:$(peer)@x\"\n"
                                   "wait-event, name=voip.page, match=\"page=main\", timeout=1\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (path, NULL, TRUE, &error);
  ck_assert_msg (sc != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (sc->name, "caller");
  ck_assert_str_eq (sc->summary, "user places a call");
  ck_assert_uint_eq (g_strv_length (sc->layouts), 2);
  ck_assert (sr_scenario_applies_to_layout (sc, "unidirectional"));
  ck_assert_uint_eq (g_strv_length (sc->requirements), 2);
  ck_assert_str_eq (sc->requirements[1], "SW-2");
  ck_assert_str_eq (sc->dut_roles[0], "voip");
  ck_assert (sc->timeout_s == 30.0);
  ck_assert_uint_eq (sc->actions->len, 4);
  const SrAction *key = g_ptr_array_index (sc->actions, 1);
  ck_assert_str_eq (key->name, "press-key");
  ck_assert_uint_eq (key->line, 8);
  ck_assert_str_eq (sr_action_get_string (key, "key", NULL), "ok");
  const SrAction *inj = g_ptr_array_index (sc->actions, 2);
  ck_assert_str_eq (sr_action_get_string (inj, "peer", NULL), "sip:far@x");
  g_autofree gchar *desc = sr_scenario_describe (sc);
  ck_assert (strstr (desc, "press-key, target=(string)\"voip\"") != NULL);
}
END_TEST

START_TEST (test_builtins_and_include)
{
  g_autofree gchar *frag = write_file ("frag/start.scenario", "start, component=server\n"
                                                              "include, file=../leaf.scenario\n");
  g_autofree gchar *leaf = write_file ("leaf.scenario", "checkpoint, name=$(layout)\n");
  g_autofree gchar *path = write_file ("main.scenario", META "include, file=frag/start.scenario\n"
                                                             "checkpoint, name=end\n");
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (vars, "layout", "bidirectional");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (path, vars, TRUE, &error);
  ck_assert_msg (sc != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (sc->actions->len, 3);
  const SrAction *cp = g_ptr_array_index (sc->actions, 1);
  ck_assert_str_eq (sr_action_get_string (cp, "name", NULL), "bidirectional");
  ck_assert (g_str_has_suffix (cp->file, "leaf.scenario"));
  ck_assert_uint_eq (cp->line, 1);
  ck_assert_str_eq (g_hash_table_lookup (sc->vars, "scenario_name"), "main");
}
END_TEST

START_TEST (test_split_list)
{
  g_auto (GStrv) a = sr_split_list ("{a, \"b\" ,c}");
  ck_assert_uint_eq (g_strv_length (a), 3);
  ck_assert_str_eq (a[1], "b");
  g_auto (GStrv) b = sr_split_list ("");
  ck_assert_uint_eq (g_strv_length (b), 0);
}
END_TEST

/* ---- errors -------------------------------------------------------------------------------- */

START_TEST (test_error_syntax)
{
  static const struct
  {
    const gchar *line;
    const gchar *where;
    const gchar *what;
  } cases[] = {
    { "press-key target=voip", ":2:11:", "expected ','" },
    { "press-key, =voip", ":2:12:", "expected a parameter name" },
    { "press-key, target voip", ":2:19:", "expected '='" },
    { "press-key, target=", ":2:19:", "missing value" },
    { "press-key, target=\"voip", ":2:19:", "unterminated string" },
    { "press-key, target=vo\"ip", ":2:21:", "stray '\"'" },
    { "press-key, target=(int)voip", ":2:24:", "is not an int" },
    { "press-key, target=(float)1", ":2:26:", "unknown type" },
    { "press-key, target={a, b", ":2:19:", "unterminated list" },
    { ", target=voip", ":2:1:", "expected an action name" },
    { "press-key, target=voip; x", ":2:25:", "one action per line" },
    { "press-key, target=voip, target=iptv", ":2:25:", "given twice" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = g_strconcat (META, cases[i].line, "\n", NULL);
      const gchar *needles[] = { "bad.scenario", cases[i].where, cases[i].what, NULL };
      gint code = strstr (cases[i].what, "twice") ? SR_SCENARIO_ERROR_BAD_PARAMETER
                                                  : SR_SCENARIO_ERROR_SYNTAX;
      expect_error ("bad.scenario", text, code, needles);
    }
}
END_TEST

START_TEST (test_error_bad_action_prints_spec)
{
  const gchar *unknown[]
      = { ":2:1:", "unknown action 'presskey'", "known actions:", "press-key", NULL };
  expect_error ("a.scenario", META "presskey, target=voip\n", SR_SCENARIO_ERROR_UNKNOWN_ACTION,
                unknown);
  const gchar *missing[]
      = { ":2:1:", "needs parameter 'key'", "press-key:", "target", "(string, mandatory)", "repeat",
          NULL };
  expect_error ("b.scenario", META "press-key, target=voip\n", SR_SCENARIO_ERROR_BAD_PARAMETER,
                missing);
  const gchar *extra[] = { ":2:33:", "has no parameter 'colour'", "key ", NULL };
  expect_error ("c.scenario", META "press-key, target=voip, key=ok, colour=red\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, extra);
  const gchar *type[] = { ":2:33:", "must be int", "repeat", NULL };
  expect_error ("d.scenario", META "press-key, target=voip, key=ok, repeat=many\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, type);
  const gchar *timeout[] = { ":2:29:", "timeout must be > 0", NULL };
  expect_error ("e.scenario", META "wait-event, name=voip.page, timeout=0\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, timeout);
  const gchar *boolean[] = { "must be boolean", NULL };
  expect_error ("f.scenario", META "start, component=server, ready=maybe\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, boolean);
  const gchar *layout[] = { "g.scenario:2:", "'bidi' is not a layout", NULL };
  expect_error ("g.scenario",
                META "expect-event, name=iptv.ignored, layouts=\"bidirectional,bidi\"\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, layout);
}
END_TEST

START_TEST (test_error_continuation_position)
{
  /* the error is on the physical line after the `\` */
  const gchar *needles[] = { "g.scenario:3:5:", "has no parameter 'bogus'", NULL };
  expect_error ("g.scenario", META "press-key, target=voip, \\\n    bogus=1, key=ok\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, needles);
}
END_TEST

START_TEST (test_error_variables)
{
  const gchar *needles[] = { "v.scenario:2:29:", "unknown variable $(nokey)", NULL };
  expect_error ("v.scenario", META "press-key, target=voip, key=$(nokey)\n",
                SR_SCENARIO_ERROR_VARIABLE, needles);
  const gchar *unterminated[] = { "w.scenario:2:29:", "unterminated variable", NULL };
  expect_error ("w.scenario", META "press-key, target=voip, key=$(nokey\n",
                SR_SCENARIO_ERROR_SYNTAX, unterminated);
}
END_TEST

START_TEST (test_error_meta)
{
  const gchar *first[] = { "m.scenario:1:1:", "first action must be 'meta'", NULL };
  expect_error ("m.scenario", "start, component=server\n", SR_SCENARIO_ERROR_META, first);
  const gchar *twice[] = { "n.scenario:2:1:", "must be the first action", NULL };
  expect_error ("n.scenario", META META, SR_SCENARIO_ERROR_META, twice);
  const gchar *empty[] = { "o.scenario:1:1:", "no 'meta'", NULL };
  expect_error ("o.scenario", "# nothing\n", SR_SCENARIO_ERROR_META, empty);
  const gchar *bad[] = { "p.scenario:1:", "has no parameter 'duration'", "layouts", NULL };
  expect_error ("p.scenario", "meta, duration=3\n", SR_SCENARIO_ERROR_BAD_PARAMETER, bad);
}
END_TEST

START_TEST (test_error_include)
{
  g_autofree gchar *a = write_file ("loop-a.scenario", "include, file=loop-b.scenario\n");
  g_autofree gchar *b = write_file ("loop-b.scenario", "include, file=loop-a.scenario\n");
  const gchar *loop[] = { "loop-b.scenario:1:1:", "include loop", NULL };
  expect_error ("loop.scenario", META "include, file=loop-a.scenario\n", SR_SCENARIO_ERROR_INCLUDE,
                loop);
  const gchar *self[] = { "self.scenario:2:1:", "include loop", NULL };
  expect_error ("self.scenario", META "include, file=self.scenario\n", SR_SCENARIO_ERROR_INCLUDE,
                self);
  const gchar *missing[] = { "miss.scenario:2:1:", "cannot include", NULL };
  expect_error ("miss.scenario", META "include, file=nope.scenario\n", SR_SCENARIO_ERROR_IO,
                missing);
  g_autofree gchar *inner = write_file ("inner.scenario", "press-key, target=voip\n");
  const gchar *nested[] = { "inner.scenario:1:1:", "needs parameter 'key'", NULL };
  expect_error ("outer.scenario", META "include, file=inner.scenario\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, nested);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load ("/nonexistent/x.scenario", NULL, TRUE, &error);
  ck_assert (g_error_matches (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_IO));
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

START_TEST (test_limits)
{
  /* deep but finite include chain: rejected at depth 16, not a stack overflow */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("d%u.scenario", i);
      g_autofree gchar *text = g_strdup_printf ("include, file=d%u.scenario\n", i + 1);
      g_autofree gchar *p = write_file (name, text);
    }
  g_autofree gchar *last = write_file ("d20.scenario", "checkpoint, name=x\n");
  const gchar *deep[] = { "nested deeper than 16", NULL };
  expect_error ("deep.scenario", META "include, file=d0.scenario\n", SR_SCENARIO_ERROR_INCLUDE,
                deep);
  /* a long line and a file ending in a continuation */
  g_autoptr (GString) big = g_string_new (META "checkpoint, name=");
  for (guint i = 0; i < 70000; i++)
    g_string_append_c (big, 'x');
  g_string_append_c (big, '\n');
  const gchar *toolong[] = { "longer than", NULL };
  expect_error ("big.scenario", big->str, SR_SCENARIO_ERROR_SYNTAX, toolong);
  g_autofree gchar *cont = write_file ("cont.scenario", META "checkpoint, \\\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (cont, NULL, TRUE, &error);
  ck_assert_ptr_null (sc);
  ck_assert (strstr (error->message, "cont.scenario:3:") != NULL);
}
END_TEST

/* ---- hardening (issue 11) ----------------------------------------------------------------- */

/* A meta without name= keeps the name from the file name (was: freed, then read). */
START_TEST (test_meta_without_name)
{
  g_autofree gchar *path = write_file (
      "unnamed.scenario", "meta, summary=\"no name\", timeout=5\ncheckpoint, name=x\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (path, NULL, TRUE, &error);
  ck_assert_msg (sc != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (sc->name, "unnamed");
  g_autoptr (SrScenario) named = sr_scenario_load_from_data ("meta, name=given, timeout=5\n",
                                                             "/tmp/x.scenario", NULL, TRUE, &error);
  ck_assert_str_eq (named->name, "given");
}
END_TEST

/* A NUL byte is an error naming file:line:column (was: the rest of the file was ignored). */
START_TEST (test_nul_byte)
{
  static const gchar text[] = META "checkpoint, name=a\ncheck\0point, name=b\n";
  g_autofree gchar *path = g_build_filename (tmpdir, "nul.scenario", NULL);
  ck_assert (g_file_set_contents (path, text, sizeof text - 1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load (path, NULL, TRUE, &error);
  ck_assert_ptr_null (sc);
  ck_assert_msg (g_error_matches (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_SYNTAX), "%s",
                 error->message);
  ck_assert_msg (strstr (error->message, "nul.scenario:3:6: NUL byte") != NULL, "%s",
                 error->message);
  /* the same through an include */
  g_autofree gchar *inc = g_build_filename (tmpdir, "nul-inc.scenario", NULL);
  ck_assert (g_file_set_contents (inc, "\0", 1, NULL));
  const gchar *needles[] = { "nul-inc.scenario:1:1: NUL byte", NULL };
  expect_error ("nul-outer.scenario", META "include, file=nul-inc.scenario\n",
                SR_SCENARIO_ERROR_SYNTAX, needles);
}
END_TEST

/* Durations are bounded (was: any value > 0; x1e9 overflowed). */
START_TEST (test_timeout_bounds)
{
  const gchar *meta[] = { "m.scenario:1:", "timeout=3601", "at most 3600 s", NULL };
  expect_error ("m.scenario", "meta, name=m, timeout=3601\n", SR_SCENARIO_ERROR_BAD_PARAMETER,
                meta);
  const gchar *huge[] = { "h.scenario:1:", "at most 3600 s", NULL };
  expect_error ("h.scenario", "meta, name=h, timeout=1e300\n", SR_SCENARIO_ERROR_BAD_PARAMETER,
                huge);
  const gchar *action[] = { "a.scenario:2:", "timeout=3000000", "'wait-event'", NULL };
  expect_error ("a.scenario", META "wait-event, name=iptv.ready, timeout=3000000\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, action);
  const gchar *window[] = { "w.scenario:2:", "window=9e18", NULL };
  expect_error ("w.scenario", META "expect-no-event, name=iptv.ready, window=9e18\n",
                SR_SCENARIO_ERROR_BAD_PARAMETER, window);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) ok = sr_scenario_load_from_data (
      "meta, name=ok, timeout=3600\nwait-event, name=iptv.ready, timeout=3600\n",
      "/tmp/ok.scenario", NULL, TRUE, &error);
  ck_assert_msg (ok != NULL, "%s", error ? error->message : "");
  ck_assert (ok->timeout_s == 3600.0);
}
END_TEST

/* An include of /dev/zero or of a file over the input limit fails at once. */
START_TEST (test_include_size_limit)
{
  const gchar *zero[]
      = { "z.scenario:2:1: cannot include", "/dev/zero", "not a regular file", NULL };
  expect_error ("z.scenario", META "include, file=/dev/zero\n", SR_SCENARIO_ERROR_IO, zero);
  g_autofree gchar *big = g_build_filename (tmpdir, "big-inc.scenario", NULL);
  FILE *f = fopen (big, "w");
  ck_assert_ptr_nonnull (f);
  ck_assert_int_eq (ftruncate (fileno (f), 5 * 1024 * 1024), 0);
  fclose (f);
  const gchar *large[] = { "b.scenario:2:1: cannot include", "larger than 4194304 bytes", NULL };
  expect_error ("b.scenario", META "include, file=big-inc.scenario\n", SR_SCENARIO_ERROR_IO, large);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrScenario) sc = sr_scenario_load ("/dev/zero", NULL, TRUE, &error);
  ck_assert_ptr_null (sc);
  ck_assert (g_error_matches (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_IO));
}
END_TEST

static Suite *
scenario_suite (void)
{
  Suite *s = suite_create ("sr-scenario");
  TCase *core = tcase_create ("core");
  tcase_add_checked_fixture (core, setup, teardown);
  tcase_set_timeout (core, 10);
  tcase_add_test (core, test_parse_line_types);
  tcase_add_test (core, test_load_file);
  tcase_add_test (core, test_builtins_and_include);
  tcase_add_test (core, test_split_list);
  suite_add_tcase (s, core);
  TCase *errors = tcase_create ("errors");
  tcase_add_checked_fixture (errors, setup, teardown);
  tcase_set_timeout (errors, 10);
  tcase_add_test (errors, test_error_syntax);
  tcase_add_test (errors, test_error_bad_action_prints_spec);
  tcase_add_test (errors, test_error_continuation_position);
  tcase_add_test (errors, test_error_variables);
  tcase_add_test (errors, test_error_meta);
  tcase_add_test (errors, test_error_include);
  suite_add_tcase (s, errors);
  TCase *limits = tcase_create ("limits");
  tcase_add_checked_fixture (limits, setup, teardown);
  tcase_set_timeout (limits, 10);
  tcase_add_test (limits, test_limits);
  suite_add_tcase (s, limits);
  TCase *hardening = tcase_create ("hardening");
  tcase_add_checked_fixture (hardening, setup, teardown);
  tcase_set_timeout (hardening, 10);
  tcase_add_test (hardening, test_meta_without_name);
  tcase_add_test (hardening, test_nul_byte);
  tcase_add_test (hardening, test_timeout_bounds);
  tcase_add_test (hardening, test_include_size_limit);
  suite_add_tcase (s, hardening);
  return s;
}

int
main (void)
{
  return stbsim_test_run (scenario_suite ());
}
