// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/geometric_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnscope::scanpath {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double distance(const Point& a, const Point& b) {
    return std::hypot(a.x - b.x, a.y - b.y);
}

/// For each point of `from`, the distance to the nearest point of `to`.
std::vector<double> nearestDistances(const std::vector<Point>& from, const std::vector<Point>& to) {
    std::vector<double> nearest;
    nearest.reserve(from.size());
    for (const Point& a : from) {
        double best = kInfinity;
        for (const Point& b : to)
            best = std::min(best, distance(a, b));
        nearest.push_back(best);
    }
    return nearest;
}

} // namespace

std::vector<Point> positions(const Scanpath& path) {
    std::vector<Point> points;
    points.reserve(path.fixations.size());
    for (const Fixation& f : path.fixations)
        points.push_back({f.x, f.y});
    return points;
}

double dynamicTimeWarping(const std::vector<Point>& p, const std::vector<Point>& q) {
    if (p.empty() || q.empty())
        return kMissing;
    // Rows of D(i, ·), with D(0, 0) = 0 and the rest of row and column 0 infinite.
    std::vector<double> previous(q.size() + 1, kInfinity), current(q.size() + 1);
    previous[0] = 0.0;
    for (std::size_t i = 1; i <= p.size(); ++i) {
        current[0] = kInfinity;
        for (std::size_t j = 1; j <= q.size(); ++j)
            current[j] =
                distance(p[i - 1], q[j - 1]) + std::min({previous[j], current[j - 1], previous[j - 1]});
        std::swap(previous, current);
    }
    return previous[q.size()];
}

double discreteFrechet(const std::vector<Point>& p, const std::vector<Point>& q) {
    if (p.empty() || q.empty())
        return kMissing;
    std::vector<double> previous(q.size()), current(q.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
        for (std::size_t j = 0; j < q.size(); ++j) {
            const double d = distance(p[i], q[j]);
            double reach;
            if (i == 0 && j == 0)
                reach = d;
            else if (i == 0)
                reach = current[j - 1];
            else if (j == 0)
                reach = previous[0];
            else
                reach = std::min({previous[j], previous[j - 1], current[j - 1]});
            current[j] = std::max(reach, d);
        }
        std::swap(previous, current);
    }
    return previous[q.size() - 1];
}

double hausdorff(const std::vector<Point>& p, const std::vector<Point>& q) {
    if (p.empty() || q.empty())
        return kMissing;
    const auto forward = nearestDistances(p, q), backward = nearestDistances(q, p);
    return std::max(*std::max_element(forward.begin(), forward.end()),
                    *std::max_element(backward.begin(), backward.end()));
}

double eyenalysis(const std::vector<Point>& p, const std::vector<Point>& q) {
    if (p.empty() || q.empty())
        return kMissing;
    double total = 0.0;
    for (const double d : nearestDistances(p, q))
        total += d;
    for (const double d : nearestDistances(q, p))
        total += d;
    return total / static_cast<double>(std::max(p.size(), q.size()));
}

} // namespace attnscope::scanpath
