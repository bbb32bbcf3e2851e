//! `cgaws whoami`: who STS says the ambient credentials are.

use crate::args;
use crate::creds::{self, env_snapshot, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::log::Timer;
use crate::{clock, http, out, vlog};
use cgaws_core::provider::{
    config_file_paths, resolve_region, selected_profile, sts_send_endpoint, ProfileFiles, ResolvedCredentials,
    SendEndpoint,
};
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::sts::{CallerIdentity, GetCallerIdentity, RetryReason, StsAction, StsCall, StsResponseError, StsStep};
use serde_json::json;
use std::time::Duration;

pub const SUMMARY: &str = "print the AWS caller (Account, Arn, UserId) as STS GetCallerIdentity reports it";

pub const USAGE: &str = "\
cgaws whoami: the AWS caller as STS sees it

Usage: cgaws whoami [--output text|json] [OPTIONS]

Calls STS GetCallerIdentity with the ambient AWS credentials and prints
Account, Arn and UserId: the values a Chainguard identity's awsIdentity rule
(aws_account, arn/arn_pattern, user_id/user_id_pattern) is matched against.
For a role this is arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.

STS requests go where the AWS SDKs send them (AWS_ENDPOINT_URL_STS,
AWS_ENDPOINT_URL, the profile's endpoint_url, regional endpoints, FIPS...).

Options:
  --output text|json  output format (default text)
  --profile NAME      AWS profile (skips environment credentials, like the AWS CLI)
  --region REGION     AWS region (chooses the regional STS endpoint)
  -v, --verbose       step logs on stderr
  -h, --help          this help
";

const STS_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut json_output = false;
    let mut aws = AwsOpts::default();
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--output" | "-o" => {
                json_output = match args::value(parser, &flag)?.as_str() {
                    "json" => true,
                    "text" => false,
                    other => return Err(CliError::usage(format!("--output: {other:?} is not text or json"))),
                }
            }
            "--profile" => aws.profile = Some(args::nonempty(parser, &flag)?),
            "--region" => aws.region = Some(args::nonempty(parser, &flag)?),
            _ => args::common(flag, "whoami", USAGE)?,
        }
    }
    let credentials = creds::resolve(&aws)?;
    let caller = call(&credentials, &aws)?;
    let text = if json_output {
        out::json(&json!({"Account": caller.account, "Arn": caller.arn, "UserId": caller.user_id}))
    } else {
        format!("Account: {}\nArn:     {}\nUserId:  {}\n", caller.account, caller.arn, caller.user_id)
    };
    out::stdout(&text)
}

/// Where STS calls go, by the SDKs' rules.
pub fn send_endpoint(credentials: &ResolvedCredentials, aws: &AwsOpts) -> CliResult<SendEndpoint> {
    let env = env_snapshot();
    let paths = config_file_paths(&env, None);
    let read = |p: &Option<String>| p.as_ref().and_then(|p| std::fs::read(p).ok());
    let (config, creds_file) = (read(&paths.config), read(&paths.credentials));
    let files = ProfileFiles::parse(config.as_deref(), creds_file.as_deref()).map_err(|e| CliError::failure(e.to_string()))?;
    let (profile, _) = selected_profile(&env, aws.profile.as_deref());
    let region = credentials
        .region
        .clone()
        .or_else(|| resolve_region(&env, aws.region.as_deref(), &files, &profile).map(|c| c.region));
    let endpoint = sts_send_endpoint(&env, &files, &profile, region.as_deref()).map_err(|e| CliError::failure(e.to_string()))?;
    vlog!("sts: sending to {} (signed for {}, chosen by {})", endpoint.url.authority, endpoint.signing_region, endpoint.chosen_by);
    Ok(endpoint)
}

/// GetCallerIdentity, with the core's attempt policy ([`run_sts`]).
pub fn call(credentials: &ResolvedCredentials, aws: &AwsOpts) -> CliResult<CallerIdentity> {
    let endpoint = send_endpoint(credentials, aws)?;
    let timer = Timer::start();
    let mut call = StsCall::new(GetCallerIdentity::default(), endpoint, credentials.credentials.clone());
    let caller = run_sts(&mut call, &credentials.source, |e| {
        CliError::failure(format!("cannot sign GetCallerIdentity: {e}"))
    })?;
    vlog!("sts: GetCallerIdentity -> {} in {timer}", caller.arn);
    Ok(caller)
}

/// Drives one STS call (the core's [`StsCall`]: it decides on retries and on
/// re-signing with STS's clock); this sends, sleeps and logs. `source` is where
/// the credentials came from, for the hint on STS's refusals.
pub fn run_sts<A: StsAction>(
    call: &mut StsCall<A>,
    source: &str,
    request_error: impl Fn(A::RequestError) -> CliError,
) -> CliResult<A::Answer> {
    let mut cache = SigningKeyCache::new();
    loop {
        let request = call.request(clock::now(), &mut cache).map_err(&request_error)?;
        let response = http::send(&request, STS_TIMEOUT)
            .map_err(|e| CliError::failure(format!("could not reach STS at {}: {e}", request.url())))?;
        match call.on_response(&response, clock::now(), clock::jitter()) {
            StsStep::Done(answer) => return Ok(answer),
            StsStep::Retry { delay_ms, reason, error } => {
                match reason {
                    RetryReason::ClockSkew { server_time } => {
                        vlog!("sts: {error}; signing again with the server's time {server_time}")
                    }
                    RetryReason::Transient => vlog!("sts: {error}; retrying"),
                }
                std::thread::sleep(Duration::from_millis(delay_ms));
            }
            StsStep::Failed(e) => {
                let service = matches!(e.error, StsResponseError::Service(_));
                let mut err = CliError::failure(e.to_string());
                if let Some(fix) = e.fix {
                    err = err.hint(fix);
                }
                return Err(if service { err.hint(format!("credentials came from {source}")) } else { err });
            }
        }
    }
}

/// The caller, or `None` when it cannot be found out (used in error messages).
pub fn caller_of(credentials: &ResolvedCredentials, aws: &AwsOpts) -> Option<CallerIdentity> {
    match call(credentials, aws) {
        Ok(c) => Some(c),
        Err(e) => {
            vlog!("sts: could not name the caller: {}", e.message);
            None
        }
    }
}
