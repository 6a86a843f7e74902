"""Plotly figure specifications as plain dicts: small, summarised and offline.

Distributions are reduced before they reach a figure — quantile bands, histograms, a capped
sample of points — so a report of 10⁵ futures stays a few megabytes, almost all of it
plotly.js itself. Figures are rendered in the browser by ``Plotly.newPlot``; nothing here
needs a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

PALETTE = ("#1f5fa8", "#d1495b", "#2e933c", "#edae49", "#7b4fa0", "#00798c", "#8c6d31",
           "#e377c2")
FONT = ("system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK JP', 'Noto Sans JP', "
        "'Hiragino Sans', 'Yu Gothic', sans-serif")
CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[k:k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def rounded(values: Any, digits: int = 4) -> list[float | None]:
    """Floats to `digits` significant digits (JSON size), NaN/inf to None."""
    arr = np.asarray(values, dtype=float).ravel()
    out: list[float | None] = []
    for v in arr:
        if not np.isfinite(v):
            out.append(None)
        elif v == 0:
            out.append(0.0)
        else:
            out.append(float(f"{v:.{digits}g}"))
    return out


def layout(title: str, x_title: str = "", y_title: str = "", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}},
        "font": {"family": FONT, "size": 12},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 90},
        "height": 380,
        "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
        "xaxis": {"title": {"text": x_title}, "zeroline": False},
        "yaxis": {"title": {"text": y_title}, "zeroline": False},
        "paper_bgcolor": "white", "plot_bgcolor": "#fafafa",
    }
    base.update(extra)
    return base


def fan(x: Sequence[float] | np.ndarray, bands: Mapping[str, np.ndarray], title: str, x_title: str,
        y_title: str, names: tuple[str, str, str]) -> dict[str, Any]:
    """One panel per group (side by side, shared y): median line with 25–75 % and 10–90 %
    bands; `bands[g]` is (5, len(x)) quantiles (10, 25, 50, 75, 90). `names` labels the
    10–90 band, the 25–75 band and the median in the legend."""
    traces: list[dict[str, Any]] = []
    xs = rounded(x)
    k = max(1, len(bands))
    gap = 0.04
    width = (1 - gap * (k - 1)) / k
    lay = layout(title, "", y_title, height=340, showlegend=True, annotations=[])
    for i, (group, q) in enumerate(bands.items()):
        c = color(i)
        ax = "" if i == 0 else str(i + 1)
        for lo, hi, alpha, label in ((0, 4, 0.18, names[0]), (1, 3, 0.35, names[1])):
            traces.append({"type": "scatter", "x": xs, "y": rounded(q[hi]), "mode": "lines",
                           "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip",
                           "xaxis": f"x{ax}", "yaxis": "y"})
            traces.append({"type": "scatter", "x": xs, "y": rounded(q[lo]), "mode": "lines",
                           "line": {"width": 0}, "fill": "tonexty", "xaxis": f"x{ax}",
                           "fillcolor": rgba(c, alpha), "name": f"{group}: {label}",
                           "showlegend": False, "yaxis": "y"})
        traces.append({"type": "scatter", "x": xs, "y": rounded(q[2]), "mode": "lines",
                       "line": {"color": c, "width": 2}, "name": f"{group}: {names[2]}",
                       "xaxis": f"x{ax}", "yaxis": "y", "showlegend": False})
        start = i * (width + gap)
        lay[f"xaxis{ax}"] = {"domain": [start, start + width], "anchor": "y",
                             "title": {"text": x_title}, "zeroline": False}
        lay["annotations"].append({"text": f"<b>{group}</b>", "x": start + width / 2,
                                   "y": 1.0, "xref": "paper", "yref": "paper",
                                   "showarrow": False, "yanchor": "bottom"})
    lay["margin"] = {"l": 60, "r": 20, "t": 70, "b": 50}
    return {"data": traces, "layout": lay}


def histograms(groups: Mapping[str, np.ndarray], title: str, x_title: str, y_title: str,
               bins: int | np.ndarray = 40, clip: tuple[float, float] = (0.005, 0.995),
               vlines: Sequence[tuple[float, str]] = ()) -> dict[str, Any]:
    """Overlaid histograms (share of futures per bin) on common bins."""
    pooled = np.concatenate([np.asarray(v, dtype=float).ravel() for v in groups.values()])
    pooled = pooled[np.isfinite(pooled)]
    if isinstance(bins, int):
        if pooled.size:
            lo, hi = np.quantile(pooled, clip)
            if hi <= lo:
                lo, hi = lo - 0.5, hi + 0.5
        else:
            lo, hi = 0.0, 1.0
        edges = np.linspace(lo, hi, bins + 1)
    else:
        edges = np.asarray(bins, dtype=float)
    traces = []
    for i, (group, values) in enumerate(groups.items()):
        v = np.asarray(values, dtype=float).ravel()
        v = np.clip(v[np.isfinite(v)], edges[0], edges[-1])
        counts, _ = np.histogram(v, edges)
        share = counts / max(1, v.size)
        # A step outline per group: overlaid filled bars of several groups are unreadable.
        traces.append({"type": "scatter", "mode": "lines", "x": rounded(edges),
                       "y": rounded(np.append(share, share[-1]), 3), "name": group,
                       "line": {"shape": "hv", "color": color(i), "width": 2},
                       "fill": "tozeroy", "fillcolor": rgba(color(i), 0.12)})
    shapes, notes = _vlines(vlines)
    return {"data": traces, "layout": layout(title, x_title, y_title, shapes=shapes,
                                             annotations=notes)}


def _vlines(lines: Sequence[tuple[float, str]]) -> tuple[list[dict], list[dict]]:
    shapes, notes = [], []
    for x, text in lines:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x,
                       "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "#555"}})
        notes.append({"x": x, "y": 1, "xref": "x", "yref": "paper", "text": text,
                      "showarrow": False, "yanchor": "bottom", "font": {"size": 10}})
    return shapes, notes


def scatter_with_levels(points: Mapping[str, tuple[np.ndarray, np.ndarray]],
                        levels: Sequence[tuple[float, str]], title: str, x_title: str,
                        y_title: str, log_y: bool = True) -> dict[str, Any]:
    """Points per group plus horizontal reference levels (dashed, labelled)."""
    traces = []
    for i, (group, (x, y)) in enumerate(points.items()):
        traces.append({"type": "scattergl" if len(x) > 3000 else "scatter", "mode": "markers",
                       "x": rounded(x, 3), "y": rounded(y, 3), "name": group,
                       "marker": {"size": 4, "color": rgba(color(i), 0.5)}})
    shapes, notes = [], []
    for j, (value, text) in enumerate(sorted(levels)):
        shapes.append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                       "y0": value, "y1": value, "line": {"dash": "dash", "color": "#555"}})
        notes.append({"x": 1 if j % 2 == 0 else 0, "y": float(np.log10(value)) if log_y
                      else value, "xref": "paper", "yref": "y", "text": text,
                      "showarrow": False, "xanchor": "right" if j % 2 == 0 else "left",
                      "yanchor": "bottom", "font": {"size": 10}})
    lay = layout(title, x_title, y_title, shapes=shapes, annotations=notes, height=420)
    if log_y:
        lay["yaxis"]["type"] = "log"
        ticks = sorted({float(f"{v:.3g}") for v, _ in levels} | {
            float(f"{np.median(y):.3g}") for _, y in points.values() if len(y)})
        lay["yaxis"]["tickvals"] = ticks
        lay["yaxis"]["ticktext"] = [f"{v:,.0f}" for v in ticks]
    return {"data": traces, "layout": lay}


def bars(categories: Sequence[str], values: Sequence[float], title: str, y_title: str,
         errors: tuple[Sequence[float], Sequence[float]] | None = None,
         series: Mapping[str, tuple[Sequence[float], Sequence[float] | None]] | None = None,
         horizontal: bool = False) -> dict[str, Any]:
    """One bar per category (optionally with asymmetric error bars), or grouped `series`."""
    traces = []
    groups = series or {"": (values, None)}
    for i, (name, (vals, err)) in enumerate(groups.items()):
        trace: dict[str, Any] = {"type": "bar", "name": name, "marker": {"color": color(i)}}
        cats, vs = list(categories), rounded(vals)
        if horizontal:
            trace.update(y=cats, x=vs, orientation="h")
        else:
            trace.update(x=cats, y=vs)
        axis = "error_x" if horizontal else "error_y"
        if errors is not None and series is None:
            trace[axis] = {"type": "data", "symmetric": False, "array": rounded(errors[1]),
                           "arrayminus": rounded(errors[0])}
        elif err is not None:
            trace[axis] = {"type": "data", "array": rounded(err)}
        traces.append(trace)
    lay = layout(title, "" if not horizontal else y_title, y_title if not horizontal else "",
                 showlegend=series is not None, barmode="group")
    if horizontal:
        lay["yaxis"]["automargin"] = True
        lay["height"] = max(300, 60 + 28 * len(categories) * max(1, len(groups)))
    return {"data": traces, "layout": lay}


def heatmap(z: np.ndarray, x: Sequence[str], y: Sequence[str], title: str, x_title: str,
            y_title: str, z_title: str) -> dict[str, Any]:
    text = [[f"{v:.0%}" for v in row] for row in np.asarray(z)]
    return {"data": [{"type": "heatmap", "z": [rounded(row, 3) for row in np.asarray(z)],
                      "x": list(x), "y": list(y), "zmin": 0, "zmax": 1,
                      "colorscale": "Blues", "text": text, "texttemplate": "%{text}",
                      "colorbar": {"title": {"text": z_title}}}],
            "layout": layout(title, x_title, y_title, height=80 + 32 * len(y),
                             yaxis={"autorange": "reversed", "automargin": True,
                                    "title": {"text": y_title}},
                             margin={"l": 60, "r": 20, "t": 50, "b": 60})}
