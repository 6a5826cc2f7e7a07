//! A Portico host assembled for tests: temporary storage and compile cache, fixed secrets,
//! short deadlines, and a server on an ephemeral loopback port.
#![allow(dead_code)]

pub mod browser;

use portico::config::PluginSettings;
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::bindings::latest::{Entity, EntityRef};
use portico::runtime::{EngineSettings, HostServices, Limits, Runtime};
use portico::secrets::SecretStore;
use portico::server::{AppState, router};
use portico_storage::{OrgId, SledStorage, Storage};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

pub struct TestHost {
    pub dir: tempfile::TempDir,
    pub storage: Arc<dyn Storage>,
    pub catalog: Arc<portico_catalog::Catalog>,
    pub runtime: Arc<Runtime>,
    pub manager: Arc<PluginManager>,
}

/// Limits small enough that hostile fixtures fail fast.
pub fn test_limits() -> Limits {
    let defaults = Limits::default();
    Limits {
        memory_bytes: 32 * 1024 * 1024,
        deadlines: portico::runtime::limits::Deadlines {
            view: Duration::from_millis(400),
            ..defaults.deadlines
        },
        max_result_bytes: 256 * 1024,
        ..defaults
    }
}

impl TestHost {
    pub fn new() -> TestHost {
        Self::with_policy(PluginPolicy {
            default_limits: test_limits(),
            ..PluginPolicy::default()
        })
    }

    pub fn with_policy(policy: PluginPolicy) -> TestHost {
        Self::with_options(policy, &[], None)
    }

    /// Like [`with_policy`](Self::with_policy), with more secrets and, for big (Python,
    /// JavaScript) guests, a compile cache shared across tests instead of a fresh one.
    pub fn with_options(
        policy: PluginPolicy,
        extra_secrets: &[(&str, &str)],
        compiled_dir: Option<&std::path::Path>,
    ) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
        let secrets = SecretStore::from_values(
            [
                ("allowed-secret".to_string(), "s3cret-value".to_string()),
                ("other-secret".to_string(), "must-not-leak".to_string()),
            ]
            .into_iter()
            .chain(
                extra_secrets
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            ),
        );
        let config = portico::config::Config {
            catalog: portico::config::CatalogConfig {
                file_root: Some(repo_root()),
                ..Default::default()
            },
            ..Default::default()
        };
        let catalog = Arc::new(portico::app::build_catalog(&config, storage.clone()).unwrap());
        let services = Arc::new(HostServices::new(
            storage.clone(),
            Arc::new(secrets),
            Arc::new(portico::catalog_access::CatalogBridge(catalog.clone())),
        ));
        let runtime = Arc::new(
            Runtime::new(
                &EngineSettings::default(),
                &compiled_dir
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_else(|| dir.path().join("compiled")),
                services,
            )
            .unwrap(),
        );
        let manager = Arc::new(PluginManager::new(
            storage.clone(),
            OrgId::default_org(),
            runtime.clone(),
            policy,
        ));
        TestHost {
            dir,
            storage,
            catalog,
            runtime,
            manager,
        }
    }

    pub fn install(&self, path: &str, grants: &[&str]) {
        let bytes = std::fs::read(path).unwrap();
        self.manager
            .install(
                &bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::Specs(grants.iter().map(|s| s.to_string()).collect()),
                },
            )
            .unwrap();
    }

    /// The docs service over this host's catalog and runtime (docs folders confined to the
    /// repository, as the catalog's file root is).
    pub fn docs_service(&self) -> Arc<portico::docs::DocsService> {
        let folders = portico::docs::folder::FolderPolicy::new(
            &repo_root(),
            &[self.dir.path().to_path_buf()],
        )
        .unwrap();
        Arc::new(portico::docs::DocsService::new(
            self.runtime.clone(),
            self.catalog.clone(),
            OrgId::default_org(),
            folders,
            portico::docs::DocsOptions::default(),
        ))
    }

    /// Serves the host's router on 127.0.0.1:0; returns the address.
    pub async fn serve(&self) -> SocketAddr {
        self.serve_with_admin_token(None).await
    }

    /// Like [`serve`](Self::serve), with the admin API behind a bearer token.
    pub async fn serve_with_admin_token(&self, admin_token: Option<String>) -> SocketAddr {
        self.serve_portal(admin_token, portico::web::Portal::default())
            .await
    }

    /// Like [`serve_with_admin_token`](Self::serve_with_admin_token), with this portal (its
    /// theme and template overrides).
    pub async fn serve_portal(
        &self,
        admin_token: Option<String>,
        portal: portico::web::Portal,
    ) -> SocketAddr {
        let mut metrics = prometheus_client::registry::Registry::default();
        self.runtime.services().metrics.register(&mut metrics);
        let state = Arc::new(AppState {
            catalog: self.catalog.clone(),
            manager: self.manager.clone(),
            runtime: self.runtime.clone(),
            metrics,
            ready: AtomicBool::new(true),
            admin_token,
            portal: Arc::new(portal),
            docs: self.docs_service(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router(state)).await.unwrap();
        });
        addr
    }
}

/// The repository's root directory.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

impl TestHost {
    /// Registers the Backstage example catalog (all.yaml and acme-corp.yaml); returns the
    /// corpus directory.
    pub fn ingest_corpus(&self) -> String {
        let corpus = repo_root().join("corpus/backstage");
        for file in ["examples/all.yaml", "examples/acme-corp.yaml"] {
            self.catalog
                .add_location(
                    &OrgId::default_org(),
                    &portico_catalog::api::AddLocationRequest {
                        location_type: "file".into(),
                        target: corpus.join(file).display().to_string(),
                        dry_run: false,
                    },
                )
                .unwrap();
        }
        corpus.display().to_string()
    }
}

pub fn settings_with_config(
    id: &str,
    config: serde_json::Value,
) -> BTreeMap<String, PluginSettings> {
    let mut settings = BTreeMap::new();
    settings.insert(
        id.to_string(),
        PluginSettings {
            config: Some(config),
            ..PluginSettings::default()
        },
    );
    settings
}

pub fn entity(name: &str) -> Entity {
    let descriptor = serde_json::json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": { "name": name, "namespace": "default", "description": "A test service" },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" }
    });
    Entity {
        ref_: EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: name.into(),
        },
        descriptor: descriptor.to_string(),
    }
}

/// The first text block of a rendered view.
pub fn first_text(view: &portico::runtime::bindings::latest::view_types::View) -> String {
    use portico::runtime::bindings::latest::view_types::Block;
    for section in &view.sections {
        for block in &section.blocks {
            if let Block::Text(text) = block {
                return text.clone();
            }
        }
    }
    panic!("the view has no text block: {view:?}")
}
