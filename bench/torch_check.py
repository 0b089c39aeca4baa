#!/usr/bin/env python3
"""Check cnn-explain traces against an independent PyTorch implementation.

Every array in a trace (inputs, weights, outputs, the loss and every gradient) is recomputed
with PyTorch in float64 and compared with rtol 1e-5 (atol 1e-12).

    python3 bench/torch_check.py TRACE.json [TRACE.json ...]
    python3 bench/torch_check.py --random 50 --binary .build/release/cnn-explain

The second form writes random models (conv with stride, padding, bias, normalize; relu; maxpool
with and without ceil; dense; both losses) and random inputs, traces each with the binary, and
checks the traces. Needs `pip install torch numpy`; CI does not run it.
"""
import argparse, json, os, random, subprocess, sys, tempfile

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


def run_torch(model, params, x, target):
    """Forward and backward in PyTorch; returns {(pass, layer, role): tensor}."""
    out = {}
    x = x.clone().requires_grad_(True)
    h = x.unsqueeze(0)
    acts = []
    weights = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    for layer in model["layers"]:
        name, kind = layer["name"], layer["type"]
        inp = h
        if kind == "conv":
            kh, kw = layer_fields(layer)
            w = weights[name + ".weight"]
            y = F.conv2d(inp, w, None, stride=layer.get("stride", 1), padding=layer.get("padding", 0))
            if layer.get("normalize", False):
                y = y / (w.shape[1] * kh * kw)
            if name + ".bias" in weights:
                y = y + weights[name + ".bias"].view(1, -1, 1, 1)
        elif kind == "relu":
            y = F.relu(inp)
        elif kind == "maxpool":
            size = layer["size"]
            y = F.max_pool2d(inp, size, stride=layer.get("stride", 1), ceil_mode=layer.get("ceil", False))
        elif kind == "dense":
            flat = inp.reshape(1, -1)
            y = F.linear(flat, weights[name + ".weight"], weights.get(name + ".bias"))
        else:
            raise SystemExit(f"unknown layer type {kind}")
        inp.retain_grad()
        y.retain_grad()
        acts.append((name, inp, y))
        h = y
    logits = h.reshape(1, -1)
    loss = None
    if target is not None:
        if model.get("loss", "cross_entropy") == "mse":
            onehot = torch.zeros_like(logits)
            onehot[0, target] = 1
            loss = F.mse_loss(logits, onehot)
        else:
            loss = F.cross_entropy(logits, torch.tensor([target]))
        loss.backward()
    for i, (name, inp, y) in enumerate(acts):
        out[("forward", name, "input")] = inp.detach()[0]
        out[("forward", name, "output")] = y.detach()[0]
        for role in ("weight", "bias"):
            if f"{name}.{role}" in weights:
                out[("forward", name, role)] = weights[f"{name}.{role}"].detach()
        if loss is not None:
            out[("backward", name, "grad_output")] = y.grad[0]
            g_in = x.grad if i == 0 else inp.grad[0]
            out[("backward", name, "grad_input")] = g_in
            for role in ("weight", "bias"):
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
    params = {f'{l}.{role}': tensor(r) for (p, l, role), r in recs.items() if p == "forward" and role in ("weight", "bias")}
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
    missing = [k for k in ref if k not in recs]
    for k in missing:
        failures.append(f"{'/'.join(k)}: missing from the trace")
    return len(recs), worst, failures


def random_model(rng):
    c, h, w = rng.randint(1, 3), rng.randint(5, 12), rng.randint(5, 12)
    layers, shape = [], (c, h, w)
    for i in range(rng.randint(1, 2)):
        kh, kw = rng.randint(1, 3), rng.randint(1, 3)
        conv = {"name": f"conv{i+1}", "type": "conv", "filters": rng.randint(1, 4), "size": [kh, kw] if kh != kw else kh,
                "stride": rng.randint(1, 2), "padding": rng.randint(0, 1), "bias": rng.random() < 0.5, "normalize": rng.random() < 0.5}
        H, W = shape[1] + 2 * conv["padding"], shape[2] + 2 * conv["padding"]
        if kh > H or kw > W:
            break
        layers.append(conv)
        shape = (conv["filters"], (H - kh) // conv["stride"] + 1, (W - kw) // conv["stride"] + 1)
        if rng.random() < 0.7:
            layers.append({"name": f"relu{i+1}", "type": "relu"})
        size, stride, ceil = rng.randint(2, 3), rng.randint(1, 2), rng.random() < 0.5
        if size <= min(shape[1], shape[2]) and rng.random() < 0.6:
            layers.append({"name": f"pool{i+1}", "type": "maxpool", "size": size, "stride": stride, "ceil": ceil})
            def out(n):
                if ceil:
                    o = -(-(n - size) // stride) + 1
                    return o - 1 if (o - 1) * stride >= n else o
                return (n - size) // stride + 1
            shape = (shape[0], out(shape[1]), out(shape[2]))
    units = rng.randint(2, 4)
    layers.append({"name": "out", "type": "dense", "units": units, "bias": rng.random() < 0.5})
    return {"input": [c, h, w], "layers": layers, "loss": rng.choice(["mse", "cross_entropy"])}, units


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("traces", nargs="*")
    ap.add_argument("--random", type=int, default=0, help="check this many random models")
    ap.add_argument("--binary", default=".build/release/cnn-explain")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    paths = list(args.traces)
    tmp = tempfile.mkdtemp()
    rng = random.Random(args.seed)
    for i in range(args.random):
        model, units = random_model(rng)
        c, h, w = model["input"]
        x = [[[rng.uniform(-1, 1) for _ in range(w)] for _ in range(h)] for _ in range(c)]
        mp, ip, tp = (os.path.join(tmp, f"{n}{i}.json") for n in ("model", "input", "trace"))
        json.dump(model, open(mp, "w"))
        json.dump(x, open(ip, "w"))
        cmd = [args.binary, "trace", "--model", mp, "--input", ip, "--target", str(rng.randrange(units)),
               "--init", "random", "--seed", str(i), "--out", tp]
        subprocess.run(cmd, check=True)
        paths.append(tp)
    bad = 0
    for p in paths:
        n, worst, failures = check_trace(p)
        status = "ok" if not failures else "MISMATCH"
        print(f"{status}: {p}: {n} arrays, worst relative difference {worst:.2e}")
        for f in failures[:5]:
            print("   ", f)
        bad += bool(failures)
    print(f"{len(paths) - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
