// SPDX-License-Identifier: Apache-2.0
// attnscope-train-demo: trains the bundled demo model from scratch on CPU, reproducibly (fixed seeds,
// deterministic data), and writes it as a Hugging Face directory plus the sample inputs.
#include "attnscope/tokenizers/bpe_trainer.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "demo_corpus.h"
#include "demo_model.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

using namespace attnscope;

namespace {

struct TrainOptions {
    std::string fortunes = "/usr/share/games/fortunes";
    std::string out = "resources/models/attnscope-demo";
    std::string samples = "resources/samples";
    int steps = 6000;
    int batch = 8;
    int length = 256;
    int longLength = 1024;
    double longShare = 0.25; ///< share of steps (the later ones) at longLength
    double learningRate = 1e-3;
    double weightDecay = 0.1; ///< AdamW decay of the matrices (vectors are not decayed)
    int warmup = 100;
    uint64_t seed = 1234;
    int threads = 1; ///< one thread is as fast as two here (memory-bound attention)
    int evalEvery = 250;
    /// Steps at the start that see only repeated random spans: a clean copying signal, so that
    /// induction heads form before the mixed data (which needle retrieval relies on).
    int copyWarmup = 1800;
    /// The first of those steps see the simplest copying documents (one short span repeated from BOS).
    int simpleCopySteps = 1400;
    int longSampleTokens = 4096; ///< at most this many tokens in resources/samples/long.txt
    int copyLength = 128;        ///< sequence length of the copy-only steps (0 = --length)
    int copyVocabulary = 0;
    double twoHopShare = 0.0; ///< share of needle documents with a two-hop question
    int benchmarkSteps = 0;
    demo::DemoConfig model;
    std::string dtype = "F32";
};

double learningRateAt(const TrainOptions& o, int step) {
    if (step < o.warmup)
        return o.learningRate * (step + 1) / o.warmup;
    const double progress = static_cast<double>(step - o.warmup) / std::max(1, o.steps - o.warmup);
    return o.learningRate * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

/// Builds one batch [batch, length] with the data mix.
std::pair<torch::Tensor, torch::Tensor> makeBatch(demo::DocumentFactory& factory, int batch, int length,
                                                  bool copyOnly, bool simpleCopy) {
    torch::Tensor ids = torch::empty({batch, length}, torch::kLong);
    torch::Tensor weights = torch::empty({batch, length}, torch::kFloat);
    for (int b = 0; b < batch; ++b) {
        const uint64_t kind = copyOnly ? 10 : factory.random()() % 20;
        // Copying (random spans, repeated text) takes half the mix: induction heads, which needle
        // retrieval also relies on, form only after enough of it.
        demo::Document doc = simpleCopy  ? factory.simpleRepeat(length)
                             : kind < 5  ? factory.text(length)
                             : kind < 10 ? factory.needle(length)
                             : kind < 17 ? factory.repeatedRandom(length)
                                         : factory.textWithRepeat(length);
        for (int t = 0; t < length; ++t) {
            ids[b][t] = static_cast<int64_t>(doc.ids[t]);
            weights[b][t] = doc.weights[t];
        }
    }
    return {ids, weights};
}

torch::Tensor weightedLoss(demo::DemoTransformer& model, const torch::Tensor& ids,
                           const torch::Tensor& weights) {
    torch::Tensor logits = model->forward(ids.narrow(1, 0, ids.size(1) - 1));
    torch::Tensor targets = ids.narrow(1, 1, ids.size(1) - 1);
    torch::Tensor w = weights.narrow(1, 1, weights.size(1) - 1);
    torch::Tensor nll = torch::nn::functional::cross_entropy(
        logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    return (nll * w.reshape({-1})).sum() / w.sum().clamp_min(1.0);
}

std::vector<int32_t> encode(const tokenizers::Tokenizer& tokenizer, const std::string& text, bool special) {
    auto encoding = tokenizer.encode(text, special);
    return encoding ? encoding->ids : std::vector<int32_t>{};
}

torch::Tensor toTensor(const std::vector<int32_t>& ids) {
    torch::Tensor t = torch::empty({1, static_cast<int64_t>(ids.size())}, torch::kLong);
    for (std::size_t i = 0; i < ids.size(); ++i)
        t[0][static_cast<int64_t>(i)] = static_cast<int64_t>(ids[i]);
    return t;
}

/// Teacher-forced exact match: greedy decoding reproduces the answer iff every answer token is the
/// argmax given the correct prefix, so one forward pass per prompt decides it.
double needleAccuracy(demo::DemoTransformer& model, const tokenizers::Tokenizer& tokenizer,
                      const std::vector<demo::NeedlePrompt>& prompts) {
    torch::NoGradGuard noGrad;
    int correct = 0;
    for (const demo::NeedlePrompt& p : prompts) {
        std::vector<int32_t> ids = encode(tokenizer, p.prompt, true);
        const std::size_t promptLength = ids.size();
        std::vector<int32_t> answer = encode(tokenizer, p.answer + ".", false);
        ids.insert(ids.end(), answer.begin(), answer.end());
        torch::Tensor predicted = model->forward(toTensor(ids)).argmax(-1)[0];
        bool ok = true;
        for (std::size_t i = 0; i < answer.size() && ok; ++i)
            ok = predicted[static_cast<int64_t>(promptLength + i - 1)].item<int64_t>() == answer[i];
        correct += ok;
    }
    return prompts.empty() ? 0.0 : static_cast<double>(correct) / prompts.size();
}

/// Mean loss of the first copy of `spanLength` random tokens over that of the second (BOS + 4 copies).
double copyingRatio(demo::DemoTransformer& model, int vocabulary, int spanLength) {
    torch::NoGradGuard noGrad;
    std::mt19937_64 random(99);
    std::uniform_int_distribution<int32_t> token(2, vocabulary - 1);
    std::vector<int32_t> span(static_cast<std::size_t>(spanLength)), ids{0};
    for (int32_t& id : span)
        id = token(random);
    for (int r = 0; r < 4; ++r)
        ids.insert(ids.end(), span.begin(), span.end());
    torch::Tensor t = toTensor(ids);
    torch::Tensor logits = model->forward(t.narrow(1, 0, t.size(1) - 1));
    torch::Tensor nll = torch::nn::functional::cross_entropy(
        logits[0], t[0].narrow(0, 1, t.size(1) - 1),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    const double first = nll.narrow(0, 0, spanLength).mean().item<double>(),
                 second = nll.narrow(0, spanLength, spanLength).mean().item<double>();
    return first / std::max(1e-9, second);
}

/// Token-0 attention (issue 5, acceptance 4a): for each head past layer 0, the mean probability on
/// token 0 over rows 32.. of `ids`; returns how many heads reach 0.3 and fills `perLayerMax`.
int sinkHeads(demo::DemoTransformer& model, const std::vector<int32_t>& ids,
              std::vector<double>& perLayerMax) {
    torch::NoGradGuard noGrad;
    const torch::Tensor t = toTensor(ids);
    const int64_t rows = t.size(1) - 32;
    int count = 0;
    perLayerMax.assign(static_cast<std::size_t>(model->config().layers), 0.0);
    for (int layer = 0; layer < model->config().layers; ++layer) {
        const torch::Tensor mass = model->attention(t, layer).narrow(1, 32, rows).select(2, 0).mean(1);
        for (int64_t h = 0; h < mass.size(0); ++h) {
            const double m = mass[h].item<double>();
            perLayerMax[static_cast<std::size_t>(layer)] =
                std::max(perLayerMax[static_cast<std::size_t>(layer)], m);
            count += layer > 0 && m >= 0.3;
        }
    }
    return count;
}

void writeText(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

/// Sample inputs from held-out fortunes (never trained on).
void writeSamples(const std::string& directory, const demo::FortuneCorpus& corpus,
                  const tokenizers::Tokenizer& tokenizer, int32_t bos, int longTokens) {
    std::filesystem::create_directories(directory);
    demo::DocumentFactory factory(tokenizer, corpus.heldOut, bos, /*seed=*/777);
    std::string shortText, longText;
    for (const std::string& fortune : corpus.heldOut) {
        if (encode(tokenizer, shortText + fortune, true).size() < 120 && fortune.size() > 80)
            shortText += (shortText.empty() ? "" : "\n\n") + fortune;
        if (!shortText.empty() && shortText.size() > 200)
            break;
    }
    for (std::size_t i = 0; i < corpus.heldOut.size(); ++i) {
        const std::string candidate = longText + (longText.empty() ? "" : "\n\n") + corpus.heldOut[i];
        if (static_cast<int>(encode(tokenizer, candidate, true).size()) > longTokens)
            continue;
        longText = candidate;
    }
    writeText(std::filesystem::path(directory) / "short.txt", shortText + "\n");
    writeText(std::filesystem::path(directory) / "long.txt", longText + "\n");

    std::ofstream needles(std::filesystem::path(directory) / "needles.jsonl");
    for (int i = 0; i < 60; ++i) {
        demo::NeedlePrompt p = factory.needlePrompt(940, i / 59.0);
        needles << nlohmann::json{{"prompt", p.prompt},
                                  {"answer", p.answer},
                                  {"key", p.key},
                                  {"value_span", {p.valueBegin, p.valueEnd}},
                                  {"depth", i / 59.0}}
                       .dump()
                << "\n";
    }

    std::mt19937_64 random(4242);
    std::uniform_int_distribution<int32_t> token(bos + 2, tokenizer.vocabSize() - 1);
    std::vector<int32_t> span(200);
    for (int32_t& id : span)
        id = token(random);
    std::vector<int32_t> ids{bos};
    for (int r = 0; r < 4; ++r)
        ids.insert(ids.end(), span.begin(), span.end());
    std::ofstream probe(std::filesystem::path(directory) / "repeated_random.json");
    probe << nlohmann::json{{"description", "BOS, then 200 token ids drawn uniformly (seed 4242) "
                                            "repeated 4 times: the RazorAttention induction/echo probe "
                                            "and the in-context copying check"},
                            {"span", 200},
                            {"repeats", 4},
                            {"ids", ids}}
                 .dump(1)
          << "\n";
}

/// Writes the model directory: weights, config, tokenizer files.
void saveModel(const demo::DemoTransformer& model, const TrainOptions& o, const std::string& tokenizerJson) {
    demo::writeHuggingFaceModel(model, o.out, o.dtype);
    writeText(std::filesystem::path(o.out) / "tokenizer.json", tokenizerJson + "\n");

    writeText(std::filesystem::path(o.out) / "tokenizer_config.json",
              nlohmann::ordered_json{{"tokenizer_class", "PreTrainedTokenizerFast"},
                                     {"bos_token", "<|bos|>"},
                                     {"eos_token", "<|eos|>"},
                                     {"add_bos_token", true},
                                     {"model_max_length", o.model.contextLength}}
                      .dump(2) +
                  "\n");
    writeText(
        std::filesystem::path(o.out) / "generation_config.json",
        nlohmann::ordered_json{{"bos_token_id", o.model.bosId}, {"eos_token_id", o.model.eosId}}.dump(2) +
            "\n");
}

} // namespace

int main(int argc, char** argv) {
    TrainOptions o;
    CLI::App app{"Trains AttnScope's demo model (CPU, reproducible) and writes it with its samples."};
    app.add_option("--fortunes", o.fortunes, "fortune directory (Debian package fortunes)");
    app.add_option("--out", o.out, "output model directory");
    app.add_option("--samples", o.samples, "output directory of the sample inputs ('' = none)");
    app.add_option("--steps", o.steps, "optimizer steps");
    app.add_option("--batch", o.batch, "sequences per step");
    app.add_option("--length", o.length, "sequence length of the first steps");
    app.add_option("--long-length", o.longLength, "sequence length of the later steps");
    app.add_option("--long-share", o.longShare, "share of steps at --long-length");
    app.add_option("--lr", o.learningRate, "peak learning rate (AdamW, cosine to 10%)");
    app.add_option("--weight-decay", o.weightDecay, "AdamW weight decay of the weight matrices");
    app.add_option("--seed", o.seed, "seed of weights and data");
    app.add_option("--threads", o.threads, "LibTorch threads");
    app.add_option("--eval-every", o.evalEvery, "steps between evaluations");
    app.add_option("--copy-warmup", o.copyWarmup, "first steps on repeated random spans only");
    app.add_option("--simple-copy", o.simpleCopySteps, "first steps on one short span repeated from BOS");
    app.add_option("--copy-length", o.copyLength, "sequence length of the copy-only steps (0 = --length)");
    app.add_option("--copy-vocab", o.copyVocabulary, "random spans use only this many token ids (0 = all)");
    app.add_option("--two-hop-share", o.twoHopShare,
                   "share of needle documents that also ask for a name with the same number as a needle's");
    app.add_option("--long-sample-tokens", o.longSampleTokens, "token budget of the long sample");
    app.add_option("--benchmark", o.benchmarkSteps, "only time this many steps, then exit");
    app.add_option("--hidden", o.model.hidden);
    app.add_option("--layers", o.model.layers);
    app.add_option("--heads", o.model.heads);
    app.add_option("--kv-heads", o.model.kvHeads);
    app.add_option("--head-dim", o.model.headDim);
    app.add_option("--intermediate", o.model.intermediate);
    app.add_option("--vocab", o.model.vocabSize);
    app.add_option("--rope-theta", o.model.ropeTheta);
    app.add_option("--context", o.model.contextLength, "max_position_embeddings written to config.json");
    app.add_option("--dtype", o.dtype, "stored weight type: F32 or BF16")
        ->check(CLI::IsMember({"F32", "BF16"}));
    CLI11_PARSE(app, argc, argv);

    o.model.trainedContext = o.longShare > 0 ? std::max(o.length, o.longLength) : o.length;
    torch::manual_seed(o.seed);
    torch::set_num_threads(o.threads);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };

    auto corpus = demo::readFortunes(o.fortunes);
    if (!corpus) {
        std::cerr << "error: " << corpus.status().toString() << "\n";
        return 1;
    }
    std::printf("fortunes: %zu training, %zu held out\n", corpus->training.size(), corpus->heldOut.size());
    tokenizers::BpeTrainerOptions bpe;
    bpe.vocabSize = o.model.vocabSize;
    auto tokenizerJson = tokenizers::trainByteLevelBpe(corpus->training, bpe);
    if (!tokenizerJson) {
        std::cerr << "error: " << tokenizerJson.status().toString() << "\n";
        return 1;
    }
    auto tokenizer = tokenizers::parseTokenizerJson(*tokenizerJson, "trained tokenizer");
    if (!tokenizer) {
        std::cerr << "error: " << tokenizer.status().toString() << "\n";
        return 1;
    }
    o.model.vocabSize = (*tokenizer)->vocabSize();
    std::printf("tokenizer: %s (%.1f s)\n", (*tokenizer)->describe().c_str(), elapsed());

    if (!o.samples.empty() && o.benchmarkSteps == 0)
        writeSamples(o.samples, *corpus, **tokenizer, o.model.bosId, o.longSampleTokens);

    demo::DocumentFactory factory(**tokenizer, corpus->training, o.model.bosId, o.seed);
    factory.setCopyVocabulary(o.copyVocabulary);
    factory.setTwoHopShare(o.twoHopShare);
    demo::DocumentFactory heldOut(**tokenizer, corpus->heldOut, o.model.bosId, o.seed + 1);
    std::vector<demo::NeedlePrompt> evalNeedles;
    for (int i = 0; i < 24; ++i)
        evalNeedles.push_back(heldOut.needlePrompt(900, i / 23.0));
    std::vector<demo::Document> evalText;
    for (int i = 0; i < 8; ++i)
        evalText.push_back(heldOut.text(512));
    const std::vector<int32_t> sinkProbe = heldOut.text(1024).ids; // after the others: they stay as they were

    demo::DemoTransformer model(o.model);
    int64_t parameters = 0;
    for (const auto& p : model->parameters())
        parameters += p.numel();
    std::printf("model: %d layers, hidden %d, %d heads (%d kv) x %d, ffn %d, vocab %d: %.2f M parameters\n",
                o.model.layers, o.model.hidden, o.model.heads, o.model.kvHeads, o.model.headDim,
                o.model.intermediate, o.model.vocabSize, parameters / 1e6);

    std::vector<torch::Tensor> decay, noDecay;
    for (const auto& p : model->parameters())
        (p.dim() >= 2 ? decay : noDecay).push_back(p);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(
        decay,
        std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(o.learningRate).betas({0.9, 0.95}).weight_decay(o.weightDecay)));
    groups.emplace_back(noDecay,
                        std::make_unique<torch::optim::AdamWOptions>(
                            torch::optim::AdamWOptions(o.learningRate).betas({0.9, 0.95}).weight_decay(0.0)));
    torch::optim::AdamW optimizer(groups);

    std::filesystem::create_directories(o.out);
    std::ofstream log(std::filesystem::path(o.out) / "training_log.tsv");
    log << "step\tseconds\tlength\ttrain_loss\theldout_loss\tneedle_accuracy\n";
    const int steps = o.benchmarkSteps > 0 ? o.benchmarkSteps : o.steps;
    const int longFrom = static_cast<int>(steps * (1.0 - o.longShare));
    double running = 0;
    for (int step = 0; step < steps; ++step) {
        const int length = step >= longFrom                          ? o.longLength
                           : step < o.copyWarmup && o.copyLength > 0 ? o.copyLength
                                                                     : o.length;
        const int batch = std::max(1, o.batch * o.length / length); // same tokens per step
        const double batchStart = elapsed();
        auto [ids, weights] =
            makeBatch(factory, batch, length + 1, step < o.copyWarmup, step < o.simpleCopySteps);
        const double dataSeconds = elapsed() - batchStart;
        const double lr = learningRateAt(o, step);
        for (auto& group : optimizer.param_groups())
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
        optimizer.zero_grad();
        torch::Tensor loss = weightedLoss(model, ids, weights);
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
        optimizer.step();
        running = step == 0 ? loss.item<double>() : 0.95 * running + 0.05 * loss.item<double>();
        if (o.benchmarkSteps > 0) {
            std::printf("step %d: length %d, loss %.3f, %.1f s (data %.2f s)\n", step, length,
                        loss.item<double>(), elapsed(), dataSeconds);
            continue;
        }
        if ((step + 1) % o.evalEvery == 0 || step + 1 == steps) {
            double heldLoss = 0;
            {
                torch::NoGradGuard noGrad;
                for (const demo::Document& doc : evalText) {
                    std::vector<int32_t> idsVector = doc.ids;
                    torch::Tensor t = toTensor(idsVector);
                    heldLoss += weightedLoss(model, t, torch::ones_like(t, torch::kFloat)).item<double>();
                }
                heldLoss /= static_cast<double>(evalText.size());
            }
            const double accuracy = needleAccuracy(model, **tokenizer, evalNeedles);
            const double copyRatio = copyingRatio(model, o.model.vocabSize, 40);
            // The acceptance probe's shape: 200 tokens, copies up to 800 positions in.
            const double copyRatio200 = copyingRatio(model, o.model.vocabSize, 200);
            std::vector<double> sinkMax;
            const int sinks = sinkHeads(model, sinkProbe, sinkMax);
            std::string sinkText;
            for (double m : sinkMax)
                sinkText += " " + std::to_string(m).substr(0, 5);
            std::printf("step %5d  %6.0f s  len %4d  lr %.2e  train %.3f  held-out %.3f (ppl %.1f)  needles "
                        "%.2f  copy 1st/2nd %.2f (span 40) %.2f (span 200)  sink heads %d (max by layer%s)\n",
                        step + 1, elapsed(), length, lr, running, heldLoss, std::exp(heldLoss), accuracy,
                        copyRatio, copyRatio200, sinks, sinkText.c_str());
            std::fflush(stdout);
            saveModel(model, o, *tokenizerJson); // a usable model exists even if training is stopped
            log << step + 1 << "\t" << elapsed() << "\t" << length << "\t" << running << "\t" << heldLoss
                << "\t" << accuracy << "\n"
                << std::flush;
        }
    }
    if (o.benchmarkSteps > 0)
        return 0;

    saveModel(model, o, *tokenizerJson);
    std::printf("wrote %s in %.0f s\n", o.out.c_str(), elapsed());
    return 0;
}
