#!/usr/bin/env python3
"""Makes the input fixtures of Tests/Fixtures/inputs/ (run once from this folder; the files are committed).

PNGs are written byte by byte (signature, IHDR, one zlib IDAT, IEND), so nothing but numpy and the
standard library is needed:

  gray.png, rgb.png, rgba.png   8-bit, 5 wide × 4 high. rgba.png's alpha is 255, 0 or 128; where it is
                                0 the color is arbitrary (a reader that keeps premultiplied color, as
                                Cairo does, sees black), and where it is 128 every color is 0 or 255,
                                so un-premultiplying gives the color back exactly.
  gray16.png                    16-bit gray, which is refused
  digit.png                     a 28×28 gray handwritten-style "7": white strokes on black, as MNIST
  x_f64.npy [1, 4, 5] float64, x_f32.npy [4, 5] float32, x_u8.npy [3, 4, 5] uint8,
  x_batch.npy [1, 1, 4, 5] float64, x_be.npy [1, 4, 5] big-endian float64 (all read)
  x_fortran.npy [2, 4, 5] Fortran order, x_i64.npy [1, 4, 5] int64 (both refused)
  x.csv (one channel, 4 rows of 5), x2.csv (two channels, a blank line between)
  expected.json                 what a reader must see: each PNG's pixels as [H][W][r, g, b, a] after
                                decoding, and each array file's numbers as float64
"""
import json
import struct
import zlib

import numpy as np

rng = np.random.default_rng(5)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, pixels, color_type, depth=8):
    """pixels: [H][W] (gray) or [H][W][channels], unsigned integers of `depth` bits."""
    a = np.asarray(pixels)
    h, w = a.shape[:2]
    dtype = ">u2" if depth == 16 else "u1"
    rows = b"".join(b"\x00" + a[y].astype(dtype).tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def rgba_of(a, kind):
    a = np.asarray(a, dtype=np.int64)
    if kind == "gray":
        return np.stack([a, a, a, np.full_like(a, 255)], axis=-1)
    if kind == "rgb":
        return np.concatenate([a, np.full(a.shape[:2] + (1,), 255)], axis=-1)
    out = a.copy()
    out[a[..., 3] == 0] = 0      # premultiplied storage: no color survives alpha 0
    return out


gray = rng.integers(0, 256, (4, 5))
gray[0, 0], gray[0, 1], gray[0, 2] = 0, 255, 128
rgb = rng.integers(0, 256, (4, 5, 3))
rgb[0, 0], rgb[0, 1] = (255, 0, 0), (10, 200, 30)
rgba = rng.integers(0, 256, (4, 5, 4))
rgba[..., 3] = 255
rgba[1, 1, 3] = 0
rgba[2, 2] = (255, 0, 255, 128)
rgba[3, 4] = (0, 255, 0, 128)

yy, xx = np.mgrid[0:28, 0:28]
digit = np.zeros((28, 28))
digit[5:9, 6:23] = 1                                              # the top bar
for y in range(8, 24):                                            # the slanted stroke
    x = int(22 - (y - 8) * 0.6)
    digit[y, max(0, x - 2):x + 2] = 1
digit = np.clip(np.round(digit * 255 - rng.integers(0, 40, (28, 28)) * digit), 0, 255).astype(np.uint8)

write_png("gray.png", gray, 0)
write_png("rgb.png", rgb, 2)
write_png("rgba.png", rgba, 6)
write_png("gray16.png", gray * 257, 0, depth=16)
write_png("digit.png", digit, 0)

x = rng.uniform(-1, 1, (1, 4, 5))
np.save("x_f64.npy", x)
np.save("x_f32.npy", x[0].astype(np.float32))
u8 = rng.integers(0, 256, (3, 4, 5)).astype(np.uint8)
np.save("x_u8.npy", u8)
np.save("x_batch.npy", x[None])
np.save("x_be.npy", x.astype(">f8"))
np.save("x_fortran.npy", np.asfortranarray(rng.uniform(-1, 1, (2, 4, 5))))
np.save("x_i64.npy", np.arange(20).reshape(1, 4, 5))
c = np.round(rng.uniform(-2, 2, (2, 4, 5)), 3)
with open("x.csv", "w") as f:
    f.write("\n".join(", ".join(repr(float(v)) for v in row) for row in c[0]) + "\n")
with open("x2.csv", "w") as f:
    f.write("\n\n".join("\n".join(",".join(repr(float(v)) for v in row) for row in ch) for ch in c) + "\n")

expected = {
    "png": {"gray.png": rgba_of(gray, "gray").tolist(), "rgb.png": rgba_of(rgb, "rgb").tolist(),
            "rgba.png": rgba_of(rgba, "rgba").tolist(), "digit.png": rgba_of(digit, "gray").tolist()},
    "arrays": {"x_f64.npy": x.tolist(), "x_f32.npy": x[0].astype(np.float32).astype(np.float64)[None].tolist(),
               "x_u8.npy": u8.astype(np.float64).tolist(), "x_batch.npy": x.tolist(), "x_be.npy": x.tolist(),
               "x.csv": c[:1].tolist(), "x2.csv": c.tolist()},
}
json.dump(expected, open("expected.json", "w"))
