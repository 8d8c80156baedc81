#include "textflag.h"

// Lane indices: the even and odd lanes of 16, and each of 8 lanes twice.
DATA pool2even<>+0(SB)/4, $0
DATA pool2even<>+4(SB)/4, $2
DATA pool2even<>+8(SB)/4, $4
DATA pool2even<>+12(SB)/4, $6
DATA pool2even<>+16(SB)/4, $8
DATA pool2even<>+20(SB)/4, $10
DATA pool2even<>+24(SB)/4, $12
DATA pool2even<>+28(SB)/4, $14
DATA pool2even<>+32(SB)/4, $1
DATA pool2even<>+36(SB)/4, $3
DATA pool2even<>+40(SB)/4, $5
DATA pool2even<>+44(SB)/4, $7
DATA pool2even<>+48(SB)/4, $9
DATA pool2even<>+52(SB)/4, $11
DATA pool2even<>+56(SB)/4, $13
DATA pool2even<>+60(SB)/4, $15
GLOBL pool2even<>(SB), RODATA|NOPTR, $64

DATA pool2odd<>+0(SB)/4, $1
DATA pool2odd<>+4(SB)/4, $3
DATA pool2odd<>+8(SB)/4, $5
DATA pool2odd<>+12(SB)/4, $7
DATA pool2odd<>+16(SB)/4, $9
DATA pool2odd<>+20(SB)/4, $11
DATA pool2odd<>+24(SB)/4, $13
DATA pool2odd<>+28(SB)/4, $15
DATA pool2odd<>+32(SB)/4, $0
DATA pool2odd<>+36(SB)/4, $2
DATA pool2odd<>+40(SB)/4, $4
DATA pool2odd<>+44(SB)/4, $6
DATA pool2odd<>+48(SB)/4, $8
DATA pool2odd<>+52(SB)/4, $10
DATA pool2odd<>+56(SB)/4, $12
DATA pool2odd<>+60(SB)/4, $14
GLOBL pool2odd<>(SB), RODATA|NOPTR, $64

DATA pool2dup<>+0(SB)/4, $0
DATA pool2dup<>+4(SB)/4, $0
DATA pool2dup<>+8(SB)/4, $1
DATA pool2dup<>+12(SB)/4, $1
DATA pool2dup<>+16(SB)/4, $2
DATA pool2dup<>+20(SB)/4, $2
DATA pool2dup<>+24(SB)/4, $3
DATA pool2dup<>+28(SB)/4, $3
DATA pool2dup<>+32(SB)/4, $4
DATA pool2dup<>+36(SB)/4, $4
DATA pool2dup<>+40(SB)/4, $5
DATA pool2dup<>+44(SB)/4, $5
DATA pool2dup<>+48(SB)/4, $6
DATA pool2dup<>+52(SB)/4, $6
DATA pool2dup<>+56(SB)/4, $7
DATA pool2dup<>+60(SB)/4, $7
GLOBL pool2dup<>(SB), RODATA|NOPTR, $64

// MASKS sets K1 to the low m lanes and K2 to the low 2m lanes, m = min(8,
// ow − ox) with R11 = ow − ox (> 0). Uses CX, R12.
#define MASKS \
	MOVQ R11, CX \
	CMPQ CX, $8 \
	JLE  2(PC) \
	MOVQ $8, CX \
	MOVQ $1, R12 \
	SHLQ CX, R12 \
	DECQ R12 \
	KMOVW R12, K1 \
	MOVQ $1, R12 \
	SHLQ CX, R12 \
	SHLQ CX, R12 \
	DECQ R12 \
	KMOVW R12, K2

// func pool2FwdAVX512(y, x []float32, rows, ow, iw int, scale float32)
//
// For every output row r < rows and column o < ow:
// y[r·ow+o] = (((x00 + x01) + x10) + x11)·scale with x00 = x[2r·iw + 2o],
// x01 the next value, x10 and x11 the same one input row down: the 2×2
// pool of Pool2d.forward2, eight outputs at a time (the last under a mask).
TEXT ·pool2FwdAVX512(SB), NOSPLIT, $0-76
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ rows+48(FP), R8
	MOVQ ow+56(FP), R9
	MOVQ iw+64(FP), R10
	SHLQ $2, R10             // input row in bytes
	VBROADCASTSS scale+72(FP), Y15
	VMOVDQU32 pool2even<>(SB), Z13
	VMOVDQU32 pool2odd<>(SB), Z14
frow:
	XORQ AX, AX              // ox
fcol:
	MOVQ R9, R11
	SUBQ AX, R11
	JLE  fnext
	MASKS
	LEAQ (SI)(AX*8), BX      // &row0[2·ox]
	VMOVUPS.Z (BX), K2, Z0
	VMOVUPS.Z (BX)(R10*1), K2, Z1
	VPERMPS Z0, Z13, Z2
	VPERMPS Z0, Z14, Z3
	VPERMPS Z1, Z13, Z4
	VPERMPS Z1, Z14, Z5
	VADDPS Y3, Y2, Y2
	VADDPS Y4, Y2, Y2
	VADDPS Y5, Y2, Y2
	VMULPS Y15, Y2, Y2
	VMOVUPS Y2, K1, (DI)(AX*4)
	ADDQ $8, AX
	JMP  fcol
fnext:
	LEAQ (DI)(R9*4), DI
	LEAQ (SI)(R10*2), SI
	DECQ R8
	JNE  frow
	VZEROUPPER
	RET

// func pool2BwdAVX512(dx, dy []float32, rows, ow, iw int, scale float32)
//
// The gradient of pool2FwdAVX512: every input of the window of output
// (r, o) gets dy[r·ow+o]·scale.
TEXT ·pool2BwdAVX512(SB), NOSPLIT, $0-76
	MOVQ dx_base+0(FP), DI
	MOVQ dy_base+24(FP), SI
	MOVQ rows+48(FP), R8
	MOVQ ow+56(FP), R9
	MOVQ iw+64(FP), R10
	SHLQ $2, R10
	VBROADCASTSS scale+72(FP), Z15
	VMOVDQU32 pool2dup<>(SB), Z13
brow:
	XORQ AX, AX
bcol:
	MOVQ R9, R11
	SUBQ AX, R11
	JLE  bnext
	MASKS
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMULPS Z15, Z0, Z0
	VPERMPS Z0, Z13, Z1
	LEAQ (DI)(AX*8), BX
	VMOVUPS Z1, K2, (BX)
	VMOVUPS Z1, K2, (BX)(R10*1)
	ADDQ $8, AX
	JMP  bcol
bnext:
	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(R10*2), DI
	DECQ R8
	JNE  brow
	VZEROUPPER
	RET
