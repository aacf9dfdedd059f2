//! Embedding ruling: load the shipped rules once, evaluate a case, read the explanation.
//!
//! Run with `cargo run --example embed`.

use ruling::{Case, Options, RuleSet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = RuleSet::load("rules")?;
    let case = Case::from_path("examples/cases/mouniu-2021.json")?;
    let outcome = rules.evaluate(&case, &Options::default())?;
    for (conclusion, value) in outcome.conclusions() {
        println!("{conclusion} = {value}");
    }
    if let Some(explanation) = outcome.explanation() {
        println!(
            "cl286_1_established rests on: {:?}",
            explanation.citations_of("cl286_1_established")
        );
    }
    Ok(())
}
