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
import time
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

from kaohe.desk import jsonapi, views
from kaohe.desk.service import Checked as Checked  # named here too: tests and callers knew it from app.py
from kaohe.desk.service import Received, Service
from kaohe.desk.store import ACTOR, ADMIN, CLIENT, UPLOAD_SUFFIXES, Desk, DeskError, Version, Who, safe_stem
from kaohe.errors import KaoheError
from kaohe.limits import MAX_UPLOAD
from kaohe.words import Translator

HERE = Path(__file__).parent
MAX_FORM_FIELDS = 200  # a return may pick many of a self-check's issues
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


HSTS = (b"strict-transport-security", b"max-age=31536000")


class Guarded:
    """Security headers on every response; a request body over the upload limit refused before it is read;
    with `hosts`, a request naming another Host than the desk's own refused (400) before anything answers it
    (a forged Host never reaches a link or a redirect)."""

    def __init__(self, app: ASGI, hosts: frozenset[str] | None = None, desk: Desk | None = None) -> None:
        self.app = app
        self.hosts = hosts
        self.desk = desk

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        CLIENT.set(str(client[0]) if client else None)
        headers = dict(scope.get("headers") or [])
        if self.hosts is not None and headers.get(b"host", b"").decode("latin-1").lower() not in self.hosts:
            if self.desk is not None:
                self.desk.log("-", "refused", reason="host", host=headers.get(b"host", b"").decode("latin-1")[:100])
            response = PlainTextResponse("400", status_code=400)
            await response(scope, receive, self._with_headers(send))
            return
        if scope["method"] == "POST":
            length = headers.get(b"content-length")
            if length is None or not length.isdigit() or int(length) > MAX_UPLOAD + 64 * 1024:
                # answered without reading the body; the connection closed, so its rest is never read either
                response = PlainTextResponse("413", status_code=413 if length else 411, headers={"connection": "close"})
                await response(scope, receive, self._with_headers(send))
                return
        await self.app(scope, receive, self._with_headers(send, scope.get("scheme") == "https"))

    @staticmethod
    def _with_headers(send: Any, https: bool = False) -> Any:
        extra = [*SECURITY_HEADERS, *([HSTS] if https else [])]  # HTTPS (its own, or a proxy's): browsers keep to it

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *extra]
            await send(message)

        return sending


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("kaohe_lang") or request.app.state.lang
    return "en" if asked == "en" else "zh"


def _tr(request: Request) -> Translator:
    return Translator(_lang(request))


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _public(request: Request) -> str:
    """Where the links point: the desk's stored public address (kaohe serve --url), never the Host header a
    browser sent (an officer on the server PC would send streets 127.0.0.1 links; a forged Host would be put
    in them). Only a desk that was never served (tests, in-process) falls back to the request's own."""
    return _desk(request).setting_or("url", "") or str(request.base_url).rstrip("/")


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    tr = _tr(request)
    context.setdefault("path", request.url.path)
    env: Environment = request.app.state.env
    html = env.get_template(template).render(t=tr, lang=tr.lang, **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("kaohe_lang", tr.lang, max_age=365 * 86400, samesite="strict", httponly=True)
    return response


def _not_found(request: Request) -> HTMLResponse:
    parts = request.url.path.split("/")
    if len(parts) > 2 and parts[1] in ("s", "a"):  # a link that opens nothing: logged, never its secret
        _desk(request).log("-", "refused", reason="link", kind=parts[1])
    return _page(request, "not_found.html", status=404, path="/")  # echoes nothing of the URL


def _holder(request: Request, admin: bool) -> Who | None:
    who = _desk(request).who(request.path_params.get("secret", ""))
    if who is None or who.admin != admin:
        return None
    if who.admin:
        ACTOR.set(who.name)  # desk.log names the person, not the shared 管理员
    return who


def _refused_role(request: Request, who: Who) -> Response:
    tr = _tr(request)
    _desk(request).log(who.name, "refused", reason="role", role=who.role, path=request.url.path.split("/", 3)[-1])
    return _page(request, "message.html", status=403, text=tr("desk.not_allowed", role=tr("desk.role." + who.role)))


async def _form(request: Request, who: Who) -> Any | None:
    """The posted form, or None when its CSRF token is missing or wrong (or it comes from another site)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null" and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        return None
    try:
        data = await request.form(max_files=1, max_fields=MAX_FORM_FIELDS)
    except OSError as exc:  # spooling the body to tmp/ failed: said as what it is
        from kaohe.desk.store import _disk_full

        if _disk_full(exc):
            _desk(request).disk_full_seen = time.time()
            raise DeskError(key="desk.disk_full") from exc
        return None
    except Exception:  # a malformed body: as good as no token  # noqa: BLE001
        return None
    token = data.get("csrf")
    if not isinstance(token, str) or not _desk(request).csrf_ok(who, token):
        await data.close()
        return None
    return data


async def _posted(request: Request, admin: bool, need: str = "manage") -> tuple[Who, Any, Translator] | Response:
    """A form posted to a link: (holder, form, words), or the answer when the link or its token is wrong, or
    when a bureau person's role may not do it (`need`: inspect or manage)."""
    who = _holder(request, admin=admin)
    if who is None:
        return _not_found(request)
    if admin and not who.may(need):
        return _refused_role(request, who)
    tr = _tr(request)
    try:
        length = request.headers.get("content-length", "")
        sending_file = request.headers.get("content-type", "").startswith("multipart/")
        if sending_file and length.isdigit():  # no room for the file coming: refused before a byte is read
            _desk(request).room_for(int(length))
        data = await _form(request, who)
    except DeskError as exc:
        _desk(request).log(who.name, "refused", reason="disk-full")
        refused = _page(request, "message.html", status=exc.status, text=exc.text(tr))
        refused.headers["connection"] = "close"  # the body that was to come is not read
        return refused
    if data is None:
        _desk(request).log(who.name, "refused", reason="form-token")
        return _page(request, "message.html", status=403, text=tr("desk.csrf"))
    return who, data, tr


# ---- a street's pages

async def street_page(request: Request, message: str | None = None, status: int = 200) -> Response:
    who = _holder(request, admin=False)
    if who is None:
        return _not_found(request)
    desk, service, tr = _desk(request), _service(request), _tr(request)
    versions, checked = await run_in_threadpool(service.latest_checked, who.name)
    own = await run_in_threadpool(service.own_verified, who.name)  # never the district: its own version only
    review = await run_in_threadpool(service.status, who.name)
    just = request.query_params.get("v", "")
    received = next((n for n, v in enumerate(versions, 1) if str(v.id) == just), None) if just.isdigit() else None
    published = await run_in_threadpool(service.published_table)
    return _page(request, "street.html", status=status, who=who, period=desk.period, closed=desk.closed,
                 published=published, publication=desk.publication(), appeals=service.appeals(who.name),
                 evidence=desk.evidence(who.name), missing_evidence=service.missing_evidence(who.name, tr.lang),
                 rectifications=service.rectifications(who.name),
                 evidence_accept="image/jpeg,image/png,image/heic,image/tiff,application/pdf,.doc,.docx",
                 target_choices=views.target_choices(service.targets, tr),
                 target_titles=dict(views.target_choices(service.targets, tr)),
                 review=review, comments=desk.comments(who.name), received=received if message is None else None,
                 verified=views.own_verification(own, None, service.targets, tr),
                 versions=list(reversed(versions)), latest=versions[-1] if versions else None, message=message,
                 result=views.check_view(checked, service.targets, tr) if checked else None,
                 csrf=desk.csrf_token(who), max_mb=MAX_UPLOAD // (1024 * 1024),
                 suffixes="、".join(UPLOAD_SUFFIXES), accept=",".join(UPLOAD_SUFFIXES))


async def upload(request: Request) -> Response:
    got = await _posted(request, admin=False)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    desk = _desk(request)
    try:
        if desk.closed:
            return await street_page(request, tr("desk.closed_upload", period=desk.period), 409)
        kept = await take_upload(request, who, data, "workbook", tr)
    except DeskError as exc:
        return await street_page(request, exc.text(tr), exc.status)
    finally:
        await data.close()
    if isinstance(kept, Refusal):
        return await street_page(request, kept.text, kept.status)
    if kept.version is None:
        return await street_page(request, tr("desk.wrong_street", named=kept.wrong_street, street=who.name), 409)
    version = kept.version
    return RedirectResponse(request.url_for("street", secret=who.secret).include_query_params(v=version.id),
                            status_code=303)


async def _take(request: Request, data: Any, field: str, tr: Translator, stored_as: Callable[[str], str],
                act: Callable[[Path, str, int, str], Any], any_suffix: bool = False) -> Any:
    """The file a form sent in `field`, received into tmp/ under `stored_as(suffix)`, size-limited and hashed as
    it is written, then `act(path, client name, size, sha256)` in a thread; why not, as a Refusal. tmp/ is
    emptied whatever happens; the service's DeskError is raised for the caller to answer."""
    chosen = _chosen(data, field, tr, any_suffix=any_suffix)
    if isinstance(chosen, Refusal):
        return chosen
    sent, client_name, suffix = chosen
    folder = _desk(request).receiving()
    try:
        received = folder / stored_as(suffix)
        saved = await _save(sent, received, tr)
        if isinstance(saved, Refusal):
            return saved
        size, digest = saved
        return await run_in_threadpool(act, received, client_name, size, digest)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def take_upload(request: Request, who: Who, data: Any, field: str, tr: Translator) -> Received | Refusal:
    """The workbook a form sent in `field` (a page's, or an API call's), through the service's receive
    (self-check, refused if it names another street, kept)."""
    service = _service(request)
    taken: Received | Refusal = await _take(
        request, data, field, tr, lambda suffix: safe_stem(who.name) + suffix,
        lambda path, name, size, digest: service.receive(who, path, name, size, digest))
    return taken


async def take_evidence(request: Request, who: Who, data: Any, field: str, tr: Translator) -> Any:
    """The evidence a form sent in `field` with its `target` (and `community`), through the service's
    add_evidence (judged by its bytes, whatever its name: stored as evidence.bin until then)."""
    service = _service(request)
    target, community = str(data.get("target") or ""), str(data.get("community") or "") or None
    return await _take(request, data, field, tr, lambda _: "evidence.bin",
                       lambda path, name, size, digest: service.add_evidence(who, path, name, size, digest,
                                                                             target, community),
                       any_suffix=True)


async def upload_evidence(request: Request) -> Response:
    got = await _posted(request, admin=False)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    try:
        kept = await take_evidence(request, who, data, "evidence", tr)
    except DeskError as exc:
        return await street_page(request, exc.text(tr), exc.status)
    finally:
        await data.close()
    if isinstance(kept, Refusal):
        return await street_page(request, kept.text, kept.status)
    titles = dict(views.target_choices(_service(request).targets, tr))
    return await street_page(request, tr("desk.evidence_kept", name=kept.name, target=titles.get(kept.target, "")))


async def evidence_file(request: Request) -> Response:
    """A piece of evidence: a street's own only, any for the bureau; served so that it never runs."""
    admin = request.url.path.startswith("/a/")
    who = _holder(request, admin=admin)
    if who is None:
        return _not_found(request)
    from kaohe.desk.evidence import KINDS, response_headers

    desk = _desk(request)
    number = request.path_params["number"]
    found = next((e for e in desk.evidence(None if admin else who.name) if e.id == number), None)
    if found is None:
        return _not_found(request)
    kind = KINDS[found.kind]
    name = f"{safe_stem(found.street)}-{found.id}{kind.suffix}"
    return FileResponse(desk.path(found.file), headers=response_headers(kind, name), media_type=kind.media_type)


async def verification_sheet(request: Request) -> Response:
    """A street's 核查表, with the list of its evidence, for the inspectors."""
    who = _holder(request, admin=True)
    name = _street_at(request)
    if who is None or name is None:
        return _not_found(request)
    folder = _desk(request).receiving()
    path = await run_in_threadpool(_service(request).verification_sheet, name, folder, _tr(request).lang)
    if path is None:
        shutil.rmtree(folder, ignore_errors=True)
        return _not_found(request)
    return FileResponse(path, filename=path.name, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


async def mark_evidence(request: Request) -> Response:
    got = await _posted(request, admin=True, need="inspect")
    if isinstance(got, Response):
        return got
    who, data, tr = got
    reason = str(data.get("reason") or "")
    await data.close()
    name = _street_at(request)
    try:
        await run_in_threadpool(_service(request).mark_evidence, request.path_params["number"], reason, who.name)
    except DeskError as exc:
        return await bureau_street(request, exc.text(tr), exc.status)
    return RedirectResponse(str(request.url).split("/evidence/", 1)[0], status_code=303) if name else \
        _not_found(request)


def _entry_values(data: Any, fields: list[Any]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """A posted entry form (s.<key>, c<i>.<key>) — or a kept draft of one — in the form's shape: {"street":
    {...}, name: {...}}, and the communities in their rows' order (rows without a name left out)."""
    from kaohe.entry import STREET

    values: dict[str, dict[str, str]] = {STREET: {}}
    rows: dict[int, dict[str, str]] = {}
    for key, value in (data.items() if isinstance(data, dict) else data.multi_items()):
        if not isinstance(value, str):
            continue
        if key.startswith("s."):
            values[STREET][key[2:]] = value.strip()
        elif key.startswith("c") and "." in key and key[1:key.index(".")].isdigit():
            rows.setdefault(int(key[1:key.index(".")]), {})[key[key.index(".") + 1:]] = value.strip()
    name_key = next((f.key for f in fields if f.scope == "community" and f.name), "name")
    order = []
    for i in sorted(rows):
        name = rows[i].pop(name_key, "").strip()
        if name:
            values[name] = rows[i]
            order.append(name)
    return values, order


async def entry_page(request: Request, message: str | None = None, status: int = 200, posted: Any = None,
                     saved: str | None = None, issues: Any = None) -> Response:
    """The street's entry form: prefilled, or (after a save) as posted with each issue beside its field."""
    who = _holder(request, admin=False)
    if who is None:
        return _not_found(request)
    from kaohe.entry import STREET, where

    desk, service, tr = _desk(request), _service(request), _tr(request)
    form = await run_in_threadpool(service.entry_form, who.name, tr.lang)
    values, order = posted if posted is not None else (form.values, form.communities)
    drafted = await run_in_threadpool(service.entry_draft, who.name) if posted is None else None
    if drafted:  # typed before a lost connection or a closed browser: the form as it was left
        values, order = _entry_values(drafted, form.fields)
    rows = list(enumerate([*order, *[""] * 3]))  # three empty rows: more communities without JavaScript
    errors: dict[tuple[str, str], str] = {}
    other: list[str] = []
    for issue in issues or ():
        placed = False
        for key in service.targets.fields.street:
            if (issue.sheet, issue.cell) == where(service.targets, street_field=key, tr=tr):
                errors[("", key)] = issue.message(tr.lang)
                placed = True
        for i, name in enumerate(order):
            for key in service.targets.fields.community:
                if (issue.sheet, issue.cell) == where(service.targets, row=i, community_field=key, tr=tr):
                    errors[(name, key)] = issue.message(tr.lang)
                    placed = True
        if not placed and issue.severity == "error":
            other.append(issue.message(tr.lang))
    kind, _, detail = form.source.partition(" ")
    source_text = tr("desk.entry_source_version", n=detail) if kind == "version" else (
        tr("desk.entry_source_period", period=detail) if kind == "period" else tr("desk.entry_source_blank"))
    fields = form.fields
    return _page(request, "entry.html", status=status, who=who, period=desk.period, message=message, saved=saved,
                 drafted=bool(drafted),
                 source_text=source_text, street_fields=[f for f in fields if f.scope == "street"],
                 community_fields=[f for f in fields if f.scope == "community"], values=values,
                 prefill={STREET: form.values.get(STREET, {}), **{c: form.values.get(c, {}) for c in form.communities}},
                 rows=rows, errors=errors, other_issues=other, csrf=desk.csrf_token(who),
                 draft_key=f"kaohe-entry-{hashlib.sha256(who.secret.encode()).hexdigest()[:16]}-{desk.period}",
                 reason=None)


async def entry_save(request: Request) -> Response:
    """The entry form posted: saved as a version exactly like an upload, then shown again with its issues."""
    got = await _posted(request, admin=False)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    service = _service(request)
    form = await run_in_threadpool(service.entry_form, who.name, tr.lang)
    values, order = _entry_values(data, form.fields)
    reason = str(data.get("reason") or "")
    await data.close()
    if _desk(request).closed:
        return await entry_page(request, tr("desk.closed_upload", period=_desk(request).period), 409,
                                (values, order))
    try:
        kept = await run_in_threadpool(service.save_entry, who, values, order, reason, tr.lang)
    except DeskError as exc:
        return await entry_page(request, exc.text(tr), exc.status, (values, order))
    if kept.version is None:
        return await entry_page(request, tr("desk.wrong_street", named=kept.wrong_street, street=who.name), 409,
                                (values, order))
    saved = tr("desk.entry_saved", n=service.number(kept.version))
    return await entry_page(request, None, 200, (values, order), saved, kept.report.issues)


async def street_template(request: Request) -> Response:
    who = _holder(request, admin=False)
    if who is None:
        return _not_found(request)
    from kaohe import api

    folder = _desk(request).receiving()
    written = await run_in_threadpool(api.write_templates, folder, targets=_service(request).targets,
                                      streets=[who.name], lang=_tr(request).lang)
    return FileResponse(written[0].path, filename=safe_stem(who.name) + ".xlsx",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


async def bureau_version(request: Request) -> Response:
    """Any version of a street, for the bureau (as the street itself downloads its own)."""
    who = _holder(request, admin=True)
    name = _street_at(request)
    if who is None or name is None:
        return _not_found(request)
    desk = _desk(request)
    for version in desk.versions(name):
        if version.id == request.path_params["number"]:
            return FileResponse(desk.path(version.file), filename=_download_name(version))
    return _not_found(request)


async def street_result(request: Request) -> Response:
    """The street's own result workbook (the page the bureau sends it, with the review's reasons)."""
    who = _holder(request, admin=False)
    if who is None:
        return _not_found(request)
    folder = _desk(request).receiving()
    path = await run_in_threadpool(_service(request).street_result, who.name, folder, _tr(request).lang)
    if path is None:
        shutil.rmtree(folder, ignore_errors=True)
        return _not_found(request)
    return FileResponse(path, filename=path.name, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


async def street_version(request: Request) -> Response:
    who = _holder(request, admin=False)
    if who is None:
        return _not_found(request)
    desk = _desk(request)
    number = request.path_params["number"]
    for version in desk.versions(who.name):
        if version.id == number:
            return FileResponse(desk.path(version.file), filename=_download_name(version))
    return _not_found(request)


# ---- the bureau's pages

async def bureau_page(request: Request, message: str | None = None, status: int = 200) -> Response:
    who = _holder(request, admin=True)
    if who is None:
        return _not_found(request)
    desk, service, tr = _desk(request), _service(request), _tr(request)
    try:
        report = await run_in_threadpool(service.assessment)
        failed = None
    except KaoheError as exc:
        report, failed = None, exc.text(tr)
    base = _public(request)
    course = await run_in_threadpool(service.course, report, tr.lang)
    timely = await run_in_threadpool(service.timeliness, base)
    shown = request.query_params.get("state", "")
    disk = tr("desk.disk_low", mb=desk.free_bytes() // (1024 * 1024)) if desk.disk_low() else None
    return _page(request, "bureau.html", status=status, who=who, period=desk.period, timely=timely, shown=shown,
                 disk=disk, people=desk.people() if who.may("manage") else [],
                 publication=desk.publication(), appeals=service.appeals(),
                 rectifications=[r for r in service.rectifications() if r.state != "closed"],
                 target_titles=dict(views.target_choices(service.targets, tr)),
                 late_taken=desk.late_taken,
                 chase_text=chase_text(timely, desk.period, tr), mail=bool(desk.setting_or("smtp", "")),
                 period_info=desk.period_info(), periods=desk.periods(), message=message or failed,
                 desk_rows=views.desk_rows(desk, report, base),
                 district=views.district_view(report, service.targets, tr) if report else None,
                 issues=views.issue_groups(report, tr) if report else [],
                 progress=views.progress_view(course, service.targets, tr), csrf=desk.csrf_token(who),
                 findings=[p.name for p in desk.findings_files()],
                 verification=views.verification_rows(report, service.targets, tr) if report else [])


def _street_at(request: Request) -> str | None:
    names = [s.name for s in _desk(request).streets()]
    index = request.path_params["index"]
    return names[index] if 0 <= index < len(names) else None


async def bureau_street(request: Request, message: str | None = None, status: int = 200) -> Response:
    who = _holder(request, admin=True)
    name = _street_at(request)
    if who is None or name is None:
        return _not_found(request)
    desk, service = _desk(request), _service(request)
    versions, checked = await run_in_threadpool(service.latest_checked, name)
    review = await run_in_threadpool(service.status, name)
    from kaohe.report.format import fmt_shown

    tr = _tr(request)
    changes = [(c.community, c.label, fmt_shown(c.before, tr), fmt_shown(c.after, tr), c.where or "", c.field)
               for c in await run_in_threadpool(service.diff, name)]
    return _page(request, "bureau_street.html", status=status, who=who, name=name, period=desk.period,
                 evidence=desk.evidence(name), target_titles=dict(views.target_choices(service.targets, tr)),
                 revoked=next((w.revoked for w in desk.streets() if w.name == name), False),
                 changes=changes, comments=desk.comments(name),
                 index=request.path_params["index"], review=review, closed=desk.closed, message=message,
                 csrf=desk.csrf_token(who), versions=list(reversed(versions)),
                 result=views.check_view(checked, service.targets, _tr(request)) if checked else None)


async def figure_page(request: Request) -> Response:
    """One figure's history, opened by clicking it: its value in every version, then as verified."""
    admin = request.url.path.startswith("/a/")
    who = _holder(request, admin=admin)
    name = (_street_at(request) if admin else who.name) if who is not None else None
    if who is None or name is None:
        return _not_found(request)
    from kaohe.report.format import fmt_shown

    field = request.query_params.get("field", "")
    community = request.query_params.get("community") or None
    tr = _tr(request)
    try:
        rows = await run_in_threadpool(_service(request).figure_history, name, field, community)
    except DeskError:
        return _not_found(request)
    labels = {**_service(request).targets.fields.street, **_service(request).targets.fields.community}
    back = f"/a/{who.secret}/street/{request.path_params['index']}" if admin else f"/s/{who.secret}"
    return _page(request, "figure.html", who=who, name=name, back=back, community=community or "",
                 label=tr.pick(labels[field].label, labels[field].label_en),
                 rows=[(fmt_shown(r.value, tr), r.version, r.file or "",
                        f"{r.sheet}!{r.cell}" if r.sheet else r.cell or "", r.when or "", r.who or "", r.why or "")
                       for r in rows])


async def figures_csv(request: Request) -> Response:
    """Every figure of every version of a street, for an audit (街道, 社区, 项目, 值, 版本, 文件, 位置, 时间)."""
    who = _holder(request, admin=True)
    name = _street_at(request)
    if who is None or name is None:
        return _not_found(request)
    tr = _tr(request)
    rows = await run_in_threadpool(_service(request).history_rows, name)
    head = [tr(f"desk.audit.{k}") for k in ("street", "community", "item", "value", "version", "file", "where", "when")]
    return _csv_download(csv_text([head, *rows]), "figures.csv")


async def comment(request: Request) -> Response:
    """A note from a street's page or the bureau's street page."""
    admin = request.url.path.startswith("/a/")
    got = await _posted(request, admin=admin, need="inspect")
    if isinstance(got, Response):
        return got
    who, data, tr = got
    text = str(data.get("text") or "")
    await data.close()
    name = _street_at(request) if admin else who.name
    if name is None:
        return _not_found(request)
    try:
        await run_in_threadpool(_service(request).comment, name, text, who.name)
    except DeskError as exc:
        page = bureau_street if admin else street_page
        return await page(request, exc.text(tr), 409)
    return RedirectResponse(str(request.url).rsplit("/comment", 1)[0], status_code=303)


async def review_street(request: Request) -> Response:
    """The bureau's return, acceptance or reopening from the street's page (the JSON calls do the same)."""
    got = await _posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    name = _street_at(request)
    action = str(data.get("action") or "")
    reason = str(data.get("reason") or "")
    cells = [c for c in str(data.get("cells") or "").replace("，", ",").replace("\n", ",").split(",") if c.strip()]
    cells += [str(c) for c in data.getlist("pick") if isinstance(c, str) and c.strip()]  # picked from its issues
    await data.close()
    if name is None or action not in ("returned", "accepted", "reopened"):
        return _not_found(request)
    try:
        await run_in_threadpool(_service(request).review, name, action, reason, cells, who.name)
    except DeskError as exc:
        return await bureau_street(request, exc.text(tr), 409)
    return RedirectResponse(str(request.url).rsplit("/review", 1)[0], status_code=303)


async def scorecard(request: Request) -> Response:
    who = _holder(request, admin=True)
    if who is None:
        return _not_found(request)
    desk, tr = _desk(request), _tr(request)
    folder = desk.receiving()
    path = await run_in_threadpool(_service(request).scorecard, folder, tr.lang)
    if path is None:
        shutil.rmtree(folder, ignore_errors=True)
        return await bureau_page(request, tr("desk.nothing_yet"), 409)
    return FileResponse(path, filename=path.name, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


async def report_json(request: Request) -> Response:
    who = _holder(request, admin=True)
    if who is None:
        return _not_found(request)
    import json

    document = await run_in_threadpool(_service(request).report_document, _tr(request).lang)
    if document is None:
        return _not_found(request)
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return Response(body, media_type="application/json; charset=utf-8",
                    headers={"content-disposition": "attachment; filename=report.json"})


async def links_csv(request: Request) -> Response:
    who = _holder(request, admin=True)
    if who is None:
        return _not_found(request)
    if not who.may("manage"):  # the links are the streets' keys
        return _refused_role(request, who)
    desk = _desk(request)
    base = _public(request)
    desk.log(ADMIN, "links")
    return _csv_download(links_text(desk, base), "links.csv")


async def chase_csv(request: Request) -> Response:
    """The 催报 list as CSV: 街道名称, 状态, 链接, 距截止天数."""
    who = _holder(request, admin=True)
    if who is None:
        return _not_found(request)
    if not who.may("manage"):
        return _refused_role(request, who)
    tr = _tr(request)
    timely = _service(request).timeliness(_public(request))
    head = [tr("desk.csv_street"), tr("desk.csv_state"), tr("desk.csv_link"), tr("desk.csv_days")]
    days = "" if timely.days_left is None else timely.days_left
    return _csv_download(csv_text([head, *([name, tr("desk.state." + state), link, days]
                                           for name, state, link in timely.chase)]), "chase.csv")


def chase_text(timely: Any, period: str, tr: Translator) -> str:
    """The 催报 list as a message to paste into a chat."""
    if not timely.chase:
        return ""
    head = tr("desk.chase_head", period=period)
    if timely.deadline:
        head += tr("desk.chase_deadline", deadline=_when(timely.deadline)[:16], days=timely.days_left)
    lines = [head] + [f"{name}（{tr('desk.state.' + state)}）：{link}" for name, state, link in timely.chase]
    return "\n".join(lines)


async def remind(request: Request) -> Response:
    got = await _posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    await data.close()
    try:
        done = await run_in_threadpool(_service(request).remind, _public(request), tr.lang)
    except DeskError as exc:
        return await bureau_page(request, exc.text(tr), 409)
    return await bureau_page(request, tr("desk.reminded", sent=len(done.sent),
                                         without="、".join(done.without_address) or "—"))


async def _bureau_form(request: Request, act: Callable[[dict[str, str], Translator], Any],
                       failed: int = 409) -> Response:
    """A bureau form: its fields to one service call, then back to the bureau's page; a DeskError (or another
    KaoheError, answered with `failed`) shown on the page."""
    got = await _posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    fields = {key: str(value).strip() for key, value in data.items() if isinstance(value, str)}
    await data.close()
    try:
        await run_in_threadpool(act, fields, tr)
    except DeskError as exc:
        return await bureau_page(request, exc.text(tr), 409)
    except KaoheError as exc:
        return await bureau_page(request, exc.text(tr), failed)
    return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)


async def relink_street(request: Request) -> Response:
    """换发链接 / 停用链接 from the bureau's street page: the old link dead at once."""
    got = await _posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    action = str(data.get("action") or "")
    await data.close()
    name = _street_at(request)
    if name is None or action not in ("reissue", "revoke"):
        return _not_found(request)
    desk = _desk(request)
    if action == "reissue":
        fresh = await run_in_threadpool(desk.reissue, name, who.name)
        text = tr("desk.link_reissued", street=name, link=f"{_public(request)}/s/{fresh.secret}")
    else:
        await run_in_threadpool(desk.revoke, name, who.name)
        text = tr("desk.link_revoked_now", street=name)
    return await bureau_street(request, text, 200)


async def people(request: Request) -> Response:
    """The bureau's people: add one (a named link with a role, shown once) or remove one."""
    got = await _posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    fields = {key: str(value).strip() for key, value in data.items() if isinstance(value, str)}
    await data.close()
    desk = _desk(request)
    try:
        if fields.get("remove"):
            await run_in_threadpool(desk.remove_person, fields["remove"], who.name)
            text = tr("desk.person_removed", name=fields["remove"])
        else:
            person = await run_in_threadpool(desk.add_person, fields.get("name", ""), fields.get("role", ""),
                                             who.name)
            text = tr("desk.person_added", name=person.name, role=tr("desk.role." + person.role),
                      link=f"{_public(request)}/a/{person.secret}")
    except DeskError as exc:
        return await bureau_page(request, exc.text(tr), exc.status)
    return await bureau_page(request, text, 200)


async def file_appeal(request: Request) -> Response:
    """A street's appeal from its page, while the results are published."""
    got = await _posted(request, admin=False)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    fields = {key: str(value) for key, value in data.items() if isinstance(value, str)}
    await data.close()
    try:
        filed = await run_in_threadpool(_service(request).file_appeal, who.name, fields.get("target", ""),
                                        fields.get("reason", ""), fields.get("community") or None,
                                        fields.get("field") or None)
    except DeskError as exc:
        return await street_page(request, exc.text(tr), exc.status)
    return await street_page(request, tr("desk.appeal_filed", number=filed.id), 200)


async def publish(request: Request) -> Response:
    service = _service(request)

    def act(f: dict[str, str], tr: Translator) -> None:
        service.publish(f.get("start", ""), f.get("end", ""), ACTOR.get() or ADMIN)

    return await _bureau_form(request, act)


async def decide_appeal(request: Request) -> Response:
    service = _service(request)
    number = request.path_params["number"]

    def act(f: dict[str, str], tr: Translator) -> None:
        try:
            points = float(f["points"]) if f.get("points") else None
        except ValueError as exc:
            raise DeskError(key="desk.appeal_points", limit="—") from exc
        service.decide_appeal(number, f.get("decision", ""), f.get("reason", ""), ACTOR.get() or ADMIN, points,
                              f.get("value") or None)

    return await _bureau_form(request, act)


async def report_rectification(request: Request) -> Response:
    got = await _posted(request, admin=False)
    if isinstance(got, Response):
        return got
    who, data, tr = got
    text = str(data.get("text") or "")
    await data.close()
    try:
        await run_in_threadpool(_service(request).update_rectification, who.name, request.path_params["number"],
                                text)
    except DeskError as exc:
        return await street_page(request, exc.text(tr), exc.status)
    return await street_page(request, tr("desk.rectify_done"))


async def settle_rectification(request: Request) -> Response:
    service = _service(request)
    number = request.path_params["number"]

    def act(f: dict[str, str], tr: Translator) -> None:
        service.close_rectification(number, f.get("reason", ""), ACTOR.get() or ADMIN,
                                    returned=f.get("action") == "return", due=f.get("due") or None)

    return await _bureau_form(request, act)


async def rectifications_csv(request: Request) -> Response:
    """Every rectification item, as the file `kaohe assess --rectifications` reads."""
    who = _holder(request, admin=True)
    if who is None:
        return _not_found(request)
    from kaohe.model import Rectification
    from kaohe.rectify import rows

    items = [Rectification(str(r.id), r.period, r.street, r.what if r.kind == "missed" else f"虚报：{r.what}",
                           r.community, r.due, r.state, (r.progress or [""])[-1])
             for r in await run_in_threadpool(_service(request).rectifications)]
    return _csv_download(csv_text(rows(items)), "rectifications.csv")


async def set_deadline(request: Request) -> Response:
    service = _service(request)
    return await _bureau_form(request, lambda f, tr: service.set_deadline(f.get("deadline", ""), ACTOR.get() or ADMIN,
                                                                          f.get("late", "take") == "take"))


async def close_period(request: Request) -> Response:
    service = _service(request)  # a failure to record leaves the period open: 500
    return await _bureau_form(request, lambda f, tr: service.close(tr.lang), failed=500)


async def open_period(request: Request) -> Response:
    service = _service(request)
    return await _bureau_form(request, lambda f, tr: service.open(f.get("period", "")))


async def upload_findings(request: Request) -> Response:
    got = await _posted(request, admin=True, need="inspect")
    if isinstance(got, Response):
        return got
    who, data, tr = got
    try:
        chosen = _chosen(data, "findings", tr)
        if isinstance(chosen, Refusal):
            return await bureau_page(request, chosen.text, chosen.status)
        sent, client_name, suffix = chosen
        folder = _desk(request).receiving()
        try:
            received = folder / f"findings{suffix}"
            saved = await _save(sent, received, tr)
            if isinstance(saved, Refusal):
                return await bureau_page(request, saved.text, saved.status)
            _, digest = saved
            await run_in_threadpool(_service(request).keep_findings, received, client_name, digest)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        await data.close()
    return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)


async def remove_findings(request: Request) -> Response:
    got = await _posted(request, admin=True, need="inspect")
    if isinstance(got, Response):
        return got
    who, data, tr = got
    name = str(data.get("file") or "")
    await data.close()
    if not await run_in_threadpool(_service(request).remove_findings, name):
        return _not_found(request)
    return RedirectResponse(request.url_for("bureau", secret=who.secret), status_code=303)


async def home(request: Request) -> Response:
    return _page(request, "home.html")


async def robots(request: Request) -> Response:
    return PlainTextResponse("User-agent: *\nDisallow: /\n")


async def missing(request: Request, exc: Exception) -> Response:
    return _not_found(request)


async def refused(request: Request, exc: Exception) -> Response:
    """A refusal no page handled itself (the store down while a page reads it): its own status and sentence,
    as JSON for the API, else as a page."""
    assert isinstance(exc, DeskError)
    text = exc.text(_tr(request))
    if "/api/" in request.url.path:
        from kaohe.desk.jsonapi import _problem

        return _problem(text, exc.status)
    return _page(request, "message.html", status=exc.status, text=text)


async def failed(request: Request, exc: Exception) -> Response:
    import logging

    logging.getLogger("kaohe.desk").exception("request failed: %s", request.url.path.split("/")[1:2])
    return _page(request, "message.html", status=500, text=_tr(request)("desk.failed"))


ROUTES = [
    Route("/", home),
    Route("/robots.txt", robots),
    Route("/s/{secret}", street_page, name="street"),
    Route("/s/{secret}/upload", upload, methods=["POST"]),
    Route("/s/{secret}/template.xlsx", street_template),
    Route("/s/{secret}/version/{number:int}", street_version),
    Route("/s/{secret}/result.xlsx", street_result),
    Route("/a/{secret}", bureau_page, name="bureau"),
    Route("/a/{secret}/street/{index:int}", bureau_street),
    Route("/a/{secret}/street/{index:int}/review", review_street, methods=["POST"]),
    Route("/a/{secret}/street/{index:int}/link", relink_street, methods=["POST"]),
    Route("/a/{secret}/people", people, methods=["POST"]),
    Route("/a/{secret}/publish", publish, methods=["POST"]),
    Route("/a/{secret}/appeal/{number:int}", decide_appeal, methods=["POST"]),
    Route("/s/{secret}/appeal", file_appeal, methods=["POST"]),
    Route("/s/{secret}/entry", entry_page),
    Route("/s/{secret}/entry", entry_save, methods=["POST"]),
    Route("/s/{secret}/rectification/{number:int}", report_rectification, methods=["POST"]),
    Route("/a/{secret}/rectification/{number:int}", settle_rectification, methods=["POST"]),
    Route("/a/{secret}/rectifications.csv", rectifications_csv),
    Route("/s/{secret}/evidence", upload_evidence, methods=["POST"]),
    Route("/s/{secret}/evidence/{number:int}", evidence_file),
    Route("/a/{secret}/evidence/{number:int}", evidence_file),
    Route("/a/{secret}/street/{index:int}/evidence/{number:int}/mark", mark_evidence, methods=["POST"]),
    Route("/a/{secret}/street/{index:int}/verification.xlsx", verification_sheet),
    Route("/a/{secret}/street/{index:int}/figures.csv", figures_csv),
    Route("/a/{secret}/street/{index:int}/comment", comment, methods=["POST"]),
    Route("/s/{secret}/comment", comment, methods=["POST"]),
    Route("/a/{secret}/street/{index:int}/figure", figure_page),
    Route("/a/{secret}/street/{index:int}/version/{number:int}", bureau_version),
    Route("/s/{secret}/figure", figure_page),
    Route("/a/{secret}/scorecard.xlsx", scorecard),
    Route("/a/{secret}/report.json", report_json),
    Route("/a/{secret}/links.csv", links_csv),
    Route("/a/{secret}/close", close_period, methods=["POST"]),
    Route("/a/{secret}/deadline", set_deadline, methods=["POST"]),
    Route("/a/{secret}/remind", remind, methods=["POST"]),
    Route("/a/{secret}/chase.csv", chase_csv),
    Route("/a/{secret}/open", open_period, methods=["POST"]),
    Route("/a/{secret}/findings", upload_findings, methods=["POST"]),
    Route("/a/{secret}/findings/remove", remove_findings, methods=["POST"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]
ROUTES[-1:-1] = jsonapi.routes()  # every page action also a JSON call under the same link (desk/jsonapi.py)


def create_app(desk: Desk, lang: str = "zh", hosts: frozenset[str] | None = None) -> ASGI:
    """The ASGI application for one data folder: the routes over one Service, inside the security wrapper
    (outside Starlette's own stack, so its headers cover the framework's error pages too)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    app = Starlette(routes=ROUTES, exception_handlers={404: missing, 405: missing, DeskError: refused,
                                                        500: failed})
    app.state.desk = desk
    app.state.service = Service(desk, lang)
    app.state.env = env
    app.state.lang = lang
    return Guarded(app, hosts, desk)


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


def _chosen(data: Any, field: str, tr: Translator, any_suffix: bool = False) -> tuple[Any, str, str] | Refusal:
    """The file a form sent in `field`: (upload, the name it was sent under, its suffix), or why not (a
    workbook's suffix unless `any_suffix`: evidence is judged by its bytes)."""
    upload = data.get(field)
    if upload is None or isinstance(upload, str) or not upload.filename:
        return Refusal(tr("desk.no_file"), 400)
    # old browsers send the whole path (C:\\Users\\…); only the file's own name is kept, for display, without
    # invisible and direction characters (U+202E would show it reversed), and shortened keeping its suffix
    from kaohe.text import visible

    client_name = visible(upload.filename.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "upload"
    suffix = Path(client_name).suffix.lower()
    if len(client_name) > 120:
        client_name = client_name[: 119 - len(suffix)] + "…" + suffix
    if suffix not in UPLOAD_SUFFIXES and not any_suffix:
        return Refusal(tr("desk.bad_suffix", suffixes="、".join(UPLOAD_SUFFIXES)), 415)
    return upload, client_name, suffix


async def _save(upload: Any, path: Path, tr: Translator) -> tuple[int, str] | Refusal:
    """Copy an upload to `path`, hashing as it goes: (size, SHA-256), or why it is not taken (over the limit,
    where it stops reading; empty)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "wb") as out:
            while chunk := await upload.read(256 * 1024):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    break
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        from kaohe.desk.store import _disk_full

        if not _disk_full(exc):
            raise
        path.unlink(missing_ok=True)
        return Refusal(tr("desk.disk_full"), 507)
    if size > MAX_UPLOAD:
        return Refusal(tr("desk.too_big", mb=MAX_UPLOAD // (1024 * 1024)), 413)
    if size == 0:
        return Refusal(tr("desk.empty"), 400)
    return size, digest.hexdigest()


def _download_name(version: Version) -> str:
    return f"{safe_stem(version.street)}-{version.id}{Path(version.file).suffix}"


def links_text(desk: Desk, base: str) -> str:
    """街道名称,链接 for every street (a revoked one: 已停用), then a row for each bureau person with their
    role: what the bureau sends out."""
    from kaohe.words import Translator

    tr = Translator("zh")
    rows = [["街道名称", "链接"]]
    rows += [[who.name, tr("desk.link_revoked") if who.revoked else f"{base}/s/{who.secret}"]
             for who in desk.streets()]
    rows += [[f"{p.name}（{tr('desk.role.' + p.role)}）" if p.name != ADMIN else ADMIN, f"{base}/a/{p.secret}"]
             for p in [desk.admin(), *desk.people()]]
    return csv_text(rows)


def csv_text(rows: Any) -> str:
    """Rows as CSV text, every text cell one Excel will not run as a formula."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


def _csv_download(text: str, name: str) -> Response:
    """A CSV file to download, with a BOM: Excel on Chinese Windows opens it as UTF-8."""
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f"attachment; filename={name}"})


def _cell(text: str) -> str:
    """A roster name as a CSV cell Excel will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
