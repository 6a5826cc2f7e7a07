//! The `entity-view` extension point: the [`Views`] trait, the view tree types and builders.
//!
//! ```
//! use portico_sdk::view::*;
//!
//! let view = View::new("Deployments")
//!     .section(
//!         Section::new("Current")
//!             .status(State::Ok, "Healthy")
//!             .field("Version", code("1.4.2"))
//!             .field("Deployed", timestamp("2026-11-29T10:00:00Z"))
//!             .link("Dashboard", "https://grafana.example.com/d/abc"),
//!     )
//!     .section(
//!         Section::new("History").table(
//!             Table::new(["Version", "When"])
//!                 .row([code("1.4.1"), timestamp("2026-11-28T09:00:00Z")])
//!                 .empty_text("No deployments yet"),
//!         ),
//!     );
//! assert_eq!(view.sections.len(), 2);
//! ```

pub use crate::worlds::entity_view::exports::portico::plugin::views::{
    Guest as Views, Placement, ViewInfo,
};
pub use crate::worlds::entity_view::portico::plugin::view_types::{
    ActionButton, Badge, Block, Cell, CodeBlock, Field, Link, LinkTarget, Notice, Section, State,
    Status, Table, Tone, View,
};

use crate::error::{ErrorKind, PluginError};

impl ViewInfo {
    /// A view shown as a tab.
    pub fn tab(id: impl Into<String>, title: impl Into<String>) -> Self {
        ViewInfo {
            id: id.into(),
            title: title.into(),
            placement: Placement::Tab,
        }
    }

    /// A view shown as a card.
    pub fn card(id: impl Into<String>, title: impl Into<String>) -> Self {
        ViewInfo {
            id: id.into(),
            title: title.into(),
            placement: Placement::Card,
        }
    }
}

impl View {
    /// An empty view with a title.
    pub fn new(title: impl Into<String>) -> Self {
        View {
            title: Some(title.into()),
            sections: Vec::new(),
        }
    }

    /// An empty view without a title.
    pub fn untitled() -> Self {
        View {
            title: None,
            sections: Vec::new(),
        }
    }

    /// Appends a section.
    pub fn section(mut self, section: Section) -> Self {
        self.sections.push(section);
        self
    }

    /// Appends a block to the last section (starting an untitled one if there is none).
    pub fn block(mut self, block: Block) -> Self {
        match self.sections.last_mut() {
            Some(section) => section.blocks.push(block),
            None => self.sections.push(Section::untitled().block(block)),
        }
        self
    }

    /// Appends a text block to the last section.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.block(Block::Text(text.into()))
    }

    /// Appends a notice explaining `error` to the last section.
    pub fn error(self, error: &PluginError) -> Self {
        self.block(Block::Notice(Notice::from_error(error)))
    }

    /// The text of every `text` block, in order (handy in tests).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().flat_map(|s| {
            s.blocks.iter().filter_map(|b| match b {
                Block::Text(t) => Some(t.as_str()),
                _ => None,
            })
        })
    }
}

impl Section {
    /// An empty section with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Section {
            title: Some(title.into()),
            blocks: Vec::new(),
        }
    }

    /// An empty section without a title.
    pub fn untitled() -> Self {
        Section {
            title: None,
            blocks: Vec::new(),
        }
    }

    /// Appends any block.
    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// Appends plain text.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.block(Block::Text(text.into()))
    }

    /// Appends CommonMark (rendered without raw HTML).
    pub fn markdown(self, markdown: impl Into<String>) -> Self {
        self.block(Block::Markdown(markdown.into()))
    }

    /// Appends a key/value list.
    pub fn fields(self, fields: impl IntoIterator<Item = Field>) -> Self {
        self.block(Block::Fields(fields.into_iter().collect()))
    }

    /// Adds one key/value pair, to the key/value list that ends the section or a new one.
    pub fn field(mut self, label: impl Into<String>, value: impl Into<Cell>) -> Self {
        let field = Field::new(label, value);
        match self.blocks.last_mut() {
            Some(Block::Fields(fields)) => fields.push(field),
            _ => self.blocks.push(Block::Fields(vec![field])),
        }
        self
    }

    /// Appends a table.
    pub fn table(self, table: Table) -> Self {
        self.block(Block::Table(table))
    }

    /// Appends a list of links.
    pub fn links(self, links: impl IntoIterator<Item = Link>) -> Self {
        self.block(Block::Links(links.into_iter().collect()))
    }

    /// Adds one URL link, to the link list that ends the section or a new one.
    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        let link = Link::url(label, url);
        match self.blocks.last_mut() {
            Some(Block::Links(links)) => links.push(link),
            _ => self.blocks.push(Block::Links(vec![link])),
        }
        self
    }

    /// Appends a row of badges.
    pub fn badges(self, badges: impl IntoIterator<Item = Badge>) -> Self {
        self.block(Block::Badges(badges.into_iter().collect()))
    }

    /// Appends a status indicator.
    pub fn status(self, state: State, label: impl Into<String>) -> Self {
        self.block(Block::Status(Status::new(state, label)))
    }

    /// Appends a code block; `language` is a highlighting hint or empty.
    pub fn code(self, language: impl Into<String>, content: impl Into<String>) -> Self {
        self.block(Block::Code(CodeBlock {
            language: language.into(),
            content: content.into(),
        }))
    }

    /// Appends a message box.
    pub fn notice(self, tone: Tone, title: impl Into<String>, message: impl Into<String>) -> Self {
        self.block(Block::Notice(Notice {
            tone,
            title: title.into(),
            message: message.into(),
        }))
    }

    /// Appends a notice explaining `error` (see [`Notice::from_error`]).
    pub fn error(self, error: &PluginError) -> Self {
        self.block(Block::Notice(Notice::from_error(error)))
    }

    /// Appends a button that starts the action `plugin-id:action-id` with JSON `input`.
    pub fn action(
        self,
        label: impl Into<String>,
        action: impl Into<String>,
        input: impl Into<String>,
    ) -> Self {
        self.block(Block::Action(ActionButton {
            label: label.into(),
            action: action.into(),
            input: input.into(),
        }))
    }
}

impl Notice {
    /// A notice that explains a plugin error to the reader: the tone and title follow the
    /// error's kind, the message is the error's message.
    pub fn from_error(error: &PluginError) -> Self {
        let (tone, title) = match error.kind {
            ErrorKind::InvalidInput => (Tone::Danger, "Invalid input"),
            ErrorKind::NotFound => (Tone::Info, "Not found"),
            ErrorKind::Denied => (Tone::Danger, "Access denied"),
            ErrorKind::Unavailable => (Tone::Warning, "Service unavailable"),
            ErrorKind::RateLimited => (Tone::Warning, "Rate limited"),
            ErrorKind::Timeout => (Tone::Warning, "Timed out"),
            ErrorKind::Internal => (Tone::Danger, "Plugin error"),
        };
        Notice {
            tone,
            title: title.to_string(),
            message: error.message.clone(),
        }
    }
}

impl Table {
    /// An empty table with these column headers.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            empty_text: None,
        }
    }

    /// Appends a row (use [`text`], [`code`], [`timestamp`], `Link::url(..).into()`...).
    pub fn row(mut self, cells: impl IntoIterator<Item = Cell>) -> Self {
        self.rows.push(cells.into_iter().collect());
        self
    }

    /// Appends many rows.
    pub fn rows<R: IntoIterator<Item = Cell>>(mut self, rows: impl IntoIterator<Item = R>) -> Self {
        self.rows
            .extend(rows.into_iter().map(|r| r.into_iter().collect()));
        self
    }

    /// What to show instead of an empty table.
    pub fn empty_text(mut self, text: impl Into<String>) -> Self {
        self.empty_text = Some(text.into());
        self
    }
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<Cell>) -> Self {
        Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

impl Link {
    /// A link to an absolute http(s) URL or a path within the portal.
    pub fn url(label: impl Into<String>, url: impl Into<String>) -> Self {
        Link {
            label: label.into(),
            target: LinkTarget::Url(url.into()),
        }
    }

    /// A link to the same view with these parameters (drill-down, paging).
    pub fn view<K: Into<String>, V: Into<String>>(
        label: impl Into<String>,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Link {
            label: label.into(),
            target: LinkTarget::View(
                params
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }
}

impl Badge {
    pub fn new(label: impl Into<String>, tone: Tone) -> Self {
        Badge {
            label: label.into(),
            tone,
        }
    }
}

impl Status {
    pub fn new(state: State, label: impl Into<String>) -> Self {
        Status {
            state,
            label: label.into(),
        }
    }
}

/// A plain text cell.
pub fn text(text: impl Into<String>) -> Cell {
    Cell::Text(text.into())
}

/// A monospace cell (a commit sha, a version).
pub fn code(code: impl Into<String>) -> Cell {
    Cell::Code(code.into())
}

/// An RFC 3339 timestamp cell, shown in the reader's time zone and as "3 min ago".
pub fn timestamp(rfc3339: impl Into<String>) -> Cell {
    Cell::Timestamp(rfc3339.into())
}

/// A duration cell, shown as `1m 12s`.
pub fn duration_ms(ms: u64) -> Cell {
    Cell::DurationMs(ms)
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    /// `None` becomes an empty cell.
    fn from(s: Option<String>) -> Self {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

impl From<Link> for Cell {
    fn from(l: Link) -> Self {
        Cell::Link(l)
    }
}

impl From<Badge> for Cell {
    fn from(b: Badge) -> Self {
        Cell::Badge(b)
    }
}

impl From<Status> for Cell {
    fn from(s: Status) -> Self {
        Cell::Status(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_produce_the_expected_tree() {
        let view = View::new("Status")
            .section(
                Section::new("Now")
                    .status(State::Warning, "Degraded")
                    .field("Version", code("1.2"))
                    .field("Owner", "team-a")
                    .link("Status page", "https://status.example.com")
                    .link("Docs", "/docs/default/component/x"),
            )
            .section(
                Section::untitled().table(
                    Table::new(["Title", "Since"])
                        .row([Link::url("Outage", "https://x").into(), timestamp("t")])
                        .empty_text("none"),
                ),
            );
        assert_eq!(view.title.as_deref(), Some("Status"));
        let now = &view.sections[0];
        assert_eq!(now.blocks.len(), 3, "fields and links are merged: {now:?}");
        assert!(matches!(&now.blocks[0], Block::Status(s) if s.state == State::Warning));
        match &now.blocks[1] {
            Block::Fields(f) => {
                assert_eq!(f.len(), 2);
                assert_eq!(f[1].label, "Owner");
                assert!(matches!(&f[0].value, Cell::Code(c) if c == "1.2"));
                assert!(matches!(&f[1].value, Cell::Text(t) if t == "team-a"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&now.blocks[2], Block::Links(l) if l.len() == 2));
        match &view.sections[1].blocks[0] {
            Block::Table(t) => {
                assert_eq!(t.columns, ["Title", "Since"]);
                assert_eq!(t.rows.len(), 1);
                assert!(matches!(&t.rows[0][0], Cell::Link(l) if l.label == "Outage"));
                assert_eq!(t.empty_text.as_deref(), Some("none"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn view_level_blocks_start_a_section_and_texts_reads_them() {
        let view = View::untitled()
            .text("hello")
            .error(&PluginError::rate_limited("retry in 5s"));
        assert_eq!(view.sections.len(), 1);
        assert_eq!(view.texts().collect::<Vec<_>>(), ["hello"]);
        match &view.sections[0].blocks[1] {
            Block::Notice(n) => {
                assert_eq!(n.tone, Tone::Warning);
                assert_eq!(n.title, "Rate limited");
                assert_eq!(n.message, "retry in 5s");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn view_links_carry_params() {
        let l = Link::view("Page 2", [("page", "2")]);
        assert!(
            matches!(l.target, LinkTarget::View(p) if p == [("page".to_string(), "2".to_string())])
        );
    }
}
