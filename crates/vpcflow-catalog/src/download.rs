//! Download, validate, replace atomically: the one way every `update` command (AWS ranges, ASN data, threat
//! lists) brings newer reference data into the user's data directory.
//!
//! A reader must never see half a file and a failed or wrong download must never cost the user the copy they
//! had, so the bytes are fully validated by the caller's check before anything is written, then written to a
//! temporary file beside the destination and renamed over it.

use std::path::{Path, PathBuf};

/// Downloads `url` over HTTP(S), refusing bodies larger than `limit` bytes, and returns the body. An HTTP error
/// status is an error (naming the status), as is a timeout after two minutes.
pub fn fetch(url: &str, limit: u64) -> Result<Vec<u8>, String> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(120)))
        .user_agent(concat!("vpcflow/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| format!("download of {url} failed: {e}"))?;
    response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| format!("download of {url} failed: {e}"))
}

/// Writes `bytes` to `dest` atomically: a temporary file in the same directory (created if needed), renamed over
/// `dest`. On failure the temporary file is removed and `dest` is untouched.
pub fn replace_atomically(dest: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let file_name = dest
        .file_name()
        .ok_or_else(|| format!("{} is not a file path", dest.display()))?;
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dest.with_file_name(tmp_name);
    let write = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, dest));
    if let Err(e) = write {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", dest.display()));
    }
    Ok(())
}

/// Downloads `url`, turns the body into the bytes to keep with `validate` (which refuses anything that is not
/// the expected data, and may convert it), and replaces `dest` with them atomically. Returns what `validate`
/// returned besides the bytes.
pub fn update<T>(
    url: &str,
    limit: u64,
    dest: &Path,
    validate: impl FnOnce(Vec<u8>) -> Result<(Vec<u8>, T), String>,
) -> Result<T, String> {
    let body = fetch(url, limit)?;
    let (keep, value) = validate(body).map_err(|e| format!("{url}: {e}"))?;
    replace_atomically(dest, &keep)?;
    Ok(value)
}

/// `dest` if given, otherwise `name` in the user data directory.
pub fn destination(dest: Option<&Path>, name: &str) -> Result<PathBuf, String> {
    match dest {
        Some(p) => Ok(p.to_path_buf()),
        None => crate::ranges::user_data_dir()
            .map(|d| d.join(name))
            .ok_or_else(|| "no data directory: set VPCFLOW_DATA_DIR, XDG_DATA_HOME or HOME".into()),
    }
}
