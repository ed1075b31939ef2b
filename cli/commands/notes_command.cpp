// SPDX-License-Identifier: Apache-2.0
// `notes PROJECT RUN [--add TEXT [--layer L --head H --token T] | --edit ID --text TEXT | --delete ID]`: a
// run's notes, the same ones the studio's Notes dock shows. Listing opens the project read-only; adding,
// editing and deleting write.
#include "commands.h"

#include "../json_output.h"
#include "attnscope/store/project.h"
#include "attnscope/store/run_exchange.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <optional>

namespace attnscope::cli {

namespace {

struct NotesOptions {
    std::string project;
    int64_t run = 0;
    bool adding = false; ///< --add was given (even with empty text, which is then refused)
    std::string add;
    std::optional<int> layer, head, token;
    std::optional<int64_t> remove;
    std::optional<int64_t> edit; ///< --edit ID: replace that note's text with `text`
    std::string text;
};

/// Refuses a layer, head or token the run does not have: its head metrics give the model's shape, its
/// summary the input's length.
Status checkPlace(const store::Project& project, const NotesOptions& o) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::RunSummary> runs, project.runs());
    const store::RunSummary* summary = nullptr;
    for (const auto& r : runs)
        if (r.id == o.run)
            summary = &r;
    if (summary == nullptr)
        return Status::notFound("no run " + std::to_string(o.run) + " in the project")
            .inFile(o.project)
            .atField("RUN");
    if (o.token && *o.token >= summary->tokens)
        return Status::invalidArgument("token " + std::to_string(*o.token) + " is past the run's " +
                                       std::to_string(summary->tokens) + " tokens")
            .atField("--token");
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::HeadMetric> metrics, project.metrics(o.run));
    int layers = 0, heads = 0;
    for (const auto& m : metrics) {
        layers = std::max(layers, m.layer + 1);
        heads = std::max(heads, m.head + 1);
    }
    if (o.layer && layers > 0 && *o.layer >= layers)
        return Status::invalidArgument("layer " + std::to_string(*o.layer) + " is past the run's " +
                                       std::to_string(layers) + " layers")
            .atField("--layer");
    if (o.head && heads > 0 && *o.head >= heads)
        return Status::invalidArgument("head " + std::to_string(*o.head) + " is past the run's " +
                                       std::to_string(heads) + " heads")
            .atField("--head");
    return Status::ok();
}

/// Refuses what would be refused anyway — a run, place or note id the project does not have — from a
/// read-only open, so that a refused change never migrates an older project (a read-write open does).
Status checkRequest(const NotesOptions& o) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                               store::Project::open(o.project, store::OpenMode::ReadOnly));
    ATTNSCOPE_TRY(checkPlace(project, o)); // also names a run that does not exist
    if (o.adding && o.add.find_first_not_of(" \t\r\n") == std::string::npos)
        return Status::invalidArgument("a note needs some text").inFile(o.project).atField("text");
    if (o.edit && o.text.find_first_not_of(" \t\r\n") == std::string::npos)
        return Status::invalidArgument("a note needs some text").inFile(o.project).atField("--text");
    // Only a note of this run: an id typed for the wrong run changes nothing.
    for (const auto& [id, option] : {std::pair{o.remove, "--delete"}, std::pair{o.edit, "--edit"}}) {
        if (!id)
            continue;
        ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::Annotation> existing, project.annotations(o.run));
        if (std::none_of(existing.begin(), existing.end(), [&](const auto& n) { return n.id == *id; }))
            return Status::notFound("no note " + std::to_string(*id) + " on run " + std::to_string(o.run))
                .inFile(o.project)
                .atField(option);
    }
    return Status::ok();
}

Expected<nlohmann::json> notes(const NotesOptions& o) {
    ATTNSCOPE_TRY(checkRequest(o));
    const bool writes = o.adding || o.remove.has_value() || o.edit.has_value();
    ATTNSCOPE_ASSIGN_OR_RETURN(
        store::Project project,
        store::Project::open(o.project, writes ? store::OpenMode::ReadWrite : store::OpenMode::ReadOnly));
    nlohmann::json document{{"project", o.project}, {"run", o.run}};
    if (o.adding) {
        store::Annotation note;
        note.runId = o.run;
        note.layer = o.layer;
        note.head = o.head;
        note.token = o.token;
        note.text = o.add;
        ATTNSCOPE_ASSIGN_OR_RETURN(document["added"], project.addAnnotation(note));
    }
    if (o.edit) {
        ATTNSCOPE_TRY(project.setAnnotationText(*o.edit, o.text));
        document["edited"] = *o.edit;
    }
    if (o.remove) {
        ATTNSCOPE_TRY(project.removeAnnotation(*o.remove));
        document["deleted"] = *o.remove;
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::Annotation> list, project.annotations(o.run));
    document["notes"] = nlohmann::json::array();
    for (const auto& note : list)
        document["notes"].push_back(store::annotationToJson(note));
    return document;
}

void printNotes(const nlohmann::json& d) {
    if (d.contains("added"))
        std::cout << "Added note " << d["added"].get<int64_t>() << "\n";
    if (d.contains("edited"))
        std::cout << "Edited note " << d["edited"].get<int64_t>() << "\n";
    if (d.contains("deleted"))
        std::cout << "Deleted note " << d["deleted"].get<int64_t>() << "\n";
    std::cout << "Run " << d["run"].get<int64_t>() << ": " << d["notes"].size() << " note(s)\n";
    if (d["notes"].empty())
        return;
    auto place = [](const nlohmann::json& v) {
        return v.is_null() ? std::string("-") : std::to_string(v.get<int>());
    };
    std::printf("%5s  %-20s  %5s  %4s  %6s  %s\n", "id", "created", "layer", "head", "token", "text");
    for (const auto& n : d["notes"]) {
        std::string text = n["text"].get<std::string>(); // one row per note: line breaks shown as ⏎
        for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos;)
            text.replace(at, 1, " \u23CE ");
        std::printf("%5lld  %-20s  %5s  %4s  %6s  %s\n", static_cast<long long>(n["id"].get<int64_t>()),
                    n["created"].get<std::string>().c_str(), place(n["layer"]).c_str(),
                    place(n["head"]).c_str(), place(n["token"]).c_str(), text.c_str());
    }
}

} // namespace

void registerNotesCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand("notes", "List, add, edit or delete the notes of a project's run");
    auto options = std::make_shared<NotesOptions>();
    // CLI11 fills plain values; which of them were given is read from the options' counts.
    auto place = std::make_shared<std::array<int, 3>>();
    auto removeId = std::make_shared<int64_t>(0);
    auto editId = std::make_shared<int64_t>(0);
    auto output = std::make_shared<JsonOutput>();
    command->add_option("PROJECT", options->project, "A project file (.attnscope)")->required();
    command->add_option("RUN", options->run, "The run id (see `runs`)")->required();
    CLI::Option* add = command->add_option("--add", options->add, "Add a note with this text");
    CLI::Option* layer = command->add_option("--layer", (*place)[0], "The note is on this layer (with --add)")
                             ->check(CLI::NonNegativeNumber)
                             ->needs(add);
    CLI::Option* head =
        command->add_option("--head", (*place)[1], "The note is on this query head (with --add)")
            ->check(CLI::NonNegativeNumber)
            ->needs(add);
    CLI::Option* token =
        command->add_option("--token", (*place)[2], "The note is on this token position (with --add)")
            ->check(CLI::NonNegativeNumber)
            ->needs(add);
    CLI::Option* remove =
        command->add_option("--delete", *removeId, "Delete the note with this id")->excludes(add);
    CLI::Option* text = command->add_option("--text", options->text, "The note's new text (with --edit)");
    CLI::Option* edit = command->add_option("--edit", *editId, "Replace the text of the note with this id")
                            ->excludes(add)
                            ->excludes(remove)
                            ->needs(text);
    text->needs(edit);
    output->addOption(*command);
    command->callback([=, &exitCode] {
        auto given = [&](CLI::Option* option, int value) {
            return option->count() > 0 ? std::optional<int>(value) : std::nullopt;
        };
        options->adding = add->count() > 0;
        options->layer = given(layer, (*place)[0]);
        options->head = given(head, (*place)[1]);
        options->token = given(token, (*place)[2]);
        options->remove = remove->count() > 0 ? std::optional<int64_t>(*removeId) : std::nullopt;
        options->edit = edit->count() > 0 ? std::optional<int64_t>(*editId) : std::nullopt;
        exitCode = output->finish(notes(*options), printNotes);
    });
}

} // namespace attnscope::cli
