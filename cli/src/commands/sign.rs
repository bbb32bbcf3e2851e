//! `cgaws sign`: SigV4-sign a raw HTTP request (the AWS test suite's
//! `request.txt` form) and print it signed (`*-signed-request.txt` form).

use crate::args;
use crate::creds::{self, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::{clock, log, out};
use cgaws_core::sigv4::raw_request::{parse_raw_request, print_signed_request};
use cgaws_core::sigv4::{
    self, encoding::percent_encode_into, PayloadHash, SessionTokenMode, SignatureLocation, SigningKeyCache,
    SigningParams, SigningSettings,
};

pub const SUMMARY: &str = "SigV4-sign a raw HTTP request (request.txt form) with the ambient AWS credentials";

pub const USAGE: &str = "\
cgaws sign: SigV4-sign a raw HTTP request

Usage: cgaws sign [FILE|-] --region R --service S [OPTIONS]

Reads a request in the AWS SigV4 test suite's request.txt form (request line,
Name:value headers with a Host header, a blank line, the body) from FILE or
stdin, signs it with the ambient AWS credentials, and prints it in the form of
the suite's *-signed-request.txt.

Options:
  --region R             signing region (required)
  --service S            signing service name (required)
  --time RFC3339         sign as of this time instead of now
  --presign              a presigned URL (X-Amz-* query parameters) instead of an Authorization header
  --expires SECONDS      presigned URL lifetime, 1 to 604800 (default 3600)
  --no-normalize-path    keep . and .. and repeated / in the path (S3 style)
  --sign-body            also send and sign x-amz-content-sha256 (header signing)
  --unsigned-payload     use UNSIGNED-PAYLOAD as the payload hash
  --omit-session-token   add the session token after signing, outside the signature
  --profile NAME         AWS profile (skips environment credentials, like the AWS CLI)
  -v, --verbose          also print the canonical request and the string to sign on stderr
                         (the session token's value replaced by <redacted>)
  -h, --help             this help
";

/// Requests to sign are read whole; this bounds them.
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut input = None;
    let mut region = None;
    let mut service = None;
    let mut time = None;
    let mut presign = false;
    let mut expires = None;
    let mut settings = SigningSettings::default();
    let mut aws = AwsOpts::default();
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--region" => region = Some(args::nonempty(parser, &flag)?),
            "--service" => service = Some(args::nonempty(parser, &flag)?),
            "--time" => time = Some(args::time(parser, &flag)?),
            "--presign" => presign = true,
            "--expires" => {
                let v = args::value(parser, &flag)?;
                let secs: u64 = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| (1..=604_800).contains(s))
                    .ok_or_else(|| CliError::usage(format!("--expires: {v:?} is not a number of seconds from 1 to 604800")))?;
                expires = Some(secs);
            }
            "--no-normalize-path" => settings.normalize_path = false,
            "--sign-body" => settings.content_sha256_header = true,
            "--unsigned-payload" => settings.payload = PayloadHash::Unsigned,
            "--omit-session-token" => settings.session_token = SessionTokenMode::AppendedAfterSigning,
            "--profile" => aws.profile = Some(args::nonempty(parser, &flag)?),
            "" if input.is_none() => {
                if let args::Flag::Positional(v) = flag {
                    input = Some(args::positional(v)?);
                }
            }
            _ => args::common(flag, "sign", USAGE)?,
        }
    }
    let region = region.ok_or_else(|| CliError::usage("--region is required").hint("see `cgaws sign --help`"))?;
    let service = service.ok_or_else(|| CliError::usage("--service is required").hint("see `cgaws sign --help`"))?;
    if expires.is_some() && !presign {
        return Err(CliError::usage("--expires needs --presign"));
    }
    if presign {
        settings.location = SignatureLocation::QueryParams { expires_in: expires.unwrap_or(3600) };
    }
    let text = out::read_input(input.as_deref().unwrap_or("-"), MAX_REQUEST_BYTES)?;
    let mut request = parse_raw_request(&text).map_err(|e| CliError::failure(format!("cannot read the request: {e}")))?;
    let resolved = creds::resolve(&aws)?;
    let params = SigningParams {
        credentials: &resolved.credentials,
        region: &region,
        service: &service,
        time: time.unwrap_or_else(clock::now),
        settings,
    };
    let output = sigv4::sign(&mut request, &params, &mut SigningKeyCache::new())
        .map_err(|e| CliError::failure(format!("cannot sign the request: {e}")))?;
    if log::verbose() {
        let token = resolved.credentials.session_token().map(|t| t.expose().to_string());
        let redact = |text: &str| match &token {
            Some(t) => {
                let mut encoded = String::new();
                percent_encode_into(t.as_bytes(), &mut encoded);
                text.replace(t.as_str(), "<redacted>").replace(&encoded, "<redacted>")
            }
            None => text.to_string(),
        };
        log::stderr(&format!(
            "---- canonical request ----\n{}\n---- string to sign ----\n{}\n---- signature ----\n{}\n",
            redact(&output.canonical_request),
            redact(&output.string_to_sign),
            output.signature
        ));
    }
    out::stdout(&print_signed_request(&request))
}
