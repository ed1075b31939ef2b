// SPDX-License-Identifier: Apache-2.0
// Crash safety: a writer adding runs is killed with SIGKILL 50 times at random moments; afterwards the
// project opens and every run it lists — at least every run the writer reported committed — reads back
// exactly as written, and no partial run is visible.
#include "attnscope/store/project.h"

#include "store_fixtures.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

using namespace attnscope;
namespace fs = std::filesystem;

namespace {

/// Starts the writer, lets it run for `milliseconds`, kills it; returns its "committed ID SEED" lines.
std::map<int64_t, uint64_t> runAndKill(const std::string& project, uint64_t firstSeed, int milliseconds) {
    int pipeFds[2];
    EXPECT_EQ(pipe(pipeFds), 0);
    const pid_t child = fork();
    if (child == 0) {
        dup2(pipeFds[1], STDOUT_FILENO);
        close(pipeFds[0]);
        close(pipeFds[1]);
        const std::string seed = std::to_string(firstSeed);
        execl(ATTNSCOPE_STORE_WRITER, ATTNSCOPE_STORE_WRITER, project.c_str(), seed.c_str(), nullptr);
        _exit(127);
    }
    close(pipeFds[1]);
    // Start the clock at the first commit: killing the process while it loads its libraries tests
    // nothing about the project.
    std::string output;
    char buffer[4096];
    while (output.find('\n') == std::string::npos) {
        const ssize_t n = read(pipeFds[0], buffer, sizeof buffer);
        if (n <= 0)
            break;
        output.append(buffer, static_cast<std::size_t>(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
    kill(child, SIGKILL);
    for (ssize_t n; (n = read(pipeFds[0], buffer, sizeof buffer)) > 0;)
        output.append(buffer, static_cast<std::size_t>(n));
    close(pipeFds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer stopped by itself: " << output;
    std::map<int64_t, uint64_t> committed;
    std::istringstream lines(output);
    std::string word;
    int64_t id = 0;
    uint64_t seed = 0;
    while (lines >> word >> id >> seed)
        if (word == "committed")
            committed[id] = seed;
    return committed;
}

} // namespace

TEST(ProjectKill, FiftyKillsLeaveEveryCommittedRunIntact) {
    const fs::path dir = fs::temp_directory_path() / "attnscope_store_kill";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string path = (dir / "p.attnscope").string();
    std::mt19937 random(20261129);
    std::map<int64_t, uint64_t> committed;
    uint64_t nextSeed = 1;
    for (int kill = 0; kill < 50; ++kill) {
        const auto reported = runAndKill(path, nextSeed, std::uniform_int_distribution<>(1, 120)(random));
        committed.insert(reported.begin(), reported.end());
        nextSeed += 10000; // seeds of different writers never collide
        // After every kill the project opens and lists only complete runs.
        auto project = store::Project::open(path, store::OpenMode::ReadOnly);
        ASSERT_TRUE(project) << "after kill " << kill << ": " << project.status().toString();
    }
    ASSERT_GT(committed.size(), 50u) << "the writer barely ran; the test proves little";
    auto project = store::Project::open(path);
    ASSERT_TRUE(project) << project.status().toString();
    auto runs = project->runs();
    ASSERT_TRUE(runs) << runs.status().toString();
    std::map<int64_t, std::string> listed;
    for (const auto& r : *runs)
        listed[r.id] = r.label;
    for (const auto& [id, seed] : committed) {
        ASSERT_TRUE(listed.count(id)) << "committed run " << id << " is missing";
        EXPECT_EQ(listed[id], "seed=" + std::to_string(seed));
    }
    // Every listed run (also one committed just before a kill, unreported) reads back exactly.
    for (const auto& [id, label] : listed) {
        const uint64_t seed = std::stoull(label.substr(5));
        auto run = project->run(id);
        ASSERT_TRUE(run) << run.status().toString();
        EXPECT_TRUE(test::sameRun(*run, test::seededRun(seed, 64 * static_cast<int>(1 + seed % 400))))
            << "run " << id;
    }
    RecordProperty("committed_runs", std::to_string(committed.size()));
    fs::remove_all(dir);
}
