#include "textflag.h"

// func addScaledAVX2(a []int64, ws []int32, val int64)
//
// a[i] += int64(ws[i])·val for i < len(ws); len(a) == len(ws) and val fits
// in int32 (the caller checks both). Eight lanes per iteration, then four,
// then one at a time. VPMULDQ multiplies the low 32 bits of each 64-bit lane
// as signed integers: after VPMOVSXDQ those are the weight, and val's low 32
// bits are val, so each product is exact.
TEXT ·addScaledAVX2(SB), NOSPLIT, $0-56
	MOVQ a_base+0(FP), DI
	MOVQ ws_base+24(FP), SI
	MOVQ ws_len+32(FP), CX
	MOVQ val+48(FP), DX
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-8, BX
	CMPQ DX, $1
	JNE  mul

add8:
	CMPQ AX, BX
	JGE  add4
	VPMOVSXDQ (SI)(AX*4), Y0
	VPMOVSXDQ 16(SI)(AX*4), Y1
	VPADDQ    (DI)(AX*8), Y0, Y0
	VPADDQ    32(DI)(AX*8), Y1, Y1
	VMOVDQU   Y0, (DI)(AX*8)
	VMOVDQU   Y1, 32(DI)(AX*8)
	ADDQ      $8, AX
	JMP       add8

add4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  add1
	VPMOVSXDQ (SI)(AX*4), Y0
	VPADDQ    (DI)(AX*8), Y0, Y0
	VMOVDQU   Y0, (DI)(AX*8)
	ADDQ      $4, AX

add1:
	CMPQ    AX, CX
	JGE     done
	MOVLQSX (SI)(AX*4), R8
	ADDQ    R8, (DI)(AX*8)
	INCQ    AX
	JMP     add1

mul:
	VPBROADCASTQ val+48(FP), Y15

mul8:
	CMPQ AX, BX
	JGE  mul4
	VPMOVSXDQ (SI)(AX*4), Y0
	VPMOVSXDQ 16(SI)(AX*4), Y1
	VPMULDQ   Y15, Y0, Y0
	VPMULDQ   Y15, Y1, Y1
	VPADDQ    (DI)(AX*8), Y0, Y0
	VPADDQ    32(DI)(AX*8), Y1, Y1
	VMOVDQU   Y0, (DI)(AX*8)
	VMOVDQU   Y1, 32(DI)(AX*8)
	ADDQ      $8, AX
	JMP       mul8

mul4:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  mul1
	VPMOVSXDQ (SI)(AX*4), Y0
	VPMULDQ   Y15, Y0, Y0
	VPADDQ    (DI)(AX*8), Y0, Y0
	VMOVDQU   Y0, (DI)(AX*8)
	ADDQ      $4, AX

mul1:
	CMPQ    AX, CX
	JGE     done
	MOVLQSX (SI)(AX*4), R8
	IMULQ   DX, R8
	ADDQ    R8, (DI)(AX*8)
	INCQ    AX
	JMP     mul1

done:
	VZEROUPPER
	RET
