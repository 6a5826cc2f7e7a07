use super::*;

fn p(s: &str) -> HostPattern {
    HostPattern::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(s: &str) -> String {
    match HostPattern::parse(s) {
        Ok(p) => panic!("{s:?} was accepted as {p}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn exact_host_matches_only_itself_on_default_ports() {
    let pat = p("status.example.com");
    assert!(pat.matches("https", "status.example.com", None));
    assert!(pat.matches("http", "status.example.com", Some(80)));
    assert!(pat.matches("HTTPS", "Status.Example.COM", Some(443)));
    assert!(!pat.matches("https", "status.example.com", Some(8443)));
    assert!(!pat.matches("http", "status.example.com", Some(443)));
    assert!(!pat.matches("https", "example.com", None));
    assert!(!pat.matches("https", "a.status.example.com", None));
    assert!(!pat.matches("ftp", "status.example.com", None));
}

#[test]
fn lookalike_hosts_do_not_match() {
    let pat = p("example.com");
    for host in [
        "evil.com.example.com",
        "example.com.evil.com",
        "evilexample.com",
        "example.co",
        "xample.com",
        "example.com..",
        "",
        ".",
        "example.com:80",
        "exam ple.com",
        "ex\u{0430}mple.com",
    ] {
        assert!(!pat.matches("https", host, None), "{host:?}");
    }
}

#[test]
fn trailing_dot_is_the_same_host() {
    assert_eq!(p("example.com.").to_string(), "example.com");
    assert!(p("example.com").matches("https", "example.com.", None));
    assert!(p("example.com.").matches("https", "example.com", None));
    assert!(p("*.example.com").matches("https", "a.example.com.", None));
}

#[test]
fn wildcard_matches_one_or_more_labels_but_not_the_apex() {
    let pat = p("*.example.org:8443");
    assert!(pat.matches("https", "a.example.org", Some(8443)));
    assert!(pat.matches("http", "a.b.c.example.org", Some(8443)));
    assert!(pat.matches("https", "evil.com.example.org", Some(8443)));
    assert!(!pat.matches("https", "example.org", Some(8443)));
    assert!(!pat.matches("https", "a.example.org", None));
    assert!(!pat.matches("https", "aexample.org", Some(8443)));
    assert!(!pat.matches("https", ".example.org", Some(8443)));
    assert!(!pat.matches("https", "a..example.org", Some(8443)));
    assert!(!pat.matches("https", "example.org.evil.com", Some(8443)));
    assert!(!pat.matches("https", "10.example.org.1", Some(8443)));
}

#[test]
fn star_alone_is_any_host() {
    let pat = p("*");
    assert!(pat.is_any_host());
    assert!(pat.matches("https", "anything.example", None));
    assert!(pat.matches("http", "10.0.0.1", None));
    assert!(pat.matches("http", "[::1]", None));
    assert!(!pat.matches("http", "anything.example", Some(8080)));
    assert!(p("*:*").matches("http", "x.example", Some(8080)));
    assert!(p("https://*").matches("https", "x.example", None));
    assert!(!p("https://*").matches("http", "x.example", None));
}

#[test]
fn scheme_fixes_the_scheme_and_default_port() {
    let pat = p("https://api.github.com");
    assert_eq!(pat.to_string(), "https://api.github.com");
    assert!(pat.matches("https", "api.github.com", None));
    assert!(pat.matches("https", "api.github.com", Some(443)));
    assert!(!pat.matches("http", "api.github.com", None));
    assert!(!pat.matches("http", "api.github.com", Some(443)));
    let pat = p("HTTP://Example.com");
    assert_eq!(pat.to_string(), "http://example.com");
    assert!(pat.matches("http", "example.com", Some(80)));
    assert!(!pat.matches("https", "example.com", Some(80)));
}

#[test]
fn ports() {
    assert!(p("127.0.0.1:*").matches("http", "127.0.0.1", Some(1)));
    assert!(p("127.0.0.1:*").matches("https", "127.0.0.1", None));
    assert!(p("example.com:8080").matches("http", "example.com", Some(8080)));
    assert!(!p("example.com:8080").matches("http", "example.com", None));
    assert!(p("example.com:65535").matches("http", "example.com", Some(65535)));
    for bad in [
        "example.com:0",
        "example.com:65536",
        "example.com:",
        "example.com:-1",
        "example.com:+80",
        "example.com:8o",
        "example.com:80:80",
        "example.com:**",
    ] {
        refused(bad);
    }
}

#[test]
fn ip_literals() {
    let v4 = p("127.0.0.1:*");
    assert_eq!(v4.ip(), Some("127.0.0.1".parse().unwrap()));
    assert!(v4.explicitly_names("127.0.0.1".parse().unwrap()));
    assert!(v4.explicitly_names("::ffff:127.0.0.1".parse().unwrap()));
    assert!(!v4.explicitly_names("127.0.0.2".parse().unwrap()));

    let v6 = p("[::1]:8080");
    assert_eq!(v6.to_string(), "[::1]:8080");
    assert!(v6.matches("http", "[::1]", Some(8080)));
    assert!(v6.matches("http", "[0:0:0:0:0:0:0:1]", Some(8080)));
    assert!(v6.matches("http", "::1", Some(8080)));
    assert!(!v6.matches("http", "127.0.0.1", Some(8080)));
    assert!(v6.explicitly_names("::1".parse().unwrap()));
    assert_eq!(p("[0:0::1]").to_string(), "[::1]");

    // IPv4-mapped IPv6 is the IPv4 address.
    let mapped = p("[::ffff:169.254.169.254]");
    assert_eq!(mapped.to_string(), "169.254.169.254");
    assert!(mapped.matches("http", "169.254.169.254", None));
    assert!(p("169.254.169.254").matches("http", "[::ffff:169.254.169.254]", None));

    // An IP literal never matches a name and vice versa.
    assert!(!p("127.0.0.1").matches("http", "localhost", None));
    assert!(!p("example.com").matches("http", "93.184.215.14", None));
}

#[test]
fn only_literal_ips_and_localhost_explicitly_name_special_addresses() {
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let metadata: IpAddr = "169.254.169.254".parse().unwrap();
    assert!(p("localhost:*").explicitly_names(loopback));
    assert!(p("LOCALHOST").explicitly_names("::1".parse().unwrap()));
    assert!(!p("localhost").explicitly_names(metadata));
    assert!(!p("*").explicitly_names(loopback));
    assert!(!p("*.example.com").explicitly_names(loopback));
    assert!(!p("metadata.google.internal").explicitly_names(metadata));
    assert!(p("169.254.169.254").explicitly_names(metadata));
    assert_eq!(p("localhost").ip(), None);
}

#[test]
fn hostile_and_malformed_patterns_are_refused_with_a_reason() {
    assert!(refused("").contains("empty"));
    assert!(refused("*.*").contains("not a valid host pattern"));
    assert!(refused("*.com").contains("too broad"));
    assert!(refused("*.com.").contains("too broad"));
    assert!(refused("a@b").contains("user info"));
    assert!(refused("https://user:pw@example.com").contains("user info"));
    assert!(refused("bücher.example").contains("punycode"));
    assert!(refused("example.com/path").contains("path"));
    assert!(refused("example.com?q").contains("query"));
    assert!(refused("example.com#f").contains("fragment"));
    assert!(refused("ftp://example.com").contains("scheme"));
    assert!(refused("file:///etc/passwd").contains("scheme"));
    assert!(refused("::1").contains("brackets"));
    assert!(refused("[::1").contains("never closed"));
    assert!(refused("[::1]x").contains("after the IPv6"));
    assert!(refused("[fe80::1%eth0]").contains("zone"));
    assert!(refused("[example.com]").contains("IPv6"));
    assert!(refused(" example.com").contains("whitespace"));
    assert!(refused("example.com\n").contains("whitespace"));
    assert!(refused("exa\u{0}mple.com").contains("control"));
    assert!(refused("foo.*.com").contains("leading `*.`"));
    assert!(refused("a*.example.com").contains("leading `*.`"));
    assert!(refused("**").contains("leading `*.`"));
    assert!(refused("*.").contains("leading `*.`"));
    assert!(refused("ex_ample.com").contains("not allowed"));
    assert!(refused("-example.com").contains("starts or ends"));
    assert!(refused("a..b").contains("empty label"));
    assert!(refused(".example.com").contains("empty label"));
    assert!(refused(&format!("{}.com", "a".repeat(64))).contains("63"));
    assert!(refused(&"a.".repeat(130)).contains("253"));
    // Numeric forms that resolvers may read as an IP address.
    assert!(refused("2130706433").contains("numeric"));
    assert!(refused("0x7f.1").contains("numeric"));
    assert!(refused("127.1").contains("numeric"));
    assert!(refused("010.0.0.1").contains("numeric"));
    assert!(refused("256.0.0.1").contains("numeric"));
    assert!(refused("*.0.0.1").contains("numeric"));
    assert!(refused("https://").contains("empty"));
    assert!(refused(":80").contains("empty"));
    assert!(refused("\\\\host").contains("'\\\\'"));
}

#[test]
fn display_is_canonical_and_round_trips() {
    for (input, canonical) in [
        ("status.example.com", "status.example.com"),
        ("*.Example.org:8443", "*.example.org:8443"),
        ("https://api.github.com", "https://api.github.com"),
        ("127.0.0.1:*", "127.0.0.1:*"),
        ("[::1]:8080", "[::1]:8080"),
        ("*", "*"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ] {
        let pat = p(input);
        assert_eq!(pat.to_string(), canonical);
        assert_eq!(p(canonical), pat);
        let json = serde_json::to_string(&pat).unwrap();
        assert_eq!(serde_json::from_str::<HostPattern>(&json).unwrap(), pat);
    }
    assert!(serde_json::from_str::<HostPattern>("\"*.*\"").is_err());
}

#[test]
fn authorities() {
    let pat = p("example.com:8080");
    assert!(pat.matches_authority("http", "example.com:8080"));
    assert!(!pat.matches_authority("http", "example.com"));
    assert!(!pat.matches_authority("http", "user@example.com:8080"));
    assert!(!pat.matches_authority("http", "example.com:80x"));
    assert!(p("[::1]:*").matches_authority("http", "[::1]:9000"));
    assert!(p("[::1]").matches_authority("http", "[::1]"));
    assert!(!p("[::1]").matches_authority("http", "[::1]x"));
}

#[test]
fn containment() {
    let within = |a: &str, b: &str| p(a).is_within(&p(b));
    assert!(within("api.example.org", "*.example.org"));
    assert!(within("a.b.example.org", "*.example.org"));
    assert!(within("*.b.example.org", "*.example.org"));
    assert!(within("*.example.org", "*.example.org"));
    assert!(!within("example.org", "*.example.org"));
    assert!(!within("*.example.org", "api.example.org"));
    assert!(!within("*.example.org", "*.b.example.org"));
    assert!(within("https://example.org", "example.org"));
    assert!(!within("example.org", "https://example.org"));
    assert!(within("example.org:8080", "example.org:*"));
    assert!(!within("example.org:*", "example.org:8080"));
    assert!(!within("example.org:8080", "example.org"));
    assert!(within("https://example.org:443", "example.org"));
    assert!(within("example.org", "*"));
    assert!(within("127.0.0.1", "*"));
    assert!(!within("*", "example.org"));
    assert!(!within("127.0.0.1", "localhost"));
    assert!(within("[::ffff:127.0.0.1]", "127.0.0.1"));
}

#[test]
fn arbitrary_input_never_panics() {
    let alphabet = [
        "a", ".", "*", ":", "[", "]", "@", "/", "1", "-", "%", "ü", "", "0x", "::",
    ];
    let mut seed = 0x2545_f491_u64;
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..(seed % 9) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        if let Ok(pat) = HostPattern::parse(&s) {
            // Whatever was accepted prints as something that parses to the same pattern.
            assert_eq!(p(&pat.to_string()), pat, "{s:?}");
            let _ = pat.matches_authority("https", &s);
        }
        seed = seed.wrapping_add(0x9e37_79b9);
    }
}
