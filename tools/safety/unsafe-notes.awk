# Prints every place in Swift sources (compiled with strict memory safety)
# whose unsafety is not argued where it is:
#  - an `unsafe` expression without a `SAFETY:` reason on its line or above
#    it in the same paragraph (no blank line between: one reason may cover
#    a few lines that share it);
#  - a pointer operation (.pointee, withUnsafe*, assumingMemoryBound,
#    bindMemory) on a line with no `unsafe`, unless it continues a line
#    that has one (that line ends in `(`, `,`, `{` or `in`, or this one
#    starts with `.`);
#  - a `nonisolated(unsafe)` or `@unchecked` without its contract (the
#    word, in the comment lines right above it; attribute lines between
#    do not count).
# Strings are blanked first, so that their words do not count.
function report(what) { print FILENAME ":" FNR ": " what ": " trimmed }
FNR == 1 { notes = ""; prev_unsafe = 0; prev_open = 0; argued = 0 }
/^[ \t]*$/ { argued = 0; notes = ""; next }
{
    line = $0
    gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
    code = line; comment = ""
    at = index(line, "//")
    if (at) { code = substr(line, 1, at - 1); comment = substr(line, at) }
    trimmed = $0; sub(/^[ \t]+/, "", trimmed)
    if (comment ~ /SAFETY/) { argued = 1 }
    if (code ~ /^[ \t]*$/) { notes = notes " " comment; next }
    here = notes " " comment
    # An attribute line keeps the comment above for the declaration below.
    if (code ~ /^[ \t]*(@[A-Za-z_]+(\([^)]*\))?[ \t]*)+$/) { notes = here; next }
    bare = code
    gsub(/@unsafe|nonisolated\(unsafe\)/, "", bare)
    has_unsafe = (bare ~ /(^|[^A-Za-z0-9_])unsafe([^A-Za-z0-9_]|$)/)
    if (has_unsafe && !argued) { report("unsafe without a SAFETY reason") }
    if (code ~ /\.pointee([^A-Za-z0-9_]|$)|withUnsafe|assumingMemoryBound|bindMemory/ && !has_unsafe) {
        continued = prev_unsafe && (prev_open || code ~ /^[ \t]*\./)
        if (!continued) { report("pointer operation without unsafe") }
    }
    if (code ~ /nonisolated\(unsafe\)|@unchecked/ && tolower(here) !~ /contract/) {
        report("no contract")
    }
    # A statement spread over lines keeps the unsafe of its first line.
    open_end = (code ~ /(\(|,|\{|[^A-Za-z0-9_]in)[ \t]*$/)
    prev_unsafe = has_unsafe || (prev_unsafe && (prev_open || code ~ /^[ \t]*\./))
    prev_open = open_end
    notes = ""
}
