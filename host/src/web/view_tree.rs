//! Plugin views: the declarative tree an `entity-view` plugin returns (`view-types` in wit/v0.2.0/views.wit, unchanged since 0.1.0)
//! turned into a model that the host's partials (`partials/view*.hbs`) render with
//! handlebars' escaping. Nothing in a view becomes markup: text is escaped by the templates,
//! Markdown goes through [`super::markdown`], code through [`super::highlight`], and links
//! keep only safe targets ([`super::urls::safe_href`]); tones and states map to fixed class
//! names.

use super::highlight::{Language, highlight};
use crate::runtime::bindings::latest::view_types::{
    Badge, Block, Cell, Link, LinkTarget, State, Status, Tone, View,
};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ViewModel {
    pub title: Option<String>,
    pub sections: Vec<SectionModel>,
}

#[derive(Debug, Serialize)]
pub struct SectionModel {
    pub title: Option<String>,
    pub blocks: Vec<BlockModel>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum BlockModel {
    Text {
        text: String,
    },
    /// Rendered by [`super::markdown::render`], which escapes everything it did not write.
    Markdown {
        html: String,
    },
    Fields {
        fields: Vec<FieldModel>,
    },
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<CellModel>>,
        empty_text: Option<String>,
    },
    Links {
        links: Vec<LinkModel>,
    },
    Badges {
        badges: Vec<BadgeModel>,
    },
    Status(StatusModel),
    /// `html` is escaped and highlighted by [`super::highlight`].
    Code {
        language: String,
        html: String,
    },
    Notice {
        tone: &'static str,
        title: String,
        message: String,
    },
    Action {
        label: String,
        action: String,
    },
}

#[derive(Debug, Serialize)]
pub struct FieldModel {
    pub label: String,
    pub value: CellModel,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CellModel {
    Text { text: String },
    Link(LinkModel),
    Badge(BadgeModel),
    Status(StatusModel),
    Code { text: String },
    Timestamp { value: String },
    Duration { text: String },
    Empty,
}

#[derive(Debug, Serialize)]
pub struct LinkModel {
    pub label: String,
    /// `None` when the plugin's target was refused: the label is shown as text.
    pub href: Option<String>,
    pub external: bool,
    /// A link to another state of the same view (loaded in place by the page's script).
    pub view: bool,
}

#[derive(Debug, Serialize)]
pub struct BadgeModel {
    pub label: String,
    pub tone: &'static str,
}

#[derive(Debug, Serialize)]
pub struct StatusModel {
    pub state: &'static str,
    pub label: String,
}

/// Where `link-target::view` links of this view point: the view's own page.
pub struct ViewLinks<'a> {
    pub view_path: &'a str,
}

fn tone(tone: Tone) -> &'static str {
    match tone {
        Tone::Neutral => "neutral",
        Tone::Info => "info",
        Tone::Success => "success",
        Tone::Warning => "warning",
        Tone::Danger => "danger",
    }
}

fn state(state: State) -> &'static str {
    match state {
        State::Ok => "ok",
        State::Warning => "warning",
        State::Error => "error",
        State::Pending => "pending",
        State::Running => "running",
        State::Unknown => "unknown",
    }
}

/// `1m 12s`, `850 ms`, `2h 5m`.
pub fn duration_text(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m"),
    }
}

impl ViewLinks<'_> {
    fn link(&self, link: Link) -> LinkModel {
        match link.target {
            LinkTarget::Url(url) => {
                let href = super::urls::safe_href(&url).map(str::to_string);
                LinkModel {
                    label: link.label,
                    external: href.as_deref().is_some_and(super::urls::is_external),
                    href,
                    view: false,
                }
            }
            LinkTarget::View(params) => LinkModel {
                label: link.label,
                href: Some(if params.is_empty() {
                    self.view_path.to_string()
                } else {
                    format!("{}?{}", self.view_path, super::urls::query(&params))
                }),
                external: false,
                view: true,
            },
        }
    }

    fn badge(&self, badge: Badge) -> BadgeModel {
        BadgeModel {
            label: badge.label,
            tone: tone(badge.tone),
        }
    }

    fn status(&self, status: Status) -> StatusModel {
        StatusModel {
            state: state(status.state),
            label: status.label,
        }
    }

    fn cell(&self, cell: Cell) -> CellModel {
        match cell {
            Cell::Text(text) => CellModel::Text { text },
            Cell::Link(link) => CellModel::Link(self.link(link)),
            Cell::Badge(badge) => CellModel::Badge(self.badge(badge)),
            Cell::Status(status) => CellModel::Status(self.status(status)),
            Cell::Code(text) => CellModel::Code { text },
            Cell::Timestamp(value) => CellModel::Timestamp { value },
            Cell::DurationMs(ms) => CellModel::Duration {
                text: duration_text(ms),
            },
            Cell::Empty => CellModel::Empty,
        }
    }

    fn block(&self, block: Block) -> BlockModel {
        match block {
            Block::Text(text) => BlockModel::Text { text },
            Block::Markdown(source) => BlockModel::Markdown {
                html: super::markdown::render(&source),
            },
            Block::Fields(fields) => BlockModel::Fields {
                fields: fields
                    .into_iter()
                    .map(|f| FieldModel {
                        label: f.label,
                        value: self.cell(f.value),
                    })
                    .collect(),
            },
            Block::Table(table) => {
                let width = table.columns.len();
                BlockModel::Table {
                    columns: table.columns,
                    rows: table
                        .rows
                        .into_iter()
                        .map(|row| {
                            let mut cells: Vec<CellModel> =
                                row.into_iter().map(|c| self.cell(c)).collect();
                            // Ragged rows would shift columns; pad or cut to the header.
                            if width > 0 {
                                cells.truncate(width);
                                while cells.len() < width {
                                    cells.push(CellModel::Empty);
                                }
                            }
                            cells
                        })
                        .collect(),
                    empty_text: table.empty_text,
                }
            }
            Block::Links(links) => BlockModel::Links {
                links: links.into_iter().map(|l| self.link(l)).collect(),
            },
            Block::Badges(badges) => BlockModel::Badges {
                badges: badges.into_iter().map(|b| self.badge(b)).collect(),
            },
            Block::Status(status) => BlockModel::Status(self.status(status)),
            Block::Code(code) => {
                let language = Language::sniff(&code.content, &code.language);
                BlockModel::Code {
                    html: highlight(&code.content, language),
                    language: code.language,
                }
            }
            Block::Notice(notice) => BlockModel::Notice {
                tone: tone(notice.tone),
                title: notice.title,
                message: notice.message,
            },
            Block::Action(action) => BlockModel::Action {
                label: action.label,
                action: action.action,
            },
        }
    }

    /// The model of a whole view.
    pub fn view(&self, view: View) -> ViewModel {
        ViewModel {
            title: view.title,
            sections: view
                .sections
                .into_iter()
                .map(|s| SectionModel {
                    title: s.title,
                    blocks: s.blocks.into_iter().map(|b| self.block(b)).collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::latest::view_types::{Section, Table};

    #[test]
    fn refused_links_keep_their_label_only() {
        let links = ViewLinks {
            view_path: "/catalog/default/component/x/views/p/v",
        };
        let model = links.link(Link {
            label: "x".into(),
            target: LinkTarget::Url("javascript:alert(1)".into()),
        });
        assert!(model.href.is_none());
        let model = links.link(Link {
            label: "page 2".into(),
            target: LinkTarget::View(vec![("page".into(), "2&x=<y>".into())]),
        });
        assert_eq!(
            model.href.as_deref(),
            Some("/catalog/default/component/x/views/p/v?page=2%26x%3D%3Cy%3E")
        );
    }

    #[test]
    fn ragged_rows_are_padded_and_durations_formatted() {
        let links = ViewLinks { view_path: "/v" };
        let model = links.view(View {
            title: None,
            sections: vec![Section {
                title: None,
                blocks: vec![Block::Table(Table {
                    columns: vec!["a".into(), "b".into()],
                    rows: vec![vec![Cell::DurationMs(72_000)], vec![Cell::Empty; 3]],
                    empty_text: None,
                })],
            }],
        });
        match &model.sections[0].blocks[0] {
            BlockModel::Table { rows, .. } => {
                assert_eq!(rows[0].len(), 2);
                assert_eq!(rows[1].len(), 2);
                assert!(matches!(&rows[0][0], CellModel::Duration { text } if text == "1m 12s"));
            }
            other => panic!("{other:?}"),
        }
    }
}
