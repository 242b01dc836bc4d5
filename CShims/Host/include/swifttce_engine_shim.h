/*
 * Private to the engine: what Swift needs from C that Swift cannot say
 * itself. Every symbol is prefixed swifttce_ (the host libraries define no
 * other C names).
 */
#ifndef SWIFTTCE_ENGINE_SHIM_H
#define SWIFTTCE_ENGINE_SHIM_H

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../../include/swifttce/host.h"

/*
 * The handle types, completed for Swift only: C sees them opaque, Swift sees
 * distinct pointer types (an incomplete struct would import as one
 * OpaquePointer for all of them). The engine's state lives behind the
 * pointer; these members are never read.
 */
struct SwiftTCETable { unsigned char swifttce_engine_state; };
struct SwiftTCEPhb { unsigned char swifttce_engine_state; };
struct SwiftTCELoad { unsigned char swifttce_engine_state; };

/* ---- Readers (GracePeriod.swift) --------------------------------------- */

/*
 * The calling thread's reader record. Initial-exec TLS: one instruction to
 * reach, in the archive and in a dlopen'ed shared object alike (glibc keeps
 * static TLS room for it).
 */
struct swifttce_reader {
    /* The epoch the thread's current read began in; 0 outside reads. The
     * only field other threads read (as an atomic). */
    uint64_t active;
    /* Non-zero once the record is in the registry (the thread's own). */
    uint64_t registered;
};

/*
 * The engine's state in C, hidden and outside swifttce_*:
 * neither shared object exports them (the export maps), nor does the host
 * archive keep them global (its objcopy step), so a host's own names never
 * meet them.
 */
extern __thread struct swifttce_reader tce_engine_reader
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

static inline struct swifttce_reader *swifttce_reader_self(void)
{
    return &tce_engine_reader;
}

/* The grace periods' epoch: starts at 1, only ever grows. */
extern uint64_t tce_engine_epoch __attribute__((visibility("hidden")));

static inline uint64_t *swifttce_epoch_word(void)
{
    return &tce_engine_epoch;
}

/*
 * The engine's process-wide objects (GracePeriod's registry, the pool of
 * freed tables), made once under this mutex and published in these words
 * (Singleton.swift): pthread's and __atomic's ordering, which
 * ThreadSanitizer sees, where a Swift global's lazy initialisation
 * (swift_once, in the uninstrumented runtime) looks like a race to it.
 */
enum {
    SWIFTTCE_SINGLETON_REGISTRY,
    SWIFTTCE_SINGLETON_TABLE_POOL,
    SWIFTTCE_SINGLETONS
};

extern pthread_mutex_t tce_engine_once_lock __attribute__((visibility("hidden")));
extern void *tce_engine_singletons[SWIFTTCE_SINGLETONS]
    __attribute__((visibility("hidden")));

static inline void swifttce_once_lock(void)
{
    pthread_mutex_lock(&tce_engine_once_lock);
}

static inline void swifttce_once_unlock(void)
{
    pthread_mutex_unlock(&tce_engine_once_lock);
}

static inline void **swifttce_singleton_word(unsigned which)
{
    return &tce_engine_singletons[which];
}

/*
 * Keeps the compiler from moving memory accesses across it; the CPU's side
 * of the bargain is swifttce_membarrier's.
 */
static inline void swifttce_compiler_barrier(void)
{
    __asm__ __volatile__("" ::: "memory");
}

/*
 * Starts bringing a line in, for reading (RadixTree's walks) or writing
 * (H_PUT_TCE's entry, before the table's lock): no fault, no effect on
 * memory, whatever the address.
 */
static inline void swifttce_prefetch(const void *address)
{
    __builtin_prefetch(address, 0, 3);
}

static inline void swifttce_prefetch_for_write(const void *address)
{
    __builtin_prefetch(address, 1, 3);
}

/* membarrier(2): a barrier on every running thread of the process. */
static inline long swifttce_membarrier(int cmd)
{
    return syscall(__NR_membarrier, cmd, 0, 0);
}

enum {
    SWIFTTCE_MEMBARRIER_QUERY = MEMBARRIER_CMD_QUERY,
    SWIFTTCE_MEMBARRIER_PRIVATE_EXPEDITED = MEMBARRIER_CMD_PRIVATE_EXPEDITED,
    SWIFTTCE_MEMBARRIER_REGISTER_PRIVATE_EXPEDITED =
        MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
};

/* ---- Memory (FlatStorage.swift, Reclaim.swift) ------------------------ */

enum {
    SWIFTTCE_MADV_DONTNEED = MADV_DONTNEED,
    SWIFTTCE_MADV_NOHUGEPAGE = MADV_NOHUGEPAGE,
};

/*
 * SWIFTTCE_VERSION as a C string with static storage: Swift imports the
 * macro as a String, which has no lasting C pointer to hand out.
 */
static inline const char *swifttce_version_literal(void)
{
    return SWIFTTCE_VERSION;
}

/* mmap's failure value; Swift cannot import the macro's cast. */
static inline void *swifttce_map_failed(void)
{
    return MAP_FAILED;
}

/* ---- Layouts Swift relies on ------------------------------------------ */

/*
 * Swift sees these structs through the Clang importer, which lays them out
 * as C does; what is asserted here is what Swift assumes beyond that, or
 * what a host built against an older header relies on (each hook where it
 * was: the ops are copied up to the host's size).
 */
#define SWIFTTCE_AT(type, field, offset) \
    (__builtin_offsetof(type, field) == (offset))

/* GracePeriod reads and writes active as an Atomic<UInt64>, by address. */
_Static_assert(SWIFTTCE_AT(struct swifttce_reader, active, 0) &&
               SWIFTTCE_AT(struct swifttce_reader, registered, 8) &&
               sizeof(struct swifttce_reader) == 16,
               "swifttce_reader: active first, two words");

/*
 * MappingBuffer (Window.swift) writes a SwiftTCEMapping as two 16-byte
 * words: iova and translated_addr, then addr_mask and perm with its 4
 * bytes of padding.
 */
_Static_assert(SWIFTTCE_AT(SwiftTCEMapping, iova, 0) &&
               SWIFTTCE_AT(SwiftTCEMapping, translated_addr, 8) &&
               SWIFTTCE_AT(SwiftTCEMapping, addr_mask, 16) &&
               SWIFTTCE_AT(SwiftTCEMapping, perm, 24) &&
               sizeof(SwiftTCEMapping) == 32 &&
               _Alignof(SwiftTCEMapping) == 8,
               "SwiftTCEMapping: the two 16-byte words MappingBuffer writes");

/* swifttce_lookup's answer: two registers, tce then page_mask. */
_Static_assert(SWIFTTCE_AT(SwiftTCELookup, tce, 0) &&
               SWIFTTCE_AT(SwiftTCELookup, page_mask, 8) &&
               sizeof(SwiftTCELookup) == 16,
               "SwiftTCELookup: two words");

/* TCETable.create copies min(size, its own) bytes of the host's ops. */
_Static_assert(SWIFTTCE_AT(SwiftTCEHostOps, size, 0) &&
               SWIFTTCE_AT(SwiftTCEHostOps, notify, 8) &&
               SWIFTTCE_AT(SwiftTCEHostOps, read_guest, 16) &&
               SWIFTTCE_AT(SwiftTCEHostOps, defer_free, 24) &&
               SWIFTTCE_AT(SwiftTCEHostOps, set_error, 32) &&
               SWIFTTCE_AT(SwiftTCEHostOps, notify_range, 40) &&
               sizeof(SwiftTCEHostOps) == 48,
               "SwiftTCEHostOps: size, then the hooks in their order");
/* PHB.create likewise; pick_free_window came last (0.3.0). */
_Static_assert(SWIFTTCE_AT(SwiftTCEPhbOps, size, 0) &&
               SWIFTTCE_AT(SwiftTCEPhbOps, enable_window, 8) &&
               SWIFTTCE_AT(SwiftTCEPhbOps, disable_window, 16) &&
               SWIFTTCE_AT(SwiftTCEPhbOps, window_removed, 24) &&
               SWIFTTCE_AT(SwiftTCEPhbOps, pick_free_window, 32) &&
               sizeof(SwiftTCEPhbOps) == 40,
               "SwiftTCEPhbOps: size, then the hooks in their order");

/* The structs the engine fills for hosts: their ABI. */
_Static_assert(SWIFTTCE_AT(SwiftTCECallTrace, traced, 0) &&
               SWIFTTCE_AT(SwiftTCECallTrace, ioba, 8) &&
               SWIFTTCE_AT(SwiftTCECallTrace, index, 16) &&
               SWIFTTCE_AT(SwiftTCECallTrace, tce, 24) &&
               sizeof(SwiftTCECallTrace) == 32,
               "SwiftTCECallTrace's layout");
_Static_assert(SWIFTTCE_AT(SwiftTCELoadResult, dropped, 0) &&
               SWIFTTCE_AT(SwiftTCELoadResult, made, 1) &&
               SWIFTTCE_AT(SwiftTCELoadResult, old_nb_table, 4) &&
               SWIFTTCE_AT(SwiftTCELoadResult, old_page_shift, 8) &&
               SWIFTTCE_AT(SwiftTCELoadResult, old_bus_offset, 16) &&
               sizeof(SwiftTCELoadResult) == 24,
               "SwiftTCELoadResult's layout");
/*
 * SwiftTCEPhbConfig.liobns (DDW.swift) takes dma_liobn apart into
 * SWIFTTCE_PHB_MAX_WINDOWS values, which the compiler checks there.
 */
_Static_assert(SWIFTTCE_AT(SwiftTCEPhbConfig, dma_liobn, 0) &&
               SWIFTTCE_AT(SwiftTCEPhbConfig, dma_win_addr, 8) &&
               SWIFTTCE_AT(SwiftTCEPhbConfig, dma_win_size, 16) &&
               SWIFTTCE_AT(SwiftTCEPhbConfig, dma64_win_addr, 24) &&
               SWIFTTCE_AT(SwiftTCEPhbConfig, pgsz, 32) &&
               SWIFTTCE_AT(SwiftTCEPhbConfig, ddw, 40) &&
               sizeof(SwiftTCEPhbConfig) == 48,
               "SwiftTCEPhbConfig's layout");

/*
 * The fast path block before a table's state: host.h asserts its layout
 * and the geometry word's fields; the engine takes its size
 * (TCETable.fastPathBytes) and the word's constants (FastGeometry) from
 * there, and puts the state right after it, 16-byte aligned.
 */
_Static_assert(_Alignof(SwiftTCEFastPath) <= 16,
               "TableState follows the block at 16-byte alignment");

/* Atomic<UInt64> over these words (FlatStorage, ExternalStorage) needs
 * natural alignment. */
_Static_assert(sizeof(uint64_t) == 8 && _Alignof(uint64_t) == 8,
               "TCEs are naturally aligned 64-bit words");

#undef SWIFTTCE_AT

#endif /* SWIFTTCE_ENGINE_SHIM_H */
