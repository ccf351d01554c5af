"""Typed keys reach the console one at a time, in the order they were typed.

Textual hands each key to the focused widget by posting it, and goes on to the next key at
once. Over SSH keys arrive in bursts, so a burst used to overtake itself: a priority Ctrl+S read
a form before the note's last characters had reached the text area, a name typed after Tab went
into the field Tab was leaving, and keys typed after `a` went nowhere while the advice form was
still opening. Here the App takes each key (and each paste) in turn and only hands over the next
once the last has settled: every widget it bubbled through has handled it, the bindings it
triggered have run, a screen it opened has mounted and focused its first field, and a save or a
claim it started has finished and its result is on screen.

A terminal sends Esc as the escape byte, which also starts Alt+key and the sequences of the
arrow and function keys. Textual's reader, given Esc and more keys in one read, holds them as
one unknown sequence and then hands the Esc on as a "^": Esc, `k` (keep the draft) and the next
keys of a burst were typed into the form instead. Here an escape byte followed in the same read
by anything that cannot start a key sequence (anything but `[`, `O` or another Esc) is read as
the Esc key, at once; and an Alt+key (Esc then one key, read apart) is taken for what it was
typed as, Esc and then the key: the console binds no Alt keys.
"""

from __future__ import annotations

import asyncio

from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.message_pump import MessagePump
from textual.widgets import Input, TextArea
from textual.worker import WorkerState

from helpdesk.domain.intake import has_control_characters

# How long one key may hold up the next. Only a screen that never answers, or a save stuck on
# a database that never answers, reaches this; the keys behind it are then handed on as before.
SETTLE_SECONDS = 30.0
# A key settles in a handful of rounds (widget, the messages it posts, bindings, a screen opened
# and its first field focused); a widget that keeps posting (a timer) cannot hold keys longer.
MAX_ROUNDS = 20


async def processed(node: MessagePump, timeout: float = SETTLE_SECONDS) -> bool:
    """Return once `node` has handled every message posted to it before this call (or has
    closed: a widget removed meanwhile handles nothing more). True if, by then, handling them
    had posted more to it (an Input posts Changed to itself as it takes a key): those come
    after this call, and the next round catches them."""
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def mark() -> None:
        if not done.done():
            done.set_result(node.message_queue_size > 0)

    if not node.call_later(mark):
        return False  # closing: it handles nothing more
    deadline = asyncio.get_running_loop().time() + timeout
    while not done.done() and not (node._closing or node._closed):
        if asyncio.get_running_loop().time() > deadline:
            return False
        try:
            await asyncio.wait_for(asyncio.shield(done), 0.05)
        except TimeoutError:
            pass
    return done.result() if done.done() else False


async def laid_out(screen: MessagePump, timeout: float = SETTLE_SECONDS) -> None:
    """Return once the screen has been laid out again. Focus moves in the order of where
    widgets are: a field just shown has no place until then, and Tab would pass it by."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def mark() -> None:
        if not done.done():
            done.set_result(None)

    if screen.call_after_refresh(mark):
        try:
            await asyncio.wait_for(done, timeout)
        except TimeoutError:
            pass


ESC = "\x1b"
ESC_KEY = "\x1b[27u"  # the Esc key in the kitty keyboard protocol, which Textual reads at once
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
PASTED_ESCAPE = "\x1a"


def escapes_as_keys(data: str, in_paste: bool = False) -> tuple[str, bool]:
    """`data` as read from the terminal, with each escape byte that is followed, in the same
    read, by a character that cannot continue a key sequence written as the Esc key; in pasted
    text, an escape byte that does not end the paste is marked as a control character (and the
    paste refused), never read as keys. Returns the data and whether it ends inside a paste."""
    out: list[str] = []
    index = 0
    while index < len(data):
        for marker, pasting in ((PASTE_START, True), (PASTE_END, False)):
            if data.startswith(marker, index):
                out.append(marker)
                index += len(marker)
                in_paste = pasting
                break
        else:
            marker = ""
        if marker:
            continue
        character = data[index]
        following = data[index + 1] if index + 1 < len(data) else ""
        if character == ESC and not in_paste and following and following not in "[O\x1b":
            out.append(ESC_KEY)
        elif character == ESC and in_paste and not PASTE_END.startswith(data[index : index + len(PASTE_END)]):
            # an escape byte inside pasted text: Textual's reader would end the paste there and
            # type the rest as keys, before the paste's start. SUB, the control character for
            # one that cannot be taken, keeps the paste whole, and the console refuses it.
            out.append(PASTED_ESCAPE)
        else:
            out.append(character)
        index += 1
    return "".join(out), in_paste


class EscapeKeyParser(XTermParser):
    """Textual's terminal reader, with Esc followed by another key read as Esc (see above)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._in_paste = False

    def feed(self, data: str):
        if data and not constants.DISABLE_KITTY_KEY:
            data, self._in_paste = escapes_as_keys(data, self._in_paste)
        return super().feed(data)


def read_escape_as_a_key() -> None:
    """Have the console's terminal driver read input with EscapeKeyParser."""
    from textual.drivers import linux_driver

    if linux_driver.XTermParser is XTermParser:
        linux_driver.XTermParser = EscapeKeyParser  # type: ignore[misc]  # a module global, replaced on purpose


def paste_refusal(widget: object, text: str) -> str | None:
    """Why a paste is not put into the field in front, whole: a one-line field never keeps just
    the first line of it, and no field takes control characters (an escape sequence) from it."""
    if isinstance(widget, Input):
        if any(separator in text for separator in "\r\n\v\f\x85\u2028\u2029"):
            return "Not pasted: this field takes one line, and the paste holds a line break (nothing was added)"
        if has_control_characters(text):
            return "Not pasted: the paste holds control characters, such as an escape sequence (nothing was added)"
    elif isinstance(widget, TextArea) and has_control_characters(
        text.replace("\r\n", "\n").replace("\r", "\n"), allow_newlines=True
    ):
        return "Not pasted: the paste holds control characters, such as an escape sequence (nothing was added)"
    return None


def as_typed(event: events.Event) -> list[events.Event]:
    """Alt+key as Esc then the key (see the module's docstring); any other event as it is."""
    if not isinstance(event, events.Key) or not event.key.startswith("alt+") or event.key == "alt+escape":
        return [event]
    key = event.key.removeprefix("alt+")
    character = event.character if event.character and event.character != "\x1b" else (key if len(key) == 1 else None)
    typed: list[events.Event] = [events.Key("escape", "\x1b"), events.Key(key, character)]
    if event._sender is not None:
        for one in typed:
            one.set_sender(event._sender)
    return typed


class KeysInOrder(App):
    """An App that hands typed keys on one at a time (see the module's docstring).

    A screen names, in `HOLDS_KEYS`, the worker groups whose work a later key depends on (a form's
    save, a call's claim and its reload): keys wait until those are done."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        read_escape_as_a_key()
        self._typed: asyncio.Queue[events.Event] | None = None
        self._typist: asyncio.Task | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._typed is None:
                self._typed = asyncio.Queue()
                self._typist = asyncio.create_task(self._hand_on_keys(), name="keys-in-order")
            for typed in as_typed(event):
                self._typed.put_nowait(typed)
            return
        await super().on_event(event)

    async def _hand_on_keys(self) -> None:
        assert self._typed is not None
        while True:
            event = await self._typed.get()
            try:
                # a key typed while the screen reads what it shows (a call just opened, the queue
                # on coming back to it) waits for it, as much as one typed after the key that
                # started the read
                await self._wait_for_first_read()
                await self._wait_for_held_work()
                if isinstance(event, events.Paste) and (refusal := paste_refusal(self.focused, event.text)):
                    self.refuse_paste(refusal)
                    continue
                await super().on_event(event)
                await self._settle()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - as Textual does with an error in a handler
                self._handle_exception(error)
            finally:
                self._typed.task_done()

    def refuse_paste(self, refusal: str) -> None:
        """Said where the eye is: a form shows it under the field (its own refuse_paste)."""
        on_screen = getattr(self.screen, "refuse_paste", None)
        if on_screen is not None:
            on_screen(refusal)
        else:
            self.notify(refusal, severity="error", title="Not pasted", timeout=15)

    async def keys_handled(self) -> None:
        """Return once every key typed so far has been handed on and has settled."""
        if self._typed is not None:
            await self._typed.join()

    async def _settle(self) -> None:
        """Wait until the key just handed on has had all its effects: each widget it passed
        through has handled it and the messages that handling posted (a Select's overlay posts
        its choice to itself, then to the Select, which takes the focus back), its bindings
        have run, focus and screen have stopped moving, and the screen is laid out."""
        for _ in range(MAX_ROUNDS):
            if not self.is_running:
                return
            screen, focused = self.screen, self.focused
            chain: list[MessagePump] = []
            node: MessagePump | None = focused or screen
            while node is not None and node is not self:  # the widget, then each it bubbles to
                chain.append(node)
                node = node._parent
            busy = False
            for node in chain:  # bottom up, each after the one below: what bubbles is chased
                busy |= await processed(node)
            await processed(self)  # bindings run as the key reaches the App again
            waited = await self._wait_for_held_work()
            if not (waited or busy) and self.screen is screen and self.focused is focused:
                if getattr(screen, "_layout_required", False):  # shown, hidden or resized meanwhile
                    await laid_out(screen)
                return

    async def _wait_for_first_read(self) -> None:
        """A screen that shows data (`read_once`) takes keys once its first read is back and shown,
        or has failed (the banner says so): a key cannot act on what is not on screen yet."""
        screen = self.screen
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while not getattr(screen, "read_once", True) and self.is_running:
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.005)
        if screen is self.screen:
            await processed(screen)  # what the read posted is shown before the key arrives

    async def _wait_for_held_work(self) -> bool:
        """Wait for the work the screen in front says later keys depend on; True if there was any."""
        screen = self.screen
        groups = getattr(screen, "HOLDS_KEYS", ())
        pending = [
            worker
            for worker in self.workers
            if worker.node is screen
            and worker.group in groups
            and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        for worker in pending:
            try:
                await asyncio.wait_for(asyncio.shield(worker.wait()), SETTLE_SECONDS)
            except Exception:  # noqa: BLE001 - its failure is its own to report; the keys go on
                pass
        return bool(pending)

    async def _shutdown(self) -> None:
        if self._typist is not None:
            self._typist.cancel()
        await super()._shutdown()
