/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-netns"

#include "sr-netns.h"

#include <string.h>
#include <unistd.h>

#include "stbsim-proc.h"

/* nftables objects the runner owns inside a namespace (one table: deleting it clears all). */
#define NFT_TABLE "inet stbsim"
#define NFT_CHAIN "impair"
#define NFT_TIMEOUT_MS 5000

gchar *
sr_netns_stb (SrTest *test)
{
  return sr_test_ready_value (test, "ims", "netns");
}

gchar *
sr_netns_stb_addr (SrTest *test)
{
  gchar *addr = sr_test_ready_value (test, "ims", "stb_addr");
  return addr ? addr : g_strdup ("127.0.0.1");
}

/* Components that live on the STB side of the veth in netns mode (they talk SIP/RTP). */
static gboolean
on_stb_side (const gchar *component)
{
  return g_str_equal (component, "voip") || g_str_has_prefix (component, "sipp");
}

static gboolean
wants_netns (GPtrArray *argv)
{
  for (guint i = 1; i < argv->len; i++)
    if (g_strcmp0 (g_ptr_array_index (argv, i), "--netns") == 0)
      return TRUE;
  return FALSE;
}

gboolean
sr_netns_adjust_argv (SrTest *test, const gchar *component, GPtrArray *argv, GError **error)
{
  if (g_str_equal (component, "ims"))
    {
      if (wants_netns (argv) && geteuid () != 0)
        {
          g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                       "netns mode (ims --netns) needs root to create network namespaces "
                       "(running as uid %u); run the test as root or without --netns",
                       (guint)geteuid ());
          return FALSE;
        }
      return TRUE;
    }
  /* the second STB is the far end: on the network side, in Kamailio's namespace */
  gboolean far_side = g_str_equal (component, "stb2-voip");
  g_autofree gchar *ns
      = far_side ? sr_test_ready_value (test, "ims", "ims_netns") : sr_netns_stb (test);
  if (ns == NULL || !(far_side || on_stb_side (component)))
    return TRUE;
  g_autofree gchar *ip = g_find_program_in_path ("ip");
  if (ip == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_COMPONENT,
                   "netns mode: `ip` (iproute2) not found in PATH");
      return FALSE;
    }
  if (g_str_equal (component, "voip"))
    {
      g_ptr_array_add (argv, g_strdup ("--bind-host"));
      g_ptr_array_add (argv, sr_netns_stb_addr (test));
    }
  else if (far_side)
    {
      /* Kamailio's address (sip=ADDR:PORT) is the far side's address */
      g_autofree gchar *sip = sr_test_ready_value (test, "ims", "sip");
      g_auto (GStrv) hostport = g_strsplit (sip ? sip : "172.31.255.1", ":", 2);
      g_ptr_array_add (argv, g_strdup ("--bind-host"));
      g_ptr_array_add (argv, g_strdup (hostport[0]));
    }
  const gchar *prefix[] = { ip, "netns", "exec", ns };
  for (guint i = 0; i < G_N_ELEMENTS (prefix); i++)
    g_ptr_array_insert (argv, i, g_strdup (prefix[i]));
  return TRUE;
}

/* ---- impair ------------------------------------------------------------------------------ */

/* Run `ip netns exec NS nft SCRIPT`; append command and output to the test's impair log. */
static gboolean
nft_run (SrTest *test, const gchar *ns, const gchar *script, gchar **out, GError **error)
{
  g_autofree gchar *ip = g_find_program_in_path ("ip");
  g_autofree gchar *nft = g_find_program_in_path ("nft");
  if (ip == NULL || nft == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "impair: `ip` and `nft` (nftables) must be in PATH");
      return FALSE;
    }
  const gchar *argv[] = { ip, "netns", "exec", ns, nft, script, NULL };
  g_autofree gchar *sout = NULL, *serr = NULL;
  gint status = 0;
  g_debug ("impair: ip netns exec %s nft '%s'", ns, script);
  if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status,
                     error))
    return FALSE;
  g_autofree gchar *log = g_build_filename (test->logs_dir, "impair.log", NULL);
  g_autofree gchar *old = NULL;
  g_file_get_contents (log, &old, NULL, NULL);
  g_autofree gchar *entry = g_strdup_printf ("%s$ ip netns exec %s nft '%s'\n%s%s[status %d]\n",
                                             old ? old : "", ns, script, sout, serr, status);
  g_file_set_contents (log, entry, -1, NULL);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG, "impair: nft '%s' in %s failed: %s",
                   script, ns, g_strstrip (serr));
      return FALSE;
    }
  if (out)
    *out = g_steal_pointer (&sout);
  return TRUE;
}

/* Sum of the `counter packets N` of our table (packets dropped so far). */
static guint64
dropped_packets (const gchar *listing)
{
  guint64 sum = 0;
  for (const gchar *p = listing; p && (p = strstr (p, "counter packets ")) != NULL;)
    {
      p += strlen ("counter packets ");
      sum += g_ascii_strtoull (p, NULL, 10);
    }
  return sum;
}

/* Packet match of a link selector, seen from @side (stb: packets to the STB side; ims:
 * packets to Kamailio's side). Kamailio listens on and sends from UDP 5060. */
static const gchar *
link_match (const gchar *link, gboolean stb_side)
{
  if (g_str_equal (link, "sip"))
    return stb_side ? "udp sport 5060" : "udp dport 5060";
  if (g_str_equal (link, "rtp") || g_str_equal (link, "media"))
    return "udp sport != 5060 udp dport != 5060";
  if (g_str_equal (link, "all"))
    return "meta l4proto udp";
  return NULL;
}

static gboolean
impair_clear (SrTest *test, const gchar *ns, const gchar *side, GError **error)
{
  g_autofree gchar *listing = NULL;
  /* `add table` is a no-op on an existing table, so the delete always finds one */
  if (!nft_run (test, ns, "list ruleset", &listing, error))
    return FALSE;
  gboolean present = strstr (listing, "table " NFT_TABLE) != NULL;
  if (present && !nft_run (test, ns, "delete table " NFT_TABLE, NULL, error))
    return FALSE;
  g_autofree gchar *details
      = g_strdup_printf ("side=%s;ns=%s;loss=0;cleared=%s;dropped=%" G_GUINT64_FORMAT, side, ns,
                         present ? "yes" : "nothing", dropped_packets (listing));
  sr_test_note (test, "impair", side, details);
  return TRUE;
}

gboolean
sr_netns_impair (SrTest *test, const SrAction *action, gdouble timeout_s, GError **error)
{
  g_autofree gchar *where = sr_action_location (action);
  const gchar *link = sr_action_get_string (action, "link", "all");
  const gchar *side = sr_action_get_string (action, "side", "stb");
  gdouble loss = sr_action_get_double (action, "loss", 0);
  gint64 delay = sr_action_get_int (action, "delay", 0);
  gboolean clear = sr_action_get_bool (action, "clear", FALSE);
  gboolean stb_side = g_str_equal (side, "stb");
  const gchar *match = link_match (link, stb_side);
  if (match == NULL || (!stb_side && !g_str_equal (side, "ims")) || loss < 0 || loss > 100
      || delay < 0)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "impair: link=sip|rtp|media|all, side=stb|ims, 0 <= loss <= 100, delay >= 0 "
                   "(got link=%s side=%s loss=%g delay=%" G_GINT64_FORMAT ")",
                   link, side, loss, delay);
      return FALSE;
    }
  g_autofree gchar *ns = stb_side ? sr_test_ready_value (test, "ims", "netns")
                                  : sr_test_ready_value (test, "ims", "ims_netns");
  if (ns == NULL)
    {
      sr_test_raise (test, "impair::not-possible", NULL, stbsim_now_ns (),
                     "%s: impair link=%s needs netns mode (start, component=ims, "
                     "args=\"--netns\"), which this test does not use",
                     where, link);
      return TRUE;
    }
  if (delay > 0)
    {
      /* DESIGN.md §6: this kernel has no sch_netem, and the runner has no user-space delay
       * relay: a delay cannot be applied, so the check cannot be made */
      sr_test_raise (test, "impair::not-possible", NULL, stbsim_now_ns (),
                     "%s: impair delay=%" G_GINT64_FORMAT " ms: tc netem is not available in "
                     "this kernel and stbsim has no delay relay; only loss is supported",
                     where, delay);
      return TRUE;
    }
  if (clear || loss == 0)
    return impair_clear (test, ns, side, error);
  /* a fresh table each time: replaces an earlier impairment in this namespace; prerouting
   * at raw priority, before conntrack, on the receiving side */
  gint per_mille = (gint)(loss * 10 + 0.5);
  const gchar *pattern = sr_action_get_string (action, "pattern", "random");
  g_autofree gchar *rule = NULL;
  /* (numgen mod 1000 < 1000 is out of range for nft: 100 % is a plain drop) */
  if (per_mille >= 1000)
    rule = g_strdup_printf ("%s counter drop", match);
  else if (g_str_equal (pattern, "even"))
    /* Every Nth packet, never two in a row: the same loss rate, but a flow that survives one
     * lost message always survives it (no run of drops outlasting the retransmissions). */
    rule = g_strdup_printf ("%s numgen inc mod %d == 0 counter drop", match,
                            MAX (1, (gint)(1000.0 / MAX (per_mille, 1) + 0.5)));
  else if (g_str_equal (pattern, "random"))
    rule = g_strdup_printf ("%s numgen random mod 1000 < %d counter drop", match, per_mille);
  else
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "%s: impair pattern=%s: random or even", where, pattern);
      return FALSE;
    }
  g_autofree gchar *script = g_strdup_printf (
      "add table " NFT_TABLE "; delete table " NFT_TABLE "; add table " NFT_TABLE "; "
      "add chain " NFT_TABLE " " NFT_CHAIN
      " { type filter hook prerouting priority -300; policy accept; }; "
      "add rule " NFT_TABLE " " NFT_CHAIN " %s",
      rule);
  if (!nft_run (test, ns, script, NULL, error))
    return FALSE;
  g_autofree gchar *listing = NULL;
  if (!nft_run (test, ns, "list table " NFT_TABLE, &listing, error))
    return FALSE;
  if (strstr (listing, "counter packets") == NULL)
    {
      g_set_error (error, SR_RUN_ERROR, SR_RUN_ERROR_CONFIG,
                   "impair: the rule is not in %s after adding it:\n%s", ns, listing);
      return FALSE;
    }
  g_autofree gchar *details
      = g_strdup_printf ("side=%s;ns=%s;link=%s;loss=%g;rule=%s", side, ns, link, loss, rule);
  sr_test_note (test, "impair", side, details);
  return TRUE;
}
