//! `docs/notes.md` and `docs/notes.ja.md` are what the renderers say about each note: generated, and checked here
//! so that a note added or reworded cannot leave the page behind. `UPDATE_DOCS=1` writes them again.

use vpcflow_explain::{Lang, text};

fn check(lang: Lang, file: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(file);
    let page = text::notes_page(lang);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == page,
        "docs/{file} is not what the renderers say; run UPDATE_DOCS=1 cargo test -p vpcflow-explain --test docs"
    );
}

#[test]
fn notes_page_in_english_is_current() {
    check(Lang::En, "notes.md");
}

#[test]
fn notes_page_in_japanese_is_current() {
    check(Lang::Ja, "notes.ja.md");
}
