/* SPDX-License-Identifier: MIT */
/* The two state tables (SPEC §6.2, §7.2) through the shared StbFsm, and the IPTV navigation
 * model (SPEC §6.1). No IPC: events go to a recorder. */
#define G_LOG_DOMAIN "check-stb-fsm"

#include "stb-iptv-epg.h"
#include "stb-iptv-fsm.h"
#include "stb-voip-fsm.h"
#include "stbsim-test.h"

#include <glib/gstdio.h>

typedef struct
{
  GPtrArray *events; /* "name details" */
} Recorder;

static void
record (const gchar *event, const gchar *details, gpointer user_data)
{
  Recorder *r = user_data;

  g_ptr_array_add (r->events, g_strdup_printf ("%s %s", event, details));
}

/* Every allowed (from, to) is taken with one "<m>.state" event; every other pair is refused
 * with one "<m>.illegal" event, the state unchanged and the counter incremented. */
static void
check_table (const StbFsmTable *table, guint n_expected_allowed)
{
  Recorder rec = { g_ptr_array_new_with_free_func (g_free) };
  guint allowed = 0, illegal = 0;
  g_autofree gchar *state_ev = g_strdup_printf ("%s.state ", table->machine);
  g_autofree gchar *illegal_ev = g_strdup_printf ("%s.illegal ", table->machine);

  for (guint from = 0; from < table->n_states; from++)
    for (guint to = 0; to < table->n_states; to++)
      {
        StbFsm fsm;
        gboolean ok;
        g_autofree gchar *want = NULL;

        stb_fsm_init (&fsm, table, from, record, &rec);
        g_ptr_array_set_size (rec.events, 0);
        ok = stb_fsm_set_state (&fsm, to, "R-99");
        ck_assert_uint_eq (rec.events->len, 1);
        want = g_strdup_printf ("%sfrom=%s;to=%s;reason=R-99", ok ? state_ev : illegal_ev,
                                table->names[from], table->names[to]);
        ck_assert_str_eq (g_ptr_array_index (rec.events, 0), want);
        ck_assert (ok == stb_fsm_is_allowed (table, from, to));
        if (ok)
          {
            allowed++;
            ck_assert_uint_eq (fsm.state, to);
            ck_assert_uint_eq (fsm.transitions, 1);
            ck_assert_uint_eq (fsm.illegal, 0);
          }
        else
          {
            illegal++;
            ck_assert_uint_eq (fsm.state, from);
            ck_assert_uint_eq (fsm.illegal, 1);
          }
      }
  ck_assert_uint_eq (allowed, n_expected_allowed);
  ck_assert_uint_eq (allowed + illegal, table->n_states * table->n_states);
  g_ptr_array_unref (rec.events);
}

START_TEST (test_iptv_table)
{
  const StbFsmTable *t = stb_iptv_fsm_table ();
  static const gchar *const names[]
      = { "NAV", "PLAYING_LIVE", "PLAYING_VOD", "HIDDEN_CALLER", "HIDDEN_CALLEE" };

  ck_assert_uint_eq (t->n_states, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ck_assert_str_eq (stb_iptv_state_to_string (i), names[i]);
  check_table (t, 16);
}
END_TEST

START_TEST (test_voip_table)
{
  const StbFsmTable *t = stb_voip_fsm_table ();
  static const gchar *const names[]
      = { "IDLE", "DIALOG", "AWAIT_SHOW", "MAIN_PAGE", "DIALLING", "IN_CALL" };

  ck_assert_uint_eq (t->n_states, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ck_assert_str_eq (stb_voip_state_to_string (i), names[i]);
  check_table (t, 12);
}
END_TEST

/* The rows of SPEC §6.2 / §7.2 that change state, as (from, to): all allowed. */
START_TEST (test_spec_rows_allowed)
{
  static const guint iptv_rows[][2] = {
    { STB_IPTV_STATE_NAV, STB_IPTV_STATE_HIDDEN_CALLER },           /* I-01 I-02 */
    { STB_IPTV_STATE_NAV, STB_IPTV_STATE_PLAYING_LIVE },            /* I-03 I-05 */
    { STB_IPTV_STATE_NAV, STB_IPTV_STATE_PLAYING_VOD },             /* I-04 */
    { STB_IPTV_STATE_PLAYING_LIVE, STB_IPTV_STATE_NAV },            /* I-10 I-16 */
    { STB_IPTV_STATE_PLAYING_LIVE, STB_IPTV_STATE_HIDDEN_CALLER },  /* I-13 */
    { STB_IPTV_STATE_PLAYING_LIVE, STB_IPTV_STATE_HIDDEN_CALLEE },  /* I-14 */
    { STB_IPTV_STATE_PLAYING_VOD, STB_IPTV_STATE_NAV },             /* I-20 I-25 I-26 */
    { STB_IPTV_STATE_PLAYING_VOD, STB_IPTV_STATE_PLAYING_LIVE },    /* I-21 */
    { STB_IPTV_STATE_PLAYING_VOD, STB_IPTV_STATE_HIDDEN_CALLER },   /* I-22 */
    { STB_IPTV_STATE_PLAYING_VOD, STB_IPTV_STATE_HIDDEN_CALLEE },   /* I-23 */
    { STB_IPTV_STATE_NAV, STB_IPTV_STATE_HIDDEN_CALLEE },           /* I-30 */
    { STB_IPTV_STATE_HIDDEN_CALLER, STB_IPTV_STATE_NAV },           /* I-40..I-42 I-44 */
    { STB_IPTV_STATE_HIDDEN_CALLER, STB_IPTV_STATE_HIDDEN_CALLEE }, /* I-43 */
    { STB_IPTV_STATE_HIDDEN_CALLEE, STB_IPTV_STATE_NAV },           /* I-50 I-54 I-56 */
    { STB_IPTV_STATE_HIDDEN_CALLEE, STB_IPTV_STATE_PLAYING_LIVE },  /* I-51 */
    { STB_IPTV_STATE_HIDDEN_CALLEE, STB_IPTV_STATE_PLAYING_VOD },   /* I-52 */
  };
  static const guint voip_rows[][2] = {
    { STB_VOIP_STATE_IDLE, STB_VOIP_STATE_DIALOG },        /* V-01 */
    { STB_VOIP_STATE_IDLE, STB_VOIP_STATE_MAIN_PAGE },     /* V-02 */
    { STB_VOIP_STATE_DIALOG, STB_VOIP_STATE_AWAIT_SHOW },  /* V-10 */
    { STB_VOIP_STATE_DIALOG, STB_VOIP_STATE_IDLE },        /* V-11..V-13 */
    { STB_VOIP_STATE_AWAIT_SHOW, STB_VOIP_STATE_IN_CALL }, /* V-20 */
    { STB_VOIP_STATE_AWAIT_SHOW, STB_VOIP_STATE_IDLE },    /* V-21 V-22 */
    { STB_VOIP_STATE_MAIN_PAGE, STB_VOIP_STATE_DIALLING }, /* V-32 */
    { STB_VOIP_STATE_MAIN_PAGE, STB_VOIP_STATE_IDLE },     /* V-34 */
    { STB_VOIP_STATE_DIALLING, STB_VOIP_STATE_IN_CALL },   /* V-41 */
    { STB_VOIP_STATE_DIALLING, STB_VOIP_STATE_MAIN_PAGE }, /* V-42..V-44 */
    { STB_VOIP_STATE_IN_CALL, STB_VOIP_STATE_IDLE },       /* V-50 V-51 V-54 */
    { STB_VOIP_STATE_IN_CALL, STB_VOIP_STATE_MAIN_PAGE },  /* V-52 V-53 V-55 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (iptv_rows); i++)
    ck_assert (stb_fsm_is_allowed (stb_iptv_fsm_table (), iptv_rows[i][0], iptv_rows[i][1]));
  for (guint i = 0; i < G_N_ELEMENTS (voip_rows); i++)
    ck_assert (stb_fsm_is_allowed (stb_voip_fsm_table (), voip_rows[i][0], voip_rows[i][1]));
}
END_TEST

/* A sample of illegal moves, as sequences: refused, reported, state kept. */
START_TEST (test_illegal_sample)
{
  Recorder rec = { g_ptr_array_new_with_free_func (g_free) };
  StbFsm v, i;

  stb_fsm_init (&v, stb_voip_fsm_table (), STB_VOIP_STATE_IDLE, record, &rec);
  /* answering without a call, or jumping into a call from the dialog */
  ck_assert (!stb_fsm_set_state (&v, STB_VOIP_STATE_IN_CALL, "bogus"));
  ck_assert (!stb_fsm_set_state (&v, STB_VOIP_STATE_AWAIT_SHOW, "bogus"));
  ck_assert (stb_fsm_set_state (&v, STB_VOIP_STATE_DIALOG, "V-01"));
  ck_assert (!stb_fsm_set_state (&v, STB_VOIP_STATE_IN_CALL, "bogus")); /* 200 before show */
  ck_assert (!stb_fsm_set_state (&v, STB_VOIP_STATE_DIALOG, "self"));   /* no self moves */
  ck_assert_uint_eq (v.state, STB_VOIP_STATE_DIALOG);
  ck_assert_uint_eq (v.illegal, 4);
  ck_assert_uint_eq (v.transitions, 1);

  stb_fsm_init (&i, stb_iptv_fsm_table (), STB_IPTV_STATE_HIDDEN_CALLER, record, &rec);
  ck_assert (!stb_fsm_set_state (&i, STB_IPTV_STATE_PLAYING_LIVE, "bogus")); /* [SW-IPTV-04] */
  ck_assert (!stb_fsm_set_state (&i, STB_IPTV_STATE_PLAYING_VOD, "bogus"));
  ck_assert (!stb_fsm_set_state (&i, STB_IPTV_STATE_COUNT, "out of range"));
  ck_assert_uint_eq (i.state, STB_IPTV_STATE_HIDDEN_CALLER);
  ck_assert_uint_eq (i.illegal, 3);
  ck_assert_str_eq (g_ptr_array_index (rec.events, rec.events->len - 1),
                    "iptv.illegal from=HIDDEN_CALLER;to=invalid;reason=out of range");
  g_ptr_array_unref (rec.events);
}
END_TEST

/* ---- navigation model -------------------------------------------------------------------- */

static gchar *
items (StbEpg *epg)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < epg->entries->len; i++)
    {
      g_autofree gchar *d = stb_epg_entry_describe (g_ptr_array_index (epg->entries, i));
      g_string_append_printf (s, "%s%s", i ? " " : "", d);
    }
  return g_string_free (s, FALSE);
}

START_TEST (test_epg_order_and_cursor)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-epg");
  g_autofree gchar *path = g_build_filename (dir, "lineup.ini", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StbEpg) epg = NULL;
  g_autofree gchar *list = NULL;

  ck_assert (g_file_set_contents (path,
                                  "[vod zeta]\ntitle=Z\n[channel 10]\nname=Ten\n[live]\nx=1\n"
                                  "[channel 2]\nname=Two\n[vod alpha]\ntitle=A\nduration_ms=5\n",
                                  -1, NULL));
  epg = stb_epg_load (path, &error);
  ck_assert_msg (epg != NULL, "%s", error ? error->message : "");
  list = items (epg);
  /* videocall, live ascending, VOD in lineup order (SPEC §6.1) */
  ck_assert_str_eq (list, "videocall live:2 live:10 vod:zeta vod:alpha");
  ck_assert_uint_eq (stb_epg_count_channels (epg), 2);
  ck_assert_int_eq (stb_epg_current (epg)->kind, STB_EPG_ENTRY_VIDEOCALL);
  ck_assert_int_eq (stb_epg_move (epg, -1)->kind, STB_EPG_ENTRY_VIDEOCALL); /* clamped */
  ck_assert_uint_eq (stb_epg_move (epg, 1)->channel, 2);
  ck_assert_str_eq (stb_epg_move (epg, 10)->asset, "alpha"); /* clamped */
  stb_epg_reset (epg);
  ck_assert_uint_eq (epg->cursor, 0);
  ck_assert (stb_epg_focus (epg, "live:10"));
  ck_assert_uint_eq (stb_epg_current (epg)->channel, 10);
  ck_assert (!stb_epg_focus (epg, "live:3"));
  ck_assert_uint_eq (stb_epg_zap (epg, 10, 1)->channel, 2); /* wraps */
  ck_assert_uint_eq (stb_epg_zap (epg, 2, -1)->channel, 10);
  ck_assert (stb_epg_find_vod (epg, "alpha")->duration_ms == 5);
  ck_assert (stb_epg_find_channel (epg, 3) == NULL);
  stbsim_test_rmtree (dir);
}
END_TEST

START_TEST (test_epg_builtin_and_fixture)
{
  g_autoptr (StbEpg) missing = stb_epg_load ("/nonexistent/lineup.ini", NULL);
  g_autofree gchar *fixture_path = stbsim_test_source_path ("fixtures/lineup.ini");
  g_autoptr (StbEpg) fixture = stb_epg_load (fixture_path, NULL);
  g_autofree gchar *list = items (missing);

  ck_assert_str_eq (list, "videocall live:1 live:2 live:3 live:4 vod:trailer vod:movie");
  ck_assert (fixture != NULL);
  ck_assert_int_eq (stb_epg_current (fixture)->kind, STB_EPG_ENTRY_VIDEOCALL);
  ck_assert (stb_epg_find_channel (fixture, 1) != NULL);
}
END_TEST

START_TEST (test_epg_errors)
{
  g_autofree gchar *dir = stbsim_test_mkdtemp ("check-epg");
  g_autofree gchar *path = g_build_filename (dir, "lineup.ini", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (StbEpg) epg = NULL;

  ck_assert (g_file_set_contents (path, "[channel x]\nname=bad\n", -1, NULL));
  epg = stb_epg_load (path, &error);
  ck_assert (epg == NULL);
  ck_assert (strstr (error->message, "[channel x]") != NULL);
  stbsim_test_rmtree (dir);
}
END_TEST

static Suite *
fsm_suite (void)
{
  Suite *s = suite_create ("stb-fsm");
  TCase *tc = tcase_create ("tables");

  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_iptv_table);
  tcase_add_test (tc, test_voip_table);
  tcase_add_test (tc, test_spec_rows_allowed);
  tcase_add_test (tc, test_illegal_sample);
  suite_add_tcase (s, tc);

  tc = tcase_create ("epg");
  tcase_set_timeout (tc, 10);
  tcase_add_test (tc, test_epg_order_and_cursor);
  tcase_add_test (tc, test_epg_builtin_and_fixture);
  tcase_add_test (tc, test_epg_errors);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (fsm_suite ());
}
