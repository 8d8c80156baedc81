// Package plotout renders a finished gonum plot into the PNG and SVG bytes
// that the CSV/plot writers (chip/certify, chip/sweep) store side by side.
//
// # Invariants
//
//   - Both images are drawn from the same plot at the same size; the plot is
//     not modified.
//   - On error no partial image is returned as a success: the error is
//     non-nil and the caller writes nothing.
package plotout
