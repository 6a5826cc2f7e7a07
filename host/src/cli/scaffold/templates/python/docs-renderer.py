"""{{name}}: documentation pages."""

import html

from logic import describe
from portico_sdk import PluginError, entity, handler
from wit_world import exports
from wit_world.exports.docs import Heading, NavItem, Page


class Docs(exports.Docs):
    def has_docs(self, e) -> bool:
        try:
            return bool(entity.parse(e).description)
        except PluginError:
            return False

    @handler
    def render_page(self, e, path: str) -> Page:
        if path:
            raise PluginError.not_found(f"no page {path}")
        d = entity.parse(e)
        summary = describe(d.raw)
        body = d.description or ""
        return Page(
            path=path,
            title=d.name,
            html=f'<h1 id="about">About</h1><p>{html.escape(summary)}</p><p>{html.escape(body)}</p>',
            toc=[Heading(level=1, text="About", anchor="about")],
            nav=[NavItem(title="About", path="", depth=0)],
            text=f"{summary}\n{body}",
        )
