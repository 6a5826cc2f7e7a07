//! What the browser tests share: the playwright-core project in host/tests/browser, Debian's
//! Chromium, and where screenshots go. Missing tools fail the test loudly, never skip it.

use std::path::PathBuf;
use std::process::Command;

/// host/tests/browser: the playwright-core scripts and their package-lock.json.
pub fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// `<target>/portal-screenshots`, next to the test binary's target directory.
pub fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // <target>/debug/deps/<test>-xxxx
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    let dir = target.join("portal-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts Chromium is installed and installs playwright-core when `.ci/test-deps` has not.
pub fn ensure_tools() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: install Debian's chromium (`apt-get install -y chromium`, as .ci/test-deps does)"
    );
    let dir = browser_dir();
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm must be installed to run the browser tests");
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
}
