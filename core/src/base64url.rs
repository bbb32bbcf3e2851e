//! Strict base64url decoding (RFC 4648 §5), for token blobs (padding required)
//! and JWT segments (padding optional). Purpose-built: the `base64` crate's
//! generic decoder was the largest single function of the wasm package after
//! SHA-256. Same strictness as that crate's `URL_SAFE` engine, which the tests
//! check it against: canonical padding, no bits set past the last byte.

/// Whether `=` padding must be there (token blobs) or may be left out (JWTs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Required,
    /// None, the full padding, or anything in between.
    Optional,
}

/// Decodes `input`; the error says what is wrong and at which byte offset.
pub fn decode(input: &str, padding: Padding) -> Result<Vec<u8>, String> {
    let bytes = input.as_bytes();
    let data_len = bytes.iter().position(|&b| b == b'=').unwrap_or(bytes.len());
    if let Some(at) = bytes[data_len..].iter().position(|&b| b != b'=') {
        return Err(format!("'=' before the end (offset {data_len}, data resumes at offset {})", data_len + at));
    }
    let pads = bytes.len() - data_len;
    let needed = (4 - data_len % 4) % 4;
    if data_len % 4 == 1 {
        return Err(format!("{data_len} symbols cannot be whole bytes (a lone symbol at offset {})", data_len - 1));
    }
    let padding_ok = match padding {
        Padding::Required => pads == needed,
        // As the `base64` crate's `Indifferent` mode: the padding needed, or less.
        Padding::Optional => pads <= needed,
    };
    if !padding_ok {
        return Err(format!("{pads} '=' after {data_len} symbols; {needed} expected"));
    }
    let mut out = Vec::with_capacity(data_len / 4 * 3 + 2);
    let mut acc: u32 = 0;
    for (i, &b) in bytes[..data_len].iter().enumerate() {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(format!("invalid symbol {b} at offset {i}")),
        };
        acc = acc << 6 | u32::from(value);
        if i % 4 == 3 {
            out.extend_from_slice(&acc.to_be_bytes()[1..]);
            acc = 0;
        }
    }
    // A final group of 2 or 3 symbols carries 1 or 2 bytes; the bits past them must be 0.
    let (whole, unused_bits) = match data_len % 4 {
        2 => (1, 4),
        3 => (2, 2),
        _ => (0, 0),
    };
    if acc & ((1 << unused_bits) - 1) != 0 {
        return Err(format!("the last symbol (offset {}) has bits set past the end of the data", data_len - 1));
    }
    let tail = (acc >> unused_bits).to_be_bytes();
    out.extend_from_slice(&tail[4 - whole..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
    use base64::engine::DecodePaddingMode;
    use base64::Engine;
    use proptest::prelude::*;

    /// The `base64` crate's engine with the same padding rule.
    fn reference(padding: Padding) -> GeneralPurpose {
        match padding {
            Padding::Required => URL_SAFE,
            Padding::Optional => GeneralPurpose::new(
                &base64::alphabet::URL_SAFE,
                GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
            ),
        }
    }

    #[test]
    fn decodes() {
        for padding in [Padding::Required, Padding::Optional] {
            assert_eq!(decode("", padding).unwrap(), b"");
            assert_eq!(decode("YWJj", padding).unwrap(), b"abc");
            assert_eq!(decode("YQ==", padding).unwrap(), b"a");
            assert_eq!(decode("YWI=", padding).unwrap(), b"ab");
            assert_eq!(decode("-_8=", padding).unwrap(), [0xfb, 0xff]);
        }
        assert_eq!(decode("YQ", Padding::Optional).unwrap(), b"a");
        assert_eq!(decode("YWI", Padding::Optional).unwrap(), b"ab");
    }

    #[test]
    fn refuses_with_reason() {
        let err = |s: &str, p| decode(s, p).unwrap_err();
        assert_eq!(err("YQ", Padding::Required), "0 '=' after 2 symbols; 2 expected");
        assert_eq!(err("YQ=", Padding::Required), "1 '=' after 2 symbols; 2 expected");
        assert_eq!(decode("YQ=", Padding::Optional).unwrap(), b"a");
        assert_eq!(err("YWJj=", Padding::Optional), "1 '=' after 4 symbols; 0 expected");
        assert_eq!(err("YQ==YQ==", Padding::Required), "'=' before the end (offset 2, data resumes at offset 4)");
        assert_eq!(err("YWJjZ", Padding::Optional), "5 symbols cannot be whole bytes (a lone symbol at offset 4)");
        assert_eq!(err("YW+j", Padding::Required), "invalid symbol 43 at offset 2");
        assert_eq!(err("YR==", Padding::Required), "the last symbol (offset 1) has bits set past the end of the data");
        assert_eq!(err("YWJ=", Padding::Required), "the last symbol (offset 2) has bits set past the end of the data");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Same verdict and bytes as the `base64` crate on near-base64url text.
        #[test]
        fn agrees_with_the_base64_crate(text in "[A-Za-z0-9_=+-]{0,14}", optional in any::<bool>()) {
            let padding = if optional { Padding::Optional } else { Padding::Required };
            let ours = decode(&text, padding).ok();
            let theirs = reference(padding).decode(&text).ok();
            prop_assert_eq!(ours, theirs, "{:?}", text);
        }

        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(decode(&URL_SAFE.encode(&bytes), Padding::Required).unwrap(), bytes.clone());
            let unpadded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(decode(&unpadded, Padding::Optional).unwrap(), bytes);
        }
    }
}
