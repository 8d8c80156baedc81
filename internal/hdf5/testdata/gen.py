#!/usr/bin/env python3
"""Writes the small HDF5 test files in this directory with h5py (Debian's
python3-h5py) and expected.json, the values numpy holds for every dataset and
attribute, so the Go reader is checked against an independent writer.

Run from this directory: python3 gen.py. The output is committed; rerun only
when adding cases. Nothing here is random.
"""
import json

import h5py
import numpy as np

expected = {}


def record(f, path, value, dtype=None, kind="dataset"):
    v = np.asarray(value)
    e = {"shape": list(v.shape), "kind": kind}
    if v.dtype.kind in "SUO":
        e["strings"] = [x.decode() if isinstance(x, bytes) else str(x) for x in v.reshape(-1)]
    elif v.dtype.kind == "f":
        e["floats"] = [float(x) for x in v.reshape(-1)]
    elif v.dtype.kind == "b":
        e["ints"] = [int(x) for x in v.reshape(-1)]
    else:
        e["ints"] = [int(x) for x in v.reshape(-1)]
    if dtype is not None:
        e["dtype"] = dtype
    expected.setdefault(f, {})[path] = e


def ds(h, fname, path, data, want=None, **kw):
    h.create_dataset(path, data=data, **kw)
    record(fname, path, data, want)


def attr(h, fname, obj, name, value, want=None):
    obj.attrs[name] = value
    record(fname, obj.name + "@" + name, value, want, kind="attr")


def numbers(h, fname, g):
    base = np.arange(-6, 6).reshape(3, 4)
    for t in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
        v = base if t[0] == "i" else base + 6
        for order, tag in [("<", "le"), (">", "be")]:
            ds(h, fname, f"{g}/{t}_{tag}", v.astype(order + t), f"{'u' if t[0] == 'u' else ''}int{int(t[1:]) * 8}")
    for t in ["f4", "f8"]:
        v = np.linspace(-1.5, 2.25, 12).reshape(3, 4)
        for order, tag in [("<", "le"), (">", "be")]:
            ds(h, fname, f"{g}/{t}_{tag}", v.astype(order + t), f"float{int(t[1:]) * 8}")
    ds(h, fname, f"{g}/u8_big", np.array([2**63 - 1, 0], dtype="<u8"), "uint64")
    ds(h, fname, f"{g}/scalar_f8", np.float64(0.0025), "float64")
    ds(h, fname, f"{g}/scalar_i8", np.int64(-42), "int64")
    ds(h, fname, f"{g}/empty", np.zeros((0, 3), dtype="f4"), "float32")


def strings(h, fname, g):
    vstr = h5py.string_dtype()
    ds(h, fname, f"{g}/vlen_scalar", "LIF", "string", dtype=vstr)
    ds(h, fname, f"{g}/vlen_array", np.array([["input", "0"], ["0", "1"], ["1", "output"]], dtype=object), "string", dtype=vstr)
    ds(h, fname, f"{g}/fixed_nullpad", np.array([b"dense", b"conv", b"x"], dtype="S10"), "S10")
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(6)
    tid.set_strpad(h5py.h5t.STR_SPACEPAD)
    sp = h5py.h5s.create_simple((2,))
    d = h5py.h5d.create(h[g].id, b"fixed_spacepad", tid, sp)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([b"ab    ", b"cdef  "], dtype="S6"), mtype=tid)
    record(fname, f"{g}/fixed_spacepad", np.array([b"ab", b"cdef"]), "S6")
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(4)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    d = h5py.h5d.create(h[g].id, b"fixed_nullterm", tid, h5py.h5s.create(h5py.h5s.SCALAR))
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(b"abc", dtype="S4"), mtype=tid)
    record(fname, f"{g}/fixed_nullterm", np.array(b"abc"), "S4")


def layouts(h, fname, g):
    w = np.arange(7 * 5, dtype="<f4").reshape(7, 5) / 8
    ds(h, fname, f"{g}/chunked_plain", w, "float32", chunks=(3, 2))
    ds(h, fname, f"{g}/chunked_gzip", w, "float32", chunks=(3, 2), compression="gzip", compression_opts=6)
    ds(h, fname, f"{g}/chunked_gzip_shuffle", w.astype(">f8"), "float64", chunks=(4, 4), compression="gzip", shuffle=True)
    ds(h, fname, f"{g}/chunked_fletcher", np.arange(10, dtype="<i2"), "int16", chunks=(4,), fletcher32=True)
    big = np.arange(16 * 2 * 5 * 5, dtype="<f4").reshape(16, 2, 5, 5) * 0.01
    ds(h, fname, f"{g}/conv_weight_gzip", big, "float32", chunks=(4, 2, 5, 5), compression="gzip", shuffle=True)
    # A dataset whose last chunks were never written reads as its fill value (0).
    d = h.create_dataset(f"{g}/chunked_partial", shape=(6,), dtype="<i4", chunks=(2,))
    d[0:2] = [7, 8]
    record(fname, f"{g}/chunked_partial", np.array([7, 8, 0, 0, 0, 0], dtype="<i4"), "int32")
    # Compact layout through the low-level API.
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    v = np.array([1.5, -2.5, 3.5], dtype="<f8")
    d = h5py.h5d.create(h[g].id, b"compact", h5py.h5t.IEEE_F64LE, h5py.h5s.create_simple((3,)), dcpl=dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, v)
    record(fname, f"{g}/compact", v, "float64")


def attributes(h, fname):
    attr(h, fname, h, "title", "neurosim test", "string")
    attr(h, fname, h, "count", np.int64(3), "int64")
    g = h["numbers"]
    attr(h, fname, g, "tau", np.float64(0.0025), "float64")
    attr(h, fname, g, "shape", np.array([2, 34, 34], dtype="<i8"), "int64")
    attr(h, fname, g, "gain_f4_be", np.array([0.5, 1.5], dtype=">f4"), "float32")
    attr(h, fname, g, "names", np.array(["a", "bc"], dtype=h5py.string_dtype()), "string")
    attr(h, fname, g, "fixed", np.bytes_(b"S5str"), "S5")
    attr(h, fname, g, "flag", np.bool_(True), "enum(int8)")
    d = h["numbers/f4_le"]
    attr(h, fname, d, "unit", "mV", "string")
    attr(h, fname, d, "offsets", np.array([-1, 2], dtype=">i2"), "int16")
    # Enough attributes to overflow the first object header chunk, so the
    # rest live behind a continuation message.
    c = h["layouts/chunked_gzip"]
    for i in range(24):
        attr(h, fname, c, f"a{i:02d}", np.float64(i) / 4, "float64")


def links(h, fname):
    h["strings/soft"] = h5py.SoftLink("/numbers/i4_le")
    h["numbers/parent"] = h["/"]  # hard link back to the root: a cycle
    # An external link forces a new-style group (link messages) even here.
    g = h.create_group("links")
    g["loop_a"] = h5py.SoftLink("/links/loop_b")
    g["loop_b"] = h5py.SoftLink("/links/loop_a")
    g["dangling"] = h5py.SoftLink("/nowhere")
    g["ext"] = h5py.ExternalLink("other.h5", "/x")
    g["hard"] = h["numbers/i1_le"]


def v0(fname):
    with h5py.File(fname, "w", libver="earliest", track_order=False) as h:
        for g in ["numbers", "strings", "layouts"]:
            h.create_group(g)
        numbers(h, fname, "numbers")
        strings(h, fname, "strings")
        layouts(h, fname, "layouts")
        attributes(h, fname)
        links(h, fname)


def latest(fname):
    with h5py.File(fname, "w", libver="latest") as h:
        g = h.create_group("node")
        n = g.create_group("nodes")
        lif = n.create_group("lif")
        ds(h, fname, "node/nodes/lif/tau", np.array([0.0025, 0.005], dtype="<f4"), "float32")
        ds(h, fname, "node/nodes/lif/type", "LIF", "string", dtype=h5py.string_dtype())
        ds(h, fname, "node/edges", np.array([["input", "lif"], ["lif", "output"]], dtype=object), "string", dtype=h5py.string_dtype())
        ds(h, fname, "node/big_be", np.arange(6, dtype=">i4").reshape(2, 3), "int32")
        attr(h, fname, lif, "label", "neuron", "string")
        attr(h, fname, lif, "v", np.array([1.0, 2.0]), "float64")
        for i in range(7):  # enough attribute bytes for a continuation chunk ("OCHK"), few enough to stay compact
            attr(h, fname, h["node/big_be"], f"attr{i:02d}", np.arange(10 * i + 1, dtype="<i8"), "int64")
        # Unsupported on purpose: a chunked dataset (v4 layout, new chunk index)
        # and a group with enough members for dense (fractal-heap) storage.
        h.create_dataset("unsupported/chunked", data=np.arange(10.0), chunks=(5,), compression="gzip")
        dense = h.create_group("unsupported/dense")
        for i in range(20):
            dense.create_group(f"m{i:02d}")


def tiny(fname, libver):
    """Small files that make good fuzz seeds."""
    with h5py.File(fname, "w", libver=libver) as h:
        ds(h, fname, "w", np.arange(6, dtype="<f4").reshape(2, 3), "float32", chunks=(1, 3), compression="gzip", shuffle=True)
        ds(h, fname, "type", "LIF", "string", dtype=h5py.string_dtype())
        attr(h, fname, h["w"], "n", np.int64(6), "int64")


v0("v0.h5")
tiny("tiny_v0.h5", "earliest")
tiny("tiny_v108.h5", "v108")  # superblock v2, OHDR, chunked via v1 B-tree
latest("latest.h5")
with open("expected.json", "w") as out:
    json.dump(expected, out, indent=1, sort_keys=True)
    out.write("\n")
