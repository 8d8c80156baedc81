package compiler

import (
	"fmt"
	"math"
	"strconv"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/neuron"
)

// CubaLIF layers and recurrent projections.
//
// A CubaLIF node becomes a "cuba" layer: binary spikes, a synaptic current I
// and a membrane v kept across steps. Its input acc (bias included, in the
// accumulator units 1/θ_c of its channel, as every layer's) enters I (and v,
// under exact integration) through the step coefficients of neuron.CubaLIF,
// which the float reference uses:
//
//	I ← aII·I + bI·x
//	v ← aVV·v + aVI·I_old + bV·x + cV,  spike if v > v_th (≥ with AtOrAbove)
//
// The integers keep I and v with FracBits extra fractional bits (units
// 1/(θ_c·2^F)) and the coefficients with CoefBits (CubaParams).
//
// A recurrent edge of the graph (models.Edge.Recurrent) into a neuron node
// makes the projections of its source expression Recurrent: they read the
// source layer's spikes of the previous time step (none at step 0), so the
// spikes a layer sends at step t over such a projection are added at step
// t+1. A recurrent projection does not order the layers (Layer.Step ignores
// it); its source may be the layer itself or a later one.

// LayerCuba is the kind of a CubaLIF layer.
const LayerCuba = "cuba"

// cubaCoefBits and cubaMaxFrac are the fraction widths of a cuba layer's
// coefficients and the most extra state bits it gets.
const (
	cubaCoefBits = 16
	cubaMaxFrac  = 12
)

// CubaParams are the integer parameters of a cuba layer, per channel c (a
// neuron of a [N] layer is its own channel). With K = CoefBits, F =
// FracBits, I and v integers in units of 1/(θ_c·2^F) and acc the step's
// input in units of 1/θ_c, one step (Layer.IntegrateCuba) is
//
//	x  = acc·2^F
//	v' = sat32((AVV·v + AVI·I + BV·x + 2^(K−1)) >> K) + CV
//	I' = sat32((AII·I + BI·x + 2^(K−1)) >> K)
//	spike if v' > VTh (or v' ≥ VTh with AtOrAbove); then v' ← VReset, or
//	v' − VTh with Subtract
//
// which is neuron.FixedCubaLIF with the accumulator scale θ_c·2^F in place of
// its 2^FracBits. I and v start at 0 for every sample (NIR's v_leak = 0 rest;
// a nonzero v_leak enters as CV each step).
type CubaParams struct {
	CoefBits  int     `json:"coef_bits"`
	FracBits  int     `json:"frac_bits"`
	AII       []int64 `json:"a_ii"`
	BI        []int64 `json:"b_i"`
	AVV       []int64 `json:"a_vv"`
	AVI       []int64 `json:"a_vi"`
	BV        []int64 `json:"b_v"`
	CV        []int32 `json:"c_v"`
	VTh       []int32 `json:"v_th"`
	VReset    []int32 `json:"v_reset"`
	Subtract  bool    `json:"subtract,omitempty"`
	AtOrAbove bool    `json:"at_or_above,omitempty"`
}

// cubaReal holds a cuba layer's float coefficients per channel until quantize.
type cubaReal struct {
	aII, bI, aVV, aVI, bV, cV, vth, vr []float64
	subtract, atOrAbove                bool
}

// IntegrateCuba advances a cuba-layer neuron of channel c with current i and
// membrane v by one step of input acc (bias included) and returns the new
// current and membrane and whether it spiked. The chip and Simulator both
// call it.
func (l *Layer) IntegrateCuba(c int, i, v, acc int64) (int64, int64, bool) {
	cp := l.Cuba
	k := uint(cp.CoefBits)
	x := acc << uint(cp.FracBits)
	half := int64(1) << (k - 1)
	nv := sat32i((cp.AVV[c]*v+cp.AVI[c]*i+cp.BV[c]*x+half)>>k) + int64(cp.CV[c])
	ni := sat32i((cp.AII[c]*i + cp.BI[c]*x + half) >> k)
	th := int64(cp.VTh[c])
	if nv > th || (cp.AtOrAbove && nv == th) {
		if cp.Subtract {
			return ni, sat32i(nv - th), true
		}
		return ni, int64(cp.VReset[c]), true
	}
	return ni, sat32i(nv), false
}

func sat32i(x int64) int64 { return min(max(x, math.MinInt32), math.MaxInt32) }

// graphStep returns the step, integration and reset the graph's Meta gives
// its neurons: lif_dt (default 1, the trainer's unit), lif_integration
// ("exact", or "euler", the default as for LIF), lif_reset.
func graphStep(g *models.Graph) (dt float64, integ neuron.Integration, reset neuron.Reset, err error) {
	dt = 1
	if s := g.Meta["lif_dt"]; s != "" {
		if dt, err = strconv.ParseFloat(s, 64); err != nil || !(dt > 0) || math.IsInf(dt, 1) {
			return 0, 0, 0, fmt.Errorf("graph Meta lif_dt %q is not a positive number", s)
		}
	}
	integ = neuron.Euler
	if g.Meta["lif_integration"] == "exact" {
		integ = neuron.Exact
	}
	if g.Meta["lif_reset"] == "subtract" {
		reset = neuron.ResetSubtract
	}
	return dt, integ, reset, nil
}

// cubaParams reads a CubaLIF node of shape sh into per-channel float
// coefficients; a parameter must be the same over the neurons of a channel.
func (s *State) cubaParams(n *models.Node, sh models.Shape) (*cubaReal, error) {
	dt, integ, reset, err := graphStep(s.Graph)
	if err != nil {
		return nil, err
	}
	c := chw(sh)
	plane := c[1] * c[2]
	get := func(name string, def float64) ([]float64, error) {
		out := make([]float64, c[0])
		t := n.Tensor(name)
		if t == nil {
			for i := range out {
				out[i] = def
			}
			return out, nil
		}
		v, err := models.BroadcastTo(t, sh)
		if err != nil {
			return nil, fmt.Errorf("CubaLIF %s: %v", name, err)
		}
		for ch := range out {
			out[ch] = float64(v[ch*plane])
			for _, x := range v[ch*plane : (ch+1)*plane] {
				if float64(x) != out[ch] {
					return nil, fmt.Errorf("CubaLIF with %s varying within channel %d: the compiler maps per-channel parameters (a [N] layer has one channel per neuron)", name, ch)
				}
			}
		}
		return out, nil
	}
	var p [7][]float64
	for i, nm := range []string{"tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"} {
		def := map[string]float64{"r": 1, "w_in": 1}[nm]
		if p[i], err = get(nm, def); err != nil {
			return nil, err
		}
	}
	r := &cubaReal{subtract: reset == neuron.ResetSubtract}
	for ch := 0; ch < c[0]; ch++ {
		m, err := neuron.NewCubaLIF(neuron.CubaLIFParams{TauSyn: p[0][ch], TauMem: p[1][ch], R: p[2][ch], VLeak: p[3][ch],
			VThreshold: p[4][ch], VReset: p[5][ch], WIn: p[6][ch], DT: dt, Integration: integ, Reset: reset})
		if err != nil {
			return nil, fmt.Errorf("CubaLIF channel %d: %v", ch, err)
		}
		co := m.Coefficients()
		r.aII, r.bI = append(r.aII, co.AII), append(r.bI, co.BI)
		r.aVV, r.aVI, r.bV, r.cV = append(r.aVV, co.AVV), append(r.aVI, co.AVI), append(r.bV, co.BV), append(r.cV, co.CV)
		r.vth, r.vr = append(r.vth, p[4][ch]), append(r.vr, p[5][ch])
		if p[4][ch] <= 0 {
			return nil, fmt.Errorf("CubaLIF channel %d: v_threshold %g ≤ 0 (the chip's integer threshold must be ≥ 1)", ch, p[4][ch])
		}
		if math.Abs(co.AII) >= 1 || math.Abs(co.AVV) >= 1 {
			return nil, fmt.Errorf("CubaLIF channel %d: decay factors %g, %g are not below 1 in magnitude (no leak): the integer state would grow without bound", ch, co.AII, co.AVV)
		}
	}
	return r, nil
}

// lowerCuba makes a cuba layer of expression e.
func (s *State) lowerCuba(n *models.Node, e *value, shape models.Shape) *value {
	r, err := s.cubaParams(n, shape)
	if err != nil {
		s.errorf(n.ID, "%v", err)
		return nil
	}
	li := s.addLayer(n.ID, LayerCuba, shape, 1, e)
	s.prog.Layers[li].cuba = r
	return &value{spike: true, layer: li, scale: 1, vmax: 1}
}

// quantizeCuba turns the float coefficients of a cuba layer into CubaParams
// at θ_c: the coefficients to cubaCoefBits fractional bits, thresholds,
// resets and CV to the state unit 1/(θ_c·2^F). F is the largest ≤
// cubaMaxFrac for which the bounds of x, I and v (input bound AccBound over
// each decay's memory) stay below 2^30.
func (s *State) quantizeCuba(l *Layer) {
	r := l.cuba
	l.cuba = nil
	k := float64(int64(1) << cubaCoefBits)
	acc := float64(l.AccBound)
	worst := 0.0
	for c := range r.aII {
		th := float64(l.Threshold[c])
		ib := acc * math.Abs(r.bI[c]) / (1 - math.Abs(r.aII[c]))
		vb := (ib*math.Abs(r.aVI[c])+acc*math.Abs(r.bV[c])+math.Abs(r.cV[c])*th)/(1-math.Abs(r.aVV[c])) + r.vth[c]*th + math.Abs(r.vr[c])*th
		worst = max(worst, acc, ib, vb)
	}
	f := cubaMaxFrac
	for f > 0 && worst*math.Ldexp(1, f) >= 1<<30 {
		f--
	}
	if worst >= 1<<30 {
		s.errorf(l.Name, "CubaLIF state bound %.3g exceeds 2^30 even without fractional bits; use fewer weight bits", worst)
	}
	cp := &CubaParams{CoefBits: cubaCoefBits, FracBits: f, Subtract: r.subtract, AtOrAbove: r.atOrAbove}
	q := func(x float64) int64 { return int64(math.RoundToEven(x * k)) }
	for c := range r.aII {
		for _, x := range []float64{r.aII[c], r.bI[c], r.aVV[c], r.aVI[c], r.bV[c]} {
			if math.Abs(x) >= 16 {
				s.errorf(l.Name, "CubaLIF coefficient %g of channel %d is ≥ 16 in magnitude; the chip's %d-bit fraction words hold less", x, c, cubaCoefBits)
				return
			}
		}
		unit := float64(l.Threshold[c]) * math.Ldexp(1, f)
		cp.AII, cp.BI = append(cp.AII, q(r.aII[c])), append(cp.BI, q(r.bI[c]))
		cp.AVV, cp.AVI, cp.BV = append(cp.AVV, q(r.aVV[c])), append(cp.AVI, q(r.aVI[c])), append(cp.BV, q(r.bV[c]))
		cp.CV = append(cp.CV, int32(math.RoundToEven(r.cV[c]*unit)))
		vth := math.RoundToEven(r.vth[c] * unit)
		if vth < 1 {
			s.errorf(l.Name, "threshold %g at scale %g rounds to %g; the chip's integer threshold must be ≥ 1", r.vth[c], unit, vth)
		}
		cp.VTh = append(cp.VTh, int32(vth))
		cp.VReset = append(cp.VReset, int32(math.RoundToEven(r.vr[c]*unit)))
	}
	l.Cuba = cp
}

// checkCuba validates a quantised cuba layer.
func checkCuba(l *Layer) error {
	cp := l.Cuba
	c := l.Shape[0]
	if cp == nil || cp.CoefBits < 1 || cp.CoefBits > 30 || cp.FracBits < 0 || cp.FracBits > 30 ||
		len(cp.AII) != c || len(cp.BI) != c || len(cp.AVV) != c || len(cp.AVI) != c || len(cp.BV) != c ||
		len(cp.CV) != c || len(cp.VTh) != c || len(cp.VReset) != c {
		return fmt.Errorf("bad CubaLIF parameters")
	}
	lim := int64(16) << cp.CoefBits
	for i := 0; i < c; i++ {
		for _, x := range []int64{cp.AII[i], cp.BI[i], cp.AVV[i], cp.AVI[i], cp.BV[i]} {
			if x <= -lim || x >= lim {
				return fmt.Errorf("CubaLIF coefficient %d of channel %d out of range", x, i)
			}
		}
		if cp.VTh[i] < 1 {
			return fmt.Errorf("CubaLIF threshold %d < 1", cp.VTh[i])
		}
	}
	if l.AccBound<<uint(cp.FracBits) >= 1<<31 {
		return fmt.Errorf("CubaLIF input bound %d × 2^%d does not fit 31 bits", l.AccBound, cp.FracBits)
	}
	return nil
}

// recurrentFrom reports whether l reads source layer src over a recurrent
// projection.
func (l *Layer) recurrentFrom(src int) bool {
	for i := range l.Inputs {
		if l.Inputs[i].Source == src && l.Inputs[i].Recurrent {
			return true
		}
	}
	return false
}

// lowerRecurrent adds the projections of every recurrent edge of the graph
// to the layer of its target: the source node's expression (a spike tensor
// is an identity projection) times the target neuron's input gain, marked
// Recurrent, its bias added to the layer's. vals holds every lowered node.
func (s *State) lowerRecurrent(vals map[string]*value) {
	p := s.prog
	for _, e := range s.Graph.Edges() {
		if !e.Recurrent {
			continue
		}
		tgt := s.Graph.Node(e.To)
		src := vals[e.From]
		if src == nil || src.poisoned || vals[e.To] == nil || vals[e.To].poisoned {
			continue // unreachable or already reported
		}
		li := -1
		for i := range p.Layers {
			if p.Layers[i].Node == e.To {
				li = i
			}
		}
		var gain float64
		switch tgt.Op {
		case models.OpCubaLIF, models.OpMultiSpike:
			gain = 1
		case models.OpLIF, models.OpIF:
			lr, err := s.lifParams(tgt)
			if err != nil {
				continue // reported by localCheck
			}
			gain = lr.lb
		}
		if li < 0 || gain == 0 {
			s.errorf(e.To, "recurrent edge from %s into a %s: the compiler maps recurrent edges into a neuron node (CubaLIF, LIF, IF, MultiSpike)", e.From, tgt.Op)
			continue
		}
		l := &p.Layers[li]
		ex := needExpr0(src)
		if len(ex.bias) != l.Shape[0] {
			s.errorf(e.To, "recurrent edge from %s: %d channels into a population of %d", e.From, len(ex.bias), l.Shape[0])
			continue
		}
		a, c := make([]float64, len(ex.bias)), make([]float64, len(ex.bias))
		for i := range a {
			a[i] = gain
		}
		ex = ex.affine(a, c)
		for _, t := range ex.terms {
			for j := range l.Inputs {
				if l.Inputs[j].Source == t.Source && !l.Inputs[j].Recurrent {
					s.errorf(e.To, "layer %s reads layer %d both directly and through the recurrent edge from %s; the chip keeps one axon per source neuron", l.Name, t.Source, e.From)
				}
			}
			nt := *t
			nt.Recurrent = true
			if nt.Kind == ProjConv && nt.Cout != l.Shape[0] || nt.Kind == ProjDense && nt.Cout != l.Size() {
				s.errorf(e.To, "recurrent projection %s from %s does not fit a population of shape %v", &nt, e.From, l.Shape)
				continue
			}
			l.Inputs = append(l.Inputs, nt)
		}
		for i, b := range ex.bias {
			l.biasReal[i] += b
		}
	}
}
