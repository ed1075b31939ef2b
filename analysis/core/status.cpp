// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/status.h"

namespace attnscope {

const char* statusCodeName(StatusCode code) {
    switch (code) {
    case StatusCode::Ok:
        return "ok";
    case StatusCode::InvalidArgument:
        return "invalid_argument";
    case StatusCode::NotFound:
        return "not_found";
    case StatusCode::IoError:
        return "io_error";
    case StatusCode::ParseError:
        return "parse_error";
    case StatusCode::Unsupported:
        return "unsupported";
    case StatusCode::OutOfMemory:
        return "out_of_memory";
    case StatusCode::Cancelled:
        return "cancelled";
    case StatusCode::DeviceError:
        return "device_error";
    case StatusCode::Internal:
        return "internal";
    }
    return "unknown";
}

Status Status::error(StatusCode code, std::string message) {
    Status status;
    status.m_code = code;
    status.m_message = std::move(message);
    if (code == StatusCode::Ok) { // an "error" with code Ok would read as success: refuse it
        status.m_code = StatusCode::Internal;
        status.m_message = "Status::error called with StatusCode::Ok: " + status.m_message;
    }
    return status;
}

Status& Status::inFile(std::string_view file) & {
    if (!isOk() && m_file.empty())
        m_file = file;
    return *this;
}

Status Status::inFile(std::string_view file) && {
    return std::move(inFile(file));
}

Status& Status::atField(std::string_view field) & {
    if (isOk() || field.empty())
        return *this;
    // Called innermost-first as the error travels outwards, so each call prepends its level.
    m_field = m_field.empty() ? std::string(field) : std::string(field) + "." + m_field;
    return *this;
}

Status Status::atField(std::string_view field) && {
    return std::move(atField(field));
}

Status& Status::context(std::string_view what) & {
    if (!isOk() && !what.empty())
        m_message = std::string(what) + ": " + m_message;
    return *this;
}

Status Status::context(std::string_view what) && {
    return std::move(context(what));
}

std::string Status::toString() const {
    if (isOk())
        return "ok";
    std::string text;
    if (!m_file.empty())
        text += m_file + ": ";
    if (!m_field.empty())
        text += m_field + ": ";
    return text + m_message;
}

} // namespace attnscope
