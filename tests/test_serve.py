"""``greentag serve``: a real server in a subprocess on a free loopback port, spoken to over HTTP.

Two servers start once each for the module: one serving a small model trained
here (with an admin token, tight limits, and a model file the reload tests
replace), and one serving the shipped model with the admin endpoint disabled.
Only the standard library talks to them (urllib, http.client, socket).
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import greentag
from greentag import cli

from .corpus import LABELS, TEXTS

HAVE_SERVE = all(importlib.util.find_spec(name) is not None for name in ("fastapi", "uvicorn"))
needs_serve = pytest.mark.skipif(not HAVE_SERVE, reason='needs the serve extra: pip install "greentag[serve]"')
REPO = Path(__file__).resolve().parents[1]
TOKEN = "test-token-2f9c"
START_TIMEOUT = 30.0
JSON = {"Content-Type": "application/json"}


# ------------------------------------------------------------------ helpers
@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    model_file: Path | None

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


def call(
    server: Server,
    method: str,
    path: str,
    payload: Any = None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One HTTP request; error statuses are answers too, not exceptions."""
    if payload is not None:
        data = json.dumps(payload).encode("utf-8")
        headers = {**JSON, **(headers or {})}
    request = urllib.request.Request(server.base + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
            )
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, body)


def worker_pids(server: Server) -> set[int] | None:
    """The process ids of a multi-worker server's uvicorn workers; ``None`` without a Linux process table."""
    proc = Path("/proc")
    if not (proc / str(server.process.pid)).is_dir():
        return None
    workers = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The parent's id is the field after the parenthesised command name.
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # the process ended while being read
        # uvicorn spawns its workers with multiprocessing; its resource tracker is a child too.
        if parent == server.process.pid and b"spawn_main" in command:
            workers.add(int(entry.name))
    return workers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp: Path, *args: str, env: dict[str, str] | None = None, model_file: Path | None = None) -> Server:
    port = free_port()
    log = tmp / f"server-{port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GREENTAG_")}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "greentag", "serve", "--port", str(port), "--log-level", "warning", *args]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment, cwd=tmp)
    server = Server(f"http://127.0.0.1:{port}", port, process, log, model_file)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{server.logs()}")
        try:
            if call(server, "GET", "/health").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise AssertionError(f"the server did not become ready in {START_TIMEOUT} s:\n{server.logs()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one series in a Prometheus text page (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return 0.0


def replace_file(source: Path, target: Path) -> None:
    """Put ``source``'s bytes at ``target`` atomically, as a deployment would."""
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(source.read_bytes())
    os.replace(tmp, target)


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different good model files, a damaged one, and the file the first server serves."""
    folder = tmp_path_factory.mktemp("serve-models")
    first = folder / "first.gtm"
    second = folder / "second.gtm"
    greentag.train(TEXTS, LABELS, min_df=1, cv=3).save(first)
    greentag.train(TEXTS, LABELS, min_df=1, cv=3, C=0.3).save(second)
    bad = folder / "bad.gtm"
    bad.write_bytes(b"PK\x03\x04 this is not a model file")
    served = folder / "served.gtm"
    replace_file(first, served)
    assert fingerprint(first) != fingerprint(second)
    return {"first": first, "second": second, "bad": bad, "served": served}


@pytest.fixture(scope="module")
def server(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SERVE:
        pytest.skip('needs the serve extra: pip install "greentag[serve]"')
    running = start_server(
        tmp_path_factory.mktemp("serve"),
        "--model",
        str(models["served"]),
        "--max-texts",
        "5",
        "--max-text-bytes",
        "2K",
        "--max-request-bytes",
        "64K",
        "--body-timeout",
        "1",
        env={"GREENTAG_ADMIN_TOKEN": TOKEN},
        model_file=models["served"],
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shipped model, no admin token, limits from environment variables."""
    if not HAVE_SERVE:
        pytest.skip('needs the serve extra: pip install "greentag[serve]"')
    running = start_server(tmp_path_factory.mktemp("serve-default"), env={"GREENTAG_MAX_TEXTS": "3"})
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def local(models: dict[str, Path]) -> greentag.Tagger:
    """The first model, loaded in this process, to compare the server's answers with."""
    return greentag.Tagger.load(models["first"])


# -------------------------------------------------------- without the extra
def test_import_greentag_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, greentag, greentag.cli, greentag.serve.config; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'pydantic', 'anyio') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == "[]"


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fastapi", None)  # find_spec() then reports it missing
    err = io.StringIO()
    assert cli.main(["serve"], stdout=io.StringIO(), stderr=err) == 1
    assert 'pip install "greentag[serve]"' in err.getvalue()
    assert "fastapi" in err.getvalue()


@needs_serve
def test_serve_refuses_a_bad_setting_before_starting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    err = io.StringIO()
    monkeypatch.setenv("GREENTAG_MAX_TEXTS", "lots")
    assert cli.main(["serve"], stdout=io.StringIO(), stderr=err) == 1
    assert "GREENTAG_MAX_TEXTS='lots'" in err.getvalue()
    monkeypatch.delenv("GREENTAG_MAX_TEXTS")
    bad = tmp_path / "bad.gtm"
    bad.write_bytes(b"not a model")
    err = io.StringIO()
    assert cli.main(["serve", "--model", str(bad)], stdout=io.StringIO(), stderr=err) == 1
    assert "bad.gtm" in err.getvalue()


# ---------------------------------------------------------------- endpoints
def test_health_names_the_model_and_its_version(server: Server, models: dict[str, Path]) -> None:
    answer = call(server, "GET", "/health")
    assert answer.status == 200
    body = answer.json
    assert body["status"] == "ready"
    assert body["model"]["id"] == "served"
    assert body["model"]["version"] == fingerprint(models["first"])
    assert body["greentag_version"] == greentag.__version__


def test_tag_answers_as_the_library_does(server: Server, local: greentag.Tagger) -> None:
    text = "The wind farm feeds the grid and freight trains cross the border."
    answer = call(server, "POST", "/tag", {"text": text})
    assert answer.status == 200 and answer.headers["content-type"].startswith("application/json")
    body = answer.json
    assert [(t["label"], t["score"]) for t in body["tags"]] == [tuple(t) for t in local.tag(text)]
    assert body["model"] == {"id": "served", "version": fingerprint(server.model_file)}  # type: ignore[arg-type]
    one = call(server, "POST", "/tag", {"text": text, "top_k": 1, "threshold": 0.2}).json["tags"]
    assert [(t["label"], t["score"]) for t in one] == [tuple(t) for t in local.tag(text, top_k=1, threshold=0.2)]
    assert call(server, "POST", "/tag", {"text": ""}).json["tags"] == []


def test_tag_many_keeps_the_order(server: Server, local: greentag.Tagger) -> None:
    texts = [
        "Nurses treat patients at the new hospital.",
        "The port opened a new container terminal.",
        "Solar panels cut the power bill of the plant.",
        "",
    ]
    answer = call(server, "POST", "/tag_many", {"texts": texts, "top_k": 2})
    assert answer.status == 200
    got = [[(t["label"], t["score"]) for t in tags] for tags in answer.json["results"]]
    assert got == [[tuple(t) for t in tags] for tags in local.tag_many(texts, top_k=2)]
    assert call(server, "POST", "/tag_many", {"texts": []}).json["results"] == []


def test_explain_one_label_or_every_tag(server: Server, local: greentag.Tagger) -> None:
    text = "The wind farm added forty turbines and now feeds the regional grid."
    label = local.labels[0]
    answer = call(server, "POST", "/explain", {"text": text, "label": label, "top_n": 3})
    assert answer.status == 200
    (explanation,) = answer.json["explanations"]
    expected = local.explain(text, label, top_n=3)
    assert explanation["label"] == label and explanation["score"] == expected.score
    assert [(t["term"], t["weight"]) for t in explanation["terms"]] == expected.terms
    every = call(server, "POST", "/explain", {"text": text}).json["explanations"]
    assert [e["label"] for e in every] == [t.label for t in local.tag(text)]
    unknown = call(server, "POST", "/explain", {"text": text, "label": "no_such_label"})
    assert unknown.status == 422 and unknown.json["error"]["code"] == "unknown_label"
    assert "no_such_label" in unknown.json["error"]["message"]


def test_labels_lists_ids_names_definitions_thresholds(server: Server, local: greentag.Tagger) -> None:
    body = call(server, "GET", "/labels").json
    assert [entry["id"] for entry in body["labels"]] == local.labels
    assert [entry["threshold"] for entry in body["labels"]] == [float(t) for t in local.thresholds]
    assert all(set(entry) == {"id", "name", "definition", "threshold"} for entry in body["labels"])
    assert body["languages"] == local.languages


def test_labels_of_the_shipped_model_carry_the_taxonomy(default_server: Server) -> None:
    body = call(default_server, "GET", "/labels").json
    energy = next(entry for entry in body["labels"] if entry["id"] == "energy")
    assert energy["name"] == "Energy" and energy["definition"]
    assert body["model"]["id"] == "default"


def test_lang_is_passed_to_the_tagger(default_server: Server) -> None:
    text = "Ветряная электростанция подключена к энергосистеме."
    answer = call(default_server, "POST", "/tag", {"text": text, "lang": "ru"})
    assert answer.status == 200
    assert answer.json["tags"] == [
        {"label": t.label, "score": t.score} for t in greentag.load_default().tag(text, lang="ru")
    ]
    bad = call(default_server, "POST", "/tag", {"text": text, "lang": "xx"})
    assert bad.status == 422 and "'xx'" in bad.json["error"]["message"]


def test_openapi_and_docs(server: Server) -> None:
    spec = call(server, "GET", "/openapi.json").json
    assert {"/tag", "/tag_many", "/explain", "/labels", "/health", "/metrics", "/admin/reload"} <= set(spec["paths"])
    assert "TagRequest" in spec["components"]["schemas"]
    docs = call(server, "GET", "/docs")
    assert docs.status == 200 and "swagger" in docs.text.lower()


def test_concurrent_requests_all_get_their_own_answer(server: Server, local: greentag.Tagger) -> None:
    texts = [f"Freight train number {i} crossed the border with the wind turbines." for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda text: call(server, "POST", "/tag", {"text": text}), texts))
    assert all(answer.status == 200 for answer in answers)
    assert [[t["label"] for t in a.json["tags"]] for a in answers] == [[t.label for t in local.tag(x)] for x in texts]


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("path", "data", "headers", "status", "code", "says"),
    [
        ("/tag", b'{"text": "solar', JSON, 400, "malformed_json", "malformed JSON"),
        ("/tag", b"", JSON, 400, "empty_body", "empty"),
        ("/tag", b"[1, 2]", JSON, 422, "invalid_request", "must be a JSON object, got an array"),
        ("/tag", b'{"text": 3}', JSON, 422, "invalid_request", "text: Input should be a valid string"),
        ("/tag", b'{"text": "solar", "top_k": "2"}', JSON, 422, "invalid_request", "top_k"),
        ("/tag", b'{"text": "solar", "treshold": 0.5}', JSON, 422, "invalid_request", "treshold"),
        ("/tag", b'{"text": "solar", "threshold": 1.5}', JSON, 422, "invalid_option", "got 1.5"),
        ("/tag", b'{"text": "solar", "top_k": 0}', JSON, 422, "invalid_option", "top_k"),
        ("/tag", b'{"text": "solar", "lang": "xx"}', JSON, 422, "invalid_option", "'xx'"),
        (
            "/tag",
            b"text=solar",
            {"Content-Type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
            "application/json",
        ),
        ("/tag_many", b'{"texts": "solar"}', JSON, 422, "invalid_request", "texts"),
        ("/tag_many", b'{"texts": ["solar", null]}', JSON, 422, "invalid_request", "texts[1]"),
        ("/tag_many", json.dumps({"texts": ["a"] * 6}).encode(), JSON, 413, "too_many_texts", "limit is 5"),
        ("/tag", json.dumps({"text": "x" * 3000}).encode(), JSON, 413, "text_too_large", "2,048"),
        ("/tag_many", json.dumps({"texts": ["ok", "é" * 1500]}).encode(), JSON, 413, "text_too_large", "texts[1]"),
        ("/tag", json.dumps({"text": "x " * 40_000}).encode(), JSON, 413, "request_too_large", "65,536"),
    ],
    ids=[
        "malformed-json",
        "empty-body",
        "array-body",
        "text-not-a-string",
        "top-k-a-string",
        "unknown-field",
        "threshold-out-of-range",
        "top-k-zero",
        "unknown-lang",
        "form-encoded",
        "texts-not-a-list",
        "texts-with-null",
        "too-many-texts",
        "text-too-large",
        "text-too-large-in-utf8",
        "request-too-large",
    ],
)
def test_bad_requests_get_a_json_error(
    server: Server, path: str, data: bytes, headers: dict[str, str], status: int, code: str, says: str
) -> None:
    answer = call(server, "POST", path, data=data, headers=headers)
    assert answer.status == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json["error"]
    assert error["code"] == code and says in error["message"], error
    assert call(server, "GET", "/health").status == 200  # and the server is still there


def test_unknown_paths_and_methods_get_json_errors(server: Server) -> None:
    missing = call(server, "GET", "/nowhere")
    assert missing.status == 404 and missing.json["error"]["code"] == "not_found"
    wrong = call(server, "GET", "/tag")
    assert wrong.status == 405 and wrong.json["error"]["code"] == "method_not_allowed"


def test_a_body_streamed_past_the_limit_is_cut_off(server: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(100):
            yield b"x" * 1024  # 100 KiB in all, no Content-Length: chunked
        yield b'"}'

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/tag", body=chunks(), headers=JSON, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["code"] == "request_too_large"
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close the connection before the client has finished sending
    finally:
        connection.close()


def test_a_slow_client_is_timed_out(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /tag HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"text": "only part of the body'
        )
        started = time.monotonic()
        received = b""
        while chunk := sock.recv(65536):  # the answer closes the connection
            received += chunk
        answer = received.decode()
        assert time.monotonic() - started < 8
    assert answer.startswith("HTTP/1.1 408"), answer
    assert '"body_timeout"' in answer


# ------------------------------------------------------------------ metrics
def test_metrics_count_requests_documents_and_errors(server: Server) -> None:
    before = call(server, "GET", "/metrics")
    assert before.status == 200 and before.headers["content-type"].startswith("text/plain; version=0.0.4")
    for _ in range(3):
        call(server, "POST", "/tag", {"text": "The port opened a container terminal."})
    call(server, "POST", "/tag_many", {"texts": ["a wind farm", "a hospital", "a port"]})
    call(server, "POST", "/tag", data=b"{not json", headers=JSON)
    call(server, "POST", "/tag_many", {"texts": ["a"] * 6})
    after = call(server, "GET", "/metrics").text

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before.text, name, **labels)

    assert delta("greentag_http_requests_total", endpoint="/tag", method="POST", status="200") == 3
    assert delta("greentag_http_requests_total", endpoint="/tag", method="POST", status="400") == 1
    assert delta("greentag_http_requests_total", endpoint="/tag_many", method="POST", status="413") == 1
    assert delta("greentag_documents_tagged_total", endpoint="/tag") == 3
    assert delta("greentag_documents_tagged_total", endpoint="/tag_many") == 3
    assert delta("greentag_http_errors_total", endpoint="/tag", code="malformed_json") == 1
    assert delta("greentag_http_errors_total", endpoint="/tag_many", code="too_many_texts") == 1
    assert delta("greentag_http_request_duration_seconds_count", endpoint="/tag") == 4
    assert delta("greentag_http_request_duration_seconds_bucket", endpoint="/tag", le="+Inf") == 4
    assert metric(after, "greentag_model_info", id="served", version=fingerprint(server.model_file)) == 1  # type: ignore[arg-type]
    # Histogram buckets are cumulative.
    buckets = [float(v) for v in re.findall(r'_bucket\{endpoint="/tag",le="[^"]+"\} (\S+)', after)]
    assert buckets == sorted(buckets) and buckets[-1] == metric(
        after, "greentag_http_request_duration_seconds_count", endpoint="/tag"
    )


# ------------------------------------------------------------------- reload
def test_admin_reload_needs_the_token(server: Server, default_server: Server) -> None:
    assert call(server, "POST", "/admin/reload").status == 401
    wrong = call(server, "POST", "/admin/reload", headers={"Authorization": "Bearer wrong"})
    assert wrong.status == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    disabled = call(default_server, "POST", "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert disabled.status == 404 and "GREENTAG_ADMIN_TOKEN" in disabled.json["error"]["message"]


def test_admin_reload_serves_a_new_file_and_keeps_the_old_on_a_bad_one(server: Server, models: dict[str, Path]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    text = "Solar panels on factory roofs cut the power bill."
    replace_file(models["second"], models["served"])
    answer = call(server, "POST", "/admin/reload", headers=auth)
    assert answer.status == 200, answer.text
    assert answer.json["model"]["version"] == fingerprint(models["second"])
    assert answer.json["previous"]["version"] == fingerprint(models["first"])
    tagged = call(server, "POST", "/tag", {"text": text}).json
    assert tagged["model"]["version"] == fingerprint(models["second"])
    assert tagged["tags"] == [
        {"label": t.label, "score": t.score} for t in greentag.Tagger.load(models["second"]).tag(text)
    ]

    before = call(server, "GET", "/metrics").text
    replace_file(models["bad"], models["served"])
    refused = call(server, "POST", "/admin/reload", headers=auth)
    assert refused.status == 422 and refused.json["error"]["code"] == "model_error"
    assert "served.gtm" in refused.json["error"]["message"]
    # The old model keeps serving.
    assert call(server, "GET", "/health").json["model"]["version"] == fingerprint(models["second"])
    assert call(server, "POST", "/tag", {"text": text}).json == tagged
    after = call(server, "GET", "/metrics").text
    assert (
        metric(after, "greentag_model_reloads_total", result="error")
        - metric(before, "greentag_model_reloads_total", result="error")
        == 1
    )


def test_sighup_reloads_the_model_file(server: Server, models: dict[str, Path]) -> None:
    replace_file(models["first"], models["served"])
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    version = None
    while time.monotonic() < deadline:
        version = call(server, "GET", "/health").json["model"]["version"]
        if version == fingerprint(models["first"]):
            break
        time.sleep(0.05)
    assert version == fingerprint(models["first"])
    assert server.process.poll() is None


def test_several_workers_share_the_port_and_reload_one_at_a_time(
    models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    if not HAVE_SERVE:
        pytest.skip('needs the serve extra: pip install "greentag[serve]"')
    folder = tmp_path_factory.mktemp("serve-workers")
    served = folder / "workers.gtm"
    replace_file(models["first"], served)
    running = start_server(folder, "--model", str(served), "--workers", "2", env={"GREENTAG_ADMIN_TOKEN": TOKEN})
    try:

        def versions(n: int = 6) -> set[str]:
            return {call(running, "GET", "/health").json["model"]["version"] for _ in range(n)}

        assert versions() == {fingerprint(models["first"])}
        first_workers = worker_pids(running)
        assert first_workers is None or len(first_workers) == 2
        # /admin/reload checks the file in one worker, then has uvicorn replace them all.
        replace_file(models["second"], served)
        answer = call(running, "POST", "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status == 200 and answer.json["workers"] == "restarting all workers"
        deadline = time.monotonic() + 120  # two workers restart one at a time; slow on a loaded machine

        def restarted() -> bool:
            if first_workers is None:
                # No process table to read: many answers in a row from the new model will have to do.
                return versions(20) == {fingerprint(models["second"])}
            # Answers alone cannot tell: the kernel may hand every connection to the new worker
            # while the old one still listens. The restart is over when both old processes are gone.
            now = worker_pids(running)
            return now is not None and len(now) == 2 and not now & first_workers

        while time.monotonic() < deadline and not restarted():
            time.sleep(0.2)
        assert restarted(), f"the workers were not replaced in time:\n{running.logs()}"
        assert versions(10) == {fingerprint(models["second"])}
        # A bad file on SIGHUP: the new workers cannot start, the old ones keep serving.
        replace_file(models["bad"], served)
        running.process.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert versions(10) == {fingerprint(models["second"])}
        assert call(running, "POST", "/tag", {"text": "A wind farm feeds the grid."}).status == 200
        assert running.process.poll() is None
    finally:
        stop_server(running)
