//! Vendor records to ECS, the way Elastic's integrations normalise them before Elastic's rules
//! run: Sysmon through the Windows integration, Defender XDR through `m365_defender`,
//! SentinelOne through `sentinel_one_cloud_funnel`; Elastic Defend is ECS already.
//!
//! Each mapping is a data file (`data/ecs/<format>.yaml`) listing, per ECS field, the vendor
//! field it comes from and how it is derived. Where a product lacks what a rule needs (parent
//! arguments, say), the ECS field stays missing: the consequence shows in the verdicts.

mod mapping;
mod transform;

pub use mapping::{Mapping, MappingError};

use std::sync::OnceLock;

use detsim_generators::{Format, Record};

const SYSMON: &str = include_str!("../../data/ecs/sysmon.yaml");
const DEFENDER: &str = include_str!("../../data/ecs/defender.yaml");
const SENTINELONE: &str = include_str!("../../data/ecs/sentinelone.yaml");

/// The bundled mapping for a format; `None` for `ecs`, which passes through unchanged.
pub fn mapping(format: Format) -> Option<&'static Mapping> {
    static MAPPINGS: OnceLock<[Mapping; 3]> = OnceLock::new();
    let [sysmon, defender, sentinelone] = MAPPINGS.get_or_init(|| {
        let parse = |name: &str, text: &str| {
            Mapping::parse(text)
                .unwrap_or_else(|e| panic!("the bundled ECS mapping `{name}` is invalid: {e}"))
        };
        [
            parse("sysmon", SYSMON),
            parse("defender", DEFENDER),
            parse("sentinelone", SENTINELONE),
        ]
    });
    match format {
        Format::Sysmon | Format::SysmonJson => Some(sysmon),
        Format::Defender => Some(defender),
        Format::SentinelOne => Some(sentinelone),
        Format::Ecs => None,
    }
}

/// A record in ECS field names: the record itself for `ecs`, its normalised form otherwise.
pub fn normalise(format: Format, record: &Record) -> std::borrow::Cow<'_, Record> {
    match mapping(format) {
        None => std::borrow::Cow::Borrowed(record),
        Some(mapping) => std::borrow::Cow::Owned(mapping.apply(record)),
    }
}
