// SPDX-License-Identifier: Apache-2.0
#include "thread_pool.h"

#include "attnscope/kernels/attention.h"

#include <atomic>
#include <memory>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

namespace attnscope::kernels::cpu {

namespace {

void pinToCore(std::thread::native_handle_type handle, int core) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core % static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), &set);
    pthread_setaffinity_np(handle, sizeof(set), &set); // best effort: containers may refuse
#else
    (void)handle;
    (void)core;
#endif
}

std::mutex g_poolMutex;
std::unique_ptr<ThreadPool> g_pool;
int g_requestedThreads = 0;
std::atomic<bool> g_poolBusy{false};

int resolvedThreads() {
    return g_requestedThreads > 0 ? g_requestedThreads
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

} // namespace

ThreadPool::ThreadPool(int threads) : m_threads(std::max(1, threads)) {
    for (int w = 1; w < m_threads; ++w) {
        m_workers.emplace_back([this, w] { workerLoop(w); });
        pinToCore(m_workers.back().native_handle(), w);
    }
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& worker : m_workers)
        worker.join();
}

void ThreadPool::workerLoop(int worker) {
    uint64_t seen = 0;
    while (true) {
        const std::function<void(int64_t, int)>* body = nullptr;
        int64_t units = 0;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop)
                return;
            seen = m_generation;
            body = m_body;
            units = m_units;
        }
        for (int64_t unit = worker; unit < units; unit += m_threads)
            (*body)(unit, worker);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (--m_pending == 0)
                m_done.notify_one();
        }
    }
}

void ThreadPool::run(int64_t units, const std::function<void(int64_t, int)>& body) {
    if (m_threads == 1 || units <= 1) {
        for (int64_t unit = 0; unit < units; ++unit)
            body(unit, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_body = &body;
        m_units = units;
        m_pending = m_threads - 1;
        ++m_generation;
    }
    m_wake.notify_all();
    for (int64_t unit = 0; unit < units; unit += m_threads)
        body(unit, 0);
    std::unique_lock<std::mutex> lock(m_mutex);
    m_done.wait(lock, [&] { return m_pending == 0; });
}

PoolLease::PoolLease() {
    bool expected = false;
    if (!g_poolBusy.compare_exchange_strong(expected, true))
        return; // another call holds the pool: run on this thread alone
    std::lock_guard<std::mutex> lock(g_poolMutex);
    const int threads = resolvedThreads();
    if (!g_pool || g_pool->size() != threads)
        g_pool = std::make_unique<ThreadPool>(threads);
    m_pool = g_pool.get();
}

PoolLease::~PoolLease() {
    if (m_pool)
        g_poolBusy.store(false);
}

void PoolLease::run(int64_t units, const std::function<void(int64_t, int)>& body) {
    if (m_pool) {
        m_pool->run(units, body);
        return;
    }
    for (int64_t unit = 0; unit < units; ++unit)
        body(unit, 0);
}

int PoolLease::workers() const {
    return m_pool ? m_pool->size() : 1;
}

} // namespace attnscope::kernels::cpu

namespace attnscope::kernels {

void setCpuThreads(int threads) {
    std::lock_guard<std::mutex> lock(cpu::g_poolMutex);
    cpu::g_requestedThreads = std::max(0, threads);
}

int cpuThreads() {
    std::lock_guard<std::mutex> lock(cpu::g_poolMutex);
    return cpu::resolvedThreads();
}

} // namespace attnscope::kernels
