#!/bin/bash
# dermactl's bash completion as an engineer's shell runs it: the shipped script sourced, the
# words typed so far, what TAB offers. Run by ctest with dermactl on PATH.
set -u
source "$COMPLETION"
fail=0
expect() {  # expect "WANTED" WORD... (the last word is being completed)
  local want=$1
  shift
  COMP_WORDS=(dermactl "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _dermactl
  local got="${COMPREPLY[*]}"
  if [ "$got" != "$want" ]; then
    echo "FAIL: dermactl $* <TAB>: got '$got', want '$want'"
    fail=1
  else
    echo "ok: dermactl $* <TAB> -> $got"
  fi
}
expect "status" st
expect "fault" sim fa
expect "insert remove" sim cartridge ""
expect "--depth-um" jog --dep
expect "" jog --depth-um ""
expect "status" --socket /tmp/x.sock sta
complete -p dermactl | grep -q -- "-F _dermactl" || { echo "FAIL: not registered"; fail=1; }
exit $fail
