//! Snapshots a reviewer reads: what each bundled pipeline can express, and an explanation.

use detsim_detect::{Coverage, TAXONOMY_FIELDS};
use detsim_generators::{Format, RenderOptions};

use crate::bundled::bundled_rules;
use crate::rendered::cmd_under;
use crate::{detector, rule};

/// One row per taxonomy field: whether a rule using it runs on each format.
#[test]
fn taxonomy_fields_per_format() {
    let mut table = String::from("field | sysmon | sysmon-json | ecs | defender | sentinelone\n");
    for field in TAXONOMY_FIELDS {
        let rules = rule(&format!(
            "    selection:\n        {field}|contains: 'x'\n    condition: selection"
        ));
        let cells: Vec<&str> = Format::ALL
            .iter()
            .map(
                |format| match detector(&rules, *format).coverage().remove(0).coverage {
                    Coverage::Applicable => "mapped",
                    Coverage::Unmappable { .. } => "UNMAPPABLE",
                    Coverage::NotApplicable { .. } => "not applicable",
                    Coverage::Rejected { .. } => "rejected",
                },
            )
            .collect();
        table.push_str(&format!("{field} | {}\n", cells.join(" | ")));
    }
    insta::assert_snapshot!(table);
}

/// The generic rule on a rendered Elastic Defend record of cmd.exe under explorer.exe.
#[test]
fn explain_quiet_on_ecs() {
    let rules = bundled_rules();
    let detector = detector(&rules, Format::Ecs);
    let event = cmd_under(r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE");
    let mut line = String::new();
    Format::Ecs.render(&event, &RenderOptions::default(), &mut line);
    let record = Format::Ecs.read(&line).unwrap();
    insta::assert_snapshot!(detector.explain("cmd-unusual-parent", &record).unwrap());
}
