"""The HTML leaderboard in a real browser (headless Debian chromium): ranking as rendered after the script ran,
sorting from a ``#sort=`` link and from a mouse click on a column heading, and a phone-sized screenshot.

Skipped only when chromium is absent (``apt-get install -y chromium``; CI installs it). The screenshot is kept
under ``$GRADER_ARTIFACTS`` if set, else ``tests/artifacts/``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from conftest_results import class_results, populate

from harness.cli import main
from harness.results import AssignmentResult, Check, SubmissionResult

CHROMIUM = shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
TIMEOUT = 60


class _Rows(HTMLParser):
    """The ``data-name`` of each row of ``#board``'s body, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.sort: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-name" in a:
            self.names.append(a["data-name"] or "")
        if tag == "table" and a.get("id") == "board":
            self.sort = a.get("data-sort")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],  # type: ignore[list-item]
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _rendered(tmp_path: Path, url: str) -> _Rows:
    done = _chromium(tmp_path, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = _Rows()
    rows.feed(done.stdout)
    return rows


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    # dave: same score as bob but faster and more accurate; so by score dave is 2nd, by accuracy also 2nd,
    # by training time (ascending) 1st.
    dave = SubmissionResult("dave", str(tmp_path / "subs" / "dave"), [AssignmentResult(
        "simple_rnn", "passed", 15.0, 15.0, [Check("c", True)], metrics={"accuracy": 0.83}, timings={"train_s": 9.0})])
    db = populate(tmp_path / "g.sqlite", [*class_results(tmp_path / "subs"), dave])
    (tmp_path / "course.toml").write_text('name = "Deep Learning with Keras"\n')
    out = tmp_path / "board.html"
    result = CliRunner().invoke(main, ["leaderboard", "--db", str(db), "--output", str(out), "--course",
                                       str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_ranking_as_rendered(page: Path, tmp_path: Path) -> None:
    rows = _rendered(tmp_path, page.as_uri())
    assert rows.names == ["alice", "dave", "bob", "carol"]


def test_sort_link(page: Path, tmp_path: Path) -> None:
    by_time = _rendered(tmp_path, page.as_uri() + "#sort=train_s")
    assert by_time.names == ["dave", "bob", "alice", "carol"]  # fastest first; no figure last
    assert by_time.sort == "train_s:asc"
    by_accuracy = _rendered(tmp_path, page.as_uri() + "#sort=accuracy:asc")
    assert by_accuracy.names == ["bob", "dave", "alice", "carol"]
    by_name = _rendered(tmp_path, page.as_uri() + "#sort=name:desc")
    assert by_name.names == ["dave", "carol", "bob", "alice"]


def test_phone_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "leaderboard-phone.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=412,900", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (412, 900)
    artifacts = Path(os.environ.get("GRADER_ARTIFACTS") or Path(__file__).parent / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, artifacts / shot.name)


class DevTools:
    """The Chrome DevTools protocol over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out, NUL-framed JSON)."""

    def __init__(self, tmp_path: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # The shell puts our pipe ends on the fds chromium expects (3: it reads, 4: it writes), then execs it.
        redirect = f'exec "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} {to_chrome_r}<&- {from_chrome_w}>&-'
        self.proc = subprocess.Popen(
            ["bash", "-c", redirect, "chromium", CHROMIUM, *FLAGS,  # type: ignore[list-item]
             f"--user-data-dir={tmp_path / 'cdp-profile'}", "--remote-debugging-pipe", "--window-size=1024,768",
             "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._id = 0
        self.session: str | None = None

    def call(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._id:
                    assert "error" not in reply, reply
                    return reply.get("result", {})
            chunk = os.read(self._from_chrome, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    def close(self) -> None:
        try:
            self.call("Browser.close", session=False)
        except (RuntimeError, OSError, TimeoutError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def test_click_on_heading_sorts(page: Path, tmp_path: Path) -> None:
    cdp = DevTools(tmp_path)
    try:
        target = cdp.call("Target.createTarget", session=False, url=page.as_uri())["targetId"]
        cdp.session = cdp.call("Target.attachToTarget", session=False, targetId=target, flatten=True)["sessionId"]
        deadline = time.monotonic() + TIMEOUT
        loaded = f"location.href === {json.dumps(page.as_uri())} && document.readyState === 'complete'"
        while not cdp.evaluate(loaded):
            assert time.monotonic() < deadline, "the page did not load"
            time.sleep(0.05)
        order = "Array.from(document.querySelectorAll('#board tbody tr')).map(r => r.dataset.name)"
        assert cdp.evaluate(order) == ["alice", "dave", "bob", "carol"]

        def click(key: str) -> None:
            box = cdp.evaluate(f"(() => {{ const b = document.querySelector('th[data-key={key}] button');"
                               "b.scrollIntoView(); const r = b.getBoundingClientRect();"
                               "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
            for kind in ("mousePressed", "mouseReleased"):  # a real mouse click at the heading, not el.click()
                cdp.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

        click("train_s")
        assert cdp.evaluate(order) == ["dave", "bob", "alice", "carol"]
        assert cdp.evaluate("location.hash") == "#sort=train_s:asc"
        click("train_s")  # second click reverses; missing figures stay last
        assert cdp.evaluate(order) == ["alice", "bob", "dave", "carol"]
        assert cdp.evaluate("document.querySelector('th[data-key=train_s]').getAttribute('aria-sort')") == \
            "descending"
        click("rank")
        assert cdp.evaluate(order) == ["alice", "dave", "bob", "carol"]
    finally:
        cdp.close()
