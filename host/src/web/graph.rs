//! The relations graph of an entity page, drawn on the server as SVG: the entity in the
//! middle, what it belongs to or relies on at the left (owner, system, APIs it provides or
//! consumes, dependencies), what relies on it or belongs to it at the right. Every node
//! links to its entity page. Text is escaped; colours come from the stylesheet's classes.

use super::urls::entity_ref_path;
use handlebars::html_escape;
use std::fmt::Write as _;

/// Nodes drawn per side before a "+N more" node.
const MAX_PER_SIDE: usize = 12;
const NODE_W: i32 = 250;
/// Horizontal room for the edges and their labels between columns.
const GAP: i32 = 150;
const NODE_H: i32 = 40;
const ROW: i32 = 52;
const CENTER_W: i32 = 240;

/// Relation types drawn at the left of the entity.
const LEFT: &[&str] = &[
    "ownedBy",
    "partOf",
    "childOf",
    "memberOf",
    "dependsOn",
    "consumesApi",
    "providesApi",
];

pub struct Relation {
    pub relation_type: String,
    pub target_ref: String,
}

/// `kind:namespace/name` → (`kind`, `name` or `namespace/name` outside `default`).
fn label_of(entity_ref: &str) -> (String, String) {
    match entity_ref.split_once(':') {
        Some((kind, rest)) => {
            let name = rest.strip_prefix("default/").unwrap_or(rest);
            (kind.to_string(), name.to_string())
        }
        None => (String::new(), entity_ref.to_string()),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn node(svg: &mut String, x: i32, y: i32, w: i32, entity_ref: &str, class: &str) {
    let (kind, name) = label_of(entity_ref);
    let href = entity_ref_path(entity_ref, None);
    if let Some(href) = &href {
        let _ = write!(
            svg,
            "<a href=\"{}\" class=\"graph-link\">",
            html_escape(href)
        );
    }
    let _ = write!(
        svg,
        "<g class=\"{class}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{NODE_H}\" rx=\"8\"/>\
<text x=\"{}\" y=\"{}\" class=\"graph-kind\">{}</text><text x=\"{}\" y=\"{}\" class=\"graph-name\">{}</text></g>",
        html_escape(entity_ref),
        x + 12,
        y + 15,
        html_escape(&kind.to_uppercase()),
        x + 12,
        y + 31,
        html_escape(&truncate(&name, 30)),
    );
    if href.is_some() {
        svg.push_str("</a>");
    }
}

fn more(svg: &mut String, x: i32, y: i32, count: usize) {
    let _ = write!(
        svg,
        "<g class=\"graph-more\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"8\"/>\
<text x=\"{}\" y=\"{}\" class=\"graph-name\">+{count} more (see Relations below)</text></g>",
        x + 12,
        y + 25
    );
}

fn edge(svg: &mut String, from: (i32, i32), to: (i32, i32), label: &str) {
    let mid = (from.0 + to.0) / 2;
    let _ = write!(
        svg,
        "<path class=\"graph-edge\" d=\"M{} {} C{mid} {} {mid} {} {} {}\"/>",
        from.0, from.1, from.1, to.1, to.0, to.1
    );
    let label_x = if from.0 < to.0 {
        from.0 + 8
    } else {
        from.0 - 8
    };
    let anchor = if from.0 < to.0 { "start" } else { "end" };
    let _ = write!(
        svg,
        "<text class=\"graph-label\" x=\"{label_x}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
        from.1 - 6,
        html_escape(label)
    );
}

/// The SVG for `entity_ref` and its relations, or `None` when it has none.
pub fn render(entity_ref: &str, relations: &[Relation]) -> Option<String> {
    if relations.is_empty() {
        return None;
    }
    let (left, right): (Vec<&Relation>, Vec<&Relation>) = relations
        .iter()
        .partition(|r| LEFT.contains(&r.relation_type.as_str()));
    let rows = |side: &Vec<&Relation>| side.len().min(MAX_PER_SIDE + 1) as i32;
    let count = rows(&left).max(rows(&right)).max(1);
    let height = count * ROW + 24;
    let center_y = height / 2 - NODE_H / 2;
    // Columns only where there are nodes, so a one-sided graph is not lopsided.
    let center_x = if left.is_empty() { 8 } else { 8 + NODE_W + GAP };
    let right_x = center_x + CENTER_W + GAP;
    let width = if right.is_empty() {
        center_x + CENTER_W + 8
    } else {
        right_x + NODE_W + 8
    };
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        "<svg class=\"graph\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Relations of {}\" xmlns=\"http://www.w3.org/2000/svg\">",
        html_escape(entity_ref)
    );
    for (side, items) in [(0, &left), (1, &right)] {
        let shown = items.len().min(if items.len() > MAX_PER_SIDE + 1 {
            MAX_PER_SIDE
        } else {
            MAX_PER_SIDE + 1
        });
        let total_rows = rows(items);
        let top = (height - total_rows * ROW) / 2 + (ROW - NODE_H) / 2;
        let x = if side == 0 { 8 } else { right_x };
        for (i, relation) in items.iter().take(shown).enumerate() {
            let y = top + i as i32 * ROW;
            let (from, to) = if side == 0 {
                (
                    (x + NODE_W, y + NODE_H / 2),
                    (center_x, center_y + NODE_H / 2),
                )
            } else {
                (
                    (x, y + NODE_H / 2),
                    (center_x + CENTER_W, center_y + NODE_H / 2),
                )
            };
            edge(&mut svg, from, to, &relation.relation_type);
            node(&mut svg, x, y, NODE_W, &relation.target_ref, "graph-node");
        }
        if items.len() > shown {
            more(&mut svg, x, top + shown as i32 * ROW, items.len() - shown);
        }
    }
    node(
        &mut svg,
        center_x,
        center_y,
        CENTER_W,
        entity_ref,
        "graph-center",
    );
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_link_to_entities_and_text_is_escaped() {
        let svg = render(
            "component:default/petstore",
            &[
                Relation {
                    relation_type: "ownedBy".into(),
                    target_ref: "group:default/team-<a>".into(),
                },
                Relation {
                    relation_type: "apiProvidedBy".into(),
                    target_ref: "api:default/pets".into(),
                },
            ],
        )
        .unwrap();
        assert!(
            svg.contains("href=\"/catalog/default/group/team-%3Ca%3E\""),
            "{svg}"
        );
        assert!(svg.contains("team-&lt;a&gt;"), "{svg}");
        assert!(!svg.contains("team-<a>"), "{svg}");
        assert!(svg.contains(">ownedBy</text>"), "{svg}");
        assert!(render("component:default/x", &[]).is_none());
    }

    #[test]
    fn many_relations_are_summarised() {
        let relations: Vec<Relation> = (0..30)
            .map(|i| Relation {
                relation_type: "dependencyOf".into(),
                target_ref: format!("component:default/c{i}"),
            })
            .collect();
        let svg = render("component:default/x", &relations).unwrap();
        assert!(svg.contains("+18 more"), "{svg}");
    }
}
