#!/usr/bin/env python3
"""Writes one NIR graph twice in NIR's HDF5 layout with h5py (Debian's
python3-h5py): OUTDIR/nir_gzip.nir with every array chunked and
gzip-compressed (as the nir package writes since 2026, here with several
chunk shapes, levels and the shuffle filter, so partial edge chunks and
multi-chunk arrays occur) and OUTDIR/nir_plain.nir with the same data
contiguous. models/nir's TestGzipNIRReadsLikePlain runs it and checks both
import to the same graph.

  gen_nir_gzip.py OUTDIR

The layout is nir.write's: a "version" string, a group "node" that is a
NIRGraph ("type", "edges" as an [n,2] array of strings, "nodes/<name>/..."
with each node's "type" string and parameters), nested NIRGraphs the same
way. Values are deterministic functions of their index; nothing is random.
"""
import os
import sys

import h5py
import numpy as np


def arr(shape, scale=0.01, offset=0.0):
    n = int(np.prod(shape))
    v = (np.arange(n, dtype=np.float64) * 37 % 101 - 50) * scale + offset
    return v.reshape(shape).astype(np.float32)


def graph():
    """The NIR graph as nested dicts: node name -> {param: value}."""
    lif = lambda n, tau, th: {"type": "LIF", "tau": np.full(n, tau, np.float32), "r": np.full(n, 1.0, np.float32),
                              "v_leak": np.zeros(n, np.float32), "v_threshold": np.full(n, th, np.float32),
                              "v_reset": np.zeros(n, np.float32)}
    sub = {
        "type": "NIRGraph",
        "nodes": {
            "input": {"type": "Input", "shape": np.array([32], np.int64)},
            "lif": {"type": "CubaLIF", "tau_syn": np.full(32, 2e-4, np.float32), "tau_mem": np.full(32, 1e-3, np.float32),
                    "r": np.full(32, 10.0, np.float32), "v_leak": np.zeros(32, np.float32),
                    "v_threshold": np.full(32, 1.0, np.float32), "v_reset": np.zeros(32, np.float32),
                    "w_in": np.full(32, 2.0, np.float32)},
            "w_rec": {"type": "Linear", "weight": arr((32, 32), 0.003)},
            "output": {"type": "Output", "shape": np.array([32], np.int64)},
        },
        "edges": [("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
    }
    return {
        "type": "NIRGraph",
        "nodes": {
            "input": {"type": "Input", "shape": np.array([2, 12, 12], np.int64)},
            "conv": {"type": "Conv2d", "weight": arr((4, 2, 3, 3), 0.02), "bias": arr((4,), 0.1),
                     "stride": np.array([1, 1], np.int64), "padding": np.array([1, 1], np.int64),
                     "dilation": np.array([1, 1], np.int64), "groups": np.int64(1),
                     "input_shape": np.array([12, 12], np.int64)},
            "if1": {"type": "IF", "r": np.ones((4, 12, 12), np.float32), "v_threshold": arr((4, 12, 12), 0.001, 1.0)},
            "pool": {"type": "SumPool2d", "kernel_size": np.array([2, 2], np.int64), "stride": np.array([2, 2], np.int64),
                     "padding": np.array([0, 0], np.int64)},
            "flat": {"type": "Flatten", "start_dim": np.int64(0), "end_dim": np.int64(-1),
                     "input_type": np.array([4, 6, 6], np.int64)},
            "fc": {"type": "Affine", "weight": arr((32, 144), 0.004), "bias": arr((32,), 0.02)},
            "rnn": sub,
            "fc2": {"type": "Linear", "weight": arr((10, 32), 0.05)},
            "lif2": lif(10, 2e-3, 0.8),
            "output": {"type": "Output", "shape": np.array([10], np.int64)},
        },
        "edges": [("input", "conv"), ("conv", "if1"), ("if1", "pool"), ("pool", "flat"), ("flat", "fc"),
                  ("fc", "rnn.input"), ("rnn.output", "fc2"), ("fc2", "lif2"), ("lif2", "output")],
    }


# (chunk shape chooser, gzip level, shuffle) cycled over the arrays of the
# compressed file: automatic chunks, small chunks that cut every dimension
# (edge chunks are partial), one chunk per row.
STYLES = [
    (lambda shape: True, 4, False),
    (lambda shape: tuple(max(1, (d + 2) // 3) for d in shape), 9, True),
    (lambda shape: (1,) + tuple(shape[1:]), 1, False),
]


class Writer:
    def __init__(self, gzip):
        self.gzip = gzip
        self.k = 0

    def array(self, g, name, v):
        v = np.asarray(v)
        if not self.gzip or v.ndim == 0:
            g.create_dataset(name, data=v)  # scalars cannot be chunked
            return
        chunks, level, shuffle = STYLES[self.k % len(STYLES)]
        self.k += 1
        g.create_dataset(name, data=v, chunks=chunks(v.shape), compression="gzip",
                         compression_opts=level, shuffle=shuffle)

    def node(self, g, spec):
        g.create_dataset("type", data=np.bytes_(spec["type"]))
        if spec["type"] == "NIRGraph":
            edges = np.array([[a.encode(), b.encode()] for a, b in spec["edges"]], dtype=object)
            self.array_str(g, "edges", edges)
            nodes = g.create_group("nodes")
            for name, sub in spec["nodes"].items():
                self.node(nodes.create_group(name), sub)
            return
        for k, v in spec.items():
            if k != "type":
                self.array(g, k, v)

    def array_str(self, g, name, v):
        dt = h5py.string_dtype()
        if self.gzip:
            g.create_dataset(name, data=v, dtype=dt, chunks=True, compression="gzip", compression_opts=6)
        else:
            g.create_dataset(name, data=v, dtype=dt)


def write(path, gzip):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.create_dataset("version", data=np.bytes_("1.0.0"))
        Writer(gzip).node(f.create_group("node"), graph())
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_nir_gzip.py OUTDIR")
    out = sys.argv[1]
    write(os.path.join(out, "nir_gzip.nir"), True)
    write(os.path.join(out, "nir_plain.nir"), False)


if __name__ == "__main__":
    main()
