//! Reading what `aws ec2 describe-*` prints.
//!
//! Each file is recognised by its top-level keys (`SecurityGroups`, `NetworkAcls`, ...), not by its name, so a
//! directory of saved outputs can be named any way; one file may also hold several keys. The JSON is walked by
//! hand rather than through derived structs so that every problem names the file and the JSON path of the value
//! that is wrong (`sg.json: $.SecurityGroups[0].IpPermissions[1].FromPort: expected a number, found "eighty"`),
//! and so that one bad rule costs that rule, not the file.

use crate::model::*;
use crate::problem::{ConfigIssue, ConfigProblem, Expected, Found, MissingHint};
use ipnet::IpNet;
use serde_json::Value;
use std::path::Path;
use vpcflow_record::{FileError, Location};

/// The top-level keys this loader knows, for the message about a file it does not recognise.
const KNOWN_KEYS: &[&str] = &[
    "SecurityGroups",
    "NetworkAcls",
    "RouteTables",
    "NetworkInterfaces",
    "Subnets",
    "Vpcs",
    "InternetGateways",
    "PrefixLists",
    "Entries",
];

struct Ctx<'a> {
    file: &'a str,
    problems: &'a mut Vec<ConfigProblem>,
}

impl Ctx<'_> {
    fn problem(&mut self, path: &str, issue: ConfigIssue) {
        self.problems.push(ConfigProblem {
            location: Location::file(self.file).json(path),
            issue,
        });
    }

    fn wrong_type(&mut self, path: &str, expected: Expected, found: &Value) {
        let found = Found::of(found);
        self.problem(path, ConfigIssue::WrongType { expected, found });
    }

    fn missing(&mut self, path: &str, keys: &[&'static str], hint: Option<MissingHint>) {
        let keys = keys.to_vec();
        self.problem(path, ConfigIssue::Missing { keys, hint });
    }
}

/// A required string; reports and returns `None` when missing or not a string.
fn req_str(ctx: &mut Ctx, obj: &Value, path: &str, key: &'static str) -> Option<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            ctx.wrong_type(&format!("{path}.{key}"), Expected::String, other);
            None
        }
        None => {
            ctx.missing(path, &[key], None);
            None
        }
    }
}

/// An optional string; reports a value of the wrong type.
fn opt_str(ctx: &mut Ctx, obj: &Value, path: &str, key: &str) -> Option<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(other) => {
            ctx.wrong_type(&format!("{path}.{key}"), Expected::String, other);
            None
        }
    }
}

/// An optional integer; `Err(())` after reporting a value of the wrong type.
fn opt_int(ctx: &mut Ctx, obj: &Value, path: &str, key: &str) -> Result<Option<i64>, ()> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(other) => {
            ctx.wrong_type(&format!("{path}.{key}"), Expected::WholeNumber, other);
            Err(())
        }
    }
}

fn opt_bool(ctx: &mut Ctx, obj: &Value, path: &str, key: &str) -> Option<bool> {
    match obj.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        None | Some(Value::Null) => None,
        Some(other) => {
            ctx.wrong_type(&format!("{path}.{key}"), Expected::Bool, other);
            None
        }
    }
}

/// The elements of an optional array, each with its path.
fn arr<'v>(ctx: &mut Ctx, obj: &'v Value, path: &str, key: &str) -> Vec<(String, &'v Value)> {
    match obj.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{path}.{key}[{i}]"), v))
            .collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(other) => {
            ctx.wrong_type(&format!("{path}.{key}"), Expected::Array, other);
            Vec::new()
        }
    }
}

fn cidr(ctx: &mut Ctx, text: &str, path: &str) -> Option<IpNet> {
    match text.parse::<IpNet>() {
        Ok(net) => Some(net),
        Err(_) => {
            let text = text.to_string();
            ctx.problem(path, ConfigIssue::NotCidr { text });
            None
        }
    }
}

fn proto(ctx: &mut Ctx, obj: &Value, path: &str, key: &'static str) -> Option<Proto> {
    let text = req_str(ctx, obj, path, key)?;
    let p = Proto::parse(&text);
    if p.is_none() {
        ctx.problem(&format!("{path}.{key}"), ConfigIssue::NotProtocol { text });
    }
    p
}

impl VpcModel {
    /// Loads a directory of `describe-*` outputs (every `*.json` in it, not recursively), or one file.
    /// Problems are collected in [`VpcModel::problems`]; an error is returned only when nothing can be read at all
    /// (the path does not exist).
    pub fn load(path: &Path) -> Result<VpcModel, FileError> {
        let mut model = VpcModel::default();
        let files = if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| FileError::io(path.display().to_string(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let name = file.display().to_string();
            match std::fs::read_to_string(&file) {
                Ok(text) => model.add_json(&name, &text),
                Err(e) => model.problems.push(ConfigProblem {
                    location: Location::file(name).json("$"),
                    issue: ConfigIssue::CannotRead {
                        error: e.to_string(),
                    },
                }),
            }
        }
        model.finish();
        Ok(model)
    }

    /// A model from documents already in memory, `(name, json)`; the name is used in problems and, for
    /// `get-managed-prefix-list-entries` output (which does not name its list), to find the `pl-...` id.
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = (&'a str, &'a str)>) -> VpcModel {
        let mut model = VpcModel::default();
        for (name, text) in docs {
            model.add_json(name, text);
        }
        model.finish();
        model
    }

    /// Adds one document. Call [`VpcModel::finish`]-equivalent loaders ([`VpcModel::load`],
    /// [`VpcModel::from_documents`]) rather than this directly, so that defaults are filled in.
    fn add_json(&mut self, name: &str, text: &str) {
        self.files.push(name.to_string());
        let mut problems = std::mem::take(&mut self.problems);
        let mut ctx = Ctx {
            file: name,
            problems: &mut problems,
        };
        match serde_json::from_str::<Value>(text) {
            Err(e) => ctx.problems.push(ConfigIssue::invalid_json(name, &e)),
            Ok(doc) if !doc.is_object() => {
                let found = Found::of(&doc);
                ctx.problem("$", ConfigIssue::NotAnObject { found })
            }
            Ok(doc) => {
                let mut recognised = false;
                for key in KNOWN_KEYS {
                    if doc.get(key).is_some() {
                        recognised = true;
                    }
                }
                if !recognised {
                    let known = KNOWN_KEYS;
                    ctx.problem("$", ConfigIssue::NotDescribeOutput { known });
                }
                self.read_security_groups(&mut ctx, &doc);
                self.read_network_acls(&mut ctx, &doc);
                self.read_route_tables(&mut ctx, &doc);
                self.read_interfaces(&mut ctx, &doc);
                self.read_subnets(&mut ctx, &doc);
                self.read_vpcs(&mut ctx, &doc);
                self.read_internet_gateways(&mut ctx, &doc);
                self.read_prefix_lists(&mut ctx, &doc, name);
            }
        }
        self.problems = problems;
    }

    /// Adds what AWS implies without printing: the final `*` rule of every ACL.
    fn finish(&mut self) {
        for acl in self.network_acls.values_mut() {
            for egress in [false, true] {
                if !acl
                    .entries
                    .iter()
                    .any(|e| e.egress == egress && e.is_star())
                {
                    acl.entries.push(AclEntry {
                        rule_number: AclEntry::STAR,
                        protocol: Proto::All,
                        allow: false,
                        egress,
                        cidr: "0.0.0.0/0".parse().expect("valid"),
                        ports: PortSpec::All,
                    });
                }
            }
            acl.entries.sort_by_key(|e| (e.egress, e.rule_number));
        }
    }

    fn read_security_groups(&mut self, ctx: &mut Ctx, doc: &Value) {
        if doc.get("SecurityGroups").is_none() {
            return;
        }
        self.loaded.security_groups = true;
        for (path, g) in arr(ctx, doc, "$", "SecurityGroups") {
            let Some(id) = req_str(ctx, g, &path, "GroupId") else {
                continue;
            };
            let mut group = SecurityGroup {
                id: id.clone(),
                name: opt_str(ctx, g, &path, "GroupName"),
                vpc_id: opt_str(ctx, g, &path, "VpcId"),
                ..SecurityGroup::default()
            };
            for (key, egress) in [("IpPermissions", false), ("IpPermissionsEgress", true)] {
                for (ppath, perm) in arr(ctx, g, &path, key) {
                    match sg_permission(ctx, perm, &ppath) {
                        Some(rules) if egress => group.outbound.extend(rules),
                        Some(rules) => group.inbound.extend(rules),
                        None => group.unreadable_rules += 1,
                    }
                }
            }
            self.security_groups.insert(id, group);
        }
    }

    fn read_network_acls(&mut self, ctx: &mut Ctx, doc: &Value) {
        if doc.get("NetworkAcls").is_none() {
            return;
        }
        self.loaded.network_acls = true;
        for (path, a) in arr(ctx, doc, "$", "NetworkAcls") {
            let Some(id) = req_str(ctx, a, &path, "NetworkAclId") else {
                continue;
            };
            let mut acl = NetworkAcl {
                id: id.clone(),
                vpc_id: opt_str(ctx, a, &path, "VpcId"),
                is_default: opt_bool(ctx, a, &path, "IsDefault").unwrap_or(false),
                ..NetworkAcl::default()
            };
            for (epath, e) in arr(ctx, a, &path, "Entries") {
                match acl_entry(ctx, e, &epath) {
                    Some(entry) => acl.entries.push(entry),
                    None => acl.unreadable_rules += 1,
                }
            }
            for (spath, s) in arr(ctx, a, &path, "Associations") {
                if let Some(subnet) = req_str(ctx, s, &spath, "SubnetId") {
                    acl.subnets.push(subnet);
                }
            }
            self.network_acls.insert(id, acl);
        }
    }

    fn read_route_tables(&mut self, ctx: &mut Ctx, doc: &Value) {
        if doc.get("RouteTables").is_none() {
            return;
        }
        self.loaded.route_tables = true;
        for (path, t) in arr(ctx, doc, "$", "RouteTables") {
            let Some(id) = req_str(ctx, t, &path, "RouteTableId") else {
                continue;
            };
            let mut table = RouteTable {
                id: id.clone(),
                vpc_id: opt_str(ctx, t, &path, "VpcId"),
                ..RouteTable::default()
            };
            for (apath, a) in arr(ctx, t, &path, "Associations") {
                if opt_bool(ctx, a, &apath, "Main") == Some(true) {
                    table.main = true;
                }
                if let Some(subnet) = opt_str(ctx, a, &apath, "SubnetId") {
                    table.subnets.push(subnet);
                }
            }
            for (rpath, r) in arr(ctx, t, &path, "Routes") {
                match route(ctx, r, &rpath) {
                    Some(route) => table.routes.push(route),
                    None => table.unreadable_routes += 1,
                }
            }
            self.route_tables.insert(id, table);
        }
    }

    fn read_interfaces(&mut self, ctx: &mut Ctx, doc: &Value) {
        if doc.get("NetworkInterfaces").is_none() {
            return;
        }
        self.loaded.interfaces = true;
        for (path, n) in arr(ctx, doc, "$", "NetworkInterfaces") {
            let Some(id) = req_str(ctx, n, &path, "NetworkInterfaceId") else {
                continue;
            };
            let mut iface = Interface {
                id: id.clone(),
                subnet_id: opt_str(ctx, n, &path, "SubnetId"),
                vpc_id: opt_str(ctx, n, &path, "VpcId"),
                interface_type: opt_str(ctx, n, &path, "InterfaceType"),
                description: opt_str(ctx, n, &path, "Description").filter(|d| !d.is_empty()),
                ..Interface::default()
            };
            let push_addr =
                |ctx: &mut Ctx, list: &mut Vec<_>, text: String, at: &str| match text.parse() {
                    Ok(ip) => {
                        if !list.contains(&ip) {
                            list.push(ip)
                        }
                    }
                    Err(_) => ctx.problem(at, ConfigIssue::NotIp { text }),
                };
            if let Some(ip) = opt_str(ctx, n, &path, "PrivateIpAddress") {
                push_addr(
                    ctx,
                    &mut iface.addresses,
                    ip,
                    &format!("{path}.PrivateIpAddress"),
                );
            }
            for (ppath, p) in arr(ctx, n, &path, "PrivateIpAddresses") {
                if let Some(ip) = opt_str(ctx, p, &ppath, "PrivateIpAddress") {
                    push_addr(
                        ctx,
                        &mut iface.addresses,
                        ip,
                        &format!("{ppath}.PrivateIpAddress"),
                    );
                }
                if let Some(assoc) = p.get("Association")
                    && let Some(ip) =
                        opt_str(ctx, assoc, &format!("{ppath}.Association"), "PublicIp")
                {
                    push_addr(
                        ctx,
                        &mut iface.public_ips,
                        ip,
                        &format!("{ppath}.Association.PublicIp"),
                    );
                }
            }
            for (ppath, p) in arr(ctx, n, &path, "Ipv6Addresses") {
                if let Some(ip) = req_str(ctx, p, &ppath, "Ipv6Address") {
                    push_addr(
                        ctx,
                        &mut iface.addresses,
                        ip,
                        &format!("{ppath}.Ipv6Address"),
                    );
                }
            }
            if let Some(assoc) = n.get("Association")
                && let Some(ip) = opt_str(ctx, assoc, &format!("{path}.Association"), "PublicIp")
            {
                push_addr(
                    ctx,
                    &mut iface.public_ips,
                    ip,
                    &format!("{path}.Association.PublicIp"),
                );
            }
            for (gpath, g) in arr(ctx, n, &path, "Groups") {
                if let Some(gid) = req_str(ctx, g, &gpath, "GroupId") {
                    iface.groups.push(gid);
                }
            }
            if let Some(att) = n.get("Attachment") {
                iface.instance_id = opt_str(ctx, att, &format!("{path}.Attachment"), "InstanceId");
            }
            self.interfaces.insert(id, iface);
        }
    }

    fn read_subnets(&mut self, ctx: &mut Ctx, doc: &Value) {
        if doc.get("Subnets").is_none() {
            return;
        }
        self.loaded.subnets = true;
        for (path, s) in arr(ctx, doc, "$", "Subnets") {
            let Some(id) = req_str(ctx, s, &path, "SubnetId") else {
                continue;
            };
            let mut subnet = Subnet {
                id: id.clone(),
                vpc_id: opt_str(ctx, s, &path, "VpcId"),
                ..Subnet::default()
            };
            if let Some(text) = opt_str(ctx, s, &path, "CidrBlock")
                && let Some(net) = cidr(ctx, &text, &format!("{path}.CidrBlock"))
            {
                subnet.cidrs.push(net);
            }
            for (apath, a) in arr(ctx, s, &path, "Ipv6CidrBlockAssociationSet") {
                if let Some(text) = opt_str(ctx, a, &apath, "Ipv6CidrBlock")
                    && let Some(net) = cidr(ctx, &text, &format!("{apath}.Ipv6CidrBlock"))
                {
                    subnet.cidrs.push(net);
                }
            }
            self.subnets.insert(id, subnet);
        }
    }

    fn read_vpcs(&mut self, ctx: &mut Ctx, doc: &Value) {
        for (path, v) in arr(ctx, doc, "$", "Vpcs") {
            let Some(id) = req_str(ctx, v, &path, "VpcId") else {
                continue;
            };
            let mut vpc = Vpc {
                id: id.clone(),
                ..Vpc::default()
            };
            if let Some(text) = opt_str(ctx, v, &path, "CidrBlock")
                && let Some(net) = cidr(ctx, &text, &format!("{path}.CidrBlock"))
            {
                vpc.cidrs.push(net);
            }
            for (key, field) in [
                ("CidrBlockAssociationSet", "CidrBlock"),
                ("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"),
            ] {
                for (apath, a) in arr(ctx, v, &path, key) {
                    if let Some(text) = opt_str(ctx, a, &apath, field)
                        && let Some(net) = cidr(ctx, &text, &format!("{apath}.{field}"))
                        && !vpc.cidrs.contains(&net)
                    {
                        vpc.cidrs.push(net);
                    }
                }
            }
            self.vpcs.insert(id, vpc);
        }
    }

    fn read_internet_gateways(&mut self, ctx: &mut Ctx, doc: &Value) {
        if doc.get("InternetGateways").is_none() {
            return;
        }
        self.loaded.internet_gateways = true;
        for (path, g) in arr(ctx, doc, "$", "InternetGateways") {
            let Some(id) = req_str(ctx, g, &path, "InternetGatewayId") else {
                continue;
            };
            let mut igw = InternetGateway {
                id: id.clone(),
                ..InternetGateway::default()
            };
            for (apath, a) in arr(ctx, g, &path, "Attachments") {
                if let (Some(vpc), Some(state)) = (
                    req_str(ctx, a, &apath, "VpcId"),
                    req_str(ctx, a, &apath, "State"),
                ) {
                    igw.attachments.push((vpc, state));
                }
            }
            self.internet_gateways.insert(id, igw);
        }
    }

    fn read_prefix_lists(&mut self, ctx: &mut Ctx, doc: &Value, name: &str) {
        for (path, p) in arr(ctx, doc, "$", "PrefixLists") {
            let Some(id) = req_str(ctx, p, &path, "PrefixListId") else {
                continue;
            };
            let entry = self.prefix_lists.entry(id.clone()).or_default();
            entry.id = id;
            entry.name = opt_str(ctx, p, &path, "PrefixListName");
            // `describe-prefix-lists` (the AWS-managed lists) prints `Cidrs`; managed lists need the entries call.
            if let Some(Value::Array(cidrs)) = p.get("Cidrs") {
                let list = cidrs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        let at = format!("{path}.Cidrs[{i}]");
                        match c.as_str() {
                            Some(text) => cidr(ctx, text, &at),
                            None => {
                                ctx.wrong_type(&at, Expected::CidrString, c);
                                None
                            }
                        }
                    })
                    .collect();
                entry.cidrs = Some(list);
            }
        }
        if doc.get("Entries").is_some() {
            // `get-managed-prefix-list-entries` does not say which list: the file name must.
            let id = Path::new(name)
                .file_name()
                .and_then(|f| f.to_str())
                .and_then(|f| {
                    let start = f.find("pl-")?;
                    let rest = &f[start..];
                    let end = rest[3..]
                        .find(|c: char| !c.is_ascii_alphanumeric())
                        .map_or(rest.len(), |e| e + 3);
                    Some(rest[..end].to_string())
                });
            let Some(id) = id else {
                ctx.problem("$.Entries", ConfigIssue::UnnamedPrefixList);
                return;
            };
            let mut list = Vec::new();
            for (epath, e) in arr(ctx, doc, "$", "Entries") {
                if let Some(text) = req_str(ctx, e, &epath, "Cidr")
                    && let Some(net) = cidr(ctx, &text, &format!("{epath}.Cidr"))
                {
                    list.push(net);
                }
            }
            let entry = self.prefix_lists.entry(id.clone()).or_default();
            entry.id = id;
            entry.cidrs = Some(list);
        }
    }
}

/// One `IpPermissions` element: one rule per peer. `None` when the protocol or ports cannot be read (the whole
/// permission is then unreadable, because its peers without its ports would allow too much).
fn sg_permission(ctx: &mut Ctx, perm: &Value, path: &str) -> Option<Vec<SgRule>> {
    let protocol = proto(ctx, perm, path, "IpProtocol")?;
    let from = opt_int(ctx, perm, path, "FromPort").ok()?;
    let to = opt_int(ctx, perm, path, "ToPort").ok()?;
    let ports = match protocol {
        Proto::All => PortSpec::All,
        Proto::Number(1 | 58) => PortSpec::Icmp {
            icmp_type: from.filter(|t| *t >= 0).map(|t| t as u8),
            code: to.filter(|c| *c >= 0).map(|c| c as u8),
        },
        Proto::Number(n) if rule_ports_apply(n) => match (from, to) {
            (Some(f), Some(t))
                if (0..=65535).contains(&f) && (0..=65535).contains(&t) && f <= t =>
            {
                PortSpec::Ports {
                    from: f as u16,
                    to: t as u16,
                }
            }
            (Some(-1), Some(-1)) | (None, None) => PortSpec::All,
            _ => {
                ctx.problem(path, ConfigIssue::NotPortRange { from, to });
                return None;
            }
        },
        Proto::Number(_) => PortSpec::All,
    };
    let mut rules = Vec::new();
    let mut push = |peer: Peer, description: Option<String>, at: String| {
        rules.push(SgRule {
            protocol,
            ports,
            peer,
            description,
            json_path: at,
        })
    };
    for (key, field) in [("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")] {
        for (rpath, r) in arr(ctx, perm, path, key) {
            if let Some(text) = req_str(ctx, r, &rpath, field)
                && let Some(net) = cidr(ctx, &text, &format!("{rpath}.{field}"))
            {
                let d = opt_str(ctx, r, &rpath, "Description");
                push(Peer::Cidr(net), d, rpath);
            }
        }
    }
    for (rpath, r) in arr(ctx, perm, path, "UserIdGroupPairs") {
        if let Some(id) = req_str(ctx, r, &rpath, "GroupId") {
            let d = opt_str(ctx, r, &rpath, "Description");
            push(Peer::SecurityGroup(id), d, rpath);
        }
    }
    for (rpath, r) in arr(ctx, perm, path, "PrefixListIds") {
        if let Some(id) = req_str(ctx, r, &rpath, "PrefixListId") {
            let d = opt_str(ctx, r, &rpath, "Description");
            push(Peer::PrefixList(id), d, rpath);
        }
    }
    Some(rules)
}

fn acl_entry(ctx: &mut Ctx, e: &Value, path: &str) -> Option<AclEntry> {
    let number = match opt_int(ctx, e, path, "RuleNumber") {
        Ok(Some(n)) if (1..=32767).contains(&n) => n as u16,
        Ok(Some(n)) => {
            let path = format!("{path}.RuleNumber");
            ctx.problem(&path, ConfigIssue::NotRuleNumber { number: n });
            return None;
        }
        Ok(None) => {
            ctx.missing(path, &["RuleNumber"], None);
            return None;
        }
        Err(()) => return None,
    };
    let protocol = proto(ctx, e, path, "Protocol")?;
    let allow = match req_str(ctx, e, path, "RuleAction")?.as_str() {
        "allow" => true,
        "deny" => false,
        other => {
            let (text, allowed) = (other.to_string(), ["allow", "deny"]);
            ctx.problem(
                &format!("{path}.RuleAction"),
                ConfigIssue::NeitherOf { text, allowed },
            );
            return None;
        }
    };
    let Some(egress) = opt_bool(ctx, e, path, "Egress") else {
        // A value of the wrong type was reported as such; only an absent one is missing.
        if e.get("Egress").is_none_or(Value::is_null) {
            ctx.missing(path, &["Egress"], Some(MissingHint::EgressMeaning));
        }
        return None;
    };
    let cidr_text = opt_str(ctx, e, path, "CidrBlock")
        .map(|t| (t, "CidrBlock"))
        .or_else(|| opt_str(ctx, e, path, "Ipv6CidrBlock").map(|t| (t, "Ipv6CidrBlock")));
    let Some((text, key)) = cidr_text else {
        ctx.missing(path, &["CidrBlock", "Ipv6CidrBlock"], None);
        return None;
    };
    let net = cidr(ctx, &text, &format!("{path}.{key}"))?;
    let ports = match protocol {
        Proto::Number(n) if rule_ports_apply(n) => match e.get("PortRange") {
            Some(range) => {
                let rpath = format!("{path}.PortRange");
                let from = opt_int(ctx, range, &rpath, "From").ok()?;
                let to = opt_int(ctx, range, &rpath, "To").ok()?;
                match (from, to) {
                    (Some(f), Some(t))
                        if (0..=65535).contains(&f) && (0..=65535).contains(&t) && f <= t =>
                    {
                        PortSpec::Ports {
                            from: f as u16,
                            to: t as u16,
                        }
                    }
                    _ => {
                        ctx.problem(&rpath, ConfigIssue::BadPortRange);
                        return None;
                    }
                }
            }
            None => {
                let hint = Some(MissingHint::RequiredForTcpUdp);
                ctx.missing(path, &["PortRange"], hint);
                return None;
            }
        },
        Proto::Number(1 | 58) => match e.get("IcmpTypeCode") {
            Some(tc) => {
                let tpath = format!("{path}.IcmpTypeCode");
                let t = opt_int(ctx, tc, &tpath, "Type").ok()?;
                let c = opt_int(ctx, tc, &tpath, "Code").ok()?;
                PortSpec::Icmp {
                    icmp_type: t.filter(|t| *t >= 0).map(|t| t as u8),
                    code: c.filter(|c| *c >= 0).map(|c| c as u8),
                }
            }
            None => PortSpec::All,
        },
        _ => PortSpec::All,
    };
    Some(AclEntry {
        rule_number: number,
        protocol,
        allow,
        egress,
        cidr: net,
        ports,
    })
}

fn route(ctx: &mut Ctx, r: &Value, path: &str) -> Option<Route> {
    let destination = if let Some(text) = opt_str(ctx, r, path, "DestinationCidrBlock") {
        RouteDestination::Cidr(cidr(ctx, &text, &format!("{path}.DestinationCidrBlock"))?)
    } else if let Some(text) = opt_str(ctx, r, path, "DestinationIpv6CidrBlock") {
        RouteDestination::Cidr(cidr(
            ctx,
            &text,
            &format!("{path}.DestinationIpv6CidrBlock"),
        )?)
    } else if let Some(id) = opt_str(ctx, r, path, "DestinationPrefixListId") {
        RouteDestination::PrefixList(id)
    } else {
        let keys = [
            "DestinationCidrBlock",
            "DestinationIpv6CidrBlock",
            "DestinationPrefixListId",
        ];
        ctx.missing(path, &keys, None);
        return None;
    };
    const TARGETS: &[(&str, RouteTargetKind)] = &[
        ("NatGatewayId", RouteTargetKind::NatGateway),
        ("TransitGatewayId", RouteTargetKind::TransitGateway),
        ("VpcPeeringConnectionId", RouteTargetKind::VpcPeering),
        (
            "EgressOnlyInternetGatewayId",
            RouteTargetKind::EgressOnlyInternetGateway,
        ),
        ("LocalGatewayId", RouteTargetKind::LocalGateway),
        ("CarrierGatewayId", RouteTargetKind::CarrierGateway),
        ("CoreNetworkArn", RouteTargetKind::CoreNetwork),
        ("InstanceId", RouteTargetKind::Instance),
        ("NetworkInterfaceId", RouteTargetKind::NetworkInterface),
    ];
    let mut target = None;
    if let Some(id) = opt_str(ctx, r, path, "GatewayId") {
        let kind = if id == "local" {
            RouteTargetKind::Local
        } else if id.starts_with("igw-") {
            RouteTargetKind::InternetGateway
        } else if id.starts_with("vgw-") {
            RouteTargetKind::VirtualPrivateGateway
        } else if id.starts_with("vpce-") {
            RouteTargetKind::VpcEndpoint
        } else {
            RouteTargetKind::Other
        };
        target = Some(RouteTarget { kind, id });
    }
    for (key, kind) in TARGETS {
        if target.is_some() {
            break;
        }
        if let Some(id) = opt_str(ctx, r, path, key) {
            target = Some(RouteTarget { kind: *kind, id });
        }
    }
    let target = target.unwrap_or(RouteTarget {
        kind: RouteTargetKind::Other,
        id: "-".into(),
    });
    let active = match opt_str(ctx, r, path, "State").as_deref() {
        None | Some("active") => true,
        Some("blackhole") => false,
        Some(other) => {
            let (text, allowed) = (other.to_string(), ["active", "blackhole"]);
            ctx.problem(
                &format!("{path}.State"),
                ConfigIssue::NeitherOf { text, allowed },
            );
            true
        }
    };
    Some(Route {
        destination,
        target,
        active,
    })
}
