/*
 * Whether a notifier is registered on a region, seen as a caller sees it:
 * through the region's list (IOMMU_NOTIFIER_FOREACH). Shared by the tests
 * and the fuzzers.
 */
#ifndef SWIFTTCE_NOTIFIER_ON_H
#define SWIFTTCE_NOTIFIER_ON_H

#include <stdbool.h>

#include "swifttce.h"

static inline bool notifier_on(IOMMUMemoryRegion *mr, const IOMMUNotifier *n)
{
    IOMMUNotifier *cur;

    IOMMU_NOTIFIER_FOREACH(cur, mr) {
        if (cur == n) {
            return true;
        }
    }
    return false;
}

#endif /* SWIFTTCE_NOTIFIER_ON_H */
