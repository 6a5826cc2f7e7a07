//! `portico plugin new`: writes a ready-to-build plugin project for one world in Rust, Python
//! or JavaScript — manifest with the requested capabilities, entry module, `build.sh` that
//! leaves a packed component in `build/<id>.wasm`, and `test.sh` with unit tests of the logic.
//!
//! Python and JavaScript projects get the WIT contract (`wit/`) and the SDK vendored, so they
//! build with the registry toolchain alone; Rust projects depend on `sdk/rust` by path.

mod files;

use anyhow::{Context, Result, bail};
use portico_package::{Manifest, World};
use std::path::{Path, PathBuf};

/// The language of a new project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

pub struct NewProject {
    pub lang: Lang,
    pub world: World,
    /// The plugin id (also the directory name by default).
    pub id: String,
    pub dir: PathBuf,
    /// Capability specs: `kv`, `catalog`, `http:HOST_PATTERN`, `secrets:NAME`.
    pub capabilities: Vec<String>,
    /// The Rust SDK (`sdk/rust` of a Portico checkout), for Rust projects.
    pub rust_sdk: Option<PathBuf>,
}

/// Writes the project; returns the files written, relative to `project.dir`.
pub fn create(project: &NewProject) -> Result<Vec<PathBuf>> {
    let manifest = manifest_text(project)?;
    Manifest::parse(&manifest)
        .map_err(|e| anyhow::anyhow!("cannot create a plugin with these settings: {e}"))?;
    if project.dir.exists()
        && std::fs::read_dir(&project.dir)
            .with_context(|| format!("cannot read {}", project.dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} exists and is not empty; choose another name or --dir",
            project.dir.display()
        );
    }
    let mut files: Vec<(String, String)> = vec![("plugin.toml".into(), manifest)];
    let vars = Vars::new(project)?;
    match project.lang {
        Lang::Rust => rust_files(project, &vars, &mut files),
        Lang::Python => python_files(project, &vars, &mut files),
        Lang::Js => js_files(project, &vars, &mut files),
    }
    files.push(("README.md".into(), readme(project)));
    let mut written = Vec::new();
    for (path, content) in files {
        let full = project.dir.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&full, content)
            .with_context(|| format!("cannot write {}", full.display()))?;
        if path.ends_with(".sh") {
            make_executable(&full)?;
        }
        written.push(PathBuf::from(path));
    }
    Ok(written)
}

/// Template placeholders and their values.
struct Vars {
    pairs: Vec<(&'static str, String)>,
}

impl Vars {
    fn new(project: &NewProject) -> Result<Self> {
        let crate_name = format!("portico-plugin-{}", project.id);
        let mut pairs = vec![
            ("{{id}}", project.id.clone()),
            ("{{name}}", title_of(&project.id)),
            ("{{crate_file}}", crate_name.replace('-', "_")),
            ("{{crate}}", crate_name),
        ];
        if project.lang == Lang::Rust {
            pairs.push(("{{sdk_path}}", rust_sdk_path(project)?));
        }
        Ok(Vars { pairs })
    }

    fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (key, value) in &self.pairs {
            out = out.replace(key, value);
        }
        out
    }
}

fn rust_sdk_path(project: &NewProject) -> Result<String> {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/rust");
    let sdk = project.rust_sdk.clone().unwrap_or(built_in);
    let sdk = sdk.canonicalize().with_context(|| {
        format!(
            "cannot find the Rust SDK at {}: pass --sdk-path with the sdk/rust folder of a \
             Portico checkout",
            sdk.display()
        )
    })?;
    if !sdk.join("Cargo.toml").is_file() {
        bail!(
            "{} is not the Rust SDK (no Cargo.toml); pass --sdk-path with the sdk/rust folder of a Portico checkout",
            sdk.display()
        );
    }
    Ok(sdk.display().to_string().replace('\\', "/"))
}

fn rust_files(project: &NewProject, vars: &Vars, files: &mut Vec<(String, String)>) {
    use files::rust::*;
    let lib = match project.world {
        World::EntityView => ENTITY_VIEW,
        World::Check => CHECK,
        World::EntityProvider => ENTITY_PROVIDER,
        World::Action => ACTION,
        World::DocsRenderer => DOCS_RENDERER,
    };
    let lib = lib.replace("{{rust_tests}}", TESTS);
    files.extend([
        ("Cargo.toml".into(), vars.fill(CARGO_TOML)),
        ("src/lib.rs".into(), vars.fill(&lib)),
        ("build.sh".into(), vars.fill(BUILD_SH)),
        ("test.sh".into(), vars.fill(TEST_SH)),
        (".gitignore".into(), "/target\n/build\n".into()),
    ]);
}

fn python_files(project: &NewProject, vars: &Vars, files: &mut Vec<(String, String)>) {
    use files::python::*;
    let app = match project.world {
        World::EntityView => ENTITY_VIEW,
        World::Check => CHECK,
        World::EntityProvider => ENTITY_PROVIDER,
        World::Action => ACTION,
        World::DocsRenderer => DOCS_RENDERER,
    };
    files.extend([
        ("app.py".into(), vars.fill(app)),
        ("logic.py".into(), LOGIC.into()),
        ("test_logic.py".into(), TEST_LOGIC.into()),
        ("build.sh".into(), vars.fill(BUILD_SH)),
        ("test.sh".into(), TEST_SH.into()),
        ("requirements.txt".into(), REQUIREMENTS.into()),
        (".gitignore".into(), "/build\n__pycache__/\n".into()),
    ]);
    vendor(files, "portico_sdk", files::PYTHON_SDK);
    vendor(files, "wit", files::WIT);
}

fn js_files(project: &NewProject, vars: &Vars, files: &mut Vec<(String, String)>) {
    use files::js::*;
    let app = match project.world {
        World::EntityView => ENTITY_VIEW,
        World::Check => CHECK,
        World::EntityProvider => ENTITY_PROVIDER,
        World::Action => ACTION,
        World::DocsRenderer => DOCS_RENDERER,
    };
    files.extend([
        ("app.js".into(), vars.fill(app)),
        ("logic.js".into(), LOGIC.into()),
        ("logic.test.js".into(), LOGIC_TEST.into()),
        ("package.json".into(), vars.fill(PACKAGE_JSON)),
        ("package-lock.json".into(), package_lock(&project.id)),
        ("build.sh".into(), vars.fill(BUILD_SH)),
        ("test.sh".into(), TEST_SH.into()),
        (".gitignore".into(), "/build\nnode_modules/\n".into()),
    ]);
    vendor(files, "portico", files::JS_SDK);
    vendor(files, "wit", files::WIT);
}

/// The SDK's package-lock.json with the project as its root package (same dependencies as the
/// template's package.json), so `npm ci` installs the SDK's tested versions.
fn package_lock(id: &str) -> String {
    let mut lock: serde_json::Value = serde_json::from_str(files::js::SDK_PACKAGE_LOCK)
        .expect("sdk/js/package-lock.json is JSON (checked by the scaffold tests)");
    let dependencies = lock["packages"][""]["dependencies"].clone();
    lock["name"] = id.into();
    lock["version"] = "0.1.0".into();
    lock["packages"][""] = serde_json::json!({
        "name": id,
        "version": "0.1.0",
        "dependencies": dependencies,
    });
    let mut text = serde_json::to_string_pretty(&lock).unwrap_or_default();
    text.push('\n');
    text
}

fn vendor(files: &mut Vec<(String, String)>, dir: &str, sources: &[(&str, &str)]) {
    files.extend(
        sources
            .iter()
            .map(|(path, content)| (format!("{dir}/{path}"), content.to_string())),
    );
}

/// `my-plugin` → `My plugin`.
fn title_of(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The contract version each language's SDK builds: the Rust SDK the newest, the Python and
/// JavaScript SDKs (and the WIT vendored for them) still 0.1.0.
fn wit_version(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "0.2.0",
        Lang::Python | Lang::Js => "0.1.0",
    }
}

fn manifest_text(project: &NewProject) -> Result<String> {
    let mut text = format!(
        "id = \"{id}\"\nversion = \"0.1.0\"\nname = \"{name}\"\ndescription = \"{name}: describe what it shows or does (admins read this at install).\"\nwit = \"{wit}\"\nworlds = [\"{world}\"]\n",
        id = project.id,
        wit = wit_version(project.lang),
        name = title_of(&project.id),
        world = project.world.as_str(),
    );
    let (mut hosts, mut secrets, mut kv, mut catalog) = (Vec::new(), Vec::new(), false, false);
    for spec in &project.capabilities {
        match spec.split_once(':') {
            None if spec == "kv" => kv = true,
            None if spec == "catalog" => catalog = true,
            Some(("http", host)) if !host.is_empty() => hosts.push(toml_string(host)),
            Some(("secrets", name)) if !name.is_empty() => secrets.push(toml_string(name)),
            _ => bail!(
                "unknown capability {spec:?}: use kv, catalog, http:HOST_PATTERN or secrets:NAME"
            ),
        }
    }
    let reason = "reason = \"Say why the plugin needs this: admins read it before granting.\"\n";
    if !hosts.is_empty() {
        text += &format!(
            "\n[capabilities.http]\nhosts = [{}]\n{reason}",
            hosts.join(", ")
        );
    }
    if !secrets.is_empty() {
        text += &format!(
            "\n[capabilities.secrets]\nnames = [{}]\n{reason}",
            secrets.join(", ")
        );
    }
    if kv {
        text += &format!("\n[capabilities.kv]\n{reason}");
    }
    if catalog {
        text += &format!("\n[capabilities.catalog]\n{reason}");
    }
    Ok(text)
}

fn toml_string(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn readme(project: &NewProject) -> String {
    let (setup, entry) = match project.lang {
        Lang::Rust => ("rustup target add wasm32-wasip2", "src/lib.rs"),
        Lang::Python => ("pip install -r requirements.txt", "app.py"),
        Lang::Js => ("npm ci", "app.js"),
    };
    format!(
        "# {name}\n\nA Portico plugin (`{world}` world). The code is in `{entry}`, the pure logic is \
         unit-tested by `./test.sh`, and `plugin.toml` is the manifest (capabilities, configuration \
         schema) packed into the component.\n\n```sh\n{setup}\n./build.sh                       # build/{id}.wasm\n./test.sh\nportico plugin dev .             # rebuild and reinstall on every change (local portal)\nportico plugin install build/{id}.wasm --yes\n```\n\nSee docs/plugin-guide.md in the Portico repository.\n",
        name = title_of(&project.id),
        world = project.world.as_str(),
        id = project.id,
    )
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}
