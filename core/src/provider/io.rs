//! The replay engine behind [`super::CredentialChain`].
//!
//! The chain is written as straight-line code against [`Io`]. Every run starts from
//! the beginning and replays the answers fed so far, in order; the first request
//! without an answer stops the run (`Fail::Suspend`) and becomes the pending
//! [`Action`]. Everything the chain computes is a pure function of its
//! [`ChainConfig`](super::ChainConfig) and the answers, so every replay takes the
//! same path, and a dozen actions cost a dozen short replays.

use super::{Action, Answer, ProcessOutput, TransportError};
use crate::http::{HttpRequest, HttpResponse};

/// Why a flow stopped early.
#[derive(Debug)]
pub(crate) enum Fail {
    /// Waiting for the driver's answer to the pending action.
    Suspend,
    /// The source has nothing to offer: the chain moves on.
    NotFound(String),
    /// The source is configured but failed: the chain stops.
    Error(String),
}

pub(crate) type Flow<T> = Result<T, Fail>;

pub(crate) fn error<T>(message: impl Into<String>) -> Flow<T> {
    Err(Fail::Error(message.into()))
}

pub(crate) fn not_found<T>(message: impl Into<String>) -> Flow<T> {
    Err(Fail::NotFound(message.into()))
}

impl Fail {
    /// A "not found" inside a flow that must succeed (a base source, a role hop) is an error.
    pub(crate) fn required(self) -> Fail {
        match self {
            Fail::NotFound(m) => Fail::Error(m),
            other => other,
        }
    }

    /// Prefixes the message with context.
    pub(crate) fn context(self, prefix: &str) -> Fail {
        match self {
            Fail::NotFound(m) => Fail::NotFound(format!("{prefix}: {m}")),
            Fail::Error(m) => Fail::Error(format!("{prefix}: {m}")),
            Fail::Suspend => Fail::Suspend,
        }
    }
}

/// The outcome of reading a file.
pub(crate) enum FileRead {
    Missing,
    Bytes(Vec<u8>),
    Failed(String),
}

pub(crate) struct Io<'a> {
    answers: &'a [Answer],
    next: usize,
    pub(crate) pending: Option<Action>,
}

impl<'a> Io<'a> {
    pub(crate) fn new(answers: &'a [Answer]) -> Self {
        Io { answers, next: 0, pending: None }
    }

    fn ask(&mut self, action: Action) -> Flow<&'a Answer> {
        match self.answers.get(self.next) {
            Some(answer) => {
                self.next += 1;
                Ok(answer)
            }
            None => {
                self.pending = Some(action);
                Err(Fail::Suspend)
            }
        }
    }

    fn mismatch<T>(answer: &Answer, wanted: &str) -> Flow<T> {
        error(format!("internal driver error: answered {answer:?} to a {wanted} action"))
    }

    pub(crate) fn read_file(&mut self, path: &str) -> Flow<FileRead> {
        match self.ask(Action::ReadFile { path: path.to_string() })? {
            Answer::File(None) => Ok(FileRead::Missing),
            Answer::File(Some(bytes)) => Ok(FileRead::Bytes(bytes.clone())),
            Answer::FileError(e) => Ok(FileRead::Failed(e.clone())),
            other => Self::mismatch(other, "ReadFile"),
        }
    }

    pub(crate) fn http(&mut self, request: HttpRequest, timeout_ms: u64) -> Flow<Result<HttpResponse, TransportError>> {
        match self.ask(Action::Http { request, timeout_ms })? {
            Answer::Http(result) => Ok(result.clone()),
            other => Self::mismatch(other, "Http"),
        }
    }

    pub(crate) fn run_process(&mut self, argv: Vec<String>) -> Flow<Result<ProcessOutput, String>> {
        match self.ask(Action::RunProcess { argv })? {
            Answer::Process(result) => Ok(result.clone()),
            other => Self::mismatch(other, "RunProcess"),
        }
    }

    pub(crate) fn sleep(&mut self, millis: u64) -> Flow<()> {
        match self.ask(Action::Sleep { millis })? {
            Answer::Slept => Ok(()),
            other => Self::mismatch(other, "Sleep"),
        }
    }
}
