//! The telemetry formats detsim writes and reads, by the names the command line takes.

use std::fmt;
use std::str::FromStr;

/// One vendor serialization of a process creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Sysmon Event ID 1 as Windows renders the event XML, one `<Event>` per line.
    Sysmon,
    /// Sysmon Event ID 1 in the JSON shape of the `evtx` crate (Chainsaw, Hayabusa).
    SysmonJson,
    /// Elastic Defend process start document (`logs-endpoint.events.process-*`).
    Ecs,
    /// Microsoft Defender XDR `DeviceProcessEvents` row.
    Defender,
    /// SentinelOne Cloud Funnel process creation (flat object, dotted keys).
    SentinelOne,
}

impl Format {
    /// Every format, in the order reports list them.
    pub const ALL: [Format; 5] = [
        Format::Sysmon,
        Format::SysmonJson,
        Format::Ecs,
        Format::Defender,
        Format::SentinelOne,
    ];

    /// The name the command line and the scenario files use (`sysmon-json`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Sysmon => "sysmon",
            Format::SysmonJson => "sysmon-json",
            Format::Ecs => "ecs",
            Format::Defender => "defender",
            Format::SentinelOne => "sentinelone",
        }
    }

    /// File extension of a dataset file in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Sysmon => "xml",
            _ => "ndjson",
        }
    }

    /// Comma-separated list of every format name, for messages.
    pub fn names() -> String {
        Format::ALL.map(Format::name).join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`, expected one of: {names}", names = Format::names())]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownFormat(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
        }
        let err = "evtx".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown format `evtx`, expected one of: sysmon, sysmon-json, ecs, defender, sentinelone"
        );
    }
}
