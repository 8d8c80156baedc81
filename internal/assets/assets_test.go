package assets

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"
)

func TestMissing(t *testing.T) {
	_, err := Read("no-such-file.nsm")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a missing asset: %v, want fs.ErrNotExist", err)
	}
}

func TestReadme(t *testing.T) {
	b, err := Read("README.md")
	if err != nil || len(b) == 0 {
		t.Fatalf("README.md not embedded: %v", err)
	}
}

// TestModelMatchesPublishedCopy: the trained model is also published at the
// repository's assets/ (where the trainer writes it); the embedded copy must
// be the same file.
func TestModelMatchesPublishedCopy(t *testing.T) {
	pub, err := os.ReadFile("../../assets/" + DefaultModel)
	if err != nil {
		t.Skipf("no published copy: %v", err)
	}
	emb, err := Model()
	if err != nil {
		t.Fatalf("the model is published at assets/ but not embedded: %v", err)
	}
	if !bytes.Equal(pub, emb) {
		t.Fatal("internal/assets/files/" + DefaultModel + " differs from assets/" + DefaultModel + ": copy the new model into internal/assets/files/")
	}
}
