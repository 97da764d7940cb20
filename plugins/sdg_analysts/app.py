"""The analysts' FastAPI app: one HTML page and the JSON it is made of, under the plugin's URL prefix.

Every link in the page is relative, so the app works mounted anywhere (``/sdg-analysts/`` in Airflow, a bare
uvicorn in tests). Endpoints are plain functions: FastAPI runs them in its thread pool, off the event loop.
The warehouse code (``queries``, ``page``: etl.reports, openpyxl) is imported on the first request, not when
Airflow loads plugins in every scheduler, worker and task process.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from sdg_analysts.database import analyst_engine
from sdg_analysts.texts import ICON_SVG, LANGUAGES

#: formats a report can be downloaded in: the issued XLSX and its sibling rows (sdg.report_file)
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "json": "application/json",
}


def create_app(url: str | None = None, dependencies: list[Any] | None = None) -> FastAPI:
    """The app; ``url`` names the warehouse (default: ``SDG_ANALYST_URL``, then ``SDG_WAREHOUSE_URL``), read as
    ``sdg_analyst``; ``dependencies`` guard every route (inside Airflow: its login, see the plugin)."""
    state: dict[str, Any] = {}

    def engine():
        if "engine" not in state:
            state["engine"] = analyst_engine(url)
        return state["engine"]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if "engine" in state:  # a mounted app gets no lifespan: Airflow's process ends with the pool
            state.pop("engine").dispose()

    app = FastAPI(
        title="SDG analysts", docs_url=None, redoc_url=None, dependencies=dependencies or [], lifespan=lifespan
    )
    app.state.analyst_engine = engine
    _page_routes(app, engine)
    _data_routes(app, engine)
    _file_routes(app, engine)
    return app


def _page_routes(app: FastAPI, engine: Callable) -> None:
    @app.get("/", response_class=HTMLResponse)
    def page(region: str | None = None, year: int | None = None, lang: str = "ru") -> HTMLResponse:
        from sdg_analysts.page import render_page

        with engine().connect() as conn:
            year = year or _default_year(conn)
            kato = region or _default_region(conn, year)
            return HTMLResponse(render_page(conn, kato, year, _lang(lang)))

    @app.get("/icon.svg", include_in_schema=False)
    def icon() -> Response:
        return Response(ICON_SVG, media_type="image/svg+xml")


def _data_routes(app: FastAPI, engine: Callable) -> None:
    @app.get("/api/years")
    def years() -> JSONResponse:
        from sdg_analysts import queries

        with engine().connect() as conn:
            return _json({"years": queries.fact_years(conn)})

    @app.get("/api/regions")
    def regions(year: int | None = None) -> JSONResponse:
        from sdg_analysts import queries

        with engine().connect() as conn:
            return _json({"regions": queries.regions(conn, year or _default_year(conn))})

    @app.get("/api/indicators")
    def indicators(region: str, year: int, lang: str = "ru") -> JSONResponse:
        from sdg_analysts import queries

        with engine().connect() as conn:
            _known_region(conn, region)
            lines = queries.region_lines(conn, region, year, _lang(lang))
        return _json({"region": region, "year": year, "lines": lines})

    @app.get("/api/history/{code}")
    def history(code: str, region: str, lang: str = "ru") -> JSONResponse:
        from sdg_analysts import queries

        with engine().connect() as conn:
            found = queries.history(conn, code, region, _lang(lang))
        if found is None:
            raise HTTPException(404, f"unknown indicator {code!r}")
        regions = [{"region": r, "points": points} for r, points in found.regions.values()]
        return _json({**asdict(found), "regions": regions})

    @app.get("/api/chart/{code}.svg")
    def chart(code: str, region: str, lang: str = "ru") -> Response:
        from sdg_analysts.page import render_chart_for

        with engine().connect() as conn:
            svg = render_chart_for(conn, code, region, _lang(lang))
        if not svg:
            raise HTTPException(404, f"no Facts of indicator {code!r}")
        return Response(svg, media_type="image/svg+xml")

    @app.get("/api/quality")
    def quality(limit: int = Query(15, ge=1, le=200)) -> JSONResponse:
        from sdg_analysts import queries

        with engine().connect() as conn:
            return _json({"runs": queries.quality_runs(conn, limit), "quarantine": queries.open_quarantines(conn)})


def _file_routes(app: FastAPI, engine: Callable) -> None:
    @app.get("/api/reports")
    def reports(year: int, region: str) -> JSONResponse:
        from sdg_analysts import queries

        with engine().connect() as conn:
            return _json({"reports": queries.issued_reports(conn, year, region)})

    @app.get("/reports/{report_id}/{file_format}")
    def download(report_id: int, file_format: str) -> FileResponse:
        from sdg_analysts import queries

        if file_format not in FORMATS:
            raise HTTPException(404, f"unknown format {file_format!r}; one of {', '.join(FORMATS)}")
        with engine().connect() as conn:
            found = queries.report_path(conn, report_id, file_format)
        if found is None:
            raise HTTPException(404, f"report {report_id} has no {file_format} file")
        path = _issued_file(*found)
        return FileResponse(path, media_type=FORMATS[file_format], filename=path.name)


def _issued_file(recorded: str, sha256: str) -> Path:
    """The recorded file, only inside the reports folder and only while it still has the bytes it was issued with."""
    from etl import config

    path = Path(recorded).resolve()
    if not path.is_relative_to(config.reports_dir().resolve()):
        raise HTTPException(404, "the file is not under the reports folder (SDG_REPORTS_DIR)")
    if not path.is_file():
        raise HTTPException(404, f"{path.name} is recorded but no longer on disk")
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise HTTPException(409, f"{path.name} changed after it was issued (sha256 differs from sdg.report)")
    return path


def _default_year(conn) -> int:
    from sdg_analysts import queries

    years = queries.fact_years(conn)
    return years[-1] if years else date.today().year - 1


def _default_region(conn, year: int) -> str:
    from sdg_analysts import queries

    regions = queries.regions(conn, year)
    if not regions:
        raise HTTPException(404, "the warehouse has no regions yet (sdg catalogue sync)")
    return regions[0].kato_code


def _known_region(conn, kato: str) -> None:
    from sdg_analysts import queries

    if kato not in queries.all_regions(conn):
        raise HTTPException(404, f"unknown region KATO code {kato!r}")


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "ru"


def _json(payload: Any) -> JSONResponse:
    return JSONResponse(_plain(payload))


def _plain(value: Any) -> Any:
    """JSON-safe: dataclasses as objects, Decimals as exact strings (``"3.50"`` stays ``"3.50"``), times ISO."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
