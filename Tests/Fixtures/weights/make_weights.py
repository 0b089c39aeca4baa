#!/usr/bin/env python3
"""Makes the weights fixtures of Tests/Fixtures/weights/ (run once from this folder; the files are committed).

One model (model.json: conv1 2@3×3 with bias on a 1×5×5 input, relu, dense out 3 with bias) and one
set of float64 parameters drawn from a fixed seed, plus a few values chosen to test conversions
(0.1, which no binary float holds exactly; a float16 subnormal; a number that rounds differently in
bfloat16 than by truncation). They are written as:

  weights.json                  nested arrays (the reference, float64)
  weights_f64.npz               np.savez, float64, stored
  weights_f32_compressed.npz    np.savez_compressed, float32, deflated
  weights_<dtype>.safetensors   F64, F32, F16, BF16, written byte by byte below:
                                8-byte little-endian header length, the JSON header
                                {"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
                                padded with spaces to a multiple of 8, then the little-endian data
  expected.json                 for each file, each parameter's values as float64 after the file's
                                rounding (what a correct reader must return, exactly)

Needs numpy only.
"""
import json
import struct

import numpy as np

rng = np.random.default_rng(13)
params = {
    "conv1.weight": rng.uniform(-1, 1, (2, 1, 3, 3)),
    "conv1.bias": np.array([0.1, 3e-6]),               # 0.1 is inexact everywhere; 3e-6 is a float16 subnormal
    "out.weight": rng.uniform(-1, 1, (3, 18)),
    "out.bias": np.array([-0.25, 1.00390625, -2.5e-3]),  # 1 + 2^-8: a bfloat16 tie, rounds to even (1.0)
}


def bf16_bits(a):
    """float64 -> float32 -> bfloat16 bits, rounding to nearest, ties to even (as torch does)."""
    u = np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_values(a):
    return (bf16_bits(a).astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def safetensors(path, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in params.items():
        if dtype == "BF16":
            blob = bf16_bits(a).astype("<u2").tobytes()
        else:
            blob = np.asarray(a, dtype={"F64": "<f8", "F32": "<f4", "F16": "<f2"}[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def rounded(dtype):
    conv = {"f64": lambda a: a, "f32": lambda a: a.astype(np.float32).astype(np.float64),
            "f16": lambda a: a.astype(np.float16).astype(np.float64), "bf16": bf16_values}[dtype]
    return {k: [float(x) for x in conv(v).ravel()] for k, v in params.items()}


json.dump({k: v.tolist() for k, v in params.items()}, open("weights.json", "w"), indent=1)
np.savez("weights_f64.npz", **params)
np.savez_compressed("weights_f32_compressed.npz", **{k: v.astype(np.float32) for k, v in params.items()})
for d in ["F64", "F32", "F16", "BF16"]:
    safetensors(f"weights_{d.lower()}.safetensors", d)
expected = {
    "weights.json": rounded("f64"),
    "weights_f64.npz": rounded("f64"),
    "weights_f32_compressed.npz": rounded("f32"),
    "weights_f64.safetensors": rounded("f64"),
    "weights_f32.safetensors": rounded("f32"),
    "weights_f16.safetensors": rounded("f16"),
    "weights_bf16.safetensors": rounded("bf16"),
}
json.dump({"shapes": {k: list(v.shape) for k, v in params.items()}, "values": expected}, open("expected.json", "w"), indent=1)
