#!/usr/bin/env python3
"""Makes the LeNet fixtures of Tests/Fixtures/lenet/ (run once from this folder; the files are committed).

Only numpy and the standard library are needed:

  model.json          a LeNet-style model named like an unnamed nn.Sequential: 0 conv 4@5×5 padding 2,
                      1 tanh, 2 avgpool 2, 3 conv 8@5×5, 4 tanh, 5 avgpool 2, 6 flatten, 7 dense 32,
                      8 dense 10; input [1, 28, 28]; cross-entropy
  lenet.safetensors   its weights as float32, as safetensors.torch.save_file writes a state_dict:
                      0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 8.weight, 8.bias
  expected.json       for ../inputs/digit.png (a 28×28 handwritten-style "7") read with each pixel
                      mapping (article: 2p/255 − 1, torchvision: p/255): the input, the ten outputs and
                      the cross-entropy loss for target 7, computed here in float64 by plain numpy
                      loops from the float32 weights, independently of the engine
"""
import json
import struct
import zlib

import numpy as np

rng = np.random.default_rng(28)


def read_gray_png(path):
    """An 8-bit gray PNG whose rows all use filter 0, as ../inputs/make_inputs.py writes them."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color == 0
            size = (h, w)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    h, w = size
    rows = [raw[y * (w + 1):(y + 1) * (w + 1)] for y in range(h)]
    assert all(r[0] == 0 for r in rows)
    return np.array([list(r[1:]) for r in rows], dtype=np.float64)


def conv(x, w, b, pad):
    c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((c, h + 2 * pad, wd + 2 * pad))
    xp[:, pad:pad + h, pad:pad + wd] = x
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    y = np.zeros((o, oh, ow))
    for f in range(o):
        for i in range(oh):
            for j in range(ow):
                y[f, i, j] = np.sum(w[f] * xp[:, i:i + kh, j:j + kw]) + b[f]
    return y


def avgpool2(x):
    c, h, w = x.shape
    return x.reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4))


def forward(x, p):
    h = np.tanh(conv(x, p["0.weight"], p["0.bias"], 2))
    h = avgpool2(h)
    h = np.tanh(conv(h, p["3.weight"], p["3.bias"], 0))
    h = avgpool2(h).reshape(-1)
    h = p["7.weight"] @ h + p["7.bias"]
    return p["8.weight"] @ h + p["8.bias"]


def uniform(shape, fan_in):
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


weights = {
    "0.weight": uniform((4, 1, 5, 5), 25), "0.bias": uniform((4,), 25),
    "3.weight": uniform((8, 4, 5, 5), 100), "3.bias": uniform((8,), 100),
    "7.weight": uniform((32, 200), 200), "7.bias": uniform((32,), 200),
    "8.weight": uniform((10, 32), 32), "8.bias": uniform((10,), 32),
}

header, blobs, offset = {}, [], 0
for name, t in weights.items():
    blob = t.astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
header["__metadata__"] = {"format": "pt"}
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("lenet.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

layers = [
    {"name": 0, "type": "conv", "filters": 4, "size": 5, "padding": 2}, {"name": 1, "type": "tanh"},
    {"name": 2, "type": "avgpool", "size": 2},
    {"name": 3, "type": "conv", "filters": 8, "size": 5}, {"name": 4, "type": "tanh"},
    {"name": 5, "type": "avgpool", "size": 2},
    {"name": 6, "type": "flatten"}, {"name": 7, "type": "dense", "units": 32}, {"name": 8, "type": "dense", "units": 10},
]
with open("model.json", "w") as f:
    json.dump({"input": [1, 28, 28], "layers": layers, "loss": "cross_entropy"}, f, indent=1)
    f.write("\n")

pixels = read_gray_png("../inputs/digit.png")
params = {k: v.astype(np.float64) for k, v in weights.items()}
expected = {}
for mapping, x in (("article", 2 * pixels / 255 - 1), ("torchvision", pixels / 255)):
    y = forward(x[None], params)
    loss = np.log(np.sum(np.exp(y - y.max()))) + y.max() - y[7]
    expected[mapping] = {"input": x.tolist(), "output": y.tolist(), "loss": float(loss)}
with open("expected.json", "w") as f:
    json.dump(expected, f)
    f.write("\n")
