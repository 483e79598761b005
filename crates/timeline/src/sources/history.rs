//! Shell commands with timestamps (bash `#epoch` lines, zsh extended history, fish `when:`), from
//! the history files of every account's home.

use huoyan_artifacts::history::read_user_histories;
use huoyan_artifacts::users::UserDb;
use huoyan_core::{Gap, Root};

use crate::{Category, Event};

pub(super) fn collect(root: &Root, users: &UserDb, events: &mut Vec<Event>, gaps: &mut Vec<Gap>) {
    let mut homes = users.homes();
    if !homes.iter().any(|(_, h)| h == "/root") {
        homes.push(("root".to_string(), "/root".to_string()));
    }
    for (user, home) in homes {
        let (files, errors) = read_user_histories(root, &user, &home);
        gaps.extend(
            errors
                .iter()
                .map(|e| Gap::from_error("timeline.history", e)),
        );
        for file in files {
            for entry in &file.entries {
                let Some(time) = entry.time else { continue };
                events.push(
                    Event::new(
                        time,
                        "history",
                        "command",
                        "Command Time",
                        Category::Process,
                        format!("{} ran: {}", file.user, entry.command),
                    )
                    .path(file.path.clone())
                    .user(file.user.clone()),
                );
            }
        }
    }
}
