//! systemd journal files (`/var/log/journal/<machine-id>/*.journal`, `/run/log/journal/…`),
//! read natively.
//!
//! Debian 12 keeps no auth.log by default: sshd's failures and logins, sudo and su are only in
//! the journal. huoyan reads the binary files itself (never `journalctl`, which may be replaced),
//! from a live host or an image.
//!
//! Format (systemd's `journal-def.h`): a 272-byte header (`LPKSHHRH`, flags, arena size, the
//! first entry array); objects 8-byte aligned, each with a 16-byte header (type, flags, size).
//! Entry arrays chain the offsets of ENTRY objects; an entry holds its sequence number, realtime
//! and monotonic clocks, boot id and references to DATA objects whose payload is `FIELD=value`,
//! optionally compressed (XZ, LZ4 or zstd per the object flags). "Compact" files (systemd ≥ 252)
//! use 32-bit offsets in entries and arrays. Every offset is bounds-checked; a file cut short or
//! with a broken chain gives an error or a recorded problem, never a panic, and decompressed
//! fields are capped.

use std::io::Read;

use huoyan_core::Timestamp;
use serde::Serialize;

use crate::ParseError;

/// Size of the header huoyan needs (systemd's has grown to 272 bytes).
pub const MIN_HEADER: usize = 208;
/// Largest decompressed field kept (bigger ones are cut).
pub const MAX_FIELD: usize = 1 << 20;
/// Most bytes decompressed from one journal file; past it the rest of the file is not read.
pub const MAX_INFLATED_PER_FILE: u64 = 256 << 20;
/// Most field bytes delivered from one journal file (cached fields count each time they are
/// delivered: a million entries sharing one 1 MiB MESSAGE must not cost a terabyte).
pub const MAX_DELIVERED_PER_FILE: u64 = 2 << 30;
/// Most bytes decompressed from every journal file of one run together.
pub const MAX_INFLATED_PER_RUN: u64 = 1 << 30;
/// Most bytes of decompressed fields kept in the per-file cache.
const CACHE_BYTES: usize = 64 << 20;

/// Bytes still allowed to be decompressed by this process (all journal files together).
static RUN_INFLATE_LEFT: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(MAX_INFLATED_PER_RUN);

/// The reading budgets of one file (the defaults are the constants above; tests lower them).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// See [`MAX_INFLATED_PER_FILE`].
    pub inflated_per_file: u64,
    /// See [`MAX_DELIVERED_PER_FILE`].
    pub delivered_per_file: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            inflated_per_file: MAX_INFLATED_PER_FILE,
            delivered_per_file: MAX_DELIVERED_PER_FILE,
        }
    }
}
/// Most entries read from one file.
pub const MAX_ENTRIES: u64 = 50_000_000;

const SIGNATURE: &[u8; 8] = b"LPKSHHRH";
const INCOMPAT_COMPACT: u32 = 16;
const OBJ_DATA: u8 = 1;
const OBJ_ENTRY: u8 = 3;
const OBJ_ENTRY_ARRAY: u8 = 6;

/// Random access to the bytes of a journal file (a slice, or a file read with `pread`).
pub trait ReadAt {
    /// Fills `buf` from `offset`; false when the range is not there.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> bool;
    /// Total length.
    fn len(&self) -> u64;
    /// True when empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> bool {
        let Ok(start) = usize::try_from(offset) else {
            return false;
        };
        match self.get(start..start.saturating_add(buf.len())) {
            Some(src) if src.len() == buf.len() => {
                buf.copy_from_slice(src);
                true
            }
            _ => false,
        }
    }
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
}

impl ReadAt for std::fs::File {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> bool {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, offset).is_ok()
    }
    fn len(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
}

/// The header fields a responder looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalHeader {
    /// 0 offline (closed cleanly), 1 online (being written or not closed), 2 archived.
    pub state: u8,
    /// Incompatible flags (compression kinds, keyed hash, compact).
    pub incompatible_flags: u32,
    /// Header size.
    pub header_size: u64,
    /// Bytes of objects after the header.
    pub arena_size: u64,
    /// Entries the header claims.
    pub n_entries: u64,
    /// First and last sequence numbers the header claims.
    pub head_seqnum: u64,
    /// Last sequence number.
    pub tail_seqnum: u64,
    /// First and last realtime (UTC).
    pub head_realtime: Option<Timestamp>,
    /// Last realtime.
    pub tail_realtime: Option<Timestamp>,
    /// Offset of the first entry array.
    pub entry_array_offset: u64,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// Offset of the ENTRY object.
    pub offset: u64,
    /// Sequence number.
    pub seqnum: u64,
    /// Wall-clock time (UTC).
    pub realtime: Option<Timestamp>,
    /// Monotonic time (µs since boot).
    pub monotonic: u64,
    /// Boot id.
    pub boot_id: [u8; 16],
    /// `FIELD=value` pairs.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl JournalEntry {
    /// The value of a field as text (lossy), if present.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| huoyan_core::text::bytes_to_string(v))
    }
}

/// Something wrong found while reading (tampering or corruption).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalProblem {
    /// Where (byte offset).
    pub offset: u64,
    /// What.
    pub what: String,
}

/// The outcome of reading one file.
#[derive(Debug, Clone, Serialize)]
pub struct JournalSummary {
    /// The header.
    pub header: JournalHeader,
    /// Entries delivered.
    pub entries: u64,
    /// Problems met (broken objects, sequence numbers going back, missing entries).
    pub problems: Vec<JournalProblem>,
    /// Set when a budget stopped the reading: what was left out (a gap for the caller).
    pub cut: Option<String>,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn realtime(us: u64) -> Option<Timestamp> {
    (us != 0 && us != u64::MAX)
        .then(|| huoyan_core::time::from_unix_micros(i64::try_from(us).ok()?))
        .flatten()
}

/// Parses the header; an error when the file is not a journal or is shorter than its header
/// says (a truncated copy).
pub fn parse_header<S: ReadAt + ?Sized>(src: &S) -> Result<JournalHeader, ParseError> {
    let mut h = [0u8; MIN_HEADER];
    if !src.read_at(0, &mut h) {
        return Err(ParseError::Truncated {
            what: "journal header",
            need: MIN_HEADER,
            have: src.len() as usize,
        });
    }
    if &h[..8] != SIGNATURE {
        return Err(ParseError::malformed("journal header", "bad signature"));
    }
    let header = JournalHeader {
        state: h[16],
        incompatible_flags: u32_at(&h, 12),
        header_size: u64_at(&h, 88),
        arena_size: u64_at(&h, 96),
        n_entries: u64_at(&h, 152),
        tail_seqnum: u64_at(&h, 160),
        head_seqnum: u64_at(&h, 168),
        entry_array_offset: u64_at(&h, 176),
        head_realtime: realtime(u64_at(&h, 184)),
        tail_realtime: realtime(u64_at(&h, 192)),
    };
    let end = header.header_size.saturating_add(header.arena_size);
    if header.header_size < MIN_HEADER as u64 || end > src.len() {
        return Err(ParseError::Truncated {
            what: "journal file",
            need: usize::try_from(end).unwrap_or(usize::MAX),
            have: src.len() as usize,
        });
    }
    Ok(header)
}

struct Reader<'s, S: ReadAt + ?Sized> {
    src: &'s S,
    end: u64,
    compact: bool,
    problems: Vec<JournalProblem>,
    limits: Limits,
    /// Decompressed DATA objects by offset (`None`: unreadable), bounded by [`CACHE_BYTES`].
    cache: std::collections::HashMap<u64, Option<(String, Vec<u8>)>>,
    cache_bytes: usize,
    inflated: u64,
    delivered: u64,
    /// Why reading stopped early, when it did.
    cut: Option<String>,
}

impl<S: ReadAt + ?Sized> Reader<'_, S> {
    /// Reads a whole object of the expected type (header + body), bounds-checked.
    fn object(&mut self, offset: u64, want: u8) -> Option<Vec<u8>> {
        let mut head = [0u8; 16];
        if !offset.is_multiple_of(8)
            || offset.saturating_add(16) > self.end
            || !self.src.read_at(offset, &mut head)
        {
            self.problem(
                offset,
                format!("object out of bounds or misaligned (type {want})"),
            );
            return None;
        }
        let size = u64_at(&head, 8);
        if head[0] != want || size < 16 || offset.saturating_add(size) > self.end || size > 1 << 28
        {
            self.problem(
                offset,
                format!(
                    "bad object: type {} size {size}, expected type {want}",
                    head[0]
                ),
            );
            return None;
        }
        let mut buf = vec![0u8; size as usize];
        if !self.src.read_at(offset, &mut buf) {
            self.problem(offset, "object cut short".into());
            return None;
        }
        Some(buf)
    }

    fn problem(&mut self, offset: u64, what: String) {
        if self.problems.len() < 1000 {
            self.problems.push(JournalProblem { offset, what });
        }
    }

    fn data(&mut self, offset: u64) -> Option<(String, Vec<u8>)> {
        let field = match self.cache.get(&offset) {
            Some(hit) => hit.clone(),
            None => {
                let (field, compressed) = self.read_data(offset);
                let size = field.as_ref().map_or(0, |(k, v)| k.len() + v.len());
                if compressed && self.cache_bytes + size <= CACHE_BYTES {
                    self.cache_bytes += size;
                    self.cache.insert(offset, field.clone());
                }
                field
            }
        };
        if let Some((k, v)) = &field {
            self.delivered = self.delivered.saturating_add((k.len() + v.len()) as u64);
            if self.delivered > self.limits.delivered_per_file && self.cut.is_none() {
                self.cut = Some(format!(
                    "more than {} bytes of journal fields in one file; entries after offset \
                     {offset} not read",
                    self.limits.delivered_per_file
                ));
            }
        }
        field
    }

    /// Reads and decompresses one DATA object; the flag says whether it was compressed.
    fn read_data(&mut self, offset: u64) -> (Option<(String, Vec<u8>)>, bool) {
        let Some(obj) = self.object(offset, OBJ_DATA) else {
            return (None, false);
        };
        let payload_at = if self.compact { 72 } else { 64 };
        let Some(payload) = obj.get(payload_at..) else {
            return (None, false);
        };
        let flags = obj[1];
        let compressed = flags & 7 != 0;
        if compressed {
            use std::sync::atomic::Ordering;
            // Charge the worst case before inflating: a field never exceeds MAX_FIELD.
            let charge = MAX_FIELD as u64;
            if self.inflated.saturating_add(charge) > self.limits.inflated_per_file {
                self.cut.get_or_insert_with(|| {
                    format!(
                        "decompression budget of {} bytes for one journal file reached; entries \
                         after offset {offset} not read",
                        self.limits.inflated_per_file
                    )
                });
                return (None, false);
            }
            let run_ok = RUN_INFLATE_LEFT
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    left.checked_sub(charge)
                })
                .is_ok();
            if !run_ok {
                self.cut.get_or_insert_with(|| {
                    format!(
                        "decompression budget of {MAX_INFLATED_PER_RUN} bytes for all journal \
                         files of this run reached; entries after offset {offset} not read"
                    )
                });
                return (None, false);
            }
            self.inflated += charge;
        }
        let raw = match decompress(flags, payload) {
            Ok(v) => v,
            Err(e) => {
                self.problem(offset, format!("data payload: {e}"));
                return (None, compressed);
            }
        };
        if compressed {
            // Give back what the worst-case charge did not use.
            let unused = (MAX_FIELD as u64).saturating_sub(raw.len() as u64);
            self.inflated = self.inflated.saturating_sub(unused);
            RUN_INFLATE_LEFT.fetch_add(unused, std::sync::atomic::Ordering::Relaxed);
        }
        let Some(eq) = memchr::memchr(b'=', &raw) else {
            return (None, compressed);
        };
        let name = String::from_utf8_lossy(&raw[..eq]).into_owned();
        (Some((name, raw[eq + 1..].to_vec())), compressed)
    }

    fn entry(&mut self, offset: u64) -> Option<JournalEntry> {
        let obj = self.object(offset, OBJ_ENTRY)?;
        if obj.len() < 64 {
            self.problem(offset, "entry too small".into());
            return None;
        }
        let mut boot_id = [0u8; 16];
        boot_id.copy_from_slice(&obj[40..56]);
        let item = if self.compact { 4 } else { 16 };
        let mut fields = Vec::new();
        for chunk in obj[64..].chunks_exact(item) {
            let at = if self.compact {
                u64::from(u32_at(chunk, 0))
            } else {
                u64_at(chunk, 0)
            };
            if let Some(f) = self.data(at) {
                fields.push(f);
            }
            if self.cut.is_some() {
                return None;
            }
        }
        Some(JournalEntry {
            offset,
            seqnum: u64_at(&obj, 16),
            realtime: realtime(u64_at(&obj, 24)),
            monotonic: u64_at(&obj, 32),
            boot_id,
            fields,
        })
    }
}

/// Decompresses a DATA payload according to the object flags (1 XZ, 2 LZ4, 4 zstd).
pub fn decompress(flags: u8, payload: &[u8]) -> Result<Vec<u8>, String> {
    match flags & 7 {
        0 => Ok(payload[..payload.len().min(MAX_FIELD)].to_vec()),
        2 => {
            if payload.len() < 8 {
                return Err("lz4 payload too short".into());
            }
            let size = usize::try_from(u64_at(payload, 0)).map_err(|e| e.to_string())?;
            if size > MAX_FIELD {
                return Err(format!("lz4 field of {size} bytes exceeds the cap"));
            }
            lz4_flex::block::decompress(&payload[8..], size).map_err(|e| e.to_string())
        }
        4 => {
            let mut dec =
                ruzstd::decoding::StreamingDecoder::new(payload).map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            (&mut dec)
                .take(MAX_FIELD as u64)
                .read_to_end(&mut out)
                .map_err(|e| e.to_string())?;
            Ok(out)
        }
        1 => {
            let mut out = CappedWriter(Vec::new());
            let mut input = payload;
            lzma_rs::xz_decompress(&mut input, &mut out).map_err(|e| format!("{e:?}"))?;
            Ok(out.0)
        }
        other => Err(format!("unknown compression flags {other}")),
    }
}

struct CappedWriter(Vec<u8>);

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_FIELD {
            return Err(std::io::Error::other("xz field exceeds the cap"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads every entry in file order (following the entry-array chain), calling `visit` for each.
/// Returns the header and the problems found (sequence numbers going back, broken objects,
/// fewer entries than the header claims). Errors only when the file is not a readable journal.
pub fn read_entries<S: ReadAt + ?Sized>(
    src: &S,
    visit: &mut dyn FnMut(JournalEntry),
) -> Result<JournalSummary, ParseError> {
    read_entries_with(src, Limits::default(), visit)
}

/// [`read_entries`] with explicit budgets. Entries are delivered once each: an entry array
/// that points back to an entry already read (offsets in a journal's entry arrays only grow)
/// is a problem, not a second delivery. When a budget is reached, reading stops and
/// [`JournalSummary::cut`] says what was left out.
pub fn read_entries_with<S: ReadAt + ?Sized>(
    src: &S,
    limits: Limits,
    visit: &mut dyn FnMut(JournalEntry),
) -> Result<JournalSummary, ParseError> {
    let header = parse_header(src)?;
    let mut r = Reader {
        src,
        end: header.header_size.saturating_add(header.arena_size),
        compact: header.incompatible_flags & INCOMPAT_COMPACT != 0,
        problems: Vec::new(),
        limits,
        cache: std::collections::HashMap::new(),
        cache_bytes: 0,
        inflated: 0,
        delivered: 0,
        cut: None,
    };
    let mut last_entry = 0u64;
    let mut repeated = 0u64;
    let mut array_at = header.entry_array_offset;
    let mut delivered = 0u64;
    let mut last_seq: Option<u64> = None;
    let mut arrays = 0u64;
    while array_at != 0 && delivered < MAX_ENTRIES {
        arrays += 1;
        if arrays > 1_000_000 {
            r.problem(array_at, "entry array chain too long (loop?)".into());
            break;
        }
        let Some(arr) = r.object(array_at, OBJ_ENTRY_ARRAY) else {
            break;
        };
        if arr.len() < 24 {
            break;
        }
        let next = u64_at(&arr, 16);
        let item = if r.compact { 4 } else { 8 };
        for chunk in arr[24..].chunks_exact(item) {
            let at = if r.compact {
                u64::from(u32_at(chunk, 0))
            } else {
                u64_at(chunk, 0)
            };
            if at == 0 {
                break;
            }
            if at <= last_entry {
                repeated += 1;
                if repeated <= 10 {
                    r.problem(
                        at,
                        format!("entry array points back to offset {at} (after {last_entry})"),
                    );
                }
                continue;
            }
            last_entry = at;
            let e = r.entry(at);
            if r.cut.is_some() {
                break;
            }
            let Some(e) = e else { continue };
            if let Some(prev) = last_seq {
                if e.seqnum <= prev {
                    r.problem(at, format!("sequence number {} after {prev}", e.seqnum));
                } else if e.seqnum > prev + 1 {
                    r.problem(
                        at,
                        format!("sequence numbers {}..{} missing", prev + 1, e.seqnum - 1),
                    );
                }
            }
            last_seq = Some(e.seqnum);
            delivered += 1;
            visit(e);
        }
        if r.cut.is_some() {
            break;
        }
        if next != 0 && next <= array_at {
            r.problem(next, "entry array chain points backwards".into());
            break;
        }
        array_at = next;
    }
    if repeated > 10 {
        r.problem(
            0,
            format!("{repeated} entry array references point back to entries already read"),
        );
    }
    if delivered < header.n_entries && r.cut.is_none() {
        let missing = header.n_entries - delivered;
        r.problem(
            0,
            format!(
                "header claims {} entries, {delivered} readable ({missing} missing)",
                header.n_entries
            ),
        );
    }
    Ok(JournalSummary {
        header,
        entries: delivered,
        problems: r.problems,
        cut: r.cut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_truncation() {
        assert!(read_entries(&b""[..], &mut |_| {}).is_err());
        assert!(read_entries(&[0u8; 300][..], &mut |_| {}).is_err());
        let mut h = vec![0u8; 272];
        h[..8].copy_from_slice(SIGNATURE);
        h[88..96].copy_from_slice(&272u64.to_le_bytes());
        h[96..104].copy_from_slice(&4096u64.to_le_bytes());
        assert!(matches!(
            read_entries(&h[..], &mut |_| {}),
            Err(ParseError::Truncated { .. })
        ));
    }

    #[test]
    fn bogus_offsets_are_problems_not_panics() {
        let mut f = vec![0u8; 272 + 64];
        f[..8].copy_from_slice(SIGNATURE);
        f[88..96].copy_from_slice(&272u64.to_le_bytes());
        f[96..104].copy_from_slice(&64u64.to_le_bytes());
        f[176..184].copy_from_slice(&272u64.to_le_bytes());
        // An entry array pointing at an entry far outside the file.
        f[272] = OBJ_ENTRY_ARRAY;
        f[280..288].copy_from_slice(&40u64.to_le_bytes());
        f[296..304].copy_from_slice(&0xFFFF_FFF8u64.to_le_bytes());
        let s = read_entries(&f[..], &mut |_| {}).expect("header ok");
        assert_eq!(s.entries, 0);
        assert!(!s.problems.is_empty());
    }

    /// A journal of `datas` LZ4-compressed MESSAGE objects of `field` bytes each, `entries`
    /// entries (entry i refers to data i % datas) and one entry array listing `refs` (indices
    /// of entries, repeats allowed).
    fn crafted(datas: usize, field: usize, entries: usize, refs: &[usize]) -> Vec<u8> {
        fn pad(f: &mut Vec<u8>) {
            while !f.len().is_multiple_of(8) {
                f.push(0);
            }
        }
        let mut f = vec![0u8; 272];
        f[..8].copy_from_slice(SIGNATURE);
        f[88..96].copy_from_slice(&272u64.to_le_bytes());
        let mut data_at = Vec::new();
        for d in 0..datas {
            let mut raw = b"MESSAGE=".to_vec();
            raw.resize(field, b'A' + (d % 26) as u8);
            let mut payload = (raw.len() as u64).to_le_bytes().to_vec();
            payload.extend(lz4_flex::block::compress(&raw));
            let at = f.len();
            data_at.push(at as u64);
            f.extend([OBJ_DATA, 2, 0, 0, 0, 0, 0, 0]);
            f.extend(((64 + payload.len()) as u64).to_le_bytes());
            f.resize(at + 64, 0);
            f.extend(payload);
            pad(&mut f);
        }
        let mut entry_at = Vec::new();
        for e in 0..entries {
            let at = f.len();
            entry_at.push(at as u64);
            f.extend([OBJ_ENTRY, 0, 0, 0, 0, 0, 0, 0]);
            f.extend(80u64.to_le_bytes());
            f.extend((e as u64 + 1).to_le_bytes()); // seqnum
            f.extend(1_764_288_000_000_000u64.to_le_bytes());
            f.resize(at + 64, 0);
            f.extend(data_at[e % datas].to_le_bytes());
            f.extend(0u64.to_le_bytes());
        }
        let arr = f.len();
        f.extend([OBJ_ENTRY_ARRAY, 0, 0, 0, 0, 0, 0, 0]);
        f.extend(((24 + 8 * refs.len()) as u64).to_le_bytes());
        f.extend(0u64.to_le_bytes());
        for &r in refs {
            f.extend(entry_at[r].to_le_bytes());
        }
        let arena = (f.len() - 272) as u64;
        f[96..104].copy_from_slice(&arena.to_le_bytes());
        f[152..160].copy_from_slice(&(entries as u64).to_le_bytes());
        f[176..184].copy_from_slice(&(arr as u64).to_le_bytes());
        f
    }

    /// Issue 23 item 1: an entry array holding many references to one entry whose compressed
    /// MESSAGE inflates to 1 MiB re-inflated it per reference (tens of minutes). Each entry is
    /// now delivered once and the repeats are a problem.
    #[test]
    fn repeated_references_to_one_entry_inflate_once() {
        let f = crafted(1, MAX_FIELD, 1, &vec![0; 200_000]);
        let started = std::time::Instant::now();
        let mut n = 0;
        let s = read_entries(&f[..], &mut |e| {
            n += 1;
            assert_eq!(e.field("MESSAGE").map(|m| m.len()), Some(MAX_FIELD - 8));
        })
        .expect("readable");
        assert_eq!(n, 1);
        assert!(s.cut.is_none());
        assert!(
            s.problems
                .iter()
                .any(|p| p.what.contains("199999 entry array references")),
            "{:?}",
            s.problems
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    /// Issue 23 item 1: many entries sharing one compressed DATA object inflate it once (cache by
    /// offset), and the bytes delivered and inflated per file are capped with a stated cut.
    #[test]
    fn shared_data_is_cached_and_budgets_cut_with_a_reason() {
        let refs: Vec<usize> = (0..40).collect();
        let f = crafted(1, 64 << 10, 40, &refs);
        let mut n = 0;
        let s = read_entries(&f[..], &mut |_| n += 1).expect("readable");
        assert_eq!((n, s.cut.as_deref()), (40, None));
        // Delivered bytes: 40 × 64 KiB > 1 MiB.
        let limits = Limits {
            delivered_per_file: 1 << 20,
            ..Limits::default()
        };
        let mut n = 0;
        let s = read_entries_with(&f[..], limits, &mut |_| n += 1).expect("readable");
        assert!(n < 40, "{n}");
        assert!(
            s.cut.as_deref().is_some_and(|c| c.contains("not read")),
            "{s:?}"
        );
        // Inflated bytes: three distinct 1 MiB fields against a 2 MiB budget.
        let f = crafted(3, MAX_FIELD, 3, &[0, 1, 2]);
        let limits = Limits {
            inflated_per_file: 2 << 20,
            ..Limits::default()
        };
        let mut n = 0;
        let s = read_entries_with(&f[..], limits, &mut |_| n += 1).expect("readable");
        assert!(n < 3, "{n}");
        assert!(
            s.cut
                .as_deref()
                .is_some_and(|c| c.contains("decompression budget")),
            "{s:?}"
        );
    }

    #[test]
    fn decompression_is_capped() {
        assert!(decompress(2, &[1, 2]).is_err());
        let mut lz = (u64::MAX).to_le_bytes().to_vec();
        lz.push(0);
        assert!(decompress(2, &lz).is_err());
        assert!(decompress(4, b"not zstd").is_err());
        assert!(decompress(1, b"not xz").is_err());
    }

    #[test]
    fn lz4_and_xz_payloads_round_trip() {
        let field =
            b"MESSAGE=Accepted publickey for root from 198.51.100.7 port 22 ssh2".repeat(20);
        let mut lz = (field.len() as u64).to_le_bytes().to_vec();
        lz.extend_from_slice(&lz4_flex::block::compress(&field));
        assert_eq!(decompress(2, &lz).expect("lz4"), field);
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &field[..], &mut xz).expect("xz");
        assert_eq!(decompress(1, &xz).expect("xz"), field);
    }
}
