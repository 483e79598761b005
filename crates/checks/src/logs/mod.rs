//! Checks of the `logs` area: authentication logs, login records and their tampering. They all
//! share one pass over the root's logs ([`huoyan_logs::data_for`]).

use crate::Check;

mod account_changes;
mod bruteforce;
mod bruteforce_success;
mod common;
mod configured_missing;
mod journal_integrity;
mod lastlog_stale;
mod lastlog_unbacked;
mod log_shrunk;
mod log_silence;
mod login_records;
mod mtime_before_content;
mod new_source;
mod root_use;
mod sshd_restart;
mod unlogged_sessions;
mod unrecorded_logins;
mod unusual_hours;
mod wtmp_disorder;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &bruteforce::BruteForce,
    &bruteforce_success::BruteForceSuccess,
    &new_source::NewSource,
    &unusual_hours::UnusualHours,
    &root_use::RootUse,
    &account_changes::AccountChanges,
    &sshd_restart::SshdRestart,
    &log_shrunk::LogShrunk,
    &log_silence::LogSilence,
    &login_records::LoginRecords,
    &lastlog_unbacked::LastlogUnbacked,
    &configured_missing::ConfiguredMissing,
    &journal_integrity::JournalIntegrity,
    &mtime_before_content::MtimeBeforeContent,
    &unlogged_sessions::UnloggedSessions,
    &unrecorded_logins::UnrecordedLogins,
    &lastlog_stale::LastlogStale,
    &wtmp_disorder::WtmpDisorder,
];
