
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_owner() {
        let owned = r#"{"kind":"Component","metadata":{"name":"payments"},"spec":{"owner":"team-a"}}"#;
        assert_eq!(describe(&Descriptor::parse(owned).unwrap()), "payments is owned by team-a");
        let orphan = r#"{"kind":"Component","metadata":{"name":"ledger"},"spec":{}}"#;
        assert_eq!(describe(&Descriptor::parse(orphan).unwrap()), "ledger has no owner yet");
    }
}
