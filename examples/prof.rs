use ruling::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let rules = RuleSet::load(&a[1]).unwrap();
    let text = std::fs::read_to_string(&a[2]).unwrap();
    let mode = a[3].as_str();
    let reps: usize = a[4].parse().unwrap();
    let explain = match mode { "values" => ExplainMode::None, "outline" => ExplainMode::Outcome, _ => ExplainMode::Full };
    let opts = Options { explain, ..Options::default() };
    let mut ev = rules.evaluator(&opts);
    let mut prepared = Vec::new();
    for line in text.lines() {
        let case = Case::from_json(line).unwrap();
        if let Ok(p) = ev.prepare(&case) { prepared.push(p); }
    }
    let t = std::time::Instant::now();
    let mut n = 0usize;
    for _ in 0..reps {
        for c in &prepared {
            match mode {
                "values" => { n += ev.values(c).unwrap().len(); }
                "record" | "outline" => { n += ev.record(c).unwrap().len(); }
                "tree" => { ev.record(c).unwrap(); n += ev.recorded_explanation().map(|e| e.conclusions.len()).unwrap_or(0); }
                "json" => { let o = ev.outcome(c).unwrap(); n += serde_json::to_vec(&o).unwrap().len(); }
                _ => panic!(),
            }
        }
    }
    let el = t.elapsed();
    eprintln!("{} cases x {} reps: {:.2} us/case ({})", prepared.len(), reps, el.as_secs_f64()*1e6/(prepared.len()*reps) as f64, n);
}
