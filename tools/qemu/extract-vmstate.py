#!/usr/bin/env python3
"""extract-vmstate.py STREAM OUTDIR TAG [--manifest FILE]
   extract-vmstate.py --verify DIR   (check DIR/MANIFEST against the files: sizes,
                                      sha256, and a decode of every section)
   extract-vmstate.py --sizes STREAM (each spapr_iommu section's LIOBN,
                                      mig_nb_table and bytes, and a sparse
                                      one's sparse_nb_table and nb_mapped;
                                      nothing written: the stream is mapped,
                                      for streams of GiBs)
   extract-vmstate.py --sparse-sizes SPARSE FULL (the sparse sections'
                                      sizes against the same state's full
                                      stream; see sparse_sizes)
   extract-vmstate.py --sparse-corrupt STREAM OUT swap|past|none
                                     (OUT: STREAM with a spapr_iommu_sparse
                                      subsection broken; see sparse_corrupt)

Parse a QEMU 7.2 migration stream (as written by `migrate "exec:cat > STREAM"`)
and write every `spapr_iommu` section's content (the bytes after the section
header up to, not including, the section footer) to
OUTDIR/TAG-<liobn>.bin, gzip-compressed (OUTDIR/TAG-<liobn>.bin.gz, mtime 0)
when the section is bigger than 4 KiB.  A line per section is appended to the
manifest (default OUTDIR/MANIFEST; an existing line for the same file is
replaced).

The stream is parsed as QEMU's migration/savevm.c writes it, not searched:
file magic and version, the configuration section, then every section
(START/PART/END of the iterative "ram" and "spapr/htab" sections, parsed record
by record; FULL sections of devices, parsed with the JSON description the
stream ends with: field sizes, array lengths, structs and subsections), each
followed by its footer, then EOF and the JSON description itself.  Each
spapr_iommu section is decoded (liobn, mig_nb_table, bypass, mig_table,
def_win, subsections spapr_iommu_ex and, from a SwiftTCE QEMU with
sparse-migration=on, spapr_iommu_sparse) and checked against its JSON
description.
"""
import gzip, hashlib, json, os, struct, sys

QEMU_VM_FILE_MAGIC = 0x5145564D
QEMU_VM_FILE_VERSION = 3
QEMU_VM_EOF = 0x00
QEMU_VM_SECTION_START = 0x01
QEMU_VM_SECTION_PART = 0x02
QEMU_VM_SECTION_END = 0x03
QEMU_VM_SECTION_FULL = 0x04
QEMU_VM_SUBSECTION = 0x05
QEMU_VM_VMDESCRIPTION = 0x06
QEMU_VM_CONFIGURATION = 0x07
QEMU_VM_COMMAND = 0x08
QEMU_VM_SECTION_FOOTER = 0x7E

# migration/ram.c
RAM_SAVE_FLAG_FULL = 0x01
RAM_SAVE_FLAG_ZERO = 0x02
RAM_SAVE_FLAG_MEM_SIZE = 0x04
RAM_SAVE_FLAG_PAGE = 0x08
RAM_SAVE_FLAG_EOS = 0x10
RAM_SAVE_FLAG_CONTINUE = 0x20
RAM_SAVE_FLAG_XBZRLE = 0x40
RAM_SAVE_FLAG_HOOK = 0x80
RAM_SAVE_FLAG_COMPRESS_PAGE = 0x100


class StreamError(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.d = data
        self.pos = 0

    def need(self, n):
        if self.pos + n > len(self.d):
            raise StreamError("stream ends at %d, %d bytes wanted" % (len(self.d), n))

    def u8(self):
        self.need(1); v = self.d[self.pos]; self.pos += 1; return v

    def peek8(self):
        self.need(1); return self.d[self.pos]

    def be16(self):
        self.need(2); v, = struct.unpack_from(">H", self.d, self.pos); self.pos += 2; return v

    def be32(self):
        self.need(4); v, = struct.unpack_from(">I", self.d, self.pos); self.pos += 4; return v

    def be64(self):
        self.need(8); v, = struct.unpack_from(">Q", self.d, self.pos); self.pos += 8; return v

    def take(self, n):
        self.need(n); v = self.d[self.pos:self.pos + n]; self.pos += n; return v

    def idstr(self):
        return self.take(self.u8()).decode("ascii")


def find_vmdesc(data):
    """The JSON description: QEMU_VM_VMDESCRIPTION, be32 length, JSON, at the
    very end of the stream (after QEMU_VM_EOF)."""
    nul = data.rfind(b"\0")
    j = data.find(b"{", nul)
    if j < 5 or data[j - 5] != QEMU_VM_VMDESCRIPTION:
        raise StreamError("no JSON description at the end of the stream")
    n, = struct.unpack_from(">I", data, j - 4)
    if j + n != len(data):
        raise StreamError("JSON description length %d does not reach the end" % n)
    return j - 5, json.loads(data[j:j + n])


class Parser:
    def __init__(self, data, log=None):
        self.r = Reader(data)
        self.log = log or (lambda *a: None)
        self.sections = {}          # section_id -> (idstr, instance_id, version_id)
        self.ram_blocks = {}        # idstr -> used_length
        self.ram_block = None
        self.page_size = 4096
        self.found = []             # spapr_iommu sections
        self.found_at = []          # where each one's body starts
        self.desc_end, self.vmdesc = find_vmdesc(data)
        self.page_size = self.vmdesc.get("page_size", 4096)
        self.devices = list(self.vmdesc["devices"])
        self.next_dev = 0

    # --- iterative sections -------------------------------------------------
    def ram(self, kind):
        r = self.r
        if kind == QEMU_VM_SECTION_START:
            v = r.be64()
            if not v & RAM_SAVE_FLAG_MEM_SIZE:
                raise StreamError("ram START without RAM_SAVE_FLAG_MEM_SIZE")
            total = v & ~(self.page_size - 1)
            while total > 0:
                name = r.idstr()
                length = r.be64()
                self.ram_blocks[name] = length
                total -= length
            if total != 0:
                raise StreamError("ram block lengths do not add up to the total")
        while True:
            v = r.be64()
            flags = v & (self.page_size - 1)
            if flags & RAM_SAVE_FLAG_EOS:
                if flags & ~RAM_SAVE_FLAG_EOS:
                    raise StreamError("ram: EOS with other flags 0x%x" % flags)
                return
            if kind == QEMU_VM_SECTION_START and flags & RAM_SAVE_FLAG_MEM_SIZE:
                raise StreamError("ram: a second MEM_SIZE")
            if flags & (RAM_SAVE_FLAG_ZERO | RAM_SAVE_FLAG_PAGE |
                        RAM_SAVE_FLAG_COMPRESS_PAGE | RAM_SAVE_FLAG_XBZRLE):
                if not flags & RAM_SAVE_FLAG_CONTINUE:
                    self.ram_block = r.idstr()
                    if self.ram_block not in self.ram_blocks:
                        raise StreamError("ram: unknown block %r" % self.ram_block)
                elif self.ram_block is None:
                    raise StreamError("ram: CONTINUE before any block")
                addr = v & ~(self.page_size - 1)
                if addr >= self.ram_blocks[self.ram_block]:
                    raise StreamError("ram: page 0x%x past block %s" % (addr, self.ram_block))
            kind_flags = flags & ~RAM_SAVE_FLAG_CONTINUE
            if kind_flags == RAM_SAVE_FLAG_ZERO:
                r.u8()
            elif kind_flags == RAM_SAVE_FLAG_PAGE:
                r.take(self.page_size)
            elif kind_flags == RAM_SAVE_FLAG_COMPRESS_PAGE:
                r.take(r.be32())
            elif kind_flags == RAM_SAVE_FLAG_XBZRLE:
                r.u8(); r.take(r.be16())
            else:
                raise StreamError("ram: record flags 0x%x not handled" % flags)

    def htab(self, kind):
        # hw/ppc/spapr.c htab_save_setup/iterate/complete
        r = self.r
        hdr = r.be32()
        if kind == QEMU_VM_SECTION_START or hdr == 0xFFFFFFFF:
            return
        if hdr != 0:
            raise StreamError("spapr/htab: iteration header 0x%x" % hdr)
        while True:
            index = r.be32(); n_valid = r.be16(); n_invalid = r.be16()
            if index == 0 and n_valid == 0 and n_invalid == 0:
                return
            r.take(16 * n_valid)     # HASH_PTE_SIZE_64

    # --- device sections, by their JSON description -------------------------
    def vmsd(self, desc):
        r = self.r
        for f in desc.get("fields", []):
            n = f.get("array_len", 1)
            if "struct" in f:
                for _ in range(n):
                    self.vmsd(f["struct"])
            else:
                r.take(f["size"] * n)
        subs = {s["vmsd_name"]: s for s in desc.get("subsections", [])}
        seen = []
        while r.pos < len(r.d) and r.peek8() == QEMU_VM_SUBSECTION:
            # As vmstate_subsection_load: a subsection whose name does not
            # start with this description's name belongs to an outer one.
            n = r.d[r.pos + 1]
            name = bytes(r.d[r.pos + 2:r.pos + 2 + n]).decode("ascii")
            if not name.startswith(desc.get("vmsd_name", desc.get("name", ""))):
                break
            r.u8(); r.idstr()
            version = r.be32()
            if name not in subs:
                raise StreamError("subsection %s not in the JSON description of %s"
                                  % (name, desc.get("vmsd_name")))
            if version != subs[name]["version"]:
                raise StreamError("subsection %s version %d, JSON says %d"
                                  % (name, version, subs[name]["version"]))
            seen.append(name)
            self.vmsd(subs[name])
        if seen != [s["vmsd_name"] for s in desc.get("subsections", [])]:
            raise StreamError("subsections %s, JSON says %s" % (seen, list(subs)))

    def configuration(self):
        # migration/savevm.c vmstate_configuration: be32 len, name; subsections
        r = self.r
        name = r.take(r.be32()).decode("ascii")
        while r.peek8() == QEMU_VM_SUBSECTION:
            r.u8()
            sub = r.idstr(); r.be32()
            if sub == "configuration/target-page-bits":
                self.page_size = 1 << r.be32()
            elif sub == "configuration/capabilities":
                for _ in range(r.be32()):
                    r.idstr()
            elif sub == "configuration/uuid":
                r.take(16)
            else:
                raise StreamError("configuration subsection %s not handled" % sub)
        return name

    def footer(self, section_id):
        r = self.r
        t = r.u8()
        if t != QEMU_VM_SECTION_FOOTER:
            raise StreamError("no footer after section %d at %d (0x%02x)" % (section_id, r.pos - 1, t))
        sid = r.be32()
        if sid != section_id:
            raise StreamError("footer of section %d after section %d" % (sid, section_id))

    def run(self):
        r = self.r
        if r.be32() != QEMU_VM_FILE_MAGIC:
            raise StreamError("not a QEMU migration stream (magic)")
        v = r.be32()
        if v != QEMU_VM_FILE_VERSION:
            raise StreamError("stream version %d, not %d" % (v, QEMU_VM_FILE_VERSION))
        if r.peek8() == QEMU_VM_CONFIGURATION:
            r.u8()
            self.machine = self.configuration()
            self.log("configuration: machine %s" % self.machine)
        while True:
            t = r.u8()
            if t == QEMU_VM_EOF:
                break
            if t in (QEMU_VM_SECTION_START, QEMU_VM_SECTION_FULL):
                sid = r.be32(); name = r.idstr(); inst = r.be32(); ver = r.be32()
                self.sections[sid] = (name, inst, ver)
                start = r.pos
            elif t in (QEMU_VM_SECTION_PART, QEMU_VM_SECTION_END):
                sid = r.be32()
                if sid not in self.sections:
                    raise StreamError("PART/END of unknown section %d" % sid)
                name, inst, ver = self.sections[sid]
                start = r.pos
            elif t == QEMU_VM_COMMAND:
                cmd = r.be16(); r.take(r.be16())
                self.log("command %d" % cmd)
                continue
            else:
                raise StreamError("section type 0x%02x at %d" % (t, r.pos - 1))
            if name == "ram":
                self.ram(t)
            elif name == "spapr/htab":
                self.htab(t)
            elif t == QEMU_VM_SECTION_FULL:
                if self.next_dev >= len(self.devices):
                    raise StreamError("section %s has no JSON description" % name)
                desc = self.devices[self.next_dev]; self.next_dev += 1
                if (desc["name"], desc["instance_id"], desc["version"]) != (name, inst, ver):
                    raise StreamError("section %s/%d v%d, JSON has %s/%d v%d" %
                                      (name, inst, ver, desc["name"], desc["instance_id"], desc["version"]))
                self.vmsd(desc)
                if name == "spapr_iommu":
                    self.found.append((inst, ver, bytes(r.d[start:r.pos]), desc))
                    self.found_at.append(start)
            else:
                raise StreamError("iterative section %s not handled" % name)
            self.footer(sid)
        if self.next_dev != len(self.devices):
            raise StreamError("%d JSON devices without a section" % (len(self.devices) - self.next_dev))
        if r.pos != self.desc_end:
            raise StreamError("%d bytes between EOF and the JSON description" % (self.desc_end - r.pos))


def decode_iommu(liobn, version, body, desc):
    """hw/ppc/spapr_iommu.c vmstate_spapr_tce_table (version 3) as observed."""
    r = Reader(body)
    out = {"liobn": liobn, "version_id": version}
    fields = [f["name"] for f in desc["fields"]]
    sizes = {f["name"]: (f["size"], f.get("array_len", 1)) for f in desc["fields"]}
    if r.be32() != liobn:
        raise StreamError("liobn field differs from the instance id")
    out["mig_nb_table"] = n = r.be32()
    b = r.u8()
    if b > 1:
        raise StreamError("bypass is %d" % b)
    out["bypass"] = b
    entries = [r.be64() for _ in range(n)]
    out["nonzero"] = sum(1 for e in entries if e)
    if version >= 3:
        out["def_win"] = r.u8()
    expect = ["liobn", "mig_nb_table", "bypass"] + (["mig_table"] if n else []) + \
             (["def_win"] if version >= 3 else [])
    if fields != expect:
        raise StreamError("JSON fields %s, decoded %s" % (fields, expect))
    if sizes["liobn"] != (4, 1) or sizes["mig_nb_table"] != (4, 1) or sizes["bypass"] != (1, 1):
        raise StreamError("JSON field sizes %s" % sizes)
    if n and sizes["mig_table"] != (8, n):
        raise StreamError("JSON mig_table %s, mig_nb_table %d" % (sizes["mig_table"], n))
    out["ex"] = None
    out["sparse"] = None
    seen = []
    while r.pos < len(body):
        if r.u8() != QEMU_VM_SUBSECTION:
            raise StreamError("bytes after the fields that are no subsection")
        name = r.idstr()
        sv = r.be32()
        if name == "spapr_iommu_ex" and not seen:
            out["ex"] = {"version": sv, "bus_offset": r.be64(), "page_shift": r.be32()}
        elif name == "spapr_iommu_sparse" and "spapr_iommu_sparse" not in seen:
            out["sparse"] = decode_sparse(r, sv, n, out)
        else:
            raise StreamError("subsection %s after %s" % (name, seen))
        seen.append(name)
    subs = [s["vmsd_name"] for s in desc.get("subsections", [])]
    if subs != seen:
        raise StreamError("JSON subsections %s, decoded %s" % (subs, seen))
    sp = [s for s in desc.get("subsections", []) if s["vmsd_name"] == "spapr_iommu_sparse"]
    if out["sparse"] and sp and "fields" in sp[0]:
        got = [(f["name"], f["size"]) for f in sp[0]["fields"]]
        want = [("nb_table", 4), ("nb_mapped", 4), ("mapped", 16 * out["sparse"]["nb_mapped"])]
        if got != want:
            raise StreamError("JSON spapr_iommu_sparse fields %s, decoded %s" % (got, want))
    return out


def decode_sparse(r, version, mig_nb_table, out):
    """The opt-in spapr_iommu_sparse subsection (SwiftTCE QEMU, qemu/0004):
    be32 nb_table, be32 nb_mapped, nb_mapped (be64 index, be64 TCE) pairs,
    indexes strictly ascending and below nb_table, TCEs non-zero; the main
    fields' mig_nb_table is then 0."""
    if version != 1:
        raise StreamError("spapr_iommu_sparse version %d" % version)
    if mig_nb_table:
        raise StreamError("spapr_iommu_sparse beside %d mig_table entries" % mig_nb_table)
    nb_table = r.be32(); nb_mapped = r.be32()
    at = r.pos
    last = -1
    for _ in range(nb_mapped):
        index = r.be64(); tce = r.be64()
        if index <= last or index >= nb_table or not tce:
            raise StreamError("spapr_iommu_sparse pair (%d, 0x%x) after index %d, nb_table %d"
                              % (index, tce, last, nb_table))
        last = index
    out["nonzero"] = nb_mapped
    return {"version": version, "nb_table": nb_table, "nb_mapped": nb_mapped, "pairs_at": at}


def manifest_line(name, d, body):
    ex = d["ex"]
    return ("%-34s liobn=0x%08x version_id=%d mig_nb_table=%d bypass=%d def_win=%s "
            "ex=%s nonzero=%d bytes=%d sha256=%s" % (
                name, d["liobn"], d["version_id"], d["mig_nb_table"], d["bypass"],
                d.get("def_win", "-"),
                ("bus_offset=0x%x,page_shift=%d" % (ex["bus_offset"], ex["page_shift"])) if ex else "absent",
                d["nonzero"], len(body), hashlib.sha256(body).hexdigest())) + \
        (" sparse=nb_table=%d" % d["sparse"]["nb_table"] if d["sparse"] else "")


def verify(d):
    bad = 0
    with open(os.path.join(d, "MANIFEST")) as f:
        lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    for parts in lines:
        name, kv = parts[0], dict(p.split("=", 1) for p in parts[1:])
        with open(os.path.join(d, name), "rb") as f:
            body = f.read()
        if name.endswith(".gz"):
            body = gzip.decompress(body)
        liobn = int(kv["liobn"], 16)
        n = int(kv["mig_nb_table"])
        fields = [{"name": "liobn", "size": 4}, {"name": "mig_nb_table", "size": 4},
                  {"name": "bypass", "size": 1}]
        if n:
            fields.append({"name": "mig_table", "size": 8, "array_len": n})
        fields.append({"name": "def_win", "size": 1})
        desc = {"fields": fields}
        desc["subsections"] = ([{"vmsd_name": "spapr_iommu_ex"}] if kv["ex"] != "absent" else []) + \
            ([{"vmsd_name": "spapr_iommu_sparse"}] if "sparse" in kv else [])
        try:
            dec = decode_iommu(liobn, int(kv["version_id"]), body, desc)
        except StreamError as e:
            print("%s: %s" % (name, e)); bad += 1; continue
        line = manifest_line(name, dec, body).split()
        if line != [name] + parts[1:]:
            print("%s: manifest says %s, file gives %s" % (name, parts[1:], line[1:])); bad += 1
    print("extract-vmstate: %d sections, %d bad" % (len(lines), bad))
    return bad


def sizes(stream):
    """--sizes: parse a (big) stream mapped, print "liobn=.. mig_nb_table=.. bytes=.." a section."""
    import mmap
    with open(stream, "rb") as f:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        p = Parser(data, log=lambda m: print("extract-vmstate: " + m, file=sys.stderr))
        p.run()
    except StreamError as e:
        return "extract-vmstate: %s: %s" % (stream, e)
    for liobn, version, body, desc in p.found:
        # the fields start liobn, mig_nb_table (hw/ppc/spapr_iommu.c)
        n = struct.unpack_from(">I", body, 4)[0]
        line = "liobn=0x%08x mig_nb_table=%d bytes=%d" % (liobn, n, len(body))
        if not n and any(s["vmsd_name"] == "spapr_iommu_sparse" for s in desc.get("subsections", [])):
            # sparse (small: decoded and checked)
            try:
                sp = decode_iommu(liobn, version, body, desc)["sparse"]
            except StreamError as e:
                return "extract-vmstate: %s: %s" % (stream, e)
            line += " sparse_nb_table=%d nb_mapped=%d" % (sp["nb_table"], sp["nb_mapped"])
        print(line)
    return 0 if p.found else "extract-vmstate: %s: no spapr_iommu section" % stream


def sparse_sizes(sparse, full):
    """--sparse-sizes: SPARSE (saved with sparse-migration=on) against FULL,
    the same state in QEMU 7.2's format: each enabled window's section is
    sparse (mig_nb_table 0, spapr_iommu_sparse with the window's nb_table),
    carries as many pairs as FULL has non-zero entries, and is at most 16
    bytes a mapped entry plus 4 KiB; a disabled one is as in FULL. A line a
    section; 1 when any fails."""
    secs = []
    for stream in (sparse, full):
        with open(stream, "rb") as f:
            p = Parser(f.read())
        p.run()
        secs.append({liobn: (decode_iommu(liobn, v, b, d), len(b)) for liobn, v, b, d in p.found})
    bad = 0
    if sorted(secs[0]) != sorted(secs[1]):
        print("not ok: LIOBNs %s, full stream %s" % (sorted(secs[0]), sorted(secs[1])))
        return 1
    for liobn in sorted(secs[0]):
        (d, size), (fd, fsize) = secs[0][liobn], secs[1][liobn]
        sp, n = d["sparse"], fd["mig_nb_table"]
        if not n:
            ok = not sp and not d["mig_nb_table"]
            what = "disabled: no subsection"
        else:
            limit = 16 * fd["nonzero"] + 4096
            ok = bool(sp) and d["mig_nb_table"] == 0 and sp["nb_table"] == n and \
                sp["nb_mapped"] == fd["nonzero"] and size <= limit
            what = "window %d, %s mapped pairs (full stream: %d non-zero), %d bytes <= %d (full: %d bytes)" % (
                n, sp["nb_mapped"] if sp else "no", fd["nonzero"], size, limit, fsize)
        print("%s liobn=0x%08x %s" % ("ok" if ok else "not ok", liobn, what))
        bad += not ok
    return 1 if bad else 0


def sparse_corrupt(stream, out, kind):
    """--sparse-corrupt: a copy of STREAM whose first spapr_iommu_sparse
    subsection with two pairs or more is broken: "swap" its first two pairs
    (order), "past" its last index made nb_table (out of the window), "none"
    left as it is (to see the check that expects a refusal fail)."""
    with open(stream, "rb") as f:
        data = bytearray(f.read())
    p = Parser(bytes(data))
    p.run()
    for (liobn, version, body, desc), start in zip(p.found, p.found_at):
        sp = decode_iommu(liobn, version, body, desc)["sparse"]
        if not sp or sp["nb_mapped"] < 2:
            continue
        at = start + sp["pairs_at"]
        if kind == "swap":
            data[at:at + 32] = data[at + 16:at + 32] + data[at:at + 16]
        elif kind == "past":
            last = at + 16 * (sp["nb_mapped"] - 1)
            data[last:last + 8] = struct.pack(">Q", sp["nb_table"])
        elif kind != "none":
            return "extract-vmstate: --sparse-corrupt: kind %s (swap, past, none)" % kind
        with open(out, "wb") as f:
            f.write(data)
        print("liobn=0x%08x nb_table=%d nb_mapped=%d %s" % (liobn, sp["nb_table"], sp["nb_mapped"], kind))
        return 0
    return "extract-vmstate: %s: no spapr_iommu_sparse subsection with two pairs" % stream

def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--verify":
        sys.exit(1 if verify(args[1]) else 0)
    if len(args) == 2 and args[0] == "--sizes":
        sys.exit(sizes(args[1]))
    if len(args) == 3 and args[0] == "--sparse-sizes":
        sys.exit(sparse_sizes(*args[1:]))
    if len(args) == 4 and args[0] == "--sparse-corrupt":
        sys.exit(sparse_corrupt(*args[1:]))
    manifest = None
    if "--manifest" in args:
        i = args.index("--manifest"); manifest = args[i + 1]; del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    stream, outdir, tag = args
    with open(stream, "rb") as f:
        data = f.read()
    try:
        p = Parser(data, log=lambda m: print("extract-vmstate: " + m, file=sys.stderr))
        p.run()
        decoded = [(decode_iommu(i, v, b, d), b) for i, v, b, d in p.found]
    except StreamError as e:
        sys.exit("extract-vmstate: %s: %s" % (stream, e))
    if not decoded:
        sys.exit("extract-vmstate: %s: no spapr_iommu section" % stream)
    os.makedirs(outdir, exist_ok=True)
    manifest = manifest or os.path.join(outdir, "MANIFEST")
    lines = []
    if os.path.exists(manifest):
        with open(manifest) as f:
            lines = [l.rstrip("\n") for l in f]
    for d, body in decoded:
        name = "%s-0x%08x.bin" % (tag, d["liobn"])
        for old in (name, name + ".gz"):
            if os.path.exists(os.path.join(outdir, old)):
                os.remove(os.path.join(outdir, old))
        if len(body) > 4096:
            name += ".gz"
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(gzip.compress(body, 9, mtime=0))
        else:
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(body)
        line = manifest_line(name, d, body)
        lines = [l for l in lines if l.split(" ", 1)[0] != name]
        lines.append(line)
        print(line)
    head = [l for l in lines if l.startswith("#")] or [
        "# spapr_iommu vmstate sections taken out of QEMU 7.2 migration streams by",
        "# tools/qemu/extract-vmstate.py (see README.md): file, the section's LIOBN",
        "# (= instance_id), version_id, fields, spapr_iommu_ex subsection (absent, or",
        "# its bus_offset and page_shift), non-zero mig_table entries, section bytes",
        "# and the sha256 of those bytes (uncompressed)."]
    body_lines = sorted(l for l in lines if l and not l.startswith("#"))
    with open(manifest, "w") as f:
        f.write("\n".join(head + body_lines) + "\n")


if __name__ == "__main__":
    main()
