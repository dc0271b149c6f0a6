"""Service requests: booking, the lifecycle applied atomically, who sees what, and the list queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Boolean, Select, exists, func, select, type_coerce, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from household import clock
from household.domain import changes, lifecycle, paging, policies, scheduling
from household.domain.catalogue import find_live_service
from household.domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from household.domain.policies import Caller
from household.models import (
    Customer,
    Professional,
    RequestEvent,
    RequestStatusCount,
    Service,
    ServiceRequest,
    User,
    utcnow,
)
from household.models.service_request import COUNT_BLOCK_IDS, STATUS_ASSIGNED, STATUS_CANCELLED, STATUS_REQUESTED
from household.models.user import APPROVAL_APPROVED

# A date "now" typed in a form reaches us a little later; allow that much.
PAST_GRACE = timedelta(minutes=5)

BLOCKED = "This account is blocked. Contact support to have it reinstated."
NOT_OFFERED = "This service is no longer offered, so the request cannot be accepted."

CustomerUser = aliased(User, name="customer_user")
ProfessionalUser = aliased(User, name="professional_user")


def request_rows() -> Select:
    """Every column a request's JSON needs, in one query with its service and both people's names."""
    return (
        select(
            ServiceRequest.id,
            ServiceRequest.service_id,
            Service.name.label("service_name"),
            ServiceRequest.customer_id,
            CustomerUser.name.label("customer_name"),
            CustomerUser.phone.label("customer_phone"),
            Customer.address.label("customer_address"),
            Customer.location.label("customer_location"),
            Customer.pin_code.label("customer_pin_code"),
            ServiceRequest.professional_id,
            ProfessionalUser.name.label("professional_name"),
            ProfessionalUser.phone.label("professional_phone"),
            ServiceRequest.status,
            ServiceRequest.date_of_request,
            ServiceRequest.end_time,
            ServiceRequest.price,
            ServiceRequest.cancelled_by,
            ServiceRequest.cancellation_fee,
            ServiceRequest.status_reason,
            ServiceRequest.date_of_completion,
            ServiceRequest.remarks,
            ServiceRequest.rating,
            ServiceRequest.review,
            ServiceRequest.reviewed_at,
            ServiceRequest.reply,
            ServiceRequest.reply_at,
            # A plain bool on both databases (SQLite answers a comparison with 0 or 1).
            type_coerce(ServiceRequest.review_hidden_at.is_not(None), Boolean()).label("review_hidden"),
            ServiceRequest.created_at,
            ServiceRequest.updated_at,
        )
        .join(Service, Service.id == ServiceRequest.service_id)
        .join(Customer, Customer.id == ServiceRequest.customer_id)
        .join(CustomerUser, CustomerUser.id == Customer.user_id)
        .join(Professional, Professional.id == ServiceRequest.professional_id)
        .join(ProfessionalUser, ProfessionalUser.id == Professional.user_id)
    )


def local_day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC instants where a local calendar day starts and ends."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def filter_requests(
    stmt: Select,
    *,
    status: str | None = None,
    professional_id: int | None = None,
    service_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tz_name: str = "Asia/Kolkata",
) -> Select:
    """Filters shared by the request lists and the CSV export.

    Dates are calendar days in the platform's time zone, both ends included, on `date_of_request`.
    """
    if status:
        stmt = stmt.where(ServiceRequest.status == status)
    if professional_id:
        stmt = stmt.where(ServiceRequest.professional_id == professional_id)
    if service_id:
        stmt = stmt.where(ServiceRequest.service_id == service_id)
    if date_from:
        stmt = stmt.where(ServiceRequest.date_of_request >= local_day_bounds(date_from, tz_name)[0])
    if date_to:
        stmt = stmt.where(ServiceRequest.date_of_request < local_day_bounds(date_to, tz_name)[1])
    return stmt


# Filters for which the exact total is kept by triggers (everything, or one status).
_COUNTED_FILTERS = ("professional_id", "service_id", "date_from", "date_to")


def request_page(
    s: Session,
    user: Caller,
    filters: dict,
    page: int,
    per_page: int,
    tz_name: str,
    remember_count: Callable[[Callable[[], int]], int] = lambda compute: compute(),
) -> tuple[list, int]:
    """One page of the requests `user` may see, newest first, and their total.

    The page is found over service_requests alone (its indexes answer the count and the order),
    then names are joined onto just the page's ids: deep pages never join or sort the whole
    table. The admin's lists over everything or one status take their total, and where a deep page
    starts, from the trigger-kept counters per block of ids; other totals go through
    `remember_count`, so that every page of one filter shares one count.
    """
    ids_query = policies.visible_requests(select(ServiceRequest.id), user)
    wanted = {k: filters.get(k) for k in ("status", *_COUNTED_FILTERS)}
    ids_query = filter_requests(ids_query, tz_name=tz_name, **wanted)
    ids_query = ids_query.order_by(ServiceRequest.id.desc())
    if user.is_admin and not any(filters.get(k) for k in _COUNTED_FILTERS):
        blocks = status_blocks(s, filters.get("status"))
        total = sum(n for _, n in blocks)
        ids = paging.page_ids_in_blocks(s, ids_query, ServiceRequest.id, blocks, COUNT_BLOCK_IDS, page, per_page)
    else:
        total = remember_count(lambda: paging.count(s, ids_query))
        ids = paging.page_ids(s, ids_query, ServiceRequest.id, total, page, per_page)
    rows = s.execute(request_rows().where(ServiceRequest.id.in_(ids)).order_by(ServiceRequest.id.desc()))
    return list(rows.mappings()), total


def check_date(when: datetime | None, field: str = "date_of_request") -> None:
    if when is not None and when < clock.now() - PAST_GRACE:
        raise InvalidInput(fields={field: ["The date cannot be in the past."]})


def bookable_professional(s: Session, professional_id: int, service_id: int) -> Professional:
    """The professional, if approved, active and offering that service; else 422 on professional_id."""
    pro = s.execute(
        select(Professional).join(User, User.id == Professional.user_id).where(Professional.id == professional_id)
    ).scalar_one_or_none()
    if pro is None or pro.approval != APPROVAL_APPROVED or not pro.user.active:
        raise InvalidInput(fields={"professional_id": ["This professional is not available."]})
    if pro.service_id != service_id:
        raise InvalidInput(fields={"professional_id": ["This professional does not offer that service."]})
    return pro


# A booking without a time takes the first free slot; if someone takes it first, the next one.
FIRST_FREE_ATTEMPTS = 3


def create(s: Session, customer_user: Caller, data: dict):
    """Book a service with a professional at the start of one of their free slots (the first one when
    no time is given); returns the new request (status 'requested') as the API shows it.

    Of concurrent bookings whose times overlap for one professional exactly one commits; the others
    get 409 with the nearest free times (household.domain.scheduling).
    """
    if customer_user.customer_id is None:
        raise Forbidden("Only customers can book services.")
    service = find_live_service(s, data["service_id"])
    if service is None:
        raise InvalidInput(fields={"service_id": ["No such service in the catalogue."]})
    pro = bookable_professional(s, data["professional_id"], service.id)
    duration = timedelta(minutes=service.time_required)
    asked = data.get("date_of_request")
    for attempt in range(FIRST_FREE_ATTEMPTS):
        if asked is not None:
            check_date(asked)
            scheduling.check_start(s, pro.id, asked, duration)
            when = asked
        else:
            when = scheduling.next_available(s, {pro.id: service.time_required})[pro.id]
            if when is None:
                raise Conflict(scheduling.NO_FREE_TIME)
        try:
            return _book(s, customer_user, pro, service, when, duration, data.get("remarks"))
        except Conflict:
            if asked is not None or attempt == FIRST_FREE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _book(s: Session, customer_user: Caller, pro: Professional, service: Service, when: datetime, duration, remarks):
    end = when + duration
    req = ServiceRequest(
        service_id=service.id,
        customer_id=customer_user.customer_id,
        professional_id=pro.id,
        status=STATUS_REQUESTED,
        date_of_request=when,
        end_time=end,
        held_until=scheduling.hold_until(end),
        answer_by=answer_deadline(when),
        price=service.price,
        remarks=remarks or None,
    )
    s.add(req)
    # The INSERT goes first: the checks below then run inside the writing transaction.
    try:
        s.flush()
    except DBAPIError as exc:
        s.rollback()
        if scheduling.is_overlap(exc):
            raise scheduling.taken(s, pro.id, when, duration) from exc
        raise
    try:
        ensure_still_allowed(s, customer_user.id)
        _ensure_still_bookable(s, pro.id, service.id)
        scheduling.ensure_not_off(s, pro.id, when, end)
    except DomainError:
        s.rollback()
        raise
    scheduling.ensure_no_overlap(s, req)
    _history(s, req.id, STATUS_REQUESTED, lifecycle.CUSTOMER, customer_user.id, None, clock.now())
    changes.event(s, "booked", request_id=req.id, actor=lifecycle.CUSTOMER)
    return _committed(s, req)


def ensure_still_allowed(s: Session, user_id: int, professional_id: int | None = None) -> None:
    """403 unless the user is still active (and, given `professional_id`, that profile still approved).

    The caller was identified before the request reached the rules, and a block or an approval
    change can commit in between; so this re-reads the rows inside the transaction that writes,
    after its first write. On SQLite that write holds the database's write lock, so every commit
    before it is seen and none can land before ours. On PostgreSQL the rows are share-locked: a
    block still in flight is waited for and then seen, and one that starts later waits for our
    commit. Either way a write never lands after a block of its author has been answered.
    """
    stmt = select(User.active).where(User.id == user_id)
    if professional_id is not None:
        stmt = stmt.add_columns(Professional.approval).join(
            Professional, (Professional.user_id == User.id) & (Professional.id == professional_id)
        )
    row = s.execute(stmt.with_for_update(read=True)).first()
    if row is None or not row.active:
        raise Forbidden(BLOCKED)
    if professional_id is not None and row.approval != APPROVAL_APPROVED:
        raise _not_approved(row.approval)


def _ensure_still_bookable(s: Session, professional_id: int, service_id: int) -> None:
    # As ensure_still_allowed, for the professional booked (share-locked too, so a booking never
    # lands after their block was answered). The service row is only read: every booking of a
    # service would lock it, and a deletion that lands just after a booking leaves a request
    # that cannot be accepted (409), nothing worse.
    pro = s.execute(
        select(Professional.id)
        .join(User, User.id == Professional.user_id)
        .where(
            Professional.id == professional_id,
            Professional.service_id == service_id,
            Professional.approval == APPROVAL_APPROVED,
            User.active.is_(True),
        )
        .with_for_update(read=True)
    ).first()
    if pro is None:
        raise InvalidInput(fields={"professional_id": ["This professional is not available."]})
    if find_live_service(s, service_id) is None:
        raise InvalidInput(fields={"service_id": ["No such service in the catalogue."]})


def _conditional_update(
    s: Session,
    req_id: int,
    sources: frozenset[str],
    values: dict,
    live_service: bool = False,
    started_by: datetime | None = None,
) -> bool:
    """Write only if the status is still one of `sources` (with `live_service`, the service is still in
    the catalogue; with `started_by`, the booked start is not after it): of two racing writers exactly
    one wins."""
    stmt = update(ServiceRequest).where(ServiceRequest.id == req_id, ServiceRequest.status.in_(sources))
    if started_by is not None:
        stmt = stmt.where(ServiceRequest.date_of_request <= started_by)
    if live_service:
        stmt = stmt.where(
            exists().where(Service.id == ServiceRequest.service_id, Service.deleted_at.is_(None))
        )
    result = s.execute(
        stmt.values(updated_at=utcnow(), **values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _not_approved(approval: str | None) -> Forbidden:
    return Forbidden(f"Your profile is {approval}; only approved professionals can act on requests.")


def _ensure_approved(s: Session, professional_id: int) -> None:
    approval = s.execute(select(Professional.approval).where(Professional.id == professional_id)).scalar()
    if approval != APPROVAL_APPROVED:
        raise _not_approved(approval)


def _ensure_actor_still_allowed(s: Session, user: Caller, actor: str) -> None:
    professional_id = user.professional_id if actor == lifecycle.PROFESSIONAL else None
    try:
        ensure_still_allowed(s, user.id, professional_id)
    except Forbidden:
        s.rollback()
        raise


def _service_gone(s: Session, req: ServiceRequest) -> bool:
    return s.execute(
        select(Service.id).where(Service.id == req.service_id, Service.deleted_at.is_not(None))
    ).first() is not None


def change(s: Session, user: Caller, request_id: int, data: dict):
    """Apply an action (household.domain.lifecycle) or an edit of remarks/date to a request.

    Returns the request as the API shows it, read once after the commit. The write is conditional on
    the status read (and, for actions allowed only after the start, on the start having passed), so of
    two conflicting actions exactly one wins; the status history gets the change, and the other
    party hears of it (household.domain.changes.event).
    """
    if user.is_admin:
        raise Forbidden("The admin can view requests but not act on them.")
    req = policies.visible_request(s, user, request_id)
    actor = policies.party_to(user, req)
    action = data.get("action")
    if action is None:
        return _edit(s, user, req, actor, data)
    transition = lifecycle.transition_for(action)
    if transition is None:
        raise InvalidInput(fields={"action": [f"Unknown action '{action}'."]})
    if transition.actor != actor:
        raise Forbidden(f"Only the {transition.actor} can {action} a request.")
    if actor == lifecycle.PROFESSIONAL:
        # Not approved is a 403 before anything else is said of the request (and checked again,
        # locked, inside the write below).
        _ensure_approved(s, user.professional_id)
    accepted = {"action"} | ({"rating", "review"} if action == "close" else set())
    accepted |= {"reason"} if transition.takes_reason else set()
    extra = set(data) - accepted
    if extra:
        raise InvalidInput(fields={f: [f"Not accepted with action '{action}'."] for f in sorted(extra)})
    now = clock.now()
    if req.status in transition.after_start and req.status not in transition.sources and req.date_of_request > now:
        raise Conflict(
            f"This booking starts at {_local_text(req.date_of_request)}; it cannot be {transition.target} before then."
        )
    if req.status not in transition.all_sources:
        raise Conflict(f"A {req.status} request cannot be {transition.target}.")
    reason = (data.get("reason") or None) if transition.takes_reason else None
    values: dict = {"status": transition.target}
    if transition.target == STATUS_CANCELLED:
        values["cancelled_by"] = actor
    if reason is not None:
        values["status_reason"] = reason
    if action == "cancel":
        fee = cancellation_terms_for(req, now)["fee"]
        values["cancellation_fee"] = fee if fee else None
    if action == "complete":
        values["date_of_completion"] = now
    if action == "close":
        if req.date_of_completion is None:
            values["date_of_completion"] = now
        values["rating"] = data.get("rating")
        values["review"] = data.get("review") or None
        if data.get("rating"):
            values["reviewed_at"] = now
    # Conditional on the status read: a fee or a completion date decided on it stays true.
    written = _conditional_update(
        s,
        req.id,
        frozenset({req.status}),
        values,
        transition.needs_live_service,
        started_by=now if req.status in transition.after_start and req.status not in transition.sources else None,
    )
    _ensure_actor_still_allowed(s, user, actor)
    if written and transition.target == STATUS_ASSIGNED:
        try:
            scheduling.ensure_not_off(s, req.professional_id, req.date_of_request, req.end_time)
        except InvalidInput as exc:
            raise Conflict("This booking falls in your time off; remove the time off or reject the booking.") from exc
    if not written:
        gone = transition.needs_live_service and _service_gone(s, req)
        s.rollback()
        raise Conflict(NOT_OFFERED if gone else "The request was changed by someone else in the meantime.")
    if action == "close" and data.get("rating"):
        s.execute(
            update(Professional)
            .where(Professional.id == req.professional_id)
            .values(rating_sum=Professional.rating_sum + data["rating"], rating_count=Professional.rating_count + 1)
            .execution_options(synchronize_session=False)
        )
        changes.record(s, changes.RATINGS)
    _history(s, req.id, transition.target, actor, user.id, reason, now)
    changes.event(s, EVENT_OF_ACTION[action], request_id=req.id, actor=actor, reason=reason)
    return _committed(s, req)


# What the other party hears of each action (household.notify).
EVENT_OF_ACTION = {
    "accept": "accepted",
    "reject": "rejected",
    "complete": "completed",
    "withdraw": "withdrawn",
    "close": "closed",
    "cancel": "cancelled",
}


def answer_deadline(start: datetime, since: datetime | None = None) -> datetime:
    """Until when a booking (made or moved back to requested at `since`, default now) waits for the
    professional's answer: RESPONSE_WINDOW_MINUTES after, or its start if that comes first."""
    window = timedelta(minutes=int(current_app.config["RESPONSE_WINDOW_MINUTES"]))
    return min((since or clock.now()) + window, start)


def _history(
    s: Session, request_id: int, status: str, by: str, user_id: int | None, reason: str | None, at: datetime
) -> None:
    s.add(RequestEvent(request_id=request_id, status=status, at=at, by=by, by_user_id=user_id, reason=reason))


def _local_text(when: datetime) -> str:
    tz = scheduling.rules().tz
    return when.astimezone(tz).strftime("%a %d %b, %H:%M")


def cancellation_terms_for(req: ServiceRequest, now: datetime) -> dict:
    """Whether cancelling `req` now is late, the fee it costs, and until when it is free.

    Only an assigned booking can be late: within FREE_CANCEL_HOURS of its start (or after it), the
    fee is LATE_CANCEL_FEE_PERCENT of its price, rounded to the paisa.
    """
    config = current_app.config
    free_until = req.date_of_request - timedelta(hours=int(config["FREE_CANCEL_HOURS"]))
    late = req.status == STATUS_ASSIGNED and now >= free_until
    fee = Decimal("0.00")
    if late:
        percent = Decimal(int(config["LATE_CANCEL_FEE_PERCENT"]))
        fee = (Decimal(req.price) * percent / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"late": late, "fee": fee, "free_until": free_until}


def cancellation_terms(s: Session, user: Caller, request_id: int) -> dict:
    """What cancelling one of the caller's bookings would cost now (the customer only)."""
    if user.is_admin:
        raise Forbidden("Only the customer can cancel a request.")
    req = policies.visible_request(s, user, request_id)
    if policies.party_to(user, req) != lifecycle.CUSTOMER:
        raise Forbidden("Only the customer can cancel a request.")
    if req.status not in lifecycle.TRANSITIONS["cancel"].sources:
        raise Conflict(f"A {req.status} request cannot be cancelled.")
    terms = cancellation_terms_for(req, clock.now())
    return {**terms, "free_until": terms["free_until"].astimezone(scheduling.rules().tz)}


def status_history(s: Session, request_id: int) -> list[dict]:
    """A request's changes of status, oldest first: [{status, at, by}]."""
    tz = scheduling.rules().tz
    rows = s.execute(
        select(RequestEvent.status, RequestEvent.at, RequestEvent.by, RequestEvent.reason)
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.id)
    ).all()
    return [{"status": r.status, "at": r.at.astimezone(tz), "by": r.by, "reason": r.reason} for r in rows]


def _edit(s: Session, user: Caller, req: ServiceRequest, actor: str, data: dict):
    if actor != lifecycle.CUSTOMER:
        raise Forbidden("Only the customer can edit a request.")
    fields = {k: v for k, v in data.items() if k in ("remarks", "date_of_request")}
    refused = sorted(set(data) - set(fields))
    if refused:
        raise InvalidInput(fields={f: ["Not accepted without an action."] for f in refused})
    if not fields:
        raise InvalidInput("Nothing to change: send an action, remarks or date_of_request.")
    if "date_of_request" in fields and fields["date_of_request"] is None:
        raise InvalidInput(fields={"date_of_request": ["Field may not be null."]})
    if "remarks" in fields:
        fields["remarks"] = fields["remarks"] or None
    if req.status not in lifecycle.EDITABLE:
        raise Conflict(f"A {req.status} request can no longer be edited.")
    moved = "date_of_request" in fields and fields["date_of_request"] != req.date_of_request
    if not moved:
        fields.pop("date_of_request", None)
    sources = lifecycle.EDITABLE
    if moved:
        # A new time must be a free slot (this booking's own hold aside); the work keeps the length it
        # was booked with, and an accepted booking goes back to the professional to accept again.
        when = fields["date_of_request"]
        check_date(when)
        duration = req.end_time - req.date_of_request
        scheduling.check_start(s, req.professional_id, when, duration, exclude_request=req.id)
        fields.update(end_time=when + duration, held_until=scheduling.hold_until(when + duration))
        fields["status"] = STATUS_REQUESTED
        fields["answer_by"] = answer_deadline(when)
        # Conditional on the status read: whether the move sends accepted work back is decided on it.
        sources = frozenset({req.status})
    was = req.status
    try:
        written = _conditional_update(s, req.id, sources, fields)
    except DBAPIError as exc:
        s.rollback()
        if scheduling.is_overlap(exc):
            start = fields["date_of_request"]
            raise scheduling.taken(
                s, req.professional_id, start, fields["end_time"] - start, exclude_request=req.id
            ) from exc
        raise
    _ensure_actor_still_allowed(s, user, actor)
    if not written:
        s.rollback()
        raise Conflict("The request was closed or cancelled in the meantime.")
    if moved:
        try:
            scheduling.ensure_not_off(s, req.professional_id, fields["date_of_request"], fields["end_time"])
        except DomainError:
            s.rollback()
            raise
        s.expire(req)
        scheduling.ensure_no_overlap(s, req)
        if was != STATUS_REQUESTED:  # accepted work goes back to the professional: a change of status
            _history(s, req.id, STATUS_REQUESTED, lifecycle.CUSTOMER, user.id, None, clock.now())
        changes.event(s, "rescheduled", request_id=req.id, actor=lifecycle.CUSTOMER)
    return _committed(s, req)


def _committed(s: Session, req: ServiceRequest):
    """Commit a write to `req` and return the request as the API shows it (one read, after the commit)."""
    request_id = req.id
    changes.request(s, req.customer_id, req.professional_id)
    # Any change of a request may take, move or free its professional's time.
    changes.schedule(s, req.professional_id, req.service_id)
    s.commit()
    return row_for(s, request_id)


def row_for(s: Session, request_id: int):
    """One request as the API shows it."""
    return s.execute(request_rows().where(ServiceRequest.id == request_id)).mappings().one()


def status_blocks(s: Session, status: str | None) -> list[tuple[int, int]]:
    """How many requests have `status` (any for None) in each block of ids, highest block first.

    From the trigger-kept counters: a few hundred rows for a million requests.
    """
    stmt = select(RequestStatusCount.block, func.sum(RequestStatusCount.n))
    if status is not None:
        stmt = stmt.where(RequestStatusCount.status == status)
    rows = s.execute(stmt.group_by(RequestStatusCount.block).order_by(RequestStatusCount.block.desc()))
    return [(block, int(n)) for block, n in rows]
