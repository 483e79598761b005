//! huoyan-report: from findings and the timeline to a verdict, a reconstructed attack and the
//! incident report the responder hands over (cause, attack timeline, handling, prevention,
//! summary), in English or Chinese, as Markdown and as one self-contained HTML file.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod case;
pub mod diff;
pub mod entities;
pub mod export;
pub mod html;
pub mod i18n;
pub mod markdown;
pub mod pretty;
pub mod prevention;
pub mod rank;
pub mod story;
pub mod summary;
pub mod suppress;
pub mod tactics;
pub mod verdict;

pub use case::Case;
pub use i18n::Lang;
pub use story::{reconstruct, Story};
pub use verdict::{Coverage, Verdict};
