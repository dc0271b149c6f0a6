"""Professionals' profiles and verification documents."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request, send_file
from flask.views import MethodView
from marshmallow import fields

from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema, UserEnvelope
from household.auth.access import current, login_required, roles_required
from household.domain import documents, policies
from household.domain.errors import InvalidInput, NotFound
from household.extensions import db
from household.models.user import ROLE_PROFESSIONAL

blp = Blueprint("professionals", __name__, url_prefix="/api/professionals", description="Professionals")


class ProfessionalDetail(ma.Schema):
    professional_id = fields.Integer(attribute="id")
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    email = fields.String(attribute="user.email")
    phone = fields.String(attribute="user.phone")
    active = fields.Boolean(attribute="user.active")
    service_id = fields.Integer()
    service_name = fields.String(attribute="service.name")
    experience_years = fields.Integer()
    description = fields.String()
    location = fields.String(allow_none=True)
    pin_code = fields.String()
    approval = fields.String()
    approval_changed_at = fields.DateTime(allow_none=True)
    has_document = fields.Boolean()
    document_name = fields.String(allow_none=True)
    document_content_type = fields.String(allow_none=True)
    document_size = fields.Integer(allow_none=True)
    document_uploaded_at = fields.DateTime(allow_none=True)
    rating = fields.Float(allow_none=True)
    reviews_count = fields.Integer(attribute="rating_count")
    created_at = fields.DateTime()


class DocumentUpload(ma.Schema):
    document = fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


@blp.route("/me/document")
class MyDocument(MethodView):
    @roles_required(ROLE_PROFESSIONAL)
    @blp.arguments(DocumentUpload(), location="files")
    @blp.response(200, UserEnvelope)
    @blp.alt_response(413, schema=ErrorSchema, description="Larger than 5 MB")
    def post(self, files):
        """Upload a verification document (PDF, PNG or JPEG, at most 5 MB) for the admin to review."""
        user = current()
        upload = request.files.get("document")
        if upload is None:
            raise InvalidInput(fields={"document": ["Attach the file as 'document'."]})
        previous = documents.save_document(
            user.professional, upload.stream, upload.filename, current_app.config["UPLOAD_DIR"]
        )
        db.session.commit()
        if previous is not None and previous.is_file():
            previous.unlink()
        return {"user": user}


@blp.route("/<int:professional_id>")
class ProfessionalById(MethodView):
    @login_required
    @blp.response(200, ProfessionalDetail)
    def get(self, professional_id: int):
        """A professional's full profile, for the admin and that professional."""
        return policies.visible_professional(db.session, current(), professional_id)


@blp.route("/<int:professional_id>/document")
class ProfessionalDocument(MethodView):
    @login_required
    @blp.response(200, description="The document (PDF, PNG or JPEG)", content_type="application/octet-stream")
    def get(self, professional_id: int):
        """The verification document, for the admin and its owner."""
        pro = policies.visible_professional(db.session, current(), professional_id)
        path = documents.document_file(pro, current_app.config["UPLOAD_DIR"])
        if path is None:
            raise NotFound("No document has been uploaded.")
        resp = send_file(
            path,
            mimetype=pro.document_content_type,
            as_attachment=request.args.get("download") == "1",
            download_name=pro.document_name or path.name,
            max_age=0,
        )
        # Only PDF, PNG or JPEG ever get here (checked by content at upload); the app may frame it.
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
        )
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp
