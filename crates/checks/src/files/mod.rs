//! Checks of the `files` area: files judged by where they are and what they contain, whatever
//! process or history points at them (on an image, nothing does).

use crate::Check;

mod staged_executables;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[&staged_executables::StagedExecutables];
