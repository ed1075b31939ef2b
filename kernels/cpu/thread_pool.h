// SPDX-License-Identifier: Apache-2.0
// The CPU backend's worker threads: one per core, pinned (unpinned threads on this project's 2-vCPU
// machines reach only half the FMA peak, PERFORMANCE.md), with a static schedule so that reductions
// happen in the same order on every run (internal header).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace attnscope::kernels::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return m_threads; }

    /// Runs body(unit, worker) for unit in [0, units): worker w takes units w, w + size(), ... in
    /// order. The caller's thread is worker 0. Returns when every unit is done. Not reentrant.
    void run(int64_t units, const std::function<void(int64_t unit, int worker)>& body);

private:
    void workerLoop(int worker);

    int m_threads;
    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(int64_t, int)>* m_body = nullptr;
    int64_t m_units = 0;
    uint64_t m_generation = 0;
    int m_pending = 0;
    bool m_stop = false;
};

/// The process-wide pool used by the CPU kernels (created on first use; resized by setCpuThreads).
/// Calls that arrive while it is busy run single-threaded instead of waiting.
class PoolLease {
public:
    PoolLease();
    ~PoolLease();
    PoolLease(const PoolLease&) = delete;
    PoolLease& operator=(const PoolLease&) = delete;
    /// Same contract as ThreadPool::run; with no pool leased, runs everything on this thread as worker 0.
    void run(int64_t units, const std::function<void(int64_t unit, int worker)>& body);
    int workers() const;

private:
    ThreadPool* m_pool = nullptr;
};

} // namespace attnscope::kernels::cpu
