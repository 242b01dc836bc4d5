\ slof-io.fs: typed at SLOF's prompt (tools/qemu/console.py) for the
\ vio-bypass shape. Opening the vscsi disk makes SLOF turn its VIO table's
\ bypass on (ibm,set-tce-bypass); it stays open, so every read below is DMA
\ in bypass mode and a migration taken meanwhile carries bypass = 1.
\ vd-run ( loops chunks hash -- ): loops passes, each reading the disk's
\ first chunks MiB and hashing them (h = h*31 + w over 64-bit words; the
\ host's tools/qemu/disk-pattern.py slof-hash), each checked against hash.
\ SLOF reads numbers in hex.
0 value vd  100000 constant /chunk  0 value buf  0 value h  0 value fails
: vd-open  s" disk" open-dev to vd  /chunk alloc-mem to buf ;
: vd-fail  fails 1+ to fails ;
: chunk-hash  buf /chunk bounds DO h 1f * i @ + to h 8 +LOOP ;
: vd-pass ( chunks -- )  0 to h  0 0 s" seek" vd $call-method drop  0 DO buf /chunk s" read" vd $call-method /chunk <> IF ." SLOF-IO: FAIL short read" cr vd-fail THEN chunk-hash LOOP ;
: vd-check ( hash -- )  h = IF ." SLOF-IO: hash " h u. cr ELSE ." SLOF-IO: FAIL hash " h u. cr vd-fail THEN ;
: vd-run ( loops chunks hash -- )  vd-open vd 0= IF ." SLOF-IO: FAIL no disk" cr EXIT THEN  rot 0 DO ." SLOF-IO: loop " i 1+ .d cr over vd-pass dup vd-check LOOP 2drop  fails IF ." SLOF-IO: FAIL" ELSE ." SLOF-IO: PASS" THEN cr ." SLOF-IO: done" cr ;
