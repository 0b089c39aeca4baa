// A persistent pool of worker threads for the engine's parallel phases.
//
// One job at a time: `cnn_parallel(items, fn, ctx)` runs fn(ctx, 0) … fn(ctx, items − 1) on the
// calling thread and up to cnn_max_threads() − 1 workers, which claim items one at a time. Which
// thread runs an item never changes what the item computes, so results do not depend on it.
//
// Claims go through one 64-bit word: generation (24 bits) | items (20 bits) | next item (20 bits).
// A worker claims by compare-and-swap, so a claim is always checked against the items of the job
// it belongs to; a job's function and context are read only after a successful claim, and the job
// cannot end (nor its descriptor change) while a claimed item is unfinished.
//
// After a job, workers spin for a while (SPIN_NS; a step's phases come every few tens of
// microseconds) and then park on a condition variable; the next job wakes them only when some are
// parked.

#include "cnn_kernels.h"
#include "kernels_internal.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

// A worker spins for SPIN_NS after a job before it parks: the phases of a training step come
// closer together than that (a step of the digits network at batch 32 runs 7 jobs in about 1.5 ms),
// so within a step it is rarely woken through the kernel, which costs tens of microseconds. After
// the first YIELD_AFTER_NS it yields the core between checks, so on a busy machine the spinning
// worker does not hold up the thread that will post the next job (or anyone else's).
enum { MAX_WORKERS = 63, ITEM_BITS = 20 };
#define SPIN_NS 400000LL
#define YIELD_AFTER_NS 20000LL
#define ITEM_MASK ((UINT64_C(1) << ITEM_BITS) - 1)

static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static _Atomic uint64_t claim_word;
static _Atomic long done_items;
static _Atomic int parked;
static cnn_task job_fn;
static void *job_ctx;
static int workers_started;
static uint64_t generation;
static _Thread_local int worker_index = -1;
static _Thread_local int thread_tag;
static int job_tag;

void cnn_set_thread_tag(int tag) { thread_tag = tag; }
int cnn_thread_tag(void) { return thread_tag; }

static int work_available(uint64_t v) { return (v & ITEM_MASK) < ((v >> ITEM_BITS) & ITEM_MASK); }

/// Claims and runs items of the current job until none is left.
static void run_items(void) {
    uint64_t v = atomic_load(&claim_word);
    while (work_available(v)) {
        if (!atomic_compare_exchange_weak(&claim_word, &v, v + 1)) continue;
        int own = thread_tag;
        thread_tag = job_tag;
        job_fn(job_ctx, (long)(v & ITEM_MASK));
        thread_tag = own;
        atomic_fetch_add(&done_items, 1);
        v = atomic_load(&claim_word);
    }
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/// Spins until a job has items or SPIN_NS have passed. Timed by the clock rather than counted in
/// pause instructions, whose length varies by a factor of ten between processors.
static void spin_for_work(void) {
    long long start = now_ns();
    for (;;) {
        for (int i = 0; i < 32; i++) {
            if (work_available(atomic_load(&claim_word))) return;
            CPU_RELAX();
        }
        long long spent = now_ns() - start;
        if (spent > SPIN_NS) return;
        // Past the first tens of microseconds, let any other runnable thread have the core.
        if (spent > YIELD_AFTER_NS) sched_yield();
    }
}

static void *worker_main(void *arg) {
    worker_index = (int)(intptr_t)arg;
    cnn_gemm_prepare_thread();
    for (;;) {
        spin_for_work();
        if (!work_available(atomic_load(&claim_word))) {
            pthread_mutex_lock(&park_lock);
            atomic_fetch_add(&parked, 1);
            while (!work_available(atomic_load(&claim_word))) pthread_cond_wait(&park_cond, &park_lock);
            atomic_fetch_sub(&parked, 1);
            pthread_mutex_unlock(&park_lock);
        }
        // Workers beyond the thread limit leave the job to the others.
        if (worker_index + 1 < cnn_max_threads()) run_items();
        else while (work_available(atomic_load(&claim_word))) CPU_RELAX();
    }
    return 0;
}

static void start_workers(int wanted) {
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    while (workers_started < wanted) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&t, &attr, worker_main, (void *)(intptr_t)workers_started);
        pthread_attr_destroy(&attr);
        if (failed) break;
        workers_started++;
    }
}

void cnn_parallel(long items, cnn_task fn, void *ctx) {
    int threads = cnn_max_threads();
    // One item, one thread, a nested call (from inside an item) or another thread's job running:
    // the calling thread does every item itself.
    if (items <= 1 || threads < 2 || worker_index >= 0 || items > (long)ITEM_MASK ||
        pthread_mutex_trylock(&submit_lock) != 0) {
        for (long i = 0; i < items; i++) fn(ctx, i);
        return;
    }
    start_workers(threads - 1);
    job_fn = fn;
    job_ctx = ctx;
    job_tag = thread_tag;
    atomic_store(&done_items, 0);
    generation = (generation + 1) & 0xFFFFFF;
    atomic_store(&claim_word, (generation << (2 * ITEM_BITS)) | ((uint64_t)items << ITEM_BITS));
    if (atomic_load(&parked) > 0) {
        pthread_mutex_lock(&park_lock);
        pthread_cond_broadcast(&park_cond);
        pthread_mutex_unlock(&park_lock);
    }
    worker_index = MAX_WORKERS;  // items that call cnn_parallel again run serially
    run_items();
    worker_index = -1;
    while (atomic_load(&done_items) < items) CPU_RELAX();
    pthread_mutex_unlock(&submit_lock);
}
