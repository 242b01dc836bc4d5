#!/usr/bin/env python3
"""console.py SOCKET LOG FILE [LINE...]: type into a guest console that QEMU
serves on the unix socket SOCKET (-chardev socket,server=on,logfile=LOG):
each line of FILE (blank lines and lines starting with a backslash, Forth
comments, left out), then each LINE. It types a character at a time and
reads what the console sends back all along (SLOF loses input otherwise),
and before the next line waits until the console has echoed the line and
answered " ok" (exit 1 on anything else). The last line is only typed (it
may run for long: the caller watches LOG)."""
import os, select, socket, sys, time

def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sock, log, path = sys.argv[1:4]
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("\\")]
    lines += sys.argv[4:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)

    def drain(seconds):
        end = time.time() + seconds
        while True:
            left = end - time.time()
            if left <= 0:
                return
            if select.select([s], [], [], left)[0] and not s.recv(65536):
                sys.exit("console.py: QEMU closed the console")

    for n, line in enumerate(lines):
        start = os.path.getsize(log)
        for ch in line + "\r":
            s.sendall(ch.encode())
            drain(0.01)
        if n == len(lines) - 1:
            break
        tail = line[-20:].encode()
        for _ in range(600):
            drain(0.2)
            with open(log, "rb") as f:
                f.seek(start)
                out = f.read()
            i = out.rfind(tail)
            answer = out[i + len(tail):] if i >= 0 else b""
            if b"\n0 >" in answer:
                if b" ok" not in answer.split(b"\n0 >")[0]:
                    sys.exit("console.py: the console did not take %r: %r" % (line, answer[:200]))
                break
        else:
            sys.exit("console.py: no answer to %r" % line)
    drain(0.5)
    s.close()

if __name__ == "__main__":
    main()
