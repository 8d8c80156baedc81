// Package assets holds the files compiled into the neurosim binary: the
// default trained model that `neurosim run` uses when it is given none.
//
// The files live in the files/ directory and are embedded as a whole, so a
// build works (and says what is missing) before the trained model has been
// placed there.
package assets
