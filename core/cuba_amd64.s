#include "textflag.h"

// func cubaStepAVX2(v, ge, gi *float32, ref *int32, inE, inI *float32, mask *uint8, blocks int, k *cubaConsts)
//
// Eight neurons per block, the same float32 operations in the same order as
// neuron.CUBA.Step (no fused multiply-add), so results are bit-identical.
// k holds the constants broadcast to eight lanes: el 0, em 32, ee 64, ei 96,
// ke 128, ki 160, vt 192, vr 224, rs 256 (int32), one 288 (int32).
TEXT ·cubaStepAVX2(SB), NOSPLIT, $0-72
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ inE+32(FP), R9
	MOVQ inI+40(FP), R10
	MOVQ mask+48(FP), R11
	MOVQ blocks+56(FP), CX
	MOVQ k+64(FP), R12
	VXORPS Y15, Y15, Y15
	XORQ AX, AX
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (SI)(AX*1), Y1
	VADDPS  (R9)(AX*1), Y1, Y1     // e = ge + inE
	VMOVUPS (DX)(AX*1), Y2
	VADDPS  (R10)(AX*1), Y2, Y2    // g = gi + inI
	VMULPS  64(R12), Y1, Y3
	VMOVUPS Y3, (SI)(AX*1)         // ge = e·ee
	VMULPS  96(R12), Y2, Y3
	VMOVUPS Y3, (DX)(AX*1)         // gi = g·ei
	VMOVUPS Y15, (R9)(AX*1)        // inputs consumed
	VMOVUPS Y15, (R10)(AX*1)
	VMOVUPS (DI)(AX*1), Y0         // v
	VMOVDQU (R8)(AX*1), Y4         // ref
	VPCMPGTD Y15, Y4, Y5           // refractory: ref > 0
	VSUBPS  0(R12), Y0, Y6         // v − el
	VMULPS  32(R12), Y6, Y6        // ·em
	VADDPS  0(R12), Y6, Y6         // el + …
	VMULPS  128(R12), Y1, Y7       // ke·e
	VADDPS  Y7, Y6, Y6
	VMULPS  160(R12), Y2, Y7       // ki·g
	VADDPS  Y7, Y6, Y6             // x
	VCMPPS  $0x1E, 192(R12), Y6, Y7 // x > vt (ordered)
	VPANDN  Y7, Y5, Y7             // fire = !refractory && x > vt
	VBLENDVPS Y7, 224(R12), Y6, Y6 // fire ? vr : x
	VBLENDVPS Y5, Y0, Y6, Y6       // refractory ? v : …
	VMOVUPS Y6, (DI)(AX*1)
	VPSUBD  288(R12), Y4, Y0       // ref − 1
	VBLENDVPS Y5, Y0, Y4, Y4       // refractory ? ref−1 : ref
	VBLENDVPS Y7, 256(R12), Y4, Y4 // fire ? rs : …
	VMOVDQU Y4, (R8)(AX*1)
	VMOVMSKPS Y7, R13
	MOVB    R13B, (R11)(BX*1)
	ADDQ    $32, AX
	INCQ    BX
	JMP     loop

done:
	VZEROUPPER
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
