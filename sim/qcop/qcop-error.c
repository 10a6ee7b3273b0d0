/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "qcop"

#include "qcop-error.h"

/* clang-format off */
G_DEFINE_QUARK (qcop-error-quark, qcop_error)
/* clang-format on */
