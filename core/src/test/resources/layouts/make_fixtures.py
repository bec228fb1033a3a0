#!/usr/bin/env python3
"""Writes the fixtures of memflux's data-layout tests (shards, .npz, token files, float64 tables).

Generated with numpy 2.4.6 (Python 3): run `python3 make_fixtures.py` in this directory.

Every array's values follow a formula the tests recompute, so no expected-values file is needed:
  shards/shard_K.npy   float32 rows of 3, element (r, c) of the logical array = 3*r + c + 0.5,
                       rows 0-4, 5-8, (none), 9-14 in shards 0..3 (shard 2 is empty)
  bad/*.npy            shards that disagree with shards/: dtype, byte order, row shape,
                       Fortran order, and a 0-d array
  data.npz             np.savez: x float64 (10, 3) = arange / 4, y float64 (10,) = arange * 2 - 1,
                       tokens uint16 (50,) = (arange * 7919) % 50000, be >i4 (4, 2) = arange - 3,
                       fortran float32 (3, 4) Fortran order = arange, scalar int64 () = 42,
                       and a zip comment
  compressed.npz       np.savez_compressed of x and y as in data.npz
  mixed.npz            x stored, y deflated (zipfile, as np.savez and np.savez_compressed do)
  positional.npz       np.savez(array): member arr_0 = arange(6) int32
  tokens.bin           np.memmap uint16 (1000,), nanoGPT's train.bin: (arange * 7919) % 50000
  features.npy         float64 (20, 4) = arange / 8
  targets.npy          float64 (20,) = arange * 0.5
"""
import os
import shutil
import zipfile

import numpy as np

os.chdir(os.path.dirname(os.path.abspath(__file__)))
for d in ("shards", "bad"):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)

rows = np.arange(15 * 3, dtype=np.float32).reshape(15, 3) + 0.5
for k, (a, b) in enumerate([(0, 5), (5, 9), (9, 9), (9, 15)]):
    np.save(f"shards/shard_{k}.npy", rows[a:b])

np.save("bad/float64.npy", np.zeros((2, 3), dtype=np.float64))
np.save("bad/big_endian.npy", np.zeros((2, 3), dtype=">f4"))
np.save("bad/wide.npy", np.zeros((2, 4), dtype=np.float32))
np.save("bad/fortran.npy", np.asfortranarray(np.zeros((2, 3), dtype=np.float32)))
np.save("bad/scalar.npy", np.float32(1.0))

x = np.arange(30, dtype=np.float64).reshape(10, 3) / 4
y = np.arange(10, dtype=np.float64) * 2 - 1
tokens = ((np.arange(50, dtype=np.int64) * 7919) % 50000).astype(np.uint16)
be = (np.arange(8, dtype=np.int64) - 3).astype(">i4").reshape(4, 2)
fortran = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
np.savez("data.npz", x=x, y=y, tokens=tokens, be=be, fortran=fortran, scalar=np.int64(42))
with zipfile.ZipFile("data.npz", "a") as z:
    z.comment = b"made by make_fixtures.py"

np.savez_compressed("compressed.npz", x=x, y=y)


with zipfile.ZipFile("mixed.npz", "w") as z:
    for name, array, method in (("x", x, zipfile.ZIP_STORED), ("y", y, zipfile.ZIP_DEFLATED)):
        info = zipfile.ZipInfo(name + ".npy", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = method
        with z.open(info, "w", force_zip64=True) as f:
            np.lib.format.write_array(f, array)

np.savez("positional.npz", np.arange(6, dtype=np.int32))

mm = np.memmap("tokens.bin", dtype=np.uint16, mode="w+", shape=(1000,))
mm[:] = (np.arange(1000, dtype=np.int64) * 7919) % 50000
mm.flush()
del mm

np.save("features.npy", np.arange(80, dtype=np.float64).reshape(20, 4) / 8)
np.save("targets.npy", np.arange(20, dtype=np.float64) * 0.5)
