// Counts heap allocations for the tests by defining malloc and its relatives in the test program:
// a definition in the executable takes the place of the C library's for every caller, and each
// one forwards to glibc's own entry points (__libc_malloc, …), so memory is allocated and freed
// exactly as before. Only threads whose engine tag (cnn_thread_tag) matches the armed tag count.

#include "allocation_counter.h"
#include "cnn_kernels.h"

#if defined(__linux__) && defined(__GLIBC__)
#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static volatile int armed_tag;
static long counted;

static void count(void) {
    int tag = armed_tag;
    if (tag != 0 && cnn_thread_tag() == tag) __atomic_fetch_add(&counted, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t n) { count(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(); return __libc_realloc(p, n); }
void *memalign(size_t align, size_t n) { count(); return __libc_memalign(align, n); }
void *aligned_alloc(size_t align, size_t n) { count(); return __libc_memalign(align, n); }

int posix_memalign(void **out, size_t align, size_t n) {
    count();
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void allocation_counter_start(int tag) {
    cnn_set_thread_tag(tag);
    __atomic_store_n(&counted, 0, __ATOMIC_RELAXED);
    armed_tag = tag;
}

long allocation_counter_stop(void) {
    armed_tag = 0;
    cnn_set_thread_tag(0);
    return __atomic_load_n(&counted, __ATOMIC_RELAXED);
}
#else
void allocation_counter_start(int tag) { cnn_set_thread_tag(tag); }
long allocation_counter_stop(void) { cnn_set_thread_tag(0); return -1; }
#endif
