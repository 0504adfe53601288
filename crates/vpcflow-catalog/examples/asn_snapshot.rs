//! Converts the npm package `@ip-location-db/asn` into the ASN snapshot that ships in the crate
//! (`data/asn.bin.gz`). Run at development time, never during a build:
//!
//! ```sh
//! cd /tmp && npm pack @ip-location-db/asn && tar xzf ip-location-db-asn-*.tgz   # -> /tmp/package
//! cargo run --release -p vpcflow-catalog --example asn_snapshot -- /tmp/package crates/vpcflow-catalog/data/asn.bin.gz
//! ```
//!
//! The package's version carries the data's date (`2.3.2026061719` is 2026-06-17 19h); the licence and the
//! attribution it asks for (RouteViews, DB-IP, NRO; CC BY 4.0) are stored inside the table and repeated in
//! `data/asn.NOTICE`.

use vpcflow_catalog::asn::{Builder, DatasetInfo, SourceFormat, read_source};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [package, out] = args.as_slice() else {
        return Err("usage: asn_snapshot PACKAGE_DIR OUT_FILE".into());
    };
    let package = std::path::Path::new(package);
    let manifest = std::fs::read_to_string(package.join("package.json"))
        .map_err(|e| format!("{}: {e}", package.join("package.json").display()))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).map_err(|e| format!("package.json: {e}"))?;
    let version = manifest["version"]
        .as_str()
        .ok_or("package.json: no version")?;
    // `2.3.YYYYMMDDHH`: the last component is the build time.
    let stamp = version.rsplit('.').next().unwrap_or_default();
    if stamp.len() < 8 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("package.json: version {version} carries no date"));
    }
    let date = format!("{}-{}-{}", &stamp[..4], &stamp[4..6], &stamp[6..8]);
    let mut builder = Builder::default();
    for name in ["asn-ipv4.csv", "asn-ipv6.csv"] {
        let path = package.join(name);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let kept = read_source(&text, SourceFormat::IpLocationDb, &mut builder)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("{name}: {kept} ranges");
    }
    let table = builder.finish(DatasetInfo {
        dataset: format!("@ip-location-db/asn {version}"),
        date,
        source: "npm registry, package @ip-location-db/asn".into(),
        licence: "CC BY 4.0".into(),
        attribution: "ASN data: RouteViews (routeviews.org), DB-IP IP to ASN Lite (db-ip.com), \
                      NRO/RIR statistics (nro.net); via ip-location-db; CC BY 4.0"
            .into(),
    })?;
    let bytes = table.to_bytes();
    std::fs::write(out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    let (v4, v6) = table.range_counts();
    eprintln!(
        "{out}: {v4} IPv4 and {v6} IPv6 ranges, {} systems, {} bytes",
        table.system_count(),
        bytes.len()
    );
    Ok(())
}
