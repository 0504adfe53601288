//! Regions' everyday names in Japanese, for the codes the English table names (see there for why some are left
//! out).

/// `(code, name)`, sorted by code.
const TABLE: &[(&str, &str)] = &[
    ("GLOBAL", "グローバル (特定のリージョンなし)"),
    ("af-south-1", "ケープタウン"),
    ("ap-east-1", "香港"),
    ("ap-east-2", "台北"),
    ("ap-northeast-1", "東京"),
    ("ap-northeast-2", "ソウル"),
    ("ap-northeast-3", "大阪"),
    ("ap-south-1", "ムンバイ"),
    ("ap-south-2", "ハイデラバード"),
    ("ap-southeast-1", "シンガポール"),
    ("ap-southeast-2", "シドニー"),
    ("ap-southeast-3", "ジャカルタ"),
    ("ap-southeast-4", "メルボルン"),
    ("ap-southeast-5", "マレーシア"),
    ("ap-southeast-6", "ニュージーランド"),
    ("ap-southeast-7", "タイ"),
    ("ca-central-1", "カナダ中部"),
    ("ca-west-1", "カルガリー"),
    ("cn-north-1", "北京"),
    ("cn-northwest-1", "寧夏"),
    ("eu-central-1", "フランクフルト"),
    ("eu-central-2", "チューリッヒ"),
    ("eu-north-1", "ストックホルム"),
    ("eu-south-1", "ミラノ"),
    ("eu-south-2", "スペイン"),
    ("eu-west-1", "アイルランド"),
    ("eu-west-2", "ロンドン"),
    ("eu-west-3", "パリ"),
    ("il-central-1", "テルアビブ"),
    ("me-central-1", "アラブ首長国連邦"),
    ("me-south-1", "バーレーン"),
    ("mx-central-1", "メキシコ中部"),
    ("sa-east-1", "サンパウロ"),
    ("us-east-1", "バージニア北部"),
    ("us-east-2", "オハイオ"),
    ("us-gov-east-1", "GovCloud (米国東部)"),
    ("us-gov-west-1", "GovCloud (米国西部)"),
    ("us-west-1", "北カリフォルニア"),
    ("us-west-2", "オレゴン"),
];

/// The everyday name of region `code`, if it is one we know.
pub(super) fn name(code: &str) -> Option<&'static str> {
    TABLE.iter().find(|e| e.0 == code).map(|e| e.1)
}
