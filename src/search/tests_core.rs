//! Property tests of the whole core: what [`build`] writes, [`Searcher`] reads back.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;

/// Index files held in memory.
#[derive(Debug)]
struct Memory(HashMap<String, String>);

/// Whether `searcher` has read a file under `dir` (`search/d/`, …).
fn loaded_under(searcher: &Searcher<Memory>, dir: &str) -> bool {
    searcher.loaded.iter().any(|p| p.starts_with(dir))
}

impl Source for Memory {
    fn read(&mut self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
}

const WORDS: &[&str] = &[
    "incident",
    "incidents",
    "hameçonnage",
    "Hameconnage",
    "réseau",
    "serveur",
    "phishing",
    "ransomware",
    "compte",
    "fausse",
    "page",
    "alpha",
    "beta",
    "Été",
    "x",
    "policies",
];

fn columns() -> Vec<Column> {
    let column = |key: &str, values: &[&str], numeric| Column {
        key: key.to_string(),
        values: values
            .iter()
            .map(|v| (v.to_string(), v.to_uppercase()))
            .collect(),
        numeric,
        bits: 0,
        aliases: Vec::new(),
    };
    vec![
        column("category", &["phishing", "malware", "other"], false),
        column("severity", &["1", "2", "3", "4"], true),
        column("status", &["open", "closed"], false),
    ]
}

#[derive(Debug, Clone)]
struct Raw {
    title: Vec<usize>,
    body: Vec<usize>,
    category: usize,
    severity: usize,
    status: usize,
    artifact: Option<u8>,
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        proptest::collection::vec(0..WORDS.len(), 1..4),
        proptest::collection::vec(0..WORDS.len(), 0..12),
        0..3usize,
        0..4usize,
        0..2usize,
        proptest::option::of(any::<u8>()),
    )
        .prop_map(|(title, body, category, severity, status, artifact)| Raw {
            title,
            body,
            category,
            severity,
            status,
            artifact,
        })
}

#[derive(Clone)]
struct Owned {
    id: String,
    title: String,
    body: String,
    artifact: Option<String>,
    columns: Vec<String>,
}

fn owned(raws: &[Raw]) -> Vec<Owned> {
    let cols = columns();
    raws.iter()
        .enumerate()
        .map(|(n, r)| Owned {
            id: format!("T-{n}"),
            title: r
                .title
                .iter()
                .map(|&w| WORDS[w])
                .collect::<Vec<_>>()
                .join(" "),
            body: r
                .body
                .iter()
                .map(|&w| WORDS[w])
                .collect::<Vec<_>>()
                .join(" "),
            artifact: r.artifact.map(|a| format!("10.0.0.{a}")),
            columns: vec![
                cols[0].values[r.category].0.clone(),
                cols[1].values[r.severity].0.clone(),
                cols[2].values[r.status].0.clone(),
            ],
        })
        .collect()
}

fn documents(owned: &[Owned]) -> Vec<Document<'_>> {
    owned
        .iter()
        .map(|o| Document {
            id: &o.id,
            title: &o.title,
            date: "2024-01-01".into(),
            excerpt: o.body.clone(),
            texts: vec![&o.body],
            columns: o.columns.clone(),
            keywords: o.artifact.iter().map(|a| ("artifact", a.clone())).collect(),
        })
        .collect()
}

fn searcher(docs: &[Document<'_>]) -> Searcher<Memory> {
    let files = build(docs, &columns());
    Searcher::open(Memory(files.into_iter().collect())).unwrap()
}

/// A new reader of `files` (to see what it loads) and its first page of `query`.
fn first_page(
    files: &HashMap<String, String>,
    query: &str,
    sort: Sort,
) -> (Searcher<Memory>, Outcome) {
    let mut searcher = Searcher::open(Memory(files.clone())).unwrap();
    let shown = searcher
        .search(&parse(query, false), sort, 0, super::index::PAGE)
        .unwrap();
    (searcher, shown)
}

/// The ids of a page's hits, in order.
fn hit_ids(shown: &Outcome) -> Vec<&str> {
    shown.hits.iter().map(|h| h.id.as_str()).collect()
}

fn ids(searcher: &mut Searcher<Memory>, query: &str) -> Vec<String> {
    let outcome = searcher
        .search(&parse(query, false), Sort::Date, 0, usize::MAX)
        .unwrap();
    outcome.hits.into_iter().map(|h| h.id).collect()
}

/// What a plain scan of the documents says matches `query`, newest first.
fn scan(owned: &[Owned], keep: impl Fn(&Owned) -> bool) -> Vec<String> {
    owned
        .iter()
        .rev()
        .filter(|o| keep(o))
        .map(|o| o.id.clone())
        .collect()
}

fn has_term(o: &Owned, word: &str) -> bool {
    let want = text::stem(&text::fold(word));
    text::terms(&o.title)
        .chain(text::terms(&o.body))
        .chain(text::terms(&o.id))
        .any(|t| t == want)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parsing_never_panics(query in "\\PC{0,40}", typing: bool) {
        let _ = parse(&query, typing);
    }

    #[test]
    fn parsing_query_syntax_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("OR".to_string()), Just("-".to_string()), Just("\"".to_string()),
                Just("severity:>=".to_string()), Just("bl:".to_string()), Just("*".to_string()),
                "[a-zé:<>=\"*-]{0,6}".prop_map(String::from),
            ],
            0..10,
        )
    ) {
        let query = parts.join(" ");
        let _ = parse(&query, true);
        let _ = parse(&parts.concat(), false);
    }

    /// Every document is found by its words, its column values and its artifact, and
    /// its display data and facet row come back as they went in.
    #[test]
    fn index_round_trips(raws in proptest::collection::vec(raw(), 1..60), probe in 0..WORDS.len()) {
        let owned = owned(&raws);
        let docs = documents(&owned);
        let mut searcher = searcher(&docs);
        prop_assert_eq!(searcher.meta().docs as usize, docs.len());
        let word = WORDS[probe];
        prop_assert_eq!(ids(&mut searcher, word), scan(&owned, |o| has_term(o, word)));
        prop_assert_eq!(
            ids(&mut searcher, &format!("-{word}")),
            scan(&owned, |o| !has_term(o, word))
        );
        prop_assert_eq!(
            ids(&mut searcher, "severity:>=3 -status:closed"),
            scan(&owned, |o| o.columns[1].as_str() >= "3" && o.columns[2] != "closed")
        );
        prop_assert_eq!(
            ids(&mut searcher, &format!("category:phishing OR {word}")),
            scan(&owned, |o| o.columns[0] == "phishing" || has_term(o, word))
        );
        for o in &owned {
            if let Some(artifact) = &o.artifact {
                let defanged = artifact.replace('.', "[.]");
                let found = ids(&mut searcher, &format!("artifact:{defanged}"));
                prop_assert!(found.contains(&o.id));
            }
        }
        let outcome = searcher.search(&parse("", false), Sort::Date, 0, 10).unwrap();
        prop_assert_eq!(outcome.total, 0);
        let all = searcher
            .search(&parse("-zzzz", false), Sort::Date, 0, usize::MAX)
            .unwrap();
        for (hit, o) in all.hits.iter().zip(owned.iter().rev()) {
            prop_assert_eq!(&hit.id, &o.id);
            prop_assert_eq!(&hit.title, &o.title);
            prop_assert_eq!(&hit.category, &o.columns[0]);
            prop_assert_eq!(&hit.severity, &o.columns[1]);
            prop_assert_eq!(&hit.status, &o.columns[2]);
        }
        let total: u32 = all.facets[0].values.iter().map(|v| v.count).sum();
        prop_assert_eq!(total as usize, owned.len());
    }
}

/// `n` documents with a unique word each and words shared by few or many.
fn large(n: usize) -> Vec<Owned> {
    let raws: Vec<Raw> = (0..n)
        .map(|n| Raw {
            title: vec![n % WORDS.len()],
            body: vec![(n * 7) % WORDS.len(), (n * 3) % WORDS.len()],
            category: n % 3,
            severity: n % 4,
            status: n % 2,
            artifact: Some((n % 256) as u8),
        })
        .collect();
    let mut owned = owned(&raws);
    for (n, o) in owned.iter_mut().enumerate() {
        o.body.push_str(&format!(" unique{n} word{}", n % 500));
    }
    owned
}

/// The index files of `owned`, by path.
fn index_files(owned: &[Owned]) -> HashMap<String, String> {
    build(&documents(owned), &columns()).into_iter().collect()
}

/// The index files of [`large`]`(n)`, by path.
fn large_index(n: usize) -> HashMap<String, String> {
    index_files(&large(n))
}

/// Enough documents that shards split by prefix, chunks are many, and postings of
/// frequent words become bitmaps.
#[test]
fn large_index_splits_shards_and_still_answers() {
    let owned = large(3000);
    let docs = documents(&owned);
    let files = build(&docs, &columns());
    let shards = files
        .iter()
        .filter(|f| f.0.starts_with("search/t/_"))
        .count();
    let dirs = files
        .iter()
        .filter(|f| f.0.starts_with("search/t/dir_"))
        .count();
    assert!(
        shards > 4 && dirs > 1,
        "{shards} shards, {dirs} directories"
    );
    // Every key is where readers look: an artifact key in the shard its hash gives,
    // any other in the shard of its longest listed prefix.
    #[derive(serde::Deserialize)]
    struct Shard {
        name: String,
        terms: Vec<super::index::ShardEntry>,
    }
    let shard_files: Vec<Shard> = files
        .iter()
        .filter(|f| f.0.starts_with("search/t/_"))
        .map(|f| serde_json::from_str(unwrap(&f.1).unwrap()).unwrap())
        .collect();
    let meta_file = files.iter().find(|f| f.0 == "search/meta.js").unwrap();
    let meta: super::Meta = serde_json::from_str(unwrap(&meta_file.1).unwrap()).unwrap();
    let buckets: Vec<String> = (0..meta.artifact_shards)
        .map(super::index::hashed_shard)
        .collect();
    assert!(buckets.len() > 1, "{} artifact shards", buckets.len());
    let prefixes: HashSet<&str> = shard_files
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| !buckets.iter().any(|b| b == name))
        .collect();
    let mut artifact_keys = 0;
    for shard in &shard_files {
        for (key, ..) in &shard.terms {
            let found = super::index::shard_for(key, &prefixes, &buckets);
            assert_eq!(found, shard.name, "{key}");
            artifact_keys += usize::from(key.starts_with(":artifact:"));
        }
    }
    assert_eq!(artifact_keys, 256);
    assert!(
        files
            .iter()
            .all(|f| !f.0.starts_with("search/t/dir_3a6172746966")),
        "no directory of artifact keys"
    );
    let mut searcher = Searcher::open(Memory(files.into_iter().collect())).unwrap();
    assert_eq!(ids(&mut searcher, "unique2999"), ["T-2999"]);
    assert_eq!(ids(&mut searcher, "unique1234"), ["T-1234"]);
    assert_eq!(ids(&mut searcher, "word499").len(), 6);
    assert_eq!(
        ids(&mut searcher, "incidents severity:4").len(),
        scan(&owned, |o| has_term(o, "incident") && o.columns[1] == "4").len()
    );
    // Facet counts stored with a frequent word are those the facet table gives, and
    // they spare loading it.
    let mut fresh = Searcher::open(Memory(build(&docs, &columns()).into_iter().collect())).unwrap();
    let stored = fresh
        .search(&parse("incident", false), Sort::Date, 0, 1)
        .unwrap();
    assert!(!loaded_under(&fresh, "search/f/"), "{:?}", fresh.loaded);
    // (A clause of alternatives holds no key that covers every answer: counted.)
    let computed = searcher
        .search(&parse("incident OR zzzz", false), Sort::Date, 0, 1)
        .unwrap();
    assert!(stored.total >= super::index::COUNTS_MIN);
    assert_eq!(stored.total, computed.total);
    assert_eq!(stored.facets, computed.facets);
    // Prefixes reach over shards.
    assert_eq!(ids(&mut searcher, "uniq*").len(), 3000);
    assert_eq!(ids(&mut searcher, "unique12*").len(), 111);
}

/// The facet counts of `ids`' documents among `owned`, as the page shows them.
fn counted_facets(owned: &[Owned], ids: &[String]) -> Vec<Facet> {
    let answers: HashSet<&str> = ids.iter().map(String::as_str).collect();
    columns()
        .iter()
        .enumerate()
        .map(|(c, column)| Facet {
            key: column.key.clone(),
            values: column
                .values
                .iter()
                .map(|(raw, label)| FacetCount {
                    value: raw.clone(),
                    label: label.clone(),
                    count: owned
                        .iter()
                        .filter(|o| answers.contains(o.id.as_str()) && o.columns[c] == *raw)
                        .count() as u32,
                })
                .filter(|v| v.count > 0)
                .collect(),
        })
        .collect()
}

/// A frequent key that holds every answer gives the facet counts from its stored ones,
/// less its documents that are no answer: the counts of the answers, with no facet
/// file when there are none such, and only the facet rows of those when they are few.
#[test]
fn a_key_holding_every_answer_gives_its_facet_counts_less_the_rest() {
    let owned = large(3000);
    let files = index_files(&owned);
    for query in [
        "incident",
        "incident -word7",
        "incident -phishing",
        "incident severity:2",
        "incident phishing",
        "severity:1 status:open",
        "status:open -severity:1",
        "\"fausse page\" incident",
        "incident OR alpha",
        "incid* status:closed",
    ] {
        let mut searcher = Searcher::open(Memory(files.clone())).unwrap();
        let outcome = searcher
            .search(&parse(query, false), Sort::Date, 0, usize::MAX)
            .unwrap();
        let ids: Vec<String> = outcome.hits.iter().map(|h| h.id.clone()).collect();
        assert_eq!(outcome.total, ids.len(), "{query}");
        assert_eq!(outcome.facets, counted_facets(&owned, &ids), "{query}");
        let loaded = |searcher: &Searcher<Memory>| {
            let facets: Vec<&String> = searcher
                .loaded
                .iter()
                .filter(|p| p.starts_with("search/f/"))
                .collect();
            let table = facets.iter().any(|p| *p == super::index::FACET_ALL);
            (facets.len(), table)
        };
        match query {
            // Every document of `severity:1` is open: its counts are the answer's.
            "incident" | "severity:1 status:open" => {
                assert_eq!(
                    loaded(&searcher),
                    (0, false),
                    "{query}: {:?}",
                    searcher.loaded
                );
            }
            // The few incident documents with `word7`: a facet chunk or two, not the table.
            "incident -word7" => {
                let (files, table) = loaded(&searcher);
                assert!(files > 0 && !table, "{query}: {:?}", searcher.loaded);
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// However a large tree of shard prefixes is cut into directories, a reader that
    /// loads the directory with the longest name starting its key finds the key's
    /// shard: the longest prefix of the key among all shards. Every shard is listed
    /// once, no directory lists more than `DIR_MAX`.
    #[test]
    fn directories_lead_every_key_to_its_shard(
        words in proptest::collection::vec("[:ab][ab:é]{0,9}", 1..1500),
        keys in proptest::collection::vec("[:ab][ab:é]{0,9}", 1..60),
    ) {
        // A tree: every prefix of a word is a shard (as Shards::split cuts them).
        let mut prefixes: Vec<String> = words
            .iter()
            .flat_map(|w| w.char_indices().map(|(i, c)| w[..i + c.len_utf8()].to_string()))
            .collect();
        prefixes.sort();
        prefixes.dedup();
        let dirs = super::index::directories(&prefixes);
        let mut listed: Vec<&String> = dirs.iter().flat_map(|(_, shards)| shards).collect();
        listed.sort();
        prop_assert_eq!(listed, prefixes.iter().collect::<Vec<_>>());
        prop_assert!(dirs.iter().all(|(_, shards)| shards.len() <= 512));
        let all: HashSet<&str> = prefixes.iter().map(String::as_str).collect();
        let names: HashSet<&str> = dirs.iter().map(|(name, _)| name.as_str()).collect();
        for key in keys.iter().chain(&words) {
            let dir = super::index::shard_of(key, &names);
            let mut candidates: HashSet<&str> = HashSet::from([""]);
            if let Some((_, shards)) = dirs.iter().find(|(name, _)| name == dir) {
                candidates.extend(shards.iter().map(String::as_str));
            }
            prop_assert_eq!(
                super::index::shard_of(key, &candidates),
                super::index::shard_of(key, &all),
                "{}", key
            );
        }
    }
}

/// Past `DIR_MAX` shards under one first character, directories are cut deeper.
#[test]
fn many_shards_under_one_character_get_several_directories() {
    let mut prefixes = vec![":".to_string()];
    for a in ["artifact:", "bl:"] {
        for c in 0..40u8 {
            for d in 0..30u8 {
                let one = format!(":{a}{}", char::from(b'0' + c));
                prefixes.push(format!("{one}{}", char::from(b'0' + d)));
                prefixes.push(one);
            }
        }
        for end in 1..=a.len() {
            prefixes.push(format!(":{}", &a[..end]));
        }
    }
    prefixes.sort();
    prefixes.dedup();
    let dirs = super::index::directories(&prefixes);
    assert!(dirs.len() > 2, "{} directories", dirs.len());
    assert!(dirs.iter().all(|(_, shards)| shards.len() <= 512));
}

/// Inverting on every thread and merging gives every key the postings a plain scan of
/// the documents gives: sorted, numbered from `first`, title hits apart.
#[test]
fn inverting_equals_a_plain_scan() {
    use std::collections::{BTreeMap, BTreeSet};
    let mut owned = large(2 * 2048 + 300);
    // Some documents with more distinct keys than the per-document table first holds,
    // shared with each other, each twice (in the title and the text for one of them).
    for (n, o) in owned.iter_mut().step_by(997).enumerate() {
        let many: String = (0..3000 + n * 500).map(|i| format!(" many{i}")).collect();
        if n == 2 {
            o.title.push_str(&many);
        } else {
            o.body.push_str(&many);
        }
        o.body.push_str(&many);
    }
    let docs = documents(&owned);
    let first = 7;
    type Expected = (BTreeSet<u32>, BTreeSet<u32>);
    let mut want: BTreeMap<String, Expected> = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        let n = first + i as u32;
        let texts = [(doc.title, true), (doc.id, false)]
            .into_iter()
            .chain(doc.texts.iter().map(|t| (*t, false)));
        for (text, title) in texts {
            let terms: Vec<String> = text::terms(text).collect();
            for term in &terms {
                let (all, titles) = want.entry(term.clone()).or_default();
                all.insert(n);
                if title {
                    titles.insert(n);
                }
            }
            for pair in terms.windows(2) {
                let key = super::pair_key(&pair[0], &pair[1]);
                want.entry(key).or_default().0.insert(n);
            }
        }
        for (field, value) in &doc.keywords {
            let key = super::document_key(field, value);
            want.entry(key).or_default().0.insert(n);
        }
        for (column, raw) in columns().iter().zip(&doc.columns) {
            let key = format!(":{}:{}", column.key, text::fold(raw));
            want.entry(key).or_default().0.insert(n);
        }
    }
    let got: BTreeMap<String, Expected> = super::index::invert(&docs, &columns(), first)
        .into_iter()
        .map(|(key, postings)| {
            let strictly = |docs: &[u32]| docs.windows(2).all(|w| w[0] < w[1]);
            assert!(
                strictly(&postings.all) && strictly(&postings.title),
                "{key}: sorted, each document once"
            );
            let all = postings.all.into_iter().collect();
            (key, (all, postings.title.into_iter().collect()))
        })
        .collect();
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
}

/// A term's postings, title postings, stored facet counts (decoded) and first page.
type TermAsRead = (Vec<u32>, Vec<u32>, Vec<u32>, Vec<super::index::PageRow>);

/// The index as readers see it, whatever the shard boundaries: every term with its
/// postings and counts, every display entry, the facet rows, the meta file's sizes.
#[derive(Debug, PartialEq)]
struct Logical {
    terms: std::collections::BTreeMap<String, TermAsRead>,
    display: Vec<super::index::DisplayEntry>,
    rows: Vec<Vec<u32>>,
    docs: u32,
    columns: Vec<Column>,
    /// The oldest document of each column value's rows file, from the meta file.
    rows_from: Vec<Vec<u32>>,
    /// The documents of each column value's rows file, by column and value.
    value_rows: Vec<Vec<Vec<u32>>>,
}

fn logical(files: &HashMap<String, String>) -> Logical {
    #[derive(serde::Deserialize)]
    struct Shard {
        terms: Vec<super::index::ShardEntry>,
    }
    #[derive(serde::Deserialize)]
    struct Display {
        chunk: u32,
        docs: Vec<super::index::DisplayEntry>,
    }
    #[derive(serde::Deserialize)]
    struct Facets {
        data: String,
    }
    let json = |path: &str| unwrap(&files[path]).unwrap().to_string();
    let meta: Meta = serde_json::from_str(&json(super::index::META)).unwrap();
    let decode = |b64: &str| {
        if b64.is_empty() {
            Vec::new()
        } else {
            codec::decode_postings(&codec::unbase64(b64).unwrap()).unwrap()
        }
    };
    let mut terms = std::collections::BTreeMap::new();
    let mut display = Vec::new();
    for path in files.keys() {
        if path.starts_with("search/t/_") {
            let shard: Shard = serde_json::from_str(&json(path)).unwrap();
            for (key, all, title, frequent) in shard.terms {
                let counts = stored_counts(&frequent.counts);
                let (all, title) = (decode(&all), decode(&title));
                // Frequent keys carry their first page, and artifacts whose first page
                // is spread over several display chunks.
                let page = super::index::page_docs(&all, &title);
                let chunks: HashSet<u32> = page
                    .iter()
                    .map(|doc| doc / super::index::DISPLAY_CHUNK)
                    .collect();
                let carried = all.len() >= super::index::COUNTS_MIN
                    || (key.starts_with(":artifact:")
                        && chunks.len() >= super::index::SPREAD_CHUNKS);
                assert_eq!(
                    frequent.page.iter().map(|row| row.0).collect::<Vec<_>>(),
                    if carried { page } else { Vec::new() },
                    "first page of {key}"
                );
                assert_eq!(
                    frequent.counts.is_empty(),
                    all.len() < super::index::COUNTS_MIN,
                    "facet counts of {key}"
                );
                let previous = terms.insert(key.clone(), (all, title, counts, frequent.page));
                assert!(previous.is_none(), "{key} in two shards");
            }
        } else if path.starts_with("search/d/") {
            let file: Display = serde_json::from_str(&json(path)).unwrap();
            display.push((file.chunk, file.docs));
        }
    }
    display.sort_by_key(|d| d.0);
    let facets: Facets = serde_json::from_str(&json(super::index::FACET_ALL)).unwrap();
    let widths: Vec<u8> = meta.columns.iter().map(|c| c.bits).collect();
    let rows = codec::unpack_rows(
        &codec::unbase64(&facets.data).unwrap(),
        &widths,
        meta.docs as usize,
    )
    .unwrap();
    // Each chunk of the facet table says what the whole table says.
    for (chunk, part) in rows.chunks(super::index::FACET_CHUNK as usize).enumerate() {
        let file: Facets =
            serde_json::from_str(&json(&super::index::facet_path(chunk as u32))).unwrap();
        let data = codec::unbase64(&file.data).unwrap();
        let unpacked = codec::unpack_rows(&data, &widths, part.len()).unwrap();
        assert_eq!(unpacked, part, "facet chunk {chunk}");
    }
    let display: Vec<super::index::DisplayEntry> = display.into_iter().flat_map(|d| d.1).collect();
    // A first page shows what the display files show.
    for (key, (.., page)) in &terms {
        for row in page {
            assert_eq!(
                display[row.0 as usize],
                super::index::page_row_display(row),
                "document {} on the first page of {key}",
                row.0
            );
        }
    }
    // Each column value's rows file holds its newest documents, newest first, as the
    // display files show them; the meta file says which is the oldest.
    #[derive(serde::Deserialize)]
    struct Rows {
        rows: Vec<super::index::PageRow>,
    }
    let mut value_rows = Vec::new();
    let mut rows_from = Vec::new();
    for (c, column) in meta.columns.iter().enumerate() {
        let (mut docs_of, mut oldest) = (Vec::new(), Vec::new());
        for v in 0..column.values.len() {
            let file: Rows = serde_json::from_str(&json(&super::index::rows_path(c, v))).unwrap();
            let with_value = (0..meta.docs)
                .rev()
                .filter(|&d| rows[d as usize][c] == v as u32);
            let newest: Vec<u32> = with_value.clone().take(super::index::VALUE_ROWS).collect();
            let docs: Vec<u32> = file.rows.iter().map(|row| row.0).collect();
            assert_eq!(
                docs, newest,
                "rows file of {}:{}",
                column.key, column.values[v].0
            );
            for row in &file.rows {
                assert_eq!(display[row.0 as usize], super::index::page_row_display(row));
            }
            let held_all = with_value.count() == docs.len();
            oldest.push(if held_all { 0 } else { *docs.last().unwrap() });
            docs_of.push(docs);
        }
        value_rows.push(docs_of);
        rows_from.push(oldest);
    }
    assert_eq!(meta.rows_from, rows_from);
    Logical {
        terms,
        display,
        rows,
        docs: meta.docs,
        columns: meta.columns,
        rows_from,
        value_rows,
    }
}

/// The facet counts stored with a term, as readers take them: trailing zeros may be
/// left out (a patch adding values to the last column leaves other terms as they are).
fn stored_counts(b64: &str) -> Vec<u32> {
    let bytes = codec::unbase64(b64).unwrap();
    let mut counts = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        counts.push(codec::get_varint(&bytes, &mut at).unwrap());
    }
    while counts.last() == Some(&0) {
        counts.pop();
    }
    counts
}

/// Four documents that hold every value of every column between them, so that no
/// column gains a value when more documents come.
fn seeds() -> Vec<Owned> {
    let cols = columns();
    (0..4)
        .map(|v| Owned {
            id: format!("S-{v}"),
            title: "seed".into(),
            body: String::new(),
            artifact: None,
            columns: cols
                .iter()
                .map(|c| c.values[v % c.values.len()].0.clone())
                .collect(),
        })
        .collect()
}

/// Builds the index of `before`, patches it into that of `after` from the first
/// document where they differ, and checks that readers see what a full build of
/// `after` gives.
fn assert_patch_equals_build(before: &[Document<'_>], after: &[Document<'_>]) {
    patch_equals_build(before, after, &columns()).unwrap();
}

/// [`assert_patch_equals_build`] with `columns`, for a patch that may be refused.
fn patch_equals_build(
    before: &[Document<'_>],
    after: &[Document<'_>],
    columns: &[Column],
) -> Result<(), PatchError> {
    let from = before
        .iter()
        .zip(after)
        .position(|(b, a)| b.id != a.id)
        .unwrap_or(before.len().min(after.len()));
    let mut files: HashMap<String, String> = build(before, columns).into_iter().collect();
    let changed = replace_tail(
        from as u32,
        &before[from..],
        &after[from..],
        columns,
        &mut Memory(files.clone()),
    )?;
    assert!(
        changed.len() < files.len() || files.len() < 50,
        "only what changed"
    );
    files.extend(changed);
    let full: HashMap<String, String> = build(after, columns).into_iter().collect();
    assert_eq!(logical(&files), logical(&full));
    Ok(())
}

fn assert_append_equals_build(docs: &[Document<'_>], old: usize) {
    assert_patch_equals_build(&docs[..old], docs);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// New documents appended, or inserted among the newest (a report dated before
    /// them): the patched index reads as a full build.
    #[test]
    fn patching_the_tail_equals_building(
        raws in proptest::collection::vec(raw(), 2..60),
        split in 1usize..59,
        inserted in 0usize..5,
    ) {
        let mut all = seeds();
        all.extend(owned(&raws));
        let old = 4 + split.min(raws.len() - 1);
        let docs = documents(&all);
        assert_append_equals_build(&docs, old);
        // The documents from `old` on are new, and go `inserted` places before the end
        // of the old ones.
        let at = old - inserted.min(old - 4);
        let mut after: Vec<Document<'_>> = docs[..at].to_vec();
        after.extend_from_slice(&docs[old..]);
        after.extend_from_slice(&docs[at..old]);
        assert_patch_equals_build(&docs[..old], &after);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Documents edited in place (same number, other words and facet values), with
    /// new ones appended at the same time: the patched index reads as a full build.
    #[test]
    fn patching_edits_equals_building(
        raws in proptest::collection::vec(raw(), 3..60),
        replacements in proptest::collection::vec(raw(), 1..4),
        picks in proptest::collection::vec((any::<proptest::sample::Index>(), any::<bool>()), 1..4),
        appended in 0usize..3,
    ) {
        let mut before = seeds();
        before.extend(owned(&raws));
        let old = before.len() - appended.min(raws.len() - 1);
        let mut after_owned: Vec<Owned> = before
            .iter()
            .map(|o| Owned {
                id: o.id.clone(),
                title: o.title.clone(),
                body: o.body.clone(),
                artifact: o.artifact.clone(),
                columns: o.columns.clone(),
            })
            .collect();
        let fresh = owned(&replacements);
        let mut edited_at = Vec::new();
        for ((pick, facets_only), new) in picks.iter().zip(fresh) {
            let at = pick.index(old);
            // Some edits keep the words and change facet values only (an incident
            // closed).
            if !facets_only {
                after_owned[at].title = new.title;
                after_owned[at].body = new.body;
                after_owned[at].artifact = new.artifact;
            }
            after_owned[at].columns = new.columns;
            edited_at.push(at);
        }
        edited_at.sort_unstable();
        edited_at.dedup();
        let was = documents(&before[..old]);
        let now = documents(&after_owned);
        let mut files: HashMap<String, String> = build(&was, &columns()).into_iter().collect();
        let edited: Vec<(u32, Document<'_>, Document<'_>)> = edited_at
            .iter()
            .map(|&at| (at as u32, was[at].clone(), now[at].clone()))
            .collect();
        let cols = columns();
        let change = Patch { edited: &edited, from: old as u32, was: &[], now: &now[old..], columns: &cols };
        let changed = match patch(&change, &mut Memory(files.clone())) {
            // The last document with a value changed: refused, the caller builds anew.
            Err(PatchError::LostValue { .. }) => return Ok(()),
            other => other.unwrap(),
        };
        files.extend(changed);
        let full: HashMap<String, String> = build(&now, &columns()).into_iter().collect();
        prop_assert_eq!(logical(&files), logical(&full));
    }
}

#[test]
fn appending_to_a_large_index_keeps_shards_bitmaps_and_counts() {
    let owned = large(2000);
    let docs = documents(&owned);
    // Into a partly filled display chunk, across a facet chunk boundary, and one.
    for old in [1990, 1999, 1793] {
        assert_append_equals_build(&docs, old);
    }
    // One inserted 300 places before the end: postings and counts of frequent words
    // (bitmaps) are cut and extended, the facet and display chunks after it redone.
    let mut after: Vec<Document<'_>> = docs[..1699].to_vec();
    after.push(docs[1999].clone());
    after.extend_from_slice(&docs[1699..1999]);
    assert_patch_equals_build(&docs[..1999], &after);
    let mut files: HashMap<String, String> = build(&docs[..1999], &columns()).into_iter().collect();
    let changed = replace_tail(
        1999,
        &[],
        &docs[1999..],
        &columns(),
        &mut Memory(files.clone()),
    )
    .unwrap();
    assert!(changed.len() < 40, "{} files changed", changed.len());
    files.extend(changed);
    let mut searcher = Searcher::open(Memory(files)).unwrap();
    assert_eq!(ids(&mut searcher, "unique1999"), ["T-1999"]);
}

/// The files a patch of the 2000 documents of `files` writes for documents `edited`
/// in place (nothing appended).
fn patch_edits(
    files: &HashMap<String, String>,
    edited: &[(u32, Document<'_>, Document<'_>)],
) -> Vec<(String, String)> {
    let cols = columns();
    let change = Patch {
        edited,
        from: 2000,
        was: &[],
        now: &[],
        columns: &cols,
    };
    patch(&change, &mut Memory(files.clone())).unwrap()
}

/// A document whose facet values change and words do not (an incident closed): the
/// patch reads as a full build and rewrites only the shards that change, those of its
/// field values and of its words frequent enough to carry facet counts, not those of
/// its rare words.
#[test]
fn an_edit_of_facets_only_leaves_the_shards_of_rare_words() {
    let owned = large(2000);
    let mut after = large(2000);
    after[700].columns[2] = if owned[700].columns[2] == "open" {
        "closed"
    } else {
        "open"
    }
    .to_string();
    let (was, now) = (documents(&owned), documents(&after));
    let mut files: HashMap<String, String> = build(&was, &columns()).into_iter().collect();
    let changed = patch_edits(&files, &[(700, was[700].clone(), now[700].clone())]);
    let shards: Vec<&String> = changed
        .iter()
        .filter(|(path, _)| path.starts_with("search/t/_"))
        .map(|(path, _)| path)
        .collect();
    assert!(!shards.is_empty());
    for path in &shards {
        let rewritten = changed
            .iter()
            .find(|(p, _)| p == *path)
            .map(|(_, text)| text);
        assert_ne!(
            rewritten,
            files.get(*path),
            "{path} written again as it was"
        );
    }
    files.extend(changed);
    let full: HashMap<String, String> = build(&now, &columns()).into_iter().collect();
    assert_eq!(logical(&files), logical(&full));
    let mut searcher = Searcher::open(Memory(files)).unwrap();
    assert_eq!(ids(&mut searcher, "unique700"), ["T-700"]);
}

/// First pages of frequent words after patches that reach documents the stored pages
/// lack: the newest documents edited so that they lose every word, and a word that
/// becomes frequent with a new document. The unchanged documents come from the
/// display files; the result reads as a full build.
#[test]
fn patched_first_pages_reach_documents_they_did_not_hold() {
    let mut owned = large(2000);
    for doc in &mut owned[..super::index::COUNTS_MIN - 1] {
        doc.body.push_str(" crossing");
    }
    let before = documents(&owned);
    let mut after_owned = owned.clone();
    for doc in &mut after_owned[1980..] {
        doc.title = "quiet".into();
        doc.body.clear();
    }
    after_owned[1999].body = "crossing".into();
    let after = documents(&after_owned);
    let mut files: HashMap<String, String> = build(&before, &columns()).into_iter().collect();
    let edited: Vec<(u32, Document<'_>, Document<'_>)> = (1980..2000)
        .map(|n| (n as u32, before[n].clone(), after[n].clone()))
        .collect();
    let changed = patch_edits(&files, &edited);
    files.extend(changed);
    let full: HashMap<String, String> = build(&after, &columns()).into_iter().collect();
    let (patched, built) = (logical(&files), logical(&full));
    let page = |l: &Logical, key: &str| l.terms[key].3.iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(page(&patched, "crossing"), page(&built, "crossing"));
    // Its newest unchanged documents, which no stored page held.
    let newest_unchanged = super::index::COUNTS_MIN as u32 - 2;
    assert!(page(&built, "crossing").contains(&newest_unchanged));
    assert_eq!(patched, built);
}

/// A query of column filters only, not one key alone, shows its first page from the
/// rows file of the value whose file reaches furthest back (malware, a third of the
/// documents, rather than open, half), loaded with its shards: no display file is
/// read. Its results are newest first, ties of relevance. A query with a word loads
/// no rows file.
#[test]
fn a_query_of_filters_shows_its_first_page_from_a_values_newest_rows() {
    let files = large_index(2000);
    let page = super::index::PAGE;
    let (searcher, shown) = first_page(
        &files,
        "category:malware status:open severity:>=3",
        Sort::Relevance,
    );
    let ids = hit_ids(&shown);
    // Malware is n % 3 == 1, open n % 2 == 0, severity 3 or 4 n % 4 >= 2.
    let newest: Vec<String> = (0..page).map(|k| format!("T-{}", 1990 - 12 * k)).collect();
    assert_eq!(ids, newest);
    let read: Vec<&str> = searcher
        .loaded
        .iter()
        .map(String::as_str)
        .filter(|p| p.starts_with("search/r/") || p.starts_with("search/d/"))
        .collect();
    assert_eq!(read, [super::index::rows_path(0, 1)]);

    // With a word, that file too, whose rows hold this first page as well.
    let (searcher, shown) = first_page(
        &files,
        "category:malware status:open unique1990",
        Sort::Relevance,
    );
    assert_eq!(shown.hits.len(), 1);
    assert!(loaded_under(&searcher, "search/r/"));
    assert!(
        !loaded_under(&searcher, "search/d/"),
        "{:?}",
        searcher.loaded
    );
    // Without a column filter, none.
    let (searcher, shown) = first_page(&files, "unique1990 word490", Sort::Relevance);
    assert_eq!(shown.hits.len(), 1);
    assert!(
        !loaded_under(&searcher, "search/r/"),
        "{:?}",
        searcher.loaded
    );
}

/// An index of an older format, without the fields of this one, is refused by its
/// version, which tells the user to rebuild the site.
#[test]
fn an_index_of_an_older_format_is_refused_by_its_version() {
    let mut files = large_index(40);
    let mut meta: serde_json::Value =
        serde_json::from_str(unwrap(&files[super::index::META]).unwrap()).unwrap();
    let fields = meta.as_object_mut().unwrap();
    fields.remove("rows_from").expect("a field of format 6");
    fields.insert("version".into(), 5.into());
    files.insert(super::index::META.into(), wrap(&meta.to_string()));
    let err = Searcher::open(Memory(files)).unwrap_err();
    assert!(matches!(err, SearchError::Version(5)), "{err}");
    assert!(err.to_string().contains("rebuild the site"), "{err}");
}

/// A query of one frequent word shows its first page, by relevance or by date, from
/// the rows its shard entry carries: no display file is read.
#[test]
fn a_frequent_word_shows_its_first_page_without_display_files() {
    let files = large_index(2000);
    let page = super::index::PAGE;
    let mut any = Searcher::open(Memory(files.clone())).unwrap();
    let word = *WORDS
        .iter()
        .find(|w| ids(&mut any, w).len() >= super::index::COUNTS_MIN)
        .expect("a frequent word");
    for sort in [Sort::Relevance, Sort::Date] {
        let (mut searcher, shown) = first_page(&files, word, sort);
        assert!(shown.total >= super::index::COUNTS_MIN);
        assert_eq!(shown.hits.len(), page);
        assert!(
            !loaded_under(&searcher, "search/d/"),
            "{:?}",
            searcher.loaded
        );
        // The hits of the whole list, whose rows past the first page come from the
        // display files (which the first page's rows equal: see `logical`).
        let mut other = Searcher::open(Memory(files.clone())).unwrap();
        let every = other
            .search(&parse(word, false), sort, 0, usize::MAX)
            .unwrap();
        assert_eq!(shown.hits, every.hits[..page]);
        // The last page (the oldest results either way) is not carried.
        searcher
            .search(&parse(word, false), sort, shown.total - page, page)
            .unwrap();
        assert!(loaded_under(&searcher, "search/d/"));
    }
}

/// An artifact seen in incidents far apart brings its first page with its postings:
/// no display file; one whose incidents sit in one display chunk does not need it.
#[test]
fn an_artifact_seen_far_apart_shows_its_first_page_without_display_files() {
    // 10.0.0.1 in every 50th document, 10.0.0.2 in two neighbours.
    let raws: Vec<Raw> = (0..600)
        .map(|n| Raw {
            title: vec![n % WORDS.len()],
            body: vec![(n * 7) % WORDS.len()],
            category: n % 3,
            severity: n % 4,
            status: n % 2,
            artifact: match n {
                _ if n % 50 == 0 => Some(1),
                301 | 302 => Some(2),
                _ => None,
            },
        })
        .collect();
    let owned = owned(&raws);
    let files = index_files(&owned);
    let page = super::index::PAGE;
    let (searcher, spread) = first_page(&files, "artifact:10.0.0.1", Sort::Relevance);
    let ids = hit_ids(&spread);
    let newest: Vec<String> = (0..page).map(|k| format!("T-{}", 550 - 50 * k)).collect();
    assert_eq!(
        (spread.total, ids),
        (12, newest.iter().map(String::as_str).collect())
    );
    assert!(
        !loaded_under(&searcher, "search/d/"),
        "{:?}",
        searcher.loaded
    );
    let (searcher, close) = first_page(&files, "artifact:10.0.0.2", Sort::Relevance);
    assert_eq!(close.total, 2);
    assert!(loaded_under(&searcher, "search/d/"));
}

/// A query of two words whose first results are title hits of one of them further back
/// than its newest ten shows them from the rows that word's shard entry carries.
#[test]
fn title_hits_of_a_frequent_word_show_a_two_word_query_without_display_files() {
    // Every title says `alpha`; one document in three also has `beta`, in its text.
    let owned: Vec<Owned> = (0..600)
        .map(|n| Owned {
            id: format!("T-{n}"),
            title: format!("alpha {n}"),
            body: if n % 3 == 0 { "beta gamma" } else { "gamma" }.into(),
            artifact: None,
            columns: vec!["phishing".into(), "1".into(), "open".into()],
        })
        .collect();
    let page = super::index::PAGE;
    let (searcher, shown) = first_page(&index_files(&owned), "alpha beta", Sort::Relevance);
    let ids = hit_ids(&shown);
    // The newest ten with `beta`, among the 30 newest titles with `alpha` (T-599 to T-570).
    let newest: Vec<String> = (0..page).map(|k| format!("T-{}", 597 - 3 * k)).collect();
    assert_eq!(ids, newest);
    assert!(
        !loaded_under(&searcher, "search/d/"),
        "{:?}",
        searcher.loaded
    );
}

#[test]
fn appending_a_new_column_value_or_to_another_index_is_refused() {
    let raws: Vec<Raw> = (0..10)
        .map(|n| Raw {
            title: vec![n % WORDS.len()],
            body: vec![],
            category: 0,
            severity: 0,
            status: 0,
            artifact: None,
        })
        .collect();
    let mut owned = owned(&raws);
    owned[9].columns[0] = "malware".into();
    let docs = documents(&owned);
    let files: HashMap<String, String> = build(&docs[..9], &columns()).into_iter().collect();
    let err = replace_tail(9, &[], &docs[9..], &columns(), &mut Memory(files.clone())).unwrap_err();
    assert!(matches!(err, PatchError::NewValue { .. }), "{err}");
    let err = replace_tail(8, &[], &docs[8..], &columns(), &mut Memory(files)).unwrap_err();
    assert!(
        matches!(
            err,
            PatchError::Count {
                held: 9,
                expected: 8
            }
        ),
        "{err}"
    );
}

/// [`columns`] and a year, last, with no configured values (as the site has it).
fn columns_with_year() -> Vec<Column> {
    let mut columns = columns();
    columns.push(Column {
        key: "year".into(),
        values: Vec::new(),
        numeric: true,
        bits: 0,
        aliases: Vec::new(),
    });
    columns
}

const YEARS: [&str; 4] = ["2021", "2022", "2023", "2024"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The last column gaining values (the first incident of a new year): the patch
    /// is taken when the new values sort after the old ones, as a full build orders
    /// them, and then reads as a full build (facet table repacked when a column grows
    /// a bit wider); refused otherwise.
    #[test]
    fn a_new_year_is_patched_in(
        raws in proptest::collection::vec((raw(), 0..YEARS.len()), 2..50),
        split in 1usize..49,
    ) {
        let mut all = seeds();
        for seed in &mut all {
            seed.columns.push(YEARS[0].into());
        }
        let (raws, years): (Vec<Raw>, Vec<usize>) = raws.into_iter().unzip();
        for (mut doc, year) in owned(&raws).into_iter().zip(&years) {
            doc.id = format!("Y-{}", all.len());
            doc.columns.push(YEARS[*year].into());
            all.push(doc);
        }
        let old = 4 + split.min(raws.len() - 1);
        let docs = documents(&all);
        let year = |d: &Document<'_>| d.columns[3].clone();
        let old_years: HashSet<String> = docs[..old].iter().map(year).collect();
        let newest = old_years.iter().max().unwrap().clone();
        let accepted = docs[old..]
            .iter()
            .map(year)
            .all(|y| old_years.contains(&y) || y > newest);
        match patch_equals_build(&docs[..old], &docs, &columns_with_year()) {
            Ok(()) => prop_assert!(accepted),
            Err(PatchError::NewValue { column, .. }) => {
                prop_assert!(!accepted);
                prop_assert_eq!(column, "year");
            }
            Err(other) => panic!("{other}"),
        }
    }
}

/// A new year on a large index: frequent words keep the counts they had stored (no
/// count for the new year), and a one-word query still shows the counts of a full build.
#[test]
fn a_new_year_leaves_stored_counts_of_other_terms_alone() {
    let mut owned = large(2000);
    for (n, doc) in owned.iter_mut().enumerate() {
        doc.columns
            .push(if n < 1999 { YEARS[n % 3] } else { YEARS[3] }.into());
    }
    let docs = documents(&owned);
    let columns = columns_with_year();
    let mut files: HashMap<String, String> = build(&docs[..1999], &columns).into_iter().collect();
    let changed = replace_tail(
        1999,
        &[],
        &docs[1999..],
        &columns,
        &mut Memory(files.clone()),
    )
    .unwrap();
    // Three years in two bits, four in two: no repacking, few files.
    assert!(changed.len() < 40, "{} files changed", changed.len());
    files.extend(changed);
    let full: HashMap<String, String> = build(&docs, &columns).into_iter().collect();
    assert_eq!(logical(&files), logical(&full));
    // From two years (one bit) to three (two bits): every facet chunk is repacked.
    for doc in &mut owned[..1999] {
        doc.columns[3] = if doc.columns[3] == YEARS[1] {
            YEARS[1]
        } else {
            YEARS[0]
        }
        .into();
    }
    owned[1999].columns[3] = YEARS[2].into();
    let wider = documents(&owned);
    patch_equals_build(&wider[..1999], &wider, &columns).unwrap();
    // A frequent word that the new document lacks: its stored counts lack 2024.
    let mut built = Searcher::open(Memory(full)).unwrap();
    let word = WORDS
        .iter()
        .find(|w| {
            let hits = ids(&mut built, w);
            hits.len() >= super::index::COUNTS_MIN && !hits.contains(&"T-1999".to_string())
        })
        .expect("a frequent word without the new document");
    let query = parse(word, false);
    let mut patched = Searcher::open(Memory(files)).unwrap();
    let from_patch = patched.search(&query, Sort::Date, 0, 1).unwrap();
    let from_build = built.search(&query, Sort::Date, 0, 1).unwrap();
    assert!(!loaded_under(&patched, "search/f/"));
    assert_eq!(from_patch.facets, from_build.facets);
    assert_eq!(from_patch.total, from_build.total);
}

/// The cube of column values: each distinct row once, ascending, as its gap from the
/// previous one and its count; none when rows are wider than 32 bits.
#[test]
fn the_cube_counts_each_combination_of_values() {
    let rows = vec![vec![1, 0], vec![2, 1], vec![1, 0], vec![0, 1]];
    // Packed: 1 | 0 << 2 = 1 (twice), 2 | 1 << 2 = 6, 0 | 1 << 2 = 4.
    let cube = super::index::cube_data(&rows, &[2, 1]).unwrap();
    assert_eq!(cube, vec![1, 2, 3, 1, 2, 1]);
    assert_eq!(super::index::cube_data(&rows, &[20, 13]), None);
}

/// The meta file lists the shards of small directories as their directory files do.
#[test]
fn the_meta_file_lists_small_directories_as_their_files_do() {
    let owned = large(3000);
    let docs = documents(&owned);
    let files: HashMap<String, String> = build(&docs, &columns()).into_iter().collect();
    let meta: Meta =
        super::engine::parse_file(super::index::META, &files[super::index::META]).unwrap();
    assert!(!meta.listed.is_empty(), "no directory listed");
    #[derive(serde::Deserialize)]
    struct Dir {
        shards: Vec<String>,
    }
    for (name, shards) in &meta.listed {
        let path = super::index::dir_path(name);
        let dir: Dir = super::engine::parse_file(&path, &files[&path]).unwrap();
        assert_eq!(&dir.shards, shards, "{name}");
    }
}

/// Which directories the meta file lists: those of field values, then of words,
/// before those of numbers and pairs, smallest first, none too large,
/// within the budget.
#[test]
fn listed_directories_favour_words_and_fields_within_the_budget() {
    let dir = |name: &str, shards: usize| -> (String, Vec<String>) {
        let list = (0..shards).map(|n| format!("{name}{n:04}")).collect();
        (name.to_string(), list)
    };
    // 150 shards of a one-character directory take 1,200 bytes: after the fields'
    // 1,440, the budget holds 19, and 336 bytes are left.
    let mut directories = vec![dir("~ab", 50), dir("7", 50)];
    directories.extend(('a'..='z').map(|c| dir(&c.to_string(), 150)));
    // Larger than the words' but first.
    directories.push(dir(":", 180));
    directories.push(dir("zz", 400));
    directories.sort();
    let listed: Vec<String> = super::index::inlined(&directories)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let bytes = |name: &str| -> usize {
        let (_, shards) = directories.iter().find(|d| d.0 == name).unwrap();
        shards.iter().map(|s| s.len() + 3).sum()
    };
    let total: usize = listed.iter().map(|name| bytes(name)).sum();
    assert!(total <= super::index::LISTED_BYTES, "{total} bytes");
    let words: Vec<String> = std::iter::once(":".to_string())
        .chain(('a'..='s').map(String::from))
        .collect();
    assert_eq!(listed, words);
    // The budget runs out before the smaller directories of numbers and pairs.
    assert!(!listed.contains(&"7".to_string()), "{listed:?}");
    assert!(!listed.contains(&"~ab".to_string()), "{listed:?}");
    // Too large for the meta file on its own.
    assert!(!listed.contains(&"zz".to_string()), "{listed:?}");
    // With room to spare, numbers and pairs come in too.
    let few: Vec<(String, Vec<String>)> = directories
        .iter()
        .filter(|d| d.0.len() > 1 || d.0 == "a" || d.0 == "7")
        .cloned()
        .collect();
    let listed: Vec<String> = super::index::inlined(&few)
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(listed, ["7", "a", "~ab"]);
}

/// An index left with fewer documents drops the display and facet chunks past its
/// new end, and the facet parts with them; one as long or longer drops nothing.
#[test]
fn files_past_the_end_are_the_chunks_of_documents_gone() {
    assert_eq!(files_past_the_end(17, 9), ["search/d/2.js"]);
    assert!(
        files_past_the_end(16, 9).is_empty(),
        "chunk 1 still holds the 9th"
    );
    assert!(files_past_the_end(9, 17).is_empty());
    // 4,097 documents fill 17 facet chunks of 256, in 2 parts of 16 chunks.
    let gone = files_past_the_end(4097, 4096);
    assert_eq!(
        gone,
        ["search/d/512.js", "search/f/16.js", "search/f/p1.js"]
    );
}
