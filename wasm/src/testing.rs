//! The host-side tests' way in: field lists through the scratch buffer, as
//! the JavaScript side writes them.

use crate::fields::ABSENT;
use crate::{scratch, STATE};

pub type Out = Vec<Option<String>>;

/// Writes `fields` into the scratch buffer, runs `f`, and reads the result back.
pub fn call(fields: &[Option<&str>], f: impl FnOnce() -> i32) -> Result<Out, Out> {
    let mut buf = (fields.len() as u32).to_le_bytes().to_vec();
    for field in fields {
        buf.extend_from_slice(&field.map_or(ABSENT, |v| v.len() as u32).to_le_bytes());
    }
    for field in fields.iter().flatten() {
        buf.extend_from_slice(field.as_bytes());
    }
    scratch(buf.len());
    STATE.with_borrow_mut(|s| s.input[..buf.len()].copy_from_slice(&buf));
    let n = f();
    let out = STATE.with_borrow(|s| {
        assert_eq!(s.output.len(), n.unsigned_abs() as usize);
        let b = &s.output;
        let count = u32::from_le_bytes(b[0..4].try_into().unwrap()) as usize;
        let mut at = 4 + 4 * count;
        (0..count)
            .map(|i| {
                let len = u32::from_le_bytes(b[4 + 4 * i..8 + 4 * i].try_into().unwrap());
                (len != ABSENT).then(|| {
                    let v = String::from_utf8_lossy(&b[at..at + len as usize]).into_owned();
                    at += len as usize;
                    v
                })
            })
            .collect()
    });
    if n >= 0 {
        Ok(out)
    } else {
        Err(out)
    }
}

pub fn s(v: &Option<String>) -> &str {
    v.as_deref().unwrap()
}
