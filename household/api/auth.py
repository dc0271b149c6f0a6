"""Registration, login, logout, the current user and the CSRF token."""

from __future__ import annotations

import marshmallow as ma
from flask import request, session
from flask.views import MethodView
from flask_wtf.csrf import generate_csrf
from marshmallow import fields, validate

from household.api.audit import log
from household.api.fields import Email, ExperienceYears, Id, Password, PinCode, StrictSchema, Text
from household.api.fields import Phone as PhoneField
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema, UserEnvelope, UserSchema
from household.auth import limits, tokens
from household.auth.access import SESSION_KEY, caller, current, login_required
from household.domain import accounts, notifications, recovery
from household.domain.errors import Forbidden, NotAuthenticated
from household.extensions import db

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts, login and sessions")


class _AccountFields(StrictSchema):
    email = Email(required=True, validate=validate.Length(max=254))
    password = Password(required=True)
    name = Text(required=True, min_len=2, max_len=100)
    phone = PhoneField(required=True)
    pin_code = PinCode(required=True)
    location = Text(max_len=100, allow_none=True)


class CustomerRegistration(_AccountFields):
    address = Text(required=True, min_len=3, max_len=300)


class ProfessionalRegistration(_AccountFields):
    service_id = Id(required=True)
    experience_years = ExperienceYears(required=True)
    description = Text(required=True, min_len=10, max_len=2000)


class LoginArgs(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))


class LoginResponse(ma.Schema):
    token = fields.String()
    user = fields.Nested(UserSchema)
    device_token = fields.String(
        metadata={"description": f"Send it back as {limits.DEVICE_HEADER} on later logins to this account "
                  "(browsers get it as the hs_device cookie): other people's failed logins never lock it out."}
    )


class CsrfResponse(ma.Schema):
    csrf_token = fields.String()


class ProfileUpdate(StrictSchema):
    name = Text(min_len=2, max_len=100)
    phone = PhoneField()
    address = Text(min_len=3, max_len=300)
    location = Text(max_len=100, allow_none=True)
    pin_code = PinCode()
    experience_years = ExperienceYears()
    description = Text(min_len=10, max_len=2000)
    email_notifications = fields.Boolean(
        truthy={True}, falsy={False}, metadata={"description": "false: no emails of changes (in-app ones stay)"}
    )


class PasswordChange(StrictSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))
    new_password = Password(required=True)


@blp.route("/register/customer")
class RegisterCustomer(MethodView):
    @limits.registration_per_address
    @blp.arguments(CustomerRegistration())
    @blp.response(201, UserEnvelope)
    @blp.alt_response(409, schema=ErrorSchema, description="Email already registered")
    def post(self, data):
        """Register a customer account."""
        return {"user": accounts.register_customer(db.session, data)}


@blp.route("/register/professional")
class RegisterProfessional(MethodView):
    @limits.registration_per_address
    @blp.arguments(ProfessionalRegistration())
    @blp.response(201, UserEnvelope)
    @blp.alt_response(409, schema=ErrorSchema, description="Email already registered")
    def post(self, data):
        """Register a service professional; they stay pending until the admin approves them."""
        return {"user": accounts.register_professional(db.session, data)}


@blp.route("/login")
class Login(MethodView):
    @limits.login_per_address
    @limits.login_failures_per_address
    @limits.login_failures_per_account
    @limits.login_failures_per_device
    @blp.arguments(LoginArgs())
    @blp.response(200, LoginResponse)
    @blp.alt_response(401, schema=ErrorSchema, description="Wrong email or password")
    @blp.alt_response(403, schema=ErrorSchema, description="Account blocked")
    @blp.alt_response(429, schema=ErrorSchema, description="Too many attempts (see Retry-After)")
    @blp.doc(parameters=[limits.DEVICE_HEADER_DOC])
    def post(self, data):
        """Log in (any role): returns a bearer token and a device token, and sets a session cookie."""
        try:
            user = accounts.authenticate(db.session, data["email"], data["password"])
        except (NotAuthenticated, Forbidden) as exc:
            limits.record_failure()
            db.session.rollback()
            log("login_failed", "user", actor_id=None, email=data["email"][:254], status=exc.status)
            db.session.commit()
            raise
        log("login", "user", user.id, actor_id=user.id)
        raw = tokens.issue(user, tokens.TOKEN_SESSION)
        db.session.commit()
        # A fresh session at every login: nothing from before carries over (fixation).
        session.clear()
        session[SESSION_KEY] = raw
        session.permanent = False
        return {"token": raw, "user": user, "device_token": limits.trust_device(data["email"])}


@blp.route("/logout")
class Logout(MethodView):
    @login_required
    @blp.response(204)
    def post(self):
        """End the session or token used for this call."""
        tokens.revoke(caller().token_id)
        db.session.commit()
        session.clear()


@blp.route("/me")
class Me(MethodView):
    @login_required
    @blp.response(200, UserEnvelope)
    def get(self):
        """The current user."""
        return {"user": current()}

    @login_required
    @blp.arguments(ProfileUpdate())
    @blp.response(200, UserEnvelope)
    def patch(self, data):
        """Edit one's own name, phone and profile, and whether changes are also told by email."""
        user = current()
        if "email_notifications" in data:
            notifications.set_email_notifications(user, data.pop("email_notifications"))
            if not data:
                db.session.commit()
                return {"user": user}
        return {"user": accounts.update_profile(db.session, user, data)}


@blp.route("/password")
class ChangePassword(MethodView):
    @login_required
    @blp.arguments(PasswordChange())
    @blp.response(204)
    def post(self, data):
        """Change one's password; every other session and token ends."""
        accounts.change_password(
            db.session, current(), data["current_password"], data["new_password"], caller().token_id
        )


class PasswordResetArgs(StrictSchema):
    # Any text up to an address's length: whether it is a valid address, let alone an account's, is
    # never told (an invalid one simply gets no email).
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class PasswordResetConfirmArgs(StrictSchema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    password = Password(required=True)


class MessageSchema(ma.Schema):
    message = fields.String()


@blp.route("/password-reset")
class PasswordResetRequest(MethodView):
    @limits.password_reset_per_address
    @limits.password_reset_per_email
    @blp.arguments(PasswordResetArgs())
    @blp.response(202, MessageSchema)
    @blp.alt_response(429, schema=ErrorSchema, description="Too many requests from this address or for this email")
    def post(self, data):
        """Ask for a password reset link by email. The answer is the same whether or not the email has an
        account; a known, active account gets a single-use link to `/reset-password?token=...`, valid
        PASSWORD_RESET_MINUTES (30)."""
        recovery.request_reset(data["email"], request.remote_addr)
        return {"message": recovery.REQUESTED_MESSAGE}


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @limits.password_reset_confirm_per_address
    @blp.arguments(PasswordResetConfirmArgs())
    @blp.response(204)
    @blp.alt_response(400, schema=ErrorSchema, description="The link is used, expired or unknown")
    @blp.alt_response(422, schema=ErrorSchema, description="The new password breaks the rules (fields.password)")
    @blp.alt_response(429, schema=ErrorSchema, description="Too many attempts from this address")
    def post(self, data):
        """Set a new password with the token of a reset link; every session and token of the account ends."""
        recovery.confirm_reset(db.session, data["token"], data["password"], request.remote_addr)
        session.clear()


@blp.route("/csrf")
class Csrf(MethodView):
    @blp.response(200, CsrfResponse)
    def get(self):
        """A CSRF token for cookie-authenticated writes (send it as X-CSRF-Token)."""
        return {"csrf_token": generate_csrf()}
