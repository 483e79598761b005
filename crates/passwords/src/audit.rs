//! The audit: every testable account against its candidates, in parallel, within a time budget.
//!
//! Work is interleaved by rank (every account's first candidate, then every account's second …)
//! and run in small parallel blocks, so when the budget runs out each account has been tested
//! against a prefix of its list and the report can say exactly which accounts were not fully
//! tested. A found account stops being tested.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use huoyan_artifacts::users::UserDb;
use rayon::prelude::*;
use serde::Serialize;

use crate::candidates::{self, Candidate, Origin, Wordlist};
use crate::scheme::{classify, HashState, Scheme, Target};

/// Default budget for a triage.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(20);

/// One account whose password field is examined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Login name.
    pub name: String,
    /// The hash field.
    #[serde(skip)]
    pub hash: String,
    /// Where the hash is: `/etc/shadow`, or `/etc/passwd` when it was left there.
    pub file: &'static str,
    /// Line in that file.
    pub line: usize,
    /// GECOS field from /etc/passwd (empty when unknown).
    pub gecos: String,
}

/// The accounts of a user database: shadow entries, plus passwd entries that hold a hash
/// themselves instead of `x`. NIS compat lines (`+`/`-`) are left out.
pub fn accounts_of(db: &UserDb) -> Vec<Account> {
    let gecos = |name: &str| db.user(name).map(|p| p.gecos.clone()).unwrap_or_default();
    let mut out: Vec<Account> = db
        .shadow
        .iter()
        .filter(|s| !s.name.starts_with(['+', '-']))
        .map(|s| Account {
            name: s.name.clone(),
            hash: s.hash.clone(),
            file: "/etc/shadow",
            line: s.line,
            gecos: gecos(&s.name),
        })
        .collect();
    for p in &db.passwd {
        if p.password == "x" || p.password.is_empty() || p.name.starts_with(['+', '-']) {
            continue;
        }
        if matches!(classify(&p.password), HashState::Hash(_)) {
            out.push(Account {
                name: p.name.clone(),
                hash: p.password.clone(),
                file: "/etc/passwd",
                line: p.line,
                gecos: p.gecos.clone(),
            });
        }
    }
    out
}

/// What to test and for how long.
#[derive(Debug, Clone)]
pub struct Config {
    /// Budget for the whole audit.
    pub time_limit: Duration,
    /// Host name for derived candidates.
    pub hostname: Option<String>,
    /// The responder's wordlists, tried after the built-in list.
    pub wordlists: Vec<Wordlist>,
    /// Include the built-in list (tests turn it off to time the derived words alone).
    pub builtin: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            time_limit: DEFAULT_TIME_LIMIT,
            hostname: None,
            wordlists: Vec::new(),
            builtin: true,
        }
    }
}

/// A weak password found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The account.
    pub account: String,
    /// File and line of its hash.
    pub file: &'static str,
    /// Line.
    pub line: usize,
    /// Scheme of the hash.
    pub scheme: Scheme,
    /// Where the candidate comes from.
    pub origin: Origin,
    /// The cleartext. Never serialised: only `huoyan passwords --reveal` prints it.
    #[serde(skip)]
    pub password: String,
}

/// Why an account was not (fully) tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotTestedWhy {
    /// The budget ran out after `tested` of `total` candidates.
    TimeLimit {
        /// Candidates tried.
        tested: usize,
        /// Candidates it had.
        total: usize,
    },
    /// The scheme, format or cost rules testing out.
    Untestable(String),
}

/// An account that was not fully tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotTested {
    /// The account.
    pub account: String,
    /// Its scheme.
    pub scheme: Scheme,
    /// Why.
    pub why: NotTestedWhy,
}

/// Accounts sharing one hash string (the same password set by copying the hash, or one salt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reuse {
    /// Scheme of the shared hash.
    pub scheme: Scheme,
    /// The accounts, in file order.
    pub accounts: Vec<String>,
}

/// The result of an audit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Weak passwords found, in account order.
    pub hits: Vec<Hit>,
    /// Accounts not fully tested.
    pub not_tested: Vec<NotTested>,
    /// Accounts whose password login is locked (never tested).
    pub locked: Vec<String>,
    /// Accounts with an empty hash field (no password needed; never tested).
    pub empty: Vec<String>,
    /// Identical hashes on several accounts.
    pub reused: Vec<Reuse>,
    /// Accounts tested (fully or partly).
    pub tested_accounts: usize,
    /// Candidate attempts made.
    pub attempts: usize,
    /// Wall time spent hashing.
    pub elapsed_ms: u128,
}

struct Job<'a> {
    account: &'a Account,
    target: Target,
    own: Vec<Candidate>,
    own_set: HashSet<String>,
    found: AtomicBool,
    tested: AtomicUsize,
}

impl Job<'_> {
    fn total(&self, shared: usize) -> usize {
        self.own.len() + shared
    }
}

/// Runs the audit over `accounts`.
pub fn audit(accounts: &[Account], config: &Config) -> Report {
    let start = Instant::now();
    let deadline = start + config.time_limit;
    let mut report = Report::default();

    // Reused hashes: the same usable hash string on several accounts.
    let mut by_hash: BTreeMap<&str, Vec<&Account>> = BTreeMap::new();
    for a in accounts {
        if let HashState::Hash(_) = classify(&a.hash) {
            by_hash.entry(a.hash.as_str()).or_default().push(a);
        }
    }
    for (hash, accs) in &by_hash {
        let mut names: Vec<String> = Vec::new();
        for a in accs {
            if !names.contains(&a.name) {
                names.push(a.name.clone());
            }
        }
        if names.len() > 1 {
            if let HashState::Hash(scheme) = classify(hash) {
                report.reused.push(Reuse {
                    scheme,
                    accounts: names,
                });
            }
        }
    }

    // Shared candidates: the empty string, the built-in list, then the wordlists.
    let mut shared: Vec<Candidate> = vec![Candidate {
        password: String::new(),
        origin: Origin::Empty,
    }];
    let mut seen: HashSet<String> = HashSet::from([String::new()]);
    if config.builtin {
        for c in candidates::builtin() {
            if seen.insert(c.password.clone()) {
                shared.push(c);
            }
        }
    }
    for list in &config.wordlists {
        for (i, w) in list.words.iter().enumerate() {
            if seen.insert(w.clone()) {
                shared.push(Candidate {
                    password: w.clone(),
                    origin: Origin::Wordlist {
                        name: list.name.clone(),
                        rank: i + 1,
                    },
                });
            }
        }
    }
    drop(seen);

    let mut jobs: Vec<Job> = Vec::new();
    for a in accounts {
        match classify(&a.hash) {
            HashState::Empty => report.empty.push(a.name.clone()),
            HashState::Locked => report.locked.push(a.name.clone()),
            HashState::Hash(scheme) => match Target::prepare(scheme, &a.hash) {
                Ok(target) => {
                    // Derived words first (few, and likeliest); the empty string and the shared
                    // list follow.
                    let own: Vec<Candidate> =
                        candidates::derived(&a.name, config.hostname.as_deref(), &a.gecos)
                            .into_iter()
                            .filter(|c| !c.password.is_empty())
                            .collect();
                    let own_set = own.iter().map(|c| c.password.clone()).collect();
                    jobs.push(Job {
                        account: a,
                        target,
                        own,
                        own_set,
                        found: AtomicBool::new(false),
                        tested: AtomicUsize::new(0),
                    });
                }
                Err(e) => report.not_tested.push(NotTested {
                    account: a.name.clone(),
                    scheme,
                    why: NotTestedWhy::Untestable(e.to_string()),
                }),
            },
        }
    }
    report.tested_accounts = jobs.len();

    let hits: Mutex<Vec<(usize, usize, Candidate)>> = Mutex::new(Vec::new());
    let attempts = AtomicUsize::new(0);
    let n = jobs.len();
    let longest = jobs
        .iter()
        .map(|j| j.total(shared.len()))
        .max()
        .unwrap_or(0);
    let total_items = longest.saturating_mul(n);
    let block = 16 * rayon::current_num_threads().max(1) * n.max(1);
    let mut next = 0usize;
    while next < total_items && Instant::now() < deadline {
        let end = next.saturating_add(block).min(total_items);
        (next..end).into_par_iter().for_each(|item| {
            let (rank, ji) = (item / n, item % n);
            let job = &jobs[ji];
            if job.found.load(Ordering::Relaxed) || Instant::now() >= deadline {
                return;
            }
            let cand = if rank < job.own.len() {
                &job.own[rank]
            } else if let Some(c) = shared.get(rank - job.own.len()) {
                if job.own_set.contains(&c.password) {
                    job.tested.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                c
            } else {
                return;
            };
            attempts.fetch_add(1, Ordering::Relaxed);
            let matched = job.target.matches(cand.password.as_bytes());
            job.tested.fetch_add(1, Ordering::Relaxed);
            if matched {
                job.found.store(true, Ordering::Relaxed);
                if let Ok(mut h) = hits.lock() {
                    h.push((ji, rank, cand.clone()));
                }
            }
        });
        next = end;
    }

    let mut hits = hits.into_inner().unwrap_or_else(|e| e.into_inner());
    hits.sort_by_key(|(ji, rank, _)| (*ji, *rank));
    hits.dedup_by_key(|(ji, _, _)| *ji);
    for (ji, _, cand) in hits {
        let a = jobs[ji].account;
        report.hits.push(Hit {
            account: a.name.clone(),
            file: a.file,
            line: a.line,
            scheme: jobs[ji].target.scheme(),
            origin: cand.origin,
            password: cand.password,
        });
    }
    for job in &jobs {
        let total = job.total(shared.len());
        let tested = job.tested.load(Ordering::Relaxed).min(total);
        if !job.found.load(Ordering::Relaxed) && tested < total {
            report.not_tested.push(NotTested {
                account: job.account.name.clone(),
                scheme: job.target.scheme(),
                why: NotTestedWhy::TimeLimit { tested, total },
            });
        }
    }
    report.attempts = attempts.load(Ordering::Relaxed);
    report.elapsed_ms = start.elapsed().as_millis();
    report
}
