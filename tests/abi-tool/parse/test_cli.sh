#!/bin/sh
# abi-tool's command line as a user meets it: exit codes, and problems as
# FILE:LINE:COLUMN: message on stderr.
# usage: test_cli.sh ABI_TOOL SPECS_DIR TMPDIR
set -u
tool=$1 specs=$2 tmp=$3
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect_rc CODE DESCRIPTION -- COMMAND...: run, keep stdout/stderr in files.
expect_rc() {
	want=$1 what=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit $got, expected $want"
		sed 's/^/  stderr: /' "$tmp/err"
	fi
}

mkdir -p "$tmp"

expect_rc 0 "--help" -- "$tool" --help
grep -q '^usage: abi-tool check FILE' "$tmp/out" || fail "--help prints no usage on stdout"

expect_rc 0 "--version" -- "$tool" --version
grep -q '^abi-tool [0-9]' "$tmp/out" || fail "--version prints no version"

expect_rc 2 "no arguments" -- "$tool"
expect_rc 2 "unknown command" -- "$tool" frobnicate
grep -q "unknown command 'frobnicate'" "$tmp/err" || fail "unknown command not named"
expect_rc 2 "check without files" -- "$tool" check
expect_rc 2 "gen with unknown kind" -- "$tool" gen nonsense "$specs/upstream/memory.yml"

expect_rc 0 "check good upstream specs" -- "$tool" check "$specs"/upstream/*.yml
[ -s "$tmp/err" ] && fail "check of good specs printed: $(cat "$tmp/err")"
expect_rc 0 "check good small specs" -- "$tool" check "$specs"/small/*.yml

# A bad spec: two problems, both reported with their positions.
cat >"$tmp/bad.yml" <<'YAML'
name: bad
hypercall_index: 99
subops:
  send:
    index: 4
    input:
      port: 0
    c_lang:
      struct: evtchn_send
YAML
expect_rc 1 "check a bad spec" -- "$tool" check "$tmp/bad.yml"
grep -qx "$tmp/bad.yml:2:18: hypercall_index 99 is outside the legacy range 0-63" "$tmp/err" ||
	fail "no positioned message for hypercall_index"
grep -qx "$tmp/bad.yml:7:13: sub-op 'send', input 'port': reg0 (rax) is implicit: it carries the hypercall number" "$tmp/err" ||
	fail "no positioned message for reg0"
grep -q "2 problems found" "$tmp/err" || fail "no problem count"
lines=$(grep -c "^$tmp/bad.yml:[0-9]*:[0-9]*: " "$tmp/err")
[ "$lines" -eq 2 ] || fail "expected 2 FILE:LINE:COLUMN lines, got $lines"

# A YAML syntax error, and a missing file next to a good one.
printf 'name: x\nsubops: a: b\n' >"$tmp/syntax.yml"
expect_rc 1 "check a YAML syntax error" -- "$tool" check "$tmp/syntax.yml"
grep -qx "$tmp/syntax.yml:2:10: YAML syntax error: mapping values are not allowed in this context" "$tmp/err" ||
	fail "syntax error not reported at 2:10"
expect_rc 1 "check a missing file" -- "$tool" check "$specs/upstream/memory.yml" "$tmp/missing.yml"
grep -qx "$tmp/missing.yml: cannot read: No such file or directory" "$tmp/err" ||
	fail "missing file not reported"

# The same family twice across files.
expect_rc 1 "check a family twice" -- "$tool" check "$specs/upstream/memory.yml" "$specs/upstream/memory.yml"
grep -q "family 'memory' is already defined at" "$tmp/err" || fail "duplicate family not reported"

# gen refuses a bad spec before writing anything.
expect_rc 1 "gen with a bad spec" -- "$tool" gen doc -o "$tmp/doc.md" "$tmp/bad.yml"
[ -e "$tmp/doc.md" ] && fail "gen wrote output for a bad spec"

# The hypervisor's dispatch table is indexed by sub-op: gen c-hv refuses a
# sub-op number it cannot index (a valid spec otherwise), naming the op.
sed 's/^    index: 4$/    index: 5000/' "$specs/small/event_channel.yml" >"$tmp/far.yml"
expect_rc 0 "check a spec with a far sub-op number" -- "$tool" check "$tmp/far.yml"
expect_rc 3 "gen c-hv with a far sub-op number" -- "$tool" gen c-hv -o "$tmp/far.c" "$tmp/far.yml"
grep -q "event_channel send: sub-op index 5000 is above 1023" "$tmp/err" ||
	fail "gen c-hv did not name the far sub-op"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all abi-tool command-line checks passed"
