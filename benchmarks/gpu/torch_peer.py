#!/usr/bin/env python3
"""PyTorch peer of gpu_retrieval_benchmark: times torch.topk(q @ X.T, k) on the same shapes,
storage dtypes and GPU, with CUDA events (median after warm-ups), and q @ X.T alone.

Data: the same shapes and distribution (values uniform in [-1, 1)), drawn with torch's own
generator (seed 0) - not the identical values the C++ benchmark hashes. q and X live on the
GPU already; scores are fp32 for fp32 storage and fp16 for fp16 storage (torch's natural
choice; the GPU index accumulates fp16 products in fp32). TF32 is off, as in the index.

Prints a table and writes JSON (--out) for compare.py.
"""
import argparse
import json
import sys

import torch

DIM = 128
MILLION = 1_000_000


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


def uniform(shape, dtype, gen):
    x = torch.rand(shape, device="cuda", dtype=torch.float32, generator=gen) * 2 - 1
    return x.to(dtype)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="torch_peer.json")
    parser.add_argument("--skip-10m", action="store_true")
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    torch.set_float32_matmul_precision("highest")
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    device = torch.cuda.get_device_name()
    print(f"torch {torch.__version__} on {device}; allow_tf32={torch.backends.cuda.matmul.allow_tf32}")

    results = []
    configs = [(MILLION, [1, 8, 64, 512, 1024])]
    if not args.skip_10m:
        configs.append((10 * MILLION, [1024]))
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
        json.dump(dict(device=device, torch=torch.__version__, results=results), f, indent=1)


if __name__ == "__main__":
    main()
