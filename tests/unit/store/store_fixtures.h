// SPDX-License-Identifier: Apache-2.0
// Deterministic run records for the store tests and the kill test's writer: the same seed always
// builds the same run, so a reader can check what it reads back without talking to the writer.
#pragma once

#include "attnscope/store/project.h"

#include <random>
#include <string>

namespace attnscope::test {

inline store::RunRecord seededRun(uint64_t seed, int arrayElements = 4096) {
    std::mt19937_64 random(seed);
    store::RunRecord run;
    run.label = "seed=" + std::to_string(seed);
    run.settingsJson = "{\"seed\": " + std::to_string(seed) + "}";
    run.documentJson = "{\"tokens\": " + std::to_string(seed % 977) + ", \"padding\": \"" +
                       std::string(static_cast<std::size_t>(seed % 5000), 'x') + "\"}";
    run.programVersion = "test";
    run.started = "2026-11-29T00:00:00Z";
    run.finished = "2026-11-29T00:00:01Z";
    run.seconds = static_cast<double>(seed % 100) / 10.0;
    run.model = {"/models/m" + std::to_string(seed % 3), "hf", "sampled-sha256:" + std::to_string(seed % 3),
                 "{}"};
    run.input.text = "input " + std::to_string(seed % 7);
    for (int i = 0; i < 50; ++i) {
        run.input.tokens.push_back(static_cast<int32_t>((seed % 7) * 100 + i));
        run.input.offsets.emplace_back(i * 2, i * 2 + 1);
    }
    for (int layer = 0; layer < 4; ++layer)
        for (int head = 0; head < 8; ++head)
            run.metrics.push_back(
                {"sinks", "token0_mass", layer, head, std::uniform_real_distribution<>(0, 1)(random)});
    store::ArrayRecord grid;
    grid.name = "block_sum";
    grid.shape = {static_cast<int64_t>(arrayElements / 64), 64};
    for (int i = 0; i < arrayElements; ++i)
        grid.f32.push_back(static_cast<float>(std::uniform_real_distribution<>(0, 1)(random)));
    store::ArrayRecord mask;
    mask.name = "mask";
    mask.type = store::ArrayType::U8;
    mask.shape = {8, 8};
    for (int i = 0; i < 64; ++i)
        mask.u8.push_back(static_cast<uint8_t>(random() & 1));
    run.arrays = {grid, mask};
    return run;
}

/// Equal in everything the project stores (the id aside).
inline bool sameRun(const store::RunRecord& a, const store::RunRecord& b) {
    return a.label == b.label && a.kind == b.kind && a.status == b.status &&
           a.settingsJson == b.settingsJson && a.pluginsJson == b.pluginsJson &&
           a.documentJson == b.documentJson && a.programVersion == b.programVersion &&
           a.started == b.started && a.finished == b.finished && a.seconds == b.seconds &&
           a.model == b.model && a.input == b.input && a.metrics == b.metrics && a.arrays == b.arrays;
}

} // namespace attnscope::test
