#!/bin/sh
# qemu-source.sh: Debian bookworm's QEMU 7.2 source in $QEMU_OUT/src as a git
# repository, with the SwiftTCE series (qemu/*.patch) applied by `git am`.
#  - fetched once with `apt-get source qemu` (whatever revision the archive
#    has now: it keeps only the current one), Debian's patches applied by
#    dpkg-source; committed as is and tagged `pristine`;
#  - the series is applied incrementally: the commits on top of `pristine`
#    are compared with the patch files by `git patch-id --verbatim`; when
#    they are a prefix of the series only the rest is applied, otherwise (the
#    series changed) the tree goes back to `pristine` and the whole series is
#    applied again;
#  - commits or changes in the tree that are not the series' (someone working
#    in it) are never thrown away: the script says so and stops.
set -eu
OUT=${QEMU_OUT:-build/qemu}
SERIES_DIR=${QEMU_SERIES:-qemu}
SRC=$OUT/src
APPLIED_REF=refs/swifttce/applied   # HEAD as this script last left it
die() { echo "qemu-source: $*" >&2; exit 1; }
g() { git -C "$SRC" "$@"; }

if [ ! -d "$SRC/.git" ]; then
    [ -e "$SRC" ] && die "$SRC exists but is no git repository: remove it (rm -rf $SRC) to fetch again"
    DL=$OUT/dl
    rm -rf "$DL"; mkdir -p "$DL"
    echo "qemu-source: apt-get source qemu (into $DL)"
    # (apt's sandbox user cannot write into a root-owned build tree)
    (cd "$DL" && apt-get source -q -o APT::Sandbox::User=root qemu) > "$DL/apt-get-source.log" 2>&1 ||
        { tail -n 20 "$DL/apt-get-source.log" >&2; die "apt-get source qemu failed (deb-src entry? network?)"; }
    tree=$(find "$DL" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
    [ -n "$tree" ] && [ -f "$tree/debian/changelog" ] || die "apt-get source left no qemu-* tree in $DL"
    DEBVER=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)
    case $DEBVER in 1:7.2+dfsg-*) ;; *) die "apt-get source gave qemu $DEBVER, not 1:7.2+dfsg-* (Debian bookworm's QEMU 7.2)";; esac
    mv "$tree" "$SRC"
    rm -rf "$DL"
    # quilt's bookkeeping of Debian's patches is no source
    git init -q "$SRC"
    echo "/.pc/" >> "$SRC/.git/info/exclude"
    g config user.name "SwiftTCE make qemu"
    g config user.email "make-qemu@swifttce.invalid"
    # -f: QEMU's own .gitignore would leave out files the dfsg tarball ships
    g add -f -A -- . ':(exclude).pc'
    GIT_AUTHOR_DATE="1970-01-01T00:00:00Z" GIT_COMMITTER_DATE="1970-01-01T00:00:00Z" \
        g commit -q -m "Debian qemu $DEBVER (apt-get source, Debian's patches applied)"
    g tag pristine
    g update-ref $APPLIED_REF HEAD
    echo "qemu-source: $SRC: qemu $DEBVER, committed as 'pristine'"
fi

g rev-parse -q --verify pristine >/dev/null || die "$SRC has no 'pristine' tag: remove it (rm -rf $SRC) to fetch again"
[ -d "$SRC/.git/rebase-apply" ] && die "$SRC has a git am in progress: finish it or run 'git -C $SRC am --abort'"
[ -z "$(g status --porcelain --untracked-files=no)" ] ||
    die "$SRC has uncommitted changes: commit them and export them into $SERIES_DIR/ (git format-patch), or drop them (git -C $SRC reset --hard)"

# patch-ids: the series' files, in order (not the cover letter, which has no
# diff), and the commits pristine..HEAD
PATCHES=$(ls "$SERIES_DIR"/*.patch 2>/dev/null | grep -v '/0000-cover-letter\.patch$' |
          LC_ALL=C sort || true)
series_ids=""
for p in $PATCHES; do
    id=$(git patch-id --verbatim < "$p" | cut -d' ' -f1)
    [ -n "$id" ] || die "$p holds no diff"
    series_ids="$series_ids $id"
done
applied_ids=""
for c in $(g rev-list --reverse pristine..HEAD); do
    id=$(g show --format= "$c" | git patch-id --verbatim | cut -d' ' -f1)
    applied_ids="$applied_ids ${id:-empty-$c}"
done
n_series=$(echo $series_ids | wc -w)
n_applied=$(echo $applied_ids | wc -w)

case "$series_ids " in
"$applied_ids "*)
    # what is applied is the series' beginning: apply the rest
    skip=$n_applied ;;
*)
    [ "$(g rev-parse HEAD)" = "$(g rev-parse -q --verify $APPLIED_REF || true)" ] ||
        die "$SRC has commits on 'pristine' that are not the series in $SERIES_DIR/ (your work?): export them (git -C $SRC format-patch -o $SERIES_DIR pristine) or drop them (git -C $SRC reset --hard $APPLIED_REF)"
    echo "qemu-source: the series changed: back to 'pristine', applying all $n_series patches"
    g reset -q --hard pristine
    g update-ref $APPLIED_REF HEAD
    skip=0 ;;
esac

i=0
for p in $PATCHES; do
    i=$((i + 1))
    [ $i -le $skip ] && continue
    before=$(g rev-parse HEAD)
    if ! g am -q --3way "$(realpath "$p")" > "$OUT/git-am.log" 2>&1; then
        g am --abort >/dev/null 2>&1 || true
        g update-ref $APPLIED_REF HEAD
        echo "qemu-source: $p does not apply on $(g log -1 --format='%h (%s)' HEAD):" >&2
        grep -v -e "^hint:" -e "git am --" "$OUT/git-am.log" | sed 's/^/    /' >&2
        die "the series does not apply ($((i - 1)) of $n_series patches applied)"
    fi
    g update-ref $APPLIED_REF HEAD
    [ "$(g rev-parse HEAD)" != "$before" ] ||
        die "$p changed nothing (git am: $(tr '\n' ' ' < "$OUT/git-am.log")): is it in the series twice?"
    echo "qemu-source: applied $(basename "$p")"
done
g update-ref $APPLIED_REF HEAD
echo "qemu-source: $SRC: $(g log -1 --format=%s pristine | cut -d' ' -f1-3) + $n_series patches ($(g rev-parse --short HEAD))"
