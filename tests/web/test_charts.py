"""The line chart tells its series apart and carries its numbers for screen readers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from archprep.web import charts
from tests.web.conftest import csrf_of

DAYS = [date(2026, 3, 1) + timedelta(days=i) for i in range(30)]


def test_every_series_has_its_own_colour_and_marker_pair() -> None:
    styles = [charts.series_style(n) for n in range(40)]
    assert len(set(styles)) == 40
    assert len({css for css, _shape in styles[: charts.SERIES_CLASSES]}) == charts.SERIES_CLASSES


def test_points_are_big_titled_and_kept_apart_when_they_coincide() -> None:
    # Eleven categories practised once, on the same day, most with the same score.
    scores = [50, 50, 50, 50, 50, 50, 5, 15, 25, 75, 90]
    series = {f"Category {n}": [(DAYS[-1], float(v))] for n, v in enumerate(scores)}
    svg = str(charts.lines(series, DAYS, "Practice score per category", top=100, fmt="{:.0f}"))
    assert svg.count('class="dot"') == 11
    for n, value in enumerate(scores):
        assert f"<title>Category {n}, 30 Mar: {value}</title>" in svg
    assert 'r="3.5"' not in svg and "M-5 0a5 5" in svg  # 10 px markers, not 7 px dots
    shifts = re.findall(r'transform="translate\((-\d+) 0\)"', svg)
    assert sorted(int(s) for s in shifts) == [-55, -44, -33, -22, -11]  # six equal scores
    legend = str(charts.legend(list(series)))
    assert legend.count("<path") == 11 and "s10" in legend and "s0" in legend


def test_values_table_lists_each_point() -> None:
    series = {
        "RAG": [(DAYS[0], 40.0), (DAYS[2], 72.5)],
        "MLOps": [(DAYS[2], 90.0), (DAYS[3], None)],
    }
    table = str(charts.values_table(series, "Scores as a table", name_header="Category",
                                    value_header="Mean score", fmt="{:.0f}"))  # fmt: skip
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", table)
    assert rows == [("1 Mar", "RAG", "40"), ("3 Mar", "RAG", "72"), ("3 Mar", "MLOps", "90")]
    assert "<caption" in table and '<th scope="col">Category</th>' in table
    assert str(charts.values_table({}, "empty")) == ""


def test_progress_page_has_the_scores_table(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    for qid in ("rag/bm25-vs-dense-failures", "mlops/data-vs-concept-drift"):
        client.post("/practice", data={"csrf_token": token, "question_id": qid,
                                       "answer": "Drift and hybrid retrieval, measured weekly."})  # fmt: skip
    page = client.get("/progress").text
    assert "Scores as a table" in page
    assert re.search(r"<td>RAG</td><td class=\"num\">\d+</td>", page)
    assert re.search(r"<td>MLOps</td><td class=\"num\">\d+</td>", page)
