// SPDX-License-Identifier: Apache-2.0
// The process-wide attention device: names, refusal without a device, and — where a CUDA device
// answers — CUDA results equal to the CPU's, with requests CUDA does not compute falling back per call.
#include "attnscope/runtime/attention_device.h"

#include "attnscope/kernels/cuda_backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace attnscope;

namespace {

bool cudaDeviceAnswers() {
    int count = 0;
    return kernels::cuda::deviceCount(count).ok() && count > 0;
}

/// Restores the CPU device when a test ends.
struct CpuAfterwards {
    ~CpuAfterwards() { (void)runtime::setAttentionDevice(runtime::AttentionDevice::Cpu); }
};

struct SmallCall {
    kernels::AttentionDims dims;
    std::vector<float> q, k, v;
    SmallCall() {
        dims.queryHeads = 4;
        dims.kvHeads = 2;
        dims.queryLength = dims.keyLength = 150;
        dims.headDim = 64;
        std::mt19937 generator(7);
        std::normal_distribution<float> normal;
        for (auto* values : {&q, &k, &v}) {
            const int heads = values == &q ? dims.queryHeads : dims.kvHeads;
            values->resize(static_cast<std::size_t>(heads) * dims.queryLength * dims.headDim);
            for (float& x : *values)
                x = normal(generator);
        }
    }
    kernels::TensorView view(const std::vector<float>& values, int heads) const {
        const int64_t T = dims.queryLength, d = dims.headDim;
        return {values.data(), kernels::DType::F32, {heads * T * d, T * d, d, 1}};
    }
    kernels::KernelStatus run(const kernels::ProbeRequest& request, std::vector<float>& out,
                              kernels::ProbeResult& result) const {
        const int64_t T = dims.queryLength, d = dims.headDim;
        out.assign(static_cast<std::size_t>(dims.queryHeads) * T * d, 0.0f);
        const kernels::OutputView view{out.data(), {dims.queryHeads * T * d, T * d, d, 1}};
        return runtime::runAttention(dims, this->view(q, dims.queryHeads), this->view(k, dims.kvHeads),
                                     this->view(v, dims.kvHeads), view, request, result);
    }
};

} // namespace

TEST(AttentionDevice, ParsesItsNamesAndRefusesOthers) {
    EXPECT_EQ(*runtime::parseAttentionDevice("cpu"), runtime::AttentionDevice::Cpu);
    EXPECT_EQ(*runtime::parseAttentionDevice("cuda"), runtime::AttentionDevice::Cuda);
    auto bad = runtime::parseAttentionDevice("gpu0");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().message().find("gpu0"), std::string::npos);
    EXPECT_STREQ(runtime::attentionDeviceName(runtime::AttentionDevice::Cuda), "cuda");
}

TEST(AttentionDevice, CudaIsRefusedWithTheReasonWhereNoDeviceAnswers) {
    CpuAfterwards restore;
    const Status status = runtime::setAttentionDevice(runtime::AttentionDevice::Cuda);
    if (cudaDeviceAnswers()) {
        EXPECT_TRUE(status.isOk()) << status.message();
        EXPECT_EQ(runtime::attentionDevice(), runtime::AttentionDevice::Cuda);
        return;
    }
    EXPECT_FALSE(status.isOk());
    EXPECT_NE(status.message().find("CUDA"), std::string::npos) << status.message();
    EXPECT_EQ(runtime::attentionDevice(), runtime::AttentionDevice::Cpu);
}

TEST(AttentionDevice, OnCudaResultsMatchTheCpuAndUnsupportedRequestsFallBack) {
    if (!cudaDeviceAnswers())
        GTEST_SKIP() << "no CUDA device on this machine; the CPU path is what every other test runs";
    CpuAfterwards restore;
    const SmallCall call;
    kernels::ProbeRequest request;
    request.rowLogSumExp = true;
    request.columnMass = true;
    std::vector<float> cpuOut, gpuOut;
    kernels::ProbeResult cpu, gpu;
    ASSERT_TRUE(call.run(request, cpuOut, cpu).ok());
    ASSERT_TRUE(runtime::setAttentionDevice(runtime::AttentionDevice::Cuda).isOk());
    ASSERT_TRUE(call.run(request, gpuOut, gpu).ok());
    for (std::size_t i = 0; i < cpuOut.size(); ++i)
        ASSERT_NEAR(gpuOut[i], cpuOut[i], 2e-4 * std::max(1.0f, std::fabs(cpuOut[i]))) << i;
    for (std::size_t i = 0; i < cpu.columnMass.size(); ++i)
        ASSERT_NEAR(gpu.columnMass[i], cpu.columnMass[i], 2e-4 * std::max(1.0f, cpu.columnMass[i])) << i;

    // Top-k above 32 is not computed on CUDA: the call runs on the CPU and is counted.
    kernels::ProbeRequest wideTopK;
    wideTopK.topK = 40;
    const uint64_t before = runtime::attentionCallsOnCpuFallback();
    kernels::ProbeResult topResult;
    ASSERT_TRUE(call.run(wideTopK, gpuOut, topResult).ok());
    EXPECT_EQ(runtime::attentionCallsOnCpuFallback(), before + 1);
    EXPECT_EQ(topResult.topK, 40);

    // A K8 mask runs on CUDA (not counted as a fallback) and reports its recall.
    std::vector<uint8_t> columns(static_cast<std::size_t>(call.dims.keyLength), 1);
    columns[3] = 0;
    kernels::ProbeRequest masked;
    masked.mask.kind = kernels::AttentionMask::Kind::Columns;
    masked.mask.columns = columns.data();
    kernels::ProbeResult maskedResult;
    ASSERT_TRUE(call.run(masked, gpuOut, maskedResult).ok());
    EXPECT_EQ(runtime::attentionCallsOnCpuFallback(), before + 1);
    EXPECT_EQ(maskedResult.maskRecall.size(), static_cast<std::size_t>(call.dims.queryHeads) * 150);
}
