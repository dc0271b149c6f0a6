"""The schemas every resource answers with: the user object and the error body."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class UserSchema(ma.Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    phone = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")
    active = fields.Boolean()
    email_notifications = fields.Boolean()
    created_at = fields.DateTime()
    customer_id = fields.Integer(attribute="customer.id")
    address = fields.Method("get_address")
    location = fields.Method("get_location")
    pin_code = fields.Method("get_pin_code")
    professional_id = fields.Integer(attribute="professional.id")
    service_id = fields.Integer(attribute="professional.service_id")
    service_name = fields.String(attribute="professional.service.name")
    approval = fields.String(attribute="professional.approval")
    approval_changed_at = fields.DateTime(attribute="professional.approval_changed_at", allow_none=True)
    experience_years = fields.Integer(attribute="professional.experience_years")
    description = fields.String(attribute="professional.description")
    rating = fields.Float(attribute="professional.rating", allow_none=True)
    reviews_count = fields.Integer(attribute="professional.rating_count")
    # The verification document (a professional's only): what was uploaded, never where it is kept.
    has_document = fields.Boolean(attribute="professional.has_document")
    document_name = fields.String(attribute="professional.document_name", allow_none=True)
    document_content_type = fields.String(attribute="professional.document_content_type", allow_none=True)
    document_size = fields.Integer(attribute="professional.document_size", allow_none=True)
    document_uploaded_at = fields.DateTime(attribute="professional.document_uploaded_at", allow_none=True)

    @staticmethod
    def _profile(user):
        return user.customer or user.professional

    def get_address(self, user):
        return user.customer.address if user.customer else ma.missing

    def get_location(self, user):
        profile = self._profile(user)
        return profile.location if profile else ma.missing

    def get_pin_code(self, user):
        profile = self._profile(user)
        return profile.pin_code if profile else ma.missing


class UserEnvelope(ma.Schema):
    user = fields.Nested(UserSchema)


class ErrorDetail(ma.Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    # (`fields` above is this schema's own field now, hence ma.fields.)
    nearest = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "On a 409 for a time just taken: the nearest free slots, [{start, end}]."},
    )
    bookings = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "On a 409 for time off: the accepted bookings it would cover."},
    )


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorDetail, required=True)
