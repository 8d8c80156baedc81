#include "textflag.h"

// REDUCE folds accumulator Y (8 lanes l0..l7) and scalar tail T into
// g[k+OFF]: ((l0+l4)+(l1+l5)) + ((l2+l6)+(l3+l7)), then + T, then + g.
#define REDUCE(Y, X, T, OFF) \
	VEXTRACTF128 $1, Y, X5 \
	VADDPS X5, X, X5 \
	VHADDPS X5, X5, X5 \
	VHADDPS X5, X5, X5 \
	VADDSS T, X5, X5 \
	VADDSS OFF(DI)(AX*4), X5, X5 \
	VMOVSS X5, OFF(DI)(AX*4)

// func dotRowsAVX(g, v, x []float32, stride int)
//
// g[k] += v·x[k·stride : k·stride+len(v)] for every k in [0, len(g)), with
// the summation order of dotRowsGo: eight lane sums over blocks of 8, the
// tail summed apart, products rounded before adding (no FMA). Rows are done
// four at a time so that four independent add chains hide the latency.
TEXT ·dotRowsAVX(SB), NOSPLIT, $0-80
	MOVQ g_base+0(FP), DI
	MOVQ g_len+8(FP), CX
	MOVQ v_base+24(FP), SI
	MOVQ v_len+32(FP), R9
	MOVQ x_base+48(FP), DX
	MOVQ stride+72(FP), R10
	SHLQ $2, R10
	MOVQ R9, R11
	ANDQ $-8, R11
	XORQ AX, AX

rows4:
	MOVQ CX, R12
	SUBQ AX, R12
	CMPQ R12, $4
	JLT  rows1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ DX, R8
	LEAQ (R8)(R10*1), R12
	LEAQ (R12)(R10*1), R13
	LEAQ (R13)(R10*1), R14
	XORQ BX, BX
v4:
	CMPQ BX, R11
	JGE  t4
	VMOVUPS (SI)(BX*4), Y4
	VMULPS (R8)(BX*4), Y4, Y5
	VMULPS (R12)(BX*4), Y4, Y6
	VMULPS (R13)(BX*4), Y4, Y7
	VMULPS (R14)(BX*4), Y4, Y8
	VADDPS Y5, Y0, Y0
	VADDPS Y6, Y1, Y1
	VADDPS Y7, Y2, Y2
	VADDPS Y8, Y3, Y3
	ADDQ $8, BX
	JMP  v4
t4:
	VXORPS X9, X9, X9
	VXORPS X10, X10, X10
	VXORPS X11, X11, X11
	VXORPS X12, X12, X12
t4l:
	CMPQ BX, R9
	JGE  r4
	VMOVSS (SI)(BX*4), X4
	VMULSS (R8)(BX*4), X4, X5
	VADDSS X5, X9, X9
	VMULSS (R12)(BX*4), X4, X6
	VADDSS X6, X10, X10
	VMULSS (R13)(BX*4), X4, X7
	VADDSS X7, X11, X11
	VMULSS (R14)(BX*4), X4, X8
	VADDSS X8, X12, X12
	INCQ BX
	JMP  t4l
r4:
	REDUCE(Y0, X0, X9, 0)
	REDUCE(Y1, X1, X10, 4)
	REDUCE(Y2, X2, X11, 8)
	REDUCE(Y3, X3, X12, 12)
	LEAQ (R14)(R10*1), DX
	ADDQ $4, AX
	JMP  rows4

rows1:
	CMPQ AX, CX
	JGE  done
	VXORPS Y0, Y0, Y0
	MOVQ DX, R8
	XORQ BX, BX
v1:
	CMPQ BX, R11
	JGE  t1
	VMOVUPS (SI)(BX*4), Y4
	VMULPS (R8)(BX*4), Y4, Y5
	VADDPS Y5, Y0, Y0
	ADDQ $8, BX
	JMP  v1
t1:
	VXORPS X9, X9, X9
t1l:
	CMPQ BX, R9
	JGE  r1
	VMOVSS (SI)(BX*4), X4
	VMULSS (R8)(BX*4), X4, X5
	VADDSS X5, X9, X9
	INCQ BX
	JMP  t1l
r1:
	REDUCE(Y0, X0, X9, 0)
	ADDQ R10, DX
	INCQ AX
	JMP  rows1

done:
	VZEROUPPER
	RET
