#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

/// Starts counting the heap allocations (malloc, calloc, realloc, aligned_alloc, posix_memalign,
/// memalign) made by the calling thread and by the engine's pool workers while they run the calling
/// thread's jobs (the threads whose cnn_thread_tag() is `tag`, a non-zero number).
void allocation_counter_start(int tag);

/// Stops counting and returns the count since allocation_counter_start, or −1 where allocations
/// cannot be counted (only glibc's allocator is wrapped).
long allocation_counter_stop(void);
#endif
