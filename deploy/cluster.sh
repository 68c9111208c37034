#!/usr/bin/env bash
# A local multi-process Flink cluster for EgoStream, started the way Flink's own standalone scripts start one: a
# Kafka broker (`egostream kafka`), a JobManager and N TaskManagers, each its own `java` process, from the
# distribution folder `mvn package` assembles in deploy/local-cluster/target/flink (lib/ from Maven Central).
# Usage: deploy/cluster.sh help. Guide: docs/operations.md, "A local cluster".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FLINK_HOME=${FLINK_HOME:-$ROOT/deploy/local-cluster/target/flink}
STATE=${EGOSTREAM_CLUSTER_DIR:-$ROOT/target/local-cluster}
CLI_JAR=${EGOSTREAM_CLI_JAR:-$ROOT/jobs/target/egostream.jar}
# What `submit` and `application` run: the thin job jar (no Flink, broker or DJL inside) and its plain main class.
JOB_JAR=${EGOSTREAM_JOB_JAR:-$ROOT/jobs/target/egostream-job.jar}
JOB_CLASS=io.egostream.job.EgoStreamJobMain
DJL_CACHE=${DJL_CACHE_DIR:-$ROOT/target/djl-cache}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
CONF=$STATE/conf

usage() {
  cat <<EOF
Usage: deploy/cluster.sh COMMAND [ARGS]

  up [--taskmanagers N]      start a Kafka broker, a session JobManager and N TaskManagers (default 2)
  submit [FLINK_RUN_OPTS] [-- JOB_ARGS]
                             submit the thin job jar like 'flink run -d' (e.g. -p 3, -s SAVEPOINT) with
                             --bootstrap-servers of the broker, then JOB_ARGS (e.g. -D clip.length.ms=4000)
  application [--taskmanagers N] [-- JOB_ARGS]
                             like up, but the JobManager runs the job itself (application mode, what the
                             Kubernetes operator runs); the cluster stops when the job ends
  taskmanager                start one more TaskManager
  kafka                      start the broker again (same port and data folder), e.g. after a crash
  flink ARGS                 Flink's own command line on this cluster: list, cancel JOB, stop --savepointPath DIR JOB
  crash NAME                 kill -9 one process (jobmanager, taskmanager-1, kafka, ...), for fault drills
  status                     the processes, the TaskManagers and the jobs
  down                       stop everything (the state folder stays)

Environment: EGOSTREAM_CLUSTER_DIR (state folder, default target/local-cluster), FLINK_REST_PORT (8081),
FLINK_RPC_PORT (6123), KAFKA_PORT (9092), KAFKA_BOOTSTRAP_SERVERS (use that Kafka instead of starting one; up only).
EOF
}

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

conf_value() { # KEY: its value in the cluster's config.yaml (flat keys, one per line)
  grep -E "^$1:" "$CONF/config.yaml" | tail -n 1 | sed -E "s/^[^:]+: *//"
}

rest_url() {
  echo "http://127.0.0.1:$(conf_value rest.port)"
}

bootstrap_servers() {
  cat "$STATE/kafka.bootstrap" 2>/dev/null || die "no cluster in $STATE (run: deploy/cluster.sh up)"
}

pid_running() { # PID: a zombie (killed, not yet reaped by its new parent) counts as dead
  kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]
}

pid_alive() { # NAME
  [[ -f $STATE/pids/$1.pid ]] && pid_running "$(cat "$STATE/pids/$1.pid")"
}

# Everything a Flink JVM of this cluster gets: module flags, DJL offline with its cache, the log file.
flink_jvm_opts() { # ROLE(jobmanager|taskmanager|client) LOG_NAME
  local opts
  opts="$(conf_value env.java.opts.all) $(conf_value "env.java.opts.$1")"
  echo "$opts -Dai.djl.offline=true -DDJL_CACHE_DIR=$DJL_CACHE -DENGINE_CACHE_DIR=$DJL_CACHE" \
    "-Dlog.file=$STATE/log/$2.log -Dlog4j.configurationFile=file:$CONF/log4j.properties"
}

# The memory flags Flink's bin/config.sh computes: line 1 the JVM's (-Xmx...), line 2 the -D settings that go after
# --configDir so that the process uses the sizes the flags were computed from.
memory_params() { # GET_JM_RESOURCE_PARAMS|GET_TM_RESOURCE_PARAMS
  "$JAVA" -cp "$FLINK_HOME/lib/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" 2>&1 \
    | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://' \
    || die "BashJavaUtils $1 failed (is $CONF/config.yaml valid?)"
}

start_process() { # NAME COMMAND...: in the background, detached from this shell, its pid in STATE/pids
  local name=$1
  shift
  pid_alive "$name" && die "$name is already running (pid $(cat "$STATE/pids/$name.pid"))"
  OPT_OUT_TRACKING=true FLINK_PLUGINS_DIR=$STATE/plugins nohup "$@" </dev/null >"$STATE/log/$name.out" 2>&1 &
  echo $! >"$STATE/pids/$name.pid"
}

start_flink_process() { # NAME ROLE RESOURCE_PARAMS MAIN_CLASS ARGS...
  local name=$1 role=$2 params=$3 main=$4
  shift 4
  local memory jvm dynamic
  memory=$(memory_params "$params")
  jvm=$(sed -n 1p <<<"$memory")
  dynamic=$(sed -n 2p <<<"$memory")
  # shellcheck disable=SC2086 # the flag strings split into words, as in Flink's scripts
  start_process "$name" "$JAVA" $jvm $(flink_jvm_opts "$role" "$name") -cp "$FLINK_HOME/lib/*" "$main" \
    --configDir "$CONF" $dynamic "$@"
}

wait_until() { # SECONDS WHAT COMMAND...: polls COMMAND every 0.5 s
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${deadline}s waiting for $what (logs: $STATE/log)"
    sleep 0.5
  done
}

registered_taskmanagers() {
  curl -sf "$(rest_url)/overview" | grep -o '"taskmanagers":[0-9]*' | cut -d: -f2
}

taskmanagers_at_least() { # N: also stops waiting at once if the JobManager has died (e.g. a bad job argument)
  pid_alive jobmanager || die "the JobManager has stopped: see $STATE/log/jobmanager.log"
  (($(registered_taskmanagers || echo 0) >= $1))
}

prepare_state() { # REST_PORT RPC_PORT: STATE/conf/config.yaml = the distribution's + this machine's paths and ports
  [[ -f $FLINK_HOME/conf/config.yaml ]] || die "no Flink distribution in $FLINK_HOME (run: mvn -B package -DskipTests)"
  [[ -f $CLI_JAR ]] || die "no $CLI_JAR (run: mvn -B package -DskipTests)"
  compgen -G "$FLINK_HOME/lib/pytorch-engine-*.jar" >/dev/null \
    || die "no DJL in $FLINK_HOME/lib (it comes from jobs/target/cluster-lib: run mvn -B package -DskipTests)"
  mkdir -p "$STATE/pids" "$STATE/log" "$STATE/tmp" "$STATE/plugins" "$CONF"
  cp "$FLINK_HOME/conf/log4j.properties" "$CONF/"
  cat "$FLINK_HOME/conf/config.yaml" - >"$CONF/config.yaml" <<EOF

# Written by deploy/cluster.sh for this state folder.
rest.port: $1
jobmanager.rpc.port: $2
io.tmp.dirs: $STATE/tmp
web.upload.dir: $STATE/tmp
execution.checkpointing.dir: file://$STATE/checkpoints
execution.checkpointing.savepoint-dir: file://$STATE/savepoints
EOF
}

start_kafka() {
  start_process kafka "$JAVA" -Xmx512m -jar "$CLI_JAR" kafka --port "$(cat "$STATE/kafka.port")" --dir "$STATE/kafka"
}

await_kafka() {
  wait_until 120 "the Kafka broker (log: $STATE/log/kafka.out)" grep -q '^bootstrap.servers=' "$STATE/log/kafka.out"
  echo "Kafka:       $(bootstrap_servers) (pid $(cat "$STATE/pids/kafka.pid"), data in $STATE/kafka)"
}

start_taskmanager() {
  local n=1
  while [[ -f $STATE/pids/taskmanager-$n.pid ]]; do # a crashed one keeps its name: the new one gets the next
    n=$((n + 1))
  done
  start_flink_process "taskmanager-$n" taskmanager GET_TM_RESOURCE_PARAMS \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner
  echo "TaskManager: taskmanager-$n (pid $(cat "$STATE/pids/taskmanager-$n.pid"), log $STATE/log/taskmanager-$n.log)"
}

# up and application: the broker (unless KAFKA_BOOTSTRAP_SERVERS), a JobManager (session or application), N TMs.
start_cluster() { # MODE(session|application) TASKMANAGERS JOB_ARGS...
  local mode=$1 taskmanagers=$2
  shift 2
  pid_alive jobmanager && die "a cluster is already running in $STATE (deploy/cluster.sh down first)"
  prepare_state "${FLINK_REST_PORT:-8081}" "${FLINK_RPC_PORT:-6123}"
  if [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
    echo "$KAFKA_BOOTSTRAP_SERVERS" >"$STATE/kafka.bootstrap"
  else
    echo "${KAFKA_PORT:-9092}" >"$STATE/kafka.port"
    echo "127.0.0.1:${KAFKA_PORT:-9092}" >"$STATE/kafka.bootstrap"
    start_kafka
  fi
  # All processes start at once: TaskManagers retry until the JobManager is up, the job until the broker is.
  if [[ $mode == session ]]; then
    start_flink_process jobmanager jobmanager GET_JM_RESOURCE_PARAMS \
      org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
  else
    start_flink_process jobmanager jobmanager GET_JM_RESOURCE_PARAMS \
      org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint \
      --jars "file://$JOB_JAR" --job-classname "$JOB_CLASS" --bootstrap-servers "$(bootstrap_servers)" "$@"
  fi
  local i
  for ((i = 0; i < taskmanagers; i++)); do
    start_taskmanager
  done
  [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || await_kafka
  wait_until 180 "$taskmanagers TaskManagers registered at $(rest_url)" taskmanagers_at_least "$taskmanagers"
  echo "JobManager:  pid $(cat "$STATE/pids/jobmanager.pid"), log $STATE/log/jobmanager.log"
  echo "Web UI:      $(rest_url)"
}

cmd_up() {
  local taskmanagers=2
  while (($#)); do
    case $1 in
      --taskmanagers) taskmanagers=$2; shift 2 ;;
      *) die "unknown option for up: $1" ;;
    esac
  done
  start_cluster session "$taskmanagers"
}

cmd_application() {
  local taskmanagers=2
  while (($#)) && [[ $1 != -- ]]; do
    case $1 in
      --taskmanagers) taskmanagers=$2; shift 2 ;;
      *) die "unknown option for application: $1" ;;
    esac
  done
  (($#)) && shift
  start_cluster application "$taskmanagers" "$@"
}

# Flink's command line (CliFrontend, what bin/flink runs) with this cluster's configuration.
cmd_flink() {
  [[ -f $CONF/config.yaml ]] || die "no cluster in $STATE (run: deploy/cluster.sh up)"
  # shellcheck disable=SC2046
  FLINK_CONF_DIR=$CONF FLINK_LIB_DIR=$FLINK_HOME/lib FLINK_PLUGINS_DIR=$STATE/plugins "$JAVA" $(flink_jvm_opts client client) \
    -cp "$FLINK_HOME/lib/*" org.apache.flink.client.cli.CliFrontend "$@"
}

cmd_submit() {
  local run_opts=()
  while (($#)) && [[ $1 != -- ]]; do
    run_opts+=("$1")
    shift
  done
  (($#)) && shift
  [[ -f $JOB_JAR ]] || die "no $JOB_JAR (run: mvn -B package -DskipTests)"
  cmd_flink run -d "${run_opts[@]}" -c "$JOB_CLASS" "$JOB_JAR" --bootstrap-servers "$(bootstrap_servers)" "$@"
}

not_alive() { # NAME
  ! pid_alive "$1"
}

cmd_crash() {
  local name=${1:?which process? (jobmanager, taskmanager-N, kafka)}
  pid_alive "$name" || die "$name is not running"
  kill -9 "$(cat "$STATE/pids/$name.pid")"
  wait_until 30 "$name to die" not_alive "$name"
  echo "killed $name (pid $(cat "$STATE/pids/$name.pid")) with SIGKILL"
}

cmd_status() {
  local f name
  for f in "$STATE"/pids/*.pid; do
    [[ -f $f ]] || continue
    name=$(basename "$f" .pid)
    if pid_alive "$name"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: stopped"; fi
  done
  if pid_alive jobmanager; then
    echo "Web UI: $(rest_url)"
    echo "TaskManagers registered: $(registered_taskmanagers || echo '?')"
    curl -sf "$(rest_url)/jobs/overview" | grep -o '"jid":"[^"]*","name":"[^"]*"\|"state":"[^"]*"' | paste -sd' ' \
      | sed 's/"jid":/\njob /g' | sed '/^$/d' || true
  fi
}

cmd_down() {
  local f pids=()
  for f in "$STATE"/pids/taskmanager-*.pid "$STATE/pids/jobmanager.pid" "$STATE/pids/kafka.pid"; do
    [[ -f $f ]] && pid_running "$(cat "$f")" && kill "$(cat "$f")" && pids+=("$(cat "$f")")
  done
  local deadline=$((SECONDS + 20)) pid
  for pid in "${pids[@]}"; do
    while pid_running "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    pid_running "$pid" && kill -9 "$pid" && echo "pid $pid did not stop in 20 s: killed"
  done
  rm -f "$STATE"/pids/*.pid
  echo "stopped ${#pids[@]} processes; state, logs and checkpoints stay in $STATE"
}

command=${1:-help}
(($#)) && shift
case $command in
  up) cmd_up "$@" ;;
  submit) cmd_submit "$@" ;;
  application) cmd_application "$@" ;;
  taskmanager) start_taskmanager ;;
  kafka) start_kafka && await_kafka ;;
  flink) cmd_flink "$@" ;;
  crash) cmd_crash "$@" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
