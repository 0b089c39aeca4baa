#!/usr/bin/env python3
"""Cook–Toom transforms of Winograd convolution F(m×m, r×r), in exact fractions.

Prints the tables of Sources/CNNKernels/winograd_internal.h (AT: m×α, G: α×r, BT: α×α, α = m + r − 1, row-major)
for m = 2, 3, 4 and r = 3, 5, after checking that they compute a correlation exactly:

    Σ_j AT[i][j] · G[j][k] · BT[j][l] = 1 if l = i + k else 0   (for every i < m, k < r, l < α)

so y[i] = Σ_j AT[i][j] (G g)[j] (BT d)[j] = Σ_k g[k] d[i + k]. The points are 0, 1, −1, 2, −2, 1/2, −1/2
(the first α − 1 of them) and ∞: AT[i][j] = p_j^i, G[j][k] = p_j^k / Π_{l≠j} (p_j − p_l), and the point ∞
gives AT's last column (0, …, 0, 1) and G's last row (0, …, 0, 1); BT is then solved for exactly.
No dependencies beyond the standard library: python3 bench/winograd_tables.py
"""
from fractions import Fraction as Fr

POINTS = [Fr(0), Fr(1), Fr(-1), Fr(2), Fr(-2), Fr(1, 2), Fr(-1, 2)]


def solve(rows, rhs):
    """The unique solution of a consistent system (more equations than unknowns), by exact elimination."""
    n = len(rows[0])
    a = [list(r) + [b] for r, b in zip(rows, rhs)]
    pivots, row = [], 0
    for col in range(n):
        p = next((i for i in range(row, len(a)) if a[i][col] != 0), None)
        if p is None:
            continue
        a[row], a[p] = a[p], a[row]
        a[row] = [v / a[row][col] for v in a[row]]
        for i in range(len(a)):
            if i != row and a[i][col] != 0:
                f = a[i][col]
                a[i] = [x - f * y for x, y in zip(a[i], a[row])]
        pivots.append(col)
        row += 1
    assert all(a[i][n] == 0 for i in range(row, len(a))), "inconsistent"
    assert len(pivots) == n, "not unique"
    x = [Fr(0)] * n
    for i, c in enumerate(pivots):
        x[c] = a[i][n]
    return x


def transforms(m, r):
    a = m + r - 1
    pts = POINTS[:a - 1]
    at = [[p ** i for p in pts] + [Fr(1 if i == m - 1 else 0)] for i in range(m)]
    g = []
    for j, p in enumerate(pts):
        f = Fr(1)
        for l, q in enumerate(pts):
            if l != j:
                f *= p - q
        g.append([p ** k / f for k in range(r)])
    g.append([Fr(1 if k == r - 1 else 0) for k in range(r)])
    bt = [[Fr(0)] * a for _ in range(a)]
    for l in range(a):
        rows = [[at[i][j] * g[j][k] for j in range(a)] for i in range(m) for k in range(r)]
        rhs = [Fr(1 if l == i + k else 0) for i in range(m) for k in range(r)]
        for j, v in enumerate(solve(rows, rhs)):
            bt[j][l] = v
    for i in range(m):
        for k in range(r):
            for l in range(a):
                assert sum(at[i][j] * g[j][k] * bt[j][l] for j in range(a)) == (1 if l == i + k else 0)
    return at, g, bt


def literal(v):
    return f"{v.numerator}.0" if v.denominator == 1 else f"{v.numerator}.0 / {v.denominator}"


def main():
    for r in (3, 5):
        for m in (2, 3, 4):
            for name, table in zip(("AT", "G", "BT"), transforms(m, r)):
                values = ", ".join(literal(v) for row in table for v in row)
                print(f"static const double {name}_{m}_{r}[] = {{{values}}};")


if __name__ == "__main__":
    main()
