#!/bin/sh
# Checks tools/slurm-sweep against a real Slurm on this machine (run by
# tests/test_slurm.c): Debian's munged, slurmctld and slurmd, started here as
# daemons with a slurm.conf written into a temporary folder (one node, this
# host, its CPUs; no cgroups: proctrack/linuxproc and task/none), run the
# array of 3 shards of tests/sweep/slurm-grid.yaml and the merge job. Two
# shards are stopped part-way, at a point that the test-hooks build of
# trainsim makes hang (TRAINSIM_SWEEP_HANG_POINT), the first time only:
#   - shard 2 is requeued while it runs (`scontrol requeue`, what preemption
#     or a node failure does): Slurm kills it, and the merge goes on waiting;
#   - shard 3's trainsim is killed (`scancel --signal=KILL --batch`): the
#     task fails, the merge is left pending (DependencyNeverSatisfied); the
#     task is requeued and the merge's dependency set again, as docs/sweep.md
#     tells users to.
# Both shards go on with --resume from the rows they had written, and the
# merged rows must be byte for byte those of one `trainsim sweep` here.
# Everything started is stopped at the end, on failure too.
#
# Exit 77, with the reason on stderr, when there is no Slurm to test with
# (tools/install-deps --test installs it) or when not root (slurmd must be).
set -eu
PATH=$PATH:/usr/sbin:/sbin
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
trainsim=$(abs "${TRAINSIM:-build/trainsim}")
hooks=$(abs "${TRAINSIM_TEST_HOOKS_BIN:-build/trainsim-test-hooks}")
sweep=$(pwd)/tests/sweep/slurm-grid.yaml
tools=$(pwd)/tools

missing=""
for c in munged slurmctld slurmd sbatch scontrol squeue scancel sinfo; do
    command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
if [ -n "$missing" ]; then
    echo "slurm-real: SKIPPED, no real Slurm here: missing$missing (Debian's munge, slurmctld, slurmd and" \
         "slurm-client, which tools/install-deps --test installs when it can)" >&2
    exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "slurm-real: SKIPPED: slurmd must start as root, and this runs as uid $(id -u)" >&2
    exit 77
fi

# A user's Slurm settings (inside a job, or SBATCH_PARTITION...) are not this
# cluster's.
for v in $(env | sed -n 's/^\(S\(BATCH\|LURM\|QUEUE\|INFO\|CANCEL\|CONTROL\)_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trainsim-slurm-real.XXXXXX")
chmod 711 "$tmp"
export SLURM_CONF="$tmp/slurm.conf"

# stop PIDFILE: ends the daemon whose pid it holds and waits for it (5 s).
stop() {
    [ -s "$1" ] || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || return 0
    n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -9 "$pid" 2>/dev/null || true
}

# Jobs first (slurmd's job steps outlive slurmd), then the daemons.
teardown() {
    if [ -s "$tmp/slurmctld.pid" ]; then
        scancel --user=root >/dev/null 2>&1 || true
        n=0
        while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ $n -lt 100 ]; do
            sleep 0.1
            n=$((n + 1))
        done
    fi
    stop "$tmp/slurmd.pid"
    stop "$tmp/slurmctld.pid"
    stop "$tmp/munge/munged.pid"
    rm -rf "$tmp"
}
trap teardown EXIT
trap 'exit 1' INT TERM

# fail MESSAGE: says what failed, with the jobs and the daemons' logs.
fail() {
    echo "slurm-real: $*" >&2
    scontrol -o show job 2>/dev/null | sed 's/^/  /' >&2 || true
    for log in "$tmp"/log/* "$tmp"/run/slurm-*.out; do
        [ -f "$log" ] || continue
        echo "--- $log (end)" >&2
        tail -n 25 "$log" >&2
    done
    exit 1
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails
# with WHAT after SECONDS.
wait_until() {
    seconds=$1 what=$2 n=0
    shift 2
    until "$@"; do
        n=$((n + 1))
        [ $n -lt $((seconds * 10)) ] || fail "$what: still not after $seconds s"
        sleep 0.1
    done
}

# A TCP port nobody listens on (from /proc/net/tcp{,6}), near START.
listening() {
    awk -v p="$(printf '%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 3) == p { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
free_port() {
    p=$1
    while listening "$p" || listening $((p + 1)); do p=$((p + 2)); done
    echo "$p"
}

# munged with its own key and socket.
mkdir -m 711 "$tmp/munge"
mkdir "$tmp/log" "$tmp/state" "$tmp/spool" "$tmp/run"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=128 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
munged --force --socket="$tmp/munge/socket" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/seed" \
    </dev/null >"$tmp/log/munged.out" 2>&1 || fail "munged did not start"

# Two shards hang at once: a one-CPU machine is declared with two.
cpus=$(nproc) overrides=""
if [ "$cpus" -lt 2 ]; then
    cpus=2 overrides="SlurmdParameters=config_overrides"
fi
port=$(free_port $((20000 + $$ % 5000 * 2)))
host=$(hostname -s)
cat >"$SLURM_CONF" <<EOF
# One node, this host; everything under $tmp.
ClusterName=trainsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerParameters=sched_interval=1
MinJobAge=600
KillWait=2
$overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=trainsimtest Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -i -f "$SLURM_CONF" </dev/null >"$tmp/log/slurmctld.out" 2>&1 || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" </dev/null >"$tmp/log/slurmd.out" 2>&1 || fail "slurmd did not start"
node_idle() { [ "$(sinfo -h -o %t 2>/dev/null)" = idle ]; }
wait_until 30 "the node $host is idle" node_idle

# The reference: one sweep on this machine.
"$trainsim" sweep "$sweep" -o "$tmp/whole.jsonl" -j 1 2>/dev/null

# The jobs' trainsim: shard 2 hangs at its point 16 (after 5 rows), shard 3
# at its point 20 (after 6 rows), until the test has stopped them once.
cat >"$tmp/trainsim" <<EOF
#!/bin/sh
case "\$*" in
*"--shard 2/3 "*) [ -e "$tmp/stopped-2" ] || TRAINSIM_SWEEP_HANG_POINT=16 exec "$hooks" "\$@" ;;
*"--shard 3/3 "*) [ -e "$tmp/stopped-3" ] || TRAINSIM_SWEEP_HANG_POINT=20 exec "$hooks" "\$@" ;;
esac
exec "$trainsim" "\$@"
EOF
chmod +x "$tmp/trainsim"

cd "$tmp/run"
TRAINSIM="$tmp/trainsim" "$tools/slurm-sweep" "$sweep" out.jsonl 3 2>submitted || fail "slurm-sweep: $(cat submitted)"
array=$(sed -n 's/.*array job \([0-9][0-9]*\) .*/\1/p' submitted)
merge=$(sed -n 's/.*then job \([0-9][0-9]*\) merges.*/\1/p' submitted)
if [ -z "$array" ] || [ -z "$merge" ]; then
    fail "slurm-sweep did not name its jobs: $(cat submitted)"
fi

state() { scontrol -o show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
reason() { scontrol -o show job "$1" | sed -n 's/.* Reason=\([^ ]*\).*/\1/p'; }
restarts() { scontrol -o show job "$1" | sed -n 's/.* Restarts=\([0-9]*\).*/\1/p'; }
rows() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
hangs() { [ "$(state "${array}_$1")" = RUNNING ] && [ "$(rows "out.shard-$1-of-3.jsonl")" -eq "$2" ]; }
is() { [ "$(state "$1")" = "$2" ]; }

wait_until 60 "shard 2 running, hung after 5 rows" hangs 2 5
wait_until 60 "shard 3 running, hung after 6 rows" hangs 3 6
[ "$(state "$merge")" = PENDING ] || fail "the merge job did not wait for the shards"

# requeued K: waits until task K is pending again, then has it start 2 s
# later. Slurm delays a requeued job's start by the credentials' lifetime
# (two minutes), which this shortens; not to now: slurmd refuses the
# credential of a job started in the second its last run was killed in
# ("Job credential revoked"), and the task then fails.
requeued() {
    pending() { is "${array}_$1" PENDING; }
    wait_until 30 "shard $1 pending again" pending "$1"
    scontrol update JobId="${array}_$1" StartTime=now+2 || fail "scontrol update StartTime failed"
}

# Shard 2: requeued while it runs; the merge goes on waiting.
touch "$tmp/stopped-2"
scontrol requeue "${array}_2" || fail "scontrol requeue ${array}_2 failed"
requeued 2
wait_until 60 "shard 2 completed after its requeue" is "${array}_2" COMPLETED
[ "$(state "$merge")" = PENDING ] || fail "the merge job did not wait for shard 3"

# Shard 3: its trainsim killed. The task fails, and the merge, waiting for
# every task to succeed, never can: it must be told to wait for the task
# that is requeued.
scancel --signal=KILL --batch "${array}_3" || fail "scancel --signal=KILL --batch ${array}_3 failed"
wait_until 30 "shard 3 failed after its trainsim was killed" is "${array}_3" FAILED
never() { [ "$(reason "$merge")" = DependencyNeverSatisfied ]; }
wait_until 30 "the merge job left pending by the failed shard" never
touch "$tmp/stopped-3"
scontrol requeue "${array}_3" || fail "scontrol requeue ${array}_3 failed"
requeued 3
scontrol update JobId="$merge" Dependency="afterok:${array}_3" || fail "scontrol update Dependency failed"

wait_until 60 "the merge job completed" is "$merge" COMPLETED
for k in 2 3; do
    [ "$(restarts "${array}_$k")" = 1 ] || fail "shard $k was not restarted once"
    grep -q "kept from before" "slurm-${array}_$k.out" || fail "shard $k did not resume: $(cat "slurm-${array}_$k.out")"
done
cmp out.jsonl "$tmp/whole.jsonl" || fail "the merged rows differ from one sweep's"
echo "slurm-real: 3 shards on $(sinfo -V), one requeued while running, one killed and" \
     "requeued, merged: the rows of one sweep" >&2
