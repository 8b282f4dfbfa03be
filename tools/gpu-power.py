#!/usr/bin/env python3
"""gpu-power: measure a GPU's board power in the three states trainsim's power
model distinguishes (docs/model.md, "Power and energy"): idle, communicating,
busy. Needs PyTorch and CuPy with CUDA; trainsim itself never runs this.

  idle           the CUDA context up, nothing running
  comm_<n>       a stand-in for an NCCL collective's GPU side: N thread
                 blocks of 512 threads streaming a reduction (two reads, one
                 write) through HBM, as NCCL's ring kernels do with one block
                 per channel (16 to 32 channels on NVLink). One GPU cannot
                 run a real collective; the links' own power is not in it.
  busy           bf16 8192^3 matrix products back to back

Each state runs PHASE seconds (15 by default, PHASE_SECONDS in the
environment); nvidia-smi samples power.draw every 200 ms and the state's
figure is the median of its samples after the first third. Prints one line
per state and writes them to the file given as the first argument, if any.
"""
import os
import statistics
import subprocess
import sys
import threading
import time

import cupy
import torch

PHASE = float(os.environ.get("PHASE_SECONDS", "15"))

REDUCE = cupy.RawKernel(r"""
extern "C" __global__ void reduce(const float* a, const float* b, float* c, long n, int rounds) {
    long stride = (long)gridDim.x * blockDim.x;
    for (int r = 0; r < rounds; r++)
        for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
            c[i] = a[i] + b[i];
}
""", "reduce")


def sample_power(seconds):
    """Board power samples (W) over SECONDS, from nvidia-smi's loop mode."""
    proc = subprocess.Popen(["nvidia-smi", "--query-gpu=power.draw", "--format=csv,noheader,nounits",
                             "-lms", "200"], stdout=subprocess.PIPE, text=True)
    samples, t0 = [], time.time()
    for line in proc.stdout:
        try:
            samples.append((time.time() - t0, float(line)))
        except ValueError:
            pass
        if time.time() - t0 > seconds:
            break
    proc.kill()
    return statistics.median(w for t, w in samples if t > seconds / 3)


def while_running(work, seconds):
    """Power while WORK() runs back to back on the GPU for SECONDS."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            work()
            torch.cuda.synchronize()

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        return sample_power(seconds)
    finally:
        stop.set()
        thread.join()


def main():
    lines = []

    def report(name, watts, what):
        line = f"{name:10s} {watts:7.1f} W  {what}"
        print(line, flush=True)
        lines.append(line)

    props = torch.cuda.get_device_properties(0)
    limit = subprocess.run(["nvidia-smi", "--query-gpu=power.limit", "--format=csv,noheader"],
                           capture_output=True, text=True).stdout.strip()
    head = f"# {props.name}, {props.multi_processor_count} SMs, power limit {limit}, {PHASE:.0f} s per state"
    print(head, flush=True)
    lines.append(head)
    torch.zeros(1, device="cuda")
    time.sleep(5)
    report("idle", sample_power(PHASE), "context up, nothing running")
    n = 1 << 28   # 1 GiB per float32 array
    a, b, c = (cupy.ones(n, dtype=cupy.float32) for _ in range(3))
    for blocks in (16, 32):
        def step(blocks=blocks):
            REDUCE((blocks,), (512,), (a, b, c, cupy.int64(n), cupy.int32(4)))
            cupy.cuda.Device().synchronize()
        start = time.time()
        step()
        rate = 4 * 3 * 4 * n / (time.time() - start)
        report(f"comm_{blocks}", while_running(step, PHASE),
               f"{blocks} blocks x 512 threads streaming c = a + b, {rate / 1e9:.0f} GB/s of HBM traffic")
    x = torch.randn(8192, 8192, dtype=torch.bfloat16, device="cuda")
    report("busy", while_running(lambda: x @ x, PHASE), "bf16 8192^3 products back to back")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
