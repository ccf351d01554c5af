"""Keys your way: [keys] in the config file remaps the console's keys by id; each problem is
one line before the console opens; help and footer show the keys as remapped."""

from __future__ import annotations

import pytest

from helpdesk.tui.keymap import KeymapInvalid, checked_keymap
from support import burst, console, open_call, settle


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ({"call.reasign": "ctrl+r"}, "[keys]: no key has the id 'call.reasign' (did you mean 'call.reassign'?)"),
        ({"call.reassign": "a"}, "[keys]: 'call.reassign' on 'a' clashes with 'call.advice' (Advice) on Call"),
        ({"queue.filter": "g"}, "[keys]: 'queue.filter' on 'g' clashes with 'app.go-to-call' (Go to call) on Queue"),
        ({"call.reassign": ""}, '[keys]: \'call.reassign\' needs a key as text, such as "ctrl+r" or "f5"'),
        ({"call.reassign": 7}, '[keys]: \'call.reassign\' needs a key as text, such as "ctrl+r" or "f5"'),
    ],
)
def test_a_keymap_that_cannot_work_is_refused_in_one_line(table, said):
    with pytest.raises(KeymapInvalid) as refused:
        checked_keymap(table)
    assert str(refused.value) == said


def test_two_keys_may_swap():
    assert checked_keymap({"call.reassign": "a", "call.advice": "r"}) == {"call.reassign": "a", "call.advice": "r"}


async def test_a_remapped_key_works_and_help_and_footer_show_it(engine, clock, policy):
    from helpdesk.tui.forms.reassign import ReassignForm
    from helpdesk.tui.screen_keys import screen_keys
    from support import held_call

    concern_id = held_call(engine, clock, senior="bmorgan")
    app = console(engine, clock, policy, "lpark")
    app.set_keymap(checked_keymap({"call.reassign": "ctrl+r", "app.go-to-call": "f5"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        shown = {key.description: key.key for key in screen_keys(app.screen)}
        assert shown["Reassign"] == "^r" and shown["Go to call"] == "f5"
        await burst(pilot, "r")  # no longer reassigns
        assert not isinstance(app.screen, ReassignForm)
        await burst(pilot, "ctrl+r")
        assert isinstance(app.screen, ReassignForm)
