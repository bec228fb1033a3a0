#!/usr/bin/env python3
"""Writes the .npy fixtures for memflux's core tests.

Generated with numpy 2.4.6 (Python 3): run `python3 make_fixtures.py` in this directory.

expected.txt holds one line per fixture, tab-separated:
  file  descr  fortran(0/1)  version  shape(comma-separated, empty for 0-d)  values
where values are every element in C order (row-major), space-separated: ints as decimal,
floats as Python repr (inf, -inf, nan), bools as 0/1. raw_be_f4.bin is a headerless
np.memmap file whose layout is on the expected.txt line as  offset=N  in the version column.
"""
import os

import numpy as np

KINDS = ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"]
SHAPE = (3, 4, 5)
lines = []


def formula(kind, n):
    """Values spread over every byte of each type, computable by formula."""
    a = np.arange(n, dtype=np.int64)
    if kind == "b1":
        return a % 3 == 0
    size = int(kind[1])
    if kind[0] == "i":
        scale = {1: 1, 2: 1000, 4: 70_000_000, 8: 2**57}[size]
        return (a - n // 2) * scale
    if kind[0] == "u":
        scale = {1: 4, 2: 1000, 4: 70_000_000, 8: 2**58}[size]
        return a.astype(np.uint64) * np.uint64(scale)
    return (a - n // 2) * 0.375 + 0.125


def extremes(kind):
    """The edges of each type: min, max, zero, signed zero, subnormals, inf and nan."""
    if kind == "b1":
        return np.array([False, True, True, False])
    t = np.dtype(kind)
    if kind[0] in "iu":
        i = np.iinfo(t)
        return np.array([i.min, i.max, 0, 1, i.max - 1, i.min + 1], dtype=t)
    f = np.finfo(t)
    return np.array(
        [f.min, f.max, 0.0, -0.0, f.tiny, f.smallest_subnormal, np.inf, -np.inf, np.nan, 1 / 3],
        dtype=t,
    )


def fmt(v):
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def record(name, array, version, descr=None, fortran=None):
    values = " ".join(fmt(v) for v in np.ascontiguousarray(array).reshape(-1).tolist())
    shape = ",".join(str(d) for d in array.shape)
    f = array.flags.f_contiguous and not array.flags.c_contiguous if fortran is None else fortran
    lines.append(
        "\t".join([name, descr or array.dtype.str, "1" if f else "0", version, shape, values])
    )


def save(name, array, version=(1, 0)):
    with open(name, "wb") as out:
        np.lib.format.write_array(out, array, version=version)
    record(name, array, "%d.%d" % version)


def respell(source, name, old, new):
    """Copies a fixture with its descr spelled differently (same length, so same layout)."""
    data = open(source, "rb").read()
    assert data.count(old) == 1
    open(name, "wb").write(data.replace(old, new))


for kind in KINDS:
    orders = ["|"] if kind[1] == "1" else ["<", ">"]
    for order in orders:
        t = np.dtype(order + kind if order != "|" else kind)
        tag = {"|": "na", "<": "le", ">": "be"}[order]
        c = formula(kind, 60).astype(t).reshape(SHAPE)
        save(f"c_{tag}_{kind}.npy", c)
        save(f"f_{tag}_{kind}.npy", np.asfortranarray(c))
        save(f"x_{tag}_{kind}.npy", extremes(kind).astype(t))
    if kind[1] != "1":
        # numpy writes '<'/'>' but reads '=' (native) and '|' (treated as native) as well.
        for order, tag in (("=", "eq"), ("|", "bar")):
            name = f"c_{tag}_{kind}.npy"
            respell(f"c_le_{kind}.npy", name, f"'<{kind}'".encode(), f"'{order}{kind}'".encode())
            record(name, formula(kind, 60).astype("<" + kind).reshape(SHAPE), "1.0", descr="<" + kind)

save("v2_f4.npy", np.arange(12, dtype="<f4").reshape(3, 4), (2, 0))
save("v3_f4.npy", np.arange(12, dtype="<f4").reshape(3, 4), (3, 0))
save("zero_d_f8.npy", np.array(3.5, dtype="<f8"))
save("zero_d_be_i4.npy", np.array(-7, dtype=">i4"))
save("empty_f4.npy", np.zeros((0,), dtype="<f4"))
save("empty_rows_u1.npy", np.zeros((0, 5), dtype="u1"))
save("zero_size_i4.npy", np.zeros((3, 0, 2), dtype="<i4"))
save("wide_f_i2.npy", np.asfortranarray(np.arange(2 * 3 * 4 * 5, dtype="<i2").reshape(2, 3, 4, 5)))

# Headerless np.memmap: 16 junk bytes, then big-endian float32 of shape (4, 6).
raw = "raw_be_f4.bin"
with open(raw, "wb") as out:
    out.write(b"JUNKJUNKJUNKJUNK")
mm = np.memmap(raw, dtype=">f4", mode="r+", offset=16, shape=(4, 6))
mm[:] = np.arange(24).reshape(4, 6) * 1.5 - 10
mm.flush()
record(raw, np.asarray(mm), "offset=16", fortran=False)
del mm

with open("expected.txt", "w") as out:
    out.write("\n".join(lines) + "\n")
print(len(lines), "fixtures,", sum(os.path.getsize(f.split("\t")[0]) for f in lines), "bytes")
