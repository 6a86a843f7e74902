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


# Plotly draws every text of a figure as a subset of HTML (<a href>, <b>, <br>, <span
# style>): a policy name or label from a user's scenario could add a link or styling. Every
# text key is escaped once, here, before a spec leaves this module; kaname's own bold panel
# titles are the one markup put back.
TEXT_KEYS = frozenset({"name", "text", "ticktext", "hovertext", "legendgrouptitle",
                       "x", "y"})  # x, y: category axes show their values as text
OWN_MARKUP = (("&lt;b&gt;", "<b>"), ("&lt;/b&gt;", "</b>"))


def plain_text(spec: Any, key: str = "") -> Any:
    """`spec` with every text a reader sees HTML-escaped (kaname's <b>…</b> kept)."""
    import html

    if isinstance(spec, dict):
        return {k: plain_text(v, k) for k, v in spec.items()}
    if isinstance(spec, list):
        return [plain_text(v, key) for v in spec]
    if isinstance(spec, str) and key in TEXT_KEYS:
        out = html.escape(spec, quote=False)
        for escaped, markup in OWN_MARKUP:
            out = out.replace(escaped, markup)
        return out
    return spec


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


FAN_COLUMNS = 3  # panels per row of a fan chart: titles stay readable with many policies
ROW_GAP_PX = 70  # between rows of panels: the x ticks above and the next panel's title


def fan(x: Sequence[float] | np.ndarray, bands: Mapping[str, np.ndarray], title: str, x_title: str,
        y_title: str, names: tuple[str, str, str]) -> dict[str, Any]:
    """One panel per group, FAN_COLUMNS to a row (shared y): median line with 25–75 % and
    10–90 % bands; `bands[g]` is (5, len(x)) quantiles (10, 25, 50, 75, 90). `names` labels
    the 10–90 band, the 25–75 band and the median; every trace is named "group: band"."""
    traces: list[dict[str, Any]] = []
    xs = rounded(x)
    k = max(1, len(bands))
    cols = min(FAN_COLUMNS, k)
    rows = -(-k // cols)
    plot_px = 190 * rows + ROW_GAP_PX * (rows - 1)   # the panels and the gaps between rows
    gap_x, gap_y = 0.05, ROW_GAP_PX / plot_px
    width = (1 - gap_x * (cols - 1)) / cols
    height = (1 - gap_y * (rows - 1)) / rows
    lay = layout(title, "", "", height=plot_px + 120, showlegend=False, annotations=[])
    for i, (group, q) in enumerate(bands.items()):
        c = color(i)
        row, col = divmod(i, cols)
        ax = "" if i == 0 else str(i + 1)
        for lo, hi, alpha, label in ((0, 4, 0.18, names[0]), (1, 3, 0.35, names[1])):
            traces.append({"type": "scatter", "x": xs, "y": rounded(q[hi]), "mode": "lines",
                           "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip",
                           "name": f"{group}: {label} ↑", "xaxis": f"x{ax}", "yaxis": f"y{ax}"})
            traces.append({"type": "scatter", "x": xs, "y": rounded(q[lo]), "mode": "lines",
                           "line": {"width": 0}, "fill": "tonexty", "xaxis": f"x{ax}",
                           "fillcolor": rgba(c, alpha), "name": f"{group}: {label}",
                           "showlegend": False, "yaxis": f"y{ax}"})
        traces.append({"type": "scatter", "x": xs, "y": rounded(q[2]), "mode": "lines",
                       "line": {"color": c, "width": 2}, "name": f"{group}: {names[2]}",
                       "xaxis": f"x{ax}", "yaxis": f"y{ax}", "showlegend": False})
        x0 = col * (width + gap_x)
        y1 = 1 - row * (height + gap_y)
        lay[f"xaxis{ax}"] = {"domain": [x0, x0 + width], "anchor": f"y{ax}", "zeroline": False,
                             "title": {"text": x_title if row == rows - 1 else ""}}
        lay[f"yaxis{ax}"] = {"domain": [y1 - height, y1], "anchor": f"x{ax}", "zeroline": False,
                             "title": {"text": y_title if col == 0 else ""},
                             **({"matches": "y"} if i else {})}
        lay["annotations"].append({"text": f"<b>{group}</b>", "x": x0 + width / 2, "y": y1,
                                   "xref": "paper", "yref": "paper", "showarrow": False,
                                   "yanchor": "bottom", "font": {"size": 11}})
    lay["margin"] = {"l": 60, "r": 20, "t": 70, "b": 50}
    return {"data": traces, "layout": lay}


INTERVAL_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
DASHES = ("dash", "dot", "dashdot", "longdash", "longdashdot", "5px,2px,1px,2px")


def intervals(panels: Mapping[str, Mapping[str, np.ndarray]], title: str, x_title: str,
              vlines: Sequence[tuple[float, str]] = (), log_x: bool = False,
              columns: int = 2) -> dict[str, Any]:
    """Each group's distribution as a median dot on a 10–90 % line (25–75 % thicker), one
    row per group and one panel per key of `panels` (`columns` to a row): every policy is
    visible, where overlaid histograms hide each other. `panels[p][g]` is the values."""
    traces: list[dict[str, Any]] = []
    k = max(1, len(panels))
    cols = min(columns, k)
    rows = -(-k // cols)
    n_groups = max((len(g) for g in panels.values()), default=1)
    per_panel = max(100, 24 * n_groups)
    plot_px = per_panel * rows + ROW_GAP_PX * (rows - 1)
    gap_x, gap_y = 0.22 if cols > 1 else 0.0, ROW_GAP_PX / plot_px
    width = (1 - gap_x * (cols - 1)) / cols
    height = (1 - gap_y * (rows - 1)) / rows
    legend = 22 * len(vlines)  # the reference lines' legend, below the x-axis title
    lay = layout(title, "", "", height=max(300, 120 + plot_px + legend),
                 showlegend=bool(vlines), annotations=[],
                 legend={"orientation": "v", "yref": "container", "y": 0.0,
                         "yanchor": "bottom", "x": 0})
    for i, (panel, groups) in enumerate(panels.items()):
        row, col = divmod(i, cols)
        ax = "" if i == 0 else str(i + 1)
        names = list(groups)
        q = np.array([np.nanquantile(np.asarray(v, dtype=float), INTERVAL_QUANTILES)
                      if np.isfinite(np.asarray(v, dtype=float)).any()
                      else [np.nan] * 5 for v in groups.values()]).reshape(-1, 5)
        for lo, hi, width_px, suffix in ((0, 4, 2, "10–90 %"), (1, 3, 6, "25–75 %")):
            xs: list[float | None] = []
            ys: list[int | None] = []
            for j in range(len(names)):
                xs += [*rounded(q[j, [lo, hi]]), None]
                ys += [j, j, None]
            traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys,
                           "name": f"{panel}: {suffix}", "hoverinfo": "skip",
                           "showlegend": False,
                           "line": {"color": rgba(color(i), 0.55), "width": width_px},
                           "xaxis": f"x{ax}", "yaxis": f"y{ax}"})
        traces.append({"type": "scatter", "mode": "markers", "x": rounded(q[:, 2]),
                       "y": list(range(len(names))), "text": names,
                       "name": panel, "marker": {"color": color(i), "size": 8},
                       "showlegend": False,
                       "customdata": [[*rounded(r[[0, 1, 3, 4]])] for r in q],
                       "hovertemplate": "%{text}: %{x} (25–75 %: %{customdata[1]} – "
                                        "%{customdata[2]}; 10–90 %: %{customdata[0]} – "
                                        "%{customdata[3]})<extra></extra>",
                       "xaxis": f"x{ax}", "yaxis": f"y{ax}"})
        x0 = col * (width + gap_x)
        y1 = 1 - row * (height + gap_y)
        lay[f"xaxis{ax}"] = {"domain": [x0, x0 + width], "anchor": f"y{ax}", "zeroline": False,
                             "title": {"text": x_title if row == rows - 1 else "",
                                       "standoff": 8}, "automargin": True,
                             **({"type": "log"} if log_x else {})}
        lay[f"yaxis{ax}"] = {"domain": [y1 - height, y1], "anchor": f"x{ax}",
                             "range": [len(names) - 0.5, -0.5], "automargin": True,
                             "tickvals": list(range(len(names))), "ticktext": names,
                             "zeroline": False, "showgrid": False}
        if len(panels) > 1:
            lay["annotations"].append({"text": f"<b>{panel}</b>", "x": x0 + width / 2,
                                       "y": y1, "xref": "paper", "yref": "paper",
                                       "showarrow": False, "yanchor": "bottom",
                                       "font": {"size": 11}})
        for j, (value, text) in enumerate(vlines):
            # a named trace, not an annotation: the legend lists every reference line
            # where labels on the plot would collide
            traces.append({"type": "scatter", "mode": "lines", "x": [value, value],
                           "y": [-0.5, len(names) - 0.5], "name": text,
                           "legendgroup": text, "showlegend": i == 0, "hoverinfo": "name",
                           "line": {"dash": DASHES[j % len(DASHES)], "color": "#444",
                                    "width": 1.5}, "xaxis": f"x{ax}", "yaxis": f"y{ax}"})
    lay["margin"] = {"l": 60, "r": 20, "t": 70, "b": 50 + legend}
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
