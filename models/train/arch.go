package train

import (
	"fmt"
	"sort"
)

// Architectures known to Build.
const (
	ArchMLP        = "mlp"
	ArchSFAConvNet = "sfa-convnet"
	ArchLIFConvNet = "lif-convnet"
	ArchTorchBench = "torch-bench"
)

// ArchConfig holds the knobs an architecture builder reads.
type ArchConfig struct {
	D     int      // MultiSpike levels (default 4)
	Round Rounding // MultiSpike rounding
	Steps int      // time steps T (LIF BPTT, or Poisson input); default 1
	// Hidden are the hidden widths of prime-mlp (default 1024).
	Hidden []int
}

var builders = map[string]func(in Shape, classes int, c ArchConfig) []Layer{
	// mlp: 784-512-256-10 with BN and MultiSpike between the linear layers.
	ArchMLP: func(in Shape, classes int, c ArchConfig) []Layer {
		return []Layer{
			&Flatten{},
			NewLinear(512, false), NewBatchNorm(), &MultiSpike{D: c.D, Round: c.Round},
			NewLinear(256, false), NewBatchNorm(), &MultiSpike{D: c.D, Round: c.Round},
			NewLinear(classes, true),
		}
	},
	// sfa-convnet, the default model: two conv stages (32 and 64 channels),
	// each conv→BN→MultiSpike→2×2 avg pool, then a 128-wide spiking FC
	// layer and the classifier. 421,866 parameters (fits a few digital
	// cores), ≈4.3 M MACs per 28×28 image.
	ArchSFAConvNet: func(in Shape, classes int, c ArchConfig) []Layer {
		return []Layer{
			NewConv2d(32, 3, 1, 1, false), NewBatchNorm(), &MultiSpike{D: c.D, Round: c.Round},
			NewPool2d(AvgPool, 2),
			NewConv2d(64, 3, 1, 1, false), NewBatchNorm(), &MultiSpike{D: c.D, Round: c.Round},
			NewPool2d(AvgPool, 2),
			&Flatten{},
			NewLinear(128, false), NewBatchNorm(), &MultiSpike{D: c.D, Round: c.Round},
			NewLinear(classes, true),
		}
	},
	// lif-convnet: the same two conv stages with LIF neurons (β=0.5,
	// Vth=1, hard reset), trained by BPTT over T steps; logits are averaged
	// over time.
	ArchLIFConvNet: func(in Shape, classes int, c ArchConfig) []Layer {
		return []Layer{
			NewConv2d(32, 3, 1, 1, false), NewBatchNorm(), NewLIF(0.5, 1),
			NewPool2d(AvgPool, 2),
			NewConv2d(64, 3, 1, 1, false), NewBatchNorm(), NewLIF(0.5, 1),
			NewPool2d(AvgPool, 2),
			&Flatten{},
			NewLinear(classes, true),
		}
	},
	// torch-bench: exactly the network of shared/bench/torch_sfa_mnist.py
	// (conv 1→16, BN, MultiSpike D=4, avg pool, conv 16→32, BN, MultiSpike,
	// avg pool, linear 1568→10; its STE passes the gradient with gain 1).
	ArchTorchBench: func(in Shape, classes int, c ArchConfig) []Layer {
		return []Layer{
			NewConv2d(16, 3, 1, 1, false), NewBatchNorm(), &MultiSpike{D: 4, STEScale: 1},
			NewPool2d(AvgPool, 2),
			NewConv2d(32, 3, 1, 1, false), NewBatchNorm(), &MultiSpike{D: 4, STEScale: 1},
			NewPool2d(AvgPool, 2),
			&Flatten{},
			NewLinear(classes, true),
		}
	},
}

// Archs lists the architecture names, sorted.
func Archs() []string {
	var s []string
	for k := range builders {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Build returns the (uninitialised) network named arch for inputs of shape
// in and the given number of classes. Call Init before use.
func Build(arch string, in Shape, classes int, c ArchConfig) (*Net, error) {
	b, ok := builders[arch]
	if !ok {
		return nil, fmt.Errorf("unknown architecture %q (have %v)", arch, Archs())
	}
	if c.D == 0 {
		c.D = 4
	}
	if c.Steps == 0 {
		c.Steps = 1
	}
	if err := checkGraphArch(arch, in); err != nil {
		return nil, err
	}
	if (arch == ArchLIFConvNet || IsGraphArch(arch)) && c.Steps < 2 {
		return nil, fmt.Errorf("%s needs at least 2 time steps, got %d", arch, c.Steps)
	}
	if classes < 2 {
		return nil, fmt.Errorf("need at least 2 classes, got %d", classes)
	}
	ls := b(in, classes, c)
	if c.Steps > 1 {
		ls = append(ls, &TimeMean{})
	}
	return &Net{Arch: arch, In: in, Steps: c.Steps, Layers: ls}, nil
}
