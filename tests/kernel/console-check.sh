#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# console-check.sh CONSOLE_LOG: exit 1 and print the offending lines when a
# guest's kernel console shows any report of the kernel's checkers: a
# WARNING (WARN(), lockdep's lock-order, lock-state and RCU reports, the
# DMA API debugger's errors all print one), a BUG (KASAN, KFENCE, sleeping
# in atomic context, bad page state, soft lockup), SLUB's own object
# checks, lockdep's INFO lines, an oops or panic, list corruption, UBSAN,
# or any stack trace at all, and a fault of the Intel IOMMU (DMAR) or
# QEMU's own complaint about one (vtd_...).  Exit 0 when there is none.
#
# The kernel tier runs it on every guest's console; it also runs it on the
# saved reports in tests/kernel/console-samples/ so the check itself is
# proven able to fail.
set -u
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 CONSOLE_LOG" >&2; exit 2; }

report='BUG:|WARNING:|kernel BUG at|Oops|general protection fault|Kernel panic'
report="$report"'|BUG [^ ]+ \((Not tainted|Tainted)'       # SLUB object checks
report="$report"'|INFO: (trying to register|possible|lockdep|task .* blocked)'
report="$report"'|KASAN|KFENCE|UBSAN|DMA-API|list_(add|del) corruption'
report="$report"'|Call Trace:|possible (circular|recursive) locking|inconsistent lock state'
report="$report"'|DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault|qemu-system-x86_64: vtd_'
# Lines of those words that are not reports: what the debug kernel prints
# at every boot.
benign='DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)'

hits=$(tr -d '\r' <"$1" | grep -aE "$report" | grep -avE "$benign")
[ -z "$hits" ] && exit 0
printf '%s\n' "$hits" | head -40
exit 1
