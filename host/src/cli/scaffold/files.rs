//! The files a new project gets, embedded in the binary: the WIT contract, the Python and
//! JavaScript SDKs (vendored into projects so they build with the registry toolchain alone),
//! and the per-language templates.

/// `(path inside the project's wit/ folder, content)`.
pub const WIT: &[(&str, &str)] = &[
    (
        "worlds.wit",
        include_str!("../../../../wit/v0.1.0/worlds.wit"),
    ),
    (
        "types.wit",
        include_str!("../../../../wit/v0.1.0/types.wit"),
    ),
    (
        "capabilities.wit",
        include_str!("../../../../wit/v0.1.0/capabilities.wit"),
    ),
    (
        "views.wit",
        include_str!("../../../../wit/v0.1.0/views.wit"),
    ),
    (
        "exports.wit",
        include_str!("../../../../wit/v0.1.0/exports.wit"),
    ),
    (
        "deps/cli/cli.wit",
        include_str!("../../../../wit/v0.1.0/deps/cli/cli.wit"),
    ),
    (
        "deps/clocks/clocks.wit",
        include_str!("../../../../wit/v0.1.0/deps/clocks/clocks.wit"),
    ),
    (
        "deps/filesystem/filesystem.wit",
        include_str!("../../../../wit/v0.1.0/deps/filesystem/filesystem.wit"),
    ),
    (
        "deps/http/http.wit",
        include_str!("../../../../wit/v0.1.0/deps/http/http.wit"),
    ),
    (
        "deps/io/io.wit",
        include_str!("../../../../wit/v0.1.0/deps/io/io.wit"),
    ),
    (
        "deps/random/random.wit",
        include_str!("../../../../wit/v0.1.0/deps/random/random.wit"),
    ),
    (
        "deps/sockets/sockets.wit",
        include_str!("../../../../wit/v0.1.0/deps/sockets/sockets.wit"),
    ),
];

/// The Python SDK, as `portico_sdk/<file>`.
pub const PYTHON_SDK: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../../../../sdk/python/portico_sdk/__init__.py"),
    ),
    (
        "build.py",
        include_str!("../../../../sdk/python/portico_sdk/build.py"),
    ),
    (
        "catalog.py",
        include_str!("../../../../sdk/python/portico_sdk/catalog.py"),
    ),
    (
        "config.py",
        include_str!("../../../../sdk/python/portico_sdk/config.py"),
    ),
    (
        "entity.py",
        include_str!("../../../../sdk/python/portico_sdk/entity.py"),
    ),
    (
        "errors.py",
        include_str!("../../../../sdk/python/portico_sdk/errors.py"),
    ),
    (
        "http.py",
        include_str!("../../../../sdk/python/portico_sdk/http.py"),
    ),
    (
        "kv.py",
        include_str!("../../../../sdk/python/portico_sdk/kv.py"),
    ),
    (
        "log.py",
        include_str!("../../../../sdk/python/portico_sdk/log.py"),
    ),
    (
        "secrets.py",
        include_str!("../../../../sdk/python/portico_sdk/secrets.py"),
    ),
];

/// The JavaScript SDK, as `portico/<file>`.
pub const JS_SDK: &[(&str, &str)] = &[
    ("build.mjs", include_str!("../../../../sdk/js/build.mjs")),
    ("index.js", include_str!("../../../../sdk/js/src/index.js")),
    (
        "catalog.js",
        include_str!("../../../../sdk/js/src/catalog.js"),
    ),
    (
        "config.js",
        include_str!("../../../../sdk/js/src/config.js"),
    ),
    (
        "entity.js",
        include_str!("../../../../sdk/js/src/entity.js"),
    ),
    (
        "errors.js",
        include_str!("../../../../sdk/js/src/errors.js"),
    ),
    ("http.js", include_str!("../../../../sdk/js/src/http.js")),
    ("kv.js", include_str!("../../../../sdk/js/src/kv.js")),
    ("log.js", include_str!("../../../../sdk/js/src/log.js")),
    (
        "secrets.js",
        include_str!("../../../../sdk/js/src/secrets.js"),
    ),
    (
        "taskLog.js",
        include_str!("../../../../sdk/js/src/taskLog.js"),
    ),
    ("view.js", include_str!("../../../../sdk/js/src/view.js")),
];

pub mod rust {
    pub const CARGO_TOML: &str = include_str!("templates/rust/Cargo.toml");
    pub const BUILD_SH: &str = include_str!("templates/rust/build.sh");
    pub const TEST_SH: &str = include_str!("templates/rust/test.sh");
    pub const TESTS: &str = include_str!("templates/rust/tests.rs");
    pub const ENTITY_VIEW: &str = include_str!("templates/rust/entity-view.rs");
    pub const CHECK: &str = include_str!("templates/rust/check.rs");
    pub const ENTITY_PROVIDER: &str = include_str!("templates/rust/entity-provider.rs");
    pub const ACTION: &str = include_str!("templates/rust/action.rs");
    pub const DOCS_RENDERER: &str = include_str!("templates/rust/docs-renderer.rs");
}

pub mod python {
    pub const LOGIC: &str = include_str!("templates/python/logic.py");
    pub const TEST_LOGIC: &str = include_str!("templates/python/test_logic.py");
    pub const BUILD_SH: &str = include_str!("templates/python/build.sh");
    pub const TEST_SH: &str = include_str!("templates/python/test.sh");
    pub const REQUIREMENTS: &str = include_str!("templates/python/requirements.txt");
    pub const ENTITY_VIEW: &str = include_str!("templates/python/entity-view.py");
    pub const CHECK: &str = include_str!("templates/python/check.py");
    pub const ENTITY_PROVIDER: &str = include_str!("templates/python/entity-provider.py");
    pub const ACTION: &str = include_str!("templates/python/action.py");
    pub const DOCS_RENDERER: &str = include_str!("templates/python/docs-renderer.py");
}

pub mod js {
    pub const LOGIC: &str = include_str!("templates/js/logic.js");
    pub const LOGIC_TEST: &str = include_str!("templates/js/logic.test.js");
    pub const PACKAGE_JSON: &str = include_str!("templates/js/package.json");
    /// The SDK's lock file: new projects install exactly the versions the SDK is tested with.
    pub const SDK_PACKAGE_LOCK: &str = include_str!("../../../../sdk/js/package-lock.json");
    pub const BUILD_SH: &str = include_str!("templates/js/build.sh");
    pub const TEST_SH: &str = include_str!("templates/js/test.sh");
    pub const ENTITY_VIEW: &str = include_str!("templates/js/entity-view.js");
    pub const CHECK: &str = include_str!("templates/js/check.js");
    pub const ENTITY_PROVIDER: &str = include_str!("templates/js/entity-provider.js");
    pub const ACTION: &str = include_str!("templates/js/action.js");
    pub const DOCS_RENDERER: &str = include_str!("templates/js/docs-renderer.js");
}
