"""A city's desk: every district of a shared store served by one process, and the city's own link.

`kaohe serve --store URL` serves all the districts the store holds (a district added by another process is
taken in at the first link that is not yet known). Each district is its own app — its own service, working
folder (`<working folder>/<schema>`), links and pages — exactly as a folder desk; this module only sends each
request to the district whose link it carries:

    /s/<secret>…, /a/<secret>…   the district that holds the secret (none: the 404 every wrong link gets)
    /c/<secret>…                 the city's link: every district's table, a city-wide list of streets, and the
                                 JSON call listDistricts (its OpenAPI document at /c/<secret>/api/openapi.json)
    anything else                /, /robots.txt, /static: any district's app answers them the same

A district's links are looked up in memory first (`Desk.knows`), then confirmed by that district alone (`who`,
which sees a link re-issued by another process): one district's secret never reaches another district's app.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kaohe.desk.store import MISSING, Desk

ASGI = Any


@dataclass(frozen=True)
class DistrictSummary:
    district: str
    streets: int
    submitted: int
    accepted: int


class City:
    """The districts of one store, each opened once in this process with its app."""

    def __init__(self, store: str, folder: Path, make_app: Any) -> None:
        from kaohe.desk.backend import city_secret

        self.store, self.folder, self._make_app = store, folder, make_app
        self.secret = city_secret(store)
        self._lock = threading.Lock()
        self._opening = threading.Lock()
        self.desks: dict[str, Desk] = {}  # by schema, in the store's order
        self.apps: dict[str, ASGI] = {}

    def add(self, desk: Desk) -> None:
        """A district already opened (the one kaohe serve made or named)."""
        schema = desk.database.schema
        with self._lock:
            if schema not in self.desks:
                self.desks[schema] = desk
                self.apps[schema] = self._make_app(desk)

    def refresh(self) -> None:
        """Every district of the store opened (one added since by another process, too)."""
        from kaohe.desk.backend import districts

        for name, schema in districts(self.store):
            if schema not in self.desks:
                self._open(name)

    def _open(self, name: str) -> None:
        """A district opened here once, however many of its links arrive at the same moment."""
        with self._opening:
            if any(d.district == name for d in self.desks.values()):
                return
            desk = Desk.open(self.folder, store=self.store, district=name)
            desk.serve_lock()
            desk.recover()
            self.add(desk)

    def district_of(self, secret: str) -> str | None:
        """The schema of the district holding `secret`, confirmed by that district; None if none does. Looked
        up in memory, else in the store's index of links (a district opened here only when a link needs it)."""
        from kaohe.desk.backend import district_of_link
        from kaohe.desk.store import _digest

        for schema, desk in list(self.desks.items()):
            if desk.knows(secret):
                return schema if desk.who(secret) is not None else None
        found = district_of_link(self.store, _digest(secret).hex())
        if found is None:
            return None
        name, schema = found
        if schema not in self.desks:
            self._open(name)
        return schema if self.desks[schema].who(secret) is not None else None

    def summary(self) -> list[DistrictSummary]:
        self.refresh()
        out = []
        for desk in self.desks.values():
            states = desk.states()
            out.append(DistrictSummary(desk.district, len(states), sum(s != MISSING for s in states.values()),
                                       sum(s == "accepted" for s in states.values())))
        return out

    def streets(self) -> list[tuple[str, str, str, float | None]]:
        """(district, street, state, the latest version's self-checked score) of every street of the city."""
        out = []
        for desk in self.desks.values():
            latest = desk.latest()
            for name, state in desk.states().items():
                version = latest.get(name)
                out.append((desk.district, name, state, version.score if version else None))
        return out


def create_city_app(city: City, lang: str = "zh", hosts: frozenset[str] | None = None) -> ASGI:
    """The ASGI application of a city's process (see the module's docstring)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from kaohe.desk.app import HERE, Guarded

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    own = Starlette(routes=[Route("/c/{secret}", city_page), Route("/c/{secret}/api/openapi.json", city_openapi),
                            Route("/c/{secret}/api/districts", city_districts)])
    own.state.city, own.state.env, own.state.lang = city, env, lang
    guarded = Guarded(own, hosts, next(iter(city.desks.values()), None))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            parts = scope["path"].split("/")
            if len(parts) > 2 and parts[1] == "c":
                await guarded(scope, receive, send)
                return
            if len(parts) > 2 and parts[1] in ("s", "a"):
                from starlette.concurrency import run_in_threadpool

                schema = await run_in_threadpool(city.district_of, parts[2])
                if schema is not None:
                    await city.apps[schema](scope, receive, send)
                    return
        await next(iter(city.apps.values()))(scope, receive, send)  # the same 404, home page or static file

    return app


def _city(request: Request) -> City | None:
    """The city, if the request carries its secret (compared in constant time)."""
    city: City = request.app.state.city
    given = request.path_params.get("secret", "")
    return city if hmac.compare_digest(city.secret.encode(), given.encode()) else None


async def city_page(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import HTMLResponse

    from kaohe.words import Translator

    city = _city(request)
    if city is None:
        return Response("404", status_code=404)
    asked = request.query_params.get("lang") or request.cookies.get("kaohe_lang") or request.app.state.lang
    tr = Translator("en" if asked == "en" else "zh")
    summary = await run_in_threadpool(city.summary)
    streets = await run_in_threadpool(city.streets)
    html = request.app.state.env.get_template("city.html").render(t=tr, lang=tr.lang, path=request.url.path,
                                                                   districts=summary, streets=streets)
    return HTMLResponse(html)


async def city_openapi(request: Request) -> Response:
    from kaohe.desk.jsonapi import openapi

    if _city(request) is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(openapi("c"))


async def city_districts(request: Request) -> Response:
    from kaohe.desk.jsonapi import OPERATIONS

    if _city(request) is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    op = next(o for o in OPERATIONS if o.id == "listDistricts")
    result = await op.handler(request, None, None)  # type: ignore[arg-type]
    return JSONResponse([r.model_dump() for r in result])


def city_links_text(store: str, folder: Path, base: str | None) -> str:
    """The city's link, then every district's links (区/街道名称,链接), as CSV: what a city bureau sends out."""
    from kaohe.desk.app import csv_text, links_text
    from kaohe.desk.backend import city_secret, districts
    from kaohe.words import Translator

    rows = [["街道名称", "链接"]]
    desks = [Desk.open(folder, store=store, district=name) for name, _ in districts(store)]
    shown = (base or next((d.setting_or("url", "") for d in desks if d.setting_or("url", "")), "")
             or "http://127.0.0.1:8000").rstrip("/")
    rows.append([Translator("zh")("desk.city_link"), f"{shown}/c/{city_secret(store)}"])
    for desk in desks:
        for line in links_text(desk, shown).splitlines()[1:]:
            name, link = line.split(",", 1)
            rows.append([f"{desk.district}/{name}", link])
        desk.close()
    return csv_text(rows)
