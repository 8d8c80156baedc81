package compiler

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/modeltest"
)

// stridedGroupedNet has a strided conv, a grouped conv and a dense layer.
func stridedGroupedNet(rng *rand.Rand) *models.Graph {
	g := models.NewGraph()
	rnd := func(n int, std float64) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		return w
	}
	g.Add("input", models.OpInput).SetInts("shape", 2, 10, 10)
	g.Add("conv1", models.OpConv2d).SetF32("weight", models.Shape{6, 2, 3, 3}, rnd(6*2*9, 0.8)).
		SetF32("bias", models.Shape{6}, rnd(6, 0.2)).SetInts("stride", 2, 2).SetInts("padding", 1, 1)
	g.Add("s1", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("conv2", models.OpConv2d).SetF32("weight", models.Shape{6, 2, 3, 3}, rnd(6*2*9, 0.5)).
		SetF32("bias", models.Shape{6}, rnd(6, 0.2)).SetInts("padding", 1, 1).SetInt("groups", 3)
	g.Add("s2", models.OpMultiSpike).SetInt("D", 4).SetFloat("norm", 1)
	g.Add("flat", models.OpFlatten)
	g.Add("fc", models.OpAffine).SetF32("weight", models.Shape{4, 150}, rnd(4*150, 0.1)).SetF32("bias", models.Shape{4}, rnd(4, 0.1))
	g.Add("output", models.OpOutput)
	g.Chain("input", "conv1", "s1", "conv2", "s2", "flat", "fc", "output")
	return g
}

// explicitRef is the connectivity as the compiler built it before the
// compact form: every core's sorted axon list (axonList), the fan-out by
// inverting the lists through a per-neuron owner table, and the routing
// tables and link loads from the fan-out.
type explicitRef struct {
	axons    [][]Axon
	fanStart [][]int32
	fan      [][]Dest
	inStart  []int32
	inFan    []Dest
	routers  []Router
	rep      Report
	traffic  [][]edgeW
}

func buildExplicitRef(p *Program, act float64) *explicitRef {
	ref := &explicitRef{}
	owner := make([][][2]int32, len(p.Layers))
	for li := range p.Layers {
		owner[li] = make([][2]int32, p.Layers[li].Size())
	}
	for ci := range p.Cores {
		c := &p.Cores[ci]
		for i := 0; i < c.Neurons(); i++ {
			owner[c.Layer][p.GlobalNeuron(c, i)] = [2]int32{int32(ci), int32(i)}
		}
		ref.axons = append(ref.axons, axonList(&p.Layers[c.Layer], c.Region))
	}
	nc := len(p.Cores)
	ref.fanStart, ref.fan = make([][]int32, nc), make([][]Dest, nc)
	for i := range p.Cores {
		ref.fanStart[i] = make([]int32, p.Cores[i].Neurons()+1)
	}
	ref.inStart = make([]int32, numel(p.Input.Shape)+1)
	for b := range p.Cores {
		for _, a := range ref.axons[b] {
			if a.Source < 0 {
				ref.inStart[a.Neuron+1]++
				continue
			}
			o := owner[a.Source][a.Neuron]
			ref.fanStart[o[0]][o[1]+1]++
		}
	}
	for i := range ref.fanStart {
		for j := 1; j < len(ref.fanStart[i]); j++ {
			ref.fanStart[i][j] += ref.fanStart[i][j-1]
		}
		ref.fan[i] = make([]Dest, ref.fanStart[i][len(ref.fanStart[i])-1])
	}
	for j := 1; j < len(ref.inStart); j++ {
		ref.inStart[j] += ref.inStart[j-1]
	}
	ref.inFan = make([]Dest, ref.inStart[len(ref.inStart)-1])
	inFill := slices.Clone(ref.inStart)
	fill := make([][]int32, nc)
	for i := range fill {
		fill[i] = slices.Clone(ref.fanStart[i])
	}
	ref.traffic = make([][]edgeW, nc)
	for b := range p.Cores {
		cnt := map[int]int64{}
		for ai, a := range ref.axons[b] {
			d := Dest{Core: int32(b), Axon: int32(ai)}
			if a.Source < 0 {
				ref.inFan[inFill[a.Neuron]] = d
				inFill[a.Neuron]++
				continue
			}
			o := owner[a.Source][a.Neuron]
			ref.fan[o[0]][fill[o[0]][o[1]]] = d
			fill[o[0]][o[1]]++
			cnt[int(o[0])]++
		}
		var touched []int
		for c := range cnt {
			touched = append(touched, c)
		}
		sort.Ints(touched)
		for _, a := range touched {
			if a != b {
				ref.traffic[a] = append(ref.traffic[a], edgeW{int32(b), cnt[a]})
				ref.traffic[b] = append(ref.traffic[b], edgeW{int32(a), cnt[a]})
			}
		}
	}
	// routing tables and link loads from the fan-out (the former routeTables)
	gw, gh := p.Mesh.Width*p.Mesh.ChipsX, p.Mesh.Height*p.Mesh.ChipsY
	yx := p.Mesh.Routing == "yx"
	loads := make([]int64, gw*gh*4)
	entries := make([]int, gw*gh)
	for ci := range p.Cores {
		c := &p.Cores[ci]
		sx, sy := p.GlobalXY(c)
		var dsts []int32
		for _, d := range ref.fan[ci] {
			dsts = append(dsts, d.Core)
		}
		slices.Sort(dsts)
		dsts = slices.Compact(dsts)
		ports := map[int]uint8{}
		for _, d := range dsts {
			dx, dy := p.GlobalXY(&p.Cores[d])
			RoutePath(sx, sy, dx, dy, yx, func(x, y, dir int) { ports[y*gw+x] |= dirPort[dir] })
			ports[dy*gw+dx] |= PortLocal
		}
		if p.Mesh.Multicast {
			var keys []int
			for k := range ports {
				keys = append(keys, k)
			}
			sort.Ints(keys)
			for _, k := range keys {
				ref.routers = append(ref.routers, Router{X: k % gw, Y: k / gw, Source: int32(ci), Ports: ports[k]})
				entries[k]++
			}
		}
		for n := 0; n < c.Neurons(); n++ {
			fan := ref.fan[ci][ref.fanStart[ci][n]:ref.fanStart[ci][n+1]]
			seen := map[int]bool{}
			p.addPathLoads(loads, seen, sx, sy, decodeKey(destKey(fan)), yx, 1)
		}
	}
	r := &ref.rep
	r.Routing.Entries = len(ref.routers)
	for _, e := range entries {
		r.Routing.MaxPerRouter = max(r.Routing.MaxPerRouter, e)
	}
	r.Routing.PerRouter = entries
	p.addLinkLoads(r, loads, gw, act)
	return ref
}

// TestCompactExpandsToExplicit: a program compiled in compact form (axon
// boxes, no fan-out) has the routing tables, link loads and placement
// traffic the explicit lists give, and expands to exactly the explicit
// axons and fan-outs, on conv, strided, grouped, dense, split (psum),
// residual, attention, mean, sparse (GNN), LIF and recurrent models.
func TestCompactExpandsToExplicit(t *testing.T) {
	multi := mustPreset("loihi")
	multi.NoC.Multicast = true
	multi.Board.ChipsX, multi.Board.ChipsY = 2, 1
	meanSpec := mustPreset("default")
	for name, k := range meanSpec.Cores {
		k.Axons = 50
		meanSpec.Cores[name] = k
	}
	cases := []struct {
		name string
		g    *models.Graph
		spec *archSpec
	}{
		{"conv", convNet(rand.New(rand.NewPCG(5, 6)), 8, 16, 32, 10), mustPreset("default")},
		{"conv-multicast", convNet(rand.New(rand.NewPCG(5, 6)), 8, 16, 32, 10), multi},
		{"strided-grouped-dense", stridedGroupedNet(rand.New(rand.NewPCG(2, 3))), multi},
		{"split-psum", convNet(rand.New(rand.NewPCG(1, 2)), 4, 8, 16, 10), smallAxonSpec(16)},
		{"residual-split", resNet(rand.New(rand.NewPCG(12, 12))), smallAxonSpec(20)},
		{"attention", modeltest.AttnNet(rand.New(rand.NewPCG(1, 2)), 8, 2, 2, 3, 0.5, "qk_v"), multi},
		{"mean", meanNet(true, 3), meanSpec},
		{"sparse", modeltest.GraphNet(rand.New(rand.NewPCG(1, 1)), 7, 2, 3, 2, 2), multi},
		{"lif", lifNet(rand.New(rand.NewPCG(1, 1)), 4, 8, 10, 3), mustPreset("loihi")},
		{"recurrent", recurrentNet(4), mustPreset("default")},
		{"cim", tinyNet(), mustPreset("prime-40nm")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.g, tc.spec, Options{Seed: 3, Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			boxes := 0
			for i := range p.Cores {
				if p.Cores[i].compact() {
					boxes++
				}
				if p.Cores[i].Fan != nil || p.Cores[i].FanStart != nil {
					t.Fatalf("core %d: compiled program holds a fan-out", i)
				}
			}
			if tc.name != "sparse" && boxes == 0 {
				t.Fatal("no core is compact: the test compares nothing")
			}
			ref := buildExplicitRef(p, 1)
			if !reflect.DeepEqual(p.Routers, ref.routers) {
				t.Errorf("routing entries differ from the explicit build (%d vs %d)", len(p.Routers), len(ref.routers))
			}
			if !reflect.DeepEqual(p.Report.Routing, ref.rep.Routing) || !reflect.DeepEqual(p.Report.Links, ref.rep.Links) || p.Report.MaxLinkLoad != ref.rep.MaxLinkLoad {
				t.Errorf("routing report or link loads differ from the explicit build")
			}
			st := &State{prog: p}
			if err := st.buildTraffic(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st.traffic, ref.traffic) {
				t.Errorf("placement traffic differs from the explicit build")
			}
			for i := range p.Cores {
				if got := p.coreAxons(&p.Cores[i]); !reflect.DeepEqual(got, ref.axons[i]) {
					t.Fatalf("core %d: axons from boxes differ from axonList", i)
				}
				for a := range p.Cores[i].NumAxons {
					if p.axonAt(&p.Cores[i], a) != ref.axons[i][a] {
						t.Fatalf("core %d axon %d: axonAt differs", i, a)
					}
				}
			}
			if err := p.Expand(); err != nil {
				t.Fatal(err)
			}
			if err := p.Check(); err != nil {
				t.Fatalf("expanded program fails Check: %v", err)
			}
			for i := range p.Cores {
				c := &p.Cores[i]
				if !reflect.DeepEqual(c.Axons, ref.axons[i]) || !reflect.DeepEqual(c.FanStart, ref.fanStart[i]) || !reflect.DeepEqual(c.Fan, ref.fan[i]) {
					t.Fatalf("core %d: expanded axons or fan-out differ from the explicit build", i)
				}
			}
			if !reflect.DeepEqual(p.InputStart, ref.inStart) || !reflect.DeepEqual(p.InputFan, ref.inFan) {
				t.Fatal("expanded input fan-out differs from the explicit build")
			}
			// decoding gives the compact form back; expanding it, the same lists
			q, err := Decode(encode(t, p))
			if err != nil {
				t.Fatal(err)
			}
			if q.InputStart != nil {
				t.Fatal("a decoded version-3 program holds a fan-out")
			}
			if err := q.Expand(); err != nil {
				t.Fatal(err)
			}
			for i := range q.Cores {
				if !reflect.DeepEqual(q.Cores[i].Axons, p.Cores[i].Axons) || !reflect.DeepEqual(q.Cores[i].Fan, p.Cores[i].Fan) {
					t.Fatalf("core %d: decoded and expanded lists differ", i)
				}
			}
		})
	}
}
