//! The telemetry formats detsim writes and reads, by the names the command line takes.

use std::fmt;
use std::str::FromStr;

use crate::formats::{defender, ecs, sentinelone, sysmon, sysmon_json};
use crate::model::ProcessEvent;
use crate::read::ReadError;
use crate::record::Record;

/// How to render a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Defender only: wrap the row as the streaming API writes it
    /// (`{"time","tenantId","operationName","category","properties":{...}}`).
    pub envelope: bool,
}

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

    /// Appends one record (one line, no trailing newline) to `out`.
    pub fn render(self, event: &ProcessEvent, options: &RenderOptions, out: &mut String) {
        match self {
            Format::Sysmon => sysmon::render(event, options, out),
            Format::SysmonJson => sysmon_json::render(event, options, out),
            Format::Ecs => ecs::render(event, options, out),
            Format::Defender => defender::render(event, options, out),
            Format::SentinelOne => sentinelone::render(event, options, out),
        }
    }

    /// Reads one line into its field view.
    pub fn read(self, line: &str) -> Result<Record, ReadError> {
        match self {
            Format::Sysmon => sysmon::read(line),
            Format::SysmonJson => sysmon_json::read(line),
            Format::Ecs => ecs::read(line),
            Format::Defender => defender::read(line),
            Format::SentinelOne => sentinelone::read(line),
        }
    }

    /// The record's native identifier, which labels.ndjson also carries so a labelled dataset
    /// joins to each format.
    pub fn native_id(self, event: &ProcessEvent) -> String {
        match self {
            Format::Sysmon => sysmon::native_id(event),
            Format::SysmonJson => sysmon_json::native_id(event),
            Format::Ecs => ecs::native_id(event),
            Format::Defender => defender::native_id(event),
            Format::SentinelOne => sentinelone::native_id(event),
        }
    }

    /// The same identifier taken back from a read record (`None` if the record lacks it).
    pub fn record_id(self, record: &Record) -> Option<String> {
        match self {
            Format::Sysmon => sysmon::record_id(record),
            Format::SysmonJson => sysmon_json::record_id(record),
            Format::Ecs => ecs::record_id(record),
            Format::Defender => defender::record_id(record),
            Format::SentinelOne => sentinelone::record_id(record),
        }
    }

    /// Name of the field(s) holding the native identifier, for docs and messages.
    pub fn native_id_field(self) -> &'static str {
        match self {
            Format::Sysmon => sysmon::NATIVE_ID_FIELD,
            Format::SysmonJson => sysmon_json::NATIVE_ID_FIELD,
            Format::Ecs => ecs::NATIVE_ID_FIELD,
            Format::Defender => defender::NATIVE_ID_FIELD,
            Format::SentinelOne => sentinelone::NATIVE_ID_FIELD,
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
