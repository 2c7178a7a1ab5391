#!/usr/bin/env bash
# Every function should fit on a screen (STYLE.md; issue #9): fails when a function in
# run/*.cpp or params/*.cpp is longer than LIMIT lines (80 unless given), counted from the first line of its
# declaration to its closing brace, lambdas and comments inside included.
# Usage: check_function_length.sh SOURCE_DIR [LIMIT]
#
# The counter follows brace depth over the file with comments, string and character
# literals skipped. At namespace or class scope a '{' opens a function body when the text
# since the last ';', '{' or '}' has a '(' and does not end in '=' or a plain name (a brace
# initialiser such as `b_{x}` in a constructor's initialiser list); namespace, extern "C"
# and class/struct/union/enum bodies are transparent, so their member functions count.
# Before checking, it checks itself on a synthetic file (an 81-line function must fail).
set -u
src=${1:?usage: check_function_length.sh SOURCE_DIR [LIMIT]}
limit=${2:-80}

# Functions allowed to be longer, one per line: "path function: reason". Ideally none.
exceptions=(
)

# Prints "path:line name length" for every function of the files given.
measure() {
  awk '
  function reset() { text = ""; text_line = 0 }
  function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
  function add(c) {
    if (text == "" && c ~ /[ \t]/) return
    if (text == "") text_line = FNR
    text = text c
  }
  function classify(t,    last, name) {
    t = trim(t)
    if (t ~ /(^|[^A-Za-z0-9_])namespace([^A-Za-z0-9_]|$)/ || t ~ /^extern[ \t]*"C"/) return "scope"
    if (t ~ /=$/) return "init"
    if (t ~ /^(template[ \t]*<.*>[ \t]*)?(class|struct|union|enum)([^A-Za-z0-9_]|$)/ && t !~ /\(/) return "scope"
    if (index(t, "(") == 0) return "init"
    if (match(t, /[A-Za-z_][A-Za-z0-9_]*$/)) {
      last = substr(t, RSTART)
      if (last !~ /^(const|override|noexcept|final|mutable|try)$/ && substr(t, RSTART - 1, 1) != ")") return "init"
    }
    return "function"
  }
  function fname(t,    head) {
    head = substr(t, 1, index(t, "(") - 1)
    sub(/[ \t]+$/, "", head)
    if (match(head, /[A-Za-z_~][A-Za-z0-9_:~<>]*$/)) return substr(head, RSTART)
    return "(lambda)"
  }
  FNR == 1 { depth = 0; nstack = 0; in_comment = 0; reset() }
  {
    line = $0
    if (!in_comment && line ~ /^[ \t]*#/) next  # preprocessor
    n = length(line)
    for (i = 1; i <= n; ++i) {
      c = substr(line, i, 1); c2 = substr(line, i, 2)
      if (in_comment) { if (c2 == "*/") { in_comment = 0; ++i }; continue }
      if (c2 == "//") break
      if (c2 == "/*") { in_comment = 1; ++i; continue }
      if (c == "\"" || c == "\047") {  # a string or character literal: skip to its end
        q = c; ++i
        while (i <= n && substr(line, i, 1) != q) { if (substr(line, i, 1) == "\\") ++i; ++i }
        if (depth == 0) add("\"\"")
        continue
      }
      if (depth > 0) {  # inside a function body
        if (c == "{") ++depth
        else if (c == "}" && --depth == 0) {
          printf "%s:%d %s %d\n", FILENAME, fstart, fn, FNR - fstart + 1
          reset()
        }
        continue
      }
      if (c == "{") {
        kind = classify(text)
        if (kind == "function") { depth = 1; fstart = text_line ? text_line : FNR; fn = fname(trim(text)) }
        else { stack[++nstack] = kind; if (kind == "scope") reset(); else add(c) }
      } else if (c == "}") {
        kind = nstack > 0 ? stack[nstack--] : "scope"
        if (kind == "scope") reset(); else add(c)
      } else if (c == ";") {
        if (nstack > 0 && stack[nstack] == "init") add(c); else reset()
      } else {
        add(c)
      }
    }
    if (depth == 0) add(" ")
  }' "$@"
}

# Self-check: an 81-line function with braces in strings, comments and an initialiser list
# inside a namespace and a struct must be found at its length; a 3-line one must pass.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
{
  echo '#include <string>'
  echo 'namespace a { namespace {'
  echo 'struct S { int x_; S(); };'
  echo 'S::S() : x_{1} { /* { */ }'
  echo 'int short_one(int v) {'
  echo '    return v + 1;  // }}}'
  echo '}'
  echo 'std::string long_one(int v)'
  echo '{'
  for k in $(seq 1 78); do echo "    v += $k; const char* s$k = \"}{\"; (void)s$k;"; done
  echo '}'
  echo '} }'
} > "$tmp/self.cpp"
got=$(measure "$tmp/self.cpp" | awk '{print $2 "=" $3}' | tr '\n' ' ')
if [[ $got != "S::S=1 short_one=3 long_one=81 " ]]; then
  echo "function_length: the counter is broken: measured '$got' on its own test file"
  exit 2
fi

fail=0 count=0 longest=0 longest_name=
shopt -s nullglob
files=("$src"/run/*.cpp "$src"/params/*.cpp)
(( ${#files[@]} > 0 )) || { echo "function_length: no run/*.cpp or params/*.cpp under $src"; exit 2; }
while read -r where name len; do
  (( ++count ))
  file=${where%:*}; file=${file#"$src"/}
  if (( len > limit )); then
    allowed=
    for e in "${exceptions[@]}"; do
      [[ $e == "$file $name:"* ]] && allowed=${e#*: }
    done
    if [[ -n $allowed ]]; then
      echo "function_length: allowed: $file:${where##*:} $name is $len lines ($allowed)"
    else
      echo "function_length: $file:${where##*:} $name is $len lines, more than $limit: split it"
      fail=1
    fi
  elif (( len > longest )); then
    longest=$len longest_name="$file $name"
  fi
done < <(measure "${files[@]}")
(( fail == 0 )) && echo "function_length: ok ($count functions in run/*.cpp and params/*.cpp; longest within the limit: $longest_name, $longest lines)"
exit $fail
