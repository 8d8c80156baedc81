#!/usr/bin/env python3
"""Test helper run by the Go tests when h5py is installed (Debian python3-h5py).

  h5py_tool.py dump FILE       print every dataset and attribute as JSON
  h5py_tool.py regzip SRC DST  copy SRC with every non-scalar dataset
                               rewritten chunked, gzip-compressed and shuffled
"""
import json
import sys

import h5py
import numpy as np


def plain(v):
    v = np.asarray(v)
    e = {"shape": list(v.shape)}
    flat = v.reshape(-1)
    if v.dtype.kind in "SUO":
        e["strings"] = [x.decode() if isinstance(x, bytes) else str(x) for x in flat]
    elif v.dtype.kind == "f":
        e["floats"] = [float(x) for x in flat]
    else:
        e["ints"] = [int(x) for x in flat]
    return e


def dump(path):
    out = {}
    with h5py.File(path, "r") as h:
        def visit(name, obj):
            for k, a in obj.attrs.items():
                out["/" + name + "@" + k] = plain(a)
            if isinstance(obj, h5py.Dataset):
                out["/" + name] = plain(obj[()])
        for k, a in h.attrs.items():
            out["/@" + k] = plain(a)
        h.visititems(visit)
    json.dump(out, sys.stdout)


def regzip(src, dst):
    with h5py.File(src, "r") as s, h5py.File(dst, "w") as d:
        def copy(name, obj):
            if isinstance(obj, h5py.Group):
                g = d.require_group(name)
            else:
                kw = {}
                if obj.shape and obj.size > 0:
                    kw = dict(chunks=True, compression="gzip", shuffle=True)
                g = d.create_dataset(name, data=obj[()], dtype=obj.dtype, **kw)
            for k, a in obj.attrs.items():
                g.attrs[k] = a
        s.visititems(copy)
        for k, a in s.attrs.items():
            d.attrs[k] = a


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif sys.argv[1] == "regzip":
        regzip(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: h5py_tool.py dump FILE | regzip SRC DST")
