#!/usr/bin/env python3
"""Makes the LeNet fixtures of Tests/Fixtures/lenet/ (run once from this folder; the files are committed).

A LeNet-style model (conv, tanh, avgpool, conv, tanh, avgpool, flatten, dense, dense) with weights
drawn by PyTorch from a fixed seed, written as float32 .safetensors byte by byte (8-byte
little-endian header length, JSON header, data), and PyTorch's float64 forward pass on
../inputs/digit.png read with each pixel mapping. Needs numpy and torch (only to remake them).

  model.json           the model, in cnn-explain's model format
  weights.safetensors  F32, state_dict names conv1.weight, conv1.bias, conv2.*, fc1.*, fc2.*
  expected.json        for each mapping ("article": 2p/255 - 1, "torchvision": p/255), every
                       layer's output, flattened row-major, computed by PyTorch in float64 from the
                       float32 weights, and the cross-entropy loss against class 7
"""
import json
import struct
import zlib
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(7)
layers = OrderedDict([
    ("conv1", nn.Conv2d(1, 4, 5, padding=2)), ("tanh1", nn.Tanh()), ("pool1", nn.AvgPool2d(2)),
    ("conv2", nn.Conv2d(4, 8, 5)), ("tanh2", nn.Tanh()), ("pool2", nn.AvgPool2d(2)),
    ("flatten", nn.Flatten(0)), ("fc1", nn.Linear(200, 32)), ("fc2", nn.Linear(32, 10)),
])
net = nn.Sequential(layers)
model = {"input": [1, 28, 28], "layers": [
    {"name": "conv1", "type": "conv", "filters": 4, "size": 5, "padding": 2},
    {"name": "tanh1", "type": "tanh"},
    {"name": "pool1", "type": "avgpool", "size": 2},
    {"name": "conv2", "type": "conv", "filters": 8, "size": 5},
    {"name": "tanh2", "type": "tanh"},
    {"name": "pool2", "type": "avgpool", "size": 2},
    {"name": "flatten", "type": "flatten"},
    {"name": "fc1", "type": "dense", "units": 32},
    {"name": "fc2", "type": "dense", "units": 10}],
    "loss": "cross_entropy", "classes": [str(k) for k in range(10)]}
json.dump(model, open("model.json", "w"), indent=1)

state = {k: v.detach().to(torch.float32).numpy() for k, v in net.state_dict().items()}
header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name, a in state.items():
    blob = a.astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("weights.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_gray_png(path):
    """The 8-bit gray PNG that ../inputs/make_inputs.py wrote: one IDAT, filter 0 on every row."""
    data = open(path, "rb").read()
    w, h = struct.unpack(">II", data[16:24])
    at, idat = 8, b""
    while at < len(data):
        n = struct.unpack(">I", data[at:at + 4])[0]
        if data[at + 4:at + 8] == b"IDAT":
            idat += data[at + 8:at + 8 + n]
        at += 12 + n
    raw = zlib.decompress(idat)
    return np.array([list(raw[y * (w + 1) + 1:(y + 1) * (w + 1)]) for y in range(h)], dtype=np.float64)


pixels = read_gray_png("../inputs/digit.png")
net64 = net.double()
with torch.no_grad():
    for k, v in net64.state_dict().items():
        v.copy_(torch.from_numpy(state[k].astype(np.float64)))
expected = {}
for mapping, f in [("article", lambda p: 2 * p / 255 - 1), ("torchvision", lambda p: p / 255)]:
    y = torch.from_numpy(f(pixels))[None]
    outputs = {}
    with torch.no_grad():
        for name, layer in net64.named_children():
            y = layer(y)
            outputs[name] = [float(v) for v in y.reshape(-1)]
        loss = nn.functional.cross_entropy(y[None], torch.tensor([7]))
    expected[mapping] = {"outputs": outputs, "loss": float(loss)}
json.dump(expected, open("expected.json", "w"))
