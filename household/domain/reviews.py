"""Reviews: professionals' public profiles and reviews, the professional's one reply, the admin's moderation.

A review is a closed request's rating (and text). It is public unless the admin hid it; a hidden
review is neither listed nor counted: the professional's running aggregates (rating_sum and
rating_count, which the packages list and the profile show) leave it out, and take it back when
it is shown again. Every write here is conditional on the state it was decided on, so of two
racing replies exactly one lands, and a hide or show repeated (or racing itself) moves the
aggregates once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, func, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.types import Boolean

from household import clock
from household.domain import changes, paging, requests, scheduling
from household.domain.errors import Conflict, Forbidden, NotFound
from household.domain.policies import Caller
from household.domain.users import escape_like
from household.models import Customer, Professional, Service, ServiceRequest, User
from household.models.service_request import STATUS_CLOSED
from household.models.user import APPROVAL_APPROVED

NO_PROFESSIONAL = "No such professional."
NO_REVIEW = "No such review."

RATINGS = (1, 2, 3, 4, 5)


def short_name(full: str | None) -> str:
    """How a reviewer is shown in public: the first name and the initial of the last ("Asha K.").

    A one-word name is shown as it is; names are stored clean (household.domain.names), so
    splitting on spaces finds the words.
    """
    words = (full or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0]}."


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(scheduling.rules().tz)


# --- the public profile -------------------------------------------------------------------------------


def _public_professional(s: Session, professional_id: int):
    """The row of an approved, active professional (with name, join date and service); else 404.

    Pending, rejected and blocked professionals are answered exactly like unknown ones.
    """
    row = s.execute(
        select(
            Professional,
            User.name,
            User.created_at.label("member_since"),
            Service.name.label("service_name"),
            Service.time_required,
        )
        .join(User, User.id == Professional.user_id)
        .join(Service, Service.id == Professional.service_id)
        .where(
            Professional.id == professional_id,
            Professional.approval == APPROVAL_APPROVED,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        raise NotFound(NO_PROFESSIONAL)
    return row


def ensure_public(s: Session, professional_id: int) -> None:
    """404 unless the professional is approved and active (whose profile and reviews are public)."""
    found = s.execute(
        select(Professional.id)
        .join(User, User.id == Professional.user_id)
        .where(Professional.id == professional_id, Professional.approval == APPROVAL_APPROVED, User.active.is_(True))
    ).first()
    if found is None:
        raise NotFound(NO_PROFESSIONAL)


def profile_stats(s: Session, professional_id: int) -> dict:
    """A professional's numbers from their requests: {"rating_counts": {"1".."5": n}, "jobs_done": n}.

    jobs_done counts closed requests (rated or not, hidden or not); rating_counts counts the
    visible ratings only. One grouped query over the professional's closed requests.
    """
    visible = type_coerce(ServiceRequest.review_hidden_at.is_(None), Boolean())
    rows = s.execute(
        select(ServiceRequest.rating, visible.label("visible"), func.count().label("n"))
        .where(ServiceRequest.professional_id == professional_id, ServiceRequest.status == STATUS_CLOSED)
        .group_by(ServiceRequest.rating, visible)
    ).all()
    counts = {str(r): 0 for r in RATINGS}
    jobs = 0
    for rating, shown, n in rows:
        jobs += n
        if rating is not None and shown:
            counts[str(rating)] += n
    return {"rating_counts": counts, "jobs_done": jobs}


def is_verified(pro: Professional) -> bool:
    """Approved after the document check: approved, with a verification document on file."""
    return pro.approval == APPROVAL_APPROVED and pro.document_path is not None


def profile(
    s: Session, professional_id: int, stats: Callable[[Callable[[], dict]], dict] = lambda compute: compute()
) -> dict:
    """The public profile of an approved, active professional (404 for anyone else): no email, phone or address.

    `stats` may answer the grouped counts from a cache (household.cache); it is given the function
    that computes them.
    """
    row = _public_professional(s, professional_id)
    pro: Professional = row.Professional
    numbers = stats(lambda: profile_stats(s, pro.id))
    count = pro.rating_count
    nexts = scheduling.next_available(s, {pro.id: row.time_required})
    return {
        "professional_id": pro.id,
        "name": row.name,
        "service_id": pro.service_id,
        "service_name": row.service_name,
        "experience_years": pro.experience_years,
        "description": pro.description,
        "location": pro.location,
        "pin_code": pro.pin_code,
        "rating": round(pro.rating_sum / count, 2) if count else None,
        "reviews_count": count,
        "rating_counts": numbers["rating_counts"],
        "jobs_done": numbers["jobs_done"],
        "member_since": _local(row.member_since),
        "verified": is_verified(pro),
        "next_available": nexts[pro.id],
    }


# --- reviews ------------------------------------------------------------------------------------------


def _reviews() -> Select:
    """Every review (a rated request) with the names a review shows, newest first."""
    return (
        select(
            ServiceRequest.id.label("request_id"),
            ServiceRequest.rating,
            ServiceRequest.review,
            ServiceRequest.customer_id,
            requests.CustomerUser.name.label("customer_full_name"),
            ServiceRequest.professional_id,
            requests.ProfessionalUser.name.label("professional_name"),
            ServiceRequest.service_id,
            Service.name.label("service_name"),
            ServiceRequest.reviewed_at,
            ServiceRequest.reply,
            ServiceRequest.reply_at,
            ServiceRequest.review_hidden_at,
            ServiceRequest.review_hidden_reason,
        )
        .join(Service, Service.id == ServiceRequest.service_id)
        .join(Customer, Customer.id == ServiceRequest.customer_id)
        .join(requests.CustomerUser, requests.CustomerUser.id == Customer.user_id)
        .join(Professional, Professional.id == ServiceRequest.professional_id)
        .join(requests.ProfessionalUser, requests.ProfessionalUser.id == Professional.user_id)
        .where(ServiceRequest.rating.is_not(None))
        # Every rating has its date (set on closing; the migration dated the older ones), so this order
        # is the indexes' ix_service_requests_reviews(_recent), read backwards.
        .order_by(ServiceRequest.reviewed_at.desc(), ServiceRequest.id.desc())
    )


def public_review(row) -> dict:
    """A review as anyone may read it: the reviewer by first name and initial, no contact details."""
    return {
        "request_id": row.request_id,
        "rating": row.rating,
        "review": row.review,
        "customer_name": short_name(row.customer_full_name),
        "service_name": row.service_name,
        "date": _local(row.reviewed_at),
        "reply": row.reply,
        "reply_at": _local(row.reply_at),
    }


def admin_review(row) -> dict:
    """A review as the admin moderates it: full names, both parties' ids, and its moderation."""
    return {
        "request_id": row.request_id,
        "rating": row.rating,
        "review": row.review,
        "customer_id": row.customer_id,
        "customer_name": row.customer_full_name,
        "professional_id": row.professional_id,
        "professional_name": row.professional_name,
        "service_id": row.service_id,
        "service_name": row.service_name,
        "date": _local(row.reviewed_at),
        "reply": row.reply,
        "reply_at": _local(row.reply_at),
        "hidden": row.review_hidden_at is not None,
        "hidden_reason": row.review_hidden_reason,
        "hidden_at": _local(row.review_hidden_at),
    }


def public_reviews(s: Session, professional_id: int, page: int, per_page: int) -> tuple[list[dict], int]:
    """One page of an approved, active professional's visible reviews, newest first, and their total (404
    for anyone else). Two queries besides the check, whatever the page's size."""
    ensure_public(s, professional_id)
    stmt = _reviews().where(
        ServiceRequest.professional_id == professional_id, ServiceRequest.review_hidden_at.is_(None)
    )
    rows, total = _page(s, stmt, page, per_page)
    return [public_review(r) for r in rows], total


def admin_reviews(
    s: Session,
    page: int,
    per_page: int,
    hidden: bool | None = None,
    professional_id: int | None = None,
    q: str | None = None,
) -> tuple[list[dict], int]:
    """One page of every review (hidden ones too), newest first, and the total: for the admin.

    Filters: `hidden` (only hidden or only visible ones), `professional_id`, `q` (text in the review,
    case-insensitive).
    """
    stmt = _reviews()
    if hidden is not None:
        hidden_at = ServiceRequest.review_hidden_at
        stmt = stmt.where(hidden_at.is_not(None) if hidden else hidden_at.is_(None))
    if professional_id is not None:
        stmt = stmt.where(ServiceRequest.professional_id == professional_id)
    if q and q.strip():
        stmt = stmt.where(ServiceRequest.review.ilike(f"%{escape_like(q.strip())}%", escape="\\"))
    rows, total = _page(s, stmt, page, per_page)
    return [admin_review(r) for r in rows], total


def _page(s: Session, stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    rows = s.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), paging.count(s, stmt)


def _one(s: Session, request_id: int):
    row = s.execute(_reviews().where(ServiceRequest.id == request_id)).first()
    if row is None:
        raise NotFound(NO_REVIEW)
    return row


# --- the professional's reply -------------------------------------------------------------------------

ALREADY_REPLIED = "You have already replied to this review."
NOT_RATED = "This request has no rating to reply to."
HIDDEN = "This review is hidden; it cannot be replied to."


def reply(s: Session, user: Caller, request_id: int, text: str) -> dict:
    """The professional's one reply to a review of their work; returns the review as the public sees it.

    403 for a professional who is not approved (before anything is said of the request); 404 for a
    request that is not theirs; 409 when it has no rating, its review is hidden, or it already has a
    reply. The write is conditional on all three, so of two racing replies exactly one lands.
    """
    if user.professional_id is None:
        raise Forbidden("Only professionals reply to reviews.")
    requests.ensure_still_allowed(s, user.id, user.professional_id)
    req = s.execute(
        select(ServiceRequest).where(
            ServiceRequest.id == request_id, ServiceRequest.professional_id == user.professional_id
        )
    ).scalar_one_or_none()
    if req is None:
        raise NotFound("No such service request.")
    _check_repliable(req.rating, req.review_hidden_at, req.reply)
    now = clock.now()
    written = s.execute(
        update(ServiceRequest)
        .where(
            ServiceRequest.id == req.id,
            ServiceRequest.rating.is_not(None),
            ServiceRequest.review_hidden_at.is_(None),
            ServiceRequest.reply.is_(None),
        )
        .values(reply=text, reply_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        s.rollback()
        again = s.execute(
            select(ServiceRequest.rating, ServiceRequest.review_hidden_at, ServiceRequest.reply).where(
                ServiceRequest.id == request_id
            )
        ).one()
        _check_repliable(*again)
        raise Conflict(ALREADY_REPLIED)  # unreachable unless the row changed twice meanwhile
    # A block or an approval change that committed meanwhile is seen here (locked, after our write).
    try:
        requests.ensure_still_allowed(s, user.id, user.professional_id)
    except Forbidden:
        s.rollback()
        raise
    changes.request(s, req.customer_id, req.professional_id)
    changes.event(s, "review_replied", request_id=req.id, actor="professional")
    s.commit()
    return public_review(_one(s, request_id))


def _check_repliable(rating, hidden_at, existing_reply) -> None:
    if rating is None:
        raise Conflict(NOT_RATED)
    if hidden_at is not None:
        raise Conflict(HIDDEN)
    if existing_reply is not None:
        raise Conflict(ALREADY_REPLIED)


# --- moderation ---------------------------------------------------------------------------------------


def hide(s: Session, request_id: int, reason: str) -> dict:
    """Hide a review (the admin), with the reason the reviewer is told; returns the admin's review object.

    The review leaves the public list and the professional's aggregates at once. Hiding a hidden
    review changes nothing and answers 200 (PUT is idempotent): the first reason stays, the
    aggregates move once and the reviewer is told once. 404 for a request without a rating.
    """
    return _moderate(s, request_id, hidden=True, reason=reason)


def show(s: Session, request_id: int) -> dict:
    """Show a hidden review again (the admin): listed and counted again, the reviewer told. A visible
    review is left as it is (200)."""
    return _moderate(s, request_id, hidden=False, reason=None)


def _moderate(s: Session, request_id: int, hidden: bool, reason: str | None) -> dict:
    row = s.execute(
        select(ServiceRequest.rating, ServiceRequest.customer_id, ServiceRequest.professional_id).where(
            ServiceRequest.id == request_id, ServiceRequest.rating.is_not(None)
        )
    ).first()
    if row is None:
        raise NotFound(NO_REVIEW)
    now = clock.now()
    hidden_at = ServiceRequest.review_hidden_at
    # Conditional on the state it changes: a repeat (or the loser of a race) writes nothing.
    written = s.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request_id, hidden_at.is_(None) if hidden else hidden_at.is_not(None))
        .values(review_hidden_at=now if hidden else None, review_hidden_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written == 1:
        step = -1 if hidden else 1
        s.execute(
            update(Professional)
            .where(Professional.id == row.professional_id)
            .values(
                rating_sum=Professional.rating_sum + step * row.rating,
                rating_count=Professional.rating_count + step,
            )
            .execution_options(synchronize_session=False)
        )
        # The profile, the packages and the services' numbers follow (household.cache).
        changes.record(s, changes.RATINGS)
        changes.request(s, row.customer_id, row.professional_id)
        changes.event(
            s, "review_hidden" if hidden else "review_shown", request_id=request_id, actor="admin", reason=reason
        )
    s.commit()
    return admin_review(_one(s, request_id))
