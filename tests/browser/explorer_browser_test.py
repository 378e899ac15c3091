#!/usr/bin/env python3
"""The feed explorer in a real browser against a real server.

Starts feedrank-server (with the HTTP gateway) on a temporary data directory, loads a small
synthetic corpus with the feedrank CLI, opens the explorer page in headless Chromium (driven
over the DevTools protocol), chooses a viewer by typing their handle as a user would, and checks:
both columns show exactly the items the gRPC API (the CLI's `feed --json`) returns for that
viewer, mode and as_of; every explanation bar's terms add up to the item's score and are drawn
on one scale; the overlap box counts the shared items; the interleaved view marks each item's
team. Saves a screenshot in --out.

Exits 77 (CTest's SKIP_RETURN_CODE) with a message when Chromium or python3-websocket is absent.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
AS_OF_MS = 1706745600000  # 2024-02-01: the synthetic posts are from January 2024
LIMIT = 20
TIMEOUT_S = 30


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def wait_for(predicate, what, timeout=TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    fail(f"timed out waiting for {what}")


class Server:
    """feedrank-server with --http-listen on free ports; reads both addresses from stdout."""

    def __init__(self, binary, data_dir, replay_dir, log_path):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--data-dir", data_dir,
             "--http-listen", "127.0.0.1:0", "--backend", "cpu", "--replay-reports", replay_dir],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.grpc = self.http = None
        for line in self.process.stdout:
            if line.startswith("explorer on "):
                self.http = line.split()[-1].rstrip("/")
            if line.startswith("listening on "):
                self.grpc = line.split()[-1]
                break
        if not self.grpc or not self.http:
            fail(f"the server did not start with a gateway; see {log_path}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


class DevTools:
    """One page of a headless Chromium, over the DevTools protocol's WebSocket."""

    def __init__(self, chromium, profile_dir, log_path):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={profile_dir}",
             "--window-size=1400,1000", "about:blank"],
            stdout=self.log, stderr=self.log)
        port_file = os.path.join(profile_dir, "DevToolsActivePort")
        port = wait_for(lambda: os.path.exists(port_file) and open(port_file).readline().strip(),
                        "Chromium's DevTools port")
        targets = wait_for(lambda: [t for t in self.targets(port) if t["type"] == "page"],
                           "a page target")
        self.socket = websocket.create_connection(targets[0]["webSocketDebuggerUrl"],
                                                  timeout=TIMEOUT_S, suppress_origin=True)
        self.next_id = 0

    @staticmethod
    def targets(port):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as reply:
                return json.load(reply)
        except OSError:
            return []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            fail(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def key(self, key, code, key_code, text=""):
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code}
            if kind == "keyDown" and text:
                params["text"] = text
            self.call("Input.dispatchKeyEvent", **params)

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:  # already gone: the process is killed below anyway
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def cli_feed(cli, server, viewer, mode):
    out = subprocess.run(
        [cli, "--server", server.grpc, "feed", "--user", str(viewer), "--mode", mode,
         "--limit", str(LIMIT), "--as-of-ms", str(AS_OF_MS), "--explain", "--json"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["items"]


# The two columns as the page shows them: each item's id, score and its bar's segments.
COLUMNS_JS = """JSON.stringify(Object.fromEntries(['chronological', 'algorithmic'].map((mode) => [mode,
  [...document.querySelectorAll(`#column-${mode} li.item`)].map((li) => ({
    id: li.dataset.postId, score: Number(li.dataset.score),
    segments: [...li.querySelectorAll('.segment')].map((s) => ({
      contribution: Number(s.dataset.contribution), width: s.getBoundingClientRect().width }))}))])))"""


def check_column(mode, shown, expected):
    shown_ids = [item["id"] for item in shown]
    expected_ids = [str(item["post_id"]) for item in expected]
    if shown_ids != expected_ids:
        fail(f"{mode} column shows {shown_ids}, the gRPC API returns {expected_ids}")
    if not shown_ids:
        fail(f"{mode} column is empty: the test data should give this viewer items")
    px_per_unit = []
    for item, reference in zip(shown, expected):
        if abs(item["score"] - reference["score"]) > 1e-9 * max(1.0, abs(reference["score"])):
            fail(f"{mode} post {item['id']}: page score {item['score']}, gRPC {reference['score']}")
        if mode == "chronological":
            continue
        total = sum(segment["contribution"] for segment in item["segments"])
        if abs(total - item["score"]) > 1e-6 * max(1.0, abs(item["score"])):
            fail(f"post {item['id']}: bar terms sum to {total}, score is {item['score']}")
        px_per_unit += [s["width"] / abs(s["contribution"]) for s in item["segments"]
                        if abs(s["contribution"]) > 0.05]
    if mode == "algorithmic":
        if not px_per_unit:
            fail("no algorithmic bar segments drawn")
        # One scale for the whole column: a segment's width is its contribution's share.
        if max(px_per_unit) - min(px_per_unit) > 0.02 * max(px_per_unit) + 0.5:
            fail(f"bar segments are not drawn on one scale: {min(px_per_unit)}..{max(px_per_unit)} px/unit")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--cli-bin", required=True)
    parser.add_argument("--out", required=True, help="folder for the screenshot and logs")
    parser.add_argument("--chromium", default=os.environ.get("FEEDRANK_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not os.access(args.chromium, os.X_OK):
        print(f"SKIP: no Chromium at {args.chromium} (scripts/setup.sh installs Debian's chromium)")
        return SKIP
    global websocket
    try:
        import websocket
    except ImportError:
        print("SKIP: python3-websocket is not installed (scripts/setup.sh installs it)")
        return SKIP
    os.makedirs(args.out, exist_ok=True)

    with tempfile.TemporaryDirectory() as scratch:
        corpus = os.path.join(scratch, "corpus.jsonl")
        subprocess.run([args.cli_bin, "generate", "--users", "300", "--posts", "3000", "--seed", "7",
                        "--out", corpus], check=True, capture_output=True)
        # A replay report of the same corpus for the replay panel.
        replays = os.path.join(scratch, "replays")
        os.makedirs(replays)
        replay = subprocess.run([args.cli_bin, "replay", "--jsonl", corpus, "--fit-ranker",
                                 "--json"], check=True, capture_output=True, text=True).stdout
        with open(os.path.join(replays, "corpus.json"), "w") as out:
            out.write(replay)
        server = Server(args.server_bin, os.path.join(scratch, "data"), replays,
                        os.path.join(args.out, "server.log"))
        browser = None
        try:
            subprocess.run([args.cli_bin, "--server", server.grpc, "load", corpus], check=True,
                           capture_output=True)
            # A viewer who follows someone, so that both columns have items.
            viewer = 3
            expected = {mode: cli_feed(args.cli_bin, server, viewer, mode)
                        for mode in ("chronological", "algorithmic")}

            browser = DevTools(args.chromium, os.path.join(scratch, "profile"),
                               os.path.join(args.out, "chromium.log"))
            browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000,
                         deviceScaleFactor=1, mobile=False)
            browser.call("Page.navigate", url=f"{server.http}/#as_of_ms={AS_OF_MS}&limit={LIMIT}")
            wait_for(lambda: browser.evaluate(
                "document.readyState === 'complete' && document.getElementById('stats').textContent.includes('users')"),
                "the page to load")
            # As a user would: "/" jumps to the viewer box, type the handle, Enter.
            browser.key("/", "Slash", 191, "/")
            if browser.evaluate("document.activeElement.id") != "viewer":
                fail("'/' did not focus the viewer box")
            browser.call("Input.insertText", text=f"user_{viewer}")
            browser.key("Enter", "Enter", 13, "\r")
            state = wait_for(lambda: browser.evaluate(
                "['ready', 'error'].includes(document.body.dataset.state) && document.body.dataset.state"),
                "the feeds")
            if state != "ready":
                status = browser.evaluate("document.getElementById('status').textContent")
                fail(f"the page says: {status}")
            if browser.evaluate("document.body.dataset.viewer") != str(viewer):
                fail("the page shows another viewer")

            shown = json.loads(browser.evaluate(COLUMNS_JS))
            for mode in ("chronological", "algorithmic"):
                check_column(mode, shown[mode], expected[mode])
            shared = {str(i["post_id"]) for i in expected["chronological"]} & \
                     {str(i["post_id"]) for i in expected["algorithmic"]}
            overlap = browser.evaluate("document.getElementById('overlap-shared').textContent")
            if not overlap.startswith(f"{len(shared)} of "):
                fail(f"overlap box says '{overlap}', the lists share {len(shared)} items")

            # The interleaved view: every item marked with the team that picked it.
            teams = browser.evaluate("""[...document.querySelectorAll('#column-interleaved li.item')]
                .map((li) => li.querySelector('.team')?.textContent ?? '?').join('')""")
            if len(teams) != LIMIT or set(teams) - {"A", "B"} or len(set(teams)) != 2:
                fail(f"interleaved view's teams are '{teams}': expected {LIMIT} items from both A and B")

            # The replay panel shows each row against the reference row, as the report says.
            report = json.loads(replay)
            algorithmic = next(row for row in report["rows"] if row["list"] == "algorithmic")
            low = algorithmic["ndcg_at_10_vs_reference"]["ci95_low"]
            cells = json.loads(wait_for(lambda: browser.evaluate("""(() => {
                const table = document.querySelector('#replay-out table');
                if (!table) return '';
                const header = [...table.querySelectorAll('th')].map((th) => th.textContent);
                const row = [...table.querySelectorAll('tbody tr')].find(
                    (tr) => tr.firstChild.textContent === 'algorithmic');
                return JSON.stringify({header, row: [...row.children].map((td) => td.textContent)});
            })()"""), "the replay panel"))
            if cells["header"][-1] != "NDCG@10 vs chronological [95% CI]":
                fail(f"the replay table's last column is '{cells['header'][-1]}'")
            if f"[{'+' if low >= 0 else ''}{low:.4f}," not in cells["row"][-1]:
                fail(f"the algorithmic row's interval is '{cells['row'][-1]}', the report's low end {low}")
            # ...and says where the fitted config's row came from.
            fitted = report["compared_configs"][0]
            notes = browser.evaluate("""[...document.querySelectorAll('#replay-out p')]
                .map((p) => p.textContent).join(' | ')""")
            if not fitted.startswith("algorithmic [fitted]: ranking config ") or fitted not in notes:
                fail(f"the replay panel does not say where the fitted row came from: '{notes}'")

            shot = browser.call("Page.captureScreenshot", format="png")
            path = os.path.join(args.out, "explorer-browser-test.png")
            with open(path, "wb") as out:
                out.write(base64.b64decode(shot["data"]))
            print(f"OK: viewer {viewer}: {len(shown['chronological'])} chronological and "
                  f"{len(shown['algorithmic'])} algorithmic items as the gRPC API returns them, "
                  f"{len(shared)} shared; screenshot {path}")
            return 0
        finally:
            if browser:
                browser.close()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
