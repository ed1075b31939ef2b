// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/attention_benchmark.h"

#include "attnscope/kernels/cuda_backend.h"
#include "attnscope/kernels/half.h"
#include "attnscope/runtime/kernel_status.h"
#include "attnscope/runtime/model.h"
#include "torch_guard.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

namespace attnscope::runtime {

namespace {

/// A field of /proc/self/status in bytes (VmRSS, VmHWM); 0 when unavailable.
uint64_t procStatusBytes(const std::string& field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream values(line.substr(field.size() + 1));
            uint64_t kilobytes = 0;
            values >> kilobytes;
            return kilobytes * 1024;
        }
    return 0;
}

/// Resets the peak-RSS mark (Linux >= 4.0), so VmHWM measures from now on.
void resetPeakRss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0.0 : values[values.size() / 2];
}

struct Inputs {
    std::vector<float> q, k, v;
    std::vector<uint16_t> qHalf, kHalf, vHalf;
};

kernels::TensorView view(const AttentionBenchConfig& c, const std::vector<float>& f32,
                         const std::vector<uint16_t>& half, int heads) {
    kernels::TensorView v;
    v.dtype = c.dtype;
    v.data = c.dtype == kernels::DType::F32 ? static_cast<const void*>(f32.data()) : half.data();
    v.stride[0] = static_cast<int64_t>(heads) * c.length * c.headDim;
    v.stride[1] = static_cast<int64_t>(c.length) * c.headDim;
    v.stride[2] = c.headDim;
    v.stride[3] = 1;
    return v;
}

kernels::ProbeRequest requestFor(const std::string& mode) {
    kernels::ProbeRequest request;
    // PERFORMANCE.md's "one-pass statistics": LSE, entropy, 64x64 block mass and max; "full" adds
    // the per-key (column) mass, which takes the second pass.
    if (mode == "stats" || mode == "full") {
        request.rowLogSumExp = request.rowEntropy = true;
        request.blockSize = 64;
    }
    if (mode == "full")
        request.columnMass = true;
    return request;
}

/// Materialize-then-reduce: what a tool without an instrumented kernel does.
Status runTorch(const AttentionBenchConfig& c, const Inputs& in) {
    return guardTorch("LibTorch baseline", [&] {
        at::NoGradGuard noGrad;
        const int64_t B = c.batch, H = c.heads, Hkv = c.kvHeads, N = c.length, d = c.headDim;
        auto wrap = [&](const std::vector<float>& data, int64_t heads) {
            return at::from_blob(const_cast<float*>(data.data()), {B, heads, N, d}, at::kFloat);
        };
        at::Tensor q = wrap(in.q, H), k = wrap(in.k, Hkv), v = wrap(in.v, Hkv);
        if (H != Hkv) {
            k = k.repeat_interleave(H / Hkv, 1);
            v = v.repeat_interleave(H / Hkv, 1);
        }
        at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) * (1.0 / std::sqrt(static_cast<double>(d)));
        if (c.causal)
            scores.masked_fill_(at::ones({N, N}, at::kBool).triu(1), -INFINITY);
        at::Tensor p = at::softmax(scores, -1);
        at::Tensor out = at::matmul(p, v);
        at::Tensor lse = at::logsumexp(scores, -1);
        at::Tensor entropy = -(p * at::log(p)).nan_to_num(0.0).sum(-1);
        at::Tensor columns = p.sum(-2);
        const int64_t blocks = (N + 63) / 64;
        at::Tensor padded = at::constant_pad_nd(p, {0, blocks * 64 - N, 0, blocks * 64 - N});
        at::Tensor grid = padded.view({B, H, blocks, 64, blocks, 64});
        at::Tensor blockSum = grid.sum({3, 5}), blockMax = grid.amax({3, 5});
        at::Tensor top = std::get<0>(p.topk(8, -1));
        (void)out.data_ptr<float>();
        (void)lse.sum().item<float>();
        (void)entropy.sum().item<float>();
        (void)columns.sum().item<float>();
        (void)blockSum.sum().item<float>();
        (void)blockMax.sum().item<float>();
        (void)top.sum().item<float>();
    });
}

} // namespace

double attentionFlops(const AttentionBenchConfig& c) {
    const double flops = 4.0 * c.batch * c.heads * static_cast<double>(c.length) * c.length * c.headDim;
    return c.causal ? flops / 2.0 : flops;
}

Expected<std::vector<AttentionBenchMode>> benchmarkAttention(const AttentionBenchConfig& c,
                                                             const Progress& progress) {
    for (const std::string& mode : c.modes)
        if (mode != "plain" && mode != "stats" && mode != "full" && mode != "torch")
            return Status::invalidArgument("unknown mode '" + mode + "' (plain, stats, full, torch)")
                .atField("modes");
    if (c.repeats < 1)
        return Status::invalidArgument("must be at least 1").atField("repeats");
    if (c.length < 1 || c.heads < 1 || c.kvHeads < 1 || c.headDim < 1 || c.batch < 1)
        return Status::invalidArgument("sizes must be positive").atField("config");
    // Refused before anything is allocated: Q, O (heads) and K, V (KV heads) in fp32 plus their 16-bit
    // copies, and LibTorch's materialized scores and probabilities (heads x N x N) for the torch mode.
    const double elements =
        static_cast<double>(c.batch) * c.length * c.headDim * (2.0 * c.heads + 2.0 * c.kvHeads);
    double bytes = elements * (c.dtype == kernels::DType::F32 ? 4.0 : 6.0);
    if (std::find(c.modes.begin(), c.modes.end(), "torch") != c.modes.end() &&
        c.backend != kernels::Backend::Cuda)
        bytes += 3.0 * 4.0 * c.batch * c.heads * static_cast<double>(c.length) * c.length;
    const uint64_t available = availableMemoryBytes();
    if (available > 0 && bytes > static_cast<double>(available))
        return Status::outOfMemory("needs about " + std::to_string(static_cast<uint64_t>(bytes / (1 << 20))) +
                                   " MiB, " + std::to_string(available >> 20) +
                                   " MiB available (the torch mode materializes heads x len x len)")
            .atField("len");
    if (c.threads > 0)
        kernels::setCpuThreads(c.threads);

    Inputs in;
    std::mt19937 generator(42);
    std::normal_distribution<float> normal;
    auto fill = [&](std::vector<float>& values, std::vector<uint16_t>& half, int heads) {
        values.resize(static_cast<std::size_t>(c.batch) * heads * c.length * c.headDim);
        for (float& value : values)
            value = normal(generator);
        if (c.dtype != kernels::DType::F32)
            for (float& value : values) {
                half.push_back(c.dtype == kernels::DType::BF16 ? kernels::floatToBf16(value)
                                                               : kernels::floatToF16(value));
                value = c.dtype == kernels::DType::BF16 ? kernels::bf16ToFloat(half.back())
                                                        : kernels::f16ToFloat(half.back());
            }
    };
    fill(in.q, in.qHalf, c.heads);
    fill(in.k, in.kHalf, c.kvHeads);
    fill(in.v, in.vHalf, c.kvHeads);
    std::vector<float> out(in.q.size());

    kernels::AttentionDims dims;
    dims.batch = c.batch;
    dims.queryHeads = c.heads;
    dims.kvHeads = c.kvHeads;
    dims.queryLength = dims.keyLength = c.length;
    dims.headDim = c.headDim;
    dims.causal = c.causal;
    const kernels::OutputView outView{out.data(),
                                      {static_cast<int64_t>(c.heads) * c.length * c.headDim,
                                       static_cast<int64_t>(c.length) * c.headDim, c.headDim, 1}};

    std::vector<AttentionBenchMode> modes;
    const double flops = attentionFlops(c);
    for (std::size_t m = 0; m < c.modes.size(); ++m) {
        const std::string& name = c.modes[m];
        if (c.backend == kernels::Backend::Cuda && name != "torch") {
            // The kernels alone, inputs resident on the device (as FlashAttention and SDPA are timed).
            std::vector<double> seconds;
            std::size_t deviceBytes = 0;
            ATTNSCOPE_TRY(statusFromKernel(
                kernels::cuda::timeAttention(
                    dims, view(c, in.q, in.qHalf, c.heads), view(c, in.k, in.kHalf, c.kvHeads),
                    view(c, in.v, in.vHalf, c.kvHeads), requestFor(name), c.repeats, seconds, deviceBytes),
                "attention (" + name + ", cuda)"));
            ATTNSCOPE_TRY(progress.update((m + 1.0f) / c.modes.size(), name));
            AttentionBenchMode mode;
            mode.name = name;
            mode.medianSeconds = median(seconds);
            mode.gflops = flops / mode.medianSeconds / 1e9;
            mode.peakExtraBytes = deviceBytes;
            modes.push_back(mode);
            continue;
        }
        std::function<Status()> once;
        if (name == "torch") {
            once = [&] {
                return runTorch(c, in);
            };
        } else {
            const kernels::ProbeRequest request = requestFor(name);
            once = [&, request] {
                kernels::ProbeResult result;
                return statusFromKernel(kernels::attention(dims, view(c, in.q, in.qHalf, c.heads),
                                                           view(c, in.k, in.kHalf, c.kvHeads),
                                                           view(c, in.v, in.vHalf, c.kvHeads), outView,
                                                           request, result, c.backend),
                                        "attention (" + name + ")");
            };
        }
        const uint64_t baseline = procStatusBytes("VmRSS");
        resetPeakRss();
        ATTNSCOPE_TRY(once()); // warm-up, and the peak memory of one call
        const uint64_t peak = procStatusBytes("VmHWM");
        std::vector<double> seconds;
        for (int r = 0; r < c.repeats; ++r) {
            const auto start = std::chrono::steady_clock::now();
            ATTNSCOPE_TRY(once());
            seconds.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            ATTNSCOPE_TRY(progress.update((m + (r + 1.0f) / c.repeats) / c.modes.size(), name));
        }
        AttentionBenchMode mode;
        mode.name = name;
        mode.medianSeconds = median(seconds);
        mode.gflops = flops / mode.medianSeconds / 1e9;
        mode.peakExtraBytes = peak > baseline ? peak - baseline : 0;
        modes.push_back(mode);
    }
    return modes;
}

} // namespace attnscope::runtime
