//! Any query: parsing never panics (typed or submitted), and answering it against a
//! small index never fails, whatever the sort.
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use fir::search::{Column, Document, Searcher, Sort, Source, build, parse};
use libfuzzer_sys::fuzz_target;

/// Index files held in memory.
#[derive(Clone)]
struct Memory(HashMap<String, String>);

impl Source for Memory {
    fn read(&mut self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
}

fn index() -> &'static Memory {
    static INDEX: OnceLock<Memory> = OnceLock::new();
    INDEX.get_or_init(|| {
        let column = |key: &str, values: &[&str], numeric| Column {
            key: key.into(),
            values: values
                .iter()
                .map(|v| (v.to_string(), v.to_uppercase()))
                .collect(),
            numeric,
            bits: 0,
            aliases: Vec::new(),
        };
        let columns = [
            column("category", &["phishing", "malware"], false),
            column("severity", &["1", "2", "3", "4"], true),
            column("status", &["open", "closed"], false),
        ];
        let texts = [
            (
                "F-1",
                "Hameçonnage de comptes",
                "fausse page evil.example 10.0.0.1",
                "phishing",
                "3",
                "open",
            ),
            (
                "F-2",
                "Ransomware on a file server",
                "réseau chiffré, rançon",
                "malware",
                "4",
                "closed",
            ),
            (
                "F-3",
                "Phishing wave",
                "fake page hxxp://evil[.]example/pay",
                "phishing",
                "2",
                "open",
            ),
        ];
        let docs: Vec<Document> = texts
            .iter()
            .map(|(id, title, body, category, severity, status)| Document {
                id,
                title,
                date: "2024-01-01".into(),
                excerpt: body.to_string(),
                texts: vec![body],
                columns: vec![
                    category.to_string(),
                    severity.to_string(),
                    status.to_string(),
                ],
                keywords: vec![
                    ("bl", "Retail Banking".into()),
                    ("artifact", "evil.example".into()),
                ],
            })
            .collect();
        Memory(build(&docs, &columns).into_iter().collect())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut searcher = Searcher::open(index().clone()).expect("the index opens");
    for typing in [false, true] {
        let query = parse(text, typing);
        for sort in [Sort::Relevance, Sort::Date] {
            let outcome = searcher
                .search(&query, sort, 0, 10)
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert!(outcome.total <= 3 && outcome.hits.len() <= outcome.total);
        }
    }
});
