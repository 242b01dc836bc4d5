/*
 * SwiftTCE: the sPAPR (PowerPC pSeries) IOMMU for C emulators.
 *
 * The one header a C caller needs. Names, argument orders and numeric values
 * follow QEMU so that code written against QEMU reads the same here.
 */
#ifndef SWIFTTCE_H
#define SWIFTTCE_H

#include "swifttce/memory.h"
#include "swifttce/spapr_tce.h"
#include "swifttce/spapr_vio.h"

#endif /* SWIFTTCE_H */
