"""Narrow corrections to moto 5.2.1 where it rejects or misrepresents what
real AWS accepts. Each is a patch of one moto function; the tests in
`test_sts_corrections.py` prove that wrong signatures are still rejected.

1. Signature check over the request as received. moto rebuilds the signed
   request from its parsed view: with an empty body it hashes the re-encoded
   query parameters as if they were the body (the blob's exact shape,
   `POST /?Action=GetCallerIdentity&Version=2011-06-15` with no body), it
   re-serializes form bodies before hashing them, and werkzeug's `request.url`
   has half-decoded the query (`%3A` -> `:`). The patched builder uses the raw
   request target and raw body bytes captured by `wire.RawRequestCapture`,
   and canonicalizes the query the SigV4 way (decode, then RFC 3986 encode).
2. IAM user ids. moto gives users 20 random lowercase characters; real IAM
   user ids are `AIDA` + 17 characters, and identity rules match on that
   (`user_id_pattern: ^AIDA...`).
3. Unsigned STS requests. With authentication on, moto demands a signature
   on every action, and fails with a 500 (KeyError) when there is none.
   Real STS serves AssumeRoleWithWebIdentity and AssumeRoleWithSAML unsigned
   (the token is the proof) and answers any other unsigned call with 403
   `MissingAuthenticationToken`. Also, moto's server picks the service of an
   unsigned request by its Host header, falling back to S3; this server is an
   STS endpoint, so `StsDispatcher` sends such requests to STS.
4. Signature expiry. moto accepts a signature of any age; STS refuses one
   whose X-Amz-Date is more than 15 minutes from its clock (403
   `SignatureDoesNotMatch`, "Signature expired: ..." / "Signature not yet
   current: ..."). `clock` is that clock; its `skew_s` shifts it (and the
   `Date` header STS answers with), to test a client's clock-skew handling.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote

from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import _RESTError
from moto.iam import access_control
from moto.iam import models as iam_models
from moto.iam.utils import generate_access_key_id_from_account_id
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sts.responses import TokenResponse

from .wire import current_raw_request

_installed = False


def canonical_query(query: str) -> str:
    """Each name and value decoded, then encoded as SigV4 requires
    (unreserved characters kept, everything else %XX upper case). botocore
    sorts the pairs when it builds the canonical request."""
    pairs = []
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        pairs.append(f"{quote(unquote(name), safe='-_.~')}={quote(unquote(value), safe='-_.~')}")
    return "&".join(pairs)


def _aws_request_as_received(self) -> AWSRequest:
    raw = current_raw_request()
    if raw is None:  # not served through the emulator's WSGI stack
        return _original_create_aws_request(self)
    signed_headers = self._get_string_between(
        "SignedHeaders=", ",", self._headers["Authorization"]
    ).split(";")
    headers = self._create_headers_for_aws_request(signed_headers, self._headers)
    path, _, query = raw.target.partition("?")
    url = f"{path}?{canonical_query(query)}" if query else path
    request = AWSRequest(method=self._method, url=url, data=raw.body, headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    return request


_original_create_aws_request = access_control.IAMRequestBase._create_aws_request
_original_user_init = iam_models.User.__init__


def _user_init_with_aida_id(self, account_id, region_name, name, path=None):
    _original_user_init(self, account_id, region_name, name, path)
    self.id = generate_access_key_id_from_account_id(account_id, prefix="AIDA", total_length=21)


UNSIGNED_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})


class MissingAuthenticationToken(_RESTError):
    # moto has no public base class for errors raised while authenticating.
    code = 403

    def __init__(self) -> None:
        super().__init__("MissingAuthenticationToken", "Request is missing Authentication Token")


class ServerClock:
    """STS's clock: the real one shifted by `skew_s` seconds."""

    def __init__(self) -> None:
        self.skew_s = 0.0

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.skew_s)


clock = ServerClock()
SIGNATURE_WINDOW = timedelta(minutes=15)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class SignatureTimeError(_RESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("SignatureDoesNotMatch", message)


def _check_signature_time(amz_date: str | None) -> None:
    try:
        signed = datetime.strptime(amz_date or "", _AMZ_DATE).replace(tzinfo=timezone.utc)
    except ValueError:
        return  # no usable X-Amz-Date: the signature check decides
    now = clock.now()
    stamp = lambda t: t.strftime(_AMZ_DATE)  # noqa: E731
    if signed < now - SIGNATURE_WINDOW:
        raise SignatureTimeError(f"Signature expired: {stamp(signed)} is now earlier than "
                                 f"{stamp(now - SIGNATURE_WINDOW)} ({stamp(now)} - 15 min.)")
    if signed > now + SIGNATURE_WINDOW:
        raise SignatureTimeError(f"Signature not yet current: {stamp(signed)} is still later than "
                                 f"{stamp(now + SIGNATURE_WINDOW)} ({stamp(now)} + 15 min.)")


_original_sts_authenticate = TokenResponse._authenticate_and_authorize_normal_action


def _sts_authenticate(self, resource: str = "*") -> None:
    if self._get_action() in UNSIGNED_ACTIONS:
        return
    enforced = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    if enforced:
        if "Authorization" not in self.headers:
            raise MissingAuthenticationToken()
        _check_signature_time(self.headers.get("X-Amz-Date"))
    _original_sts_authenticate(self, resource)


class StsDispatcher(DomainDispatcherApplication):
    """moto's all-services app, where unsigned requests are for STS."""

    def infer_service_region_host(self, environ, path):
        if "HTTP_AUTHORIZATION" not in environ:
            return "sts.us-east-1.amazonaws.com"
        return super().infer_service_region_host(environ, path)


def install() -> None:
    """Apply the corrections (idempotent; process-wide, as moto's state is)."""
    global _installed
    if _installed:
        return
    access_control.IAMRequestBase._create_aws_request = _aws_request_as_received
    iam_models.User.__init__ = _user_init_with_aida_id
    TokenResponse._authenticate_and_authorize_normal_action = _sts_authenticate
    _installed = True
