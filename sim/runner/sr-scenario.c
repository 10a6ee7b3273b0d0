/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "sr-scenario"

#include "sr-scenario.h"

#include "sr-actions.h"
#include "sr-vocab.h"
#include "stbsim-input.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Own parser rather than gst_structure_from_string(): the runner must not pull in GStreamer
 * (it supervises media processes, it does not run media), and we need file:line:column for
 * every error, `\` continuations, $(var) expansion and includes, which GstStructure lacks. */

#define MAX_INCLUDE_DEPTH 16
#define MAX_LINE_BYTES (64 * 1024)

/* Where a byte of a logical line came from. */
typedef struct
{
  gsize offset; /* in the logical line */
  guint line;   /* physical line that starts at @offset */
} LineSeg;

typedef struct
{
  const gchar *text;
  gsize pos;
  const gchar *file;
  const LineSeg *segs;
  guint n_segs;
  GHashTable *vars;
} Cursor;

static void
cursor_where (const Cursor *c, gsize pos, guint *line, guint *column)
{
  guint i = 0;
  while (i + 1 < c->n_segs && c->segs[i + 1].offset <= pos)
    i++;
  *line = c->segs[i].line;
  *column = (guint)(pos - c->segs[i].offset) + 1;
}

G_GNUC_PRINTF (4, 5)
static gboolean
fail_at (const Cursor *c, gsize pos, GError **error, const gchar *fmt, ...)
{
  va_list ap;
  guint line, column;
  cursor_where (c, pos, &line, &column);
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_SYNTAX, "%s:%u:%u: %s", c->file, line,
               column, msg);
  return FALSE;
}

/* ---- lexing ------------------------------------------------------------------------------ */

static void
skip_ws (Cursor *c)
{
  while (c->text[c->pos] == ' ' || c->text[c->pos] == '\t' || c->text[c->pos] == '\r')
    c->pos++;
}

static gboolean
is_ident_char (gchar ch)
{
  return g_ascii_isalnum (ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':';
}

static gchar *
read_ident (Cursor *c)
{
  gsize start = c->pos;
  while (is_ident_char (c->text[c->pos]))
    c->pos++;
  if (c->pos == start)
    return NULL;
  return g_strndup (c->text + start, c->pos - start);
}

/* Replace $(name) in @in. @pos: where @in starts in the line, for errors. */
static gchar *
expand_vars (const Cursor *c, const gchar *in, gsize pos, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const gchar *p = in;
  while (*p)
    {
      if (p[0] == '$' && p[1] == '(')
        {
          const gchar *end = strchr (p + 2, ')');
          if (end == NULL)
            {
              fail_at (c, pos + (gsize)(p - in), error, "unterminated variable reference '$('");
              return NULL;
            }
          g_autofree gchar *name = g_strndup (p + 2, (gsize)(end - p - 2));
          const gchar *value = c->vars ? g_hash_table_lookup (c->vars, name) : NULL;
          if (value == NULL)
            {
              fail_at (c, pos + (gsize)(p - in), error,
                       "unknown variable $(%s): define it with set-vars first", name);
              if (error && *error)
                (*error)->code = SR_SCENARIO_ERROR_VARIABLE;
              return NULL;
            }
          g_string_append (out, value);
          p = end + 1;
          continue;
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
read_quoted (Cursor *c, GString *out, GError **error)
{
  gsize start = c->pos;
  c->pos++; /* opening quote */
  for (;;)
    {
      gchar ch = c->text[c->pos];
      if (ch == '\0')
        return fail_at (c, start, error, "unterminated string (missing closing '\"')");
      c->pos++;
      if (ch == '"')
        return TRUE;
      if (ch == '\\')
        {
          gchar esc = c->text[c->pos];
          if (esc == '\0')
            return fail_at (c, start, error, "unterminated string (missing closing '\"')");
          c->pos++;
          switch (esc)
            {
              case 'n':
                g_string_append_c (out, '\n');
                break;
              case 't':
                g_string_append_c (out, '\t');
                break;
              default:
                g_string_append_c (out, esc);
                break;
            }
          continue;
        }
      g_string_append_c (out, ch);
    }
}

static gboolean
read_braced (Cursor *c, GString *out, GError **error)
{
  gsize start = c->pos;
  gchar open = c->text[c->pos];
  gchar close = open == '{' ? '}' : ']';
  guint depth = 0;
  gboolean in_quote = FALSE;
  for (;; c->pos++)
    {
      gchar ch = c->text[c->pos];
      if (ch == '\0')
        return fail_at (c, start, error, "unterminated list (missing '%c')", close);
      if (in_quote)
        {
          if (ch == '\\' && c->text[c->pos + 1] != '\0')
            c->pos++;
          else if (ch == '"')
            in_quote = FALSE;
          continue;
        }
      if (ch == '"')
        in_quote = TRUE;
      else if (ch == open)
        depth++;
      else if (ch == close && --depth == 0)
        break;
    }
  g_string_append_len (out, c->text + start + 1, (gssize)(c->pos - start - 1));
  c->pos++;
  g_strstrip (out->str);
  out->len = strlen (out->str);
  return TRUE;
}

static gboolean
parse_bool (const gchar *s, gboolean *out)
{
  if (!g_ascii_strcasecmp (s, "true") || !g_ascii_strcasecmp (s, "yes"))
    *out = TRUE;
  else if (!g_ascii_strcasecmp (s, "false") || !g_ascii_strcasecmp (s, "no"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_int (const gchar *s, gint64 *out)
{
  gchar *end = NULL;
  if (*s == '\0')
    return FALSE;
  errno = 0;
  gint64 v = g_ascii_strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_double (const gchar *s, gdouble *out)
{
  gchar *end = NULL;
  if (*s == '\0')
    return FALSE;
  errno = 0;
  gdouble v = g_ascii_strtod (s, &end);
  if (errno != 0 || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

/* Fill @p's typed fields from p->text according to @type_name (NULL = infer). */
static gboolean
type_value (const Cursor *c, gsize pos, SrParam *p, const gchar *type_name, GError **error)
{
  if (type_name == NULL)
    {
      if (parse_int (p->text, &p->i))
        p->type = SR_VALUE_INT;
      else if (parse_double (p->text, &p->d))
        p->type = SR_VALUE_DOUBLE;
      else if (parse_bool (p->text, &p->b))
        p->type = SR_VALUE_BOOL;
      else
        p->type = SR_VALUE_STRING;
      return TRUE;
    }
  p->explicit_type = TRUE;
  if (g_str_equal (type_name, "string") || g_str_equal (type_name, "s"))
    p->type = SR_VALUE_STRING;
  else if (g_str_equal (type_name, "int") || g_str_equal (type_name, "int64")
           || g_str_equal (type_name, "i"))
    {
      p->type = SR_VALUE_INT;
      if (!parse_int (p->text, &p->i))
        return fail_at (c, pos, error, "'%s' is not an int", p->text);
    }
  else if (g_str_equal (type_name, "double") || g_str_equal (type_name, "d"))
    {
      p->type = SR_VALUE_DOUBLE;
      if (!parse_double (p->text, &p->d))
        return fail_at (c, pos, error, "'%s' is not a double", p->text);
    }
  else if (g_str_equal (type_name, "boolean") || g_str_equal (type_name, "bool")
           || g_str_equal (type_name, "b"))
    {
      p->type = SR_VALUE_BOOL;
      if (!parse_bool (p->text, &p->b))
        return fail_at (c, pos, error, "'%s' is not a boolean (true/false/yes/no)", p->text);
    }
  else
    return fail_at (c, pos, error, "unknown type '(%s)': use string, int, double or boolean",
                    type_name);
  return TRUE;
}

static gboolean
read_value (Cursor *c, SrParam *p, GError **error)
{
  g_autofree gchar *type_name = NULL;
  g_autoptr (GString) raw = g_string_new (NULL);
  gboolean quoted = FALSE, list = FALSE;
  gsize value_pos;

  skip_ws (c);
  if (c->text[c->pos] == '(')
    {
      gsize tpos = c->pos;
      const gchar *close = strchr (c->text + c->pos, ')');
      if (close == NULL)
        return fail_at (c, tpos, error, "unterminated type '(' in value of '%s'", p->key);
      type_name
          = g_strstrip (g_strndup (c->text + c->pos + 1, (gsize)(close - c->text) - c->pos - 1));
      c->pos = (gsize)(close - c->text) + 1;
      skip_ws (c);
    }
  value_pos = c->pos;
  if (c->text[c->pos] == '"')
    {
      quoted = TRUE;
      if (!read_quoted (c, raw, error))
        return FALSE;
    }
  else if (c->text[c->pos] == '{' || c->text[c->pos] == '[')
    {
      list = TRUE;
      if (!read_braced (c, raw, error))
        return FALSE;
    }
  else
    {
      gsize start = c->pos;
      while (c->text[c->pos] != '\0' && c->text[c->pos] != ',' && c->text[c->pos] != ';')
        {
          if (c->text[c->pos] == '"')
            return fail_at (c, c->pos, error, "stray '\"' in unquoted value of '%s'", p->key);
          c->pos++;
        }
      g_string_append_len (raw, c->text + start, (gssize)(c->pos - start));
      g_strstrip (raw->str);
      raw->len = strlen (raw->str);
      if (raw->len == 0)
        return fail_at (c, value_pos, error, "missing value for '%s'", p->key);
    }

  p->text = expand_vars (c, raw->str, value_pos, error);
  if (p->text == NULL)
    return FALSE;
  if (list)
    {
      p->type = SR_VALUE_LIST;
      p->explicit_type = TRUE;
      return TRUE;
    }
  if (quoted && type_name == NULL)
    {
      p->type = SR_VALUE_STRING;
      p->explicit_type = TRUE;
      return TRUE;
    }
  return type_value (c, value_pos, p, type_name, error);
}

static SrAction *
parse_logical (Cursor *c, GError **error)
{
  skip_ws (c);
  gsize name_pos = c->pos;
  g_autofree gchar *name = read_ident (c);
  if (name == NULL)
    {
      fail_at (c, name_pos, error, "expected an action name");
      return NULL;
    }
  g_autoptr (SrAction) action = sr_action_new (name);
  cursor_where (c, name_pos, &action->line, &action->column);
  action->file = g_strdup (c->file);
  action->text = g_strstrip (g_strdup (c->text));

  for (;;)
    {
      skip_ws (c);
      if (c->text[c->pos] == '\0')
        break;
      if (c->text[c->pos] == ';')
        {
          c->pos++;
          skip_ws (c);
          if (c->text[c->pos] != '\0')
            {
              fail_at (c, c->pos, error, "text after ';' (one action per line)");
              return NULL;
            }
          break;
        }
      if (c->text[c->pos] != ',')
        {
          fail_at (c, c->pos, error, "expected ',' before '%c'", c->text[c->pos]);
          return NULL;
        }
      c->pos++;
      skip_ws (c);
      gsize key_pos = c->pos;
      g_autofree gchar *key = read_ident (c);
      if (key == NULL)
        {
          fail_at (c, key_pos, error, "expected a parameter name after ','");
          return NULL;
        }
      skip_ws (c);
      if (c->text[c->pos] != '=')
        {
          fail_at (c, c->pos, error, "expected '=' after '%s'", key);
          return NULL;
        }
      c->pos++;
      if (sr_action_find (action, key) != NULL)
        {
          fail_at (c, key_pos, error, "parameter '%s' given twice", key);
          if (error && *error)
            (*error)->code = SR_SCENARIO_ERROR_BAD_PARAMETER;
          return NULL;
        }
      SrParam *p = g_new0 (SrParam, 1);
      p->key = g_steal_pointer (&key);
      cursor_where (c, key_pos, &p->line, &p->column);
      g_ptr_array_add (action->params, p);
      if (!read_value (c, p, error))
        return NULL;
    }
  return g_steal_pointer (&action);
}

SrAction *
sr_scenario_parse_line (const gchar *text, const gchar *file, guint line, GHashTable *vars,
                        GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  LineSeg seg = { 0, line };
  Cursor c = { text, 0, file ? file : "<string>", &seg, 1, vars };
  return parse_logical (&c, error);
}

/* ---- files ------------------------------------------------------------------------------- */

typedef struct
{
  SrScenario *scenario;
  GPtrArray *stack; /* canonical paths being loaded */
  gboolean validate;
} LoadCtx;

static gboolean load_text (LoadCtx *ctx, const gchar *data, gsize len, const gchar *path,
                           GError **error);

/* A duration in seconds (@key of @action, if given and numeric) must lie in
 * (0, SR_SCENARIO_MAX_TIMEOUT_S]: the runner turns it into ns and ms without overflow. */
static gboolean
check_duration (const SrAction *action, const gchar *key, gboolean zero_ok, GError **error)
{
  const SrParam *p = sr_action_find (action, key);
  if (p == NULL || (p->type != SR_VALUE_INT && p->type != SR_VALUE_DOUBLE))
    return TRUE;
  gdouble v = sr_action_get_double (action, key, 0);
  if ((v > 0 || (zero_ok && v == 0)) && v <= SR_SCENARIO_MAX_TIMEOUT_S)
    return TRUE;
  g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_BAD_PARAMETER,
               "%s:%u:%u: %s=%s of '%s' is out of range: durations are > 0 and at most %d s",
               action->file, p->line, p->column, key, p->text, action->name,
               SR_SCENARIO_MAX_TIMEOUT_S);
  return FALSE;
}

/* Takes ownership of @action. */
static gboolean
handle_meta (LoadCtx *ctx, SrAction *action, GError **error)
{
  SrScenario *s = ctx->scenario;
  if (s->meta != NULL || s->actions->len > 0 || ctx->stack->len > 1)
    {
      g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_META,
                   "%s:%u:%u: 'meta' must be the first action of the scenario file", action->file,
                   action->line, action->column);
      sr_action_free (action);
      return FALSE;
    }
  if (!check_duration (action, "timeout", FALSE, error))
    {
      sr_action_free (action);
      return FALSE;
    }
  /* the default name (from the file name) stays until the new one is copied */
  gchar *name = g_strdup (sr_action_get_string (action, "name", s->name));
  g_free (s->name);
  s->name = name;
  s->summary = g_strdup (sr_action_get_string (action, "summary", ""));
  s->layouts = sr_split_list (sr_action_get_string (
      action, "layouts", sr_action_get_string (action, "layout", "bidirectional,unidirectional")));
  s->requirements = sr_split_list (sr_action_get_string (action, "requirements", ""));
  s->dut_roles = sr_split_list (sr_action_get_string (action, "dut", "iptv,voip"));
  s->ics = sr_split_list (sr_action_get_string (action, "ics", ""));
  s->needs = sr_split_list (sr_action_get_string (action, "needs", ""));
  s->timeout_s = sr_action_get_double (action, "timeout", 60.0);
  s->dialect = g_strdup (sr_action_get_string (action, "dialect", NULL));
  s->meta = action;
  return TRUE;
}

static gboolean
handle_include (LoadCtx *ctx, SrAction *action, GError **error)
{
  const gchar *file = sr_action_get_string (action, "file", NULL);
  g_autofree gchar *dir = g_path_get_dirname (action->file);
  g_autofree gchar *path
      = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (dir, file, NULL);
  g_autofree gchar *canon = g_canonicalize_filename (path, NULL);
  if (ctx->stack->len >= MAX_INCLUDE_DEPTH)
    {
      g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_INCLUDE,
                   "%s:%u:%u: includes nested deeper than %d", action->file, action->line,
                   action->column, MAX_INCLUDE_DEPTH);
      return FALSE;
    }
  for (guint i = 0; i < ctx->stack->len; i++)
    if (g_str_equal (g_ptr_array_index (ctx->stack, i), canon))
      {
        g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_INCLUDE,
                     "%s:%u:%u: include loop: %s is already being loaded", action->file,
                     action->line, action->column, file);
        return FALSE;
      }
  g_autofree gchar *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!stbsim_input_read (path, &data, &len, &local))
    {
      g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_IO, "%s:%u:%u: cannot include: %s",
                   action->file, action->line, action->column, local->message);
      return FALSE;
    }
  return load_text (ctx, data, len, path, error);
}

static gboolean
handle_action (LoadCtx *ctx, SrAction *action, GError **error)
{
  SrScenario *s = ctx->scenario;
  g_autoptr (SrAction) owned = action;

  if ((ctx->validate || g_str_equal (action->name, "meta") || g_str_equal (action->name, "include")
       || g_str_equal (action->name, "set-vars"))
      && !sr_action_validate (action, error))
    return FALSE;
  if (g_str_equal (action->name, "meta"))
    return handle_meta (ctx, g_steal_pointer (&owned), error);
  if (!check_duration (action, "timeout", FALSE, error)
      || !check_duration (action, "window", TRUE, error))
    return FALSE;
  if (s->meta == NULL && ctx->validate)
    {
      g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_META,
                   "%s:%u:%u: the first action must be 'meta' (name, summary, layouts, "
                   "requirements, timeout, dut, ics)",
                   action->file, action->line, action->column);
      return FALSE;
    }
  if (g_str_equal (action->name, "set-vars"))
    {
      for (guint i = 0; i < action->params->len; i++)
        {
          const SrParam *p = g_ptr_array_index (action->params, i);
          g_hash_table_replace (s->vars, g_strdup (p->key), g_strdup (p->text));
        }
      return TRUE;
    }
  if (g_str_equal (action->name, "include"))
    return handle_include (ctx, action, error);
  g_ptr_array_add (s->actions, g_steal_pointer (&owned));
  return TRUE;
}

/* Join `\` continuations into one logical line; record where each physical line starts. */
static gboolean
next_logical (gchar **lines, guint n, guint *i, GString *buf, GArray *segs)
{
  g_string_truncate (buf, 0);
  g_array_set_size (segs, 0);
  while (*i < n)
    {
      gchar *l = lines[*i];
      gsize len = strlen (l);
      if (len > 0 && l[len - 1] == '\r')
        l[--len] = '\0';
      LineSeg seg = { buf->len, *i + 1 };
      g_array_append_val (segs, seg);
      (*i)++;
      if (len > 0 && l[len - 1] == '\\')
        {
          g_string_append_len (buf, l, (gssize)len - 1);
          g_string_append_c (buf, ' ');
          continue;
        }
      g_string_append_len (buf, l, (gssize)len);
      return TRUE;
    }
  return segs->len > 0;
}

/* Scenario files are text: a NUL byte would silently end the file. */
static gboolean
check_no_nul (const gchar *data, gsize len, const gchar *path, GError **error)
{
  const gchar *nul = memchr (data, '\0', len);
  if (nul == NULL)
    return TRUE;
  guint line = 1;
  const gchar *bol = data;
  for (const gchar *q = data; q < nul; q++)
    if (*q == '\n')
      {
        line++;
        bol = q + 1;
      }
  g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_SYNTAX,
               "%s:%u:%u: NUL byte (a scenario file is text)", path, line, (guint)(nul - bol) + 1);
  return FALSE;
}

static gboolean
load_text (LoadCtx *ctx, const gchar *data, gsize len, const gchar *path, GError **error)
{
  if (!check_no_nul (data, len, path, error))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
  guint n = g_strv_length (lines), i = 0;
  g_autoptr (GString) buf = g_string_new (NULL);
  g_autoptr (GArray) segs = g_array_new (FALSE, FALSE, sizeof (LineSeg));
  g_autofree gchar *canon = g_canonicalize_filename (path, NULL);

  g_ptr_array_add (ctx->stack, g_steal_pointer (&canon));
  while (next_logical (lines, n, &i, buf, segs))
    {
      const gchar *p = buf->str;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '#')
        continue;
      if (buf->len > MAX_LINE_BYTES)
        {
          g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_SYNTAX,
                       "%s:%u:1: line longer than %d bytes", path,
                       g_array_index (segs, LineSeg, 0).line, MAX_LINE_BYTES);
          return FALSE;
        }
      Cursor c = { buf->str, 0, path, (LineSeg *)segs->data, segs->len, ctx->scenario->vars };
      SrAction *action = parse_logical (&c, error);
      if (action == NULL || !handle_action (ctx, action, error))
        return FALSE;
    }
  g_ptr_array_remove_index (ctx->stack, ctx->stack->len - 1);
  return TRUE;
}

static gchar *
name_from_path (const gchar *path)
{
  g_autofree gchar *base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".scenario"))
    base[strlen (base) - strlen (".scenario")] = '\0';
  return g_steal_pointer (&base);
}

SrScenario *
sr_scenario_load_from_data (const gchar *data, const gchar *path, GHashTable *builtins,
                            gboolean validate, GError **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  return sr_scenario_load_from_bytes (data, strlen (data), path, builtins, validate, error);
}

SrScenario *
sr_scenario_load_from_bytes (const gchar *data, gsize len, const gchar *path, GHashTable *builtins,
                             gboolean validate, GError **error)
{
  g_return_val_if_fail (data != NULL && path != NULL, NULL);
  g_autoptr (SrScenario) s = g_new0 (SrScenario, 1);
  s->path = g_strdup (path);
  s->name = name_from_path (path);
  s->actions = g_ptr_array_new_with_free_func ((GDestroyNotify)sr_action_free);
  s->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->timeout_s = 60.0;
  if (builtins != NULL)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, builtins);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_replace (s->vars, g_strdup (k), g_strdup (v));
    }
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *absdir = g_canonicalize_filename (dir, NULL);
  g_hash_table_replace (s->vars, g_strdup ("scenario_dir"), g_strdup (absdir));
  g_hash_table_replace (s->vars, g_strdup ("scenario_name"), g_strdup (s->name));

  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  LoadCtx ctx = { s, stack, validate };
  if (!load_text (&ctx, data, len, path, error))
    return NULL;
  if (s->meta == NULL && validate)
    {
      g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_META,
                   "%s:1:1: no 'meta' action (name, summary, layouts, requirements, timeout)",
                   path);
      return NULL;
    }
  if (validate && !sr_vocab_check_actions (s->actions, error))
    return NULL;
  if (s->layouts == NULL)
    s->layouts = sr_split_list ("bidirectional,unidirectional");
  return g_steal_pointer (&s);
}

SrScenario *
sr_scenario_load (const gchar *path, GHashTable *builtins, gboolean validate, GError **error)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  g_return_val_if_fail (path != NULL, NULL);
  if (!stbsim_input_read (path, &data, &len, &local))
    {
      g_set_error (error, SR_SCENARIO_ERROR, SR_SCENARIO_ERROR_IO, "%s", local->message);
      return NULL;
    }
  return sr_scenario_load_from_bytes (data, len, path, builtins, validate, error);
}

void
sr_scenario_free (SrScenario *s)
{
  if (s == NULL)
    return;
  g_free (s->path);
  g_free (s->name);
  g_free (s->summary);
  g_strfreev (s->layouts);
  g_strfreev (s->requirements);
  g_strfreev (s->dut_roles);
  g_strfreev (s->ics);
  g_strfreev (s->needs);
  g_free (s->dialect);
  sr_action_free (s->meta);
  g_ptr_array_unref (s->actions);
  g_hash_table_unref (s->vars);
  g_free (s);
}

gboolean
sr_scenario_applies_to_layout (const SrScenario *scenario, const gchar *layout)
{
  if (scenario->layouts == NULL || scenario->layouts[0] == NULL)
    return TRUE;
  return g_strv_contains ((const gchar *const *)scenario->layouts, layout);
}

static void
describe_action (GString *out, const SrAction *a)
{
  g_string_append_printf (out, "%4u  %s", a->line, a->name);
  for (guint i = 0; i < a->params->len; i++)
    {
      const SrParam *p = g_ptr_array_index (a->params, i);
      static const gchar *const tn[] = { "string", "int", "double", "boolean", "list" };
      g_string_append_printf (out, ", %s=(%s)", p->key, tn[p->type]);
      if (p->type == SR_VALUE_STRING)
        {
          g_autofree gchar *esc = g_strescape (p->text, NULL);
          g_string_append_printf (out, "\"%s\"", esc);
        }
      else if (p->type == SR_VALUE_LIST)
        g_string_append_printf (out, "{%s}", p->text);
      else
        g_string_append (out, p->text);
    }
  g_string_append_c (out, '\n');
}

gchar *
sr_scenario_describe (const SrScenario *s)
{
  GString *out = g_string_new (NULL);
  g_autofree gchar *layouts = g_strjoinv (",", s->layouts);
  g_autofree gchar *reqs
      = g_strjoinv (",", s->requirements ? s->requirements : (gchar *[]){ NULL });
  g_string_append_printf (out,
                          "scenario %s (%s)\n  summary: %s\n  layouts: %s\n"
                          "  requirements: %s\n  timeout: %.1f s\n  actions: %u\n",
                          s->name, s->path, s->summary ? s->summary : "", layouts, reqs,
                          s->timeout_s, s->actions->len);
  for (guint i = 0; i < s->actions->len; i++)
    {
      const SrAction *a = g_ptr_array_index (s->actions, i);
      g_string_append_printf (out, "%s:", a->file);
      describe_action (out, a);
    }
  return g_string_free (out, FALSE);
}
