#include "textflag.h"

// func cubaStepAVX2(v, ge, gi *float32, ref *int32, mask *uint8, blocks int, k *cubaConsts)
//
// Eight neurons per block, the same float32 operations in the same order as
// neuron.CUBA.Step (no fused multiply-add), so results are bit-identical.
// The step's inputs must already be folded into ge and gi (ge ← ge + inE,
// the first operation of CUBA.Step), which the caller does for the few
// neurons that received any.
// k holds the constants broadcast to sixteen lanes (64 bytes each): el 0,
// em 64, ee 128, ei 192, ke 256, ki 320, vt 384, vr 448, rs 512 (int32),
// one 576 (int32).
TEXT ·cubaStepAVX2(SB), NOSPLIT, $0-56
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ mask+32(FP), R11
	MOVQ blocks+40(FP), CX
	MOVQ k+48(FP), R12
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (SI)(AX*1), Y1         // e = ge (+ inE, folded in)
	VMOVUPS (DX)(AX*1), Y2         // g = gi (+ inI, folded in)
	VMULPS  128(R12), Y1, Y3
	VMOVUPS Y3, (SI)(AX*1)         // ge = e·ee
	VMULPS  192(R12), Y2, Y3
	VMOVUPS Y3, (DX)(AX*1)         // gi = g·ei
	VMOVUPS (DI)(AX*1), Y0         // v
	VMOVDQU (R8)(AX*1), Y4         // ref
	VPCMPGTD Y15, Y4, Y5           // refractory: ref > 0
	VSUBPS  0(R12), Y0, Y6         // v − el
	VMULPS  64(R12), Y6, Y6        // ·em
	VADDPS  0(R12), Y6, Y6         // el + …
	VMULPS  256(R12), Y1, Y7       // ke·e
	VADDPS  Y7, Y6, Y6
	VMULPS  320(R12), Y2, Y7       // ki·g
	VADDPS  Y7, Y6, Y6             // x
	VCMPPS  $0x1E, 384(R12), Y6, Y7 // x > vt (ordered)
	VPANDN  Y7, Y5, Y7             // fire = !refractory && x > vt
	VBLENDVPS Y7, 448(R12), Y6, Y6 // fire ? vr : x
	VBLENDVPS Y5, Y0, Y6, Y6       // refractory ? v : …
	VMOVUPS Y6, (DI)(AX*1)
	VPSUBD  576(R12), Y4, Y0       // ref − 1
	VBLENDVPS Y5, Y0, Y4, Y4       // refractory ? ref−1 : ref
	VBLENDVPS Y7, 512(R12), Y4, Y4 // fire ? rs : …
	VMOVDQU Y4, (R8)(AX*1)
	VMOVMSKPS Y7, R13
	MOVB    R13B, (R11)(BX*1)
	ADDQ    $32, AX
	INCQ    BX
	JMP     loop

done:
	VZEROUPPER
	RET

// func cubaStepAVX512(v, ge, gi *float32, ref *int32, mask *uint8, blocks int, k *cubaConsts)
//
// As cubaStepAVX2 with sixteen neurons per block; each block writes two
// mask bytes (neurons 16b…16b+7, then 16b+8…16b+15). The constants stay in
// Z16…Z25 for the loop (BenchmarkCUBAStepList, N = 1024, six runs each on
// the loaded machine: 0.28–0.57 ns/neuron with memory operands, 0.22–0.35
// in registers).
TEXT ·cubaStepAVX512(SB), NOSPLIT, $0-56
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ mask+32(FP), R11
	MOVQ blocks+40(FP), CX
	MOVQ k+48(FP), R12
	VPXORD Z15, Z15, Z15
	VMOVUPS 0(R12), Z16            // the constants, in registers for the loop
	VMOVUPS 64(R12), Z17
	VMOVUPS 128(R12), Z18
	VMOVUPS 192(R12), Z19
	VMOVUPS 256(R12), Z20
	VMOVUPS 320(R12), Z21
	VMOVUPS 384(R12), Z22
	VMOVUPS 448(R12), Z23
	VMOVDQU32 512(R12), Z24
	VMOVDQU32 576(R12), Z25
	XORQ AX, AX
	XORQ BX, BX

loop512:
	CMPQ BX, CX
	JGE  done512
	VMOVUPS (SI)(AX*1), Z1         // e = ge (+ inE, folded in)
	VMOVUPS (DX)(AX*1), Z2         // g = gi (+ inI, folded in)
	VMULPS  Z18, Z1, Z3
	VMOVUPS Z3, (SI)(AX*1)         // ge = e·ee
	VMULPS  Z19, Z2, Z3
	VMOVUPS Z3, (DX)(AX*1)         // gi = g·ei
	VMOVUPS (DI)(AX*1), Z0         // v
	VMOVDQU32 (R8)(AX*1), Z4       // ref
	VPCMPGTD Z15, Z4, K2           // refractory: ref > 0
	VSUBPS  Z16, Z0, Z6            // v − el
	VMULPS  Z17, Z6, Z6            // ·em
	VADDPS  Z16, Z6, Z6            // el + …
	VMULPS  Z20, Z1, Z7            // ke·e
	VADDPS  Z7, Z6, Z6
	VMULPS  Z21, Z2, Z7            // ki·g
	VADDPS  Z7, Z6, Z6             // x
	VCMPPS  $0x1E, Z22, Z6, K1     // x > vt (ordered)
	KANDNW  K1, K2, K1             // fire = !refractory && x > vt
	VBLENDMPS Z23, Z6, K1, Z6      // fire ? vr : x
	VBLENDMPS Z0, Z6, K2, Z6       // refractory ? v : …
	VMOVUPS Z6, (DI)(AX*1)
	VPSUBD  Z25, Z4, Z0            // ref − 1
	VPBLENDMD Z0, Z4, K2, Z4       // refractory ? ref−1 : ref
	VPBLENDMD Z24, Z4, K1, Z4      // fire ? rs : …
	VMOVDQU32 Z4, (R8)(AX*1)
	KMOVW   K1, R13
	MOVW    R13, (R11)(BX*2)
	ADDQ    $64, AX
	INCQ    BX
	JMP     loop512

done512:
	VZEROUPPER
	RET

// func hasAVX512() bool
TEXT ·hasAVX512(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, R8
	ANDL $0x08000000, R8 // OSXSAVE
	CMPL R8, $0x08000000
	JNE  no512
	XORL CX, CX
	XGETBV
	ANDL $0xE6, AX       // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM
	CMPL AX, $0xE6
	JNE  no512
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL  $16, BX         // AVX512F
	JCC  no512
	MOVB $1, ret+0(FP)
	RET

no512:
	MOVB $0, ret+0(FP)
	RET

// func hasAVX2() bool
TEXT ·hasAVX2(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, R8
	ANDL $0x18000000, R8 // OSXSAVE and AVX
	CMPL R8, $0x18000000
	JNE  no
	XORL CX, CX
	XGETBV
	ANDL $6, AX          // XMM and YMM state enabled by the OS
	CMPL AX, $6
	JNE  no
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL  $5, BX          // AVX2
	JCC  no
	MOVB $1, ret+0(FP)
	RET

no:
	MOVB $0, ret+0(FP)
	RET

// func cubaStepFoldAVX512(v, ge, gi *float32, ref *int32, inE, inI *float32, mask *uint8, blocks int, k *cubaConsts)
//
// cubaStepAVX512 with the inputs folded in: e = ge + inE and g = gi + inI
// (CUBA.Step's first operations), and every input that is not −0 set to
// −0. The caller keeps untouched inputs at −0, which adds nothing to any
// value (x + −0 = x, also for x = ±0), so folding every neuron gives what
// folding only the touched ones gives.
TEXT ·cubaStepFoldAVX512(SB), NOSPLIT, $0-72
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ inE+32(FP), R9
	MOVQ inI+40(FP), R10
	MOVQ mask+48(FP), R11
	MOVQ blocks+56(FP), CX
	MOVQ k+64(FP), R12
	VPXORD Z15, Z15, Z15
	VPTERNLOGD $0xFF, Z26, Z26, Z26 // all ones
	VPSLLD  $31, Z26, Z26          // −0 in every lane
	VMOVUPS 0(R12), Z16            // the constants, in registers for the loop
	VMOVUPS 64(R12), Z17
	VMOVUPS 128(R12), Z18
	VMOVUPS 192(R12), Z19
	VMOVUPS 256(R12), Z20
	VMOVUPS 320(R12), Z21
	VMOVUPS 384(R12), Z22
	VMOVUPS 448(R12), Z23
	VMOVDQU32 512(R12), Z24
	VMOVDQU32 576(R12), Z25
	XORQ AX, AX
	XORQ BX, BX

loopf:
	CMPQ BX, CX
	JGE  donef
	VMOVUPS (R9)(AX*1), Z8         // inE
	VMOVUPS (R10)(AX*1), Z9        // inI
	VPCMPD  $4, Z26, Z8, K3        // inE ≠ −0 (bits)
	VPCMPD  $4, Z26, Z9, K4
	VMOVDQU32 Z26, K3, (R9)(AX*1)  // consumed: −0
	VMOVDQU32 Z26, K4, (R10)(AX*1)
	VMOVUPS (SI)(AX*1), Z1
	VADDPS  Z8, Z1, Z1             // e = ge + inE
	VMOVUPS (DX)(AX*1), Z2
	VADDPS  Z9, Z2, Z2             // g = gi + inI
	VMULPS  Z18, Z1, Z3
	VMOVUPS Z3, (SI)(AX*1)         // ge = e·ee
	VMULPS  Z19, Z2, Z3
	VMOVUPS Z3, (DX)(AX*1)         // gi = g·ei
	VMOVUPS (DI)(AX*1), Z0         // v
	VMOVDQU32 (R8)(AX*1), Z4       // ref
	VPCMPGTD Z15, Z4, K2           // refractory: ref > 0
	VSUBPS  Z16, Z0, Z6            // v − el
	VMULPS  Z17, Z6, Z6            // ·em
	VADDPS  Z16, Z6, Z6            // el + …
	VMULPS  Z20, Z1, Z7            // ke·e
	VADDPS  Z7, Z6, Z6
	VMULPS  Z21, Z2, Z7            // ki·g
	VADDPS  Z7, Z6, Z6             // x
	VCMPPS  $0x1E, Z22, Z6, K1     // x > vt (ordered)
	KANDNW  K1, K2, K1             // fire = !refractory && x > vt
	VBLENDMPS Z23, Z6, K1, Z6      // fire ? vr : x
	VBLENDMPS Z0, Z6, K2, Z6       // refractory ? v : …
	VMOVUPS Z6, (DI)(AX*1)
	VPSUBD  Z25, Z4, Z0            // ref − 1
	VPBLENDMD Z0, Z4, K2, Z4       // refractory ? ref−1 : ref
	VPBLENDMD Z24, Z4, K1, Z4      // fire ? rs : …
	VMOVDQU32 Z4, (R8)(AX*1)
	KMOVW   K1, R13
	MOVW    R13, (R11)(BX*2)
	ADDQ    $64, AX
	INCQ    BX
	JMP     loopf

donef:
	VZEROUPPER
	RET
