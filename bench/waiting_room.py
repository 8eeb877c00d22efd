"""Waiting-room fan-out: N waiting pages on WebSockets, the clerk calls people in.

For each call-in, the time until every still-waiting client has its new place
(p50/p99 over all clients and rounds) and the server's memory per connection,
for Videoschalter's server and, in the same run, for a bare aiohttp server that
sends each client a personal position message (bench/fanout_reference.py).

Videoschalter's pages get one shared message per change and derive their own
place from it (videoschalter.domain.queue.position_from_changes); the clients
here do the same and check the result against the place they must have. Both servers
are measured with the same light client (bench/light_ws.py), in two processes.

    python bench/waiting_room.py [--clients 5000] [--rounds 5] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.light_ws import LightWebSocket, connect  # noqa: E402
from tests.support.server import CLERK_PASSWORD, ServerProcess, free_port  # noqa: E402
from videoschalter.domain.queue import position_from_changes  # noqa: E402

CLIENT_PROCESSES = 2


# --- clients (run in their own processes) ----------------------------------------------------
async def _clients(kind: str, url: str, tokens: list[str], rounds: int, results: Any, done: Any) -> None:
    state: list[dict[str, Any]] = [{} for _ in tokens]
    per_round = [0] * (rounds + 1)
    expected = [0] * (rounds + 1)
    parts = urlsplit(url)
    sem = asyncio.Semaphore(100)

    def handler(st: dict[str, Any]) -> Any:
        def on_message(text: str) -> None:
            now = time.monotonic()
            msg = json.loads(text)
            mtype = msg["type"]
            if mtype == "welcome":
                st.update(position=msg["position"], first=msg["position"], key=tuple(msg.get("key") or ()),
                          version=msg.get("version"), times=[], positions=[])
                results.put(("connected", 1))
            elif mtype in ("queue_update", "position"):
                if kind == "ours":
                    if msg["version"] <= st["version"]:
                        return
                    st["version"] = msg["version"]
                    st["position"] = position_from_changes(st["position"], st["key"], msg["added"], msg["removed"])
                else:
                    st["position"] = msg["position"]
                st["times"].append(now)
                st["positions"].append(st["position"])
                r = len(st["times"])
                if r <= rounds:
                    per_round[r] += 1
                    if per_round[r] == expected[r]:
                        results.put(("round", r))
        return on_message

    async def run_one(i: int, token: str) -> LightWebSocket:
        async with sem:
            ws = await connect(parts.hostname or "127.0.0.1", parts.port or 80, parts.path, handler(state[i]))
            if kind == "ours":
                ws.send_text(json.dumps({"v": 1, "type": "hello", "token": token}))
            return ws

    sockets = await asyncio.gather(*(run_one(i, t) for i, t in enumerate(tokens)))
    while not all("first" in st for st in state):
        await asyncio.sleep(0.05)
    for r in range(1, rounds + 1):
        expected[r] = sum(1 for st in state if st["first"] > r)
        if expected[r] == 0:
            results.put(("round", r))
    await asyncio.to_thread(done.wait)
    results.put(("records", [(st["first"], st["times"], st["positions"]) for st in state]))
    for ws in sockets:
        if ws.transport is not None:
            ws.transport.close()


def client_process(kind: str, url: str, tokens: list[str], rounds: int, results: Any, done: Any) -> None:
    asyncio.run(_clients(kind, url, tokens, rounds, results, done))


# --- the two servers ---------------------------------------------------------------------------
def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def prepare_ours(tmp: Path, clients: int) -> tuple[ServerProcess, list[str]]:
    from signaling.storage import Storage, load_or_create_secret

    server = ServerProcess(tmp / "data")
    server.write_config(grace=30, joins=1_000_000)
    server.add_clerk("anna")
    storage = Storage(server.data / "videoschalter.db", load_or_create_secret(server.data / "secret.key"))
    with storage.db.atomic():
        tokens = [storage.join_queue("buergeramt", f"Person {i}", 12, "2000-01-01T00:00:00.000+00:00")[1]
                  for i in range(clients)]
    storage.close()
    server.start()
    return server, tokens


class OursClerk:
    def __init__(self, url: str):
        self.url = url

    async def __aenter__(self) -> OursClerk:
        self.session = aiohttp.ClientSession()
        async with self.session.post(f"{self.url}/api/v1/clerk/login",
                                     json={"username": "anna", "password": CLERK_PASSWORD}) as res:
            token = (await res.json())["token"]
        self.ws = await self.session.ws_connect(self.url.replace("http", "ws") + "/api/v1/ws/clerk", max_msg_size=0)
        await self.ws.send_str(json.dumps({"v": 1, "type": "hello", "token": token}))
        await self._wait("welcome")
        return self

    async def _wait(self, mtype: str) -> dict[str, Any]:
        async for raw in self.ws:
            msg = json.loads(raw.data)
            if msg["type"] == mtype:
                return msg
        raise RuntimeError("clerk connection closed")

    async def call_next(self) -> None:
        await self.ws.send_str(json.dumps({"v": 1, "type": "call_next"}))

    async def finish_round(self) -> None:
        call_id = (await self._wait("call_started"))["call_id"]
        await self.ws.send_str(json.dumps({"v": 1, "type": "hangup", "call_id": call_id}))
        await self._wait("hangup")

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
        await self.session.close()


class ReferenceClerk:
    def __init__(self, url: str):
        self.url = url

    async def __aenter__(self) -> ReferenceClerk:
        self.session = aiohttp.ClientSession()
        return self

    async def call_next(self) -> None:
        self.pending = asyncio.create_task(self.session.post(f"{self.url}/next"))

    async def finish_round(self) -> None:
        (await self.pending).release()

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()


async def drive(clerk: Any, rounds: int, results: Any, processes: int) -> list[float]:
    starts = []
    async with clerk:
        for r in range(1, rounds + 1):
            await asyncio.sleep(0.5)  # let the previous round's status traffic settle
            starts.append(time.monotonic())
            await clerk.call_next()
            finished = 0
            while finished < processes:
                kind, value = await asyncio.to_thread(results.get)
                if kind == "round" and value == r:
                    finished += 1
            await clerk.finish_round()
    return starts


def measure(kind: str, clients: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "ours":
            server, tokens = prepare_ours(Path(tmp), clients)
            url, pid = server.url.replace("http", "ws") + "/api/v1/ws/citizen", server.proc.pid  # type: ignore[union-attr]
        else:
            port = free_port()
            proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fanout_reference.py"), str(port)])
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            tokens, url, pid = [""] * clients, f"ws://127.0.0.1:{port}/ws", proc.pid
        try:
            before = rss_kb(pid)
            ctx = mp.get_context("spawn")
            results, done = ctx.Queue(), ctx.Event()
            # interleave tokens so each process holds people from the whole line
            slices = [tokens[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
            procs = [ctx.Process(target=client_process, args=(kind, url, s, rounds, results, done)) for s in slices]
            for p in procs:
                p.start()
            connected = 0
            while connected < clients:
                what, n = results.get(timeout=300)
                if what == "connected":
                    connected += n
            time.sleep(1.0)
            after = rss_kb(pid)
            http = server.url if kind == "ours" else url.replace("ws://", "http://").rsplit("/", 1)[0]
            clerk = OursClerk(http) if kind == "ours" else ReferenceClerk(http)
            starts = asyncio.run(drive(clerk, rounds, results, CLIENT_PROCESSES))
            done.set()
            records = []
            while len(records) < clients:
                what, value = results.get(timeout=120)
                if what == "records":
                    records += value
            for p in procs:
                p.join(30)
        finally:
            if kind == "ours":
                server.stop()
            else:
                proc.terminate()
                proc.wait(10)
    delays, wrong = [], 0
    for first, times, positions in records:
        for r in range(1, rounds + 1):
            if first > r:
                delays.append((times[r - 1] - starts[r - 1]) * 1000)
                wrong += positions[r - 1] != first - r
    delays.sort()
    return {"clients": clients, "rounds": rounds, "p50_ms": round(statistics.median(delays), 1),
            "p99_ms": round(delays[int(0.99 * (len(delays) - 1))], 1), "max_ms": round(delays[-1], 1),
            "kb_per_connection": round((after - before) / clients, 1), "wrong_positions": wrong}


def _median_of_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the median over the runs: one burst of other load does not decide the result."""
    keys = ("p50_ms", "p99_ms", "max_ms", "kb_per_connection")
    merged = {k: round(statistics.median(r[k] for r in runs), 1) for k in keys}
    return {**merged, "clients": runs[0]["clients"], "wrong_positions": sum(r["wrong_positions"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate both servers this many times and report the median of the runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "reference": []}
    for _ in range(args.repeat):
        for kind in runs:  # alternate, so both see the same share of the machine's other load
            runs[kind].append(measure(kind, args.clients, args.rounds))
    ours, reference = _median_of_runs(runs["ours"]), _median_of_runs(runs["reference"])
    print(f"waiting-room fan-out, {args.clients} clients, {args.rounds} call-ins, clients in "
          f"{CLIENT_PROCESSES} processes on the same machine, {args.repeat} run(s) each, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'server':<26}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'KB/conn':>9}{'wrong':>7}")
    rows = [(f"videoschalter run {i + 1}", r) for i, r in enumerate(runs["ours"])] if args.repeat > 1 else []
    rows += [(f"reference run {i + 1}", r) for i, r in enumerate(runs["reference"])] if args.repeat > 1 else []
    rows += [("videoschalter (shared)", ours), ("bare aiohttp (personal)", reference)]
    for name, r in rows:
        print(f"{name:<26}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['max_ms']:>9}{r['kb_per_connection']:>9}"
              f"{r['wrong_positions']:>7}")
    print("targets: 5,000 clients, p99 <= 250 ms, <= 30 KB per connection, 0 wrong positions")
    if args.json:
        print(json.dumps({"clients": ours["clients"], "p50_ms": ours["p50_ms"], "p99_ms": ours["p99_ms"],
                          "kb_per_connection": ours["kb_per_connection"], "wrong_positions": ours["wrong_positions"],
                          "runs": args.repeat,
                          "reference": {k: reference[k] for k in ("p50_ms", "p99_ms", "kb_per_connection")}}))


if __name__ == "__main__":
    main()
