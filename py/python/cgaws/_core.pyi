"""Type stub of the Rust extension `cgaws._core` (private: use `cgaws`)."""

from datetime import datetime
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, Union

VERSION: str
DEFAULT_AUDIENCE: str
DEFAULT_ISSUER: str
DEFAULT_TOKEN_AUDIENCE: str
GLOBAL_STS_HOST: str
MAX_RESPONSE_BYTES: int

_Headers = List[Tuple[str, str]]
_Request = Tuple[str, str, _Headers, bytes, int]

class Credentials:
    """AWS credentials. ``repr()`` shows the access key id only."""

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: Optional[str] = None,
        *,
        expiry: Union[None, datetime, int, float] = None,
    ) -> None: ...
    @property
    def access_key_id(self) -> str: ...
    @property
    def secret_access_key(self) -> str: ...
    @property
    def session_token(self) -> Optional[str]: ...
    @property
    def expiry(self) -> Optional[datetime]: ...
    @property
    def source(self) -> str: ...
    @property
    def region(self) -> Optional[str]: ...
    @property
    def account_id(self) -> Optional[str]: ...
    def get_frozen_credentials(self) -> "Credentials": ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Exchange:
    def __init__(
        self,
        issuer: str,
        identity: str,
        audiences: List[str],
        scopes: List[str],
        caps: List[str],
        bearer: str,
    ) -> None: ...
    def request(self) -> _Request: ...
    def on_response(
        self, status: int, headers: _Headers, body: bytes, jitter: float
    ) -> Union[
        Tuple[Literal["done"], str, Optional[int], Optional[str]],
        Tuple[Literal["retry"], int],
    ]: ...
    @property
    def attempts(self) -> int: ...

class CredentialChain:
    def __init__(
        self,
        env: Mapping[str, str],
        now: int,
        *,
        profile: Optional[str] = None,
        region: Optional[str] = None,
        home: Optional[str] = None,
        jitter_seed: int = 0,
        previous: Optional[Credentials] = None,
    ) -> None: ...
    def next_action(
        self,
    ) -> Union[
        Tuple[Literal["read_file"], str],
        Tuple[Literal["http"], _Request],
        Tuple[Literal["run_process"], List[str]],
        Tuple[Literal["sleep"], int],
        Tuple[Literal["done"], Credentials, List[str]],
    ]: ...
    def feed_file(self, data: Optional[bytes]) -> None: ...
    def feed_file_error(self, message: str) -> None: ...
    def feed_http(self, status: int, headers: _Headers, body: bytes) -> None: ...
    def feed_transport_error(self, kind: Literal["connect", "timeout", "other"], message: str) -> None: ...
    def feed_process(self, exit_code: Optional[int], stdout: bytes, stderr: bytes) -> None: ...
    def feed_process_error(self, message: str) -> None: ...
    def feed_slept(self) -> None: ...

def generate_token(
    identity: str,
    credentials: Credentials,
    audience: str,
    sts_region: Optional[str],
    time: int,
    check_identity: bool = True,
) -> str: ...
def sign(
    method: str,
    url: str,
    headers: _Headers,
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    time: int,
    presign_expires: Optional[int],
    unsigned_payload: bool,
    normalize_path: bool,
) -> Dict[str, Any]: ...
def inspect(token: str) -> Dict[str, Any]: ...
def precheck(
    token: str, identity: str, audiences: List[str], now: int, sts_hosts: List[str]
) -> Dict[str, Any]: ...
def epoch_seconds(value: Union[datetime, int, float], name: str = "time") -> int: ...
def config_paths(env: Mapping[str, str]) -> Tuple[Optional[str], Optional[str]]: ...
class StsCall:
    """One STS call with the core's attempt policy, driven by ``_driver.run_sts``."""

    def request(self, now: int) -> _Request: ...
    def on_response(
        self, status: int, headers: _Headers, body: bytes, now: int, jitter: float
    ) -> Tuple[Any, ...]: ...

def caller_identity_call(
    env: Mapping[str, str],
    config: Optional[bytes],
    credentials_file: Optional[bytes],
    credentials: Credentials,
    region: Optional[str] = None,
) -> StsCall: ...

class WebIdentityTokenParams:
    """Checked ``GetWebIdentityToken`` parameters (a dry run of the core's checks)."""

    def __init__(
        self,
        audience: str,
        algorithm: Optional[str] = None,
        duration: Optional[int] = None,
        region: Optional[str] = None,
        identity: Optional[str] = None,
    ) -> None: ...

def web_identity_token_call(
    env: Mapping[str, str],
    config: Optional[bytes],
    credentials_file: Optional[bytes],
    credentials: Credentials,
    params: WebIdentityTokenParams,
) -> StsCall: ...

class Verification:
    def request(self, endpoint_url: Optional[str] = None) -> _Request: ...
    def finish(self, status: int, headers: _Headers, body: bytes) -> Dict[str, Any]: ...

def verify_start(
    token: str,
    identity: str,
    audiences: List[str],
    now: int,
    sts_hosts: List[str],
    rule_json: Optional[str] = None,
) -> Verification: ...
