//! `verify`: re-hashes a bundle and reports the first damaged member, or "intact".
//!
//! A bundle may travel through USB sticks, mail and colleagues before it reaches the analyst;
//! `huoyan verify` proves nothing changed. It checks three things: the file against its sidecar
//! `<bundle>.sha256`, every member's content against the SHA-256 in `manifest.jsonl`, and that
//! every compressed frame decodes with a good checksum. Because the writer puts each member in
//! its own frame, a damaged byte is attributed to the member whose frame holds it.

use std::cell::RefCell;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha256};

use crate::error::CollectError;
use crate::manifest::{ManifestEntry, MANIFEST};
use crate::writer::{Format, FrameInfo};

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The member concerned (escaped name), when one can be named.
    pub member: Option<String>,
    /// What is wrong.
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.member {
            Some(m) => write!(f, "member {m}: {}", self.detail),
            None => f.write_str(&self.detail),
        }
    }
}

/// How the file compares with its sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sidecar {
    /// The sidecar's hash equals the file's.
    Match,
    /// It differs (the sidecar's value).
    Mismatch(String),
    /// No `<bundle>.sha256`.
    Missing,
    /// A `<bundle>.sha256` that is there but not a SHA-256 line (or not a regular file): why.
    Unreadable(String),
}

/// The result of a verification.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The bundle.
    pub bundle: PathBuf,
    /// SHA-256 of the bundle file as it is now.
    pub sha256: String,
    /// Members read.
    pub members: usize,
    /// Manifest entries.
    pub manifest_entries: usize,
    /// The first member-level problem.
    pub problem: Option<Problem>,
    /// The sidecar comparison.
    pub sidecar: Sidecar,
}

impl VerifyReport {
    /// True when nothing is wrong (a missing sidecar alone does not make a bundle damaged).
    pub fn intact(&self) -> bool {
        self.problem.is_none() && !matches!(self.sidecar, Sidecar::Mismatch(_))
    }

    /// The first problem as text, member-level problems first.
    pub fn first_problem(&self) -> Option<String> {
        if let Some(p) = &self.problem {
            return Some(p.to_string());
        }
        match &self.sidecar {
            Sidecar::Mismatch(expected) => Some(format!(
                "bundle file: SHA-256 {} differs from the sidecar's {expected}",
                self.sha256
            )),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct FrameState {
    produced: u64,
    frame_start: u64,
}

enum Dec<R: BufRead> {
    Between(R),
    Zstd(zstd::stream::read::Decoder<'static, R>),
    Gz(flate2::bufread::GzDecoder<R>),
    Done,
}

/// Decodes concatenated frames one by one, so the caller knows where each frame began.
struct FrameReader<R: BufRead> {
    dec: Dec<R>,
    format: Format,
    state: Rc<RefCell<FrameState>>,
}

impl<R: BufRead> Read for FrameReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let dec = std::mem::replace(&mut self.dec, Dec::Done);
            match dec {
                Dec::Done => return Ok(0),
                Dec::Between(mut r) => {
                    if r.fill_buf()?.is_empty() {
                        return Ok(0);
                    }
                    let mut st = self.state.borrow_mut();
                    st.frame_start = st.produced;
                    self.dec = match self.format {
                        Format::TarZst => {
                            Dec::Zstd(zstd::stream::read::Decoder::with_buffer(r)?.single_frame())
                        }
                        Format::TarGz => Dec::Gz(flate2::bufread::GzDecoder::new(r)),
                    };
                }
                Dec::Zstd(mut d) => {
                    let n = d.read(buf)?;
                    if n == 0 {
                        self.dec = Dec::Between(d.finish());
                        continue;
                    }
                    self.state.borrow_mut().produced += n as u64;
                    self.dec = Dec::Zstd(d);
                    return Ok(n);
                }
                Dec::Gz(mut d) => {
                    let n = d.read(buf)?;
                    if n == 0 {
                        self.dec = Dec::Between(d.into_inner());
                        continue;
                    }
                    self.state.borrow_mut().produced += n as u64;
                    self.dec = Dec::Gz(d);
                    return Ok(n);
                }
            }
        }
    }
}

struct HashSink<'a>(&'a mut Sha256, Option<&'a mut Vec<u8>>);

impl Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        if let Some(keep) = self.1.as_deref_mut() {
            if keep.len() + buf.len() > MAX_MANIFEST {
                return Err(io::Error::other("manifest larger than 1 GiB"));
            }
            keep.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

const MAX_MANIFEST: usize = 1 << 30;

/// Detects the bundle format from its first bytes.
pub fn detect_format(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Format::TarZst)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(Format::TarGz)
    } else {
        None
    }
}

struct Member {
    name: String,
    sha256: String,
}

/// Verifies a bundle.
#[allow(clippy::disallowed_methods)] // a bundle huoyan wrote
pub fn verify(bundle: &Path) -> Result<VerifyReport, CollectError> {
    let rerr = |e| CollectError::read(bundle, e);
    let file = huoyan_core::outfile::open_regular(bundle).map_err(rerr)?;
    let (sha256, _) = huoyan_core::hash::sha256_reader(&file).map_err(rerr)?;
    let sidecar = read_sidecar(bundle, &sha256);

    let file = huoyan_core::outfile::open_regular(bundle).map_err(rerr)?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    // A damaged magic number must still be reported as a damaged (first) member, so the format
    // falls back to the file name.
    let name = bundle.to_string_lossy();
    let format = detect_format(reader.fill_buf().map_err(rerr)?).unwrap_or(
        if name.ends_with(".gz") || name.ends_with(".tgz") {
            Format::TarGz
        } else {
            Format::TarZst
        },
    );
    let state = Rc::new(RefCell::new(FrameState::default()));
    let frames = FrameReader {
        dec: Dec::Between(reader),
        format,
        state: Rc::clone(&state),
    };
    let mut archive = tar::Archive::new(frames);
    let mut members: Vec<Member> = Vec::new();
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut problem: Option<Problem> = None;
    let mut last_header: Option<(String, u64)> = None;
    match archive.entries() {
        Err(e) => {
            problem = Some(Problem {
                member: None,
                detail: format!("cannot read the archive: {e}"),
            })
        }
        Ok(entries) => {
            for item in entries {
                let mut entry = match item {
                    Ok(entry) => entry,
                    Err(e) => {
                        problem = Some(blame(&state, last_header.as_ref(), &e));
                        break;
                    }
                };
                let name = huoyan_core::text::bytes_to_string(&entry.path_bytes());
                last_header = Some((name.clone(), entry.raw_header_position()));
                let mut hasher = Sha256::new();
                let mut keep = (name == MANIFEST).then(Vec::new);
                let copied = io::copy(&mut entry, &mut HashSink(&mut hasher, keep.as_mut()));
                if let Err(e) = copied {
                    problem = Some(Problem {
                        member: Some(name),
                        detail: format!("damaged: {e}"),
                    });
                    break;
                }
                if let Some(k) = keep {
                    manifest_bytes = Some(k);
                }
                members.push(Member {
                    name,
                    sha256: hex::encode(hasher.finalize()),
                });
            }
        }
    }
    // The tar reader stops at the end-of-archive marker, before the last frame's trailer (the
    // gzip CRC, the zstd checksum): read to the end so damage there is caught too — it is the
    // manifest's frame, and a manifest altered without a decoding error would blame innocent
    // members.
    if problem.is_none() {
        let mut rest = archive.into_inner();
        if let Err(e) = io::copy(&mut rest, &mut io::sink()) {
            problem = Some(blame(&state, last_header.as_ref(), &e));
        }
    }
    let mut manifest_entries = 0;
    let decode_problem = problem;
    let manifest_damaged = decode_problem
        .as_ref()
        .is_some_and(|p| p.member.as_deref() == Some(MANIFEST));
    let mut problem = None;
    match manifest_bytes
        .as_deref()
        .filter(|_| !manifest_damaged)
        .map(parse_manifest)
    {
        Some(Ok(entries)) => {
            manifest_entries = entries.len();
            // The frame check is exact: every compressed byte belongs to one member's frame.
            problem = check_frames(bundle, &entries).map_err(rerr)?;
            if problem.is_none() && decode_problem.is_none() {
                problem = compare(&members, &entries);
            }
        }
        Some(Err(p)) => problem = Some(p),
        None => {
            // Decoding stopped before the manifest (a damaged frame: the name read from it may
            // itself be damaged). The manifest's frame is the last one: find it from the end,
            // and let the frame check name the member from the manifest instead.
            if decode_problem.is_some() && !manifest_damaged {
                if let Some(entries) = manifest_from_tail(bundle, format) {
                    manifest_entries = entries.len();
                    problem = check_frames(bundle, &entries).map_err(rerr)?;
                }
            }
        }
    }
    let mut problem = problem.or(decode_problem);
    if problem.is_none() && manifest_bytes.is_none() {
        problem = Some(Problem {
            member: Some(MANIFEST.into()),
            detail: "missing: this is not a complete huoyan bundle".into(),
        });
    }
    if problem.is_none() {
        if let Sidecar::Mismatch(expected) = &sidecar {
            // Every member's frame checked out, so the damage lies in the frames no manifest
            // can describe: the manifest's own and the end-of-archive marker.
            problem = Some(Problem {
                member: Some(MANIFEST.into()),
                detail: format!(
                    "bundle SHA-256 {sha256} differs from the sidecar's {expected}; every listed member is intact, so the manifest or the end-of-archive marker was altered"
                ),
            });
        }
    }
    Ok(VerifyReport {
        bundle: bundle.to_path_buf(),
        sha256,
        members: members.len(),
        manifest_entries,
        problem,
        sidecar,
    })
}

/// Most bytes searched backwards from the end for the manifest's frame.
const TAIL_SEARCH: u64 = 64 * 1024 * 1024;

/// The manifest, read from the last frame of the bundle without decoding what precedes it: the
/// last position in the tail where a frame starts that decodes cleanly (checksum included) into a
/// tar stream whose first member is the manifest.
#[allow(clippy::disallowed_methods)] // a bundle huoyan wrote
fn manifest_from_tail(bundle: &Path, format: Format) -> Option<Vec<ManifestEntry>> {
    use std::io::{Seek, SeekFrom};
    let mut file = huoyan_core::outfile::open_regular(bundle).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_SEARCH);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::new();
    file.take(TAIL_SEARCH).read_to_end(&mut tail).ok()?;
    let magic: &[u8] = match format {
        Format::TarZst => &[0x28, 0xb5, 0x2f, 0xfd],
        Format::TarGz => &[0x1f, 0x8b, 0x08],
    };
    let candidates = memchr::memmem::rfind_iter(&tail, magic);
    for at in candidates {
        let frame = &tail[at..];
        let state = Rc::new(RefCell::new(FrameState::default()));
        let reader = FrameReader {
            dec: Dec::Between(BufReader::new(frame)),
            format,
            state,
        };
        let mut archive = tar::Archive::new(reader);
        let Ok(mut entries) = archive.entries() else {
            continue;
        };
        let Some(Ok(mut entry)) = entries.next() else {
            continue;
        };
        if huoyan_core::text::bytes_to_string(&entry.path_bytes()) != MANIFEST {
            continue;
        }
        let mut bytes = Vec::new();
        if entry
            .by_ref()
            .take(MAX_MANIFEST as u64)
            .read_to_end(&mut bytes)
            .is_err()
        {
            continue;
        }
        // To the end, so the frame's checksum is verified.
        if io::copy(&mut archive.into_inner(), &mut io::sink()).is_err() {
            continue;
        }
        if let Ok(parsed) = parse_manifest(&bytes) {
            return Some(parsed);
        }
    }
    None
}

/// Names the member a decoding error belongs to: the last member if its frame is the one being
/// decoded, otherwise the (unnamed) member that follows it.
fn blame(state: &Rc<RefCell<FrameState>>, last: Option<&(String, u64)>, e: &io::Error) -> Problem {
    let frame_start = state.borrow().frame_start;
    match last {
        Some((name, header_pos)) if *header_pos >= frame_start => Problem {
            member: Some(name.clone()),
            detail: format!("damaged: {e}"),
        },
        Some((name, _)) => Problem {
            member: Some(format!("(the member after {name})")),
            detail: format!("damaged header: {e}"),
        },
        None => Problem {
            member: Some("(the first member)".into()),
            detail: format!("damaged: {e}"),
        },
    }
}

fn parse_manifest(manifest: &[u8]) -> Result<Vec<ManifestEntry>, Problem> {
    let mut out = Vec::new();
    for (i, line) in manifest.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let entry: ManifestEntry = serde_json::from_slice(line).map_err(|e| Problem {
            member: Some(MANIFEST.into()),
            detail: format!("line {} is not a manifest entry: {e}", i + 1),
        })?;
        out.push(entry);
    }
    Ok(out)
}

/// Re-hashes each member's compressed frame where the manifest says it lies.
#[allow(clippy::disallowed_methods)] // a bundle huoyan wrote
fn check_frames(bundle: &Path, entries: &[ManifestEntry]) -> io::Result<Option<Problem>> {
    let mut frames: Vec<(&str, &FrameInfo)> = entries
        .iter()
        .filter_map(|e| Some((e.member.as_deref()?, e.frame.as_ref()?)))
        .collect();
    frames.sort_by_key(|(_, f)| f.offset);
    let mut file =
        BufReader::with_capacity(256 * 1024, huoyan_core::outfile::open_regular(bundle)?);
    let mut pos = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    for (member, frame) in frames {
        if frame.offset < pos {
            return Ok(Some(Problem {
                member: Some(member.to_string()),
                detail: "its frame overlaps the previous one in the manifest".into(),
            }));
        }
        io::copy(&mut (&mut file).take(frame.offset - pos), &mut io::sink())?;
        let mut hasher = Sha256::new();
        let mut left = frame.length;
        while left > 0 {
            let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                return Ok(Some(Problem {
                    member: Some(member.to_string()),
                    detail: "the bundle ends inside this member's frame (truncated)".into(),
                }));
            }
            hasher.update(&buf[..n]);
            left -= n as u64;
        }
        pos = frame.offset + frame.length;
        let got = hex::encode(hasher.finalize());
        if got != frame.sha256 {
            return Ok(Some(Problem {
                member: Some(member.to_string()),
                detail: format!(
                    "compressed bytes {}..{} of the bundle were altered (frame SHA-256 {got}, manifest {})",
                    frame.offset, pos, frame.sha256
                ),
            }));
        }
    }
    Ok(None)
}

fn compare(members: &[Member], entries: &[ManifestEntry]) -> Option<Problem> {
    let mut expected: std::collections::HashMap<&str, &str> = entries
        .iter()
        .filter_map(|e| Some((e.member.as_deref()?, e.sha256.as_deref()?)))
        .collect();
    for m in members {
        if m.name == MANIFEST {
            continue;
        }
        match expected.remove(m.name.as_str()) {
            None => {
                return Some(Problem {
                    member: Some(m.name.clone()),
                    detail: "not listed in the manifest".into(),
                })
            }
            Some(h) if h != m.sha256 => {
                return Some(Problem {
                    member: Some(m.name.clone()),
                    detail: format!("SHA-256 {} differs from the manifest's {h}", m.sha256),
                })
            }
            Some(_) => {}
        }
    }
    expected.keys().min().map(|name| Problem {
        member: Some((*name).to_string()),
        detail: "listed in the manifest but missing from the archive".into(),
    })
}

/// Most bytes read from a sidecar (one line: a hash, two spaces, a name).
const SIDECAR_CAP: u64 = 64 * 1024;

#[allow(clippy::disallowed_methods)] // the bundle's sidecar
fn read_sidecar(bundle: &Path, actual: &str) -> Sidecar {
    let path = crate::bundle::sidecar_path(bundle);
    let file = match huoyan_core::outfile::open_regular(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Sidecar::Missing,
        Err(e) => return Sidecar::Unreadable(e.to_string()),
    };
    let mut data = Vec::new();
    if let Err(e) = file.take(SIDECAR_CAP).read_to_end(&mut data) {
        return Sidecar::Unreadable(e.to_string());
    }
    let Ok(text) = std::str::from_utf8(&data) else {
        return Sidecar::Unreadable("not text".into());
    };
    match text.split_whitespace().next() {
        Some(h) if h.eq_ignore_ascii_case(actual) => Sidecar::Match,
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Sidecar::Mismatch(h.to_string())
        }
        Some(_) => Sidecar::Unreadable("no SHA-256 at the start of the file".into()),
        None => Sidecar::Unreadable("empty".into()),
    }
}
