//! Rebuilds the crate when the embedded web pages or shipped scenarios change, and tells the
//! tests which services they have: without PostgreSQL (`PERFUSE_TEST_POSTGRES`) or Chromium
//! and chromedriver, the tests that need them are reported as ignored, with the reason, instead
//! of passing without running. In CI (`CI` set) they are never ignored: they fail.

use std::path::Path;

/// Where Debian's `chromium` and `chromium-driver` packages (`.ci/browser.sh`) put them.
const CHROMIUM: &[&str] = &[
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
];
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() {
    println!("cargo::rerun-if-changed=../../web");
    println!("cargo::rerun-if-changed=../../scenarios");
    println!("cargo::rerun-if-changed=/usr/bin");
    println!("cargo::rerun-if-env-changed=PERFUSE_TEST_POSTGRES");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(perfuse_no_postgres, perfuse_no_browser)");
    let ci = std::env::var_os("CI").is_some();
    let postgres = std::env::var_os("PERFUSE_TEST_POSTGRES").is_some_and(|v| !v.is_empty());
    if !postgres && !ci {
        println!("cargo::rustc-cfg=perfuse_no_postgres");
    }
    let chromium = CHROMIUM.iter().find(|path| Path::new(path).exists());
    println!(
        "cargo::rustc-env=PERFUSE_CHROMIUM={}",
        chromium.unwrap_or(&"")
    );
    println!("cargo::rustc-env=PERFUSE_CHROMEDRIVER={CHROMEDRIVER}");
    if (chromium.is_none() || !Path::new(CHROMEDRIVER).exists()) && !ci {
        println!("cargo::rustc-cfg=perfuse_no_browser");
    }
}
