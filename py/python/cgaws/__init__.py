"""cgaws: turn AWS credentials into a Chainguard token.

The protocol (SigV4 signing, the token format, the relying party's checks, the
exchange's retry rules, the AWS default credential chain) lives in a Rust core;
this package is a thin binding over it plus a small Python driver that does the
I/O with the standard library (``urllib.request`` for HTTP, so proxies and the
system trust store behave as usual; plain file reads; ``subprocess`` without a
shell for ``credential_process``).

Quick start::

    import cgaws

    # A token blob for `chainctl auth login --identity-token`, from the default
    # AWS credential chain (environment, profile, web identity, ECS/EKS, EC2 IMDS).
    blob = cgaws.generate_token("<40 hex>/<16 hex>")

    # A Chainguard token for pulling from cgr.dev.
    token = cgaws.exchange("<40 hex>/<16 hex>")
    print(token.expiry)            # an aware datetime; repr(token) hides the token
    docker_password = token.token

Credentials, wherever a function takes them, may be:

- ``None``: the AWS default credential chain;
- a mapping with ``access_key_id``, ``secret_access_key`` and optionally
  ``session_token`` (``aws_access_key_id``... also work), or with STS's
  ``AccessKeyId``, ``SecretAccessKey``, ``SessionToken`` (so
  ``sts.assume_role(...)["Credentials"]`` works as is);
- any botocore/boto3 credentials object (``boto3.Session().get_credentials()``);
- a :class:`cgaws.Credentials`.

Times are aware ``datetime`` objects (a naive one is taken as UTC) or epoch seconds.
"""

from __future__ import annotations

# Kept to the builtin `time` and the extension: `import cgaws` must stay cheap
# (no `typing`, `re`, `collections`, `urllib`). The signatures' types are in
# `__init__.pyi`; the annotations here are never evaluated.
import time as _time

from . import _core
from ._core import Credentials
from ._errors import (
    Error,
    ExchangeError,
    InvalidArgumentError,
    InvalidCredentialsError,
    InvalidIdentityError,
    NoCredentialsError,
    PrecheckError,
    StsError,
    TransportError,
    VerifyError,
)

__version__: str = _core.VERSION

#: The issuer URL a token is made for by default (its ``Chainguard-Audience``).
DEFAULT_AUDIENCE: str = _core.DEFAULT_AUDIENCE
#: Chainguard's STS.
DEFAULT_ISSUER: str = _core.DEFAULT_ISSUER
#: What the Chainguard token from :func:`exchange` is for by default: the registry.
DEFAULT_TOKEN_AUDIENCE: str = _core.DEFAULT_TOKEN_AUDIENCE
#: The STS host tokens name unless ``sts_region`` is given.
GLOBAL_STS_HOST: str = _core.GLOBAL_STS_HOST

__all__ = [
    "CallerIdentity",
    "Credentials",
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUER",
    "DEFAULT_TOKEN_AUDIENCE",
    "Error",
    "ExchangeError",
    "GLOBAL_STS_HOST",
    "InvalidArgumentError",
    "InvalidCredentialsError",
    "InvalidIdentityError",
    "METHODS",
    "NoCredentialsError",
    "PrecheckError",
    "SignedRequest",
    "StsError",
    "Token",
    "TransportError",
    "VerifyError",
    "exchange",
    "generate_token",
    "inspect",
    "load_credentials",
    "precheck",
    "sign",
    "verify",
    "whoami",
]

_epoch_seconds = _core.epoch_seconds
_KEY_SPELLINGS = (
    ("access_key_id", "secret_access_key", "session_token", "expiry"),
    ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"),
    ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "expiry"),
)


def _now(time: TimeLike) -> int:
    if time is None:
        return int(_time.time())
    return _epoch_seconds(time, "time")


# The last few credentials made from mappings or botocore objects, so that calling
# with the same dict again skips re-validating it (it is immutable once made).
_recent: dict = {}


def _make(access_key_id: Any, secret_access_key: Any, session_token: Any, expiry: Any) -> Credentials:
    key = (access_key_id, secret_access_key, session_token, expiry)
    try:
        made = _recent.get(key)
    except TypeError:  # an unhashable value: refused below
        made = None
    if made is not None:
        return made
    made = _make_new(access_key_id, secret_access_key, session_token, expiry)
    if len(_recent) >= 8:
        _recent.clear()
    try:
        _recent[key] = made
    except TypeError:
        pass
    return made


def _make_new(access_key_id: Any, secret_access_key: Any, session_token: Any, expiry: Any) -> Credentials:
    for name, value in (("access key id", access_key_id), ("secret access key", secret_access_key)):
        if not isinstance(value, str):
            raise InvalidCredentialsError(f"the AWS {name} must be a str, not {type(value).__name__}")
    if session_token is not None and not isinstance(session_token, str):
        raise InvalidCredentialsError(f"the AWS session token must be a str, not {type(session_token).__name__}")
    if isinstance(expiry, str):  # STS answers parsed without botocore
        expiry = _parse_rfc3339(expiry)
    return Credentials(access_key_id, secret_access_key, session_token, expiry=expiry)


def _parse_rfc3339(text: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None  # informational only


def _credentials(credentials: CredentialsLike) -> Credentials:
    """Any accepted form of credentials, as a :class:`Credentials`."""
    if type(credentials) is Credentials:
        return credentials
    if credentials is None:
        from ._driver import default_credentials

        return default_credentials()
    if hasattr(credentials, "keys") and hasattr(credentials, "__getitem__"):  # a mapping
        for akid, secret, token, expiry in _KEY_SPELLINGS:
            if akid in credentials:
                if secret not in credentials:
                    raise InvalidCredentialsError(f"the credentials mapping has {akid!r} but no {secret!r}")
                return _make(
                    credentials[akid], credentials[secret], credentials.get(token), credentials.get(expiry)
                )
        raise InvalidCredentialsError(
            "a credentials mapping needs access_key_id and secret_access_key (and optionally session_token), "
            "or STS's AccessKeyId, SecretAccessKey and SessionToken"
        )
    if isinstance(credentials, Credentials):
        return credentials
    frozen = getattr(credentials, "get_frozen_credentials", None)
    if frozen is not None:
        # botocore Credentials / RefreshableCredentials: a consistent snapshot
        # (refreshing first if they are about to expire).
        snapshot = frozen()
        if snapshot is None:
            raise InvalidCredentialsError("get_frozen_credentials() returned None")
        credentials = snapshot
    if hasattr(credentials, "access_key") and hasattr(credentials, "secret_key"):
        return _make(credentials.access_key, credentials.secret_key, getattr(credentials, "token", None), None)
    raise InvalidCredentialsError(
        f"unsupported credentials object of type {type(credentials).__name__}: pass None (the default AWS "
        "chain), a mapping, a botocore/boto3 credentials object or cgaws.Credentials"
    )


def load_credentials(*, profile: Optional[str] = None, region: Optional[str] = None) -> Credentials:
    """Resolves credentials with the AWS default chain, as the AWS CLI and SDKs do:
    environment variables, the shared ``config``/``credentials`` files (static keys,
    ``role_arn`` via STS AssumeRole, ``credential_process``, web identity), web
    identity from the environment (EKS IRSA), the ECS/EKS container endpoint, then
    the EC2 instance metadata service (IMDSv2).

    ``profile`` selects a profile instead of ``AWS_PROFILE`` (and, as ``--profile``
    does, skips environment credentials); ``region`` overrides the configured region.
    Credentials that expire are reused until 5 minutes before their expiry.
    Raises :class:`NoCredentialsError` listing every source tried.
    """
    from ._driver import default_credentials

    return default_credentials(profile=profile, region=region)


#: The two AWS proofs: a signed STS ``GetCallerIdentity`` request (``"gci"``, the
#: default) or a JWT from STS ``GetWebIdentityToken`` (``"oidc"``).
METHODS = ("gci", "oidc")


def _method(method: str) -> str:
    if method == "gci" or method == "oidc":
        return method
    if isinstance(method, str) and method.strip().lower() in METHODS:  # as the CLI's --method
        return method.strip().lower()
    raise InvalidArgumentError(
        f"method must be 'gci' (a signed GetCallerIdentity request) or 'oidc' (a JWT from STS "
        f"GetWebIdentityToken), not {method!r}",
        argument="method",
    )


def _seconds(value: Any, name: str) -> int:
    """Whole seconds from an int or a ``timedelta``; the range is checked by the caller."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    seconds = getattr(value, "total_seconds", None)
    if seconds is None or isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be seconds (an int) or a timedelta", argument=name)
    return int(seconds())


def _web_identity_params(
    audience: Any, algorithm: Any, duration: Any, sts_region: Any = None, identity: Any = None
) -> Any:
    """The checked ``GetWebIdentityToken`` parameters (before credentials are looked for)."""
    for name, value in (
        ("audience", audience),
        ("oidc_algorithm", algorithm),
        ("sts_region", sts_region),
        ("identity", identity),
    ):
        if value is not None and not isinstance(value, str):
            raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}", argument=name)
    seconds = None if duration is None else _seconds(duration, "oidc_duration")
    return _core.WebIdentityTokenParams(audience, algorithm, seconds, sts_region, identity)


def generate_token(
    identity: Optional[str],
    credentials: CredentialsLike = None,
    *,
    audience: str = DEFAULT_AUDIENCE,
    sts_region: Optional[str] = None,
    time: TimeLike = None,
    method: str = "gci",
    oidc_algorithm: Optional[str] = None,
    oidc_duration: Union[None, int, Any] = None,
    timeout: float = 10.0,
) -> str:
    """The AWS proof for a Chainguard identity, addressed to ``audience`` (the
    issuer that will check it).

    ``method="gci"`` (the default): a SigV4-signed STS ``GetCallerIdentity``
    request, as HTTP/1.1 text, base64url-encoded with padding, made locally.
    ``identity`` is the identity's UIDP; ``sts_region`` makes the token name a
    regional STS endpoint (the relying party must accept it) instead of
    ``sts.amazonaws.com``; ``time`` (default now) is when it is signed. The token
    is valid for 15 minutes.

    ``method="oidc"``: asks STS ``GetWebIdentityToken`` (AWS IAM outbound identity
    federation) for a JWT whose ``aud`` is ``audience``, ``iss`` the account's
    AWS token issuer and ``sub`` the caller's principal ARN (for a role session,
    the role's ARN); the identity that accepts it has a ``claim_match`` rule with
    that ``iss`` and ``sub``. STS is called where the AWS configuration says
    (``AWS_ENDPOINT_URL_STS``, ``AWS_ENDPOINT_URL``, the profile, else the regional
    endpoint of the configured region), or at ``sts_region``'s endpoint when given.
    ``oidc_algorithm`` is ``"ES384"`` (default) or ``"RS256"``, ``oidc_duration``
    60 to 3600 seconds (default 300; an int or a ``timedelta``); ``timeout`` bounds
    the STS call. The JWT names no identity: ``identity`` may be None (one given is
    still checked). ``time`` cannot be given (STS signs at its own time).

    Raises :class:`InvalidIdentityError`, :class:`InvalidCredentialsError`,
    :class:`NoCredentialsError` (default chain), :class:`InvalidArgumentError`;
    with ``"oidc"`` also :class:`StsError` (``fix`` says how to enable outbound
    federation, or shows the minimal IAM policy, when STS refuses for those
    reasons) and :class:`TransportError`.
    """
    if _method(method) == "oidc":
        if time is not None:
            raise InvalidArgumentError(
                "time goes with method='gci': STS signs the oidc token at its own time", argument="time"
            )
        from ._driver import run_web_identity_token

        params = _web_identity_params(audience, oidc_algorithm, oidc_duration, sts_region, identity)
        return run_web_identity_token(_credentials(credentials), params, timeout)
    if oidc_algorithm is not None or oidc_duration is not None:
        raise _oidc_only(oidc_algorithm, oidc_duration)
    creds = credentials if type(credentials) is Credentials else _credentials(credentials)
    t = int(_time.time()) if time is None else _epoch_seconds(time, "time")
    return _core.generate_token(identity, creds, audience, sts_region, t)


def _oidc_only(algorithm: Any, duration: Any = None) -> InvalidArgumentError:
    """A gci call given an oidc option, which it would otherwise ignore."""
    name = "oidc_algorithm" if algorithm is not None else "oidc_duration"
    return InvalidArgumentError(f"{name} goes with method='oidc'", argument=name)


class SignedRequest:
    """A request signed by :func:`sign`.

    ``headers`` is what to send (the given headers, ``Host``, ``X-Amz-Date``,
    ``X-Amz-Security-Token`` with temporary credentials, and ``Authorization``;
    for a presigned URL everything is in ``url`` and there is no ``Authorization``).
    Repeated headers are joined with ``,`` in ``headers``; ``header_list`` keeps
    them apart, in order. ``repr()`` hides the signature and token.
    """

    __slots__ = (
        "method",
        "url",
        "headers",
        "header_list",
        "body",
        "signature",
        "signed_headers",
        "canonical_request",
        "string_to_sign",
    )

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.method: str = fields["method"]
        self.url: str = fields["url"]
        self.header_list: list = fields["header_list"]
        self.body: bytes = fields["body"]
        self.signature: str = fields["signature"]
        self.signed_headers: str = fields["signed_headers"]
        self.canonical_request: str = fields["canonical_request"]
        self.string_to_sign: str = fields["string_to_sign"]
        headers: dict = {}
        spelled: dict = {}
        for name, value in self.header_list:
            key = name.lower()
            if key in spelled:
                first = spelled[key]
                headers[first] = headers[first].strip(" ") + "," + value.strip(" ")
            else:
                spelled[key] = name
                headers[name] = value
        self.headers: dict = headers

    def __repr__(self) -> str:
        base = self.url.split("?", 1)[0]
        return f"SignedRequest(method={self.method!r}, url={base!r}, signature={self.signature[:8]}…)"


def _header_pairs(headers: Any) -> list:
    if headers is None:
        return []
    items = headers.items() if hasattr(headers, "items") else headers
    pairs = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise InvalidArgumentError("headers must be a mapping or (name, value) pairs", argument="headers") from None
        if not isinstance(name, str):
            raise InvalidArgumentError(f"header names must be str, not {type(name).__name__}", argument="headers")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        elif not isinstance(value, str):
            raise InvalidArgumentError(
                f"header {name!r} must have a str value, not {type(value).__name__}", argument="headers"
            )
        pairs.append((name, value))
    return pairs


def sign(
    method: str,
    url: str,
    headers: Union[None, Mapping[str, str], Iterable[Tuple[str, str]]] = None,
    body: Union[bytes, bytearray, memoryview, str] = b"",
    *,
    credentials: CredentialsLike,
    region: str,
    service: str,
    time: TimeLike = None,
    presign_expires: Union[None, int, Any] = None,
    unsigned_payload: bool = False,
    normalize_path: bool = True,
) -> SignedRequest:
    """Signs any AWS request with SigV4.

    Signs the given ``headers`` (a mapping or ``(name, value)`` pairs) plus ``host``
    and adds nothing else: ``X-Amz-Date``, ``X-Amz-Security-Token`` (temporary
    credentials) and ``Authorization``, or, with ``presign_expires`` (seconds, or a
    ``timedelta``, up to 7 days), the ``X-Amz-*`` query parameters of a presigned
    URL. The payload hash is the SHA-256 of ``body``, ``UNSIGNED-PAYLOAD`` with
    ``unsigned_payload=True``, or the value of an ``x-amz-content-sha256`` header
    when one is given (that header is then signed too, as S3 wants).
    ``normalize_path=False`` keeps ``.``/``..``/``//`` in the path (S3).
    ``credentials=None`` uses the default AWS chain. The method is upper-cased;
    the URL's path and query are signed as written (already percent-encoded).
    """
    creds = credentials if type(credentials) is Credentials else _credentials(credentials)
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = bytes(body)
    if presign_expires is not None:
        presign_expires = _seconds(presign_expires, "presign_expires")
    if presign_expires is not None and not 0 < presign_expires <= 604_800:
        raise InvalidArgumentError("presign_expires must be 1 to 604800 seconds", argument="presign_expires")
    if not isinstance(method, str) or not isinstance(url, str):
        raise InvalidArgumentError("method and url must be str")
    t = int(_time.time()) if time is None else _epoch_seconds(time, "time")
    fields = _core.sign(
        method.upper(),  # as botocore: AWS signs and expects upper-case methods
        url,
        _header_pairs(headers),
        body,
        creds,
        region,
        service,
        t,
        presign_expires,
        bool(unsigned_payload),
        bool(normalize_path),
    )
    return SignedRequest(fields)


def inspect(token: str) -> dict:
    """What a token says, without its secrets: ``method``, ``host``, ``path``,
    ``query``, ``headers`` (pairs; the session token replaced by its length, the
    signature cut short), ``signed_headers``, ``audience``, ``identity``,
    ``amz_date``, ``issued_at`` (aware datetime), ``access_key_id``,
    ``credential_scope``, ``has_session_token``, ``signature_prefix``.
    Raises :class:`PrecheckError` (check 1) for something that is not a token.
    """
    if not isinstance(token, str):
        raise InvalidArgumentError("token must be a str", argument="token")
    return _core.inspect(token)


def _strings(value: Union[str, Iterable[str]], name: str) -> list:
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise InvalidArgumentError(f"{name} must be a str or a sequence of str", argument=name) from None
    if not all(isinstance(v, str) for v in out):
        raise InvalidArgumentError(f"{name} must be a str or a sequence of str", argument=name)
    return out


def precheck(
    token: str,
    *,
    identity: str,
    audiences: Union[str, Sequence[str]],
    now: TimeLike = None,
    sts_host: Union[str, Sequence[str]] = GLOBAL_STS_HOST,
) -> dict:
    """Runs the relying party's checks 1-7 on a token (everything short of asking
    STS): encoding, single headers, POST, the STS host (``sts_host``, one or
    several), signed binding headers, audience (one of ``audiences``) and identity,
    and the date (at most 5 minutes ahead of ``now``, at most 15 minutes old).

    Returns ``host``, ``identity``, ``audience``, ``issued_at``, ``access_key_id``,
    ``credential_scope`` and ``signed_headers``; raises :class:`PrecheckError`
    with the failed ``check`` number and ``code`` otherwise.
    """
    if not isinstance(token, str) or not isinstance(identity, str):
        raise InvalidArgumentError("token and identity must be str")
    return _core.precheck(
        token, identity, _strings(audiences, "audiences"), _now(now), _strings(sts_host, "sts_host")
    )


class Token:
    """A Chainguard token from :func:`exchange`.

    ``token`` is the token itself (for the registry: username ``_token``, password
    ``token.token``); ``expiry`` an aware ``datetime`` (or None if the issuer did not
    say); ``refresh_token`` when the issuer sent one. ``repr()`` hides the tokens.
    """

    __slots__ = ("token", "expiry", "refresh_token")

    def __init__(self, token: str, expiry: Any = None, refresh_token: Optional[str] = None) -> None:
        self.token = token
        self.expiry = expiry
        self.refresh_token = refresh_token

    def __repr__(self) -> str:
        expiry = self.expiry.isoformat() if self.expiry is not None else None
        return f"Token(token=<redacted {len(self.token)} chars>, expiry={expiry!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return (self.token, self.expiry, self.refresh_token) == (other.token, other.expiry, other.refresh_token)

    __hash__ = None  # type: ignore[assignment]


def exchange(
    identity: str,
    *,
    audience: Union[str, Sequence[str]] = DEFAULT_TOKEN_AUDIENCE,
    issuer: str = DEFAULT_ISSUER,
    credentials: CredentialsLike = None,
    scopes: Sequence[str] = (),
    caps: Sequence[str] = (),
    timeout: float = 10.0,
    method: str = "gci",
    oidc_algorithm: Optional[str] = None,
) -> Token:
    """Trades AWS credentials for a Chainguard token: makes the AWS proof for
    ``identity`` addressed to ``issuer`` and posts it to ``<issuer>/sts/exchange``,
    asking for a token for ``audience`` (``cgr.dev``, the registry, by default; one
    or several), with optional ``scopes`` and ``caps``.

    ``method`` picks the proof, as for :func:`generate_token`: ``"gci"`` (default)
    for an identity with an ``aws_identity`` rule, ``"oidc"`` (a JWT from STS
    ``GetWebIdentityToken``, audience the issuer URL, signed with
    ``oidc_algorithm``, ``"ES384"`` by default, valid 300 seconds) for an identity
    with a ``claim_match`` rule on AWS's token issuer and the caller's ARN.

    Transient failures (gRPC UNAVAILABLE, HTTP 502/503) are retried twice with a
    short jittered back-off; redirects are never followed. ``timeout`` bounds each
    HTTP attempt (seconds). Raises :class:`ExchangeError` (with the issuer's
    ``status`` and message), :class:`TransportError`, :class:`InvalidIdentityError`,
    :class:`NoCredentialsError`, and with ``"oidc"`` :class:`StsError`.
    """
    from ._driver import run_exchange

    oidc = _method(method) == "oidc"
    if not oidc and oidc_algorithm is not None:
        raise _oidc_only(oidc_algorithm)
    if not isinstance(issuer, str):
        raise InvalidArgumentError("issuer must be a str", argument="issuer")
    issuer_url = issuer.rstrip("/")
    params = (issuer_url, identity, _strings(audience, "audience"), _strings(scopes, "scopes"), _strings(caps, "caps"))
    # The identity, issuer and parameters are checked before looking for credentials.
    _core.Exchange(*params, "-")
    # Both proofs are bound to the issuer URL (without a trailing slash).
    if oidc:
        from ._driver import run_web_identity_token

        jwt_params = _web_identity_params(issuer_url, oidc_algorithm, None)
        proof = run_web_identity_token(_credentials(credentials), jwt_params, timeout)
    else:
        proof = _core.generate_token(identity, _credentials(credentials), issuer_url, None, int(_time.time()))
    ex = _core.Exchange(*params, proof)
    token, expiry, refresh = run_exchange(ex, timeout)
    return Token(token, expiry, refresh)


class CallerIdentity:
    """Who AWS says the credentials belong to (STS ``GetCallerIdentity``):
    ``account``, ``arn`` and ``user_id``. For a role session the ARN is the
    ``assumed-role`` ARN, the form Chainguard identity rules must match."""

    __slots__ = ("account", "arn", "user_id")

    def __init__(self, account: str, arn: str, user_id: str) -> None:
        self.account = account
        self.arn = arn
        self.user_id = user_id

    def __repr__(self) -> str:
        return f"CallerIdentity(account={self.account!r}, arn={self.arn!r}, user_id={self.user_id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CallerIdentity):
            return NotImplemented
        return (self.account, self.arn, self.user_id) == (other.account, other.arn, other.user_id)

    def __hash__(self) -> int:
        return hash((self.account, self.arn, self.user_id))


def whoami(credentials: CredentialsLike = None, *, timeout: float = 10.0) -> CallerIdentity:
    """Asks STS ``GetCallerIdentity`` who the credentials are: the account, ARN and
    user id a Chainguard identity's AWS rule is matched against. Uses the STS
    endpoint the AWS configuration selects (``AWS_ENDPOINT_URL_STS``, regional or
    global). Raises :class:`StsError`, :class:`TransportError`,
    :class:`NoCredentialsError`."""
    from ._driver import run_whoami

    return run_whoami(_credentials(credentials), timeout)


def verify(
    token: str,
    *,
    identity: str,
    audiences: Union[str, Sequence[str]],
    rule: Union[None, str, Mapping[str, Any]] = None,
    now: TimeLike = None,
    sts_host: Union[str, Sequence[str]] = GLOBAL_STS_HOST,
    sts_endpoint: Optional[str] = None,
    timeout: float = 10.0,
) -> dict:
    """Verifies a token the way the Chainguard issuer does, for services that
    accept these proofs themselves: checks 1-7 (as :func:`precheck`), then the
    signed request is forwarded to STS (check 8), which says who signed it, and,
    with ``rule``, that caller is matched against the identity's rule (check 9).

    ``rule`` is the identity document or rule as chainctl's ``id.json`` or with
    Terraform's field names (a JSON string or a mapping), e.g.
    ``{"awsIdentity": {"aws_account": "123456789012", "arnPattern": "^arn:aws:sts::123456789012:assumed-role/ci/[^/]+$", "userIdPattern": "^AROA[A-Z0-9]+:[^:]+$"}}``;
    patterns are RE2, searched, not anchored, as the issuer reads them.
    ``sts_endpoint`` (default ``AWS_ENDPOINT_URL_STS``, then ``AWS_ENDPOINT_URL``)
    changes where the request is sent, never the signed ``Host``.

    Returns ``caller`` (a :class:`CallerIdentity`), ``identity``, ``audience``,
    ``signed_at`` (aware datetime), ``sts_host`` and ``verdict`` (the rule's
    per-field verdict, or None without a rule). Raises :class:`PrecheckError`
    (checks 1-7), :class:`VerifyError` (checks 8-9), :class:`TransportError`, or
    :class:`InvalidArgumentError` for a rule that cannot be read.
    """
    from ._driver import run_verify

    if not isinstance(token, str) or not isinstance(identity, str):
        raise InvalidArgumentError("token and identity must be str")
    if rule is None or isinstance(rule, str):
        rule_json = rule
    elif isinstance(rule, bytes):
        rule_json = rule.decode("utf-8", "replace")
    elif hasattr(rule, "keys"):
        import json

        rule_json = json.dumps(dict(rule))
    else:
        raise InvalidArgumentError("rule must be a JSON string or a mapping", argument="rule")
    verification = _core.verify_start(
        token, identity, _strings(audiences, "audiences"), _now(now), _strings(sts_host, "sts_host"), rule_json
    )
    return run_verify(verification, sts_endpoint, timeout)
