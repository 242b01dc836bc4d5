/* The definitions the engine's shim needs (swifttce_engine_shim.h). */
#include "swifttce_engine_shim.h"

__thread struct swifttce_reader tce_engine_reader
    __attribute__((tls_model("initial-exec")));

uint64_t tce_engine_epoch = 1;

pthread_mutex_t tce_engine_once_lock = PTHREAD_MUTEX_INITIALIZER;
void *tce_engine_singletons[SWIFTTCE_SINGLETONS];
