package train

import "gonum.org/v1/gonum/blas"

// Dense matrix products for the MLP trainers of this package that run
// outside Net (Distance-Forward and its backpropagation baseline). They call
// gonum's Sgemm on row-major matrices: every element of the result is
// computed by one goroutine summing over k in a fixed order, so the result
// does not depend on GOMAXPROCS.

// gemmNT computes C = A·Bᵀ + beta·C for A m×k (row stride lda), B n×k
// (row stride ldb) and C m×n (row stride ldc).
func gemmNT(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int, beta float32) {
	if m == 0 || n == 0 {
		return
	}
	l1.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

// gemmTN computes C += Aᵀ·B for A k×m (row stride lda), B k×n (row stride
// ldb) and C m×n (row stride ldc): the weight gradient Δᵀ·U.
func gemmTN(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	l1.Sgemm(blas.Trans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
}

// gemmNN computes C = A·B for A m×k, B k×n, C m×n (row strides lda, ldb,
// ldc): the input gradient Δ·W.
func gemmNN(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	if m == 0 || n == 0 {
		return
	}
	l1.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}

// memAcct accounts the float32 buffers a trainer allocates, by kind, so
// that two training methods can be compared on the memory they need.
type memAcct struct{ MemStats }

// MemStats is the memory a trainer allocated, in bytes of float32 buffers.
// The trainers allocate every buffer once (for the batch size) and reuse
// it, so these are also the peaks.
type MemStats struct {
	Params   int64 // weights and biases
	OptState int64 // optimiser moments
	Grads    int64 // weight and bias gradients
	Acts     int64 // activations, their gradients and the input batch
}

// Training is the memory that depends on the training method: gradients
// and activations (parameters and optimiser state are the same for a given
// network and optimiser).
func (m MemStats) Training() int64 { return m.Grads + m.Acts }

// Total is everything accounted.
func (m MemStats) Total() int64 { return m.Params + m.OptState + m.Grads + m.Acts }

func (a *memAcct) acts(n int) []float32 {
	a.Acts += 4 * int64(n)
	return make([]float32, n)
}

func (a *memAcct) grads(n int) []float32 {
	a.Grads += 4 * int64(n)
	return make([]float32, n)
}
