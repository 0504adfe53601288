//! Japanese, phrased like the Japanese write-ups in the seeds.

mod config;
mod diagnose;
mod headline;
mod learn;
mod notes;
mod problems;
mod regions;
mod summary;

use super::{Label, Learn, Style, Words};
use crate::message::Message;
use crate::note::{Code, Note};
use crate::reading::Reading;
use vpcflow_diagnose::{
    Connection, Counts, Finding, Flow, Leg, Needed, Reason, Undecided, Verdict, Which,
};
use vpcflow_netmodel::{ConfigProblem, Control, Fix, Packet, PathCheck, Step, StepOutcome};
use vpcflow_record::Direction;
use vpcflow_record::reading::Confidence;

/// Japanese.
pub struct Ja;

/// A date and time.
const DATE_TIME: &str = "%Y年%m月%d日 %H:%M:%S";

impl Words for Ja {
    super::delegate_words!();

    fn verdict(&self, v: Verdict) -> &'static str {
        match v {
            Verdict::AllowedBothWays => "双方向で許可",
            Verdict::RequestRejected => "リクエストを拒否",
            Verdict::ReplyRejected => "レスポンスを拒否",
            Verdict::OneWay => "片方向 (応答なし)",
            Verdict::Unknown => "許可/拒否の記録なし",
        }
    }

    fn confidence(&self, c: Confidence) -> &'static str {
        match c {
            Confidence::Certain => "確実",
            Confidence::Likely => "推定",
            Confidence::Possible => "可能性あり",
        }
    }

    fn outcome(&self, o: StepOutcome) -> &'static str {
        match o {
            StepOutcome::Allow => "[許可]",
            StepOutcome::Deny => "[拒否]",
            StepOutcome::Unknown => "[不明]",
            StepOutcome::NotApplicable => "[対象外]",
        }
    }

    fn direction(&self, d: Direction) -> &'static str {
        match d {
            Direction::Ingress => "インバウンド",
            Direction::Egress => "アウトバウンド",
        }
    }

    fn outside(&self, addr: std::net::IpAddr) -> Message {
        crate::message::msg![
            addr addr,
            t " は設定内のインターフェイスではないため、その側の制御は確認していない。"
        ]
    }

    fn label(&self, l: Label) -> &'static str {
        match l {
            Label::Evidence => "根拠となるレコード:",
            Label::FromTheLogs => "ログから:",
            Label::ToNameTheRule => "ルールの特定に必要:",
            Label::ToDecide => "確定に必要:",
            Label::FromTheConfiguration => "設定から",
            Label::NotEvaluated => "評価できない:",
            Label::IcmpEvaluatedAsPing => {
                "(フローログには ICMP タイプが記録されないため、ping (エコー要求とエコー応答) として評価)"
            }
            Label::Request => "リクエスト",
            Label::Reply => "レスポンス",
            Label::RequestRecord => "リクエスト",
            Label::ReplyRecord => "レスポンス",
            Label::Fix => "修正:",
            Label::ConfigDiffers => {
                "  (レコードでは逆方向が拒否されている。その後設定が変わった可能性が高い)"
            }
            Label::ConfigAllows => {
                "→ 現在の設定では許可される。レコードの記録後に設定が変更された可能性が高い (または接続終了後のパケット)。"
            }
            Label::ConfigUndecided => "→ 未確定: 設定の一部がないか読めない。",
            Label::NothingToEvaluate => {
                "どちらのアドレスも設定内のインターフェイスのものではない。評価対象がない。"
            }
            Label::At => "@",
            Label::ClientPortAssumed => {
                "(レスポンスの宛先としてクライアントのポート 50000 を仮定。別のポートは --from ADDR:PORT で指定)"
            }
            Label::Logged => "[記録あり]",
            Label::SummaryHeading => "拒否された接続を原因ごとに (多い順):",
            Label::SummaryDetails => {
                "--details ですべての接続を根拠とともに、--limit N で最初の N 件を表示。--output json ですべてをデータとして出力。"
            }
            Label::NotesTitle => "`vpcflow explain` のノート",
            Label::NotesIntro => {
                "説明の各ノートの意味、重要な理由、対処。ノートのコードは変わらない: `vpcflow explain --output json` のノートの `code` で、ノートが扱う値と並ぶ。このページはレンダラー (`crates/vpcflow-explain/src/render`) から生成され、`UPDATE_DOCS=1 cargo test -p vpcflow-explain --test docs` で書き直される。"
            }
            Label::What => "内容:",
            Label::Why => "重要な理由:",
            Label::WhatToDo => "対処:",
        }
    }
}

/// `TCP`, `UDP`, `ICMP`, or `プロトコル N`.
pub(crate) fn protocol_name(p: u8) -> String {
    vpcflow_catalog::protocols::name(p)
        .map(str::to_string)
        .unwrap_or_else(|| format!("プロトコル {p}"))
}
