// SPDX-License-Identifier: Apache-2.0
#include "attnscope/analyses/act_calibration.h"

#include <sstream>

namespace attnscope::analyses {

runtime::ColumnCalibration actCalibration(std::vector<runtime::HeadIndex> heads, double beta,
                                          const SinkParameters& parameters) {
    runtime::ColumnCalibration calibration;
    calibration.heads = std::move(heads);
    calibration.keep = beta;
    calibration.selectColumns = [parameters](const runtime::HeadIndex&, const float* columnMass, int tokens) {
        return actSinkSet(actMeanReceived(columnMass, tokens), parameters);
    };
    calibration.description = describeActCalibration(beta, parameters);
    return calibration;
}

std::string describeActCalibration(double beta, const SinkParameters& parameters) {
    std::ostringstream text;
    text << "ACT: beta " << beta << ", threshold ";
    if (parameters.actThreshold == ActThreshold::Absolute)
        text << parameters.actAbsolute << " (absolute)";
    else
        text << parameters.actAlpha << "/N (relative)";
    text << ", " << actFirstSinkName(parameters.actFirstSink);
    return text.str();
}

} // namespace attnscope::analyses
