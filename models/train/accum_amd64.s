#include "textflag.h"

// func accumRowsAVX(y, a, x []float32, stride int)
//
// y[i] += a[j]·x[j·stride+i] for j = 0, 1, …, len(a)−1 in turn, for every i
// in [0, len(y)). Each product is rounded to float32 and then added (VMULPS,
// VADDPS; no FMA), so the result equals the sequential Go loop bit for bit.
// y is kept in registers over all j: 32 lanes per pass, then 8, then 1.
TEXT ·accumRowsAVX(SB), NOSPLIT, $0-80
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ a_len+32(FP), R9
	MOVQ x_base+48(FP), DX
	MOVQ stride+72(FP), R10
	SHLQ $2, R10             // stride in bytes
	XORQ AX, AX              // i

	TESTQ R9, R9
	JEQ   done

loop32:
	MOVQ CX, R11
	SUBQ AX, R11
	CMPQ R11, $32
	JLT  loop8
	VMOVUPS (DI)(AX*4), Y0
	VMOVUPS 32(DI)(AX*4), Y1
	VMOVUPS 64(DI)(AX*4), Y2
	VMOVUPS 96(DI)(AX*4), Y3
	LEAQ (DX)(AX*4), R8      // &x[i]
	MOVQ SI, R12             // &a[0]
	MOVQ R9, R13             // j count
j32:
	VBROADCASTSS (R12), Y4
	VMULPS (R8), Y4, Y5
	VMULPS 32(R8), Y4, Y6
	VMULPS 64(R8), Y4, Y7
	VMULPS 96(R8), Y4, Y8
	VADDPS Y5, Y0, Y0
	VADDPS Y6, Y1, Y1
	VADDPS Y7, Y2, Y2
	VADDPS Y8, Y3, Y3
	ADDQ $4, R12
	ADDQ R10, R8
	DECQ R13
	JNE  j32
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ $32, AX
	JMP  loop32

loop8:
	MOVQ CX, R11
	SUBQ AX, R11
	CMPQ R11, $8
	JLT  loop1
	VMOVUPS (DI)(AX*4), Y0
	LEAQ (DX)(AX*4), R8
	MOVQ SI, R12
	MOVQ R9, R13
j8:
	VBROADCASTSS (R12), Y4
	VMULPS (R8), Y4, Y5
	VADDPS Y5, Y0, Y0
	ADDQ $4, R12
	ADDQ R10, R8
	DECQ R13
	JNE  j8
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP  loop8

loop1:
	CMPQ AX, CX
	JGE  done
	VMOVSS (DI)(AX*4), X0
	LEAQ (DX)(AX*4), R8
	MOVQ SI, R12
	MOVQ R9, R13
j1:
	VMOVSS (R12), X4
	VMULSS (R8), X4, X5
	VADDSS X5, X0, X0
	ADDQ $4, R12
	ADDQ R10, R8
	DECQ R13
	JNE  j1
	VMOVSS X0, (DI)(AX*4)
	INCQ AX
	JMP  loop1

done:
	VZEROUPPER
	RET
