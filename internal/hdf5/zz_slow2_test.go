package hdf5

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZCorpus(t *testing.T) {
	files, _ := filepath.Glob(os.Getenv("CORPUS") + "/*")
	for _, p := range files {
		raw, _ := os.ReadFile(p)
		lines := strings.SplitN(string(raw), "\n", 2)
		s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "[]byte("), ")")
		b, err := strconv.Unquote(s)
		if err != nil {
			t.Fatal(err)
		}
		data := []byte(b)
		t0 := time.Now()
		file, err := Open(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			walkEverything(file)
		}
		fmt.Println(filepath.Base(p), len(data), time.Since(t0), err)
	}
}
