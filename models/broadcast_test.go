package models

import (
	"slices"
	"testing"
)

func TestBroadcastTo(t *testing.T) {
	tests := []struct {
		name  string
		shape Shape
		data  []float32
		to    Shape
		want  []float32 // nil: error
	}{
		{"scalar", Shape{}, []float32{7}, Shape{2, 2}, []float32{7, 7, 7, 7}},
		{"one", Shape{1}, []float32{3}, Shape{3}, []float32{3, 3, 3}},
		{"flattened", Shape{6}, []float32{1, 2, 3, 4, 5, 6}, Shape{2, 1, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"per channel", Shape{2, 1, 1}, []float32{1, 2}, Shape{2, 2, 2}, []float32{1, 1, 1, 1, 2, 2, 2, 2}},
		{"per feature", Shape{3}, []float32{1, 2, 3}, Shape{2, 3}, []float32{1, 2, 3, 1, 2, 3}},
		{"per row", Shape{2, 1}, []float32{5, 6}, Shape{2, 3}, []float32{5, 5, 5, 6, 6, 6}},
		{"mismatch", Shape{2}, []float32{1, 2}, Shape{3, 3}, nil},
		{"too many dims", Shape{1, 1, 3}, []float32{1, 2, 3}, Shape{2, 3}, nil},
		{"bad tensor", Shape{3}, []float32{1}, Shape{3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BroadcastTo(NewTensor(tc.shape, tc.data), tc.to)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("no error, got %v", got)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
