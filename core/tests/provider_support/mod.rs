//! A scripted driver for the credential chain: files, HTTP routes and processes are
//! answered from maps, and every action is recorded.
#![allow(dead_code)]

use cgaws_core::provider::{
    Action, Answer, ChainConfig, ChainError, CredentialChain, ProcessOutput, ResolvedCredentials, TransportError,
};
use cgaws_core::{HttpRequest, HttpResponse, UnixTime};
use std::collections::{BTreeMap, VecDeque};

pub const HOME: &str = "/home/u";
pub const CONFIG: &str = "/home/u/.aws/config";
pub const CREDENTIALS: &str = "/home/u/.aws/credentials";
/// 2026-01-15T08:00:00Z
pub const NOW: i64 = 1_768_464_000;
/// A secret that must never be printed.
pub const SECRET: &str = "wJalrXUtnFEMI-KNOWN-SECRET";
pub const TOKEN: &str = "IQoJb3JpZ2luX2VjE-KNOWN-SESSION-TOKEN";

pub type HttpResult = Result<HttpResponse, TransportError>;

#[derive(Default)]
pub struct World {
    pub env: BTreeMap<String, String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub files: BTreeMap<String, Result<Vec<u8>, String>>,
    /// `"METHOD url-without-query"` → answers in order; the last one repeats.
    pub routes: BTreeMap<String, VecDeque<HttpResult>>,
    pub processes: BTreeMap<Vec<String>, Result<ProcessOutput, String>>,
    pub previous: Option<ResolvedCredentials>,
    pub jitter_seed: u64,
}

pub struct Run {
    pub result: Result<ResolvedCredentials, ChainError>,
    pub actions: Vec<Action>,
}

impl Run {
    pub fn ok(&self) -> &ResolvedCredentials {
        match &self.result {
            Ok(r) => r,
            Err(e) => panic!("expected credentials, got: {e}"),
        }
    }

    pub fn err(&self) -> &ChainError {
        match &self.result {
            Ok(r) => panic!("expected an error, got credentials from {}", r.source),
            Err(e) => e,
        }
    }

    pub fn requests(&self) -> Vec<&HttpRequest> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Http { request, .. } => Some(request),
                _ => None,
            })
            .collect()
    }

    /// `"METHOD url"` of every request, in order.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests().iter().map(|r| format!("{} {}", r.method, r.url())).collect()
    }

    pub fn reads(&self) -> Vec<&str> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::ReadFile { path } => Some(path.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn sleeps(&self) -> Vec<u64> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Sleep { millis } => Some(*millis),
                _ => None,
            })
            .collect()
    }
}

pub fn json_response(status: u16, body: &str) -> HttpResult {
    Ok(HttpResponse::new(status, body.as_bytes().to_vec()))
}

impl World {
    pub fn new() -> Self {
        World { env: BTreeMap::new(), ..World::default() }
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    pub fn file(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.into(), Ok(text.as_bytes().to_vec()));
        self
    }

    pub fn unreadable(mut self, path: &str, error: &str) -> Self {
        self.files.insert(path.into(), Err(error.into()));
        self
    }

    pub fn config(self, text: &str) -> Self {
        self.file(CONFIG, text)
    }

    pub fn credentials(self, text: &str) -> Self {
        self.file(CREDENTIALS, text)
    }

    pub fn route(mut self, key: &str, answers: Vec<HttpResult>) -> Self {
        self.routes.insert(key.into(), answers.into());
        self
    }

    pub fn process(mut self, argv: &[&str], output: Result<ProcessOutput, String>) -> Self {
        self.processes.insert(argv.iter().map(|s| s.to_string()).collect(), output);
        self
    }

    pub fn config_for_chain(&self) -> ChainConfig {
        let mut config = ChainConfig::new(self.env.clone(), UnixTime::from_secs(NOW));
        config.home = Some(HOME.into());
        config.profile = self.profile.clone();
        config.region = self.region.clone();
        config.previous = self.previous.clone();
        config.jitter_seed = self.jitter_seed;
        config
    }

    pub fn run(mut self) -> Run {
        let mut chain = CredentialChain::new(self.config_for_chain());
        let mut actions = Vec::new();
        for _ in 0..200 {
            let action = chain.next_action();
            // The contract: asking again without answering repeats the action.
            assert_eq!(chain.next_action(), action, "next_action must repeat until fed");
            let answer = match &action {
                Action::Done(result) => return Run { result: result.clone(), actions },
                Action::ReadFile { path } => match self.files.get(path) {
                    Some(Ok(bytes)) => Answer::File(Some(bytes.clone())),
                    Some(Err(e)) => Answer::FileError(e.clone()),
                    None => Answer::File(None),
                },
                Action::Http { request, .. } => {
                    let key = format!("{} {}://{}{}", request.method, request.scheme, request.authority, request.path);
                    match self.routes.get_mut(&key) {
                        Some(queue) if queue.len() > 1 => Answer::Http(queue.pop_front().unwrap()),
                        Some(queue) => Answer::Http(queue.front().cloned().expect("a route has an answer")),
                        None => Answer::Http(Err(TransportError::ConnectFailed(format!("no route to {key}")))),
                    }
                }
                Action::RunProcess { argv } => Answer::Process(
                    self.processes.get(argv).cloned().unwrap_or_else(|| Err(format!("no such program {argv:?}"))),
                ),
                Action::Sleep { .. } => Answer::Slept,
            };
            actions.push(action);
            chain.feed(answer);
        }
        panic!("the chain did not finish in 200 actions: {:?}", actions.last());
    }
}

/// Env with static credentials.
pub fn env_creds(world: World) -> World {
    world.env("AWS_ACCESS_KEY_ID", "AKIDENV").env("AWS_SECRET_ACCESS_KEY", SECRET)
}

/// An STS XML success for `action` with the given key id.
pub fn sts_credentials_xml(action: &str, key_id: &str, expiration: &str) -> String {
    format!(
        r#"<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result>
    <AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:sess</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/sess</Arn></AssumedRoleUser>
    <Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken><Expiration>{expiration}</Expiration></Credentials>
  </{action}Result>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</{action}Response>"#
    )
}

pub fn sts_ok(action: &str, key_id: &str) -> HttpResult {
    Ok(HttpResponse::new(200, sts_credentials_xml(action, key_id, "2026-01-15T09:00:00Z").into_bytes()))
}

pub fn sts_error(status: u16, code: &str, message: &str) -> HttpResult {
    Ok(HttpResponse::new(
        status,
        format!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"#
        )
        .into_bytes(),
    ))
}

/// Form body of a request as pairs (percent-decoding `%XX` only, as our encoder writes).
pub fn form(request: &HttpRequest) -> BTreeMap<String, String> {
    let body = String::from_utf8(request.body.clone()).unwrap();
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Asserts that neither `Debug` nor `Display` output contains the known secrets.
pub fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains(TOKEN), "session token leaked: {text}");
}
