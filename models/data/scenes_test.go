package data

import (
	"bytes"
	"slices"
	"testing"
)

// digitSet is a tiny dataset whose train digits are classes 0–4 (a filled
// square of value 100+class) and test digits classes 5–9.
func digitSet() *Dataset {
	mk := func(first int) Split {
		s := Split{N: 5, Rows: 28, Cols: 28, Images: make([]uint8, 5*784), Labels: make([]uint8, 5)}
		for i := 0; i < 5; i++ {
			s.Labels[i] = uint8(first + i)
			img := s.Image(i)
			for y := 6; y < 22; y++ {
				for x := 8; x < 20; x++ {
					img[y*28+x] = uint8(100 + first + i)
				}
			}
		}
		return s
	}
	return &Dataset{Name: "digits", Classes: 10, Train: mk(0), Test: mk(5)}
}

func TestMNISTScenes(t *testing.T) {
	o := SceneOptions{Train: 300, Test: 100, Seed: 3}
	a, err := MNISTScenes(digitSet(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := MNISTScenes(digitSet(), o)
	if !bytes.Equal(a.Train.Images, b.Train.Images) || !bytes.Equal(a.Test.Images, b.Test.Images) {
		t.Fatal("same seed, different scenes")
	}
	c, _ := MNISTScenes(digitSet(), SceneOptions{Train: 300, Test: 100, Seed: 4})
	if bytes.Equal(a.Train.Images, c.Train.Images) {
		t.Fatal("different seeds, same scenes")
	}
	counts := map[int]int{}
	for _, sp := range []*SceneSplit{&a.Train, &a.Test} {
		for i, obs := range sp.Objects {
			if len(obs) < 1 || len(obs) > 4 {
				t.Fatalf("scene %d has %d digits", i, len(obs))
			}
			counts[len(obs)]++
			for _, ob := range obs {
				w, h := ob.X1-ob.X0, ob.Y1-ob.Y0
				// the 12×16 square of a 28-pixel digit scaled to 14–28 px
				if ob.X0 < 0 || ob.Y0 < 0 || ob.X1 > 64 || ob.Y1 > 64 || h < 7 || h > 17 || w < 5 || w > 13 {
					t.Fatalf("scene %d: box %+v", i, ob)
				}
				if (sp == &a.Train) != (ob.Class < 5) {
					t.Fatalf("scene %d: class %d from the wrong split", i, ob.Class)
				}
				// the box's pixels carry the digit's value
				if v := sp.Image(i)[(ob.Y0+ob.Y1)/2*64+(ob.X0+ob.X1)/2]; v < 100 {
					t.Fatalf("scene %d: box %+v centre pixel %d", i, ob, v)
				}
			}
			for j := range obs {
				for k := j + 1; k < len(obs); k++ {
					p, q := obs[j], obs[k]
					// ink boxes lie inside their squares, so they overlap at most
					// a little: never one inside another
					if p.X0 >= q.X0 && p.X1 <= q.X1 && p.Y0 >= q.Y0 && p.Y1 <= q.Y1 {
						t.Fatalf("scene %d: box %+v inside %+v", i, p, q)
					}
				}
			}
		}
	}
	for k := 1; k <= 4; k++ {
		if counts[k] < 40 {
			t.Errorf("only %d scenes with %d digits: %v", counts[k], k, counts)
		}
	}
	// scene i does not depend on how many scenes are made
	d, _ := MNISTScenes(digitSet(), SceneOptions{Train: 10, Test: 10, Seed: 3})
	if !bytes.Equal(d.Train.Image(7), a.Train.Image(7)) || !slices.Equal(d.Test.Objects[9], a.Test.Objects[9]) {
		t.Error("scene 7 changed with the number of scenes")
	}
	for _, bad := range []SceneOptions{{MinDigits: 3, MaxDigits: 2}, {MinScale: 30}, {MaxIoU: 2}, {Size: 4}} {
		if _, err := MNISTScenes(digitSet(), bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestScaleDigit(t *testing.T) {
	// scaling to the same size is the identity; halving a 2×2-block image
	// averages each block
	img := make([]uint8, 16)
	for i := range img {
		img[i] = uint8(i * 10)
	}
	dst := make([]uint8, 16)
	scaleDigit(dst, 4, img, 4, 4)
	if !bytes.Equal(dst, img) {
		t.Errorf("identity scale: %v", dst)
	}
	half := make([]uint8, 4)
	scaleDigit(half, 2, img, 4, 4)
	// output (0,0) samples input (0.5, 0.5): mean of 0, 10, 40, 50 = 25
	if half[0] != 25 || half[3] != 125 {
		t.Errorf("half scale: %v", half)
	}
}
