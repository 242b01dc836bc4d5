/*
 * The helpers of the standalone library's C test drivers, one header a
 * family (Tests/util/): recording notifiers and entry comparison (shared
 * with Tests/host/), replay held to QEMU's generic walk, tables and their
 * state, guest memory for H_PUT_TCE_INDIRECT, the DDW RTAS calls, and
 * Error and random-seed checks. Also notifier-on.h, which the fuzzers
 * share.
 */
#ifndef SWIFTTCE_TEST_UTIL_H
#define SWIFTTCE_TEST_UTIL_H

#include "swifttce.h"
#include "notifier-on.h"
#include "util/iommu-record.h"
#include "util/replay-oracle.h"
#include "util/tables.h"
#include "util/guest-memory.h"
#include "util/ddw-rtas.h"
#include "util/checks.h"

#endif /* SWIFTTCE_TEST_UTIL_H */
