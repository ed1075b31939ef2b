// SPDX-License-Identifier: Apache-2.0
// NumPy .npy files (format 1.0, little-endian float32, C order): how logits and attention maps leave
// AttnScope for Python.
#pragma once

#include "attnscope/core/expected.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::io {

/// Writes `values` with `shape` (product must equal values.size()). The file is written to a temporary
/// name and renamed, so a failure never leaves a truncated .npy behind.
Status writeNpyFloat32(const std::string& path, const std::vector<int64_t>& shape,
                       const std::vector<float>& values);

/// A float32 array read back (used by tests and by tools that compare runs).
struct NpyArray {
    std::vector<int64_t> shape;
    std::vector<float> values;
};

/// Reads a little-endian float32 C-order .npy (format 1.0, 2.0 or 3.0); other dtypes are refused by name.
Expected<NpyArray> readNpyFloat32(const std::string& path);

/// The same over an image already in memory; `path` names it in errors. A shape needing more values than
/// the image holds is refused before anything is allocated.
Expected<NpyArray> parseNpyFloat32(std::string_view bytes, const std::string& path);

} // namespace attnscope::io
