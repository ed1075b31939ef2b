// SPDX-License-Identifier: Apache-2.0
// attnscope-cli's project commands: stored runs, compare, export, labels, deletion, compaction, notes.
#include "cli_fixtures.h"
#include "process.h"

#include "../support/tiny_models.h"
#include "attnscope/io/npy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

using attnscope::test::kCli;
using attnscope::test::runProcess;
using attnscope::test::writeTinyGguf;
using attnscope::test::writeTinyLlama2c;

TEST(Cli, ProjectRunsCompareAndExport) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_project";
    std::filesystem::remove_all(dir);
    attnscope::test::TinyConfig config;
    config.context = 64;
    const std::string gguf = writeTinyGguf(dir, attnscope::test::makeTinyModel(config));
    const std::string project = (dir / "p.attnscope").string();
    for (const char* tokens : {"3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3", "2,7,1,8,2,8,1,8,2,8,4,5,9,0,4,5"}) {
        auto run =
            runProcess(kCli + " analyze " + gguf + " --tokens " + tokens +
                           " --analyses sinks,similarity,sparsity,taxonomy --decode-rows 4 --project " +
                           project + " --label L" + tokens[0] + " --json",
                       true);
        ASSERT_EQ(run.exitCode, 0) << run.output;
        EXPECT_EQ(nlohmann::json::parse(run.output)["project"]["path"], project);
    }
    auto runs = runProcess(kCli + " runs " + project + " --json");
    ASSERT_EQ(runs.exitCode, 0) << runs.output;
    const auto list = nlohmann::json::parse(runs.output);
    ASSERT_EQ(list["runs"].size(), 2u);
    EXPECT_EQ(list["runs"][0]["label"], "L3");
    EXPECT_EQ(list["runs"][1]["tokens"], 16);
    EXPECT_EQ(list["schema"], 2);
    // `label` renames a run (trimmed); an unknown run is refused by name.
    auto relabel = runProcess(kCli + " label " + project + " 2 '  second input ' --json");
    ASSERT_EQ(relabel.exitCode, 0) << relabel.output;
    EXPECT_EQ(nlohmann::json::parse(relabel.output)["label"], "second input");
    EXPECT_EQ(
        nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output)["runs"][1]["label"],
        "second input");
    ASSERT_EQ(runProcess(kCli + " label " + project + " 2 ''").exitCode, 0); // cleared
    EXPECT_EQ(
        nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output)["runs"][1]["label"],
        "");
    auto noRun = runProcess(kCli + " label " + project + " 9 x --json");
    EXPECT_EQ(noRun.exitCode, 1);
    EXPECT_EQ(nlohmann::json::parse(noRun.output)["error"]["field"], "RUN") << noRun.output;
    auto noDelete = runProcess(kCli + " delete-run " + project + " 9 --json");
    EXPECT_EQ(noDelete.exitCode, 1);
    EXPECT_EQ(nlohmann::json::parse(noDelete.output)["error"]["field"], "RUN") << noDelete.output;

    auto compare = runProcess(kCli + " compare " + project + " 1 2 --json");
    ASSERT_EQ(compare.exitCode, 0) << compare.output;
    const auto deltas = nlohmann::json::parse(compare.output);
    EXPECT_FALSE(deltas["same_input"].get<bool>());
    EXPECT_TRUE(deltas["same_model"].get<bool>());
    EXPECT_TRUE(deltas["settings_differ"].empty()) << deltas["settings_differ"].dump();
    bool sawToken0 = false;
    for (const auto& m : deltas["metrics"])
        if (m["analysis"] == "sinks" && m["metric"] == "token0_mass") {
            sawToken0 = true;
            EXPECT_NEAR(m["delta"].get<double>(), m["mean_b"].get<double>() - m["mean_a"].get<double>(),
                        1e-12);
            EXPECT_EQ(m["heads"], 8);
        }
    EXPECT_TRUE(sawToken0);
    // The same input with bf16 weights: same model, same input, but not the same computation.
    auto bf16 =
        runProcess(kCli + " analyze " + gguf + " --tokens 3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3" +
                       " --analyses sinks,similarity,sparsity,taxonomy --decode-rows 4 --weights bf16" +
                       " --project " + project + " --json",
                   true);
    ASSERT_EQ(bf16.exitCode, 0) << bf16.output;
    auto against = runProcess(kCli + " compare " + project + " 1 3 --json");
    ASSERT_EQ(against.exitCode, 0) << against.output;
    const auto differ = nlohmann::json::parse(against.output);
    EXPECT_TRUE(differ["same_input"].get<bool>());
    EXPECT_EQ(differ["settings_differ"].size(), 1u) << differ["settings_differ"].dump();
    EXPECT_EQ(differ["settings_differ"]["weights"]["a"], "f32");
    EXPECT_EQ(differ["settings_differ"]["weights"]["b"], "bf16");
    auto missing = runProcess(kCli + " compare " + project + " 1 7 --json");
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.output.find("no run 7"), std::string::npos) << missing.output;

    // CSV rows; the JSON document; NPY arrays that numpy loads with the documented shapes.
    const auto csv = dir / "run1.csv";
    ASSERT_EQ(runProcess(kCli + " export " + project + " 1 --format csv --out " + csv.string()).exitCode, 0);
    std::ifstream csvFile(csv);
    std::string header;
    std::getline(csvFile, header);
    EXPECT_EQ(header, "analysis,metric,layer,head,value");
    const auto json = dir / "run1.json";
    ASSERT_EQ(runProcess(kCli + " export " + project + " 1 --format json --out " + json.string()).exitCode,
              0);
    std::ifstream jsonFile(json);
    const auto exported = nlohmann::json::parse(jsonFile, nullptr, false);
    EXPECT_EQ(exported["document"]["tokens"], 16);
    EXPECT_EQ(exported["run"]["label"], "L3");
    // How the numbers were computed, as the studio records it (its deep zoom recomputes with the same).
    EXPECT_EQ(exported["settings"]["weights"], "f32");
    EXPECT_EQ(exported["settings"]["attention_device"], "cpu");
    const auto npy = dir / "npy";
    ASSERT_EQ(runProcess(kCli + " export " + project + " 1 --format npy --out " + npy.string()).exitCode, 0);
    const std::string check =
        "/usr/bin/python3 -c \"import numpy as np, sys; d = sys.argv[1]; "
        "a = np.load(d + '/sinks__token0_mass.npy'); assert a.shape == (2, 4) and a.dtype == np.float32, "
        "a.shape; "
        "assert ((a >= 0) & (a <= 1)).all(); "
        "s = np.load(d + '/similarity.layer_head_averaged.npy'); assert s.shape == (2, 2); "
        "assert abs(s[0, 0] - 1) < 1e-6 and abs(s[0, 1] - s[1, 0]) < 1e-6; "
        "h = np.load(d + '/similarity.head_cosine.npy'); assert h.shape == (8, 8); "
        "b = np.load(d + '/attention.block_sum.npy'); assert b.shape == (2, 4, 1, 1), b.shape; "
        "assert abs(b.sum() - 8 * 16) < 1e-3, b.sum(); "
        "m = np.load(d + '/sparsity.flexprefill_mask.npy'); assert m.shape == (2, 4, 1, 1); "
        "print('numpy ok')\" " +
        npy.string();
    auto numpy = runProcess(check, true);
    EXPECT_EQ(numpy.exitCode, 0) << numpy.output;
    EXPECT_NE(numpy.output.find("numpy ok"), std::string::npos) << numpy.output;

    // A file that is not a project is refused and left as it was.
    const auto text = dir / "notes.attnscope";
    std::ofstream(text) << "my notes\n";
    auto refused = runProcess(kCli + " analyze " + gguf + " --tokens 1,2,3 --analyses sinks --project " +
                                  text.string() + " --json",
                              true);
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.output.find("not an SQLite database"), std::string::npos) << refused.output;
    std::ifstream again(text);
    std::string contents;
    std::getline(again, contents);
    EXPECT_EQ(contents, "my notes");

    // delete-run: the run and its results go, the others stay.
    auto deleted = runProcess(kCli + " delete-run " + project + " 3 --json");
    ASSERT_EQ(deleted.exitCode, 0) << deleted.output;
    EXPECT_EQ(nlohmann::json::parse(deleted.output)["runs_left"], 2);
    const auto left = nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output);
    ASSERT_EQ(left["runs"].size(), 2u);
    EXPECT_EQ(left["runs"][1]["id"], 2);
    EXPECT_EQ(runProcess(kCli + " compare " + project + " 1 3 --json").exitCode, 1);
    EXPECT_EQ(runProcess(kCli + " compare " + project + " 1 2 --json").exitCode, 0);
    // compact: the file shrinks by the deleted run's pages; the runs are intact.
    auto compacted = runProcess(kCli + " compact " + project + " --json");
    ASSERT_EQ(compacted.exitCode, 0) << compacted.output;
    const auto sizes = nlohmann::json::parse(compacted.output);
    EXPECT_LT(sizes["bytes_after"].get<uintmax_t>(), sizes["bytes_before"].get<uintmax_t>()) << sizes.dump();
    EXPECT_EQ(nlohmann::json::parse(runProcess(kCli + " runs " + project + " --json").output)["runs"].size(),
              2u);
    EXPECT_EQ(runProcess(kCli + " compare " + project + " 1 2 --json").exitCode, 0);
    auto noProject = runProcess(kCli + " compact " + (dir / "none.attnscope").string() + " --json");
    EXPECT_EQ(noProject.exitCode, 1);
    EXPECT_FALSE(std::filesystem::exists(dir / "none.attnscope")) << "compact creates nothing";
    std::filesystem::remove_all(dir);
}

TEST(Cli, NotesAreAddedListedEditedAndDeletedInTheProject) {
    const auto dir = std::filesystem::temp_directory_path() / "attnscope_cli_notes";
    attnscope::test::TinyConfig config;
    config.context = 64;
    const std::string gguf = writeTinyGguf(dir, attnscope::test::makeTinyModel(config));
    const std::string project = (dir / "p.attnscope").string();
    auto run = runProcess(kCli + " analyze " + gguf +
                              " --tokens 3,1,4,1,5,9,2,6 --analyses sinks --project " + project + " --json",
                          true);
    ASSERT_EQ(run.exitCode, 0) << run.output;

    auto empty = runProcess(kCli + " notes " + project + " 1 --json");
    ASSERT_EQ(empty.exitCode, 0) << empty.output;
    EXPECT_TRUE(nlohmann::json::parse(empty.output)["notes"].empty());
    auto added = runProcess(kCli + " notes " + project +
                            " 1 --add 'head 1:3 sinks' --layer 1 --head 3 --token 0 --json");
    ASSERT_EQ(added.exitCode, 0) << added.output;
    const auto document = nlohmann::json::parse(added.output);
    ASSERT_EQ(document["notes"].size(), 1u);
    const auto& note = document["notes"][0];
    EXPECT_EQ(note["id"], document["added"]);
    EXPECT_EQ(note["layer"], 1);
    EXPECT_EQ(note["head"], 3);
    EXPECT_EQ(note["token"], 0);
    EXPECT_EQ(note["text"], "head 1:3 sinks");
    EXPECT_EQ(note["created"].get<std::string>().size(), 20u);
    auto onRun = runProcess(kCli + " notes " + project + " 1 --add 'the whole run' --json");
    ASSERT_EQ(onRun.exitCode, 0) << onRun.output;
    EXPECT_TRUE(nlohmann::json::parse(onRun.output)["notes"][1]["layer"].is_null());
    auto text = runProcess(kCli + " notes " + project + " 1");
    EXPECT_NE(text.output.find("2 note(s)"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("head 1:3 sinks"), std::string::npos) << text.output;

    // Refusals name the field and change nothing: past the model's layers or heads, past the input,
    // empty text, an unknown run, an unknown note, and --layer without --add.
    for (const auto& [arguments, field] :
         std::vector<std::pair<std::string, std::string>>{{" 1 --add x --layer 2", "--layer"},
                                                          {" 1 --add x --head 4", "--head"},
                                                          {" 1 --add x --token 8", "--token"},
                                                          {" 1 --add ''", "text"},
                                                          {" 9 --add x", "RUN"},
                                                          {" 1 --delete 99", "--delete"},
                                                          {" 1 --edit 99 --text x", "--edit"},
                                                          {" 1 --edit 1 --text ' '", "--text"}}) {
        auto refused = runProcess(kCli + " notes " + project + arguments + " --json");
        EXPECT_EQ(refused.exitCode, 1) << arguments << ": " << refused.output;
        const auto error = nlohmann::json::parse(refused.output, nullptr, false);
        ASSERT_TRUE(error.contains("error")) << arguments << ": " << refused.output;
        EXPECT_EQ(error["error"]["field"], field) << arguments << ": " << refused.output;
    }
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --layer 1", true).exitCode, 0);
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --edit 1", true).exitCode, 0)
        << "--edit needs --text";
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --text y", true).exitCode, 0)
        << "--text needs --edit";
    EXPECT_NE(runProcess(kCli + " notes " + project + " 1 --edit 1 --text y --delete 1", true).exitCode, 0);
    // Editing keeps the place and the time.
    auto edited = runProcess(kCli + " notes " + project + " 1 --edit " + note["id"].dump() +
                             " --text 'head 1:3 sinks hard' --json");
    ASSERT_EQ(edited.exitCode, 0) << edited.output;
    const auto afterEdit = nlohmann::json::parse(edited.output);
    EXPECT_EQ(afterEdit["edited"], note["id"]);
    EXPECT_EQ(afterEdit["notes"][0]["text"], "head 1:3 sinks hard");
    EXPECT_EQ(afterEdit["notes"][0]["head"], 3);
    EXPECT_EQ(afterEdit["notes"][0]["created"], note["created"]);
    ASSERT_EQ(
        runProcess(kCli + " notes " + project + " 1 --edit " + note["id"].dump() + " --text 'head 1:3 sinks'")
            .exitCode,
        0);
    // A note id of run 1 given for run 2 deletes nothing.
    auto second = runProcess(kCli + " analyze " + gguf + " --tokens 2,7,1,8 --analyses sinks --project " +
                                 project + " --json",
                             true);
    ASSERT_EQ(second.exitCode, 0) << second.output;
    auto crossRun = runProcess(kCli + " notes " + project + " 2 --delete " + note["id"].dump() + " --json");
    EXPECT_EQ(crossRun.exitCode, 1) << crossRun.output;
    EXPECT_NE(crossRun.output.find("on run 2"), std::string::npos) << crossRun.output;
    auto crossEdit =
        runProcess(kCli + " notes " + project + " 2 --edit " + note["id"].dump() + " --text z --json");
    EXPECT_EQ(crossEdit.exitCode, 1) << crossEdit.output;

    // `export --format json` carries the run's notes, and only that run's.
    ASSERT_EQ(
        runProcess(kCli + " analyze " + gguf + " --tokens 5,3,5 --analyses sinks --project " + project, true)
            .exitCode,
        0);
    ASSERT_EQ(runProcess(kCli + " notes " + project + " 2 --add 'on run 2'").exitCode, 0);
    const auto exported = dir / "run1.json";
    ASSERT_EQ(
        runProcess(kCli + " export " + project + " 1 --format json --out " + exported.string()).exitCode, 0);
    std::ifstream exportedFile(exported);
    const auto withNotes = nlohmann::json::parse(exportedFile, nullptr, false);
    ASSERT_EQ(withNotes["notes"].size(), 2u) << withNotes["notes"].dump();
    EXPECT_EQ(withNotes["notes"][0]["text"], "head 1:3 sinks");
    EXPECT_EQ(withNotes["notes"][0]["head"], 3);

    auto deleted = runProcess(kCli + " notes " + project + " 1 --delete " + note["id"].dump() + " --json");
    ASSERT_EQ(deleted.exitCode, 0) << deleted.output;
    const auto after = nlohmann::json::parse(deleted.output);
    EXPECT_EQ(after["deleted"], note["id"]);
    ASSERT_EQ(after["notes"].size(), 1u);
    EXPECT_EQ(after["notes"][0]["text"], "the whole run");
    std::filesystem::remove_all(dir);
}
