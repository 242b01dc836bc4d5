#!/usr/bin/env python3
"""ddw-times.py TRACE: the DDW remove and re-create of a bigwin run, from a
spapr_iommu trace written with timestamps (-msg timestamp=on: PID@SEC.USEC:EVENT).
Prints "calls=N clear_ms=C remove_ms=R [recreate_ms=A]":
  N, C  Linux's clear of the window before it removes it: N H_STUFF_TCE calls
        of 512 entries (spapr_iommu_pci_stuff on the removed LIOBN), C from
        the first call's event to the last's (each event is written when its
        call returns: C leaves out the first call and counts in the guest's
        time between calls);
  R     from the first of those events to ddw_remove (the clear and the RTAS call);
  A     from the ddw_query that follows to the last H_PUT_TCE(_INDIRECT) on
        the new window's LIOBN before anything else happens on it: the window
        made and the guest's memory mapped into it; only with a trace that has
        those events (make qemu-bench traces spapr_iommu_pci_stuff,
        ddw_remove and ddw_create alone, and takes N and C)."""
import re, sys

EV = re.compile(r"^\d+@(\d+\.\d+):(spapr_iommu_\w+) (.*)$")

def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    evs = []
    with open(sys.argv[1]) as f:
        for line in f:
            m = EV.match(line)
            if m:
                evs.append((float(m.group(1)), m.group(2), m.group(3)))
    rm = next((i for i, e in enumerate(evs) if e[1] == "spapr_iommu_ddw_remove"), None)
    if rm is None:
        sys.exit("ddw-times: no ddw_remove in " + sys.argv[1])
    liobn = re.search(r"liobn=(0x[0-9a-f]+)", evs[rm][2]).group(1)
    first = rm
    while first > 0 and evs[first - 1][1] == "spapr_iommu_pci_stuff" and \
            ("liobn=%s " % liobn) in evs[first - 1][2]:
        first -= 1
    calls = rm - first
    if not calls:
        sys.exit("ddw-times: no H_STUFF_TCE right before the ddw_remove of " + liobn)
    q = next((i for i in range(rm, len(evs)) if evs[i][1] == "spapr_iommu_ddw_query"), None)
    c = next((i for i in range(rm, len(evs)) if evs[i][1] == "spapr_iommu_ddw_create"), None)
    out = "calls=%d clear_ms=%.1f remove_ms=%.1f" % (
        calls, (evs[rm - 1][0] - evs[first][0]) * 1e3, (evs[rm][0] - evs[first][0]) * 1e3)
    if q is not None and c is not None:
        new = re.search(r"liobn=(0x[0-9a-f]+)", evs[c][2]).group(1)
        last = c
        for i in range(c + 1, len(evs)):
            if ("liobn=%s " % new) not in evs[i][2]:
                continue
            if evs[i][1] in ("spapr_iommu_pci_indirect", "spapr_iommu_pci_put"):
                last = i
            else:
                break
        out += " recreate_ms=%.1f" % ((evs[last][0] - evs[q][0]) * 1e3)
    print(out)

main()
