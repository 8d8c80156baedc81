#include "textflag.h"

// func accumRows4AVX512(y, a, x []float32, n, j, ys, as, xs int, zero bool)
//
// For the four rows r = 0…3: y[r·ys+i] += a[r·as+k]·x[k·xs+i] for k = 0, 1,
// …, j−1 in turn, for every i in [0, n): accumRows on four rows at once, so
// that each load of x feeds four rows. Products are rounded, then added
// (VMULPS, VADDPS; no FMA): every y element gets the sequential sum of
// accumRowsGo bit for bit. y stays in registers over all k: 48 lanes per
// row per pass (12 accumulators), then 16, then a masked block for the
// last n mod 16. With zero set, y's old values are not read: the sums start
// from +0 (y = A·X; the same bits as accumRowsGo on a zeroed y). n ≥ 1,
// j ≥ 1; the caller checks the bounds.
TEXT ·accumRows4AVX512(SB), NOSPLIT, $0-113
	MOVQ y_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	MOVQ n+72(FP), CX
	MOVQ ys+88(FP), BX
	SHLQ $2, BX              // y row stride in bytes
	MOVQ as+96(FP), R13
	SHLQ $2, R13             // a row stride in bytes
	MOVQ xs+104(FP), R10
	SHLQ $2, R10             // x row stride in bytes
	LEAQ (DI)(BX*2), R15     // &y row 2
	XORQ AX, AX              // i

loop48:
	MOVQ CX, R11
	SUBQ AX, R11
	CMPQ R11, $48
	JLT  loop16
	CMPB zero+112(FP), $0
	JEQ  load48
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	JMP  go48
load48:
	LEAQ (DI)(AX*4), R11     // &y[0][i]
	VMOVUPS (R11), Z0
	VMOVUPS 64(R11), Z1
	VMOVUPS 128(R11), Z2
	VMOVUPS (R11)(BX*1), Z3
	VMOVUPS 64(R11)(BX*1), Z4
	VMOVUPS 128(R11)(BX*1), Z5
	LEAQ (R15)(AX*4), R11    // &y[2][i]
	VMOVUPS (R11), Z6
	VMOVUPS 64(R11), Z7
	VMOVUPS 128(R11), Z8
	VMOVUPS (R11)(BX*1), Z9
	VMOVUPS 64(R11)(BX*1), Z10
	VMOVUPS 128(R11)(BX*1), Z11
go48:
	LEAQ (DX)(AX*4), R8      // &x[0][i]
	MOVQ SI, R12             // &a[0][0]
	LEAQ (SI)(R13*2), R14
	ADDQ R13, R14            // &a[3][0]
	MOVQ j+80(FP), R9
j48:
	VMOVUPS (R8), Z12
	VMOVUPS 64(R8), Z13
	VMOVUPS 128(R8), Z14
	VBROADCASTSS (R12), Z15
	VBROADCASTSS (R12)(R13*1), Z16
	VBROADCASTSS (R12)(R13*2), Z17
	VBROADCASTSS (R14), Z18
	VMULPS Z12, Z15, Z19
	VMULPS Z13, Z15, Z20
	VMULPS Z14, Z15, Z21
	VADDPS Z19, Z0, Z0
	VADDPS Z20, Z1, Z1
	VADDPS Z21, Z2, Z2
	VMULPS Z12, Z16, Z22
	VMULPS Z13, Z16, Z23
	VMULPS Z14, Z16, Z24
	VADDPS Z22, Z3, Z3
	VADDPS Z23, Z4, Z4
	VADDPS Z24, Z5, Z5
	VMULPS Z12, Z17, Z25
	VMULPS Z13, Z17, Z26
	VMULPS Z14, Z17, Z27
	VADDPS Z25, Z6, Z6
	VADDPS Z26, Z7, Z7
	VADDPS Z27, Z8, Z8
	VMULPS Z12, Z18, Z28
	VMULPS Z13, Z18, Z29
	VMULPS Z14, Z18, Z30
	VADDPS Z28, Z9, Z9
	VADDPS Z29, Z10, Z10
	VADDPS Z30, Z11, Z11
	ADDQ $4, R12
	ADDQ $4, R14
	ADDQ R10, R8
	DECQ R9
	JNE  j48
	LEAQ (DI)(AX*4), R11
	VMOVUPS Z0, (R11)
	VMOVUPS Z1, 64(R11)
	VMOVUPS Z2, 128(R11)
	VMOVUPS Z3, (R11)(BX*1)
	VMOVUPS Z4, 64(R11)(BX*1)
	VMOVUPS Z5, 128(R11)(BX*1)
	LEAQ (R15)(AX*4), R11
	VMOVUPS Z6, (R11)
	VMOVUPS Z7, 64(R11)
	VMOVUPS Z8, 128(R11)
	VMOVUPS Z9, (R11)(BX*1)
	VMOVUPS Z10, 64(R11)(BX*1)
	VMOVUPS Z11, 128(R11)(BX*1)
	ADDQ $48, AX
	JMP  loop48

loop16:
	MOVQ CX, R11
	SUBQ AX, R11
	JLE  done
	// K1 selects the lanes left in this block: all 16, or the last n mod 16.
	MOVQ $0xFFFF, R8
	CMPQ R11, $16
	JGE  mask
	MOVQ CX, R9              // the shift count must be in CX: park n
	MOVQ R11, CX
	MOVQ $1, R8
	SHLQ CX, R8
	DECQ R8                  // (1 << (n−i)) − 1
	MOVQ R9, CX
mask:
	KMOVW R8, K1
	CMPB zero+112(FP), $0
	JEQ  load16
	VPXORD Z0, Z0, Z0
	VPXORD Z3, Z3, Z3
	VPXORD Z6, Z6, Z6
	VPXORD Z9, Z9, Z9
	JMP  go16
load16:
	LEAQ (DI)(AX*4), R11
	VMOVUPS.Z (R11), K1, Z0
	VMOVUPS.Z (R11)(BX*1), K1, Z3
	LEAQ (R15)(AX*4), R11
	VMOVUPS.Z (R11), K1, Z6
	VMOVUPS.Z (R11)(BX*1), K1, Z9
go16:
	LEAQ (DX)(AX*4), R8
	MOVQ SI, R12
	LEAQ (SI)(R13*2), R14
	ADDQ R13, R14
	MOVQ j+80(FP), R9
j16:
	VMOVUPS.Z (R8), K1, Z12
	VBROADCASTSS (R12), Z15
	VBROADCASTSS (R12)(R13*1), Z16
	VBROADCASTSS (R12)(R13*2), Z17
	VBROADCASTSS (R14), Z18
	VMULPS Z12, Z15, Z19
	VMULPS Z12, Z16, Z22
	VMULPS Z12, Z17, Z25
	VMULPS Z12, Z18, Z28
	VADDPS Z19, Z0, Z0
	VADDPS Z22, Z3, Z3
	VADDPS Z25, Z6, Z6
	VADDPS Z28, Z9, Z9
	ADDQ $4, R12
	ADDQ $4, R14
	ADDQ R10, R8
	DECQ R9
	JNE  j16
	LEAQ (DI)(AX*4), R11
	VMOVUPS Z0, K1, (R11)
	VMOVUPS Z3, K1, (R11)(BX*1)
	LEAQ (R15)(AX*4), R11
	VMOVUPS Z6, K1, (R11)
	VMOVUPS Z9, K1, (R11)(BX*1)
	ADDQ $16, AX
	JMP  loop16

done:
	VZEROUPPER
	RET
