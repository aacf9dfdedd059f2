//! Embedding ruling: load the shipped rules once, share them between threads, build cases from
//! your own types, evaluate fast without explanations, and ask for the explanation of the
//! cases that need one.
//!
//! Run with `cargo run --example embed` (from the repository root).

use std::sync::Arc;

use ruling::{Case, Conclusion, Date, ExplainMode, Options, RuleSet};
use serde::Serialize;

/// The facts of a platform report, as an application holds them.
#[derive(Serialize)]
struct Report {
    conduct_date: Date,
    actor_kind: &'static str,
    network_service_type: &'static str,
    correction_order_status: &'static str,
    illegal_videos: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Loaded, checked and compiled once; cloning or sharing it is cheap.
    let rules = Arc::new(RuleSet::load("rules")?);
    let question = String::from("cl286_1_established");
    let fast = Options {
        explain: ExplainMode::None,
        questions: vec![question.clone()],
        ..Options::default()
    };

    // Each worker owns an evaluator (it holds the rule set, no lifetimes to manage).
    let workers: Vec<_> = (0..2u64)
        .map(|worker| {
            let rules = Arc::clone(&rules);
            let options = fast.clone();
            std::thread::spawn(move || -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
                let mut evaluator = rules.evaluator(&options);
                let index = evaluator
                    .conclusion_index("cl286_1_established")
                    .ok_or("no such conclusion")?;
                let mut established = 0;
                for videos in (0..500).map(|n| n * 2 + worker) {
                    let report = Report {
                        conduct_date: Date::new(2021, 5, 20).unwrap_or(Date::MIN),
                        actor_kind: "unit",
                        network_service_type: "application_service",
                        correction_order_status: "refused",
                        illegal_videos: videos,
                    };
                    let case = Case::from_facts(&report, None)?;
                    let prepared = evaluator.prepare(&case)?;
                    if evaluator.values(&prepared)?.truth(index) == Some(true) {
                        established += 1;
                    }
                }
                Ok(established)
            })
        })
        .collect();
    let mut established = 0;
    for worker in workers {
        established += worker
            .join()
            .map_err(|_| "a worker stopped")?
            .map_err(|e| e.to_string())?;
    }
    println!("{established} of 1000 reports establish {question} (200 videos or more)");

    // One case with its explanation: typed access tells unknown from no value.
    let case = Case::from_path("examples/cases/mouniu-2021.json")?;
    let outcome = rules.evaluate(&case, &Options::default())?;
    match outcome.get(&question)? {
        Conclusion::Value(value) => println!("{question} = {value}"),
        Conclusion::Unknown => println!("{question} is unknown; missing: {:?}", outcome.missing_facts()),
        _ => println!("{question} has no value"),
    }
    if let Some(explanation) = outcome.explanation() {
        println!("it rests on: {:?}", explanation.citations_of(&question));
    }
    Ok(())
}
