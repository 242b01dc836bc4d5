#!/usr/bin/env python3
"""monitor.py SOCKET CMD... : send each CMD to a QEMU human monitor listening on
the unix socket SOCKET (-monitor unix:SOCKET,server,nowait), print its answer.
A CMD of the form 'wait-migration' polls 'info migrate' until the migration is
completed (or failed: exit 1); 'wait-incoming' polls 'info status' until an
incoming migration (-incoming) is loaded (exit 1 if QEMU goes away)."""
import socket, sys, time, re

def read_prompt(s, timeout=120):
    buf = b""
    s.settimeout(timeout)
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.decode("utf-8", "replace")

def clean(text, cmd):
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    text = text.replace("\r", "")
    lines = [l for l in text.split("\n") if l.strip() not in ("(qemu)", cmd)]
    return "\n".join(lines).replace("(qemu) ", "").strip()

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(100):
        try:
            s.connect(sys.argv[1]); break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("monitor.py: cannot connect to " + sys.argv[1])
    read_prompt(s)
    for cmd in sys.argv[2:]:
        if cmd == "wait-incoming":
            for _ in range(1200):
                s.sendall(b"info status\n")
                out = clean(read_prompt(s), "info status")
                if not out:
                    sys.exit("monitor.py: QEMU went away while loading the stream")
                if "VM status:" in out and "inmigrate" not in out:
                    print(out); break
                time.sleep(0.5)
            else:
                sys.exit("monitor.py: the incoming migration did not finish")
            continue
        if cmd == "wait-migration":
            for _ in range(600):
                s.sendall(b"info migrate\n")
                out = clean(read_prompt(s), "info migrate")
                m = re.search(r"Migration status: (\S+)", out)
                st = m.group(1) if m else "?"
                if st == "completed":
                    print(out); break
                if st in ("failed", "cancelled", "?"):
                    print(out); sys.exit("monitor.py: migration " + st)
                time.sleep(0.5)
            else:
                sys.exit("monitor.py: migration did not complete")
            continue
        s.sendall(cmd.encode() + b"\n")
        if cmd == "quit":
            # wait for QEMU to close the socket: closing it first can drop the
            # command before the monitor has read it
            s.settimeout(60)
            try:
                while s.recv(65536):
                    pass
            except OSError:
                pass
            break
        # a synchronous migrate answers when it is done: minutes for a stream
        # of GiBs (bigwin-bench.sh's stock QEMU with a 2^29-entry window)
        print(clean(read_prompt(s, 1800 if cmd.startswith("migrate ") else 120), cmd))
    s.close()

if __name__ == "__main__":
    main()
