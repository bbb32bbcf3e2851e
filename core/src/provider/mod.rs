//! The AWS default credential chain, as a sans-I/O state machine.
//!
//! [`CredentialChain`] resolves credentials the way the AWS CLI and SDKs do
//! (`docs/aws-credentials.md`), but never touches a file, socket, process, clock or
//! environment variable itself: it tells its driver what to do next as an
//! [`Action`], and the driver feeds the outcome back as an [`Answer`].
//!
//! # Sources, in order
//!
//! 1. **environment**: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!    `AWS_SESSION_TOKEN` (or the legacy `AWS_SECURITY_TOKEN`). Skipped when an
//!    explicit profile ([`ChainConfig::profile`], i.e. `--profile`) is given; `AWS_PROFILE`
//!    does not skip it. A key id without a secret is an error.
//! 2. **profile**: the shared `config` and `credentials` files: static keys,
//!    `role_arn` with `source_profile` / `credential_source` (STS `AssumeRole`,
//!    chained), `credential_process`, `web_identity_token_file`.
//! 3. **web-identity**: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (EKS IRSA),
//!    STS `AssumeRoleWithWebIdentity`.
//! 4. **container**: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI` (ECS, EKS
//!    Pod Identity).
//! 5. **imds**: the EC2 instance metadata service (IMDSv2).
//!
//! A source that has nothing to offer ("not found") passes to the next one; a source
//! that is configured but fails stops the chain. Either way the final
//! [`ChainError`] lists every source tried and why it gave nothing.
//!
//! # Driving the chain
//!
//! ```no_run
//! # use cgaws_core::provider::*;
//! # fn perform(_: &Action) -> Answer { unimplemented!() }
//! # let config = ChainConfig::new(Default::default(), cgaws_core::UnixTime::from_secs(0));
//! let mut chain = CredentialChain::new(config);
//! let resolved = loop {
//!     match chain.next_action() {
//!         Action::Done(result) => break result,
//!         action => {
//!             let answer = perform(&action); // the driver's I/O
//!             chain.feed(answer);
//!         }
//!     }
//! };
//! ```
//!
//! The contract:
//!
//! - Call [`CredentialChain::next_action`], perform the action, [`CredentialChain::feed`]
//!   exactly one answer of the matching kind, repeat until [`Action::Done`]. Calling
//!   `next_action` again without feeding returns the same action; after `Done` it keeps
//!   returning the same `Done`. An answer fed when no action is pending is ignored; an
//!   answer of the wrong kind fails the current source with a message saying so.
//! - [`Action::ReadFile`]: read the whole file at `path` (already `~`-expanded; use it
//!   as is). Answer [`Answer::File`]`(Some(bytes))`, `File(None)` if it does not exist,
//!   or [`Answer::FileError`] with a message for any other failure (permissions, a
//!   directory, ...). Files are re-read every time they are asked for (tokens rotate).
//! - [`Action::Http`]: send exactly this request (method, URL, headers, body) and
//!   answer [`Answer::Http`]. **Never follow redirects**: a 3xx is an answer like any
//!   other. Do not add authentication, proxies' credentials or cookies. Adding
//!   `User-Agent`, `Content-Length` and `Connection` is fine; the `Host` must stay the
//!   URL's authority. `timeout_ms` bounds the whole exchange (connect + response).
//!   Report a failure to connect (refused, unreachable, DNS, **and a connect
//!   timeout**) as [`TransportError::ConnectFailed`], and a timeout after the
//!   connection was made as [`TransportError::Timeout`]: the core uses the
//!   difference to recognise the IMDS hop-limit problem. A driver that cannot tell
//!   them apart (e.g. `fetch`) reports `Timeout`. Non-2xx statuses are answers, not
//!   transport errors. Requests for link-local metadata endpoints (`169.254.x`,
//!   `fd00:ec2::`) must not go through an HTTP proxy.
//! - [`Action::RunProcess`]: run `argv[0]` with arguments `argv[1..]` directly, **no
//!   shell** (the core already split the `credential_process` line with POSIX
//!   shell-word rules), with the caller's own environment, working directory and
//!   stdin; capture stdout and stderr; answer [`Answer::Process`] with the exit code
//!   and both outputs, or `Err(message)` if it could not be started.
//! - [`Action::Sleep`]: wait `millis` milliseconds (a retry back-off), answer
//!   [`Answer::Slept`].
//! - [`Action::Done`]: the result. `Debug` and `Display` of every type here redact
//!   secrets, so results and errors may be logged.
//!
//! Timeouts are short by design: IMDS requests default to 1 s (so a machine without
//! IMDS fails in about a second), container requests 2 s, STS requests 10 s.
//!
//! # Configuration helpers
//!
//! The same rules are available without running the chain, for frontends that need
//! the region or the STS endpoint: [`config_file_paths`], [`ProfileFiles::parse`],
//! [`selected_profile`], [`resolve_region`] and [`sts_send_endpoint`]. After a run,
//! [`CredentialChain::sts_send_endpoint`] gives the endpoint from the files it read.
//!
//! # Behaviour where the SDKs differ
//!
//! - **Profile selection**: `--profile`, then `AWS_PROFILE`, then the legacy
//!   `AWS_DEFAULT_PROFILE`, then `default`. A profile named explicitly (`--profile`
//!   or an env var) that does not exist is an error listing the known profiles; a
//!   missing `default` is "not found". `--profile` skips only the environment source.
//! - **Environment**: a key id without a secret is an error. `AWS_SESSION_TOKEN` beats
//!   the legacy `AWS_SECURITY_TOKEN`. `AWS_CREDENTIAL_EXPIRATION` sets the expiry.
//! - **Files**: the Rust SDK's parser plus `:` separators, last-wins duplicate keys,
//!   an indented first property and text after `]` (see [`ProfileFiles`]).
//! - **Profiles**: checked in the Rust SDK's order: `credential_source`, web identity,
//!   SSO / `aws login` (not supported: an error that suggests
//!   `aws configure export-credentials --format process`), `credential_process`,
//!   static keys. In a source profile, static keys beat its `role_arn`. `duration_seconds`
//!   and `external_id` are sent (botocore); a non-integer `duration_seconds` is ignored
//!   with a warning. `mfa_serial` is an error (no prompting). `credential_source` is
//!   case-insensitive. `role_session_name` defaults to `cgaws-session-<unix seconds>`.
//! - **Web identity from env**: `AWS_ROLE_ARN` missing is an error (botocore). Env and
//!   profile web identity settings are not merged key by key (Rust).
//! - **`credential_process`**: split with POSIX shell-word rules and run without a
//!   shell (botocore), on every platform. `"Version"` must be the number 1.
//! - **Container**: `FULL_URI` hosts are checked without DNS: over `http` only
//!   loopback literals, `localhost`, `169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`.
//!   3 attempts, 1 s apart, on transport errors, 5xx/429 and unreadable 200s; other 4xx
//!   are final. The token file is re-read before every attempt.
//! - **IMDS**: IMDSv2; v1 fallback only when the token `PUT` gets 403/404/405 and
//!   `AWS_EC2_METADATA_V1_DISABLED` is not `true`. A `PUT` **timeout** does not fall back:
//!   it fails naming the hop limit and [`HOP_LIMIT_FIX`]. Cannot connect = not found.
//!   `AWS_METADATA_SERVICE_TIMEOUT` (default 1 s) and `_NUM_ATTEMPTS` (default 1, for
//!   transport failures; 5xx get 3). `AWS_EC2_INSTANCE_PROFILE_NAME` skips the listing.
//!   Static stability: an already-expired IMDS expiry becomes now + 10 min +
//!   ([`ChainConfig::jitter_seed`] % 300) s with a warning, and a failing IMDS returns
//!   [`ChainConfig::previous`] the same way when that came from IMDS.
//! - **STS**: sent where [`sts_send_endpoint`] says (no region: the global endpoint, as
//!   botocore; `sts_regional_endpoints = legacy` honoured). 3 attempts (0.5 s, 1.5 s
//!   back-off) on transport errors, throttling, `IDPCommunicationError` and 5xx. A
//!   signature refused as expired is re-signed once with the response's `Date`.
//! - **Freshness**: credentials that expire within 10 s are refused, except on the IMDS
//!   static-stability path.
//! - **Region**: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`
//!   (following `source_profile`); IMDS is not asked.

mod chain;
mod container;
mod env;
mod imds;
mod io;
mod process;
mod profile;
mod role;
mod settings;

pub use crate::sts::SendEndpoint;
pub use container::full_uri_allowed;
pub use imds::HOP_LIMIT_FIX;
pub use process::{parse_output as parse_credential_process_output, split_shell_words, ShellWordsError};
pub use profile::{Profile, ProfileFileError, ProfileFiles};
pub use settings::{
    config_file_paths, expand_home, home_dir, resolve_region, selected_profile, sts_send_endpoint, EndpointConfigError,
    RegionChoice,
};

use crate::credentials::Credentials;
use crate::http::{HttpRequest, HttpResponse};
use crate::time::UnixTime;
use core::fmt;
use std::collections::BTreeMap;

/// The caller's environment, as name → value.
pub type Env = BTreeMap<String, String>;

/// Everything the chain needs from the outside world up front.
#[derive(Clone)]
pub struct ChainConfig {
    /// The process environment (only `AWS_*`, `HOME`, `USERPROFILE`, `HOMEDRIVE` and
    /// `HOMEPATH` are read; passing all of it is fine).
    pub env: Env,
    /// An explicit profile (`--profile`): used instead of `AWS_PROFILE`, and it makes
    /// the chain skip environment credentials.
    pub profile: Option<String>,
    /// An explicit region (`--region`): beats `AWS_REGION` and every other setting.
    pub region: Option<String>,
    /// The current time: expiry checks, `X-Amz-Date`, default session names.
    pub now: UnixTime,
    /// The home directory for `~/.aws/...`. `None`: taken from `HOME`, then
    /// `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH` in `env`.
    pub home: Option<String>,
    /// Any random number; it spreads the IMDS static-stability expiry extension
    /// (10 min + `jitter_seed % 300` s). `0` is fine for tests and one-shot CLIs.
    pub jitter_seed: u64,
    /// The result of an earlier run, if the caller keeps one (long-running drivers).
    /// When it came from IMDS and IMDS is now unreachable or failing, it is returned
    /// again with a warning instead of failing (static stability, §7.4).
    pub previous: Option<ResolvedCredentials>,
}

impl ChainConfig {
    /// A configuration with no explicit profile or region, no home override, and no
    /// previous result.
    pub fn new(env: Env, now: UnixTime) -> Self {
        ChainConfig { env, profile: None, region: None, now, home: None, jitter_seed: 0, previous: None }
    }
}

/// The environment holds secrets: `Debug` shows variable names only.
impl fmt::Debug for ChainConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainConfig")
            .field("env_names", &self.env.keys().collect::<Vec<_>>())
            .field("profile", &self.profile)
            .field("region", &self.region)
            .field("now", &self.now)
            .field("home", &self.home)
            .field("jitter_seed", &self.jitter_seed)
            .field("previous", &self.previous)
            .finish()
    }
}

/// What the driver must do next. See the module documentation for the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read this whole file; answer [`Answer::File`] or [`Answer::FileError`].
    ReadFile { path: String },
    /// Send this request (no redirects) within `timeout_ms`; answer [`Answer::Http`].
    Http { request: HttpRequest, timeout_ms: u64 },
    /// Run this program without a shell; answer [`Answer::Process`].
    RunProcess { argv: Vec<String> },
    /// Wait this long, then answer [`Answer::Slept`].
    Sleep { millis: u64 },
    /// Finished. Further calls return the same value.
    Done(Result<ResolvedCredentials, ChainError>),
}

/// The outcome of an [`Action`].
#[derive(Clone, PartialEq, Eq)]
pub enum Answer {
    /// The file's bytes, or `None` if it does not exist.
    File(Option<Vec<u8>>),
    /// The file exists (or might) but could not be read.
    FileError(String),
    Http(Result<HttpResponse, TransportError>),
    /// The process ran (whatever its exit code), or `Err` if it could not be started.
    Process(Result<ProcessOutput, String>),
    Slept,
}

/// File contents and process output may hold credentials: `Debug` shows sizes only.
impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::File(Some(bytes)) => write!(f, "File(<{} bytes>)", bytes.len()),
            Answer::File(None) => f.write_str("File(None)"),
            Answer::FileError(e) => f.debug_tuple("FileError").field(e).finish(),
            Answer::Http(r) => f.debug_tuple("Http").field(r).finish(),
            Answer::Process(r) => f.debug_tuple("Process").field(r).finish(),
            Answer::Slept => f.write_str("Slept"),
        }
    }
}

/// Why an HTTP exchange produced no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// No connection: refused, unreachable, DNS failure, or a connect timeout.
    ConnectFailed(String),
    /// Connected (or could not tell), but no complete response within `timeout_ms`.
    /// For the IMDSv2 token request this is the hop-limit symptom.
    Timeout,
    /// Anything else (TLS failure, connection reset, malformed response, ...).
    Other(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::ConnectFailed(e) => write!(f, "could not connect: {e}"),
            TransportError::Timeout => f.write_str("timed out"),
            TransportError::Other(e) => e.fmt(f),
        }
    }
}

/// How a `credential_process` ended.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessOutput {
    /// The exit code; `None` if the process was killed by a signal.
    pub exit_code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// stdout carries credentials: `Debug` shows the exit code and sizes only.
impl fmt::Debug for ProcessOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessOutput")
            .field("exit_code", &self.exit_code)
            .field("stdout_len", &self.stdout.len())
            .field("stderr_len", &self.stderr.len())
            .finish()
    }
}

/// Credentials and where they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedCredentials {
    /// With their expiry when the source gave one.
    pub credentials: Credentials,
    /// Human-readable origin: `environment`, `profile:dev`,
    /// `profile:dev (credential_process)`, `profile:dev (web-identity)`,
    /// `profile:dev (assume-role hop 2)`, `web-identity`, `container`, `imds`.
    pub source: String,
    /// The resolved region (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile's `region`), if any.
    pub region: Option<String>,
    /// The AWS account, when the source said (`AWS_ACCOUNT_ID`, `aws_account_id`,
    /// process/container `AccountId`, the assumed-role ARN).
    pub account_id: Option<String>,
    /// Things the user should know but that did not stop the chain (ignored config
    /// sections, a missing file named by an env var, stale IMDS credentials kept).
    pub warnings: Vec<String>,
}

/// One source the chain tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// `environment`, `profile:NAME`, `web-identity`, `container`, `imds`.
    pub source: String,
    /// Why it yielded nothing (or, for the failing source, the error).
    pub reason: String,
}

/// No credentials. `Display` lists every source tried and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError {
    /// Every source tried, in order.
    pub attempts: Vec<Attempt>,
    /// `true` when the last attempt is a source that was configured but failed,
    /// which stopped the chain; `false` when every source simply had nothing.
    pub stopped: bool,
    pub warnings: Vec<String>,
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.stopped, self.attempts.last()) {
            (true, Some(last)) => {
                write!(f, "could not load AWS credentials from {}: {}", last.source, last.reason)?;
                let earlier = &self.attempts[..self.attempts.len() - 1];
                if !earlier.is_empty() {
                    f.write_str("\nsources tried before it:")?;
                    for a in earlier {
                        write!(f, "\n  - {}: {}", a.source, a.reason)?;
                    }
                }
                Ok(())
            }
            _ => {
                f.write_str("no AWS credentials found; sources tried:")?;
                for a in &self.attempts {
                    write!(f, "\n  - {}: {}", a.source, a.reason)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ChainError {}

/// The credential chain. See the module documentation for how to drive it.
pub struct CredentialChain {
    config: ChainConfig,
    answers: Vec<Answer>,
    pending: bool,
    done: Option<Result<ResolvedCredentials, ChainError>>,
    loaded: chain::Loaded,
}

impl fmt::Debug for CredentialChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialChain")
            .field("config", &self.config)
            .field("answers", &self.answers.len())
            .field("done", &self.done)
            .finish()
    }
}

impl CredentialChain {
    pub fn new(config: ChainConfig) -> Self {
        CredentialChain { config, answers: Vec::new(), pending: false, done: None, loaded: chain::Loaded::default() }
    }

    /// What the driver must do next. Repeats the pending action until it is answered;
    /// after `Done`, repeats `Done`.
    pub fn next_action(&mut self) -> Action {
        if let Some(done) = &self.done {
            return Action::Done(done.clone());
        }
        let (result, pending, loaded) = chain::run(&self.config, &self.answers);
        self.loaded = loaded;
        match (result, pending) {
            (Some(result), _) => {
                self.pending = false;
                self.done = Some(result.clone());
                Action::Done(result)
            }
            (None, Some(action)) => {
                self.pending = true;
                action
            }
            (None, None) => unreachable!("a suspended run always leaves a pending action"),
        }
    }

    /// The answer to the action last returned by [`next_action`](Self::next_action).
    /// Ignored when no action is pending.
    pub fn feed(&mut self, answer: Answer) {
        if self.pending {
            self.answers.push(answer);
            self.pending = false;
        }
    }

    /// The profile in use: `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or `default`.
    pub fn profile_name(&self) -> String {
        selected_profile(&self.config.env, self.config.profile.as_deref()).0
    }

    /// The shared files as loaded (empty until they have been read, and if they did
    /// not parse).
    pub fn profile_files(&self) -> Option<&ProfileFiles> {
        self.loaded.files.as_ref()
    }

    /// The resolved region and where it came from (once the files have been read).
    pub fn region(&self) -> Option<&RegionChoice> {
        self.loaded.region.as_ref()
    }

    /// Where STS requests (e.g. `whoami`'s `GetCallerIdentity`) should be sent, by the
    /// same rules the chain used for `AssumeRole`. Meaningful after `Done`.
    pub fn sts_send_endpoint(&self) -> Result<SendEndpoint, EndpointConfigError> {
        let empty = ProfileFiles::default();
        let files = self.loaded.files.as_ref().unwrap_or(&empty);
        sts_send_endpoint(
            &self.config.env,
            files,
            &self.profile_name(),
            self.loaded.region.as_ref().map(|r| r.region.as_str()),
        )
    }
}

/// Where the shared files are: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/config` and `~/.aws/credentials`, with a leading `~/` expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigPaths {
    /// `None` when the path is under `~` and no home directory is known.
    pub config: Option<String>,
    pub credentials: Option<String>,
}
