/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * QCOP_ERROR:
 *
 * Error domain of the QCOP channel: the QDataStream and QWS codecs, the client library and
 * the server. Messages say what went wrong, where (byte offset, peer, channel) and, when it
 * helps, what to do.
 */
#define QCOP_ERROR (qcop_error_quark ())
GQuark qcop_error_quark (void);

typedef enum
{
  QCOP_ERROR_TRUNCATED,   /* input ended inside a value or frame */
  QCOP_ERROR_CORRUPT,     /* a value is malformed (odd QString byte count, lone surrogate, ...) */
  QCOP_ERROR_UNSUPPORTED, /* valid Qt data of a type this codec does not handle */
  QCOP_ERROR_TOO_LARGE,   /* exceeds a limit (QWS raw part > 16384 bytes, nesting depth) */
  QCOP_ERROR_PROTOCOL,    /* framing or sequencing violation on the QWS socket */
  QCOP_ERROR_CONNECTION,  /* cannot connect, or the peer went away */
  QCOP_ERROR_TIMEOUT,     /* a bounded wait ran out */
  QCOP_ERROR_PERMISSION,  /* peer credentials refused, socket mode wrong */
  QCOP_ERROR_INVALID,     /* invalid argument (empty channel name, bad UTF-8, ...) */
} QcopError;

G_END_DECLS
