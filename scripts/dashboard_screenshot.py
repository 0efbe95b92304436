"""Screenshot optuna-dashboard serving a real jaxscape search (``docs/howto/dashboard.md``).

Maintenance script, run by hand; it needs the ``dashboard`` extra (``optuna-dashboard``) and a
Chromium (``/usr/bin/chromium``, or ``--chromium PATH``)::

    python scripts/dashboard_screenshot.py out/dashboard

1. runs a random search (``jaxscape.search.random_search``) of SGD-with-momentum and Adam on
   the embedded digits MLP into ``sqlite:///OUTDIR/search.db`` (a previous ``search.db`` there
   is removed first, so the search really trains);
2. checks that every finished trial has its learning curve in the study as Optuna
   intermediate values (``trial.report`` at each record);
3. starts ``optuna-dashboard`` on that database (localhost, a free port), waits until it
   answers, and screenshots the study page in headless Chromium: ``OUTDIR/study_full.png``
   (the whole page), ``OUTDIR/optuna_dashboard.png`` (the "Intermediate values" plot,
   cropped from it) and ``OUTDIR/optuna_dashboard_study.png`` (the page down to that plot,
   1000 pixels wide), then stops the server. The run's numbers are in
   ``OUTDIR/numbers.json``.

Copy both ``optuna_dashboard*.png`` to ``docs/images/`` to update the docs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SPACE = {
    "optimizer": {
        "choice": {
            "sgd": {
                "learning_rate": {"log_uniform": [1e-3, 1.0]},
                "momentum": {"reverse_log_uniform": [0.5, 0.99]},
            },
            "adam": {"learning_rate": {"log_uniform": [1e-5, 1e-1]}},
        }
    }
}

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def run_search(out: Path, budget: int, batch: int, steps: int, eval_every: int) -> dict:
    """The real search; returns its numbers."""
    import jaxscape as js
    from jaxscape import search

    db = out / "search.db"
    if db.exists():
        db.unlink()
    prob = js.Problem.from_model(js.models.MLP(hidden=(64,)), js.data.digits())
    space = search.Space.from_dict(SPACE)
    training = js.Training(steps=steps, eval_every=eval_every, progress=False)
    t0 = time.perf_counter()
    res = search.random_search(
        prob,
        space,
        training,
        budget=budget,
        batch=batch,
        record=search.Record(storage=f"sqlite:///{db}", study_name="digits-mlp"),
    )
    wall = time.perf_counter() - t0
    best = res.best()
    config = {k: v if isinstance(v, str) else float(v) for k, v in best["config"].items()}
    return {
        "storage": f"sqlite:///{db}",
        "study_name": "digits-mlp",
        "trials": int(res.n_trials),
        "steps": steps,
        "batch": batch,
        "eval_every": eval_every,
        "metric": res.metric,
        "best_trial": best["trial"],
        "best_config": config,
        "best_score": best["score"],
        "diverged": int(res.diverged.sum()),
        "test": {k: float(v) for k, v in res.test.items()},
        "search_seconds": round(wall, 1),
    }


def check_curves(storage: str, study_name: str) -> tuple[int, int]:
    """Check that every finished trial has a learning curve (two or more intermediate values);
    returns the study's id in the storage (the dashboard's URL) and the points in all."""
    import optuna

    study = optuna.load_study(study_name=study_name, storage=storage)
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not done:
        raise SystemExit("no finished trials in the study")
    missing = [t.number for t in done if len(t.intermediate_values) < 2]
    if missing:
        raise SystemExit(f"trials without a learning curve in the study: {missing}")
    study_id = optuna.storages.get_storage(storage).get_study_id_from_name(study_name)
    return study_id, sum(len(t.intermediate_values) for t in done)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dashboard_command() -> list[str]:
    exe = Path(sys.executable).parent / "optuna-dashboard"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("optuna-dashboard")
    if found:
        return [found]
    raise SystemExit("optuna-dashboard not found: pip install 'jaxscape[dashboard]'")


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"optuna-dashboard exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"optuna-dashboard did not answer at {url} within {timeout:.0f} s")


def screenshot(
    chromium: str, url: str, png: Path, width: int, height: int, scale: float, budget_ms: int
) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--force-device-scale-factor={scale}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={png}",
            url,
        ]
        subprocess.run(cmd, check=True, timeout=180, capture_output=True)
    if not png.exists():
        raise SystemExit(f"chromium wrote no screenshot for {url}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--budget", type=int, default=32, help="configurations (default 32)")
    ap.add_argument("--batch", type=int, default=16, help="configurations per batch")
    ap.add_argument("--steps", type=int, default=200, help="training steps per configuration")
    ap.add_argument("--eval-every", type=int, default=10, help="steps between records")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=2600, help="page height to render")
    ap.add_argument("--scale", type=float, default=1.5, help="device pixels per CSS pixel")
    ap.add_argument(
        "--crop",
        default="auto",
        help="'auto' (find the intermediate-values plot), 'none', or x0,y0,x1,y1 in pixels",
    )
    args = ap.parse_args(argv)
    out = args.outdir
    out.mkdir(parents=True, exist_ok=True)

    numbers = run_search(out, args.budget, args.batch, args.steps, args.eval_every)
    study_id, points = check_curves(numbers["storage"], numbers["study_name"])
    numbers["intermediate_values"] = points
    print(json.dumps(numbers, indent=1), flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(out / "dashboard.log", "w") as log:
        proc = subprocess.Popen(
            [*dashboard_command(), numbers["storage"], "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(f"{base}/api/studies", proc)
            url = f"{base}/dashboard/studies/{study_id}"
            full = out / "study_full.png"
            screenshot(args.chromium, url, full, args.width, args.height, args.scale, 20000)
            print(f"{url} -> {full}", flush=True)
            shot = out / "optuna_dashboard.png"
            crop(full, shot, args.crop)
            page = out / "optuna_dashboard_study.png"
            study_page(full, page)
            for f in (shot, page):
                print(f"-> {f} ({f.stat().st_size // 1024} KB)", flush=True)
        finally:  # the server and anything it started: its own process group
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
    (out / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
    return 0


def plot_box(img) -> tuple[int, int, int, int]:
    """The box of the lowest card on the study page, the "Intermediate values" plot: the page
    is white, the cards are white with a grey outline and shadow, so the last run of rows right
    of the side bar holding a non-white pixel is that card."""
    import numpy as np

    a = np.asarray(img.convert("L"))
    ink = a < 255
    h, w = ink.shape
    side = [x for x in range(min(w, 400)) if ink[:, x].mean() > 0.9]  # the side bar's edge
    x_min = (max(side) + 2) if side else 0
    rows = ink[:, x_min:].any(axis=1)
    if not rows.any():
        raise SystemExit("the screenshot is blank")
    y1 = int(np.flatnonzero(rows)[-1]) + 1
    if y1 >= h - 2:
        raise SystemExit("the page is cut off below its last card: give a larger --height")
    y0 = y1
    while y0 > 0 and rows[y0 - 1]:
        y0 -= 1
    cols = np.flatnonzero(ink[y0:y1, x_min:].any(axis=0)) + x_min
    pad = max(2, h // 400)
    return (
        max(int(cols[0]) - pad, x_min),
        max(y0 - pad, 0),
        min(int(cols[-1]) + 1 + pad, w),
        min(y1 + pad, h),
    )


def crop(full: Path, shot: Path, spec: str) -> None:
    """Save the intermediate-values plot (or the box ``spec``, or all) of ``full`` as ``shot``."""
    from PIL import Image

    img = Image.open(full).convert("RGB")
    if spec == "none":
        box = (0, 0, img.width, img.height)
    elif spec == "auto":
        box = plot_box(img)
    else:
        box = tuple(int(v) for v in spec.split(","))
    img.crop(box).save(shot, optimize=True)


def study_page(full: Path, png: Path, width: int = 1000) -> None:
    """Save the study page of ``full`` down to its last card, ``width`` pixels wide."""
    from PIL import Image

    img = Image.open(full).convert("RGB")
    bottom = plot_box(img)[3]
    img = img.crop((0, 0, img.width, bottom))
    img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    img.save(png, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
