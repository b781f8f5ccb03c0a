"""Every action of the desk's pages as a JSON call under the same link, described by an OpenAPI 3 document at
<link>/api/openapi.json, generated from the request and response models (desk/models.py).

A script holding only a link calls any operation with a plain HTTP client: no cookie, no token fetched first.
A call that changes something must carry the header `X-Requested-With: kaohe`, which a form on another site
cannot send (browsers allow it only from the page's own origin, after asking), so the links' pages need no
token for these calls; the pages' own forms keep their tokens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kaohe.desk.models import (
    AppealOut,
    AppealRequest,
    CommentOut,
    CommentRequest,
    DeadlineOut,
    DeadlineRequest,
    DecideRequest,
    DistrictOut,
    EntryDraft,
    EntryForm,
    EntrySave,
    EntrySaved,
    EvidenceOut,
    FigureVersion,
    IssueOut,
    LinkOut,
    MarkEvidenceRequest,
    PersonName,
    PersonOut,
    PersonRequest,
    Problem,
    PublicationOut,
    PublishRequest,
    RectificationClose,
    RectificationOut,
    RectificationUpdate,
    ReopenRequest,
    ReturnRequest,
    ReviewOut,
    StreetAction,
    StreetRow,
    StreetStatus,
    UploadResult,
)
from kaohe.desk.service import Service
from kaohe.desk.store import Desk, DeskError, Who
from kaohe.errors import KaoheError
from kaohe.words import Translator

API_HEADER = "x-requested-with"
API_HEADER_VALUE = "kaohe"


@dataclass(frozen=True)
class Operation:
    """One JSON call: who may make it (a street's link or the bureau's), how, and its models."""

    id: str
    link: str  # "s" (a street's link) or "a" (the bureau's)
    method: str
    path: str  # under <link>/api
    summary: str
    body: type[BaseModel] | None  # JSON body model; None: none, or multipart (upload)
    result: Any  # a model, or list[model]
    handler: Callable[[Request, Who, Any], Awaitable[Any]]
    multipart: bool = False
    query: tuple[tuple[str, bool], ...] = ()  # (name, required)
    need: str = ""  # a bureau call's permission (store.MAY): view for a GET, manage for a POST unless said

    @property
    def permission(self) -> str:
        return self.need or ("view" if self.method == "GET" else "manage")


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _tr(request: Request) -> Translator:
    asked = request.query_params.get("lang") or request.app.state.lang
    return Translator("en" if asked == "en" else "zh")


def _problem(text: str, status: int) -> JSONResponse:
    return JSONResponse(Problem(error=text).model_dump(), status_code=status)


# ---- the city's link

async def list_districts(request: Request, who: Who | None, _: Any) -> list[DistrictOut]:
    city = request.app.state.city
    return [DistrictOut(district=d.district, streets=d.streets, submitted=d.submitted)
            for d in await run_in_threadpool(city.summary)]


# ---- a street's link

async def upload_submission(request: Request, who: Who, _: Any) -> UploadResult:
    from kaohe.desk.app import Refusal, take_upload

    tr = _tr(request)
    data = await request.form(max_files=1, max_fields=4)
    try:
        kept = await take_upload(request, who, data, "file", tr)
    finally:
        await data.close()
    if isinstance(kept, Refusal):
        raise _Refused(kept.text, kept.status)
    if kept.version is None:
        raise _Refused(tr("desk.wrong_street", named=kept.wrong_street, street=who.name), 409)
    street = kept.report.streets[0] if kept.report.streets else None
    return UploadResult(version=_service(request).number(kept.version),
                        state=_desk(request).state(who.name),  # type: ignore[arg-type]
                        score=float(street.score) if street else None,
                        issues=[_issue_out(i, tr) for i in kept.report.issues])


def _issue_out(i: Any, tr: Translator) -> IssueOut:
    return IssueOut(severity=i.severity, code=i.code, sheet=i.sheet, cell=i.cell, community=i.community,
                    message=i.message(tr.lang))


async def street_status(request: Request, who: Who, _: Any) -> StreetStatus:
    return await run_in_threadpool(_service(request).status, who.name)


async def street_comment(request: Request, who: Who, body: CommentRequest) -> CommentOut:
    return await run_in_threadpool(_service(request).comment, who.name, body.text, who.name, body.target,
                                   body.community, body.field)


# ---- the bureau's link

async def list_streets(request: Request, who: Who, _: Any) -> list[StreetRow]:
    return await run_in_threadpool(_service(request).streets)


async def return_submission(request: Request, who: Who, body: ReturnRequest) -> ReviewOut:
    return await run_in_threadpool(_service(request).review, body.street, "returned", body.reason, body.cells,
                                   who.name)


async def accept_submission(request: Request, who: Who, body: StreetAction) -> ReviewOut:
    return await run_in_threadpool(_service(request).review, body.street, "accepted", "", [], who.name)


async def reopen_submission(request: Request, who: Who, body: ReopenRequest) -> ReviewOut:
    return await run_in_threadpool(_service(request).review, body.street, "reopened", body.reason, [], who.name)


async def set_deadline(request: Request, who: Who, body: DeadlineRequest) -> DeadlineOut:
    return DeadlineOut(deadline=await run_in_threadpool(_service(request).set_deadline, body.deadline, who.name,
                                                         body.late))


async def figure_history(request: Request, who: Who, _: Any) -> list[FigureVersion]:
    q = request.query_params
    street, field = q.get("street"), q.get("field")
    if not street or not field:
        raise _Refused(_tr(request)("desk.api_query", names="street, field"), 400)
    return await run_in_threadpool(_service(request).figure_history, street, field, q.get("community") or None)


async def bureau_comment(request: Request, who: Who, body: CommentRequest) -> CommentOut:
    if not body.street:
        raise _Refused(_tr(request)("desk.api_query", names="street"), 400)
    return await run_in_threadpool(_service(request).comment, body.street, body.text, who.name, body.target,
                                   body.community, body.field)


async def upload_evidence(request: Request, who: Who, _: Any) -> EvidenceOut:
    from kaohe.desk.app import Refusal, take_evidence

    tr = _tr(request)
    data = await request.form(max_files=1, max_fields=6)
    try:
        kept = await take_evidence(request, who, data, "file", tr)
    finally:
        await data.close()
    if isinstance(kept, Refusal):
        raise _Refused(kept.text, kept.status)
    out: EvidenceOut = kept
    return out


async def street_evidence(request: Request, who: Who, _: Any) -> list[EvidenceOut]:
    return await run_in_threadpool(_service(request).evidence, who.name)


async def bureau_evidence(request: Request, who: Who, _: Any) -> list[EvidenceOut]:
    street = request.query_params.get("street")
    if not street:
        raise _Refused(_tr(request)("desk.api_query", names="street"), 400)
    return await run_in_threadpool(_service(request).evidence, street)


async def mark_evidence(request: Request, who: Who, body: MarkEvidenceRequest) -> EvidenceOut:
    return await run_in_threadpool(_service(request).mark_evidence, body.id, body.reason, who.name)


async def entry_form(request: Request, who: Who, _: Any) -> EntryForm:
    return await run_in_threadpool(_service(request).entry_form, who.name, _tr(request).lang)


async def save_entry(request: Request, who: Who, body: EntrySave) -> EntrySaved:
    tr = _tr(request)
    kept = await run_in_threadpool(_service(request).save_entry, who, body.values, body.communities, body.reason,
                                   tr.lang)
    if kept.version is None:
        raise _Refused(tr("desk.wrong_street", named=kept.wrong_street, street=who.name), 409)
    street = kept.report.streets[0] if kept.report.streets else None
    return EntrySaved(version=_service(request).number(kept.version), score=float(street.score) if street else None,
                      issues=[_issue_out(i, tr) for i in kept.report.issues])


async def save_entry_draft(request: Request, who: Who, body: EntryDraft) -> EntryDraft:
    await run_in_threadpool(_service(request).keep_entry_draft, who.name, body.values)
    return body


async def street_rectifications(request: Request, who: Who, _: Any) -> list[RectificationOut]:
    return await run_in_threadpool(_service(request).rectifications, who.name)


async def update_rectification(request: Request, who: Who, body: RectificationUpdate) -> RectificationOut:
    return await run_in_threadpool(_service(request).update_rectification, who.name, body.id, body.text)


async def bureau_rectifications(request: Request, who: Who, _: Any) -> list[RectificationOut]:
    return await run_in_threadpool(_service(request).rectifications, request.query_params.get("street") or None)


async def close_rectification(request: Request, who: Who, body: RectificationClose) -> RectificationOut:
    return await run_in_threadpool(_service(request).close_rectification, body.id, body.reason, who.name,
                                   body.returned, body.due)


async def file_appeal(request: Request, who: Who, body: AppealRequest) -> AppealOut:
    return await run_in_threadpool(_service(request).file_appeal, who.name, body.target, body.reason,
                                   body.community, body.field)


async def street_appeals(request: Request, who: Who, _: Any) -> list[AppealOut]:
    return await run_in_threadpool(_service(request).appeals, who.name)


async def bureau_appeals(request: Request, who: Who, _: Any) -> list[AppealOut]:
    return await run_in_threadpool(_service(request).appeals, request.query_params.get("street") or None)


async def publish_results(request: Request, who: Who, body: PublishRequest) -> PublicationOut:
    return await run_in_threadpool(_service(request).publish, body.start, body.end, who.name)


async def decide_appeal(request: Request, who: Who, body: DecideRequest) -> AppealOut:
    return await run_in_threadpool(_service(request).decide_appeal, body.id, body.decision, body.reason, who.name,
                                   body.points, body.value)


def _link(request: Request, kind: str, secret: str) -> str:
    from kaohe.desk.app import _public

    return f"{_public(request)}/{kind}/{secret}"


async def reissue_link(request: Request, who: Who, body: StreetAction) -> LinkOut:
    fresh = await run_in_threadpool(_desk(request).reissue, body.street, who.name)
    return LinkOut(street=fresh.name, link=_link(request, "s", fresh.secret))


async def revoke_link(request: Request, who: Who, body: StreetAction) -> LinkOut:
    await run_in_threadpool(_desk(request).revoke, body.street, who.name)
    return LinkOut(street=body.street, link=None)


async def list_people(request: Request, who: Who, _: Any) -> list[PersonOut]:
    return [PersonOut(name=p.name, role=p.role) for p in  # type: ignore[arg-type]
            [_desk(request).admin(), *await run_in_threadpool(_desk(request).people)]]


async def add_person(request: Request, who: Who, body: PersonRequest) -> PersonOut:
    person = await run_in_threadpool(_desk(request).add_person, body.name, body.role, who.name)
    return PersonOut(name=person.name, role=body.role, link=_link(request, "a", person.secret))


async def remove_person(request: Request, who: Who, body: PersonName) -> PersonOut:
    gone = next((p for p in _desk(request).people() if p.name == body.name), None)
    await run_in_threadpool(_desk(request).remove_person, body.name, who.name)
    return PersonOut(name=body.name, role=gone.role if gone else "leader")  # type: ignore[arg-type]


OPERATIONS = (
    Operation("uploadSubmission", "s", "POST", "/submission", "Upload the street's workbook (multipart field "
              "`file`); it is self-checked and kept as the street's next version.", None, UploadResult,
              upload_submission, multipart=True),
    Operation("getStreetStatus", "s", "GET", "/status", "The street's state, latest version, score, deadline and "
              "the reasons it was returned with.", None, StreetStatus, street_status),
    Operation("uploadEvidence", "s", "POST", "/evidence", "Attach evidence (multipart `file`, fields `target` and "
              "optional `community`): a photo, scan, PDF or Word document, judged by its content.", None,
              EvidenceOut, upload_evidence, multipart=True),
    Operation("listEvidence", "s", "GET", "/evidence", "The street's evidence of the period.", None,
              list[EvidenceOut], street_evidence),
    Operation("getEntryForm", "s", "GET", "/entry", "The entry form made from the targets file, prefilled from "
              "the last accepted (or last) version of this period, else the last closed period's.", None, EntryForm,
              entry_form),
    Operation("saveEntry", "s", "POST", "/entry", "Save the form's values: written into the street's template and "
              "kept as a version exactly like an upload (self-checked).", EntrySave, EntrySaved, save_entry),
    Operation("saveEntryDraft", "s", "POST", "/entry/draft", "Keep the entry form as it stands (its fields' names "
              "→ values) until the next save: the page sends it as the clerk types.", EntryDraft, EntryDraft,
              save_entry_draft),
    Operation("listRectifications", "s", "GET", "/rectifications", "The street's rectification items (整改) of "
              "closed periods.", None, list[RectificationOut], street_rectifications),
    Operation("updateRectification", "s", "POST", "/rectifications/update", "Report progress on an item.",
              RectificationUpdate, RectificationOut, update_rectification),
    Operation("fileAppeal", "s", "POST", "/appeals", "An appeal (申诉) on a target or one of its figures, while the "
              "results are published.", AppealRequest, AppealOut, file_appeal),
    Operation("listAppeals", "s", "GET", "/appeals", "The street's appeals and their decisions.", None,
              list[AppealOut], street_appeals),
    Operation("addComment", "s", "POST", "/comments", "A note on the street, a target or a figure.",
              CommentRequest, CommentOut, street_comment),
    Operation("listStreets", "a", "GET", "/streets", "Every roster street's state, version, score and lateness.",
              None, list[StreetRow], list_streets),
    Operation("returnSubmission", "a", "POST", "/return", "Return a street's submission with a reason and/or the "
              "cells it points at.", ReturnRequest, ReviewOut, return_submission),
    Operation("acceptSubmission", "a", "POST", "/accept", "Accept a street's submission: its figures are locked "
              "until it is reopened.", StreetAction, ReviewOut, accept_submission),
    Operation("reopenSubmission", "a", "POST", "/reopen", "Reopen an accepted submission, with a reason.",
              ReopenRequest, ReviewOut, reopen_submission),
    Operation("setDeadline", "a", "POST", "/deadline", "The open period's deadline (ISO 8601).", DeadlineRequest,
              DeadlineOut, set_deadline),
    Operation("getFigureHistory", "a", "GET", "/figure-history", "A figure's value in every version of the "
              "period, then as verified.", None, list[FigureVersion], figure_history,
              query=(("street", True), ("field", True), ("community", False))),
    Operation("addComment", "a", "POST", "/comments", "A note on a street, a target or a figure.",
              CommentRequest, CommentOut, bureau_comment, need="inspect"),
    Operation("listEvidence", "a", "GET", "/evidence", "A street's evidence of the period.", None,
              list[EvidenceOut], bureau_evidence, query=(("street", True),)),
    Operation("markEvidence", "a", "POST", "/evidence/mark", "Find a piece of evidence insufficient, with the reason "
              "(a finding in the report's issues); an empty reason takes it back.", MarkEvidenceRequest, EvidenceOut,
              mark_evidence, need="inspect"),
    Operation("listRectifications", "a", "GET", "/rectifications", "Every rectification item (or one street's).",
              None, list[RectificationOut], bureau_rectifications, query=(("street", False),)),
    Operation("closeRectification", "a", "POST", "/rectifications/close", "Close an item (销号), or return it for "
              "more, with the reason; optionally a new due date.", RectificationClose, RectificationOut,
              close_rectification),
    Operation("publishResults", "a", "POST", "/publication", "Publish the preliminary results (公示) from start "
              "to end: every street sees the district's table and may appeal.", PublishRequest, PublicationOut,
              publish_results),
    Operation("listAppeals", "a", "GET", "/appeals", "Every appeal of the period (or one street's).", None,
              list[AppealOut], bureau_appeals, query=(("street", False),)),
    Operation("decideAppeal", "a", "POST", "/appeals/decide", "Uphold an appeal (points within the targets "
              "file's bounds, or the figure's value) or reject it, with the reason.", DecideRequest, AppealOut,
              decide_appeal),
    Operation("reissueLink", "a", "POST", "/links/reissue", "A new link for a street; the old one stops working "
              "at once.", StreetAction, LinkOut, reissue_link),
    Operation("revokeLink", "a", "POST", "/links/revoke", "Stop a street's link until a new one is issued.",
              StreetAction, LinkOut, revoke_link),
    Operation("listPeople", "a", "GET", "/people", "The bureau's people and their roles (admin, inspector, "
              "leader).", None, list[PersonOut], list_people, need="manage"),
    Operation("addPerson", "a", "POST", "/people", "A named bureau link with a role; the answer carries the link "
              "(shown once: give it to that person alone).", PersonRequest, PersonOut, add_person),
    Operation("removePerson", "a", "POST", "/people/remove", "A person's link stops working.", PersonName,
              PersonOut, remove_person),
    # the city's link (desk.city: a shared store's districts served together)
    Operation("listDistricts", "c", "GET", "/districts", "Every district of the city: its streets, and how many "
              "have submitted in its open period.", None, list[DistrictOut], list_districts),
)


class _Refused(Exception):
    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text, self.status = text, status


def _endpoint(op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        who = _desk(request).who(request.path_params.get("secret", ""))
        if who is None or who.admin != (op.link == "a"):
            _desk(request).log("-", "refused", reason="link", kind=op.link)
            return _problem("not found", 404)  # the same for any wrong link: a guess learns nothing
        tr = _tr(request)
        if who.admin:
            from kaohe.desk.store import ACTOR

            ACTOR.set(who.name)
            if not who.may(op.permission):
                _desk(request).log(who.name, "refused", reason="role", role=who.role, operation=op.id)
                return _problem(tr("desk.not_allowed", role=tr("desk.role." + who.role)), 403)
        if op.method != "GET" and request.headers.get(API_HEADER, "").lower() != API_HEADER_VALUE:
            _desk(request).log(who.name, "refused", reason="api-header", operation=op.id)
            return _problem(tr("desk.api_header", header="X-Requested-With: kaohe"), 403)
        body: Any = None
        if op.body is not None:
            try:
                body = op.body.model_validate_json(await request.body())
            except ValidationError as exc:
                return _problem(tr("desk.api_body", detail=exc.errors()[0]["msg"][:200]), 422)
        try:
            result = await op.handler(request, who, body)
        except _Refused as exc:
            return _problem(exc.text, exc.status)
        except DeskError as exc:
            return _problem(exc.text(tr), exc.status)
        except KaoheError as exc:
            return _problem(exc.text(tr), 422)
        if isinstance(result, list):
            return JSONResponse([r.model_dump() for r in result])
        return JSONResponse(result.model_dump())

    return endpoint


async def openapi_json(request: Request) -> Response:
    who = _desk(request).who(request.path_params.get("secret", ""))
    if who is None:
        return _problem("not found", 404)
    return JSONResponse(openapi("a" if who.admin else "s"))


def openapi(link: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of one link's calls (a street's: "s", the bureau's: "a"), from the models."""
    from pydantic.json_schema import models_json_schema

    ops = [op for op in OPERATIONS if op.link == link]
    models: list[type[BaseModel]] = [Problem]
    for op in ops:
        if op.body is not None:
            models.append(op.body)
        result = op.result.__args__[0] if getattr(op.result, "__origin__", None) is list else op.result
        models.append(result)
    _, top = models_json_schema([(m, "serialization") for m in dict.fromkeys(models)],
                                ref_template="#/components/schemas/{model}")
    schemas = top.get("$defs", {})

    def ref(model: Any) -> dict[str, Any]:
        if getattr(model, "__origin__", None) is list:
            return {"type": "array", "items": {"$ref": f"#/components/schemas/{model.__args__[0].__name__}"}}
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    paths: dict[str, Any] = {}
    for op in ops:
        entry: dict[str, Any] = {
            "operationId": op.id, "summary": op.summary,
            "responses": {
                "200": {"description": "done", "content": {"application/json": {"schema": ref(op.result)}}},
                "default": {"description": "refused, with the reason in the link's language",
                            "content": {"application/json": {"schema": ref(Problem)}}}},
        }
        parameters = [{"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
                      for name, required in op.query]
        if op.method != "GET":
            parameters.append({"name": "X-Requested-With", "in": "header", "required": True,
                               "schema": {"type": "string", "const": API_HEADER_VALUE}})
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(op.body)}}}
        elif op.multipart:
            fields: dict[str, Any] = {"file": {"type": "string", "format": "binary"}}
            required = ["file"]
            if op.id == "uploadEvidence":  # the target it backs, and the community where it is about one
                fields |= {"target": {"type": "string"}, "community": {"type": "string"}}
                required.append("target")
            entry["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": required, "properties": fields}}}}
        paths.setdefault(f"/api{op.path}", {})[op.method.lower()] = entry  # one path, several methods
    return {
        "openapi": "3.1.0",
        "info": {"title": "kaohe desk — " + {"a": "the bureau's link", "c": "the city's link"}.get(link,
                                                                                               "a street's link"),
                 "version": "1",
                 "description": "Paths are under the link itself (…/s/<secret>, …/a/<secret> or …/c/<secret>). "
                                "Calls that change something send the header X-Requested-With: kaohe."},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def routes() -> list[Route]:
    """The JSON calls' routes, under each link."""
    out = [Route(f"/{link}/{{secret}}/api/openapi.json", openapi_json) for link in ("s", "a")]
    for op in OPERATIONS:
        if op.link == "c":
            continue  # the city's calls are routed by desk.city
        out.append(Route(f"/{op.link}/{{secret}}/api{op.path}", _endpoint(op), methods=[op.method]))
    return out

