/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims-test"

#include "ims-test-util.h"

#include <string.h>
#include <sys/wait.h>

static const gchar *const common_args[]
    = { "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_msg", "-message_file",
        NULL };

ImsTestSipp *
ims_test_sipp_start (const gchar *dir, const gchar *tag, const gchar *scenario, const gchar *netns,
                     const gchar *remote, const gchar *local_addr, guint16 local_port,
                     const gchar *const *extra)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *rel = g_build_filename ("sim/ims/sipp", scenario, NULL);
  ImsTestSipp *sipp = g_new0 (ImsTestSipp, 1);
  g_autofree gchar *logname = g_strconcat (tag, ".out", NULL);
  g_autofree gchar *msgname = g_strconcat (tag, ".msg", NULL);
  StbsimProcOptions opts = { .name = "sipp", .cwd = dir };

  sipp->log = g_build_filename (dir, logname, NULL);
  sipp->trace = g_build_filename (dir, msgname, NULL);
  opts.log_path = sipp->log;
  if (netns)
    {
      g_ptr_array_add (argv, g_strdup ("ip"));
      g_ptr_array_add (argv, g_strdup ("netns"));
      g_ptr_array_add (argv, g_strdup ("exec"));
      g_ptr_array_add (argv, g_strdup (netns));
    }
  g_ptr_array_add (argv, g_strdup ("sipp"));
  g_ptr_array_add (argv, g_strdup ("-sf"));
  g_ptr_array_add (argv, g_path_is_absolute (scenario) ? g_strdup (scenario)
                                                       : stbsim_test_source_path (rel));
  if (remote)
    g_ptr_array_add (argv, g_strdup (remote));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup (local_addr));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", local_port));
  for (guint i = 0; common_args[i]; i++)
    g_ptr_array_add (argv, g_strdup (common_args[i]));
  g_ptr_array_add (argv, g_strdup (sipp->trace));
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);
  sipp->proc = stbsim_proc_spawn ((const gchar *const *)argv->pdata, &opts, &error);
  ck_assert_msg (sipp->proc != NULL, "spawn sipp: %s", error ? error->message : "?");
  return sipp;
}

gint
ims_test_sipp_wait (ImsTestSipp *sipp, gint timeout_ms)
{
  gint status = 0;

  if (!stbsim_test_wait_exit (sipp->proc, timeout_ms, &status))
    {
      stbsim_proc_stop (sipp->proc, 1000);
      return -1;
    }
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

gchar *
ims_test_sipp_trace (ImsTestSipp *sipp)
{
  gchar *text = NULL;

  if (!g_file_get_contents (sipp->trace, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

guint
ims_test_sipp_count (ImsTestSipp *sipp, const gchar *needle)
{
  g_autofree gchar *text = ims_test_sipp_trace (sipp);
  guint n = 0;

  for (const gchar *p = strstr (text, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

void
ims_test_sipp_free (ImsTestSipp *sipp)
{
  if (!sipp)
    return;
  g_clear_pointer (&sipp->proc, stbsim_proc_free);
  g_free (sipp->trace);
  g_free (sipp->log);
  g_free (sipp);
}

gint
ims_test_sipp_run (const gchar *dir, const gchar *tag, const gchar *scenario, const gchar *netns,
                   const gchar *remote, const gchar *local_addr, guint16 local_port,
                   const gchar *const *extra, ImsTestSipp **out)
{
  ImsTestSipp *sipp
      = ims_test_sipp_start (dir, tag, scenario, netns, remote, local_addr, local_port, extra);
  gint rc = ims_test_sipp_wait (sipp, 25000);

  if (out)
    *out = sipp;
  else
    ims_test_sipp_free (sipp);
  return rc;
}
