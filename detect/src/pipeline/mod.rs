//! Per-format processing pipelines as data: the bundled YAML files and users' own.
//!
//! A pipeline is a pySigma-style YAML file. detsim checks it before rsigma sees it (syntax with
//! line and column, keys rsigma would silently ignore), translates the pySigma condition keys
//! rsigma spells differently, and applies it itself item by item (see [`apply`]) so that the
//! failure transformations become reports instead of errors.

pub(crate) mod apply;
mod check;

use std::path::Path;

use detsim_generators::Format;
use rsigma_eval::Pipeline;

use crate::error::{Location, PipelineError};

pub(crate) use apply::{Transformed, transform};

/// Sigma's Windows `process_creation` taxonomy: the field names a generic rule may use.
pub const TAXONOMY_FIELDS: &[&str] = &[
    "Image",
    "OriginalFileName",
    "CommandLine",
    "CurrentDirectory",
    "User",
    "IntegrityLevel",
    "Hashes",
    "md5",
    "sha1",
    "sha256",
    "Imphash",
    "ParentImage",
    "ParentCommandLine",
    "ParentUser",
    "ProcessId",
    "ParentProcessId",
    "Product",
    "Company",
    "Description",
    "FileVersion",
    "LogonId",
    "LogonGuid",
    "TerminalSessionId",
    "ProcessGuid",
    "ParentProcessGuid",
];

const SYSMON: &str = include_str!("../../pipelines/sysmon.yml");
const ECS: &str = include_str!("../../pipelines/ecs.yml");
const DEFENDER: &str = include_str!("../../pipelines/defender.yml");
const SENTINELONE: &str = include_str!("../../pipelines/sentinelone.yml");

/// A checked pipeline, ready to transform rules for one format.
#[derive(Clone, Debug)]
pub struct FormatPipeline {
    /// The pipeline's `name`.
    pub name: String,
    /// Where it came from: `bundled:ecs.yml` or the user's file path.
    pub source: String,
    /// Things that load but may not do what a pySigma user expects (see docs/sigma.md).
    pub warnings: Vec<String>,
    pub(crate) pipeline: Pipeline,
}

impl FormatPipeline {
    /// The pipeline detsim ships for `format` (`sysmon.yml` serves `sysmon` and `sysmon-json`).
    ///
    /// The bundled files are checked by the test suite, so an error here is a defect of detsim.
    pub fn bundled(format: Format) -> Result<FormatPipeline, PipelineError> {
        let (file, text) = bundled_text(format);
        FormatPipeline::parse(text, &format!("bundled:{file}"))
    }

    /// Reads a user's pipeline file.
    pub fn from_file(path: &Path) -> Result<FormatPipeline, PipelineError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| {
            PipelineError::new(Location::file(&source), format!("cannot read: {err}"))
        })?;
        FormatPipeline::parse(&text, &source)
    }

    /// Parses pipeline YAML; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<FormatPipeline, PipelineError> {
        let translated = check::check_and_translate(text, source)?;
        let pipeline = rsigma_eval::parse_pipeline(&translated.yaml).map_err(|err| {
            PipelineError::new(Location::file(source), lowercase_first(&err.to_string()))
        })?;
        Ok(FormatPipeline {
            name: pipeline.name.clone(),
            source: source.to_string(),
            warnings: translated.warnings,
            pipeline,
        })
    }

    /// The rsigma pipeline after detsim's translation.
    pub fn rsigma(&self) -> &Pipeline {
        &self.pipeline
    }
}

/// The bundled pipeline's file name and text for `format`.
pub fn bundled_text(format: Format) -> (&'static str, &'static str) {
    match format {
        Format::Sysmon | Format::SysmonJson => ("sysmon.yml", SYSMON),
        Format::Ecs => ("ecs.yml", ECS),
        Format::Defender => ("defender.yml", DEFENDER),
        Format::SentinelOne => ("sentinelone.yml", SENTINELONE),
    }
}

fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
