"""The desk's service without HTTP: what a page or an API call asks of it, called directly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clerks import write_workbook
from conftest import STREET, good_communities, make_desk
from kaohe import api
from kaohe.desk.service import Service
from kaohe.desk.store import Desk, DeskError
from kaohe.resources import DEFAULT_TARGETS, SAMPLE_SUBMISSIONS, bundled

SAMPLE = bundled(SAMPLE_SUBMISSIONS)


@pytest.fixture
def service(desk: Desk) -> Service:
    return Service(desk)


def sent(service: Service, street: str, source: Path) -> tuple[Path, int, str]:
    """A workbook as an upload leaves it: a copy in the desk's receiving folder, its size and hash."""
    import hashlib

    folder = service.desk.receiving()
    path = folder / source.name
    shutil.copy(source, path)
    data = path.read_bytes()
    return path, len(data), hashlib.sha256(data).hexdigest()


def who(service: Service, name: str):  # type: ignore[no-untyped-def]
    return next(w for w in service.desk.streets() if w.name == name)


def test_a_received_workbook_is_kept_self_checked_and_its_check_is_remembered(service: Service) -> None:
    path, size, digest = sent(service, "东风街道", SAMPLE / "胜利街道.xlsx")
    got = service.receive(who(service, "胜利街道"), path, "胜利街道.xlsx", size, digest)
    assert got.version is not None and got.wrong_street is None
    assert got.version.errors == sum(1 for i in got.report.issues if i.severity == "error") > 0
    versions, checked = service.latest_checked("胜利街道")
    assert versions == [got.version] and checked is not None and checked.report is got.report  # not read again


def test_a_workbook_naming_another_street_is_refused_and_nothing_is_kept(service: Service) -> None:
    path, size, digest = sent(service, "人民街道", SAMPLE / "东风街道.xlsx")
    got = service.receive(who(service, "人民街道"), path, "东风街道.xlsx", size, digest)
    assert got.version is None and got.wrong_street == "东风街道"
    assert service.desk.versions("人民街道") == []


def test_the_assessment_is_made_again_only_when_something_it_reads_changed(service: Service,
                                                                           tmp_path: Path) -> None:
    assert service.assessment() is None  # nothing submitted yet
    path, size, digest = sent(service, "东风街道", SAMPLE / "东风街道.xlsx")
    service.receive(who(service, "东风街道"), path, "东风街道.xlsx", size, digest)
    first = service.assessment()
    assert first is not None and service.assessment() is first
    other = write_workbook(tmp_path / "人民街道.xlsx", {**STREET, "name": "人民街道"}, good_communities(3))
    path, size, digest = sent(service, "人民街道", other)
    service.receive(who(service, "人民街道"), path, "人民街道.xlsx", size, digest)
    second = service.assessment()
    assert second is not first and second is not None and second.streets_submitted == 2
    assert api.to_document(second) == api.to_document(api.assess(
        service.desk.submissions, targets=service.targets, roster=service.desk.roster_path,
        history=service.desk.history))


def test_closing_records_the_period_refuses_uploads_and_the_next_period_starts(service: Service) -> None:
    with pytest.raises(DeskError):
        service.close("zh")  # nothing to close yet
    path, size, digest = sent(service, "东风街道", SAMPLE / "东风街道.xlsx")
    service.receive(who(service, "东风街道"), path, "东风街道.xlsx", size, digest)
    closed = service.close("zh")
    assert (closed.period, [p for p, _, _ in api.History(service.desk.history).periods()]) == ("2005", ["2005"])
    path, size, digest = sent(service, "东风街道", SAMPLE / "东风街道.xlsx")
    with pytest.raises(DeskError) as late:
        service.receive(who(service, "东风街道"), path, "东风街道.xlsx", size, digest)
    assert late.value.key == "desk.closed_upload"
    with pytest.raises(DeskError):
        service.close("zh")  # closed already
    service.open("2006")
    assert service.desk.period == "2006" and service.assessment() is None
    course = service.course(None, "zh")
    assert course is not None and list(course.periods) == ["2005"]


class _SMTP:
    """A minimal SMTP server on loopback for one test: it takes every message and keeps it (no relay)."""

    def __init__(self) -> None:
        import socketserver
        import threading

        self.messages: list[tuple[str, list[str], bytes]] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 test ESMTP\r\n")
                sender, rcpts = "", []
                while line := self.rfile.readline(65536):
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.wfile.write(b"250 test\r\n")
                    elif verb == b"MAIL":
                        sender, rcpts = line.decode().split(":", 1)[1].strip(), []
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == b"RCPT":
                        rcpts.append(line.decode().split(":", 1)[1].strip())
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go\r\n")
                        body = b""
                        while (part := self.rfile.readline(65536)) not in (b".\r\n", b""):
                            body += part
                        outer.messages.append((sender, rcpts, body))
                        self.wfile.write(b"250 kept\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_reminders_go_by_mail_to_the_streets_to_chase_that_have_an_address(
        tmp_path: Path, request: pytest.FixtureRequest, store: str) -> None:
    import email

    roster = tmp_path / "街道名单.csv"
    roster.write_text("街道名称,邮箱\n东风街道,dongfeng@example.org\n人民街道,renmin@example.org\n红旗乡,\n",
                      encoding="utf-8")
    service = Service(make_desk(request, tmp_path / "desk", store, roster))
    with pytest.raises(DeskError) as off:
        service.remind("http://desk", "zh")
    assert off.value.key == "desk.smtp_off"  # nothing is mailed until the bureau names a server
    path, size, digest = sent(service, "东风街道", SAMPLE / "东风街道.xlsx")
    service.receive(who(service, "东风街道"), path, "东风街道.xlsx", size, digest)
    smtp = _SMTP()
    try:
        service.desk.set_setting("smtp", f"127.0.0.1:{smtp.port}")
        service.desk.set_setting("smtp_from", "bureau@example.org")
        done = service.remind("http://desk", "zh")
    finally:
        smtp.close()
    assert (done.sent, done.without_address) == (["人民街道"], ["红旗乡"])  # 东风街道 has submitted
    (sender, rcpts, body), = smtp.messages
    assert sender == "<bureau@example.org>" and rcpts == ["<renmin@example.org>"]
    message = email.message_from_bytes(body)
    text = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert "人民街道" in text and "未报送" in text and "http://desk/s/" in text
    service.desk.set_setting("smtp", "127.0.0.1:1")  # nothing listens there
    with pytest.raises(DeskError) as refused:
        service.remind("http://desk", "zh")
    assert refused.value.key == "desk.smtp_failed"


def test_a_street_has_a_quota_of_versions_and_one_upload_in_flight(service: Service, monkeypatch) -> None:
    import kaohe.limits

    monkeypatch.setattr(kaohe.limits, "MAX_VERSIONS", 2)
    monkeypatch.setattr(kaohe.limits, "UPLOAD_WAIT_SECONDS", 0.2)

    def take(street: str, source: Path):  # type: ignore[no-untyped-def]
        path, size, digest = sent(service, street, source)
        return service.receive(who(service, street), path, source.name, size, digest)

    for _ in range(2):
        take("东风街道", SAMPLE / "东风街道.xlsx")
    with pytest.raises(DeskError) as quota:
        take("东风街道", SAMPLE / "东风街道.xlsx")
    assert quota.value.key == "desk.quota" and len(service.desk.versions("东风街道")) == 2
    lock = service._street_lock("人民街道")
    lock.acquire()  # an upload of 人民街道 being read
    try:
        with pytest.raises(DeskError) as busy:
            take("人民街道", SAMPLE / "人民街道(修改).xlsx")
    finally:
        lock.release()
    assert busy.value.key == "desk.busy" and service.desk.versions("人民街道") == []


def test_a_workbook_is_read_once_and_the_district_is_assessed_from_what_its_upload_read(
        service: Service, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import kaohe.intake as intake

    for name in ("东风街道", "和平街道", "胜利街道"):
        path, size, digest = sent(service, name, SAMPLE / f"{name}.xlsx")
        path = path.rename(path.with_name(f"上报 {name}.xlsx"))
        got = service.receive(who(service, name), path, path.name, size, digest)
        assert got.version is not None
        assert all(i.file in (None, f"上报 {name}.xlsx") for i in got.report.issues)  # the name it was read under
    read: list[str] = []
    real = intake._read_fresh

    def counted(files, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.extend(name for _, name in files)
        return real(files, *args, **kwargs)

    monkeypatch.setattr(intake, "_read_fresh", counted)
    report = service.assessment()
    assert report is not None and read == []  # every file came from its upload's reading
    # the same report as kaohe assess reading every file afresh, names and all
    fresh = api.assess(service.desk.submissions, targets=service.targets, roster=service.desk.roster_path,
                       period=service.desk.period, history=service.desk.history)
    assert api.to_document(report) == api.to_document(fresh)
    assert any(i.file == "胜利街道.xlsx" for i in report.issues)  # named as submissions/ names it
    assert not any("上报" in (i.file or "") for i in report.issues)
    # a restart: a new service over the same folder reads nothing either (the readings are on disk); on a
    # store, another process with a working folder of its own reads nothing either (they are in the store)
    read.clear()
    again = Service(service.desk.reopened(tmp_path / "another process"))
    assert api.to_document(again.assessment()) == api.to_document(fresh) and read == []
    # other targets are other readings: read afresh, never taken from the old ones
    from kaohe.intake.readings import Readings

    changed = service.targets.model_copy(update={"period": "2006"})
    assert Readings(service.desk.root / "readings", changed).fingerprint != service.readings.fingerprint


def test_the_desk_reads_through_a_bounded_number_of_workers(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from kaohe.intake import sandbox
    from kaohe.limits import DESK_MEMORY_BUDGET

    running = 0
    most = 0
    lock = threading.Lock()
    real = sandbox._Worker.__init__

    def started(self, ctx, work, setup, setup_args, budget):  # type: ignore[no-untyped-def]
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        assert budget.memory == DESK_MEMORY_BUDGET and budget.workers == 1
        real(self, ctx, work, setup, setup_args, budget)

    real_close = sandbox._Worker.close

    def closed(self):  # type: ignore[no-untyped-def]
        nonlocal running
        if self.process is not None and not getattr(self, "_counted", False):
            self._counted = True
            with lock:
                running -= 1
        real_close(self)

    monkeypatch.setattr(sandbox._Worker, "__init__", started)
    monkeypatch.setattr(sandbox._Worker, "close", closed)
    names = [w.name for w in service.desk.streets()][:8]
    sources = sorted(SAMPLE.glob("*.xlsx"))
    errors: list[BaseException] = []

    def one(name: str, source: Path) -> None:
        try:
            path, size, digest = sent(service, name, source)
            service.check(path)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(n, sources[i % len(sources)])) for i, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert 1 <= most <= sandbox.usable_cpus()


def test_readings_of_a_period_gone_by_are_removed_when_the_next_opens(service: Service) -> None:
    path, size, digest = sent(service, "东风街道", SAMPLE / "东风街道.xlsx")
    service.receive(who(service, "东风街道"), path, path.name, size, digest)
    kept = service.desk.root / "readings"
    assert [p.name.split("-")[0] for p in kept.iterdir()] == [digest]
    service.close("zh")
    service.open("2006")
    assert list(kept.iterdir()) == []


def test_the_course_from_the_light_document_is_the_course_from_the_whole_report() -> None:
    from kaohe.report.json import course_document
    from kaohe.tracking.progress import progress

    targets = api.load_targets(bundled(DEFAULT_TARGETS))
    for verified in (None, bundled("data/2005/核查/核查结果.csv")):
        report = api.assess(verified=verified)
        assert progress([("2005", course_document(report))], targets) == \
            progress([("2005", api.to_document(report))], targets)
