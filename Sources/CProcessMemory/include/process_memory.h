#ifndef WADIAL_PROCESS_MEMORY_H
#define WADIAL_PROCESS_MEMORY_H

/// Caps the number of malloc arenas (glibc's M_ARENA_MAX). 1 when applied, 0 where the C library
/// has no such control (not glibc) or refused it.
int wadial_limit_malloc_arenas(int count);

/// Returns free heap memory of every arena to the system (glibc's malloc_trim). 1 when memory
/// was released, 0 when there was none to release or the C library cannot.
int wadial_release_free_memory(void);

#endif
