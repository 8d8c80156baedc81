package train

import "fmt"

// Noise-aware training modes (Options.NoiseMode).
const (
	// NoiseMultiplicative is PRIME's w·(1 + σ·N(0,1)): noise proportional to
	// each weight, as proportional programming variation σ·G.
	NoiseMultiplicative = "multiplicative"
	// NoiseAbsolute is w + σ·max|W|·N(0,1), max over the layer's weights:
	// noise of one size for every weight of a layer, as absolute programming
	// variation σ·g_on per cell on a macro programmed with scale
	// max|W|/(Levels−1).
	NoiseAbsolute = "absolute"
)

// Layer kinds the weight noise applies to (Options.NoiseLayers).
const (
	NoiseLayersAll   = "all"   // Conv2d and Linear
	NoiseLayersDense = "dense" // Linear only: the layers --cim-layers dense puts on macros
	NoiseLayersConv  = "conv"  // Conv2d only
)

// noiseLayers resolves the layer selection: "" is all for multiplicative
// noise (its behaviour before the selection existed) and dense for
// absolute noise.
func (o *Options) noiseLayers() string {
	if o.NoiseLayers != "" {
		return o.NoiseLayers
	}
	if o.NoiseMode == NoiseAbsolute {
		return NoiseLayersDense
	}
	return NoiseLayersAll
}

func (o *Options) validateNoise() error {
	switch o.NoiseMode {
	case "", NoiseMultiplicative, NoiseAbsolute:
	default:
		return fmt.Errorf("noise mode %q: want %s or %s", o.NoiseMode, NoiseMultiplicative, NoiseAbsolute)
	}
	switch o.NoiseLayers {
	case "", NoiseLayersAll, NoiseLayersDense, NoiseLayersConv:
	default:
		return fmt.Errorf("noise layers %q: want %s, %s or %s", o.NoiseLayers, NoiseLayersAll, NoiseLayersDense, NoiseLayersConv)
	}
	return nil
}

// setNoise configures c's weight noise from o.
func (c *pass) setNoise(o *Options) {
	c.noise = o.Noise
	c.noiseAbs = o.NoiseMode == NoiseAbsolute
	l := o.noiseLayers()
	c.noiseConv = l == NoiseLayersAll || l == NoiseLayersConv
	c.noiseDense = l == NoiseLayersAll || l == NoiseLayersDense
}

// noisy says whether a training pass perturbs the weights of a layer of
// the given kind. A pass built in code with only noise set (the zero
// selection) perturbs every layer.
func (c *pass) noisy(conv bool) bool {
	if !c.train || c.noise == 0 {
		return false
	}
	if !c.noiseConv && !c.noiseDense {
		return true
	}
	if conv {
		return c.noiseConv
	}
	return c.noiseDense
}

// effWeights returns the weights used by this forward pass: W itself, or
// W with fresh noise when training noise-aware (multiplicative
// W·(1+σ·ε) or absolute W + σ·max|W|·ε), keeping the draws ε in eps.
// Draws come serially from c.noiseRNG, so they do not depend on workers.
func effWeights(c *pass, conv bool, w []float32, weff, eps *[]float32) []float32 {
	if !c.noisy(conv) {
		return w
	}
	*weff = grow(*weff, len(w))
	*eps = grow(*eps, len(w))
	s := float32(c.noise)
	if c.noiseAbs {
		var m float32
		for _, v := range w {
			m = max(m, abs32(v))
		}
		s *= m
		for i, v := range w {
			e := float32(c.noiseRNG.NormFloat64())
			(*eps)[i] = e
			(*weff)[i] = v + s*e
		}
		return *weff
	}
	for i, v := range w {
		e := float32(c.noiseRNG.NormFloat64())
		(*eps)[i] = e
		(*weff)[i] = v * (1 + s*e)
	}
	return *weff
}

// addNoisyGrad adds dL/dW to dst given g = dL/dW_eff: g·(1+σ·ε) for
// multiplicative noise, g itself without noise or with absolute noise (the
// noise is treated as independent of W; max|W| gets no gradient).
func addNoisyGrad(c *pass, conv bool, dst, g, eps []float32) {
	if !c.noisy(conv) || c.noiseAbs {
		for i, v := range g {
			dst[i] += v
		}
		return
	}
	s := float32(c.noise)
	for i, v := range g {
		dst[i] += v * (1 + s*eps[i])
	}
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
