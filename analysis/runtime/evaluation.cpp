// SPDX-License-Identifier: Apache-2.0
#include "attnscope/runtime/evaluation.h"

#include "attnscope/core/json_parse.h"
#include "attnscope/core/read_file.h"
#include "attnscope/runtime/forward.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace attnscope::runtime {

Expected<PerplexityResult> perplexity(const Model& model, const std::vector<int32_t>& tokens, int window,
                                      int32_t bos, const Progress& progress,
                                      const Interventions& interventions) {
    if (tokens.empty())
        return Status::invalidArgument("nothing to score").atField("tokens");
    const int64_t context = model.config().contextLength;
    if (window < 2)
        return Status::invalidArgument("must be at least 2").atField("window");
    if (context > 0)
        window = static_cast<int>(std::min<int64_t>(window, context));
    const int body = bos >= 0 ? window - 1 : window;
    PerplexityResult result;
    double total = 0;
    for (std::size_t start = 0; start < tokens.size(); start += static_cast<std::size_t>(body)) {
        const std::size_t end = std::min(tokens.size(), start + static_cast<std::size_t>(body));
        const std::size_t lead = bos >= 0 ? 1 : 0;
        // resize + copy rather than insert: GCC 12 reports a false -Wstringop-overflow on the insert.
        std::vector<int32_t> ids(lead + end - start, bos);
        std::copy(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                  tokens.begin() + static_cast<std::ptrdiff_t>(end),
                  ids.begin() + static_cast<std::ptrdiff_t>(lead));
        if (ids.size() < 2)
            break;
        ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<double> nll,
                                   tokenNll(model, ids, {}, interventions, &result.masks));
        for (double value : nll)
            total += value;
        result.scoredTokens += static_cast<int64_t>(nll.size());
        ++result.windows;
        ATTNSCOPE_TRY(progress.update(static_cast<float>(end) / tokens.size(), "scoring"));
    }
    result.meanNll = total / static_cast<double>(std::max<int64_t>(1, result.scoredTokens));
    result.perplexity = std::exp(result.meanNll);
    return result;
}

Expected<CopyingResult> copyingLoss(const Model& model, const std::vector<int32_t>& ids, int span,
                                    int repeats, const Progress& progress,
                                    const Interventions& interventions) {
    if (span < 1 || repeats < 2)
        return Status::invalidArgument("need a span of at least one token repeated at least twice")
            .atField("span");
    const int64_t repeated = static_cast<int64_t>(span) * repeats;
    if (static_cast<int64_t>(ids.size()) < repeated + 1)
        return Status::invalidArgument("the input has " + std::to_string(ids.size()) +
                                       " tokens, fewer than one before the span plus span x repeats")
            .atField("ids");
    for (int r = 1; r < repeats; ++r)
        for (int i = 0; i < span; ++i) {
            const std::size_t first = ids.size() - static_cast<std::size_t>(repeated) + i;
            if (ids[first] != ids[first + static_cast<std::size_t>(r) * span])
                return Status::invalidArgument("copy " + std::to_string(r) +
                                               " differs from the first at offset " + std::to_string(i))
                    .atField("ids");
        }
    CopyingResult result;
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<double> nll,
                               tokenNll(model, ids, progress, interventions, &result.masks));
    result.span = span;
    result.repeats = repeats;
    const std::size_t prefix = ids.size() - static_cast<std::size_t>(repeated);
    for (int r = 0; r < repeats; ++r) {
        double sum = 0;
        for (int i = 0; i < span; ++i)
            sum += nll[prefix + static_cast<std::size_t>(r) * span + i - 1]; // nll[k] scores ids[k + 1]
        result.meanLossPerCopy.push_back(sum / span);
    }
    result.firstToSecondRatio = result.meanLossPerCopy[0] / std::max(1e-12, result.meanLossPerCopy[1]);
    return result;
}

namespace {

bool sameClass(char a, char b) {
    const auto ua = static_cast<unsigned char>(a), ub = static_cast<unsigned char>(b);
    return (std::isdigit(ua) && std::isdigit(ub)) || (std::isalpha(ua) && std::isalpha(ub));
}

} // namespace

Expected<NeedleResult> needleExactMatch(const std::shared_ptr<const Model>& model,
                                        const tokenizers::Tokenizer& tokenizer,
                                        const std::vector<NeedleCase>& cases, const Progress& progress,
                                        const Interventions& interventions) {
    if (cases.empty())
        return Status::invalidArgument("no needle prompts").atField("needles");
    NeedleResult result;
    double promptTokens = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const NeedleCase& c = cases[i];
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding prompt, tokenizer.encode(c.prompt, true));
        ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding answer, tokenizer.encode(c.answer, false));
        promptTokens += static_cast<double>(prompt.ids.size());
        GenerateOptions options;
        options.maxNewTokens = static_cast<int>(answer.ids.size()) + 2;
        options.interventions = interventions;
        ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<int32_t> generated,
                                   generate(model, prompt.ids, options, {}, &result.masks));
        ATTNSCOPE_ASSIGN_OR_RETURN(std::string produced, tokenizer.decode(generated, /*skipSpecial=*/true));
        NeedleOutcome outcome{produced, false};
        outcome.correct =
            produced.rfind(c.answer, 0) == 0 && (produced.size() == c.answer.size() || c.answer.empty() ||
                                                 !sameClass(c.answer.back(), produced[c.answer.size()]));
        result.correct += outcome.correct;
        result.outcomes.push_back(std::move(outcome));
        ATTNSCOPE_TRY(progress.update(static_cast<float>(i + 1) / cases.size(), "needles"));
    }
    result.accuracy = static_cast<double>(result.correct) / static_cast<double>(cases.size());
    result.meanPromptTokens = promptTokens / static_cast<double>(cases.size());
    return result;
}

Expected<std::vector<NeedleCase>> readNeedleCases(const std::string& path) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::string text, readWholeFile(path));
    return parseNeedleCases(text, path);
}

Expected<std::vector<NeedleCase>> parseNeedleCases(std::string_view text, const std::string& path) {
    std::stringstream stream{std::string(text)};
    std::vector<NeedleCase> cases;
    std::string line;
    for (int number = 1; std::getline(stream, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const auto json = parseJsonText(line);
        if (json.is_discarded() || !json.is_object() || !json.contains("prompt") ||
            !json["prompt"].is_string() || !json.contains("answer") || !json["answer"].is_string())
            return Status::parseError("expected a JSON object with string \"prompt\" and \"answer\"")
                .inFile(path)
                .atField("line " + std::to_string(number));
        cases.push_back({json["prompt"].get<std::string>(), json["answer"].get<std::string>()});
    }
    if (cases.empty())
        return Status::parseError("no needle prompts").inFile(path);
    return cases;
}

} // namespace attnscope::runtime
