//! Which STS host a token names, and the region it is signed for.
//! Partition rules from aws-credentials.md §8.2.

use crate::quoted::Quoted;
use core::fmt;

pub const GLOBAL_HOST: &str = "sts.amazonaws.com";
pub const GLOBAL_REGION: &str = "us-east-1";

/// The STS endpoint a token is made for: the host written into the blob (and checked
/// by the relying party) and the SigV4 region it is signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpoint {
    pub host: String,
    pub region: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointError {
    InvalidRegion(String),
    /// The partition has no FIPS STS endpoint.
    NoFipsEndpoint(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::InvalidRegion(r) => {
                write!(
                    f,
                    "invalid AWS region {}: expected lower-case letters, digits and dashes, e.g. us-west-2",
                    Quoted(r)
                )
            }
            EndpointError::NoFipsEndpoint(r) => write!(f, "region {} has no FIPS STS endpoint", Quoted(r)),
        }
    }
}

impl std::error::Error for EndpointError {}

struct Partition {
    dns_suffix: &'static str,
    /// GovCloud's regular endpoints are already FIPS validated.
    regular_is_fips: bool,
    has_fips: bool,
}

fn partition_of(region: &str) -> Partition {
    let standard = Partition { dns_suffix: "amazonaws.com", regular_is_fips: false, has_fips: true };
    if region.starts_with("us-gov-") {
        Partition { dns_suffix: "amazonaws.com", regular_is_fips: true, has_fips: true }
    } else if region.starts_with("cn-") {
        Partition { dns_suffix: "amazonaws.com.cn", regular_is_fips: false, has_fips: false }
    } else if region.starts_with("us-isob-") {
        Partition { dns_suffix: "sc2s.sgov.gov", ..standard }
    } else if region.starts_with("us-isof-") {
        Partition { dns_suffix: "csp.hci.ic.gov", ..standard }
    } else if region.starts_with("us-iso-") {
        Partition { dns_suffix: "c2s.ic.gov", ..standard }
    } else if region.starts_with("eu-isoe-") {
        Partition { dns_suffix: "cloud.adc-e.uk", ..standard }
    } else if region.starts_with("eusc-") {
        Partition { dns_suffix: "amazonaws.eu", ..standard }
    } else {
        standard
    }
}

impl StsEndpoint {
    /// `sts.amazonaws.com`, signed for `us-east-1`: the default, and what relying
    /// parties accept unless they opt in to others.
    pub fn global() -> Self {
        StsEndpoint { host: GLOBAL_HOST.into(), region: GLOBAL_REGION.into() }
    }

    /// The regional endpoint (`aws-global` means the global one), FIPS on request.
    pub fn regional(region: &str, fips: bool) -> Result<Self, EndpointError> {
        let valid = !region.is_empty()
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !region.starts_with('-')
            && !region.ends_with('-');
        if !valid {
            return Err(EndpointError::InvalidRegion(region.into()));
        }
        if region == "aws-global" && !fips {
            return Ok(Self::global());
        }
        let region = if region == "aws-global" { GLOBAL_REGION } else { region };
        let partition = partition_of(region);
        let prefix = match (fips, partition.regular_is_fips, partition.has_fips) {
            (false, _, _) | (true, true, _) => "sts",
            (true, false, true) => "sts-fips",
            (true, false, false) => return Err(EndpointError::NoFipsEndpoint(region.into())),
        };
        Ok(StsEndpoint { host: format!("{prefix}.{region}.{}", partition.dns_suffix), region: region.into() })
    }

    /// The endpoint a relying party sees a token for, from the host alone: the
    /// region is the second label of a regional host.
    pub fn from_host(host: &str) -> Option<Self> {
        if host == GLOBAL_HOST {
            return Some(Self::global());
        }
        let mut labels = host.split('.');
        let first = labels.next()?;
        let region = labels.next()?;
        if first != "sts" && first != "sts-fips" {
            return None;
        }
        let candidate = Self::regional(region, first == "sts-fips").ok()?;
        (candidate.host == host).then_some(candidate)
    }

    pub fn url(&self) -> String {
        format!("https://{}/", self.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(region: &str, fips: bool) -> String {
        StsEndpoint::regional(region, fips).unwrap().host
    }

    #[test]
    fn hosts_per_partition() {
        assert_eq!(host("us-west-2", false), "sts.us-west-2.amazonaws.com");
        assert_eq!(host("us-east-2", true), "sts-fips.us-east-2.amazonaws.com");
        assert_eq!(host("us-gov-west-1", false), "sts.us-gov-west-1.amazonaws.com");
        assert_eq!(host("us-gov-east-1", true), "sts.us-gov-east-1.amazonaws.com");
        assert_eq!(host("cn-north-1", false), "sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(host("cn-northwest-1", false), "sts.cn-northwest-1.amazonaws.com.cn");
        assert_eq!(host("us-iso-east-1", false), "sts.us-iso-east-1.c2s.ic.gov");
        assert_eq!(host("eusc-de-east-1", false), "sts.eusc-de-east-1.amazonaws.eu");
        assert_eq!(StsEndpoint::regional("aws-global", false).unwrap(), StsEndpoint::global());
        assert_eq!(StsEndpoint::regional("cn-north-1", true), Err(EndpointError::NoFipsEndpoint("cn-north-1".into())));
        assert!(StsEndpoint::regional("US-EAST-1", false).is_err());
        assert!(StsEndpoint::regional("us-east-1.evil.com", false).is_err());
        assert_eq!(StsEndpoint::regional("eu-west-1", false).unwrap().region, "eu-west-1");
    }

    #[test]
    fn region_from_host() {
        assert_eq!(StsEndpoint::from_host("sts.eu-west-1.amazonaws.com").unwrap().region, "eu-west-1");
        assert_eq!(StsEndpoint::from_host("sts.amazonaws.com").unwrap().region, "us-east-1");
        assert_eq!(StsEndpoint::from_host("sts-fips.us-east-2.amazonaws.com").unwrap().region, "us-east-2");
        assert!(StsEndpoint::from_host("sts.eu-west-1.evil.com").is_none());
        assert!(StsEndpoint::from_host("example.com").is_none());
    }
}
