/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPEG frames the firmware sends, linked into flash as they are
 * (frames/, made by make-frames.sh), and a table of where they lie. */

        .section .rodata.mcu_frames, "a", %progbits
        .balign 4
        .global mcu_frames
mcu_frames:
        .word frame0, frame0_end - frame0
        .word frame1, frame1_end - frame1
        .word frame2, frame2_end - frame2

        .global mcu_n_frames
mcu_n_frames:
        .word 3

frame0: .incbin "frames/frame-0.jpg"
frame0_end:
frame1: .incbin "frames/frame-1.jpg"
frame1_end:
frame2: .incbin "frames/frame-2.jpg"
frame2_end:
