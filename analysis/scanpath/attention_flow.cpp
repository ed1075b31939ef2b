// SPDX-License-Identifier: Apache-2.0
#include "attnscope/scanpath/attention_flow.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <thread>

namespace attnscope::scanpath {

namespace {

/// Residual capacities below this are treated as saturated: capacities are attention weights (≤ 1), and
/// chasing paths of 1e-12 would only add rounding noise and time.
constexpr double kEpsilon = 1e-12;

/// Dinic's algorithm on the layered graph, with its working state kept between problems so that each
/// (source, sink) pair costs only what it touches. One solver per thread.
class FlowSolver {
public:
    explicit FlowSolver(const AttentionFlowGraph& graph)
        : m_graph(graph), m_tokens(graph.tokens()), m_layers(graph.layers()),
          m_flow(m_layers, std::vector<double>(m_tokens * m_tokens, 0.0)),
          m_level((m_layers + 1) * m_tokens, -1), m_arc((m_layers + 1) * m_tokens, 0) {
        // Arcs with capacity, listed once: (l, i) → (l − 1, j) downward, and for the residual graph the
        // reverse direction (l − 1, j) → (l, i), usable while that edge carries flow.
        m_down.resize(m_layers + 1);
        m_up.resize(m_layers + 1);
        for (std::size_t l = 0; l <= m_layers; ++l) {
            m_down[l].resize(m_tokens);
            m_up[l].resize(m_tokens);
        }
        for (std::size_t l = 1; l <= m_layers; ++l)
            for (std::size_t i = 0; i < m_tokens; ++i)
                for (std::size_t j = 0; j < m_tokens; ++j)
                    if (graph.capacity(l, i, j) > kEpsilon) {
                        m_down[l][i].push_back(static_cast<uint32_t>(j));
                        m_up[l - 1][j].push_back(static_cast<uint32_t>(i));
                    }
    }

    double solve(std::size_t source, std::size_t sink) {
        m_sinkNode = sink; // layer 0
        const std::size_t sourceNode = m_layers * m_tokens + source;
        double total = 0.0;
        if (m_layers == 0)
            return 0.0; // no edges; attentionFlow refuses an empty stack
        while (buildLevels(sourceNode)) {
            std::fill(m_arc.begin(), m_arc.end(), 0);
            while (true) {
                const double pushed = push(m_layers, source, std::numeric_limits<double>::infinity());
                if (pushed <= kEpsilon)
                    break;
                total += pushed;
            }
        }
        for (const auto& [layer, index] : m_touched)
            m_flow[layer][index] = 0.0;
        m_touched.clear();
        return total;
    }

private:
    std::size_t node(std::size_t layer, std::size_t position) const { return layer * m_tokens + position; }

    /// Residual capacity of (l, i) → (l − 1, j).
    double downResidual(std::size_t l, std::size_t i, std::size_t j) const {
        return m_graph.capacity(l, i, j) - m_flow[l - 1][i * m_tokens + j];
    }
    /// Residual capacity of (l, j) → (l + 1, i): the flow on (l + 1, i) → (l, j), which may be undone.
    double upResidual(std::size_t l, std::size_t j, std::size_t i) const {
        return m_flow[l][i * m_tokens + j];
    }

    /// Breadth-first levels from the source over arcs with residual capacity; false when the sink is
    /// unreachable (the flow is maximal).
    bool buildLevels(std::size_t sourceNode) {
        std::fill(m_level.begin(), m_level.end(), -1);
        m_queue.clear();
        m_queue.push_back(sourceNode);
        m_level[sourceNode] = 0;
        for (std::size_t head = 0; head < m_queue.size(); ++head) {
            const std::size_t current = m_queue[head];
            const std::size_t l = current / m_tokens, i = current % m_tokens;
            if (m_level[node(0, m_sinkNode)] >= 0 && m_level[current] >= m_level[node(0, m_sinkNode)])
                break; // every shortest path is already levelled
            const auto visit = [&](std::size_t next) {
                if (m_level[next] < 0) {
                    m_level[next] = m_level[current] + 1;
                    m_queue.push_back(next);
                }
            };
            if (l > 0)
                for (const uint32_t j : m_down[l][i])
                    if (downResidual(l, i, j) > kEpsilon)
                        visit(node(l - 1, j));
            if (l < m_layers)
                for (const uint32_t k : m_up[l][i])
                    if (upResidual(l, i, k) > kEpsilon)
                        visit(node(l + 1, k));
        }
        return m_level[node(0, m_sinkNode)] >= 0;
    }

    /// One augmenting path along increasing levels from (l, i), at most `limit`; returns what it carried.
    /// m_arc remembers, per node, the first arc not yet found useless in this phase.
    double push(std::size_t l, std::size_t i, double limit) {
        if (l == 0 && i == m_sinkNode)
            return limit;
        const std::size_t here = node(l, i);
        const std::size_t downCount = l > 0 ? m_down[l][i].size() : 0;
        const std::size_t upCount = l < m_layers ? m_up[l][i].size() : 0;
        for (std::size_t& arc = m_arc[here]; arc < downCount + upCount; ++arc) {
            if (arc < downCount) {
                const std::size_t j = m_down[l][i][arc];
                const std::size_t next = node(l - 1, j);
                const double residual = downResidual(l, i, j);
                if (m_level[next] != m_level[here] + 1 || residual <= kEpsilon)
                    continue;
                const double pushed = push(l - 1, j, std::min(limit, residual));
                if (pushed > kEpsilon) {
                    m_flow[l - 1][i * m_tokens + j] += pushed;
                    m_touched.emplace_back(l - 1, i * m_tokens + j);
                    return pushed;
                }
            } else {
                const std::size_t k = m_up[l][i][arc - downCount];
                const std::size_t next = node(l + 1, k);
                const double residual = upResidual(l, i, k);
                if (m_level[next] != m_level[here] + 1 || residual <= kEpsilon)
                    continue;
                const double pushed = push(l + 1, k, std::min(limit, residual));
                if (pushed > kEpsilon) {
                    m_flow[l][k * m_tokens + i] -= pushed;
                    return pushed;
                }
            }
        }
        return 0.0;
    }

    const AttentionFlowGraph& m_graph;
    std::size_t m_tokens, m_layers;
    std::vector<std::vector<double>> m_flow; ///< [L][T * T]: flow on (l + 1, i) → (l, j) at [l][i * T + j]
    std::vector<std::vector<std::vector<uint32_t>>> m_down, m_up;
    std::vector<int> m_level;
    std::vector<std::size_t> m_arc;
    std::vector<std::size_t> m_queue;
    std::vector<std::pair<std::size_t, std::size_t>> m_touched; ///< flow entries to reset after a problem
    std::size_t m_sinkNode = 0;
};

} // namespace

AttentionFlowGraph::AttentionFlowGraph(const std::vector<std::vector<double>>& layers, std::size_t tokens)
    : m_tokens(tokens) {
    const std::size_t n = tokens;
    for (const std::vector<double>& layer : layers) {
        // Ã = rownorm(A + I), as rollout: ½A + ½I for rows that sum to 1, exact for rows that do not.
        std::vector<double> mixed(n * n);
        for (std::size_t i = 0; i < n; ++i) {
            double sum = 0.0;
            for (std::size_t j = 0; j < n; ++j) {
                mixed[i * n + j] = std::max(0.0, layer[i * n + j]) + (i == j ? 1.0 : 0.0);
                sum += mixed[i * n + j];
            }
            for (std::size_t j = 0; j < n; ++j)
                mixed[i * n + j] /= sum;
        }
        m_capacity.push_back(std::move(mixed));
    }
}

double maxAttentionFlow(const AttentionFlowGraph& graph, std::size_t source, std::size_t sink) {
    if (source >= graph.tokens() || sink >= graph.tokens())
        return 0.0;
    FlowSolver solver(graph);
    return solver.solve(source, sink);
}

Expected<std::vector<double>> attentionFlow(const std::vector<std::vector<double>>& layers,
                                            std::size_t tokens, const std::vector<std::size_t>& rows,
                                            const Progress& progress) {
    if (layers.empty())
        return Status::invalidArgument("attention flow needs at least one layer's map").atField("layers");
    for (std::size_t l = 0; l < layers.size(); ++l)
        if (layers[l].size() != tokens * tokens)
            return Status::invalidArgument("layer " + std::to_string(l) + "'s map holds " +
                                           std::to_string(layers[l].size()) + " values, not " +
                                           std::to_string(tokens) + "² = " + std::to_string(tokens * tokens))
                .atField("layers");
    std::vector<std::size_t> sources = rows;
    if (sources.empty())
        for (std::size_t i = 0; i < tokens; ++i)
            sources.push_back(i);
    for (const std::size_t u : sources)
        if (u >= tokens)
            return Status::invalidArgument("row " + std::to_string(u) + " is past the " +
                                           std::to_string(tokens) + " tokens")
                .atField("rows");
    // Each row is one thread's: a row listed twice would be written by two.
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());

    const AttentionFlowGraph graph(layers, tokens);
    std::vector<double> flow(tokens * tokens, 0.0);
    std::atomic<std::size_t> next{0}, done{0};
    std::atomic<bool> stop{false};
    std::mutex progressMutex;
    Status status;
    const auto work = [&] {
        FlowSolver solver(graph);
        for (std::size_t k = next++; k < sources.size() && !stop; k = next++) {
            const std::size_t u = sources[k];
            double* row = flow.data() + u * tokens;
            double sum = 0.0;
            for (std::size_t v = 0; v < tokens; ++v) {
                row[v] = solver.solve(u, v);
                sum += row[v];
            }
            if (sum > 0.0)
                for (std::size_t v = 0; v < tokens; ++v)
                    row[v] /= sum;
            const std::size_t finished = ++done;
            std::lock_guard<std::mutex> lock(progressMutex);
            if (Status s = progress.update(static_cast<float>(finished) / sources.size());
                !s.isOk() && status.isOk()) {
                status = std::move(s);
                stop = true;
            }
        }
    };
    const std::size_t threads =
        std::min<std::size_t>(sources.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < threads; ++t)
        workers.emplace_back(work);
    work();
    for (std::thread& worker : workers)
        worker.join();
    if (!status.isOk())
        return status;
    return flow;
}

} // namespace attnscope::scanpath
