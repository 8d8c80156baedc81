#include "textflag.h"

// func prefetch(p unsafe.Pointer, n uintptr)
//
// PREFETCHT0 on every cache line of [p, p+n) (n > 0). A prefetch retires at
// once and never faults, so a whole tree's lines are fetched in parallel
// while the caller goes on.
TEXT ·prefetch(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	ADDQ AX, CX
	ANDQ $-64, AX
loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	CMPQ AX, CX
	JB   loop
	RET
