# Prints every place in Swift sources (compiled with strict memory safety)
# whose unsafety is not argued where it is:
#  - an `unsafe` expression without a `SAFETY:` reason on its line or in
#    the comment lines right above it;
#  - a pointer operation (.pointee, withUnsafe*, assumingMemoryBound,
#    bindMemory) on a line with no `unsafe`, unless it continues a line
#    that has one (that line ends in `(`, `,`, `{` or `in`, or this one
#    starts with `.`);
#  - a `nonisolated(unsafe)` or `@unchecked` without a `Contract` in the
#    comment lines right above it.
# Strings are blanked first, so that their words do not count.
function report(what) { print FILENAME ":" FNR ": " what ": " trimmed }
FNR == 1 { notes = ""; prev_unsafe = 0; prev_open = 0 }
{
    line = $0
    gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
    code = line; comment = ""
    at = index(line, "//")
    if (at) { code = substr(line, 1, at - 1); comment = substr(line, at) }
    trimmed = $0; sub(/^[ \t]+/, "", trimmed)
    if (code ~ /^[ \t]*$/ && comment != "") { notes = notes " " comment; next }
    here = notes " " comment
    bare = code
    gsub(/@unsafe|nonisolated\(unsafe\)/, "", bare)
    has_unsafe = (bare ~ /(^|[^A-Za-z0-9_])unsafe([^A-Za-z0-9_]|$)/)
    if (has_unsafe && here !~ /SAFETY/) { report("unsafe without a SAFETY reason") }
    if (code ~ /\.pointee([^A-Za-z0-9_]|$)|withUnsafe|assumingMemoryBound|bindMemory/ && !has_unsafe) {
        continued = prev_unsafe && (prev_open || code ~ /^[ \t]*\./)
        if (!continued) { report("pointer operation without unsafe") }
    }
    if (code ~ /nonisolated\(unsafe\)|@unchecked/ && here !~ /Contract/) { report("no Contract") }
    if (code !~ /^[ \t]*$/) {
        # A statement spread over lines keeps the unsafe of its first line.
        open_end = (code ~ /(\(|,|\{|[^A-Za-z0-9_]in)[ \t]*$/)
        prev_unsafe = has_unsafe || (prev_unsafe && (prev_open || code ~ /^[ \t]*\./))
        prev_open = open_end
    }
    notes = ""
}
