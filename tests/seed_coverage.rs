//! `docs/seed-coverage.md` stays true: every case it names exists in the
//! built-in suites, every status is one the page defines and says what it
//! must (a proposed case for `not covered`, a reason for `untestable`, what
//! is missing for `partly`, a case for `covered`), and the counts table
//! adds up to the rows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use pushlab::scenario::{collect_files, load_file};

const STATUSES: [&str; 4] = ["covered", "partly", "not covered", "untestable"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every built-in case as `scenarios/<file>::<case name>`.
fn builtin_cases() -> BTreeSet<String> {
    let files = collect_files(&[root().join("scenarios")]).expect("scenario files");
    let mut out = BTreeSet::new();
    for f in files {
        let s = load_file(&f).expect("a valid scenario file");
        let name = f.file_name().expect("a file name").to_string_lossy();
        for c in &s.file.cases {
            out.insert(format!("scenarios/{name}::{}", c.name));
        }
    }
    out
}

struct Row {
    id: String,
    proved_by: String,
    status: String,
}

/// The statement rows, by guide (`000` …), in page order.
fn rows(page: &str) -> BTreeMap<String, Vec<Row>> {
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in page.lines() {
        let Some(rest) = line.strip_prefix("| S") else {
            continue;
        };
        let cells: Vec<&str> = rest.split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 5, "five cells: {line}");
        let id = format!("S{}", cells[0]);
        let guide = id[1..4].to_string();
        out.entry(guide).or_default().push(Row {
            id,
            proved_by: cells[3].to_string(),
            status: cells[4].trim_end_matches('|').trim().to_string(),
        });
    }
    out
}

/// `scenarios/x.yaml::case` references in backticks.
fn references(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("scenarios/") && s.contains("::"))
        .map(str::to_string)
        .collect()
}

/// The counts table: guide (`000`, …, `all`) → counts in STATUSES order.
fn counts(page: &str) -> BTreeMap<String, Vec<usize>> {
    let mut out = BTreeMap::new();
    for line in page.lines() {
        let cells: Vec<&str> = line.split('|').map(|c| c.trim()).collect();
        if cells.len() < 7 {
            continue;
        }
        let guide = match cells[1].trim_matches('*') {
            g if g.starts_with("seed ") => g["seed ".len()..].to_string(),
            "all" => "all".to_string(),
            _ => continue,
        };
        let n: Vec<usize> = cells[2..7]
            .iter()
            .map(|c| c.trim_matches('*').parse().expect("a count"))
            .collect();
        out.insert(guide, n);
    }
    out
}

#[test]
fn the_seed_coverage_page_names_real_cases_and_adds_up() {
    let page = std::fs::read_to_string(root().join("docs/seed-coverage.md")).expect("the page");
    let cases = builtin_cases();
    let rows = rows(&page);
    assert_eq!(
        rows.keys().map(String::as_str).collect::<Vec<_>>(),
        ["000", "001", "002", "003", "004"],
        "one table per guide"
    );
    let mut ids = BTreeSet::new();
    let mut problems = Vec::new();
    let mut total = vec![0; 5];
    let table = counts(&page);
    for (guide, rows) in &rows {
        let mut n = vec![0; 5];
        for r in rows {
            if !ids.insert(r.id.clone()) {
                problems.push(format!("{}: id used twice", r.id));
            }
            let Some(k) = STATUSES.iter().position(|s| *s == r.status) else {
                problems.push(format!("{}: unknown status `{}`", r.id, r.status));
                continue;
            };
            n[k] += 1;
            n[4] += 1;
            let refs = references(&r.proved_by);
            for c in &refs {
                if !cases.contains(c) {
                    problems.push(format!("{}: no built-in case `{c}`", r.id));
                }
            }
            let says = |prefix: &str| {
                r.proved_by.starts_with(prefix) && r.proved_by.len() > prefix.len() + 3
            };
            let ok = match r.status.as_str() {
                "covered" => !refs.is_empty(),
                "partly" => !refs.is_empty() && r.proved_by.contains("missing:"),
                "not covered" => says("NOT COVERED"),
                _ => says("UNTESTABLE"),
            };
            if !ok {
                problems.push(format!(
                    "{}: a `{}` row must {}",
                    r.id,
                    r.status,
                    match r.status.as_str() {
                        "covered" => "name the case(s) that prove it",
                        "partly" => "name a case and say what is missing (`missing:`)",
                        "not covered" => "start with NOT COVERED and propose a case",
                        _ => "start with UNTESTABLE and give the reason",
                    }
                ));
            }
        }
        match table.get(guide) {
            Some(t) if *t == n => {}
            other => problems.push(format!(
                "counts of seed {guide}: table {other:?}, rows {n:?}"
            )),
        }
        for (t, x) in total.iter_mut().zip(&n) {
            *t += x;
        }
    }
    if table.get("all") != Some(&total) {
        problems.push(format!(
            "counts of all: table {:?}, rows {total:?}",
            table.get("all")
        ));
    }
    assert!(
        problems.is_empty(),
        "docs/seed-coverage.md:\n{}",
        problems.join("\n")
    );
}
