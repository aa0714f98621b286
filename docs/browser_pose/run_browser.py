"""Serve nothing itself: expects `python -m http.server 8765 --bind 127.0.0.1` running in /tmp/browserpose.
Usage: [EXTRA_ARGS="--flag ..."] [TAG=_x] run_browser.py VERSION [N] [PAGE]  -> writes browser_VERSION_PAGE_nN{TAG}.json"""
import json, os, sys, time
from urllib.parse import urlparse
from playwright.sync_api import sync_playwright
ver = sys.argv[1]; n = sys.argv[2] if len(sys.argv) > 2 else "100"; page = sys.argv[3] if len(sys.argv) > 3 else "index.html"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        # belt and braces: any hostname other than localhost fails to resolve
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"] + [a for a in os.environ.get("EXTRA_ARGS", "").split() if a]
TAG = os.environ.get("TAG", "")
reqs, console = [], []
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
    pg = b.new_page()
    pg.on("request", lambda r: reqs.append(r.url))
    pg.on("console", lambda m: console.append(m.text))
    pg.on("requestfailed", lambda r: console.append(f"REQUEST FAILED {r.url} {r.failure}"))
    t = time.time()
    pg.goto(f"http://localhost:8765/{page}?v={ver}&n={n}")
    pg.wait_for_function("window.__result && window.__result.done", timeout=600_000, polling=500)
    res = pg.evaluate("window.__result")
    res["wall_s"] = time.time() - t
    res["browser_version"] = b.version
    b.close()
hosts = sorted({urlparse(u).netloc for u in reqs})
res["request_count"] = len(reqs); res["request_hosts"] = hosts
res["non_local_requests"] = [u for u in reqs if urlparse(u).hostname not in ("localhost", "127.0.0.1")]
res["console"] = console[:40]
json.dump(res, open(f"browser_{ver}_{page.split('.')[0]}_n{n}{TAG}.json", "w"))
print(json.dumps({k: v for k, v in res.items() if k not in ("image", "video")}, indent=1)[:4000])
