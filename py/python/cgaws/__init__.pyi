"""Type stub of `cgaws` (the runtime module avoids importing `typing`)."""

from datetime import datetime, timedelta
from typing import Any, Iterable, List, Literal, Mapping, Optional, Protocol, Sequence, Tuple, Union

from ._core import Credentials as Credentials
from ._errors import (
    Error as Error,
    ExchangeError as ExchangeError,
    InvalidArgumentError as InvalidArgumentError,
    InvalidCredentialsError as InvalidCredentialsError,
    InvalidIdentityError as InvalidIdentityError,
    NoCredentialsError as NoCredentialsError,
    PrecheckError as PrecheckError,
    StsError as StsError,
    TransportError as TransportError,
)

__version__: str
DEFAULT_AUDIENCE: str
DEFAULT_ISSUER: str
DEFAULT_TOKEN_AUDIENCE: str
GLOBAL_STS_HOST: str
METHODS: Tuple[str, str]
__all__: List[str]

class _BotocoreFrozen(Protocol):
    access_key: str
    secret_key: str
    token: Optional[str]

class _BotocoreCredentials(Protocol):
    def get_frozen_credentials(self) -> _BotocoreFrozen: ...

CredentialsLike = Union[None, Credentials, Mapping[str, Any], _BotocoreCredentials, _BotocoreFrozen]
TimeLike = Union[None, datetime, int, float]
Method = Literal["gci", "oidc"]

def load_credentials(*, profile: Optional[str] = None, region: Optional[str] = None) -> Credentials: ...
def generate_token(
    identity: Optional[str],
    credentials: CredentialsLike = None,
    *,
    audience: str = ...,
    sts_region: Optional[str] = None,
    time: TimeLike = None,
    method: Method = "gci",
    oidc_algorithm: Optional[Literal["ES384", "RS256"]] = None,
    oidc_duration: Union[None, int, timedelta] = None,
    timeout: float = 10.0,
) -> str: ...

class SignedRequest:
    method: str
    url: str
    headers: dict[str, str]
    header_list: List[Tuple[str, str]]
    body: bytes
    signature: str
    signed_headers: str
    canonical_request: str
    string_to_sign: str
    def __init__(self, fields: Mapping[str, Any]) -> None: ...

def sign(
    method: str,
    url: str,
    headers: Union[None, Mapping[str, Union[str, int]], Iterable[Tuple[str, str]]] = None,
    body: Union[bytes, bytearray, memoryview, str, None] = b"",
    *,
    credentials: CredentialsLike,
    region: str,
    service: str,
    time: TimeLike = None,
    presign_expires: Union[None, int, timedelta] = None,
    unsigned_payload: bool = False,
    normalize_path: bool = True,
) -> SignedRequest: ...
def inspect(token: str) -> dict[str, Any]: ...
def precheck(
    token: str,
    *,
    identity: str,
    audiences: Union[str, Sequence[str]],
    now: TimeLike = None,
    sts_host: Union[str, Sequence[str]] = ...,
) -> dict[str, Any]: ...

class Token:
    token: str
    expiry: Optional[datetime]
    refresh_token: Optional[str]
    def __init__(self, token: str, expiry: Optional[datetime] = None, refresh_token: Optional[str] = None) -> None: ...

def exchange(
    identity: str,
    *,
    audience: Union[str, Sequence[str]] = ...,
    issuer: str = ...,
    credentials: CredentialsLike = None,
    scopes: Sequence[str] = (),
    caps: Sequence[str] = (),
    timeout: float = 10.0,
    method: Method = "gci",
    oidc_algorithm: Optional[Literal["ES384", "RS256"]] = None,
) -> Token: ...

class CallerIdentity:
    account: str
    arn: str
    user_id: str
    def __init__(self, account: str, arn: str, user_id: str) -> None: ...

def whoami(credentials: CredentialsLike = None, *, timeout: float = 10.0) -> CallerIdentity: ...

from ._errors import VerifyError as VerifyError

def verify(
    token: str,
    *,
    identity: str,
    audiences: Union[str, Sequence[str]],
    rule: Union[None, str, bytes, Mapping[str, Any]] = None,
    now: TimeLike = None,
    sts_host: Union[str, Sequence[str]] = ...,
    sts_endpoint: Optional[str] = None,
    timeout: float = 10.0,
) -> dict[str, Any]: ...
