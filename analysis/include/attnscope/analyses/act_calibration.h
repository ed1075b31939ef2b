// SPDX-License-Identifier: Apache-2.0
// ACT's attention calibration (METHODS.md section 2) as a runtime intervention: the sink rule of the
// sink analysis decides each head's keys, the runtime scales them by β after the softmax.
#pragma once

#include "attnscope/analyses/sinks.h"
#include "attnscope/runtime/interventions.h"

#include <string>
#include <vector>

namespace attnscope::analyses {

/// β of the ACT scripts (env BETA).
inline constexpr double kActBeta = 0.4;

/// Calibrates `heads`: for each one, the prefill's ā_j = C_j / (N - j) (actMeanReceived), the sink set by
/// `parameters`' threshold and first-sink rule (actSinkSet; with the reference's drop-first rule token 0
/// normally stays uncalibrated and only hidden sinks are scaled), then P'_is = β P_is on the set.
runtime::ColumnCalibration actCalibration(std::vector<runtime::HeadIndex> heads, double beta,
                                          const SinkParameters& parameters);

/// "ACT: β 0.4, threshold 0.1 (absolute), drop-first" — for records and messages.
std::string describeActCalibration(double beta, const SinkParameters& parameters);

} // namespace attnscope::analyses
