/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The live channels' machine-readable frame clock (SPEC §14.4): the head-end burns the
 * frame number since the channel started into the top of every picture, before encoding;
 * a player reads it back from each decoded picture and judges continuity after a zap or a
 * resume. Layout: one row of STB_FRAME_CLOCK_BLOCKS square blocks across the whole width
 * (block side = width / 20: 16 px, one macroblock, at 320x240), at the top (y 0..side-1),
 * each black (luma 16) or white (luma 235), neutral chroma. Blocks 0..15 are the 16-bit
 * frame number, most significant bit first (white = 1); blocks 16..19 a CRC-4 (x^4 + x + 1)
 * of it, xor 0x9, so that an all-black or all-white row, or a misread, is not a number.
 * The reader averages the inner half of each block and calls a block unreadable when its
 * mean is within 48 of mid-grey.
 */

#include <gst/video/video.h>

G_BEGIN_DECLS

#define STB_FRAME_CLOCK_BLOCKS 20
#define STB_FRAME_CLOCK_BITS 16
#define STB_FRAME_CLOCK_MODULO (1u << STB_FRAME_CLOCK_BITS)

/* The 20 block values (bit 19 = block 0) that encode @frame (mod 2^16). */
guint32 stb_frame_clock_encode (guint32 frame);
/* The frame number of 20 block values, or -1 when the check bits do not match. */
gint32 stb_frame_clock_decode (guint32 blocks);

/* Burn @frame into the luma (and neutral chroma) of a mapped YUV @vframe (I420, NV12, ...).
 * FALSE (nothing written) when it is not YUV or narrower than 20 px. */
gboolean stb_frame_clock_write (GstVideoFrame *vframe, guint32 frame);
/* Read the clock from a luma plane: -1 when any block is unclear or the check fails. */
gint32 stb_frame_clock_read_luma (const guint8 *luma, gsize stride, guint width, guint height);
/* The same from a mapped YUV frame (-1 for other formats). */
gint32 stb_frame_clock_read (const GstVideoFrame *vframe);
/* The same from a raw video @buffer with @caps (-1 when it cannot be mapped). */
gint32 stb_frame_clock_read_buffer (GstBuffer *buffer, GstCaps *caps);

/* Continuity of the clock over the pictures shown after a zap or a resume (SPEC
 * [SW-IPTV-23]). A gap: the clock advanced by more than one frame; a repeat: it did not
 * advance (or went back). */
typedef struct
{
  guint frames;             /* pictures seen */
  gint32 first;             /* clock of the first picture, -1 unreadable (or none yet) */
  guint unreadable;         /* pictures whose clock could not be read */
  guint gaps;               /* discontinuities forward */
  guint repeats;            /* discontinuities in place or backwards */
  guint max_gap;            /* largest number of frames skipped by one gap */
  guint max_repeat;         /* largest number of frames played again by one repeat */
  gint32 last;              /* last clock read, -1 none */
  guint unreadable_run;     /* unreadable pictures since the last readable one */
  guint max_unreadable_run; /* longest run of unreadable pictures */
} StbFrameClockCheck;

void stb_frame_clock_check_reset (StbFrameClockCheck *check);
/* One more picture, its clock @value (-1 unreadable). */
void stb_frame_clock_check_add (StbFrameClockCheck *check, gint32 value);
/* The pictures were continuous: the first clock readable, at most one discontinuity (the
 * splice from burst to multicast) of at most @gop_frames frames, and unreadable pictures only
 * one at a time and at most 1 in 20. An unreadable picture between two readable ones whose
 * numbers differ by 2 is no gap: an encoder at a low bitrate now and then leaves a toggled
 * block grey (seen: 3 isolated pictures in 60 after a resume, numbers consistent around
 * them); what a splice or lost packets break is several pictures in a row, or the numbering. */
gboolean stb_frame_clock_check_ok (const StbFrameClockCheck *check, guint gop_frames);

G_END_DECLS
