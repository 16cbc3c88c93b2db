//! The reference detector for one format: Sigma rules through the format's pipeline (rsigma, in
//! the detect crate) and EQL rules over the records normalised to ECS, as Elastic runs them.

use std::collections::HashMap;
use std::path::Path;

use detsim_detect::{Coverage, SigmaDetector};
use detsim_generators::{Format, Record};
use serde_json::Value;

use crate::ecs;
use crate::rules::{RuleInfo, RuleSet};

/// Whether a rule runs on a format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Evaluated,
    /// The rule does not look at this format's data (Sigma logsource, EQL index patterns).
    NotApplicable(String),
    /// The rule uses fields this format cannot express.
    Unmappable(Vec<String>),
    /// The rule could not be compiled for this format.
    Rejected(String),
}

impl Status {
    pub fn is_evaluated(&self) -> bool {
        *self == Status::Evaluated
    }

    /// A short text for reports.
    pub fn describe(&self) -> String {
        match self {
            Status::Evaluated => "evaluated".into(),
            Status::NotApplicable(reason) => format!("not applicable: {reason}"),
            Status::Unmappable(fields) => format!("unmappable fields: {}", fields.join(", ")),
            Status::Rejected(message) => format!("rejected: {message}"),
        }
    }
}

/// One rule firing on one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Index of the record in the evaluated slice (for a sequence, the event completing it).
    pub record: usize,
    /// Index of the rule in [`FormatDetectors::columns`].
    pub column: usize,
    /// The fields the verdict rests on, with their values.
    pub fields: Vec<(String, Value)>,
}

/// The Elastic data stream each format's records are indexed in, which EQL rules' `index`
/// patterns are matched against.
pub fn data_stream(format: Format) -> &'static str {
    match format {
        Format::Sysmon | Format::SysmonJson => "logs-windows.sysmon_operational-default",
        Format::Ecs => "logs-endpoint.events.process-default",
        Format::Defender => "logs-m365_defender.event-default",
        Format::SentinelOne => "logs-sentinel_one_cloud_funnel.event-default",
    }
}

/// Every rule compiled for one format.
pub struct FormatDetectors<'r> {
    pub format: Format,
    columns: Vec<RuleInfo>,
    status: Vec<Status>,
    sigma: SigmaDetector,
    /// Sigma rule key → column.
    sigma_columns: HashMap<String, usize>,
    /// EQL rules with their column.
    eql: Vec<(usize, &'r detsim_eql::Rule)>,
}

impl<'r> FormatDetectors<'r> {
    /// Compiles the rules for a format; `pipeline` replaces the bundled Sigma pipeline.
    pub fn new(
        rules: &'r RuleSet,
        format: Format,
        pipeline: Option<&Path>,
    ) -> Result<FormatDetectors<'r>, detsim_detect::DetectError> {
        let columns = rules.columns();
        let sigma = SigmaDetector::new(&rules.sigma, format, pipeline)?;
        let column_of = |info: &RuleInfo| {
            columns
                .iter()
                .position(|c| c.key == info.key && c.language == info.language)
                .expect("every rule has a column")
        };
        let mut status = vec![Status::Evaluated; columns.len()];
        let mut sigma_columns = HashMap::new();
        for (rule, coverage) in rules.sigma.iter().zip(sigma.coverage()) {
            let column = column_of(&crate::rules::sigma_info(rule));
            sigma_columns.insert(rule.key.clone(), column);
            status[column] = match coverage.coverage {
                Coverage::Applicable => Status::Evaluated,
                Coverage::NotApplicable { reason } => Status::NotApplicable(reason),
                Coverage::Unmappable { fields } => Status::Unmappable(fields),
                Coverage::Rejected { message } => Status::Rejected(message),
            };
        }
        let mut eql = Vec::new();
        for rule in &rules.eql {
            let column = column_of(&crate::rules::eql_info(rule));
            status[column] = eql_status(rule, format);
            if status[column].is_evaluated() {
                eql.push((column, rule));
            }
        }
        Ok(FormatDetectors {
            format,
            columns,
            status,
            sigma,
            sigma_columns,
            eql,
        })
    }

    pub fn columns(&self) -> &[RuleInfo] {
        &self.columns
    }

    pub fn status(&self, column: usize) -> &Status {
        &self.status[column]
    }

    /// The fields a record needs for these detectors on a stream of flat JSON records (`ecs`,
    /// `sentinelone`, whose readers flatten the line and nothing more), in the product's own
    /// names: what the Sigma rules read (as the pipeline renamed them, gate included); what the
    /// EQL queries read, with the event category and timestamp, through the product's ECS
    /// mapping; and the record id. `None` when records must be read whole: another format, or a
    /// Sigma rule that may read any field.
    pub fn projection(&self) -> Option<detsim_generators::flat_json::Projection> {
        if !matches!(self.format, Format::Ecs | Format::SentinelOne) {
            return None;
        }
        let mut fields: Vec<String> = self.sigma.fields()?.into_iter().collect();
        if !self.eql.is_empty() {
            let mut ecs_fields: Vec<String> = self
                .eql
                .iter()
                .flat_map(|(_, rule)| rule.query.fields().iter().cloned())
                .collect();
            ecs_fields.extend(["event.category", "@timestamp", "event.id"].map(String::from));
            match ecs::mapping(self.format) {
                Some(mapping) => {
                    fields.extend(mapping.sources(ecs_fields.iter().map(String::as_str)))
                }
                None => fields.extend(ecs_fields),
            }
        }
        fields.push(self.format.native_id_field().to_string());
        Some(detsim_generators::flat_json::Projection::new(fields))
    }

    /// Whether some EQL rule is a sequence or sample, which needs every record at once.
    pub fn has_sequences(&self) -> bool {
        self.eql.iter().any(|(_, rule)| rule.query.is_sequence())
    }

    /// The EQL rules of a column: the query and the ECS record it reads, for explanations.
    pub fn eql_rule(&self, column: usize) -> Option<&detsim_eql::Rule> {
        self.eql
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, rule)| *rule)
    }

    /// Evaluates every rule over records in time order; hits come sorted by record, then rule.
    pub fn evaluate(&self, records: &[Record]) -> Vec<Hit> {
        let mut evaluation = self.start();
        for record in records {
            evaluation.push(record);
        }
        evaluation.finish()
    }

    /// Starts evaluating a stream of records, one at a time, so a caller need not hold them.
    pub fn start(&self) -> Evaluation<'_, 'r> {
        Evaluation {
            detectors: self,
            next: 0,
            kept: Vec::new(),
            hits: Vec::new(),
        }
    }

    /// Why a rule fired or stayed quiet on a record: Sigma's field-by-field explanation, or an
    /// EQL event query's clause by clause on the record normalised to ECS; for a sequence or
    /// sample, which of its terms the record passes, each clause by clause.
    pub fn explain(&self, column: usize, record: &Record) -> Option<String> {
        if let Some(text) = self.explain_sigma(column, record) {
            return Some(text);
        }
        let rule = self.eql_rule(column)?;
        let normalised = ecs::normalise(self.format, record);
        let event = EcsEvent(&normalised);
        if let Some(explanation) = rule.query.explain(&event) {
            return Some(explanation.render("").trim_end().to_string());
        }
        let mut text = String::from(
            "a sequence: its verdict also rests on other records, their order, keys and span;\n\
             this record against each of its terms:\n",
        );
        for term in rule.query.explain_terms(&event) {
            text.push_str(&term.render(""));
        }
        Some(text.trim_end().to_string())
    }

    /// Sigma's field-by-field explanation of a verdict on a record (`None` for EQL rules).
    pub fn explain_sigma(&self, column: usize, record: &Record) -> Option<String> {
        let info = &self.columns[column];
        if info.language != detsim_generators::model::Language::Sigma {
            return None;
        }
        self.sigma.explain(&info.key, record).ok()
    }
}

/// A stream of records being evaluated by one format's detectors.
pub struct Evaluation<'d, 'r> {
    detectors: &'d FormatDetectors<'r>,
    next: usize,
    /// Normalised records kept for sequence and sample rules, which need the whole stream.
    kept: Vec<Record>,
    hits: Vec<Hit>,
}

impl Evaluation<'_, '_> {
    /// Evaluates the next record: Sigma and EQL event rules now, sequences at the end.
    pub fn push(&mut self, record: &Record) {
        let detectors = self.detectors;
        let index = self.next;
        self.next += 1;
        for alert in detectors.sigma.evaluate(record) {
            if let Some(&column) = detectors.sigma_columns.get(&alert.rule_key) {
                self.hits.push(Hit {
                    record: index,
                    column,
                    fields: alert.matched,
                });
            }
        }
        if detectors.eql.is_empty() {
            return;
        }
        let normalised = ecs::normalise(detectors.format, record);
        let event = EcsEvent(&normalised);
        for (column, rule) in &detectors.eql {
            if !rule.query.is_sequence() && rule.query.matches(&event) {
                self.hits.push(Hit {
                    record: index,
                    column: *column,
                    fields: fields_of(rule, &event),
                });
            }
        }
        if detectors.has_sequences() {
            self.kept.push(normalised.into_owned());
        }
    }

    /// The hits found so far (event rules), leaving the sequence rules for [`Evaluation::finish`].
    pub fn drain(&mut self) -> Vec<Hit> {
        std::mem::take(&mut self.hits)
    }

    /// Runs the sequence rules and returns every hit not drained yet, sorted by record, then
    /// rule.
    pub fn finish(mut self) -> Vec<Hit> {
        let events: Vec<EcsEvent> = self.kept.iter().map(EcsEvent).collect();
        for (column, rule) in &self.detectors.eql {
            if !rule.query.is_sequence() {
                continue;
            }
            let stream = events
                .iter()
                .enumerate()
                .map(|(i, event)| (timestamp(event.0, i), event));
            for hit in rule.query.run(stream) {
                if let Some(&last) = hit.events.iter().max() {
                    let fields = fields_of(rule, &events[last]);
                    self.hits.push(Hit {
                        record: last,
                        column: *column,
                        fields,
                    });
                }
            }
        }
        self.hits.sort_by_key(|hit| (hit.record, hit.column));
        self.hits
    }
}

/// The fields an EQL query reads, with their values in the record.
fn fields_of(rule: &detsim_eql::Rule, event: &EcsEvent) -> Vec<(String, Value)> {
    rule.query
        .fields()
        .iter()
        .filter_map(|name| event.0.get(name).map(|v| (name.clone(), v.clone())))
        .collect()
}

/// Whether an EQL rule searches the format's data stream, as Elastic decides it from the rule's
/// `index` patterns; a rule without patterns (a plain `.eql` file) searches everything.
fn eql_status(rule: &detsim_eql::Rule, format: Format) -> Status {
    let stream = data_stream(format);
    if rule.index.is_empty()
        || rule
            .index
            .iter()
            .any(|pattern| index_matches(pattern, stream))
    {
        Status::Evaluated
    } else {
        Status::NotApplicable(format!(
            "the rule's index patterns ({}) do not cover `{stream}`",
            rule.index.join(", ")
        ))
    }
}

/// Elasticsearch index pattern matching: `*` matches any run of characters.
fn index_matches(pattern: &str, index: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == index;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !index.starts_with(first) || !index[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &index[first.len()..index.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A record seen through ECS names, for the EQL engine.
pub struct EcsEvent<'a>(pub &'a Record);

impl detsim_eql::Event for EcsEvent<'_> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

/// `@timestamp` in nanoseconds; records without one keep their order.
fn timestamp(record: &Record, index: usize) -> i64 {
    record
        .get_str("@timestamp")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .and_then(|t| t.timestamp_nanos_opt())
        .unwrap_or(index as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use detsim_generators::skim::Skimmer;
    use std::path::PathBuf;

    /// Sigma and EQL rules over records read through the projection fire exactly as over
    /// records read whole, with the same deciding fields, on every format read through one.
    #[test]
    fn projected_records_give_the_verdicts_of_whole_ones() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let (rules, problems) = RuleSet::load(&[
            root.join("rules"),
            root.join("tests/fixtures/sequence/cmd-then-whoami.eql"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        // The built-in suite: attacks, evasions, near misses and a day of noise.
        let (scenarios, errors) = crate::suite::scenarios(7);
        assert!(errors.is_empty());
        let options = detsim_generators::RenderOptions::default();
        for format in Format::ALL {
            let detectors = FormatDetectors::new(&rules, format, None).unwrap();
            let Some(projection) = detectors.projection() else {
                assert!(
                    !matches!(format, Format::Ecs | Format::SentinelOne),
                    "{format}"
                );
                continue;
            };
            let mut skimmer = Skimmer::default();
            let (mut whole, mut projected) = (Vec::new(), Vec::new());
            let mut line = String::new();
            for scenario in &scenarios {
                // The start of each: its chain happens early in most, and it keeps the test quick.
                for event in crate::sim::Timeline::new(scenario, 7).take(150) {
                    line.clear();
                    format.render(&event, &options, &mut line);
                    let record = format.read(&line).unwrap();
                    let kept = skimmer.read(line.as_bytes(), &projection).unwrap();
                    assert!(kept.len() < record.len(), "{format}: fewer fields kept");
                    whole.push(record);
                    projected.push(kept);
                }
            }
            let hits = detectors.evaluate(&whole);
            // Every rule that applies to the format fires: the EQL rule, the sequence, the Sigma
            // rules of the format's logsource.
            let columns: std::collections::HashSet<usize> = hits.iter().map(|h| h.column).collect();
            let evaluated = (0..detectors.columns().len())
                .filter(|&c| detectors.status(c).is_evaluated())
                .count();
            assert!(evaluated >= 3, "{format}");
            assert_eq!(columns.len(), evaluated, "{format}: {hits:?}");
            let projected_hits = detectors.evaluate(&projected);
            assert!(
                projected_hits == hits,
                "{format}: {projected_hits:?}\nagainst {hits:?}"
            );
            let ids = |records: &[Record]| -> Vec<Option<String>> {
                hits.iter()
                    .map(|h| format.record_id(&records[h.record]))
                    .collect()
            };
            assert_eq!(ids(&projected), ids(&whole), "{format}");
        }
    }

    #[test]
    fn index_patterns_match_like_elasticsearch() {
        let stream = data_stream(Format::Sysmon);
        assert!(index_matches("logs-windows.sysmon_operational-*", stream));
        assert!(index_matches("logs-windows.*", stream));
        assert!(!index_matches("winlogbeat-*", stream));
        assert!(!index_matches("logs-endpoint.events.process-*", stream));
        assert!(index_matches(
            "logs-endpoint.events.process-*",
            data_stream(Format::Ecs)
        ));
        assert!(index_matches(
            "logs-sentinel_one_cloud_funnel.*",
            data_stream(Format::SentinelOne)
        ));
        assert!(index_matches(
            "logs-m365_defender.event-*",
            data_stream(Format::Defender)
        ));
        assert!(index_matches("*", stream));
    }
}
