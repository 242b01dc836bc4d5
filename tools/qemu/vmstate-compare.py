#!/usr/bin/env python3
"""vmstate-compare.py QEMU_SRC REF REF2 OTHER [ORIG]
Compare migration streams saved from the same stopped machine state: REF and
REF2 by the reference QEMU (Debian's) twice, OTHER by the QEMU under test,
ORIG (optional) the stream they all loaded.
  1. sections: every spapr_iommu section (tools/qemu/extract-vmstate.py's
     parser) of OTHER (and ORIG) is byte-identical to REF's, same LIOBNs;
  2. analyze: QEMU's own scripts/analyze-migration.py (from QEMU_SRC) reads
     each stream; the fields where OTHER differs from REF must be fields where
     REF2 differs from REF too (what changes between two saves of the same
     state by the same binary, such as the host time of the save).
Prints one line per check ("ok ..." or "not ok ...", details after "#") and
exits 1 when any fails."""
import importlib.util, json, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("extract_vmstate", os.path.join(HERE, "extract-vmstate.py"))
ev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ev)

failed = 0
ANALYZE_MAX_ENTRIES = 1 << 24

def result(ok, what, details=()):
    global failed
    print(("ok " if ok else "not ok ") + what)
    for d in details:
        print("# " + d)
    failed += not ok

def sections(path):
    with open(path, "rb") as f:
        p = ev.Parser(f.read(), log=lambda m: None)
    p.run()
    out = {}
    for liobn, version, body, desc in p.found:
        d = ev.decode_iommu(liobn, version, body, desc)
        out[d["liobn"]] = (body, d)
    return out

def describe(d):
    return "bypass=%d def_win=%d mig_nb_table=%d" % (d["bypass"], d["def_win"], d["mig_nb_table"])

def compare_sections(ref, other, name):
    a, b = sections(ref), sections(other)
    if not a:
        result(False, "%s: spapr_iommu sections" % name, ["the reference stream has none"])
        return
    notes = []
    if sorted(a) != sorted(b):
        notes.append("LIOBNs: reference %s, %s %s" % (
            " ".join("0x%x" % l for l in sorted(a)), name, " ".join("0x%x" % l for l in sorted(b))))
    for liobn in sorted(set(a) & set(b)):
        x, y = a[liobn][0], b[liobn][0]
        if x != y:
            at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
            notes.append("0x%x: %d bytes against %d, first difference at byte %d (%s against %s)" % (
                liobn, len(x), len(y), at, describe(a[liobn][1]), describe(b[liobn][1])))
    result(not notes, "%s: %d spapr_iommu sections byte-identical to the reference's (%s)" % (
        name, len(a), ", ".join("0x%x %s" % (l, describe(a[l][1])) for l in sorted(a))), notes)

def flatten(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, path + "/" + str(k), out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            flatten(x, "%s[%d]" % (path, i), out)
    else:
        out[path] = v
    return out

def analyze(src, stream):
    script = os.path.join(src, "scripts", "analyze-migration.py")
    r = subprocess.run([sys.executable, script, "-f", stream], capture_output=True, text=True)
    if r.returncode < 0:
        raise RuntimeError("analyze-migration.py -f %s: killed by signal %d%s" % (
            stream, -r.returncode, " (out of memory?)" if r.returncode == -9 else ""))
    if r.returncode != 0:
        raise RuntimeError("analyze-migration.py -f %s: %s" % (stream, r.stderr.strip()[-300:]))
    # Its keys are "NAME (section_id)"; section ids number the sections in
    # the order a process registered them, which may change between
    # binaries and does not matter to a load (it matches sections by name
    # and instance): "NAME #k", the k-th section of that name, instead.
    seen, top = {}, {}
    for key, value in json.loads(r.stdout).items():
        name = re.sub(r" \(\d+\)$", "", key)
        seen[name] = seen.get(name, 0) + 1
        top["%s #%d" % (name, seen[name])] = value
    return flatten(top, "", {})

def differing(a, b):
    return {k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>")}

def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    src, ref, ref2, other = argv[1:5]
    orig = argv[5] if len(argv) == 6 else None
    compare_sections(ref, other, "under test")
    if orig:
        compare_sections(ref, orig, "loaded stream")
    entries = sum(d["mig_nb_table"] for _, d in sections(ref).values())
    if entries > ANALYZE_MAX_ENTRIES:
        # QEMU's script holds every field as JSON: a 2^26-entry window needs
        # more than this machine's 24 GiB (the OOM killer stops it)
        print("ok analyze-migration.py # SKIP %d spapr_iommu entries, more than the "
              "script can hold in memory (%d here)" % (entries, ANALYZE_MAX_ENTRIES))
        return
    try:
        a, a2, b = analyze(src, ref), analyze(src, ref2), analyze(src, other)
    except (RuntimeError, ValueError) as e:
        result(False, "analyze-migration.py reads the streams", [str(e)])
        return
    noise = differing(a, a2)
    extra = sorted(differing(a, b) - noise)
    iommu = sorted(k for k in a if "spapr_iommu" in k)
    result(not extra and iommu != [],
           "analyze-migration.py: %d fields, %d of spapr_iommu; the stream under test differs "
           "only where two reference saves do (%d: %s)" % (
               len(a), len(iommu), len(noise), ", ".join(sorted(noise)[:4]) + (" ..." if len(noise) > 4 else "")),
           ["%s: reference %r, under test %r" % (k, a.get(k, "<absent>"), b.get(k, "<absent>")) for k in extra[:10]]
           + (["(no spapr_iommu field in the reference's analysis)"] if not iommu else []))

if __name__ == "__main__":
    main(sys.argv)
    sys.exit(1 if failed else 0)
