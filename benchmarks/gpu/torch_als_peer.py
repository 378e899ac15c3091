#!/usr/bin/env python3
"""PyTorch peer of gpu_als_benchmark's BM_AlsIteration: one implicit-ALS training iteration (the
users half-step with the item factors fixed, then the items half-step), 128 factors, 3 CG steps,
lambda 0.05, float32 (TF32 off), written the way one would in PyTorch: batched over every row.

Per half-step, with Y fixed and X solved (kernels/als_solver.h):
  A0 = Y'Y + lambda I;  r = b - A x = -X A0 + sum_e ((1 + c_e) - c_e y_e.x_u) y_e;  p = r
  then cg_steps times, for every row at once (rows with r.r < 1e-20 masked out):
  AP = P A0 + sum_e c_e (y_e.p_u) y_e;  alpha = r.r / p.AP;  x += alpha p;  r -= alpha AP;
  beta = r'.r' / r.r;  p = r + beta p.
The entries' sums are gathers (Y[cols], P[rows]) and index_add_ into the rows, in chunks of at
most CHUNK_BYTES per gathered tensor.

How it differs from ours (kernels/gpu/als_solver_gpu.cc): the same math and the same step order;
ours runs rows in chunks of 65536 with its own kernels for the entries (a warp per row, popular
rows split over blocks; fixed-order sums, no atomics, no E x k intermediates); this one solves
all rows at once, computes the entries' term for masked rows too (and discards it), and sums by
atomics (index_add_), so its float sums run in another order. Two timings:
  seconds_per_iteration: everything resident on the GPU (CUDA events);
  seconds_per_iteration_with_transfers: each half-step copies the matrix (COO: int32 rows and
    columns, float32 confidences), the fixed factors and the warm start from pageable host
    memory and the solved factors back (wall clock), like our benchmark's GPU time, except that
    ours moves Y twice per half-step (gram() and solve() each upload it) and the CSR offsets
    instead of COO rows.

Data: the synthetic shape (100k users x 1M items, exactly 2M distinct entries, log-normal user
activity, item rank r with probability log((r + 2) / (r + 1)) / log(items + 1), about 1/(r + 1),
ids shuffled, confidences uniform in (0, 10]) drawn with torch's generator on the GPU (seed 0):
the same distribution as gpu_als_benchmark.cc's, NOT the same values. Last.fm (--lastfm
user_artists.dat): the same pairs and confidences log1p(weight) as ours. Initial factors uniform
in [0, 0.01) like ours, from torch's generator. Median of a few timed iterations after a warm-up
one; each continues training from the last, as ours does.

Check (Last.fm only): trains from fresh factors until an iteration lowers the loss by less than
0.1% (at most 100), as BM_AlsTrain does, and reports the iterations and final loss, which should
be close to ours (different initial values, so not equal).

Writes JSON (--out) for compare.py ({"als": [...]}) and prints a table.
"""
import argparse
import json
import math
import time

import torch

FACTORS = 128
CG_STEPS = 3
REGULARIZATION = 0.05
RESIDUAL_FLOOR = 1e-20
USERS, ITEMS, ENTRIES = 100_000, 1_000_000, 2_000_000
CHUNK_BYTES = 1 << 30  # per gathered entries x factors tensor (a few of them live at once)
DEVICE = "cuda"


class Side:
    """One side's entries in COO, sorted by row (CSR order): rows, cols (int64 on the GPU, int32
    on the host), conf (float32); n rows."""

    def __init__(self, rows, cols, conf, n):
        self.rows, self.cols, self.conf, self.n = rows, cols, conf, n

    def chunks(self, factors):
        step = max(1, CHUNK_BYTES // (4 * factors))
        for i in range(0, self.rows.numel(), step):
            yield self.rows[i:i + step], self.cols[i:i + step], self.conf[i:i + step]

    def transposed(self, n):
        order = torch.argsort(self.cols, stable=True)
        return Side(self.cols[order], self.rows[order], self.conf[order], n)

    def host(self):
        return Side(self.rows.int().cpu(), self.cols.int().cpu(), self.conf.cpu(), self.n)

    def device(self):
        return Side(self.rows.to(DEVICE).long(), self.cols.to(DEVICE).long(),
                    self.conf.to(DEVICE), self.n)


def entry_sum(out, side, Y, V, initial):
    """out[u] += sum_e w_e y_e over row u's entries e, where w_e = c_e (y_e . v_u), or for the
    initial residual (1 + c_e) - c_e (y_e . v_u)."""
    for rows, cols, conf in side.chunks(Y.shape[1]):
        y = Y[cols]
        d = (y * V[rows]).sum(1)
        w = (1 + conf) - conf * d if initial else conf * d
        del d
        y.mul_(w[:, None])
        out.index_add_(0, rows, y)
        del y, w


def half_step(side, Y, X, lam=REGULARIZATION, steps=CG_STEPS):
    """X (side.n x k) <- `steps` CG steps warm-started from X, Y fixed; in place."""
    a0 = Y.T @ Y
    a0.diagonal().add_(lam)
    r = X @ a0
    r.neg_()
    entry_sum(r, side, Y, X, initial=True)
    p = r.clone()
    rr = (r * r).sum(1)
    for _ in range(steps):
        active = rr >= RESIDUAL_FLOOR
        ap = p @ a0
        entry_sum(ap, side, Y, p, initial=False)
        alpha = torch.where(active, rr / (p * ap).sum(1), 0.0)[:, None]
        X.addcmul_(alpha, p)
        r.addcmul_(alpha, ap, value=-1.0)
        del ap, alpha
        rr_next = (r * r).sum(1)
        beta = (rr_next / rr)[:, None]
        p = torch.where(active[:, None], r + beta * p, p)
        rr = torch.where(active, rr_next, rr)
        del beta, rr_next


def iteration(by_user, by_item, X, Y):
    half_step(by_user, Y, X)
    half_step(by_item, X, Y)


def iteration_with_transfers(by_user, by_item, hX, hY):
    """The same from host tensors: per half-step the matrix, Y and X go up, X comes back."""
    for side, h_fixed, h_solved in ((by_user, hY, hX), (by_item, hX, hY)):
        d_side = side.device()
        Y = h_fixed.to(DEVICE)
        X = h_solved.to(DEVICE)
        half_step(d_side, Y, X)
        h_solved.copy_(X)  # waits for the GPU (pageable destination)
        del d_side, Y, X


def loss(by_user, X, Y, lam=REGULARIZATION):
    """implicit_als_loss (kernels/implicit_als.cc), in float64."""
    g = (Y.T @ Y).double()
    x = X.double()
    total = ((x @ g) * x).sum()
    for rows, cols, conf in by_user.chunks(X.shape[1]):
        s = (X[rows] * Y[cols]).sum(1).double()
        total += ((1 + conf.double()) * (1 - s) ** 2 - s * s).sum()
    total += lam * (x.pow(2).sum() + Y.double().pow(2).sum())
    return total.item() / (X.shape[0] * Y.shape[0])


def initial_factors(n, gen):
    return torch.rand((n, FACTORS), device=DEVICE, generator=gen) * 0.01


def synthetic(gen):
    """gpu_als_benchmark.cc's distribution, torch's random values."""
    weight = torch.exp(torch.randn(USERS, device=DEVICE, dtype=torch.float64, generator=gen))
    count = torch.floor(weight / weight.sum() * ENTRIES).long()
    count[:ENTRIES - int(count.sum())] += 1  # the remainder, one each from the first user on
    item_of_rank = torch.randperm(ITEMS, device=DEVICE, generator=gen)
    log_items = math.log(ITEMS + 1.0)
    user_ids = torch.arange(USERS, device=DEVICE)
    keys = torch.empty(0, dtype=torch.long, device=DEVICE)  # user * ITEMS + item, distinct
    need = count
    while True:  # redraw the duplicates until every user has its count of distinct items
        total = int(need.sum())
        if total == 0:
            break
        u = torch.rand(total, device=DEVICE, dtype=torch.float64, generator=gen)
        rank = (torch.exp(u * log_items).floor().long() - 1).clamp_(0, ITEMS - 1)
        rows = torch.repeat_interleave(user_ids, need, output_size=total)
        keys = torch.unique(torch.cat([keys, rows * ITEMS + item_of_rank[rank]]))
        need = count - torch.bincount(keys // ITEMS, minlength=USERS)
    u = torch.rand(keys.numel(), device=DEVICE, dtype=torch.float64, generator=gen)
    conf = (10.0 * (1.0 - u)).float()  # (0, 10]
    by_user = Side(keys // ITEMS, keys % ITEMS, conf, USERS)
    return by_user, by_user.transposed(ITEMS)


def lastfm(path):
    """user_artists.dat (userID artistID weight, a header line), read as gpu_als_benchmark.cc
    reads it: weight > 0 only, ids remapped densely in sorted order, confidence log1p(weight)."""
    pairs = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or line.startswith("userID"):
                continue
            user, artist, weight = int(fields[0]), int(fields[1]), float(fields[2])
            if weight > 0:
                pairs.append((user, artist, weight))
    pairs.sort()
    users = {u: i for i, u in enumerate(sorted({p[0] for p in pairs}))}
    artists = {a: i for i, a in enumerate(sorted({p[1] for p in pairs}))}
    rows = torch.tensor([users[p[0]] for p in pairs], dtype=torch.long)
    cols = torch.tensor([artists[p[1]] for p in pairs], dtype=torch.long)
    conf = torch.tensor([math.log1p(p[2]) for p in pairs], dtype=torch.float32)
    by_user = Side(rows.to(DEVICE), cols.to(DEVICE), conf.to(DEVICE), len(users))
    return by_user, by_user.transposed(len(artists))


def median(values):
    return sorted(values)[len(values) // 2]


def measure(name, by_user, by_item, gen, runs):
    X = initial_factors(by_user.n, gen)
    Y = initial_factors(by_item.n, gen)
    iteration(by_user, by_item, X, Y)  # warm-up: cuBLAS, the caching allocator
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    resident = []
    for _ in range(runs):
        start.record()
        iteration(by_user, by_item, X, Y)
        stop.record()
        stop.synchronize()
        resident.append(start.elapsed_time(stop) / 1e3)
    finite = bool(torch.isfinite(X).all() and torch.isfinite(Y).all())

    h_user, h_item = by_user.host(), by_item.host()
    hX, hY = X.cpu(), Y.cpu()  # pageable, like the caller's vectors
    del X, Y
    torch.cuda.empty_cache()
    iteration_with_transfers(h_user, h_item, hX, hY)  # warm-up
    transfers = []
    for _ in range(runs):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        iteration_with_transfers(h_user, h_item, hX, hY)
        torch.cuda.synchronize()
        transfers.append(time.perf_counter() - t0)
    torch.cuda.empty_cache()
    return dict(data=name, seconds_per_iteration=median(resident),
                seconds_per_iteration_with_transfers=median(transfers), users=by_user.n,
                items=by_item.n, entries=by_user.rows.numel(), factors=FACTORS,
                cg_steps=CG_STEPS, regularization=REGULARIZATION, runs=runs,
                finite=finite and bool(torch.isfinite(hX).all() and torch.isfinite(hY).all()))


def train_check(by_user, by_item, gen, tolerance=1e-3, max_iterations=100):
    X = initial_factors(by_user.n, gen)
    Y = initial_factors(by_item.n, gen)
    previous = math.inf
    for it in range(1, max_iterations + 1):
        iteration(by_user, by_item, X, Y)
        current = loss(by_user, X, Y)
        if previous - current < tolerance * abs(current):
            return dict(train_iterations=it, train_converged=True, train_final_loss=current)
        previous = current
    return dict(train_iterations=max_iterations, train_converged=False, train_final_loss=current)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="torch_als_peer.json")
    parser.add_argument("--lastfm", help="HetRec 2011 Last.fm user_artists.dat")
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    device = torch.cuda.get_device_name()
    print(f"torch {torch.__version__} on {device}; {FACTORS} factors, {CG_STEPS} CG steps, "
          f"lambda {REGULARIZATION}, float32, allow_tf32={torch.backends.cuda.matmul.allow_tf32}",
          flush=True)
    gen = torch.Generator(device=DEVICE)
    gen.manual_seed(0)
    results = []
    if not args.skip_synthetic:
        t0 = time.perf_counter()
        by_user, by_item = synthetic(gen)
        torch.cuda.synchronize()
        print(f"synthetic: {by_user.rows.numel()} entries in {time.perf_counter() - t0:.1f} s",
              flush=True)
        results.append(measure("synthetic", by_user, by_item, gen, runs=5))
        del by_user, by_item
        torch.cuda.empty_cache()
    if args.lastfm:
        by_user, by_item = lastfm(args.lastfm)
        entry = measure("lastfm", by_user, by_item, gen, runs=10)
        entry.update(train_check(by_user, by_item, gen))
        results.append(entry)
    print(f"{'data':<10} {'users':>7} {'items':>8} {'entries':>8} {'resident_s':>10} "
          f"{'transfers_s':>11}  finite")
    for r in results:
        print(f"{r['data']:<10} {r['users']:>7} {r['items']:>8} {r['entries']:>8} "
              f"{r['seconds_per_iteration']:10.4f} {r['seconds_per_iteration_with_transfers']:11.4f}"
              f"  {r['finite']}")
        if "train_iterations" in r:
            print(f"  {r['data']} trained to tolerance 0.001: {r['train_iterations']} iterations"
                  f"{'' if r['train_converged'] else ' (not converged)'}, "
                  f"final loss {r['train_final_loss']:.6e}")
    with open(args.out, "w") as f:
        json.dump(dict(device=device, torch=torch.__version__, als=results), f, indent=1)


if __name__ == "__main__":
    main()
