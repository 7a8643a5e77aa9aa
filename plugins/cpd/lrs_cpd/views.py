"""The CPD panel: the log for a period with downloads, CPD field editing, import, forwarding."""

from __future__ import annotations

import datetime as dt
import io

from flask import Response, abort, g, redirect, request, url_for

from lrs import Forbidden, Guard, lrs_app, LRSError, page_blueprint, render, signed_in
from lrs_cpd.registrations import exporters, importers
from lrs_cpd import forwarding, pulling
from lrs_cpd.exporting import ExportJob, period_text
from lrs_cpd.importing import choose_importer, person_target, run_import
from lrs_cpd.records import EDITABLE, Settings, goal_titles, to_cpd
from lrs_cpd.remote import pull_statements
from lrs_space import WAYS, annotation_of, current_locale, parse_annotation, record_of, save_annotation

bp = page_blueprint("cpd", __name__, "/space/cpd")


def _day(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def _period(settings: Settings, default: str | None = None) -> tuple[str | None, str | None, str]:
    """The period asked for: a preset (this CPD year, three years, everything) or from/to days."""
    preset = request.args.get("period", "" if (_day("from") or _day("to")) else default or "year")
    if preset == "year":
        return (*settings.cpd_year(), preset)
    if preset == "three-years":
        return (*settings.revalidation_period(), preset)
    if preset == "all":
        return None, None, preset
    return _day("from"), _day("to"), "custom"


@bp.route("/")
@signed_in
def log():
    store = lrs_app().store
    settings = Settings.of(store, g.person.id)
    since, until, preset = _period(settings)
    job = ExportJob(store, lrs_app().pm, g.person, g.access, since, until, None, settings, locale=current_locale())
    formats = exporters(lrs_app().pm).values()
    periods = {"year": settings.cpd_year(), "three-years": settings.revalidation_period(), "all": (None, None)}
    own_period = {e.name: period_text(*periods[e.period], current_locale()) for e in formats
                  if e.period in periods and e.period != preset}
    return render("cpd_log.html", own_period=own_period, job=job, records=list(reversed(job.records)), totals=job.totals, ways=WAYS,
                  preset=preset, since=since or "", until=until or "", settings=settings,
                  exporters=[e for e in formats if settings.offers(e)],
                  templates=[e for e in formats if e.template], saved=request.args.get("saved"))


@bp.route("/settings", methods=["POST"])
@signed_in
def settings():
    form = request.form
    target = form.get("target_hours", "").strip().replace(",", ".")
    start = form.get("year_start", "01-01").strip()
    try:
        hours = float(target) if target else 0.0
        dt.date.fromisoformat(f"2001-{start}")
    except ValueError:
        abort(400, description="Target hours is a number and the CPD year starts on a day like 04-01.")
    known = {e.name for e in exporters(lrs_app().pm).values() if e.template}
    Settings(name=form.get("name", "").strip()[:200], registration=form.get("registration", "").strip()[:100],
             target_hours=max(0.0, hours), year_start=start,
             templates=[t for t in form.getlist("templates") if t in known]).save(lrs_app().store, g.person.id)
    return redirect(url_for("cpd.log", saved=1))


@bp.route("/export/<name>")
@signed_in
def download(name):
    formats = exporters(lrs_app().pm)
    if name not in formats:
        abort(404, description="no such format")
    exporter = formats[name]
    settings = Settings.of(lrs_app().store, g.person.id)
    if not settings.offers(exporter):
        abort(404, description="this professional template is not turned on: turn it on in your CPD settings")
    since, until, _ = _period(settings, exporter.period)
    job = ExportJob(lrs_app().store, lrs_app().pm, g.person, g.access, since, until, None, settings,
                    locale=current_locale())
    out = io.BytesIO()
    exporter.write(job, out)
    response = Response(out.getvalue(), mimetype=exporter.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{job.filename(exporter)}"'
    return response


@bp.route("/records/<statement_id>", methods=["GET", "POST"])
@signed_in
def edit(statement_id):
    """A record's CPD fields: the person's annotation of it (lrs_space), which every view of the space uses too."""
    record = record_of(g.access, statement_id)  # 404 unless it is mine
    store = lrs_app().store
    error = None
    form = None
    if request.method == "POST":
        try:
            annotation = annotation_of(store, g.person.id, record.id)
            if request.form.get("reset"):
                annotation = type(annotation)(record.id, hidden=annotation.hidden)
            else:
                annotation = parse_annotation(request.form, record.id, hidden=annotation.hidden)
        except ValueError as e:
            error, form = str(e), request.form
        else:
            save_annotation(store, g.person.id, annotation)
            return redirect(url_for("cpd.edit", statement_id=record.id, saved=1))
    cpd = to_cpd(record, goal_titles(store, g.person.id).get(record.id, []), current_locale())
    return render("cpd_record.html", cpd=cpd, record=record, annotation=record.annotation, editable=EDITABLE,
                  ways=WAYS, error=error, form=form or {}, saved=request.args.get("saved")), 400 if error else 200


@bp.route("/import", methods=["GET", "POST"])
@signed_in
def import_page():
    report = error = None
    if request.method == "POST":
        target = person_target(lrs_app().store, lrs_app().config, g.person, map_actor=request.form.get("map_actor") == "yes")
        try:
            if request.form.get("source") == "lrs":
                url = request.form.get("url", "").strip()
                if not url.startswith(("http://", "https://")):
                    raise ValueError("The address is a full xAPI endpoint, like https://lrs.example.org/xapi/.")
                entries = pull_statements(url, request.form.get("key", ""), request.form.get("secret", ""),
                                          guard=Guard.of(lrs_app().config),
                                          version=request.form.get("version", "1.0.3"))
            else:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise ValueError("Choose a file to import.")
                importer = choose_importer(importers(lrs_app().pm), request.form.get("format") or None,
                                           upload.stream.read(4096))
                upload.stream.seek(0)
                entries = importer.read(upload.stream)
            report = run_import(lrs_app(), entries, target)
        except ValueError as e:
            error = str(e)
        except LRSError as e:
            error = e.message
    return _import_page(report=report, error=error)


def _import_page(*, report=None, error=None, source_error=None, form=None):
    store = lrs_app().store
    mine = [_source_view(s) for s in pulling.sources(store, g.person.id) if g.access.owns_item(s)]
    status = 400 if error or source_error else 200
    return render("cpd_import.html", report=report, error=error, importers=importers(lrs_app().pm).values(),
                  identities=store.list_identities(g.person.id, verified=True), sources=mine,
                  source_error=source_error, form=form or {}, intervals=pulling.INTERVALS,
                  default_interval=pulling.PullOptions.of(lrs_app()).interval, describe=pulling.describe), status


# -- scheduled sources ------------------------------------------------------------------------


def _source(source_id: str):
    """A source of the signed-in person's. Store-wide ones are the operator's (``lrs pull``), never a page's."""
    source = lrs_app().store.get_item(pulling.SOURCE, source_id)
    if not g.access.owns_item(source):
        abort(404, description="no such source")
    return source


def _source_view(source):
    store = lrs_app().store
    state = pulling.source_state(store, source)
    agent = source.body.get("agent") or {}
    whose = agent.get("mbox") or (agent.get("account") or {}).get("name") or "everything the key may read"
    return {"source": source, "state": state, "host": pulling.endpoint_host(source), "whose": whose,
            "log": pulling.source_log(store, source.item_id)[:10]}


@bp.route("/import/sources", methods=["POST"])
@signed_in
def source_add():
    form = request.form
    if form.get("scope", "mine") != "mine":
        raise Forbidden("Pulling statements into the whole store is set up by the operator on the server, with"
                        " the command lrs pull add (without --person); this page pulls only into your own records.")
    store, config = lrs_app().store, lrs_app().config
    try:
        whose = form.get("whose", "")
        identities = {i.key: i.agent for i in store.list_identities(g.person.id, verified=True)}
        agent = identities.get(whose) or pulling.parse_agent(form.get("other", "") if whose == "other" else "")
        interval = form.get("interval", type=int)
        if interval is not None and interval not in pulling.INTERVALS:
            raise ValueError("Choose how often from the list.")
        pulling.add_source(store, endpoint=form.get("endpoint", "").strip(), key=form.get("key", "").strip(),
                           secret=form.get("secret", ""), person_id=g.person.id, agent=agent,
                           documents=form.get("documents") == "yes", map_actor=form.get("map_actor") == "yes",
                           interval=interval, name=form.get("name", "").strip(), version=form.get("version", "1.0.3"),
                           guard=Guard.of(config))
    except ValueError as e:
        return _import_page(source_error=str(e), form=form)
    except LRSError as e:
        return _import_page(source_error=e.message, form=form)
    puller = pulling.puller_of(lrs_app())
    if puller is not None and puller.options.worker:
        puller.wake()
    return redirect(url_for("cpd.import_page") + "#sources")


@bp.route("/import/sources/<source_id>", methods=["POST"])
@signed_in
def source_action(source_id):
    store = lrs_app().store
    source = _source(source_id)
    action = request.form.get("action")
    if action == "remove":
        pulling.delete_source(store, source)
    elif action in ("pause", "resume"):
        pulling.set_enabled(store, source, action == "resume")
    elif action == "run":
        pulling.run_now(store, source)
        puller = pulling.puller_of(lrs_app())
        if puller is not None and puller.options.worker:
            puller.wake()
        else:  # no worker thread in this server: run it within the request
            pulling.run_source(lrs_app(), store.get_item(pulling.SOURCE, source.item_id),
                               pulling.PullOptions.of(lrs_app()))
    else:
        abort(400, description="unknown action")
    return redirect(url_for("cpd.import_page") + "#sources")


# -- forwarding -------------------------------------------------------------------------------


def _rule(rule_id: str):
    """A rule of the signed-in person's. Store-wide rules are the operator's (``lrs forward``), never a page's."""
    rule = lrs_app().store.get_item(forwarding.RULE, rule_id)
    if not g.access.owns_item(rule):
        abort(404, description="no such forwarding rule")
    return rule


def _rule_view(rule):
    store = lrs_app().store
    queue = forwarding.queued(store, rule.item_id)
    return {"rule": rule, "queue": queue, "held": [q for q in queue if q.body.get("held")],
            "waiting": sum(len(q.body.get("statement_ids", [])) for q in queue),
            "log": forwarding.failures(store, rule.item_id)[:20]}


@bp.route("/forwarding", methods=["GET", "POST"])
@signed_in
def forwarding_page():
    store = lrs_app().store
    error = None
    if request.method == "POST":
        action = request.form.get("action", "add")
        if action == "add":
            if request.form.get("scope", "mine") != "mine":
                raise Forbidden("Forwarding every person's statements is set up by the operator on the server,"
                                " with the command lrs forward add (without --person); this page forwards only"
                                " your own records.")
            try:
                forwarding.add_rule(store, endpoint=request.form.get("endpoint", "").strip(),
                                    key=request.form.get("key", "").strip(),
                                    secret=request.form.get("secret", ""),
                                    person_id=g.person.id,
                                    ways=[w for w in request.form.getlist("ways") if w in WAYS],
                                    tags=[t.strip().lstrip("#") for t in request.form.get("tags", "").split(",")],
                                    guard=Guard.of(lrs_app().config))
            except ValueError as e:
                error = str(e)
            except LRSError as e:
                error = e.message
            else:
                worker = forwarding.worker_of(lrs_app())
                if worker is not None and worker.options.worker:
                    worker.start()
                return redirect(url_for("cpd.forwarding_page"))
        else:
            rule = _rule(request.form.get("rule", ""))
            if action == "delete":
                forwarding.delete_rule(store, rule)
            elif action == "retry":
                forwarding.retry(store, rule.item_id)
                worker = forwarding.worker_of(lrs_app())
                if worker is not None and worker.options.worker:
                    worker.wake()
            elif action == "discard":
                forwarding.discard(store, rule, request.form.get("item", ""))
            else:
                abort(400, description="unknown action")
            return redirect(url_for("cpd.forwarding_page"))
    mine = [_rule_view(r) for r in forwarding.rules(store, g.person.id)]
    return render("cpd_forwarding.html", mine=mine, ways=WAYS, error=error,
                  form=request.form), 400 if error else 200
