//! Times `generate_token` (warm key cache) and the same token made with
//! aws-sigv4, as the minimum over many short batches: the least-disturbed
//! estimate of each one's own cost when other processes share the CPUs.
//! The criterion benchmark (`cargo bench -p cgaws-core --bench signing`) gives
//! medians; this gives the floor. Same inputs as the criterion benchmark.
//!
//! `cargo run --release --manifest-path bench/token-timing/Cargo.toml`

use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::{generate_token, TokenParams};
use cgaws_core::{Credentials, UnixTime};
use std::hint::black_box;
use std::time::Instant;

// The inputs and the aws-sigv4 baseline of the criterion benchmark, from the
// same source files (this crate is outside the workspace, so by path).
#[path = "../../../core/tests/token_support/mod.rs"]
mod token_support;
use token_support::{AKID, AUDIENCE, IDENTITY, SECRET, T0};

#[path = "../../../core/benches/support/mod.rs"]
mod support;
use support::{aws_identity, aws_token, bench_session_tokens};

/// Minimum over `batches` batches of `size` calls, in µs per call.
fn min_of_batches(mut f: impl FnMut() -> usize) -> f64 {
    let (batches, size) = (3000, 50);
    let mut best = f64::MAX;
    let mut sink = 0;
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..size {
            sink += f();
        }
        best = best.min(start.elapsed().as_secs_f64() / size as f64);
    }
    black_box(sink);
    best * 1e6
}

fn main() {
    let params = TokenParams::new(IDENTITY, UnixTime::from_secs(T0));
    let mut cache = SigningKeyCache::new();
    for (label, token) in bench_session_tokens() {
        let credentials = Credentials::new(AKID, SECRET, Some(token.clone())).unwrap();
        let identity = aws_identity(&token);
        let ours = generate_token(&credentials, &params, &mut cache).unwrap().blob;
        assert_eq!(ours, aws_token(&identity, AUDIENCE, IDENTITY), "the two token paths disagree");
        let cgaws = min_of_batches(|| {
            generate_token(black_box(&credentials), black_box(&params), &mut cache).unwrap().blob.len()
        });
        let aws = min_of_batches(|| aws_token(black_box(&identity), AUDIENCE, IDENTITY).len());
        println!(
            "token/{label}: cgaws {cgaws:.3} µs, aws-sigv4 {aws:.3} µs, ratio {:.1}x (blob {} bytes)",
            aws / cgaws,
            ours.len()
        );
    }
}
