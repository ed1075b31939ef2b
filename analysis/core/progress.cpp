// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/progress.h"

#include <algorithm>

namespace attnscope {

Status Progress::update(float fraction) const {
    return update(fraction, m_stage);
}

Status Progress::update(float fraction, std::string_view stage) const {
    if (m_callback) {
        const float clamped = std::clamp(fraction, 0.0f, 1.0f);
        m_callback(m_begin + (m_end - m_begin) * clamped, stage.empty() ? std::string_view(m_stage) : stage);
    }
    return m_cancel.check();
}

Progress Progress::subRange(float begin, float end, std::string stage) const {
    Progress child = *this;
    const float width = m_end - m_begin;
    child.m_begin = m_begin + width * std::clamp(begin, 0.0f, 1.0f);
    child.m_end = m_begin + width * std::clamp(end, begin, 1.0f);
    if (!stage.empty())
        child.m_stage = std::move(stage);
    return child;
}

} // namespace attnscope
