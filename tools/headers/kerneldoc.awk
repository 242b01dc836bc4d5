# Holds a C header to kernel-doc comments, the form QEMU's
# include/exec/memory.h uses: every function (a prototype or a static inline
# definition) and every typedef'd struct must come right after a comment
#   /**
#    * name: what it is
#    * ...
#    * @param: ...        one for each parameter (struct: each member)
#    * Returns: ...      functions that return something
#    */
# Prints one line per problem: FILE:LINE: name: what is missing.

function reset_doc() { doc = ""; doc_end = -1 }

# The parameter names of a prototype's parameter list (what is between its
# outer parentheses), space-separated; "" for (void).
function param_names(list,    depth, i, c, part, names, n) {
    depth = 0; part = ""; names = ""
    for (i = 1; i <= length(list); i++) {
        c = substr(list, i, 1)
        if (c == "(") depth++
        if (c == ")") depth--
        if (c == "," && depth == 0) { names = names " " decl_name(part); part = ""; continue }
        part = part c
    }
    if (part ~ /^[ \t]*void[ \t]*$/) return names
    return names " " decl_name(part)
}

# The name a declaration declares: (*name)(...) for a function pointer,
# else its last identifier (before any [N]).
function decl_name(d) {
    if (match(d, /\(\*[ \t]*[A-Za-z_][A-Za-z0-9_]*\)/)) {
        d = substr(d, RSTART + 2, RLENGTH - 3)
        gsub(/[ \t]/, "", d)
        return d
    }
    sub(/\[[^]]*\][ \t]*$/, "", d)
    sub(/[ \t;]*$/, "", d)
    match(d, /[A-Za-z_][A-Za-z0-9_]*$/)
    return substr(d, RSTART, RLENGTH)
}

function check(kind, name, line, names, returns,    n, i, list) {
    if (doc == "" || doc_end != line - 1) {
        print FILENAME ":" line ": " name ": no kernel-doc comment right before it"
        return
    }
    if (doc !~ ("^/\\*\\*\n \\* " name ": ")) {
        print FILENAME ":" line ": " name ": its comment does not start \"" name ": \""
    }
    n = split(names, list, " ")
    for (i = 1; i <= n; i++) {
        if (index(doc, "\n * @" list[i] ": ") == 0) {
            print FILENAME ":" line ": " name ": no @" list[i] ":"
        }
    }
    if (returns && index(doc, "\n * Returns: ") == 0) {
        print FILENAME ":" line ": " name ": no Returns:"
    }
}

BEGIN { reset_doc() }

# Comments: a /** block is remembered with the line it ends on.
in_comment {
    text = text "\n" $0
    if ($0 ~ /\*\//) {
        in_comment = 0
        if (text ~ /^\/\*\*\n/) { doc = text; doc_end = FNR } else { reset_doc() }
    }
    next
}
/^\/\*/ {
    text = $0
    if ($0 ~ /\*\//) {
        reset_doc()
    } else {
        in_comment = 1
    }
    next
}

# A typedef'd struct: its members up to "} Name;" (comments in it skipped).
in_struct_comment {
    if ($0 ~ /\*\//) in_struct_comment = 0
    next
}
in_struct && /^[ \t]*\/\*/ {
    if ($0 !~ /\*\//) in_struct_comment = 1
    next
}
in_struct {
    if ($0 ~ /^}/) {
        in_struct = 0
        check("struct", struct_name, struct_line, members, 0)
        reset_doc()
        next
    }
    member = member " " $0
    if ($0 ~ /;[ \t]*(\/\*.*)?$/) {
        sub(/\/\*.*$/, "", member)
        members = members " " decl_name(member)
        member = ""
    }
    next
}
/^typedef struct [A-Za-z_][A-Za-z0-9_]* \{/ {
    in_struct = 1; struct_line = FNR; members = ""; member = ""
    struct_name = $3
    next
}

# A function: its prototype up to ";" or "{".
in_proto {
    proto = proto " " $0
    if ($0 ~ /[;{][ \t]*$/) { in_proto = 0; check_proto() }
    next
}
/^(static inline )?[A-Za-z_][A-Za-z0-9_ \*]*[ \*]swifttce_[a-z0-9_]*\(/ {
    proto = $0; proto_line = FNR
    if ($0 ~ /[;{][ \t]*$/) { check_proto() } else { in_proto = 1 }
    next
}

# Anything else but blank lines and directives parts a comment from what
# follows it.
/^[ \t]*$/ || /^#/ { next }
{ reset_doc() }

function check_proto(    name, list, depth, i, c, start, type) {
    match(proto, /swifttce_[a-z0-9_]*\(/)
    name = substr(proto, RSTART, RLENGTH - 1)
    type = substr(proto, 1, RSTART - 1)
    # The outer parameter list: from the name's "(" to its match.
    start = RSTART + RLENGTH
    depth = 1
    for (i = start; i <= length(proto) && depth > 0; i++) {
        c = substr(proto, i, 1)
        if (c == "(") depth++
        if (c == ")") depth--
    }
    list = substr(proto, start, i - start - 1)
    check("function", name, proto_line, param_names(list), type !~ /(^|[ \t])void[ \t]*$/)
    reset_doc()
}
