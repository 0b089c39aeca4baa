#!/usr/bin/env python3
"""Check cnn-explain traces against an independent PyTorch implementation.

Every array in a trace (inputs, weights, outputs, the loss and every gradient) is recomputed
with PyTorch in float64 and compared with rtol 1e-5 (atol 1e-12).

    python3 bench/torch_check.py TRACE.json [TRACE.json ...]
    python3 bench/torch_check.py --random 50 --binary .build/release/cnn-explain

The second form writes random models mixing every layer type (conv with stride, padding as an
integer, [ph, pw], "same" or "valid", dilation, bias, normalize; batchnorm in train and eval mode;
relu, sigmoid, tanh, leaky_relu; maxpool and avgpool with their options and default strides;
dropout in train mode, checked with the traced mask, and eval mode; global_avgpool; flatten;
dense; softmax and log_softmax) with all three losses (mse, cross_entropy, nll), random weights
and random inputs, traces each with the binary, and checks the traces: batchnorm's batch
statistics and updated running statistics are compared as well. Needs `pip install torch numpy`;
CI does not run it.
"""
import argparse, json, os, random, subprocess, sys, tempfile, warnings

import torch
import torch.nn.functional as F

RTOL, ATOL = 1e-5, 1e-12


def layer_fields(layer):
    size = layer.get("size")
    if isinstance(size, list):
        kh, kw = size
    else:
        kh = kw = size
    return kh, kw


def conv_padding(layer):
    p = layer.get("padding", 0)
    return tuple(p) if isinstance(p, list) else p


def apply_layer(layer, inp, weights, out):
    """One layer in PyTorch on a [1, ...] tensor; records batchnorm statistics and checks dropout masks into `out`."""
    name, kind = layer["name"], layer["type"]
    if kind == "conv":
        kh, kw = layer_fields(layer)
        w = weights[name + ".weight"]
        y = F.conv2d(inp, w, None, stride=layer.get("stride", 1), padding=conv_padding(layer), dilation=layer.get("dilation", 1))
        if layer.get("normalize", False):
            y = y / (w.shape[1] * kh * kw)
        if name + ".bias" in weights:
            y = y + weights[name + ".bias"].view(1, -1, 1, 1)
        return y
    if kind == "maxpool":
        size = layer["size"]
        return F.max_pool2d(inp, size, stride=layer.get("stride", size), ceil_mode=layer.get("ceil", False))
    if kind == "avgpool":
        size = layer["size"]
        return F.avg_pool2d(inp, size, stride=layer.get("stride", size), padding=layer.get("padding", 0),
                            ceil_mode=layer.get("ceil", False), count_include_pad=layer.get("count_include_pad", True))
    if kind == "dense":
        return F.linear(inp.reshape(1, -1), weights[name + ".weight"], weights.get(name + ".bias"))
    if kind == "batchnorm":
        train = layer.get("mode", "train") == "train"
        rm = weights[name + ".running_mean"].detach().clone()
        rv = weights[name + ".running_var"].detach().clone()
        y = F.batch_norm(inp, rm, rv, weights[name + ".weight"], weights[name + ".bias"], training=train,
                         momentum=layer.get("momentum", 0.1), eps=layer.get("eps", 1e-5))
        if train:
            x = inp.detach()
            out[("forward", name, "batch_mean")] = x.mean(dim=(0, 2, 3))
            out[("forward", name, "batch_var")] = x.var(dim=(0, 2, 3), unbiased=False)
            out[("forward", name, "updated_running_mean")] = rm
            out[("forward", name, "updated_running_var")] = rv
        return y
    if kind == "dropout":
        if layer.get("mode", "train") == "eval":
            return inp * 1
        mask = weights[name + ".mask"]
        p = layer.get("p", 0.5)
        keep = 1 / (1 - p) if p < 1 else 0.0
        # The traced mask must hold only 0 and 1/(1 − p): then y = x · mask is PyTorch's dropout with that mask.
        if not bool(((mask == 0) | torch.isclose(mask, torch.tensor(keep))).all()):
            out[("check", name, "mask")] = "mask values other than 0 and 1/(1-p)"
        out[("forward", name, "mask")] = mask
        return inp * mask.unsqueeze(0)
    simple = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "flatten": lambda t: t.reshape(1, -1),
              "global_avgpool": lambda t: t.mean(dim=(2, 3), keepdim=True),
              "leaky_relu": lambda t: F.leaky_relu(t, layer.get("slope", 0.01)),
              "softmax": lambda t: F.softmax(t, dim=1), "log_softmax": lambda t: F.log_softmax(t, dim=1)}
    if kind not in simple:
        raise SystemExit(f"unknown layer type {kind}")
    return simple[kind](inp)


def torch_loss(kind, logits, target):
    if kind == "mse":
        onehot = torch.zeros_like(logits)
        onehot[0, target] = 1
        return F.mse_loss(logits, onehot)
    if kind == "nll":
        return F.nll_loss(logits, torch.tensor([target]))
    return F.cross_entropy(logits, torch.tensor([target]))


TRAINED = ("weight", "bias")
STATS = ("running_mean", "running_var")


def run_torch(model, params, x, target):
    """Forward and backward in PyTorch; returns {(pass, layer, role): tensor}."""
    out = {}
    x = x.clone().requires_grad_(True)
    h = x.unsqueeze(0)
    acts = []
    weights = {k: v.clone().requires_grad_(k.rsplit(".", 1)[1] in TRAINED) for k, v in params.items()}
    for layer in model["layers"]:
        inp = h
        y = apply_layer(layer, inp, weights, out)
        inp.retain_grad()
        y.retain_grad()
        acts.append((layer["name"], inp, y))
        h = y
    loss = None
    if target is not None:
        loss = torch_loss(model.get("loss", "cross_entropy"), h.reshape(1, -1), target)
        loss.backward()
    for i, (name, inp, y) in enumerate(acts):
        out[("forward", name, "input")] = inp.detach()[0]
        out[("forward", name, "output")] = y.detach()[0]
        for role in TRAINED + STATS:
            if f"{name}.{role}" in weights:
                out[("forward", name, role)] = weights[f"{name}.{role}"].detach()
        if loss is not None:
            out[("backward", name, "grad_output")] = y.grad[0]
            g_in = x.grad if i == 0 else inp.grad[0]
            out[("backward", name, "grad_input")] = g_in
            for role in TRAINED:
                if f"{name}.{role}" in weights:
                    out[("backward", name, "grad_" + role)] = weights[f"{name}.{role}"].grad
    if loss is not None:
        out[("forward", "loss", "output")] = loss.detach()
    return out


def check_trace(path):
    trace = json.load(open(path))
    model = trace["model"]
    recs = {(r["pass"], r["layer"], r["role"]): r for r in trace["records"]}
    def tensor(r):
        return torch.tensor(r["data"], dtype=torch.float64).reshape(r["shape"])
    first = model["layers"][0]["name"]
    x = tensor(recs[("forward", first, "input")])
    params = {f'{l}.{role}': tensor(r) for (p, l, role), r in recs.items()
              if p == "forward" and role in ("weight", "bias", "running_mean", "running_var", "mask")}
    target = None
    if "target" in trace:
        target = trace["target"]
    elif ("forward", "loss", "output") in recs:
        # An older trace without a target: take the class whose loss matches.
        want = recs[("forward", "loss", "output")]["data"][0]
        n = len(recs[("forward", model["layers"][-1]["name"], "output")]["data"])
        target = min(range(n), key=lambda t: abs(float(run_torch(model, params, x, t)[("forward", "loss", "output")]) - want))
    ref = run_torch(model, params, x, target)
    worst, failures = 0.0, []
    for key, message in ref.items():
        if key[0] == "check":
            failures.append(f"{key[1]}.{key[2]}: {message}")
    for key, r in recs.items():
        if key not in ref:
            failures.append(f"{'/'.join(key)}: not produced by the PyTorch model")
            continue
        a, b = tensor(r), ref[key].reshape(r["shape"])
        if a.shape != b.shape:
            failures.append(f"{'/'.join(key)}: shape {list(a.shape)} vs {list(b.shape)}")
            continue
        ok = torch.isclose(a, b, rtol=RTOL, atol=ATOL)
        if not bool(ok.all()):
            idx = int((~ok).flatten().nonzero()[0])
            failures.append(f"{'/'.join(key)}[{idx}]: cnn-explain {a.flatten()[idx].item()!r} vs PyTorch {b.flatten()[idx].item()!r}")
        denom = b.abs().clamp_min(1e-300)
        worst = max(worst, float(((a - b).abs() / denom).max()) if a.numel() else 0.0)
    missing = [k for k in ref if k not in recs and k[0] != "check"]
    for k in missing:
        failures.append(f"{'/'.join(k)}: missing from the trace")
    return len(recs), worst, failures


def random_layers(rng, c):
    """A random stack: 1-2 convs (stride, padding int/[ph, pw]/same/valid, dilation, bias, normalize), each
    maybe followed by batchnorm (train or eval), an activation (relu, sigmoid, tanh, leaky_relu), a pool
    (maxpool or avgpool, strides often left to their default) and dropout (train or eval); then maybe
    global average pooling, flatten, a hidden dense layer with an activation, the output dense layer and,
    depending on the loss, softmax or log_softmax."""
    layers = []
    def add(layer):
        layer.setdefault("name", str(len(layers)))  # nn.Sequential's names: "0", "1", …
        layers.append(layer)
    def activation():
        kind = rng.choice(["relu", "sigmoid", "tanh", "leaky_relu"])
        add({"type": kind, "slope": rng.choice([0.01, 0.2, -0.5])} if kind == "leaky_relu" else {"type": kind})
    for i in range(rng.randint(1, 2)):
        kh, kw = rng.randint(1, 3), rng.randint(1, 3)
        padding = rng.choice([0, 1, [rng.randint(0, 1), rng.randint(0, 2)], "same", "valid"])
        stride = 1 if padding == "same" else rng.randint(1, 2)
        add({"type": "conv", "filters": rng.randint(1, 4), "size": [kh, kw] if kh != kw else kh, "stride": stride,
             "padding": padding, "dilation": rng.randint(1, 2), "bias": rng.random() < 0.5, "normalize": rng.random() < 0.3})
        if rng.random() < 0.5:
            add({"type": "batchnorm", "mode": rng.choice(["train", "eval"]), "momentum": rng.choice([0.1, 0.3]), "eps": 1e-5})
        activation()
        r = rng.random()
        if r < 0.35:
            size = rng.randint(2, 3)
            pool = {"type": "maxpool", "size": size, "ceil": rng.random() < 0.5}
            if rng.random() < 0.5:
                pool["stride"] = rng.randint(1, 2)
            add(pool)
        elif r < 0.7:
            size = rng.randint(2, 3)
            pool = {"type": "avgpool", "size": size, "padding": rng.randint(0, size // 2), "ceil": rng.random() < 0.5,
                    "count_include_pad": rng.random() < 0.5}
            if rng.random() < 0.5:
                pool["stride"] = rng.randint(1, 2)
            add(pool)
        if rng.random() < 0.4:
            add({"type": "dropout", "p": rng.choice([0.2, 0.5]), "mode": rng.choice(["train", "train", "eval"])})
    if rng.random() < 0.3:
        add({"type": "global_avgpool"})
    if rng.random() < 0.5:
        add({"type": "flatten"})
    if rng.random() < 0.5:
        add({"type": "dense", "units": rng.randint(2, 5), "bias": rng.random() < 0.5})
        activation()
    units = rng.randint(2, 4)
    add({"type": "dense", "units": units, "bias": rng.random() < 0.5})
    loss = rng.choice(["mse", "cross_entropy", "nll"])
    if loss == "nll":
        add({"type": "log_softmax"})
    elif loss == "mse" and rng.random() < 0.5:
        add({"type": "softmax"})
    return layers, loss, units


def random_weights(rng, layers, shape):
    """Every parameter and batchnorm statistic, drawn at random, with shapes found by running the
    layers in PyTorch on zeros; None when PyTorch refuses the stack (a window that does not fit)."""
    weights = {}
    h = torch.zeros([1] + list(shape))
    def rand(*dims, low=-1.0, high=1.0):
        return torch.tensor([rng.uniform(low, high) for _ in range(int(torch.tensor(dims).prod()))]).reshape(dims)
    try:
        for layer in layers:
            name, kind = layer["name"], layer["type"]
            if kind == "conv":
                kh, kw = layer_fields(layer)
                weights[name + ".weight"] = rand(layer["filters"], h.shape[1], kh, kw)
                if layer["bias"]:
                    weights[name + ".bias"] = rand(layer["filters"])
            elif kind == "dense":
                weights[name + ".weight"] = rand(layer["units"], h.numel())
                if layer["bias"]:
                    weights[name + ".bias"] = rand(layer["units"])
            elif kind == "batchnorm":
                c = h.shape[1]
                weights.update({name + ".weight": rand(c, low=0.5, high=1.5), name + ".bias": rand(c),
                                name + ".running_mean": rand(c, low=-0.5, high=0.5), name + ".running_var": rand(c, low=0.5, high=2.0)})
                if layer["mode"] == "train" and h.shape[2] * h.shape[3] < 2:
                    return None
            elif kind == "dropout":
                weights[name + ".mask"] = torch.ones(h.shape[1:])
            h = apply_layer(layer, h, weights, {})
    except RuntimeError:
        return None
    return {k: v for k, v in weights.items() if not k.endswith(".mask")}


def random_model(rng):
    while True:
        c, h, w = rng.randint(1, 3), rng.randint(5, 12), rng.randint(5, 12)
        layers, loss, units = random_layers(rng, c)
        weights = random_weights(rng, layers, (c, h, w))
        if weights is not None:
            return {"input": [c, h, w], "layers": layers, "loss": loss}, units, weights


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("traces", nargs="*")
    ap.add_argument("--random", type=int, default=0, help="check this many random models")
    ap.add_argument("--binary", default=".build/release/cnn-explain")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    # PyTorch warns that padding="same" with an even kernel copies the input; that is expected here.
    warnings.filterwarnings("ignore", message="Using padding='same'")
    paths = list(args.traces)
    tmp = tempfile.mkdtemp()
    rng = random.Random(args.seed)
    covered = {}
    for i in range(args.random):
        model, units, weights = random_model(rng)
        for layer in model["layers"]:
            key = layer["type"] + (f" {layer['mode']}" if "mode" in layer else "")
            covered[key] = covered.get(key, 0) + 1
        covered["loss " + model["loss"]] = covered.get("loss " + model["loss"], 0) + 1
        c, h, w = model["input"]
        x = [[[rng.uniform(-1, 1) for _ in range(w)] for _ in range(h)] for _ in range(c)]
        mp, ip, wp, tp = (os.path.join(tmp, f"{n}{i}.json") for n in ("model", "input", "weights", "trace"))
        json.dump(model, open(mp, "w"))
        json.dump(x, open(ip, "w"))
        json.dump({k: v.tolist() for k, v in weights.items()}, open(wp, "w"))
        cmd = [args.binary, "trace", "--model", mp, "--input", ip, "--weights", wp, "--target", str(rng.randrange(units)),
               "--seed", str(i), "--out", tp]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        paths.append(tp)
    bad = 0
    for p in paths:
        n, worst, failures = check_trace(p)
        status = "ok" if not failures else "MISMATCH"
        print(f"{status}: {p}: {n} arrays, worst relative difference {worst:.2e}")
        for f in failures[:5]:
            print("   ", f)
        bad += bool(failures)
    if covered:
        print("covered: " + ", ".join(f"{k} ×{v}" for k, v in sorted(covered.items())))
    print(f"{len(paths) - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
