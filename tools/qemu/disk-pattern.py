#!/usr/bin/env python3
"""disk-pattern.py: the disk data make check-qemu's guests verify.
  fill IMG NAME BYTES       write BYTES of pattern NAME (seeded random bytes:
                            each disk its own) at the start of IMG; print
                            their md5 (what the guest must read)
  md5 IMG OFFSET LEN        md5 of IMG's bytes OFFSET..OFFSET+LEN
  slof-hash IMG BYTES       the hash tools/qemu/slof-io.fs computes over
                            the first BYTES: h = h*31 + w (mod 2^64) over
                            big-endian 64-bit words, in hex"""
import hashlib, random, struct, sys

def main(argv):
    if len(argv) == 5 and argv[1] == "fill":
        data = random.Random("swifttce-" + argv[3]).randbytes(int(argv[4]))
        with open(argv[2], "r+b") as f:
            f.write(data)
        print(hashlib.md5(data).hexdigest())
    elif len(argv) == 5 and argv[1] == "md5":
        with open(argv[2], "rb") as f:
            f.seek(int(argv[3], 0))
            print(hashlib.md5(f.read(int(argv[4], 0))).hexdigest())
    elif len(argv) == 4 and argv[1] == "slof-hash":
        with open(argv[2], "rb") as f:
            data = f.read(int(argv[3], 0))
        h = 0
        for (w,) in struct.iter_unpack(">Q", data):
            h = (h * 31 + w) & 0xFFFFFFFFFFFFFFFF
        print("%x" % h)
    else:
        sys.exit(__doc__)

if __name__ == "__main__":
    main(sys.argv)
