// SPDX-License-Identifier: Apache-2.0
// Status: the error value every core function returns instead of throwing.
#pragma once

#include <string>
#include <string_view>

namespace attnscope {

/// Broad category of a failure; the message carries the specifics.
enum class StatusCode {
    Ok,
    InvalidArgument, ///< a caller-supplied value is out of range or inconsistent
    NotFound,        ///< a file, tensor, key or id does not exist
    IoError,         ///< reading or writing failed
    ParseError,      ///< a file's content is malformed
    Unsupported,     ///< valid input this build cannot handle (dtype, architecture, format version)
    OutOfMemory,     ///< an allocation failed or would not fit
    Cancelled,       ///< the user cancelled the operation
    DeviceError,     ///< the GPU runtime failed
    Internal,        ///< a bug or an unexpected exception from a library
};

/// Stable lower-case name of a code ("invalid_argument"), used in JSON output.
const char* statusCodeName(StatusCode code);

/// Success, or a failure with a message that names the file and the field it concerns.
///
/// Build errors fluently: `Status::parseError("expected 7 int32").inFile(path).atField("header")`
/// renders as `model.bin: header: expected 7 int32`. Outer layers add context with `context()`.
class Status {
public:
    /// Success.
    Status() = default;

    static Status ok() { return {}; }
    static Status error(StatusCode code, std::string message);
    static Status invalidArgument(std::string message) {
        return error(StatusCode::InvalidArgument, std::move(message));
    }
    static Status notFound(std::string message) { return error(StatusCode::NotFound, std::move(message)); }
    static Status ioError(std::string message) { return error(StatusCode::IoError, std::move(message)); }
    static Status parseError(std::string message) {
        return error(StatusCode::ParseError, std::move(message));
    }
    static Status unsupported(std::string message) {
        return error(StatusCode::Unsupported, std::move(message));
    }
    static Status outOfMemory(std::string message) {
        return error(StatusCode::OutOfMemory, std::move(message));
    }
    static Status cancelled(std::string message = "cancelled by the user") {
        return error(StatusCode::Cancelled, std::move(message));
    }
    static Status internal(std::string message) { return error(StatusCode::Internal, std::move(message)); }

    bool isOk() const { return m_code == StatusCode::Ok; }
    bool isCancelled() const { return m_code == StatusCode::Cancelled; }
    StatusCode code() const { return m_code; }
    /// The bare message, without file or field.
    const std::string& message() const { return m_message; }
    /// The file this error is about ("" if none).
    const std::string& file() const { return m_file; }
    /// The field, tensor or key this error is about ("" if none).
    const std::string& field() const { return m_field; }

    /// Names the file the error concerns (keeps the first one set: the innermost is the most precise).
    Status& inFile(std::string_view file) &;
    Status inFile(std::string_view file) &&;
    /// Names the field, tensor name or JSON key; nested calls build a dotted path outermost-first.
    Status& atField(std::string_view field) &;
    Status atField(std::string_view field) &&;
    /// Prefixes what the caller was doing ("loading model"). No effect on success.
    Status& context(std::string_view what) &;
    Status context(std::string_view what) &&;

    /// "file: field: message" — what a user reads.
    std::string toString() const;

private:
    StatusCode m_code = StatusCode::Ok;
    std::string m_message;
    std::string m_file;
    std::string m_field;
};

} // namespace attnscope
