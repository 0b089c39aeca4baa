#!/usr/bin/env python3
"""The PyTorch side of `cnn-explain bench`: the same workloads, PyTorch CPU eager, float32, 2 threads.

    python3 bench/torch_bench.py            # JSON lines like cnn-explain bench --json
    python3 bench/torch_bench.py --compare .build/release/cnn-explain

Needs `pip install torch numpy`; CI does not run it. With --compare it also runs the engine's
benchmark in the same session and prints the ratios.
"""
import argparse, json, statistics, subprocess, time

import torch
import torch.nn as nn
import torch.nn.functional as F


class XO(nn.Module):
    """conv 3@3×3 (no bias, normalize), relu, maxpool 2/2 ceil, dense 2 with bias."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3, bias=False)
        self.out = nn.Linear(3 * 4 * 4, 2)

    def forward(self, x):
        x = self.conv1(x) / 9
        x = F.max_pool2d(F.relu(x), 2, 2, ceil_mode=True)
        return self.out(x.flatten(1))


class Digits(nn.Module):
    """conv 8@5×5, relu, pool 2/2, conv 16@5×5, relu, pool 2/2, dense 10."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5)
        self.conv2 = nn.Conv2d(8, 16, 5)
        self.out = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        return self.out(x.flatten(1))


def measure(step, iterations, repeats=7, warmup=200):
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(iterations):
            step()
        samples.append((time.perf_counter() - t) * 1e6 / iterations)
    return statistics.median(samples)


def train_step_workload(model, shape, batch, classes, iterations):
    torch.manual_seed(1)
    x = torch.rand(batch, *shape) * 2 - 1
    y = torch.arange(batch) % classes
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return measure(step, iterations)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", metavar="BINARY", help="also run BINARY bench --json and print ratios")
    args = ap.parse_args()
    torch.set_num_threads(2)
    results = {}
    us = train_step_workload(XO(), (1, 9, 9), 1, 2, 5000)
    results["xo-train-step-b1"] = (us, 1e6 / us)
    us = train_step_workload(Digits(), (1, 28, 28), 32, 10, 300)
    results["digits-train-step-b32"] = (us, 32e6 / us)
    for name, (us, ips) in results.items():
        print(json.dumps({"workload": name, "engine": "pytorch", "us_per_step": round(us, 3), "images_per_s": round(ips, 1)}))
    if args.compare:
        out = subprocess.run([args.compare, "bench", "--json"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            if r["workload"] in results:
                ours, theirs = r["us_per_step"], results[r["workload"]][0]
                print(f"{r['workload']}: cnn-explain {ours:.2f} µs, PyTorch {theirs:.2f} µs, "
                      f"PyTorch / cnn-explain = {theirs / ours:.2f}×")


if __name__ == "__main__":
    main()
