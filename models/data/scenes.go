package data

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// ScenesName names the MNIST detection scenes (MNISTScenes).
const ScenesName = "mnist-scenes"

// SceneOptions configures MNISTScenes. Zero fields take the defaults given.
type SceneOptions struct {
	Size                 int     // canvas side in pixels (64)
	MinDigits, MaxDigits int     // digits per scene (1, 4)
	MinScale, MaxScale   int     // side of a placed digit in pixels (14, 28)
	MaxIoU               float64 // largest IoU between two digits' placement squares (0.1)
	Train, Test          int     // scenes per split (10 000, 2 000)
	Seed                 uint64  // root seed (0 is a valid seed)
}

func (o SceneOptions) withDefaults() SceneOptions {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Size, 64)
	def(&o.MinDigits, 1)
	def(&o.MaxDigits, 4)
	def(&o.MinScale, 14)
	def(&o.MaxScale, 28)
	def(&o.Train, 10000)
	def(&o.Test, 2000)
	if o.MaxIoU == 0 {
		o.MaxIoU = 0.1
	}
	return o
}

func (o SceneOptions) validate() error {
	switch {
	case o.Size < 8 || o.Size > 1024:
		return fmt.Errorf("scenes: canvas %d outside [8, 1024]", o.Size)
	case o.MinDigits < 1 || o.MaxDigits < o.MinDigits || o.MaxDigits > 64:
		return fmt.Errorf("scenes: digits %d–%d", o.MinDigits, o.MaxDigits)
	case o.MinScale < 4 || o.MaxScale < o.MinScale || o.MaxScale > o.Size:
		return fmt.Errorf("scenes: digit sizes %d–%d on a %d canvas", o.MinScale, o.MaxScale, o.Size)
	case !(o.MaxIoU > 0 && o.MaxIoU <= 1):
		return fmt.Errorf("scenes: max IoU %g outside (0, 1]", o.MaxIoU)
	case o.Train < 1 || o.Test < 1:
		return fmt.Errorf("scenes: %d train and %d test scenes", o.Train, o.Test)
	}
	return nil
}

// Object is one digit of a scene: its class and its box, the tight bounds
// [X0, X1) × [Y0, Y1) of the digit's ink (pixels ≥ SceneInk) on the canvas.
type Object struct {
	Class          int
	X0, Y0, X1, Y1 int
}

// SceneInk is the pixel value from which a scaled digit's pixel counts as
// ink for its box.
const SceneInk = 64

// SceneSplit is one split of a detection dataset: N square grey images of
// Size² pixels and the objects in each.
type SceneSplit struct {
	N, Size int
	Images  []uint8
	Objects [][]Object
}

// Image returns the pixels of scene i (aliasing Images).
func (s *SceneSplit) Image(i int) []uint8 { return s.Images[i*s.Size*s.Size : (i+1)*s.Size*s.Size] }

// Split returns the images as an image Split (labels 0: a detection split has
// objects, not labels), for running them on a chip.
func (s *SceneSplit) Split() Split {
	return Split{N: s.N, Rows: s.Size, Cols: s.Size, Images: s.Images, Labels: make([]uint8, s.N)}
}

// Scenes is a detection dataset with a train and a test split.
type Scenes struct {
	Name    string
	Classes int
	Options SceneOptions
	Train   SceneSplit
	Test    SceneSplit
}

// MNISTScenes builds a detection dataset from an image dataset of digits
// (MNIST): each scene is a Size×Size black canvas with MinDigits–MaxDigits
// digits, each scaled (bilinear, pixel centres aligned) to a square of
// MinScale–MaxScale pixels and placed where its square overlaps no earlier
// square by more than MaxIoU (20 tries, after which the digit is left out;
// the first always fits). Overlapping pixels take the brighter value.
// Train scenes draw their digits from ds.Train, test scenes from ds.Test.
//
// Scene i of a split is drawn from its own PCG stream seeded with
// (Seed, FNV-1a("scenes/train" or "scenes/test") ⊕ i·φ), so any scene can be
// regenerated alone and the dataset does not depend on how it is built.
func MNISTScenes(ds *Dataset, o SceneOptions) (*Scenes, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if ds.Train.N == 0 || ds.Test.N == 0 {
		return nil, fmt.Errorf("scenes: dataset %s has an empty split", ds.Name)
	}
	sc := &Scenes{Name: ScenesName, Classes: ds.Classes, Options: o}
	sc.Train = makeScenes(&ds.Train, o, o.Train, "scenes/train")
	sc.Test = makeScenes(&ds.Test, o, o.Test, "scenes/test")
	return sc, nil
}

func sceneStream(seed uint64, name string, i int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()^uint64(i)*0x9E3779B97F4A7C15))
}

func makeScenes(src *Split, o SceneOptions, n int, name string) SceneSplit {
	sz := o.Size
	out := SceneSplit{N: n, Size: sz, Images: make([]uint8, n*sz*sz), Objects: make([][]Object, n)}
	digit := make([]uint8, o.MaxScale*o.MaxScale)
	type sq struct{ x, y, s int }
	for i := 0; i < n; i++ {
		rng := sceneStream(o.Seed, name, i)
		canvas := out.Image(i)
		k := o.MinDigits + rng.IntN(o.MaxDigits-o.MinDigits+1)
		var placed []sq
		for d := 0; d < k; d++ {
			idx := rng.IntN(src.N)
			s := o.MinScale + rng.IntN(o.MaxScale-o.MinScale+1)
			var at sq
			ok := false
			for try := 0; try < 20 && !ok; try++ {
				at = sq{rng.IntN(sz - s + 1), rng.IntN(sz - s + 1), s}
				ok = true
				for _, p := range placed {
					if squareIoU(at.x, at.y, at.s, p.x, p.y, p.s) > o.MaxIoU {
						ok = false
						break
					}
				}
			}
			if !ok {
				continue
			}
			scaleDigit(digit[:s*s], s, src.Image(idx), src.Rows, src.Cols)
			ob := Object{Class: int(src.Labels[idx]), X0: sz, Y0: sz, X1: -1, Y1: -1}
			for y := 0; y < s; y++ {
				for x := 0; x < s; x++ {
					v := digit[y*s+x]
					c := &canvas[(at.y+y)*sz+at.x+x]
					*c = max(*c, v)
					if v >= SceneInk {
						ob.X0, ob.Y0 = min(ob.X0, at.x+x), min(ob.Y0, at.y+y)
						ob.X1, ob.Y1 = max(ob.X1, at.x+x+1), max(ob.Y1, at.y+y+1)
					}
				}
			}
			placed = append(placed, at)
			if ob.X1 > ob.X0 {
				out.Objects[i] = append(out.Objects[i], ob)
			}
		}
	}
	return out
}

func squareIoU(ax, ay, as, bx, by, bs int) float64 {
	iw := min(ax+as, bx+bs) - max(ax, bx)
	ih := min(ay+as, by+bs) - max(ay, by)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	in := float64(iw * ih)
	return in / (float64(as*as+bs*bs) - in)
}

// scaleDigit resamples a rows×cols image to s×s by bilinear interpolation
// with pixel centres aligned (as PyTorch's interpolate with
// align_corners=False).
func scaleDigit(dst []uint8, s int, img []uint8, rows, cols int) {
	at := func(y, x int) float64 {
		y = min(max(y, 0), rows-1)
		x = min(max(x, 0), cols-1)
		return float64(img[y*cols+x])
	}
	for y := 0; y < s; y++ {
		v := (float64(y)+0.5)*float64(rows)/float64(s) - 0.5
		y0 := int(math.Floor(v))
		fy := v - float64(y0)
		for x := 0; x < s; x++ {
			u := (float64(x)+0.5)*float64(cols)/float64(s) - 0.5
			x0 := int(math.Floor(u))
			fx := u - float64(x0)
			p := (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x0+1)) + fy*((1-fx)*at(y0+1, x0)+fx*at(y0+1, x0+1))
			dst[y*s+x] = uint8(math.Round(min(max(p, 0), 255)))
		}
	}
}
