// Package assets holds the files compiled into the neurosim binary: the
// default trained model that `neurosim run` uses when it is given none
// (files/sfa-convnet-mnist.nsm, the sfa-convnet trained on MNIST).
//
// The files live in the files/ directory and are embedded as a whole, so a
// build works (and says what is missing) even without the trained model.
//
// # Invariants
//
//   - Read returns an error wrapping fs.ErrNotExist for a file that is not
//     embedded, never a panic; the bytes returned are the file's, unchanged.
package assets
