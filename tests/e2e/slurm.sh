#!/usr/bin/env bash
# slurm.sh BUILD_DIR - a sweep on a real cluster scheduler: a one-node Slurm cluster on
# localhost (munged, slurmctld and slurmd from Debian, configured and started here as root,
# without systemd, and stopped at the end), the quick suite's forkwait and compute runs
# written by `tlbvisor bench --emit-jobs` and run as a Slurm job array (one array task per
# line), joined by `tlbvisor bench merge`: the same results as the in-process bench,
# byte for byte apart from host figures (an invariant). Everything is bounded in time.
# Prints "ok"/"FAIL" per check and a summary.
set -u
build=$1
tv=$(cd "$build" && pwd)/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
chmod 755 "$tmp"                       # munged wants its socket's directory searchable
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT                      # instead of lib.sh's: the daemons stop first
finish() { summary; exit; }

for p in munged mungekey slurmctld slurmd sbatch sinfo; do
	command -v $p >/dev/null || { bad "$p is not installed (Makefile PACKAGES: munge slurmctld slurmd slurm-client)"; finish; }
done

# munge: a key of our own, a socket of our own.
mungekey -c -k "$tmp/munge.key" || { bad "mungekey"; finish; }
munged -F -f --key-file="$tmp/munge.key" --socket="$tmp/munge.sock" --pid-file="$tmp/munged.pid" \
	--seed-file="$tmp/munged.seed" >"$tmp/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge.sock" ] && break; sleep 0.1; done
[ -S "$tmp/munge.sock" ] && ok "munged started" || { bad "munged: $(tail -3 "$tmp/munged.log")"; finish; }

# Slurm: free ports, everything under $tmp; no cgroups (proctrack/linuxproc, task/none);
# 8 CPUs declared (config_overrides) so that the short array tasks start 8 at a time.
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=tlbvisor
SlurmctldHost=localhost
SlurmctldPort=$(port)
SlurmdPort=$(port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=tlbvisor1 NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=8 State=UNKNOWN
PartitionName=bench Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N tlbvisor1 >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 60); do
	state=$(timeout 5 sinfo -h -o %t 2>/dev/null)
	[ "$state" = idle ] && break
	sleep 0.5
done
[ "$state" = idle ] && ok "slurmctld and slurmd up, node idle" ||
	{ bad "cluster not up (node state '$state'): $(tail -n 3 "$tmp/slurmctld.log" "$tmp/slurmd.log" 2>&1)"; finish; }

# The runs, in-process and as a job array.
sel=(--only 'forkwait/*' --only 'compute/*')
timeout 300 "$tv" bench --suite quick --out "$tmp/inproc" --jobs 2 "${sel[@]}" 2>"$tmp/inproc.err"; rc=$?
[ "$rc" = 0 ] && ok "in-process bench" || bad "in-process bench: exit $rc: $(tail -3 "$tmp/inproc.err")"
"$tv" bench --suite quick --out "$tmp/array" --emit-jobs "$tmp/jobs.txt" "${sel[@]}" 2>/dev/null
n=$(wc -l <"$tmp/jobs.txt")
cat >"$tmp/task.sh" <<EOF
#!/bin/sh
# one array task: line SLURM_ARRAY_TASK_ID of the emitted commands
exec sh -c "\$(sed -n "\${SLURM_ARRAY_TASK_ID}p" '$tmp/jobs.txt')"
EOF
t0=$(date +%s)
timeout 300 sbatch --wait --array=1-"$n" --output="$tmp/task-%a.out" --error="$tmp/task-%a.out" \
	"$tmp/task.sh" >"$tmp/sbatch.out" 2>&1; rc=$?
[ "$rc" = 0 ] && ok "Slurm job array of $n tasks ($(($(date +%s) - t0)) s)" ||
	bad "sbatch --wait: exit $rc: $(cat "$tmp/sbatch.out") $(tail -3 "$tmp"/task-1.out 2>/dev/null)"
timeout 60 "$tv" bench merge --out "$tmp/array" "$tmp/array/runs" 2>"$tmp/merge.err"; rc=$?
[ "$rc" = 0 ] && ok "bench merge of the array's runs" || bad "merge: exit $rc: $(cat "$tmp/merge.err")"
[ "$(same_apart_from_host "$tmp/inproc/results.json" "$tmp/array/results.json")" = True ] &&
	ok "job array + merge = in-process results, apart from host figures" || bad "results differ"
finish
