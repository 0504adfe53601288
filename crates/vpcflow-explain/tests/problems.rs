//! Configuration problems in words: every kind of problem the loader reports, said in English and in Japanese
//! from the same facts (a missing translation does not compile; a changed sentence shows here).

use vpcflow_explain::Lang;
use vpcflow_explain::render::words;
use vpcflow_netmodel::VpcModel;

/// One document per kind of problem the loader knows (the ones a file system gives, a missing file, are the
/// CLI's to test).
fn problems() -> VpcModel {
    let sg = r#"{"SecurityGroups": [
      {"GroupId": "sg-web", "IpPermissions": [
         {"IpProtocol": "tcp", "FromPort": "eighty", "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
         {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/33"}]},
         {"IpProtocol": "everything"},
         {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
         {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "IpRanges": {"CidrIp": "0.0.0.0/0"}}],
       "IpPermissionsEgress": []},
      {"GroupName": "no id"}]}"#;
    let acl = r#"{"NetworkAcls": [{"NetworkAclId": "acl-1", "IsDefault": true, "VpcId": "vpc-1", "Entries": [
        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "permit", "Egress": false, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 40000, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 120, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0",
         "PortRange": {"From": 90, "To": 80}},
        {"RuleNumber": 130, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 140, "Protocol": "-1", "RuleAction": "allow", "Egress": "yes", "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 150, "Protocol": "-1", "RuleAction": "allow", "Egress": true}]}]}"#;
    let routes = r#"{"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [], "Routes": [
        {"GatewayId": "local"},
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "gone"}]}]}"#;
    let enis = r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.0.300",
        "SubnetId": "subnet-1", "VpcId": "vpc-1", "Groups": []}]}"#;
    let lists = r#"{"PrefixLists": [{"PrefixListId": "pl-1", "Cidrs": [5]}]}"#;
    VpcModel::from_documents([
        ("sg.json", sg),
        ("acl.json", acl),
        ("rt.json", routes),
        ("eni.json", enis),
        ("pl-list.json", lists),
        ("entries.json", r#"{"Entries": []}"#),
        ("broken.json", "{\n  \"SecurityGroups\": [\n"),
        ("array.json", "[1, 2]"),
        ("hello.json", r#"{"Hello": 1}"#),
    ])
}

fn said(lang: Lang) -> String {
    let model = problems();
    let w = words(lang);
    let lines: Vec<String> = model
        .problems
        .iter()
        .map(|p| format!("{} | {}", p.issue.code(), w.config_problem(p)))
        .collect();
    lines.join("\n")
}

#[test]
fn configuration_problems_in_english() {
    insta::assert_snapshot!(said(Lang::En));
}

#[test]
fn configuration_problems_in_japanese() {
    insta::assert_snapshot!(said(Lang::Ja));
}

#[test]
fn every_kind_of_problem_is_said() {
    let model = problems();
    let mut codes: Vec<&str> = model.problems.iter().map(|p| p.issue.code()).collect();
    codes.sort();
    codes.dedup();
    // All but `cannot-read`, which needs a file system (the CLI's malformed-configuration test has one).
    assert_eq!(
        codes,
        [
            "bad-port-range",
            "invalid-json",
            "missing",
            "neither-of",
            "not-an-object",
            "not-cidr",
            "not-describe-output",
            "not-ip",
            "not-port-range",
            "not-protocol",
            "not-rule-number",
            "unnamed-prefix-list",
            "wrong-type",
        ]
    );
}
