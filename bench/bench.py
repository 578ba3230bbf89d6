#!/usr/bin/env python3
"""OpsBrain Store benchmarks: side-by-side ratios against peers and limits.

Run through bench/run.sh, which builds the binaries with -c opt and passes
--bin. Every contender runs on this machine, on loopback, against the same
server in the same run; contenders alternate (A B, then B A, ...), and each
figure is the median of --runs runs. See bench/README.md for the method.

Benchmarks (--only picks some):
  gateway   GET of one configuration and PATCH upsert of one goal through
            the gateway (wrk) versus the same calls over gRPC (grpc_load),
            at each of --concurrency, on one storage service on PostgreSQL.
  postgres  point read of a configuration and upsert of a preference through
            the storage service (grpc_load) versus pgbench running the same
            statements (-M prepared), same client count, same server.
  sqlite    the same through the storage service on SQLite versus the same
            statements in-process (sqlite_direct).
  import    a legacy file with --metrics-rows metrics: the migrator through
            the storage service into PostgreSQL versus pgloader.
  idle      the gateway's memory with --idle-connections idle keep-alive
            connections.

Only the Python standard library; needs root (PostgreSQL runs as the
postgres user, as in tests/postgres/postgres_server.h).
"""

import argparse
import json
import os
import platform
import pwd
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# What the issue asks of each comparison.
TARGET_GATEWAY_RPS = 0.8     # gateway throughput / direct gRPC, at least
TARGET_GATEWAY_P99 = 1.5     # gateway p99 / direct gRPC p99, at most
TARGET_POSTGRES_TPS = 0.7    # storage service / pgbench, at least
TARGET_IMPORT = 1.5          # migrator rows/s / pgloader rows/s, at least
TARGET_GATEWAY_MIB = 64      # peak resident memory, below
TARGET_STORAGE_MIB = 128

# Each bounded wait of the harness.
START_TIMEOUT = 60
STOP_TIMEOUT = 20


class BenchError(Exception):
    """A benchmark could not run; the message says why."""


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Processes

def read_status_kib(pid, field):
    """A kB field of /proc/PID/status (VmHWM, VmRSS), or None."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, with_children=False):
    """User plus system CPU of a process (and of its reaped children, with
    `with_children`), in seconds; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14-17 of proc(5), counted from after the command name.
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux 4.0+, 'echo 5 > clear_refs')."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
    except OSError as error:
        log(f"cannot reset the peak RSS of {pid}: {error}")


class Server:
    """A long-running child (storage service, gateway) with its log file."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=env)

    @property
    def pid(self):
        return self.proc.pid

    def wait_for(self, pattern, timeout=START_TIMEOUT):
        """Waits for a log line matching `pattern`; returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as log_file:
                text = log_file.read().decode("utf-8", "replace")
            match = regex.search(text)
            if match:
                return match
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with "
                                 f"{self.proc.returncode}:\n{text[-2000:]}")
            time.sleep(0.05)
        raise BenchError(f"{self.name} did not log /{pattern}/ within "
                         f"{timeout} s; see {self.log_path}")

    def peak_kib(self):
        return read_status_kib(self.pid, "VmHWM")

    def rss_kib(self):
        return read_status_kib(self.pid, "VmRSS")

    def reset_peak(self):
        reset_peak(self.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored SIGTERM for {STOP_TIMEOUT} s; "
                    "killing it")
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class Finished:
    """What a finished short-lived child did."""

    def __init__(self, argv, code, stdout, stderr, seconds, maxrss_kib):
        self.argv = argv
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.maxrss_kib = maxrss_kib

    def check(self):
        if self.code != 0:
            raise BenchError(
                f"{os.path.basename(self.argv[0])} exited with {self.code}:"
                f"\n{self.stdout[-1500:]}\n{self.stderr[-1500:]}")
        return self


def run(argv, timeout, env=None, cwd=None):
    """Runs `argv` to its end (killed after `timeout` s) and reports its
    wall time and peak RSS (from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        deadline = started + timeout
        timed_out = False
        # The child's own peak, sampled while it runs: wait4's ru_maxrss
        # would also count this Python process, which the child was a copy
        # of until its exec.
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib,
                           read_status_kib(proc.pid, "VmHWM") or 0)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.monotonic() > deadline:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        finished = Finished(argv, proc.returncode,
                            out.read().decode("utf-8", "replace"),
                            err.read().decode("utf-8", "replace"),
                            seconds, peak_kib or None)
        finished.cpu_seconds = usage.ru_utime + usage.ru_stime
    if timed_out:
        raise BenchError(f"{os.path.basename(argv[0])} ran over {timeout} s")
    return finished


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster, as tests/postgres/postgres_server.h
# starts one (trust auth, 127.0.0.1 only).

def pg_bindir():
    root = "/usr/lib/postgresql"
    versions = sorted((v for v in os.listdir(root) if v.isdigit()), key=int)
    for version in reversed(versions):
        if os.access(f"{root}/{version}/bin/pg_ctl", os.X_OK):
            return f"{root}/{version}/bin"
    raise BenchError("no PostgreSQL server binaries under /usr/lib/postgresql")


class Postgres:
    def __init__(self, work, durable):
        self.bindir = pg_bindir()
        self.root = tempfile.mkdtemp(prefix="opsbrain-bench-pg-", dir=work)
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.durable = durable
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            os.chmod(os.path.dirname(self.root), 0o755)

    def _pg(self, argv, timeout=120):
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return run(argv, timeout, cwd="/").check()

    def start(self):
        self._pg([f"{self.bindir}/initdb", f"--pgdata={self.data}",
                  "--auth=trust", "--username=postgres", "--encoding=UTF8",
                  "--locale=C", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.root} "
                   "-c max_connections=200 -c shared_buffers=256MB")
        if not self.durable:
            options += (" -c fsync=off -c synchronous_commit=off"
                        " -c full_page_writes=off")
        self._pg([f"{self.bindir}/pg_ctl", "start", "-w", "-t", "60",
                  "-D", self.data, "-l", os.path.join(self.root, "log"),
                  "-o", options])

    def stop(self):
        try:
            self._pg([f"{self.bindir}/pg_ctl", "stop", "-w", "-m",
                      "immediate", "-D", self.data])
        except BenchError as error:
            log(f"stopping PostgreSQL: {error}")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def cpu_seconds(self):
        """CPU of the whole cluster: the postmaster, the backends it has
        reaped, and those alive."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as pidfile:
                postmaster = int(pidfile.readline())
        except (OSError, ValueError):
            return 0.0
        total = cpu_seconds(postmaster, with_children=True)
        try:
            with open(f"/proc/{postmaster}/task/{postmaster}/children") as c:
                children = [int(pid) for pid in c.read().split()]
        except OSError:
            children = []
        return total + sum(cpu_seconds(pid) for pid in children)

    def psql(self, database, sql):
        return run([f"{self.bindir}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                    "-d", database, "-At", "-c", sql], 300).check().stdout

    def create(self, database):
        self.psql("postgres", f"DROP DATABASE IF EXISTS {database} "
                              "WITH (FORCE)")
        self.psql("postgres", f"CREATE DATABASE {database}")

    def drop(self, database):
        self.psql("postgres", f"DROP DATABASE IF EXISTS {database} "
                              "WITH (FORCE)")


# --------------------------------------------------------------------------
# Contenders' output

def parse_wrk_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"unreadable wrk latency {text!r}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    return float(match.group(1)) * scale[match.group(2)]


def parse_wrk(out):
    """wrk --latency output -> rps, p50_ms, p99_ms, errors."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    requests = re.search(r"(\d+) requests in", out)
    if not (rps and p50 and p99 and requests):
        raise BenchError(f"unreadable wrk output:\n{out}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), "
        r"timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": float(rps.group(1)),
            "p50_ms": parse_wrk_duration_ms(p50.group(1)),
            "p99_ms": parse_wrk_duration_ms(p99.group(1)),
            "requests": int(requests.group(1)), "errors": errors}


def parse_load_json(out):
    """grpc_load / sqlite_direct's JSON line."""
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            if result["errors"]:
                log(f"{result['errors']} errors, first: "
                    f"{result['first_error']}")
            return result
    raise BenchError(f"no result line in:\n{out}")


def parse_pgbench(out):
    tps = re.search(r"tps = ([\d.]+)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    if not tps:
        raise BenchError(f"unreadable pgbench output:\n{out}")
    return {"rps": float(tps.group(1)),
            "mean_ms": float(latency.group(1)) if latency else None,
            "errors": int(failed.group(1)) if failed else 0}


def parse_pgloader(out):
    """The rows pgloader reports loaded, and its error count."""
    total = re.search(r"Total import time\s+(\S+)\s+(\d+)", out)
    if not total:
        raise BenchError(f"unreadable pgloader output:\n{out[-3000:]}")
    errors = 0 if total.group(1) == "\u2713" else int(total.group(1))
    return int(total.group(2)), errors


# --------------------------------------------------------------------------
# Results

class Results:
    def __init__(self):
        self.samples = []   # one per contender run
        self.memory = []    # (benchmark, process, peak KiB)
        self.notes = []
        self.loads = []     # the 1-minute load average after each run

    def add(self, bench, workload, concurrency, contender, figures):
        sample = dict(bench=bench, workload=workload, concurrency=concurrency,
                      contender=contender, **figures)
        self.samples.append(sample)
        self.loads.append(os.getloadavg()[0])
        extra = ""
        if figures.get("p99_ms") is not None:
            extra = (f" p50 {figures['p50_ms']:.2f} ms"
                     f" p99 {figures['p99_ms']:.2f} ms")
        errors = figures.get("errors")
        log(f"  {workload} c={concurrency} {contender}: "
            f"{figures['rps']:.0f}/s{extra}"
            + (f" ERRORS {errors}" if errors else ""))

    def peak(self, bench, process, kib):
        if kib:
            self.memory.append((bench, process, kib))

    def median(self, bench, workload, concurrency, contender, field):
        values = [s[field] for s in self.samples
                  if s["bench"] == bench and s["workload"] == workload
                  and s["concurrency"] == concurrency
                  and s["contender"] == contender
                  and s.get(field) is not None]
        return statistics.median(values) if values else None

    def count(self, bench, workload, concurrency, contender):
        return len([s for s in self.samples
                    if s["bench"] == bench and s["workload"] == workload
                    and s["concurrency"] == concurrency
                    and s["contender"] == contender])


def ratio(ours, theirs):
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def verdict(met):
    return "met" if met else "**missed**"


def report(results, comparisons, args, started, finished):
    """The Markdown tables of bench/README.md."""
    lines = []
    uname = platform.uname()
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                      if line.startswith("model name")), "unknown CPU")
    loads = results.loads or [os.getloadavg()[0]]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started))
    lines.append(f"Run {when} ({(finished - started) / 60:.0f} min): "
                 f"{os.cpu_count()} cores ({model}), {uname.system} "
                 f"{uname.release}; {args.runs} runs of {args.duration} s "
                 f"per contender, alternating; 1-minute load average "
                 f"{min(loads):.1f} to {max(loads):.1f} during the runs; "
                 "PostgreSQL "
                 f"{'durable' if args.pg_durable else 'with fsync off'}.")
    lines.append("")

    rows = [c for c in comparisons if c["kind"] == "throughput"]
    if rows:
        lines.append("| benchmark | workload | conc. | ours | ours/s | "
                     "p50 ms | p99 ms | baseline | baseline/s | p50 ms | "
                     "p99 ms | ratio /s | ratio p99 | target |")
        lines.append("| --- | --- | ---: | --- | ---: | ---: | ---: | --- | "
                     "---: | ---: | ---: | ---: | ---: | --- |")
        for c in rows:
            key = (c["bench"], c["workload"], c["concurrency"])
            ours = {f: results.median(*key, c["ours"], f)
                    for f in ("rps", "p50_ms", "p99_ms")}
            base = {f: results.median(*key, c["baseline"], f)
                    for f in ("rps", "p50_ms", "p99_ms", "mean_ms")}
            rps_ratio = ratio(ours["rps"], base["rps"])
            p99_ratio = ratio(ours["p99_ms"], base["p99_ms"])
            target = "-"
            if c.get("min_rps") is not None and rps_ratio is not None:
                met = rps_ratio >= c["min_rps"]
                target = f"/s >= {c['min_rps']}: {verdict(met)}"
                c["met"] = met
                if c.get("max_p99") is not None and p99_ratio is not None:
                    met_p99 = p99_ratio <= c["max_p99"]
                    target += f"; p99 <= {c['max_p99']}: {verdict(met_p99)}"
                    c["met"] = met and met_p99
            base_p50 = fmt(base["p50_ms"], 2)
            base_p99 = fmt(base["p99_ms"], 2)
            if base["p50_ms"] is None and base["mean_ms"] is not None:
                base_p50 = f"avg {base['mean_ms']:.2f}"
            runs = results.count(*key, c["ours"])
            lines.append(
                f"| {c['bench']} | {c['workload']} | {c['concurrency']} | "
                f"{c['ours']} | {fmt(ours['rps'])} | {fmt(ours['p50_ms'], 2)} "
                f"| {fmt(ours['p99_ms'], 2)} | {c['baseline']} | "
                f"{fmt(base['rps'])} | {base_p50} | {base_p99} | "
                f"{fmt(rps_ratio, 2)} | {fmt(p99_ratio, 2)} | {target} |")
            c.update(ours_rps=ours["rps"], baseline_rps=base["rps"],
                     ratio_rps=rps_ratio, ratio_p99=p99_ratio, runs=runs)
        lines.append("")

    rows = [c for c in comparisons if c["kind"] == "import"]
    if rows:
        lines.append("| import | rows | ours | rows/s | s | peak MiB | "
                     "baseline | rows/s | s | peak MiB | ratio | target |")
        lines.append("| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | "
                     "---: | ---: | ---: | --- |")
        for c in rows:
            key = (c["bench"], c["workload"], c["concurrency"])
            ours = {f: results.median(*key, c["ours"], f)
                    for f in ("rps", "seconds", "maxrss_kib")}
            base = {f: results.median(*key, c["baseline"], f)
                    for f in ("rps", "seconds", "maxrss_kib")}
            r = ratio(ours["rps"], base["rps"])
            met = r is not None and r >= TARGET_IMPORT
            c.update(met=met, ratio_rps=r, ours_rps=ours["rps"],
                     baseline_rps=base["rps"])
            lines.append(
                f"| legacy file | {c['concurrency']:,} | {c['ours']} | "
                f"{fmt(ours['rps'])} | {fmt(ours['seconds'], 1)} | "
                f"{fmt((ours['maxrss_kib'] or 0) / 1024)} | {c['baseline']} "
                f"| {fmt(base['rps'])} | {fmt(base['seconds'], 1)} | "
                f"{fmt((base['maxrss_kib'] or 0) / 1024)} | {fmt(r, 2)} | "
                f">= {TARGET_IMPORT}: {verdict(met)} |")
        lines.append("")

    cpu_rows = []
    processes = ["client", "gateway", "storage_service", "postgres"]
    for c in comparisons:
        if c["kind"] != "throughput":
            continue
        for contender in (c["ours"], c["baseline"]):
            samples = [s["cpu_us"] for s in results.samples
                       if s["bench"] == c["bench"]
                       and s["workload"] == c["workload"]
                       and s["concurrency"] == c["concurrency"]
                       and s["contender"] == contender and "cpu_us" in s]
            if not samples:
                continue
            medians = {p: statistics.median(x.get(p, 0) for x in samples)
                       for p in processes}
            total = statistics.median(sum(x.values()) for x in samples)
            cpu_rows.append(
                f"| {c['bench']} | {c['workload']} | {c['concurrency']} | "
                f"{contender} | " + " | ".join(
                    fmt(medians[p]) if medians[p] else "-"
                    for p in processes) + f" | {fmt(total)} |")
    if cpu_rows:
        lines.append("| CPU µs per request | workload | conc. | contender | "
                     "client | gateway | storage_service | PostgreSQL | "
                     "total |")
        lines.append("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | "
                     "---: |")
        lines.extend(cpu_rows)
        lines.append("")

    if results.memory:
        peaks = {}
        for bench, process, kib in results.memory:
            peaks.setdefault((bench, process), []).append(kib)
        lines.append("| peak resident memory (VmHWM) | during | max MiB | "
                     "target |")
        lines.append("| --- | --- | ---: | --- |")
        for (bench, process), values in peaks.items():
            mib = max(values) / 1024
            target = ""
            if process.startswith("gateway"):
                target = (f"< {TARGET_GATEWAY_MIB}: "
                          f"{verdict(mib < TARGET_GATEWAY_MIB)}")
            elif process.startswith("storage_service"):
                target = (f"< {TARGET_STORAGE_MIB}: "
                          f"{verdict(mib < TARGET_STORAGE_MIB)}")
            lines.append(f"| {process} | {bench} | {mib:.1f} | {target} |")
        lines.append("")

    for note in results.notes:
        lines.append(f"- {note}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# The benchmarks

class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = args.bin
        self.work = tempfile.mkdtemp(prefix="opsbrain-bench-")
        self.results = Results()
        self.comparisons = []
        self.pg = None
        self.token = None
        self.token_line = None

    def binary(self, path):
        full = os.path.join(self.bin, path)
        if not os.access(full, os.X_OK):
            raise BenchError(f"{full} is missing; bench/run.sh builds it")
        return full

    def logfile(self, name):
        return os.path.join(self.work, name + ".log")

    def postgres(self):
        if self.pg is None:
            self.pg = Postgres(self.work, self.args.pg_durable)
            self.pg.start()
            log(f"PostgreSQL on 127.0.0.1:{self.pg.port}")
        return self.pg

    def close(self):
        if self.pg is not None:
            self.pg.stop()
        if not self.args.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- Processes of ours

    def start_storage(self, name, database_url, extra=()):
        server = Server(
            name,
            [self.binary("storage_service/storage_service"),
             "--listen=127.0.0.1:0", f"--database_url={database_url}",
             "--migrate", "--sweep_interval=0",
             f"--database_pool_size={self.args.pool_size}", *extra],
            self.logfile(name))
        port = int(server.wait_for(r"listening on 127\.0\.0\.1:(\d+)")
                   .group(1))
        return server, f"127.0.0.1:{port}"

    def make_token(self):
        if self.token is None:
            out = run([self.binary("gateway/gateway"), "--new_token=bench",
                       "--new_token_scopes=read,write"], 30).check().stdout
            lines = out.strip().splitlines()
            self.token, self.token_line = lines[0].strip(), lines[1].strip()
        return self.token

    def start_gateway(self, name, storage_address):
        self.make_token()
        server = Server(
            name,
            [self.binary("gateway/gateway"), "--port=0",
             "--bind_address=127.0.0.1", f"--storage={storage_address}",
             "--storage_plaintext", f"--auth_tokens={self.token_line}",
             # The limiter stays in the path, never throttling one caller.
             "--rate_limit=1000000000", "--rate_limit_burst=1000000000",
             f"--threads={self.args.gateway_threads}"],
            self.logfile(name))
        port = int(server.wait_for(r"listening on 127\.0\.0\.1:(\d+)")
                   .group(1))
        return server, port

    # ---- Contenders

    def grpc_load(self, target, method, connections, duration, warmup=0,
                  keys=None):
        argv = [self.binary("bench/grpc_load"), f"--target={target}",
                f"--method={method}", f"--connections={connections}",
                f"--threads={self.args.client_threads}",
                f"--duration={duration}s", f"--warmup={warmup}s",
                f"--keys={keys or self.args.keys}"]
        finished = run(argv, duration + warmup + 60).check()
        figures = parse_load_json(finished.stdout)
        figures["maxrss_kib"] = finished.maxrss_kib
        figures["cpu_seconds"] = finished.cpu_seconds
        return figures

    def wrk(self, url, connections, duration, script=None):
        argv = ["wrk", f"-t{self.args.client_threads}", f"-c{connections}",
                f"-d{duration}s", "--latency", "--timeout", "10s",
                "-H", f"Authorization: Bearer {self.token}"]
        if script:
            argv += ["-s", script]
        argv.append(url)
        env = dict(os.environ, BENCH_KEYS=str(self.args.keys))
        finished = run(argv, duration + 60, env=env).check()
        figures = parse_wrk(finished.stdout)
        figures["maxrss_kib"] = finished.maxrss_kib
        figures["cpu_seconds"] = finished.cpu_seconds
        return figures

    def pgbench(self, database, script, clients, duration):
        pg = self.postgres()
        argv = [f"{pg.bindir}/pgbench", "-n", "-M", "prepared",
                "-c", str(clients), "-j", str(self.args.client_threads),
                "-T", str(duration), "-f", script, "-h", "127.0.0.1",
                "-p", str(pg.port), "-U", "postgres", database]
        finished = run(argv, duration + 60).check()
        figures = parse_pgbench(finished.stdout)
        figures["maxrss_kib"] = finished.maxrss_kib
        figures["cpu_seconds"] = finished.cpu_seconds
        return figures

    def sqlite_direct(self, path, method, connections, duration, warmup=0):
        argv = [self.binary("bench/sqlite_direct"), f"--db={path}",
                f"--method={method}", f"--connections={connections}",
                f"--duration={duration}s", f"--warmup={warmup}s",
                f"--keys={self.args.keys}"]
        finished = run(argv, duration + warmup + 60).check()
        figures = parse_load_json(finished.stdout)
        figures["maxrss_kib"] = finished.maxrss_kib
        figures["cpu_seconds"] = finished.cpu_seconds
        return figures

    def alternate(self, bench, workload, concurrency, contenders,
                  servers=()):
        """Warms each contender up, then runs them --runs times in
        alternating order. `contenders` maps a name to a function of the
        duration returning figures; `servers` names the processes (a name
        and a function giving CPU seconds) whose CPU per request is
        recorded beside the client's."""
        names = list(contenders)
        for name in names:
            contenders[name](self.args.warmup)
        servers = list(servers)
        if self.pg is not None:
            servers.append(("postgres", self.pg.cpu_seconds))
        for run_index in range(self.args.runs):
            order = names if run_index % 2 == 0 else list(reversed(names))
            for name in order:
                before = {server: cpu() for server, cpu in servers}
                figures = contenders[name](self.args.duration)
                requests = figures["rps"] * self.args.duration
                if requests > 0:
                    cpu_us = {"client": figures.pop("cpu_seconds", 0)
                              * 1e6 / requests}
                    for server, cpu in servers:
                        cpu_us[server] = ((cpu() - before[server]) * 1e6
                                          / requests)
                    figures["cpu_us"] = cpu_us
                self.results.add(bench, workload, concurrency, name, figures)
                self.results.peak(bench, client_process(name),
                                  figures.get("maxrss_kib"))

    # ---- Seeds

    def seed_postgres(self, database, configs=True, goals=False,
                      preferences=False):
        keys = self.args.keys
        statements = []
        if configs:
            statements.append(
                "INSERT INTO configurations (key, value, category, "
                "description, is_sensitive, created_at, updated_at, etag) "
                "VALUES ('bench_config', 'OpsBrain', 'general', "
                "'Display name', false, now(), now(), 'seed')")
        if goals:
            statements.append(
                "INSERT INTO business_goals (id, title, description, area, "
                "status, priority, progress, weekly_actions, daily_actions, "
                "success_metrics, notes, created_at, updated_at, etag) "
                "SELECT 'bench_goal_' || i, 'Goal', '', 'sales', "
                "'in_progress', 3, 0, '[]', '[]', '{}', '', now(), now(), "
                f"'seed' FROM generate_series(1, {keys}) i")
        if preferences:
            statements.append(
                "INSERT INTO user_preferences (user_id, preference_key, "
                "preference_value, created_at, updated_at, etag) "
                "SELECT 'bench_user_' || i, 'theme', 'dark', now(), now(), "
                f"'seed' FROM generate_series(1, {keys}) i")
        self.postgres().psql(database, "; ".join(statements))

    def seed_sqlite(self, path):
        keys = self.args.keys
        sql = (
            "INSERT INTO configurations (key, value, category, description, "
            "is_sensitive, created_at, updated_at, etag) VALUES "
            "('bench_config', 'OpsBrain', 'general', 'Display name', 0, "
            "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', "
            "'seed');"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            f"WHERE i < {keys}) INSERT INTO user_preferences (user_id, "
            "preference_key, preference_value, created_at, updated_at, etag) "
            "SELECT 'bench_user_' || i, 'theme', 'dark', "
            "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', "
            "'seed' FROM n;")
        run(["sqlite3", path, sql], 60).check()

    # ---- Gateway overhead

    def bench_gateway(self):
        log("gateway overhead: wrk through the gateway vs grpc_load direct")
        pg = self.postgres()
        pg.create("bench_gateway")
        storage, address = self.start_storage(
            "storage_service-gateway", pg.url("bench_gateway"))
        gateway, port = self.start_gateway("gateway-load", address)
        try:
            self.seed_postgres("bench_gateway", goals=True)
            storage.reset_peak()
            gateway.reset_peak()
            base = f"http://127.0.0.1:{port}"
            script = os.path.join(HERE, "wrk", "update_goal.lua")
            servers = [("gateway", lambda: cpu_seconds(gateway.pid)),
                       ("storage_service", lambda: cpu_seconds(storage.pid))]
            for conc in self.args.concurrency:
                self.alternate("gateway", "GET configuration", conc, {
                    "gateway (wrk)": lambda d, c=conc: self.wrk(
                        f"{base}/v1/configurations/bench_config", c, d),
                    "gRPC (grpc_load)": lambda d, c=conc: self.grpc_load(
                        address, "get_configuration", c, d),
                }, servers)
                self.alternate("gateway", "PATCH goal upsert", conc, {
                    "gateway (wrk)": lambda d, c=conc: self.wrk(
                        f"{base}/v1/businessGoals/x", c, d, script),
                    "gRPC (grpc_load)": lambda d, c=conc: self.grpc_load(
                        address, "update_business_goal", c, d),
                }, servers)
                for workload in ("GET configuration", "PATCH goal upsert"):
                    self.comparisons.append(dict(
                        kind="throughput", bench="gateway", workload=workload,
                        concurrency=conc, ours="gateway (wrk)",
                        baseline="gRPC (grpc_load)",
                        min_rps=TARGET_GATEWAY_RPS,
                        max_p99=TARGET_GATEWAY_P99))
            self.results.peak("gateway", "gateway", gateway.peak_kib())
            self.results.peak("gateway", "storage_service (PostgreSQL)",
                              storage.peak_kib())
        finally:
            gateway.stop()
            storage.stop()
            pg.drop("bench_gateway")

    # ---- Storage service versus the database

    def bench_postgres(self):
        log("storage service on PostgreSQL vs pgbench, same statements")
        pg = self.postgres()
        pg.create("bench_db")
        storage, address = self.start_storage(
            "storage_service-postgres", pg.url("bench_db"))
        try:
            self.seed_postgres("bench_db", preferences=True)
            storage.reset_peak()
            clients = self.args.clients
            servers = [("storage_service", lambda: cpu_seconds(storage.pid))]
            read_sql = os.path.join(HERE, "pgbench", "get_configuration.sql")
            write_sql = os.path.join(HERE, "pgbench",
                                     "update_user_preference.sql")
            self.alternate("postgres", "read configuration", clients, {
                "storage service (grpc_load)": lambda d: self.grpc_load(
                    address, "get_configuration", clients, d),
                "pgbench": lambda d: self.pgbench(
                    "bench_db", read_sql, clients, d),
            }, servers)
            self.alternate("postgres", "upsert preference", clients, {
                "storage service (grpc_load)": lambda d: self.grpc_load(
                    address, "update_user_preference", clients, d),
                "pgbench": lambda d: self.pgbench(
                    "bench_db", write_sql, clients, d),
            }, servers)
            for workload in ("read configuration", "upsert preference"):
                self.comparisons.append(dict(
                    kind="throughput", bench="postgres", workload=workload,
                    concurrency=clients,
                    ours="storage service (grpc_load)", baseline="pgbench",
                    min_rps=TARGET_POSTGRES_TPS))
            self.results.peak("postgres", "storage_service (PostgreSQL)",
                              storage.peak_kib())
        finally:
            storage.stop()
            pg.drop("bench_db")

    def bench_sqlite(self):
        log("storage service on SQLite vs the statements in-process")
        path = os.path.join(self.work, "bench-store.db")
        storage, address = self.start_storage("storage_service-sqlite",
                                              f"sqlite://{path}")
        try:
            self.seed_sqlite(path)
            storage.reset_peak()
            clients = self.args.clients
            for workload, method in (("read configuration",
                                      "get_configuration"),
                                     ("upsert preference",
                                      "update_user_preference")):
                self.alternate("sqlite", workload, clients, {
                    "storage service (grpc_load)":
                        lambda d, m=method: self.grpc_load(
                            address, m, clients, d),
                    "sqlite3 in-process": lambda d, m=method:
                        self.sqlite_direct(path, m, clients, d),
                }, [("storage_service", lambda: cpu_seconds(storage.pid))])
                self.comparisons.append(dict(
                    kind="throughput", bench="sqlite", workload=workload,
                    concurrency=clients, ours="storage service (grpc_load)",
                    baseline="sqlite3 in-process"))
            self.results.peak("sqlite", "storage_service (SQLite)",
                              storage.peak_kib())
        finally:
            storage.stop()

    # ---- Legacy import

    def bench_import(self):
        rows_wanted = self.args.metrics_rows
        log(f"legacy import ({rows_wanted:,} metrics rows): migrator vs "
            "pgloader")
        pg = self.postgres()
        legacy = os.path.join(self.work, "legacy.db")
        made = run([os.path.join(HERE, "make_legacy_db.sh"), legacy,
                    str(rows_wanted)], 1800).check()
        log(made.stdout.strip())
        total = int(re.search(r"(\d+) rows", made.stdout).group(1))

        def ours(_duration):
            pg.create("bench_import")
            storage, address = self.start_storage(
                "storage_service-import", pg.url("bench_import"))
            copy = os.path.join(self.work, "import-copy.db")
            shutil.copyfile(legacy, copy)
            try:
                storage.reset_peak()
                finished = run([self.binary("migrator/migrator"), "import",
                                f"--from={copy}", "--keep",
                                f"--storage={address}"],
                               self.args.import_timeout).check()
                self.results.peak("import", "storage_service (PostgreSQL)",
                                  storage.peak_kib())
            finally:
                storage.stop()
                pg.drop("bench_import")
                for leftover in os.listdir(self.work):
                    if leftover.startswith("import-copy.db"):
                        os.remove(os.path.join(self.work, leftover))
            return {"rps": total / finished.seconds,
                    "seconds": finished.seconds,
                    "maxrss_kib": finished.maxrss_kib, "errors": 0}

        def pgloader(_duration):
            pg.create("bench_pgloader")
            try:
                finished = run(["pgloader", legacy,
                                pg.url("bench_pgloader")],
                               self.args.import_timeout).check()
            finally:
                pg.drop("bench_pgloader")
            loaded, errors = parse_pgloader(finished.stdout +
                                            finished.stderr)
            if loaded != total or errors:
                raise BenchError(f"pgloader loaded {loaded} of {total} rows "
                                 f"with {errors} errors")
            return {"rps": total / finished.seconds,
                    "seconds": finished.seconds,
                    "maxrss_kib": finished.maxrss_kib, "errors": errors}

        contenders = {"migrator": ours, "pgloader": pgloader}
        for run_index in range(self.args.import_runs):
            order = (list(contenders) if run_index % 2 == 0
                     else list(reversed(list(contenders))))
            for name in order:
                figures = contenders[name](0)
                self.results.add("import", "legacy file", total, name,
                                 figures)
                self.results.peak("import", name, figures["maxrss_kib"])
        self.comparisons.append(dict(
            kind="import", bench="import", workload="legacy file",
            concurrency=total, ours="migrator", baseline="pgloader"))

    # ---- Idle connections

    def bench_idle(self):
        count = self.args.idle_connections
        log(f"gateway memory with {count} idle keep-alive connections")
        path = os.path.join(self.work, "idle-store.db")
        storage, address = self.start_storage("storage_service-idle",
                                              f"sqlite://{path}")
        gateway, port = self.start_gateway("gateway-idle", address)
        sockets = []
        try:
            self.seed_sqlite(path)
            request = (f"GET /v1/configurations/bench_config HTTP/1.1\r\n"
                       f"Host: 127.0.0.1:{port}\r\n"
                       f"Authorization: Bearer {self.token}\r\n\r\n"
                       ).encode()
            gateway.reset_peak()
            for _ in range(count):
                conn = socket.create_connection(("127.0.0.1", port), 10)
                conn.sendall(request)
                read_http_response(conn)
                sockets.append(conn)
            time.sleep(1)
            # Every connection is still open and idle.
            peak = gateway.peak_kib()
            rss = gateway.rss_kib()
            self.results.peak(f"{count} idle keep-alive connections",
                              "gateway", peak)
            self.results.notes.append(
                f"gateway holding {count} idle keep-alive connections "
                f"(each after one GET): VmRSS {rss / 1024:.1f} MiB, "
                f"VmHWM {peak / 1024:.1f} MiB.")
        finally:
            for conn in sockets:
                conn.close()
            gateway.stop()
            storage.stop()


def client_process(contender):
    """The load client's program in a contender's name: "gateway (wrk)" is
    wrk, "pgbench" pgbench."""
    inner = re.search(r"\((.+)\)", contender)
    name = inner.group(1) if inner else contender
    return "client: " + {"sqlite3 in-process": "sqlite_direct"}.get(name, name)


def read_http_response(conn):
    """Reads one HTTP/1.1 response with a Content-Length; raises unless
    200."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise BenchError("the gateway closed a connection")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status = head.split(b" ", 2)[1]
    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
    want = int(length.group(1)) if length else 0
    while len(body) < want:
        chunk = conn.recv(65536)
        if not chunk:
            raise BenchError("the gateway closed a connection")
        body += chunk
    if status != b"200":
        raise BenchError(f"the gateway answered {status.decode()}: "
                         f"{body[:200]!r}")


# --------------------------------------------------------------------------

ALL = ("gateway", "postgres", "sqlite", "import", "idle")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True,
                        help="bazel-bin of a -c opt build")
    parser.add_argument("--only", default=",".join(ALL),
                        help="comma-separated subset of " + ", ".join(ALL))
    parser.add_argument("--runs", type=int, default=5,
                        help="measured runs per contender (median of them)")
    parser.add_argument("--duration", type=int, default=5,
                        help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=1,
                        help="seconds of one unmeasured run per contender")
    parser.add_argument("--concurrency", default="16,64",
                        help="gateway benchmark connections, comma-separated")
    parser.add_argument("--clients", type=int, default=8,
                        help="clients of the database benchmarks")
    parser.add_argument("--pool_size", "--pool-size", dest="pool_size",
                        type=int, default=8,
                        help="the storage service's --database_pool_size")
    parser.add_argument("--client-threads", dest="client_threads", type=int,
                        default=2, help="threads of wrk, grpc_load, pgbench")
    parser.add_argument("--gateway-threads", dest="gateway_threads",
                        type=int, default=0,
                        help="the gateway's --threads (0: one per core)")
    parser.add_argument("--keys", type=int, default=1000,
                        help="goals / preferences the upserts draw from")
    parser.add_argument("--metrics-rows", dest="metrics_rows", type=int,
                        default=1000000,
                        help="performance_metrics rows of the legacy file")
    parser.add_argument("--import-runs", dest="import_runs", type=int,
                        default=None,
                        help="runs per import contender (default --runs)")
    parser.add_argument("--import-timeout", dest="import_timeout", type=int,
                        default=3600, help="seconds one import may take")
    parser.add_argument("--idle-connections", dest="idle_connections",
                        type=int, default=1000)
    parser.add_argument("--pg-durable", dest="pg_durable",
                        action="store_true",
                        help="PostgreSQL with fsync on (default off, as in "
                             "the tests)")
    parser.add_argument("--out", default=None,
                        help="directory for results.json and results.md "
                             "(default: a new one under /tmp)")
    parser.add_argument("--keep-work", dest="keep_work", action="store_true",
                        help="keep logs and databases (printed path)")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    if args.import_runs is None:
        args.import_runs = args.runs
    only = [name for name in args.only.split(",") if name]
    unknown = set(only) - set(ALL)
    if unknown or args.runs < 1 or args.duration < 1:
        parser.error(f"unknown benchmarks {sorted(unknown)}" if unknown
                     else "--runs and --duration must be at least 1")

    # 1000 idle connections need more descriptors than the usual 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, min(hard, args.idle_connections + 4096))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    started = time.time()
    bench = Bench(args)
    log(f"work directory {bench.work}")
    failed = []
    try:
        for name in ALL:
            if name not in only:
                continue
            try:
                getattr(bench, f"bench_{name}")()
            except BenchError as error:
                log(f"{name} FAILED: {error}")
                failed.append(name)
    finally:
        bench.close()
    finished = time.time()

    table = report(bench.results, bench.comparisons, args, started, finished)
    out = args.out or tempfile.mkdtemp(prefix="opsbrain-bench-results-")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.md"), "w") as md:
        md.write(table + "\n")
    with open(os.path.join(out, "results.json"), "w") as js:
        json.dump({"args": vars(args), "started": started,
                   "finished": finished, "samples": bench.results.samples,
                   "memory": bench.results.memory,
                   "load_averages": bench.results.loads,
                   "comparisons": bench.comparisons,
                   "failed": failed}, js, indent=1)
    print(table)
    log(f"results in {out}/results.md and results.json")
    if failed:
        log(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
