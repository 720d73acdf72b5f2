"""make bench: NLU training, parse latency, end-to-end latency through the fake Bot API, memory."""

from __future__ import annotations

import asyncio
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from bot.config import ROOT, load_settings
from nlu import evaluate, training
from nlu import server as nlu_server
from tests.bench import langid_eval
from tests.fakes.bot_api import FakeBotApi


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
        )
        pids += [int(p) for p in out.stdout.split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of values."""
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def machine() -> str:
    """Describe this machine."""
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def sample_texts(n: int) -> list[str]:
    """Draw messages from the training data, across languages, to parse."""
    texts = []
    for path in training.intent_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data["nlu"]:
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(line[2:].replace("[", "").replace("]", ""))
    random.Random(7).shuffle(texts)
    return texts[:n]


def bench_parse(url: str, texts: list[str]) -> list[float]:
    """Time POST /model/parse one request at a time, in milliseconds."""
    times = []
    with httpx.Client(timeout=10) as client:
        for text in texts[:20]:
            client.post(f"{url}/model/parse", json={"text": text})
        for text in texts:
            t0 = time.perf_counter()
            r = client.post(f"{url}/model/parse", json={"text": text})
            times.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
    return times


# Short messages that each get exactly one reply, so 30 msg/s in means 30 msg/s out.
ONE_REPLY = [
    "/start",
    "/help",
    "hello",
    "hi there",
    "สวัสดีครับ",
    "你好",
    "xin chào",
    "halo kak",
    "/cancel",
]


async def e2e(
    api: FakeBotApi, rate: float, count: int, chats: int, seed: int
) -> tuple[list[float], int]:
    """Send count updates at rate per second over chats; return latencies (ms) and lost updates."""
    rng = random.Random(seed)
    pending: dict[int, tuple[int, float]] = {}
    latencies: list[float] = []
    sent_before = {c: len(api.messages[c]) for c in range(1, chats + 1)}
    chat_ids = list(range(1, chats + 1))
    rng.shuffle(chat_ids)
    start = time.perf_counter()
    for i in range(count):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        chat = chat_ids[i % chats] + 0
        api.user_sends(chat, rng.choice(ONE_REPLY))
        pending.setdefault(chat, (sent_before[chat], time.perf_counter()))
    # Collect: every update must get its reply.
    expected: dict[int, int] = {}
    for i in range(count):
        chat = chat_ids[i % chats]
        expected[chat] = expected.get(chat, 0) + 1
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all(len(api.messages[c]) - sent_before[c] >= n for c, n in expected.items()):
            break
        await asyncio.sleep(0.05)
    lost = sum(max(0, n - (len(api.messages[c]) - sent_before[c])) for c, n in expected.items())
    # Latency: from each update's arrival at the fake server to the bot's reply in that chat.
    for chat, n in expected.items():
        updates = [m for m in api.user_messages[chat]][-n:]
        replies = api.messages[chat][sent_before[chat] : sent_before[chat] + n]
        for upd, rep in zip(updates, replies, strict=False):
            uid = next(u["update_id"] for u in api.updates if u.get("message") is upd)
            latencies.append((rep.sent_perf - api.received_at[uid]) * 1000)
    return latencies, lost


async def bench_e2e(nlu_url: str, workdir: Path) -> dict:
    """Run the real bot process against the fake Bot API and measure."""
    api = FakeBotApi()
    await api.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "WAYMARK_NLU_URL": nlu_url,
        "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "WAYMARK_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "waymark"), "run"], cwd=ROOT, env=env)
    try:
        for _ in range(300):
            if api.methods("deleteWebhook") or api.methods("setMyCommands"):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        warm, _ = await e2e(api, rate=20, count=60, chats=60, seed=1)
        sustained, lost_s = await e2e(api, rate=30, count=600, chats=500, seed=2)
        await asyncio.sleep(2)
        burst, lost_b = await e2e(api, rate=100, count=500, chats=500, seed=3)
        memory = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            # Wait in a thread: the fake server in this loop must keep answering the bot's
            # last getUpdates while it shuts down.
            await asyncio.to_thread(proc.wait, 20)
        except subprocess.TimeoutExpired:
            proc.kill()
        await api.stop()
    return {
        "sustained": sustained,
        "lost_sustained": lost_s,
        "burst": burst,
        "lost_burst": lost_b,
        "bot_rss_mb": memory,
        "warmup": len(warm),
    }


def overall_accuracy(scores: list[evaluate.LanguageScore]) -> tuple[int, float]:
    """Return the number of examples scored and the accuracy over all of them."""
    total = sum(s.n for s in scores)
    return total, sum(s.accuracy * s.n for s in scores) / total


def print_table(scores: list[evaluate.LanguageScore]) -> None:
    """Print per-language intent accuracy and macro-F1 as a Markdown table."""
    print("| language | n | accuracy | macro-F1 |")
    print("| --- | --- | --- | --- |")
    for sc in scores:
        print(f"| {sc.language} | {sc.n} | {sc.accuracy:.3f} | {sc.macro_f1:.3f} |")


def heldout(work: Path) -> None:
    """Train on 80% of each language's examples and score the other 20% over HTTP."""
    model, held = evaluate.train_split(work / "heldout")
    url = f"http://127.0.0.1:{nlu_server.free_port()}"
    with nlu_server.RasaServer(model, url, work / "rasa-heldout.log") as _server:
        scores = evaluate.score(url, held)
    total, overall = overall_accuracy(scores)
    macro = sum(s.macro_f1 for s in scores) / len(scores)
    print(
        f"\nintent accuracy on a held-out 20% split ({total} examples): overall {overall:.3f}, mean macro-F1 {macro:.3f}"
    )
    print_table(scores)
    for sc in sorted(scores, key=lambda x: x.accuracy)[:3]:
        pairs = ", ".join(f"{g}->{p} x{n}" for (g, p), n in sc.confusion.most_common(5))
        print(f"confusions, {sc.language}: {pairs}")


def cross_validation(work: Path, folds: int = 5) -> None:
    """Hold out each fifth of every language's examples in turn: every example is tested once."""
    scores = evaluate.cross_validate(work / "cv", folds=folds)
    total, overall = overall_accuracy(scores)
    print(
        f"\nintent accuracy, {folds}-fold cross-validation ({total} examples, each held out once): overall {overall:.3f}"
    )
    print_table(scores)
    reached = [sc.language for sc in scores if sc.accuracy >= 0.93]
    print(f"at least 0.93: {len(reached)} of {len(scores)} ({', '.join(reached)})")


def language_identification() -> None:
    """Compare langdetect alone with the project's detector on external labelled sentences."""
    if not langid_eval.TESTDATA.exists():
        print("\nlanguage identification: ../shared/langid-testdata not found, skipped")
        return
    languages = tuple(load_settings().languages)
    for max_chars in (40, None):
        r = langid_eval.evaluate(langid_eval.load(max_chars), languages)
        scope = f"texts of at most {max_chars} characters" if max_chars else "all texts"
        print(
            f"\nlanguage identification, {scope} ({r['n']} sentences, {len(r['per_language'])} languages):"
        )
        print(
            f"  macro accuracy, ms+id as one group: langdetect {r['macro_grouped']['langdetect']:.3f}, waymark {r['macro_grouped']['waymark']:.3f}"
        )
        print(
            f"  macro accuracy, strict:             langdetect {r['macro_strict']['langdetect']:.3f}, waymark {r['macro_strict']['waymark']:.3f}"
        )
        for name, figures in r["by_file"].items():
            print(
                f"  {name} ({figures['n']}): ms+id grouped langdetect {figures['macro_grouped']['langdetect']:.3f}, waymark {figures['macro_grouped']['waymark']:.3f}; strict waymark {figures['macro_strict']['waymark']:.3f}"
            )
        if max_chars:
            c = langid_eval.evaluate(langid_eval.load(max_chars), languages, in_conversation=True)
            print(
                "  in a conversation (each text follows the earlier texts of its file and language,"
                " and the detector sees its own confident detections of them, as the bot does):"
            )
            print(
                f"  macro accuracy, ms+id as one group: waymark {c['macro_grouped']['waymark']:.3f}; strict: waymark {c['macro_strict']['waymark']:.3f}"
            )
            print("| language | n | langdetect | waymark | waymark's top confusions |")
            print("| --- | --- | --- | --- | --- |")
            for lang, v in r["per_language"].items():
                conf = ", ".join(f"{g} x{n}" for g, n in r["confusion"][lang].most_common(3))
                print(
                    f"| {lang} | {v['n']} | {v['langdetect']:.2f} | {v['waymark']:.2f} | {conf} |"
                )


def main() -> int:
    """Run every benchmark and print the figures."""
    print(f"machine: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    try:
        examples = sum(len(sample_texts(10**6)) for _ in [0])
        t0 = time.perf_counter()
        # A fresh cache: the figure is a cold training, as on a newcomer's machine.
        model = training.train(work / "models", work_dir=work, cache_dir=work / "cache")
        train_s = time.perf_counter() - t0
        size_mb = model.stat().st_size / 2**20
        print(
            f"nlu training: {train_s:.1f} s for {examples} examples in {len(training.intent_files())} languages; model {size_mb:.1f} MB"
        )
        url = f"http://127.0.0.1:{nlu_server.free_port()}"
        server = nlu_server.RasaServer(model, url, work / "rasa.log")
        t0 = time.perf_counter()
        server.start(timeout=300)
        print(f"nlu server start: {time.perf_counter() - t0:.1f} s")
        try:
            times = bench_parse(url, sample_texts(1000))
            print(
                f"nlu /model/parse over HTTP ({len(times)} requests): p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms, p99 {pct(times, 99):.1f} ms"
            )
            print(f"nlu server memory: {rss_mb(server.pid()):.0f} MB RSS")
            r = asyncio.run(bench_e2e(url, work))
            s, b = r["sustained"], r["burst"]
            print(
                f"end to end at 30 msg/s over 500 chats ({len(s)} replies): p50 {pct(s, 50):.1f} ms, p95 {pct(s, 95):.1f} ms, p99 {pct(s, 99):.1f} ms; lost {r['lost_sustained']}"
            )
            print(
                f"burst of 100 msg/s over 500 chats ({len(b)} replies): p50 {pct(b, 50):.0f} ms, p95 {pct(b, 95):.0f} ms, max {max(b) if b else float('nan'):.0f} ms; lost {r['lost_burst']} (replies are paced at 30 msg/s overall)"
            )
            print(f"bot process memory: {r['bot_rss_mb']:.0f} MB RSS")
            print(f"nlu server memory after load: {rss_mb(server.pid()):.0f} MB RSS")
        finally:
            server.stop()
        heldout(work)
        cross_validation(work)
        language_identification()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
