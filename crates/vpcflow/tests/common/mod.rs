//! What every CLI test file needs: the repository root (fixtures are named from it, as users name them) and the
//! `vpcflow` binary run from there in a fixed environment.

use insta_cmd::get_cargo_bin;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `vpcflow`, run from the repository root, times in UTC, and the AWS ranges shipped with the binary (not a
/// snapshot refreshed on this machine).
pub fn vpcflow() -> Command {
    let mut cmd = Command::new(get_cargo_bin("vpcflow"));
    cmd.current_dir(root())
        .env("TZ", "UTC")
        .env("VPCFLOW_DATA_DIR", "/nonexistent-vpcflow-data");
    cmd
}
