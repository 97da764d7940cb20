"""Airflow plugin: the analysts' page as a FastAPI app under ``/sdg-analysts`` and an entry in the UI's menu.

Airflow imports this file as a top-level module (the other files of the package are excluded by
``.airflowignore`` and imported as ``sdg_analysts``). The app is built here, its database engine on the first
request, so loading plugins in the scheduler or a worker costs no connection.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, Request

from sdg_analysts.app import create_app

URL_PREFIX = "/sdg-analysts"


async def airflow_login(request: Request) -> None:
    """Only users logged in to Airflow see the page: the UI's session cookie or an API bearer token (the same
    check as Airflow's own ``requires_authenticated``; plugin apps are not guarded by Airflow itself)."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    await resolve_user_from_token(token)


class SdgAnalystsPlugin(AirflowPlugin):
    name = "sdg_analysts"
    fastapi_apps = [
        {
            "app": create_app(dependencies=[Depends(airflow_login)]),
            "url_prefix": URL_PREFIX,
            "name": "SDG analysts' page",
        }
    ]
    external_views = [
        {
            "name": "ЦУР",  # the menu shows a few letters: «Цели устойчивого развития», the SDGs
            # relative to the UI's base URL: works behind a proxy that serves Airflow under a sub-path
            "href": "sdg-analysts/",
            "url_route": "sdg-analysts",
            "destination": "nav",
            "icon": "sdg-analysts/icon.svg",
        }
    ]
