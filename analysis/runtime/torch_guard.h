// SPDX-License-Identifier: Apache-2.0
// The runtime edge: LibTorch throws, the core does not. Internal header (includes c10).
#pragma once

#include "attnscope/core/status.h"

#include <c10/util/Exception.h>

#include <new>
#include <string>
#include <string_view>

namespace attnscope::runtime {

/// Runs `body` and turns any exception LibTorch (or the standard library) throws into a Status,
/// prefixed with `what`. Every call into LibTorch from analysis goes through here or a caller of it.
template <typename Body>
Status guardTorch(std::string_view what, Body&& body) noexcept {
    try {
        body();
        return Status::ok();
    } catch (const c10::IndexError& e) {
        return Status::invalidArgument(e.what_without_backtrace()).context(what);
    } catch (const c10::ValueError& e) {
        return Status::invalidArgument(e.what_without_backtrace()).context(what);
    } catch (const c10::TypeError& e) {
        return Status::invalidArgument(e.what_without_backtrace()).context(what);
    } catch (const c10::NotImplementedError& e) {
        return Status::unsupported(e.what_without_backtrace()).context(what);
    } catch (const c10::Error& e) {
        // Generic TORCH_CHECK failures (shape mismatches among them) land here.
        return Status::invalidArgument(e.what_without_backtrace()).context(what);
    } catch (const std::bad_alloc&) {
        return Status::outOfMemory("allocation failed").context(what);
    } catch (const std::exception& e) {
        return Status::internal(e.what()).context(what);
    } catch (...) {
        return Status::internal("unknown exception").context(what);
    }
}

} // namespace attnscope::runtime
