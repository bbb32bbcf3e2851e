//! The parts of a SigV4 `Authorization` header.

use crate::quoted::Quoted;

/// `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationHeader {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Result<AuthorizationHeader, String> {
    let rest = value
        .strip_prefix(crate::sigv4::ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| format!("Authorization does not start with {}", Quoted(crate::sigv4::ALGORITHM)))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim_start_matches(' ');
        let (key, val) =
            part.split_once('=').ok_or_else(|| format!("Authorization part {} is not key=value", Quoted(part)))?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            other => return Err(format!("unknown Authorization part {}", Quoted(other))),
        };
        if slot.replace(val).is_some() {
            return Err(format!("Authorization has two {key}= parts"));
        }
    }
    let credential = credential.ok_or("Authorization has no Credential=")?;
    let signed = signed.ok_or("Authorization has no SignedHeaders=")?;
    let signature = signature.ok_or("Authorization has no Signature=")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = scope[..] else {
        return Err("Credential= is not AKID/DATE/REGION/SERVICE/aws4_request".into());
    };
    if terminator != "aws4_request" || akid.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Credential= is not AKID/DATE/REGION/SERVICE/aws4_request".into());
    }
    if signature.len() != 64 || !signature.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("Signature= is not 64 lower-case hex digits".into());
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    if signed_headers.iter().any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase())) {
        return Err("SignedHeaders= is not a list of lower-case header names".into());
    }
    Ok(AuthorizationHeader {
        access_key_id: akid.into(),
        date: date.into(),
        region: region.into(),
        service: service.into(),
        signed_headers,
        signature: signature.into(),
    })
}
