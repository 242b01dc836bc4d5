/*
 * SwiftTCE: the sPAPR (PowerPC pSeries) IOMMU for C emulators.
 *
 * The one header a C caller needs. Names, argument orders and numeric values
 * follow QEMU so that code written against QEMU reads the same here.
 */
#ifndef SWIFTTCE_H
#define SWIFTTCE_H

/*
 * The package's version (the Makefile's SWIFTTCE_VERSION); swifttce/host.h
 * defines the same macros, identically, so either header may come first.
 */
#define SWIFTTCE_VERSION_MAJOR 0
#define SWIFTTCE_VERSION_MINOR 3
#define SWIFTTCE_VERSION_PATCH 0
#define SWIFTTCE_VERSION "0.3.0"

#include "swifttce/memory.h"
#include "swifttce/spapr_tce.h"
#include "swifttce/spapr_vio.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of libswifttce.so that was loaded (SWIFTTCE_VERSION as it was
 * built; a static string), for a caller that compares it with the header's
 * SWIFTTCE_VERSION. Its own name, not host mode's swifttce_version: the two
 * shared objects each carry an engine and may be loaded into one process,
 * and each name must reach the library it asks about.
 */
const char *swifttce_standalone_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_H */
