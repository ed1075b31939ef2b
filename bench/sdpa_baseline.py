#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""PyTorch SDPA baselines for the GPU goals of PERFORMANCE.md (G1, G3), measured like the project's own
`attnscope-cli bench attention --device cuda`: CUDA events, 5 warm-ups, 20 timed runs, the median; FLOPs
by the FlashAttention convention (4 B H N^2 d, halved when causal). Runs on a GPU host only (the host's
PyTorch); prints one JSON document.
Usage: bench/sdpa_baseline.py [--heads 32] [--kv-heads 8] [--dim 128] [--lens 4096,8192,16384]
                              [--dtype bf16|f16] [--causal] [--tokens 32768]"""
import argparse
import json
import statistics

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel


def time_ms(fn, warmups=5, runs=20):
    for _ in range(warmups):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--kv-heads", type=int, default=8)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--lens", default="4096,8192,16384")
    parser.add_argument("--dtype", default="bf16", choices=["bf16", "f16"])
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--tokens", type=int, default=32768, help="batch = tokens / len (PERFORMANCE.md)")
    args = parser.parse_args()
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float16
    results = []
    for n in (int(x) for x in args.lens.split(",")):
        batch = max(1, args.tokens // n)
        q = torch.randn(batch, args.heads, n, args.dim, device="cuda", dtype=dtype)
        k = torch.randn(batch, args.kv_heads, n, args.dim, device="cuda", dtype=dtype)
        v = torch.randn_like(k)
        flops = 4.0 * batch * args.heads * n * n * args.dim / (2 if args.causal else 1)
        for name, backend in (("flash", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION)):
            entry = {"backend": name, "batch": batch, "heads": args.heads, "kv_heads": args.kv_heads,
                     "dim": args.dim, "len": n, "causal": args.causal, "dtype": args.dtype}
            try:
                with sdpa_kernel(backend):
                    ms = time_ms(lambda: torch.nn.functional.scaled_dot_product_attention(
                        q, k, v, is_causal=args.causal, enable_gqa=args.heads != args.kv_heads))
                entry.update({"median_ms": ms, "tflops": flops / (ms * 1e-3) / 1e12})
            except RuntimeError as error:  # a backend may not support a shape or dtype
                entry["error"] = str(error).splitlines()[0]
            results.append(entry)
    print(json.dumps({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "results": results},
                     indent=1))


if __name__ == "__main__":
    main()
