//! The isolation ruleset for table `inet huoyan`, as a small intermediate form with three uses:
//! nft syntax for the responder to read, netlink expressions for the kernel ([`crate::expr`]),
//! and an evaluator that predicts which current connections the rules would cut.
//!
//! Shape (every base chain at priority -2147483648, the first to see a packet, policy drop):
//! - `input`: loopback; every packet from an allowed address; for `ADDR:PORT` exceptions, the
//!   peer's connections to our PORT and (conntrack state established/related) the answers from
//!   the peer's PORT; ICMP errors related to a flow of an allowed address (conntrack original
//!   tuple); IPv6 neighbour discovery when an IPv6 peer is allowed; a counted drop.
//! - `output`: the mirror image by destination. The output hook runs before conntrack has seen a
//!   locally generated packet, so no conntrack matches are used there.
//! - `forward`: a counted drop: the server cannot be used as a jump host.
//!
//! A connection to a peer that is not allowed dies with its next packet even if it was
//! established before: nothing accepts "any established flow".

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::policy::{Allowance, Direction, Net, Policy};

/// The table name.
pub const TABLE: &str = "huoyan";
/// Hook priority of every base chain: the most negative, so these rules run first.
pub const PRIORITY: i32 = i32::MIN;

/// Conntrack state bits as the kernel's `ct state` reports them.
pub const CT_ESTABLISHED: u32 = 1 << 1;
/// `related` (ICMP errors, helper expectations).
pub const CT_RELATED: u32 = 1 << 2;

/// IPv6 neighbour discovery ICMPv6 types (router solicit/advert, neighbour solicit/advert).
pub const ND_TYPES: [(u8, &str); 4] = [
    (133, "nd-router-solicit"),
    (134, "nd-router-advert"),
    (135, "nd-neighbor-solicit"),
    (136, "nd-neighbor-advert"),
];

/// The base chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// Packets to this host.
    Input,
    /// Packets from this host.
    Output,
    /// Packets routed through this host.
    Forward,
}

impl Hook {
    /// Chain (and hook) name.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Input => "input",
            Hook::Output => "output",
            Hook::Forward => "forward",
        }
    }

    /// `NF_INET_*` hook number.
    pub fn number(self) -> u32 {
        match self {
            Hook::Input => 1,
            Hook::Forward => 2,
            Hook::Output => 3,
        }
    }

    /// All three, in listing order.
    pub const ALL: [Hook; 3] = [Hook::Input, Hook::Forward, Hook::Output];
}

/// Transport protocols a port exception covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Proto {
    /// IP protocol number.
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Arrived on `lo`.
    IifLo,
    /// Leaves through `lo`.
    OifLo,
    /// Source address in the network (implies the address family).
    Saddr(Net),
    /// Destination address in the network.
    Daddr(Net),
    /// Transport protocol.
    L4(Proto),
    /// Transport source port (after an `L4`).
    Sport(u16),
    /// Transport destination port (after an `L4`).
    Dport(u16),
    /// Conntrack state has any of these bits.
    CtState(u32),
    /// The flow's original source is in the network.
    CtOrigSaddr(Net),
    /// The flow's original destination is in the network.
    CtOrigDaddr(Net),
    /// ICMPv6 of this type.
    Icmpv6Type(u8),
}

/// Accept or drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let the packet through.
    Accept,
    /// Discard it.
    Drop,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Chain.
    pub hook: Hook,
    /// All must match.
    pub matches: Vec<Match>,
    /// With a packet/byte counter.
    pub counter: bool,
    /// What happens on a match.
    pub verdict: Verdict,
    /// Why the rule exists.
    pub comment: String,
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruleset {
    /// Rules in chain order.
    pub rules: Vec<Rule>,
}

fn rule(hook: Hook, matches: Vec<Match>, verdict: Verdict, comment: &str) -> Rule {
    Rule {
        hook,
        matches,
        counter: verdict == Verdict::Drop,
        verdict,
        comment: comment.to_string(),
    }
}

/// Builds the isolation ruleset for a policy.
pub fn build(policy: &Policy) -> Ruleset {
    use Match::*;
    let mut rules = vec![
        rule(Hook::Input, vec![IifLo], Verdict::Accept, "loopback"),
        rule(Hook::Output, vec![OifLo], Verdict::Accept, "loopback"),
    ];
    for a in &policy.allowances {
        add_allowance(&mut rules, a);
    }
    if policy.has_v6() {
        for (ty, _) in ND_TYPES {
            for hook in [Hook::Input, Hook::Output] {
                rules.push(rule(
                    hook,
                    vec![Icmpv6Type(ty)],
                    Verdict::Accept,
                    "IPv6 neighbour discovery",
                ));
            }
        }
    }
    for hook in Hook::ALL {
        rules.push(rule(
            hook,
            vec![],
            Verdict::Drop,
            "huoyan containment: everything else",
        ));
    }
    // Stable order: input, forward, output (as nft lists them).
    let mut ordered = Vec::with_capacity(rules.len());
    for hook in Hook::ALL {
        ordered.extend(rules.iter().filter(|r| r.hook == hook).cloned());
    }
    Ruleset { rules: ordered }
}

fn add_allowance(rules: &mut Vec<Rule>, a: &Allowance) {
    use Match::*;
    let net = a.net;
    let why = a.reason.as_str();
    match (a.port, a.direction) {
        (None, Direction::Both) => {
            rules.push(rule(Hook::Input, vec![Saddr(net)], Verdict::Accept, why));
            rules.push(rule(Hook::Output, vec![Daddr(net)], Verdict::Accept, why));
            rules.push(rule(
                Hook::Input,
                vec![CtState(CT_RELATED), CtOrigSaddr(net)],
                Verdict::Accept,
                why,
            ));
            rules.push(rule(
                Hook::Input,
                vec![CtState(CT_RELATED), CtOrigDaddr(net)],
                Verdict::Accept,
                why,
            ));
        }
        (None, Direction::Outbound) => {
            rules.push(rule(Hook::Output, vec![Daddr(net)], Verdict::Accept, why));
            rules.push(rule(
                Hook::Input,
                vec![CtState(CT_ESTABLISHED | CT_RELATED), Saddr(net)],
                Verdict::Accept,
                why,
            ));
        }
        (Some(port), direction) => {
            for proto in [Proto::Tcp, Proto::Udp] {
                // We open connections to the peer's PORT; its answers come back from PORT.
                rules.push(rule(
                    Hook::Output,
                    vec![Daddr(net), L4(proto), Dport(port)],
                    Verdict::Accept,
                    why,
                ));
                rules.push(rule(
                    Hook::Input,
                    vec![
                        CtState(CT_ESTABLISHED | CT_RELATED),
                        Saddr(net),
                        L4(proto),
                        Sport(port),
                    ],
                    Verdict::Accept,
                    why,
                ));
                if direction == Direction::Both {
                    // The peer opens connections to our PORT; our answers leave from PORT.
                    rules.push(rule(
                        Hook::Input,
                        vec![Saddr(net), L4(proto), Dport(port)],
                        Verdict::Accept,
                        why,
                    ));
                    rules.push(rule(
                        Hook::Output,
                        vec![Daddr(net), L4(proto), Sport(port)],
                        Verdict::Accept,
                        why,
                    ));
                }
            }
        }
    }
}

fn family_word(net: &Net) -> &'static str {
    if net.is_v4() {
        "ip"
    } else {
        "ip6"
    }
}

fn ct_state_words(mask: u32) -> String {
    let mut words = Vec::new();
    for (bit, word) in [
        (1u32, "invalid"),
        (CT_ESTABLISHED, "established"),
        (CT_RELATED, "related"),
        (1 << 3, "new"),
    ] {
        if mask & bit != 0 {
            words.push(word);
        }
    }
    words.join(",")
}

fn match_text(m: &Match) -> String {
    match m {
        Match::IifLo => "iifname \"lo\"".into(),
        Match::OifLo => "oifname \"lo\"".into(),
        Match::Saddr(n) => format!("{} saddr {n}", family_word(n)),
        Match::Daddr(n) => format!("{} daddr {n}", family_word(n)),
        Match::L4(p) => p.name().into(),
        Match::Sport(p) => format!("sport {p}"),
        Match::Dport(p) => format!("dport {p}"),
        Match::CtState(mask) => format!("ct state {}", ct_state_words(*mask)),
        Match::CtOrigSaddr(n) => format!("ct original {} saddr {n}", family_word(n)),
        Match::CtOrigDaddr(n) => format!("ct original {} daddr {n}", family_word(n)),
        Match::Icmpv6Type(t) => {
            let name = ND_TYPES
                .iter()
                .find(|(ty, _)| ty == t)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| t.to_string());
            format!("icmpv6 type {name}")
        }
    }
}

impl Rule {
    /// The rule in nft syntax (`ip saddr 10.0.0.7 accept comment "…"`).
    pub fn to_nft(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut iter = self.matches.iter().peekable();
        while let Some(m) = iter.next() {
            // nft writes "tcp dport 22", folding the protocol into the port match.
            if let (Match::L4(_), Some(Match::Sport(_) | Match::Dport(_))) = (m, iter.peek()) {
                let port = iter.next().map(match_text).unwrap_or_default();
                parts.push(format!("{} {port}", match_text(m)));
            } else {
                parts.push(match_text(m));
            }
        }
        if self.counter {
            parts.push("counter".into());
        }
        parts.push(
            match self.verdict {
                Verdict::Accept => "accept",
                Verdict::Drop => "drop",
            }
            .into(),
        );
        let comment: String = self
            .comment
            .chars()
            .filter(|c| *c != '"' && !c.is_control())
            .collect();
        format!("{} comment \"{comment}\"", parts.join(" "))
    }
}

impl Ruleset {
    /// The table in nft syntax, as `nft list table inet huoyan` would print it.
    pub fn to_nft(&self) -> String {
        let mut out = format!("table inet {TABLE} {{\n");
        for hook in Hook::ALL {
            let _ = writeln!(out, "\tchain {} {{", hook.name());
            let _ = writeln!(
                out,
                "\t\ttype filter hook {} priority {PRIORITY}; policy drop;",
                hook.name()
            );
            for r in self.rules.iter().filter(|r| r.hook == hook) {
                let _ = writeln!(out, "\t\t{}", r.to_nft());
            }
            out.push_str("\t}\n");
        }
        out.push_str("}\n");
        out
    }

    /// What the chain for `hook` decides for a packet (first matching rule; policy drop).
    pub fn verdict(&self, hook: Hook, pkt: &Packet) -> Verdict {
        self.rules
            .iter()
            .filter(|r| r.hook == hook)
            .find(|r| r.matches.iter().all(|m| pkt.matches(m)))
            .map(|r| r.verdict)
            .unwrap_or(Verdict::Drop)
    }
}

/// A packet as the evaluator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Travels over the loopback interface.
    pub loopback: bool,
    /// Source address.
    pub saddr: IpAddr,
    /// Destination address.
    pub daddr: IpAddr,
    /// Transport protocol, if TCP or UDP.
    pub proto: Option<Proto>,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Conntrack state bit (`CT_ESTABLISHED`, …).
    pub ct_state: u32,
    /// Original source of the flow.
    pub orig_saddr: IpAddr,
    /// Original destination of the flow.
    pub orig_daddr: IpAddr,
}

impl Packet {
    fn matches(&self, m: &Match) -> bool {
        match m {
            Match::IifLo | Match::OifLo => self.loopback,
            Match::Saddr(n) => n.contains(self.saddr),
            Match::Daddr(n) => n.contains(self.daddr),
            Match::L4(p) => self.proto == Some(*p),
            Match::Sport(p) => self.proto.is_some() && self.sport == *p,
            Match::Dport(p) => self.proto.is_some() && self.dport == *p,
            Match::CtState(mask) => self.ct_state & mask != 0,
            Match::CtOrigSaddr(n) => n.contains(self.orig_saddr),
            Match::CtOrigDaddr(n) => n.contains(self.orig_daddr),
            Match::Icmpv6Type(_) => false,
        }
    }
}

/// One established flow of this host, for the "what would be cut" prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// TCP or UDP.
    pub proto: Proto,
    /// Our address.
    pub local: IpAddr,
    /// Our port.
    pub local_port: u16,
    /// The peer.
    pub remote: IpAddr,
    /// The peer's port.
    pub remote_port: u16,
    /// True when the peer opened it (our port is listening).
    pub inbound: bool,
    /// Over loopback (peer is this host).
    pub loopback: bool,
}

impl Ruleset {
    /// Whether an existing flow keeps working: a packet in each direction must be accepted.
    pub fn keeps(&self, f: &Flow) -> bool {
        let (orig_s, orig_d) = if f.inbound {
            (f.remote, f.local)
        } else {
            (f.local, f.remote)
        };
        let incoming = Packet {
            loopback: f.loopback,
            saddr: f.remote,
            daddr: f.local,
            proto: Some(f.proto),
            sport: f.remote_port,
            dport: f.local_port,
            ct_state: CT_ESTABLISHED,
            orig_saddr: orig_s,
            orig_daddr: orig_d,
        };
        let outgoing = Packet {
            saddr: f.local,
            daddr: f.remote,
            sport: f.local_port,
            dport: f.remote_port,
            ..incoming.clone()
        };
        self.verdict(Hook::Input, &incoming) == Verdict::Accept
            && self.verdict(Hook::Output, &outgoing) == Verdict::Accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allows: &[&str]) -> Policy {
        let mut p = Policy::default();
        for a in allows {
            p.add(Allowance::parse(a).unwrap());
        }
        p
    }

    fn flow(remote: &str, rport: u16, lport: u16, inbound: bool) -> Flow {
        Flow {
            proto: Proto::Tcp,
            local: "10.9.0.1".parse().unwrap(),
            local_port: lport,
            remote: remote.parse().unwrap(),
            remote_port: rport,
            inbound,
            loopback: false,
        }
    }

    #[test]
    fn allowed_address_keeps_flows_others_are_cut() {
        let rs = build(&policy(&["10.9.0.3"]));
        assert!(rs.keeps(&flow("10.9.0.3", 50000, 22, true)));
        assert!(rs.keeps(&flow("10.9.0.3", 443, 40000, false)));
        // An established attacker connection is cut: there is no blanket "established" accept.
        assert!(!rs.keeps(&flow("10.9.0.2", 50000, 22, true)));
        assert!(!rs.keeps(&flow("10.9.0.2", 4444, 40000, false)));
        let mut lo = flow("127.0.0.1", 5432, 40000, false);
        lo.loopback = true;
        assert!(rs.keeps(&lo));
    }

    #[test]
    fn port_exception_works_both_ways_only_on_that_port() {
        let rs = build(&policy(&["10.9.0.3:22"]));
        assert!(rs.keeps(&flow("10.9.0.3", 50000, 22, true)));
        assert!(rs.keeps(&flow("10.9.0.3", 22, 40000, false)));
        assert!(!rs.keeps(&flow("10.9.0.3", 50000, 80, true)));
        assert!(!rs.keeps(&flow("10.9.0.4", 50000, 22, true)));
    }

    #[test]
    fn outbound_only_exception_refuses_inbound() {
        let mut p = Policy::default();
        let mut dns = Allowance::parse("10.9.0.53:53").unwrap();
        dns.direction = Direction::Outbound;
        p.add(dns);
        let rs = build(&p);
        let mut out = flow("10.9.0.53", 53, 40000, false);
        out.proto = Proto::Udp;
        assert!(rs.keeps(&out));
        let mut inbound = flow("10.9.0.53", 40000, 53, true);
        inbound.proto = Proto::Udp;
        assert!(!rs.keeps(&inbound));
    }

    #[test]
    fn nft_text_has_every_chain_and_policy() {
        let rs = build(&policy(&["10.9.0.3", "[fd00::3]:22"]));
        let text = rs.to_nft();
        assert!(text.starts_with("table inet huoyan {"));
        for hook in ["input", "output", "forward"] {
            assert!(text.contains(&format!(
                "type filter hook {hook} priority -2147483648; policy drop;"
            )));
        }
        assert!(text.contains("ip saddr 10.9.0.3 accept"));
        assert!(text.contains("ip6 saddr fd00::3 tcp dport 22 accept"));
        assert!(text.contains("ct state established,related ip6 saddr fd00::3 udp sport 22 accept"));
        assert!(text.contains("icmpv6 type nd-neighbor-solicit accept"));
        assert!(!text.contains("ct state established accept"));
        assert_eq!(text.matches("counter drop").count(), 3);
    }
}
