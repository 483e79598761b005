//! Table-level nf_tables operations over netlink: apply (atomically replace) the huoyan table,
//! delete it, ask whether it exists, list every table, read the rule counters back.
//!
//! Apply is one batch: `NEWTABLE` (create if missing), `DELTABLE` (drop whatever huoyan table was
//! there, with its chains and rules), `NEWTABLE`, three `NEWCHAIN`s and the `NEWRULE`s. The
//! kernel commits the whole batch or nothing, so there is never a moment with half a ruleset,
//! and an earlier huoyan table is replaced without a gap.

use crate::error::{ContainError, Result};
use crate::expr::{comment_userdata, compile, parse_comment_userdata};
use crate::netlink::{
    kernel_error, MsgBuilder, NfSocket, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP,
    NLM_F_REQUEST,
};
use crate::ruleset::{Hook, Ruleset, PRIORITY, TABLE};

/// `NFPROTO_INET`.
pub const NFPROTO_INET: u8 = 1;

const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_GETTABLE: u16 = 1;
const NFT_MSG_DELTABLE: u16 = 2;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_GETRULE: u16 = 7;

const NFTA_TABLE_NAME: u16 = 1;
const NFTA_TABLE_FLAGS: u16 = 2;
const NFTA_TABLE_USE: u16 = 3;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_EXPRESSIONS: u16 = 4;
const NFTA_RULE_USERDATA: u16 = 7;
const NF_DROP: u32 = 0;

/// One nf_tables table of the current network namespace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableInfo {
    /// `ip`, `ip6`, `inet`, `arp`, `bridge`, `netdev` or the number.
    pub family: String,
    /// Table name (attacker-controlled text: sanitise before printing).
    pub name: String,
    /// How many chains/sets/objects use it.
    pub uses: u32,
}

/// Counters of one rule read back from the kernel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleCounter {
    /// Chain.
    pub chain: String,
    /// Rule comment.
    pub comment: String,
    /// Packets counted.
    pub packets: u64,
    /// Bytes counted.
    pub bytes: u64,
}

fn family_name(f: u8) -> String {
    match f {
        1 => "inet".into(),
        2 => "ip".into(),
        3 => "arp".into(),
        5 => "netdev".into(),
        7 => "bridge".into(),
        10 => "ip6".into(),
        n => n.to_string(),
    }
}

/// Opens the socket and checks that nf_tables answers (a table listing), so that "no nf_tables"
/// and "not root" surface as clear errors before anything is attempted.
pub fn connect() -> Result<NfSocket> {
    let mut sock = NfSocket::open()?;
    probe(&mut sock)?;
    Ok(sock)
}

fn probe(sock: &mut NfSocket) -> Result<()> {
    list_tables_on(sock).map(|_| ()).map_err(|e| match e {
        // A GET for a subsystem the kernel does not have is answered with EINVAL.
        ContainError::Netlink { ref source, .. } if source.raw_os_error() == Some(libc::EINVAL) => {
            ContainError::NftUnavailable {
                detail: "the kernel does not answer nf_tables requests".into(),
            }
        }
        other => other,
    })
}

/// Every table in this network namespace (the "previous state" recorded before applying).
pub fn list_tables() -> Result<Vec<TableInfo>> {
    let mut sock = NfSocket::open()?;
    list_tables_on(&mut sock)
}

fn list_tables_on(sock: &mut NfSocket) -> Result<Vec<TableInfo>> {
    let seq = sock.next_seq();
    let msg = MsgBuilder::nft(NFT_MSG_GETTABLE, NLM_F_REQUEST | NLM_F_DUMP, seq, 0).finish();
    let replies = sock
        .request(msg, seq, "list tables")?
        .map_err(|errno| kernel_error("list tables", errno))?;
    Ok(replies
        .iter()
        .filter(|r| r.nft_msg() == Some(NFT_MSG_NEWTABLE))
        .map(|r| {
            let attrs = r.attrs();
            TableInfo {
                family: family_name(r.family()),
                name: attrs
                    .iter()
                    .find(|a| a.ty == NFTA_TABLE_NAME)
                    .map(|a| a.as_str())
                    .unwrap_or_default(),
                uses: attrs
                    .iter()
                    .find(|a| a.ty == NFTA_TABLE_USE)
                    .and_then(|a| a.as_be32())
                    .unwrap_or(0),
            }
        })
        .collect())
}

/// Whether table `inet huoyan` exists.
pub fn table_exists() -> Result<bool> {
    let mut sock = connect()?;
    let seq = sock.next_seq();
    let mut m = MsgBuilder::nft(
        NFT_MSG_GETTABLE,
        NLM_F_REQUEST | NLM_F_ACK,
        seq,
        NFPROTO_INET,
    );
    m.attr_str(NFTA_TABLE_NAME, TABLE);
    match sock.request(m.finish(), seq, "get table")? {
        Ok(_) => Ok(true),
        Err(errno) if errno == libc::ENOENT => Ok(false),
        Err(errno) => Err(kernel_error("get table", errno)),
    }
}

fn table_msg(sock: &mut NfSocket, msg: u16, flags: u16) -> (u32, String, Vec<u8>) {
    let seq = sock.next_seq();
    let mut m = MsgBuilder::nft(msg, NLM_F_REQUEST | NLM_F_ACK | flags, seq, NFPROTO_INET);
    m.attr_str(NFTA_TABLE_NAME, TABLE);
    if msg == NFT_MSG_NEWTABLE {
        m.attr_be32(NFTA_TABLE_FLAGS, 0);
    }
    let name = if msg == NFT_MSG_NEWTABLE {
        "create table inet huoyan"
    } else {
        "delete table inet huoyan"
    };
    (seq, name.to_string(), m.finish())
}

/// The batch messages that (re)create the table with `ruleset`, without sending them.
pub fn apply_messages(sock: &mut NfSocket, ruleset: &Ruleset) -> Vec<(u32, String, Vec<u8>)> {
    let mut msgs = vec![
        table_msg(sock, NFT_MSG_NEWTABLE, NLM_F_CREATE),
        table_msg(sock, NFT_MSG_DELTABLE, 0),
        table_msg(sock, NFT_MSG_NEWTABLE, NLM_F_CREATE),
    ];
    for hook in Hook::ALL {
        let seq = sock.next_seq();
        let mut m = MsgBuilder::nft(
            NFT_MSG_NEWCHAIN,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE,
            seq,
            NFPROTO_INET,
        );
        m.attr_str(NFTA_CHAIN_TABLE, TABLE)
            .attr_str(NFTA_CHAIN_NAME, hook.name())
            .begin_nest(NFTA_CHAIN_HOOK)
            .attr_be32(NFTA_HOOK_HOOKNUM, hook.number())
            .attr_be32(NFTA_HOOK_PRIORITY, PRIORITY as u32)
            .end_nest()
            .attr_be32(NFTA_CHAIN_POLICY, NF_DROP)
            .attr_str(NFTA_CHAIN_TYPE, "filter");
        msgs.push((seq, format!("create chain {}", hook.name()), m.finish()));
    }
    for (i, rule) in ruleset.rules.iter().enumerate() {
        let seq = sock.next_seq();
        let mut m = MsgBuilder::nft(
            NFT_MSG_NEWRULE,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND,
            seq,
            NFPROTO_INET,
        );
        m.attr_str(NFTA_RULE_TABLE, TABLE)
            .attr_str(NFTA_RULE_CHAIN, rule.hook.name());
        m.begin_nest(NFTA_RULE_EXPRESSIONS);
        for expr in compile(rule) {
            expr.encode(&mut m);
        }
        m.end_nest();
        m.attr(NFTA_RULE_USERDATA, &comment_userdata(&rule.comment));
        msgs.push((
            seq,
            format!(
                "rule {} in chain {}: {}",
                i + 1,
                rule.hook.name(),
                rule.to_nft()
            ),
            m.finish(),
        ));
    }
    msgs
}

/// Replaces table `inet huoyan` with `ruleset` in one atomic batch.
pub fn apply(ruleset: &Ruleset) -> Result<()> {
    let mut sock = connect()?;
    let msgs = apply_messages(&mut sock, ruleset);
    sock.batch(msgs)
}

/// Removes table `inet huoyan` (no error when it is already gone).
pub fn delete_table() -> Result<()> {
    let mut sock = connect()?;
    let msgs = vec![
        table_msg(&mut sock, NFT_MSG_NEWTABLE, NLM_F_CREATE),
        table_msg(&mut sock, NFT_MSG_DELTABLE, 0),
    ];
    sock.batch(msgs)
}

/// The counters of every rule of table `inet huoyan` that has one (what the containment has
/// dropped so far).
pub fn counters() -> Result<Vec<RuleCounter>> {
    let mut sock = connect()?;
    let seq = sock.next_seq();
    let mut m = MsgBuilder::nft(
        NFT_MSG_GETRULE,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        NFPROTO_INET,
    );
    m.attr_str(NFTA_RULE_TABLE, TABLE);
    let replies = match sock.request(m.finish(), seq, "list rules")? {
        Ok(r) => r,
        Err(errno) if errno == libc::ENOENT => return Ok(Vec::new()),
        Err(errno) => return Err(kernel_error("list rules", errno)),
    };
    let mut out = Vec::new();
    for reply in replies
        .iter()
        .filter(|r| r.nft_msg() == Some(NFT_MSG_NEWRULE))
    {
        let attrs = reply.attrs();
        let text = |ty| {
            attrs
                .iter()
                .find(|a| a.ty == ty)
                .map(|a| a.as_str())
                .unwrap_or_default()
        };
        if text(NFTA_RULE_TABLE) != TABLE {
            continue;
        }
        let comment = attrs
            .iter()
            .find(|a| a.ty == NFTA_RULE_USERDATA)
            .and_then(|a| parse_comment_userdata(a.data))
            .unwrap_or_default();
        let Some(exprs) = attrs.iter().find(|a| a.ty == NFTA_RULE_EXPRESSIONS) else {
            continue;
        };
        for elem in exprs.nested() {
            let parts = elem.nested();
            let is_counter = parts.iter().any(|a| a.ty == 1 && a.as_str() == "counter");
            let Some(data) = parts.iter().find(|a| a.ty == 2) else {
                continue;
            };
            if !is_counter {
                continue;
            }
            let values = data.nested();
            let get = |ty| {
                values
                    .iter()
                    .find(|a| a.ty == ty)
                    .and_then(|a| a.as_be64())
                    .unwrap_or(0)
            };
            out.push(RuleCounter {
                chain: text(NFTA_RULE_CHAIN),
                comment: comment.clone(),
                bytes: get(1),
                packets: get(2),
            });
        }
    }
    Ok(out)
}
