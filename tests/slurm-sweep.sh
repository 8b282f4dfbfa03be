#!/bin/sh
# Checks tools/slurm-sweep without Slurm (run by tests/test_sweep.c): a fake
# sbatch on PATH records the two job scripts; running the array script for
# each task and then the merge script must give the rows of one unsharded
# run, and so must --local.
set -eu
trainsim=${TRAINSIM:-build/trainsim}
export TRAINSIM="$(cd "$(dirname "$trainsim")" && pwd)/$(basename "$trainsim")"
sweep=$(pwd)/tests/sweep/tiny-grid.yaml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trainsim-slurm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
tools=$(pwd)/tools

"$TRAINSIM" sweep "$sweep" -o "$tmp/whole.jsonl" -j 1

mkdir "$tmp/bin" "$tmp/jobs"
cat >"$tmp/bin/sbatch" <<FAKE
#!/bin/sh
n=\$(ls "$tmp/jobs" | grep -c "sh\$" || true)
cat >"$tmp/jobs/\$n.sh"
printf '%s\n' "\$*" >"$tmp/jobs/\$n.args"
echo "\$((1000 + n))"
FAKE
chmod +x "$tmp/bin/sbatch"
cd "$tmp"
PATH="$tmp/bin:$PATH" "$tools/slurm-sweep" "$sweep" out.jsonl 3 --partition=test 2>/dev/null
grep -q -- "--array=1-3" jobs/0.args || { echo "the array job was not asked for 3 tasks" >&2; exit 1; }
grep -q -- "--dependency=afterok:1000" jobs/1.args || { echo "the merge does not wait for the array" >&2; exit 1; }
grep -q -- "--partition=test" jobs/1.args || { echo "sbatch options were not passed on" >&2; exit 1; }
for k in 1 2 3; do
    SLURM_ARRAY_TASK_ID=$k SLURM_CPUS_PER_TASK=2 sh jobs/0.sh
done
sh jobs/1.sh
cmp out.jsonl whole.jsonl || { echo "the Slurm steps' merged rows differ from one run's" >&2; exit 1; }

"$tools/slurm-sweep" --local "$sweep" local.jsonl 2
cmp local.jsonl whole.jsonl || { echo "--local's merged rows differ from one run's" >&2; exit 1; }
