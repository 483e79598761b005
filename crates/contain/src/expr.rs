//! nf_tables expressions: how each [`Match`] of a rule becomes kernel bytecode.
//!
//! The kernel's nf_tables VM has no notion of "ip saddr 10.0.0.0/8"; userspace compiles it into
//! expressions that load into registers and compare. The encodings below follow
//! `include/uapi/linux/netfilter/nf_tables.h` and are the ones `nft --debug=netlink` prints for
//! the same rules, e.g. `ip saddr 10.0.0.0/8 accept` in an inet table:
//!
//! ```text
//! [ meta load nfproto => reg 1 ]            family guard (inet tables see v4 and v6)
//! [ cmp eq reg 1 0x00000002 ]
//! [ payload load 4b @ network header + 12 => reg 1 ]
//! [ bitwise reg 1 = ( reg 1 & 0x000000ff ) ^ 0x00000000 ]
//! [ cmp eq reg 1 0x0000000a ]
//! [ immediate reg 0 accept ]
//! ```

use crate::netlink::MsgBuilder;
use crate::policy::Net;
use crate::ruleset::{Match, Rule, Verdict};

const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_VERDICT_CODE: u16 = 1;

const NFT_REG_VERDICT: u32 = 0;
const NFT_REG_1: u32 = 1;

const NFT_META_IIFNAME: u32 = 6;
const NFT_META_OIFNAME: u32 = 7;
const NFT_META_NFPROTO: u32 = 15;
const NFT_META_L4PROTO: u32 = 16;

const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;

const NFT_CT_STATE: u32 = 0;
const NFT_CT_SRC_IP: u32 = 19;
const NFT_CT_DST_IP: u32 = 20;
const NFT_CT_SRC_IP6: u32 = 21;
const NFT_CT_DST_IP6: u32 = 22;
const IP_CT_DIR_ORIGINAL: u8 = 0;

const NFT_CMP_EQ: u32 = 0;
const NFT_CMP_NEQ: u32 = 1;

const NF_DROP: u32 = 0;
const NF_ACCEPT: u32 = 1;

const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;
const IPPROTO_ICMPV6: u8 = 58;

/// One expression: a name and its attributes (already encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `meta load KEY => reg 1`.
    Meta(u32),
    /// `payload load LEN @ BASE + OFFSET => reg 1`.
    Payload {
        /// Header base.
        base: u32,
        /// Byte offset.
        offset: u32,
        /// Byte count.
        len: u32,
    },
    /// `bitwise reg 1 = (reg 1 & MASK) ^ 0`.
    Mask(Vec<u8>),
    /// `cmp OP reg 1 DATA`.
    Cmp {
        /// Equal (else not equal).
        eq: bool,
        /// Value.
        data: Vec<u8>,
    },
    /// `ct load KEY => reg 1` with an optional direction.
    Ct {
        /// Key.
        key: u32,
        /// Direction for tuple keys.
        dir: Option<u8>,
    },
    /// `counter`.
    Counter,
    /// `immediate reg 0 VERDICT`.
    Verdict(Verdict),
}

fn family_guard(out: &mut Vec<Expr>, v4: bool) {
    out.push(Expr::Meta(NFT_META_NFPROTO));
    out.push(Expr::Cmp {
        eq: true,
        data: vec![if v4 { NFPROTO_IPV4 } else { NFPROTO_IPV6 }],
    });
}

fn compare_net(out: &mut Vec<Expr>, net: &Net) {
    if !net.is_host() {
        out.push(Expr::Mask(net.mask()));
    }
    out.push(Expr::Cmp {
        eq: true,
        data: net.bytes(),
    });
}

fn address(out: &mut Vec<Expr>, net: &Net, source: bool) {
    family_guard(out, net.is_v4());
    let (offset, len) = match (net.is_v4(), source) {
        (true, true) => (12, 4),
        (true, false) => (16, 4),
        (false, true) => (8, 16),
        (false, false) => (24, 16),
    };
    out.push(Expr::Payload {
        base: NFT_PAYLOAD_NETWORK_HEADER,
        offset,
        len,
    });
    compare_net(out, net);
}

fn ifname(name: &str) -> Vec<u8> {
    let mut data = vec![0u8; 16];
    for (d, s) in data.iter_mut().zip(name.bytes()) {
        *d = s;
    }
    data
}

/// Compiles one rule into expressions.
pub fn compile(rule: &Rule) -> Vec<Expr> {
    let mut out = Vec::new();
    for m in &rule.matches {
        match m {
            Match::IifLo | Match::OifLo => {
                out.push(Expr::Meta(if *m == Match::IifLo {
                    NFT_META_IIFNAME
                } else {
                    NFT_META_OIFNAME
                }));
                out.push(Expr::Cmp {
                    eq: true,
                    data: ifname("lo"),
                });
            }
            Match::Saddr(net) => address(&mut out, net, true),
            Match::Daddr(net) => address(&mut out, net, false),
            Match::L4(proto) => {
                out.push(Expr::Meta(NFT_META_L4PROTO));
                out.push(Expr::Cmp {
                    eq: true,
                    data: vec![proto.number()],
                });
            }
            Match::Sport(port) | Match::Dport(port) => {
                out.push(Expr::Payload {
                    base: NFT_PAYLOAD_TRANSPORT_HEADER,
                    offset: if matches!(m, Match::Sport(_)) { 0 } else { 2 },
                    len: 2,
                });
                out.push(Expr::Cmp {
                    eq: true,
                    data: port.to_be_bytes().to_vec(),
                });
            }
            Match::CtState(mask) => {
                out.push(Expr::Ct {
                    key: NFT_CT_STATE,
                    dir: None,
                });
                out.push(Expr::Mask(mask.to_ne_bytes().to_vec()));
                out.push(Expr::Cmp {
                    eq: false,
                    data: vec![0; 4],
                });
            }
            Match::CtOrigSaddr(net) | Match::CtOrigDaddr(net) => {
                let source = matches!(m, Match::CtOrigSaddr(_));
                let key = match (net.is_v4(), source) {
                    (true, true) => NFT_CT_SRC_IP,
                    (true, false) => NFT_CT_DST_IP,
                    (false, true) => NFT_CT_SRC_IP6,
                    (false, false) => NFT_CT_DST_IP6,
                };
                out.push(Expr::Ct {
                    key,
                    dir: Some(IP_CT_DIR_ORIGINAL),
                });
                compare_net(&mut out, net);
            }
            Match::Icmpv6Type(ty) => {
                family_guard(&mut out, false);
                out.push(Expr::Meta(NFT_META_L4PROTO));
                out.push(Expr::Cmp {
                    eq: true,
                    data: vec![IPPROTO_ICMPV6],
                });
                out.push(Expr::Payload {
                    base: NFT_PAYLOAD_TRANSPORT_HEADER,
                    offset: 0,
                    len: 1,
                });
                out.push(Expr::Cmp {
                    eq: true,
                    data: vec![*ty],
                });
            }
        }
    }
    if rule.counter {
        out.push(Expr::Counter);
    }
    out.push(Expr::Verdict(rule.verdict));
    out
}

fn data_value(m: &mut MsgBuilder, ty: u16, value: &[u8]) {
    m.begin_nest(ty).attr(NFTA_DATA_VALUE, value).end_nest();
}

impl Expr {
    fn name(&self) -> &'static str {
        match self {
            Expr::Meta(_) => "meta",
            Expr::Payload { .. } => "payload",
            Expr::Mask(_) => "bitwise",
            Expr::Cmp { .. } => "cmp",
            Expr::Ct { .. } => "ct",
            Expr::Counter => "counter",
            Expr::Verdict(_) => "immediate",
        }
    }

    /// Appends this expression as one `NFTA_LIST_ELEM` to a rule message.
    pub fn encode(&self, m: &mut MsgBuilder) {
        m.begin_nest(NFTA_LIST_ELEM);
        m.attr_str(NFTA_EXPR_NAME, self.name());
        m.begin_nest(NFTA_EXPR_DATA);
        match self {
            Expr::Meta(key) => {
                m.attr_be32(1, NFT_REG_1).attr_be32(2, *key); // DREG, KEY
            }
            Expr::Payload { base, offset, len } => {
                m.attr_be32(1, NFT_REG_1) // DREG
                    .attr_be32(2, *base)
                    .attr_be32(3, *offset)
                    .attr_be32(4, *len);
            }
            Expr::Mask(mask) => {
                let len = u32::try_from(mask.len()).unwrap_or(0);
                m.attr_be32(1, NFT_REG_1)
                    .attr_be32(2, NFT_REG_1)
                    .attr_be32(3, len); // SREG, DREG, LEN
                data_value(m, 4, mask); // MASK
                data_value(m, 5, &vec![0; mask.len()]); // XOR
            }
            Expr::Cmp { eq, data } => {
                m.attr_be32(1, NFT_REG_1)
                    .attr_be32(2, if *eq { NFT_CMP_EQ } else { NFT_CMP_NEQ });
                data_value(m, 3, data);
            }
            Expr::Ct { key, dir } => {
                m.attr_be32(1, NFT_REG_1).attr_be32(2, *key); // DREG, KEY
                if let Some(d) = dir {
                    m.attr(3, &[*d]); // DIRECTION
                }
            }
            Expr::Counter => {
                m.attr_be64(1, 0).attr_be64(2, 0); // BYTES, PACKETS
            }
            Expr::Verdict(v) => {
                m.attr_be32(1, NFT_REG_VERDICT); // DREG
                m.begin_nest(2) // DATA
                    .begin_nest(NFTA_DATA_VERDICT)
                    .attr_be32(
                        NFTA_VERDICT_CODE,
                        match v {
                            Verdict::Accept => NF_ACCEPT,
                            Verdict::Drop => NF_DROP,
                        },
                    )
                    .end_nest()
                    .end_nest();
            }
        }
        m.end_nest();
        m.end_nest();
    }
}

/// The rule comment in libnftnl's user-data layout (TLV type 0 = comment, NUL-terminated), so
/// `nft list ruleset` shows it.
pub fn comment_userdata(comment: &str) -> Vec<u8> {
    let mut text: Vec<u8> = comment
        .bytes()
        .filter(|b| *b >= 0x20 && *b != 0x7f)
        .take(200)
        .collect();
    text.push(0);
    let mut out = vec![0u8, u8::try_from(text.len()).unwrap_or(u8::MAX)];
    out.extend_from_slice(&text);
    out
}

/// Reads a comment back from rule user data.
pub fn parse_comment_userdata(data: &[u8]) -> Option<String> {
    let mut rest = data;
    while rest.len() >= 2 {
        let (ty, len) = (rest[0], usize::from(rest[1]));
        let value = rest.get(2..2 + len)?;
        if ty == 0 {
            let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
            return Some(String::from_utf8_lossy(&value[..end]).into_owned());
        }
        rest = &rest[2 + len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Allowance;
    use crate::ruleset::{Hook, Proto};

    #[test]
    fn prefix_match_compiles_like_nft() {
        let net = Allowance::parse("10.0.0.0/8").unwrap().net;
        let rule = Rule {
            hook: Hook::Input,
            matches: vec![Match::Saddr(net)],
            counter: false,
            verdict: Verdict::Accept,
            comment: String::new(),
        };
        assert_eq!(
            compile(&rule),
            vec![
                Expr::Meta(NFT_META_NFPROTO),
                Expr::Cmp {
                    eq: true,
                    data: vec![2]
                },
                Expr::Payload {
                    base: 1,
                    offset: 12,
                    len: 4
                },
                Expr::Mask(vec![255, 0, 0, 0]),
                Expr::Cmp {
                    eq: true,
                    data: vec![10, 0, 0, 0]
                },
                Expr::Verdict(Verdict::Accept),
            ]
        );
    }

    #[test]
    fn port_and_ct_state() {
        let rule = Rule {
            hook: Hook::Input,
            matches: vec![Match::CtState(6), Match::L4(Proto::Tcp), Match::Dport(22)],
            counter: true,
            verdict: Verdict::Drop,
            comment: String::new(),
        };
        let e = compile(&rule);
        assert_eq!(e[1], Expr::Mask(6u32.to_ne_bytes().to_vec()));
        assert_eq!(
            e[2],
            Expr::Cmp {
                eq: false,
                data: vec![0; 4]
            }
        );
        assert_eq!(
            e[6],
            Expr::Cmp {
                eq: true,
                data: vec![0, 22]
            }
        );
        assert_eq!(e[7], Expr::Counter);
    }

    #[test]
    fn comment_round_trip_and_garbage() {
        let ud = comment_userdata("allow \u{1b}responder");
        assert_eq!(
            parse_comment_userdata(&ud).as_deref(),
            Some("allow responder")
        );
        assert_eq!(parse_comment_userdata(&[0, 50, 1]), None);
        assert_eq!(parse_comment_userdata(&[]), None);
    }
}
