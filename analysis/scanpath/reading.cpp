// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/reading.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace attnscope::scanpath {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// The regularized incomplete beta I_x(a, b), by its continued fraction (modified Lentz), using the
/// symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
double incompleteBeta(double x, double a, double b) {
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    if (x > (a + 1.0) / (a + b + 2.0))
        return 1.0 - incompleteBeta(1.0 - x, b, a);
    const double logFront =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    constexpr double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / (std::abs(d) < tiny ? tiny : d);
    double fraction = d;
    for (int m = 1; m <= 500; ++m) {
        const double m2 = 2.0 * m;
        // Even step.
        double coefficient = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + coefficient * d;
        c = 1.0 + coefficient / c;
        d = 1.0 / (std::abs(d) < tiny ? tiny : d);
        c = std::abs(c) < tiny ? tiny : c;
        fraction *= d * c;
        // Odd step.
        coefficient = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + coefficient * d;
        c = 1.0 + coefficient / c;
        d = 1.0 / (std::abs(d) < tiny ? tiny : d);
        c = std::abs(c) < tiny ? tiny : c;
        const double delta = d * c;
        fraction *= delta;
        if (std::abs(delta - 1.0) < 1e-15)
            break;
    }
    return std::exp(logFront) * fraction / a;
}

/// The pairs where neither value is NaN.
void finitePairs(const std::vector<double>& x, const std::vector<double>& y, std::vector<double>& a,
                 std::vector<double>& b) {
    const std::size_t n = std::min(x.size(), y.size());
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isnan(x[i]) && !std::isnan(y[i])) {
            a.push_back(x[i]);
            b.push_back(y[i]);
        }
}

double pearsonOfFinite(const std::vector<double>& x, const std::vector<double>& y) {
    const std::size_t n = x.size();
    if (n < 2)
        return kNaN;
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx <= 0.0 || syy <= 0.0)
        return kNaN;
    return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

} // namespace

std::vector<WordSpan> splitWords(std::string_view text) {
    std::vector<WordSpan> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && isSpace(text[i]))
            ++i;
        const std::size_t begin = i;
        while (i < text.size() && !isSpace(text[i]))
            ++i;
        if (i > begin)
            words.push_back({begin, i, std::string(text.substr(begin, i - begin))});
    }
    return words;
}

std::vector<int> tokenWords(const std::vector<WordSpan>& words,
                            const std::vector<std::pair<std::size_t, std::size_t>>& tokenOffsets) {
    std::vector<int> map;
    map.reserve(tokenOffsets.size());
    for (const auto& [begin, end] : tokenOffsets) {
        // The first word ending after the token's start that also starts before its end.
        const auto word = std::upper_bound(words.begin(), words.end(), begin,
                                           [](std::size_t at, const WordSpan& w) { return at < w.end; });
        map.push_back(word != words.end() && word->begin < end && end > begin
                          ? static_cast<int>(word - words.begin())
                          : -1);
    }
    return map;
}

std::vector<double> mergeToWords(const std::vector<double>& tokenValues, const std::vector<int>& tokenWord,
                                 std::size_t wordCount, MergeFunction merge) {
    std::vector<double> values(wordCount, kNaN);
    std::vector<int> counts(wordCount, 0);
    const std::size_t n = std::min(tokenValues.size(), tokenWord.size());
    for (std::size_t t = 0; t < n; ++t) {
        const int w = tokenWord[t];
        if (w < 0 || static_cast<std::size_t>(w) >= wordCount)
            continue;
        double& value = values[static_cast<std::size_t>(w)];
        const double v = tokenValues[t];
        if (counts[static_cast<std::size_t>(w)]++ == 0) {
            value = v;
            continue;
        }
        switch (merge) {
        case MergeFunction::Sum:
        case MergeFunction::Mean:
            value += v;
            break;
        case MergeFunction::Max:
            value = std::max(value, v);
            break;
        case MergeFunction::First:
            break;
        }
    }
    if (merge == MergeFunction::Mean)
        for (std::size_t w = 0; w < wordCount; ++w)
            if (counts[w] > 0)
                values[w] /= counts[w];
    return values;
}

std::vector<double> attentionRollout(const std::vector<std::vector<double>>& layers, std::size_t tokens) {
    const std::size_t n = tokens;
    std::vector<double> rolled;
    for (const std::vector<double>& layer : layers) {
        // Ã = rownorm(A + I): with rows of A summing to 1 this is ½A + ½I; renormalizing keeps it exact
        // for maps whose rows do not (a masked or truncated map).
        std::vector<double> mixed(n * n);
        for (std::size_t i = 0; i < n; ++i) {
            double sum = 0.0;
            for (std::size_t j = 0; j < n; ++j) {
                mixed[i * n + j] = layer[i * n + j] + (i == j ? 1.0 : 0.0);
                sum += mixed[i * n + j];
            }
            for (std::size_t j = 0; j < n; ++j)
                mixed[i * n + j] /= sum;
        }
        if (rolled.empty()) {
            rolled = std::move(mixed);
            continue;
        }
        std::vector<double> product(n * n, 0.0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < n; ++k) {
                const double a = mixed[i * n + k];
                if (a == 0.0)
                    continue;
                for (std::size_t j = 0; j < n; ++j)
                    product[i * n + j] += a * rolled[k * n + j];
            }
        rolled = std::move(product);
    }
    return rolled;
}

std::vector<double> columnSums(const std::vector<double>& matrix, std::size_t tokens,
                               const std::vector<std::size_t>& rows) {
    std::vector<double> sums(tokens, 0.0);
    const auto addRow = [&](std::size_t i) {
        for (std::size_t j = 0; j < tokens; ++j)
            sums[j] += matrix[i * tokens + j];
    };
    if (rows.empty())
        for (std::size_t i = 0; i < tokens; ++i)
            addRow(i);
    for (const std::size_t i : rows)
        if (i < tokens)
            addRow(i);
    return sums;
}

std::vector<double> averageRanks(const std::vector<double>& values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start + 1;
        while (end < order.size() && values[order[end]] == values[order[start]])
            ++end;
        const double rank = 0.5 * static_cast<double>(start + 1 + end); // mean of ranks start+1 .. end
        for (std::size_t k = start; k < end; ++k)
            ranks[order[k]] = rank;
        start = end;
    }
    return ranks;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> a, b;
    finitePairs(x, y, a, b);
    return pearsonOfFinite(a, b);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> a, b;
    finitePairs(x, y, a, b);
    return pearsonOfFinite(averageRanks(a), averageRanks(b));
}

double correlationPValue(double r, std::size_t n) {
    if (std::isnan(r) || n < 3)
        return kNaN;
    const double df = static_cast<double>(n) - 2.0;
    if (std::abs(r) >= 1.0)
        return 0.0;
    const double t2 = r * r * df / (1.0 - r * r);
    // Two-sided: P(|T| > t) = I_{df / (df + t²)}(df / 2, 1 / 2).
    return incompleteBeta(df / (df + t2), 0.5 * df, 0.5);
}

std::pair<double, double> fisherCombined(const std::vector<double>& pValues) {
    double chi2 = 0.0;
    std::size_t k = 0;
    for (const double p : pValues) {
        if (std::isnan(p))
            continue;
        chi2 += -2.0 * std::log(std::max(p, std::numeric_limits<double>::min()));
        ++k;
    }
    if (k == 0)
        return {kNaN, kNaN};
    // χ² survival with 2k degrees of freedom: e^{−x/2} Σ_{i<k} (x/2)^i / i!, summed in log space.
    const double half = 0.5 * chi2;
    double logTerm = -half, total = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        total += std::exp(logTerm);
        logTerm += std::log(half) - std::log(static_cast<double>(i + 1));
    }
    return {chi2, std::min(1.0, total)};
}

Scanpath predictReading(const std::vector<double>& wordRelevance, const ReadingPredictionConfig& config) {
    std::vector<double> finite;
    for (const double v : wordRelevance)
        if (std::isfinite(v))
            finite.push_back(v);
    Scanpath path;
    if (finite.empty())
        return path;
    std::sort(finite.begin(), finite.end());
    // The q-th quantile by linear interpolation between order statistics (numpy's default).
    const double position =
        std::clamp(config.skipQuantile, 0.0, 1.0) * static_cast<double>(finite.size() - 1);
    const std::size_t below = static_cast<std::size_t>(std::floor(position));
    const double threshold =
        finite[below] + (position - static_cast<double>(below)) *
                            (finite[std::min(below + 1, finite.size() - 1)] - finite[below]);
    const double lowest = finite.front(), highest = finite.back();
    double clock = 0.0;
    for (std::size_t w = 0; w < wordRelevance.size(); ++w) {
        const double v = wordRelevance[w];
        if (!std::isfinite(v) || (config.skipQuantile > 0.0 && v < threshold))
            continue;
        Fixation f;
        f.word = static_cast<int>(w);
        const double share = highest > lowest ? (v - lowest) / (highest - lowest) : 1.0;
        f.durationMs = config.minDurationMs + share * (config.maxDurationMs - config.minDurationMs);
        f.startMs = clock;
        clock += f.durationMs;
        path.fixations.push_back(f);
    }
    return path;
}

Scanpath predictWinnerTakeAll(const std::vector<double>& priority,
                              const std::vector<std::pair<double, double>>& centres,
                              const WtaConfig& config) {
    Scanpath path;
    const std::size_t n = std::min(priority.size(), centres.size());
    if (n == 0)
        return path;
    std::vector<double> inhibition(n, 0.0); // P' = P − inhibition
    for (int step = 0; step < config.fixations; ++step) {
        std::size_t best = 0;
        double bestValue = -std::numeric_limits<double>::infinity();
        for (std::size_t u = 0; u < n; ++u) {
            const double value = priority[u] - inhibition[u];
            if (value > bestValue) { // the first of equal units wins: deterministic
                bestValue = value;
                best = u;
            }
        }
        if (!(bestValue > config.stopBelow))
            break;
        Fixation f;
        f.x = centres[best].first;
        f.y = centres[best].second;
        f.aoi = static_cast<int>(best);
        path.fixations.push_back(f);
        if (static_cast<int>(best) == config.targetUnit)
            break;
        for (std::size_t u = 0; u < n; ++u) {
            inhibition[u] *= config.recovery;
            const double dx = centres[u].first - f.x, dy = centres[u].second - f.y;
            const double d2 = dx * dx + dy * dy;
            const double weight = config.iorSigma > 0.0
                                      ? std::exp(-d2 / (2.0 * config.iorSigma * config.iorSigma))
                                      : (d2 <= config.iorRadius * config.iorRadius ? 1.0 : 0.0);
            // P'(u) *= 1 − γ·w: the inhibited share of what is left.
            const double current = priority[u] - inhibition[u];
            inhibition[u] += current * config.iorStrength * weight;
        }
    }
    return path;
}

} // namespace attnscope::scanpath
