#include "textflag.h"

// Assembly forms of elem.go's kernels: len(x) (or len(dy)) is a multiple of
// 8 and not 0; every operation rounds as its Go form does (no FMA).

// func spikeFwdAVX(y, x []float32, d, inv float32)
TEXT ·spikeFwdAVX(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	VBROADCASTSS d+48(FP), Y1
	VBROADCASTSS inv+52(FP), Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
sf8:
	VMOVUPS (SI)(AX*4), Y0
	VMAXPS Y3, Y0, Y0        // max(x, +0): +0 for NaN and −0 (second source wins)
	VMINPS Y1, Y0, Y0
	VROUNDPS $0, Y0, Y0      // nearest, ties to even
	VMULPS Y2, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  sf8
	VZEROUPPER
	RET

// func steMaskAVX(dx, dy, x []float32, g, d float32)
TEXT ·steMaskAVX(SB), NOSPLIT, $0-80
	MOVQ dx_base+0(FP), DI
	MOVQ dy_base+24(FP), SI
	MOVQ dy_len+32(FP), CX
	MOVQ x_base+48(FP), DX
	VBROADCASTSS gain+72(FP), Y1
	VBROADCASTSS d+76(FP), Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
sm8:
	VMOVUPS (DX)(AX*4), Y0
	VCMPPS $2, Y0, Y3, Y4    // 0 ≤ x (true for −0, false for NaN)
	VCMPPS $2, Y2, Y0, Y5    // x ≤ d
	VANDPS Y5, Y4, Y4
	VMULPS (SI)(AX*4), Y1, Y6
	VANDPS Y6, Y4, Y6
	VMOVUPS Y6, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  sm8
	VZEROUPPER
	RET

// FOLD64 folds lanes l0..l3 (A) and l4..l7 (B) into the low double of A:
// ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
#define FOLD64(A, B, XA) \
	VADDPD B, A, A \
	VEXTRACTF128 $1, A, X7 \
	VADDPD X7, XA, XA \
	VHADDPD XA, XA, XA

// func sum64AVX(x []float32) float64
TEXT ·sum64AVX(SB), NOSPLIT, $0-32
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ AX, AX
s8:
	VCVTPS2PD (SI)(AX*4), Y2
	VCVTPS2PD 16(SI)(AX*4), Y3
	VADDPD Y2, Y0, Y0
	VADDPD Y3, Y1, Y1
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  s8
	FOLD64(Y0, Y1, X0)
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func sumSqDev64AVX(x []float32, m float64) float64
TEXT ·sumSqDev64AVX(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSD m+24(FP), Y4
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ AX, AX
q8:
	VCVTPS2PD (SI)(AX*4), Y2
	VCVTPS2PD 16(SI)(AX*4), Y3
	VSUBPD Y4, Y2, Y2
	VSUBPD Y4, Y3, Y3
	VMULPD Y2, Y2, Y2
	VMULPD Y3, Y3, Y3
	VADDPD Y2, Y0, Y0
	VADDPD Y3, Y1, Y1
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  q8
	FOLD64(Y0, Y1, X0)
	VMOVSD X0, ret+32(FP)
	VZEROUPPER
	RET

// func bnNormAVX(xh, y, x []float32, m, is, g, b float32)
TEXT ·bnNormAVX(SB), NOSPLIT, $0-88
	MOVQ xh_base+0(FP), DI
	MOVQ y_base+24(FP), R8
	MOVQ x_base+48(FP), SI
	MOVQ x_len+56(FP), CX
	VBROADCASTSS m+72(FP), Y1
	VBROADCASTSS is+76(FP), Y2
	VBROADCASTSS gamma+80(FP), Y3
	VBROADCASTSS b+84(FP), Y4
	XORQ AX, AX
n8:
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS Y1, Y0, Y0
	VMULPS Y2, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	VMULPS Y3, Y0, Y0
	VADDPS Y4, Y0, Y0
	VMOVUPS Y0, (R8)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  n8
	VZEROUPPER
	RET

// FOLD32 folds the 8 lanes of Y into the low float of XR:
// ((l0+l4)+(l1+l5)) + ((l2+l6)+(l3+l7)).
#define FOLD32(Y, X, XR) \
	VEXTRACTF128 $1, Y, XR \
	VADDPS XR, X, XR \
	VHADDPS XR, XR, XR \
	VHADDPS XR, XR, XR

// func bnGradSumsAVX(dy, xh []float32) (sdy, sdx float32)
TEXT ·bnGradSumsAVX(SB), NOSPLIT, $0-56
	MOVQ dy_base+0(FP), SI
	MOVQ dy_len+8(FP), CX
	MOVQ xh_base+24(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ AX, AX
g8:
	VMOVUPS (SI)(AX*4), Y2
	VADDPS Y2, Y0, Y0
	VMULPS (DX)(AX*4), Y2, Y3
	VADDPS Y3, Y1, Y1
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  g8
	FOLD32(Y0, X0, X5)
	FOLD32(Y1, X1, X6)
	VMOVSS X5, sdy+48(FP)
	VMOVSS X6, sdx+52(FP)
	VZEROUPPER
	RET

// func bnDxAVX(dx, dy, xh []float32, k, mdy, mdx float32)
TEXT ·bnDxAVX(SB), NOSPLIT, $0-84
	MOVQ dx_base+0(FP), DI
	MOVQ dy_base+24(FP), SI
	MOVQ dy_len+32(FP), CX
	MOVQ xh_base+48(FP), DX
	VBROADCASTSS k+72(FP), Y1
	VBROADCASTSS mdy+76(FP), Y2
	VBROADCASTSS mdx+80(FP), Y3
	XORQ AX, AX
d8:
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS Y2, Y0, Y0
	VMULPS (DX)(AX*4), Y3, Y4
	VSUBPS Y4, Y0, Y0
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  d8
	VZEROUPPER
	RET
