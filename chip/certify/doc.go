// Package certify computes randomized-smoothing certificates (Cohen,
// Rosenfeld and Kolter, "Certified Adversarial Robustness via Randomized
// Smoothing", ICML 2019) for spiking networks, as RSC-SNN does for Poisson
// rate coding: the smoothed classifier g(x) = argmax_c P(f(x+ε) = c),
// ε ~ N(0, σ²I) on the input in [0, 1] units (pixel/255), is certified to
// keep its prediction within an L2 ball of radius σ·Φ⁻¹(p_A) around x,
// where p_A is a lower confidence bound on the probability of the top
// class.
//
// # Model
//
// [Certify] follows Cohen et al.'s CERTIFY: n0 noisy draws select the top
// class c_A, n further draws count how often c_A comes out, and the
// one-sided Clopper–Pearson bound at level 1−α gives p_A ([ClopperPearsonLower]).
// If p_A ≤ 1/2 the sample is an abstention; else the radius is σ·Φ⁻¹(p_A).
// A noisy input is rounded back to 8-bit pixels and clipped to [0, 255];
// that is part of the base classifier, which the theorem allows to be any
// function (also a randomized one: with Poisson coding the encoder's
// spike draws are part of each draw, and the bound holds for the resulting
// soft classifier, Salman et al. 2019). Poisson coding without Gaussian
// noise (σ = 0) gives the smoothed prediction and p_A but no L2 radius.
// The base classifier is the program's software integer model
// (compiler.Simulator) or the simulated chip.
//
// # Invariants
//
//   - Sample i draws all its noise from its own stream, derived from the
//     root seed and i; results do not depend on the number of workers.
//   - A sample abstains exactly when p_A ≤ 1/2; an abstention and a wrong
//     prediction are never counted as certified at any radius.
//   - Radii are reported in the input's [0, 1] units (pixel/255), L2.
package certify
