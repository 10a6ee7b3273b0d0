/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by the fuzz targets (tests/fuzz/fuzz-*.c). Each target defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (`make fuzz`, clang,
 * build/fuzz) or with fuzz-replay.c (every build with tests: `make check` replays the checked-in
 * corpus and crash files through the same code).
 */

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Once per process: GLib criticals abort (a g_return_if_fail reached from input is a bug);
 * debug, info, messages and warnings about the input are dropped (they are expected). */
void fuzz_init (void);

/* A private directory for files the target must pass by path (created once, removed at exit;
 * under /dev/shm when it exists). */
const gchar *fuzz_tmpdir (void);

/* Write @size bytes to fuzz_tmpdir()/@name; returns the path (transfer full). */
gchar *fuzz_write_file (const gchar *name, const uint8_t *data, size_t size);

/* @data as a NUL-terminated string (transfer full; embedded NULs stay, the string ends at the
 * first). */
gchar *fuzz_strndup (const uint8_t *data, size_t size);

G_END_DECLS
