"""Small server-rendered SVG line charts (no JavaScript, nothing from a CDN). Each chart
comes with a table of the same numbers for screen readers and printing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 560, 220, 44, 16, 16, 36


@dataclass(frozen=True)
class Series:
    title: str
    points: list[tuple[dt.date, float]]
    y_min: float
    y_max: float
    higher_is_better: bool = True


def line_chart(series: Series) -> SafeString:
    if not series.points:
        return mark_safe("")  # noqa: S308 - constant empty string
    days = [(d - series.points[0][0]).days for d, _ in series.points]
    span = max(days[-1], 1)
    y_span = (series.y_max - series.y_min) or 1

    def x(day: int) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (day / span if len(days) > 1 else 0.5)

    def y(value: float) -> float:
        return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - (value - series.y_min) / y_span)

    coords = [(x(day), y(value)) for day, (_, value) in zip(days, series.points, strict=True)]
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{cx:.1f},{cy:.1f}" for i, (cx, cy) in enumerate(coords)
    )
    ticks = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="srx-chart__grid"/>'
        '<text x="{}" y="{}" class="srx-chart__label" text-anchor="end">{}</text>',
        (
            (
                PAD_L,
                WIDTH - PAD_R,
                f"{y(v):.1f}",
                f"{y(v):.1f}",
                PAD_L - 6,
                f"{y(v) + 4:.1f}",
                f"{v:g}",
            )
            for v in (series.y_min, (series.y_min + series.y_max) / 2, series.y_max)
        ),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="4" class="srx-chart__dot"/>'
        '<text x="{}" y="{}" class="srx-chart__label" text-anchor="middle">{}</text>',
        (
            (f"{cx:.1f}", f"{cy:.1f}", f"{cx:.1f}", HEIGHT - 12, d.strftime("%-d %b"))
            for (cx, cy), (d, _) in zip(coords, series.points, strict=True)
        ),
    )
    return format_html(
        '<svg class="srx-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>{}<path d="{}" class="srx-chart__line"/>{}</svg>',
        WIDTH,
        HEIGHT,
        _slug(series.title),
        _slug(series.title),
        f"{series.title}: " + ", ".join(f"{v:g} on {d:%-d %B %Y}" for d, v in series.points),
        ticks,
        path,
        dots,
    )


def _slug(text: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower())
