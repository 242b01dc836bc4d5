# Prints every declaration (a function, an extern object, a typedef) of a C
# header that no comment introduces: a comment must end on the line before
# it, or before the run of declarations (no blank line between) it belongs
# to. Lines starting with # (directives) do not break a run.
{
    line = $0
    if (line ~ /^\/\*/ || in_comment) {
        in_comment = (line !~ /\*\//)
        if (!in_comment) { commented = 1 }
        next
    }
    if (line ~ /^[ \t]*$/) { commented = 0; next }
    if (line ~ /^#/) { next }
    if (line ~ /^(typedef|extern|[A-Za-z_][A-Za-z0-9_ \*]*[ \*][a-z_][a-z0-9_]*\()/ && line !~ /^(extern "C"|static inline)/) {
        if (!commented) {
            match(line, /[a-z_][a-z0-9_]*\(/)
            name = RSTART ? substr(line, RSTART, RLENGTH - 1) : line
            print FILENAME ":" FNR ": " name
        }
    }
}
