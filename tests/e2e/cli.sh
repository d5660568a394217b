#!/usr/bin/env bash
# cli.sh BUILD_DIR - end-to-end checks of `tlbvisor run`: exit statuses, messages, limits,
# malformed images, the stats file. Prints "ok"/"FAIL" per check and "N passed, M failed".
set -u
build=$1
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# expect NAME STATUS STDERR_REGEX STDOUT_EXACT -- COMMAND...: within 60 s, the whole stderr
# in a failure's message
expect_timeout=60 expect_err_bytes=

for p in exit7 hello spin wait ibe_loop nested_fault; do python3 "$here/mkelf.py" "$tmp/$p.elf" $p; done
printf 'not an elf at all' >"$tmp/text.elf"
head -c 60 "$tmp/hello.elf" >"$tmp/trunc.elf"

expect help 0 '' '*' -- "$tv" --help
expect run-help 0 '' '*' -- "$tv" run --help
expect no-command 2 'usage' '' -- "$tv"
expect bad-command 2 "unknown command 'frobnicate'" '' -- "$tv" frobnicate
expect bad-option 2 "unknown or incomplete option '--frob'" '' -- "$tv" run --native --frob "$tmp/hello.elf"
expect missing-arg 2 "unknown or incomplete option '--mem'" '' -- "$tv" run --native --mem
expect bad-mmu 2 "bad --mmu 'x86': swtlb\\|pagewalk" '' -- "$tv" run --native --mmu x86 "$tmp/hello.elf"
expect bad-mem 2 "bad --mem '3G'" '' -- "$tv" run --native --mem 3G "$tmp/hello.elf"
expect bad-tlb 2 "bad --tlb-entries '8'" '' -- "$tv" run --native --tlb-entries 8 "$tmp/hello.elf"
expect bad-insns 2 "bad --max-insns '-5'" '' -- "$tv" run --native --max-insns -5 "$tmp/hello.elf"
expect no-elf 2 'missing ELF file' '' -- "$tv" run --native
expect stray-arg 2 "unexpected argument 'extra'" '' -- "$tv" run --native "$tmp/hello.elf" extra
expect no-file 2 'nonexistent.elf' '' -- "$tv" run --native "$tmp/nonexistent.elf"
expect not-elf 2 'text.elf: not an ELF file' '' -- "$tv" run --native "$tmp/text.elf"
expect truncated 2 'trunc.elf: truncated ELF' '' -- "$tv" run --native "$tmp/trunc.elf"
expect softres 0 '' 'ok' -- "$tv" run --native "$tmp/hello.elf"
expect softres-pagewalk 0 '' 'ok' -- "$tv" run --native --mmu pagewalk "$tmp/hello.elf"
expect uhi-exit 7 '' '' -- "$tv" run --native "$tmp/exit7.elf"
expect insn-limit 3 'instruction limit reached: 1000 instructions, pc 0x80100000, kernel mode' '' \
	-- "$tv" run --native --max-insns 1000 "$tmp/spin.elf"
expect wait-hang 3 'guest hung: wait with no interrupt' '' -- "$tv" run --native "$tmp/wait.elf"
expect exception-loop 3 'exception loop: IBE at pc 0xbfc00380' '' -- "$tv" run --native "$tmp/ibe_loop.elf"
expect nested-fault 3 'exception loop: AdEL at pc 0x80000180, kernel mode, after 1003 instructions' '' \
	-- "$tv" run --native "$tmp/nested_fault.elf"

# Under the VMM (no --native): one VM so far, on the software TLB.
expect vmm-hello 0 '' 'ok' -- "$tv" run "$tmp/hello.elf"
expect vmm-exit7 7 '' '' -- "$tv" run "$tmp/exit7.elf"
expect vmm-limit 3 'instruction limit reached' '' -- "$tv" run --max-insns 1000 "$tmp/spin.elf"
expect vmm-two 0 '' $'[vm1] ok\n[vm2] ok' -- "$tv" run --vms 2 "$tmp/hello.elf"
expect vmm-bad-vms 2 "bad --vms '0'" '' -- "$tv" run --vms 0 "$tmp/hello.elf"
expect vmm-too-many 2 "bad --vms '1025'" '' -- "$tv" run --vms 1025 "$tmp/hello.elf"
expect vmm-weights 0 '' $'[vm1] ok\n[vm2] ok' -- "$tv" run --quiet --vms 2 --weight 1,3 "$tmp/hello.elf"
expect vmm-bad-weight 2 "bad --weight '1,0'" '' -- "$tv" run --vms 2 --weight 1,0 "$tmp/hello.elf"
expect vmm-weight-count 2 "one weight per VM" '' -- "$tv" run --vms 3 --weight 1,2 "$tmp/hello.elf"
expect vmm-bad-l2tlb 2 "bad --l2tlb 'maybe': on\\|off" '' -- "$tv" run --l2tlb maybe "$tmp/hello.elf"
expect vmm-bad-l2tlb-entries 2 "bad --l2tlb-entries '0'" '' -- "$tv" run --l2tlb-entries 0 "$tmp/hello.elf"
expect vmm-l2tlb-off 0 '' 'ok' -- "$tv" run --quiet --l2tlb off --l2tlb-entries 1 "$tmp/hello.elf"
expect vmm-vm-spec 0 '' $'[vm1] ok\n[vm2] ok' -- "$tv" run --vm "$tmp/hello.elf,mem=8M" --vm "$tmp/hello.elf,weight=3"
expect vmm-vm-bad 2 "bad --vm" '' -- "$tv" run --vm "$tmp/hello.elf,color=red"
expect vmm-vm-native 2 '[-]-vm applies to the VMM [(]runs without --native[)]: it does nothing' '' -- "$tv" run --native --vm "$tmp/hello.elf"
expect vmm-vm-noelf 2 'nonexistent.elf' '' -- "$tv" run --vm "$tmp/nonexistent.elf"
expect vmm-crash-others-go-on 3 'vm1 stuck in an exception loop at pc 0xbfc00380, kernel mode; stopped' '[vm2] ok' \
	-- "$tv" run --quiet --vm "$tmp/ibe_loop.elf" --vm "$tmp/hello.elf"
expect vmm-runaway 3 'instruction limit reached' '[vm2] ok' \
	-- "$tv" run --quiet --max-insns 2000000 --vm "$tmp/spin.elf" --vm "$tmp/hello.elf"
expect vmm-pagewalk 0 '' 'ok' -- "$tv" run --quiet --mmu pagewalk "$tmp/hello.elf"
expect vmm-pagewalk-vms 0 '' $'[vm1] ok\n[vm2] ok' -- "$tv" run --quiet --mmu pagewalk --vms 2 "$tmp/hello.elf"
expect vmm-pagewalk-bad-tlb 2 'must be a multiple' '' -- "$tv" run --mmu pagewalk --pw-tlb-ways 3 "$tmp/hello.elf"

# The stats file holds exact counters: hello.elf is 20 instructions ending in the SOFTRES store.
expect stats 0 '' 'ok' -- "$tv" run --native --stats "$tmp/s.json" "$tmp/hello.elf"
got=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; print(c["cpu.instructions"], c["uart.tx_bytes"], c["tlb.lookups"])' "$tmp/s.json")
if [ "$got" = "20 3 0" ]; then ok stats-values; else bad "stats-values: $got"; fi

# Cost profiles: insn=2 doubles the modelled cycles and the report carries the model.
printf '{"insn": 2, "walker_memref": 7}' >"$tmp/cost.json"
printf '{"insn": 2, "bogus": 1}' >"$tmp/bad-cost.json"
printf '{"insn": 0}' >"$tmp/zero-cost.json"
expect cost-unknown 2 "unknown cost 'bogus'" '' -- "$tv" run --native --cost-profile "$tmp/bad-cost.json" "$tmp/hello.elf"
expect cost-zero 2 "'insn' must be at least 1" '' -- "$tv" run --native --cost-profile "$tmp/zero-cost.json" "$tmp/hello.elf"
expect cost-missing 2 'cost profile .*none.json: cannot open: No such file' '' -- "$tv" run --native --cost-profile "$tmp/none.json" "$tmp/hello.elf"
expect cost-profile 0 '' 'ok' -- "$tv" run --native --cost-profile "$tmp/cost.json" --stats "$tmp/c.json" "$tmp/hello.elf"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["counters"]["cpu.instructions"], d["counters"]["cpu.cycles"], d["cost"]["insn"], d["cost"]["walker_memref"], d["cost"]["page_zero"])' "$tmp/c.json")
if [ "$got" = "20 40 2 7 1024" ]; then ok cost-values; else bad "cost-values: $got"; fi

# The model's identity on the page walker: cycles = insns*insn + memrefs*walker_memref + idle.
bare=$build/guest/bare/pw_basic.elf
if [ -f "$bare" ]; then
	"$tv" run --native --mmu pagewalk --cost-profile "$tmp/cost.json" --stats "$tmp/p.json" "$bare" >/dev/null 2>&1
	got=$(json "$tmp/p.json" 'c["pw.memrefs"] > 0 and c["cpu.cycles"] == 2 * c["cpu.instructions"] + 7 * c["pw.memrefs"] + c["cpu.idle_cycles"]')
	if [ "$got" = True ]; then ok cost-identity; else bad "cost-identity: $got"; fi
fi

# Linux-facing options (issue 10): the initrd file, the console's input, unmodelled devices.
expect initrd-missing 2 "$tmp/nope.gz: cannot open: No such file or directory" '' -- "$tv" run --native --initrd "$tmp/nope.gz" "$tmp/hello.elf"
: >"$tmp/empty.gz"
expect initrd-empty 2 'empty file' '' -- "$tv" run --native --initrd "$tmp/empty.gz" "$tmp/hello.elf"
head -c 2200000 /dev/zero >"$tmp/big.gz"
expect initrd-too-big 2 'initrd of 2200000 bytes does not fit in 2097152 bytes of low memory' '' -- \
	"$tv" run --native --mem 2M --initrd "$tmp/big.gz" "$tmp/hello.elf"
head -c 1800000 /dev/zero >"$tmp/big.gz"
expect initrd-over-kernel 2 'memory too small for the initrd' '' -- \
	"$tv" run --native --mem 2M --initrd "$tmp/big.gz" "$tmp/hello.elf"
expect initrd-ok 0 '' '*' -- "$tv" run --native --initrd "$tmp/trunc.elf" "$tmp/hello.elf"
expect stdin-vm-native 2 '--stdin-vm applies to the VMM' '' -- "$tv" run --native --stdin-vm 1 "$tmp/hello.elf"
expect stdin-vm-none 2 '--stdin-vm 3: there are only 2 VMs' '' -- "$tv" run --vms 2 --stdin-vm 3 "$tmp/hello.elf"
expect stdin-vm-bad 2 "bad --stdin-vm 'x': 0..1024" '' -- "$tv" run --stdin-vm x "$tmp/hello.elf"
expect vm-initrd-empty 2 "initrd= needs a file" '' -- "$tv" run --vm "$tmp/hello.elf,initrd="
expect initrd-everywhere 2 "--initrd does nothing" '' -- "$tv" run --initrd "$tmp/trunc.elf" --vm "$tmp/hello.elf,initrd=$tmp/trunc.elf"
expect initrd-is-stats 2 "is the initrd" '' -- "$tv" run --native --stats "$tmp/trunc.elf" --initrd "$tmp/trunc.elf" "$tmp/hello.elf"
expect vm-initrd-missing 2 "$tmp/nope.gz: cannot open: No such file" '' -- "$tv" run --vm "$tmp/hello.elf,initrd=$tmp/nope.gz"
expect report-unmodelled 0 '' '*' -- "$tv" run --native --report-unmodelled "$tmp/hello.elf"

summary
