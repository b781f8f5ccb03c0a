"""The desk's web application: pages for each street's link and for the bureau's, on the store and the API.

Starlette, not a larger framework: a dozen routes of server-rendered pages need routing, forms and responses,
and nothing else (no ORM, no sessions, no JavaScript build). uvicorn serves it (cli.py, `kaohe serve`).

Who may see what is decided by the secret in the URL alone: /s/<secret> is one street, /a/<secret> the
bureau. Anything else — a wrong secret, a street's secret on a bureau page, an unknown path — is the same
404 page, so a guess learns nothing. Every form carries a token derived from the link's secret (HMAC under
the desk's own key); a post without it is refused. Every page is escaped by Jinja2's autoescape: a community
called <script> is shown as text.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kaohe.desk.store import ADMIN, UPLOAD_SUFFIXES, Desk, DeskError, Version, Who
from kaohe.errors import KaoheError
from kaohe.limits import MAX_UPLOAD
from kaohe.words import Translator

HERE = Path(__file__).parent
Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
     b"base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # the secret is in the URL: never sent on to another site
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class Guarded:
    """Security headers on every response; a request body over the upload limit refused before it is read."""

    def __init__(self, app: ASGI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope["method"] == "POST":
            length = headers.get(b"content-length")
            if length is None or not length.isdigit() or int(length) > MAX_UPLOAD + 64 * 1024:
                response = PlainTextResponse("413", status_code=413 if length else 411)
                await response(scope, receive, self._with_headers(send))
                return
        await self.app(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send: Any) -> Any:
        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        return sending


@dataclass(frozen=True)
class Checked:
    """One version's self-check: the report of `kaohe check` on it (or why it could not be made)."""

    report: Any | None
    error: str | None = None


class Service:
    """The desk's work, apart from HTTP: the self-check of a version, the district's assessment (each cached
    while nothing it reads has changed)."""

    def __init__(self, desk: Desk, lang: str = "zh") -> None:
        from kaohe import api

        self.desk = desk
        self.lang = lang
        self.targets = api.load_targets(desk.targets_path)
        self._checks: OrderedDict[int, Checked] = OrderedDict()
        self._checks_lock = threading.Lock()
        self._assessed: tuple[Any, Any] | None = None
        self._assess_lock = threading.Lock()

    def check(self, path: Path) -> Any:
        from kaohe import api

        return api.check(path, targets=self.targets, period=self.desk.period)

    def checked(self, version: Version) -> Checked:
        with self._checks_lock:
            if version.id in self._checks:
                self._checks.move_to_end(version.id)
                return self._checks[version.id]
        try:
            found = Checked(self.check(self.desk.root / version.file))
        except KaoheError as exc:
            found = Checked(None, exc.text(Translator(self.lang)))
        with self._checks_lock:
            self._checks[version.id] = found
            while len(self._checks) > 512:
                self._checks.popitem(last=False)
        return found

    def remember(self, version: Version, report: Any) -> None:
        with self._checks_lock:
            self._checks[version.id] = Checked(report)

    def assessment(self) -> Any | None:
        """The district as `kaohe assess DIR/submissions` sees it now; None before any submission."""
        from kaohe import api

        generation = self.desk.generation()
        with self._assess_lock:
            if self._assessed is not None and self._assessed[0] == generation:
                return self._assessed[1]
            if not any(self.desk.submissions.iterdir()):
                report = None
            else:
                findings = self.desk.findings if self.desk.findings_files() else None
                report = api.assess(self.desk.submissions, targets=self.targets, roster=self.desk.roster_path,
                                    period=self.desk.period, verified=findings, history=self.desk.history)
            self._assessed = (generation, report)
            return report


def _lang(request: Request, default: str) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("kaohe_lang") or default
    return "en" if asked == "en" else "zh"


def create_app(desk: Desk, lang: str = "zh") -> ASGI:
    """The ASGI application for one data folder."""
    from kaohe.desk import views

    service = Service(desk, lang)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        tr = Translator(_lang(request, lang))
        context.setdefault("path", request.url.path)
        html = env.get_template(template).render(t=tr, lang=tr.lang, **context)
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in ("zh", "en"):
            response.set_cookie("kaohe_lang", tr.lang, max_age=365 * 86400, samesite="strict", httponly=True)
        return response

    def not_found(request: Request) -> HTMLResponse:
        return page(request, "not_found.html", status=404, path="/")  # echoes nothing of the URL

    def holder(request: Request, admin: bool) -> Who | None:
        who = desk.who(request.path_params.get("secret", ""))
        if who is None or who.admin != admin:
            return None
        return who

    async def form(request: Request, who: Who) -> Any | None:
        """The posted form, or None when its CSRF token is missing or wrong (or it comes from another site)."""
        origin = request.headers.get("origin")
        if origin is not None and origin != "null" and origin.rstrip("/") != str(request.base_url).rstrip("/"):
            return None
        try:
            data = await request.form(max_files=1, max_fields=8)
        except Exception:  # a malformed body: as good as no token  # noqa: BLE001
            return None
        token = data.get("csrf")
        if not isinstance(token, str) or not desk.csrf_ok(who, token):
            await data.close()
            return None
        return data

    async def posted(request: Request, admin: bool) -> tuple[Who, Any, Translator] | Response:
        """A form posted to a link: (holder, form, words), or the answer when the link or its token is wrong."""
        who = holder(request, admin=admin)
        if who is None:
            return not_found(request)
        data = await form(request, who)
        tr = Translator(_lang(request, lang))
        if data is None:
            return page(request, "message.html", status=403, text=tr("desk.csrf"))
        return who, data, tr

    # ---- a street's pages

    async def street_page(request: Request, message: str | None = None, status: int = 200) -> Response:
        who = holder(request, admin=False)
        if who is None:
            return not_found(request)
        versions = desk.versions(who.name)
        latest = versions[-1] if versions else None
        checked = await run_in_threadpool(service.checked, latest) if latest else None
        tr = Translator(_lang(request, lang))
        try:
            district = await run_in_threadpool(service.assessment) if desk.findings_files() else None
        except KaoheError:  # the street's page stands without the bureau's findings
            district = None
        return page(request, "street.html", status=status, who=who, period=desk.period, closed=desk.closed,
                    verified=views.own_verification(district, who.name, service.targets, tr),
                    versions=list(reversed(versions)), latest=latest, message=message,
                    result=views.check_view(checked, service.targets, tr) if checked else None,
                    csrf=desk.csrf_token(who), max_mb=MAX_UPLOAD // (1024 * 1024),
                    suffixes="、".join(UPLOAD_SUFFIXES), accept=",".join(UPLOAD_SUFFIXES))

    async def upload(request: Request) -> Response:
        got = await posted(request, admin=False)
        if isinstance(got, Response):
            return got
        who, data, tr = got
        try:
            if desk.closed:
                return await street_page(request, tr("desk.closed_upload", period=desk.period), 409)
            chosen = _chosen(data, "workbook", tr)
            if isinstance(chosen, Refusal):
                return await street_page(request, chosen.text, chosen.status)
            upload, client_name, suffix = chosen
            folder = desk.receiving()
            try:
                from kaohe.desk.store import safe_stem

                received = folder / (safe_stem(who.name) + suffix)
                saved = await _save(upload, received, tr)
                if isinstance(saved, Refusal):
                    return await street_page(request, saved.text, saved.status)
                size, digest = saved
                report = await run_in_threadpool(service.check, received)
                refused = views.wrong_street(report, who.name, service.targets)
                if refused:
                    desk.log(who.name, "refused", client_name=client_name, size=size, sha256=digest,
                             named=refused)
                    return await street_page(request, tr("desk.wrong_street", named=refused, street=who.name), 409)
                street = report.streets[0] if report.streets else None
                errors = sum(1 for i in report.issues if i.severity == "error")
                version = await run_in_threadpool(
                    desk.keep, who, received, client_name, size, digest, errors,
                    len(report.issues) - errors, float(street.score) if street else None)
                service.remember(version, report)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        except DeskError as exc:
            return await street_page(request, exc.text(tr), 409)
        finally:
            await data.close()
        return RedirectResponse(request.url_for("street", secret=who.secret).include_query_params(v=version.id),
                                status_code=303)

    async def street_template(request: Request) -> Response:
        who = holder(request, admin=False)
        if who is None:
            return not_found(request)
        from kaohe import api
        from kaohe.desk.store import safe_stem

        folder = desk.receiving()
        tr = Translator(_lang(request, lang))
        written = await run_in_threadpool(api.write_templates, folder, targets=service.targets, streets=[who.name],
                                          lang=tr.lang)
        return FileResponse(written[0].path, filename=safe_stem(who.name) + ".xlsx",
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

    async def street_version(request: Request) -> Response:
        who = holder(request, admin=False)
        if who is None:
            return not_found(request)
        number = request.path_params["number"]
        for version in desk.versions(who.name):
            if version.id == number:
                return FileResponse(desk.root / version.file, filename=_download_name(version))
        return not_found(request)

    # ---- the bureau's pages

    async def bureau_page(request: Request, message: str | None = None, status: int = 200) -> Response:
        who = holder(request, admin=True)
        if who is None:
            return not_found(request)
        tr = Translator(_lang(request, lang))
        try:
            report = await run_in_threadpool(service.assessment)
            failed = None
        except KaoheError as exc:
            report, failed = None, exc.text(tr)
        base = str(request.base_url).rstrip("/")
        course = await run_in_threadpool(views.progress_view, desk, service.targets, report, tr)
        return page(request, "bureau.html", status=status, who=who, period=desk.period,
                    period_info=desk.period_info(), periods=desk.periods(), message=message or failed,
                    desk_rows=views.desk_rows(desk, report, base),
                    district=views.district_view(report, service.targets, tr) if report else None,
                    issues=views.issue_groups(report, tr) if report else [],
                    progress=course, csrf=desk.csrf_token(who),
                    findings=[p.name for p in desk.findings_files()],
                    verification=views.verification_rows(report, service.targets, tr) if report else [])

    async def bureau_street(request: Request) -> Response:
        who = holder(request, admin=True)
        if who is None:
            return not_found(request)
        names = [s.name for s in desk.streets()]
        index = request.path_params["index"]
        if not 0 <= index < len(names):
            return not_found(request)
        name = names[index]
        versions = desk.versions(name)
        checked = await run_in_threadpool(service.checked, versions[-1]) if versions else None
        tr = Translator(_lang(request, lang))
        return page(request, "bureau_street.html", who=who, name=name, period=desk.period,
                    versions=list(reversed(versions)),
                    result=views.check_view(checked, service.targets, tr) if checked else None)

    async def scorecard(request: Request) -> Response:
        who = holder(request, admin=True)
        if who is None:
            return not_found(request)
        from kaohe import api

        tr = Translator(_lang(request, lang))
        report = await run_in_threadpool(service.assessment)
        if report is None:
            return await bureau_page(request, tr("desk.nothing_yet"), 409)
        folder = desk.receiving()
        path = folder / f"考核结果-{desk.period}.xlsx"
        await run_in_threadpool(lambda: api.write_scorecard(report, path, lang=tr.lang, history=desk.history))
        desk.log(ADMIN, "scorecard", period=desk.period, sha256=_sha256(path))
        return FileResponse(path, filename=path.name,
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

    async def report_json(request: Request) -> Response:
        who = holder(request, admin=True)
        if who is None:
            return not_found(request)
        import json

        from kaohe import api

        report = await run_in_threadpool(service.assessment)
        if report is None:
            return not_found(request)
        document = api.to_document(report, Translator(_lang(request, lang)).lang)
        body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        desk.log(ADMIN, "report", period=desk.period)
        return Response(body, media_type="application/json; charset=utf-8",
                        headers={"content-disposition": "attachment; filename=report.json"})

    async def links_csv(request: Request) -> Response:
        who = holder(request, admin=True)
        if who is None:
            return not_found(request)
        base = str(request.base_url).rstrip("/")
        desk.log(ADMIN, "links")
        return Response("\ufeff" + links_text(desk, base), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": "attachment; filename=links.csv"})

    async def close_period(request: Request) -> Response:
        got = await posted(request, admin=True)
        if isinstance(got, Response):
            return got
        who, data, tr = got
        await data.close()
        if desk.closed:
            return await bureau_page(request, tr("desk.already_closed", period=desk.period), 409)
        if await run_in_threadpool(service.assessment) is None:
            return await bureau_page(request, tr("desk.nothing_yet"), 409)
        if not desk.close_period():
            return await bureau_page(request, tr("desk.already_closed", period=desk.period), 409)
        from kaohe import api

        try:  # assessed after uploads stopped: what is recorded is what the period ends with
            report = await run_in_threadpool(service.assessment)
            assert report is not None  # uploads are only ever added
            run_id = await run_in_threadpool(api.History(desk.history).record, report, tr.lang)
        except KaoheError as exc:
            desk.reopen()
            return await bureau_page(request, exc.text(tr), 500)
        desk.recorded(run_id)
        desk.log(ADMIN, "closed", period=desk.period, run=run_id,
                 files={v.street: v.sha256 for v in desk.latest().values()})
        return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)

    async def open_period(request: Request) -> Response:
        got = await posted(request, admin=True)
        if isinstance(got, Response):
            return got
        who, data, tr = got
        period = str(data.get("period") or "").strip()
        await data.close()
        old = desk.period
        try:
            await run_in_threadpool(desk.open_period, period)
        except KaoheError as exc:
            return await bureau_page(request, exc.text(tr), 409)
        desk.log(ADMIN, "opened", period=period, previous=old)
        return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)

    async def upload_findings(request: Request) -> Response:
        got = await posted(request, admin=True)
        if isinstance(got, Response):
            return got
        who, data, tr = got
        try:
            chosen = _chosen(data, "findings", tr)
            if isinstance(chosen, Refusal):
                return await bureau_page(request, chosen.text, chosen.status)
            upload, client_name, suffix = chosen
            folder = desk.receiving()
            try:
                received = folder / f"findings{suffix}"
                saved = await _save(upload, received, tr)
                if isinstance(saved, Refusal):
                    return await bureau_page(request, saved.text, saved.status)
                _, digest = saved
                await run_in_threadpool(desk.keep_findings, received, client_name, digest)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            await data.close()
        return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)

    async def remove_findings(request: Request) -> Response:
        got = await posted(request, admin=True)
        if isinstance(got, Response):
            return got
        who, data, tr = got
        name = str(data.get("file") or "")
        await data.close()
        if not await run_in_threadpool(desk.remove_findings, name):
            return not_found(request)
        return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)

    async def home(request: Request) -> Response:
        return page(request, "home.html")

    async def robots(request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")

    async def missing(request: Request, exc: Exception) -> Response:
        return not_found(request)

    async def failed(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("kaohe.desk").exception("request failed: %s", request.url.path.split("/")[1:2])
        tr = Translator(_lang(request, lang))
        return page(request, "message.html", status=500, text=tr("desk.failed"))

    routes = [
        Route("/", home),
        Route("/robots.txt", robots),
        Route("/s/{secret}", street_page, name="street"),
        Route("/s/{secret}/upload", upload, methods=["POST"]),
        Route("/s/{secret}/template.xlsx", street_template),
        Route("/s/{secret}/version/{number:int}", street_version),
        Route("/a/{secret}", bureau_page, name="bureau"),
        Route("/a/{secret}/street/{index:int}", bureau_street),
        Route("/a/{secret}/scorecard.xlsx", scorecard),
        Route("/a/{secret}/report.json", report_json),
        Route("/a/{secret}/links.csv", links_csv),
        Route("/a/{secret}/close", close_period, methods=["POST"]),
        Route("/a/{secret}/open", open_period, methods=["POST"]),
        Route("/a/{secret}/findings", upload_findings, methods=["POST"]),
        Route("/a/{secret}/findings/remove", remove_findings, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: missing, 405: missing, 500: failed})
    app.state.desk = desk
    app.state.service = service
    return Guarded(app)


def _when(stamp: str | None) -> str:
    """A stored time (ISO 8601 with its offset) as people read it: 2005-12-20 14:03:51, in the server's zone."""
    from datetime import datetime

    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


@dataclass(frozen=True)
class Refusal:
    """Why an upload was not taken, and the HTTP status to answer with."""

    text: str
    status: int


def _chosen(data: Any, field: str, tr: Translator) -> tuple[Any, str, str] | Refusal:
    """The file a form sent in `field`: (upload, the name it was sent under, its suffix), or why not."""
    upload = data.get(field)
    if upload is None or isinstance(upload, str) or not upload.filename:
        return Refusal(tr("desk.no_file"), 400)
    # old browsers send the whole path (C:\\Users\\…); only the file's own name is kept, for display
    client_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
    suffix = Path(client_name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return Refusal(tr("desk.bad_suffix", suffixes="、".join(UPLOAD_SUFFIXES)), 415)
    return upload, client_name, suffix


async def _save(upload: Any, path: Path, tr: Translator) -> tuple[int, str] | Refusal:
    """Copy an upload to `path`, hashing as it goes: (size, SHA-256), or why it is not taken (over the limit,
    where it stops reading; empty)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        while chunk := await upload.read(256 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                break
            digest.update(chunk)
            out.write(chunk)
    if size > MAX_UPLOAD:
        return Refusal(tr("desk.too_big", mb=MAX_UPLOAD // (1024 * 1024)), 413)
    if size == 0:
        return Refusal(tr("desk.empty"), 400)
    return size, digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download_name(version: Version) -> str:
    from kaohe.desk.store import safe_stem

    return f"{safe_stem(version.street)}-{version.id}{Path(version.file).suffix}"


def links_text(desk: Desk, base: str) -> str:
    """街道名称,链接 for every street and one row for the bureau: what the bureau sends out."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["街道名称", "链接"])
    for who in desk.streets():
        writer.writerow([_cell(who.name), f"{base}/s/{who.secret}"])
    writer.writerow([ADMIN, f"{base}/a/{desk.admin().secret}"])
    return out.getvalue()


def _cell(text: str) -> str:
    """A roster name as a CSV cell Excel will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
