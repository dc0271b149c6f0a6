"""Reviews and professionals' public profiles: anyone reads them, the professional replies once, the admin moderates."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from household import cache
from household.api.audit import log
from household.api.fields import Id, PageArgs, StrictSchema, Text
from household.api.listing import cached_page
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema
from household.auth.access import caller, roles_required
from household.domain import reviews
from household.extensions import db
from household.models.user import ROLE_ADMIN, ROLE_PROFESSIONAL

blp = Blueprint(
    "reviews", __name__, url_prefix="/api", description="Reviews and professionals' public profiles"
)

RATING_KEYS = [str(r) for r in reviews.RATINGS]


# How many visible reviews gave each number of stars: {"1": n, ..., "5": n}.
RatingCounts = ma.Schema.from_dict({key: fields.Integer() for key in RATING_KEYS}, name="RatingCounts")


class ProfileSchema(ma.Schema):
    professional_id = fields.Integer()
    name = fields.String()
    service_id = fields.Integer()
    service_name = fields.String()
    experience_years = fields.Integer()
    description = fields.String()
    location = fields.String(allow_none=True)
    pin_code = fields.String()
    rating = fields.Float(allow_none=True, metadata={"description": "Mean of the visible reviews, or null"})
    reviews_count = fields.Integer(metadata={"description": "Visible reviews"})
    rating_counts = fields.Nested(RatingCounts)
    jobs_done = fields.Integer(metadata={"description": "Closed requests"})
    member_since = fields.DateTime(metadata={"description": "When the account was created"})
    verified = fields.Boolean(metadata={"description": "Approved after the check of a verification document"})
    next_available = fields.DateTime(allow_none=True, metadata={"description": "Their first free slot, or null"})


class ReviewSchema(ma.Schema):
    request_id = fields.Integer()
    rating = fields.Integer(metadata={"minimum": 1, "maximum": 5})
    review = fields.String(allow_none=True)
    customer_name = fields.String(metadata={"description": "First name and initial", "example": "Asha K."})
    service_name = fields.String()
    date = fields.DateTime(allow_none=True, metadata={"description": "When the review was given"})
    reply = fields.String(allow_none=True, metadata={"description": "The professional's reply"})
    reply_at = fields.DateTime(allow_none=True)


class AdminReviewSchema(ReviewSchema):
    customer_id = fields.Integer()
    customer_name = fields.String(metadata={"description": "The reviewer's full name"})
    professional_id = fields.Integer()
    professional_name = fields.String()
    service_id = fields.Integer()
    hidden = fields.Boolean()
    hidden_reason = fields.String(allow_none=True)
    hidden_at = fields.DateTime(allow_none=True)


class ReplyIn(StrictSchema):
    reply = Text(required=True, min_len=1, max_len=2000)


class HideIn(StrictSchema):
    reason = Text(
        required=True,
        min_len=1,
        max_len=500,
        metadata={"description": "Why the review is hidden: the reviewer is told"},
    )


class AdminReviewArgs(PageArgs):
    hidden = fields.Boolean(metadata={"description": "true: hidden reviews only; false: visible ones only"})
    professional_id = Id(in_query=True)
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Text in the review"})


@blp.route("/professionals/<int:professional_id>/profile")
class PublicProfile(MethodView):
    @blp.response(200, ProfileSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, not approved or blocked")
    def get(self, professional_id: int):
        """An approved, active professional's public profile: no email, phone or address. Anonymous access."""

        def stats(compute):
            namespaces = cache.reviews_namespaces(professional_id)
            return cache.cached(namespaces, f"profile-stats:{professional_id}", compute)

        return reviews.profile(db.session, professional_id, stats)


@blp.route("/professionals/<int:professional_id>/reviews")
class PublicReviews(MethodView):
    @blp.arguments(PageArgs(), location="query")
    @blp.response(200, ReviewSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, not approved or blocked")
    def get(self, args, professional_id: int):
        """An approved, active professional's visible reviews, newest first, with their replies. Anonymous access."""

        def compute():
            items, total = reviews.public_reviews(db.session, professional_id, args["page"], args["per_page"])
            return ReviewSchema(many=True).dump(items), total

        return cached_page(
            f"reviews:p{professional_id}", cache.reviews_namespaces(professional_id), args, compute
        )


@blp.route("/service-requests/<int:request_id>/reply")
class Reply(MethodView):
    @roles_required(ROLE_PROFESSIONAL)
    @blp.arguments(ReplyIn())
    @blp.response(201, ReviewSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Already replied, no rating, or the review is hidden")
    def post(self, data, request_id: int):
        """Reply once to the review of one of your closed requests; the customer is told."""
        return reviews.reply(db.session, caller(), request_id, data["reply"])


@blp.route("/reviews")
class AdminReviews(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(AdminReviewArgs(), location="query")
    @blp.response(200, AdminReviewSchema(many=True))
    def get(self, args):
        """Every review, hidden ones too, newest first (the admin); filter by hidden, professional_id, q."""
        items, total = reviews.admin_reviews(
            db.session,
            args["page"],
            args["per_page"],
            hidden=args.get("hidden"),
            professional_id=args.get("professional_id"),
            q=args.get("q"),
        )
        return items, 200, headers_for(total, args["page"], args["per_page"])


@blp.route("/reviews/<int:request_id>/hide")
class HideReview(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(HideIn())
    @blp.response(200, AdminReviewSchema)
    def put(self, data, request_id: int):
        """Hide a review with a reason: unlisted and uncounted at once; audited; the reviewer is told.

        Hiding a hidden review changes nothing (200, the first reason stays)."""
        log("review_hide", "review", request_id, reason=data["reason"])
        return reviews.hide(db.session, request_id, data["reason"])


@blp.route("/reviews/<int:request_id>/show")
class ShowReview(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, AdminReviewSchema)
    def put(self, request_id: int):
        """Show a hidden review again: listed and counted at once; audited; the reviewer is told.

        Showing a visible review changes nothing (200)."""
        log("review_show", "review", request_id)
        return reviews.show(db.session, request_id)
