package certify_test

import (
	"fmt"

	"github.com/neurosim/neurosim/chip/certify"
)

// 990 of 1000 noisy draws give the top class: with 99.9 % confidence
// p_A ≥ 0.976, and at σ = 0.25 the prediction is certified within an L2
// radius of 0.49 (pixel/255 units).
func ExampleClopperPearsonLower() {
	pA, _ := certify.ClopperPearsonLower(990, 1000, 0.001)
	fmt.Printf("p_A ≥ %.4f, radius %.4f\n", pA, certify.Radius(0.25, pA))
	pA, _ = certify.ClopperPearsonLower(520, 1000, 0.001)
	fmt.Printf("p_A ≥ %.4f, radius %.4f (abstain)\n", pA, certify.Radius(0.25, pA))
	// Output:
	// p_A ≥ 0.9760, radius 0.4945
	// p_A ≥ 0.4707, radius 0.0000 (abstain)
}
