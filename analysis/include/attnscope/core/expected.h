// SPDX-License-Identifier: Apache-2.0
// Expected<T>: a value or the Status that explains why there is none (std::expected is C++23).
#pragma once

#include "attnscope/core/status.h"

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

namespace attnscope {

/// Holds either a T or a failed Status. Constructing from an OK status is a programming error and
/// is turned into an Internal error so that it can never pass for a value.
template <typename T>
class Expected {
public:
    Expected(T value) : m_value(std::move(value)) {}
    Expected(Status error) : m_error(std::move(error)) {
        if (m_error.isOk())
            m_error = Status::internal("Expected constructed from an OK status without a value");
    }

    bool hasValue() const { return m_value.has_value(); }
    explicit operator bool() const { return hasValue(); }

    T& value() & {
        assert(hasValue());
        return *m_value;
    }
    const T& value() const& {
        assert(hasValue());
        return *m_value;
    }
    T&& value() && {
        assert(hasValue());
        return std::move(*m_value);
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    template <typename U>
    T valueOr(U&& fallback) const& {
        return hasValue() ? *m_value : static_cast<T>(std::forward<U>(fallback));
    }

    /// The failure; an OK status when a value is held.
    const Status& status() const& { return m_error; }
    Status&& status() && { return std::move(m_error); }

private:
    std::optional<T> m_value;
    Status m_error;
};

} // namespace attnscope

#define ATTNSCOPE_CONCAT_INNER(a, b) a##b
#define ATTNSCOPE_CONCAT(a, b) ATTNSCOPE_CONCAT_INNER(a, b)

/// Returns the Status from the enclosing function when `expr` (a Status) failed.
#define ATTNSCOPE_TRY(expr)                                                                                  \
    do {                                                                                                     \
        ::attnscope::Status attnscope_try_status_ = (expr);                                                  \
        if (!attnscope_try_status_.isOk())                                                                   \
            return attnscope_try_status_;                                                                    \
    } while (0)

#define ATTNSCOPE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                                                      \
    auto tmp = (expr);                                                                                       \
    if (!tmp.hasValue())                                                                                     \
        return std::move(tmp).status();                                                                      \
    lhs = std::move(tmp).value()

/// `ATTNSCOPE_ASSIGN_OR_RETURN(auto header, readHeader(file));` — unwraps or propagates the error.
#define ATTNSCOPE_ASSIGN_OR_RETURN(lhs, expr)                                                                \
    ATTNSCOPE_ASSIGN_OR_RETURN_IMPL(ATTNSCOPE_CONCAT(attnscope_expected_, __LINE__), lhs, expr)
