// SPDX-License-Identifier: Apache-2.0
// Reading gaze against transformer attention (SCANPATH.md §3): words from tokenizer offsets, subword
// merging, attention received and rollout relevance, rank correlation with average ranks, Fisher's
// combination of p-values, and the text-mode predicted scanpath (§4.2).
#pragma once

#include "attnscope/scanpath/scanpath.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope::scanpath {

/// A word of a text: a maximal run of non-whitespace bytes.
struct WordSpan {
    std::size_t begin = 0; ///< byte offsets into the text, [begin, end)
    std::size_t end = 0;
    std::string text;
};

/// The text's words in reading order.
std::vector<WordSpan> splitWords(std::string_view text);

/// For each token (byte offsets [begin, end) into the same text), the word its first non-space byte
/// falls in; -1 for tokens with no bytes in any word (special tokens, pure whitespace). Built from the
/// tokenizer's offsets, never from string matching (§3.3).
std::vector<int> tokenWords(const std::vector<WordSpan>& words,
                            const std::vector<std::pair<std::size_t, std::size_t>>& tokenOffsets);

/// How subword values combine into a word's value (§3.3).
enum class MergeFunction {
    Sum, ///< Hollenstein & Beinborn (default)
    Max, ///< Eberle et al.
    Mean,
    First,
};

/// Per word, its tokens' values merged; NaN for a word no token maps to. `tokenWord` as tokenWords.
std::vector<double> mergeToWords(const std::vector<double>& tokenValues, const std::vector<int>& tokenWord,
                                 std::size_t wordCount, MergeFunction merge);

/// Attention rollout (Abnar & Zuidema 2020) over head-averaged maps: Ã_l = ½·A_l + ½·I (rows renormalized),
/// R_1 = Ã_1, R_l = Ã_l · R_{l−1}. `layers` holds each layer's [T, T] row-major map; returns R_L [T, T].
std::vector<double> attentionRollout(const std::vector<std::vector<double>>& layers, std::size_t tokens);

/// Relevance of each key j: Σ_i R[i, j] over the rows in `rows` (all rows when empty; Eberle's joint
/// relevance) — also "attention received" when R is one layer's head-averaged map.
std::vector<double> columnSums(const std::vector<double>& matrix, std::size_t tokens,
                               const std::vector<std::size_t>& rows = {});

/// Ranks 1..n with ties given their average rank.
std::vector<double> averageRanks(const std::vector<double>& values);

/// Pearson's r; NaN when fewer than 2 pairs or a variable is constant. NaN pairs are dropped.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
/// Spearman's ρ: Pearson's r of the average ranks (not the no-ties formula). NaN pairs are dropped.
double spearman(const std::vector<double>& x, const std::vector<double>& y);
/// The two-sided p-value of a correlation r over n pairs (Student's t with n − 2 degrees of freedom).
double correlationPValue(double r, std::size_t n);
/// Fisher's method: χ² = −2 Σ ln p with 2k degrees of freedom; returns {χ², combined p}.
std::pair<double, double> fisherCombined(const std::vector<double>& pValues);

/// Parameters of the text-mode prediction (§4.2): a baseline, not a model of reading.
struct ReadingPredictionConfig {
    double skipQuantile = 0.2;  ///< words below this quantile of relevance are skipped
    double minDurationMs = 100; ///< the duration of the least relevant word read
    double maxDurationMs = 500; ///< the duration of the most relevant word
};

/// A predicted reading scanpath: words in reading order, skipping the least relevant, each fixation's
/// duration growing with relevance; Fixation::word holds the word index (x, y are 0). Words with NaN
/// relevance are skipped.
Scanpath predictReading(const std::vector<double>& wordRelevance, const ReadingPredictionConfig& config = {});

/// Parameters of winner-take-all with inhibition of return over a priority map (§4.2).
struct WtaConfig {
    int fixations = 10;       ///< K
    double iorRadius = 0.0;   ///< the hard disk's radius in pixels (used when iorSigma is 0)
    double iorSigma = 0.0;    ///< > 0: soft Gaussian inhibition with this σ in pixels
    double iorStrength = 1.0; ///< γ: 1 suppresses fully; < 1 allows refixations and revisits
    double recovery = 0.9999; ///< ρ: per step, inhibited priority returns toward P as P' ← P − ρ(P − P')
    double stopBelow = 0.0; ///< θ_stop: stop when the best priority is at or below this
    int targetUnit = -1;    ///< search mode: stop after fixating this unit
};

/// Predicted fixations over units with priorities `priority` and centres (x, y): each step fixates the
/// unit of highest current priority, then inhibits around it. Fixation::aoi holds the unit index.
Scanpath predictWinnerTakeAll(const std::vector<double>& priority,
                              const std::vector<std::pair<double, double>>& centres, const WtaConfig& config);

} // namespace attnscope::scanpath
