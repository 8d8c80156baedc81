package data

import (
	"fmt"
	"slices"
)

// SuperpixelName names the MNIST superpixel graph dataset (Superpixels).
const SuperpixelName = "mnist-superpixels"

// Superpixel segmentation parameters: square cells of SuperpixelCell pixels
// (7×7 = 49 superpixels on a 28×28 image), SuperpixelFeatures features per
// superpixel, edges to the SuperpixelK nearest superpixels (4: on the grid
// the 4-neighbourhood; with 8 the two GraphConv layers of sgnn-superpixel
// average 5×5 cells and lose the digit's shape: 67–69 % against 78–85 %
// after one epoch on 10,000 images in our trials, docs/bench-models11.md).
const (
	SuperpixelCell     = 4
	SuperpixelFeatures = 3
	SuperpixelK        = 4
)

// Superpixels turns an image dataset into a graph-classification dataset:
// every image becomes a graph whose nodes are superpixels and whose node
// features are (mean intensity, x and y of the intensity-weighted centroid).
//
// The segmentation is SLIC's initial state: a regular grid of cell×cell
// squares (SLIC seeds its clusters on exactly this grid and then moves the
// borders to follow intensity; we stop before that step). The graph topology
// therefore does not depend on the image: the edges join each superpixel to
// its k nearest superpixels by distance between cell centres (ties broken by
// node index), symmetrised; SuperpixelGraph returns it. That is what lets
// the compiler turn the adjacency into fixed synapses. What the image
// changes is the node features, stored as uint8 like pixels (v/255): the
// rounded mean intensity, and the centroid column and row scaled from
// [0, size−1] to [0, 255] (the cell centre when the cell is dark).
//
// Samples are [nodes][features] row-major in the Split's Images (Rows =
// nodes, Cols = features); labels are copied. Name is SuperpixelName.
func Superpixels(ds *Dataset, cell int) (*Dataset, error) {
	if cell < 1 || ds.Train.Rows%cell != 0 || ds.Train.Cols%cell != 0 {
		return nil, fmt.Errorf("superpixels: cell %d does not tile %dx%d images", cell, ds.Train.Rows, ds.Train.Cols)
	}
	if ds.Test.Rows != ds.Train.Rows || ds.Test.Cols != ds.Train.Cols {
		return nil, fmt.Errorf("superpixels: train images are %dx%d, test %dx%d", ds.Train.Rows, ds.Train.Cols, ds.Test.Rows, ds.Test.Cols)
	}
	out := &Dataset{Name: SuperpixelName, Dir: ds.Dir, Classes: ds.Classes}
	out.Train = superpixelSplit(&ds.Train, cell)
	out.Test = superpixelSplit(&ds.Test, cell)
	return out, nil
}

func superpixelSplit(s *Split, cell int) Split {
	gh, gw := s.Rows/cell, s.Cols/cell
	nodes := gh * gw
	out := Split{N: s.N, Rows: nodes, Cols: SuperpixelFeatures, Labels: slices.Clone(s.Labels),
		Images: make([]uint8, s.N*nodes*SuperpixelFeatures)}
	for i := 0; i < s.N; i++ {
		superpixelFeatures(out.Image(i), s.Image(i), s.Rows, s.Cols, cell)
	}
	return out
}

// superpixelFeatures writes the [nodes][3] features of one image.
func superpixelFeatures(dst, img []uint8, rows, cols, cell int) {
	gw := cols / cell
	sx, sy := float64(255)/float64(cols-1), float64(255)/float64(rows-1)
	for gy := 0; gy < rows/cell; gy++ {
		for gx := 0; gx < gw; gx++ {
			var sum, mx, my int
			for y := gy * cell; y < (gy+1)*cell; y++ {
				for x := gx * cell; x < (gx+1)*cell; x++ {
					p := int(img[y*cols+x])
					sum += p
					mx += p * x
					my += p * y
				}
			}
			cx, cy := float64(gx*cell)+float64(cell-1)/2, float64(gy*cell)+float64(cell-1)/2
			if sum > 0 {
				cx, cy = float64(mx)/float64(sum), float64(my)/float64(sum)
			}
			f := dst[(gy*gw+gx)*SuperpixelFeatures:]
			f[0] = uint8((sum + cell*cell/2) / (cell * cell))
			f[1] = uint8(cx*sx + 0.5)
			f[2] = uint8(cy*sy + 0.5)
		}
	}
}

// SuperpixelGraph returns the graph of Superpixels on rows×cols images: one
// node per cell (row-major over the grid), each joined to its k nearest
// cells by centre distance (ties by node index), the union of both
// directions.
func SuperpixelGraph(rows, cols, cell, k int) (Graph, error) {
	if cell < 1 || rows%cell != 0 || cols%cell != 0 || rows < 1 || cols < 1 {
		return Graph{}, fmt.Errorf("superpixel graph: cell %d does not tile %dx%d", cell, rows, cols)
	}
	gh, gw := rows/cell, cols/cell
	n := gh * gw
	if k < 1 || k >= n {
		return Graph{}, fmt.Errorf("superpixel graph: k = %d for %d nodes", k, n)
	}
	set := map[[2]int32]bool{}
	idx := make([]int, n)
	for i := 0; i < n; i++ {
		iy, ix := i/gw, i%gw
		d2 := func(j int) int {
			dy, dx := j/gw-iy, j%gw-ix
			return dy*dy + dx*dx
		}
		for j := range idx {
			idx[j] = j
		}
		slices.SortStableFunc(idx, func(a, b int) int { return d2(a) - d2(b) })
		got := 0
		for _, j := range idx {
			if j == i {
				continue
			}
			set[[2]int32{int32(min(i, j)), int32(max(i, j))}] = true
			if got++; got == k {
				break
			}
		}
	}
	g := Graph{Nodes: n}
	for e := range set {
		g.Edges = append(g.Edges, e)
	}
	slices.SortFunc(g.Edges, func(a, b [2]int32) int {
		if a[0] != b[0] {
			return int(a[0] - b[0])
		}
		return int(a[1] - b[1])
	})
	return g, nil
}
