//! The profile source (§3.4–3.7): resolving a profile into a base source and a list
//! of `AssumeRole` hops, and running them; and web identity (§4), from a profile or
//! the environment.

use super::chain::{selected_profile_or_fail, Cx, Found};
use super::io::{error, not_found, FileRead, Flow};
use super::profile::Profile;
use super::{container, env, imds, process};
use crate::credentials::Credentials;
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::Secret;
use crate::sts::{self, AssumeRoleParams, AssumedRole, StsResponseError, WebIdentityParams};
use crate::time::UnixTime;

/// STS requests may take a while (a cold IdP behind `AssumeRoleWithWebIdentity`).
pub(crate) const STS_TIMEOUT_MS: u64 = 10_000;
const STS_ATTEMPTS: usize = 3;
const STS_BACKOFF_MS: [u64; 2] = [500, 1500];

/// What the innermost profile of a chain gets its credentials from.
enum Base {
    Static {
        profile: String,
        credentials: Credentials,
        account_id: Option<String>,
    },
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    CredentialSource {
        profile: String,
        kind: CredentialSource,
    },
    WebIdentity {
        profile: String,
        role_arn: String,
        token_file: String,
        session_name: Option<String>,
    },
    Process {
        profile: String,
        command: String,
        account_id: Option<String>,
    },
}

#[derive(Clone, Copy)]
enum CredentialSource {
    Environment,
    Ec2InstanceMetadata,
    EcsContainer,
}

/// One `AssumeRole` call, from the profile that has the `role_arn`.
struct Hop {
    profile: String,
    role_arn: String,
    session_name: Option<String>,
    external_id: Option<String>,
    duration_seconds: Option<u32>,
}

/// The profile source.
pub(crate) fn profile_source(cx: &mut Cx<'_>) -> Flow<Found> {
    selected_profile_or_fail(cx)?;
    let (base, hops) = plan(cx)?;
    let selected = cx.profile_name.clone();
    let (mut credentials, base_source, mut account_id) = run_base(cx, base)?;
    if hops.is_empty() {
        return Ok(Found { credentials, source: base_source, account_id });
    }
    let total = hops.len();
    for (index, hop) in hops.iter().rev().enumerate() {
        let assumed = assume_role_hop(cx, &credentials, hop).map_err(|f| {
            f.required().context(&format!(
                "AssumeRole {} (role_arn of profile {}, hop {} of {total}, signed with credentials from {})",
                hop.role_arn,
                hop.profile,
                index + 1,
                if index == 0 { base_source.clone() } else { "the previous hop".into() }
            ))
        })?;
        credentials = assumed.credentials;
        account_id = assumed.account_id;
    }
    Ok(Found { credentials, source: format!("profile:{selected} (assume-role hop {total})"), account_id })
}

/// Walks `source_profile` links from the selected profile (§3.5).
fn plan(cx: &mut Cx<'_>) -> Flow<(Base, Vec<Hop>)> {
    let mut visited: Vec<String> = Vec::new();
    let mut hops = Vec::new();
    let mut name = cx.profile_name.clone();
    loop {
        let Some(profile) = cx.files.profile(&name).cloned() else {
            let from = visited.last().map(String::as_str).unwrap_or_default();
            return error(format!("profile {from} has source_profile = {name}, but there is no profile {name:?}"));
        };
        if visited.contains(&name) {
            visited.push(name);
            return error(format!("source_profile loop: {}", visited.join(" -> ")));
        }
        visited.push(name.clone());
        // In a source profile (not the first), static keys beat its own role_arn.
        if visited.len() > 1 {
            if let Some(base) = static_base(&profile)? {
                return Ok((base, hops));
            }
        }
        let role_arn = profile.get("role_arn");
        if role_arn.is_none() || profile.get("web_identity_token_file").is_some() {
            return match base_of(cx, &profile)? {
                Some(base) => Ok((base, hops)),
                None if visited.len() == 1 => {
                    let keys: Vec<&str> = profile.keys().collect();
                    not_found(format!(
                        "profile {name} has no credentials (it sets only: {})",
                        if keys.is_empty() { "nothing".to_string() } else { keys.join(", ") }
                    ))
                }
                None => error(format!(
                    "profile {name} is the source_profile of profile {} but has no credentials",
                    visited[visited.len() - 2]
                )),
            };
        }
        let role_arn = role_arn.expect("checked").to_string();
        if let Some(serial) = profile.get("mfa_serial") {
            return error(format!(
                "profile {name} sets mfa_serial = {serial}: cgaws cannot prompt for MFA codes; use credentials from a session that already passed MFA"
            ));
        }
        hops.push(hop_of(cx, &profile, role_arn));
        match (profile.get("source_profile"), profile.get("credential_source")) {
            (Some(_), Some(_)) => {
                return error(format!(
                    "profile {name} sets both source_profile and credential_source; it must set exactly one"
                ))
            }
            (None, None) => {
                return error(format!("profile {name} sets role_arn but neither source_profile nor credential_source"))
            }
            (None, Some(source)) => {
                let kind = credential_source_of(&name, source)?;
                return Ok((Base::CredentialSource { profile: name, kind }, hops));
            }
            (Some(next), None) if next == name => {
                // A self-reference: the profile's own keys are the base.
                return match static_base(&profile)? {
                    Some(base) => Ok((base, hops)),
                    None => error(format!(
                        "profile {name} has source_profile = {name} (itself) but no aws_access_key_id/aws_secret_access_key"
                    )),
                };
            }
            (Some(next), None) => name = next.to_string(),
        }
    }
}

fn hop_of(cx: &mut Cx<'_>, profile: &Profile, role_arn: String) -> Hop {
    let duration_seconds = profile.get("duration_seconds").and_then(|d| match d.parse::<u32>() {
        Ok(d) => Some(d),
        Err(_) => {
            cx.warnings.push(format!("profile {}: duration_seconds = {d:?} is not an integer; ignored", profile.name));
            None
        }
    });
    Hop {
        profile: profile.name.clone(),
        role_arn,
        session_name: profile.get("role_session_name").map(str::to_string),
        external_id: profile.get("external_id").map(str::to_string),
        duration_seconds,
    }
}

fn credential_source_of(profile: &str, value: &str) -> Flow<CredentialSource> {
    match value.to_ascii_lowercase().as_str() {
        "environment" => Ok(CredentialSource::Environment),
        "ec2instancemetadata" => Ok(CredentialSource::Ec2InstanceMetadata),
        "ecscontainer" => Ok(CredentialSource::EcsContainer),
        _ => error(format!(
            "profile {profile}: credential_source = {value:?} is not one of Environment, Ec2InstanceMetadata, EcsContainer"
        )),
    }
}

/// Static keys (§3.4): `Some` when the profile has them, an error when only some are there.
fn static_base(profile: &Profile) -> Flow<Option<Base>> {
    let key_id = profile.get("aws_access_key_id");
    let secret = profile.get("aws_secret_access_key");
    let token = profile.get("aws_session_token").or_else(|| profile.get("aws_security_token"));
    let name = &profile.name;
    match (key_id, secret) {
        (Some(key_id), Some(secret)) => {
            let credentials = Credentials::new(key_id, secret, token.map(str::to_string))
                .or_else(|e| error(format!("profile {name}: {e}")))?;
            let account_id = profile.get("aws_account_id").map(str::to_string);
            Ok(Some(Base::Static { profile: name.clone(), credentials, account_id }))
        }
        (Some(_), None) => error(format!("profile {name} has aws_access_key_id but no aws_secret_access_key")),
        (None, Some(_)) => error(format!("profile {name} has aws_secret_access_key but no aws_access_key_id")),
        (None, None) if token.is_some() => {
            error(format!("profile {name} has aws_session_token but no aws_access_key_id/aws_secret_access_key"))
        }
        (None, None) => Ok(None),
    }
}

/// A profile's own base source, in the Rust SDK's order (§3.4). `None`: only settings.
fn base_of(cx: &Cx<'_>, profile: &Profile) -> Flow<Option<Base>> {
    let name = &profile.name;
    if let Some(source) = profile.get("credential_source") {
        let _ = credential_source_of(name, source)?;
        return error(format!("profile {name} sets credential_source but no role_arn to assume with it"));
    }
    if let Some(token_file) = profile.get("web_identity_token_file") {
        let Some(role_arn) = profile.get("role_arn") else {
            return error(format!("profile {name} sets web_identity_token_file but no role_arn"));
        };
        return Ok(Some(Base::WebIdentity {
            profile: name.clone(),
            role_arn: role_arn.to_string(),
            token_file: cx.expand(token_file)?,
            session_name: profile.get("role_session_name").map(str::to_string),
        }));
    }
    if profile.get("sso_session").is_some()
        || profile.get("sso_start_url").is_some()
        || profile.get("sso_account_id").is_some()
        || profile.get("sso_role_name").is_some()
    {
        return error(format!(
            "profile {name} uses IAM Identity Center (SSO), which cgaws does not read yet; add \
             `credential_process = aws configure export-credentials --profile {name} --format process` \
             to another profile and use that one"
        ));
    }
    if profile.get("login_session").is_some() {
        return error(format!(
            "profile {name} uses `aws login` (login_session), which cgaws does not read yet; use \
             `credential_process = aws configure export-credentials --profile {name} --format process` in another profile"
        ));
    }
    if let Some(command) = profile.get("credential_process") {
        return Ok(Some(Base::Process {
            profile: name.clone(),
            command: command.to_string(),
            account_id: profile.get("aws_account_id").map(str::to_string),
        }));
    }
    static_base(profile)
}

/// Credentials from a base, its source name, and the account if known.
fn run_base(cx: &mut Cx<'_>, base: Base) -> Flow<(Credentials, String, Option<String>)> {
    match base {
        Base::Static { profile, credentials, account_id } => {
            Ok((credentials, format!("profile:{profile}"), account_id))
        }
        Base::Process { profile, command, account_id } => {
            let found = process::run(cx, &command, account_id)
                .map_err(|f| f.required().context(&format!("credential_process of profile {profile}")))?;
            Ok((found.credentials, format!("profile:{profile} (credential_process)"), found.account_id))
        }
        Base::WebIdentity { profile, role_arn, token_file, session_name } => {
            let assumed = web_identity(cx, &role_arn, &token_file, session_name)
                .map_err(|f| f.required().context(&format!("web identity of profile {profile}")))?;
            Ok((assumed.credentials, format!("profile:{profile} (web-identity)"), assumed.account_id))
        }
        Base::CredentialSource { profile, kind } => {
            let (label, found) = match kind {
                CredentialSource::Environment => ("Environment", env::credentials(cx)),
                CredentialSource::Ec2InstanceMetadata => ("Ec2InstanceMetadata", imds::credentials(cx)),
                CredentialSource::EcsContainer => ("EcsContainer", container::credentials(cx)),
            };
            let found = found
                .map_err(|f| f.required().context(&format!("credential_source = {label} of profile {profile}")))?;
            Ok((found.credentials, found.source, found.account_id))
        }
    }
}

fn assume_role_hop(cx: &mut Cx<'_>, credentials: &Credentials, hop: &Hop) -> Flow<AssumedRole> {
    let endpoint = cx.sts_endpoint()?;
    let params = AssumeRoleParams {
        role_arn: hop.role_arn.clone(),
        role_session_name: hop.session_name.clone().unwrap_or_else(|| cx.session_name()),
        external_id: hop.external_id.clone(),
        duration_seconds: hop.duration_seconds,
    };
    let assumed = sts_call(
        cx,
        |cx, time| {
            sts::assume_role(&endpoint, credentials, &params, time, &mut cx.cache)
                .or_else(|e| error(format!("cannot sign the request: {e}")))
        },
        sts::parse_assume_role,
    )?;
    cx.check_fresh(&assumed.credentials, "STS AssumeRole")?;
    Ok(assumed)
}

/// The web-identity source: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (§4).
pub(crate) fn web_identity_env_source(cx: &mut Cx<'_>) -> Flow<Found> {
    let Some(token_file) = cx.env("AWS_WEB_IDENTITY_TOKEN_FILE") else {
        return not_found("AWS_WEB_IDENTITY_TOKEN_FILE is not set");
    };
    let Some(role_arn) = cx.env("AWS_ROLE_ARN") else {
        return error("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    };
    let token_file = cx.expand(token_file)?;
    let session_name = cx.env("AWS_ROLE_SESSION_NAME").map(str::to_string);
    let assumed = web_identity(cx, role_arn, &token_file, session_name)?;
    Ok(Found { credentials: assumed.credentials, source: "web-identity".into(), account_id: assumed.account_id })
}

/// Reads the token (again, each time: kubelet rotates it) and calls the unsigned
/// `AssumeRoleWithWebIdentity`.
fn web_identity(cx: &mut Cx<'_>, role_arn: &str, token_file: &str, session_name: Option<String>) -> Flow<AssumedRole> {
    let token = match cx.io.read_file(token_file)? {
        FileRead::Bytes(bytes) => String::from_utf8(bytes)
            .or_else(|_| error(format!("the web identity token file {token_file:?} is not UTF-8 text")))?,
        FileRead::Missing => return error(format!("the web identity token file {token_file:?} does not exist")),
        FileRead::Failed(e) => return error(format!("cannot read the web identity token file {token_file:?}: {e}")),
    };
    let token = token.trim();
    if token.is_empty() {
        return error(format!("the web identity token file {token_file:?} is empty"));
    }
    let endpoint = cx.sts_endpoint()?;
    let params = WebIdentityParams {
        role_arn: role_arn.to_string(),
        role_session_name: session_name.unwrap_or_else(|| cx.session_name()),
        token: Secret::new(token),
        duration_seconds: None,
    };
    let assumed = sts_call(
        cx,
        |_, _| Ok(sts::assume_role_with_web_identity(&endpoint, &params)),
        sts::parse_assume_role_with_web_identity,
    )
    .map_err(|f| f.context(&format!("AssumeRoleWithWebIdentity {role_arn}")))?;
    cx.check_fresh(&assumed.credentials, "STS AssumeRoleWithWebIdentity")?;
    Ok(assumed)
}

/// Sends an STS request, retrying transport errors, throttling, `IDPCommunicationError`
/// and 5xx (3 attempts, backing off 0.5 s then 1.5 s). A signature refused for the
/// local clock's sake is signed once more with the server's `Date` (§10), with a warning.
fn sts_call<T>(
    cx: &mut Cx<'_>,
    mut build: impl FnMut(&mut Cx<'_>, UnixTime) -> Flow<HttpRequest>,
    parse: impl Fn(&HttpResponse) -> Result<T, StsResponseError>,
) -> Flow<T> {
    let mut attempt = 0;
    let mut time = cx.now();
    let mut skew_corrected = false;
    loop {
        let request = build(cx, time)?;
        let url = format!("{}://{}{}", request.scheme, request.authority, request.path);
        let failure = match cx.io.http(request, STS_TIMEOUT_MS)? {
            Ok(response) => match parse(&response) {
                Ok(value) => return Ok(value),
                Err(StsResponseError::Service(e)) if !skew_corrected => {
                    if let Some(server) = sts::skew_corrected_time(&response, &e, time) {
                        let offset = time.secs() - server.secs();
                        cx.warnings.push(format!(
                            "the local clock is {} s {} STS's ({url}); signed again with the server's time. Fix the clock (NTP)",
                            offset.abs(),
                            if offset < 0 { "behind" } else { "ahead of" }
                        ));
                        time = server;
                        skew_corrected = true;
                        continue;
                    }
                    if e.is_retryable() {
                        format!("{e} (from {url})")
                    } else {
                        return error(format!("{e} (from {url})"));
                    }
                }
                Err(e) if e.is_retryable() => format!("{e} (from {url})"),
                Err(e) => return error(format!("{e} (from {url})")),
            },
            Err(e) => format!("cannot reach STS at {url}: {e}"),
        };
        attempt += 1;
        if attempt >= STS_ATTEMPTS {
            return error(format!("{failure}, after {attempt} attempts"));
        }
        cx.io.sleep(STS_BACKOFF_MS[(attempt - 1).min(STS_BACKOFF_MS.len() - 1)])?;
    }
}
