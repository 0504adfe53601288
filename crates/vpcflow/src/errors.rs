//! How a run that failed ends: a closed stdout quietly (exit 0), a bug in vpcflow as a bug (exit 101, as a panic
//! does, with a request to report it), anything else (the user's input, the files, the network) as a plain
//! `vpcflow: …` message (exit 2).

use std::process::ExitCode;

/// The exit code of an internal error, the same as a panic's.
const BUG: u8 = 101;

/// What the user reads after an internal error or a panic.
const REPORT: &str = "this is a bug in vpcflow: please report it with the command that caused it";

/// Prints `e` as it deserves and returns the exit code.
pub fn report(e: &anyhow::Error) -> ExitCode {
    if crate::inputs::is_broken_pipe(e) {
        return ExitCode::SUCCESS;
    }
    if is_bug(e) {
        eprintln!("vpcflow: internal error: {}\n{REPORT}", describe(e));
        return ExitCode::from(BUG);
    }
    eprintln!("vpcflow: {}", describe(e));
    ExitCode::from(2)
}

/// Panics say that they are bugs too (the standard message, then what to do).
pub fn on_panic() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        eprintln!("{REPORT}");
    }));
}

/// An invariant of DataFusion or vpcflow that did not hold (DataFusion's `Internal`), anywhere in the chain.
fn is_bug(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<vpcflow_engine::DataFusionError>()
            .is_some_and(vpcflow_engine::is_internal_error)
    })
}

/// The error and its causes, each said once. DataFusion's errors carry their cause's text in their own (at
/// times behind a label of their own, `sql parser error: …`), so anyhow's `{:#}` printed a planning error, with
/// its list of the table's 38 columns, three times over.
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        let message = cause.split_once(": ").map_or(cause.as_str(), |(_, m)| m);
        if !text.contains(&cause) && !text.contains(message) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpcflow_engine::DataFusionError;

    #[test]
    fn bugs_are_told_from_mistakes() {
        let internal = anyhow::Error::new(DataFusionError::Context(
            "planning".into(),
            Box::new(DataFusionError::Internal("schema mismatch".into())),
        ));
        assert!(is_bug(&internal));
        let plan = anyhow::Error::new(DataFusionError::Plan("no field named x".into()));
        assert!(!is_bug(&plan));
        let io = anyhow::Error::new(std::io::Error::other("disk full")).context("writing");
        assert!(!is_bug(&io));
        assert_eq!(describe(&io), "writing: disk full");
    }
}
