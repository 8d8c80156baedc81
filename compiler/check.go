package compiler

import (
	"fmt"
)

const maxElems = 1 << 31

func shapeOK(s []int) bool {
	if len(s) == 0 || len(s) > 3 {
		return false
	}
	n := int64(1)
	for _, d := range s {
		if d < 1 || d > 1<<24 {
			return false
		}
		n *= int64(d)
		if n > maxElems {
			return false
		}
	}
	return true
}

// checkHeader validates what the payload sizes depend on, so that Decode never
// allocates from an absurd header.
func (p *Program) checkHeader() error {
	if p.WeightBits < 2 || p.WeightBits > 31 {
		return nspErr("weight bits %d out of range [2, 31]", p.WeightBits)
	}
	if !shapeOK(p.Input.Shape) {
		return nspErr("input shape %v", p.Input.Shape)
	}
	for i := range p.Layers {
		l := &p.Layers[i]
		if !shapeOK(l.Shape) {
			return nspErr("layer %d (%s): shape %v", i, l.Name, l.Shape)
		}
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			if !shapeOK(pr.InShape) || len(pr.InShape) != 3 || pr.Cout < 1 || pr.Cout > 1<<24 {
				return nspErr("layer %d (%s) input %d: shapes %v → %d", i, l.Name, j, pr.InShape, pr.Cout)
			}
			if pr.Kind == ProjConv && (pr.KH < 1 || pr.KW < 1 || pr.KH > 1<<12 || pr.KW > 1<<12 || pr.Groups < 1 ||
				pr.InShape[0]%pr.Groups != 0 || pr.Cout%pr.Groups != 0) {
				return nspErr("layer %d (%s) input %d: bad kernel %dx%d groups %d", i, l.Name, j, pr.KH, pr.KW, pr.Groups)
			}
			if pr.Kind != ProjConv && pr.Kind != ProjDense && pr.Kind != ProjSparse && pr.Kind != ProjAttn {
				return nspErr("layer %d (%s) input %d: unknown projection kind %q", i, l.Name, j, pr.Kind)
			}
			if n := int64(pr.Cout) * int64(numel(pr.InShape)) * int64(pr.KH+1) * int64(pr.KW+1); n > 1<<40 {
				return nspErr("layer %d (%s) input %d: absurd weight count", i, l.Name, j)
			}
			if pr.InLo < 0 || pr.InHi < 0 || (pr.InHi > 0 && (pr.InLo >= pr.InHi || pr.InHi > pr.inLen() ||
				pr.Kind == ProjSparse || (pr.Kind == ProjConv && pr.Groups != 1))) || (pr.InHi == 0 && pr.InLo != 0) {
				return nspErr("layer %d (%s) input %d: channel range [%d, %d) of %v (%s, groups %d)", i, l.Name, j, pr.InLo, pr.InHi, pr.InShape, pr.Kind, pr.Groups)
			}
			if pr.NNZ < 0 || (pr.Kind == ProjSparse && int64(pr.NNZ) > int64(pr.Cout)*int64(numel(pr.InShape))) || (pr.Kind != ProjSparse && pr.NNZ != 0) {
				return nspErr("layer %d (%s) input %d: %d synapses for %s %v → %d", i, l.Name, j, pr.NNZ, pr.Kind, pr.InShape, pr.Cout)
			}
		}
	}
	for i := range p.Cores {
		c := &p.Cores[i]
		if c.Layer < 0 || c.Layer >= len(p.Layers) {
			return nspErr("core %d: layer %d out of range", i, c.Layer)
		}
		sh := chw(p.Layers[c.Layer].Shape)
		r := c.Region
		if r.C0 < 0 || r.C1 <= r.C0 || r.C1 > sh[0] || r.Y0 < 0 || r.Y1 <= r.Y0 || r.Y1 > sh[1] || r.X0 < 0 || r.X1 <= r.X0 || r.X1 > sh[2] {
			return nspErr("core %d: region %s outside layer shape %v", i, r, sh)
		}
		if c.NumAxons < 0 {
			return nspErr("core %d: %d axons", i, c.NumAxons)
		}
	}
	return nil
}

// Check validates every invariant of a complete program: layer order, weights,
// thresholds, schedule, cores, axons, fan-out consistency (every destination axon
// names the neuron that sends to it) and routing.
func (p *Program) Check() error { return p.check(checkRouted) }

// Levels of check: after lower (structure), after quantize (weights), after route (all).
const (
	checkLowered = iota
	checkQuantized
	checkRouted
)

func (p *Program) check(level int) error {
	if level == checkLowered {
		saved := p.WeightBits
		p.WeightBits = 8
		defer func() { p.WeightBits = saved }()
	}
	if err := p.checkHeader(); err != nil {
		return err
	}
	qmax := int32(1)<<(p.WeightBits-1) - 1
	for i := range p.Layers {
		l := &p.Layers[i]
		switch l.Kind {
		case LayerSpike, LayerPool:
			if l.D < 1 || l.D > 1<<16 {
				return fmt.Errorf("layer %d (%s): D = %d", i, l.Name, l.D)
			}
		case LayerReadout:
		case LayerAttention:
			if l.D < 1 || l.D > 1<<16 {
				return fmt.Errorf("layer %d (%s): D = %d", i, l.Name, l.D)
			}
			if err := p.checkAttn(i, l); err != nil {
				return err
			}
		case LayerPsum:
			if l.D != 1 || l.Shift < 0 || l.Shift > 30 {
				return fmt.Errorf("layer %d (%s): a psum layer has D = 1 and a shift in [0, 30], not %d and %d", i, l.Name, l.D, l.Shift)
			}
		case LayerCuba:
			if l.D != 1 {
				return fmt.Errorf("layer %d (%s): a CubaLIF layer has D = 1, not %d", i, l.Name, l.D)
			}
			if level > checkLowered {
				if err := checkCuba(l); err != nil {
					return fmt.Errorf("layer %d (%s): %v", i, l.Name, err)
				}
			}
		case LayerLIF:
			if l.D != 1 {
				return fmt.Errorf("layer %d (%s): a LIF layer has D = 1, not %d", i, l.Name, l.D)
			}
			if level > checkLowered {
				lp := l.LIF
				if lp == nil || lp.CoefBits < 1 || lp.CoefBits > 30 || lp.LeakA < 0 || lp.LeakA > 1<<lp.CoefBits ||
					len(lp.VTh) != l.Shape[0] || len(lp.VReset) != l.Shape[0] {
					return fmt.Errorf("layer %d (%s): bad LIF parameters", i, l.Name)
				}
				for _, th := range lp.VTh {
					if th < 1 {
						return fmt.Errorf("layer %d (%s): LIF threshold %d < 1", i, l.Name, th)
					}
				}
			}
		default:
			return fmt.Errorf("layer %d (%s): unknown kind %q", i, l.Name, l.Kind)
		}
		if level == checkLowered {
			continue
		}
		if len(l.Threshold) != l.Shape[0] {
			return fmt.Errorf("layer %d (%s): %d thresholds for %d channels", i, l.Name, len(l.Threshold), l.Shape[0])
		}
		for _, th := range l.Threshold {
			if th < 1 || th%2 == 0 {
				return fmt.Errorf("layer %d (%s): threshold %d is not a positive odd integer", i, l.Name, th)
			}
			if l.Kind == LayerReadout && th != l.Threshold[0] {
				return fmt.Errorf("layer %d (%s): a readout layer needs one threshold for all channels", i, l.Name)
			}
		}
		if len(l.Bias) != l.Shape[0] {
			return fmt.Errorf("layer %d (%s): %d biases for %d channels", i, l.Name, len(l.Bias), l.Shape[0])
		}
		for j := range l.Inputs {
			pr := &l.Inputs[j]
			if pr.Source < -1 || pr.Source >= len(p.Layers) || (pr.Source >= i && !pr.Recurrent) {
				return fmt.Errorf("layer %d (%s): input %d from %d breaks topological order", i, l.Name, j, pr.Source)
			}
			if pr.Source >= 0 && p.Layers[pr.Source].Kind == LayerReadout {
				return fmt.Errorf("layer %d (%s): input from readout layer %d", i, l.Name, pr.Source)
			}
			src := p.Input.Shape
			if pr.Source >= 0 {
				src = p.Layers[pr.Source].Shape
			}
			if numel(src) != numel(pr.InShape) {
				return fmt.Errorf("layer %d (%s): input %d reads %v from a source of shape %v", i, l.Name, j, pr.InShape, src)
			}
			if len(pr.Weights) != pr.weightLen() {
				return fmt.Errorf("layer %d (%s): input %d has %d weights, want %d", i, l.Name, j, len(pr.Weights), pr.weightLen())
			}
			if pr.Kind == ProjSparse && (!pr.checkSparse(numel(pr.InShape)) || pr.Cout != numel(l.Shape) || len(l.Shape) != 1) {
				return fmt.Errorf("layer %d (%s): sparse input %d has malformed synapse lists (or feeds a population that is not flat)", i, l.Name, j)
			}
			sh := chw(l.Shape)
			if (pr.Kind == ProjAttn) != (l.Kind == LayerAttention) {
				return fmt.Errorf("layer %d (%s): %s input %d in a %s layer", i, l.Name, pr.Kind, j, l.Kind)
			}
			if pr.Kind == ProjAttn {
				// checkAttn
			} else if pr.Kind == ProjConv {
				oh := (pr.InShape[1]+2*pr.Pad-pr.KH)/max(pr.Stride, 1) + 1
				ow := (pr.InShape[2]+2*pr.Pad-pr.KW)/max(pr.Stride, 1) + 1
				if pr.Stride < 1 || pr.Pad < 0 || pr.Cout != sh[0] || oh != sh[1] || ow != sh[2] {
					return fmt.Errorf("layer %d (%s): conv input %d gives [%d,%d,%d], layer is %v", i, l.Name, j, pr.Cout, oh, ow, sh)
				}
			} else if pr.Cout != numel(l.Shape) {
				return fmt.Errorf("layer %d (%s): dense input %d has %d outputs for %d neurons", i, l.Name, j, pr.Cout, numel(l.Shape))
			}
			for _, w := range pr.Weights {
				if w > qmax || w < -qmax {
					return fmt.Errorf("layer %d (%s): weight %d outside %d bits", i, l.Name, w, p.WeightBits)
				}
			}
			if !pr.zeroOutsideRange() {
				return fmt.Errorf("layer %d (%s): input %d reads inputs [%d, %d) but has nonzero weights outside them", i, l.Name, j, pr.InLo, pr.InHi)
			}
		}
	}
	if p.Steps < 1 || p.Steps > 1<<16 {
		return fmt.Errorf("%d time steps", p.Steps)
	}
	switch p.Input.Encoding {
	case "direct", "poisson", "events":
	default:
		return fmt.Errorf("unknown input encoding %q", p.Input.Encoding)
	}
	if p.Output.Layer < 0 || p.Output.Layer >= len(p.Layers) {
		return fmt.Errorf("output layer %d out of range", p.Output.Layer)
	}
	if level < checkRouted {
		return nil
	}
	if err := p.checkCIMTiles(); err != nil {
		return err
	}
	if err := p.checkAttnCores(); err != nil {
		return err
	}
	nin := numel(p.Input.Shape)
	covered := make([]int, len(p.Layers))
	for i := range p.Cores {
		c := &p.Cores[i]
		if c.ID != i {
			return fmt.Errorf("core %d has id %d", i, c.ID)
		}
		covered[c.Layer] += c.Neurons()
		if err := p.checkAxons(c); err != nil {
			return fmt.Errorf("core %d: %v", i, err)
		}
		if c.Chip < 0 || c.Chip >= p.Mesh.ChipsX*p.Mesh.ChipsY || c.X < 0 || c.X >= p.Mesh.Width || c.Y < 0 || c.Y >= p.Mesh.Height {
			return fmt.Errorf("core %d: tile chip %d (%d,%d) outside the board", i, c.Chip, c.X, c.Y)
		}
	}
	for li := range p.Layers {
		if covered[li] != p.Layers[li].Size() {
			return fmt.Errorf("layer %d (%s): cores hold %d of %d neurons", li, p.Layers[li].Name, covered[li], p.Layers[li].Size())
		}
	}
	if _, err := p.grids(); err != nil {
		return err
	}
	gw, gh := p.Mesh.Width*p.Mesh.ChipsX, p.Mesh.Height*p.Mesh.ChipsY
	for _, r := range p.Routers {
		if r.X < 0 || r.X >= gw || r.Y < 0 || r.Y >= gh || r.Source < 0 || int(r.Source) >= len(p.Cores) || r.Ports == 0 || r.Ports >= 1<<5 {
			return fmt.Errorf("routing entry %+v out of range", r)
		}
	}
	if p.InputStart == nil {
		// compact: the fan-out is derived from the axons (Expand), so every
		// axon is fed by exactly one neuron by construction
		for i := range p.Cores {
			if p.Cores[i].FanStart != nil || p.Cores[i].Fan != nil {
				return fmt.Errorf("core %d has a fan-out but the program has no input fan-out", i)
			}
		}
		return nil
	}
	for i := range p.Cores {
		if len(p.Cores[i].Axons) != p.Cores[i].NumAxons {
			return fmt.Errorf("core %d: fan-out given but %d of %d axons listed", i, len(p.Cores[i].Axons), p.Cores[i].NumAxons)
		}
	}
	checkFan := func(what string, start []int32, fan []Dest, src int32, global func(int) int32) error {
		for n := 0; n+1 < len(start); n++ {
			if start[n] < 0 || start[n] > start[n+1] || int(start[n+1]) > len(fan) {
				return fmt.Errorf("%s: fan-out offsets broken at %d", what, n)
			}
			for _, d := range fan[start[n]:start[n+1]] {
				if d.Core < 0 || int(d.Core) >= len(p.Cores) || d.Axon < 0 || int(d.Axon) >= len(p.Cores[d.Core].Axons) {
					return fmt.Errorf("%s: destination (%d,%d) out of range", what, d.Core, d.Axon)
				}
				if a := p.Cores[d.Core].Axons[d.Axon]; a.Source != src || a.Neuron != global(n) {
					return fmt.Errorf("%s: neuron %d sends to core %d axon %d, which listens to (%d,%d)", what, n, d.Core, d.Axon, a.Source, a.Neuron)
				}
			}
		}
		if len(start) > 0 && int(start[len(start)-1]) != len(fan) {
			return fmt.Errorf("%s: %d fan-out entries, offsets end at %d", what, len(fan), start[len(start)-1])
		}
		return nil
	}
	if len(p.InputStart) != nin+1 {
		return fmt.Errorf("input fan-out has %d offsets for %d inputs", len(p.InputStart), nin)
	}
	if err := checkFan("input", p.InputStart, p.InputFan, -1, func(n int) int32 { return int32(n) }); err != nil {
		return err
	}
	total := len(p.InputFan)
	for i := range p.Cores {
		c := &p.Cores[i]
		if len(c.FanStart) != c.Neurons()+1 {
			return fmt.Errorf("core %d: %d fan-out offsets for %d neurons", i, len(c.FanStart), c.Neurons())
		}
		if err := checkFan(fmt.Sprintf("core %d", i), c.FanStart, c.Fan, int32(c.Layer), func(n int) int32 { return int32(p.GlobalNeuron(c, n)) }); err != nil {
			return err
		}
		total += len(c.Fan)
	}
	fed := make([][]bool, len(p.Cores))
	for i := range p.Cores {
		fed[i] = make([]bool, len(p.Cores[i].Axons))
	}
	mark := func(fan []Dest) error {
		for _, d := range fan {
			if fed[d.Core][d.Axon] {
				return fmt.Errorf("core %d axon %d is fed twice", d.Core, d.Axon)
			}
			fed[d.Core][d.Axon] = true
		}
		return nil
	}
	if err := mark(p.InputFan); err != nil {
		return err
	}
	for i := range p.Cores {
		if err := mark(p.Cores[i].Fan); err != nil {
			return err
		}
	}
	for i := range fed {
		for a, ok := range fed[i] {
			if !ok {
				return fmt.Errorf("core %d axon %d is fed by no neuron", i, a)
			}
		}
	}
	_ = total
	return nil
}

// checkAxons checks core c's axons: the list sorted, distinct and in range,
// or the boxes inside their sources, in order, not interleaved, with bases
// that follow one another from 0 and add up to NumAxons.
func (p *Program) checkAxons(c *Core) error {
	srcOK := func(src int32) error {
		if src >= 0 {
			if int(src) >= len(p.Layers) || (int(src) >= c.Layer && !p.Layers[c.Layer].recurrentFrom(int(src))) {
				return fmt.Errorf("axon from layer %d not before layer %d", src, c.Layer)
			}
		} else if src < -1 {
			return fmt.Errorf("axon source %d", src)
		}
		return nil
	}
	if len(c.Boxes) > 0 {
		base := 0
		for i := range c.Boxes {
			b := &c.Boxes[i]
			if err := srcOK(b.Source); err != nil {
				return err
			}
			sh := p.srcShape(int(b.Source))
			r := b.Region
			if r.empty() || r.C0 < 0 || r.Y0 < 0 || r.X0 < 0 || r.C1 > sh[0] || r.Y1 > sh[1] || r.X1 > sh[2] {
				return fmt.Errorf("axon box %d %s outside its source %v", i, r, sh)
			}
			if int(b.Base) != base {
				return fmt.Errorf("axon box %d at base %d, want %d", i, b.Base, base)
			}
			if i > 0 {
				a := &c.Boxes[i-1]
				if a.Source > b.Source || (a.Source == b.Source && a.Region.last(sh) >= r.first(sh)) {
					return fmt.Errorf("axon boxes %d and %d out of order or interleaved", i-1, i)
				}
			}
			base += r.Len()
			if base > maxElems {
				return fmt.Errorf("axon boxes too large")
			}
		}
		if base != c.NumAxons {
			return fmt.Errorf("axon boxes hold %d axons, header says %d", base, c.NumAxons)
		}
		if c.Axons != nil && len(c.Axons) != c.NumAxons {
			return fmt.Errorf("%d axons listed, header says %d", len(c.Axons), c.NumAxons)
		}
		return nil
	}
	if len(c.Axons) != c.NumAxons {
		return fmt.Errorf("%d axons, header says %d", len(c.Axons), c.NumAxons)
	}
	for i := 1; i < len(c.Axons); i++ {
		if cmpAxon(c.Axons[i-1], c.Axons[i]) >= 0 {
			return fmt.Errorf("axons not sorted or not distinct")
		}
	}
	nin := numel(p.Input.Shape)
	for _, a := range c.Axons {
		if err := srcOK(a.Source); err != nil {
			return err
		}
		lim := nin
		if a.Source >= 0 {
			lim = p.Layers[a.Source].Size()
		}
		if a.Neuron < 0 || int(a.Neuron) >= lim {
			return fmt.Errorf("axon neuron %d out of range", a.Neuron)
		}
	}
	return nil
}

func cmpAxon(a, b Axon) int {
	if a.Source != b.Source {
		return int(a.Source) - int(b.Source)
	}
	return int(a.Neuron) - int(b.Neuron)
}

// GlobalNeuron returns the layer-wide index of local neuron i of core c.
func (p *Program) GlobalNeuron(c *Core, i int) int {
	r := c.Region
	sh := chw(p.Layers[c.Layer].Shape)
	h, w := r.Y1-r.Y0, r.X1-r.X0
	ch, y, x := r.C0+i/(h*w), r.Y0+(i/w)%h, r.X0+i%w
	return (ch*sh[1]+y)*sh[2] + x
}
