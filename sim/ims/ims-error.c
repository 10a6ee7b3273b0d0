/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "ims"

#include "ims-error.h"

/* clang-format off */
G_DEFINE_QUARK (ims-error-quark, ims_error)
/* clang-format on */
