"""Who the caller is, without a database round trip on hot paths.

A resolved token is remembered in Redis for a minute as a small Identity (user id, roles,
profile ids). Revoking tokens (logout, block, password change) deletes those entries right
after the database commit, so a blocked user's next request finds nothing cached, goes to
the database and is refused. If Redis cannot be told, the loss is counted in the database and
no process trusts Redis again before it has been emptied (household.cache: leases); a cached
identity is only used under a lease.

A request that read a token from the database just before a revocation was committed must not
put its identity back after the revocation deleted it. So a revocation first leaves a marker
(for the token, or for every token of the user) for GONE_SECONDS, and an identity is cached only
by a script that finds no such marker; any identity cached before the marker is found and
deleted. (While a user's marker lasts, that user's requests are identified by the database.)
A flush after a lost invalidation drops the markers too, so for two minutes after it no identity
is cached at all (household.cache.FLUSHED_SECONDS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from household import cache, clock
from household.auth import tokens
from household.extensions import db
from household.models import AuthToken, User
from household.models.user import ROLE_ADMIN

CACHE_SECONDS = 60
# Longer than any request takes between reading a token from the database and caching its identity.
GONE_SECONDS = 120

# KEYS: identity, the user's set of token hashes, the token's marker, the user's marker, and the
# marker of a recent flush (which may have dropped the others).
_REMEMBER = """
if redis.call('EXISTS', KEYS[3], KEYS[4], KEYS[5]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], 86400)
return 1
"""


@dataclass
class Identity:
    """The authenticated caller as Flask-Login sees it."""

    id: int
    token_id: int
    token_hash: str
    roles: tuple[str, ...]
    customer_id: int | None
    professional_id: int | None
    expires_at: float
    last_used_at: float
    _user: User | None = field(default=None, repr=False, compare=False)

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, name: str) -> bool:
        return name in self.roles

    @property
    def is_admin(self) -> bool:
        return ROLE_ADMIN in self.roles

    @property
    def user(self) -> User:
        """The full account from the database (loaded once per request, when a handler needs it)."""
        if self._user is None:
            self._user = db.session.get(User, self.id)
        return self._user

    @classmethod
    def of(cls, token: AuthToken) -> Identity:
        user = token.user
        identity = cls(
            id=user.id,
            token_id=token.id,
            token_hash=token.token_hash,
            roles=tuple(user.role_names),
            customer_id=user.customer.id if user.customer else None,
            professional_id=user.professional.id if user.professional else None,
            expires_at=token.expires_at.timestamp(),
            last_used_at=token.last_used_at.timestamp(),
        )
        identity._user = user
        return identity

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "token_id": self.token_id,
                "roles": list(self.roles),
                "customer_id": self.customer_id,
                "professional_id": self.professional_id,
                "expires_at": self.expires_at,
                "last_used_at": self.last_used_at,
            }
        )


def key_for(prefix: str, token_hash: str) -> str:
    """Where a token's identity is cached (household.fastpath checks it before Flask runs)."""
    return f"{prefix}auth:{token_hash}"


def _key(token_hash: str) -> str:
    return key_for(current_app.config["CACHE_KEY_PREFIX"], token_hash)


def _user_key(user_id: int) -> str:
    return f"{current_app.config['CACHE_KEY_PREFIX']}auth:user:{user_id}"


def _gone_key(token_hash: str) -> str:
    return f"{current_app.config['CACHE_KEY_PREFIX']}auth:gone:{token_hash}"


def _gone_user_key(user_id: int) -> str:
    return f"{current_app.config['CACHE_KEY_PREFIX']}auth:gone:user:{user_id}"


def _from_cache(token_hash: str) -> Identity | None:
    client = cache.redis_client()
    found = cache.safe(lambda: client.mget(cache.lease_key(), _key(token_hash)))
    if not found:
        return None
    if found[0] is None:
        # Renewing may first drop everything Redis holds (a lost invalidation): read again after it.
        if cache.renew() is None:
            return None
        found = cache.safe(lambda: client.mget(cache.lease_key(), _key(token_hash)))
    if not found or found[0] is None or not found[1]:
        return None
    raw = found[1]
    data = json.loads(raw)
    identity = Identity(
        id=data["id"],
        token_id=data["token_id"],
        token_hash=token_hash,
        roles=tuple(data["roles"]),
        customer_id=data["customer_id"],
        professional_id=data["professional_id"],
        expires_at=data["expires_at"],
        last_used_at=data["last_used_at"],
    )
    now = clock.now().timestamp()  # the platform's clock, as the tokens' own times
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    # Past its expiry, near its idle limit or due for a last-used refresh: let the database decide.
    if identity.expires_at <= now or now - identity.last_used_at >= min(idle, tokens.TOUCH_EVERY.total_seconds()):
        return None
    return identity


def _remember(identity: Identity) -> None:
    """Cache the identity unless a revocation of its token or user has been recorded meanwhile."""
    script = cache.script("identity_remember", _REMEMBER)
    keys = [_key(identity.token_hash), _user_key(identity.id), _gone_key(identity.token_hash),
            _gone_user_key(identity.id), cache.flushed_key()]
    cache.safe(lambda: script(keys=keys, args=[identity.to_json(), CACHE_SECONDS, identity.token_hash]))


def resolve(raw: str | None) -> Identity | None:
    """The caller behind a raw token, from Redis when possible, else from the database."""
    if not raw or len(raw) > 200:
        return None
    token_hash = tokens.hash_token(raw)
    identity = _from_cache(token_hash)
    if identity is not None:
        return identity
    token = tokens.resolve(raw)
    if token is None:
        return None
    identity = Identity.of(token)
    _remember(identity)
    return identity


# --- Forgetting, after the revocation is committed ----------------------------------------------


@event.listens_for(Session, "after_commit")
def _forget_after_commit(s: Session) -> None:
    hashes = s.info.pop(tokens.REVOKED_TOKENS, set())
    users = s.info.pop(tokens.REVOKED_USERS, set())
    if not (hashes or users) or not has_app_context():
        return
    client = cache.redis_client()

    def forget():
        # The markers first: from now on no identity of these tokens or users is cached, and any
        # cached before is in the user's set or under the token's key, deleted below.
        pipe = client.pipeline(transaction=True)
        for token_hash in hashes:
            pipe.set(_gone_key(token_hash), 1, ex=GONE_SECONDS)
        for user_id in users:
            pipe.set(_gone_user_key(user_id), 1, ex=GONE_SECONDS)
        pipe.execute()
        keys = [_key(h) for h in hashes]
        for user_id in users:
            keys.extend(_key(h.decode() if isinstance(h, bytes) else h) for h in client.smembers(_user_key(user_id)))
            keys.append(_user_key(user_id))
        if keys:
            client.delete(*keys)
        return True

    if cache.safe(forget) is not True:
        cache.lost_invalidation()


@event.listens_for(Session, "after_rollback")
def _drop_pending(s: Session) -> None:
    s.info.pop(tokens.REVOKED_TOKENS, None)
    s.info.pop(tokens.REVOKED_USERS, None)
