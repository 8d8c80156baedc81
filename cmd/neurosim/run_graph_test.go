package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestKarateEndToEnd: train the spiking GCN on the karate club, then run it
// on the chip: the report's accuracy is per node and the chip agrees with
// the software model.
func TestKarateEndToEnd(t *testing.T) {
	model := filepath.Join(t.TempDir(), "k.nsm")
	if _, err := run(t, "train", "--arch", "sgnn-karate", "--epochs", "200", "--lr", "0.01", "--seed", "2", "--out", model); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "run", model, "--dataset", "karate", "--json", "--no-progress")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Samples   int     `json:"samples"`
		Accuracy  float64 `json:"accuracy"`
		Software  float64 `json:"software_accuracy"`
		Agreement float64 `json:"agreement"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if s.Samples != 1 || s.Agreement != 1 || s.Accuracy < 0.9 || s.Accuracy != s.Software {
		t.Fatalf("report %+v", s)
	}
	if _, err := run(t, "train", "--arch", "sgnn-superpixel", "--dataset", "karate", "--out", model); err == nil {
		t.Error("karate with a graph-classification arch accepted")
	}
}

// TestDetectorEndToEnd: a few steps of spikeyolo-tiny on the MNIST scenes,
// then a run on the chip that reports mAP equal to the software model's.
func TestDetectorEndToEnd(t *testing.T) {
	needMNIST(t)
	model := filepath.Join(t.TempDir(), "d.nsm")
	if _, err := run(t, "train", "--arch", "spikeyolo-tiny", "--epochs", "1", "--train-limit", "64", "--test-limit", "16",
		"--batch", "32", "--out", model, "--no-progress"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "run", model, "--dataset", "mnist-scenes", "--limit", "6", "--json", "--no-progress")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Samples   int     `json:"samples"`
		Accuracy  float64 `json:"accuracy"`
		Software  float64 `json:"software_accuracy"`
		Agreement float64 `json:"agreement"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if s.Samples != 6 || s.Agreement != 1 || s.Accuracy != s.Software {
		t.Fatalf("report %+v", s)
	}
}
