#!/bin/bash
# A neurosim sweep as a Slurm job array: task k of n runs shard k/n of the
# sweep (neurosim reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT itself), all tasks appending to their own results
# file in one shared directory. Submit, then merge when the array is done:
#
#   sbatch --array=0-2 docs/slurm-sweep.sh examples/sweeps/prog-sigma.toml /shared/runs/prog-sigma
#   neurosim merge /shared/runs/prog-sigma
#
# or in one go: sbatch --wait ... && neurosim merge DIR. Resubmitting the
# same array resumes: every task skips the points already recorded. The
# directory must be on a file system all nodes share; a task that lost its
# node mid-write leaves at most an unfinished last line, which the rerun cuts.
# NEUROSIM names the binary (default: neurosim on PATH).
#SBATCH --job-name=neurosim-sweep
#SBATCH --array=0-2
#SBATCH --cpus-per-task=2
#SBATCH --output=neurosim-sweep-%A_%a.out
set -euo pipefail
sweep=${1:?usage: sbatch --array=0-N-1 slurm-sweep.sh SWEEP.toml OUTDIR}
out=${2:?usage: sbatch --array=0-N-1 slurm-sweep.sh SWEEP.toml OUTDIR}
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array}"
echo "task ${SLURM_ARRAY_TASK_ID} of ${SLURM_ARRAY_TASK_COUNT} on $(hostname -s), ${SLURM_CPUS_PER_TASK:-1} cpu(s)"
exec "${NEUROSIM:-neurosim}" sweep "$sweep" --out "$out" --workers "${SLURM_CPUS_PER_TASK:-1}" --no-progress
