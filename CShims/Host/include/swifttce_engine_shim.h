/*
 * Private to the engine: what Swift needs from C that Swift cannot say
 * itself. Every symbol is prefixed swifttce_ (the host libraries define no
 * other C names).
 */
#ifndef SWIFTTCE_ENGINE_SHIM_H
#define SWIFTTCE_ENGINE_SHIM_H

#include <linux/membarrier.h>
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
 * The engine's two words of state in C, hidden and outside swifttce_*:
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
 * Keeps the compiler from moving memory accesses across it; the CPU's side
 * of the bargain is swifttce_membarrier's.
 */
static inline void swifttce_compiler_barrier(void)
{
    __asm__ __volatile__("" ::: "memory");
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

/* mmap's failure value; Swift cannot import the macro's cast. */
static inline void *swifttce_map_failed(void)
{
    return MAP_FAILED;
}

/* ---- Layouts Swift relies on ------------------------------------------ */

/* Swift reads and writes active and the epoch as Atomic<UInt64>. */
_Static_assert(__builtin_offsetof(struct swifttce_reader, active) == 0 &&
               sizeof(struct swifttce_reader) == 16,
               "swifttce_reader: active first, two words");

/* Swift fills SwiftTCEMapping field by field and hands it to C callbacks. */
_Static_assert(sizeof(SwiftTCEMapping) == 32, "SwiftTCEMapping is 4 words");
_Static_assert(sizeof(SwiftTCEHostOps) == 5 * sizeof(void *),
               "SwiftTCEHostOps: size and four hooks");
_Static_assert(sizeof(SwiftTCEPhbOps) == 5 * sizeof(void *),
               "SwiftTCEPhbOps: size and four hooks");
/*
 * The fast path block before a table's state (TCETable.fastPathBytes, the
 * FastGeometry constants): the engine writes what swifttce_lookup_inline
 * reads.
 */
_Static_assert(sizeof(SwiftTCEFastPath) == 16 &&
               _Alignof(SwiftTCEFastPath) <= 16,
               "TCETable.fastPathBytes is 16");
_Static_assert(SWIFTTCE_FAST_COUNT_SHIFT == 41,
               "FastGeometry.countShift is 41");
_Static_assert(SWIFTTCE_FAST_SHIFT_MASK == (1 << 6) - 1,
               "FastGeometry.shiftBits is 6");

/* Atomic<UInt64> over these words (FlatStorage) needs natural alignment. */
_Static_assert(sizeof(uint64_t) == 8 && _Alignof(uint64_t) == 8,
               "TCEs are naturally aligned 64-bit words");

#endif /* SWIFTTCE_ENGINE_SHIM_H */
