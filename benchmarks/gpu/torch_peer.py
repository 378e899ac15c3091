#!/usr/bin/env python3
"""PyTorch peer of gpu_retrieval_benchmark: times torch.topk(q @ X.T, k) on the same shapes,
storage dtypes and GPU, with CUDA events (median after warm-ups), and q @ X.T alone. And peer of
gpu_scoring_benchmark: features @ weights (fp32) for 1 and 256 viewers x 1,500 candidates x 13
and 32 features, with the matrix on the GPU already (CUDA events; the kernel line's peer) and
from a pageable host tensor, scores back on the host (wall clock; the call's peer).

Data: the same shapes and distribution (values uniform in [-1, 1)), drawn with torch's own
generator (seed 0) - not the identical values the C++ benchmark hashes. q and X live on the
GPU already; scores are fp32 for fp32 storage and fp16 for fp16 storage (torch's natural
choice; the GPU index accumulates fp16 products in fp32). TF32 is off, as in the index.

Prints tables and writes JSON (--out) for compare.py. Scoring runs first (it takes seconds).
"""
import argparse
import json
import sys
import time

import torch

DIM = 128
MILLION = 1_000_000
CANDIDATES = 1500


def median_ms(fn, budget_ms=300.0):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    stop.record()
    stop.synchronize()
    first = start.elapsed_time(stop)
    reps = int(min(100, max(5, budget_ms / max(first, 1e-3))))
    times = []
    for _ in range(reps):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def median_wall_ms(fn, budget_ms=300.0):
    """For host-synchronous work (copies from pageable memory, .cpu()): wall-clock median."""
    for _ in range(3):
        fn()
    times = []
    spent = 0.0
    while len(times) < 5 or (spent < budget_ms and len(times) < 200):
        start = time.perf_counter()
        fn()
        ms = (time.perf_counter() - start) * 1e3
        times.append(ms)
        spent += ms
    times.sort()
    return times[len(times) // 2]


def uniform(shape, dtype, gen):
    x = torch.rand(shape, device="cuda", dtype=torch.float32, generator=gen) * 2 - 1
    return x.to(dtype)


def scoring(gen):
    """features @ weights on the scoring benchmark's shapes."""
    results = []
    print(f"{'viewers':>7} {'cands':>5} {'cols':>4} {'resident_ms':>11} {'from_host_ms':>12}")
    for columns in (32, 13):
        for viewers in (1, 256):
            x = uniform((viewers * CANDIDATES, columns), torch.float32, gen)
            w = uniform((columns,), torch.float32, gen) * 2
            host = x.cpu()  # pageable, like the caller's matrix
            resident = median_ms(lambda: x @ w)
            from_host = median_wall_ms(lambda: (host.to("cuda") @ w).cpu())
            results.append(dict(viewers=viewers, candidates=CANDIDATES, columns=columns,
                                resident_ms=resident, from_host_ms=from_host))
            print(f"{viewers:>7} {CANDIDATES:>5} {columns:>4} {resident:11.4f} {from_host:12.4f}",
                  flush=True)
            del x, host
    torch.cuda.empty_cache()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="torch_peer.json")
    parser.add_argument("--skip-10m", action="store_true")
    parser.add_argument("--skip-scoring", action="store_true")
    parser.add_argument("--scoring-only", action="store_true")
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    torch.set_float32_matmul_precision("highest")
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    device = torch.cuda.get_device_name()
    print(f"torch {torch.__version__} on {device}; allow_tf32={torch.backends.cuda.matmul.allow_tf32}")

    scoring_gen = torch.Generator(device="cuda")  # its own, so retrieval's data stay as before
    scoring_gen.manual_seed(1)
    scoring_results = [] if args.skip_scoring else scoring(scoring_gen)
    results = []
    configs = [] if args.scoring_only else [(MILLION, [1, 8, 64, 512, 1024])]
    if not args.skip_10m and not args.scoring_only:
        configs.append((10 * MILLION, [1024]))
    if configs:
        print(f"{'rows':>5} {'dtype':>5} {'batch':>5} {'k':>5} {'topk_ms':>10} {'gemm_ms':>10}")
    for rows, batches in configs:
        for dtype_name, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
            x = uniform((rows, DIM), dtype, gen)
            for batch in batches:
                q = uniform((batch, DIM), dtype, gen)
                gemm = None
                try:
                    if batch >= 64:
                        gemm = median_ms(lambda: q @ x.T)
                    for k in (10, 100, 1000):
                        topk = median_ms(lambda: torch.topk(q @ x.T, k))
                        entry = dict(rows=rows, dtype=dtype_name, batch=batch, k=k,
                                     median_ms=topk, gemm_ms=gemm)
                        results.append(entry)
                        gemm_text = f"{gemm:10.3f}" if gemm is not None else f"{'':>10}"
                        print(f"{rows // MILLION:>4}M {dtype_name:>5} {batch:>5} {k:>5} "
                              f"{topk:10.3f} {gemm_text}", flush=True)
                except torch.cuda.OutOfMemoryError as e:
                    for k in (10, 100, 1000):
                        if not any(r["rows"] == rows and r["dtype"] == dtype_name and
                                   r["batch"] == batch and r["k"] == k for r in results):
                            results.append(dict(rows=rows, dtype=dtype_name, batch=batch, k=k,
                                                median_ms=None, gemm_ms=gemm, error="OOM"))
                            print(f"{rows // MILLION:>4}M {dtype_name:>5} {batch:>5} {k:>5} "
                                  f"{'OOM':>10}", flush=True)
                    print(f"  ({str(e).splitlines()[0]})", file=sys.stderr)
                finally:
                    del q
                    torch.cuda.empty_cache()
            del x
            torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        json.dump(dict(device=device, torch=torch.__version__, results=results,
                       scoring=scoring_results), f, indent=1)


if __name__ == "__main__":
    main()
