package zoo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neurosim/neurosim/models"
)

// small builds a narrow variant of a zoo architecture on a small image with random
// weights and random BatchNorm statistics (so folding has something to fold).
func small(t *testing.T, size int, build func(b *builder)) *models.Graph {
	t.Helper()
	b := &builder{g: models.NewGraph(), opt: Options{Seed: 7}}
	b.input("image", models.Shape{3, size, size})
	build(b)
	if b.err != nil {
		t.Fatal(b.err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range b.g.Nodes() {
		if n.Op != models.OpBatchNorm {
			continue
		}
		for name, tn := range n.Tensors {
			for i := range tn.F32 {
				switch name {
				case "running_var":
					tn.F32[i] = float32(0.5 + rng.Float64())
				case "weight":
					tn.F32[i] = float32(0.5 + rng.Float64())
				default:
					tn.F32[i] = float32(rng.NormFloat64() * 0.3)
				}
			}
		}
	}
	if err := models.Verify(b.g); err != nil {
		t.Fatal(err)
	}
	return b.g
}

func randomImage(shape models.Shape) []float32 {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, shape.Numel())
	for i := range x {
		x[i] = float32(rng.Float64() * 4)
	}
	return x
}

// TestFoldedChainsEqualUnfolded evaluates a graph with the float reference
// evaluator, folds every linear chain (RepConv, SepRepConv, the Large RepConv), and
// checks that each folded convolution, applied to the chain's input, reproduces the
// chain's output within 1e-5 of its scale (float32 rounding of the folded weights).
func TestFoldedChainsEqualUnfolded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		build  func(b *builder)
		chains int
	}{
		{"spikeyolo-narrow", 64, func(b *builder) { spikeYOLO(b, yoloScale{0.33, 0.0625, 1024, 2}) }, 2*3 + 1*2 + 12},
		{"spikeformer-large-narrow", 32, func(b *builder) { spikeformerLarge(b, [3]int{16, 32, 64}, true) }, 12 * 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := small(t, tc.size, tc.build)
			shapes, err := models.InferShapes(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			val, err := Eval(g, map[string][]float32{"image": randomImage(shapes["image"])})
			if err != nil {
				t.Fatal(err)
			}
			chains := models.LinearChains(g)
			if len(chains) < tc.chains {
				t.Errorf("%d linear chains, want at least %d", len(chains), tc.chains)
			}
			type ref struct {
				in, out  []float64
				inShape  models.Shape
				outShape models.Shape
			}
			refs := map[string]ref{}
			for _, c := range chains {
				p := g.Predecessors(c[0])[0]
				last := c[len(c)-1]
				refs[c[0]] = ref{val[p], val[last], shapes[p], shapes[last]}
			}
			f := g.Clone()
			n, err := Fold(f)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(chains) {
				t.Fatalf("folded %d chains of %d", n, len(chains))
			}
			if left := models.LinearChains(f); len(left) != 0 {
				t.Fatalf("%d chains left after folding", len(left))
			}
			for id, r := range refs {
				conv := f.Node(id)
				if conv.Op != models.OpConv2d || conv.Tensors["weight"].Shape[2] != conv.Tensors["weight"].Shape[3] {
					t.Fatalf("%s folded into %s %v", id, conv.Op, conv.Tensors["weight"].Shape)
				}
				got := evalConv(conv, r.in, r.inShape, r.outShape)
				scale, worst := 0.0, 0.0
				for i, v := range r.out {
					scale = math.Max(scale, math.Abs(v))
					worst = math.Max(worst, math.Abs(got[i]-v))
				}
				if worst > 1e-5*(1+scale) {
					t.Errorf("chain %s: folded differs by %g (scale %g)", id, worst, scale)
				}
			}
			// The folded model still evaluates end to end.
			if _, err := Eval(f, map[string][]float32{"image": randomImage(shapes["image"])}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPlanFoldRejects(t *testing.T) {
	g := models.NewGraph()
	g.Add("x", models.OpInput).SetInts("shape", 4, 8, 8)
	b := &builder{g: g, opt: Options{Seed: 1}}
	// A 3×3 conv with padding followed by a padded 3×3 conv: the second pad does not
	// commute with the first conv.
	b.conv("a", "x", 4, 4, 3, 1, 1, 1, false)
	b.conv("b", "a", 4, 4, 3, 1, 1, 1, false)
	if _, err := models.PlanFold(g, []string{"a", "b"}, models.Shape{4, 8, 8}); err == nil {
		t.Error("padded conv after a 3×3 conv folded")
	}
	g2 := models.NewGraph()
	g2.Add("x", models.OpInput).SetInts("shape", 4, 8, 8)
	b2 := &builder{g: g2, opt: Options{Seed: 1}}
	b2.conv("a", "x", 4, 4, 1, 2, 0, 1, false)
	b2.conv("b", "a", 4, 4, 1, 1, 0, 1, false)
	if _, err := models.PlanFold(g2, []string{"a", "b"}, models.Shape{4, 8, 8}); err == nil {
		t.Error("strided conv folded")
	}
	if err := models.FoldBatchNorm(smallBNAndPad(), "bn"); err == nil {
		t.Error("a padded BatchNorm folded into its producer")
	}
}

func smallBNAndPad() *models.Graph {
	g := models.NewGraph()
	g.Add("x", models.OpInput).SetInts("shape", 2, 4, 4)
	b := &builder{g: g, opt: Options{Seed: 1}}
	b.conv("c", "x", 2, 2, 1, 1, 0, 1, false)
	b.bn("bn", "c", 2, 1)
	return g
}
