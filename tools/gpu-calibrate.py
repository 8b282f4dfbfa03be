#!/usr/bin/env python3
"""gpu-calibrate: measure, on a real GPU, the catalog figures trainsim
otherwise takes from data sheets and published benchmarks (docs/calibration.md).

Needs PyTorch with CUDA; trainsim itself never runs this. Prints one line per
figure ("name value unit  what") and writes the same to the file given as
the first argument, if any:

  hbm_copy      device-to-device copy, bytes read + written per second
  gemm_8192     bf16 8192^3 matrix product, burst (after warm-up)
  gemm_<shape>  bf16 products of one transformer layer's GEMMs, GPT-4's
                shapes under TP 8 (scenarios/gpt4-*.yaml): 8192 tokens,
                hidden 10752, ffn 43008
  gemm_sustained the 8192^3 product repeated for SUSTAIN_SECONDS (60 by
                default; 0 skips it), the rate of its last quarter: the
                power- and heat-limited clock

With GEMM_SWEEP=1 in the environment, also the burst rate against one
dimension at a time (the others 8192), for a shape-dependent GEMM efficiency:

  gemm_k<k>     bf16 8192 x k x 8192, k (the inner, reduced dimension) from
                256 to 16384
  gemm_m<m>     bf16 m x 8192 x 8192, m (tokens) from 256 to 4096
  fp8_8192      fp8 (e4m3) 8192^3 through torch._scaled_mm, bf16 out, where
                the GPU and PyTorch support it

Each figure is the median of its timed repetitions, timed with CUDA events.
"""
import os
import statistics
import subprocess
import sys
import time

import torch

SUSTAIN = float(os.environ.get("SUSTAIN_SECONDS", "60"))   # back-to-back products for the sustained rate


def timed(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def hbm_copy():
    n = 2 << 30   # 2 GiB each way, far beyond the 50 MB L2
    a = torch.empty(n, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    seconds = timed(lambda: b.copy_(a), reps=20)
    return 2 * n / seconds


def gemm(m, k, n, reps=20):
    a = torch.randn(m, k, dtype=torch.bfloat16, device="cuda")
    b = torch.randn(k, n, dtype=torch.bfloat16, device="cuda")
    seconds = timed(lambda: a @ b, reps=reps)
    return 2.0 * m * k * n / seconds


def sustained_gemm(n=8192):
    a = torch.randn(n, n, dtype=torch.bfloat16, device="cuda")
    b = torch.randn(n, n, dtype=torch.bfloat16, device="cuda")
    rates, t0 = [], time.time()
    while time.time() - t0 < SUSTAIN:
        rates.append((time.time() - t0, gemm_rate_once(a, b, n)))
    last = [r for t, r in rates if t >= 0.75 * SUSTAIN]
    return statistics.median(last)


def gemm_rate_once(a, b, n, batch=20):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(batch):
        a @ b
    end.record()
    end.synchronize()
    return batch * 2.0 * n ** 3 / (start.elapsed_time(end) / 1e3)


def fp8_gemm(n=8192, reps=20):
    a = torch.randn(n, n, device="cuda").to(torch.float8_e4m3fn)
    b = torch.randn(n, n, device="cuda").to(torch.float8_e4m3fn).t()   # column-major, as _scaled_mm needs
    one = torch.tensor(1.0, device="cuda")
    seconds = timed(lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16), reps=reps)
    return 2.0 * n ** 3 / seconds


def shape_sweep(report):
    for k in (256, 512, 1024, 1344, 2048, 4096, 8192, 16384):
        report(f"gemm_k{k}", gemm(8192, k, 8192) / 1e12, "TFLOP/s", f"bf16 8192x{k}x8192")
    for m in (256, 512, 1024, 2048, 4096):
        report(f"gemm_m{m}", gemm(m, 8192, 8192) / 1e12, "TFLOP/s", f"bf16 {m}x8192x8192")
    try:
        report("fp8_8192", fp8_gemm() / 1e12, "TFLOP/s", "fp8 e4m3 8192^3, torch._scaled_mm, burst")
    except (RuntimeError, AttributeError, TypeError) as e:
        print(f"# fp8_8192 not measured: {e}", flush=True)


def sm_clock():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=clocks.sm,power.draw", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        return out
    except (OSError, subprocess.SubprocessError):
        return "n/a"


def main():
    lines = []

    def report(name, value, unit, what):
        line = f"{name:16s} {value:10.1f} {unit:8s} {what}"
        print(line, flush=True)
        lines.append(line)

    props = torch.cuda.get_device_properties(0)
    print(f"# {props.name}, {props.multi_processor_count} SMs, {props.total_memory / 2**30:.1f} GiB, "
          f"torch {torch.__version__}", flush=True)
    lines.append(f"# {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}")
    report("hbm_copy", hbm_copy() / 1e9, "GB/s", "device-to-device copy, read + written")
    report("gemm_8192", gemm(8192, 8192, 8192) / 1e12, "TFLOP/s", "bf16 8192^3, burst")
    tokens, hidden, ffn, tp = 8192, 10752, 43008, 8
    shapes = {"gemm_qkv": (tokens, hidden, 3 * hidden // tp), "gemm_proj": (tokens, hidden // tp, hidden),
              "gemm_fc1": (tokens, hidden, ffn // tp), "gemm_fc2": (tokens, ffn // tp, hidden)}
    for name, (m, k, n) in shapes.items():
        report(name, gemm(m, k, n) / 1e12, "TFLOP/s", f"bf16 {m}x{k}x{n}")
    if os.environ.get("GEMM_SWEEP") == "1":
        shape_sweep(report)
    if SUSTAIN > 0:
        report("gemm_sustained", sustained_gemm() / 1e12, "TFLOP/s",
               f"bf16 8192^3 after {SUSTAIN:.0f} s back to back (clock, power: {sm_clock()})")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
