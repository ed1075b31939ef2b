// SPDX-License-Identifier: Apache-2.0
// Any byte string as a project file: open (read-only) or refuse with a Status naming the file; an
// accepted project lists its runs and reads each back (documents, token blobs, arrays and their shapes
// are validated, never trusted).
#include "attnscope/store/project.h"
#include "refusal_checks.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = "/tmp/attnscope_fuzz_project_" + std::to_string(getpid()) + ".attnscope";
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
    if (FILE* file = std::fopen(path.c_str(), "wb")) {
        std::fwrite(data, 1, size, file);
        std::fclose(file);
    }
    auto project = attnscope::store::Project::open(path, attnscope::store::OpenMode::ReadOnly);
    if (attnscope::fuzz::refused(project, path))
        return 0;
    auto runs = project->runs();
    if (!runs)
        return 0;
    for (const auto& summary : *runs) {
        auto run = project->run(summary.id);
        if (!run)
            continue;
        for (const auto& array : run->arrays)
            if ((array.type == attnscope::store::ArrayType::F32 ? array.f32.size() : array.u8.size()) !=
                static_cast<std::size_t>(array.elements()))
                __builtin_trap(); // run() must refuse arrays that do not match their shape
        (void)project->annotations(summary.id);
    }
    return 0;
}
