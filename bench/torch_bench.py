#!/usr/bin/env python3
"""The PyTorch side of `cnn-explain bench`: the same SGD step in PyTorch (CPU, eager), float32 and float64.

    python3 bench/torch_bench.py --model lessons/models/xo.json --batch 32     # JSON lines, one per dtype
    python3 bench/torch_bench.py --tables .build/release/cnn-explain           # the ratio tables
    python3 bench/torch_bench.py --tables BIN --images 28,56 --batches 1,32    # a part of them
    python3 bench/torch_bench.py --compare .build/release/cnn-explain          # the built-in workloads

One step is what `cnn-explain bench --model FILE --batch N` times: zero the gradients, forward,
the model's loss (cross-entropy, or MSE against one-hot targets), backward, and an SGD update with
learning rate 1e-3 and momentum 0.9, on N inputs drawn uniformly from [-1, 1); sample s has class
s mod classes. Both engines use --threads threads (default 2).

--tables writes the model files of issue 17's tables (the digits network at 28², 56², 112², 224²
with batch 1, 8, 32, 128; and at batch 32 with wider convs) into a temporary folder, and for each
cell runs cnn-explain, PyTorch float32 and PyTorch float64 one after another, --rounds times,
keeping each one's fastest round. It prints each table as our time divided by PyTorch's (below 1
means cnn-explain is faster), against float32 and against float64, and the times in µs.

Needs `pip install torch numpy` (PyYAML for YAML model files); CI does not run it.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

import torch
import torch.nn.functional as F


# --- The model file, read the way cnn-explain reads it (see docs/formats.md). ---------------------

def load_model(path):
    with open(path) as f:
        text = f.read()
    if path.endswith((".yaml", ".yml")):
        import yaml
        return yaml.safe_load(text)
    return json.loads(text)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Net(torch.nn.Module):
    """A model file's layers as PyTorch operations, parameters initialised by PyTorch (the values
    do not matter for timing)."""

    def __init__(self, spec, dtype):
        super().__init__()
        shape = list(spec["input"])
        if len(shape) == 2:
            shape = [1] + shape
        self.input = shape
        self.layers = []
        self.params = torch.nn.ParameterList()
        c = shape[0]
        probe = torch.zeros(1, *shape, dtype=dtype)
        for layer in spec["layers"]:
            kind = layer["type"]
            if kind == "conv":
                kh, kw = pair(layer["size"])
                w = torch.nn.Parameter(torch.empty(layer["filters"], c, kh, kw, dtype=dtype).uniform_(-0.1, 0.1))
                b = torch.nn.Parameter(torch.zeros(layer["filters"], dtype=dtype)) if layer.get("bias", True) else None
                self.params.append(w)
                if b is not None:
                    self.params.append(b)
                self.layers.append(("conv", w, b, layer.get("stride", 1), layer.get("padding", 0),
                                    layer.get("dilation", 1), c * kh * kw if layer.get("normalize", False) else None))
                c = layer["filters"]
            elif kind == "relu":
                self.layers.append(("relu",))
            elif kind == "maxpool":
                self.layers.append(("maxpool", layer["size"], layer.get("stride", 1), layer.get("ceil", False)))
            elif kind == "dense":
                inputs = self.run_layers(probe).flatten(1).shape[1]
                w = torch.nn.Parameter(torch.empty(layer["units"], inputs, dtype=dtype).uniform_(-0.1, 0.1))
                b = torch.nn.Parameter(torch.zeros(layer["units"], dtype=dtype)) if layer.get("bias", True) else None
                self.params.append(w)
                if b is not None:
                    self.params.append(b)
                self.layers.append(("dense", w, b))
            else:
                sys.exit(f"{kind}: layer type not known to torch_bench.py")
        self.classes = self.run_layers(probe).flatten(1).shape[1]
        self.loss = spec.get("loss", "cross_entropy")

    def run_layers(self, x):
        for layer in self.layers:
            if layer[0] == "conv":
                _, w, b, stride, padding, dilation, n = layer
                if n is None:
                    x = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
                else:
                    x = F.conv2d(x, w, None, stride=stride, padding=padding, dilation=dilation) / n
                    if b is not None:
                        x = x + b.view(1, -1, 1, 1)
            elif layer[0] == "relu":
                x = F.relu(x)
            elif layer[0] == "maxpool":
                x = F.max_pool2d(x, layer[1], layer[2], ceil_mode=layer[3])
            else:
                x = F.linear(x.flatten(1), layer[1], layer[2])
        return x

    def forward(self, x):
        return self.run_layers(x)


def stepper(spec, batch, dtype, seed=1):
    torch.manual_seed(seed)
    net = Net(spec, dtype)
    x = torch.rand(batch, *net.input, dtype=dtype) * 2 - 1
    y = torch.arange(batch) % net.classes
    onehot = F.one_hot(y, net.classes).to(dtype)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)

    def step():
        opt.zero_grad()
        out = net(x).flatten(1)
        loss = F.cross_entropy(out, y) if net.loss == "cross_entropy" else F.mse_loss(out, onehot)
        loss.backward()
        opt.step()
    return step


def measure(step, repeats=7):
    """Median µs per step of `repeats` rounds of about 50 ms each, after about 100 ms of warm-up
    (the same rule as cnn-explain bench --model)."""
    step()
    t = time.perf_counter()
    step()
    once = max((time.perf_counter() - t) * 1e6, 1)
    iterations, warmup = max(1, int(50_000 / once)), max(2, int(100_000 / once))
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(iterations):
            step()
        samples.append((time.perf_counter() - t) * 1e6 / iterations)
    return statistics.median(samples)


def torch_us(spec, batch, dtype):
    return measure(stepper(spec, batch, dtype))


def ours_us(binary, model_path, batch, threads, kernel=None):
    env = dict(os.environ)
    if kernel:
        env["CNN_EXPLAIN_KERNEL"] = kernel
    out = subprocess.run([binary, "bench", "--model", model_path, "--batch", str(batch), "--threads", str(threads), "--json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["us_per_step"]


# --- Issue 17's tables. -----------------------------------------------------------------------------

def digits(image, f1=8, f2=16):
    """conv f1@5×5, relu, pool 2/2, conv f2@5×5, relu, pool 2/2, dense 10, on image×image inputs."""
    return {"input": [1, image, image], "loss": "cross_entropy", "layers": [
        {"name": "conv1", "type": "conv", "filters": f1, "size": 5},
        {"name": "relu1", "type": "relu"},
        {"name": "pool1", "type": "maxpool", "size": 2, "stride": 2},
        {"name": "conv2", "type": "conv", "filters": f2, "size": 5},
        {"name": "relu2", "type": "relu"},
        {"name": "pool2", "type": "maxpool", "size": 2, "stride": 2},
        {"name": "out", "type": "dense", "units": 10}]}


def cell(binary, folder, name, spec, batch, args):
    """Fastest of --rounds rounds of each engine: cnn-explain on each --kernels path, then PyTorch."""
    path = os.path.join(folder, name + ".json")
    with open(path, "w") as f:
        json.dump(spec, f)
    best = {k: float("inf") for k in args.kernel_list + ["f32", "f64"]}
    for _ in range(args.rounds):
        for kernel in args.kernel_list:
            best[kernel] = min(best[kernel], ours_us(binary, path, batch, args.threads, kernel or None))
        best["f32"] = min(best["f32"], torch_us(spec, batch, torch.float32))
        best["f64"] = min(best["f64"], torch_us(spec, batch, torch.float64))
    print(json.dumps({"cell": f"{name}-b{batch}", **{f"us_{k or 'ours'}": round(v, 1) for k, v in best.items()}}),
          file=sys.stderr, flush=True)
    return best


def print_table(title, rows, cols, results, corner, kernels):
    header = f"| {corner} | " + " | ".join(c for c, _ in cols) + " |\n" + "|---" * (len(cols) + 1) + "|"
    for kernel in kernels:
        for key, label in (("f32", "PyTorch float32"), ("f64", "PyTorch float64")):
            path = f" ({kernel} path)" if kernel else ""
            print(f"\n{title}: our time{path} ÷ {label}'s\n\n{header}")
            for r, rk in rows:
                v = [results.get((rk, ck)) for _, ck in cols]
                print(f"| {r} | " + " | ".join(f"{x[kernel] / x[key]:.2f}" if x else "" for x in v) + " |")
    names = " / ".join(f"cnn-explain {k}" if k else "cnn-explain" for k in kernels)
    print(f"\n{title}: µs per step, {names} / PyTorch float32 / float64\n\n{header}")
    for r, rk in rows:
        v = [results.get((rk, ck)) for _, ck in cols]
        print(f"| {r} | " + " | ".join(" / ".join(f"{x[k]:.0f}" for k in kernels + ["f32", "f64"]) if x else "" for x in v) + " |")


def tables(args):
    images = [int(v) for v in args.images.split(",")]
    batches = [int(v) for v in args.batches.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        first = {}
        for image in images:
            for batch in batches:
                first[(image, batch)] = cell(args.tables, folder, f"digits{image}", digits(image), batch, args)
        print_table("Digits network, SGD step", [(f"{i}²", i) for i in images], [(str(b), b) for b in batches], first,
                    "image \\ batch", args.kernel_list)
        if args.channels:
            widths = [(16, 32), (32, 64), (64, 128)]
            second = {}
            for image in [i for i in images if i in (28, 56)]:
                for f1, f2 in widths:
                    second[(image, (f1, f2))] = cell(args.tables, folder, f"digits{image}-{f1}-{f2}", digits(image, f1, f2), 32, args)
            print_table("Wider convs, batch 32", [(f"{i}²", i) for i in images if i in (28, 56)],
                        [(f"{a} → {b}", (a, b)) for a, b in widths], second, "image \\ features", args.kernel_list)


# --- The built-in workloads of `cnn-explain bench` (the article's network and the digits network). --

def compare(binary, threads):
    xo = {"input": [1, 9, 9], "loss": "cross_entropy", "layers": [
        {"name": "conv1", "type": "conv", "filters": 3, "size": 3, "bias": False, "normalize": True},
        {"name": "relu1", "type": "relu"},
        {"name": "pool1", "type": "maxpool", "size": 2, "stride": 2, "ceil": True},
        {"name": "out", "type": "dense", "units": 2}]}
    theirs = {"xo-train-step-b1": torch_us(xo, 1, torch.float32),
              "digits-train-step-b32": torch_us(digits(28), 32, torch.float32)}
    out = subprocess.run([binary, "bench", "--json"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        if r["workload"] in theirs:
            ours, t = r["us_per_step"], theirs[r["workload"]]
            print(f"{r['workload']}: cnn-explain {ours:.2f} µs, PyTorch float32 {t:.2f} µs, cnn-explain ÷ PyTorch = {ours / t:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="a model file (JSON or YAML): print PyTorch's step time, float32 and float64")
    ap.add_argument("--batch", type=int, default=1, help="images per step with --model (default 1)")
    ap.add_argument("--tables", metavar="BINARY", help="run BINARY bench --model side by side and print the ratio tables")
    ap.add_argument("--images", default="28,56,112,224", help="image sizes of the tables (default 28,56,112,224)")
    ap.add_argument("--batches", default="1,8,32,128", help="batch sizes of the first table (default 1,8,32,128)")
    ap.add_argument("--no-channels", dest="channels", action="store_false", help="skip the wider-conv table")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per cell; the fastest of each engine counts (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both engines (default 2)")
    ap.add_argument("--kernels", default="", help="cnn-explain kernel paths to run side by side, e.g. avx2,avx512 "
                                                  "(CNN_EXPLAIN_KERNEL; default: the one the processor picks)")
    ap.add_argument("--compare", metavar="BINARY", help="run BINARY bench --json and compare its built-in workloads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    args.kernel_list = args.kernels.split(",") if args.kernels else [""]
    if args.model:
        spec = load_model(args.model)
        name = os.path.splitext(os.path.basename(args.model))[0]
        for label, dtype in (("float32", torch.float32), ("float64", torch.float64)):
            us = torch_us(spec, args.batch, dtype)
            print(json.dumps({"workload": f"{name}-b{args.batch}", "engine": f"pytorch-{label}", "us_per_step": round(us, 3),
                              "images_per_s": round(args.batch * 1e6 / us, 1)}))
    elif args.tables:
        tables(args)
    elif args.compare:
        compare(args.compare, args.threads)
    else:
        ap.print_help()


if __name__ == "__main__":
    main()
