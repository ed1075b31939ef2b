// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/multimatch.h"

#include "attnscope/scanpath/scanmatch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace attnscope::scanpath {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// The vector form: saccade k starts at fixation k and ends at fixation k + 1; durations are the
/// fixations' (seconds), one more than the saccades (after a length merge of the last saccade the
/// reference leaves one extra; kept, as later passes read it).
struct VectorPath {
    std::vector<double> x, y, lenX, lenY, theta, rho;
    std::vector<double> duration;

    std::size_t saccades() const { return x.size(); }
    bool operator==(const VectorPath& other) const {
        return x == other.x && y == other.y && lenX == other.lenX && lenY == other.lenY &&
               theta == other.theta && rho == other.rho && duration == other.duration;
    }

    void pushSaccade(double startX, double startY, double dx, double dy) {
        x.push_back(startX);
        y.push_back(startY);
        lenX.push_back(dx);
        lenY.push_back(dy);
        theta.push_back(std::atan2(dy, dx));
        rho.push_back(std::hypot(dx, dy));
    }
    /// Saccade k of `from` unchanged, with fixation k's duration.
    void keep(const VectorPath& from, std::size_t k) {
        x.push_back(from.x[k]);
        y.push_back(from.y[k]);
        lenX.push_back(from.lenX[k]);
        lenY.push_back(from.lenY[k]);
        theta.push_back(from.theta[k]);
        rho.push_back(from.rho[k]);
        duration.push_back(from.duration[k]);
    }
    /// Saccades k and k + 1 of `from` as one, with fixation k's duration.
    void merge(const VectorPath& from, std::size_t k) {
        pushSaccade(from.x[k], from.y[k], from.lenX[k] + from.lenX[k + 1], from.lenY[k] + from.lenY[k + 1]);
        duration.push_back(from.duration[k]);
    }
};

VectorPath toVectors(const Scanpath& path) {
    VectorPath vectors;
    const auto& f = path.fixations;
    for (std::size_t k = 0; k < f.size(); ++k) {
        vectors.duration.push_back(f[k].durationMs / 1000.0);
        if (k + 1 < f.size())
            vectors.pushSaccade(f[k].x, f[k].y, f[k + 1].x - f[k].x, f[k + 1].y - f[k].y);
    }
    return vectors;
}

/// The angle between two saccades in degrees; NaN for a zero-length saccade (never merged).
double angleBetween(const VectorPath& p, std::size_t a, std::size_t b) {
    const double dot = p.lenX[a] * p.lenX[b] + p.lenY[a] * p.lenY[b];
    const double cosine = dot / (p.rho[a] * p.rho[b]);
    if (std::isnan(cosine))
        return cosine;
    // The reference's acos raises on a cosine rounded past ±1 (parallel saccades); clamp instead.
    return std::acos(std::clamp(cosine, -1.0, 1.0)) * 180.0 / kPi;
}

/// One direction pass: a saccade and the next merge when they turn by less than TDir and the
/// fixation between them is shorter than TDur.
VectorPath simplifyDirection(const VectorPath& p, double tDir, double tDur) {
    const std::size_t n = p.saccades();
    if (n < 1)
        return p;
    VectorPath out;
    std::size_t i = 0;
    while (i < n) {
        if (i + 1 < n && angleBetween(p, i, i + 1) < tDir && p.duration[i + 1] < tDur) {
            out.merge(p, i);
            i += 2;
        } else {
            out.keep(p, i++);
        }
    }
    out.duration.push_back(p.duration.back());
    return out;
}

/// One length pass: a saccade shorter than TAmp merges with the next when either fixation around
/// the first is shorter than TDur; the last saccade merges into the previous one.
VectorPath simplifyLength(const VectorPath& p, double tAmp, double tDur) {
    const std::size_t n = p.saccades();
    if (n < 1)
        return p;
    VectorPath out;
    std::size_t i = 0;
    while (i < n) {
        const bool shortSaccade = p.rho[i] < tAmp;
        if (i + 1 == n) {
            const std::size_t d = p.duration.size();
            const bool shortFixation = p.duration[d - 1] < tDur || (d >= 2 && p.duration[d - 2] < tDur);
            if (shortSaccade && shortFixation && out.saccades() > 0 && n >= 2) {
                // As the reference: the previous output saccade becomes the sum of the input's last
                // two (its start point stays), and fixation i − 1's duration is appended.
                const std::size_t j = out.saccades() - 1;
                out.lenX[j] = p.lenX[n - 2] + p.lenX[n - 1];
                out.lenY[j] = p.lenY[n - 2] + p.lenY[n - 1];
                out.theta[j] = std::atan2(out.lenY[j], out.lenX[j]);
                out.rho[j] = std::hypot(out.lenX[j], out.lenY[j]);
                out.duration.push_back(p.duration[i - 1]);
                ++i;
            } else {
                out.keep(p, i++);
            }
        } else if (shortSaccade && (p.duration[i + 1] < tDur || p.duration[i] < tDur)) {
            out.merge(p, i);
            i += 2;
        } else {
            out.keep(p, i++);
        }
    }
    out.duration.push_back(p.duration.back());
    return out;
}

VectorPath simplify(VectorPath path, const MultiMatchConfig& config) {
    // The reference loops until its pass count equals the number of durations; a pass that changes
    // nothing changes nothing again, so stopping there gives the same path, and stopping once the
    // count reaches the durations ends the loops where the reference's test is never met.
    for (std::size_t passes = 1;; ++passes) {
        VectorPath next =
            simplifyLength(simplifyDirection(path, config.directionThresholdDeg, config.durationThresholdS),
                           config.amplitudeThresholdPx, config.durationThresholdS);
        const bool unchanged = next == path;
        path = std::move(next);
        if (unchanged || passes >= path.duration.size())
            return path;
    }
}

/// |Δ_i − Δ′_j|: the cost of pairing saccade i with saccade j.
double vectorDifference(const VectorPath& a, std::size_t i, const VectorPath& b, std::size_t j) {
    return std::hypot(a.lenX[i] - b.lenX[j], a.lenY[i] - b.lenY[j]);
}

/// The cheapest monotone path (steps right, down, diagonal) from (0, 0) to (n−1, m−1), the cost being
/// the sum of vectorDifference over the cells entered. Returns the cells in order.
std::vector<std::pair<std::size_t, std::size_t>> align(const VectorPath& a, const VectorPath& b) {
    const std::size_t n = a.saccades(), m = b.saccades();
    enum : std::uint8_t { Diagonal, Up, Left };
    std::vector<std::uint8_t> from(n * m, Diagonal);
    std::vector<double> previous(m), current(m);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < m; ++j) {
            if (i == 0 && j == 0) {
                current[0] = 0.0;
                continue;
            }
            // On the first row or column only one step leads here; inside, the cheapest (the diagonal on
            // ties). Costs are finite (multiMatch refuses infinite saccades), but the border steps do not
            // rely on it.
            std::uint8_t step = i == 0 ? Left : j == 0 ? Up : Diagonal;
            double best = i == 0 ? current[j - 1] : j == 0 ? previous[j] : previous[j - 1];
            if (i > 0 && j > 0) {
                if (previous[j] < best) {
                    best = previous[j];
                    step = Up;
                }
                if (current[j - 1] < best) {
                    best = current[j - 1];
                    step = Left;
                }
            }
            current[j] = best + vectorDifference(a, i, b, j);
            from[i * m + j] = step;
        }
        std::swap(previous, current);
    }
    std::vector<std::pair<std::size_t, std::size_t>> path;
    std::size_t i = n - 1, j = m - 1;
    while (true) {
        path.emplace_back(i, j);
        if (i == 0 && j == 0)
            break;
        switch (from[i * m + j]) {
        case Diagonal:
            --i, --j;
            break;
        case Up:
            --i;
            break;
        case Left:
            --j;
            break;
        }
    }
    std::reverse(path.begin(), path.end());
    return path;
}

/// numpy's median: the mean of the two middle values for an even count; NaN if any value is NaN.
double median(std::vector<double> values) {
    if (values.empty() || std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); }))
        return kMissing;
    const std::size_t middle = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
    const double upper = values[middle];
    if (values.size() % 2 == 1)
        return upper;
    return 0.5 *
           (upper + *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle)));
}

/// An angle from atan2 in [0, 2π).
double positiveAngle(double theta) {
    return theta < 0.0 ? 2.0 * kPi + theta : theta;
}

} // namespace

Status checkMultiMatchConfig(const MultiMatchConfig& config) {
    const auto positive = [](double v) {
        return std::isfinite(v) && v > 0.0;
    };
    if (!positive(config.screenWidth) || !positive(config.screenHeight))
        return Status::invalidArgument("the screen size must be positive").atField("screen");
    const auto threshold = [](double v) {
        return std::isfinite(v) && v >= 0.0;
    };
    if (!threshold(config.directionThresholdDeg))
        return Status::invalidArgument("must be a non-negative angle in degrees")
            .atField("direction_threshold");
    if (!threshold(config.durationThresholdS))
        return Status::invalidArgument("must be a non-negative duration in seconds")
            .atField("duration_threshold");
    if (!threshold(config.amplitudeThresholdPx))
        return Status::invalidArgument("must be a non-negative length in pixels")
            .atField("amplitude_threshold");
    return Status::ok();
}

Expected<MultiMatchResult> multiMatch(const Scanpath& a, const Scanpath& b, const MultiMatchConfig& config) {
    if (Status checked = checkMultiMatchConfig(config); !checked.isOk())
        return checked;
    MultiMatchResult result;
    if (a.fixations.size() < 3 || b.fixations.size() < 3)
        return result;
    for (const Scanpath* path : {&a, &b})
        for (const Fixation& f : path->fixations)
            if (!std::isfinite(f.x) || !std::isfinite(f.y))
                return Status::invalidArgument("a fixation has no finite position")
                    .atField(path == &a ? "first scanpath" : "second scanpath");
    if (config.simplify && (!a.hasDurations() || !b.hasDurations()))
        return Status::invalidArgument("simplification merges by fixation duration; a scanpath has none")
            .atField("simplify");
    // The alignment keeps one direction byte per saccade pair.
    if (static_cast<double>(a.fixations.size()) * static_cast<double>(b.fixations.size()) > kMaxAlignedPairs)
        return Status::invalidArgument(
            "the scanpaths are too long to align (more than 4·10^8 saccade pairs)");

    VectorPath first = toVectors(a), second = toVectors(b);
    if (config.simplify) {
        first = simplify(std::move(first), config);
        second = simplify(std::move(second), config);
    }
    // Finite positions can still be too far apart for a double (1e308 − (−1e308)).
    for (const VectorPath* path : {&first, &second})
        for (std::size_t k = 0; k < path->saccades(); ++k)
            if (!std::isfinite(path->rho[k]) || !std::isfinite(path->lenX[k]) ||
                !std::isfinite(path->lenY[k]))
                return Status::invalidArgument("a saccade is longer than a double can hold")
                    .atField(path == &first ? "first scanpath" : "second scanpath");
    const bool durations = a.hasDurations() && b.hasDurations();
    const auto path = align(first, second);
    std::vector<double> vector, direction, length, position, duration;
    for (const auto& [i, j] : path) {
        vector.push_back(vectorDifference(first, i, second, j));
        double turn = std::abs(positiveAngle(first.theta[i]) - positiveAngle(second.theta[j]));
        if (turn > kPi)
            turn = 2.0 * kPi - turn;
        direction.push_back(turn);
        length.push_back(std::abs(first.rho[i] - second.rho[j]));
        position.push_back(std::hypot(first.x[i] - second.x[j], first.y[i] - second.y[j]));
        const double d1 = first.duration[i], d2 = second.duration[j];
        duration.push_back(durations ? std::abs(d1 - d2) / std::abs(std::max(d1, d2)) : kMissing);
    }
    const double diagonal = std::hypot(config.screenWidth, config.screenHeight);
    result.vector = 1.0 - median(vector) / (2.0 * diagonal);
    result.direction = 1.0 - median(direction) / kPi;
    result.length = 1.0 - median(length) / diagonal;
    result.position = 1.0 - median(position) / diagonal;
    result.duration = 1.0 - median(duration);
    result.alignedPairs = static_cast<int>(path.size());
    return result;
}

} // namespace attnscope::scanpath
