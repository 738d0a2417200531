"""Issue 5, scenarios 2 and 3 over HTTP: Chronicle in distributed mode (`chronicle serve` and
`chronicle worker` as subprocesses, PostgreSQL + Redis) against the plain CRUD app of
bench/baseline_crud (its own uvicorn process), each on its own scratch database.

2. command: POST /api/messages/:conversationId at 32 concurrent clients (no model call), 8
   users with 16 chats each; throughput and p50/p99 latency. Clients cycle through disjoint
   sets of chats, so no two requests in flight touch the same chat (no optimistic-concurrency
   retries on either side). After every Chronicle round the bench waits until the projections
   have caught up, so the next (baseline) round doesn't share the CPU with that catch-up.
3. read: GET /api/convos?limit=25 of a user with 10k conversations: the first page at 1 and 32
   clients, and (SCALE=full) a page deep in the list (the cursor after 5,000 rows).
   Chronicle is seeded with real events through its event store (in-process, same database
   and Redis: the pokes reach its workers), then the bench waits until the projections have
   caught up; the baseline's rows are COPYed in. Both databases are VACUUM ANALYZEd.

Rounds alternate Chronicle / baseline after a 1 s warm-up of each; medians of the rounds.
The load generator is wrk (`apt-get install wrk`) when it is on PATH, else Python processes
with keep-alive http.client connections (CHRONICLE_BENCH_LOADGEN=python forces those)."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import psycopg

from bench.common import Row, scratch_database
from tests.fakes.provider_server import free_port

JWT_SECRET = "bench-jwt-secret-" + "j" * 32
NO_PARENT = "00000000-0000-0000-0000-000000000000"
PASSWORD = "bench password"
WRITERS = 8  # users posting in scenario 2
CHATS_PER_WRITER = 16
CLIENTS = 32
LIST_SIZE = 10_000
DEEP = 5_000  # the deep page starts after this many rows
TEXT = "How do I make the sidebar list of my conversations fast with ten thousand chats? " * 2


@dataclass(frozen=True)
class Scale:
    post_seconds: int
    get_seconds: int
    rounds: int
    deep_page: bool  # also read a page deep in the list (keyset cursor)


QUICK = Scale(post_seconds=3, get_seconds=2, rounds=3, deep_page=False)
FULL = Scale(post_seconds=10, get_seconds=5, rounds=5, deep_page=True)


@dataclass
class Load:
    """One load run: requests per second and latency percentiles in milliseconds."""

    rate: float
    p50: float
    p99: float
    requests: int
    errors: int


@dataclass
class Server:
    name: str
    base: str
    # scenario 2: (conversation id, bearer token) per chat; scenario 3: one reader
    chats: list[tuple[str, str]] = field(default_factory=list)
    reader: str = ""
    deep_cursor: str = ""
    env: dict[str, str] = field(default_factory=dict)
    settle: Callable[[], float] = lambda: 0.0


# ------------------------------------------------------------------------ processes
def _die_with_parent() -> None:
    """Children get SIGTERM if the bench is killed outright (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def _process(name: str, args: list[str], env: dict[str, str]) -> Iterator[Child]:
    """Start a subprocess (its output to a log file); terminate it, then kill, on exit.
    If the bench fails meanwhile, the end of the log is printed."""
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log") as log:
        process = subprocess.Popen(
            args,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        try:
            yield Child(process, Path(log.name))
        except Exception:
            tail = Path(log.name).read_text(errors="replace")[-3000:]
            print(f"--- {name} log ---\n{tail}", file=sys.stderr)
            raise
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    log: Path

    def check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.process.args!r} exited with {self.process.returncode}")


def _wait_up(url: str, child: Child, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        child.check()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {seconds:.0f} s")


def _consumers(redis_url: str, prefix: str) -> int:
    """Dramatiq consumers alive on this deployment's queues (its Redis broker heartbeats)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.zcard(f"{prefix}-dramatiq:__heartbeats__"))
    finally:
        client.close()


def _wait_consumers(child: Child, redis_url: str, prefix: str, more_than: int) -> None:
    deadline = time.monotonic() + 120
    while _consumers(redis_url, prefix) <= more_than:
        child.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.process.args!r} did not start consuming in 120 s")
        time.sleep(0.2)


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so subprocesses are stopped and databases dropped."""

    def stop(*_: object) -> None:
        raise SystemExit(143)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ------------------------------------------------------------------------ Chronicle
def _start_chronicle(url: str, stack: ExitStack) -> Server:
    """`chronicle serve` and `chronicle worker` in distributed mode, stopped by `stack`."""
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="chronicle-bench-")
    stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
    env = {
        "CHRONICLE_DATABASE_URL": url,
        "CHRONICLE_REDIS_URL": os.environ.get("CHRONICLE_BENCH_REDIS", "redis://127.0.0.1:6379/0"),
        "CHRONICLE_REDIS_PREFIX": prefix,
        "JWT_SECRET": JWT_SECRET,
        "JWT_REFRESH_SECRET": "bench-refresh-secret-" + "r" * 32,
        "CHRONICLE_MASTER_KEY": "bench master key " + "k" * 32,
        "SESSION_EXPIRY": str(4 * 3600 * 1000),
        "CHRONICLE_DATA_DIR": data_dir,
        "CHRONICLE_LOG_LEVEL": "WARNING",
    }
    cli = os.path.join(os.path.dirname(sys.executable), "chronicle")
    stack.callback(_drop_redis_keys, env["CHRONICLE_REDIS_URL"], prefix)
    serve = stack.enter_context(_process("serve", [cli, "serve", "--port", str(port)], env))
    base = f"http://127.0.0.1:{port}"
    # one after the other: both create the tables of a fresh database at start, and two
    # concurrent CREATE TABLE IF NOT EXISTS can fail ("tuple concurrently updated")
    _wait_up(f"{base}/health", serve)
    # (`serve` consumes projection pokes too: it runs in-process workers in every mode)
    consumers = _consumers(env["CHRONICLE_REDIS_URL"], prefix)
    worker = stack.enter_context(_process("worker", [cli, "worker"], env))
    _wait_consumers(worker, env["CHRONICLE_REDIS_URL"], prefix, consumers)
    return Server("chronicle", base, env=env)


def _drop_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _register(base: str, email: str) -> tuple[str, str]:
    """A user of the real auth routes: (user id, access token)."""
    body = {"name": "Bench User", "email": email, "password": PASSWORD}
    httpx.post(f"{base}/api/auth/register", json={**body, "confirm_password": PASSWORD}, timeout=30)
    response = httpx.post(f"{base}/api/auth/login", json=body, timeout=30)
    response.raise_for_status()
    data = response.json()
    return data["user"]["id"], data["token"]


def _seed_chronicle(server: Server, stack: ExitStack) -> None:
    """Users through HTTP; chats as real ConversationStarted events through the event store
    of an in-process container on the same database and Redis (pokes reach the worker)."""
    from application.bootstrap import bootstrap
    from application.settings import load_settings
    from domain.conversations.conversation import Conversation

    users = [_register(server.base, f"writer{i}@bench.example") for i in range(WRITERS)]
    reader_id, server.reader = _register(server.base, "reader@bench.example")
    container = bootstrap(load_settings(server.env))
    stack.callback(container.close)
    store = container.stores["conversations"]
    for user_id, token in users:
        chats = [
            Conversation.start(
                uuid.uuid4(), uuid.UUID(user_id), title="Bench chat", endpoint="openAI"
            )
            for _ in range(CHATS_PER_WRITER)
        ]
        store.commit(*chats, actor=uuid.UUID(user_id))
        server.chats += [(str(c.id), token) for c in chats]
    reader = uuid.UUID(reader_id)
    for start in range(0, LIST_SIZE, 500):
        batch = [
            Conversation.start(
                uuid.uuid4(), reader, title=f"Chat {i}", endpoint="openAI", model="gpt-4o"
            )
            for i in range(start, min(start + 500, LIST_SIZE))
        ]
        store.commit(*batch, actor=reader)

    def settle() -> float:
        """Seconds until every projection has caught up with every context's head."""
        started = time.monotonic()
        while any(lag.behind for lag in container.projections.status()):
            if time.monotonic() - started > 300:
                raise RuntimeError("Chronicle's projections did not catch up in 300 s")
            time.sleep(0.1)
        return time.monotonic() - started

    server.settle = settle


# ------------------------------------------------------------------------ baseline
def _start_baseline(url: str, stack: ExitStack) -> Server:
    port = free_port()
    env = {"BASELINE_DATABASE_URL": url, "JWT_SECRET": JWT_SECRET}
    args = [sys.executable, "-m", "bench.baseline_crud", "--port", str(port)]
    process = stack.enter_context(_process("baseline", args, env))
    base = f"http://127.0.0.1:{port}"
    _wait_up(f"{base}/health", process)
    return Server("baseline", base)


def _token(user_id: str) -> str:
    now = datetime.now(UTC)
    claims = {"id": user_id, "username": "", "provider": "local", "email": "b@bench.example"}
    return jwt.encode(
        {**claims, "iat": now, "exp": now + timedelta(hours=4)}, JWT_SECRET, algorithm="HS256"
    )


def _seed_baseline(server: Server, url: str) -> None:
    """Rows straight into the baseline's tables (it made them at start)."""
    now = datetime.now(UTC)
    rows = []
    for _ in range(WRITERS):
        user = str(uuid.uuid4())
        token = _token(user)
        for _ in range(CHATS_PER_WRITER):
            cid = str(uuid.uuid4())
            rows.append((cid, user, "Bench chat", "openAI", None, now, now))
            server.chats.append((cid, token))
    reader = str(uuid.uuid4())
    server.reader = _token(reader)
    for i in range(LIST_SIZE):
        at = now - timedelta(milliseconds=LIST_SIZE - i)
        rows.append((str(uuid.uuid4()), reader, f"Chat {i}", "openAI", "gpt-4o", at, at))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY conversations (conversation_id, user_id, title, endpoint, model, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()


def _analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _deep_cursor(server: Server) -> str:
    """The nextCursor after DEEP rows, walking the list 100 at a time."""
    cursor = ""
    with httpx.Client(base_url=server.base, headers=_auth(server.reader), timeout=60) as client:
        for _ in range(DEEP // 100):
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            response = client.get("/api/convos", params=params)
            response.raise_for_status()
            cursor = response.json()["nextCursor"]
    return cursor


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------------ load: wrk
WRK_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50\\":%d,\\"p99\\":%d," ..
    "\\"status\\":%d,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"timeout\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""

WRK_POST = """
local chats = {%(chats)s}
local tokens = {%(tokens)s}
local per = %(per)d
local counter = 0
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
function request()
  counter = counter + 1
  local k = tid * per + (counter %% per) + 1
  local cid = chats[k]
  local mid = string.format("%(nonce)s-%%04x-4000-8000-%%012x", tid, counter)
  local body = '{"messageId":"' .. mid .. '","conversationId":"' .. cid ..
    '","parentMessageId":"%(root)s","sender":"User","isCreatedByUser":true,' ..
    '"endpoint":"openAI","model":"gpt-4o","tokenCount":42,"text":"%(text)s"}'
  return wrk.format("POST", "/api/messages/" .. cid,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[k]}, body)
end
"""


def _wrk(base: str, plan: Plan, connections: int, seconds: int) -> Load:
    threads = min(2, connections)
    if plan.kind == "post":
        per = len(plan.chats) // threads
        script = WRK_POST % {
            "chats": ",".join(f'"{c}"' for c, _ in plan.chats),
            "tokens": ",".join(f'"{t}"' for _, t in plan.chats),
            "per": per,
            "nonce": plan.nonce,
            "root": NO_PARENT,
            "text": TEXT,
        }
        target, headers = base, []
    else:
        script = ""
        target, headers = f"{base}{plan.path}", ["-H", f"Authorization: Bearer {plan.token}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script + WRK_DONE)
    try:
        args = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
        args += ["--latency", "--timeout", "10s", "-s", file.name, *headers, target]
        out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(file.name)
    return _parse_wrk(out.stdout + out.stderr)


def _parse_wrk(output: str) -> Load:
    """The done() hook's JSON line; else the text of --latency's distribution."""
    match = re.search(r"WRKJSON (\{.*\})", output)
    if match:
        d = json.loads(match.group(1))
        errors = d["status"] + d["connect"] + d["read"] + d["write"] + d["timeout"]
        return Load(
            d["requests"] / (d["duration_us"] / 1e6),
            d["p50"] / 1000,
            d["p99"] / 1000,
            d["requests"],
            errors,
        )
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    pct = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not pct or not rate:
        raise RuntimeError(f"could not read wrk's output:\n{output}")

    def ms(text: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        return float(number) * units[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return Load(
        float(rate.group(1)),
        ms(pct["50"]),
        ms(pct["99"]),
        int(total.group(1)) if total else 0,
        int(bad.group(1)) if bad else 0,
    )


# ------------------------------------------------------------------------ load: Python
@dataclass
class Plan:
    """What the clients send: POSTs cycling through `chats`, or GETs of one path."""

    kind: str
    chats: list[tuple[str, str]] = field(default_factory=list)
    nonce: str = ""
    path: str = ""
    token: str = ""


def _python_load(base: str, plan: Plan, connections: int, seconds: int) -> Load:
    """Processes (at most one per core, plus one) of threads with keep-alive connections."""
    processes = max(1, min(connections, (os.cpu_count() or 2) + 1))
    host, port = base.removeprefix("http://").split(":")
    # fork: spawning would import `python -m bench`'s whole world again in every client
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    queue = context.Queue()
    start_at = time.time() + 0.5  # all processes forked first
    jobs = [
        context.Process(
            target=_client_process,
            args=(host, int(port), plan, i, processes, connections, start_at, seconds, queue),
        )
        for i in range(processes)
    ]
    for job in jobs:
        job.start()
    latencies: list[float] = []
    errors = 0
    for _ in jobs:
        got, failed = queue.get(timeout=seconds + 120)
        latencies += got
        errors += failed
    for job in jobs:
        job.join()
    latencies.sort()
    if not latencies:
        raise RuntimeError("the Python load generator completed no request")
    return Load(
        len(latencies) / seconds,
        _percentile(latencies, 50),
        _percentile(latencies, 99),
        len(latencies),
        errors,
    )


def _percentile(ordered: list[float], pct: float) -> float:
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * pct / 100) - 1)]


def _client_process(
    host: str,
    port: int,
    plan: Plan,
    index: int,
    processes: int,
    connections: int,
    start_at: float,
    seconds: int,
    queue: Any,
) -> None:
    mine = [c for c in range(connections) if c % processes == index]
    results: list[tuple[list[float], int]] = [([], 0)] * len(mine)

    def client(slot: int, conn_index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        chats = plan.chats[conn_index::connections]
        latencies, errors, counter = [], 0, 0
        time.sleep(max(0.0, start_at - time.time()))
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            counter += 1
            if plan.kind == "post":
                cid, token = chats[counter % len(chats)]
                mid = f"{plan.nonce}-{conn_index:04x}-4000-8000-{counter:012x}"
                body = json.dumps(
                    {
                        "messageId": mid,
                        "conversationId": cid,
                        "parentMessageId": NO_PARENT,
                        "sender": "User",
                        "isCreatedByUser": True,
                        "endpoint": "openAI",
                        "model": "gpt-4o",
                        "tokenCount": 42,
                        "text": TEXT,
                    }
                )
                method, path = "POST", f"/api/messages/{cid}"
                headers = {**_auth(token), "Content-Type": "application/json"}
            else:
                method, path, body, headers = "GET", plan.path, None, _auth(plan.token)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1
        conn.close()
        results[slot] = (latencies, errors)

    threads = [threading.Thread(target=client, args=(s, c)) for s, c in enumerate(mine)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(([x for r in results for x in r[0]], sum(r[1] for r in results)))


# ------------------------------------------------------------------------ scenarios
LoadFn = Callable[[str, Plan, int, int], Load]


def _measure(load: LoadFn, server: Server, plan: Plan, connections: int, seconds: int) -> Load:
    result = load(server.base, plan, connections, seconds)
    if result.requests == 0 or result.errors > result.requests * 0.01:
        raise RuntimeError(
            f"{server.name}: {result.errors} failed of {result.requests} requests ({plan.kind})"
        )
    return result


def _post_plan(server: Server) -> Plan:
    return Plan("post", chats=server.chats, nonce=secrets.token_hex(4))


def _compare(
    load: LoadFn,
    servers: tuple[Server, Server],
    plans: Callable[[Server], Plan],
    connections: int,
    seconds: int,
    rounds: int,
    warm_up: bool = True,
) -> tuple[list[Load], list[Load], list[float]]:
    """Warm both up, then alternate rounds; Chronicle's worker finishes between rounds."""
    for server in servers if warm_up else ():
        load(server.base, plans(server), connections, 1)
        server.settle()
    ours: list[Load] = []
    theirs: list[Load] = []
    settled: list[float] = []
    for _ in range(rounds):
        for server, results in zip(servers, (ours, theirs), strict=True):
            results.append(_measure(load, server, plans(server), connections, seconds))
            waited = server.settle()
            if server is servers[0]:
                settled.append(waited)
    return ours, theirs, settled


def _rows(
    scenario: str, setting: str, ours: list[Load], theirs: list[Load], rate: bool = True
) -> list[Row]:
    def median(loads: list[Load], key: str) -> float:
        return statistics.median(getattr(x, key) for x in loads)

    rows = []
    if rate:
        rows.append(
            Row(f"{scenario} rate", setting, median(ours, "rate"), median(theirs, "rate"), "req/s")
        )
    for key in ("p50", "p99"):
        rows.append(
            Row(
                f"{scenario} {key}",
                setting,
                median(ours, key),
                median(theirs, key),
                "ms",
                higher_is_better=False,
            )
        )
    return rows


def run(quick: bool = True) -> tuple[list[Row], str, list[str]]:
    """Both scenarios; returns the rows, the load generator used and notes for the table."""
    scale = QUICK if quick else FULL
    # CHRONICLE_BENCH_LOADGEN=python forces the fallback (to compare, or to test it)
    wrk = shutil.which("wrk") if os.environ.get("CHRONICLE_BENCH_LOADGEN") != "python" else None
    load: LoadFn = _wrk if wrk else _python_load
    tool = (
        f"http: {_wrk_version()} (2 threads, --latency)"
        if wrk
        else "http: Python processes (multiprocessing, http.client keep-alive; no wrk)"
    )
    say = _progress()
    notes: list[str] = []
    with _sigterm_exits(), ExitStack() as stack:
        chronicle_url = stack.enter_context(scratch_database())
        baseline_url = stack.enter_context(scratch_database())
        chronicle = _start_chronicle(chronicle_url, stack)
        baseline = _start_baseline(baseline_url, stack)
        say("servers up")
        started = time.monotonic()
        _seed_chronicle(chronicle, stack)
        _seed_baseline(baseline, baseline_url)
        seeded = time.monotonic() - started
        caught_up = chronicle.settle()
        say("seeded, projections caught up")
        notes.append(
            f"seeding Chronicle: {LIST_SIZE + WRITERS * CHATS_PER_WRITER} chats as events "
            f"in {seeded:.1f} s (in-process bootstrap included); projections caught up "
            f"{caught_up:.1f} s later"
        )
        for url in (chronicle_url, baseline_url):
            _analyze(url)
        servers = (chronicle, baseline)

        # scenario 2: the command
        ours, theirs, settled = _compare(
            load, servers, _post_plan, CLIENTS, scale.post_seconds, scale.rounds
        )
        rows = _rows("POST message", f"{CLIENTS} clients", ours, theirs)
        notes.append(
            "POST rounds: Chronicle's projections caught up a median "
            f"{statistics.median(settled):.1f} s after each round of "
            f"≈{statistics.median(o.requests for o in ours):.0f} messages"
        )
        say("scenario 2 done")

        # scenario 3: the list
        def first(server: Server) -> Plan:
            return Plan("get", path="/api/convos?limit=25", token=server.reader)

        def deep(server: Server) -> Plan:
            query = urlencode({"limit": "25", "cursor": server.deep_cursor})
            return Plan("get", path=f"/api/convos?{query}", token=server.reader)

        settings = [(first, 1, "page 1, 1 client"), (first, CLIENTS, f"page 1, {CLIENTS} clients")]
        if scale.deep_page:
            for server in servers:
                server.deep_cursor = _deep_cursor(server)
            settings.append((deep, CLIENTS, f"row {DEEP}+, {CLIENTS} cl."))
        for index, (plan, connections, setting) in enumerate(settings):
            ours, theirs, _ = _compare(
                load, servers, plan, connections, scale.get_seconds, scale.rounds, index == 0
            )
            rows += _rows("GET convos", setting, ours, theirs, rate=connections > 1)
        say("scenario 3 done")
    return rows, tool, notes


def _progress() -> Callable[[str], None]:
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[http +{time.monotonic() - started:.0f} s] {message}", file=sys.stderr, flush=True)

    return say


def _wrk_version() -> str:
    try:
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    except OSError:
        return "wrk"
    match = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return f"wrk {match.group(1)}" if match else "wrk"
