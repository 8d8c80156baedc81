package deptest

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/neurosim/neurosim"

// allowed is DESIGN.md's import table: owner -> owners it may import.
var allowed = map[string][]string{
	"sim":      {},
	"arch":     {},
	"neuron":   {},
	"crossbar": {"arch"},
	"noc":      {"sim", "arch"},
	"core":     {"sim", "arch", "neuron", "crossbar"},
	"models":   {"neuron", "arch"},
	"compiler": {"models", "arch", "neuron", "crossbar"},
	"chip":     {"sim", "arch", "neuron", "crossbar", "noc", "core", "models", "compiler"},
	"traces":   {"sim", "arch", "models", "core", "noc"},
	"report":   {"chip", "models", "arch"},
	"cmd":      {"*"},
	"internal": {},
}

type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	GoFiles    []string
}

// owner maps an import path inside the module to its top-level owner.
func owner(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	return strings.SplitN(rel, "/", 2)[0]
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; cannot list packages")
	}
	cmd := exec.Command(gobin, "list", "-deps", "-json", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.ImportPath, module) {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

func TestImportTable(t *testing.T) {
	for _, b := range violations(listPackages(t)) {
		t.Error(b)
	}
}

// TestViolationsCatchesForbiddenEdges checks the checker on made-up packages.
func TestViolationsCatchesForbiddenEdges(t *testing.T) {
	got := violations([]pkg{
		{ImportPath: module + "/core", Imports: []string{module + "/noc", module + "/sim", "fmt"}},
		{ImportPath: module + "/models/train", Imports: []string{module + "/models", module + "/traces"}},
		{ImportPath: module + "/cmd/neurosim", Imports: []string{module + "/traces"}},
		{ImportPath: module + "/widgets"},
	})
	want := []string{
		module + "/core imports " + module + "/noc: core may not import noc",
		module + "/models/train imports " + module + "/traces: models may not import traces",
		module + "/widgets: top-level package not in DESIGN.md's table (add it there and here, or move it under internal/ or an owner)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func violations(pkgs []pkg) []string {
	var bad []string
	for _, p := range pkgs {
		from := owner(p.ImportPath)
		rules, ok := allowed[from]
		if !ok {
			bad = append(bad, p.ImportPath+": top-level package not in DESIGN.md's table (add it there and here, or move it under internal/ or an owner)")
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := owner(imp)
			if to == from || to == "internal" || (len(rules) == 1 && rules[0] == "*") {
				continue
			}
			ok := false
			for _, r := range rules {
				ok = ok || r == to
			}
			if !ok {
				bad = append(bad, p.ImportPath+" imports "+imp+": "+from+" may not import "+to)
			}
		}
	}
	sort.Strings(bad)
	return bad
}

func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue
		}
		doc := filepath.Join(p.Dir, "doc.go")
		b, err := os.ReadFile(doc)
		if err != nil {
			if p.ImportPath == module+"/cmd/neurosim" {
				continue // a command documents itself in main.go
			}
			t.Errorf("%s has no doc.go", p.ImportPath)
			continue
		}
		if !bytes.Contains(b, []byte("Invariants")) {
			t.Errorf("%s: doc.go does not state its invariants (no \"Invariants\" section)", p.ImportPath)
		}
	}
}
