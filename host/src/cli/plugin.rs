//! `portico plugin ...`: inspect, pack, sign, keygen (files only), and install, list,
//! enable, disable, rollback, grant, remove — on the data directory when no server holds it,
//! otherwise through the running server's admin API, so that the server picks the change up
//! without a restart.

use super::Cli;
use crate::app::App;
use crate::plugins::InstallOptions;
use crate::plugins::manager::GrantChoice;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use portico_package::Package;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Largest plugin download.
const MAX_DOWNLOAD_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Print a plugin's manifest, requested capabilities and actual imports, without installing.
    Inspect {
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Install (or upgrade) a plugin from a file or an https:// URL.
    Install(InstallArgs),
    /// List installed plugins.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Uninstall a plugin.
    Remove {
        id: String,
        /// Also delete the data it stored (kv).
        #[arg(long)]
        purge_data: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Start routing calls to an installed plugin.
    Enable {
        id: String,
        #[command(flatten)]
        target: Target,
    },
    /// Stop routing calls to a plugin (it stays installed).
    Disable {
        id: String,
        #[command(flatten)]
        target: Target,
    },
    /// Go back to the previously installed version.
    Rollback {
        id: String,
        #[command(flatten)]
        target: Target,
    },
    /// Replace the capabilities granted to an installed plugin.
    Grant {
        id: String,
        /// A capability to grant: `kv`, `catalog`, `docs-files`, `http:HOST_PATTERN`, `secrets:NAME`, `all`.
        #[arg(long = "grant", value_name = "CAPABILITY")]
        grants: Vec<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Embed a manifest (plugin.toml) into a component built by any toolchain.
    Pack {
        file: PathBuf,
        #[arg(long)]
        manifest: PathBuf,
        /// Output file (default: overwrite FILE).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Sign a packed component with an ed25519 key.
    Sign {
        file: PathBuf,
        /// The private key file written by `portico plugin keygen`.
        #[arg(long)]
        key: PathBuf,
        /// The name admins give your public key in `plugins.trusted_keys`.
        #[arg(long)]
        key_id: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Create a ready-to-build plugin project (manifest, code, build.sh, test.sh).
    New {
        /// The plugin id (lowercase letters, digits, `-`); also the directory name.
        name: String,
        #[arg(long, value_enum)]
        lang: super::scaffold::Lang,
        /// The extension point: entity-view, check, entity-provider, action, docs-renderer.
        #[arg(long, value_parser = parse_world)]
        world: portico_package::World,
        /// A capability to request (repeatable): `kv`, `catalog`, `http:HOST_PATTERN`, `secrets:NAME`.
        #[arg(long = "capability", value_name = "CAPABILITY")]
        capabilities: Vec<String>,
        /// Where to create the project (default: ./NAME).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Rust only: the sdk/rust folder of a Portico checkout (default: this build's).
        #[arg(long)]
        sdk_path: Option<PathBuf>,
    },
    /// Build a plugin project, install it, and rebuild and reinstall on every change.
    Dev {
        /// The project directory (with plugin.toml and build.sh).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Build and install once, then exit.
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Create an ed25519 key pair for signing plugins.
    Keygen {
        /// Where to write the private key (PEM). The public key is printed.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// A .wasm component file, or an https:// URL to download it from.
    source: String,
    /// The sha256 (hex) the file must have.
    #[arg(long)]
    sha256: Option<String>,
    /// A capability to grant (repeatable): `kv`, `catalog`, `docs-files`, `http:HOST_PATTERN`, `secrets:NAME`, `all`.
    #[arg(long = "grant", value_name = "CAPABILITY")]
    grants: Vec<String>,
    /// Grant everything the plugin requests without asking.
    #[arg(long, short)]
    yes: bool,
    /// Also trust this CA certificate (PEM) for the https:// download (a private registry).
    #[arg(long, value_name = "PEM_FILE")]
    ca_cert: Option<PathBuf>,
    #[command(flatten)]
    target: Target,
}

/// Which Portico to act on.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// A running server's base URL; by default the data directory is used directly, or the
    /// configured server when it holds the data directory.
    #[arg(long)]
    server: Option<String>,
}

pub fn run(cli: &Cli, command: &PluginCommand) -> Result<()> {
    match command {
        PluginCommand::Inspect { file, json } => inspect(file, *json),
        PluginCommand::Pack {
            file,
            manifest,
            output,
        } => pack(file, manifest, output.as_ref()),
        PluginCommand::Sign {
            file,
            key,
            key_id,
            output,
        } => sign(file, key, key_id, output.as_ref()),
        PluginCommand::Keygen { out } => keygen(out),
        PluginCommand::New {
            name,
            lang,
            world,
            capabilities,
            dir,
            sdk_path,
        } => new_project(
            name,
            *lang,
            *world,
            capabilities,
            dir.as_ref(),
            sdk_path.as_ref(),
        ),
        PluginCommand::Dev { path, once, target } => super::dev::run(path, *once, &|bytes| {
            let report = install_bytes(cli, target, bytes, &GrantChoice::AllRequested, None)?;
            Ok(format!(
                "installed {} {}",
                report["id"].as_str().unwrap_or("?"),
                report["version"].as_str().unwrap_or("?")
            ))
        }),
        PluginCommand::Install(args) => install(cli, args),
        PluginCommand::List { json, target } => list(cli, target, *json),
        PluginCommand::Remove {
            id,
            purge_data,
            target,
        } => admin(cli, target, Op::Remove(id.clone(), *purge_data)),
        PluginCommand::Enable { id, target } => admin(cli, target, Op::Enable(id.clone(), true)),
        PluginCommand::Disable { id, target } => admin(cli, target, Op::Enable(id.clone(), false)),
        PluginCommand::Rollback { id, target } => admin(cli, target, Op::Rollback(id.clone())),
        PluginCommand::Grant { id, grants, target } => {
            admin(cli, target, Op::Grant(id.clone(), grants.clone()))
        }
    }
}

fn read_file(path: &PathBuf) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn inspect(file: &PathBuf, json: bool) -> Result<()> {
    let bytes = read_file(file)?;
    let package = Package::parse(&bytes)
        .with_context(|| format!("{} is not a valid Portico plugin", file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&package)?);
    } else {
        println!("{package}");
        if let Some(note) = contract_note(&package.manifest.wit.to_string()) {
            println!("{note}");
        }
    }
    Ok(())
}

/// What a plugin author should know about the contract version a plugin was built against,
/// unless it is the newest this host serves.
fn contract_note(declared: &str) -> Option<String> {
    use crate::runtime::WitVersion;
    let served = WitVersion::ALL.map(WitVersion::as_str).join(", ");
    match WitVersion::parse(declared) {
        Some(WitVersion::LATEST) => None,
        Some(_) => Some(format!(
            "note: built against portico:plugin@{declared}, an older contract this Portico still \
             serves ({served}); rebuild against {} for what it added (see wit/README.md)",
            WitVersion::LATEST
        )),
        None => Some(format!(
            "note: built against portico:plugin@{declared}, which this Portico does not serve \
             ({served}): it will be refused at install"
        )),
    }
}

fn pack(file: &PathBuf, manifest: &PathBuf, output: Option<&PathBuf>) -> Result<()> {
    let bytes = read_file(file)?;
    let manifest_text = std::fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let packed = portico_package::sections::pack(&bytes, &manifest_text)
        .with_context(|| format!("cannot pack {}", file.display()))?;
    let out = output.unwrap_or(file);
    std::fs::write(out, &packed).with_context(|| format!("cannot write {}", out.display()))?;
    let package = Package::parse(&packed)?;
    println!(
        "packed {} {} into {}",
        package.manifest.id,
        package.manifest.version,
        out.display()
    );
    Ok(())
}

fn sign(file: &PathBuf, key: &PathBuf, key_id: &str, output: Option<&PathBuf>) -> Result<()> {
    let bytes = read_file(file)?;
    let pem = std::fs::read_to_string(key)
        .with_context(|| format!("cannot read the key {}", key.display()))?;
    let signing_key = portico_package::signature::signing_key_from_pem(&pem)?;
    let signed = portico_package::signature::sign(&bytes, &signing_key, key_id)?;
    let out = output.unwrap_or(file);
    std::fs::write(out, &signed).with_context(|| format!("cannot write {}", out.display()))?;
    println!("signed {} with key {key_id}", out.display());
    Ok(())
}

fn keygen(out: &PathBuf) -> Result<()> {
    if out.exists() {
        bail!("{} exists; refusing to overwrite a key", out.display());
    }
    let key = portico_package::signature::keygen()?;
    write_private(out, &key.signing_key_pem)?;
    println!("private key written to {} — keep it secret", out.display());
    println!(
        "public key (give it to admins for plugins.trusted_keys):\n{}",
        key.public_key
    );
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &PathBuf, content: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &PathBuf, content: &str) -> Result<()> {
    std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
}

fn fetch(source: &str, ca_cert: Option<&PathBuf>) -> Result<Vec<u8>> {
    if source.starts_with("http://") {
        bail!("refusing to download a plugin over plain http: use an https:// URL");
    }
    if !source.starts_with("https://") {
        return read_file(&PathBuf::from(source));
    }
    let mut builder =
        reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(300));
    if let Some(path) = ca_cert {
        let pem = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let certificate = reqwest::Certificate::from_pem(&pem)
            .with_context(|| format!("{} is not a PEM certificate", path.display()))?;
        builder = builder.add_root_certificate(certificate);
    }
    let response = builder
        .build()?
        .get(source)
        .send()
        .with_context(|| format!("cannot download {source}"))?;
    if !response.status().is_success() {
        bail!("downloading {source} failed: HTTP {}", response.status());
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_DOWNLOAD_BYTES)
    {
        bail!("{source} is larger than {MAX_DOWNLOAD_BYTES} bytes");
    }
    let bytes = response.bytes()?;
    if bytes.len() as u64 > MAX_DOWNLOAD_BYTES {
        bail!("{source} is larger than {MAX_DOWNLOAD_BYTES} bytes");
    }
    Ok(bytes.to_vec())
}

/// Shows the requested capabilities and decides what to grant (asking on a terminal).
fn choose_grants(package: &Package, args: &InstallArgs) -> Result<GrantChoice> {
    if !args.grants.is_empty() {
        return Ok(GrantChoice::Specs(args.grants.clone()));
    }
    if args.yes {
        return Ok(GrantChoice::AllRequested);
    }
    let manifest = &package.manifest;
    eprintln!("{} {} requests:", manifest.id, manifest.version);
    if manifest.capabilities.is_empty() {
        eprintln!("  (no capabilities)");
        return Ok(GrantChoice::AllRequested);
    }
    for request in &manifest.capabilities {
        eprintln!("  - {}: {}", request.capability, request.reason);
    }
    eprintln!("the component actually imports:");
    for import in package
        .imports
        .iter()
        .filter(|i| i.need != portico_package::ImportNeed::Always)
    {
        eprintln!("  - {} ({})", import.name, import.need.describe());
    }
    for issue in &package.issues {
        eprintln!("  ! {}", issue.message);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "approve the capabilities above with --yes, or grant a subset with --grant (e.g. --grant kv)"
        );
    }
    let approved = dialoguer::Confirm::new()
        .with_prompt("Grant all of these?")
        .default(false)
        .interact()?;
    if approved {
        Ok(GrantChoice::AllRequested)
    } else {
        bail!("not installed: capabilities not approved (grant a subset with --grant)")
    }
}

fn parse_world(name: &str) -> Result<portico_package::World, String> {
    name.parse().map_err(|_| {
        let all: Vec<&str> = portico_package::World::ALL
            .iter()
            .map(|w| w.as_str())
            .collect();
        format!("unknown world {name:?}; use one of {}", all.join(", "))
    })
}

fn new_project(
    name: &str,
    lang: super::scaffold::Lang,
    world: portico_package::World,
    capabilities: &[String],
    dir: Option<&PathBuf>,
    sdk_path: Option<&PathBuf>,
) -> Result<()> {
    let dir = dir.cloned().unwrap_or_else(|| PathBuf::from(name));
    let project = super::scaffold::NewProject {
        lang,
        world,
        id: name.to_string(),
        dir: dir.clone(),
        capabilities: capabilities.to_vec(),
        rust_sdk: sdk_path.cloned(),
    };
    let files = super::scaffold::create(&project)?;
    println!("created {} ({} files):", dir.display(), files.len());
    for file in files.iter().filter(|f| {
        !f.starts_with("wit") && !f.starts_with("portico") && !f.starts_with("portico_sdk")
    }) {
        println!("  {}", file.display());
    }
    println!(
        "next: cd {} && ./build.sh && ./test.sh, then `portico plugin dev .`",
        dir.display()
    );
    Ok(())
}

fn install(cli: &Cli, args: &InstallArgs) -> Result<()> {
    let bytes = fetch(&args.source, args.ca_cert.as_ref())?;
    let package = Package::parse(&bytes)
        .with_context(|| format!("{} is not a valid Portico plugin", args.source))?;
    let grants = choose_grants(&package, args)?;
    let report = install_bytes(cli, &args.target, &bytes, &grants, args.sha256.clone())?;
    println!(
        "installed {} {}{}",
        report["id"].as_str().unwrap_or("?"),
        report["version"].as_str().unwrap_or("?"),
        report["replaced"]
            .as_str()
            .map(|v| format!(" (replaced {v})"))
            .unwrap_or_default()
    );
    Ok(())
}

/// Installs a component locally or through the server; returns the install report.
fn install_bytes(
    cli: &Cli,
    target: &Target,
    bytes: &[u8],
    grants: &GrantChoice,
    expected_sha256: Option<String>,
) -> Result<serde_json::Value> {
    let options = InstallOptions {
        expected_sha256,
        grants: grants.clone(),
    };
    let report: serde_json::Value = match connect(cli, target)? {
        Connection::Local(app) => serde_json::to_value(app.manager.install(bytes, &options)?)?,
        Connection::Remote(remote) => {
            let mut query: Vec<(&str, String)> = Vec::new();
            if let Some(sha) = &options.expected_sha256 {
                query.push(("sha256", sha.clone()));
            }
            match &options.grants {
                GrantChoice::AllRequested => query.push(("yes", "true".into())),
                GrantChoice::Specs(specs) => query.push(("grant", specs.join(","))),
                GrantChoice::RequestedWithoutWildcardHosts => {
                    bail!("internal: bundled-plugin grants are not sent to servers")
                }
            }
            remote.send(
                remote
                    .client
                    .post(remote.url("/api/admin/plugins"))
                    .query(&query)
                    .body(bytes.to_vec()),
            )?
        }
    };
    Ok(report)
}

fn list(cli: &Cli, target: &Target, json: bool) -> Result<()> {
    let records: Vec<serde_json::Value> = match connect(cli, target)? {
        Connection::Local(app) => app
            .manager
            .list()?
            .into_iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?,
        Connection::Remote(remote) => serde_json::from_value(
            remote.send(remote.client.get(remote.url("/api/admin/plugins")))?,
        )?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&records)?);
        return Ok(());
    }
    if records.is_empty() {
        println!("no plugins installed");
    }
    for r in records {
        println!(
            "{:<24} {:<10} {:<8} previous: {}",
            r["id"].as_str().unwrap_or("?"),
            r["current"]["version"].as_str().unwrap_or("?"),
            if r["enabled"].as_bool() == Some(true) {
                "enabled"
            } else {
                "disabled"
            },
            r["previous"]["version"].as_str().unwrap_or("-"),
        );
    }
    Ok(())
}

enum Op {
    Remove(String, bool),
    Enable(String, bool),
    Rollback(String),
    Grant(String, Vec<String>),
}

fn admin(cli: &Cli, target: &Target, op: Op) -> Result<()> {
    let record: serde_json::Value = match connect(cli, target)? {
        Connection::Local(app) => serde_json::to_value(match &op {
            Op::Remove(id, purge) => app.manager.remove(id, *purge)?,
            Op::Enable(id, enabled) => app.manager.set_enabled(id, *enabled)?,
            Op::Rollback(id) => app.manager.rollback(id)?,
            Op::Grant(id, specs) => app
                .manager
                .set_grants(id, &GrantChoice::Specs(specs.clone()))?,
        })?,
        Connection::Remote(remote) => {
            let c = &remote.client;
            remote.send(match &op {
                Op::Remove(id, purge) => c
                    .delete(remote.url(&format!("/api/admin/plugins/{id}")))
                    .query(&[("purge", purge.to_string())]),
                Op::Enable(id, true) => {
                    c.post(remote.url(&format!("/api/admin/plugins/{id}/enable")))
                }
                Op::Enable(id, false) => {
                    c.post(remote.url(&format!("/api/admin/plugins/{id}/disable")))
                }
                Op::Rollback(id) => {
                    c.post(remote.url(&format!("/api/admin/plugins/{id}/rollback")))
                }
                Op::Grant(id, specs) => c
                    .put(remote.url(&format!("/api/admin/plugins/{id}/grants")))
                    .json(specs),
            })?
        }
    };
    let verb = match op {
        Op::Remove(..) => "removed",
        Op::Enable(_, true) => "enabled",
        Op::Enable(_, false) => "disabled",
        Op::Rollback(_) => "rolled back",
        Op::Grant(..) => "updated grants of",
    };
    println!(
        "{verb} {} (current version {})",
        record["id"].as_str().unwrap_or("?"),
        record["current"]["version"].as_str().unwrap_or("?")
    );
    Ok(())
}

struct Remote {
    base: String,
    token: Option<String>,
    client: reqwest::blocking::Client,
}

impl Remote {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches('/'))
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> Result<serde_json::Value> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request
            .send()
            .with_context(|| format!("cannot reach the Portico server at {}", self.base))?;
        let status = response.status();
        let body: serde_json::Value = response.json().unwrap_or(serde_json::Value::Null);
        if !status.is_success() {
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("no error message");
            bail!("the server refused ({status}): {message}");
        }
        Ok(body)
    }
}

enum Connection {
    Local(Box<App>),
    Remote(Remote),
}

/// The data directory when it is free; the server that holds it otherwise.
fn connect(cli: &Cli, target: &Target) -> Result<Connection> {
    let config = super::load_config(cli.config.as_ref())?;
    let token = config.server.admin_token.clone();
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(600))
        .build()?;
    if let Some(server) = &target.server {
        return Ok(Connection::Remote(Remote {
            base: server.clone(),
            token,
            client,
        }));
    }
    let listen = config.server.listen;
    match App::open(config) {
        Ok(app) => Ok(Connection::Local(Box::new(app))),
        Err(err) if format!("{err:#}").contains("in use by another Portico process") => {
            Ok(Connection::Remote(Remote {
                base: format!("http://{listen}"),
                token,
                client,
            }))
        }
        Err(err) => Err(err),
    }
}
