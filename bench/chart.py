"""The throughput chart: each endpoint's requests per second as a ratio to the bare Flask app."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first

TARGETS = {"services": 0.7, "customer requests": 0.4, "customer history": 0.4}


def throughput_chart(result: dict, path: Path, title: str | None = None) -> Path:
    rows = result["endpoints"]
    names = [r["name"] for r in rows]
    ratios = [r["ratio"]["rps"] or 0.0 for r in rows]
    bare = result["bare"]["rps"]
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.8), dpi=110)
    colors = []
    for name, ratio in zip(names, ratios, strict=True):
        target = TARGETS.get(name)
        colors.append("#9e9e9e" if target is None else ("#2e7d32" if ratio >= target else "#c62828"))
    bars = ax.barh(names, ratios, color=colors)
    for bar, row in zip(bars, rows, strict=True):
        ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2,
                f"{row['ratio']['rps'] or 0:.2f}  ({row['rps']:,.0f} req/s, p99 "
                + (f"{row['p99_ms']:.0f} ms)" if row["p99_ms"] is not None else "> run)"),
                va="center", fontsize=8)
    for name, target in TARGETS.items():
        if name in names:
            y = names.index(name)
            ax.plot([target, target], [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.axvline(1.0, color="#555", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.1, max(ratios) * 1.45))
    runs = result.get("bare_runs_rps")
    ax.set_xlabel(f"throughput / mean of the bare app's runs just before and after the row\n(bare app: "
                  f"{min(runs):,.0f}-{max(runs):,.0f} req/s in this run); black marks: targets" if runs else
                  f"throughput / bare Flask app ({bare:,.0f} req/s = 1.0); black marks: targets", fontsize=9)
    settings = result.get("settings", {})
    ax.set_title(title or f"Throughput relative to a bare Flask app, {settings.get('connections', '?')} connections, "
                 f"gunicorn {settings.get('gunicorn', {}).get('workers', '?')} workers x "
                 f"{settings.get('gunicorn', {}).get('threads', '?')} threads", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "load.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else source.with_name("throughput.png")
    print(throughput_chart(json.loads(source.read_text()), target))
