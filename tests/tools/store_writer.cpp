// SPDX-License-Identifier: Apache-2.0
// The kill test's writer: adds seeded runs to a project as fast as it can and prints
// "committed ID SEED" after each commit, until it is killed.
#include "../unit/store/store_fixtures.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s PROJECT FIRST_SEED\n", argv[0]);
        return 2;
    }
    auto project = attnscope::store::Project::open(argv[1], attnscope::store::OpenMode::CreateIfMissing);
    if (!project) {
        std::fprintf(stderr, "%s\n", project.status().toString().c_str());
        return 1;
    }
    for (uint64_t seed = std::strtoull(argv[2], nullptr, 10);; ++seed) {
        // Sizes vary so that kills land at every stage of a transaction.
        auto id = project->addRun(attnscope::test::seededRun(seed, 64 * static_cast<int>(1 + seed % 400)));
        if (!id) {
            std::fprintf(stderr, "%s\n", id.status().toString().c_str());
            return 1;
        }
        std::printf("committed %lld %llu\n", static_cast<long long>(*id),
                    static_cast<unsigned long long>(seed));
        std::fflush(stdout);
    }
}
