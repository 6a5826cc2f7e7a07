"""{{name}}: a card on entity pages."""

from logic import describe
from portico_sdk import entity, handler
from wit_world import exports
from wit_world.exports.views import Placement, ViewInfo
from wit_world.imports.view_types import Block_Text, Section, View


class Views(exports.Views):
    def views_for(self, e) -> list[ViewInfo]:
        return [ViewInfo(id="{{id}}", title="{{name}}", placement=Placement.CARD)]

    @handler
    def render(self, view_id: str, e, params) -> View:
        d = entity.parse(e)
        return View(title="{{name}}", sections=[Section(title=None, blocks=[Block_Text(describe(d.raw))])])
