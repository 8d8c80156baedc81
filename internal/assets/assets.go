package assets

import (
	"embed"
	"fmt"
	"io/fs"
)

// DefaultModel is the file name of the default model: the sfa-convnet trained
// on MNIST.
const DefaultModel = "sfa-convnet-mnist.nsm"

//go:embed files
var files embed.FS

// ErrMissing is wrapped when an asset is not in this build.
var ErrMissing = fs.ErrNotExist

// Read returns the embedded file name.
func Read(name string) ([]byte, error) {
	b, err := files.ReadFile("files/" + name)
	if err != nil {
		return nil, fmt.Errorf("assets: %s is not embedded in this build (put it in internal/assets/files/ and rebuild): %w", name, ErrMissing)
	}
	return b, nil
}

// Model returns the default model's .nsm bytes.
func Model() ([]byte, error) { return Read(DefaultModel) }
