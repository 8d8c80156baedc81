#!/usr/bin/env bash
# Runs a neurosim sweep on a real single-node Slurm cluster and checks that
# the 3-task array job merges to the same bytes as one unsharded run.
#
#   scripts/slurm-ci.sh [SWEEP.toml]      (default: examples/sweeps/ci.toml)
#
# It installs Debian's slurm-wlm and munge if they are missing (as root;
# skips, saying so, where they cannot be installed), starts munged (unless
# one runs already), slurmctld and slurmd from a private configuration in a
# temporary directory (SLURM_CONF; /etc/slurm is not touched), submits
# docs/slurm-sweep.sh as `sbatch --array=0-2 --wait`, merges the array's
# results, runs the same sweep unsharded, merges that, compares results.csv,
# summary.csv, summary.txt, accuracy.png and accuracy.svg byte for byte, and
# stops the daemons it started by their PIDs. Exit status 0 only if all
# of that succeeded (or Slurm could not be installed: then it says SKIP).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
sweep=$(realpath "${1:-examples/sweeps/ci.toml}")

skip() { echo "slurm-ci: SKIP: $*"; exit 0; }
log() { echo "slurm-ci: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root to run the Slurm and munge daemons"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; } ||
    skip "apt-get could not install slurm-wlm and munge"
fi

work=$(mktemp -d /tmp/neurosim-slurm-ci.XXXXXX)
started_munged=""
cleanup() {
  set +e
  [ -n "${SLURM_CONF:-}" ] && scancel --quiet --name=neurosim-ci 2>/dev/null
  for f in "$work/slurmd.pid" "$work/slurmctld.pid"; do
    if [ -s "$f" ]; then
      pid=$(cat "$f"); kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
  done
  if [ -n "$started_munged" ]; then
    kill "$started_munged" 2>/dev/null
  fi
  if [ "${keep:-}" != 1 ]; then rm -rf "$work"; else log "kept $work"; fi
}
trap cleanup EXIT

log "building neurosim"
go build -o "$work/neurosim" ./cmd/neurosim

# munge: one per machine; start it only if none answers.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || mungekey --create
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge: /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
  chmod 0400 /etc/munge/munge.key
  su -s /bin/sh munge -c /usr/sbin/munged
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  started_munged=$(cat /run/munge/munged.pid)
  log "started munged (pid $started_munged)"
fi
munge -n | unmunge | grep -q Success || { echo "slurm-ci: munge does not work"; exit 1; }

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<CONF
ClusterName=neurosim-ci
SlurmctldHost=$host
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cat >"$work/cgroup.conf" <<CONF
CgroupPlugin=autodetect
CgroupAutomount=no
IgnoreSystemd=yes
CONF
export SLURM_CONF=$work/slurm.conf

log "starting slurmctld and slurmd ($host, $cpus CPUs)"
slurmctld -i -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for i in $(seq 60); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && break
  [ "$i" = 60 ] && { echo "slurm-ci: the node is not idle after 60 s (state '$state')"; tail -20 "$work/slurmctld.log" "$work/slurmd.log"; exit 1; }
  sleep 1
done
log "node $host is idle; submitting the sweep as a 3-task array"

start=$(date +%s)
NEUROSIM="$work/neurosim" sbatch --wait --array=0-2 --cpus-per-task=1 --job-name=neurosim-ci \
  --chdir="$work" --output="$work/task-%a.out" --export=ALL \
  "$repo/docs/slurm-sweep.sh" "$sweep" "$work/array" || {
  echo "slurm-ci: the array job failed"; tail -n 30 "$work"/task-*.out; exit 1; }
log "array done in $(( $(date +%s) - start )) s"
for t in 0 1 2; do
  grep -q "shard $t/3 (from SLURM_ARRAY_TASK_ID)" "$work/task-$t.out" ||
    { echo "slurm-ci: task $t did not run shard $t/3:"; cat "$work/task-$t.out"; exit 1; }
done
ls "$work/array"/points-*of3.jsonl | wc -l | grep -qx 3 || { echo "slurm-ci: expected 3 shard files"; ls "$work/array"; exit 1; }

"$work/neurosim" merge "$work/array" >/dev/null
log "running the same sweep unsharded"
"$work/neurosim" sweep "$sweep" --out "$work/one" --no-progress 2>/dev/null
"$work/neurosim" merge "$work/one" >/dev/null
for f in results.csv summary.csv summary.txt accuracy.png accuracy.svg; do
  cmp "$work/array/$f" "$work/one/$f" || { echo "slurm-ci: $f differs between the array job and the unsharded run"; exit 1; }
done
cat "$work/array/summary.txt"
log "OK: 3 Slurm array tasks merge byte-identically to one unsharded run"
