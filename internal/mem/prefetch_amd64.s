#include "textflag.h"

// func Prefetch(p, n uintptr)
//
// PREFETCHT0 on every cache line of [p, p+n), counted as lines from p's so
// that no address wraps. A prefetch retires at once and never faults.
TEXT ·Prefetch(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	MOVQ AX, DX
	ANDQ $63, DX
	ADDQ DX, CX
	ADDQ $63, CX
	SHRQ $6, CX
	ANDQ $-64, AX
	TESTQ CX, CX
	JZ   done
loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ CX
	JNZ  loop
done:
	RET
