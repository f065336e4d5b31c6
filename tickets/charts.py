"""Simple server-side charts: the geometry of bar and line charts, drawn as inline SVG.

Pure arithmetic (no database, no request): the report builds a chart from numbers it already
has, and templates/reports/includes/chart.html draws it with SVG elements and classes from
static/css/reports.css (the CSP forbids inline styles). Every chart sits next to a table with
the same numbers, so it is a picture for the eye, not the only place of a figure.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 46
MAX_X_LABELS = 14
TICKS = 5


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str  # "category · series: value", shown as a tooltip and read by screen readers


@dataclass(frozen=True)
class Line:
    series: int
    points: str  # the SVG polyline points attribute
    dots: list[tuple[float, float, str]]


@dataclass(frozen=True)
class LegendEntry:
    series: int
    label: str
    x: int

    @property
    def text_x(self) -> int:
        return self.x + 18


@dataclass
class Chart:
    kind: str  # "bar" or "line"
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[XLabel] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)

    @property
    def left(self) -> int:
        return LEFT

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def legend_y(self) -> int:
        return self.height - 8

    @property
    def tick_label_x(self) -> int:
        return LEFT - 6

    @property
    def x_label_y(self) -> int:
        return self.height - BOTTOM + 16

    @property
    def empty(self) -> bool:
        return not self.bars and not self.lines


def nice_ceiling(value: float) -> float:
    """A round upper bound for the axis: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _plain(value: float) -> str:
    return f"{value:g}"


def _scale(series: Sequence[Series], maximum: float | None):
    values = [v for s in series for v in s.values if v is not None]
    top = maximum if maximum is not None else nice_ceiling(max(values, default=0))
    if maximum is None and all(float(v).is_integer() for v in values):
        # Counts: whole-number ticks (the round bounds from 10 up divide by five).
        top = max(top, TICKS)
    plot_height = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return round(HEIGHT - BOTTOM - plot_height * min(value, top) / top, 1)

    return top, y_of


def _ticks(top: float, y_of, fmt) -> list[Tick]:
    return [Tick(y=y_of(top * i / TICKS), label=fmt(top * i / TICKS)) for i in range(TICKS + 1)]


def _x_labels(categories: Sequence[str], x_of) -> list[XLabel]:
    every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    return [XLabel(x=x_of(i), label=label) for i, label in enumerate(categories) if i % every == 0]


def _legend(series: Sequence[Series]) -> list[LegendEntry]:
    return [LegendEntry(series=i, label=s.label, x=LEFT + 170 * i) for i, s in enumerate(series)]


def bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = _plain,
    maximum: float | None = None,
) -> Chart:
    """Grouped vertical bars: one group per category, one bar per series."""
    chart = Chart(kind="bar", title=title, description=description)
    if not categories or not series:
        return chart
    top, y_of = _scale(series, maximum)
    slot = (WIDTH - LEFT - RIGHT) / len(categories)
    bar_width = max(1.0, slot * 0.8 / len(series))
    for i, category in enumerate(categories):
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            x = LEFT + slot * i + slot * 0.1 + bar_width * j
            y = y_of(value)
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=y,
                    width=round(bar_width, 1),
                    height=round(HEIGHT - BOTTOM - y, 1),
                    series=j,
                    title=f"{category} · {s.label}: {fmt(value)}",
                )
            )
    chart.ticks = _ticks(top, y_of, fmt)
    chart.x_labels = _x_labels(categories, lambda i: round(LEFT + slot * (i + 0.5), 1))
    chart.legend = _legend(series)
    return chart


def line_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = _plain,
    maximum: float | None = None,
) -> Chart:
    """One line per series over the categories (e.g. days), with a dot at each value."""
    chart = Chart(kind="line", title=title, description=description)
    if not categories or not series:
        return chart
    top, y_of = _scale(series, maximum)
    step = (WIDTH - LEFT - RIGHT) / max(1, len(categories) - 1)

    def x_of(i: int) -> float:
        return round(LEFT + step * i if len(categories) > 1 else (LEFT + WIDTH - RIGHT) / 2, 1)

    for j, s in enumerate(series):
        dots = [
            (x_of(i), y_of(v), f"{categories[i]} · {s.label}: {fmt(v)}")
            for i, v in enumerate(s.values)
            if v is not None
        ]
        chart.lines.append(
            Line(
                series=j,
                points=" ".join(f"{x},{y}" for x, y, _ in dots),
                dots=dots if len(dots) <= 62 else [],
            )
        )
    chart.ticks = _ticks(top, y_of, fmt)
    chart.x_labels = _x_labels(categories, x_of)
    chart.legend = _legend(series)
    return chart
