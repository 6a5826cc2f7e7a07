//! Contract versions side by side (wit/README.md): the runtime serves a component in the
//! version its manifest declares, refuses a manifest that names an unknown version or
//! disagrees with the component's own imports and exports, and guards what an older or a
//! misbehaving plugin answers to `read-raw`.

mod common;

use common::{TestHost, settings_with_config, test_limits};
use portico::plugins::PluginPolicy;
use portico::runtime::bindings::WitVersion;
use portico::runtime::capabilities::http::client_tls;
use portico::runtime::{CallContext, CallErrorKind, Limits, PluginSpec};
use portico_bundled_plugins::fixtures::{TEST_LEGACY_PROVIDER, TEST_PROVIDER};
use portico_package::{Grants, Manifest};
use portico_storage::OrgId;
use sha2::{Digest, Sha256};

/// The legacy fixture's manifest with `wit` replaced.
fn legacy_manifest(wit: &str) -> Manifest {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../plugins/test-legacy-provider/plugin.toml"),
    )
    .unwrap()
    .replace("wit = \"0.1.0\"", &format!("wit = \"{wit}\""));
    Manifest::parse(&text).unwrap()
}

/// Prepares the legacy (0.1.0) component with its manifest claiming `wit`.
fn prepare_legacy(host: &TestHost, wit: &str) -> Result<portico::runtime::LoadedPlugin, String> {
    let bytes = std::fs::read(TEST_LEGACY_PROVIDER).unwrap();
    let spec = PluginSpec {
        manifest: legacy_manifest(wit),
        grants: Grants::default(),
        config_json: "{}".into(),
        limits: Limits::default(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        tls: client_tls(&[]).unwrap(),
    };
    host.runtime
        .prepare(spec, &bytes)
        .map(|(loaded, _)| loaded)
        .map_err(|e| format!("{e:#}"))
}

#[test]
fn a_component_is_served_in_the_version_its_manifest_and_interfaces_agree_on() {
    let host = TestHost::new();
    let loaded = prepare_legacy(&host, "0.1.0").unwrap();
    assert_eq!(loaded.exports.version, WitVersion::V0_1_0);
    assert_eq!(loaded.exports.worlds(), ["entity-provider"]);
    assert!(!loaded.exports.reads_raw());

    let Err(err) = prepare_legacy(&host, "0.2.0") else {
        panic!("a 0.1.0 component declared as 0.2.0 was accepted");
    };
    assert!(
        err.contains("test-legacy-provider")
            && err.contains("@0.1.0 but the manifest says wit = \"0.2.0\""),
        "{err}"
    );

    let Err(err) = prepare_legacy(&host, "0.3.0") else {
        panic!("an unknown contract version was accepted");
    };
    assert!(
        err.contains("wit = \"0.3.0\"") && err.contains("serves portico:plugin 0.1.0, 0.2.0"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_raw_of_a_0_1_0_provider_is_not_available_and_says_why() {
    let host = TestHost::new();
    host.install(TEST_LEGACY_PROVIDER, &["kv"]);
    let ctx = CallContext::org(OrgId::default_org());
    let err = host
        .runtime
        .read_raw(
            "test-legacy-provider",
            &ctx,
            "legacy".into(),
            "a".into(),
            1024,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, CallErrorKind::NotAvailable);
    assert!(
        err.message.contains("portico:plugin@0.1.0") && err.message.contains("read-raw"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_refuses_more_bytes_than_it_asked_for() {
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: test_limits(),
        settings: settings_with_config("test-provider", serde_json::json!({ "raw_size": 100 })),
        ..PluginPolicy::default()
    });
    host.install(TEST_PROVIDER, &[]);
    let ctx = CallContext::org(OrgId::default_org());
    let read = |max| {
        host.runtime
            .read_raw("test-provider", &ctx, "url".into(), "x".into(), max)
    };

    assert_eq!(read(100).await.unwrap(), vec![b'x'; 100]);
    let err = read(99).await.unwrap_err();
    assert_eq!(err.kind, CallErrorKind::Oversized);
    assert!(
        err.message
            .contains("read-raw returned 100 bytes, more than the 99 bytes asked for"),
        "{err}"
    );
}
