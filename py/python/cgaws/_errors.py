"""The exceptions cgaws raises: every one derives from :class:`cgaws.Error`.

Messages and ``repr()`` never contain secret keys, session tokens or tokens.
Structured details are attributes (``ExchangeError.status``, ``PrecheckError.check``,
...); attributes a given error does not have are ``None``.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "NoCredentialsError",
    "InvalidCredentialsError",
    "InvalidIdentityError",
    "InvalidArgumentError",
    "VerifyError",
    "PrecheckError",
    "ExchangeError",
    "StsError",
    "TransportError",
]


class Error(Exception):
    """Base class of every cgaws error. ``str(e)`` is the message. A bug inside
    the Rust core is raised as a plain ``Error`` with ``internal=True``."""

    #: Attribute names (besides ``message``) this class carries, all defaulting to None.
    _fields: tuple = ()

    def __init__(self, message: str, **attrs: object) -> None:
        super().__init__(message)
        self.message = message
        for name in self._fields:
            setattr(self, name, attrs.pop(name, None))
        for name, value in attrs.items():  # unknown extras are kept too
            setattr(self, name, value)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # pickles with its attributes
        attrs = {k: v for k, v in self.__dict__.items() if k != "message"}
        return (_rebuild, (type(self), self.message, attrs))


def _rebuild(cls, message, attrs):
    return cls(message, **attrs)


class NoCredentialsError(Error):
    """The default AWS credential chain found no credentials, or a configured source
    failed (``stopped`` is then True). ``attempts`` lists every source tried as
    ``(source, reason)`` pairs; ``warnings`` are notes gathered on the way."""

    _fields = ("attempts", "stopped", "warnings")


class InvalidCredentialsError(Error, ValueError):
    """Credentials that cannot sign: empty keys, control characters, or an object
    that is not a mapping nor a botocore credentials object."""


class InvalidIdentityError(Error, ValueError):
    """The Chainguard identity is not a UIDP (``<40 hex>/<16 hex>``). ``identity`` is
    what was given and ``reason`` what is wrong with it."""

    _fields = ("identity", "reason")


class InvalidArgumentError(Error, ValueError):
    """Another argument cannot be used (a URL, region, audience, header, time...).
    ``argument`` names it when known."""

    _fields = ("argument",)


class VerifyError(Error, ValueError):
    """A token was refused by :func:`cgaws.verify`. ``check`` is the number of the
    failed check (as in the protocol: 1 encoding, 2 duplicate headers, 3 method,
    4 host, 5 signed headers, 6 audience/identity, 7 date, 8 STS, 9 the identity's
    rule) and ``code`` a stable name (``"expired"``, ``"rejected_by_sts"``,
    ``"rule_not_matched"``, ...). For check 8, ``sts_status``/``sts_code`` are
    STS's answer; for check 9, ``caller`` is who STS said the caller is and
    ``verdict`` the per-field verdict (dicts with ``field``, ``expected``,
    ``actual``, ``matched``, ``reason``, ``suggestion``)."""

    _fields = ("check", "code", "sts_status", "sts_code", "caller", "verdict")


class PrecheckError(VerifyError):
    """A token failed the relying party's checks 1-7 (or could not be read at
    all): see :class:`VerifyError` for ``check`` and ``code``."""


class ExchangeError(Error):
    """The issuer did not give a token. ``status`` is the HTTP status (None when
    there was no answer), ``code`` the gRPC status code and ``code_name`` its name
    (e.g. ``PERMISSION_DENIED``) when the issuer sent one, ``issuer_message`` the
    issuer's own message, ``location`` the target of a refused redirect."""

    _fields = ("status", "code", "code_name", "issuer_message", "location")

    @property
    def permission_denied(self) -> bool:
        """True when the caller may not assume the identity (gRPC 7/16, HTTP 401/403):
        usually the identity's AWS rule does not match the caller."""
        if self.code is not None:
            return self.code in (7, 16)
        return self.status in (401, 403)


class StsError(Error):
    """AWS STS refused a request (``whoami``, or ``GetWebIdentityToken`` for
    ``method="oidc"``). ``status`` is the HTTP status, ``code`` AWS's error code
    (e.g. ``InvalidClientTokenId``), ``request_id`` AWS's request id. ``fix`` says
    what to do when the cause is known and needs an administrator:
    ``OutboundWebIdentityFederationDisabledException`` (outbound identity
    federation is not enabled for the account: how to enable it) and
    ``AccessDenied`` (the caller may not call ``sts:GetWebIdentityToken`` for the
    audience: the minimal IAM policy statement); it is also in the message."""

    _fields = ("status", "code", "request_id", "fix")


class TransportError(Error):
    """No HTTP answer: connection refused, DNS failure, TLS failure, timeout.
    ``url`` is where the request went."""

    _fields = ("url",)
