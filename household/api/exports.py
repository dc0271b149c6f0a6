"""CSV exports of service requests, started by the admin and produced by a worker."""

from __future__ import annotations

import marshmallow as ma
from flask import send_file
from flask.views import MethodView
from marshmallow import fields, validate

from household.api.fields import Date, Id, PageArgs, StrictSchema
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.auth.access import current, roles_required
from household.domain import exports, paging
from household.domain.errors import Conflict
from household.extensions import db
from household.models.activity import EXPORT_STATES
from household.models.service_request import STATUS_CLOSED, STATUSES
from household.models.user import ROLE_ADMIN

blp = Blueprint("exports", __name__, url_prefix="/api/exports", description="CSV exports (admin)")


class ServiceRequestExportArgs(StrictSchema):
    status = fields.String(
        load_default=STATUS_CLOSED,
        allow_none=True,
        validate=validate.OneOf((*STATUSES, exports.ALL_STATUSES)),
        metadata={"description": 'Requests in this status (default: closed); "all" (or null) exports every status.'},
    )
    professional_id = Id(allow_none=True)
    date_from = Date(allow_none=True, metadata={"description": "First local day of date_of_request."})
    date_to = Date(allow_none=True, metadata={"description": "Last local day of date_of_request."})


class ExportStartedSchema(ma.Schema):
    job_id = fields.String(attribute="id")


class RequesterSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)


class ExportJobSchema(ma.Schema):
    job_id = fields.String(attribute="id")
    state = fields.String(metadata={"enum": list(EXPORT_STATES)})
    progress = fields.Integer(metadata={"description": "0..100"})
    rows = fields.Integer(metadata={"description": "Rows written so far (all of them once done)."})
    download_url = fields.Method("get_download_url", allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "Why it failed, when it did."})
    filters = fields.Method("get_filters")
    created_at = fields.DateTime(metadata={"description": "When the admin asked for it."})
    requested_by = fields.Nested(RequesterSchema, metadata={"description": "The admin who asked for it."})
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)

    def get_download_url(self, job):
        return exports.download_url(job)

    def get_filters(self, job):
        return exports.job_filters(job)


def _job(job_id: str):
    return exports.get_job(db.session, job_id)


def _described(job):
    return exports.with_requesters(db.session, [job])[0]


@blp.route("")
class ExportList(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(PageArgs(), location="query")
    @blp.response(200, ExportJobSchema(many=True))
    def get(self, args):
        """Recent export jobs, newest first."""
        jobs, total = paging.page_of(db.session, exports.recent_jobs(), args["page"], args["per_page"])
        return exports.with_requesters(db.session, jobs), 200, headers_for(total, args["page"], args["per_page"])


@blp.route("/service-requests")
class ServiceRequestExport(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(ServiceRequestExportArgs())
    @blp.response(202, ExportStartedSchema)
    @blp.alt_response(422, description="Invalid filters, date_to before date_from or an unknown professional")
    def post(self, data):
        """Start a CSV export of service requests (closed ones by default, every status with "all"); poll the
        job for its progress."""
        return exports.start_export(db.session, current(), **data)


@blp.route("/<string:job_id>")
class ExportStatus(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, ExportJobSchema)
    @blp.alt_response(404, description="No such export")
    def get(self, job_id: str):
        """An export job: its state, progress, rows and, once done, where to download it."""
        return _described(_job(job_id))


@blp.route("/<string:job_id>/download")
class ExportDownload(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, content_type="text/csv", description="The CSV file, as an attachment")
    @blp.alt_response(404, description="No such export, or its file is gone")
    @blp.alt_response(409, description="The export is not done yet")
    def get(self, job_id: str):
        """Download the CSV file of a finished export."""
        job = _job(job_id)
        if job.state != exports.DONE:
            raise Conflict(f"The export is {job.state}; the file is available once it is done.")
        path, name = exports.export_file(job)
        return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name, max_age=0)
