//! The page's files, embedded in the binary. Each is served under a path with its content's hash, so that the
//! browser may keep it for a year; the page itself names them and is never cached.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// The file name.
    pub name: &'static str,
    /// The media type.
    pub media_type: &'static str,
    /// The bytes.
    pub bytes: &'static [u8],
}

/// Every file the page loads.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/app.js"),
    },
    Asset {
        name: "app.css",
        media_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/app.css"),
    },
    Asset {
        name: "en.json",
        media_type: "application/json",
        bytes: include_bytes!("../assets/i18n/en.json"),
    },
    Asset {
        name: "ja.json",
        media_type: "application/json",
        bytes: include_bytes!("../assets/i18n/ja.json"),
    },
    Asset {
        name: "favicon.svg",
        media_type: "image/svg+xml",
        bytes: include_bytes!("../assets/favicon.svg"),
    },
    Asset {
        name: "echarts.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/echarts-6.1.0.custom.min.js"),
    },
];

const INDEX: &str = include_str!("../assets/index.html");

/// FNV-1a, 64 bits: enough to tell versions of a file apart.
fn hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// The path an asset is served under.
pub fn path(a: &Asset) -> String {
    format!("/assets/{}/{}", hash(a.bytes), a.name)
}

/// The page, with each `{{name}}` replaced by the asset's path.
pub fn index() -> String {
    let mut page = INDEX.to_string();
    for a in ASSETS {
        page = page.replace(&format!("{{{{{}}}}}", a.name), &path(a));
    }
    page
}

/// An asset by hash and name.
pub fn serve(hash_part: &str, name: &str) -> Response {
    match ASSETS
        .iter()
        .find(|a| a.name == name && hash(a.bytes) == hash_part)
    {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.media_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
